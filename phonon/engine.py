"""The block engine: instantiate a GraphSpec and render it block by block.

One pass per block over the nodes in topological order (the DAW model). Each node
gets its arguments as constants, this block's arrays from upstream nodes, or
PatternInputs. Output never depends on the block size (tested on every shared
patch): nodes compute from absolute sample positions and carry exact state.

    g = Graph(spec)             # fresh, independent state
    g.seek(start)               # any absolute sample (seekable nodes compute, fading nodes reset)
    outs = g.render(n)          # {output name: (2, n) float64}; g.last_taps has tapped nodes

A chain of adds (`a + b + c + ...`) runs as one n-ary sum step, in the chain's order (the
same bytes), and the oscillators or filters it sums are summed inside their batch kernel
(Graph._fuse_sums; FUSE = False runs every add on its own).

`externals` replaces nodes by callables `(start, n) -> (ch, n)` (the farm feeds
materialized stage inputs this way); `taps` exposes intermediate node outputs.
"""
from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Iterable, Optional

import numpy as np

from .errors import NonFiniteError, PhononError
from .limits import DEFAULT_BLOCK, DEFAULT_MAX_SECONDS, MAX_BLOCK  # noqa: F401  (re-exported)
from .nodes.base import (FADING, HISTORY, NODE_CLASSES, SEEKABLE, SIGNAL, Block, GraphContext,
                         PatternInput, declared_param)
from .spec import GraphSpec, Pat, Ref, reachable

BATCH = True  # run same-kind nodes of one level as one kernel call (False: one by one)
FUSE = True  # run a chain of `add` nodes as one n-ary sum step (False: one add at a time)

# glibc malloc serves requests of 128 KiB and more (a (16, 8192) batch output is 1 MiB) with
# fresh mmaps, or trims them off the heap top once freed, so every block paid page faults
# for them again: renders were up to 2.5x slower until its adaptive thresholds happened to
# settle. Keep such buffers in the heap (process-wide; freed memory is kept for reuse).
MALLOC_MMAP_THRESHOLD = 64 << 20
MALLOC_TRIM_THRESHOLD = 256 << 20
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt parameters (malloc.h)
_malloc_tuned = False


def tune_malloc() -> None:
    """Set the glibc malloc thresholds above, once per process (no-op elsewhere)."""
    global _malloc_tuned
    if _malloc_tuned:
        return
    _malloc_tuned = True
    try:
        import ctypes
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, MALLOC_MMAP_THRESHOLD)
        libc.mallopt(_M_TRIM_THRESHOLD, MALLOC_TRIM_THRESHOLD)
    except (OSError, AttributeError):  # not glibc
        pass


@dataclass(frozen=True)
class NodeInfo:
    id: int
    kind: str
    state_class: str
    tail_seconds: float
    inputs: tuple
    label: str = ""


def tail_frames(state_class: str, tail_seconds: float, sr: int) -> int:
    """Frames of warm-up a node needs before its output is right: its tail when fading,
    0 for stateless and seekable nodes (history nodes cannot warm up at all)."""
    if state_class != FADING:
        return 0
    return int(math.ceil(max(0.0, float(tail_seconds)) * sr))


class WarmupModel:
    """The one warm-up model (DESIGN.md "The farm"), used by `Graph.warm_starts` (a task's
    node-by-node warm-up) and by the planner (a stage's warm-up and what it costs).

    Over a set of nodes in topological `order`, with `inputs[n]` (only those inside the set
    count) and `tails[n]` in frames:
      path[n]  frames of warm-up n's output needs: its own tail plus the longest of its
               inputs' (tails add along a series path, the max wins across parallel paths);
      need[n]  frames before a start at which n's output must already be right so that
               every consumer (and so every root) is right from the start;
      start(n) = start - need[n] - tails[n]: where node n must begin to run.
    """

    def __init__(self, order, inputs: dict, tails: dict):
        self.order = list(order)
        inside = set(self.order)
        self.tails = {n: int(tails.get(n, 0)) for n in self.order}
        consumers: dict = {n: [] for n in self.order}
        for n in self.order:
            for i in inputs.get(n, ()):
                if i in inside:
                    consumers[i].append(n)
        self.path: dict = {}
        for n in self.order:
            self.path[n] = self.tails[n] + max((self.path[i] for i in inputs.get(n, ())
                                                if i in inside), default=0)
        self.need: dict = {}
        for n in reversed(self.order):
            self.need[n] = max([self.need[c] + self.tails[c] for c in consumers[n]], default=0)

    def warmup(self, roots) -> int:
        """Frames of warm-up before a start so that every node in `roots` is right from it."""
        return max((self.path[n] for n in roots), default=0)

    def starts(self, start: int) -> dict:
        return {n: max(0, start - self.need[n] - self.tails[n]) for n in self.order}

    def cost(self, seconds_per_frame: dict) -> float:
        """CPU seconds of one full warm-up when every node starts where its own path needs."""
        return sum(seconds_per_frame[n] * (self.need[n] + self.tails[n]) for n in self.order)


