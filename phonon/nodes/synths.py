"""SuperDirt-style synths triggered by patterns: `superkick "60 ~ 65 ~"`, `supersaw "<55 65.41>" 0.3 7`.

Like sample voices (phonon.nodes.voices), a synth voice is a pure function of its
event and the absolute sample index: every oscillator phase is computed in closed
form from the onset (superkick's exponential pitch sweep is integrated
analytically), noise is a counter-based hash of (event, sample), and the noise
colouring is FIR, so the nodes are *seekable* and bit-identical for every block size.

Triggering:
  * freq a pattern: each event starts a note at the event's frequency (`to_hz` of its
    value), held for the event's duration (the gate).
  * freq a constant: the sustained synths (supersaw, superpwm, superchip, superfm) are
    one continuous drone that never ends; the percussive ones (superkick, supersnare,
    superhat) hit once per cycle.
  Other parameters are constants or patterns sampled at each note's onset.

Sustained synths fade in and out over XFADE_S (5 ms) at note boundaries, so
back-to-back notes (`supersaw "<55 65.41 73.42 49>"`) crossfade without clicks.
Percussive synths ignore the gate: their length is their decay (`sustain`/`decay`).
Output is mono.

These are Phonon's signal-style synths (a node per pattern). In the event path, `s "superkick"`
(`note "c e" # s "supersaw"`) plays the SuperDirt-modeled voices of
phonon.nodes.superdirt_synths instead, with every per-event control.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numba
import numpy as np

from ..registry import Param, declare
from .base import PatternInput, register_node
from .primitives import blep as _blep, noise as _noise, saw as _saw
from .voices import NEVER, EventVoiceNode

XFADE_S = 0.005
HAT_RATIOS = np.array([1.0, 1.4845, 1.8004, 2.5462, 2.6304, 3.8968])  # TR-808 metal, / 205.3 Hz

# row fields
ONSET, END, GATE, FREQ, P1, P2, P3, P4, SEED, UID = range(10)
NFIELDS = 10


class _EveryCycle:
    """A pattern with one event per cycle holding `value` (constant-freq percussion)."""

    def __init__(self, value):
        self.value = value

    def query(self, b, e):
        out = []
        for c in range(math.floor(b), math.ceil(e)):
            whole = _Arc(Fraction(c), Fraction(c + 1))
            out.append(_Hap(whole, _Arc(max(whole.begin, Fraction(b)), min(whole.end, Fraction(e))),
                            self.value))
        return out


class _Arc:
    __slots__ = ("begin", "end")

    def __init__(self, begin, end):
        self.begin, self.end = begin, end


class _Hap:
    __slots__ = ("whole", "part", "value")

    def __init__(self, whole, part, value):
        self.whole, self.part, self.value = whole, part, value


class SynthNode(EventVoiceNode):
    """Shared machinery: event rows, drone handling, per-note parameter sampling."""

    channels = 1
    nfields = NFIELDS
    uid_col = UID
    percussive = False
    extra: tuple = ()  # names of the params after freq, in row order P1..P4

    def __init__(self, node_id, params, graph):
        super().__init__(node_id, params, graph)
        f = params.get("freq")
        if not isinstance(f, (PatternInput, float, int)):
            raise TypeError(f"{self.kind}: freq must be a constant or a pattern, got {f!r}")
        self._trigger = None
        self._drone = None
        if isinstance(f, PatternInput):
            self._trigger = f
        elif self.percussive:
            self._trigger = PatternInput(_EveryCycle(float(f)), graph)
        else:
            self._drone = float(f)
        self._xf = max(1, int(round(XFADE_S * graph.sr)))
        self._longest = 0

    def _pattern(self):
        return self._trigger

    def _bound(self) -> int:
        return self._longest + 1

    def _param_at(self, name: str, onset: int) -> float:
        v = self.params.get(name)
        if isinstance(v, PatternInput):
            seg = v.segments(onset, onset + 1)[0]
            return v.number(seg.value) if seg.value is not None else self.default(name)
        if isinstance(v, np.ndarray) or v is None:
            return self.default(name)
        return float(v)


    def _length(self, row) -> int:
        """Voice length in samples (from onset) for a row whose gate is set."""
        return int(row[GATE] - row[ONSET]) + self._xf

    def _row(self, onset: int, gate: float, freq: float) -> list:
        ps = [self._param_at(p, max(onset, 0)) for p in self.extra]
        ps += [0.0] * (4 - len(ps))
        row = [float(onset), 0.0, gate, freq] + ps + [float(onset & 0x7FFFFFFF), 0.0]
        row[END] = row[ONSET] + self._length(row) if gate < NEVER else NEVER
        return row

    def _rows(self, events) -> np.ndarray:
        pi = self._trigger
        rows = []
        for ev in events:
            f = pi.number(ev.value)
            if not f > 0.0:
                continue
            row = self._row(ev.onset, float(ev.end), f)
            self._longest = max(self._longest, int(row[END] - row[ONSET]))
            rows.append(row)
        return np.array(rows, dtype=np.float64) if rows else np.zeros((0, NFIELDS))

    def reset(self, start: int) -> None:
        if self._drone is None:
            return super().reset(start)
        self._pending = np.zeros((0, NFIELDS))
        self._active = np.array([self._row(0, NEVER, self._drone)]) if self._drone > 0 else self._pending
        self._next_cycle = 1 << 62  # nothing to gather
        self._pos = start

    def _start_of(self, c: int) -> int:
        if c >= 1 << 62:
            return 1 << 62
        return super()._start_of(c)

    def _render(self, block, rows, out) -> None:
        self.kernel(rows, block.start, block.n, float(self.graph.sr), float(self._xf), out[0])


# ================================================================================================
# Kernels (one per synth; voices outer, samples inner: the same sum order for every block size)
# ================================================================================================

@numba.njit(cache=True, inline="always")
def _gate_env(i, onset, gate, xf):
    """Sustained-synth envelope: linear xf-sample attack, hold, linear xf release after gate."""
    t = i - onset
    env = 1.0 if t >= xf else t / xf
    if i >= gate:
        env *= 1.0 - (i - gate) / xf
    return env


@numba.njit(cache=True, inline="always")
def _span(V, v, start, n):
    lo = max(np.int64(V[v, ONSET]), start)
    hi = min(V[v, END], float(start + n))
    return lo, np.int64(hi) if hi < 9e17 else start + n


@numba.njit(cache=True)
def _k_superkick(V, start, n, sr, xf, out):
    tau = 0.03
    for v in range(V.shape[0]):
        lo, hi = _span(V, v, start, n)
        onset = V[v, ONSET]
        f, k, sus, noise, seed = V[v, FREQ], 8.0 * V[v, P1], V[v, P2], V[v, P3], V[v, SEED]
        for i in range(lo, hi):
            t = (i - onset) / sr
            u = t / sus
            ph = f * (t + k * tau * (1.0 - math.exp(-t / tau)))
            amp = (1.0 - u) * (1.0 - u) * math.exp(-2.0 * u)
            click = noise * _noise(seed, i - onset) * math.exp(-t / 0.003)
            out[i - start] += 0.9 * amp * math.sin(2.0 * math.pi * (ph - math.floor(ph))) + click


@numba.njit(cache=True)
def _k_supersnare(V, start, n, sr, xf, out):
    for v in range(V.shape[0]):
        lo, hi = _span(V, v, start, n)
        onset = V[v, ONSET]
        f, dec, noise, seed = V[v, FREQ], V[v, P1], V[v, P2], V[v, SEED]
        tau = 0.01
        for i in range(lo, hi):
            j = i - onset
            t = j / sr
            u = t / dec
            ph = f * (t + 0.5 * tau * (1.0 - math.exp(-t / tau)))
            tone = math.sin(2.0 * math.pi * (ph - math.floor(ph))) * (1.0 - u) ** 4
            nz = _noise(seed, j) - (_noise(seed, j - 1) if j > 0 else 0.0)  # first difference: bright
            out[i - start] += (1.0 - noise) * 0.8 * tone + noise * 0.45 * nz * (1.0 - u) ** 2


@numba.njit(cache=True)
def _k_superhat(V, start, n, sr, xf, out):
    for v in range(V.shape[0]):
        lo, hi = _span(V, v, start, n)
        onset = V[v, ONSET]
        f, dec, seed = V[v, FREQ], V[v, P1], V[v, SEED]
        for i in range(lo, hi):
            j = i - onset
            acc = 0.0
            for d in range(3):  # second difference (high-pass FIR 1 -2 1) of metal + noise
                jj = j - d
                if jj < 0:
                    break
                tt = jj / sr
                metal = 0.0
                for r in range(HAT_RATIOS.shape[0]):
                    p = f * HAT_RATIOS[r] * tt
                    metal += 1.0 if p - math.floor(p) < 0.5 else -1.0
                x = metal / 6.0 + _noise(seed, jj)
                acc += x * (-2.0 if d == 1 else 1.0)
            u = j / sr / dec
            out[i - start] += 0.22 * acc * (1.0 - u) ** 3


@numba.njit(cache=True)
def _k_supersaw(V, start, n, sr, xf, out):
    for v in range(V.shape[0]):
        lo, hi = _span(V, v, start, n)
        onset, gate = V[v, ONSET], V[v, GATE]
        f, det, nv = V[v, FREQ], V[v, P1], max(1, np.int64(V[v, P2]))
        scale = 0.5 / math.sqrt(nv)
        for k in range(nv):
            d = (2.0 * k / (nv - 1) - 1.0) if nv > 1 else 0.0
            inc = f * 2.0 ** (det * d / 12.0) / sr
            ph0 = 0.5 * (_noise(0x5A5A, k) + 1.0)  # start phase: a hash of the voice index
            for i in range(lo, hi):
                ph = ph0 + inc * (i - onset)
                ph -= math.floor(ph)
                out[i - start] += scale * _gate_env(i, onset, gate, xf) * _saw(ph, inc)


@numba.njit(cache=True)
def _k_superpwm(V, start, n, sr, xf, out):
    for v in range(V.shape[0]):
        lo, hi = _span(V, v, start, n)
        onset, gate = V[v, ONSET], V[v, GATE]
        f, width, rate, depth = V[v, FREQ], V[v, P1], V[v, P2], V[v, P3]
        inc = f / sr
        for i in range(lo, hi):
            t = i - onset
            w = width + 0.5 * depth * math.sin(2.0 * math.pi * rate * t / sr)
            w = min(max(w, 0.02), 0.98)
            ph = inc * t
            ph -= math.floor(ph)
            ph2 = ph - w
            ph2 -= math.floor(ph2)
            y = _saw(ph, inc) - _saw(ph2, inc) - (2.0 * w - 1.0)
            out[i - start] += 0.45 * _gate_env(i, onset, gate, xf) * y


@numba.njit(cache=True)
def _k_superchip(V, start, n, sr, xf, out):
    vib_rate = 6.0
    for v in range(V.shape[0]):
        lo, hi = _span(V, v, start, n)
        onset, gate = V[v, ONSET], V[v, GATE]
        f, width, vib = V[v, FREQ], min(max(V[v, P1], 0.02), 0.98), 2.0 ** (V[v, P2] / 12.0) - 1.0
        w2 = 2.0 * math.pi * vib_rate
        for i in range(lo, hi):
            t = (i - onset) / sr
            ph = f * t + f * vib * (1.0 - math.cos(w2 * t)) / w2  # exact integral of the vibrato
            ph -= math.floor(ph)
            inc = f * (1.0 + vib * math.sin(w2 * t)) / sr
            ph2 = ph - width
            ph2 -= math.floor(ph2)
            y = _saw(ph, inc) - _saw(ph2, inc) - (2.0 * width - 1.0)
            out[i - start] += 0.4 * _gate_env(i, onset, gate, xf) * y


@numba.njit(cache=True)
def _k_superfm(V, start, n, sr, xf, out):
    for v in range(V.shape[0]):
        lo, hi = _span(V, v, start, n)
        onset, gate = V[v, ONSET], V[v, GATE]
        f, ratio, index = V[v, FREQ], V[v, P1], V[v, P2]
        for i in range(lo, hi):
            t = (i - onset) / sr
            pc = f * t
            pm = f * ratio * t
            idx = index * (0.4 + 0.6 * math.exp(-t / 0.4))
            y = math.sin(2.0 * math.pi * (pc - math.floor(pc))
                         + idx * math.sin(2.0 * math.pi * (pm - math.floor(pm))))
            out[i - start] += 0.5 * _gate_env(i, onset, gate, xf) * y


# ================================================================================================
# Node kinds and declarations
# ================================================================================================

def _percussive_length(param_index: int):
    def length(self, row) -> int:
        return max(1, int(round(row[param_index] * self.graph.sr)))
    return length


def _make(name: str, kernel, extra_params: list, doc: str, example: str, percussive: bool,
          length_param: int = 0):
    attrs = {"kind": name, "kernel": staticmethod(kernel), "percussive": percussive,
             "extra": tuple(p.name for p in extra_params), "__doc__": doc}
    if percussive:
        attrs["_length"] = _percussive_length(length_param)
    cls = type(f"Synth_{name}", (SynthNode,), attrs)
    register_node(cls)
    freq = Param("freq", unit="Hz", range=(0.0, 24000.0), kind="number",
                 doc="note frequency; a pattern triggers one note per event, a constant "
                     + ("hits once per cycle" if percussive else "is a continuous drone"))
    declare(name=name, category="synth", node=name, chainable=False,
            params=[freq] + extra_params, doc=doc, example=example)
    return cls


SuperKick = _make(
    "superkick", _k_superkick,
    [Param("pitch_env", 0.5, range=(0.0, 4.0), kind="number",
           doc="depth of the downward pitch sweep (start = freq * (1 + 8*pitch_env))"),
     Param("sustain", 0.3, unit="s", range=(0.01, 4.0), kind="number", doc="length of the hit"),
     Param("noise", 0.1, range=(0.0, 1.0), kind="number", doc="level of the attack click")],
    """Kick drum: a sine whose pitch falls exponentially from freq*(1+8*pitch_env) to freq
