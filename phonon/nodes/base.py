"""The contract every DSP node follows.

A node is a small declarative class: its DSL declaration (`registry.declare`),
its output channel count, its `state_class` and `tail_seconds()`, and
`process(block, args) -> ndarray` of shape (channels, block.n), float64.

`args` maps each parameter name to one of
  * float                 a constant,
  * numpy array (ch, n)   an audio-rate signal from an upstream node (this block),
  * PatternInput          a pattern (stepped control, events/onsets).
`self.params` holds the same mapping at construction time, except that signal
parameters are the `SIGNAL` marker, so a node can decide its state class then.

State classes (DESIGN.md "The farm"):
  stateless  output depends only on this block's inputs            -> bit-exact when time-split
  seekable   state at any sample is computable from the sample     -> bit-exact when time-split
  fading     state forgets its past within tail_seconds()          -> warm-up, error <= -120 dBFS
  history    state cannot be reconstructed                         -> never time-split
A node that declares nothing is `history`.

Time: engine time is an absolute integer sample index; pattern time is exact
Fraction cycles. `GraphContext.sample_of(t)` = ceil(t * sr / cps) is the one
conversion from cycle time to samples, so onsets never drift whatever the
block or chunk boundaries.

Recursion lives in `@numba.njit(cache=True)` kernels with state in and state
out; no per-sample Python loop in any `process`.
"""
from __future__ import annotations

import bisect
import gc
import math
import time
import weakref
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, ClassVar, Optional

import numpy as np
from ..pattern.core import whole_period

STATELESS = "stateless"
SEEKABLE = "seekable"
FADING = "fading"
HISTORY = "history"
STATE_CLASSES = (STATELESS, SEEKABLE, FADING, HISTORY)

# Residual level a fading node's state must decay to within tail_seconds (well under -120 dBFS).
FADE_FLOOR = 1e-7
LN_FADE = math.log(1.0 / FADE_FLOOR)  # number of time constants to reach FADE_FLOOR


class _SignalMarker:
    def __repr__(self) -> str:
        return "SIGNAL"


SIGNAL = _SignalMarker()


