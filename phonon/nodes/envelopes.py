"""Envelopes: adsr ad ar (triggered by events) and asr (driven by a gate signal).

Triggering (LANGUAGE.md): the compiler sets the `trig` parameter to the pattern of
the chained source; each event onset triggers, and the event's end is the gate-off.
Without `trig` the envelope triggers once per cycle, gated for the whole cycle.

`adsr ad ar` are seekable: the envelope at sample n is a pure function of the
event list and n, so it is bit-identical whatever the block or chunk boundaries.
With t = n - onset, G the gate length and L the level at the onset:

    pre(t) = L + (1 - L) t / A          t < A        attack from the current level
           = 1 + (S - 1) (t - A) / D    t < A + D    linear decay to the sustain level
           = S                          after
    env(t) = pre(t)                          t < G
           = pre(G) (1 - (t - G) / R)        G <= t < G + R   linear release
           = 0                               after

`ad` is (A, D, S=0) with no gate; `ar` is (A, D=0, S=1, R). An event governs from its
onset to the next onset (retrigger), so at most one envelope is active (mono, legato).
L is the previous event's env evaluated at this onset (no click on retrigger); it
depends on that event's own L only when the previous attack had not finished (or its
gate closed mid-attack and the release had not ended). Such a chain of dependencies is
followed backwards (memoized), but for an event in epoch k (epochs are EPOCH_CYCLES
cycles long) not into epoch k - 2: an event there is taken to have started from 0.
Each link scales the dependency by (1 - Δ/A), so across the full epoch k - 1 it falls
below exp(-epoch duration / A): the switch at an epoch start stays under -120 dB unless
an attack longer than epoch/14 (9 s at cps 0.5) is retriggered faster than it completes
for a whole epoch. In exchange a seek walks back at most two epochs and
sequential rendering costs O(1) per event.
An event's predecessor is looked up at most LOOKBACK_CYCLES back, and an event stops
governing (level 0) LOOKBACK_CYCLES + 1 cycles after its onset's cycle: held notes
longer than 64 cycles are cut. Events before sample 0 are ignored (the piece starts
in silence). All of this is counted from the events, never from where rendering began.

Per-event parameters: a d s r may be patterns; each event takes their value at its onset.

`asr gate a r` follows a gate signal (> 0 = on) with linear ramps: an njit kernel with
state; fading, tail a + r (exact once the gate has been steady for a full ramp).
"""
from __future__ import annotations

import bisect
import math
from fractions import Fraction

import numba
import numpy as np

from ..errors import RenderError
from ..registry import Param, declare, trigger
from .base import (FADING, SEEKABLE, SIGNAL, Block, Node, PatternInput, as_audio, as_control,
                   register_node)

LOOKBACK_CYCLES = 64
EPOCH_CYCLES = 64


# --------------------------------------------------------------------------------------------
# Kernels
# --------------------------------------------------------------------------------------------


@numba.njit(cache=True)
def _env_level(t, G, A, D, S, R, L):
    """The envelope of one event at t samples after its onset (see the module docstring)."""
    u = t if t < G else G
    if u < A:
        pre = L + (1.0 - L) * u / A
    elif u - A < D:
        pre = 1.0 + (S - 1.0) * (u - A) / D
    else:
        pre = S
    if t < G:
        return pre
    v = t - G
    if v >= R:
        return 0.0
    return pre * (1.0 - v / R)


@numba.njit(cache=True)
def _env_render(start, n, onsets, ends, G, A, D, S, R, L):
    """Sum of each event's envelope over its governed span [onsets[j], ends[j]) within
    [start, start + n); samples no event governs are 0."""
    out = np.zeros(n)
    for j in range(onsets.shape[0]):
        lo = max(onsets[j], start)
        hi = min(ends[j], start + n)
        for i in range(lo, hi):
            out[i - start] = _env_level(float(i - onsets[j]), G[j], A[j], D[j], S[j], R[j], L[j])
    return out


def _ref_env_level(t, G, A, D, S, R, L):
    def pre(u):
        if u < A:
            return L + (1.0 - L) * u / A
        if u - A < D:
            return 1.0 + (S - 1.0) * (u - A) / D
        return S
    if t < G:
        return pre(t)
    if t - G >= R:
        return 0.0
    return pre(G) * (1.0 - (t - G) / R)


