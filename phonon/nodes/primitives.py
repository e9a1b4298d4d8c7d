"""Small compiled primitives the synth kernels share (inlined into each kernel by numba):
counter-based noise (splitmix64, Steele, Lea & Flood 2014, of (seed, counter)) and
PolyBLEP (Valimaki & Huovilainen 2007) band-limited saw steps."""
from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, inline="always")
def splitmix_bits(seed, k):
    """The top 53 bits of splitmix64 of (seed, k), as a float in [0, 2**53)."""
    x = np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(k)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    x = x ^ (x >> np.uint64(31))
    return np.float64(x >> np.uint64(11))


@numba.njit(cache=True, inline="always")
def noise(seed, k):
    """Counter-based white noise in [-1, 1)."""
    return splitmix_bits(seed, k) * (2.0 / 9007199254740992.0) - 1.0


@numba.njit(cache=True, inline="always")
def hash01(seed, k):
    """Counter-based uniform [0, 1)."""
    return splitmix_bits(seed, k) * (1.0 / 9007199254740992.0)


@numba.njit(cache=True, inline="always")
def blep(t, dt):
    """PolyBLEP residual at phase t in [0, 1), increment dt (0 when dt <= 0)."""
    if dt <= 0.0:
        return 0.0
    if t < dt:
        x = t / dt
        return x + x - x * x - 1.0
    if t > 1.0 - dt:
        x = (t - 1.0) / dt
        return x * x + x + x + 1.0
    return 0.0


@numba.njit(cache=True, inline="always")
def saw(ph, dt):
    """A band-limited saw at phase ph in [0, 1), increment dt: -1 .. 1."""
    return 2.0 * ph - 1.0 - blep(ph, dt)
