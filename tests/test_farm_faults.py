"""Faults: a killed worker's task re-runs; a raising task is a clean TaskFailed with the
remote traceback (CLI exit 1); SIGINT leaves no file, no segment, no child; the watchdog talks."""
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import farm_helpers as fh
from farm_drills import group_members
from phonon.spec import Ref
from workers import shm
from workers.errors import TaskFailed
from workers.farm import farm_render
from workers.mixer import MemorySink
from workers.planner import make_plan

pytestmark = pytest.mark.timeout(120)
ROOT = Path(__file__).resolve().parents[1]


def slow_spec(sleep=0.02, sr=8000):
    return fh.spec_of([(1, "t_slow", {"sleep": sleep}),
                       (2, "t_pole", {"in": Ref(1), "a": 0.99})], [("out", 2)], sr=sr)


@pytest.mark.parametrize("method", ["forkserver", "spawn"])
def test_sigkill_worker_mid_render_output_unchanged(method):
    spec = slow_spec()
    frames = 8000 * 4
    plan = make_plan(spec, frames, 2, mode="time", stages=False, chunk_frames=2048, block=256)
    logs = []
    killed = []

    def on_start(run):
        def killer():
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not killed:
                for task, started, name in run.executor.running():
                    if task is not None and task.chunk >= 2 and time.perf_counter() - started > 0.05:
                        pid = int(name.split("pid ")[1].rstrip(")"))
                        os.kill(pid, signal.SIGKILL)
                        killed.append(pid)
                        return
                time.sleep(0.01)
        threading.Thread(target=killer, daemon=True).start()

    sink = MemorySink()
    res = farm_render(spec, frames, sink, plan=plan, start_method=method, on_start=on_start,
                      log=logs.append)
    assert killed and res.retries >= 1
    assert any("re-running" in m for m in logs)
    ref, _ = fh.reference(spec, frames)
    assert fh.peak_diff(ref, sink.mix) <= 1e-6


def raising_spec():
    return fh.spec_of([(1, "t_sine", {"freq": 100.0}),
                       (2, "t_raise", {"in": Ref(1), "at": 12000.0})], [("out", 2)])


@pytest.mark.parametrize("backend", ["process", "inline"])
def test_raising_node_is_taskfailed_with_remote_traceback(backend):
    spec = raising_spec()
    plan = make_plan(spec, 8000 * 3, 2, mode="time", chunk_frames=4000, block=500)
    before = set(shm.live_segments(os.getpid()))
    with pytest.raises(TaskFailed) as ei:
        farm_render(spec, 8000 * 3, MemorySink(), plan=plan, backend=backend)
    e = ei.value
    assert "boom at sample 12000" in str(e)
    assert "Traceback" in e.remote_traceback and "t_raise" in e.remote_traceback
    assert e.__cause__ is not None and "boom" in str(e.__cause__)
    assert set(shm.live_segments(os.getpid())) == before  # every segment unlinked


