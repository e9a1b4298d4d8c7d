"""Filters: lpf hpf bpf notch (state-variable) and rlpf rhpf (RBJ biquads).

`lpf hpf bpf notch`: Andrew Simper's linear trapezoidal integrated state-variable
filter ("Linear Trapezoidal Integrated SVF", Cytomic technical paper, 2013 —
SvfLinearTrapOptimised2). It stays stable and free of zipper noise under
audio-rate cutoff modulation, so when the cutoff or q is a pattern or a signal
the coefficients are recomputed every sample inside the kernel; when both are
constants they are computed once.

`rlpf rhpf`: the response of Robert Bristow-Johnson's "Cookbook formulae for audio EQ
biquad filter coefficients" (LPF, HPF). The cookbook's LPF/HPF is the bilinear transform of
1 / (s^2 + s/Q + 1) prewarped at the cutoff, which is exactly what the SVF above computes with
k = 1/Q, so they run the same kernel (with the `resonance` name and default). Computed as the
cookbook's direct form I, a cutoff swept at audio rate (`rlpf (sine 2440 * 800 + 1200) 6`
at 8 kHz) grew to inf within half a second; the SVF stays bounded. With constant
coefficients the two forms agree to rounding (tests/test_nodes_filters.py).

Both are fading: the state forgets the input at the rate of the slowest pole.
With the bilinear transform and prewarping at the cutoff (both designs), the
digital poles are z = (1 + p T/2) / (1 - p T/2) for the analog poles
p = ω (-k/2 ± sqrt(k²/4 - 1)), ω = 2 sr tan(π f / sr), k = 1/Q. tail_seconds is the
time for the slowest |z|^n to fall by FADE_FLOOR times max(1, Q) (a resonant state
can be Q times its input), at the constant cutoff or, when it is modulated, at
20 Hz; at most 10 s.

Stereo input is filtered per channel with independent state; mono in, mono out.
"""
from __future__ import annotations

import cmath
import math

import numba
import numpy as np

from ..registry import Param, declare
from .base import (FADING, LN_FADE, SIGNAL, Block, Node, as_audio, as_control, register_node,
                   rows_of)

LP, HP, BP, NOTCH = 0, 1, 2, 3
Q_MIN, Q_MAX = 0.1, 50.0
F_MIN = 1.0  # Hz; cutoffs are clamped to [F_MIN, NYQ_FRAC * sr]
NYQ_FRAC = 0.49
MODULATED_F_MIN = 20.0  # lowest plausible modulated cutoff, for tail_seconds
TAIL_CAP = 10.0


# --------------------------------------------------------------------------------------------
# Kernels
# --------------------------------------------------------------------------------------------


@numba.njit(cache=True)
def _svf_coefs(cutoff, q, sr):
    f = min(max(cutoff, F_MIN), NYQ_FRAC * sr)
    k = 1.0 / min(max(q, Q_MIN), Q_MAX)
    g = math.tan(math.pi * f / sr)
    a1 = 1.0 / (1.0 + g * (g + k))
    a2 = g * a1
    a3 = g * a2
    return k, a1, a2, a3


@numba.njit(cache=True)
def _svf_out(mode, v0, v1, v2, k):
    if mode == 0:
        return v2
    if mode == 1:
        return v0 - k * v1 - v2
    if mode == 2:
        return k * v1  # band, normalized to 0 dB at the cutoff
    return v0 - k * v1  # notch = low + high


