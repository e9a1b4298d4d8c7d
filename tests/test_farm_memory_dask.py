"""The mixer's memory does not grow with the length of the piece; the dask backend
equals the single-process render (one LocalCluster for the module)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

import farm_helpers as fh
from workers.farm import farm_render
from workers.mixer import MemorySink
from workers.planner import make_plan

ROOT = Path(__file__).resolve().parents[1]

_MEM_SCRIPT = r"""
import sys, resource
import farm_helpers as fh
from workers.farm import farm_render
from workers.mixer import NullSink
from workers.planner import make_plan
seconds = float(sys.argv[1])
spec = fh.chain_spec(sr=44100)
frames = int(seconds * 44100)
plan = make_plan(spec, frames, 2, mode="time", chunk_frames=44100, block=8192)
farm_render(spec, frames, NullSink(), plan=plan)
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]
print(int(hwm))
"""


def _mixer_hwm_kb(seconds):
    env = dict(os.environ, PYTHONPATH=fh.plugin_path())
    r = subprocess.run([sys.executable, "-c", _MEM_SCRIPT, str(seconds)], env=env, cwd=str(ROOT),
                       capture_output=True, text=True, timeout=150)
    assert r.returncode == 0, r.stderr
    return int(r.stdout.split()[-1])


@pytest.mark.timeout(200)
def test_mixer_memory_does_not_grow_with_length():
    short, long = _mixer_hwm_kb(5), _mixer_hwm_kb(60)
    # 55 s more of stereo float64 would be ~39 MB if the mixer kept the render.
    assert long - short < 12_000, (short, long)


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    client = distributed.Client(cluster)
    # Workers import the test node kinds.
    client.run(lambda: __import__("farm_helpers"))
    yield client
    client.close()
    cluster.close()


@pytest.mark.timeout(180)
@pytest.mark.parametrize("mode,stages", [("time", True), ("branch", None)])
def test_dask_equals_single_process(dask_client, mode, stages):
    spec = fh.longtail_spec()
    frames = 8000 * 2 + 5
    plan = make_plan(spec, frames, 2, mode=mode, chunk_frames=1500, block=500, stages=stages)
    sink = MemorySink()
    farm_render(spec, frames, sink, plan=plan, backend="dask", client=dask_client)
    d = fh.peak_diff(fh.reference(spec, frames)[0], sink.mix)
    assert d <= 1e-6 if plan.uses_warmup else d == 0.0
