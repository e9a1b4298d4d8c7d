"""Distortion: `distortion drive [mix]` (tanh waveshaper) and `bitcrush bits rate`.

The transcendental functions run inside numba kernels (scalar libm calls), not numpy
ufuncs, so a sample's value never depends on where it falls in a SIMD vector and the
output is identical for every block size.
"""
from __future__ import annotations

import math

import numba
import numpy as np

from ..registry import REQUIRED, Param, declare
from .base import FADING, STATELESS, Block, Node, as_audio, register_node
from .delays import control, param_const

MIN_RATE = 1.0
MAX_RATE = 192000.0

declare(
    "distortion", "effect",
    params=[
        Param("in", REQUIRED, kind="input", doc="the signal to distort"),
        Param("drive", REQUIRED, "", (0.0, 100.0), doc="gain into the tanh curve"),
        Param("mix", 0.5, "", (0.0, 1.0), doc="0 = dry only, 1 = distorted only"),
    ],
    doc="""Soft-clipping waveshaper: tanh(drive * x), blended with the dry signal. More
    drive squares the wave off (more odd harmonics); drive below 1 is nearly clean and
    quieter. Drive and mix may be patterns or signals.""",
    aliases=("dist",),
    example="saw 110 # distortion 4 0.5",
    node="distortion",
)

declare(
    "bitcrush", "effect",
    params=[
        Param("in", REQUIRED, kind="input", doc="the signal to crush"),
        Param("bits", REQUIRED, "bits", (1.0, 24.0), doc="resolution: 2^bits levels over -1..1"),
        Param("rate", REQUIRED, "Hz", (MIN_RATE, MAX_RATE),
              doc="sample rate to reduce to (values are held); >= the engine rate = no reduction"),
    ],
    doc="""Lo-fi: holds the input on a grid of `rate` Hz (sample-rate reduction, aliasing
    included) and rounds it to a signed `bits`-bit grid (bits 4 = the 16 levels -8/8..7/8).
    The hold grid is anchored to absolute time, so it never drifts with block boundaries.""",
    aliases=("crush",),
    example='s "bd*4 sn" # bitcrush 4 8000',
    node="bitcrush",
)


@numba.njit(cache=True)
def _distortion_kernel(x, drive, mix):
    ch, n = x.shape
    y = np.empty_like(x)
    for i in range(n):
        g = drive[i]
        m = mix[i]
        for c in range(ch):
            v = x[c, i]
            y[c, i] = v * (1.0 - m) + math.tanh(g * v) * m
    return y


def _ref_distortion(x, drive, mix):
    return x * (1.0 - mix) + np.tanh(drive * x) * mix


@numba.njit(cache=True)
def _bitcrush_kernel(x, start, sr, bits, rate, held, k_prev):
    """One block of bitcrush. State: `held` (ch,) values being held (updated in place)
    and `k_prev`, the hold-grid cell index floor(n * rate / sr) of the last sample
    (returned; -1 after a reset, so the first sample starts a cell)."""
    ch, n = x.shape
    y = np.empty_like(x)
    for i in range(n):
        r = max(rate[i], MIN_RATE)  # a pattern's rests read 0
        k = math.floor((start + i) * r / sr)
        if k != k_prev:
            for c in range(ch):
                held[c] = x[c, i]
            k_prev = k
        h = 2.0 ** (max(bits[i], 1.0) - 1.0)
        for c in range(ch):
            q = math.floor(held[c] * h + 0.5)
            if q > h - 1.0:
                q = math.floor(h - 1.0)
            elif q < -h:
                q = -h
            y[c, i] = q / h
    return y, k_prev


def _ref_bitcrush(x, start, sr, bits, rate, held, k_prev):
    ch, n = x.shape
    y = np.zeros_like(x)
    for i in range(n):
        k = math.floor((start + i) * max(rate[i], MIN_RATE) / sr)
        if k != k_prev:
            held[:] = x[:, i]
            k_prev = k
        h = 2.0 ** (max(bits[i], 1.0) - 1.0)
        q = np.clip(np.floor(held * h + 0.5), -h, math.floor(h - 1.0))
        y[:, i] = q / h
    return y, k_prev


@register_node
class Distortion(Node):
    kind = "distortion"
    state_class = STATELESS

    def process(self, block: Block, args: dict) -> np.ndarray:
        x = np.ascontiguousarray(as_audio(args.get("in", 0.0), block), dtype=np.float64)
        return _distortion_kernel(x, control(args["drive"], block),
                                  control(args.get("mix", self.default("mix")), block))


@register_node
class Bitcrush(Node):
    """Stateless when the rate is a constant >= the engine rate (quantizing only);
    otherwise the held value is state, exactly restored after one hold cell (fading)."""

    kind = "bitcrush"

    def __init__(self, node_id, params, graph):
        super().__init__(node_id, params, graph)
        self.min_rate = param_const(params, "rate", MIN_RATE)
        self.state_class = STATELESS if self.min_rate >= graph.sr else FADING
        self.held = None
        self.k_prev = -1

    def tail_seconds(self) -> float:
        if self.state_class == STATELESS:
            return 0.0
        return (math.ceil(self.graph.sr / self.min_rate) + 1) / self.graph.sr

    def reset(self, start: int) -> None:
        self.held = None
        self.k_prev = -1

    def process(self, block: Block, args: dict) -> np.ndarray:
        x = np.ascontiguousarray(as_audio(args.get("in", 0.0), block), dtype=np.float64)
        if self.held is None or self.held.shape[0] != x.shape[0]:
            self.held = np.zeros(x.shape[0])
            self.k_prev = -1
        bits = control(args["bits"], block)
        rate = control(args["rate"], block)
        y, self.k_prev = _bitcrush_kernel(x, block.start, float(block.sr), bits, rate,
                                          self.held, self.k_prev)
        return y
