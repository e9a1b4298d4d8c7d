"""Synths by name in the event path: `note "c e g" # s "superpiano"`, `s "supersaw"`.

Each synth is modeled on its SuperDirt SynthDef (library/default-synths-extra.scd) and
rendered as a voice source inside the sampler's kernel (phonon.nodes.voices): its state
(phases, filter memories, decaying partial amplitudes) lives in the voice row and starts at
the onset, so synth voices are seekable exactly like sample voices. The voice then runs the
per-voice effects, SuperDirt's gate (amp * gain^4) and the pan (phonon.nodes.voice_fx).

Pitch is SuperDirt's: freq = midicps((note ? n) + 12 * octave), octave 5, so note 0 = C5 =
261.63 Hz; `speed` scales it and `accelerate` glides it linearly over the voice
(DirtFreqScale). Length (`sustain` S) is SuperDirt's: `sustain` seconds, else the event's
duration times `legato` (default 1). Each synth's own envelope is scaled to S (timeScale).

Where SuperDirt's SynthDef uses a UGen with no simple closed form, the model is simpler;
the differences are listed per synth. Strudel's basic oscillators (`sine sawtooth square
triangle`) use Strudel's default ADSR (0.001 s, 0.05 s, 0.6, 0.01 s release after S).
"""
from __future__ import annotations

import math

import numba
import numpy as np

from .primitives import blep as _blep, hash01 as _hash01, saw as _saw
from .voice_fx import (ACC, DECAY, FREQ, NFIELDS, NRAW, P1, P2, S_SYN, SEED, SPEED, STATE, SUS,
                       VEL, VOICE)

# name -> (id, doc); ids index the kernel's dispatch
SYNTHS = {
    "superpiano": (1, "piano: inharmonic partials (stretch 0.1) with per-partial decays, brighter "
                      "with velocity (a model of MdaPiano), Env.linen(0.002, 0.996, 0.002) * sustain"),
    "superhammond": (2, "Hammond B3: nine drawbar sines with Wiltshire's foldback, drawbar presets "
                        "by `voice` 0..9 (no key click or vibrato allpass)"),
    "supersaw": (3, "three saws detuned by voice/50 plus a triangle an octave up, MoogFF ladder "
                    "swept by a triangle LFO (f/64), tanh * 2"),
    "supersquare": (4, "two pulses (width `voice`, the second an octave down), MoogFF swept by a "
                       "sine LFO, tanh * 2"),
    "superpwm": (5, "pulses multiplied by phase-shifted copies (shift grows to `voice` periods), "
                    "MoogFF swept by a sine LFO, tanh * 5"),
    "superchip": (6, "three square tones at f, 2f, 3f (the AY chip's voices; `voice` mutes them "
                     "as in SuperDirt), tanh * 2"),
    "superfm": (7, "SuperDirt's default 6-operator patch: six carriers at f with +-0.1 Hz detunes, "
                   "no modulation, -15 dB, operator attack 0.01 * sustain"),
    "superkick": (8, "kick: a sine at midicps(n - 25.5) (SuperDirt's n, not note) and a 1500 Hz "
                     "low-passed noise click of 0.02 * sustain, Env.linen(0.01, 0, 0.5) * sustain"),
    "supersnare": (9, "snare: a pulse at 100 Hz * (n/5+1) through a low-pass falling 1030 -> 30 Hz, "
                      "band-passed noise over 0.2 * decay s, Env.linen(0.01, 0, 0.6) * sustain"),
    "superhat": (10, "hi-hat: white noise band-limited to f..3f, f = 2000 * (n/5+1), "
                     "Env.linen(0.01, 0, 0.3) * sustain"),
    "supertron": (11, "feedback PWM: two pulses at f +- (1 + detune) whose width follows their own "
                      "output through an RLPF at f/6.1, LeakDC, Env.linen(0.05, 0.85, 0.1) * sustain"),
    "sine": (12, "Strudel's sine oscillator"),
    "sawtooth": (13, "Strudel's sawtooth oscillator (band-limited)"),
    "square": (14, "Strudel's square oscillator (band-limited)"),
    "triangle": (15, "Strudel's triangle oscillator"),
}
STRUDEL = ("sine", "sawtooth", "square", "triangle")
# SuperDirt's defaults of `voice` per synth (0 where the SynthDef has none)
VOICE_DEFAULT = {"supersaw": 0.5, "supersquare": 0.5, "superpwm": 0.5}


def synth_id(name: str) -> int:
    got = SYNTHS.get(name)
    return got[0] if got else 0


