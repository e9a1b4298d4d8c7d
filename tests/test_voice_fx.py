"""SuperDirt's per-voice effects (phonon/nodes/voice_fx.py), measured on rendered voices:
filter responses from impulse voices, formant peaks, crush levels, shaping harmonics,
coarse aliasing, the DJ filter."""
from __future__ import annotations

import math
from fractions import Fraction as F

import numpy as np
import pytest

import phonon.nodes  # noqa: F401
from phonon.nodes import voice_fx as FX
from phonon.nodes.base import GraphContext
from phonon.pattern import mini, pure, set_control
from test_nodes_voices import render as render_sampler

SR = 44100


def sound(words: str, **controls):
    p = mini(words).fmap(lambda v: {"s": v})
    for k, v in controls.items():
        p = set_control(p, k, mini(v) if isinstance(v, str) else pure(F(v)))
    return p


@pytest.fixture(scope="module")
def g():
    g = GraphContext(sr=SR, cps=F(1))
    imp = np.zeros(SR)
    imp[0] = 1.0
    g.bank.register("imp", imp)
    t = np.arange(SR) / SR
    g.bank.register("sine1k", 0.9 * np.sin(2 * np.pi * 1000 * t))
    return g


def render(g, pat, n=SR, block=4096, start=0):
    return render_sampler(pat, n, block=block, start=start, graph=g)


def response_db(g, **controls):
    """Magnitude response (dB, 1 Hz bins) of the voice chain: an impulse voice at unity level
    (amp 2 * the master stage's 0.5), hard left."""
    y = render(g, sound("imp", amp=2, pan=0, **controls))[0]
    return 20 * np.log10(np.abs(np.fft.rfft(y)) + 1e-300)


def crossing(h, level, lo, hi):
    """The first frequency in [lo, hi) where the response crosses `level` dB."""
    seg = h[lo:hi]
    k = np.flatnonzero(np.diff(np.sign(seg - level)))[0]
    return lo + k + (level - seg[k]) / (seg[k + 1] - seg[k])


