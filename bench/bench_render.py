"""Single-process render speed (x realtime) of every shared patch and the synth16 patch.

Render time is measured in-process: compilation, imports and numba loading are excluded
(reported separately as `setup_s` in extra_info). Run:

    .venv/bin/pytest bench/bench_render.py --benchmark-only
"""
import time

import pytest

from phonon.compiler import compile_source
from phonon.engine import Graph, render_blocks

from conftest import BENCH_PATCHES, SHARED_PATCHES, seconds

PATCHES = sorted(SHARED_PATCHES.glob("*.ph")) + [BENCH_PATCHES / "synth16.ph"]
DURATION = {"synth16": 60.0}


@pytest.mark.parametrize("patch", PATCHES, ids=lambda p: p.stem)
def test_render_speed(benchmark, patch):
    t0 = time.perf_counter()
    spec = compile_source(patch.read_text())
    Graph(spec).render(512)  # loads every kernel (numba cache) before timing
    setup = time.perf_counter() - t0
    dur = seconds(DURATION.get(patch.stem, 20.0))
    frames = int(dur * spec.sr)

    def run():
        g = Graph(spec)
        for _ in render_blocks(g, frames, 8192):
            pass

    benchmark.pedantic(run, rounds=1 if dur > 1 else 3, iterations=1)
    rt = dur / benchmark.stats.stats.mean
    benchmark.extra_info.update(audio_s=dur, x_realtime=round(rt, 2), setup_s=round(setup, 3))
    print(f"\n{patch.stem}: {rt:.1f}x realtime over {dur:.0f} s (setup {setup:.2f} s)")
