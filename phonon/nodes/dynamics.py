"""Dynamics: `compressor threshold_db [ratio] [attack] [release] [makeup_db]` and
`limiter threshold [attack] [release]`.

Both are stereo-linked (one gain, from the loudest channel, applied to every channel)
and feed-forward, with state that forgets its past within `tail_seconds` (fading).
"""
from __future__ import annotations

import math

import numba
import numpy as np

from ..errors import CompileError
from ..registry import REQUIRED, Param, declare
from .base import FADING, LN_FADE, Block, Node, as_audio, register_node
from .delays import control, param_const

MAX_ATTACK = 1.0
MAX_RELEASE = 10.0
MAX_LOOKAHEAD = 0.1
LEVEL_FLOOR_DB = -240.0

declare(
    "compressor", "dynamics",
    params=[
        Param("in", REQUIRED, kind="input", doc="the signal to compress"),
        Param("threshold_db", REQUIRED, "dB", (-120.0, 24.0), doc="level above which gain is reduced"),
        Param("ratio", 4.0, "", (1.0, 1000.0), doc="input dB over threshold per output dB over"),
        Param("attack", 0.01, "s", (0.0, MAX_ATTACK), doc="time constant of gain reduction"),
        Param("release", 0.1, "s", (0.0, MAX_RELEASE), doc="time constant of recovery"),
        Param("makeup_db", 0.0, "dB", (-60.0, 60.0), doc="gain added after compression"),
    ],
    doc="""Feed-forward compressor in the log domain (Giannoulis, Massberg & Reiss 2012):
    the peak level in dB over the threshold is divided by `ratio` (hard knee), and the gain
    reduction is smoothed by a decoupled peak detector with `attack` and `release` time
    constants. Stereo-linked. A steady tone 20 dB over the threshold at ratio 4 comes out
    15 dB quieter, before `makeup_db`.""",
    example="saw 110 # compressor -20 4 0.01 0.1 6",
    node="compressor",
)

declare(
    "limiter", "dynamics",
    params=[
        Param("in", REQUIRED, kind="input", doc="the signal to limit"),
        Param("threshold", REQUIRED, "", (0.0001, 10.0), doc="ceiling, linear amplitude (0.9 = -0.9 dBFS)"),
        Param("attack", 0.005, "s", (0.0, MAX_LOOKAHEAD), kind="number",
              doc="look-ahead: the gain ramps down over this time before a peak (constant)"),
        Param("release", 0.05, "s", (0.0, MAX_RELEASE), doc="time constant of recovery"),
    ],
    doc="""Look-ahead brickwall limiter: the output never exceeds `threshold`. The signal is
    delayed by `attack` seconds while the gain ramps smoothly down to what the coming peak
    needs (sliding minimum, then a moving average over the look-ahead); it recovers with
    the `release` time constant. Stereo-linked; adds `attack` seconds of latency.""",
    example='s "bd*4 sn" * 4 # limiter 0.9',
    node="limiter",
)


def _coeff(t: float, sr: float) -> float:
    return math.exp(-1.0 / (t * sr)) if t > 0.0 else 0.0


# --------------------------------------------------------------------------------------------
# Compressor
# --------------------------------------------------------------------------------------------


@numba.njit(cache=True)
def _compressor_kernel(x, sr, thr, ratio, attack, release, makeup, state):
    """One block. state = [y1, yL] (dB of gain reduction; updated in place): y1 is the
    release-smoothed peak of the static gain reduction, yL its attack smoothing."""
    ch, n = x.shape
    y = np.empty_like(x)
    y1 = state[0]
    yl = state[1]
    t_a = -1.0
    t_r = -1.0
    a_a = 0.0
    a_r = 0.0
    for i in range(n):
        if attack[i] != t_a:  # coefficients are a pure function of the time constant
            t_a = attack[i]
            a_a = math.exp(-1.0 / (t_a * sr)) if t_a > 0.0 else 0.0
        if release[i] != t_r:
            t_r = release[i]
            a_r = math.exp(-1.0 / (t_r * sr)) if t_r > 0.0 else 0.0
        peak = 0.0
        for c in range(ch):
            v = abs(x[c, i])
            if v > peak:
                peak = v
        level = 20.0 * math.log10(peak) if peak > 0.0 else LEVEL_FLOOR_DB
        if level < LEVEL_FLOOR_DB:
            level = LEVEL_FLOOR_DB
        over = level - thr[i]
        r = ratio[i] if ratio[i] > 1.0 else 1.0
        gc = over * (1.0 - 1.0 / r) if over > 0.0 else 0.0
        rel = a_r * y1 + (1.0 - a_r) * gc
        y1 = gc if gc > rel else rel
        yl = a_a * yl + (1.0 - a_a) * y1
        g = 10.0 ** ((makeup[i] - yl) / 20.0)
        for c in range(ch):
            y[c, i] = x[c, i] * g
    state[0] = y1
    state[1] = yl
    return y


