"""Reverb: `reverb room [damping] [mix]` — Freeverb.

Jezar at Dreampoint's Freeverb (public domain, 2000): per channel 8 parallel
lowpass-feedback comb filters into 4 series Schroeder allpasses; the right channel's
delay lines are 23 samples longer (stereo spread). Tunings are Jezar's, given at
44.1 kHz and scaled to the engine rate. Mapping as in the original: comb feedback =
room * 0.28 + 0.7, damping coefficient = damping * 0.4, input gain 0.015, wet scale 3.

Output is always stereo; a mono input feeds both channels.
"""
from __future__ import annotations

import math

import numba
import numpy as np

from ..registry import REQUIRED, Param, declare
from .base import FADING, LN_FADE, Block, Node, as_audio, register_node
from .delays import param_array, param_const

COMB_TUNING = (1116, 1188, 1277, 1356, 1422, 1491, 1557, 1617)
ALLPASS_TUNING = (556, 441, 341, 225)
STEREO_SPREAD = 23
FIXED_GAIN = 0.015
SCALE_WET = 3.0
SCALE_DAMP = 0.4
SCALE_ROOM = 0.28
OFFSET_ROOM = 0.7
ALLPASS_FEEDBACK = 0.5
TUNING_SR = 44100

declare(
    "reverb", "effect",
    params=[
        Param("in", REQUIRED, kind="input", doc="the signal to reverberate"),
        Param("room", REQUIRED, "", (0.0, 1.0), doc="room size: comb feedback 0.7..0.98"),
        Param("damping", 0.5, "", (0.0, 1.0), doc="high-frequency absorption of the tail"),
        Param("mix", 0.3, "", (0.0, 1.0), doc="0 = dry only, 1 = reverb only"),
    ],
    doc="""Freeverb (Jezar's Schroeder-Moorer design: 8 damped combs and 4 allpasses per
    channel, stereo spread). Room sets the decay (room 0.9 rings for seconds), damping
    darkens the tail, mix blends dry and wet. Always outputs stereo.""",
    example="saw 110 # reverb 0.8 0.5 0.3",
    node="reverb",
)


def tunings(sr: int):
    """(comb lengths (2, 8), allpass lengths (2, 4)) in samples at rate `sr`."""
    k = sr / TUNING_SR
    spread = [0, STEREO_SPREAD]
    combs = np.array([[max(1, round((t + s) * k)) for t in COMB_TUNING] for s in spread], np.int64)
    aps = np.array([[max(1, round((t + s) * k)) for t in ALLPASS_TUNING] for s in spread], np.int64)
    return combs, aps


@numba.njit(cache=True)
def _freeverb_kernel(x, room, damp, mix, clen, cbuf, cidx, cstore, alen, abuf, aidx):
    """One block of stereo Freeverb. x: (2, n) input, or (1, n) for a mono input fed to
    both channels; room, damp, mix: per sample or of length 1. State (updated in place): comb
    buffers cbuf (2, 8, Lmax) with lengths clen, indices cidx, lowpass stores cstore;
    allpass buffers abuf (2, 4, Amax) with lengths alen, indices aidx.

    The arithmetic per sample is `_ref_freeverb`'s, in the same order; only the loops
    are arranged for speed. The combs of a channel run interleaved (their one-sample
    lowpass recursions overlap) over runs in which no comb index wraps. Each allpass
    then runs over the whole block: it reads what it wrote `len` samples before, so
    within a contiguous run of its ring it is an elementwise (vectorized) loop."""
    n = x.shape[1]
    x1 = 1 if x.shape[0] > 1 else 0  # the right input row
    y = np.empty((2, n))
    nc = clen.shape[1]
    na = alen.shape[1]
    nr, nd, nm = room.shape[0], damp.shape[0], mix.shape[0]
    fbk = np.empty(n)
    d1 = np.empty(n)
    d2 = np.empty(n)
    inp = np.empty(n)
    for i in range(n):
        fbk[i] = room[i if nr > 1 else 0] * SCALE_ROOM + OFFSET_ROOM
        d1[i] = damp[i if nd > 1 else 0] * SCALE_DAMP
        d2[i] = 1.0 - d1[i]
        inp[i] = (x[0, i] + x[x1, i]) * FIXED_GAIN
    acc = np.empty(n)
    cs = np.empty(nc)
    off = np.empty(nc, np.int64)
    for c in range(2):
        for k in range(nc):
            cs[k] = cstore[c, k]
        bufs = cbuf[c]
        t = 0
        while t < n:
            m = n - t
            for k in range(nc):
                m = min(m, clen[c, k] - cidx[c, k])
            for k in range(nc):
                off[k] = cidx[c, k] - t
            if nc == 8:
                _combs8(bufs, off, cs, d1, d2, fbk, inp, acc, t, m)
            else:
                _combs(bufs, off, cs, d1, d2, fbk, inp, acc, t, m)
            for k in range(nc):
                j = cidx[c, k] + m
                cidx[c, k] = 0 if j == clen[c, k] else j
            t += m
        for k in range(nc):
            cstore[c, k] = cs[k]
        for k in range(na):
            L = alen[c, k]
            j = aidx[c, k]
            i = 0
            while i < n:
                r = min(n - i, L - j)
                buf = abuf[c, k, j: j + r]
                ac = acc[i: i + r]
                for q in range(r):
                    bo = buf[q]
                    buf[q] = ac[q] + bo * ALLPASS_FEEDBACK
                    ac[q] = bo - ac[q]
                i += r
                j += r
                if j == L:
                    j = 0
            aidx[c, k] = j
        xc = x[c if x1 else 0]
        for i in range(n):
            mm = mix[i if nm > 1 else 0]
            y[c, i] = xc[i] * (1.0 - mm) + acc[i] * (SCALE_WET * mm)
    return y


