"""Choosing a plan: predict each candidate's wall time and keep the best.

`make_plan` builds the candidates (`workers.plan.Builder`: time plans with and without
stage cuts or a serial tail, a branch plan), chooses each time plan's base chunk and
per-stage task lengths (`Chooser.choose_chunks`: the best simulated wall time among
those whose tasks carry >= MIN_TASK_SECONDS of work and whose slots fit the arena
budget), and keeps the candidate with the lowest predicted wall. Predictions
(`Chooser.predict`) list-schedule the tasks (`workers.schedule.simulate`, the farm's
dispatch order and dependencies) with costs calibrated on this machine for this patch
(`workers.costs`: per-node CPU per frame, task build/seek cost, dispatch overhead),
warm-up included, plus the mixer's work.
"""
from __future__ import annotations

import os
from typing import Optional

from phonon.errors import RenderError

from . import costs as costmod
from .options import MODES
from .plan import (FORK_SECONDS, MIN_TASK_SECONDS, MIX_COST, THRESHOLDS, WRITE_COST, Builder, Plan, _round_up,
                   arena_budget, graph_info)
from .schedule import simulate, warm_cost


def make_plan(spec, frames: int, workers: int, mode: str = "auto", chunk_frames: Optional[int] = None,
              block: int = 8192, node_costs=None, stems_buses: bool = False,
              build_seconds: Optional[float] = None, stages: Optional[bool] = None,
              cpus: Optional[int] = None, mix_only: bool = False, stream: bool = False) -> Plan:
    """The best plan by predicted wall time. `stages` True/False forces/forbids stage cuts.
    `node_costs`: a `costs.Costs`, or a dict (int keys: node ids, str keys: kinds); measured
    when None. `mix_only`: only the mix is wanted (no stems): when every output is computed
    in one time stage, its tasks write the summed outputs (2 rows) instead of each output.
    `stream`: the executor streams each written base chunk to the mixer (the process
    backend), so long tasks (less warm-up) need not hold the mixer back.
    `cpus`: CPUs the prediction assumes (default: the workers, at most this machine's cores: the mixer shares them)."""
    if mode not in MODES:
        raise RenderError(f"--mode got '{mode}'; expected one of {', '.join(MODES)}")
    if workers < 1:
        raise RenderError(f"--cores got {workers}; expected >= 1")
    info, chans = graph_info(spec, stems_buses)
    if node_costs is None:
        node_costs = costmod.calibrate(spec, block)
    costs = costmod.Costs.from_dict(node_costs)
    if build_seconds is not None:
        costs.build = build_seconds
    ctx = Chooser(spec, info, chans, costs, frames, workers, block, stems_buses,
                  cpus or min(workers, os.cpu_count() or 1),  # --cores N: a budget of N CPUs
                  mix_only=mix_only)
    ctx.stream = stream
    # Processes busy at once on this machine's CPUs each run slower than alone (measured once
    # per machine): the workers, and the parent's mixer and writer beside even one worker. A
    # plan for a machine of another size (cpus given: the scaling model) keeps the
    # calibrated costs as they are.
    if cpus is None and (os.cpu_count() or 1) >= 2:
        ctx.efficiency = costmod.parallel_efficiency()
    cands = {}
    if mode in ("auto", "time"):
        if stages is not False:
            for thr in THRESHOLDS:
                cands[f"time+stages@{thr:g}s"] = ctx.time_plan(True, thr)
        if not stages:
            cands["time"] = ctx.time_plan(False)
        if stages is None and ctx.cpus > workers:  # only when the mixer has a CPU of its own
            for thr in THRESHOLDS:
                cands[f"time+tail@{thr:g}s"] = ctx.time_plan(False, thr, True)
        # Thresholds that cut the graph the same way make the same plan: choose its chunks
        # once (choosing is hundreds of simulated schedules, on the farm's start-up path).
        seen = {}
        for name, p in list(cands.items()):
            shape = (tuple((s.kind, tuple(s.nodes)) for s in p.stages), tuple(p.tail))
            if shape in seen:
                del cands[name]
                continue
            seen[shape] = name
            ctx.choose_chunks(p, chunk_frames)
    if mode in ("auto", "branch"):
        cands["branch"] = ctx.branch_plan(chunk_frames=chunk_frames)
        cands["branch"].predicted = ctx.predict(cands["branch"])
    best = min(cands, key=lambda m: cands[m].predicted["wall_s"])  # first wins ties
    plan = cands[best]
    plan.predicted["alternatives"] = {m: p.predicted["wall_s"] for m, p in cands.items()}
    plan.predicted["candidate"] = best
    return plan