class _External:
    """Stands in for a node whose signal comes from outside (a materialized stage input)."""

    state_class = SEEKABLE

    def __init__(self, node_id: int, fn: Callable):
        self.node_id = node_id
        self.fn = fn

    def tail_seconds(self) -> float:
        return 0.0

    def reset(self, start: int) -> None:
        pass

    def process(self, block: Block, args: dict) -> np.ndarray:
        y = np.asarray(self.fn(block.start, block.n), dtype=np.float64)
        return y if y.ndim == 2 else y[None, :]


PRERENDER_SECONDS = 4.0  # a bus played as a sample (`s "~kick*4"`) is rendered this long


def live_refs(ns) -> list:
    """Inputs a node reads every block. Arguments named `~bus` are buses played as samples:
    rendered once, up front, into the sample bank (not per block)."""
    return [v.node for k, v in ns.args if isinstance(v, Ref) and not k.startswith("~")]


def needed_nodes(spec: GraphSpec, roots: Iterable[int], stop: Iterable[int] = ()) -> set:
    """Node ids reachable backwards from `roots`, not looking past `stop` nodes."""
    return reachable(roots, lambda i: live_refs(spec.node(i)), stop)


def signal_range(kind: str, param: str):
    """The declared (lo, hi) range of a signal parameter of node `kind`, or None. A signal fed
    to it is clipped to the range at audio rate (the range is what the node is stable for:
    a delay's feedback < 1 stays < 1 whatever the modulator does)."""
    p = declared_param(kind, param)
    if p is None or p.kind != "signal" or p.range is None:
        return None
    return float(p.range[0]), float(p.range[1])


def _arg(vals: dict, kind, v):
    """A node argument for this block: a constant or pattern input (kind 0), a signal
    (kind 1), or a signal clipped to its declared range (kind = (lo, hi))."""
    if not kind:
        return v
    y = vals[v]
    if kind is True:
        return y
    return np.clip(y, kind[0], kind[1])


class _SumStep:
    """An n-ary sum standing in for a chain of `add` nodes (see Graph._fuse_sums).

    members: the chain's add steps, innermost first (the root, last, gets the value);
    batch: a batch step whose members are the first terms, summed by its class's
    `process_batch_sum`, or None; terms: the remaining terms as (plan kind, value), in
    summation order. The value is ((t0 + t1) + t2) + ... exactly as the chain computes it."""

    __slots__ = ("members", "terms", "batch", "root", "ids", "share")

    def __init__(self, members: list, terms: list, batch: Optional[list] = None):
        self.members = members
        self.terms = terms
        self.batch = batch
        self.root = members[-1][0]
        self.ids = frozenset([m[0] for m in members] + [it[0] for it in batch or ()])
        self.share = len(self.ids)

    def swap(self, nodes: dict) -> "_SumStep":
        return _SumStep([(nid, nodes.get(nid, node), plan) for nid, node, plan in self.members],
                        self.terms,
                        None if self.batch is None else
                        [(nid, nodes.get(nid, node), plan) for nid, node, plan in self.batch])

    def steps(self) -> list:
        """The unfused steps: the batch, then the adds (run when some member is still warming
        up or is given from outside)."""
        return ([self.batch] if self.batch is not None else []) + list(self.members)

    def value(self, block: Block, vals: dict) -> np.ndarray:
        acc, pre = None, ()
        if self.batch is not None:
            items = [(node, {name: _arg(vals, kind, v) for name, kind, v in plan})
                     for _, node, plan in self.batch]
            cls = type(self.batch[0][1])
            acc = cls.process_batch_sum(block, items)
            if acc is None:  # not this block's inputs (say, a stereo one): member by member
                pre = cls.process_batch(block, items)
        own = acc is not None  # acc is a buffer of ours: add into it in place
        from .nodes.math import _val  # an add's operand as `_Binary` sees it
        terms = (_val(_arg(vals, kind, v), block) for kind, v in self.terms)
        for x in itertools.chain(pre, terms):
            if acc is None:
                acc = x
            elif own and isinstance(x, float) or (own and x.ndim == 2 and x.shape[0] <= acc.shape[0]
                                                  and x.shape[1] == acc.shape[1]):
                np.add(acc, x, out=acc)
            else:
                acc = acc + x
                own = isinstance(acc, np.ndarray)
        if not isinstance(acc, np.ndarray) or acc.ndim != 2:
            acc = np.full((1, block.n), float(acc)) if np.isscalar(acc) else \
                np.asarray(acc).reshape(1, -1)
        if acc.shape[1] != block.n:
            acc = np.broadcast_to(acc, (acc.shape[0], block.n)).copy()
        return acc


