"""The planner: how to split one render across workers (DESIGN.md "The farm").

Every node reports its state class and tail through `Graph.info()`; a kind that
declares nothing is `history` (never split). Candidate plans:

  time    Stages of time chunks. A fading node whose tail is long (a reverb, a
          feedback delay) gets a cut before it: its inputs are materialized chunk
          by chunk in shared memory and the next stage is time-chunked over them,
          so its warm-up re-runs only the long-tail part. A stage's warm-up is the
          series sum / parallel max of tails along the paths inside the stage.
          History nodes and everything downstream of them form the serial tail,
          run by the mixer over the stitched stream.
          Chunks live on one base grid of `plan.chunk` frames (the mixer's unit and
          the slot size); each stage's tasks cover whole base chunks given by its
          `bounds`, so a cheap stage with a long warm-up (the reverb) runs few long
          tasks while the expensive stage runs many short ones.
  branch  Independent subgraphs under the final mix, each rendered whole by one
          worker and streamed through an SPSC ring; the mix on top runs in the mixer.

`auto` predicts each candidate's wall time by list-scheduling its tasks (`simulate`,
the same dispatch order and dependencies the farm uses) with costs calibrated on this
machine for this patch (`workers.costs`: per-node CPU per frame, task build/seek cost,
dispatch overhead), warm-up included, plus the mixer's work, and keeps the best.
`simulate` is also what scripts/bench_scaling.py replays measured task costs through.
"""
from __future__ import annotations

import bisect
import heapq
import math
import os
from dataclasses import dataclass, field
from typing import Optional

from phonon.errors import RenderError

from . import costs as costmod

STATELESS, SEEKABLE, FADING, HISTORY = "stateless", "seekable", "fading", "history"
MODES = ("auto", "time", "branch")
LONG_TAIL_SECONDS = 0.25  # a fading node with a longer tail is a stage-cut candidate
THRESHOLDS = (LONG_TAIL_SECONDS, 1.0, 4.0)  # stage-cut / serial-tail variants tried by auto
MIN_TASK_SECONDS = 0.1  # tasks carry at least this much work
ARENA_BUDGET = int(float(os.environ.get("PHONON_FARM_ARENA_MB", "192")) * 2**20)  # slot bytes
ARENA_PER_WORKER = 96 * 2**20  # ... or this much per worker, when more (16 workers: 1.5 GB)


def arena_budget(workers: int) -> int:
    """Bytes of chunk slots in flight, all stages together (independent of the piece's length)."""
    return max(ARENA_BUDGET, workers * ARENA_PER_WORKER)
MIX_COST = 3e-9  # seconds per frame per output row for the mixer (sum + file)
MIX = -1  # the virtual node of the summed outputs: a stage may write the mix, not each output
MIX_KINDS = {"add", "sub", "mul", "div", "sum", "pan", "stereo", "gain"}


@dataclass(frozen=True)
class Product:
    """A node's signal materialized at rows [row0, row0 + ch) of its stage's slots/ring."""

    node: int
    row0: int
    ch: int


@dataclass
class Stage:
    index: int
    kind: str  # "time" | "branch"
    nodes: tuple  # node ids this stage computes
    products: tuple  # (Product, ...)
    externals: tuple  # node ids read from earlier stages
    warmup: int  # frames (time stages)
    cost: float  # seconds per frame of this stage's nodes
    nslots: int = 0
    warm_cost: float = 0.0  # seconds of one full warm-up: each node warms only its own path
    bounds: tuple = ()  # task k covers base chunks [bounds[k], bounds[k+1]) (time stages)

    @property
    def rows(self) -> int:
        return sum(p.ch for p in self.products)

    @property
    def ntasks(self) -> int:
        return max(1, len(self.bounds) - 1) if self.kind == "time" else 1

    def task_of(self, j: int) -> int:
        """The task index covering base chunk j."""
        return bisect.bisect_right(self.bounds, j) - 1

    @property
    def span(self) -> int:
        """The longest task, in base chunks."""
        return max((b - a for a, b in zip(self.bounds, self.bounds[1:])), default=1)


