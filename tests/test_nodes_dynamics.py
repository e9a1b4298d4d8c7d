"""compressor and limiter: gain reduction measured in dB, makeup, the limiter's ceiling
never crossed, kernels == references, block-size invariance, warm-up to -120 dBFS."""
import math

import numpy as np
import pytest

from phonon import registry
from phonon.errors import CompileError, ParamRangeError
from phonon.nodes import dynamics
from phonon.nodes.harness import BLOCK_SIZES, make_node, run_node, run_warmed

SR = 44100


def sine(f, n, amp=1.0, ch=1):
    return np.tile(amp * np.sin(2 * np.pi * f * np.arange(n) / SR), (ch, 1))


def noise(n, ch=2, seed=8, amp=0.5):
    return np.random.default_rng(seed).standard_normal((ch, n)) * amp


def db_rms(x):
    return 10 * np.log10(np.mean(x ** 2))


def comp(x, **kw):
    p = {"in": x, "threshold_db": -20.0, "ratio": 4.0, "attack": 0.005, "release": 0.1,
         "makeup_db": 0.0}
    p.update(kw)
    return run_node("compressor", p, n=x.shape[1])


# -- compressor --------------------------------------------------------------------------------


@pytest.mark.parametrize("f", [110.0, 440.0, 2000.0])
def test_tone_20_db_over_threshold_at_ratio_4_loses_15_db(f):
    n = SR
    x = sine(f, n, amp=1.0)                   # peak 0 dBFS = threshold + 20 dB
    y = comp(x)
    steady = slice(SR // 2, n)
    assert db_rms(y[:, steady]) - db_rms(x[:, steady]) == pytest.approx(-15.0, abs=1.0)


def test_makeup_adds_decibels():
    x = sine(440.0, SR)
    a = comp(x)
    b = comp(x, makeup_db=6.0)
    assert db_rms(b[:, SR // 2:]) - db_rms(a[:, SR // 2:]) == pytest.approx(6.0, abs=1e-9)


def test_below_threshold_and_ratio_one_are_unity_exactly():
    x = sine(440.0, 5000, amp=0.05)           # -26 dBFS peak
    assert np.array_equal(comp(x), x)
    loud = sine(440.0, 5000, amp=1.0)
    assert np.array_equal(comp(loud, ratio=1.0), loud)


def test_attack_then_release():
    n = SR
    x = sine(1000.0, n, amp=0.05)
    x[:, SR // 4: SR // 2] *= 20.0           # a loud stretch: 0 dBFS, 20 dB over
    y = comp(x, attack=0.01, release=0.1)
    gain = lambda a, b: db_rms(y[:, a:b]) - db_rms(x[:, a:b])  # noqa: E731
    assert gain(SR // 4, SR // 4 + 100) > -3.0             # not yet clamped at the onset
    assert gain(SR // 2 - 2000, SR // 2) == pytest.approx(-15.0, abs=1.0)
    assert gain(SR // 2, SR // 2 + 400) < -10.0            # still reduced just after
    assert -0.3 < gain(n - 2000, n) < 0.0                  # 15 dB * exp(-4.6): recovered


def test_stereo_linked_gain():
    n = SR // 2
    x = np.concatenate([sine(300.0, n, amp=1.0), sine(300.0, n, amp=0.1)])
    y = comp(x)
    assert y.shape == (2, n)
    nz = np.abs(x[1]) > 1e-3
    assert np.allclose(y[0, nz] / x[0, nz], y[1, nz] / x[1, nz], rtol=1e-12)


def test_compressor_kernel_matches_reference():
    rng = np.random.default_rng(3)
    n = 4000
    x = rng.standard_normal((2, n))
    x[:, 100:200] = 0.0
    thr = -30 + 20 * rng.random(n)
    ratio = 1 + 10 * rng.random(n)
    attack = np.repeat([0.0, 0.002, 0.01, 0.05], n // 4)
    release = np.repeat([0.05, 0.0, 0.3, 0.1], n // 4)
    makeup = 6 * rng.random(n)
    s1, s2 = np.array([3.0, 2.0]), np.array([3.0, 2.0])
    y1 = dynamics._compressor_kernel(x, float(SR), thr, ratio, attack, release, makeup, s1)
    y2 = dynamics._ref_compressor(x, float(SR), thr, ratio, attack, release, makeup, s2)
    assert np.allclose(y1, y2, rtol=0, atol=1e-12) and np.allclose(s1, s2, rtol=0, atol=1e-12)


@pytest.mark.parametrize("block", BLOCK_SIZES)
def test_compressor_block_size_invariance(block):
    n = 30000
    x = noise(n) * np.linspace(0.1, 3.0, n)
    params = {"in": x, "threshold_db": -18.0, "ratio": 6.0, "attack": 0.003, "release": 0.08,
              "makeup_db": np.linspace(0, 6, n)[None, :]}
    ref = run_node("compressor", params, n=n, block=n)
    assert np.array_equal(run_node("compressor", params, n=n, block=block), ref)


def test_compressor_seek_after_warmup():
    params = {"threshold_db": -20.0, "ratio": 8.0, "attack": 0.01, "release": 0.25, "makeup_db": 3.0}
    node, *_ = make_node("compressor", {"in": np.zeros((1, 4)), **params})
    S = math.ceil(node.tail_seconds() * SR) + SR // 2
    n = S + SR
    x = noise(n, amp=0.05)
    x[:, S - SR // 2: S - 10] *= 40.0        # loud until just before S: the release crosses S
    params["in"] = x
    full = run_node("compressor", params, n=n)
    part, start = run_warmed("compressor", params, n, S)
    cold = run_node("compressor", {**params, "in": x[:, S:]}, n=n - S, start=S)
    assert start > 0
    assert np.max(np.abs(cold - full[:, S:])) > 1e-2                 # state matters across S
    assert np.max(np.abs(part - full[:, S:])) < 1e-6


def test_compressor_declaration():
    decl = registry.lookup("compressor")
    assert decl.category == "dynamics"
    assert [p.name for p in decl.params] == ["in", "threshold_db", "ratio", "attack", "release",
                                             "makeup_db"]
    with pytest.raises(ParamRangeError) as e:
        decl.param("ratio").check(0.5, "compressor")
    assert "compressor: parameter 'ratio' got 0.5; expected 1..1000" in str(e.value)


# -- limiter -----------------------------------------------------------------------------------


def lim(x, thr=0.5, attack=0.005, release=0.05, block=4096):
    return run_node("limiter", {"in": x, "threshold": thr, "attack": attack, "release": release},
                    n=x.shape[1], block=block)


@pytest.mark.parametrize("attack", [0.0, 0.001, 0.005])
def test_limiter_output_never_exceeds_threshold(attack):
    n = SR
    x = noise(n, amp=1.0) * np.linspace(0.2, 8.0, n)
    x[:, 20000] = 50.0                        # a lone spike
    y = lim(x, thr=0.5, attack=attack)
    assert np.max(np.abs(y)) <= 0.5 * (1 + 1e-12)
    assert np.max(np.abs(y)) > 0.49
    assert np.all(np.isfinite(y))


def test_limiter_is_a_pure_delay_below_threshold_and_reports_latency():
    n = 5000
    x = noise(n, amp=0.1)
    x = np.clip(x, -0.4, 0.4)
    y = lim(x, thr=0.5, attack=0.002)
    L = round(0.002 * SR)
    assert np.array_equal(y[:, L:], x[:, :-L]) and np.all(y[:, :L] == 0.0)


def test_limiter_levels_a_loud_tone_and_recovers():
    n = SR
    x = sine(220.0, n, amp=0.25)
    x[:, SR // 4: SR // 2] *= 8.0             # amplitude 2 for a quarter second
    y = lim(x, thr=1.0, attack=0.005, release=0.05)
    L = round(0.005 * SR)
    loud = y[:, SR // 4 + L + 2000: SR // 2 + L]
    assert 0.97 < np.max(np.abs(loud)) <= 1.0
    tail = y[:, n - 4000:]
    assert np.max(np.abs(tail)) == pytest.approx(0.25, rel=1e-3)   # gain back to ~1


def test_limiter_kernel_matches_reference():
    rng = np.random.default_rng(12)
    n = 3000
    x = rng.standard_normal((2, n)) * np.linspace(0.1, 4.0, n)
    thr = 0.3 + 0.5 * rng.random(n)
    release = np.repeat([0.01, 0.0, 0.05], n // 3)
    y = run_node("limiter", {"in": x, "threshold": thr[None, :], "attack": 0.002,
                             "release": release[None, :]}, n=n, block=777)
    ref = dynamics._ref_limiter(x, thr, release, float(SR), round(0.002 * SR))
    assert np.allclose(y, ref, rtol=0, atol=1e-12)


@pytest.mark.parametrize("block", BLOCK_SIZES)
def test_limiter_block_size_invariance(block):
    n = 30000
    x = noise(n, amp=1.0) * np.linspace(0.2, 4.0, n)
    ref = lim(x, block=n)
    assert np.array_equal(lim(x, block=block), ref)


def test_limiter_seek_after_warmup():
    params = {"threshold": 0.3, "attack": 0.003, "release": 0.2}
    node, *_ = make_node("limiter", {"in": np.zeros((1, 4)), **params})
    S = math.ceil(node.tail_seconds() * SR) + SR // 2
    n = S + SR // 2
    x = noise(n, amp=0.1)
    x[:, S - SR // 4: S - 10] *= 20.0
    params["in"] = x
    full = run_node("limiter", params, n=n)
    part, start = run_warmed("limiter", params, n, S)
    cold = run_node("limiter", {**params, "in": x[:, S:]}, n=n - S, start=S)
    assert start > 0
    assert np.max(np.abs(cold - full[:, S:])) > 1e-2
    assert np.max(np.abs(part - full[:, S:])) < 1e-6


def test_limiter_declaration_and_constant_attack():
    decl = registry.lookup("limiter")
    assert decl.category == "dynamics"
    with pytest.raises(ParamRangeError) as e:
        decl.param("attack").check(0.5, "limiter")
    assert "limiter: parameter 'attack' got 0.5; expected 0..0.1 (s)" in str(e.value)
    with pytest.raises(CompileError, match="attack"):
        make_node("limiter", {"in": np.zeros((1, 4)), "threshold": 0.5, "attack": np.zeros((1, 4))})
