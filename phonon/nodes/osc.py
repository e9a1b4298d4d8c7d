"""Oscillators and noise: sine saw square tri pulse fm noise pink brown.

Phase (DESIGN.md "Time and determinism"): the phase at absolute sample n is
  constant freq f    frac(n * f / sr)                                 seekable
  pattern freq       frac(phase0 + f * (n - begin) / sr) per step       seekable
                     (PatternInput.phase_segments: exact Fraction phase at each step)
  audio-rate freq    running sum of f / sr (njit accumulator)          history
A rest in a frequency pattern holds the previous step's frequency (the phase integral
counts it so, so the phase is continuous everywhere), and an envelope's release rings on
through it (`saw "55 ~" # ar 0.01 0.5`). An explicit 0 Hz step holds the previous pitch
too. Before any step: silence.

Bandlimiting: saw, square and pulse use PolyBLEP, tri uses PolyBLAMP (Välimäki,
Pekonen, Nam, "Perceptually informed synthesis of bandlimited classical waveforms
using integrated polynomial interpolation", JASA 2012). Both corrections depend
only on the phase and the phase increment of the sample, so they keep the
oscillators seekable.

Noise is counter-based: splitmix64 (Steele, Lea, Flood 2014) of (seed, node id,
absolute sample), a pure function of the sample (seekable, same seed -> same bytes).
`pink` (Paul Kellett's refined filter) and `brown` (leaky integrator) filter it
and are fading.
"""
from __future__ import annotations

import math

import numba
import numpy as np

from ..registry import Param, declare
from . import primitives
from .base import (FADING, HISTORY, LN_FADE, SEEKABLE, SIGNAL, Block, Node, PatternInput,
                   as_control, register_node, row_views)

TWO_PI = 2.0 * math.pi


# --------------------------------------------------------------------------------------------
# Phase
# --------------------------------------------------------------------------------------------


@numba.njit(cache=True)
def _phase_acc(freq, inv_sr, state):
    """Phase accumulator for an audio-rate frequency: phase[i] = state; state += f[i]/sr.

    state: float64[1] holding the phase (cycles, in [0, 1)) of the next sample; updated."""
    n = freq.shape[0]
    out = np.empty(n)
    p = state[0]
    for i in range(n):
        out[i] = p
        p += freq[i] * inv_sr
        p -= math.floor(p)
    state[0] = p
    return out


def _ref_phase_acc(freq, inv_sr, state):
    out = []
    p = state[0]
    for f in freq:
        out.append(p)
        p += f * inv_sr
        p -= math.floor(p)
    state[0] = p
    return np.array(out)


