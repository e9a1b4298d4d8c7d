"""SuperDirt's per-event effects, inside each voice (DESIGN.md "Events, voices and orbits").

Every voice of the sampler (phonon.nodes.voices) is one row of a float64 struct-of-arrays
table: its event's parameters, the effects' precomputed coefficients and the effects'
state. A voice's state starts at its onset and evolves sample by sample in one compiled
kernel, so a voice is the same whatever the block boundaries; a seek re-runs a stateful
voice from its onset (warm-up inside the voice), so the node stays *seekable*.

The chain follows SuperDirt's module order (synths/core-modules.scd, then the extras of
library/default-effects-extra.scd), each stage its SynthDef in synths/core-synths.scd:

  source -> vowel -> shape -> hcutoff (RHPF) -> bandf (BPF) -> crush -> coarse
         -> cutoff (RLPF) -> squiz -> djf -> envelope (attack/hold/release) -> gate -> gain, pan

(squiz and djf run before the envelope here, after it in SuperDirt: the envelope is one
multiplier with the gate.)

  vowel   dirt_vowel: five BPFs at the formants of the Vowel quark's counter-tenor register,
          amplitudes * resonance.linlin(0,1,50,200), rq / resonance.linlin(0,1,0.1,0.5),
          XFade2(dry, vowel, resonance.linlin(0,1,-0.5,1), level 0.25)
  shape   dirt_shape: k = 2s/(1-s), y = (1+k) x / (1 + k|x|)
  hpf     dirt_hpf: RHPF(hcutoff.clip(20, nyquist), rq = hresonance.linexp(0,1,1,0.001))
  bpf     dirt_bpf: BPF(bandf.clip(20, nyquist), rq = 1/max(1, bandq)) * max(bandq, 1)
  crush   dirt_crush: x.round(0.5 ** (crush - 1))
  coarse  dirt_coarse: Latch(x, Impulse(SampleRate / coarse)), when coarse > 1
  lpf     dirt_lpf: RLPF(cutoff.clip(20, nyquist), rq = resonance.linexp(0,1,1,0.001))
  env     dirt_envelope: Env.linen(attack, hold, release, curve -3), when attack or release
  squiz   Squiz(x, squiz): fragments between upward zero crossings played squiz times faster
  djf     dj-filter: RHPF(RLPF(x, djf.linexp(0,0.5,20,10000)), djf.linexp(0.5,1,20,10000))
  gate    dirt_gate: Env([0,1,1,0], [fadeIn, sustain, fadeTime], \\sin) * amp * gain^4

The filters are SuperCollider's RLPF/RHPF/BPF recursions (server/plugins/FilterUGens.cpp),
coefficients fixed per voice (SuperDirt sets them once per event).
"""
from __future__ import annotations

import math

import numba
import numpy as np

# -- the row layout ------------------------------------------------------------------------------
# These indices are compiled into the kernels of voices.py and superdirt_synths.py as constants.
# numba's cache keys on each kernel's own file, so after changing the layout, touch those files
# (or clear __pycache__) or their cached kernels keep the old indices; each of them has a
# `_layout()` kernel that tests compare with these values (tests/test_voice_fx.py).
_FIELDS = """ONSET END UID CUT CHOKE SRC STEREO OFF B0 E0 A0 DA SUS FIN FOUT GL GR
ATT HOLD REL HAS_ENV FX WARM FREQ SPEED ACC NRAW VOICE VEL DECAY SEED P1 P2
LP_A0 LP_B1 LP_B2 HP_A0 HP_B1 HP_B2 BP_A0 BP_B1 BP_B2 BP_G SHAPE CRUSH COARSE
VOW VOW_WET VOW_DRY DJ_LA0 DJ_LB1 DJ_LB2 DJ_HA0 DJ_HB1 DJ_HB2 SQUIZ SQ_SLOT""".split()
for _i, _f in enumerate(_FIELDS):
    globals()[_f] = _i