# Hammond drawbar presets (SuperDirt's superhammond SelectX table)
_HAMMOND = np.array([
    [1, 4, 5, 4, 3, 1, 0, 0, 0], [0, 0, 8, 0, 4, 0, 0, 0, 0], [0, 7, 8, 1, 2, 0, 0, 0, 0],
    [0, 0, 7, 8, 8, 8, 8, 7, 2], [4, 0, 5, 5, 4, 5, 3, 3, 6], [8, 8, 5, 3, 2, 4, 5, 8, 8],
    [8, 8, 8, 0, 0, 0, 0, 0, 3], [8, 8, 8, 8, 8, 8, 8, 8, 8], [8, 0, 0, 0, 0, 0, 8, 8, 8],
    [0, 0, 8, 8, 0, 0, 0, 0, 0]], dtype=np.float64)
_HAMMOND_RATIOS = np.array([0.5, 1.4988, 1.0, 2.0, 2.9976, 4.0, 5.0409, 5.9953, 8.0])
_HAMMOND_DAMP = np.array([0, 0, 0, 0, 0, 0, 0.5, 1.0, 1.5])
_FM_DETUNE = np.array([0.0731, -0.0412, 0.0958, -0.0867, 0.0205, -0.0594])  # rand2(0.1), fixed
_SAW_PH = np.array([0.0, 0.37, 0.71])


@numba.njit(cache=True, inline="always")
def _pulse(ph, w, dt):
    ph2 = ph - w
    ph2 -= math.floor(ph2)
    return _saw(ph, dt) - _saw(ph2, dt)  # values 2w - 2 and 2w: zero mean, +-1 at w = 0.5


@numba.njit(cache=True, inline="always")
def _tri(ph):
    return 4.0 * abs(ph - 0.5) - 1.0


@numba.njit(cache=True, inline="always")
def _ladder(V, v, s, x, fc, k, sr):
    """Linear 4-pole Moog ladder with zero-delay feedback (Zavalishin, "The Art of VA Filter
    Design" 5.x; SC's MoogFF is the same structure after Fontana 2007). State V[v, s..s+3]."""
    g = math.tan(math.pi * min(fc, 0.45 * sr) / sr)
    G = g / (1.0 + g)
    s1, s2, s3, s4 = V[v, s], V[v, s + 1], V[v, s + 2], V[v, s + 3]
    S = (G * G * G * s1 + G * G * s2 + G * s3 + s4) / (1.0 + g)
    u = (x - k * S) / (1.0 + k * G * G * G * G)
    y = u
    vv = (y - s1) * G
    y = vv + s1
    s1 = y + vv
    vv = (y - s2) * G
    y = vv + s2
    s2 = y + vv
    vv = (y - s3) * G
    y = vv + s3
    s3 = y + vv
    vv = (y - s4) * G
    y = vv + s4
    s4 = y + vv
    V[v, s], V[v, s + 1], V[v, s + 2], V[v, s + 3] = s1, s2, s3, s4
    return y


@numba.njit(cache=True, inline="always")
def _butter(V, v, s, x, fc, sr, high):
    """SC's LPF/HPF (2nd-order Butterworth, bilinear), state V[v, s], V[v, s+1]."""
    fc = min(max(fc, 1.0), 0.49 * sr)
    if high:
        c = math.tan(math.pi * fc / sr)
    else:
        c = 1.0 / math.tan(math.pi * fc / sr)
    c2 = c * c
    s2c = math.sqrt(2.0) * c
    a0 = 1.0 / (1.0 + s2c + c2)
    b1 = (2.0 if high else -2.0) * (1.0 - c2) * a0
    b2 = -(1.0 - s2c + c2) * a0
    y1, y2 = V[v, s], V[v, s + 1]
    y0 = x + b1 * y1 + b2 * y2
    out = a0 * (y0 - 2.0 * y1 + y2) if high else a0 * (y0 + 2.0 * y1 + y2)
    V[v, s], V[v, s + 1] = y0, y1
    return out


@numba.njit(cache=True, inline="always")
def _linen(t, S, a, h, r, curve):
    """Env.linen(a, h, r) with timeScale S at t (all in samples); curve 0 = linear."""
    a *= S
    h *= S
    r *= S
    if t < a:
        p = t / a
        return p if curve == 0.0 else (1.0 - math.exp(curve * p)) / (1.0 - math.exp(curve))
    t -= a + h
    if t < 0.0:
        return 1.0
    if t >= r:
        return 0.0
    p = t / r
    return 1.0 - (p if curve == 0.0 else (1.0 - math.exp(curve * p)) / (1.0 - math.exp(curve)))


