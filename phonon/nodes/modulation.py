"""Modulation effects: `chorus rate depth [mix]`.

Three delay taps swept by sine LFOs 120 degrees apart (the right channel of a stereo
input a further 90 degrees on) around a 10 ms centre delay, swinging +-depth*3 ms.
The LFO phase is a function of the absolute sample, frac(n * rate / sr), not a running
integral: so the only state is the delay line, and once it has filled (max delay) the
output is exactly what an uninterrupted render gives (a changing rate jumps the phase).
"""
from __future__ import annotations

import math

import numba
import numpy as np

from ..registry import REQUIRED, Param, declare
from .base import FADING, Block, Node, as_audio, register_node
from .delays import control

CENTRE = 0.010     # s, centre delay of every tap
SWING = 0.003      # s, delay swing at depth 1
VOICES = 3
STEREO_OFFSET = 0.25  # LFO phase offset (cycles) of the right channel

declare(
    "chorus", "effect",
    params=[
        Param("in", REQUIRED, kind="input", doc="the signal to thicken"),
        Param("rate", REQUIRED, "Hz", (0.0, 20.0), doc="LFO rate"),
        Param("depth", REQUIRED, "", (0.0, 1.0), doc="delay swing: 1 = +-3 ms around 10 ms"),
        Param("mix", 0.3, "", (0.0, 1.0), doc="0 = dry only, 1 = chorus taps only"),
    ],
    doc="""Chorus: three LFO-swept delay taps (10 ms +- depth*3 ms, phases 120 degrees apart)
    mixed with the dry signal, detuning copies of the input around it. A stereo input
    gets its right channel's LFOs a quarter cycle later. Depth 0 is a plain 10 ms delay.""",
    example="saw 110 # chorus 0.8 0.5 0.4",
    node="chorus",
)


@numba.njit(cache=True)
def _chorus_kernel(x, start, sr, rate, depth, mix, buf, w):
    """One block of chorus. State: ring `buf` (ch, L) (updated in place), write index `w`
    (returned). The LFO is computed from the absolute sample index start + i."""
    ch, n = x.shape
    L = buf.shape[1]
    y = np.empty_like(x)
    for i in range(n):
        ph = (start + i) * rate[i] / sr
        ph -= math.floor(ph)
        centre = CENTRE * sr
        swing = SWING * sr * depth[i]
        m = mix[i]
        for c in range(ch):
            buf[c, w] = x[c, i]
            acc = 0.0
            for v in range(VOICES):
                p = ph + v / VOICES + c * STEREO_OFFSET
                d = centre + swing * math.sin(2.0 * math.pi * p)
                d = min(max(d, 1.0), L - 2.0)  # depth from an unchecked signal
                rp = w - d
                i0 = math.floor(rp)
                frac = rp - i0
                j0 = int(i0) % L
                a = buf[c, j0]
                acc += a + frac * (buf[c, (j0 + 1) % L] - a)
            y[c, i] = x[c, i] * (1.0 - m) + acc * (m / VOICES)
        w += 1
        if w == L:
            w = 0
    return y, w


def _ref_chorus(x, start, sr, rate, depth, mix, buf, w):
    """Slow reference for `_chorus_kernel`."""
    ch, n = x.shape
    L = buf.shape[1]
    y = np.zeros_like(x)
    for i in range(n):
        ph = (start + i) * rate[i] / sr
        ph -= math.floor(ph)
        for c in range(ch):
            buf[c, w] = x[c, i]
            taps = []
            for v in range(VOICES):
                lfo = math.sin(2.0 * math.pi * (ph + v / VOICES + c * STEREO_OFFSET))
                d = CENTRE * sr + SWING * sr * depth[i] * lfo
                d = min(max(d, 1.0), L - 2.0)
                rp = w - d
                i0 = math.floor(rp)
                a, b = buf[c, i0 % L], buf[c, (i0 + 1) % L]
                taps.append(a + (rp - i0) * (b - a))
            y[c, i] = x[c, i] * (1.0 - mix[i]) + (taps[0] + taps[1] + taps[2]) * (mix[i] / VOICES)
        w = (w + 1) % L
    return y, w


def chorus_length(sr: int) -> int:
    """Delay-line length: the longest tap plus its interpolation neighbour and slack."""
    return int(math.ceil((CENTRE + SWING) * sr)) + 3


@register_node
class Chorus(Node):
    """Chorus; the delay line is its only state, so it is exact once the line has filled."""

    kind = "chorus"
    state_class = FADING

    def __init__(self, node_id, params, graph):
        super().__init__(node_id, params, graph)
        self.buf = None
        self.w = 0

    def tail_seconds(self) -> float:
        return chorus_length(self.graph.sr) / self.graph.sr

    def reset(self, start: int) -> None:
        self.buf = None
        self.w = 0

    def process(self, block: Block, args: dict) -> np.ndarray:
        x = np.ascontiguousarray(as_audio(args.get("in", 0.0), block), dtype=np.float64)
        if self.buf is None or self.buf.shape[0] != x.shape[0]:
            self.buf = np.zeros((x.shape[0], chorus_length(block.sr)))
            self.w = 0
        rate = control(args["rate"], block)
        depth = control(args["depth"], block)
        mix = control(args.get("mix", self.default("mix")), block)
        y, self.w = _chorus_kernel(x, block.start, float(block.sr), rate, depth, mix, self.buf, self.w)
        return y