class Graph:
    check_finite = False  # True: an output block with NaN/inf raises NonFiniteError (names the node)

    def __init__(self, spec: GraphSpec, taps: Iterable[int] = (),
                 externals: Optional[dict] = None, outputs: Optional[Iterable[str]] = None):
        from .registry import load
        load()
        from .patexpr import converter, evaluate
        tune_malloc()

        self.spec = spec
        self.ctx = GraphContext(sr=spec.sr, cps=Fraction(spec.cps), seed=spec.seed,
                                sample_roots=tuple(spec.sample_roots))
        externals = dict(externals or {})
        self.output_names = [n for n, _ in spec.outputs] if outputs is None else list(outputs)
        out_refs = dict(spec.outputs)
        self.taps = tuple(taps)
        roots = [out_refs[n].node for n in self.output_names] + list(self.taps)
        keep = needed_nodes(spec, roots, stop=externals)
        self._order = []  # (node_id, node, arg plan)
        self._nodes = {}
        for ns in spec.nodes:
            if ns.id not in keep:
                continue
            if ns.id in externals:
                node = _External(ns.id, externals[ns.id])
                self._order.append((ns.id, node, ()))
                self._nodes[ns.id] = node
                continue
            cls = NODE_CLASSES.get(ns.kind)
            if cls is None:
                raise PhononError(f"no engine implementation for node kind '{ns.kind}'")
            params, plan = {}, []
            for name, v in ns.args:
                if isinstance(v, Ref) and name.startswith("~"):
                    self._prerender(name, v.node)
                    continue
                if isinstance(v, Ref):
                    params[name] = SIGNAL
                    plan.append((name, signal_range(ns.kind, name) or True, v.node))
                elif isinstance(v, Pat):
                    pi = PatternInput(evaluate(v.expr), self.ctx, convert=converter(ns.kind, name),
                                      name=name, key=v.expr)
                    params[name] = pi
                    plan.append((name, 0, pi))
                else:
                    params[name] = v
                    plan.append((name, 0, v))
            node = cls(ns.id, params, self.ctx)
            self._order.append((ns.id, node, tuple(plan)))
            self._nodes[ns.id] = node
        self._out_refs = [(n, out_refs[n].node) for n in self.output_names]
        self._steps = self._schedule()
        self.pos = 0
        self.last_taps: dict = {}
        self.profile: Optional[dict] = None  # node id -> seconds, when enabled
        self._pending = {}
        self._unseeked = True  # the first render seeks to 0 unless a seek came first (tasks seek
        #                        elsewhere: resetting at 0 here would be wasted work)

    @property
    def taps(self) -> tuple:
        """Nodes whose output each render keeps in `last_taps`. Setting it re-plans the steps
        (a tapped node is never folded into a fused sum)."""
        return self._taps

    @taps.setter
    def taps(self, value) -> None:
        self._taps = tuple(value)
        if hasattr(self, "_steps"):
            self._steps = self._schedule()

    def _prerender(self, name: str, node_id: int) -> None:
        """Render bus `name` from time 0 into the sample bank, trimmed after it falls silent."""
        if self.ctx.bank.exists(name):
            return
        sub = Graph(self.spec, taps=(node_id,), outputs=())
        sub.ctx._bank = self.ctx.bank
        sub.render(int(PRERENDER_SECONDS * self.spec.sr))
        data = sub.last_taps[node_id]
        loud = np.flatnonzero(np.max(np.abs(data), axis=0) > 1e-6)
        end = int(loud[-1]) + 1 if loud.size else 1
        self.ctx.bank.register(name, np.ascontiguousarray(data[:, :end]))

    def _schedule(self) -> list:
        """The render order: [(node_id, node, plan)] for one node, or a list of them for a
        batch, run by one `process_batch` call.

        Nodes run level by level (a node's level is one more than its deepest input's),
        which is a topological order; within a level, nodes whose `batch_key()` agree
        (say, 16 constant-cutoff lpfs) form a batch. A batch computes exactly what its
        members' `process` would (the same operations per sample, per member), only in one
        kernel call that interleaves independent voices."""
        level: dict = {}
        for nid, _, plan in self._order:
            level[nid] = max([level[v] + 1 for _, kind, v in plan if kind], default=0)
        ranked = sorted(range(len(self._order)), key=lambda j: (level[self._order[j][0]], j))
        steps: list = []
        groups: dict = {}
        for j in ranked:
            item = self._order[j]
            key_fn = getattr(item[1], "batch_key", None) if BATCH else None
            key = key_fn() if key_fn is not None else None
            if key is None:
                steps.append(item)
                continue
            gk = (level[item[0]], type(item[1]).process_batch, key)
            if gk not in groups:
                groups[gk] = []
                steps.append(groups[gk])
            groups[gk].append(item)
        steps = [s[0] if isinstance(s, list) and len(s) == 1 else s for s in steps]
        return self._fuse_sums(steps) if FUSE else steps

    def _fuse_sums(self, steps: list) -> list:
        """Replace every chain of two or more `add` nodes (`a + b + c + ...`, whose inner sums
        nothing else reads) by one `_SumStep` at the chain's root: one pass of `np.add` into
        one buffer per term, in the chain's own order, so the bytes are those of the chain.
        When the first terms are members of one batch whose class can sum its members itself
        (`process_batch_sum`: constant oscillators, constant SVFs), they leave that batch and
        are made inside the step as a batch of their own: their outputs are never
        materialized."""
        from .nodes.math import Add
        readers: dict = {}
        for nid, _, plan in self._order:
            for _, kind, v in plan:
                if kind:
                    readers[v] = readers.get(v, 0) + 1
        kept = set(self.taps) | {nid for _, nid in self._out_refs}  # read from outside
        adds = {nid: (nid, node, plan) for nid, node, plan in self._order
                if type(node) is Add and [name for name, _, _ in plan] == ["a", "b"]}

        def inner(entry) -> bool:  # an add read only by the chain: folded into it
            name, kind, v = entry
            return kind is True and v in adds and readers.get(v) == 1 and v not in kept

        chains, absorbed = {}, set()
        for nid in reversed(list(adds)):  # outermost first: each add is walked once
            if nid in absorbed:
                continue
            members, terms, cur = [], [], adds[nid]
            while True:  # down the chain from its root, taking the nested add as the left sum
                members.append(cur)
                a, b = cur[2]
                if inner(b) and not inner(a):
                    a, b = b, a  # a + b == b + a exactly: the nested sum may sit on either side
                terms.append((b[1], b[2]))
                if not inner(a):
                    terms.append((a[1], a[2]))
                    break
                cur = adds[a[2]]
            if len(members) < 2:
                continue
            for m in members[1:]:
                absorbed.add(m[0])
            chains[nid] = (members[::-1], terms[::-1])
        if not chains:
            return steps
        where = {}  # node id -> index of the batch step holding it
        for k, st in enumerate(steps):
            if isinstance(st, list):
                for it in st:
                    where[it[0]] = k
        steps = list(steps)
        fused, drop = {}, set()
        for root, (members, terms) in chains.items():
            batch = None
            k = where.get(terms[0][1]) if terms[0][0] is True else None
            if k is not None and hasattr(type(steps[k][0][1]), "process_batch_sum"):
                # the longest run of first terms that are members of that batch, read only here
                inside = {it[0]: it for it in steps[k]}
                run = []
                for t in terms:
                    if t[0] is not True or t[1] not in inside or readers.get(t[1]) != 1 \
                            or t[1] in kept or inside[t[1]] in run:
                        break
                    run.append(inside[t[1]])
                if len(run) >= 2:  # split off the batch: those members are made in the sum
                    batch, terms = run, terms[len(run):]
                    steps[k] = [it for it in steps[k] if it not in run]
            fused[root] = _SumStep(members, terms, batch)
            drop.update(m[0] for m in members[:-1])
        out = []
        for st in steps:
            if isinstance(st, list):
                if len(st) > 1:
                    out.append(st)
                elif st:
                    out.append(st[0])
            elif st[0] in fused:
                out.append(fused[st[0]])
            elif st[0] not in drop:
                out.append(st)
        return out

    # -------------------------------------------------------------------------------------
    def info(self) -> list:
        out = []
        for nid, node, _ in self._order:
            ns = self.spec.node(nid)
            sc = getattr(node, "state_class", HISTORY) or HISTORY
            out.append(NodeInfo(nid, ns.kind, sc, float(node.tail_seconds()),
                                tuple(r for r in live_refs(ns) if r in self._nodes), ns.label))
        return out

    def seek(self, start: int) -> None:
        for _, node, _ in self._order:
            node.reset(start)
        self.pos = int(start)
        self._pending = {}
        self._unseeked = False

    def warm_starts(self, start: int) -> dict:
        """Per node, the sample from which it must run so that every output and tap is
        right from `start` (the farm's warm-up, node by node; see WarmupModel)."""
        return self.warmup_model().starts(start)

    def warmup_model(self) -> WarmupModel:
        sr = self.ctx.sr
        inputs = {nid: [v for _, kind, v in plan if kind] for nid, _, plan in self._order}
        tails = {nid: tail_frames(getattr(node, "state_class", HISTORY) or HISTORY,
                                  node.tail_seconds(), sr) for nid, node in self._nodes.items()}
        return WarmupModel([nid for nid, _, _ in self._order], inputs, tails)

    def warm_seek(self, start: int) -> int:
        """Prepare to render from `start` with per-node warm-up (see warm_starts). Returns
        the sample to render from (discarding output before `start`); each node joins at
        the block that reaches its own warm-up start."""
        starts = self.warm_starts(start)
        first = min(starts.values(), default=start)
        self.seek(first)
        self._pending = {nid: s for nid, s in starts.items() if s > first}
        return first

    def enable_profile(self) -> None:
        """Time every node's process() (and, inside them, the pattern queries)."""
        self.profile = {nid: 0.0 for nid, _, _ in self._order}
        self.ctx.profiling = True
        self.ctx.pattern_seconds = 0.0

    def _join_pending(self, block: Block) -> None:
        """Nodes whose warm-up starts within this block join now (reset at its start)."""
        end = block.start + block.n
        for nid in [k for k, s in self._pending.items() if s < end]:
            self._nodes[nid].reset(block.start)
            del self._pending[nid]

    def adopt(self, nodes: dict) -> None:
        """Replace node objects by others of the same class, by node id, state and all (a live
        reload keeps the playing graph's node where the new spec has the same computation)."""
        self._nodes.update(nodes)
        self._order = [(nid, nodes.get(nid, node), plan) for nid, node, plan in self._order]

        def swap(step):
            if type(step) is _SumStep:
                return step.swap(nodes)
            if isinstance(step, list):
                return [swap(it) for it in step]
            nid, node, plan = step
            return (nid, nodes.get(nid, node), plan)
        self._steps = [swap(st) for st in self._steps]

    def _run(self, step, block: Block, vals: dict, prof, pending, overrides) -> None:
        """Run one step (a node, or a batch of nodes) into vals."""
        if isinstance(step, list):  # a batch of nodes of one kind (see _schedule)
            if pending or overrides:  # members not joined yet (warm-up) or given from outside
                step = [it for it in step if it[0] not in pending and it[0] not in vals]
                if not step:
                    return
            items = [(node, {name: _arg(vals, kind, v) for name, kind, v in plan})
                     for _, node, plan in step]
            t0 = time.perf_counter() if prof is not None else 0.0
            ys = type(step[0][1]).process_batch(block, items)
            if prof is not None:
                share = (time.perf_counter() - t0) / len(step)
                for nid, _, _ in step:
                    prof[nid] += share
            for (nid, _, _), y in zip(step, ys):
                vals[nid] = y
            return
        nid, node, plan = step
        if pending and nid in pending:  # still before its warm-up start: not needed yet
            return
        if overrides and nid in vals:
            return
        args = {name: _arg(vals, kind, v) for name, kind, v in plan}
        if prof is not None:
            t0 = time.perf_counter()
            y = node.process(block, args)
            prof[nid] += time.perf_counter() - t0
        else:
            y = node.process(block, args)
        vals[nid] = y

    def render(self, n: int, overrides: Optional[dict] = None) -> dict:
        """Render the next n frames as one block; {output name: (2, n)}. `overrides` gives
        some nodes' output for this block ({node id: (ch, n) array}): those nodes do not run
        (a live crossfade feeds the old graph the nodes it now shares with the new one)."""
        if self._unseeked:
            self.seek(self.pos)
        block = Block(self.pos, int(n), self.ctx)
        vals: dict = dict(overrides) if overrides else {}
        prof = self.profile
        pending = self._pending
        if pending:
            self._join_pending(block)
        run = self._run
        for step in self._steps:
            if type(step) is _SumStep:
                if (pending and not step.ids.isdisjoint(pending)) or \
                        (overrides and not step.ids.isdisjoint(vals)):
                    for st in step.steps():  # some member warms up or is given: one by one
                        run(st, block, vals, prof, pending, overrides)
                    continue
                if prof is not None:
                    t0 = time.perf_counter()
                    vals[step.root] = step.value(block, vals)
                    share = (time.perf_counter() - t0) / step.share
                    for nid in step.ids:
                        prof[nid] += share
                else:
                    vals[step.root] = step.value(block, vals)
                continue
            run(step, block, vals, prof, pending, overrides)
        self.pos += int(n)
        if pending:  # a warm-up block: outputs may not be computed yet (and are discarded)
            self.last_taps = {t: vals[t] for t in self.taps if t in vals}
            return {name: to_stereo(vals[nid]) for name, nid in self._out_refs if nid in vals}
        self.last_taps = {t: vals[t] for t in self.taps}
        if self.check_finite:
            for name, nid in self._out_refs:
                if not np.isfinite(vals[nid]).all():
                    self._nonfinite(name, block, vals)
        return {name: to_stereo(vals[nid]) for name, nid in self._out_refs}

    def _nonfinite(self, output: str, block: Block, vals: dict) -> None:
        """Raise for the first non-finite sample of this block: its time, the output and the
        node that produced it (the earliest bad sample; upstream first on a tie)."""
        best = None
        for rank, (nid, node, _) in enumerate(self._order):
            y = vals.get(nid)
            if not isinstance(y, np.ndarray) or y.ndim != 2 or isinstance(node, _External):
                continue
            bad = ~np.isfinite(y)
            if bad.any():
                first = int(np.flatnonzero(bad.any(axis=0))[0])
                if best is None or (first, rank) < best[:2]:
                    best = (first, rank, nid, float(y[np.flatnonzero(bad[:, first])[0], first]))
        first, _, nid, v = best
        ns = self.spec.node(nid)
        what = f"%{nid} {ns.kind}" + (f" ({ns.label})" if ns.label else "")
        t = (block.start + first) / self.ctx.sr
        raise NonFiniteError(
            f"non-finite sample ({NonFiniteError.kind(v)}) at {t:.6f} s in output '{output}', first produced by "
            f"node {what}; nothing was written", seconds=t,
            hint="a feedback, division or huge gain blew up; lower it (or bound it with clip)")