VOW_COEF = len(_FIELDS)          # 5 formants x (a0, b1, b2, amp)
STATE = VOW_COEF + 20            # effect and synth state from here
# state offsets (relative to STATE): two channels each where a stage is per channel
S_LP, S_HP, S_BP, S_DJL, S_DJH, S_VOW, S_CO, S_SYN = 0, 4, 8, 12, 16, 20, 40, 44
NSYN = 24
NFIELDS = STATE + S_SYN + NSYN

# FX bit flags (which stages a voice runs)
F_VOWEL, F_SHAPE, F_HPF, F_BPF, F_CRUSH, F_COARSE, F_LPF, F_DJF, F_SQUIZ = 1, 2, 4, 8, 16, 32, 64, 128, 256
STATEFUL = F_VOWEL | F_HPF | F_BPF | F_COARSE | F_LPF | F_DJF | F_SQUIZ
# Squiz's memory (SC's memlen 0.1 s at 44.1 kHz) per channel, and its state slots after it
SQ_MEM = 4410
SQ_CH = SQ_MEM + 8
SQ_WIDTH = 2 * SQ_CH

# Vowel quark (Florian Grond, after the Csound manual's formant table): counter-tenor register,
# (freqs Hz, amps dB, bandwidths Hz) per vowel; SuperDirt's default register.
VOWELS = {
    "a": ((660, 1120, 2750, 3000, 3350), (0, -6, -23, -24, -38), (80, 90, 120, 130, 140)),
    "e": ((440, 1800, 2700, 3000, 3300), (0, -14, -18, -20, -20), (70, 80, 100, 120, 120)),
    "i": ((270, 1850, 2900, 3350, 3590), (0, -24, -24, -36, -36), (40, 90, 100, 120, 120)),
    "o": ((430, 820, 2700, 3000, 3300), (0, -10, -26, -22, -34), (40, 80, 100, 120, 120)),
    "u": ((370, 630, 2750, 3000, 3400), (0, -20, -23, -30, -34), (40, 60, 100, 120, 120)),
}
VOWEL_NAMES = tuple(VOWELS)


# -- coefficients (Python's math: libm, the same on every CPU) ---------------------------------------

def linexp(x, a, b, c, d):
    """SuperCollider's linexp (clipped to the input range)."""
    x = min(max(x, a), b)
    return c * (d / c) ** ((x - a) / (b - a))


def linlin(x, a, b, c, d):
    x = min(max(x, a), b)
    return c + (x - a) / (b - a) * (d - c)


def rlpf_coefs(freq, rq, sr, high=False):
    """SC's RLPF/RHPF: (a0, b1, b2) of y0 = a0 x + b1 y1 + b2 y2, out = y0 +- 2 y1 + y2."""
    qres = max(0.001, rq)
    pfreq = freq * 2.0 * math.pi / sr
    d = math.tan(pfreq * qres * 0.5)
    c = (1.0 - d) / (1.0 + d)
    b1 = (1.0 + c) * math.cos(pfreq)
    b2 = -c
    a0 = (1.0 + c + b1) * 0.25 if high else (1.0 + c - b1) * 0.25
    return a0, b1, b2


def bpf_coefs(freq, rq, sr):
    """SC's BPF: (a0, b1, b2) of y0 = x + b1 y1 + b2 y2, out = a0 (y0 - y2)."""
    pfreq = freq * 2.0 * math.pi / sr
    pbw = rq * pfreq * 0.5
    c = 1.0 / math.tan(pbw)
    d = 2.0 * math.cos(pfreq)
    a0 = 1.0 / (1.0 + c)
    return a0, c * d * a0, (1.0 - c) * a0


def clip_freq(f, sr):
    return min(max(abs(f), 20.0), sr / 2.0)


def vowel_coefs(vowel: str, resonance: float, sr: int):
    """dirt_vowel's five formant BPFs: [(a0, b1, b2, amp)] * 5, wet and dry XFade2 gains."""
    freqs, dbs, bws = VOWELS[vowel]
    amp_k = linlin(resonance, 0, 1, 50, 200)
    rq_k = linlin(resonance, 0, 1, 0.1, 0.5)
    out = []
    for f, db, bw in zip(freqs, dbs, bws):
        f = min(f, sr / 2.0)
        a0, b1, b2 = bpf_coefs(f, (bw / f) / rq_k, sr)
        out.append((a0, b1, b2, 10.0 ** (db / 20.0) * amp_k))
    # XFade2(a, b, pan, level): equal power, a * cos((pan+1) pi/4), b * sin(...)
    pan = linlin(resonance, 0, 1, -0.5, 1)
    th = (pan + 1.0) * math.pi / 4.0
    return out, 0.25 * math.sin(th), 0.25 * math.cos(th)