@numba.njit(cache=True)
def _svf_kernel(x, cutoff, q, sr, mode, state):
    """Simper trapezoidal SVF over x. cutoff and q are arrays of length len(x) (per-sample
    coefficients) or of length 1 (constant). state = [ic1eq, ic2eq], updated in place."""
    n = x.shape[0]
    y = np.empty(n)
    ic1, ic2 = state[0], state[1]
    per_sample = cutoff.shape[0] > 1 or q.shape[0] > 1
    k, a1, a2, a3 = _svf_coefs(cutoff[0], q[0], sr)
    nc, nq = cutoff.shape[0], q.shape[0]
    for i in range(n):
        if per_sample:
            k, a1, a2, a3 = _svf_coefs(cutoff[i if nc > 1 else 0], q[i if nq > 1 else 0], sr)
        v0 = x[i]
        v3 = v0 - ic2
        v1 = a1 * ic1 + a2 * v3
        v2 = ic2 + a2 * ic1 + a3 * v3
        ic1 = 2.0 * v1 - ic1
        ic2 = 2.0 * v2 - ic2
        y[i] = _svf_out(mode, v0, v1, v2, k)
    state[0], state[1] = ic1, ic2
    return y


@numba.njit(cache=True, inline="always")
def _svf_step(xt, W, i, c):
    """One sample of row c in `_svf_bank`'s layout: W rows 0, 1 = state, 2..4 = a1..a3."""
    ic1 = W[0, c]
    ic2 = W[1, c]
    v0 = xt[i, c]
    v3 = v0 - ic2
    v1 = W[2, c] * ic1 + W[3, c] * v3
    v2 = ic2 + W[3, c] * ic1 + W[4, c] * v3
    W[0, c] = 2.0 * v1 - ic1
    W[1, c] = 2.0 * v2 - ic2
    return v0, v1, v2


@numba.njit(cache=True)
def _svf_bank(x, coefs, mode, state, y):
    """Constant-coefficient SVFs, one per row of x (k, n): row j is exactly `_svf_kernel`
    with coefficients coefs[j] = (k, a1, a2, a3) and state state[j] (updated).
    See `_svf_tiles`."""
    return _svf_tiles(x, coefs, mode, state, y, False)


@numba.njit(cache=True)
def _svf_bank_sum(x, coefs, mode, state, y):
    """`_svf_bank` whose rows are summed in row order, ((y0 + y1) + y2) + ..., into y (1, n)
    (an add chain over the batch's outputs, without the (k, n) array)."""
    return _svf_tiles(x, coefs, mode, state, y, True)


@numba.njit(cache=True)
def _svf_tiles(x, coefs, mode, state, y, summed):
    """The body of `_svf_bank` (summed: `_svf_bank_sum`).

    One filter alone waits on its own feedback chain every sample; here the rows run
    interleaved sample by sample so the CPU overlaps their chains. Rows go through small
    transposed tiles (rows of a block sit 64 KiB apart, which thrashes the L1 sets);
    state and coefficients share one array (fewer pointers for the stores to alias);
    the output mode is chosen outside the loops."""
    nr, n = x.shape
    T = 128
    xt = np.empty((T, nr))
    yt = np.empty((T, nr))
    W = np.empty((5, nr))
    W[0] = state[:, 0]
    W[1] = state[:, 1]
    W[2] = coefs[:, 1]
    W[3] = coefs[:, 2]
    W[4] = coefs[:, 3]
    kk = coefs[:, 0].copy()
    for t0 in range(0, n, T):
        m = min(T, n - t0)
        for c in range(nr):
            for i in range(m):
                xt[i, c] = x[c, t0 + i]
        if mode == LP:
            for i in range(m):
                for c in range(nr):
                    v0, v1, v2 = _svf_step(xt, W, i, c)
                    yt[i, c] = v2
        elif mode == HP:
            for i in range(m):
                for c in range(nr):
                    v0, v1, v2 = _svf_step(xt, W, i, c)
                    yt[i, c] = v0 - kk[c] * v1 - v2
        elif mode == BP:
            for i in range(m):
                for c in range(nr):
                    v0, v1, v2 = _svf_step(xt, W, i, c)
                    yt[i, c] = kk[c] * v1
        else:
            for i in range(m):
                for c in range(nr):
                    v0, v1, v2 = _svf_step(xt, W, i, c)
                    yt[i, c] = v0 - kk[c] * v1
        if summed:
            for i in range(m):
                acc = yt[i, 0]
                for c in range(1, nr):
                    acc += yt[i, c]
                y[0, t0 + i] = acc
        else:
            for c in range(nr):
                for i in range(m):
                    y[c, t0 + i] = yt[i, c]
    state[:, 0] = W[0]
    state[:, 1] = W[1]
    return y


