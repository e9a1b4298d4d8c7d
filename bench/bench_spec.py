"""Spec pickling and planning cost for every shared patch.

    .venv/bin/pytest bench/bench_spec.py --benchmark-only

`spec_dumps` / `spec_loads`: GraphSpec pickling (workers get the bytes once and
`pickle.loads` them per task: the deep clone of every task). `make_plan` at N = 1, 2, 4,
16 workers with the patch's calibrated costs (calibration itself is excluded: it is cached
by spec digest), over 60 s of audio (`PHONON_BENCH_QUICK=1`: 0.5 s).
"""
import pickle

import pytest

from phonon.compiler import compile_source

from conftest import SHARED_PATCHES, seconds

PATCHES = sorted(SHARED_PATCHES.glob("*.ph"))


def _spec(path):
    return compile_source(path.read_text(), filename=str(path))


@pytest.mark.parametrize("patch", PATCHES, ids=lambda p: p.stem)
def test_spec_dumps(benchmark, patch):
    spec = _spec(patch)
    data = benchmark(spec.to_bytes)
    benchmark.extra_info.update(bytes=len(data), nodes=len(spec.nodes))


@pytest.mark.parametrize("patch", PATCHES, ids=lambda p: p.stem)
def test_spec_loads(benchmark, patch):
    data = _spec(patch).to_bytes()
    spec = benchmark(pickle.loads, data)
    assert spec.digest() == pickle.loads(data).digest()
    benchmark.extra_info.update(bytes=len(data))


@pytest.mark.parametrize("workers", [1, 2, 4, 16])
@pytest.mark.parametrize("patch", PATCHES, ids=lambda p: p.stem)
def test_make_plan(benchmark, patch, workers):
    from workers import costs as costmod
    from workers.planner import make_plan
    from workers.task import engine_module

    engine_module()
    spec = _spec(patch)
    frames = int(seconds(60.0) * spec.sr)
    costs = costmod.calibrate(spec)
    plan = benchmark.pedantic(make_plan, args=(spec, frames, workers),
                              kwargs={"node_costs": costs, "cpus": workers}, rounds=3, iterations=1)
    benchmark.extra_info.update(mode=plan.mode, tasks=sum(s.ntasks for s in plan.stages),
                                predicted_wall_s=round(plan.predicted["wall_s"], 3),
                                predicted_speedup=round(plan.predicted["speedup"], 2))