@pytest.mark.parametrize("fc", [250, 1000, 2000])
def test_cutoff_is_rlpf_with_q_one(g, fc):
    # resonance 0 -> rq 1: the 2-pole prototype 1 / (s^2 + s + 1): 0 dB at fc, -3 dB at
    # fc * sqrt((1 + sqrt 5) / 2) = 1.272 fc, -12 dB/octave above
    h = response_db(g, cutoff=fc)
    assert abs(h[fc]) < 0.2
    f3 = crossing(h, -3.0, fc, 4 * fc)
    assert abs(f3 / (fc * 1.27202) - 1) < 0.02, f3
    assert abs(h[fc // 8] - 0.067) < 0.02  # 1 / |1 - w^2 + j w| at w = 1/8
    for w in (0.5, 2.0, 3.0):  # the analog prototype, well below Nyquist (whose zero steepens it)
        if w * fc <= 4000:
            proto = -10 * math.log10((1 - w * w) ** 2 + w * w)
            assert abs(h[int(w * fc)] - proto) < 0.5, (w, h[int(w * fc)], proto)


def test_resonance_raises_a_peak_at_the_cutoff(g):
    h0 = response_db(g, cutoff=1000)
    h5 = response_db(g, cutoff=1000, resonance=0.5)  # rq = 0.0316: Q 31.6 = +30 dB
    assert abs(np.argmax(h5) - 1000) <= 3
    assert abs(h5[1000] - 20 * np.log10(1 / FX.linexp(0.5, 0, 1, 1, 0.001))) < 0.5
    assert h5.max() > h0.max() + 25


def test_hcutoff_is_rhpf(g):
    h = response_db(g, hcutoff=1000)
    assert abs(h[1000]) < 0.2
    f3 = crossing(h, -3.0, 300, 1000)
    assert abs(f3 / (1000 / 1.27202) - 1) < 0.02
    assert abs(h[8000]) < 0.1 and h[125] < -34


def test_bandf_peaks_at_its_centre_with_gain_q(g):
    h = response_db(g, bandf=1500)  # bandq 10: BPF(rq 0.1) * 10
    assert abs(np.argmax(h) - 1500) <= 2
    assert abs(h.max() - 20.0) < 0.1
    h3 = response_db(g, bandf=1500, bandq=3)
    assert abs(h3.max() - 20 * np.log10(3)) < 0.1
    # the -3 dB band is bandf / bandq wide
    f_lo, f_hi = crossing(h3, h3.max() - 3, 200, 1500), crossing(h3, h3.max() - 3, 1500, 6000)
    assert abs((f_hi - f_lo) / 500 - 1) < 0.05


@pytest.mark.parametrize("vowel", list("aeiou"))
def test_vowel_formants_within_five_percent(g, vowel):
    from scipy.signal import find_peaks
    h = response_db(g, vowel=vowel)
    peaks, _ = find_peaks(h[:4000], prominence=3)
    formants = FX.VOWELS[vowel][0]
    checks = formants[:1] if vowel == "u" else formants[:2]  # u's F2 (-20 dB) merges into F1's skirt
    for f in checks:
        near = peaks[np.argmin(np.abs(peaks - f))]
        assert abs(near / f - 1) < 0.05, (vowel, f, near)
    # the formants stand out: F1 far above the valley between F1 and F2
    assert h[formants[0]] - h[(formants[0] + formants[1]) // 2] > 3


def test_unknown_vowel_leaves_the_voice_dry(g):
    a = render(g, sound("sine1k"))
    b = render(g, sound("sine1k", vowel="x"))
    assert np.array_equal(a, b)


@pytest.mark.parametrize("bits", [1, 2, 4, 8])
def test_crush_rounds_to_its_levels(g, bits):
    y = render(g, sound("sine1k", crush=bits, amp=2, pan=0))[0, :SR - 100]
    step = 0.5 ** (bits - 1)
    levels = np.unique(y)
    np.testing.assert_allclose(levels / step, np.round(levels / step), atol=1e-12)
    expect = 2 * math.floor(0.9 / step + 0.5) + 1  # -0.9..0.9 rounded to multiples of step
    assert len(levels) == expect
    if bits == 1:
        assert set(levels) == {-1.0, 0.0, 1.0}


def _harmonic_db(y, f):
    w = np.hanning(len(y))
    spec = np.abs(np.fft.rfft(y * w))
    return 20 * np.log10(spec[int(round(f * len(y) / SR))] / spec.max())


def test_shape_adds_odd_harmonics(g):
    n = 32768
    dry = render(g, sound("sine1k", amp=2, pan=0))[0, 1000:1000 + n]
    wet = render(g, sound("sine1k", amp=2, pan=0, shape=0.6))[0, 1000:1000 + n]
    assert _harmonic_db(dry, 3000) < -90
    assert _harmonic_db(wet, 3000) > -20 and _harmonic_db(wet, 5000) > -35
    # dirt_shape: (1 + k) x / (1 + k |x|), k = 2 s / (1 - s): louder
    k = 2 * 0.6 / 0.4
    assert abs(np.abs(wet).max() - (1 + k) * 0.9 / (1 + k * 0.9)) < 1e-3


def test_coarse_holds_samples_and_aliases(g):
    n = 32768
    y = render(g, sound("sine1k", amp=2, pan=0, coarse=8))[0]
    seg = y[:8 * 100]
    assert np.array_equal(seg, np.repeat(seg[::8], 8))  # each value held for 8 samples
    img = SR / 8 - 1000  # the sample-and-hold image of 1 kHz at SR / 8
    assert _harmonic_db(y[1000:1000 + n], img) > -25
    clean = render(g, sound("sine1k", amp=2, pan=0, coarse=1))[0]
    assert _harmonic_db(clean[1000:1000 + n], img) < -90


def test_djf_low_passes_below_half_and_high_passes_above(g):
    lo = response_db(g, djf=0.25)   # RLPF at linexp(0.25, 0, 0.5, 20, 10000) = 447 Hz
    hi = response_db(g, djf=0.75)   # RHPF at 447 Hz
    fc = FX.linexp(0.25, 0, 0.5, 20, 10000)
    assert abs(fc - 447.2) < 0.1
    assert lo[4000] < -30 and abs(lo[50]) < 1
    assert hi[50] < -30 and abs(hi[4000]) < 1


def test_effects_are_block_size_invariant_and_seek_exactly(g):
    p = sound("[sine1k imp]*4", cutoff="300 2000", resonance="0.2 0.6", hcutoff=100, vowel="a",
              shape=0.3, crush=8, coarse="1 2 3", djf="0.3 0.6", bandf=900)
    ref = render(g, p, 2 * SR, block=4096)
    for block in (64, 1001):
        assert np.array_equal(render(g, p, 2 * SR, block=block), ref)
    for start in (1, 5000, SR + 77):
        assert np.array_equal(render(g, p, 2 * SR - start, block=512, start=start), ref[:, start:])


def test_filter_kernel_matches_the_sc_recursion(g):
    """The kernel's RLPF against a plain loop of SuperCollider's RLPF recursion."""
    y = render(g, sound("sine1k", amp=2, pan=0, cutoff=700, resonance=0.3))[0, :3000]
    a0, b1, b2 = FX.rlpf_coefs(700, FX.linexp(0.3, 0, 1, 1, 0.001), SR)
    x = 0.9 * np.sin(2 * np.pi * 1000 * np.arange(3000) / SR)
    ref = np.zeros(3000)
    y1 = y2 = 0.0
    for k in range(3000):
        y0 = a0 * x[k] + b1 * y1 + b2 * y2
        ref[k] = y0 + 2 * y1 + y2
        y2, y1 = y1, y0
    np.testing.assert_allclose(y, ref, rtol=0, atol=1e-12)


def test_squiz_squeezes_each_fragment_and_leaves_silence(g):
    n = 32768
    dry = render(g, sound("sine1k", amp=2, pan=0))[0]
    y = render(g, sound("sine1k", amp=2, pan=0, squiz=2))[0]
    # each 1 kHz cycle (44.1 samples) is played twice as fast, then silence: half of each
    # fragment is silent and the sound's fundamental moves up an octave
    seg = y[2000:2000 + n]
    assert 0.4 < np.mean(np.abs(seg) < 1e-12) < 0.6
    w = np.abs(np.fft.rfft(seg * np.hanning(n)))
    f = np.fft.rfftfreq(n, 1 / SR)
    assert abs(f[np.argmax(w[f > 1500]) + np.argmax(f > 1500)] - 2000) < 20
    assert np.abs(seg).max() <= np.abs(dry).max() + 1e-9


def test_squiz_voices_overlap_block_invariant_and_seek_exactly(g):
    p = sound("[sine1k imp sine1k]*3", squiz="2 4 1.5", cutoff=3000)
    ref = render(g, p, 2 * SR, block=4096)
    assert ref.any()
    for block in (64, 999):
        assert np.array_equal(render(g, p, 2 * SR, block=block), ref)
    for start in (3, 7000, SR + 123):
        assert np.array_equal(render(g, p, 2 * SR - start, block=700, start=start), ref[:, start:])


def test_cached_kernels_use_the_current_row_layout():
    """numba caches each kernel by its own file: a layout change in voice_fx needs voices.py and
    superdirt_synths.py recompiled (touch them); this says so instead of wrong audio."""
    from phonon.nodes import superdirt_synths, voices
    for mod in (voices, superdirt_synths):
        assert mod._layout() == (FX.NFIELDS, FX.STATE), f"stale numba cache: touch {mod.__file__}"
