"""Scaling benchmark: `scripts/bench_scaling.py PATCH... [--workers 1,2,4,8,16] [--runs 3]
[--duration S | --cycles N] [--out DIR]` (a benchmark, not part of the runtime package).

For each patch and worker count N: plan for an N-core machine (`make_plan(..., cpus=N)`),
render `runs` times with the process backend into a NullSink (runs interleaved across
the worker counts), keep the median wall time, the speedup over 1 worker and the
efficiency (speedup / N).

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
     "python": str, "parallel_ceiling": {"procs": int, "speedup": float, "rounds": [float],
     "workload": str} (when procs >= 2: see machine_ceiling)}, "settings": {"workers": [int], "runs": int, "duration_s": float|null,
     "cycles": float|null, "backend": str},
     "patches": [{"patch": str, "path": str, "frames": int, "audio_s": float,
       "results": [{"workers": int, "oversubscribed": bool, "plan": str (mode),
         "candidate": str, "tasks": int, "walls": [float], "wall_median": float,
         "cpu_tasks": float (CPU s of all tasks, median run), "cpu_mixer": float,
         "speedup": float (vs the 1-worker median; null without a 1-worker run),
         "efficiency": float|null, "predicted_wall": float (planner),
         "vs_ceiling": float (speedup / machine ceiling, at N = the ceiling's procs),
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
    ap = argparse.ArgumentParser(prog="scripts/bench_scaling.py", description=__doc__.split("\n")[0])
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


CEILING_ITER = 24  # ~0.5 s of the ceiling workload per process on this project's machine


def _ceiling_work(n_iter: int) -> float:
    """An independent, render-like numpy workload (a 16 MB array streamed through
    arithmetic): seconds for n_iter passes."""
    import numpy as np
    a = np.linspace(-1.0, 1.0, 2_000_000)
    t = time.perf_counter()
    for _ in range(n_iter):
        a = np.sqrt(a * a + 1.0) - 1.0
    return time.perf_counter() - t


def machine_ceiling(procs: int, rounds: int = 5) -> dict:
    """The speedup this machine gives `procs` processes that share nothing: the same
    workload in 1 process and in `procs` at once, interleaved `rounds` times, median
    ratio of throughputs. A farm cannot measure above it here (on a virtual machine whose
    vCPUs share a host core's resources it is well below `procs`)."""
    import multiprocessing as mp
    from workers.pool import default_start_method
    ratios = []
    with mp.get_context(default_start_method()).Pool(procs) as pool:
        pool.map(_ceiling_work, [1] * procs, chunksize=1)  # start and warm every process
        for _ in range(rounds):
            one = pool.apply(_ceiling_work, (CEILING_ITER,))
            many = max(pool.map(_ceiling_work, [CEILING_ITER] * procs, chunksize=1))
            ratios.append(procs * one / many)
    return {"procs": procs, "speedup": statistics.median(ratios),
            "rounds": [round(r, 3) for r in ratios],
            "workload": f"numpy sqrt/mul/add over 2e6 doubles, {CEILING_ITER} passes per process"}


def run_once(spec, frames, plan, backend="process", pool_workers=None):
    from workers.farm import farm_render
    from workers.mixer import NullSink
    t = time.perf_counter()
    res = farm_render(spec, frames, NullSink(), plan=plan, backend=backend, log=lambda s: None,
                      pool_workers=pool_workers)
    return time.perf_counter() - t, res


def model(plan, res, workers: int, dispatch: float, startup: float) -> dict:
    """Replay the measured task CPU times of `res` through the plan's schedule on `workers` CPUs."""
    from workers.schedule import simulate
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
                                                       s.span * plan.chunk))
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

    from workers import costs as costmod
    from workers.choose import make_plan
    from workers.task import engine_module

    engine_module()
    spec = compile_source(path.read_text(), filename=str(path))
    frames = spec_frames(spec, cycles=cycles if duration is None else None,
                         duration=duration if duration is not None else
                         (None if cycles is not None else DEFAULT_SECONDS))
    costs = costmod.calibrate(spec, block)
    ncpu = os.cpu_count() or 1
    results = []
    keep = {}
    plans = {n: make_plan(spec, frames, n, block=block, node_costs=costs,
                          cpus=n,  # N workers = an N-CPU budget, as --cores
                          mix_only=True)  # the bench keeps only the mix (a render without stems)
             for n in workers}
    # Runs go round-robin over the worker counts (1, 2, 4, ..., 1, 2, 4, ...): a shared or
    # virtual machine's speed drifts by 10-30% over minutes, and interleaving lets the
    # drift hit every count alike instead of the one measured during a slow spell.
    # One short untimed render first: it starts the forkserver and pages the kernels in,
    # which would otherwise land on the first measured run (~1 s).
    short = min(frames, spec.sr)
    run_once(spec, short, make_plan(spec, short, 1, block=block, node_costs=costs, cpus=1,
                                    mix_only=True), backend)
    walls_of = {n: [] for n in workers}
    ress_of = {n: [] for n in workers}
    for r in range(runs):
        for n in workers:
            w, res = run_once(spec, frames, plans[n], backend)
            walls_of[n].append(w)
            ress_of[n].append(res)
            log(f"  {path.stem}: {n} worker(s) run {r + 1}/{runs}: {w:.2f} s "
                f"(CPU {res.cpu:.2f} s, {plans[n].mode})")
    for n in workers:
        plan, walls, ress = plans[n], walls_of[n], ress_of[n]
        med = statistics.median(walls)
        mres = ress[min(range(len(walls)), key=lambda i: abs(walls[i] - med))]
        costs_from = f"{n}-worker run"
        cres = mres
        if n > ncpu and not plan.streams_branches:
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
    c = doc["machine"].get("parallel_ceiling")
    if c:
        lines += [f"Machine ceiling: {c['procs']} processes that share nothing run "
                  f"**{c['speedup']:.2f}x** the throughput of one here (median of "
                  f"{len(c['rounds'])} interleaved rounds, range {min(c['rounds']):.2f}-"
                  f"{max(c['rounds']):.2f}x; {c['workload']}): no farm can measure above that "
                  f"at {c['procs']} workers on this machine.", ""]
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
            if r.get("vs_ceiling"):
                note = f"{100 * r['vs_ceiling']:.0f}% of the machine ceiling; " + note
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
    ceiling = doc["machine"].get("parallel_ceiling")
    if ceiling:
        a1.plot([ceiling["procs"]], [ceiling["speedup"]], "k*", ms=11,
                label=f"machine ceiling ({ceiling['procs']} independent processes)")
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
        log(f"bench_scaling: this machine has {ncpu} CPUs; runs with more workers are "
            f"oversubscribed and get a MODELED figure (measured task costs replayed on N CPUs)")
    doc = {"schema": SCHEMA, "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
           "machine": {"cpus": ncpu, "platform": platform.platform(),
                       "python": platform.python_version()},
           "settings": {"workers": workers, "runs": a.runs, "duration_s": a.duration,
                        "cycles": a.cycles, "backend": a.backend},
           "patches": []}
    procs = min(ncpu, workers[-1])
    ceil_rounds = []
    if procs >= 2:
        log(f"bench_scaling: measuring what {procs} independent processes get from this "
            f"machine (before and after the renders)")
        ceil_rounds += machine_ceiling(procs)["rounds"]
    for p in a.patches:
        path = Path(p)
        if not path.is_file():
            from phonon.errors import RenderError
            raise RenderError(f"patch file not found: {p}")
        doc["patches"].append(bench_patch(path, workers, a.runs, a.duration, a.cycles, a.backend,
                                          a.block, log))
    if procs >= 2:
        c = machine_ceiling(procs)
        c["rounds"] = ceil_rounds + c["rounds"]
        c["speedup"] = statistics.median(c["rounds"])
        doc["machine"]["parallel_ceiling"] = c
        for pd in doc["patches"]:
            for r in pd["results"]:
                if r["workers"] == procs and r["speedup"]:
                    r["vs_ceiling"] = r["speedup"] / c["speedup"]
    (out / "scaling.json").write_text(json.dumps(doc, indent=1))
    md = table(doc)
    (out / "scaling.md").write_text(md)
    plot(doc, out / "scaling.png")
    print(md)
    print(f"wrote {out / 'scaling.json'}, {out / 'scaling.md'}, {out / 'scaling.png'}")
    return 0