(30 ms time constant, phase integrated exactly), a (1-u)^2 e^-2u decay over `sustain`
seconds and a noise click. Ignores the event length.""",
    'out: superkick "60 ~ 65 ~" 0.5 0.3', percussive=True, length_param=P2)

SuperSnare = _make(
    "supersnare", _k_supersnare,
    [Param("decay", 0.2, unit="s", range=(0.01, 4.0), kind="number", doc="length of the hit"),
     Param("noise", 0.6, range=(0.0, 1.0), kind="number", doc="noise versus tone balance")],
    """Snare drum: a short pitched body at freq (slight downward chirp) and bright
(first-differenced) noise, both decaying over `decay` seconds.""",
    'out: supersnare "~ 200 ~ 200"', percussive=True, length_param=P1)

SuperHat = _make(
    "superhat", _k_superhat,
    [Param("decay", 0.08, unit="s", range=(0.005, 2.0), kind="number", doc="length of the hit")],
    """Hi-hat: six square waves at the TR-808 metal ratios of freq (about 300-600 Hz gives the
classic sound) plus noise, high-passed by a second difference, decaying over `decay`.""",
    'out: superhat "400*8" 0.05', percussive=True, length_param=P1)

SuperSaw = _make(
    "supersaw", _k_supersaw,
    [Param("detune", 0.3, unit="semitones", range=(0.0, 12.0), kind="number",
           doc="the outermost voices are detuned by +-detune semitones, the others spread evenly"),
     Param("voices", 7, range=(1, 32), kind="number", doc="number of saw voices")],
    """JP-8000-style supersaw: `voices` PolyBLEP saws spread over +-detune semitones around