def _ref_svf(x, cutoff, q, sr, mode, state):
    """Slow, obvious reference of _svf_kernel (Simper 2013, equations as in the paper)."""
    ic1, ic2 = state
    y = []
    for i, v0 in enumerate(x):
        fc = cutoff[i] if len(cutoff) > 1 else cutoff[0]
        qq = q[i] if len(q) > 1 else q[0]
        fc = min(max(fc, F_MIN), NYQ_FRAC * sr)
        k = 1.0 / min(max(qq, Q_MIN), Q_MAX)
        g = math.tan(math.pi * fc / sr)
        a1 = 1.0 / (1.0 + g * (g + k))
        a2 = g * a1
        a3 = g * a2
        v3 = v0 - ic2
        v1 = a1 * ic1 + a2 * v3
        v2 = ic2 + a2 * ic1 + a3 * v3
        ic1 = 2.0 * v1 - ic1
        ic2 = 2.0 * v2 - ic2
        y.append({LP: v2, HP: v0 - k * v1 - v2, BP: k * v1, NOTCH: v0 - k * v1}[mode])
    state[0], state[1] = ic1, ic2
    return np.array(y)


def _ref_biquad(x, cutoff, q, sr, mode, state):
    """The cookbook's LPF/HPF as its direct form I (the reference rlpf/rhpf agree with)."""
    x1, x2, y1, y2 = state
    y = []
    for i, x0 in enumerate(x):
        fc = cutoff[i] if len(cutoff) > 1 else cutoff[0]
        qq = q[i] if len(q) > 1 else q[0]
        fc = min(max(fc, F_MIN), NYQ_FRAC * sr)
        w0 = 2 * math.pi * fc / sr
        alpha = math.sin(w0) / (2 * min(max(qq, Q_MIN), Q_MAX))
        c = math.cos(w0)
        if mode == LP:
            b = [(1 - c) / 2, 1 - c, (1 - c) / 2]
        else:
            b = [(1 + c) / 2, -(1 + c), (1 + c) / 2]
        a = [1 + alpha, -2 * c, 1 - alpha]
        y0 = (b[0] * x0 + b[1] * x1 + b[2] * x2 - a[1] * y1 - a[2] * y2) / a[0]
        x2, x1, y2, y1 = x1, x0, y1, y0
        y.append(y0)
    state[:] = [x1, x2, y1, y2]
    return np.array(y)


# --------------------------------------------------------------------------------------------
# Tails
# --------------------------------------------------------------------------------------------


def resonator_tail_seconds(cutoff: float, q: float, sr: int) -> float:
    """Seconds for a bilinear 2-pole (cutoff, q) to forget its state to FADE_FLOOR / max(1, q)."""
    f = min(max(cutoff, F_MIN), NYQ_FRAC * sr)
    q = min(max(q, Q_MIN), Q_MAX)
    k = 1.0 / q
    w = 2.0 * sr * math.tan(math.pi * f / sr)
    root = cmath.sqrt(k * k / 4.0 - 1.0)
    radius = 0.0
    for p in (w * (-k / 2.0 + root), w * (-k / 2.0 - root)):
        z = (1.0 + p / (2.0 * sr)) / (1.0 - p / (2.0 * sr))
        radius = max(radius, abs(z))
    per_sample = -math.log(radius) if radius < 1.0 else 0.0
    if per_sample <= 0.0:
        return TAIL_CAP
    return min(TAIL_CAP, (LN_FADE + math.log(max(1.0, q))) / per_sample / sr)


# --------------------------------------------------------------------------------------------
# Nodes
# --------------------------------------------------------------------------------------------