@dataclass
class Plan:
    mode: str
    frames: int
    sr: int
    block: int
    chunk: int
    workers: int
    stages: list
    tail: tuple  # node ids the mixer computes (serial tail / the mix above branches)
    out_roots: dict  # output name -> node
    bus_nodes: dict  # bus name -> node
    reasons: dict  # node id -> why it sits where it does
    labels: dict  # node id -> "kind label"
    predicted: dict = field(default_factory=dict)
    ring_frames: int = 0
    tail_inputs: dict = field(default_factory=dict)  # serial-tail node -> its input node ids

    @property
    def nchunks(self) -> int:
        return max(1, -(-self.frames // self.chunk))

    def chunk_range(self, k: int) -> tuple[int, int]:
        """Frames of base chunk k (the mixer's unit)."""
        return k * self.chunk, min(self.frames, (k + 1) * self.chunk)

    def task_range(self, stage: "Stage", k: int) -> tuple[int, int]:
        """Frames [a, b) task k of a time stage renders."""
        return (stage.bounds[k] * self.chunk,
                min(self.frames, stage.bounds[k + 1] * self.chunk))

    def warm_start(self, stage: "Stage", k: int) -> int:
        a = stage.bounds[k] * self.chunk if stage.bounds else k * self.chunk
        return max(0, a - stage.warmup)

    @property
    def streams_branches(self) -> bool:
        """A branch stage streams to the mixer while it runs: one process per branch."""
        return any(s.kind == "branch" for s in self.stages)

    @property
    def uses_warmup(self) -> bool:
        return any(s.kind == "time" and s.warmup > 0 and s.ntasks > 1 for s in self.stages)

    def set_bounds(self, stage: "Stage", mult: int = 1, shrink: bool = False) -> None:
        """Uniform tasks of `mult` base chunks; `shrink` halves the last ones down to one base
        chunk, so a downstream stage's final task (on the critical path) is short."""
        K = self.nchunks
        mult = max(1, min(int(mult), K))
        tail = []
        if shrink and mult > 1:
            m = mult // 2
            while m >= 1:
                tail.append(m)
                m //= 2
        b = [0]
        end = K - sum(tail)
        while b[-1] + mult <= end and end > 0:
            b.append(b[-1] + mult)
        if b[-1] < end:
            b.append(end)
        for m in tail:
            if b[-1] + m <= K:
                b.append(b[-1] + m)
        if b[-1] < K:
            b.append(K)
        stage.bounds = tuple(b)

    def size_slots(self) -> None:
        """Slots per time stage: what any reader may still need (every later stage's warm-up
        and task span, so the mixer's chunk can always be completed), one task in flight per
        worker and one more ahead."""
        C, N = self.chunk, self.workers
        times = [s for s in self.stages if s.kind == "time"]
        hold = 1 + sum(-(-t.warmup // C) + t.span for t in times)
        for s in times:
            s.nslots = hold + (min(N, s.ntasks) + 1) * s.span + 1

    def configure(self, chunk: int, mults, shrink: bool = False) -> None:
        """Base chunk length and each stage's task length in base chunks (tests, tuning)."""
        self.chunk = chunk
        for s, m in zip(self.stages, mults):
            if s.kind == "time":
                self.set_bounds(s, m, shrink=shrink and s.index > 0)
        self.size_slots()

    def arena_bytes(self) -> int:
        return sum(8 * max(1, s.rows) * self.chunk * s.nslots for s in self.stages
                   if s.kind == "time")

    def producer_of(self) -> dict:
        return {p.node: (s, p) for s in self.stages for p in s.products}

    def describe(self) -> str:
        sr = self.sr
        lines = [f"plan: mode {self.mode}, {self.frames} frames ({self.frames / sr:.2f} s), "
                 f"{self.workers} worker(s), block {self.block}"]
        if any(s.kind == "time" for s in self.stages):
            lines.append(f"base chunks: {self.nchunks} x {self.chunk} frames "
                         f"({self.chunk / sr:.3f} s); slots {self.arena_bytes() / 2**20:.0f} MB")
        for s in self.stages:
            prods = ", ".join(f"%{p.node}[{p.ch}ch]" for p in s.products)
            ext = ", ".join(f"%{e}" for e in s.externals) or "-"
            if s.kind == "time":
                lens = sorted({b - a for a, b in zip(s.bounds, s.bounds[1:])}, reverse=True)
                lens_s = "/".join(f"{m * self.chunk / sr:.2f}" for m in lens[:4])
                lines.append(f"stage {s.index} (time): {len(s.nodes)} nodes, {s.ntasks} tasks of "
                             f"{lens_s} s, warm-up {s.warmup} frames ({s.warmup / sr:.3f} s) per task "
                             f"after the first; reads {ext}; materializes {prods}; "
                             f"cost {s.cost * sr:.4f} CPU-s per audio-s")
            else:
                lines.append(f"stage {s.index} (branch): {len(s.nodes)} nodes rendered whole, "
                             f"streamed through a ring of {self.ring_frames} frames; produces {prods}; "
                             f"cost {s.cost * sr:.4f} CPU-s per audio-s")
        if self.tail:
            lines.append(f"mixer (serial): {len(self.tail)} nodes: "
                         + ", ".join(f"%{n}" for n in self.tail))
        p = self.predicted
        if p:
            lines.append(f"predicted: serial {p['serial_s']:.2f} s, wall {p['wall_s']:.2f} s with "
                         f"{self.workers} worker(s), speedup {p['speedup']:.2f}x, warm-up overhead "
                         f"{p['warm_pct']:.1f}%, task overhead {p['task_pct']:.1f}%, mixer "
                         f"{p.get('mixer_s', 0.0):.2f} s"
                         + (f" (on {p['cpus']} CPUs: {p['wall_ideal_s']:.2f} s with one CPU "
                            f"per worker)" if p.get('cpus', 0) < self.workers + 1 and
                            'wall_ideal_s' in p else ""))
            if p.get("alternatives"):
                lines.append("alternatives: " + ", ".join(
                    f"{m} {w:.2f} s" for m, w in p["alternatives"].items()))
        lines.append("nodes:")
        for nid, why in self.reasons.items():
            lines.append(f"  %{nid} {self.labels.get(nid, '')}: {why}")
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
def graph_info(spec, buses: bool = False):
    """NodeInfo of every node the outputs (and buses) need, in topological order, and
    each node's channel count (probed by rendering one frame)."""
    from phonon.engine import Graph

    buses = tuple(r.node for _, r in spec.buses) if buses else ()
    g = Graph(spec, taps=buses)
    info = g.info()
    g.taps = tuple(i.id for i in info)  # probe every node's channel count with one frame
    g.render(1)
    chans = {nid: int(y.shape[0]) for nid, y in g.last_taps.items()}
    return info, chans


def _round_up(x: int, m: int) -> int:
    return max(m, -(-int(x) // m) * m)


def make_plan(spec, frames: int, workers: int, mode: str = "auto", chunk_frames: Optional[int] = None,
              block: int = 8192, node_costs=None, stems_buses: bool = False,
              build_seconds: Optional[float] = None, stages: Optional[bool] = None,
              cpus: Optional[int] = None, mix_only: bool = False) -> Plan:
    """The best plan by predicted wall time. `stages` True/False forces/forbids stage cuts.
    `node_costs`: a `costs.Costs`, or a dict (int keys: node ids, str keys: kinds); measured
    when None. `mix_only`: only the mix is wanted (no stems): when every output is computed
    in one time stage, its tasks write the summed outputs (2 rows) instead of each output.
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
    ctx = _Ctx(spec, info, chans, costs, frames, workers, block, stems_buses,
               cpus or min(workers, os.cpu_count() or 1),  # --cores N: a budget of N CPUs
               mix_only=mix_only)
    cands = {}
    if mode in ("auto", "time"):
        if stages is not False:
            for thr in THRESHOLDS:
                cands[f"time+stages@{thr:g}s"] = ctx.time_plan(True, chunk_frames, thr)
        if not stages:
            cands["time"] = ctx.time_plan(False, chunk_frames)
        if stages is None and ctx.cpus > workers:  # only when the mixer has a CPU of its own
            for thr in THRESHOLDS:
                cands[f"time+tail@{thr:g}s"] = ctx.time_plan(False, chunk_frames, thr, True)
    if mode in ("auto", "branch"):
        cands["branch"] = ctx.branch_plan(chunk_frames=chunk_frames)
    best = min(cands, key=lambda m: cands[m].predicted["wall_s"])  # first wins ties
    plan = cands[best]
    plan.predicted["alternatives"] = {m: p.predicted["wall_s"] for m, p in cands.items()}
    plan.predicted["candidate"] = best
    return plan


# ---------------------------------------------------------------------------------------------
@dataclass
class SimResult:
    wall: float  # until the mixer wrote the last chunk (+ startup)
    makespan: float  # last task finished
    busy: list  # per-worker busy seconds
    mixer: float  # mixer busy seconds
    work: float  # sum of task durations
    schedule: list  # (stage, task, worker, start, end)


def _warm_cost(s: Stage, frames: int) -> float:
    """CPU seconds of a warm-up of `frames` (<= the stage's full warm-up) in stage s."""
    if frames <= 0 or s.warmup <= 0:
        return 0.0
    return s.warm_cost * min(1.0, frames / s.warmup)


def dispatch_key(stage: Stage, k: int, plan: Plan) -> tuple:
    """The order the farm (and the simulation) prefers among ready tasks: branches first,
    then later stages (their inputs are in slots, they free them and feed the mixer), then
    timeline order."""
    if stage.kind == "branch":
        return (0, 0, stage.index)
    return (1, -stage.index, stage.bounds[k])


def task_deps(plan: Plan) -> dict:
    """(stage, k) -> [(producer stage, task)] a time task needs finished first."""
    producer = plan.producer_of()
    C = plan.chunk
    deps = {}
    for s in plan.stages:
        if s.kind != "time":
            continue
        for k in range(s.ntasks):
            ws = plan.warm_start(s, k)
            _, b = plan.task_range(s, k)
            d = set()
            for node in s.externals:
                ps, _ = producer[node]
                if ps.kind != "time":
                    continue
                for t in range(ps.task_of(ws // C), ps.task_of(max(0, -(-b // C) - 1)) + 1):
                    d.add((ps.index, t))
            deps[(s.index, k)] = sorted(d)
    return deps


def simulate(plan: Plan, workers: int, cost_fn, dispatch: float = costmod.TASK_OVERHEAD,
             mix_fn=None, startup: float = 0.0, seek_per_frame: float = 0.0) -> SimResult:
    """List-schedule the plan's tasks on `workers` CPUs the way the farm dispatches them.

    cost_fn(stage, k) -> seconds a task takes in its worker (k is 0 for a branch);
    dispatch: fixed seconds per task on top; mix_fn(j) -> mixer seconds for base chunk j;
    seek_per_frame: cost of a worker's first seek past the furthest position it reached.
    The mixer is its own process; it mixes chunk j once every stage it reads has it."""
    tasks = []
    for s in plan.stages:
        for k in range(s.ntasks):
            tasks.append((s, k))
    deps = task_deps(plan)
    ndeps = {}
    users: dict = {}
    for s, k in tasks:
        d = deps.get((s.index, k), [])
        ndeps[(s.index, k)] = len(d)
        for x in d:
            users.setdefault(x, []).append((s, k))
    finish: dict = {}
    start_t: dict = {}
    waiting = []  # (ready time, key, stage index, k)
    avail = []  # (key, stage index, k, ready)
    for s, k in tasks:
        if ndeps[(s.index, k)] == 0:
            heapq.heappush(waiting, (0.0, dispatch_key(s, k, plan), s.index, k))
    free = [(0.0, w) for w in range(workers)]
    heapq.heapify(free)
    reach = [0] * workers
    busy = [0.0] * workers
    sched = []
    stages = plan.stages
    remaining = len(tasks)
    work = 0.0
    while remaining:
        tw, w = heapq.heappop(free)
        while waiting and waiting[0][0] <= tw:
            r, key, si, k = heapq.heappop(waiting)
            heapq.heappush(avail, (key, si, k, r))
        if not avail:
            if not waiting:
                raise RuntimeError("simulate: dependency cycle")
            r, key, si, k = heapq.heappop(waiting)
            tw = max(tw, r)
            heapq.heappush(avail, (key, si, k, r))
            while waiting and waiting[0][0] <= tw:
                r, key, si, k = heapq.heappop(waiting)
                heapq.heappush(avail, (key, si, k, r))
        key, si, k, r = heapq.heappop(avail)
        s = stages[si]
        d = float(cost_fn(s, k)) + dispatch
        if seek_per_frame and s.kind == "time":
            ws = plan.warm_start(s, k)
            if ws > reach[w]:
                d += seek_per_frame * (ws - reach[w])
            reach[w] = max(reach[w], plan.task_range(s, k)[1])
        elif s.kind == "branch":
            reach[w] = plan.frames
        t0 = max(tw, r)
        t1 = t0 + d
        start_t[(si, k)] = t0
        finish[(si, k)] = t1
        busy[w] += d
        work += d
        sched.append((si, k, w, t0, t1))
        heapq.heappush(free, (t1, w))
        remaining -= 1
        for u in users.get((si, k), []):
            uk = (u[0].index, u[1])
            ndeps[uk] -= 1
            if ndeps[uk] == 0:
                rt = max(finish[x] for x in deps[uk])
                heapq.heappush(waiting, (rt, dispatch_key(u[0], u[1], plan), u[0].index, u[1]))
    makespan = max(finish.values(), default=0.0)
    # The mixer: base chunk j once every stage it reads has it (branches stream evenly).
    K = plan.nchunks
    read = [s for s in plan.stages if _mixer_reads(plan, s)]
    t = 0.0
    mix = 0.0
    for j in range(K):
        ready = 0.0
        for s in read:
            if s.kind == "time":
                ready = max(ready, finish[(s.index, s.task_of(j))])
            else:
                a, b = start_t[(s.index, 0)], finish[(s.index, 0)]
                ready = max(ready, a + (b - a) * (j + 1) / K)
        m = mix_fn(j) if mix_fn else 0.0
        t = max(t, ready) + m
        mix += m
    return SimResult(max(t, makespan) + startup, makespan, busy, mix, work, sched)


def _mixer_reads(plan: Plan, s: Stage) -> bool:
    needed = set(plan.out_roots.values()) | set(plan.bus_nodes.values())
    tail = set(plan.tail)
    for n in plan.tail:
        needed |= set(plan.tail_inputs.get(n, ()))
    return any(p.node in needed and p.node not in tail for p in s.products)


class _Ctx:
    def __init__(self, spec, info, chans, costs, frames, workers, block, stems_buses, cpus,
                 mix_only: bool = False):
        self.spec, self.info, self.chans = spec, info, chans
        self.by_id = {i.id: i for i in info}
        self.order = [i.id for i in info]
        self.frames, self.workers, self.block, self.sr = frames, workers, block, spec.sr
        self.costs = costs
        self.cpus = cpus
        self.cost = {i.id: costs.of(i.id, i.kind) for i in info}
        self.total_cost = sum(self.cost.values())
        self.out_roots = {name: r.node for name, r in spec.outputs}
        self.bus_nodes = {name: r.node for name, r in spec.buses} if stems_buses else {}
        self.mix_only = mix_only and not stems_buses
        self.consumers = {i.id: [] for i in info}
        for i in info:
            for r in i.inputs:
                self.consumers[r].append(i.id)
        self.labels = {i.id: f"{i.kind}" + (f" ({i.label})" if i.label else "") for i in info}
        self.rows_out = 2 if self.mix_only else 2 * max(1, len(self.out_roots))
        self.serial_s = self.total_cost * frames + MIX_COST * frames * self.rows_out

    def sc(self, nid) -> str:
        s = self.by_id[nid].state_class
        return s if s in (STATELESS, SEEKABLE, FADING) else HISTORY

    def tail_frames(self, nid) -> int:
        if self.sc(nid) != FADING:
            return 0
        return int(math.ceil(max(0.0, self.by_id[nid].tail_seconds) * self.sr))

    # -- time plans ----------------------------------------------------------------------------
    def time_plan(self, stages: bool, chunk_frames: Optional[int], threshold: float = LONG_TAIL_SECONDS,
                  tail_long: bool = False) -> Plan:
        """stages: cut before fading nodes with tail >= threshold seconds; tail_long: run such
        nodes (and what follows them) serially in the mixer instead."""
        thr = threshold * self.sr
        serial: set = set()
        for nid in self.order:
            i = self.by_id[nid]
            longt = tail_long and self.sc(nid) == FADING and i.inputs and self.tail_frames(nid) >= thr
            if self.sc(nid) == HISTORY or longt or any(x in serial for x in i.inputs):
                serial.add(nid)
        long_tail = set()
        if stages:
            long_tail = {n for n in self.order if n not in serial and self.sc(n) == FADING
                         and self.by_id[n].inputs and self.tail_frames(n) >= thr}
        stage_of: dict = {}
        for nid in self.order:
            if nid in serial:
                continue
            ins = self.by_id[nid].inputs
            s = max((stage_of[i] for i in ins), default=0)
            stage_of[nid] = s + (1 if nid in long_tail else 0)
        # Products: signals crossing from a stage to a later stage, the serial tail or the mixer.
        # With mix_only and every output in one stage, that stage writes their sum instead.
        out_stages = {stage_of.get(n) for n in self.out_roots.values()}
        mix_stage = next(iter(out_stages)) if (self.mix_only and len(out_stages) == 1
                                               and None not in out_stages) else None
        wanted = (set() if mix_stage is not None else set(self.out_roots.values())) \
            | set(self.bus_nodes.values())
        products: dict = {}
        for nid, s in stage_of.items():
            cross = any(c in serial or stage_of.get(c, s) > s for c in self.consumers[nid])
            if cross or nid in wanted:
                products.setdefault(s, []).append(nid)
        nst = max(stage_of.values(), default=-1) + 1
        st_list = []
        reasons = {}
        for s in range(nst):
            nodes = tuple(n for n in self.order if stage_of.get(n) == s)
            if not nodes:
                continue
            prods, r = [], 0
            for n in sorted(products.get(s, []), key=self.order.index):
                ch = self.chans.get(n, 2)
                prods.append(Product(n, r, ch))
                r += ch
            if s == mix_stage:  # the summed outputs, last (rows after the other products)
                prods.append(Product(MIX, r, 2))
                r += 2
            ext = sorted({i for n in nodes for i in self.by_id[n].inputs if stage_of[i] < s},
                         key=self.order.index)
            # Warm-up: tails add along a series path and take the max across parallel paths.
            W: dict = {}
            for n in nodes:
                W[n] = self.tail_frames(n) + max((W.get(i, 0) for i in self.by_id[n].inputs
                                                  if stage_of.get(i) == s), default=0)
            roots = [p.node for p in prods if p.node != MIX]
            if s == mix_stage:
                roots += list(self.out_roots.values())
            warm = max((W[n] for n in roots), default=0)
            cost = sum(self.cost[n] for n in nodes)
            # What a warm-up costs when every node starts where its own path needs it
            # (Graph.warm_starts): need = frames its output must be right before the chunk.
            need: dict = {}
            for n in reversed(nodes):
                need[n] = max([need[c] + self.tail_frames(c) for c in self.consumers[n]
                               if stage_of.get(c) == s], default=0)
            warm_cost = sum(self.cost[n] * (need[n] + self.tail_frames(n)) for n in nodes)
            st_list.append(Stage(len(st_list), "time", nodes, tuple(prods), tuple(ext), warm, cost,
                                 warm_cost=warm_cost))
            for n in nodes:
                i = self.by_id[n]
                what = {STATELESS: "stateless", SEEKABLE: "seekable: state computed at the chunk start",
                        FADING: f"fading, tail {i.tail_seconds:.3f} s"}[self.sc(n)]
                where = f"stage {len(st_list) - 1}"
                if n in long_tail:
                    where += (" (long tail: cut before it, inputs "
                              + ", ".join(f"%{x}" for x in i.inputs) + " materialized)")
                if any(p.node == n for p in prods):
                    where += ", materialized"
                reasons[n] = (f"{what}; {where}; path warm-up {W[n] / self.sr:.3f} s; "
                              f"{self.cost[n] * self.sr * 1000:.2f} ms CPU per audio-s")
        tail = tuple(n for n in self.order if n in serial)
        for n in tail:
            why = ("history: cannot restart mid-piece" if self.sc(n) == HISTORY
                   else f"long tail ({self.by_id[n].tail_seconds:.2f} s): cheaper run once"
                   if tail_long and self.tail_frames(n) >= thr and self.sc(n) == FADING
                   else "downstream of the serial tail")
            reasons[n] = (f"{why}; serial tail in the mixer; "
                          f"{self.cost[n] * self.sr * 1000:.2f} ms CPU per audio-s")
        reasons = {n: reasons[n] for n in self.order if n in reasons}
        mode_name = "time" + ("+stages" if stages and len(st_list) > 1 else "") + \
            ("+tail" if tail else "")
        plan = Plan(mode_name, self.frames,
                    self.sr, self.block, self.block, self.workers, st_list, tail, self.out_roots,
                    self.bus_nodes, reasons, self.labels,
                    tail_inputs={n: tuple(self.by_id[n].inputs) for n in tail})
        self._choose_chunks(plan, chunk_frames)
        return plan

    # -- chunk lengths -------------------------------------------------------------------------
    def _configure(self, plan: Plan, C: int, mults: list, shrink: bool = True) -> None:
        plan.chunk = C
        for s, m in zip(plan.stages, mults):
            plan.set_bounds(s, m, shrink=shrink and s.index > 0)
        self._slots(plan)

    def _choose_chunks(self, plan: Plan, chunk_frames: Optional[int]) -> None:
        """Base chunk and per-stage task lengths with the best simulated wall time, among
        those whose tasks carry >= MIN_TASK_SECONDS of work and whose slots fit ARENA_BUDGET."""
        B, F, N = self.block, self.frames, self.workers
        stages = plan.stages
        if chunk_frames:
            self._configure(plan, max(1, min(int(chunk_frames), F)), [1] * len(stages), False)
            plan.predicted = self._predict(plan)
            return
        if not stages:
            plan.chunk = _round_up(min(F, self.sr), B)
            plan.predicted = self._predict(plan)
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
        budget = arena_budget(N)
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
                    tries.append((self._predict(plan)["wall_s"], plan.arena_bytes(), m2))
                _, _, mults = min(tries, key=lambda t: (t[0], t[1]))  # halve where it costs least
                self._configure(plan, C, mults)
            w = self._predict(plan)["wall_s"]
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
                    w = self._predict(plan)["wall_s"]
                    if w < best[0] * 0.999:
                        best, mults, improved = (w, C, m2), m2, True
        self._configure(plan, C, mults)
        plan.predicted = self._predict(plan)

    def _slots(self, plan: Plan) -> None:
        plan.size_slots()

    def _predict(self, plan: Plan, branch_costs=None) -> dict:
        F, N = self.frames, self.workers
        c = self.costs
        fixed = c.build
        tail_cost = sum(self.cost[n] for n in plan.tail)

        def cost_fn(s, k):
            if s.kind == "branch":
                return s.cost * F + fixed
            a, b = plan.task_range(s, k)
            return s.cost * (b - a) + _warm_cost(s, a - plan.warm_start(s, k)) + fixed

        def mix_fn(j):
            a, b = plan.chunk_range(j)
            return (tail_cost + MIX_COST * self.rows_out) * (b - a)

        sim = simulate(plan, N, cost_fn, c.dispatch, mix_fn, 0.0, c.seek)
        work = sum(s.cost * F for s in plan.stages)
        warm = sum(_warm_cost(s, plan.task_range(s, k)[0] - plan.warm_start(s, k))
                   for s in plan.stages if s.kind == "time" for k in range(s.ntasks))
        ntasks = sum(s.ntasks for s in plan.stages)
        over = max(0.0, sim.work - work - warm)
        wall = sim.wall
        # On fewer CPUs than workers + mixer, the processes share them.
        procs = N + (1 if sim.mixer > 0.02 * sim.makespan else 0)
        if self.cpus < procs:
            # the processes share the CPUs; the last chunk's mixing cannot overlap any task
            last = mix_fn(plan.nchunks - 1) if plan.nchunks else 0.0
            wall = max(wall, (sim.work + sim.mixer) / self.cpus + last)
        useful = max(work, 1e-12)
        return {"serial_s": self.serial_s, "wall_s": wall, "wall_ideal_s": sim.wall,
                "speedup": self.serial_s / wall if wall > 0 else 0.0,
                "warm_pct": 100 * warm / useful, "task_pct": 100 * over / useful,
                "mixer_s": sim.mixer, "tasks": ntasks, "cpus": self.cpus}

    # -- branch plan ---------------------------------------------------------------------------
    def branch_plan(self, chunk_frames: Optional[int]) -> Plan:
        roots, top = [], []
        share = 0.05 * self.total_cost
        seen = set()
        todo = list(dict.fromkeys(list(self.out_roots.values()) + list(self.bus_nodes.values())))
        while todo:
            n = todo.pop(0)
            if n in seen:
                continue
            seen.add(n)
            i = self.by_id[n]
            descend = (i.inputs and n not in self.bus_nodes.values()
                       and i.kind in MIX_KINDS and self.cost[n] <= share)
            if descend:
                top.append(n)
                todo.extend(i.inputs)
            else:
                roots.append(n)
        closure = {r: self._closure(r) for r in roots}
        weight = {r: sum(self.cost[x] for x in closure[r]) for r in roots}
        ngroups = max(1, min(self.workers, len(roots)))
        groups = [[] for _ in range(ngroups)]
        gnodes = [set() for _ in range(ngroups)]
        for r in sorted(roots, key=lambda r: -weight[r]):  # LPT on the union of closures
            k = min(range(ngroups), key=lambda k: sum(self.cost[x] for x in gnodes[k] | closure[r]))
            groups[k].append(r)
            gnodes[k] |= closure[r]
        stages, reasons = [], {}
        for k, g in enumerate(groups):
            if not g:
                continue
            prods, r0 = [], 0
            for n in sorted(g, key=self.order.index):
                ch = self.chans.get(n, 2)
                prods.append(Product(n, r0, ch))
                r0 += ch
            nodes = tuple(n for n in self.order if n in gnodes[k])
            st = Stage(len(stages), "branch", nodes, tuple(prods), (), 0,
                       sum(self.cost[n] for n in nodes))
            stages.append(st)
            for n in nodes:
                reasons.setdefault(n, f"{self.sc(n)}; branch {st.index} (rendered whole, streamed); "
                                      f"{self.cost[n] * self.sr * 1000:.2f} ms CPU per audio-s")
        top_t = tuple(n for n in self.order if n in set(top))
        for n in top_t:
            reasons[n] = f"{self.sc(n)}, cheap mixing above the branches; mixer"
        reasons = {n: reasons[n] for n in self.order if n in reasons}
        plan = Plan("branch", self.frames, self.sr, self.block, self.block, self.workers, stages,
                    top_t, self.out_roots, self.bus_nodes, reasons, self.labels,
                    tail_inputs={n: tuple(self.by_id[n].inputs) for n in top_t})
        plan.chunk = (max(1, min(chunk_frames, self.frames)) if chunk_frames
                      else min(_round_up(self.sr // 2, self.block), _round_up(self.frames, self.block)))
        plan.ring_frames = max(4 * self.block, 2 * plan.chunk)
        plan.predicted = self._predict(plan)
        return plan

    def _closure(self, root) -> set:
        out, todo = set(), [root]
        while todo:
            n = todo.pop()
            if n not in out:
                out.add(n)
                todo.extend(self.by_id[n].inputs)
        return out


def _plan_job(spec_bytes: bytes, frames: int, workers: int, recalibrate: bool, kw: dict):
    from phonon.spec import GraphSpec
    from .task import engine_module
    engine_module()  # node kinds, as a worker has them (including test plugins)
    spec = GraphSpec.from_bytes(spec_bytes)
    costs = costmod.calibrate(spec, kw.get("block", 8192), recalibrate)
    plan = make_plan(spec, frames, workers, node_costs=costs, **kw)
    chans = graph_info(spec, kw.get("stems_buses", False))[1]
    return plan, chans


def plan_isolated(spec, frames: int, workers: int, recalibrate: bool = False,
                  start_method: Optional[str] = None, **kw):
    """Calibrate and plan in a short-lived child process: both render the graph, which loads
    every compiled kernel; doing it there keeps the mixer (this process) small however many
    kernels the patch uses. Returns (plan, {node id: channels})."""
    import multiprocessing as mp
    method = start_method or ("forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn")
    with mp.get_context(method).Pool(1) as pool:
        return pool.apply(_plan_job, (spec.to_bytes(), frames, workers, recalibrate, kw))