def env_curve(pos: float, curve: float) -> float:
    """SC Env segment shape 0 -> 1 at pos in [0, 1] with a numeric curve (curve != 0)."""
    return (1.0 - math.exp(curve * pos)) / (1.0 - math.exp(curve))


# -- kernels ------------------------------------------------------------------------------------

@numba.njit(cache=True, inline="always")
def _rlpf(x, V, v, a0i, s, m, hp):
    """SC RLPF (hp False) / RHPF (hp True) over x[:m], state V[v, s], V[v, s+1]."""
    a0, b1, b2 = V[v, a0i], V[v, a0i + 1], V[v, a0i + 2]
    y1, y2 = V[v, s], V[v, s + 1]
    sgn = -2.0 if hp else 2.0
    for k in range(m):
        y0 = a0 * x[k] + b1 * y1 + b2 * y2
        x[k] = y0 + sgn * y1 + y2
        y2 = y1
        y1 = y0
    V[v, s], V[v, s + 1] = y1, y2


@numba.njit(cache=True, inline="always")
def _bpf(x, a0, b1, b2, V, v, s, m, g):
    """SC BPF over x[:m] scaled by g, state V[v, s], V[v, s+1]."""
    y1, y2 = V[v, s], V[v, s + 1]
    for k in range(m):
        y0 = x[k] + b1 * y1 + b2 * y2
        x[k] = a0 * (y0 - y2) * g
        y2 = y1
        y1 = y0
    V[v, s], V[v, s + 1] = y1, y2


@numba.njit(cache=True)
def apply_fx(V, v, x, ch, m, tmp):
    """Run voice v's effect chain on channel ch's samples x[:m] (in place)."""
    fx = np.int64(V[v, FX])
    st = STATE
    if fx & F_VOWEL:
        s = st + S_VOW + ch * 10
        for k in range(m):
            tmp[k] = 0.0
        for f in range(5):
            c = VOW_COEF + 4 * f
            a0, b1, b2, amp = V[v, c], V[v, c + 1], V[v, c + 2], V[v, c + 3]
            y1, y2 = V[v, s + 2 * f], V[v, s + 2 * f + 1]
            for k in range(m):
                y0 = x[k] + b1 * y1 + b2 * y2
                tmp[k] += a0 * (y0 - y2) * amp
                y2 = y1
                y1 = y0
            V[v, s + 2 * f], V[v, s + 2 * f + 1] = y1, y2
        wet, dry = V[v, VOW_WET], V[v, VOW_DRY]
        for k in range(m):
            x[k] = x[k] * dry + tmp[k] * wet
    if fx & F_SHAPE:
        kk = V[v, SHAPE]
        for k in range(m):
            x[k] = (1.0 + kk) * x[k] / (1.0 + kk * abs(x[k]))
    if fx & F_HPF:
        _rlpf(x, V, v, HP_A0, st + S_HP + 2 * ch, m, True)
    if fx & F_BPF:
        _bpf(x, V[v, BP_A0], V[v, BP_B1], V[v, BP_B2], V, v, st + S_BP + 2 * ch, m, V[v, BP_G])
    if fx & F_CRUSH:
        q = V[v, CRUSH]
        for k in range(m):
            x[k] = math.floor(x[k] / q + 0.5) * q
    if fx & F_COARSE:
        # Latch at an Impulse of rate SR / coarse: the impulse fires when its phase wraps
        inc = 1.0 / V[v, COARSE]
        ph = V[v, st + S_CO + 2]
        held = V[v, st + S_CO + ch]
        for k in range(m):
            if ph >= 1.0:
                ph -= 1.0
                held = x[k]
            x[k] = held
            ph += inc
        V[v, st + S_CO + ch] = held
        if ch == 0 and V[v, STEREO] == 0.0 or ch == 1:
            V[v, st + S_CO + 2] = ph
    if fx & F_LPF:
        _rlpf(x, V, v, LP_A0, st + S_LP + 2 * ch, m, False)