class _SvfBank:
    """The batch state of constant-coefficient SVFs: one (k, 2) state array whose rows the
    member nodes hold as their own `state` (so a member run alone, or reset, stays
    consistent) and their (k, 4) coefficients."""

    def __init__(self, items: list, sr: int):
        self.nodes = [node for node, _ in items]
        self.sr = sr
        k = len(items)
        self.state = np.zeros((k, 2))
        self.coefs = np.empty((k, 4))
        for j, (node, args) in enumerate(items):
            if node.state is not None and node.state.shape[0] == 1:
                self.state[j] = node.state[0]
            node.state = self.state[j: j + 1]
            self.coefs[j] = _svf_coefs(float(args.get("cutoff", node.default("cutoff"))),
                                       float(args.get(node.q_name, node.default(node.q_name))), float(sr))
        self.views = [node.state for node in self.nodes]

    def current(self, items: list, sr: int) -> bool:
        """Same members, each still holding its row (no reset or channel change since)."""
        return sr == self.sr and len(items) == len(self.nodes) and all(
            node is n and node.state is v for (node, _), n, v in zip(items, self.nodes, self.views))


class _Filter(Node):
    """Shared plumbing: per-channel state, constant-or-per-sample coefficient arrays."""

    state_class = FADING
    mode = LP
    q_name = "q"
    n_state = 2
    kernel = staticmethod(_svf_kernel)

    def __init__(self, node_id, params, graph):
        super().__init__(node_id, params, graph)
        self.state = None  # (channels, n_state), sized at the first block
        self._bank = None  # the _SvfBank of the batch this node leads, if any

    def tail_seconds(self) -> float:
        cutoff = self.params.get("cutoff", self.default("cutoff"))
        q = self.params.get(self.q_name, self.default(self.q_name))
        f = float(cutoff) if isinstance(cutoff, (int, float)) else MODULATED_F_MIN
        qq = float(q) if isinstance(q, (int, float)) else Q_MAX
        return resonator_tail_seconds(f, qq, self.graph.sr)

    def reset(self, start: int) -> None:
        self.state = None

    @staticmethod
    def _coef_array(value, block: Block) -> np.ndarray:
        if isinstance(value, (int, float)):
            return np.array([float(value)])
        return np.ascontiguousarray(as_control(value, block), dtype=np.float64)

    def batch_key(self):
        """Constant cutoff and q on a signal: batched (`process_batch`)."""
        if self.kernel is not _svf_kernel or self.params.get("in") is not SIGNAL:
            return None
        consts = all(isinstance(self.params.get(p, 0.0), (int, float))
                     for p in ("cutoff", self.q_name))
        return self.mode if consts else None

    @staticmethod
    def _bank_of(items: list, block: Block):
        """(the batch's _SvfBank, its inputs as one (k, n) array), or None when some input
        is not a mono signal (then the members run one by one)."""
        xs = [args["in"] for _, args in items]
        if any(not isinstance(x, np.ndarray) or x.ndim != 2 or x.shape[0] != 1 for x in xs):
            return None
        lead = items[0][0]
        bank = lead._bank
        if bank is None or not bank.current(items, block.sr):
            bank = lead._bank = _SvfBank(items, block.sr)
        return bank, rows_of(xs, block.n)

    @staticmethod
    def process_batch(block: Block, items: list) -> list:
        """Many mono constant-coefficient SVFs of one mode in one `_svf_bank` call."""
        got = _Filter._bank_of(items, block)
        if got is None:
            return [node.process(block, args) for node, args in items]
        bank, x = got
        y = _svf_bank(x, bank.coefs, items[0][0].mode, bank.state, np.empty((len(items), block.n)))
        return [y[j: j + 1] for j in range(len(items))]

    @staticmethod
    def process_batch_sum(block: Block, items: list):
        """The members' outputs summed in order, (1, n), in one `_svf_bank_sum` call (see
        Graph._fuse_sums); None when some input is not a mono signal."""
        got = _Filter._bank_of(items, block)
        if got is None:
            return None
        bank, x = got
        return _svf_bank_sum(x, bank.coefs, items[0][0].mode, bank.state, np.empty((1, block.n)))

    def process(self, block: Block, args: dict) -> np.ndarray:
        x = as_audio(args["in"], block)
        ch = x.shape[0]
        if self.state is None or self.state.shape[0] != ch:
            old = self.state
            self.state = np.zeros((ch, self.n_state))
            if old is not None and old.shape[0] == 1:  # mono became stereo: both continue
                self.state[:] = old[0]
        cutoff = self._coef_array(args.get("cutoff", self.default("cutoff")), block)
        q = self._coef_array(args.get(self.q_name, self.default(self.q_name)), block)
        y = np.empty((ch, block.n))
        for c in range(ch):
            y[c] = self.kernel(np.ascontiguousarray(x[c], dtype=np.float64), cutoff, q,
                               float(block.sr), self.mode, self.state[c])
        return y