class _Phasor:
    """The phase of one frequency parameter, whatever its kind (const, pattern, signal)."""

    def __init__(self, init):
        self.mode = "signal" if init is SIGNAL else "pattern" if isinstance(init, PatternInput) \
            else "const"
        self.state = np.zeros(1)

    @property
    def state_class(self) -> str:
        return HISTORY if self.mode == "signal" else SEEKABLE

    def reset(self) -> None:
        self.state[:] = 0.0  # only the signal mode keeps state; it starts from phase 0

    @staticmethod
    def _held(value: PatternInput, b: int) -> float:
        """The frequency a rest starting at sample b holds: the last step's before it."""
        for _ in range(16):
            if b <= 0:
                return 0.0
            pb, _, f, _ = value.phase_segments(b - 1, b)[-1]
            if f != 0.0:
                return f
            b = pb
        return 0.0

    def segments(self, block: Block, value):
        """The block's phase as `_osc_segments` rows (lo, hi, origin b, Hz, phase at b);
        None for an audio-rate frequency (no closed form). Sample indices are exact in
        float64 (< 2^53)."""
        if isinstance(value, PatternInput):
            rows = []
            for (b, e, f, ph0) in value.phase_segments(block.start, block.end):
                if f == 0.0:
                    f = self._held(value, b)
                rows.append((max(b, block.start), min(e, block.end), b, f, ph0))
            return np.array(rows, dtype=np.float64).reshape(-1, 5)
        if isinstance(value, np.ndarray):
            return None
        # constant: one segment, origin sample 0, phase 0 there
        return np.array([[block.start, block.end, 0, float(value), 0.0]])

    def phase(self, block: Block, value):
        """-> (phase in [0, 1) per sample, silent mask or None): `block` without the
        increments, in one compiled pass for a constant or pattern frequency."""
        segs = self.segments(block, value)
        if segs is None:
            phase, _, silent = self.block(block, value)
            return phase, silent
        phase = _seg_phase(block.start, segs, float(block.sr), np.empty(block.n))
        silent = None
        if isinstance(value, PatternInput) and (segs[:, 3] == 0.0).any():  # rests
            silent = np.zeros(block.n, dtype=bool)
            for lo, hi, _, f, _ in segs:
                if f == 0.0:
                    silent[int(lo) - block.start: int(hi) - block.start] = True
        return phase, silent

    def block(self, block: Block, value):
        """-> (phase in [0, 1), |phase increment| per sample, silent mask or None)."""
        sr = block.sr
        if isinstance(value, PatternInput):
            phase = np.empty(block.n)
            inc = np.empty(block.n)
            silent = None
            for (b, e, f, ph0) in value.phase_segments(block.start, block.end):
                if f == 0.0:
                    f = self._held(value, b)
                lo, hi = max(b, block.start), min(e, block.end)
                k = np.arange(lo - b, hi - b, dtype=np.float64)
                p = k * (f / sr) + ph0
                phase[lo - block.start: hi - block.start] = p - np.floor(p)
                inc[lo - block.start: hi - block.start] = abs(f) / sr
                if f == 0.0:
                    if silent is None:
                        silent = np.zeros(block.n, dtype=bool)
                    silent[lo - block.start: hi - block.start] = True
            return phase, inc, silent
        if isinstance(value, np.ndarray):
            f = as_control(value, block)
            return _phase_acc(np.ascontiguousarray(f, dtype=np.float64), 1.0 / sr, self.state), \
                np.abs(f) / sr, None
        f = float(value)
        p = np.arange(block.start, block.end, dtype=np.float64) * (f / sr)
        return p - np.floor(p), abs(f) / sr, None


# --------------------------------------------------------------------------------------------
# Waveforms (vectorized; PolyBLEP / PolyBLAMP residuals)
# --------------------------------------------------------------------------------------------


def _blep(phase, corner, inc):
    """PolyBLEP residual of a unit upward step at `corner` (phase units), per sample."""
    inc = np.minimum(inc, 0.5)
    d = phase - corner
    d = d - np.floor(d + 0.5)  # signed phase distance to the nearest corner, in [-0.5, 0.5)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = d / inc
    r = np.zeros_like(phase)
    a = (x >= -1.0) & (x < 0.0)
    b = (x >= 0.0) & (x < 1.0)
    r[a] = 0.5 * (x[a] + 1.0) ** 2
    r[b] = -0.5 * (1.0 - x[b]) ** 2
    return r


def _blamp(phase, corner, inc):
    """PolyBLAMP residual of a unit slope change (per sample) at `corner`: (1-|x|)^3 / 6."""
    inc = np.minimum(inc, 0.5)
    d = phase - corner
    d = d - np.floor(d + 0.5)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.abs(d / inc)
    return np.where(x < 1.0, (1.0 - np.minimum(x, 1.0)) ** 3 / 6.0, 0.0)


def _saw(phase, inc, width=None):
    return 2.0 * phase - 1.0 - 2.0 * _blep(phase, 0.0, inc)


def _pulse(phase, inc, width):
    w = np.clip(width, 0.0, 1.0)
    naive = np.where(phase < w, 1.0, -1.0)
    return naive + 2.0 * _blep(phase, 0.0, inc) - 2.0 * _blep(phase, w, inc)


def _square(phase, inc, width=None):
    return _pulse(phase, inc, 0.5)


