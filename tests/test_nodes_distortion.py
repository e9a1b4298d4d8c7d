"""distortion (tanh waveshaper) and bitcrush: harmonics measured in dB, exact dry at mix 0,
16 levels at 4 bits, held values on an absolute-time grid, block-size invariance, exact
restarts (stateless / one hold cell of warm-up)."""
import math

import numpy as np
import pytest

from phonon import registry
from phonon.errors import ParamRangeError
from phonon.nodes import distortion
from phonon.nodes.base import FADING, STATELESS
from phonon.nodes.harness import BLOCK_SIZES, make_node, run_node

SR = 44100


def sine(f, n, amp=1.0, ch=1):
    return np.tile(amp * np.sin(2 * np.pi * f * np.arange(n) / SR), (ch, 1))


def noise(n, ch=2, seed=9, amp=0.5):
    return np.random.default_rng(seed).standard_normal((ch, n)) * amp


def harmonic_db(y, f0, k):
    """Level of harmonic k relative to the fundamental, dB (f0 on an exact bin)."""
    spec = np.abs(np.fft.rfft(y))
    b = int(round(f0 * len(y) / SR))
    return 20 * np.log10(spec[k * b] / spec[b] + 1e-300)


# -- distortion --------------------------------------------------------------------------------


def test_drive_raises_the_third_harmonic_and_no_even_ones():
    n = SR                                   # 1 s: 200 Hz sits on bin 200
    x = sine(200.0, n, amp=0.5)
    h3 = []
    for drive in (0.5, 2.0, 8.0):
        y = run_node("distortion", {"in": x, "drive": drive, "mix": 1.0}, n=n)[0]
        h3.append(harmonic_db(y, 200.0, 3))
        assert harmonic_db(y, 200.0, 2) < -200.0    # tanh is odd: no even harmonics
    assert h3[0] < -35.0 and h3[0] + 10 < h3[1] and h3[1] + 5 < h3[2]
    assert h3[2] > -15.0


def test_mix_zero_is_dry_exactly():
    x = noise(5000)
    assert np.array_equal(run_node("distortion", {"in": x, "drive": 10.0, "mix": 0.0}, n=5000), x)


def test_distortion_kernel_matches_reference_and_drive_may_be_a_signal():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 4000))
    drive = rng.random(4000) * 20
    mix = rng.random(4000)
    assert np.allclose(distortion._distortion_kernel(x, drive, mix),
                       distortion._ref_distortion(x, drive, mix), rtol=0, atol=1e-14)
    y = run_node("distortion", {"in": x, "drive": drive[None, :], "mix": mix[None, :]}, n=4000)
    assert np.allclose(y, distortion._ref_distortion(x, drive, mix), rtol=0, atol=1e-14)


@pytest.mark.parametrize("block", BLOCK_SIZES)
def test_distortion_block_size_invariance_and_stateless_restart(block):
    n = 20000
    x = noise(n)
    drive = np.linspace(0.5, 20, n)[None, :]
    params = {"in": x, "drive": drive, "mix": 0.7}
    ref = run_node("distortion", params, n=n, block=n)
    assert np.array_equal(run_node("distortion", params, n=n, block=block), ref)
    S = 12345
    part = run_node("distortion", {"in": x[:, S:], "drive": drive[:, S:], "mix": 0.7}, n=n - S,
                    block=block, start=S)
    assert np.array_equal(part, ref[:, S:])


def test_distortion_declaration():
    decl = registry.lookup("distortion")
    node, *_ = make_node("distortion", {"in": np.zeros((1, 4)), "drive": 2.0})
    assert node.state_class == STATELESS
    with pytest.raises(ParamRangeError) as e:
        decl.param("drive").check(200, "distortion")
    assert "distortion: parameter 'drive' got 200; expected 0..100" in str(e.value)
    assert decl.params[0].name == "in" and decl.params[0].kind == "input"


# -- bitcrush ----------------------------------------------------------------------------------


def test_four_bits_give_sixteen_levels():
    n = 10000
    x = sine(97.0, n, amp=1.0)
    y = run_node("bitcrush", {"in": x, "bits": 4.0, "rate": float(SR)}, n=n)
    levels = np.unique(y)
    assert len(levels) == 16
    assert np.array_equal(levels, np.arange(-8, 8) / 8.0)
    assert np.max(np.abs(y - x)) <= 1 / 8 + 1e-12        # clipped top cell: 7/8 for inputs up to 1


