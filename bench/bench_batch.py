"""Farm start-up, batch and light-patch benchmarks (a plain script, not a test; numbers in the
README). Every comparison is paired: the runs alternate A, B, A, B ... and the medians are
compared, so a machine whose load changes during the run hurts both sides alike.

    python bench/bench_batch.py startup [--runs 5]   # demo --cycles 2: render vs farm --cores 1/2/16
    python bench/bench_batch.py batch [--runs 3]     # 16 patches x 30 s: batch --cores 2 vs 16 renders
    python bench/bench_batch.py synth16 [--runs 3] [--seconds 600]   # 1 process vs --cores 2

Wall times are of the whole command as a user runs it (process start to exit).
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
PATCHES = [ROOT / "tests" / "patches" / n for n in ("house.ph", "stress_branches.ph",
                                                      "stress_extreme.ph", "stress_synth.ph")]
PATCHES += [ROOT / "bench" / "patches" / "synth16.ph", ROOT / "examples" / "demo.ph"]


def _env():
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return env


def timed(cmd) -> float:
    t = time.perf_counter()
    r = subprocess.run(cmd, env=_env(), cwd=str(ROOT), capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed:\n{r.stderr[-2000:]}")
    return time.perf_counter() - t


def paired(cmds: dict, runs: int) -> dict:
    """name -> median wall over `runs` rounds, each round running every command once."""
    walls = {k: [] for k in cmds}
    for _ in range(runs):
        for k, c in cmds.items():
            walls[k].append(timed(c))
    return {k: statistics.median(v) for k, v in walls.items()}


def load() -> str:
    return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"


def startup(a):
    out = Path(tempfile.mkdtemp())
    demo = ROOT / "examples" / "demo.ph"
    cmds = {"render": [PY, "-m", "phonon.cli", "render", demo, out / "r.wav", "--cycles", "2"]}
    for n in (1, 2, 16):
        cmds[f"farm --cores {n}"] = [PY, "-m", "workers", demo, "-o", out / f"f{n}.wav",
                                     "--cycles", "2", "--cores", str(n)]
    timed(cmds["farm --cores 2"])  # untimed: the kernel and cost caches
    m = paired(cmds, a.runs)
    print(f"start-up, demo --cycles 2, median of {a.runs} paired runs ({load()}):")
    for k, v in m.items():
        print(f"  {k:16s} {v:6.2f} s  ({v / m['render']:.2f}x render)")
    shutil.rmtree(out)


def batch(a):
    out = Path(tempfile.mkdtemp())
    pats = [PATCHES[i % len(PATCHES)] for i in range(16)]
    src = out / "src"
    src.mkdir()
    files = []
    for i, p in enumerate(pats):  # 16 distinct files (rotated patches), one output each
        f = src / f"{i:02d}_{p.stem}.ph"
        f.write_text(p.read_text())
        files.append(f)
    opts = ["--duration", str(a.seconds)]
    seq = [[PY, "-m", "phonon.cli", "render", f, out / "seq" / f"{f.stem}.wav", *opts] for f in files]
    (out / "seq").mkdir()
    bat = [PY, "-m", "workers", *files, "-o", f"{out / 'batch'}/", "--cores", "2", *opts]
    timed(bat)  # untimed warm-up (caches)
    ws, wb = [], []
    for _ in range(a.runs):
        ws.append(sum(timed(c) for c in seq))
        wb.append(timed(bat))
    s, b = statistics.median(ws), statistics.median(wb)
    print(f"batch: 16 patches x {a.seconds:g} s, median of {a.runs} paired runs ({load()}): "
          f"16 x phonon render {s:.2f} s, phonon-farm batch --cores 2 {b:.2f} s -> {s / b:.2f}x")
    shutil.rmtree(out)


def synth16(a):
    out = Path(tempfile.mkdtemp())
    p = ROOT / "bench" / "patches" / "synth16.ph"
    opts = ["--duration", str(a.seconds)]
    cmds = {"render": [PY, "-m", "phonon.cli", "render", p, out / "r.wav", *opts],
            "farm --cores 2": [PY, "-m", "workers", p, "-o", out / "f.wav", "--cores", "2", *opts]}
    m = paired(cmds, a.runs)
    print(f"synth16 {a.seconds:g} s, median of {a.runs} paired runs ({load()}): 1 process "
          f"{m['render']:.2f} s, --cores 2 {m['farm --cores 2']:.2f} s -> "
          f"{m['render'] / m['farm --cores 2']:.2f}x")
    shutil.rmtree(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=("startup", "batch", "synth16"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=None)
    a = ap.parse_args()
    if a.seconds is None:
        a.seconds = {"batch": 30.0, "synth16": 600.0}.get(a.what, 0)
    {"startup": startup, "batch": batch, "synth16": synth16}[a.what](a)


if __name__ == "__main__":
    main()