def _tri(phase, inc, width=None):
    q = phase + 0.25
    q -= np.floor(q)
    naive = 1.0 - 4.0 * np.abs(q - 0.5)
    # Slope changes by -8 (per cycle) at the peak (phase 1/4) and +8 at the trough (3/4);
    # per sample that is -/+ 8 * inc.
    return naive + 8.0 * inc * (_blamp(phase, 0.75, inc) - _blamp(phase, 0.25, inc))


def _sine(phase, inc, width=None):
    return np.sin(TWO_PI * phase)


# --------------------------------------------------------------------------------------------
# Waveform kernel: phase, waveform and PolyBLEP/BLAMP residuals in one pass
# --------------------------------------------------------------------------------------------

SINE, SAW, SQUARE, TRI, PULSE = 0, 1, 2, 3, 4

# The loops below are written without branches where they can be (the residual's cases
# are selects) so that LLVM vectorizes them; each sample still gets exactly the
# operations of the numpy reference above (no fastmath: SIMD lanes round like scalars),
# so the output is bit-identical to it and independent of where a block starts.
# error_model numpy: x / 0 is inf or nan, as in numpy (a 0 Hz oscillator has no residual).
# np.floor, not math.floor: math.floor returns an int (a float->int->float round trip).


@numba.njit(cache=True, inline="always", error_model="numpy")
def _phase1(k0, i, step, ph0):
    """frac(ph0 + (k0 + i) * step): the phase `i` samples into a run starting `k0` samples
    after its segment's origin. k0 + i is an exact integer in float64 (i as int32 converts
    in SIMD)."""
    p = (k0 + float(np.int32(i))) * step + ph0
    return p - np.floor(p)


@numba.njit(cache=True, inline="always", error_model="numpy")
def _blep_v(phase, corner, ic):
    """Branch-free `_blep` for one sample (ic = min(inc, 0.5))."""
    d = phase - corner
    d = d - np.floor(d + 0.5)
    x = d / ic
    ra = 0.5 * ((x + 1.0) * (x + 1.0))
    rb = -0.5 * ((1.0 - x) * (1.0 - x))
    r = ra if (x >= -1.0) & (x < 0.0) else 0.0
    return rb if (x >= 0.0) & (x < 1.0) else r


@numba.njit(cache=True, inline="always", error_model="numpy")
def _blamp1(phase, corner, ic):
    """`_blamp` for one sample: PolyBLAMP residual (1-|x|)^3 / 6 (pow, as numpy's ** 3)."""
    d = phase - corner
    d = d - np.floor(d + 0.5)
    if abs(d) > 2.0 * ic:  # |x| >= 2: residual 0 (skips the division and the pow)
        return 0.0
    x = abs(d / ic)
    if x < 1.0:
        return math.pow(1.0 - min(x, 1.0), 3.0) / 6.0
    return 0.0


@numba.njit(cache=True, inline="always", error_model="numpy")
def _pulse1(phase, ic, width):
    w = min(max(width, 0.0), 1.0)
    naive = 1.0 if phase < w else -1.0
    return naive + 2.0 * _blep_v(phase, 0.0, ic) - 2.0 * _blep_v(phase, w, ic)


@numba.njit(cache=True, error_model="numpy")
def _wave_run(wave, k0, step, inc, ph0, width, out):
    """Waveform `wave` into `out` for one constant-frequency run (see `_phase1`).
    width: length 1 or len(out)."""
    ic = min(inc, 0.5)
    n = out.shape[0]
    if wave == SAW:
        for i in range(n):
            ph = _phase1(k0, i, step, ph0)
            out[i] = 2.0 * ph - 1.0 - 2.0 * _blep_v(ph, 0.0, ic)
    elif wave == SINE:
        for i in range(n):
            out[i] = np.sin(TWO_PI * _phase1(k0, i, step, ph0))
    elif wave == TRI:
        for i in range(n):
            ph = _phase1(k0, i, step, ph0)
            q = ph + 0.25
            q -= np.floor(q)
            naive = 1.0 - 4.0 * abs(q - 0.5)
            out[i] = naive + 8.0 * inc * (_blamp1(ph, 0.75, ic) - _blamp1(ph, 0.25, ic))
    elif width.shape[0] == 1:  # SQUARE, PULSE
        w = width[0]
        for i in range(n):
            out[i] = _pulse1(_phase1(k0, i, step, ph0), ic, w)
    else:
        for i in range(n):
            out[i] = _pulse1(_phase1(k0, i, step, ph0), ic, width[i])