@numba.njit(cache=True)
def _combs(bufs, off, cs, d1, d2, fbk, inp, acc, t, m):
    """Samples [t, t + m) of one channel's combs: comb k reads and writes bufs[k, off[k] + i]
    (no wrap inside the run); cs: the lowpass stores (updated); acc[i] = sum of outputs."""
    nc = cs.shape[0]
    for i in range(t, t + m):
        e1 = d1[i]  # locals: the stores below would otherwise force reloads
        e2 = d2[i]
        g = fbk[i]
        v = inp[i]
        a = 0.0
        for k in range(nc):
            j = off[k] + i
            out = bufs[k, j]
            s = out * e2 + cs[k] * e1
            cs[k] = s
            bufs[k, j] = v + s * g
            a += out
        acc[i] = a


@numba.njit(cache=True)
def _combs8(bufs, off, cs, d1, d2, fbk, inp, acc, t, m):
    """`_combs` for Freeverb's 8 combs, unrolled so the stores stay in registers
    (about 2.5x faster than the loop over k); the same operations in the same order."""
    b0, b1, b2, b3, b4, b5, b6, b7 = bufs[0], bufs[1], bufs[2], bufs[3], bufs[4], bufs[5], \
        bufs[6], bufs[7]
    o0, o1, o2, o3, o4, o5, o6, o7 = off[0], off[1], off[2], off[3], off[4], off[5], off[6], \
        off[7]
    s0, s1, s2, s3, s4, s5, s6, s7 = cs[0], cs[1], cs[2], cs[3], cs[4], cs[5], cs[6], cs[7]
    for i in range(t, t + m):
        e1 = d1[i]
        e2 = d2[i]
        g = fbk[i]
        v = inp[i]
        u0 = b0[o0 + i]
        s0 = u0 * e2 + s0 * e1
        b0[o0 + i] = v + s0 * g
        u1 = b1[o1 + i]
        s1 = u1 * e2 + s1 * e1
        b1[o1 + i] = v + s1 * g
        u2 = b2[o2 + i]
        s2 = u2 * e2 + s2 * e1
        b2[o2 + i] = v + s2 * g
        u3 = b3[o3 + i]
        s3 = u3 * e2 + s3 * e1
        b3[o3 + i] = v + s3 * g
        u4 = b4[o4 + i]
        s4 = u4 * e2 + s4 * e1
        b4[o4 + i] = v + s4 * g
        u5 = b5[o5 + i]
        s5 = u5 * e2 + s5 * e1
        b5[o5 + i] = v + s5 * g
        u6 = b6[o6 + i]
        s6 = u6 * e2 + s6 * e1
        b6[o6 + i] = v + s6 * g
        u7 = b7[o7 + i]
        s7 = u7 * e2 + s7 * e1
        b7[o7 + i] = v + s7 * g
        acc[i] = 0.0 + u0 + u1 + u2 + u3 + u4 + u5 + u6 + u7
    cs[0], cs[1], cs[2], cs[3], cs[4], cs[5], cs[6], cs[7] = s0, s1, s2, s3, s4, s5, s6, s7


