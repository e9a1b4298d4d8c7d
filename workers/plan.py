"""Plans: how one render splits across workers (DESIGN.md "The farm"), as data.

Every node reports its state class and tail through `Graph.info()`; a kind that
declares nothing is `history` (never split). `Builder` makes the candidate plans:

  time    Stages of time chunks. A fading node whose tail is long (a reverb, a
          feedback delay) gets a cut before it: its inputs are materialized chunk
          by chunk in shared memory and the next stage is time-chunked over them,
          so its warm-up re-runs only the long-tail part. A stage's warm-up comes from
          `phonon.engine.WarmupModel` (series sum / parallel max of tails along the
          paths inside the stage), the same model a task warms up by.
          History nodes and everything downstream of them form the serial tail,
          run by the mixer over the stitched stream.
  branch  Independent subgraphs under the final mix, each rendered whole by one
          worker and streamed through an SPSC ring; the mix on top runs in the mixer.

A plan's time layout (base chunk, each stage's tasks and warm-up) is its `grid`
(`workers.grid.TimeGrid`). The chunk lengths are chosen in `workers.choose`, by the
schedule `workers.schedule` simulates.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Optional

from phonon.engine import WarmupModel, tail_frames
from phonon.nodes.base import FADING, HISTORY, SEEKABLE, STATE_CLASSES, STATELESS  # noqa: F401

from .grid import StageTiming, TimeGrid

LONG_TAIL_SECONDS = 0.25  # a fading node with a longer tail is a stage-cut candidate
THRESHOLDS = (LONG_TAIL_SECONDS, 1.0, 4.0)  # stage-cut / serial-tail variants tried by auto
MIN_TASK_SECONDS = 0.1  # tasks carry at least this much work
ARENA_BUDGET = int(float(os.environ.get("PHONON_FARM_ARENA_MB", "192")) * 2**20)  # slot bytes
ARENA_PER_WORKER = 96 * 2**20  # ... or this much per worker, when more (16 workers: 1.5 GB)
# Seconds per frame per output row for the mixer's sum.
MIX_COST = 3e-9
# Seconds per frame and channel the parent's writer thread spends encoding and writing a
# 24-bit WAV (phonon.pcm's encoder and the write calls, fsync started on the way: 0.29 s
# for 26.5 M stereo frames here; libsndfile's own conversion was 8e-9), beside the mixing.
WRITE_COST = 5.5e-9
FORK_SECONDS = 0.02  # one worker forked from the warm template until it is ready
MIX = -1  # the virtual node of the summed outputs: a stage may write the mix, not each output
MIX_KINDS = {"add", "sub", "mul", "div", "sum", "pan", "stereo", "gain"}


def arena_budget(workers: int) -> int:
    """Bytes of chunk slots in flight, all stages together (independent of the piece's length)."""
    return max(ARENA_BUDGET, workers * ARENA_PER_WORKER)


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
    timing: StageTiming  # warm-up and task bounds: this stage's row of the plan's grid
    cost: float  # seconds per frame of this stage's nodes
    nslots: int = 0
    warm_cost: float = 0.0  # seconds of one full warm-up: each node warms only its own path

    @property
    def rows(self) -> int:
        return sum(p.ch for p in self.products)

    # The grid's answers for this stage (read-only views of `timing`).
    @property
    def warmup(self) -> int:
        return self.timing.warmup

    @property
    def bounds(self) -> tuple:
        return self.timing.bounds

    @property
    def ntasks(self) -> int:
        return self.timing.ntasks

    def task_of(self, j: int) -> int:
        return self.timing.task_of(j)

    @property
    def span(self) -> int:
        return self.timing.span


@dataclass
class Plan:
    mode: str
    frames: int
    sr: int
    block: int
    chunk0: int  # the base chunk the plan starts with (the grid's, until configured)
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
    grid: TimeGrid = None

    def __post_init__(self):
        if self.grid is None:
            self.grid = TimeGrid(self.frames, self.chunk0, [s.timing for s in self.stages])

    # The grid, asked through the plan (the farm, the mixer, the tests).
    @property
    def chunk(self) -> int:
        return self.grid.chunk

    @chunk.setter
    def chunk(self, c: int) -> None:
        self.grid.chunk = int(c)

    @property
    def nchunks(self) -> int:
        return self.grid.nchunks

    def chunk_range(self, k: int) -> tuple[int, int]:
        """Frames of base chunk k (the mixer's unit)."""
        return self.grid.chunk_range(k)

    def task_range(self, stage: Stage, k: int) -> tuple[int, int]:
        """Frames [a, b) task k of a time stage renders."""
        return self.grid.task_range(stage.index, k)

    def warm_start(self, stage: Stage, k: int) -> int:
        return self.grid.warm_start(stage.index, k)

    @property
    def streams_branches(self) -> bool:
        """A branch stage streams to the mixer while it runs: one process per branch."""
        return any(s.kind == "branch" for s in self.stages)

    @property
    def uses_warmup(self) -> bool:
        return self.grid.uses_warmup

    @property
    def ntasks(self) -> int:
        return sum(s.ntasks for s in self.stages)

    @property
    def concurrency(self) -> int:
        """Workers worth starting: no more than the tasks (a branch plan: one per branch)."""
        return max(1, min(self.workers, self.ntasks))

    def size_slots(self) -> None:
        """Slots per time stage: what its readers may still need (the mixer's chunk, and the
        warm-up and task span of each later stage that reads this stage's products, so the
        mixer's chunk can always be completed), one task in flight per worker and one more
        ahead. A stage nothing later reads (a one-stage plan) holds only the mixer's chunk:
        its own tasks' warm-up re-renders, it reads no slot."""
        C, N = self.chunk, self.workers
        times = [s for s in self.stages if s.kind == "time"]
        for s in times:
            prods = {p.node for p in s.products}
            readers = [t for t in times if t.index > s.index and set(t.externals) & prods]
            hold = 1 + sum(-(-t.warmup // C) + t.span for t in readers)
            s.nslots = hold + (min(N, s.ntasks) + 1) * s.span + 1

    def configure(self, chunk: int, mults, shrink: bool = False) -> None:
        """Base chunk length and each stage's task length in base chunks (tests, tuning)."""
        self.grid.configure(chunk, mults, shrink=shrink)
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
                lens = s.timing.lengths
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
                         f"{p.get('mixer_s', 0.0):.2f} s, writing {p.get('write_s', 0.0):.2f} s, worker start-up "
                         f"{p.get('startup_s', 0.0):.2f} s"
                         + (f", workers at once run at {100 * p['efficiency']:.0f}% of their solo "
                            "speed here" if p.get('efficiency', 1.0) < 1.0 else "")
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


# ---------------------------------------------------------------------------------------------
class Builder:
    """What the planner knows of one patch (nodes, state classes, tails, calibrated costs)
    and the candidate plans built from it."""

    def __init__(self, spec, info, chans, costs, frames, workers, block, stems_buses, cpus,
                 mix_only: bool = False):
        self.spec, self.info, self.chans = spec, info, chans
        self.by_id = {i.id: i for i in info}
        self.order = [i.id for i in info]
        self.frames, self.workers, self.block, self.sr = frames, workers, block, spec.sr
        self.costs = costs
        self.cpus = cpus
        self.efficiency = 1.0  # workers at once run at this fraction of their solo speed
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
        i = self.by_id[nid]
        return tail_frames(self.sc(nid), i.tail_seconds, self.sr)

    # -- time plans ----------------------------------------------------------------------------
    # -- time plans ----------------------------------------------------------------------------
    def time_plan(self, stages: bool, threshold: float = LONG_TAIL_SECONDS,
                  tail_long: bool = False) -> Plan:
        """stages: cut before fading nodes with tail >= threshold seconds; tail_long: run such
        nodes (and what follows them) serially in the mixer instead. The chunk lengths are
        left to `choose.choose_chunks`."""
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
            # The warm-up model of Graph.warm_starts, over this stage's nodes: the stage's
            # warm-up is its longest path of tails to a product; its cost is what each node
            # re-renders when it starts where its own path needs it.
            wm = WarmupModel(nodes, {n: self.by_id[n].inputs for n in nodes},
                             {n: self.tail_frames(n) for n in nodes})
            W = wm.path
            roots = [p.node for p in prods if p.node != MIX]
            if s == mix_stage:
                roots += list(self.out_roots.values())
            st_list.append(Stage(len(st_list), "time", nodes, tuple(prods), tuple(ext),
                                 StageTiming(wm.warmup(roots)), sum(self.cost[n] for n in nodes),
                                 warm_cost=wm.cost(self.cost)))
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
        return Plan(mode_name, self.frames, self.sr, self.block, self.block, self.workers, st_list,
                    tail, self.out_roots, self.bus_nodes, reasons, self.labels,
                    tail_inputs={n: tuple(self.by_id[n].inputs) for n in tail})

    # -- branch plan ---------------------------------------------------------------------------
    def branch_plan(self, chunk_frames: Optional[int] = None) -> Plan:
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
            st = Stage(len(stages), "branch", nodes, tuple(prods), (), StageTiming(time=False),
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
        return plan

    def _closure(self, root) -> set:
        out, todo = set(), [root]
        while todo:
            n = todo.pop()
            if n not in out:
                out.add(n)
                todo.extend(self.by_id[n].inputs)
        return out