@numba.njit(cache=True, error_model="numpy")
def _osc_segments(wave, start, segs, sr, width, out):
    """Oscillator output for absolute samples [start, start + len(out)) from frequency
    segments, rows (lo, hi, b, f, ph0): samples [lo, hi) have phase(n) =
    frac(ph0 + (n - b) * (f / sr)) (b: the segment's phase origin), the same for any block
    or chunk boundaries (seekable). The segments cover the block; 0 Hz ones are silent.
    width: pulse width, length 1 or len(out)."""
    for s in range(segs.shape[0]):
        lo = int(segs[s, 0]) - start
        hi = int(segs[s, 1]) - start
        f = segs[s, 3]
        if f == 0.0:
            out[lo:hi] = 0.0
            continue
        w = width if width.shape[0] == 1 else width[lo:hi]
        _wave_run(wave, float(int(segs[s, 0]) - int(segs[s, 2])), f / sr, abs(f) / sr,
                  segs[s, 4], w, out[lo:hi])
    return out


@numba.njit(cache=True, error_model="numpy")
def _osc_bank(waves, freqs, widths, start, sr, out):
    """Constant-frequency oscillators, one per row of `out` (k, n), for absolute samples
    [start, start + n): row j is exactly `_osc_segments` of (waves[j], freqs[j],
    widths[j]) with one segment of origin 0 (an engine batch; see Graph._schedule)."""
    w = np.empty(1)
    for j in range(out.shape[0]):
        f = freqs[j]
        w[0] = widths[j]
        _wave_run(waves[j], float(start), f / sr, abs(f) / sr, 0.0, w, out[j])
    return out


SUM_TILE = 512  # frames per tile of `_osc_bank_sum` (its scratch row stays in L1)


@numba.njit(cache=True, error_model="numpy")
def _osc_bank_sum(waves, freqs, widths, start, sr, out):
    """The sum of `_osc_bank`'s rows, ((row 0 + row 1) + row 2) + ..., into out (n,), without
    the (k, n) array: tile by tile, each row is made in a scratch tile and added. Every
    sample of every row is `_osc_bank`'s (its phase index start + t is the same integer)
    and the additions are in row order, so the bytes are those of the rows summed one by
    one (an add chain over the batch's outputs)."""
    n = out.shape[0]
    w = np.empty(1)
    tmp = np.empty(SUM_TILE)
    for t0 in range(0, n, SUM_TILE):
        m = min(SUM_TILE, n - t0)
        acc = out[t0:t0 + m]
        for j in range(waves.shape[0]):
            f = freqs[j]
            w[0] = widths[j]
            dst = acc if j == 0 else tmp[:m]
            _wave_run(waves[j], float(start + t0), f / sr, abs(f) / sr, 0.0, w, dst)
            if j > 0:
                for i in range(m):
                    acc[i] += dst[i]
    return out


@numba.njit(cache=True, error_model="numpy")
def _seg_phase(start, segs, sr, out):
    """The phase alone (cycles, [0, 1)) over `_osc_segments` rows, 0 Hz rows included."""
    for s in range(segs.shape[0]):
        lo = int(segs[s, 0]) - start
        hi = int(segs[s, 1]) - start
        k0 = float(int(segs[s, 0]) - int(segs[s, 2]))
        step = segs[s, 3] / sr
        ph0 = segs[s, 4]
        o = out[lo:hi]
        for i in range(hi - lo):
            o[i] = _phase1(k0, i, step, ph0)
    return out


@numba.njit(cache=True)
def _fm_kernel(pc, pm, index, out):
    """sin(2π pc + index · sin(2π pm)) per sample; index: length 1 or len(out)."""
    ni = index.shape[0]
    for i in range(out.shape[0]):
        out[i] = np.sin(TWO_PI * pc[i] + index[i if ni > 1 else 0] * np.sin(TWO_PI * pm[i]))
    return out


