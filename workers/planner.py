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
  branch  Independent subgraphs under the final mix, each rendered whole by one
          worker and streamed through an SPSC ring; the mix on top runs in the mixer.

`auto` predicts each candidate's wall time with the cost model (node costs
calibrated on this machine, task overhead, warm-up overhead) and keeps the best.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Optional

from phonon.errors import RenderError

from . import costs as costmod

STATELESS, SEEKABLE, FADING, HISTORY = "stateless", "seekable", "fading", "history"
MODES = ("auto", "time", "branch")
LONG_TAIL_SECONDS = 0.25  # a fading node with a longer tail is a stage-cut candidate
MIN_TASK_SECONDS = 0.1  # tasks carry at least this much work
ARENA_BUDGET = 64 * 2**20  # bytes of chunk slots in flight, all stages together
MIX_COST = 3e-9  # seconds per frame per output row for the mixer (sum + file)
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

    @property
    def rows(self) -> int:
        return sum(p.ch for p in self.products)


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

    @property
    def nchunks(self) -> int:
        return max(1, -(-self.frames // self.chunk))

    def chunk_range(self, k: int) -> tuple[int, int]:
        return k * self.chunk, min(self.frames, (k + 1) * self.chunk)

    def warm_start(self, stage: "Stage", k: int) -> int:
        a = k * self.chunk
        return max(0, a - stage.warmup)

    @property
    def uses_warmup(self) -> bool:
        return any(s.kind == "time" and s.warmup > 0 for s in self.stages) and self.nchunks > 1

    def producer_of(self) -> dict:
        return {p.node: (s, p) for s in self.stages for p in s.products}

    def describe(self) -> str:
        sr = self.sr
        lines = [f"plan: mode {self.mode}, {self.frames} frames ({self.frames / sr:.2f} s), "
                 f"{self.workers} worker(s), block {self.block}"]
        if any(s.kind == "time" for s in self.stages):
            lines.append(f"time chunks: {self.nchunks} x {self.chunk} frames "
                         f"({self.chunk / sr:.3f} s)")
        for s in self.stages:
            prods = ", ".join(f"%{p.node}[{p.ch}ch]" for p in s.products)
            ext = ", ".join(f"%{e}" for e in s.externals) or "-"
            if s.kind == "time":
                lines.append(f"stage {s.index} (time): {len(s.nodes)} nodes, {self.nchunks} tasks, "
                             f"warm-up {s.warmup} frames ({s.warmup / sr:.3f} s) per chunk after the "
                             f"first; reads {ext}; materializes {prods}; "
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
                         f"{p['warm_pct']:.1f}%, task overhead {p['task_pct']:.1f}%")
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
              block: int = 8192, node_costs: Optional[dict] = None, stems_buses: bool = False,
              build_seconds: float = 0.0, stages: Optional[bool] = None) -> Plan:
    """The best plan by predicted wall time. `stages` True/False forces/forbids stage cuts."""
    if mode not in MODES:
        raise RenderError(f"--mode got '{mode}'; expected one of {', '.join(MODES)}")
    if workers < 1:
        raise RenderError(f"--cores got {workers}; expected >= 1")
    info, chans = graph_info(spec, stems_buses)
    if node_costs is None:
        node_costs, build_seconds = costmod.calibrate(spec, {i.kind for i in info}, block)
    ctx = _Ctx(spec, info, chans, node_costs, frames, workers, block, stems_buses, build_seconds)
    cands = {}
    if mode in ("auto", "time"):
        if stages is not False:
            for thr in (LONG_TAIL_SECONDS, 1.0, 4.0):
                cands[f"time+stages@{thr:g}s"] = ctx.time_plan(True, chunk_frames, thr)
        if not stages:
            cands["time"] = ctx.time_plan(False, chunk_frames)
        if stages is None:
            for thr in (LONG_TAIL_SECONDS, 1.0, 4.0):
                cands[f"time+tail@{thr:g}s"] = ctx.time_plan(False, chunk_frames, thr, True)
    if mode in ("auto", "branch"):
        cands["branch"] = ctx.branch_plan(chunk_frames=chunk_frames)
    best = min(cands, key=lambda m: cands[m].predicted["wall_s"])  # first wins ties
    plan = cands[best]
    plan.predicted["alternatives"] = {m: p.predicted["wall_s"] for m, p in cands.items()}
    return plan


class _Ctx:
    def __init__(self, spec, info, chans, node_costs, frames, workers, block, stems_buses, build):
        self.spec, self.info, self.chans = spec, info, chans
        self.by_id = {i.id: i for i in info}
        self.order = [i.id for i in info]
        self.frames, self.workers, self.block, self.sr = frames, workers, block, spec.sr
        self.cost = {i.id: node_costs.get(i.kind, costmod.DEFAULT_COST) for i in info}
        self.total_cost = sum(self.cost.values())
        self.out_roots = {name: r.node for name, r in spec.outputs}
        self.bus_nodes = {name: r.node for name, r in spec.buses} if stems_buses else {}
        self.consumers = {i.id: [] for i in info}
        for i in info:
            for r in i.inputs:
                self.consumers[r].append(i.id)
        self.labels = {i.id: f"{i.kind}" + (f" ({i.label})" if i.label else "") for i in info}
        self.task_overhead = costmod.TASK_OVERHEAD + build
        self.seek_cost = node_costs.get(costmod.SEEK_KEY, 0.0)
        self.serial_s = self.total_cost * frames + MIX_COST * frames * 2

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
        wanted = set(self.out_roots.values()) | set(self.bus_nodes.values())
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
            ext = sorted({i for n in nodes for i in self.by_id[n].inputs if stage_of[i] < s},
                         key=self.order.index)
            # Warm-up: tails add along a series path and take the max across parallel paths.
            W: dict = {}
            for n in nodes:
                W[n] = self.tail_frames(n) + max((W.get(i, 0) for i in self.by_id[n].inputs
                                                  if stage_of.get(i) == s), default=0)
            warm = max((W[p.node] for p in prods), default=0)
            cost = sum(self.cost[n] for n in nodes)
            st_list.append(Stage(len(st_list), "time", nodes, tuple(prods), tuple(ext), warm, cost))
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
                reasons[n] = f"{what}; {where}; path warm-up {W[n] / self.sr:.3f} s"
        # Renumber externals' stage-relative view is by node id; fix indices after compaction.
        tail = tuple(n for n in self.order if n in serial)
        for n in tail:
            why = ("history: cannot restart mid-piece" if self.sc(n) == HISTORY
                   else f"long tail ({self.by_id[n].tail_seconds:.2f} s): cheaper run once"
                   if tail_long and self.tail_frames(n) >= thr and self.sc(n) == FADING
                   else "downstream of the serial tail")
            reasons[n] = f"{why}; serial tail in the mixer"
        reasons = {n: reasons[n] for n in self.order if n in reasons}
        mode_name = "time" + ("+stages" if stages and len(st_list) > 1 else "") + \
            ("+tail" if tail else "")
        plan = Plan(mode_name, self.frames,
                    self.sr, self.block, self.block, self.workers, st_list, tail, self.out_roots,
                    self.bus_nodes, reasons, self.labels)
        plan.chunk = self._choose_chunk(plan, chunk_frames)
        self._slots(plan)
        plan.predicted = self._predict(plan, tail_cost=sum(self.cost[n] for n in tail))
        return plan

    def _choose_chunk(self, plan: Plan, chunk_frames: Optional[int]) -> int:
        """The chunk length with the best predicted wall time among sizes that carry at
        least MIN_TASK_SECONDS of work and keep the slots within ARENA_BUDGET."""
        B, F, N = self.block, self.frames, self.workers
        if chunk_frames:
            return max(1, min(int(chunk_frames), F))
        stages = [s for s in plan.stages if s.kind == "time"]
        if not stages:
            return _round_up(min(F, self.sr), B)
        top = sum(s.cost for s in stages) or costmod.DEFAULT_COST
        c_min = min(_round_up(MIN_TASK_SECONDS / top, B), _round_up(F, B))
        rows = sum(max(1, s.rows) for s in stages)
        c_mem = max(B, int(ARENA_BUDGET / (8.0 * rows * (N + 4))) // B * B)
        best, best_wall = None, float("inf")
        c = c_min
        tail_cost = sum(self.cost[n] for n in plan.tail)
        while True:
            cc = min(c, c_mem, _round_up(F, B))
            plan.chunk = cc
            w = self._predict(plan, tail_cost)["wall_s"]
            if w < best_wall * 0.999:
                best, best_wall = cc, w
            if c >= F or cc == c_mem:
                break
            c = _round_up(c * 1.5, B)
        return best

    def _slots(self, plan: Plan) -> None:
        C, N = plan.chunk, self.workers
        for s in plan.stages:
            back = 0
            for t in plan.stages:
                if t.index > s.index and set(t.externals) & {p.node for p in s.products}:
                    back = max(back, -(-t.warmup // C))
            s.nslots = back + N + 3

    def _predict(self, plan: Plan, tail_cost: float, branch_costs=None) -> dict:
        F, N, C = self.frames, self.workers, plan.chunk
        K = plan.nchunks
        work = warm = 0.0
        ntasks = 0
        for s in plan.stages:
            if s.kind != "time":
                continue
            work += s.cost * F
            warm += s.cost * sum(min(s.warmup, k * C) for k in range(1, K))
            ntasks += K
        over = ntasks * self.task_overhead
        # Seeking may cost time proportional to the position (pattern phase integrals).
        over += self.seek_cost * sum(k * C for k in range(1, K)) * sum(
            1 for s in plan.stages if s.kind == "time")
        rows = 2 * max(1, len(self.out_roots))
        mixer = (tail_cost + MIX_COST * rows) * F
        if branch_costs:
            par = max(max(branch_costs) * F, (work + warm + over) / N)
            work += sum(branch_costs) * F
        else:
            # The last chunk cannot start before the others: list-scheduling bound.
            par = (work + warm + over) / N + (work + warm) / max(1, ntasks) * (1 - 1 / N)
        # The mixer is one more process: on few CPUs it competes with the workers.
        cpus = max(1, min(os.cpu_count() or 1, N + (1 if mixer > 0.02 * par else 0)))
        wall = max(par, mixer, (work + warm + over + mixer) / cpus) + self.task_overhead
        useful = max(work, 1e-12)
        return {"serial_s": self.serial_s, "wall_s": wall, "speedup": self.serial_s / wall,
                "warm_pct": 100 * warm / useful, "task_pct": 100 * over / useful}

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
                reasons.setdefault(n, f"{self.sc(n)}; branch {st.index} (rendered whole, streamed)")
        top_t = tuple(n for n in self.order if n in set(top))
        for n in top_t:
            reasons[n] = f"{self.sc(n)}, cheap mixing above the branches; mixer"
        reasons = {n: reasons[n] for n in self.order if n in reasons}
        plan = Plan("branch", self.frames, self.sr, self.block, self.block, self.workers, stages,
                    top_t, self.out_roots, self.bus_nodes, reasons, self.labels)
        plan.chunk = (max(1, min(chunk_frames, self.frames)) if chunk_frames
                      else min(_round_up(self.sr // 2, self.block), _round_up(self.frames, self.block)))
        plan.ring_frames = max(4 * self.block, 2 * plan.chunk)
        plan.predicted = self._predict(plan, sum(self.cost[n] for n in top_t),
                                       branch_costs=[s.cost for s in stages])
        return plan

    def _closure(self, root) -> set:
        out, todo = set(), [root]
        while todo:
            n = todo.pop()
            if n not in out:
                out.add(n)
                todo.extend(self.by_id[n].inputs)
        return out