class Chooser(Builder):
    """The candidates' chunk lengths and predicted wall times."""

    stream = False  # see make_plan

    # -- chunk lengths -------------------------------------------------------------------------
    def _configure(self, plan: Plan, C: int, mults: list, shrink: bool = True) -> None:
        plan.configure(C, mults, shrink=shrink)

    def choose_chunks(self, plan: Plan, chunk_frames: Optional[int]) -> None:
        """Base chunk and per-stage task lengths with the best simulated wall time, among
        those whose tasks carry >= MIN_TASK_SECONDS of work and whose slots fit ARENA_BUDGET."""
        B, F, N = self.block, self.frames, self.workers
        stages = plan.stages
        if chunk_frames:
            self._configure(plan, max(1, min(int(chunk_frames), F)), [1] * len(stages), False)
            plan.predicted = self.predict(plan)
            return
        if not stages:
            plan.chunk = _round_up(min(F, self.sr), B)
            plan.predicted = self.predict(plan)
            return
        Fb = _round_up(F, B)
        top = max(s.cost for s in stages) or costmod.DEFAULT_COST
        c_min = min(_round_up(MIN_TASK_SECONDS / top, B), Fb)
        # Few, large tasks cost less warm-up; enough tasks keep every worker busy.
        c_max = max(c_min, min(Fb, _round_up(F / max(1, N), B)))
        cands = []
        c = c_min
        while True:
            cands.append(min(c, c_max))
            if c >= c_max:
                break
            c = _round_up(c * 1.5, B)

        # When even the shortest of those chunks needs slots past the memory budget (a fast
        # patch: 0.1 CPU-s of work is a minute of audio, and slots of a minute for every
        # stage were 1.1 GB for synth16 at 600 s), try shorter chunks down to one that fits:
        # the budget rules, the minimum task work is a preference.
        budget = arena_budget(N)
        c = c_min
        while c > B:
            self._configure(plan, c, [1] * len(stages))
            if plan.arena_bytes() <= budget:
                break
            c = max(B, _round_up(int(c / 1.5), B))
            cands.insert(0, c)

        def mults_for(C):
            out = []
            for s in stages:
                # a task of this stage: >= MIN_TASK_SECONDS of work, warm-up <= ~1/8 of it
                want = max(MIN_TASK_SECONDS / max(s.cost, 1e-12), 16 * s.warmup, C)
                m = 1
                while m * C < want and m * C < F / max(1, N) and m * C < F:
                    m *= 2
                out.append(m)
            return out

        best = None  # (over budget, wall, C, mults): plans whose slots fit the budget first
        for C in dict.fromkeys(cands):
            mults = mults_for(C)
            self._configure(plan, C, mults)
            # A long task of a later stage keeps its inputs' slots alive: shorten the longest
            # tasks until the slots fit (memory stays bounded however long the piece).
            while plan.arena_bytes() > budget and max(mults) > 1:
                tries = []
                for i in (k for k in range(len(mults)) if mults[k] > 1):
                    m2 = list(mults)
                    m2[i] //= 2
                    self._configure(plan, C, m2)
                    tries.append((self.predict(plan)["wall_s"], plan.arena_bytes(), m2))
                _, _, mults = min(tries, key=lambda t: (t[0], t[1]))  # halve where it costs least
                self._configure(plan, C, mults)
            w = self.predict(plan)["wall_s"]
            over = plan.arena_bytes() > budget
            # within budget: the fastest; when nothing fits: the smallest
            key = (over, plan.arena_bytes() if over else 0, w)
            if best is None or key[:2] < best[0][:2] or (key[:2] == best[0][:2] and w < best[0][2] * 0.999):
                best = (key, C, list(mults))
        (_, _, w0), C, mults = best
        best = (w0, C, mults)
        # Coordinate descent on each stage's task length, and on shrinking the last tasks.
        improved = True
        rounds = 0
        while improved and rounds < 3:
            improved = False
            rounds += 1
            for i in range(len(stages)):
                for f in (2.0, 0.5):
                    m2 = list(mults)
                    m2[i] = max(1, int(m2[i] * f))
                    if m2[i] == mults[i] or m2[i] * C > 2 * F:
                        continue
                    self._configure(plan, C, m2)
                    if plan.arena_bytes() > arena_budget(N):
                        continue
                    w = self.predict(plan)["wall_s"]
                    if w < best[0] * 0.999:
                        best, mults, improved = (w, C, m2), m2, True
        self._configure(plan, C, mults)
        plan.predicted = self.predict(plan)

    def predict(self, plan: Plan, branch_costs=None) -> dict:
        F, N = self.frames, self.workers
        c = self.costs
        fixed = c.build
        tail_cost = sum(self.cost[n] for n in plan.tail)

        slow = 1.0 / self.efficiency

        def cost_fn(s, k):
            if s.kind == "branch":
                return (s.cost * F + fixed) * slow
            a, b = plan.task_range(s, k)
            return (s.cost * (b - a) + warm_cost(s, a - plan.warm_start(s, k)) + fixed) * slow

        def mix_fn(j):
            a, b = plan.chunk_range(j)
            return (tail_cost + MIX_COST * self.rows_out) * (b - a)

        sim = simulate(plan, N, cost_fn, c.dispatch, mix_fn, 0.0, c.seek, stream=self.stream)
        work = sum(s.cost * F for s in plan.stages)
        warm = sum(warm_cost(s, plan.grid.warm_frames(s.index, k))
                   for s in plan.stages if s.kind == "time" for k in range(s.ntasks))
        ntasks = sum(s.ntasks for s in plan.stages)
        work, warm = work * slow, warm * slow
        over = max(0.0, sim.work - work - warm)
        # The parent's writer thread encodes and writes the mix while the farm renders.
        write = WRITE_COST * 2 * F
        wall = max(sim.wall, write)
        # On fewer CPUs than workers + mixer, the processes share them.
        procs = N + (1 if sim.mixer + write > 0.02 * sim.makespan else 0)
        if self.cpus < procs:
            # the processes share the CPUs; the last chunk's mixing cannot overlap any task
            last = mix_fn(plan.nchunks - 1) if plan.nchunks else 0.0
            wall = max(wall, (sim.work + sim.mixer + write) / self.cpus + last)
        useful = max(work, 1e-12)
        # start-up (the same for every candidate): the workers are forked one after the other
        # before the first dispatch; `run_s` is what farm_render's wall should come to
        startup = FORK_SECONDS * plan.concurrency
        return {"serial_s": self.serial_s, "wall_s": wall, "wall_ideal_s": sim.wall,
                "startup_s": startup, "run_s": wall + startup,
                "speedup": (self.serial_s + write) / wall if wall > 0 else 0.0,  # both write
                "warm_pct": 100 * warm / useful, "task_pct": 100 * over / useful,
                "mixer_s": sim.mixer, "write_s": write, "efficiency": 1.0 / slow,
                "tasks": ntasks, "cpus": self.cpus}


def plan_job(spec_bytes: bytes, frames: int, workers: int, recalibrate: bool, kw: dict):
    """Calibrate and plan (in the pool's template: both render the graph, which loads every
    compiled kernel there, once, and keeps the mixer process small). Returns (plan,
    {node id: channels})."""
    from phonon.spec import GraphSpec
    from .task import engine_module
    engine_module()  # every node kind, as a worker has them
    spec = GraphSpec.from_bytes(spec_bytes)
    costs = costmod.calibrate(spec, kw.get("block", 8192), recalibrate)
    plan = make_plan(spec, frames, workers, node_costs=costs, **kw)
    chans = graph_info(spec, kw.get("stems_buses", False))[1]
    return plan, chans


def plan_isolated(spec, frames: int, workers: int, recalibrate: bool = False,
                  start_method: Optional[str] = None, template=None, **kw):
    """`plan_job` in the pool's template (a short-lived one when none is given)."""
    from .pool import Template
    own = template is None
    template = template or Template(start_method)
    try:
        return template.call(plan_job, spec.to_bytes(), frames, workers, recalibrate, kw)
    finally:
        if own:
            template.close()