def _cli(args, **kw):
    env = dict(os.environ, PYTHONPATH=fh.plugin_path())
    return subprocess.Popen([sys.executable, "-m", "workers", *args], env=env, cwd=str(ROOT),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def test_cli_raising_node_exit_1(tmp_path):
    p = tmp_path / "boom.phspec"
    p.write_bytes(raising_spec().to_bytes())
    out = tmp_path / "o.wav"
    proc = _cli([str(p), "--trust-spec", "-o", str(out), "--cores", "2", "--duration", "3",
                 "--chunk", "0.5", "--mode", "time"])
    so, se = proc.communicate(timeout=100)
    assert proc.returncode == 1, se
    assert "boom at sample 12000" in se and "worker traceback" in se
    assert not out.exists()


def test_sigint_cli_cleans_up(tmp_path):
    p = tmp_path / "slow.phspec"
    p.write_bytes(slow_spec(sleep=0.05).to_bytes())
    out = tmp_path / "o.wav"
    proc = _cli([str(p), "--trust-spec", "-o", str(out), "--cores", "2", "--duration", "30",
                 "--chunk", "0.5",
                 "--block", "256", "--mode", "time", "--start-method", "forkserver"],
                start_new_session=True)
    deadline = time.monotonic() + 60  # rendering: workers up and the run's segments created
    while time.monotonic() < deadline and (len(fh.children_of(proc.pid)) < 2
                                      or not shm.live_segments(proc.pid)):
        time.sleep(0.05)
    time.sleep(1.0)  # mid-render
    assert proc.poll() is None
    assert shm.live_segments(proc.pid)  # it did own segments
    os.kill(proc.pid, signal.SIGINT)
    so, se = proc.communicate(timeout=60)
    assert proc.returncode == 130, se
    assert not out.exists() and not list(tmp_path.glob("o.wav*"))
    assert shm.live_segments(proc.pid) == []
    # Nothing left in its process group (workers, fork server, resource tracker): these
    # helpers exit when their parent is gone; give them a moment.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        left = group_members(proc.pid)
        if not left:
            break
        time.sleep(0.1)
    assert not left, left


def test_watchdog_reports_slow_task(monkeypatch):
    import workers.farm as farm
    monkeypatch.setattr(farm, "WATCHDOG_MIN_SECONDS", 0.3)
    monkeypatch.setattr(farm, "WATCHDOG_FACTOR", 1.0)
    spec = slow_spec(sleep=0.2)
    plan = make_plan(spec, 8000, 1, mode="time", chunk_frames=8000, block=2000,
                     node_costs={"t_slow": 1e-6})  # predicted far below the 0.8 s it sleeps
    logs = []
    farm_render(spec, 8000, MemorySink(), plan=plan, log=logs.append)
    assert any("watchdog" in m for m in logs)


def test_streamed_task_killed_after_some_chunks_reruns_only_the_rest():
    """A task of several base chunks streams each chunk to the mixer as it is written. A
    worker killed after some of them: the re-run renders from the task's start again but
    writes only the chunks not yet reported (those may be mixed and their slots reused),
    and the output equals the single-process render."""
    from workers import farm as farmmod
    spec = slow_spec(sleep=0.01)
    frames = 8000 * 4
    plan = make_plan(spec, frames, 2, mode="time", stages=False, chunk_frames=2048, block=256)
    plan.configure(2048, [4])  # tasks of 4 base chunks
    sent, killed, streamed = [], [], []
    orig = farmmod._Run._chunk_task

    def record(self, s, k, attempt=0):
        t = orig(self, s, k, attempt)
        sent.append(t)
        return t

    def on_start(run):
        def killer():
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not killed:
                for task, started, name in run.executor.running():
                    if task is None or not task.stream or task.chunk < 1:
                        continue
                    j0 = task.start // plan.chunk
                    if j0 + 1 in run.done[task.stage]:  # two chunks reported, two to go
                        streamed.append(sorted(run.done[task.stage]))
                        os.kill(int(name.split("pid ")[1].rstrip(")")), signal.SIGKILL)
                        killed.append(task.chunk)
                        return
                time.sleep(0.002)
        threading.Thread(target=killer, daemon=True).start()

    farmmod._Run._chunk_task = record
    try:
        sink = MemorySink()
        res = farm_render(spec, frames, sink, plan=plan, on_start=on_start, log=lambda m: None)
    finally:
        farmmod._Run._chunk_task = orig
    assert killed and res.retries >= 1
    k = killed[0]
    first = next(t for t in sent if t.chunk == k and t.attempt == 0)
    rerun = next(t for t in sent if t.chunk == k and t.attempt == 1)
    assert first.stream and first.skip_to == first.start // plan.chunk
    assert rerun.start == first.start and rerun.skip_to >= first.skip_to + 2
    ref, _ = fh.reference(spec, frames)
    assert fh.peak_diff(ref, sink.mix) <= 1e-6
