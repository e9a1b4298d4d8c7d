"""chorus: detunes a pure tone into sidebands, depth 0 is a plain 10 ms delay, the LFO is
anchored to absolute time so a warm-up of one delay line reproduces a chunk bit-exactly."""

import numpy as np
import pytest

from phonon import registry
from phonon.errors import ParamRangeError
from phonon.nodes import modulation
from phonon.nodes.harness import BLOCK_SIZES, run_node, run_warmed

SR = 44100


def sine(f, n, ch=1):
    return np.tile(np.sin(2 * np.pi * f * np.arange(n) / SR), (ch, 1))


def noise(n, ch=2, seed=5, amp=0.5):
    return np.random.default_rng(seed).standard_normal((ch, n)) * amp


def energy_near(y, f, width_hz):
    """Fraction of the (Hann-windowed) spectrum's energy within +-width_hz of f."""
    spec = np.abs(np.fft.rfft(y * np.hanning(len(y)))) ** 2
    freqs = np.fft.rfftfreq(len(y), 1 / SR)
    return spec[np.abs(freqs - f) <= width_hz].sum() / spec.sum()


def test_depth_creates_sidebands_around_a_pure_tone():
    n = 4 * SR
    x = sine(1000.0, n)
    seg = slice(SR, n)
    pure = run_node("chorus", {"in": x, "rate": 2.0, "depth": 0.0, "mix": 1.0}, n=n)[0, seg]
    wobbly = run_node("chorus", {"in": x, "rate": 2.0, "depth": 1.0, "mix": 1.0}, n=n)[0, seg]
    assert energy_near(pure, 1000.0, 3.0) > 0.99
    assert energy_near(wobbly, 1000.0, 3.0) < 0.9
    # sidebands at multiples of 3 * rate (three taps 120 degrees apart) within the +-Doppler range
    assert energy_near(wobbly, 1000.0, 60.0) > 0.95


def test_depth_zero_is_a_plain_delay_plus_dry():
    n = 6000
    x = noise(n, ch=1)
    y = run_node("chorus", {"in": x, "rate": 3.0, "depth": 0.0, "mix": 0.4}, n=n)
    d = int(round(modulation.CENTRE * SR))
    delayed = np.zeros_like(x)
    delayed[:, d:] = x[:, :-d]
    assert np.allclose(y, 0.6 * x + 0.4 * delayed, rtol=0, atol=1e-14)


def test_mix_zero_is_dry_exactly():
    x = noise(5000)
    assert np.array_equal(run_node("chorus", {"in": x, "rate": 1.0, "depth": 1.0, "mix": 0.0}, n=5000), x)


def test_stereo_keeps_channels_and_offsets_the_right_lfo():
    n = 20000
    x = sine(440.0, n, ch=2)
    y = run_node("chorus", {"in": x, "rate": 1.5, "depth": 0.8, "mix": 0.5}, n=n)
    assert y.shape == (2, n)
    assert np.max(np.abs(y[0] - y[1])) > 0.01
    mono = run_node("chorus", {"in": x[:1], "rate": 1.5, "depth": 0.8, "mix": 0.5}, n=n)
    assert mono.shape == (1, n)
    assert np.array_equal(mono[0], y[0])


def test_kernel_matches_reference():
    rng = np.random.default_rng(2)
    n = 3000
    L = modulation.chorus_length(SR)
    x = rng.standard_normal((2, n))
    rate = rng.random(n) * 5
    depth = rng.random(n)
    mix = rng.random(n)
    b0 = rng.standard_normal((2, L))
    y1, w1 = modulation._chorus_kernel(x, 123456, float(SR), rate, depth, mix, b0.copy(), 17)
    y2, w2 = modulation._ref_chorus(x, 123456, float(SR), rate, depth, mix, b0.copy(), 17)
    assert w1 == w2
    assert np.allclose(y1, y2, rtol=0, atol=1e-12)


@pytest.mark.parametrize("block", BLOCK_SIZES)
def test_block_size_invariance(block):
    n = 30000
    x = noise(n)
    depth = np.linspace(0.0, 1.0, n)[None, :]
    params = {"in": x, "rate": 0.8, "depth": depth, "mix": 0.6}
    ref = run_node("chorus", params, n=n, block=n)
    assert np.array_equal(run_node("chorus", params, n=n, block=block), ref)


@pytest.mark.parametrize("S", [SR, 3 * SR + 17])
def test_seek_after_one_delay_line_of_warmup_is_bit_exact(S):
    n = S + SR
    x = noise(n)
    params = {"in": x, "rate": 0.7, "depth": 0.9, "mix": 0.5}
    full = run_node("chorus", params, n=n)
    part, start = run_warmed("chorus", params, n, S)
    assert 0 < start < S
    assert np.sqrt(np.mean(full[:, S:S + 1000] ** 2)) > 0.1
    assert np.array_equal(part, full[:, S:])


def test_range_errors():
    decl = registry.lookup("chorus")
    with pytest.raises(ParamRangeError) as e:
        decl.param("rate").check(25, "chorus")
    assert "chorus: parameter 'rate' got 25; expected 0..20 (Hz)" in str(e.value)
    with pytest.raises(ParamRangeError):
        decl.param("depth").check(1.5, "chorus")
    assert decl.params[0].name == "in" and decl.params[0].kind == "input"