@numba.njit(cache=True, inline="always")
def _pairs_env(t, S, d):
    """supersaw/square/pwm: Env.pairs([[0,0],[0.05,1],[0.2,1-d],[0.95,1-d],[1,0]], -3) * S."""
    p = t / S
    if p >= 1.0:
        return 0.0
    e3 = 1.0 - math.exp(-3.0)
    if p < 0.05:
        return (1.0 - math.exp(-3.0 * p / 0.05)) / e3
    if p < 0.2:
        return 1.0 - d * (1.0 - math.exp(-3.0 * (p - 0.05) / 0.15)) / e3
    if p < 0.95:
        return 1.0 - d
    return (1.0 - d) * (1.0 - (1.0 - math.exp(-3.0 * (p - 0.95) / 0.05)) / e3)


@numba.njit(cache=True)
def synth_source(V, v, t0, m, buf, sr):
    """Voice v's synth output for voice times t0 .. t0+m (samples) into buf[:m]."""
    sid = np.int64(V[v, 5])  # SRC
    f0 = V[v, FREQ]
    sp = V[v, SPEED]
    acc = V[v, ACC]
    S = V[v, SUS]
    st = STATE + S_SYN
    voice = V[v, VOICE]
    seed = np.int64(V[v, SEED])
    for k in range(m):
        t = t0 + k
        f = f0 * sp * (1.0 + acc * min(t / S, 1.0))  # DirtFreqScale: Line over sustain
        dt = f / sr
        y = 0.0
        if sid == 1:  # superpiano
            ph = V[v, st]
            vel = V[v, VEL]
            env = _linen(t, S, 0.002, 0.996, 0.002, -3.0)
            npart = min(12, max(1, np.int64(9000.0 / max(f0, 1.0))))
            acc_y = 0.0
            for p in range(npart):
                kk = p + 1.0
                ratio = kk * math.sqrt(1.0 + 0.0004 * kk * kk)
                amp = V[v, st + 1 + p]
                if t == 0:
                    amp = math.exp(-kk * (0.9 - 0.5 * vel)) / kk
                q = ph * ratio
                acc_y += amp * math.sin(2.0 * math.pi * (q - math.floor(q)))
                tau = 1.2 * sr * (261.63 / max(f0, 20.0)) ** 0.5 / kk ** 0.7
                V[v, st + 1 + p] = amp * math.exp(-1.0 / tau)
            hammer = 1.0 if t > 0.003 * sr else 0.5 + 0.5 * t / (0.003 * sr)
            y = 0.5 * env * hammer * acc_y * (0.6 + 0.4 * vel)
            ph += dt
            V[v, st] = ph - math.floor(ph)
        elif sid == 2:  # superhammond
            ph = V[v, st]
            attrel = min(S / 2.0, 0.005 * sr)
            env = _linen(t, 1.0, attrel, S - 2.0 * attrel, attrel, 0.0)
            row = min(max(np.int64(voice + 0.5), 0), 9)
            tot = 0.0
            for d in range(9):
                tot += 2.0 ** (_HAMMOND[row, d] - _HAMMOND_DAMP[d] - 8.0)
            acc_y = 0.0
            for d in range(9):
                r = _HAMMOND_RATIOS[d]
                fd = f0 * r
                if fd < 63.0:
                    r *= 2.0
                if f0 * r > 6000.0:
                    r *= 0.5
                if f0 * r > 6000.0:
                    r *= 0.5
                q = ph * r + _hash01(77, d)
                acc_y += 2.0 ** (_HAMMOND[row, d] - _HAMMOND_DAMP[d] - 8.0) / tot * \
                    math.sin(2.0 * math.pi * (q - math.floor(q)))
            y = 0.5 * env * acc_y
            ph += dt
            V[v, st] = ph - math.floor(ph)
        elif sid == 3 or sid == 4 or sid == 5:  # supersaw / supersquare / superpwm
            res = V[v, P1]
            lf1 = min(f0 * sp * 10.0, 22000.0)
            lf2 = min(lf1 * 2.0, 22000.0)
            lph = V[v, st + 4]
            if sid == 3:
                x = 0.0
                for i in range(3):
                    fi = f * ((i - 1.0) * voice / 50.0 + 1.0)
                    q = V[v, st + i]
                    x += _saw(q, fi / sr)
                    q += fi / sr
                    V[v, st + i] = q - math.floor(q)
                q = V[v, st + 3]
                qq = q + voice / 4.0  # LFTri's iphase `voice` (0..4 = one cycle)
                x = 0.5 * x + 0.5 * _tri(qq - math.floor(qq))
                q += 2.0 * dt
                V[v, st + 3] = q - math.floor(q)
                lfo = _tri((lph + 0.125) - math.floor(lph + 0.125))
                fc = lf1 + (lfo + 1.0) * 0.5 * (lf2 - lf1)
                y = 2.0 * math.tanh(_ladder(V, v, st + 6, x, fc, res * 4.0, sr))
                lph += f0 * sp / 64.0 / sr
            elif sid == 4:
                w = min(max(voice, 0.0), 1.0)
                q1, q2 = V[v, st], V[v, st + 1]
                x = 0.7 * _pulse(q1, w, dt) + 0.3 * _pulse(q2, w, 0.5 * dt)
                q1 += dt
                q2 += 0.5 * dt
                V[v, st], V[v, st + 1] = q1 - math.floor(q1), q2 - math.floor(q2)
                lfo = math.sin(2.0 * math.pi * lph)
                fc = lf1 + (lfo + 1.0) * 0.5 * (lf2 - lf1)
                y = 2.0 * math.tanh(_ladder(V, v, st + 6, x, fc, res * 4.0, sr))
                lph += f0 * sp / 64.0 / sr
            else:
                q1, q2 = V[v, st], V[v, st + 1]
                sh = voice * min(t / S, 1.0)
                a = _pulse(q1, 0.5, dt)
                b = _pulse((q1 - sh) - math.floor(q1 - sh), 0.5, dt)
                sh2 = (0.1 + sh) * 0.5
                c = _pulse(q2, 0.5, 0.5 * dt)
                d = _pulse((q2 - sh2) - math.floor(q2 - sh2), 0.5, 0.5 * dt)
                x = 0.7 * a * b + 0.3 * c * d
                q1 += dt
                q2 += 0.5 * dt
                V[v, st], V[v, st + 1] = q1 - math.floor(q1), q2 - math.floor(q2)
                lfo = math.sin(2.0 * math.pi * lph)
                fc = lf1 + (lfo + 1.0) * 0.5 * (lf2 - lf1)
                y = 5.0 * math.tanh(_ladder(V, v, st + 6, x, fc, res * 4.0, sr))
                lph += f0 * sp / 32.0 / sr
            V[v, st + 4] = lph - math.floor(lph)
            y *= _pairs_env(t, S, V[v, DECAY])
        elif sid == 6:  # superchip
            q = V[v, st]
            va = 1.0 if voice < 0.5 else 0.0
            vb = 1.0 if (2.0 * voice) % 1.0 < 0.5 else 0.0
            vc = 1.0 if (4.0 * voice) % 1.0 < 0.5 else 0.0
            q2, q3 = 2.0 * q, 3.0 * q
            x = (va * _pulse(q, 0.5, dt) + vb * _pulse(q2 - math.floor(q2), 0.5, 2.0 * dt)
                 + vc * _pulse(q3 - math.floor(q3), 0.5, 3.0 * dt)) / 3.0
            y = 2.0 * math.tanh(0.5 * x) * _linen(t, S, 0.01, 0.98, 0.01, -1.0)
            q += dt
            V[v, st] = q - math.floor(q)
        elif sid == 7:  # superfm
            x = 0.0
            for i in range(6):
                q = V[v, st + i]
                x += math.sin(2.0 * math.pi * q)
                q += (f + _FM_DETUNE[i]) / sr
                V[v, st + i] = q - math.floor(q)
            openv = min(t / (0.01 * S), 1.0)
            y = x * openv * 0.17782794100389228 * _linen(t, S, 0.01, 0.98, 0.01, -3.0)
        elif sid == 8:  # superkick
            fk = 440.0 * 2.0 ** ((V[v, NRAW] - 25.5 - 69.0) / 12.0)
            q = V[v, st]
            y = math.sin(2.0 * math.pi * q)
            q += fk / sr
            V[v, st] = q - math.floor(q)
            cd = 0.02 * S * V[v, DECAY]
            if t < cd:
                fclick = 1500.0 * sp * (1.0 + acc * t / cd)
                nz = 2.0 * _hash01(seed, t) - 1.0
                y += _butter(V, v, st + 2, nz, fclick, sr, False) * (1.0 - t / cd)
            y *= _linen(t, S, 0.01, 0.0, 0.5, -3.0)
        elif sid == 9:  # supersnare
            nf = V[v, NRAW] / 5.0 + 1.0
            nf = nf - 1.5 * math.floor((nf - 0.5) / 1.5)  # wrap(0.5, 2)
            fs = 100.0 * sp * (1.0 + acc * min(t / S, 1.0)) * nf
            q = V[v, st]
            pl = _pulse(q, 0.5, fs / sr)
            q += fs / sr
            V[v, st] = q - math.floor(q)
            lc = 1030.0 - 1000.0 * min(t / (0.2 * S), 1.0)
            y = _butter(V, v, st + 2, pl, lc, sr, False)
            nd = 0.2 * V[v, DECAY] * sr
            if t < nd:
                nz = 2.0 * _hash01(seed, t) - 1.0
                h = _butter(V, v, st + 4, nz, 500.0, sr, True)
                # BPF(1500, rq 1): SC BPF recursion, coefficients from the fixed centre
                pf = 1500.0 * 2.0 * math.pi / sr
                c = 1.0 / math.tan(pf * 0.5)
                a0 = 1.0 / (1.0 + c)
                y1, y2 = V[v, st + 6], V[v, st + 7]
                y0 = h + c * 2.0 * math.cos(pf) * a0 * y1 + (1.0 - c) * a0 * y2
                V[v, st + 6], V[v, st + 7] = y0, y1
                y += a0 * (y0 - y2) * (1.0 - t / nd)
            y *= _linen(t, S, 0.01, 0.0, 0.6, -3.0)
        elif sid == 10:  # superhat
            nf = V[v, NRAW] / 5.0 + 1.0
            nf = nf - 1.5 * math.floor((nf - 0.5) / 1.5)
            fh = 2000.0 * sp * (1.0 + acc * min(t / S, 1.0)) * nf
            nz = 2.0 * _hash01(seed, t) - 1.0
            y = _butter(V, v, st + 2, _butter(V, v, st, nz, 3.0 * fh, sr, False), fh, sr, True)
            y *= _linen(t, S, 0.01, 0.0, 0.3, -3.0)
        elif sid == 11:  # supertron
            det = V[v, P2]
            prev = V[v, st + 6]
            fb = f0 * sp / 6.1
            pf = fb * 2.0 * math.pi / sr
            dd = math.tan(pf * 1.5 * 0.5)
            cc = (1.0 - dd) / (1.0 + dd)
            b1 = (1.0 + cc) * math.cos(pf)
            a0 = (1.0 + cc - b1) * 0.25
            y1, y2 = V[v, st + 2], V[v, st + 3]
            y0 = a0 * prev + b1 * y1 - cc * y2
            lp = y0 + 2.0 * y1 + y2
            V[v, st + 2], V[v, st + 3] = y0, y1
            w = min(max((lp + 1.0) * 0.5 * (1.0 - voice / 1.5), 0.0), 1.0)
            q1, q2 = V[v, st], V[v, st + 1]
            fa, fb2 = f + 1.0 + det, f - 1.0 - det
            x = _pulse(q1, w, fa / sr) + _pulse(q2, w, abs(fb2) / sr)
            q1 += fa / sr
            q2 += fb2 / sr
            V[v, st], V[v, st + 1] = q1 - math.floor(q1), q2 - math.floor(q2)
            xl, yl = V[v, st + 4], V[v, st + 5]
            yy = x - xl + 0.995 * yl  # LeakDC
            V[v, st + 4], V[v, st + 5] = x, yy
            V[v, st + 6] = yy
            y = yy * _linen(t, S, 0.05, 0.85, 0.1, 0.0)
        else:  # Strudel's oscillators: 12 sine, 13 sawtooth, 14 square, 15 triangle
            q = V[v, st]
            if sid == 12:
                x = math.sin(2.0 * math.pi * q)
            elif sid == 13:
                x = _saw(q, dt)
            elif sid == 14:
                x = _pulse(q, 0.5, dt)
            else:
                x = _tri((q + 0.25) - math.floor(q + 0.25))
            q += dt
            V[v, st] = q - math.floor(q)
            gate = V[v, P1]  # release starts here
            a, d = 0.001 * sr, 0.05 * sr
            if t < a:
                e = t / a
            elif t < a + d:
                e = 1.0 - 0.4 * (t - a) / d
            else:
                e = 0.6
            if t >= gate:
                e *= max(0.0, 1.0 - (t - gate) / V[v, P2])
            y = x * e
        buf[k] = y


@numba.njit(cache=True)
def _layout():
    """The voice-row layout as compiled into this file's cached kernels (see voice_fx)."""
    return NFIELDS, STATE