def to_stereo(y: np.ndarray) -> np.ndarray:
    if y.shape[0] == 2:
        return y
    if y.shape[0] == 1:
        return np.repeat(y, 2, axis=0)
    raise PhononError(f"a signal with {y.shape[0]} channels cannot be played in stereo")


def mix_outputs(outs: dict) -> np.ndarray:
    """The master mix: every output summed (in output order: deterministic)."""
    it = iter(outs.values())
    acc = next(it).copy()
    for y in it:
        acc += y
    return acc


def parse_amount(text, what: str) -> Fraction:
    """A positive, finite command-line number (`8`, `0.5`, `1/3`, `1e3`) as an exact Fraction."""
    t = str(text).strip()
    try:
        v = Fraction(t)
    except (ValueError, ZeroDivisionError):
        try:
            f = float(t)
        except ValueError:
            raise PhononError(f"{what} got '{text}'; expected a positive number") from None
        if not math.isfinite(f):
            raise PhononError(f"{what} got '{text}'; expected a positive, finite number") from None
        v = Fraction(f)
    if v <= 0:
        raise PhononError(f"{what} got '{text}'; expected a positive number")
    return v


def _hms(seconds: float) -> str:
    if seconds >= 3600 * 24 * 365 * 2:
        return f"{seconds / (3600 * 24 * 365.25):.3g} years"
    if seconds >= 7200:
        return f"{seconds / 3600:.3g} h"
    return f"{seconds:.6g} s"