@dataclass
class GraphContext:
    """What every node of one graph shares: rates, seed, the sample bank."""

    sr: int
    cps: Fraction
    seed: int = 0
    sample_roots: tuple = ()
    _bank: Any = field(default=None, repr=False)
    profiling: bool = False  # when set, pattern queries add their time to pattern_seconds
    pattern_seconds: float = 0.0

    def sample_of(self, t: Fraction) -> int:
        """First sample at or after cycle time t (exact)."""
        t = t if isinstance(t, Fraction) else Fraction(t)
        cps = self.cps
        # integer arithmetic: exact, and ~15x faster than Fraction operators (hot in voices)
        num = t.numerator * self.sr * cps.denominator
        den = t.denominator * cps.numerator
        return -((-num) // den)

    def time_of(self, n: int) -> Fraction:
        """Cycle time of sample n (exact)."""
        return Fraction(n) * self.cps / self.sr

    @property
    def bank(self):
        """The sample bank (built-in kit + sample roots), created on first use."""
        if self._bank is None:
            from ..samples import SampleBank
            self._bank = SampleBank(self.sample_roots, self.sr)
        return self._bank


@dataclass(frozen=True)
class Block:
    """The absolute sample range [start, start + n) being rendered."""

    start: int
    n: int
    graph: GraphContext

    @property
    def end(self) -> int:
        return self.start + self.n

    @property
    def sr(self) -> int:
        return self.graph.sr


_PARAMS: dict = {}


def declared_param(kind: str, name: str):
    """The registry's declaration of parameter `name` of node kind `kind`, or None (cached)."""
    key = (kind, name)
    if key not in _PARAMS:
        from ..registry import REGISTRY
        got = None
        for decl in REGISTRY.values():
            if decl.node_kind == kind:
                got = next((p for p in decl.params if p.name == name), None)
                if got is not None:
                    break
        _PARAMS[key] = got
    return _PARAMS[key]


_DEFAULTS: dict = {}


def param_default(kind: str, name: str):
    """The declared default of parameter `name` of node kind `kind` (cached: nodes ask for it
    every block)."""
    key = (kind, name)
    v = _DEFAULTS.get(key, _DEFAULTS)
    if v is _DEFAULTS:
        from ..registry import REQUIRED
        p = declared_param(kind, name)
        if p is None or p.default is REQUIRED:
            raise KeyError(f"node kind {kind!r} declares no default for {name!r}")
        v = _DEFAULTS[key] = float(p.default) if isinstance(p.default, (int, float)) else p.default
    return v


class Node:
    kind: ClassVar[str] = ""
    state_class: str = HISTORY
    channels: int = 1

    def __init__(self, node_id: int, params: dict, graph: GraphContext):
        self.node_id = node_id
        self.params = params
        self.graph = graph

    def default(self, name: str):
        """The declared default of parameter `name` (its registry declaration: the one place
        a default is written; a node reads it here for a parameter a spec left out)."""
        return param_default(self.kind, name)

    def tail_seconds(self) -> float:
        """How long this node's state remembers its input (fading nodes)."""
        return 0.0

    def reset(self, start: int) -> None:
        """Position the node at absolute sample `start` with fresh state.

        Seekable nodes compute their state there; fading nodes start from zero
        state (the farm renders a warm-up before the chunk)."""

    def process(self, block: Block, args: dict) -> np.ndarray:
        raise NotImplementedError

    # -- helpers for subclasses -------------------------------------------------
    def control(self, value, block: Block) -> np.ndarray:
        """Any parameter value as a mono float64 control array of length block.n."""
        return as_control(value, block)


_ROWS: dict = {}  # id of the memory owner of a batch's output -> weak refs to it and its rows


def row_views(out: np.ndarray) -> list:
    """A batch's (k, n) output as k (1, n) row views, remembered (weakly) so that a batch
    downstream given exactly these rows, in order, takes `out` itself (`rows_of`): no copy."""
    views = [out[j: j + 1] for j in range(out.shape[0])]
    if len(_ROWS) >= 64:
        _ROWS.clear()
    _ROWS[id(views[0].base)] = (weakref.ref(out), [weakref.ref(v) for v in views])
    return views


def rows_of(xs: list, n: int) -> np.ndarray:
    """(1, n) float64 arrays as one C-contiguous (k, n) array: the batch output they are
    the rows of, in order (see `row_views`), else a copy."""
    got = _ROWS.get(id(xs[0].base))
    if got is not None and len(got[1]) == len(xs) and all(r() is x for r, x in zip(got[1], xs)):
        out = got[0]()
        if out is not None and out.shape == (len(xs), n) and out.dtype == np.float64 \
                and out.flags.c_contiguous:
            return out
    return np.ascontiguousarray(np.concatenate(xs, axis=0), dtype=np.float64)


def as_control(value, block: Block) -> np.ndarray:
    """float -> filled array; (ch, n) signal -> mono (mean of channels); pattern -> stepped."""
    if isinstance(value, PatternInput):
        return value.signal(block)
    if isinstance(value, np.ndarray):
        if value.ndim == 2:
            return value[0] if value.shape[0] == 1 else value.mean(axis=0)
        return value
    return np.full(block.n, float(value))


def as_audio(value, block: Block) -> np.ndarray:
    """Any input as a (ch, n) float64 array (constants and patterns become mono rows)."""
    if isinstance(value, np.ndarray):
        return value if value.ndim == 2 else value[None, :]
    return as_control(value, block)[None, :]


def _onset_key(r):
    return (r[0], r[6])


def _event_key(r):
    return (r[0], r[5], r[6])


# --------------------------------------------------------------------------------------------
# Patterns as node inputs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One pattern event with an onset, in samples (onset inclusive, end exclusive)."""

    onset: int
    end: int
    value: Any
    begin_t: Fraction
    end_t: Fraction
    cycle: int
    index: int  # position in its cycle's query: ties at one onset keep pattern order


@dataclass(frozen=True)
class Segment:
    """A stretch [begin, end) of samples holding one value (None = rest)."""

    begin: int
    end: int
    value: Any


_PHASE_CACHES: dict = {}
MAX_PERIOD_SECONDS = 3600  # a longer pattern period is integrated from 0 as it goes


def _frac(ph: Fraction) -> float:
    """A phase in cycles -> its fractional part as a float."""
    return float(ph - math.floor(ph))


def _shared_phase_cache(key: tuple, graph: GraphContext, convert) -> list:
    k = (key, graph.sr, graph.cps, getattr(convert, "__qualname__", None))
    if k not in _PHASE_CACHES and len(_PHASE_CACHES) >= 256:
        _PHASE_CACHES.clear()
    return _PHASE_CACHES.setdefault(k, [])


class PatternInput:
    """A pattern seen from the engine: events with onsets and stepped segments in samples.

    Queries are made per whole cycle and cached, so the result for a sample never
    depends on how the timeline was cut into blocks or chunks."""

    CACHE_CYCLES = 16

    def __init__(self, pattern, graph: GraphContext, convert: Optional[Callable] = None,
                 name: str = "", key: Optional[tuple] = None):
        self.pattern = pattern
        self.graph = graph
        self.convert = convert  # value -> float for numeric use (e.g. note names -> Hz)
        self.name = name
        self._cycles: dict[int, list] = {}
        self._onsets: dict[int, list] = {}  # cycle -> onset records, see _cycle_onsets
        # [(begin, end, value, exact phase at begin)], contiguous from sample 0. With a `key`
        # (the pattern's expression) it is shared by every graph of this process: farm tasks
        # seek far into a piece, and the integral from 0 is then computed once per worker.
        self._phase_cache: list = _shared_phase_cache(key, graph, convert) if key is not None else []
        self._per = self._period_frames()

    # -- raw cycle queries ------------------------------------------------------------------
    def _cycle(self, c: int) -> list:
        got = self._cycles.get(c)
        if got is None:
            # A dense query allocates ~10^5 short-lived, acyclic objects: pausing the cyclic
            # GC meanwhile spares dozens of collections that would each scan the whole heap.
            paused = gc.isenabled()
            if paused:
                gc.disable()
            try:
                t0 = time.perf_counter() if self.graph.profiling else 0.0
                haps = self.pattern.query(Fraction(c), Fraction(c + 1))
                if t0:
                    self.graph.pattern_seconds += time.perf_counter() - t0
                got = []
                append = got.append
                for i, h in enumerate(haps):
                    w, p = h.whole, h.part
                    pb = p.begin
                    if w is None:
                        append((pb, p.end, pb, p.end, h.value, i, False))
                    else:
                        wb = w.begin
                        append((wb, w.end, pb, p.end, h.value, i, w is p or pb == wb))
            finally:
                if paused:
                    gc.enable()
            if len(self._cycles) >= self.CACHE_CYCLES:
                self._cycles.pop(next(iter(self._cycles)))
            self._cycles[c] = got
        return got

    def _cycle_onsets(self, c: int) -> list:
        """The onsets of cycle c as (onset, end, value, begin_t, end_t, cycle, index) tuples
        (samples, exact), ordered by (onset, index). Onsets of cycle c lie in
        [sample_of(c), sample_of(c + 1)], so cycles concatenate in (onset, cycle, index) order."""
        got = self._onsets.get(c)
        if got is None:
            g = self.graph
            cps = g.cps
            kn = g.sr * cps.denominator  # sample_of(t) = ceil(t * kn / kd), in integers
            kd = cps.numerator
            got = []
            append = got.append
            last = None
            ordered = True
            for (wb, we, pb, pe, value, i, onset) in self._cycle(c):
                if not onset:
                    continue
                s = -((-(wb.numerator * kn)) // (wb.denominator * kd))
                if last is not None and s < last:
                    ordered = False
                last = s
                append((s, -((-(we.numerator * kn)) // (we.denominator * kd)), value, wb, we, c, i))
            if not ordered:
                got.sort(key=_onset_key)
            if len(self._onsets) >= self.CACHE_CYCLES:
                self._onsets.pop(next(iter(self._onsets)))
            self._onsets[c] = got
        return got

    def _event_records(self, start: int, end: int) -> list:
        """events() as plain tuples (onset, end, value, begin_t, end_t, cycle, index)."""
        out = []
        ordered = True
        for c in self._cycles_for(start, end):
            recs = self._cycle_onsets(c)
            if not recs:
                continue
            if out and recs[0][0] < out[-1][0]:
                ordered = False  # a hap outside its query's cycle: fall back to a full sort
            if recs[0][0] >= start and recs[-1][0] < end:
                out.extend(recs)
            else:
                out.extend(r for r in recs if start <= r[0] < end)
        if not ordered:
            out.sort(key=_event_key)
        return out

    def _cycles_for(self, start: int, end: int) -> range:
        g = self.graph
        cps = g.cps
        num, den = cps.numerator, g.sr * cps.denominator  # time_of(n) = n * num / den
        c0 = (start * num) // den
        c1 = (max(start, end - 1) * num) // den
        return range(c0, c1 + 1)

    # -- events -----------------------------------------------------------------------------
    def events(self, start: int, end: int) -> list[Event]:
        """Events whose onset sample lies in [start, end), ordered by (onset, cycle, index)."""
        return [Event(*r) for r in self._event_records(start, end)]

    # -- stepped control --------------------------------------------------------------------
    def segments(self, start: int, end: int) -> list[Segment]:
        """A disjoint cover of [start, end): each event holds its value from its (whole)
        onset until its end or the next onset, whichever is first; gaps are rests
        (value None). At one onset (a stack) the first in pattern order wins."""
        g = self.graph
        found: dict[int, tuple] = {}
        for c in self._cycles_for(start, end):
            for (wb, we, pb, pe, value, i, onset) in self._cycle(c):
                b, e = g.sample_of(wb), g.sample_of(we)
                if e <= start or b >= end or b >= e:
                    continue
                if b not in found:
                    found[b] = (e, value)
        cover: list[Segment] = []
        pos = start
        begins = sorted(found)
        for k, b in enumerate(begins):
            e, value = found[b]
            nxt = begins[k + 1] if k + 1 < len(begins) else None
            if nxt is not None:
                e = min(e, nxt)
            if b > pos:
                cover.append(Segment(pos, b, None))
            cover.append(Segment(b, e, value))
            pos = max(pos, e)
        if pos < end:
            cover.append(Segment(pos, end, None))
        return cover

    def number(self, value) -> float:
        if value is None:
            return 0.0
        if self.convert is not None:
            return float(self.convert(value))
        return float(value)

    def signal(self, block: Block) -> np.ndarray:
        """The pattern as a stepped mono control for this block (rests hold 0)."""
        out = np.zeros(block.n)
        for s in self.segments(block.start, block.end):
            lo, hi = max(s.begin, block.start) - block.start, min(s.end, block.end) - block.start
            if hi > lo and s.value is not None:
                out[lo:hi] = self.number(s.value)
        return out

    def phase_segments(self, start: int, end: int) -> list[tuple]:
        """For oscillators: [(begin, end, freq_hz, phase0)] covering [start, end).

        phase0 is the oscillator phase (cycles, in [0, 1)) at `begin`: the exact
        (Fraction) integral of the stepped frequency from sample 0, so an oscillator
        started at any sample has the phase it would have had (seekable), and the
        phase is continuous across steps (no clicks). A rest holds the previous step's
        frequency; before the first step the frequency is 0.

        When the pattern has a known period of Q cycles (`Pattern.period`, made a whole
        number of samples), the integral is not walked from 0: from cycle Q on, period
        k >= 1 is period 1 shifted by k*Q with k times one period's phase added, exactly,
        so a farm task deep into a piece seeks in O(1). Its steps then start again at
        every period boundary from cycle Q on (a position-only rule: the same samples
        however the timeline is cut)."""
        per = self._per
        if per is None or end <= per:
            return [(b, e, self.number(v), _frac(ph)) for (b, e, v, ph) in
                    self._exact_segments(start, end)]
        sr = self.graph.sr
        out = []
        if start < per:  # period 0 (a rest there holds nothing yet): as integrated
            out = [(b, min(e, per), self.number(v), _frac(ph)) for (b, e, v, ph) in
                   self._exact_segments(start, per)]
        lim2 = 2 * per
        delta = self._phase_at(lim2) - self._phase_at(per)  # one period's phase
        pos = max(start, per)
        while pos < end:
            k = (pos - per) // per  # period 1 + k is period 1 shifted by k * per
            sh = k * per
            stop = min(end, lim2 + sh)
            add = k * delta
            for (b, e, v, ph) in self._exact_segments(pos - sh, stop - sh):
                if b < per:  # a step running into the period: restart it at the boundary
                    ph += self._exact(v) * (per - b) / sr
                    b = per
                out.append((b + sh, min(e, lim2) + sh, self.number(v), _frac(ph + add)))
            pos = stop
        return out

    def _period_frames(self) -> Optional[int]:
        """The pattern's period in samples (a whole number of cycles and of samples), or None."""
        q = whole_period(getattr(self.pattern, "period", None))
        if q is None:
            return None
        frames = q * Fraction(self.graph.sr) / Fraction(self.graph.cps)  # q cycles in samples
        frames *= frames.denominator  # whole samples: sample_of(t + Q) = sample_of(t) + frames
        return int(frames) if frames <= MAX_PERIOD_SECONDS * self.graph.sr else None

    def _phase_at(self, n: int) -> Fraction:
        """The exact phase (unreduced) at sample n, from the integrated cache."""
        b, e, v, ph = self._exact_segments(n - 1, n)[-1]
        return ph + self._exact(v) * (n - b) / self.graph.sr

    def _exact_segments(self, start: int, end: int) -> list[tuple]:
        """[(begin, end, value, exact phase at begin)] covering [start, end): the cache
        integrated from sample 0, extended one whole cycle at a time."""
        sr = self.graph.sr
        cache = self._phase_cache  # contiguous from 0
        pos = cache[-1][1] if cache else 0
        acc = (cache[-1][3] + self._exact(cache[-1][2]) * (cache[-1][1] - cache[-1][0]) / sr) if cache \
            else Fraction(0)
        g = self.graph
        while pos < end:
            # Extend one whole cycle at a time (looking one cycle ahead for the next onset),
            # so the cache never depends on the caller's block boundaries.
            c = math.floor(g.time_of(pos))
            lim = g.sample_of(Fraction(c + 1))
            for s in self.segments(pos, g.sample_of(Fraction(c + 2))):
                if s.end <= pos:
                    continue
                if s.begin >= lim:
                    break
                b = max(s.begin, pos)
                # a rest holds the previous step's frequency: the phase stays continuous
                v = s.value if s.value is not None or not cache else cache[-1][2]
                cache.append((b, s.end, v, acc))
                acc += self._exact(v) * (s.end - b) / sr
                pos = s.end
        lo = bisect.bisect_right(cache, start, key=lambda x: x[0]) - 1
        out = []
        for entry in cache[max(lo, 0):]:
            if entry[0] >= end:
                break
            if entry[1] > start:
                out.append(entry)
        return out

    def _exact(self, value) -> Fraction:
        if value is None:
            return Fraction(0)
        if self.convert is not None:
            v = self.convert(value)
        else:
            v = value
        return v if isinstance(v, Fraction) else Fraction(v)


# --------------------------------------------------------------------------------------------
# Node kinds
# --------------------------------------------------------------------------------------------

NODE_CLASSES: dict[str, type] = {}


def register_node(cls):
    """Class decorator: make `cls` the engine implementation of node kind `cls.kind`."""
    if not cls.kind:
        raise ValueError(f"{cls.__name__} has no kind")
    if cls.kind in NODE_CLASSES and NODE_CLASSES[cls.kind] is not cls:
        raise ValueError(f"node kind {cls.kind!r} registered twice")
    NODE_CLASSES[cls.kind] = cls
    return cls
