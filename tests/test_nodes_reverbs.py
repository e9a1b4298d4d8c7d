"""reverb (Freeverb): stereo from mono, RT60 grows with room, damping darkens the tail,
tails ring into silence and die, kernel == reference, block-size invariance, warm-up."""
import math

import numpy as np
import pytest

from phonon import registry
from phonon.errors import ParamRangeError
from phonon.nodes import reverbs
from phonon.nodes.harness import BLOCK_SIZES, make_node, run_node, run_warmed

SR = 44100


def impulse(n, ch=1):
    x = np.zeros((ch, n))
    x[:, 0] = 1.0
    return x


def noise(n, ch=2, seed=3, amp=0.5):
    return np.random.default_rng(seed).standard_normal((ch, n)) * amp


def impulse_response(room, damping, seconds):
    n = int(seconds * SR)
    return run_node("reverb", {"in": impulse(n), "room": room, "damping": damping, "mix": 1.0}, n=n)


def rt60(ir):
    """Schroeder backward integration; T20 (-5..-25 dB) extrapolated to 60 dB."""
    e = np.sum(ir ** 2, axis=0)[::-1].cumsum()[::-1]
    edc = 10 * np.log10(e / e[0])
    t5 = np.argmax(edc < -5.0)
    t25 = np.argmax(edc < -25.0)
    return 3.0 * (t25 - t5) / SR


def centroid(sig):
    spec = np.abs(np.fft.rfft(sig)) ** 2
    f = np.fft.rfftfreq(len(sig), 1 / SR)
    return np.sum(f * spec) / np.sum(spec)


def test_mono_in_stereo_out_with_spread():
    y = impulse_response(0.5, 0.5, 0.5)
    assert y.shape == (2, int(0.5 * SR))
    assert not np.array_equal(y[0], y[1])
    c = np.corrcoef(y[0, 2000:], y[1, 2000:])[0, 1]
    assert abs(c) < 0.5                                   # decorrelated channels
    assert np.all(np.isfinite(y))


def test_rt60_grows_with_room_and_big_rooms_ring_for_seconds():
    times = [rt60(impulse_response(r, 0.5, 8.0)) for r in (0.3, 0.6, 0.9)]
    assert times[0] < times[1] < times[2]
    assert times[0] > 0.3
    assert 2.0 < times[2] < 8.0


