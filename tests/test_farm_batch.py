"""Batch rendering: `phonon-farm A.ph B.ph ... -o OUTDIR/` renders every patch on one pool, each
output equal to `phonon render` of its patch; a failing patch is reported and the others still
complete (exit 1); --skip-unchanged; the dask backend; --cores capped; start-up per worker."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import farm_helpers as fh

pytestmark = pytest.mark.timeout(150)
ROOT = Path(__file__).resolve().parents[1]
PATCHES = [fh.PATCHES / "house.ph", fh.PATCHES / "stress_synth.ph", ROOT / "examples" / "demo.ph",
           ROOT / "bench" / "patches" / "synth16.ph"]
OPTS = ["--duration", "1.5", "--sr", "22050", "--bit-depth", "32f", "--no-progress"]


def _env():
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return env


def farm(*args, timeout=140):
    return subprocess.run([sys.executable, "-m", "workers", *map(str, args)], env=_env(),
                          cwd=str(ROOT), capture_output=True, text=True, timeout=timeout)


def reference(patch: Path) -> np.ndarray:
    from phonon.compiler import compile_source
    from phonon.engine import mix_outputs, render_spec, spec_frames
    spec = compile_source(patch.read_text(), filename=str(patch), sr=22050)
    y = mix_outputs(render_spec(spec, spec_frames(spec, duration="1.5")))
    return y.astype(np.float32).astype(np.float64).T  # what a 32f file holds


def check_outputs(outdir: Path, patches):
    for p in patches:
        y = sf.read(str(outdir / f"{p.stem}.wav"), dtype="float64")[0]
        ref = reference(p)
        assert y.shape == ref.shape, p
        assert float(np.max(np.abs(y - ref))) <= 1e-6, p.name  # <= -120 dBFS (exact: 0)


def test_batch_renders_every_patch_on_one_pool(tmp_path):
    out = tmp_path / "out"
    r = farm(*PATCHES, "-o", f"{out}/", "--cores", "2", *OPTS)
    assert r.returncode == 0, r.stderr[-3000:]
    check_outputs(out, PATCHES)
    # more patches than workers: small ones are whole-patch tasks; one table row per patch
    assert "rendered whole as tasks" in r.stderr and "predicted" in r.stderr
    for p in PATCHES:
        assert any(line.startswith(p.name) and "ok (" in line for line in r.stdout.splitlines())
    assert "patch" in r.stdout and "x realtime" in r.stdout and "clipped" in r.stdout
    assert f"[{len(PATCHES)}/{len(PATCHES)}]" in r.stderr and "eta" in r.stderr
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == \
        sorted(f"{p.stem}.wav" for p in PATCHES)
    assert not list(out.glob(".*.partial-*"))


def test_a_failing_patch_is_reported_and_the_others_complete(tmp_path):
    bad = tmp_path / "bad.ph"
    bad.write_text("out: sine 440 #\n")
    good = PATCHES[:2]
    out = tmp_path / "o"
    r = farm(good[0], bad, good[1], "-o", f"{out}/", "--cores", "2", *OPTS)
    assert r.returncode == 1, r.stderr[-2000:]
    assert "Traceback" not in r.stderr
    assert "bad.ph" in r.stderr and "1:" in r.stderr  # its error, with line:col
    assert any(line.startswith("bad.ph") and "FAILED" in line for line in r.stdout.splitlines())
    check_outputs(out, good)
    assert not (out / "bad.wav").exists()


def test_skip_unchanged(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    pa, pb = src / "a.ph", src / "b.ph"
    pa.write_text(PATCHES[0].read_text())
    pb.write_text(PATCHES[2].read_text())
    out = tmp_path / "o"
    r1 = farm(pa, pb, "-o", f"{out}/", "--cores", "2", "--skip-unchanged", *OPTS)
    assert r1.returncode == 0, r1.stderr[-2000:]
    mt = (out / "a.wav").stat().st_mtime_ns
    r2 = farm(pa, pb, "-o", f"{out}/", "--cores", "2", "--skip-unchanged", *OPTS)
    assert r2.returncode == 0 and r2.stdout.count("unchanged (skipped)") == 2, r2.stdout
    assert (out / "a.wav").stat().st_mtime_ns == mt
    pb.write_text(PATCHES[1].read_text())  # b changed: only b renders again
    r3 = farm(pa, pb, "-o", f"{out}/", "--cores", "2", "--skip-unchanged", *OPTS)
    assert r3.returncode == 0 and r3.stdout.count("unchanged (skipped)") == 1, r3.stdout
    y = sf.read(str(out / "b.wav"), dtype="float64")[0]
    assert float(np.max(np.abs(y - reference(PATCHES[1])))) <= 1e-6
    r4 = farm(pa, pb, "-o", f"{out}/", "--cores", "2", "--skip-unchanged", "--bit-depth", "24",
              *OPTS[:4], "--no-progress")  # other options: not unchanged
    assert r4.returncode == 0 and "unchanged (skipped)" not in r4.stdout


def test_batch_on_dask(tmp_path):
    pytest.importorskip("distributed")
    out = tmp_path / "o"
    r = farm(PATCHES[0], PATCHES[2], "-o", f"{out}/", "--cores", "2", "--backend", "dask", *OPTS)
    assert r.returncode == 0, r.stderr[-3000:]
    check_outputs(out, [PATCHES[0], PATCHES[2]])


def test_cores_capped_and_startup_per_worker(tmp_path):
    out = tmp_path / "d.wav"
    r = farm(PATCHES[2], "-o", out, "--cores", "1000", "--profile", *OPTS)
    assert r.returncode == 0, r.stderr[-2000:]
    ncpu = len(os.sched_getaffinity(0))
    assert f"--cores 1000 exceeds this machine's {ncpu} CPU(s)" in r.stderr
    line = next(x for x in r.stdout.splitlines() if x.startswith("worker start-up"))
    ms = [float(t.split()[1]) for t in line.split(": ", 1)[1].split(", ")]
    assert 1 <= len(ms) <= ncpu
    assert all(m < 1000 for m in ms)  # a fork of the warm template, not a fresh interpreter


def test_no_more_workers_than_tasks():
    from workers.farm import farm_render
    from workers.mixer import MemorySink
    from workers.planner import make_plan
    spec = fh.seekable_spec()
    plan = make_plan(spec, 8000, 8, mode="time", chunk_frames=4000, node_costs={})
    assert plan.ntasks == 2
    res = farm_render(spec, 8000, MemorySink(), plan=plan)
    assert len(res.busy) == 2 and len(res.worker_startups) == 2


def test_stems_of_orbits_writes_the_orbit_outputs(tmp_path):
    """--stems-of orbits: one stem per output whose name starts with "orbit"."""
    from workers.farm import farm_render
    from workers.mixer import FileSink
    from workers.planner import make_plan
    spec = fh.spec_of([(1, "t_sine", {"freq": 110.0, "amp": 0.3}),
                       (2, "t_sine", {"freq": 220.0, "amp": 0.2}),
                       (3, "t_sine", {"freq": 330.0, "amp": 0.1})],
                      [("orbit0", 1), ("orbit1", 2), ("out", 3)])
    frames = 8000
    plan = make_plan(spec, frames, 2, mode="time", chunk_frames=2000, node_costs={})
    sink = FileSink(str(tmp_path / "mix.wav"), spec.sr, subtype="32f", stems_dir=str(tmp_path / "st"),
                    stems="orbits", output_names=[n for n, _ in spec.outputs])
    farm_render(spec, frames, sink, plan=plan)
    assert sorted(p.name for p in (tmp_path / "st").iterdir()) == ["orbit0.wav", "orbit1.wav"]
    _, outs = fh.reference(spec, frames)
    for name in ("orbit0", "orbit1"):
        y = sf.read(str(tmp_path / "st" / f"{name}.wav"), dtype="float64")[0].T
        assert float(np.max(np.abs(y - outs[name]))) <= 1e-7  # float32 file of the same signal
