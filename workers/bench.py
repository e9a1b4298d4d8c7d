"""Scaling benchmark: `phonon-farm bench PATCH... [--workers 1,2,4,8,16] [--runs 3]
[--duration S | --cycles N] [--out DIR]` (also scripts/bench_scaling.py).

For each patch and worker count N: plan for an N-core machine (`make_plan(..., cpus=N)`),
render `runs` times with the process backend into a NullSink, keep the median wall time,
the speedup over 1 worker and the efficiency (speedup / N).

The default length is 300 s of audio: a scaling benchmark needs enough work that 16
workers each get seconds of it (60 s of stress_synth is 1.6 CPU-s in all, 0.1 s per
worker at 16: less than a process start-up).

When N exceeds this machine's CPUs the measurement still runs (oversubscribed: it says
so) and a MODELED figure is added: per-task CPU seconds measured here replayed through
the plan's schedule for N CPUs by `planner.simulate` (list scheduling with the plan's
dependencies: stage pipelining, chunk order, slot order), plus the measured per-task
dispatch cost, worker start-up and the mixer's measured seconds per chunk. The task
costs come from one more render of the same N-worker plan on as many processes as this
machine has CPUs (`farm_render(pool_workers=CPUs)`: the same tasks, without the cache
thrash and time slicing of 16 processes on 2 CPUs, which inflate each task's CPU time
about 2x); a branch plan, which needs a process per branch, uses the oversubscribed
runs' costs (`modeled.costs_from` says which). The model is computed for every N (for
N <= CPUs it checks itself against the measurement: `modeled.error_pct`).

Outputs in --out (default bench/results/scaling):

  scaling.json  schema "phonon-bench-scaling/1":
    {"schema": str, "created": ISO time, "machine": {"cpus": int, "platform": str,
     "python": str}, "settings": {"workers": [int], "runs": int, "duration_s": float|null,
     "cycles": float|null, "backend": str},
     "patches": [{"patch": str, "path": str, "frames": int, "audio_s": float,
       "results": [{"workers": int, "oversubscribed": bool, "plan": str (mode),
         "candidate": str, "tasks": int, "walls": [float], "wall_median": float,
         "cpu_tasks": float (CPU s of all tasks, median run), "cpu_mixer": float,
         "speedup": float (vs the 1-worker median; null without a 1-worker run),
         "efficiency": float|null, "predicted_wall": float (planner),
         "modeled": {"label": "MODELED", "wall": float, "speedup": float,
                     "efficiency": float, "error_pct": float|null,
                     "dispatch_s": float, "startup_s": float, "mixer_s": float,
                     "bottleneck": str, "costs_from": str}}]}]}
  scaling.md    the same as a Markdown table (modeled columns marked MODELED)
  scaling.png   speedup vs workers (measured solid, MODELED dashed, ideal line) and
                efficiency per patch
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

SCHEMA = "phonon-bench-scaling/1"
DEFAULT_SECONDS = 300.0


def _parse(argv):
    ap = argparse.ArgumentParser(prog="phonon-farm bench", description=__doc__.split("\n")[0])
    ap.add_argument("patches", nargs="+")
    ap.add_argument("--workers", default="1,2,4,8,16")
    ap.add_argument("--runs", type=int, default=3)
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--duration", type=float, default=None,
                   help=f"seconds of audio (default {DEFAULT_SECONDS:g})")
    g.add_argument("--cycles", type=float, default=None)
    ap.add_argument("--out", default=None, help="output folder (default bench/results/scaling)")
    ap.add_argument("--backend", default="process", choices=("process", "inline"))
    ap.add_argument("--block", type=int, default=8192)
    return ap.parse_args(argv)


def run_once(spec, frames, plan, backend="process", pool_workers=None):
    from .farm import farm_render
    from .mixer import NullSink
    t = time.perf_counter()
    res = farm_render(spec, frames, NullSink(), plan=plan, backend=backend, log=lambda s: None,
                      pool_workers=pool_workers)
    return time.perf_counter() - t, res


def model(plan, res, workers: int, dispatch: float, startup: float) -> dict:
    """Replay the measured task CPU times of `res` through the plan's schedule on `workers` CPUs."""
    from .planner import simulate
    cpu = {(t["stage"], t["k"]): t["cpu"] for t in res.tasks}
    K = plan.nchunks
    mix_per = min(res.mixer_s, res.mixer_cpu) / max(1, K)  # wall includes waits on rings
    sim = simulate(plan, workers, lambda s, k: cpu.get((s.index, k), 0.0), dispatch,
                   lambda j: mix_per, startup, 0.0)
    # What holds it back: the busiest resource.
    busy = max(sim.busy) if sim.busy else 0.0
    if sim.mixer > 0.5 * sim.wall:
        neck = "mixer (serial tail)"
    elif sim.wall > 1.25 * (sum(sim.busy) / workers + startup):
        st = max(plan.stages, key=lambda s: s.cost * (plan.frames if s.kind == "branch" else
                                                       max(b - a for a, b in zip(s.bounds, s.bounds[1:]))
                                                       * plan.chunk))
        neck = (f"critical path / imbalance (largest task: stage {st.index}, "
                f"{len(st.nodes)} nodes)")
    else:
        neck = "work (balanced)"
    return {"label": "MODELED", "wall": sim.wall, "makespan": sim.makespan,
            "work_s": sim.work, "busiest_s": busy, "dispatch_s": dispatch,
            "startup_s": startup, "mixer_s": sim.mixer, "bottleneck": neck}