def spec_frames(spec: GraphSpec, cycles=None, duration=None,
                max_seconds: Optional[float] = None) -> int:
    """Exact frame count: `cycles` / cps * sr (to the sample), or `duration` seconds * sr.
    A render longer than `max_seconds` (default DEFAULT_MAX_SECONDS, 24 h) is refused: the
    message says what was asked, the limit and how to raise it (--max-duration)."""
    if cycles is not None and duration is not None:
        raise PhononError("give --cycles or --duration, not both")
    limit = DEFAULT_MAX_SECONDS if max_seconds is None else float(max_seconds)
    if duration is not None:
        d = parse_amount(duration, "--duration")
        seconds, asked = d, f"--duration {duration}"
    else:
        c = parse_amount(cycles if cycles is not None else 8, "--cycles")
        seconds = c / Fraction(spec.cps)
        asked = f"{'--cycles ' + str(cycles) if cycles is not None else '8 cycles (the default)'} " \
                f"at cps {float(spec.cps):g}"
    if seconds > Fraction(limit):
        raise PhononError(
            f"render too long: {asked} is {_hms(float(seconds))} of audio; the limit is "
            f"{_hms(limit)} ({limit:g} s)",
            hint="raise it with --max-duration SECONDS, or render fewer cycles (a cps that small "
                 "may be a typo)")
    return math.ceil(seconds * spec.sr)