def _ref_freeverb(x, room, damp, mix, clen, cbuf, cidx, cstore, alen, abuf, aidx):
    """Slow reference for `_freeverb_kernel`, written as Jezar's comb/allpass objects."""
    n = x.shape[1]
    y = np.zeros((2, n))
    for i in range(n):
        fbk = room[i] * SCALE_ROOM + OFFSET_ROOM
        d1 = damp[i] * SCALE_DAMP
        inp = (x[0, i] + x[1, i]) * FIXED_GAIN
        for c in range(2):
            acc = 0.0
            for k in range(clen.shape[1]):  # comb::process
                out = cbuf[c, k, cidx[c, k]]
                cstore[c, k] = out * (1.0 - d1) + cstore[c, k] * d1
                cbuf[c, k, cidx[c, k]] = inp + cstore[c, k] * fbk
                cidx[c, k] = (cidx[c, k] + 1) % clen[c, k]
                acc += out
            for k in range(alen.shape[1]):  # allpass::process
                bo = abuf[c, k, aidx[c, k]]
                abuf[c, k, aidx[c, k]] = acc + bo * ALLPASS_FEEDBACK
                acc = -acc + bo
                aidx[c, k] = (aidx[c, k] + 1) % alen[c, k]
            y[c, i] = x[c, i] * (1.0 - mix[i]) + acc * (SCALE_WET * mix[i])
    return y


class FreeverbState:
    """The delay lines of one stereo Freeverb at one sample rate."""

    def __init__(self, sr: int):
        self.clen, self.alen = tunings(sr)
        self.cbuf = np.zeros((2, self.clen.shape[1], int(self.clen.max())))
        self.cidx = np.zeros(self.clen.shape, np.int64)
        self.cstore = np.zeros(self.clen.shape)
        self.abuf = np.zeros((2, self.alen.shape[1], int(self.alen.max())))
        self.aidx = np.zeros(self.alen.shape, np.int64)

    def args(self):
        return (self.clen, self.cbuf, self.cidx, self.cstore, self.alen, self.abuf, self.aidx)


def freeverb_tail(sr: int, room: float, damping: float) -> float:
    """Seconds for Freeverb's state to decay to FADE_FLOOR (relative to the input).

    The slowest mode is the longest comb at DC, where the damping lowpass has gain 1
    but adds d1/(1-d1) samples of group delay to the loop; its loop gain is the comb
    feedback g. Headroom: the 8 combs can hold up to 8/(1-g) times the (0.03-scaled)
    input, times the wet scale; the 4 allpasses (feedback 0.5) ring after that."""
    clen, alen = tunings(sr)
    g = room * SCALE_ROOM + OFFSET_ROOM
    d1 = damping * SCALE_DAMP
    loop = (clen.max() + d1 / (1.0 - d1)) / sr
    headroom = math.log(max(1.0, 2 * FIXED_GAIN * len(COMB_TUNING) * SCALE_WET / (1.0 - g)))
    comb = loop * (LN_FADE + headroom) / -math.log(g)
    ap_loops = (LN_FADE + math.log(4.0)) / -math.log(ALLPASS_FEEDBACK)
    allpass = ap_loops * float(alen.max(axis=0).sum()) / sr
    return comb + allpass


@register_node
class Reverb(Node):
    """Stereo Freeverb; fading with a tail from the room (comb feedback) setting."""

    kind = "reverb"
    state_class = FADING
    channels = 2

    def __init__(self, node_id, params, graph):
        super().__init__(node_id, params, graph)
        self.state = None

    def tail_seconds(self) -> float:
        room = param_const(self.params, "room", 1.0)
        damping = param_const(self.params, "damping", 0.0)
        return freeverb_tail(self.graph.sr, room, damping)

    def reset(self, start: int) -> None:
        self.state = None

    def process(self, block: Block, args: dict) -> np.ndarray:
        if self.state is None:
            self.state = FreeverbState(block.sr)
        x = as_audio(args.get("in", 0.0), block)
        if x.shape[0] not in (1, 2):  # mono feeds both channels (inside the kernel)
            raise ValueError(f"reverb: input has {x.shape[0]} channels; expected 1 or 2")
        x = np.ascontiguousarray(x, dtype=np.float64)
        room = param_array(args["room"], block)
        damp = param_array(args.get("damping", self.default("damping")), block)
        mix = param_array(args.get("mix", self.default("mix")), block)
        return _freeverb_kernel(x, room, damp, mix, *self.state.args())