def bench_patch(path: Path, workers: list, runs: int, duration, cycles, backend, block, log):
    from phonon.compiler import compile_source
    from phonon.engine import spec_frames

    from . import costs as costmod
    from .planner import make_plan
    from .task import engine_module

    engine_module()
    spec = compile_source(path.read_text(), filename=str(path))
    frames = spec_frames(spec, cycles=cycles if duration is None else None,
                         duration=duration if duration is not None else
                         (None if cycles is not None else DEFAULT_SECONDS))
    costs = costmod.calibrate(spec, block)
    ncpu = os.cpu_count() or 1
    results = []
    keep = {}
    for n in workers:
        plan = make_plan(spec, frames, n, block=block, node_costs=costs, cpus=n,  # N workers = an N-CPU budget, as --cores
                         mix_only=True)  # the bench keeps only the mix, as a render without stems
        walls, ress = [], []
        for r in range(runs):
            w, res = run_once(spec, frames, plan, backend)
            walls.append(w)
            ress.append(res)
            log(f"  {path.stem}: {n} worker(s) run {r + 1}/{runs}: {w:.2f} s "
                f"(CPU {res.cpu:.2f} s, {plan.mode})")
        med = statistics.median(walls)
        mres = ress[min(range(len(walls)), key=lambda i: abs(walls[i] - med))]
        costs_from = f"{n}-worker run"
        cres = mres
        if n > ncpu and not any(s.kind == "branch" for s in plan.stages):
            w, cres = run_once(spec, frames, plan, backend, pool_workers=ncpu)
            costs_from = f"{n}-worker plan on {ncpu} processes"
            log(f"  {path.stem}: {n}-worker plan on {ncpu} processes (task costs for the model): "
                f"{w:.2f} s (CPU {cres.cpu:.2f} s)")
        elif n > ncpu:
            costs_from = f"{n}-worker run (oversubscribed: branch plan)"
        keep[n] = (plan, mres, ress, cres, costs_from)
        results.append({"workers": n, "oversubscribed": n + 1 > ncpu and n > ncpu,
                        "plan": plan.mode, "candidate": plan.predicted.get("candidate", plan.mode),
                        "tasks": sum(s.ntasks for s in plan.stages), "walls": walls,
                        "wall_median": med, "cpu_tasks": mres.cpu, "cpu_mixer": mres.mixer_cpu,
                        "predicted_wall": plan.predicted.get("wall_s")})
    # Dispatch and start-up as measured where the machine was not oversubscribed.
    disp, start = [], []
    for n, (plan, mres, ress, _, _) in keep.items():
        if n <= ncpu:
            for res in ress:
                start.append(res.startup_s)
                for t in res.tasks:
                    if t["kind"] != "branch":
                        disp.append(max(0.0, t["done"] - t["sent"] - t["wall"]))
    dispatch = statistics.median(disp) if disp else 0.002
    startup = min(start) if start else 0.0
    base = next((r for r in results if r["workers"] == 1), None)
    m1 = None
    for r in results:
        n = r["workers"]
        plan, mres, _, cres, costs_from = keep[n]
        m = model(plan, cres, n, dispatch, startup)
        m["costs_from"] = costs_from
        if n == 1:
            m1 = m["wall"]
        r["modeled"] = m
        r["speedup"] = base["wall_median"] / r["wall_median"] if base else None
        r["efficiency"] = r["speedup"] / n if base else None
        err = 100 * (m["wall"] - r["wall_median"]) / r["wall_median"] if not r["oversubscribed"] \
            else None
        m["error_pct"] = err
    for r in results:
        m = r["modeled"]
        ref = m1 if m1 else m["wall"] * r["workers"]
        m["speedup"] = ref / m["wall"] if m["wall"] > 0 else None
        m["efficiency"] = m["speedup"] / r["workers"] if m["speedup"] else None
    return {"patch": path.stem, "path": str(path), "frames": frames, "audio_s": frames / spec.sr,
            "results": results}