def _ref_env_render(start, n, onsets, ends, G, A, D, S, R, L):
    out = np.zeros(n)
    for i in range(start, start + n):
        for j in range(len(onsets)):
            if onsets[j] <= i < ends[j]:
                out[i - start] = _ref_env_level(float(i - onsets[j]), G[j], A[j], D[j], S[j],
                                                R[j], L[j])
    return out


@numba.njit(cache=True)
def _asr_kernel(gate, up, down, state):
    """Linear ramps towards 1 while gate > 0 (step `up`) and towards 0 otherwise (`down`).
    up/down: arrays of length len(gate) or 1. state = [level], updated; out[i] is the level
    after sample i's step."""
    n = gate.shape[0]
    out = np.empty(n)
    lv = state[0]
    nu, nd = up.shape[0], down.shape[0]
    for i in range(n):
        if gate[i] > 0.0:
            lv = min(1.0, lv + up[i if nu > 1 else 0])
        else:
            lv = max(0.0, lv - down[i if nd > 1 else 0])
        out[i] = lv
    state[0] = lv
    return out


def _ref_asr(gate, up, down, state):
    lv = state[0]
    out = []
    for i, g in enumerate(gate):
        if g > 0:
            lv = min(1.0, lv + (up[i] if len(up) > 1 else up[0]))
        else:
            lv = max(0.0, lv - (down[i] if len(down) > 1 else down[0]))
        out.append(lv)
    state[0] = lv
    return np.array(out)


# --------------------------------------------------------------------------------------------
# Event-triggered envelopes
# --------------------------------------------------------------------------------------------


class _Ev:
    """One trigger: onset and gate in samples, envelope times in samples."""

    __slots__ = ("onset", "G", "A", "D", "S", "R", "gov_end", "epoch")

    def __init__(self, onset, G, A, D, S, R, gov_end, epoch):
        self.onset, self.G, self.A, self.D, self.S, self.R, self.gov_end, self.epoch = \
            onset, G, A, D, S, R, gov_end, epoch

    def level(self, at: int, L: float) -> float:
        """This event's envelope at sample `at` (>= onset) given its start level L."""
        if at >= self.gov_end:
            return 0.0
        return _env_level(float(at - self.onset), self.G, self.A, self.D, self.S, self.R, L)

    def independent_at(self, at: int) -> bool:
        """Whether level(at, L) does not depend on L."""
        dt = at - self.onset
        if at >= self.gov_end:
            return True
        free = self.A if self.G >= self.A else self.G + self.R
        return dt >= free