@numba.njit(cache=True, error_model="numpy")
def _osc_phases(wave, phase, inc, width, out):
    """Oscillator output from per-sample phase and increment arrays (audio-rate frequency)."""
    nw = width.shape[0]
    for i in range(out.shape[0]):
        ph = phase[i]
        ic = min(inc[i], 0.5)
        if wave == SAW:
            out[i] = 2.0 * ph - 1.0 - 2.0 * _blep_v(ph, 0.0, ic)
        elif wave == SINE:
            out[i] = np.sin(TWO_PI * ph)
        elif wave == TRI:
            q = ph + 0.25
            q -= np.floor(q)
            naive = 1.0 - 4.0 * abs(q - 0.5)
            out[i] = naive + 8.0 * inc[i] * (_blamp1(ph, 0.75, ic) - _blamp1(ph, 0.25, ic))
        else:
            out[i] = _pulse1(ph, ic, width[i if nw > 1 else 0])
    return out


# --------------------------------------------------------------------------------------------
# Oscillator nodes
# --------------------------------------------------------------------------------------------


_HALF = np.array([0.5])


class _Osc(Node):
    channels = 1
    wave = staticmethod(_sine)  # the numpy reference
    code = SINE  # the kernel's waveform

    def __init__(self, node_id, params, graph):
        super().__init__(node_id, params, graph)
        self.phasor = _Phasor(params.get("freq", self.default("freq")))
        self.state_class = self.phasor.state_class
        self._bank = None  # (members, waves, freqs, widths) of the batch this node leads

    def reset(self, start: int) -> None:
        self.phasor.reset()

    def width(self, block: Block, args: dict) -> np.ndarray:
        return _HALF

    def batch_key(self):
        """Constant frequency and width: batched into one `_osc_bank` call per block."""
        consts = all(isinstance(self.params.get(p, 0.5), (int, float)) for p in ("freq", "width"))
        return "const" if consts else None

    @staticmethod
    def _bank_consts(items: list) -> tuple:
        """(waves, freqs, widths) of a batch, computed once (kept by its first node)."""
        lead = items[0][0]
        nodes = [node for node, _ in items]
        if lead._bank is None or lead._bank[0] != nodes:
            waves = np.array([node.code for node in nodes], np.int64)
            freqs = np.array([float(args.get("freq", node.default("freq"))) for node, args in items])
            widths = np.array([float(args.get("width", node.default("width"))) if node.code == PULSE else 0.5
                               for node, args in items])
            lead._bank = (nodes, waves, freqs, widths)
        return lead._bank[1:]

    @staticmethod
    def process_batch(block: Block, items: list) -> list:
        waves, freqs, widths = _Osc._bank_consts(items)
        out = _osc_bank(waves, freqs, widths, block.start, float(block.sr),
                        np.empty((len(items), block.n)))
        return row_views(out)

    @staticmethod
    def process_batch_sum(block: Block, items: list) -> np.ndarray:
        """The members' outputs summed in order, (1, n) (an add chain over them; see
        Graph._fuse_sums), in one `_osc_bank_sum` call."""
        waves, freqs, widths = _Osc._bank_consts(items)
        out = np.empty((1, block.n))
        _osc_bank_sum(waves, freqs, widths, block.start, float(block.sr), out[0])
        return out

    def process(self, block: Block, args: dict) -> np.ndarray:
        freq = args.get("freq", self.default("freq"))
        width = self.width(block, args)
        out = np.empty((1, block.n))
        if isinstance(freq, (int, float)):  # one run from the origin, phase 0 there
            f = float(freq)
            _wave_run(self.code, float(block.start), f / block.sr, abs(f) / block.sr, 0.0,
                      width, out[0])
            return out
        segs = self.phasor.segments(block, freq)
        if segs is None:
            phase, inc, _ = self.phasor.block(block, freq)
            _osc_phases(self.code, phase, inc, width, out[0])
        else:
            _osc_segments(self.code, block.start, segs, float(block.sr), width, out[0])
        return out

    def reference(self, block: Block, args: dict) -> np.ndarray:
        """The vectorized numpy form (`_saw` etc.): the slow reference of `process`."""
        phase, inc, silent = self.phasor.block(block, args.get("freq", self.default("freq")))
        w = self.width(block, args)
        y = self.wave(phase, inc, w[0] if w.shape[0] == 1 else w)
        if silent is not None:
            y[silent] = 0.0
        return y[None, :]


