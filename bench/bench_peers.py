"""Phonon against scsynth (NRT) and Csound, whole process against whole process: the pytest
face of scripts/bench_peers.py (the full table: run that script). Quick mode (CI) renders 1 s
of each patch once, so the hand-written SynthDefs, OSC scores and .csd files cannot rot;
peers that are not installed are left out. Every output must be plausible (RMS within 3 dB
of Phonon's, spectral peak at a saw fundamental) or its time would not count.

    .venv/bin/pytest bench/bench_peers.py --benchmark-only -s
"""
import importlib.util

import pytest

from conftest import QUICK, ROOT

_spec = importlib.util.spec_from_file_location("bench_peers", ROOT / "scripts" / "bench_peers.py")
peers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(peers)

SECONDS = {"saw64": 60.0, "synth16": 600.0, "drums2000": 125.0}


@pytest.mark.parametrize("name", sorted(SECONDS))
def test_peers(benchmark, name):
    seconds = 1.0 if QUICK else SECONDS[name]
    res = benchmark.pedantic(peers.bench, args=(name, seconds, 1 if QUICK else 3, peers.peers()),
                             kwargs={"warm": not QUICK}, rounds=1, iterations=1)
    print("\n" + peers.table({(name, seconds): res}))
    problems = {p: r["problems"] for p, r in res.items() if r["problems"]}
    assert not problems, problems
    benchmark.extra_info.update({p: round(r["median"], 3) for p, r in res.items()})
