"""Farm benchmark (a plain script, not a test).

    python bench/bench_farm.py                 # stress_synth 1 vs 2 workers, every patch 1/2/4
    python bench/bench_farm.py --seconds 600   # the 10-minute stress_synth run (+ mixer VmHWM)

Prints wall time (median of --runs), task CPU seconds, the planner's predicted wall time,
speedup over 1 worker, the plan chosen, and the parent (mixer) peak RSS.
"""
import statistics
import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PATCHES = ROOT.parent / "shared" / "patches"


def hwm_mb() -> float:
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
    return float("nan")


RUNS = 1


def render(spec, frames, workers, block=8192):
    """Median wall of RUNS renders; (wall, plan, result of the median run)."""
    from workers.farm import farm_render
    from workers.mixer import NullSink
    from workers.planner import make_plan
    plan = make_plan(spec, frames, workers, block=block, mix_only=True,  # no stems: the mix only
                     stream=True)  # the process backend streams written chunks
    out = []
    for _ in range(RUNS):
        t = time.perf_counter()
        res = farm_render(spec, frames, NullSink(), plan=plan, backend="process")
        out.append((time.perf_counter() - t, res))
    out.sort(key=lambda x: x[0])
    w, res = out[len(out) // 2]
    return w, plan, res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60.0, help="stress_synth length")
    ap.add_argument("--patch-seconds", type=float, default=20.0)
    ap.add_argument("--only-synth", action="store_true")
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    global RUNS
    RUNS = a.runs
    from phonon.compiler import compile_source
    from phonon.engine import render_spec  # noqa: F401

    spec = compile_source((PATCHES / "stress_synth.ph").read_text())
    frames = int(a.seconds * spec.sr)
    t1, p1, _ = render(spec, frames, 1)
    t2, p2, r2 = render(spec, frames, 2)
    print(f"stress_synth {a.seconds:.0f} s: 1 worker {t1:.2f} s ({p1.mode}, predicted "
          f"{p1.predicted['wall_s']:.2f} s), 2 workers {t2:.2f} s ({p2.mode}, predicted "
          f"{p2.predicted['wall_s']:.2f} s) -> {t1 / t2:.2f}x  [{r2.summary()}]; "
          f"mixer VmHWM {hwm_mb():.0f} MB")
    if a.only_synth:
        return
    for path in sorted(PATCHES.glob("*.ph")):
        spec = compile_source(path.read_text())
        frames = int(a.patch_seconds * spec.sr)
        times, info = {}, {}
        for n in (1, 2, 4):
            times[n], plan, res = render(spec, frames, n)
            info[n] = (plan.mode, plan.predicted["wall_s"], res.cpu)
        print(f"{path.stem:16s} {a.patch_seconds:.0f} s: " + ", ".join(
            f"{n}w {t:.2f} s ({times[1] / t:.2f}x; {info[n][0]}, predicted {info[n][1]:.2f} s, "
            f"task CPU {info[n][2]:.2f} s)" for n, t in times.items()))


if __name__ == "__main__":
    main()