def _freq_param(doc="frequency; a pattern steps it, a signal modulates it"):
    return Param("freq", 1.0, "Hz", (-30000.0, 30000.0), "signal", doc)


@register_node
class Sine(_Osc):
    kind = "sine"
    wave = staticmethod(_sine)
    code = SINE


@register_node
class Saw(_Osc):
    kind = "saw"
    wave = staticmethod(_saw)
    code = SAW


@register_node
class Square(_Osc):
    kind = "square"
    wave = staticmethod(_square)
    code = SQUARE


@register_node
class Tri(_Osc):
    kind = "tri"
    wave = staticmethod(_tri)
    code = TRI


@register_node
class Pulse(_Osc):
    kind = "pulse"
    wave = staticmethod(_pulse)
    code = PULSE

    def width(self, block, args):
        w = args.get("width", self.default("width"))
        if isinstance(w, (int, float)):
            return np.array([float(w)])
        return np.ascontiguousarray(as_control(w, block), dtype=np.float64)


@register_node
class FM(Node):
    """Two-operator phase modulation: sin(2π φc + index · sin(2π φm))."""

    kind = "fm"
    channels = 1

    def __init__(self, node_id, params, graph):
        super().__init__(node_id, params, graph)
        self.carrier = _Phasor(params.get("carrier", self.default("carrier")))
        self.mod = _Phasor(params.get("modfreq", self.default("modfreq")))
        seek = self.carrier.state_class == SEEKABLE and self.mod.state_class == SEEKABLE
        self.state_class = SEEKABLE if seek else HISTORY

    def reset(self, start: int) -> None:
        self.carrier.reset()
        self.mod.reset()

    def process(self, block: Block, args: dict) -> np.ndarray:
        pc, silent = self.carrier.phase(block, args.get("carrier", self.default("carrier")))
        pm, _ = self.mod.phase(block, args.get("modfreq", self.default("modfreq")))
        index = args.get("index", self.default("index"))
        index = np.array([float(index)]) if isinstance(index, (int, float)) else \
            np.ascontiguousarray(as_control(index, block), dtype=np.float64)
        y = _fm_kernel(pc, pm, index, np.empty(block.n))
        if silent is not None:
            y[silent] = 0.0
        return y[None, :]

    def reference(self, block: Block, args: dict) -> np.ndarray:
        """The numpy form: the slow reference of `process`."""
        pc, _, silent = self.carrier.block(block, args.get("carrier", self.default("carrier")))
        pm, _, _ = self.mod.block(block, args.get("modfreq", self.default("modfreq")))
        index = args.get("index", self.default("index"))
        index = float(index) if isinstance(index, (int, float)) else as_control(index, block)
        y = np.sin(TWO_PI * pc + index * np.sin(TWO_PI * pm))
        if silent is not None:
            y[silent] = 0.0
        return y[None, :]


_WAVE_DOCS = {
    "sine": ("Sine oscillator. Bare `sine` is a 1 Hz LFO.", "~lfo: sine 0.25\nout: sine \"220 330\" * 0.2"),
    "saw": ("Bandlimited (PolyBLEP) sawtooth, rising from -1 to 1. Bare `saw` is a 1 Hz LFO.",
            "out: saw \"55 82.5 110\" # lpf 1000 0.8 * 0.3"),
    "square": ("Bandlimited (PolyBLEP) square wave. Bare `square` is a 1 Hz LFO.",
               "out: square 110 # lpf 2000 * 0.2"),
    "tri": ("Bandlimited (PolyBLAMP) triangle wave, starting at 0 and rising like a sine. "
            "Bare `tri` is a 1 Hz LFO.", "out: tri \"220 330 440\" * 0.3"),
}