def check_block(block) -> int:
    """--block: None is DEFAULT_BLOCK; otherwise 1..MAX_BLOCK frames."""
    if block is None:
        return DEFAULT_BLOCK
    b = int(block)
    if not 1 <= b <= MAX_BLOCK:
        raise PhononError(f"--block got {block}; expected 1..{MAX_BLOCK} frames "
                          f"(default {DEFAULT_BLOCK})")
    return b


def render_blocks(graph: Graph, frames: int, block: int = DEFAULT_BLOCK, start: int = 0):
    """Yield (start, {name: (2, n)}) block by block over [start, start + frames)."""
    if block < 1:
        raise PhononError(f"block size got {block}; expected >= 1")
    graph.seek(start)
    pos = start
    end = start + frames
    while pos < end:
        n = min(block, end - pos)
        yield pos, graph.render(n)
        pos += n


def render_spec(spec: GraphSpec, frames: int, block: int = DEFAULT_BLOCK) -> dict:
    """Render a whole spec in memory: {output name: (2, frames)} (tests, verification)."""
    g = Graph(spec)
    parts: dict = {name: [] for name in g.output_names}
    for _, outs in render_blocks(g, frames, block):
        for k, v in outs.items():
            parts[k].append(v)
    return {k: (np.concatenate(v, axis=1) if v else np.zeros((2, 0))) for k, v in parts.items()}
