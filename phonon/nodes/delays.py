"""Delay lines: `delay time [feedback] [mix]`.

A feedback delay line with a fractional (linearly interpolated) read tap:

    w[n] = x[n] + feedback * d[n],   d[n] = w[n - time*sr],   y[n] = (1 - mix) x[n] + mix d[n]

so an impulse gives echoes at time*sr, 2 time*sr, ... samples with amplitudes
mix, mix*feedback, mix*feedback^2, ...  The delay time, feedback and mix may be
constants, patterns or audio-rate signals (read per sample).
"""
from __future__ import annotations

import math

import numba
import numpy as np

from ..registry import REQUIRED, Param, declare
from .base import FADING, LN_FADE, SIGNAL, Block, Node, as_audio, as_control, register_node

MAX_TIME = 10.0      # seconds; the longest delay line allocated
MIN_TIME = 0.0001    # seconds; a delay must be > 0 (the read tap is clamped to >= 1 sample)
MAX_FEEDBACK = 0.999

declare(
    "delay", "effect",
    params=[
        Param("in", REQUIRED, kind="input", doc="the signal to delay"),
        Param("time", REQUIRED, "s", (MIN_TIME, MAX_TIME), doc="delay time (fractional, interpolated)"),
        Param("feedback", 0.5, "", (0.0, MAX_FEEDBACK), doc="gain of each repeat; must be < 1"),
        Param("mix", 0.5, "", (0.0, 1.0), doc="0 = dry only, 1 = delayed signal only"),
    ],
    doc="""Feedback echo: repeats the input every `time` seconds, each repeat `feedback` times
    quieter. Time, feedback and mix may be patterns or signals (a modulated time gives
    tape-style pitch bends). Stereo input is delayed per channel.""",
    example='s "bd sn" # delay 0.25 0.5 0.5',
    node="delay",
)


def param_const(params: dict, name: str, fallback: float) -> float:
    """A construction-time parameter as a float, or `fallback` (the declared worst case)
    when it is a pattern or a signal and so unknown in advance."""
    v = params.get(name, fallback)
    if v is SIGNAL or not isinstance(v, (int, float)):
        return float(fallback)
    return float(v)


def control(value, block: Block) -> np.ndarray:
    """A parameter as a contiguous float64 mono control array for kernels."""
    return np.ascontiguousarray(as_control(value, block), dtype=np.float64)


def param_array(value, block: Block) -> np.ndarray:
    """A kernel parameter: a constant as a length-1 array, else `control`."""
    if isinstance(value, (int, float)):
        return np.array([float(value)])
    return control(value, block)


def feedback_tail(loop_seconds: float, gain: float) -> float:
    """Seconds until a feedback loop of length `loop_seconds` and loop gain `gain` < 1 has
    forgotten its state to FADE_FLOOR, including the headroom 1/(1-gain) a sustained
    input can build up in the loop (so the residual is FADE_FLOOR of the input level)."""
    if gain <= 0.0:
        return loop_seconds
    loops = (LN_FADE + math.log(1.0 / (1.0 - gain))) / -math.log(gain)
    return loop_seconds * (1.0 + loops)


@numba.njit(cache=True)
def _delay_kernel(x, dsamp, fb, mix, buf, w):
    """One block of the feedback delay. State: `buf` (ch, L) ring (updated in place) and
    the write index `w`, returned. `dsamp` is the delay in samples; dsamp, fb and mix are
    per sample or of length 1 (constant). Channels are independent lines, run one after
    the other (1-D rows: about 1.6x faster than interleaving them per sample)."""
    ch, n = x.shape
    L = buf.shape[1]
    y = np.empty_like(x)
    hi = L - 2.0
    nd, nf, nm = dsamp.shape[0], fb.shape[0], mix.shape[0]
    w0 = w
    for c in range(ch):
        b = buf[c]
        xr = x[c]
        yr = y[c]
        w = w0
        for i in range(n):
            d = dsamp[i if nd > 1 else 0]
            if d < 1.0:
                d = 1.0
            elif d > hi:
                d = hi
            rp = w - d
            i0 = np.floor(rp)
            frac = rp - i0
            # rp > w - L + 1 > -L, so (i0 mod L) is i0 or i0 + L (no integer division)
            j0 = int(i0)
            if j0 < 0:
                j0 += L
            j1 = j0 + 1
            if j1 == L:
                j1 = 0
            g = fb[i if nf > 1 else 0]
            m = mix[i if nm > 1 else 0]
            a = b[j0]
            dl = a + frac * (b[j1] - a)
            b[w] = xr[i] + g * dl
            yr[i] = xr[i] * (1.0 - m) + dl * m
            w += 1
            if w == L:
                w = 0
    return y, w


def _ref_delay(x, dsamp, fb, mix, buf, w):
    """Slow, obvious reference for `_delay_kernel` (same state convention)."""
    ch, n = x.shape
    L = buf.shape[1]
    y = np.zeros_like(x)
    for i in range(n):
        d = min(max(dsamp[i], 1.0), L - 2.0)
        rp = w - d
        i0 = math.floor(rp)
        frac = rp - i0
        for c in range(ch):
            a = buf[c, i0 % L]
            b = buf[c, (i0 + 1) % L]
            dl = a + frac * (b - a)
            buf[c, w] = x[c, i] + fb[i] * dl
            y[c, i] = x[c, i] * (1.0 - mix[i]) + dl * mix[i]
        w = (w + 1) % L
    return y, w


@register_node
class Delay(Node):
    """Feedback delay; state = the delay line, forgotten after `tail_seconds`."""

    kind = "delay"
    state_class = FADING

    def __init__(self, node_id, params, graph):
        super().__init__(node_id, params, graph)
        self.max_time = param_const(params, "time", MAX_TIME)
        self.length = int(math.ceil(self.max_time * graph.sr)) + 3
        self.buf = None
        self.w = 0

    def tail_seconds(self) -> float:
        fb = param_const(self.params, "feedback", MAX_FEEDBACK)
        return feedback_tail(self.max_time, fb)

    def reset(self, start: int) -> None:
        self.buf = None
        self.w = 0

    def process(self, block: Block, args: dict) -> np.ndarray:
        x = np.ascontiguousarray(as_audio(args.get("in", 0.0), block), dtype=np.float64)
        if self.buf is None or self.buf.shape[0] != x.shape[0]:
            self.buf = np.zeros((x.shape[0], self.length))
            self.w = 0
        dsamp = param_array(args["time"], block) * block.sr
        fb = param_array(args.get("feedback", self.default("feedback")), block)
        mix = param_array(args.get("mix", self.default("mix")), block)
        y, self.w = _delay_kernel(x, dsamp, fb, mix, self.buf, self.w)
        return y