for _name, (_doc, _ex) in _WAVE_DOCS.items():
    declare(_name, "oscillator", [_freq_param()],
            doc=_doc + " A rest in a frequency pattern holds the previous pitch, so an "
                       "envelope's release rings on.",
            example=_ex, chainable=False)

declare("pulse", "oscillator",
        [_freq_param(),
         Param("width", 0.5, "", (0.0, 1.0), "signal", "duty cycle: the fraction of the period at +1")],
        doc="Bandlimited (PolyBLEP) pulse wave with variable width; modulate the width for PWM.",
        example="out: pulse 110 (sine 0.5 * 0.4 + 0.5) # lpf 1500 * 0.2", chainable=False)

declare("fm", "oscillator",
        [Param("carrier", 440.0, "Hz", (-30000.0, 30000.0), "signal", "carrier frequency"),
         Param("modfreq", 220.0, "Hz", (-30000.0, 30000.0), "signal", "modulator frequency"),
         Param("index", 1.0, "", (-100.0, 100.0), "signal", "modulation index (radians of phase)")],
        doc="Two-operator FM (phase modulation): sin(2π·carrier·t + index·sin(2π·modfreq·t)). "
            "Seekable unless a frequency is an audio-rate signal.",
        example="out: fm 220 110 (sine 0.25 * 2 + 2) * 0.2", chainable=False)


# --------------------------------------------------------------------------------------------
# Noise
# --------------------------------------------------------------------------------------------

_MASK64 = (1 << 64) - 1


@numba.njit(cache=True)
def _white_kernel(key, start, n):
    out = np.empty(n)
    for i in range(n):
        out[i] = primitives.noise(np.uint64(start + i), key)  # the synths' noise, one formula
    return out


def _ref_splitmix64(z: int) -> int:
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def _noise_key(seed: int, node_id: int) -> int:
    """A 64-bit stream key from (seed, node id)."""
    k = _ref_splitmix64((int(seed) * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) & _MASK64)
    return _ref_splitmix64((k ^ (int(node_id) * 0xD1B54A32D192ED03)) & _MASK64)


def white(key: int, start: int, n: int) -> np.ndarray:
    """Uniform white noise in [-1, 1) for absolute samples [start, start + n): a pure function."""
    return _white_kernel(np.uint64(key), np.int64(start), np.int64(n))


def _ref_white(key: int, n_abs: int) -> float:
    z = _ref_splitmix64((n_abs * 0x9E3779B97F4A7C15 + key) & _MASK64)
    return (z >> 11) * (2.0 / 9007199254740992.0) - 1.0


class _NoiseBase(Node):
    channels = 1

    def __init__(self, node_id, params, graph):
        super().__init__(node_id, params, graph)
        self.key = _noise_key(graph.seed, node_id)


@register_node
class Noise(_NoiseBase):
    kind = "noise"
    state_class = SEEKABLE

    def process(self, block: Block, args: dict) -> np.ndarray:
        return white(self.key, block.start, block.n)[None, :]


# Paul Kellett's refined pink filter ("pink noise generation", music-dsp archive, 2000):
# six one-pole lowpasses plus a direct term, within ±0.05 dB of -3 dB/oct above 9.2 Hz at
# 44.1 kHz. Poles are moved for other rates (p' = p ** (44100 / sr)) to keep their corners.
_PINK_POLES = np.array([0.99886, 0.99332, 0.96900, 0.86650, 0.55000, -0.7616])
_PINK_GAINS = np.array([0.0555179, 0.0750759, 0.1538520, 0.3104856, 0.5329522, -0.0168980])
_PINK_DIRECT = 0.5362
_PINK_LAST = 0.115926
_PINK_SCALE = 0.11  # brings the sum to about ±1


def _pink_poles(sr: int) -> np.ndarray:
    r = 44100.0 / sr  # Python floats: libm's pow, not numpy's CPU-dispatched loop
    return np.array([float(q) ** r for q in _PINK_POLES[:5]] + [float(_PINK_POLES[5])])