def table(doc: dict) -> str:
    ncpu = doc["machine"]["cpus"]
    lines = [f"# Farm scaling ({doc['created']}, {ncpu} CPUs)", ""]
    if any(r["oversubscribed"] for p in doc["patches"] for r in p["results"]):
        lines += [f"This machine has {ncpu} CPUs: runs with more workers than that are "
                  "oversubscribed (measured anyway). MODELED columns replay task CPU times "
                  "measured here through the plan's schedule on N CPUs "
                  "(workers/planner.simulate) with measured dispatch, start-up and mixer costs; "
                  f"the task costs of an N-worker time plan come from running it on {ncpu} "
                  "processes (the same tasks without oversubscription): a model, not a "
                  "measurement.", ""]
    lines += ["| patch | audio s | workers | plan | tasks | wall median s | speedup | efficiency | "
              "MODELED wall s | MODELED speedup | MODELED efficiency | model error | note |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for p in doc["patches"]:
        for r in p["results"]:
            m = r["modeled"]
            sp = f"{r['speedup']:.2f}x" if r["speedup"] else "-"
            ef = f"{100 * r['efficiency']:.0f}%" if r["efficiency"] else "-"
            err = f"{m['error_pct']:+.0f}%" if m.get("error_pct") is not None else "-"
            note = "oversubscribed" if r["oversubscribed"] else ""
            if m.get("bottleneck") and r["workers"] > 1:
                note = (note + "; " if note else "") + m["bottleneck"]
            lines.append(f"| {p['patch']} | {p['audio_s']:.0f} | {r['workers']} | {r['plan']} | "
                         f"{r['tasks']} | {r['wall_median']:.2f} | {sp} | {ef} | {m['wall']:.2f} | "
                         f"{m['speedup']:.2f}x | {100 * m['efficiency']:.0f}% | {err} | {note} |")
    return "\n".join(lines) + "\n"


def plot(doc: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.5))
    allw = sorted({r["workers"] for p in doc["patches"] for r in p["results"]})
    a1.plot(allw, allw, "k:", label="ideal")
    ncpu = doc["machine"]["cpus"]
    for i, p in enumerate(doc["patches"]):
        c = f"C{i}"
        ws = [r["workers"] for r in p["results"]]
        if all(r["speedup"] for r in p["results"]):
            a1.plot(ws, [r["speedup"] for r in p["results"]], "o-", color=c,
                    label=f"{p['patch']} measured")
            a2.plot(ws, [100 * r["efficiency"] for r in p["results"]], "o-", color=c,
                    label=f"{p['patch']} measured")
        a1.plot(ws, [r["modeled"]["speedup"] for r in p["results"]], "s--", color=c, alpha=0.7,
                label=f"{p['patch']} MODELED")
        a2.plot(ws, [100 * r["modeled"]["efficiency"] for r in p["results"]], "s--", color=c,
                alpha=0.7, label=f"{p['patch']} MODELED")
    for a in (a1, a2):
        a.axvline(ncpu, color="grey", lw=0.8)
        a.set_xscale("log", base=2)
        a.set_xticks(allw)
        a.set_xticklabels([str(w) for w in allw])
        a.set_xlabel(f"workers (machine: {ncpu} CPUs; dashed = MODELED)")
    a1.set_ylabel("speedup vs 1 worker")
    a2.set_ylabel("efficiency %")
    a2.axhline(85, color="grey", ls=":", lw=0.8)
    a1.legend(fontsize=7)
    a2.legend(fontsize=7)
    a1.set_title("Farm speedup")
    a2.set_title("Farm efficiency")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None) -> int:
    a = _parse(argv)
    workers = sorted({int(x) for x in a.workers.split(",") if x.strip()})
    if not workers or workers[0] < 1:
        from phonon.errors import RenderError
        raise RenderError(f"--workers got '{a.workers}'; expected e.g. 1,2,4")
    root = Path(__file__).resolve().parents[1]
    out = Path(a.out) if a.out else root / "bench" / "results" / "scaling"
    out.mkdir(parents=True, exist_ok=True)
    ncpu = os.cpu_count() or 1

    def log(s):
        print(s, file=sys.stderr, flush=True)

    if workers[-1] > ncpu:
        log(f"phonon-farm bench: this machine has {ncpu} CPUs; runs with more workers are "
            f"oversubscribed and get a MODELED figure (measured task costs replayed on N CPUs)")
    doc = {"schema": SCHEMA, "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
           "machine": {"cpus": ncpu, "platform": platform.platform(),
                       "python": platform.python_version()},
           "settings": {"workers": workers, "runs": a.runs, "duration_s": a.duration,
                        "cycles": a.cycles, "backend": a.backend},
           "patches": []}
    for p in a.patches:
        path = Path(p)
        if not path.is_file():
            from phonon.errors import RenderError
            raise RenderError(f"patch file not found: {p}")
        doc["patches"].append(bench_patch(path, workers, a.runs, a.duration, a.cycles, a.backend,
                                          a.block, log))
    (out / "scaling.json").write_text(json.dumps(doc, indent=1))
    md = table(doc)
    (out / "scaling.md").write_text(md)
    plot(doc, out / "scaling.png")
    print(md)
    print(f"wrote {out / 'scaling.json'}, {out / 'scaling.md'}, {out / 'scaling.png'}")
    return 0