@numba.njit(cache=True)
def _squiz(x, pool, slot, ch, t0, m, ratio):
    """SC's Squiz (zcperchunk 1, memlen 0.1 s): the input is cut at its upward zero crossings
    and each fragment is played back `ratio` times faster, starting when the next fragment
    begins, with silence after it. The memory is a ring of SQ_MEM samples in pool[slot]."""
    b = ch * SQ_CH
    M = SQ_MEM
    if t0 == 0:
        for k in range(SQ_CH):
            pool[slot, b + k] = 0.0
        pool[slot, b + M + 2] = 1e300  # nothing to play yet
    mark = pool[slot, b + M]        # start of the fragment being recorded
    p_end = pool[slot, b + M + 1]   # end of the fragment being played
    pos = pool[slot, b + M + 2]     # play position (voice time of the recording)
    prev = pool[slot, b + M + 3]
    for k in range(m):
        t = t0 + k
        xin = x[k]
        pool[slot, b + t % M] = xin
        if prev <= 0.0 and xin > 0.0 and t > 0:
            p_start = max(mark, float(t - M + 1))
            p_end = float(t)
            pos = p_start
            mark = float(t)
        prev = xin
        y = 0.0
        if pos < p_end and t - pos < M:
            j = np.int64(pos)
            fr = pos - j
            y0 = pool[slot, b + j % M]
            y = y0 + fr * (pool[slot, b + (j + 1) % M] - y0) if j + 1 < p_end else y0
            pos += ratio
        x[k] = y
    pool[slot, b + M] = mark
    pool[slot, b + M + 1] = p_end
    pool[slot, b + M + 2] = pos
    pool[slot, b + M + 3] = prev


@numba.njit(cache=True)
def apply_post(V, v, x, ch, m, t0, pool):
    """The stages after the envelope (SuperDirt's extra modules): squiz, then djf."""
    if np.int64(V[v, FX]) & F_SQUIZ:
        _squiz(x, pool, np.int64(V[v, SQ_SLOT]), ch, t0, m, V[v, SQUIZ])
    if np.int64(V[v, FX]) & F_DJF:
        _rlpf(x, V, v, DJ_LA0, STATE + S_DJL + 2 * ch, m, False)
        _rlpf(x, V, v, DJ_HA0, STATE + S_DJH + 2 * ch, m, True)


@numba.njit(cache=True, inline="always")
def _sin_seg(pos):
    return 0.5 - 0.5 * math.cos(math.pi * pos)


@numba.njit(cache=True, inline="always")
def _curve3(pos):
    return (1.0 - math.exp(-3.0 * pos)) / (1.0 - math.exp(-3.0))


@numba.njit(cache=True)
def envelope(V, v, t0, m, env, fade):
    """The voice's amplitude envelope over voice time t0 .. t0+m (samples from the onset):
    dirt_envelope (when given) * dirt_gate's sine fades * the choke fade. Returns True when
    every value is exactly 1 (env left untouched)."""
    sus, fin, fout = V[v, SUS], V[v, FIN], V[v, FOUT]
    has_env = V[v, HAS_ENV] != 0.0
    choke = V[v, CHOKE] - V[v, ONSET]
    if (not has_env) and t0 >= fin and t0 + m <= sus - fout and t0 + m <= choke:
        return True
    att, hold, rel = V[v, ATT], V[v, HOLD], V[v, REL]
    for k in range(m):
        t = t0 + k
        e = 1.0
        if t < fin:
            e = _sin_seg(t / fin)
        elif t >= sus - fout:
            e = _sin_seg((sus - t) / fout) if t < sus else 0.0
        if has_env:
            if t < att:
                e *= _curve3(t / att)
            elif t >= att + hold:
                u = t - att - hold
                e *= (1.0 - _curve3(u / rel)) if u < rel else 0.0
        if t >= choke:
            e *= max(0.0, 1.0 - (t - choke) / fade)
        env[k] = e
    return False