def _ref_compressor(x, sr, thr, ratio, attack, release, makeup, state):
    """Slow reference for `_compressor_kernel`."""
    y = np.zeros_like(x)
    y1, yl = state
    for i in range(x.shape[1]):
        a_a, a_r = _coeff(attack[i], sr), _coeff(release[i], sr)
        peak = float(np.max(np.abs(x[:, i])))
        level = max(20.0 * math.log10(peak), LEVEL_FLOOR_DB) if peak > 0 else LEVEL_FLOOR_DB
        over = level - thr[i]
        gc = over * (1.0 - 1.0 / max(ratio[i], 1.0)) if over > 0 else 0.0
        y1 = max(gc, a_r * y1 + (1.0 - a_r) * gc)
        yl = a_a * yl + (1.0 - a_a) * y1
        y[:, i] = x[:, i] * 10.0 ** ((makeup[i] - yl) / 20.0)
    state[:] = (y1, yl)
    return y


def smoothing_tail(*time_constants: float) -> float:
    """Seconds for cascaded one-pole smoothers to forget a gain difference of up to
    1000 dB-units down to FADE_FLOOR of the signal (sum of the time constants)."""
    return sum(time_constants) * (LN_FADE + math.log(1e3))


@register_node
class Compressor(Node):
    kind = "compressor"
    state_class = FADING

    def __init__(self, node_id, params, graph):
        super().__init__(node_id, params, graph)
        self.state = np.zeros(2)

    def tail_seconds(self) -> float:
        return smoothing_tail(param_const(self.params, "attack", MAX_ATTACK),
                              param_const(self.params, "release", MAX_RELEASE)) + 1.0 / self.graph.sr

    def reset(self, start: int) -> None:
        self.state = np.zeros(2)

    def process(self, block: Block, args: dict) -> np.ndarray:
        x = np.ascontiguousarray(as_audio(args.get("in", 0.0), block), dtype=np.float64)
        return _compressor_kernel(
            x, float(block.sr), control(args["threshold_db"], block),
            control(args.get("ratio", self.default("ratio")), block), control(args.get("attack", self.default("attack")), block),
            control(args.get("release", self.default("release")), block), control(args.get("makeup_db", self.default("makeup_db")), block),
            self.state)


# --------------------------------------------------------------------------------------------
# Limiter
# --------------------------------------------------------------------------------------------