class _Triggered(Node):
    """Shared machinery: the known event list, predecessor lookup, onset levels."""

    state_class = SEEKABLE
    times = ("a", "d", "r")  # params that are times (seconds); others are levels

    def __init__(self, node_id, params, graph):
        super().__init__(node_id, params, graph)
        for k, v in params.items():
            if v is SIGNAL and k != "in":
                raise RenderError(f"{self.kind}: parameter '{k}' must be a number or a pattern, "
                                  f"not an audio-rate signal")
        trig = params.get("trig")
        self.trig = trig if isinstance(trig, PatternInput) else None
        self.reset(0)

    # -- per-kind envelope parameters (samples) ---------------------------------------------
    def shape(self, onset: int, gate_end: int) -> tuple:
        """-> (G, A, D, S, R) for an event."""
        raise NotImplementedError

    def value_at(self, name: str, default: float, onset: int) -> float:
        v = self.params.get(name, default)
        if isinstance(v, PatternInput):
            segs = v.segments(onset, onset + 1)
            v = v.number(segs[0].value) if segs else 0.0
        v = float(v)
        if name in self.times:
            return max(0.0, v) * self.graph.sr
        return v

    # -- event bookkeeping ------------------------------------------------------------------
    def reset(self, start: int) -> None:
        self._ev: list[_Ev] = []
        self._on: list[int] = []
        self._lo = self._hi = None  # known onsets: complete over [_lo, _hi)
        self._memo: dict[tuple, float] = {}  # (onset, epoch asking) -> level: pure, safe to keep

    def _query(self, lo: int, hi: int) -> list[_Ev]:
        g = self.graph
        raw = []
        if self.trig is not None:
            for e in self.trig.events(lo, hi):
                if not raw or raw[-1][0] != e.onset:  # a stack: the first at an onset wins
                    raw.append((e.onset, e.end))
        else:
            c = math.floor(g.time_of(lo))
            while True:
                o = g.sample_of(Fraction(c))
                if o >= hi:
                    break
                if o >= lo:
                    raw.append((o, g.sample_of(Fraction(c + 1))))
                c += 1
        out = []
        for onset, end in raw:
            if onset < 0:  # the piece starts at sample 0: nothing sounds before it
                continue
            c = math.floor(g.time_of(onset))
            gov_end = g.sample_of(Fraction(c + LOOKBACK_CYCLES + 1))
            out.append(_Ev(onset, *self.shape(onset, end), gov_end, c // EPOCH_CYCLES))
        return out

    def _ensure(self, lo: int, hi: int) -> None:
        if self._lo is None:
            self._ev = self._query(lo, hi)
            self._lo, self._hi = lo, hi
        elif lo < self._lo or hi > self._hi:
            if lo < self._lo:
                self._ev = self._query(lo, self._lo) + self._ev
                self._lo = lo
            if hi > self._hi:
                self._ev = self._ev + self._query(self._hi, hi)
                self._hi = hi
        else:
            return
        self._on = [e.onset for e in self._ev]

    def _pred(self, x: int):
        """The latest event with onset < x that may still govern x, or None."""
        g = self.graph
        bound = step = None
        while True:
            i = bisect.bisect_left(self._on, x) - 1
            if i >= 0 and self._ev[i].onset >= self._lo:
                e = self._ev[i]
                return e if x < e.gov_end else None  # (gov_end > x implies onset >= bound)
            if bound is None:
                bound = max(0, g.sample_of(Fraction(math.floor(g.time_of(x)) - LOOKBACK_CYCLES)))
                step = g.sample_of(Fraction(1)) - g.sample_of(Fraction(0))
            if self._lo <= bound:
                return None
            self._ensure(max(bound, self._lo - step), self._hi)
            step *= 2

    def _onset_level(self, e: _Ev) -> float:
        """The level at e's onset: its predecessor's envelope there (see module docstring).

        Memoized per (onset, epoch of the event asking): a pure function of the events."""
        memo = self._memo
        ref = e.epoch
        stack = []
        cur = e
        while (cur.onset, ref) not in memo:
            p = self._pred(cur.onset)
            if p is None:
                memo[(cur.onset, ref)] = 0.0
            elif p.independent_at(cur.onset) or p.epoch < ref - 1:
                memo[(cur.onset, ref)] = p.level(cur.onset, 0.0)
            else:
                stack.append((cur, p))
                cur = p
                continue
            break
        while stack:
            cur, p = stack.pop()
            memo[(cur.onset, ref)] = p.level(cur.onset, memo[(p.onset, ref)])
        return memo[(e.onset, ref)]

    def _prune(self, start: int) -> None:
        if len(self._ev) < 4096 and len(self._memo) < 8192:
            return
        g = self.graph
        keep = g.sample_of(Fraction(math.floor(g.time_of(start)) - 4 * LOOKBACK_CYCLES))
        i = bisect.bisect_left(self._on, keep)
        if i > 0:
            self._ev, self._on, self._lo = self._ev[i:], self._on[i:], keep
            self._memo = {k: v for k, v in self._memo.items() if k[0] >= keep}

    def envelope(self, block: Block) -> np.ndarray:
        start, end = block.start, block.end
        if self._hi is None or end > self._hi:
            # Learn events a whole cycle at a time (pattern queries cost more than blocks).
            g = self.graph
            self._ensure(start if self._lo is None else min(self._lo, start),
                         max(end, g.sample_of(Fraction(math.floor(g.time_of(end - 1)) + 1))))
        self._prune(start)
        gov = []
        p = self._pred(start)
        if p is not None:
            gov.append(p)
        i0 = bisect.bisect_left(self._on, start)
        i1 = bisect.bisect_left(self._on, end)
        gov.extend(self._ev[i0:i1])
        if not gov:
            return np.zeros(block.n)
        m = len(gov)
        onsets = np.array([e.onset for e in gov], dtype=np.int64)
        ends = np.array([min(e.gov_end, gov[j + 1].onset if j + 1 < m else end)
                         for j, e in enumerate(gov)], dtype=np.int64)
        G = np.array([e.G for e in gov])
        A = np.array([e.A for e in gov])
        D = np.array([e.D for e in gov])
        S = np.array([e.S for e in gov])
        R = np.array([e.R for e in gov])
        L = np.array([self._onset_level(e) for e in gov])
        return _env_render(start, block.n, onsets, ends, G, A, D, S, R, L)

    def process(self, block: Block, args: dict) -> np.ndarray:
        x = as_audio(args["in"], block)
        return x * self.envelope(block)[None, :]


@register_node
class Adsr(_Triggered):
    kind = "adsr"

    def shape(self, onset, gate_end):
        return (float(gate_end - onset), self.value_at("a", 0.01, onset),
                self.value_at("d", 0.1, onset), self.value_at("s", 0.7, onset),
                self.value_at("r", 0.2, onset))


@register_node
class Ad(_Triggered):
    kind = "ad"

    def shape(self, onset, gate_end):
        return (math.inf, self.value_at("a", 0.01, onset), self.value_at("d", 0.2, onset),
                0.0, 0.0)


@register_node
class Ar(_Triggered):
    kind = "ar"

    def shape(self, onset, gate_end):
        return (float(gate_end - onset), self.value_at("a", 0.01, onset), 0.0, 1.0,
                self.value_at("r", 0.2, onset))


# --------------------------------------------------------------------------------------------
# Gate-driven envelope
# --------------------------------------------------------------------------------------------


@register_node
class Asr(Node):
    kind = "asr"
    state_class = FADING

    def __init__(self, node_id, params, graph):
        super().__init__(node_id, params, graph)
        self.state = np.zeros(1)

    def tail_seconds(self) -> float:
        def longest(v):  # a modulated time: assume the longest plausible ramp
            return float(v) if isinstance(v, (int, float)) else 10.0
        return longest(self.params.get("a", self.default("a"))) + longest(self.params.get("r", self.default("r")))

    def reset(self, start: int) -> None:
        self.state = np.zeros(1)

    def _steps(self, value, block: Block) -> np.ndarray:
        secs = np.array([float(value)]) if isinstance(value, (int, float)) \
            else as_control(value, block)
        with np.errstate(divide="ignore"):
            return 1.0 / (np.maximum(secs, 0.0) * block.sr)  # 0 s -> inf: an immediate jump

    def process(self, block: Block, args: dict) -> np.ndarray:
        x = as_audio(args["in"], block)
        gate = np.ascontiguousarray(as_control(args["gate"], block), dtype=np.float64)
        env = _asr_kernel(gate, self._steps(args.get("a", self.default("a")), block),
                          self._steps(args.get("r", self.default("r")), block), self.state)
        return x * env[None, :]


# --------------------------------------------------------------------------------------------
# Declarations
# --------------------------------------------------------------------------------------------


def _in():
    return Param("in", kind="input", doc="the signal the envelope multiplies")


def _time(name, default, doc):
    return Param(name, default, "s", (0.0, 60.0), "number", doc)


declare("adsr", "envelope",
        [_in(), _time("a", 0.01, "attack time: linear ramp to 1 from the current level"),
         _time("d", 0.1, "decay time: linear ramp to the sustain level"),
         Param("s", 0.7, "", (0.0, 1.0), "number", "sustain level, held while the gate is on"),
         _time("r", 0.2, "release time: linear ramp to 0 after the gate closes"), trigger()],
        doc="Attack-decay-sustain-release envelope, triggered at each event onset of the chained "
            "source's pattern (the event's length is the gate), or once per cycle when the source "
            "has no pattern. A retrigger starts from the current level, so legato notes do not click.",
        example="out: saw \"<55 65>*4\" # adsr 0.01 0.1 0.5 0.2 # lpf 1200 * 0.3")
declare("ad", "envelope",
        [_in(), _time("a", 0.01, "attack time"), _time("d", 0.2, "decay time to 0"), trigger()],
        doc="Attack-decay envelope (a percussive hit): ramps to 1 over a, then to 0 over d, "
            "whatever the event's length. Triggered like adsr.",
        example="out: sine \"220 330 440\" # ad 0.005 0.3 * 0.3")
declare("ar", "envelope",
        [_in(), _time("a", 0.01, "attack time"),
         _time("r", 0.2, "release time after the gate closes"), trigger()],
        doc="Attack-release envelope: ramps to 1 over a, holds while the event lasts, then "
            "releases to 0 over r. Triggered like adsr.",
        example="out: saw \"55 ~ 82.5 ~\" # ar 0.01 0.1 * 0.3")
declare("asr", "envelope",
        [_in(), Param("gate", kind="signal", doc="on while > 0 (a pattern like \"1 0 1 1\" or a signal)"),
         _time("a", 0.01, "attack time (a full 0 to 1 ramp)"),
         _time("r", 0.2, "release time (a full 1 to 0 ramp)")],
        doc="Gate-following envelope: ramps linearly towards 1 while the gate is on and towards 0 "
            "while it is off.",
        example="out: saw 110 # asr \"1 0 1 1\" 0.05 0.1 * 0.3")