def test_tail_decays_below_minus_60_db():
    ir = impulse_response(0.8, 0.5, 10.0)
    peak = np.max(np.abs(ir))
    assert np.max(np.abs(ir[:, -SR // 10:])) < peak * 1e-3


def test_damping_lowers_the_spectral_centroid():
    seg = slice(int(0.2 * SR), int(1.2 * SR))
    bright = centroid(impulse_response(0.8, 0.0, 1.2)[0, seg])
    dark = centroid(impulse_response(0.8, 1.0, 1.2)[0, seg])
    assert dark < 0.7 * bright


def test_tail_rings_into_silence_then_fades_within_tail_seconds():
    params = {"room": 0.6, "damping": 0.5, "mix": 0.5}
    node, *_ = make_node("reverb", {"in": np.zeros((1, 4)), **params})
    tail = node.tail_seconds()
    burst = SR // 4
    n = burst + int((tail + 0.5) * SR)
    x = np.zeros((2, n))
    x[:, :burst] = noise(burst)
    y = run_node("reverb", {"in": x, **params}, n=n)
    after = y[:, burst + SR // 10: burst + SR // 5]
    assert np.sqrt(np.mean(after ** 2)) > 1e-3
    assert np.max(np.abs(y[:, burst + int(tail * SR):])) < 1e-6


def test_mix_zero_is_dry_on_both_channels():
    x = noise(5000, ch=1)
    y = run_node("reverb", {"in": x, "room": 0.9, "damping": 0.2, "mix": 0.0}, n=5000)
    assert np.array_equal(y, np.concatenate([x, x]))


def test_kernel_matches_reference():
    rng = np.random.default_rng(11)
    sr = 8000                                      # short delay lines: every line wraps
    n = 2500
    x = rng.standard_normal((2, n))
    room = rng.random(n)
    damp = rng.random(n)
    mix = rng.random(n)
    a, b = reverbs.FreeverbState(sr), reverbs.FreeverbState(sr)
    y1 = reverbs._freeverb_kernel(x, room, damp, mix, *a.args())
    y2 = reverbs._ref_freeverb(x, room, damp, mix, *b.args())
    assert np.allclose(y1, y2, rtol=0, atol=1e-12)
    for s1, s2 in zip(a.args(), b.args()):
        assert np.allclose(s1, s2, rtol=0, atol=1e-12)


def test_kernel_mono_input_and_constant_params_equal_the_full_form():
    """A (1, n) input is fed to both channels and length-1 parameters are constants:
    the same bytes as the explicit stereo input and per-sample arrays."""
    rng = np.random.default_rng(5)
    a, b = reverbs.FreeverbState(SR), reverbs.FreeverbState(SR)
    for n in (8192, 100, 7):
        x = rng.standard_normal((1, n))
        r0, d0, m0 = rng.random(3)
        y1 = reverbs._freeverb_kernel(x, np.array([r0]), np.array([d0]), np.array([m0]), *a.args())
        y2 = reverbs._freeverb_kernel(np.concatenate([x, x]), np.full(n, r0), np.full(n, d0),
                                      np.full(n, m0), *b.args())
        assert np.array_equal(y1, y2)
        for s1, s2 in zip(a.args(), b.args()):
            assert np.array_equal(s1, s2)


def test_unrolled_combs_equal_the_comb_loop():
    rng = np.random.default_rng(6)
    n = 500
    d1 = rng.random(n) * 0.4
    args = (d1, 1.0 - d1, 0.7 + 0.28 * rng.random(n), rng.standard_normal(n))
    bufs, cs = rng.standard_normal((8, 900)), rng.standard_normal(8)
    off = np.array([0, 10, 50, 100, 200, 300, 350, 399])
    b1, c1, acc1 = bufs.copy(), cs.copy(), np.zeros(n)
    b2, c2, acc2 = bufs.copy(), cs.copy(), np.zeros(n)
    reverbs._combs8(b1, off, c1, *args, acc1, 37, 400)
    reverbs._combs(b2, off, c2, *args, acc2, 37, 400)
    assert np.array_equal(b1, b2) and np.array_equal(c1, c2) and np.array_equal(acc1, acc2)


@pytest.mark.parametrize("block", BLOCK_SIZES)
def test_block_size_invariance(block):
    n = 30000
    x = noise(n)
    room = (0.5 + 0.3 * np.sin(np.arange(n) / 3000.0))[None, :]
    params = {"in": x, "room": room, "damping": 0.4, "mix": 0.6}
    ref = run_node("reverb", params, n=n, block=n)
    assert np.array_equal(run_node("reverb", params, n=n, block=block), ref)


@pytest.mark.parametrize("room", [0.7, 0.95])
def test_seek_after_warmup_matches_within_minus_120_dbfs(room):
    params = {"room": room, "damping": 0.3, "mix": 1.0}
    node, *_ = make_node("reverb", {"in": np.zeros((1, 4)), **params})
    S = int(math.ceil(node.tail_seconds() * SR)) + SR
    n = S + SR // 2
    x = noise(n, amp=0.7)
    x[:, S - 1000:] = 0.0                          # the reverb tail crosses S
    params["in"] = x
    full = run_node("reverb", params, n=n)
    part, start = run_warmed("reverb", params, n, S)
    assert start > 0
    assert np.sqrt(np.mean(full[:, S:S + 4410] ** 2)) > 0.01
    assert np.max(np.abs(part - full[:, S:])) < 1e-6


def test_tail_seconds_grows_with_room():
    tails = []
    for room in (0.0, 0.5, 0.9, 1.0):
        node, *_ = make_node("reverb", {"in": np.zeros((1, 4)), "room": room, "damping": 0.5})
        tails.append(node.tail_seconds())
    assert tails == sorted(tails)
    assert 5.0 < tails[2] < 30.0


def test_range_errors():
    decl = registry.lookup("reverb")
    with pytest.raises(ParamRangeError) as e:
        decl.param("room").check(1.5, "reverb")
    assert "reverb: parameter 'room' got 1.5; expected 0..1" in str(e.value)
    with pytest.raises(ParamRangeError):
        decl.param("damping").check(-0.1, "reverb")
    assert decl.params[0].name == "in" and decl.params[0].kind == "input"