@numba.njit(cache=True)
def _pink_kernel(w, poles, gains, state):
    """y = 0.11 * (sum of one-poles b_k + 0.5362 w + b6); state = [b0..b5, b6], updated."""
    n = w.shape[0]
    y = np.empty(n)
    for i in range(n):
        x = w[i]
        acc = 0.0
        for k in range(6):
            state[k] = poles[k] * state[k] + gains[k] * x
            acc += state[k]
        y[i] = _PINK_SCALE * (acc + state[6] + _PINK_DIRECT * x)
        state[6] = _PINK_LAST * x
    return y


def _ref_pink(w, poles, gains, state):
    y = []
    for x in w:
        acc = 0.0
        for k in range(6):
            state[k] = poles[k] * state[k] + gains[k] * x
            acc += state[k]
        y.append(_PINK_SCALE * (acc + state[6] + _PINK_DIRECT * x))
        state[6] = _PINK_LAST * x
    return np.array(y)


@register_node
class Pink(_NoiseBase):
    kind = "pink"
    state_class = FADING

    def __init__(self, node_id, params, graph):
        super().__init__(node_id, params, graph)
        self.poles = _pink_poles(graph.sr)
        self.state = np.zeros(7)

    def tail_seconds(self) -> float:
        # The slowest pole decays by FADE_FLOOR within LN_FADE / -ln(p) samples.
        return LN_FADE / -math.log(self.poles[0]) / self.graph.sr

    def reset(self, start: int) -> None:
        self.state = np.zeros(7)

    def process(self, block: Block, args: dict) -> np.ndarray:
        w = white(self.key, block.start, block.n)
        return _pink_kernel(w, self.poles, _PINK_GAINS, self.state)[None, :]


BROWN_CORNER_HZ = 5.0  # leak: below this the spectrum flattens (no DC drift)
BROWN_STD = 0.2  # output standard deviation


@numba.njit(cache=True)
def _leaky_kernel(x, pole, gain, state):
    """y[i] = pole * y[i-1] + gain * x[i]; state = [y[-1]], updated."""
    n = x.shape[0]
    y = np.empty(n)
    s = state[0]
    for i in range(n):
        s = pole * s + gain * x[i]
        y[i] = s
    state[0] = s
    return y


def _ref_leaky(x, pole, gain, state):
    y = []
    s = state[0]
    for v in x:
        s = pole * s + gain * v
        y.append(s)
    state[0] = s
    return np.array(y)


@register_node
class Brown(_NoiseBase):
    kind = "brown"
    state_class = FADING

    def __init__(self, node_id, params, graph):
        super().__init__(node_id, params, graph)
        self.pole = math.exp(-TWO_PI * BROWN_CORNER_HZ / graph.sr)
        # White noise uniform in [-1, 1) has variance 1/3; the one-pole's output variance is
        # gain^2 / 3 / (1 - pole^2).
        self.gain = BROWN_STD * math.sqrt(3.0 * (1.0 - self.pole ** 2))
        self.state = np.zeros(1)

    def tail_seconds(self) -> float:
        return LN_FADE / (TWO_PI * BROWN_CORNER_HZ)

    def reset(self, start: int) -> None:
        self.state = np.zeros(1)

    def process(self, block: Block, args: dict) -> np.ndarray:
        w = white(self.key, block.start, block.n)
        return _leaky_kernel(w, self.pole, self.gain, self.state)[None, :]


declare("noise", "oscillator", [],
        doc="White noise, uniform in -1..1. Counter-based: a hash of (seed, node, sample), so "
            "the same seed renders the same bytes on any number of workers.",
        example="out: noise # bpf 2000 4 * 0.2", chainable=False)
declare("pink", "oscillator", [],
        doc="Pink noise (-3 dB/octave): Paul Kellett's filter over the white noise; about ±1.",
        example="out: pink * 0.3", chainable=False)
declare("brown", "oscillator", [],
        doc="Brown noise (-6 dB/octave above 5 Hz): leaky-integrated white noise, "
            "standard deviation 0.2.",
        example="out: brown * 0.5", chainable=False)
