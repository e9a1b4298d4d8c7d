"""The file writer's sample encoder: float64 blocks to WAV sample bytes, with the level
statistics, in one compiled pass (`phonon.audio_io.AudioWriter` uses it).

libsndfile converts a double to 16/24-bit PCM at about 10 ns a sample here (its strided
path): 0.5 s of a 600 s stereo render, serial in `phonon render` and on the farm parent's
CPU beside the workers. This kernel does the same conversion, byte for byte, in about
2.5 ns a stereo frame's sample (0.13 s for 600 s, cold data), interleaves the channels, and counts peak, sum of squares and clipped
samples on the way (numpy did those in four more passes); the writer hands the bytes to
libsndfile's `sf_write_raw`, which keeps the header, RF64 and the frame count as before.

The conversion is libsndfile's own (pcm.c, `d2let_clip_array`/`d2les_clip_array`;
soundfile turns clipping on for every file it writes): scale by 2^31; at or above
2^31 - 1 the largest code, at or below -2^31 the smallest; else round to nearest, ties to
even (C's `lrint` in the default rounding mode, numba's `np.rint`), and keep the top 24 or
16 bits (an arithmetic shift). 32-bit float is a C `(float)` cast (what numpy's cast is).
`tests/test_audio_io.py` compares the bytes with libsndfile's on edge values and noise.
"""
from __future__ import annotations

import numba
import numpy as np

# stats: [peak |x|, sum of x^2, samples with |x| > 1, 1 if a sample is NaN or inf (then
# nothing else is filled and nothing is encoded: the writer finds it and refuses the file)]
PEAK, SUMSQ, CLIPPED, NONFINITE = range(4)


@numba.njit(cache=True)
def encode(x, out, width, stats):
    """Encode float64 `x` (channels, n) into `out` (uint8, n * channels * width bytes,
    interleaved little-endian), width 2 or 3 (PCM) or 4 (float32); width 0 only counts.
    Fills `stats` (see above)."""
    ch, n = x.shape
    flat = x.ravel()  # x is C-contiguous: a view; the statistics do not care about order
    m = flat.size
    p0 = p1 = p2 = p3 = 0.0  # four lanes: no chain of dependent adds
    s0 = s1 = s2 = s3 = 0.0
    z = 0.0  # v * 0 is NaN for a NaN or an inf: one test at the end
    clipped = 0
    j = 0
    while j + 4 <= m:
        v0, v1, v2, v3 = flat[j], flat[j + 1], flat[j + 2], flat[j + 3]
        a0, a1, a2, a3 = abs(v0), abs(v1), abs(v2), abs(v3)
        p0, p1, p2, p3 = max(p0, a0), max(p1, a1), max(p2, a2), max(p3, a3)
        s0 += v0 * v0
        s1 += v1 * v1
        s2 += v2 * v2
        s3 += v3 * v3
        z += (v0 + v1 + v2 + v3) * 0.0
        clipped += (a0 > 1.0) + (a1 > 1.0) + (a2 > 1.0) + (a3 > 1.0)
        j += 4
    while j < m:
        v0 = flat[j]
        a0 = abs(v0)
        p0 = max(p0, a0)
        s0 += v0 * v0
        z += v0 * 0.0
        clipped += a0 > 1.0
        j += 1
    if not np.isfinite(z):
        stats[NONFINITE] = 1.0
        return
    stats[NONFINITE] = 0.0
    stats[PEAK] = max(max(p0, p1), max(p2, p3))
    stats[SUMSQ] = (s0 + s1) + (s2 + s3)
    stats[CLIPPED] = clipped
    if width == 4:
        f = out[:n * ch * 4].view(np.float32)
        for i in range(n):
            for c in range(ch):
                f[i * ch + c] = np.float32(x[c, i])
    elif width == 3 or width == 2:
        for i in range(n):
            for c in range(ch):
                s = x[c, i] * 2147483648.0
                if s >= 2147483647.0:
                    q = np.int32(0x7FFFFFFF)
                elif s <= -2147483648.0:
                    q = np.int32(-2147483648)
                else:
                    q = np.int32(np.rint(s))
                k = (i * ch + c) * width
                if width == 3:
                    out[k] = (q >> 8) & 0xFF
                    out[k + 1] = (q >> 16) & 0xFF
                    out[k + 2] = (q >> 24) & 0xFF
                else:
                    out[k] = (q >> 16) & 0xFF
                    out[k + 1] = (q >> 24) & 0xFF


def encode_block(x: np.ndarray, width: int, buf: np.ndarray | None = None):
    """(buf, nbytes, stats) for a float64 (channels, n) block: the encoded bytes are
    buf[:nbytes] (none for width 0); `buf` is reused when large enough."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    nbytes = x.shape[0] * x.shape[1] * width
    if buf is None or buf.shape[0] < nbytes:
        buf = np.empty(max(nbytes, 1), np.uint8)
    stats = np.zeros(4)
    encode(x, buf, width, stats)
    return buf, nbytes, stats