freq, with fixed start phases (a hash of the voice index), level 0.5/sqrt(voices).""",
    'out: supersaw "<55 65.41 73.42 49>" 0.3 7 # lpf 2000 0.7 * 0.3', percussive=False)

SuperPWM = _make(
    "superpwm", _k_superpwm,
    [Param("width", 0.5, range=(0.02, 0.98), kind="number", doc="pulse width (duty cycle)"),
     Param("rate", 0.5, unit="Hz", range=(0.0, 100.0), kind="number", doc="width LFO rate"),
     Param("depth", 0.4, range=(0.0, 1.0), kind="number", doc="width LFO depth (peak to peak)")],
    """Pulse-width-modulated PolyBLEP pulse: the width swings by `depth` around `width` at
`rate` Hz (LFO phase from the note onset).""",
    'out: superpwm "<110 98>" 0.5 0.3 0.6 * 0.4', percussive=False)

SuperChip = _make(
    "superchip", _k_superchip,
    [Param("width", 0.25, range=(0.02, 0.98), kind="number", doc="pulse width (12.5%, 25%, 50%)"),
     Param("vibrato", 0.0, unit="semitones", range=(0.0, 12.0), kind="number",
           doc="6 Hz vibrato depth")],
    """Chiptune voice: a narrow PolyBLEP pulse with an optional 6 Hz vibrato (exact phase).""",
    'out: superchip "c5 e5 g5 c6" 0.25 0.3 * 0.4', percussive=False)

SuperFM = _make(
    "superfm", _k_superfm,
    [Param("ratio", 2.0, range=(0.0, 32.0), kind="number", doc="modulator / carrier frequency"),
     Param("index", 1.0, range=(0.0, 50.0), kind="number",
           doc="modulation index at the onset (settles to 40% over ~0.4 s)")],
    """Two-operator FM (Chowning 1973): sin(carrier + index * sin(ratio * carrier)), the
index decaying from its value to 40% of it, so notes start bright.""",
    'out: superfm "<220 330>" 3 2 * 0.4', percussive=False)