def test_silence_stays_silent():
    y = run_node("bitcrush", {"in": np.zeros((2, 1000)), "bits": 3.0, "rate": 5000.0}, n=1000)
    assert np.all(y == 0.0)


def test_rate_reduction_holds_on_an_absolute_grid():
    n = 44100
    x = np.random.default_rng(6).uniform(-0.9, 0.9, (1, n))
    y = run_node("bitcrush", {"in": x, "bits": 24.0, "rate": 4410.0}, n=n, block=333)[0]
    cells = y.reshape(-1, 10)                             # sr / rate = 10 samples per cell
    assert np.all(cells == cells[:, :1])
    assert np.allclose(cells[:, 0], x[0, ::10], atol=2 ** -23)
    # a render that starts mid-cell holds the same grid (after its first cell)
    S = 1234
    part = run_node("bitcrush", {"in": x[:, S:], "bits": 24.0, "rate": 4410.0}, n=n - S, start=S)[0]
    assert np.array_equal(part[1240 - S:], y[1240:])


def test_non_integer_hold_lengths():
    n = 3000
    x = noise(n, ch=1)
    y = run_node("bitcrush", {"in": x, "bits": 16.0, "rate": 3000.0}, n=n)[0]
    runs = np.diff(np.flatnonzero(np.diff(y) != 0))
    assert set(runs) <= {14, 15}                          # 44100 / 3000 = 14.7


def test_bitcrush_kernel_matches_reference():
    rng = np.random.default_rng(4)
    n = 3000
    x = rng.standard_normal((2, n)) * 0.6
    bits = 1 + rng.random(n) * 10
    rate = np.repeat(rng.random(30) * 20000 + 100, 100)
    h1, h2 = np.array([0.3, -0.2]), np.array([0.3, -0.2])
    y1, k1 = distortion._bitcrush_kernel(x, 5000, float(SR), bits, rate, h1, 123)
    y2, k2 = distortion._ref_bitcrush(x, 5000, float(SR), bits, rate, h2, 123)
    assert k1 == k2
    assert np.allclose(y1, y2, rtol=0, atol=1e-12) and np.array_equal(h1, h2)


@pytest.mark.parametrize("block", BLOCK_SIZES)
def test_bitcrush_block_size_invariance(block):
    n = 20000
    x = noise(n)
    rate = np.where(np.arange(n) < 9000, 2000.0, 7000.0)[None, :]
    params = {"in": x, "bits": 5.0, "rate": rate}
    ref = run_node("bitcrush", params, n=n, block=n)
    assert np.array_equal(run_node("bitcrush", params, n=n, block=block), ref)


def test_bitcrush_state_class_and_exact_restart_after_warmup():
    node, *_ = make_node("bitcrush", {"in": np.zeros((1, 4)), "bits": 4.0, "rate": 48000.0})
    assert node.state_class == STATELESS and node.tail_seconds() == 0.0
    node, *_ = make_node("bitcrush", {"in": np.zeros((1, 4)), "bits": 4.0, "rate": 1000.0})
    assert node.state_class == FADING
    n, S = 20000, 10007                                   # S in the middle of a 44.1-sample cell
    x = noise(n)
    full = run_node("bitcrush", {"in": x, "bits": 6.0, "rate": 1000.0}, n=n)
    start = S - math.ceil(node.tail_seconds() * SR)
    part = run_node("bitcrush", {"in": x[:, start:], "bits": 6.0, "rate": 1000.0}, n=n - start,
                    start=start)
    assert np.array_equal(part[:, S - start:], full[:, S:])
    cold = run_node("bitcrush", {"in": x[:, S:], "bits": 6.0, "rate": 1000.0}, n=n - S, start=S)
    assert not np.array_equal(cold, full[:, S:])          # the held value is real state


def test_bitcrush_declaration():
    decl = registry.lookup("bitcrush")
    with pytest.raises(ParamRangeError) as e:
        decl.param("bits").check(0, "bitcrush")
    assert "bitcrush: parameter 'bits' got 0; expected 1..24 (bits)" in str(e.value)
    with pytest.raises(ParamRangeError):
        decl.param("rate").check(0.5, "bitcrush")
    assert decl.category == "effect" and decl.params[0].kind == "input"
