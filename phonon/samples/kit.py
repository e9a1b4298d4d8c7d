"""The built-in drum kit, synthesized on first use at the bank's sample rate.

Every sound is a closed-form function of time plus counter-based noise (a
splitmix64 hash of the frame index and a per-sound seed, never a sequential RNG),
and every filter is a fixed 2nd-order Butterworth (the bilinear design scipy's
`butter` makes, computed here so a worker does not import scipy.signal, ~1 s) run by
one compiled IIR kernel, so a sound is the same bytes in every process and on every
run. exp and sin are `phonon.libm`'s (the C library's, not numpy's CPU-dispatched loops),
so they are also the same bytes on every x86-64-v3 machine. Names: bd sn hh oh cp lt mt ht rim cb, each with
several variants that differ audibly in pitch and decay. Sounds are mono, peak
about 0.9 and 0.1-1.0 s long, with a 3 ms fade at the end so nothing clicks.
"""
from __future__ import annotations

import cmath
import math
from typing import Callable

import numba
import numpy as np

from .. import libm

_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def hash_noise(n: int, seed: int) -> np.ndarray:
    """White noise in [-1, 1): splitmix64 of (seed, frame index). Pure and vectorized."""
    with np.errstate(over="ignore"):
        x = np.arange(n, dtype=np.uint64) + np.uint64((seed * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF)
        x = x * np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(30)
        x = x * np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(27)
        x = x * np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(31)
    return (x >> np.uint64(11)).astype(np.float64) * (2.0 / 9007199254740992.0) - 1.0


def _t(sr: int, seconds: float) -> np.ndarray:
    return np.arange(int(round(seconds * sr)), dtype=np.float64) / sr


def _sweep_sine(t: np.ndarray, f_start: float, f_end: float, tau: float) -> np.ndarray:
    """sin of the exact phase integral of f(t) = f_end + (f_start - f_end) e^{-t/tau}."""
    phase = f_end * t + (f_start - f_end) * tau * (1.0 - libm.exp(-t / tau))
    return libm.sin(2 * np.pi * phase)


def _poly(roots: list) -> list:
    """Coefficients (highest power first) of the monic polynomial with these roots."""
    c = [1.0 + 0j]
    for r in roots:
        c = [c[0]] + [c[i] - r * c[i - 1] for i in range(1, len(c))] + [-r * c[-1]]
    return c


def _prod(xs) -> complex:
    out = 1.0 + 0j
    for x in xs:
        out *= x
    return out


def butter2(wn, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """(b, a) of a 2nd-order digital Butterworth filter: `kind` "low"/"high" with `wn`
    the cutoff, or "band" with `wn` = (low, high) (a 4th-order band-pass), as fractions of
    Nyquist. The analog prototype's poles, frequency-prewarped, moved by the lowpass to
    low/high/band transform and mapped by the bilinear transform (scipy.signal.butter's
    zpk route, the same numbers to rounding). Python complex scalars and `math`/`cmath`
    (libm), not numpy: numpy's tan/exp/complex loops on these few numbers are chosen per
    CPU, and the coefficients feed every kit sound's bytes."""
    n = 2
    p = [-cmath.exp(1j * math.pi * m / (2 * n)) for m in range(-n + 1, n, 2)]  # prototype poles
    z: list = []
    k = 1.0
    fs2 = 4.0  # 2 * fs with fs = 2 (frequencies as fractions of Nyquist)
    edges = [float(w) for w in (wn if isinstance(wn, (tuple, list, np.ndarray)) else [wn])]
    warped = [4.0 * math.tan(math.pi * w / 2.0) for w in edges]
    if kind == "low":
        wo = warped[0]
        p, k = [q * wo for q in p], k * wo ** n
    elif kind == "high":
        wo = warped[0]
        k = k * (1.0 / _prod(-q for q in p)).real
        z, p = [0j] * n, [wo / q for q in p]
    elif kind == "band":
        bw = warped[1] - warped[0]
        wo = math.sqrt(warped[0] * warped[1])
        pl = [q * bw / 2.0 for q in p]
        root = [cmath.sqrt(q * q - wo * wo) for q in pl]
        p = [q + r for q, r in zip(pl, root)] + [q - r for q, r in zip(pl, root)]
        z = [0j] * n
        k = k * bw ** n
    else:
        raise ValueError(f"butter2: kind '{kind}'")
    zz = [(fs2 + q) / (fs2 - q) for q in z] + [-1.0 + 0j] * (len(p) - len(z))
    pz = [(fs2 + q) / (fs2 - q) for q in p]
    kz = k * (_prod(fs2 - q for q in z) / _prod(fs2 - q for q in p)).real
    return np.array([kz * c.real for c in _poly(zz)]), np.array([c.real for c in _poly(pz)])


@numba.njit(cache=True)
def iir(b, a, x):
    """y = the IIR filter (b, a) of x (a[0] == 1), direct form II transposed, from rest
    (d[n - 1] stays 0: the last delay reads nothing beyond it)."""
    n = len(b)
    y = np.empty_like(x)
    d = np.zeros(n)
    for i in range(len(x)):
        xi = x[i]
        yi = b[0] * xi + d[0]
        for j in range(1, n):
            d[j - 1] = b[j] * xi - a[j] * yi + d[j]
        y[i] = yi
    return y


def _filt(x: np.ndarray, sr: int, kind: str, freq) -> np.ndarray:
    nyq = 0.5 * sr
    if isinstance(freq, tuple):
        wn = [min(f / nyq, 0.95) for f in freq]
    else:
        wn = min(freq / nyq, 0.95)
    b, a = butter2(wn, kind)
    return iir(b, a, np.ascontiguousarray(x, dtype=np.float64))  # _poly: a[0] == 1


def _square(t: np.ndarray, f: float) -> np.ndarray:
    return np.where((t * f) % 1.0 < 0.5, 1.0, -1.0)


def _finish(x: np.ndarray, sr: int, peak: float = 0.9) -> np.ndarray:
    """Fade the last 3 ms to zero and scale to `peak`."""
    x = np.array(x, dtype=np.float64)
    k = min(len(x), max(1, int(0.003 * sr)))
    x[-k:] *= np.linspace(1.0, 0.0, k)
    m = float(np.max(np.abs(x)))
    if m > 0:
        x *= peak / m
    return x[None, :]


# -- voices -------------------------------------------------------------------------------------

def _bd(sr, seed, f0, f1, decay, length):
    t = _t(sr, length)
    body = _sweep_sine(t, f0, f1, 0.035) * libm.exp(-t / decay)
    click = hash_noise(len(t), seed) * libm.exp(-t / 0.0015) * 0.5
    return _finish(body + _filt(click, sr, "high", 1500.0), sr)


def _sn(sr, seed, f, decay, length):
    t = _t(sr, length)
    tone = (_sweep_sine(t, f * 1.6, f, 0.01) + 0.5 * libm.sin(2 * np.pi * f * 1.47 * t)) * libm.exp(-t / 0.06)
    noise = _filt(hash_noise(len(t), seed), sr, "band", (1200.0, 9000.0)) * libm.exp(-t / decay)
    return _finish(0.6 * tone + 1.4 * noise, sr)


_HAT_RATIOS = (1.0, 1.4845, 1.8004, 2.5462, 2.6304, 3.8968)  # TR-808 hat oscillators / 205.3 Hz


def _hat(sr, seed, base, decay, length):
    t = _t(sr, length)
    metal = sum(_square(t, base * r) for r in _HAT_RATIOS) / 6.0
    x = 0.5 * metal + hash_noise(len(t), seed)
    x = _filt(x, sr, "high", 7000.0) * libm.exp(-t / decay)
    return _finish(x, sr)


def _cp(sr, seed, centre, spacing, decay, length):
    t = _t(sr, length)
    env = np.zeros_like(t)
    for k in range(3):
        tk = t - k * spacing
        env += np.where(tk >= 0, libm.exp(-np.maximum(tk, 0) / 0.004), 0.0) * (tk < spacing)
    tail0 = 3 * spacing
    env += np.where(t >= tail0, libm.exp(-np.maximum(t - tail0, 0) / decay), 0.0)
    x = _filt(hash_noise(len(t), seed), sr, "band", (centre * 0.7, centre * 1.5)) * env
    return _finish(x, sr)


def _tom(sr, seed, f, decay, length):
    t = _t(sr, length)
    body = _sweep_sine(t, f * 1.5, f, 0.05) * libm.exp(-t / decay)
    click = _filt(hash_noise(len(t), seed), sr, "band", (f * 4, f * 16)) * libm.exp(-t / 0.004) * 0.3
    return _finish(body + click, sr)


def _rim(sr, seed, f, decay, length):
    t = _t(sr, length)
    tone = (libm.sin(2 * np.pi * f * t) + 0.6 * libm.sin(2 * np.pi * f * 2.3 * t)) * libm.exp(-t / decay)
    click = _filt(hash_noise(len(t), seed), sr, "high", 2000.0) * libm.exp(-t / 0.001)
    return _finish(tone + click, sr)


def _cb(sr, seed, f, decay, length):
    t = _t(sr, length)
    x = _square(t, f) + _square(t, f * 1.4815)  # 540 / 800 Hz in the TR-808
    x = _filt(x, sr, "band", (f * 0.8, f * 3.0))
    env = 0.6 * libm.exp(-t / 0.02) + 0.4 * libm.exp(-t / decay)
    return _finish(x * env, sr)


# name -> variants; each variant is (maker, args after (sr, seed))
KIT: dict[str, list[tuple[Callable, tuple]]] = {
    "bd": [(_bd, (150.0, 50.0, 0.30, 0.6)), (_bd, (120.0, 42.0, 0.50, 0.9)),
           (_bd, (220.0, 62.0, 0.15, 0.35)), (_bd, (180.0, 55.0, 0.22, 0.5))],
    "sn": [(_sn, (190.0, 0.09, 0.35)), (_sn, (240.0, 0.05, 0.25)),
           (_sn, (160.0, 0.16, 0.5)), (_sn, (300.0, 0.12, 0.4))],
    "hh": [(_hat, (330.0, 0.025, 0.1)), (_hat, (380.0, 0.045, 0.18)),
           (_hat, (290.0, 0.012, 0.12)), (_hat, (420.0, 0.06, 0.25))],
    "oh": [(_hat, (330.0, 0.18, 0.6)), (_hat, (370.0, 0.3, 0.9)),
           (_hat, (300.0, 0.12, 0.45))],
    "cp": [(_cp, (1200.0, 0.011, 0.06, 0.3)), (_cp, (1600.0, 0.008, 0.1, 0.45)),
           (_cp, (900.0, 0.014, 0.04, 0.25))],
    "lt": [(_tom, (85.0, 0.35, 0.8)), (_tom, (75.0, 0.45, 1.0)), (_tom, (100.0, 0.25, 0.6))],
    "mt": [(_tom, (130.0, 0.3, 0.7)), (_tom, (115.0, 0.38, 0.9)), (_tom, (150.0, 0.2, 0.5))],
    "ht": [(_tom, (190.0, 0.25, 0.6)), (_tom, (170.0, 0.32, 0.75)), (_tom, (230.0, 0.16, 0.45))],
    "rim": [(_rim, (1700.0, 0.012, 0.1)), (_rim, (1400.0, 0.02, 0.12)), (_rim, (2100.0, 0.008, 0.1))],
    "cb": [(_cb, (540.0, 0.25, 0.5)), (_cb, (587.0, 0.12, 0.3)), (_cb, (500.0, 0.4, 0.7))],
}


def kit_names() -> list[str]:
    return sorted(KIT)


def kit_count(name: str) -> int:
    return len(KIT[name])


def synthesize(name: str, index: int, sr: int) -> np.ndarray:
    """Variant `index` (already wrapped) of kit sound `name` as (1, frames) float64."""
    maker, args = KIT[name][index]
    seed = (sum(ord(c) << (8 * i) for i, c in enumerate(name)) * 131 + index * 7919) & 0x7FFFFFFF
    return maker(sr, seed, *args)


def kit_seconds_max() -> float:
    """The longest kit sound in seconds (a bound for voice lookback)."""
    return max(args[-1] for variants in KIT.values() for _, args in variants)


__all__ = ["KIT", "hash_noise", "kit_names", "kit_count", "synthesize", "kit_seconds_max"]