@numba.njit(cache=True)
def _limiter_kernel(x, thr, release, sr, xbuf, gbuf, rbuf, dq_val, dq_pos, ist, fst):
    """One block of the look-ahead limiter; W = L + 1 = xbuf.shape[1] (L = look-ahead).

    g[n] = min(1, thr / peak[n]); h[n] = min(g[n-L..n]) (monotonic deque);
    r[n] = min(h[n], a r[n-1] + (1-a) h[n]) (release); s[n] = mean(r[n-L..n]).
    Every r[m], m in [n-L, n], is <= g[n-L], so y[n] = x[n-L] * s[n] never exceeds thr.
    State (updated in place): rings xbuf (ch, W), gbuf, rbuf (W); deque dq_val, dq_pos
    (W); ist = [ring index, deque head, deque count, sample counter, resum countdown];
    fst = [r, running sum of rbuf]."""
    ch, n = x.shape
    W = xbuf.shape[1]
    y = np.empty_like(x)
    j, head, count, p, cnt = ist[0], ist[1], ist[2], ist[3], ist[4]
    r, rsum = fst[0], fst[1]
    t_r = -1.0
    a_r = 0.0
    for i in range(n):
        if release[i] != t_r:
            t_r = release[i]
            a_r = math.exp(-1.0 / (t_r * sr)) if t_r > 0.0 else 0.0
        peak = 0.0
        for c in range(ch):
            v = abs(x[c, i])
            if v > peak:
                peak = v
        g = thr[i] / peak if peak > thr[i] else 1.0
        # sliding minimum of g over the last W samples
        while count > 0 and dq_val[(head + count - 1) % W] >= g:
            count -= 1
        dq_val[(head + count) % W] = g
        dq_pos[(head + count) % W] = p
        count += 1
        while dq_pos[head] <= p - W:
            head = (head + 1) % W
            count -= 1
        h = dq_val[head]
        rel = a_r * r + (1.0 - a_r) * h
        r = h if h < rel else rel
        # rings: slot j receives sample n; slot j+1 holds sample n-L (the oldest)
        rsum += r - rbuf[j]
        rbuf[j] = r
        gbuf[j] = g
        for c in range(ch):
            xbuf[c, j] = x[c, i]
        k = j + 1
        if k == W:
            k = 0
        cnt -= 1
        if cnt <= 0:  # re-sum exactly now and then so rounding never accumulates
            rsum = 0.0
            for q in range(W):
                rsum += rbuf[q]
            cnt = W
        s = rsum / W
        if s > gbuf[k]:
            s = gbuf[k]
        for c in range(ch):
            y[c, i] = xbuf[c, k] * s
        j = k
        p += 1
    ist[0], ist[1], ist[2], ist[3], ist[4] = j, head, count, p, cnt
    fst[0], fst[1] = r, rsum
    return y


def _ref_limiter(x, thr, release, sr, lookahead):
    """Slow reference for the limiter over a whole signal from fresh state (windows
    written out directly; the pre-history is silence, gain 1)."""
    ch, n = x.shape
    L = lookahead
    peak = np.max(np.abs(x), axis=0)
    g = np.array([thr[i] / peak[i] if peak[i] > thr[i] else 1.0 for i in range(n)])
    gp = np.concatenate([np.ones(L), g])          # index m + L = sample m
    xp = np.concatenate([np.zeros((ch, L)), x], axis=1)
    rp = np.ones(n + L)
    r = 1.0
    y = np.zeros_like(x)
    for i in range(n):
        h = min(g[max(0, i - L): i + 1])
        a = _coeff(release[i], sr)
        r = min(h, a * r + (1.0 - a) * h)
        rp[i + L] = r
        s = min(sum(rp[i: i + L + 1]) / (L + 1), gp[i])
        y[:, i] = xp[:, i] * s
    return y


@register_node
class Limiter(Node):
    kind = "limiter"
    state_class = FADING

    def __init__(self, node_id, params, graph):
        super().__init__(node_id, params, graph)
        attack = params.get("attack", self.default("attack"))
        if not isinstance(attack, (int, float)):
            raise CompileError("limiter: parameter 'attack' must be a constant number of seconds "
                               "(it sets the look-ahead delay)")
        self.lookahead = int(round(float(attack) * graph.sr))
        self.reset(0)

    def tail_seconds(self) -> float:
        la = self.lookahead / self.graph.sr
        return 2.0 * la + smoothing_tail(param_const(self.params, "release", MAX_RELEASE)) \
            + 1.0 / self.graph.sr

    def reset(self, start: int) -> None:
        W = self.lookahead + 1
        self.xbuf = None
        self.gbuf = np.ones(W)
        self.rbuf = np.ones(W)
        self.dq_val = np.zeros(W)
        self.dq_pos = np.zeros(W, np.int64)
        self.ist = np.array([0, 0, 0, 0, W], np.int64)
        self.fst = np.array([1.0, float(W)])

    def process(self, block: Block, args: dict) -> np.ndarray:
        x = np.ascontiguousarray(as_audio(args.get("in", 0.0), block), dtype=np.float64)
        if self.xbuf is None or self.xbuf.shape[0] != x.shape[0]:
            self.reset(block.start)
            self.xbuf = np.zeros((x.shape[0], self.lookahead + 1))
        thr = control(args["threshold"], block)
        release = control(args.get("release", self.default("release")), block)
        return _limiter_kernel(x, thr, release, float(block.sr), self.xbuf, self.gbuf, self.rbuf,
                               self.dq_val, self.dq_pos, self.ist, self.fst)
