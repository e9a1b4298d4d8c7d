"""Transcendental functions for the render path: compiled loops over the C library's libm.

    from phonon import libm
    y = libm.sin(2 * math.pi * phase)      # any shape, float64; same shape out

Why not np.sin / np.exp / `**`: numpy runs these through SIMD loops chosen for the CPU at
run time (AVX-512 on one machine, AVX2 or SSE on another; MKL or Accelerate in other
builds), and those loops round differently in the last bit. One ulp in float64 feeds
filters, sums and the float32 file: a render farm mixing CPU models would write different
bytes for the same patch (measured: with numpy's AVX-512 loops disabled, 4 of the 6
golden patches' float64 mixes changed). `math.sin` etc. in an njit kernel compile to calls
of libm's scalar functions, the same ones Python's `math` calls; glibc picks one variant
per CPU feature level (FMA on every x86-64-v3 CPU: Intel Haswell 2013+, AMD Zen 2017+),
so they round the same on every such CPU. No fastmath anywhere: LLVM keeps each
operation IEEE (no fused multiply-add, no reassociation), so SIMD lanes round like
scalars. sqrt, + - * /, floor and comparisons are exact in IEEE and need none of this.

Constants computed once (filter coefficients) use Python's `math` on floats: the same libm.
"""
from __future__ import annotations

import math

import numba
import numpy as np

SIN, COS, EXP, EXP2, TANH = 0, 1, 2, 3, 4


@numba.njit(cache=True)
def _map(op, x, out):
    """out[i] = f(x[i]) for the libm function `op`, over flat float64 arrays."""
    n = x.shape[0]
    if op == SIN:
        for i in range(n):
            out[i] = math.sin(x[i])
    elif op == COS:
        for i in range(n):
            out[i] = math.cos(x[i])
    elif op == EXP:
        for i in range(n):
            out[i] = math.exp(x[i])
    elif op == EXP2:
        for i in range(n):
            out[i] = math.pow(2.0, x[i])
    else:
        for i in range(n):
            out[i] = math.tanh(x[i])
    return out


def _apply(op: int, x) -> np.ndarray:
    a = np.ascontiguousarray(x, dtype=np.float64)
    out = np.empty_like(a)
    if a.size:
        _map(op, a.reshape(-1), out.reshape(-1))
    return out


def sin(x) -> np.ndarray:
    """sin(x) per element (libm)."""
    return _apply(SIN, x)


def cos(x) -> np.ndarray:
    """cos(x) per element (libm)."""
    return _apply(COS, x)


def exp(x) -> np.ndarray:
    """e^x per element (libm)."""
    return _apply(EXP, x)


def exp2(x) -> np.ndarray:
    """2^x per element (libm pow)."""
    return _apply(EXP2, x)


def tanh(x) -> np.ndarray:
    """tanh(x) per element (libm)."""
    return _apply(TANH, x)


__all__ = ["sin", "cos", "exp", "exp2", "tanh"]