@register_node
class Lpf(_Filter):
    kind = "lpf"
    mode = LP


@register_node
class Hpf(_Filter):
    kind = "hpf"
    mode = HP


@register_node
class Bpf(_Filter):
    kind = "bpf"
    mode = BP


@register_node
class Notch(_Filter):
    kind = "notch"
    mode = NOTCH


class _Biquad(_Filter):
    """The cookbook's response, computed by the SVF (see the module's doc)."""
    q_name = "resonance"


@register_node
class Rlpf(_Biquad):
    kind = "rlpf"
    mode = LP


@register_node
class Rhpf(_Biquad):
    kind = "rhpf"
    mode = HP


def _in_param():
    return Param("in", kind="input", doc="the signal to filter (`a # lpf ...` or first argument)")


def _cutoff_param():
    return Param("cutoff", 1000.0, "Hz", (1.0, 30000.0), "signal",
                 "cutoff (centre) frequency; clamped below 0.49 × sample rate; may be audio-rate")


_SVF_DOCS = {
    "lpf": ("12 dB/octave low-pass state-variable filter (Simper/Cytomic trapezoidal SVF). "
            "q 0.707 is maximally flat (-3 dB at the cutoff); higher q resonates.",
            "~lfo: sine 0.25\nout: saw \"55 82.5\" # lpf (~lfo * 2000 + 2500) 0.8 * 0.3"),
    "hpf": ("12 dB/octave high-pass state-variable filter (Simper/Cytomic trapezoidal SVF).",
            "out: noise # hpf 5000 0.7 * 0.1"),
    "bpf": ("Band-pass state-variable filter (Simper/Cytomic trapezoidal SVF), 0 dB at the "
            "centre frequency; higher q narrows the band.", "out: noise # bpf \"500 1000 2000\" 8 * 0.3"),
    "notch": ("Notch (band-reject) state-variable filter (Simper/Cytomic trapezoidal SVF): "
              "removes the cutoff frequency; higher q narrows the notch.",
              "out: saw 110 # notch (sine 0.2 * 1000 + 1500) 2 * 0.2"),
}

for _name, (_doc, _ex) in _SVF_DOCS.items():
    declare(_name, "filter",
            [_in_param(), _cutoff_param(),
             Param("q", 1.0, "", (Q_MIN, Q_MAX), "signal", "resonance (quality factor)")],
            doc=_doc, example=_ex)

declare("rlpf", "filter",
        [_in_param(), _cutoff_param(),
         Param("resonance", 2.0, "", (Q_MIN, Q_MAX), "signal",
               "resonance as a quality factor Q (0.707 = flat, 2 ≈ +6 dB peak)")],
        doc="Resonant 12 dB/octave low-pass biquad (RBJ Audio EQ Cookbook LPF).",
        example="out: saw 55 # rlpf (sine 0.5 * 800 + 1200) 6 * 0.2")
declare("rhpf", "filter",
        [_in_param(), _cutoff_param(),
         Param("resonance", 2.0, "", (Q_MIN, Q_MAX), "signal",
               "resonance as a quality factor Q (0.707 = flat, 2 ≈ +6 dB peak)")],
        doc="Resonant 12 dB/octave high-pass biquad (RBJ Audio EQ Cookbook HPF).",
        example="out: saw 110 # rhpf 800 4 * 0.2")
