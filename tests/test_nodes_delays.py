"""delay: echoes land on exact samples with feedback^k amplitudes, the kernel matches its
reference, output is block-size invariant, and a warm-up of tail_seconds reproduces a
chunk to -120 dBFS."""
import math

import numpy as np
import pytest

from phonon import registry
from phonon.errors import ParamRangeError
from phonon.nodes import delays
from phonon.nodes.base import PatternInput
from phonon.nodes.harness import BLOCK_SIZES, make_node, run_node, run_warmed

SR = 44100


def impulse(n, at=0, ch=1):
    x = np.zeros((ch, n))
    x[:, at] = 1.0
    return x


def noise(n, ch=2, seed=1, amp=0.5):
    return np.random.default_rng(seed).standard_normal((ch, n)) * amp


def test_impulse_echoes_at_exact_samples_with_feedback_powers():
    n = 5 * 4410 + 10
    y = run_node("delay", {"in": impulse(n), "time": 0.1, "feedback": 0.5, "mix": 0.5}, n=n)
    nz = np.flatnonzero(y[0])
    assert list(nz) == [0, 4410, 8820, 13230, 17640, 22050]
    assert y[0, 0] == 0.5                                   # dry = 1 - mix
    for k in range(1, 6):
        assert y[0, 4410 * k] == pytest.approx(0.5 * 0.5 ** (k - 1), abs=1e-15)


def test_fractional_time_centroid_within_a_sample():
    n = 6000
    t = 0.1234567
    y = run_node("delay", {"in": impulse(n), "time": t, "feedback": 0.0, "mix": 1.0}, n=n)[0]
    idx = np.arange(n)
    assert np.sum(idx * y) / np.sum(y) == pytest.approx(t * SR, abs=1e-9)
    assert np.sum(y) == pytest.approx(1.0, abs=1e-12)


def test_tail_rings_into_silence_and_tail_formula():
    fb, t = 0.6, 0.05
    node, *_ = make_node("delay", {"in": np.zeros((1, 8)), "time": t, "feedback": fb, "mix": 1.0})
    tail = node.tail_seconds()
    assert tail >= t * math.log(1e-7) / math.log(fb) + t
    zero_fb, *_ = make_node("delay", {"in": np.zeros((1, 8)), "time": t, "feedback": 0.0})
    assert zero_fb.tail_seconds() == t
    burst = int(0.3 * SR)
    n = burst + int((tail + 0.2) * SR)
    x = np.zeros((1, n))
    x[0, :burst] = noise(burst, ch=1)[0]
    y = run_node("delay", {"in": x, "time": t, "feedback": fb, "mix": 1.0}, n=n)[0]
    ring = y[burst: burst + int(0.1 * SR)]
    assert np.sqrt(np.mean(ring ** 2)) > 0.05                      # echoes after the input stops
    assert np.max(np.abs(y[burst + int(tail * SR):])) < 1e-6       # and they die within the tail
    assert np.all(np.isfinite(y))


def test_mix_zero_is_dry_exactly_and_mono_stays_mono():
    x = noise(10000, ch=1)
    y = run_node("delay", {"in": x, "time": 0.01, "feedback": 0.9, "mix": 0.0}, n=10000)
    assert y.shape == (1, 10000)
    assert np.array_equal(y, x)


def test_stereo_channels_are_independent():
    n = 3000
    x = np.zeros((2, n))
    x[0, 0] = 1.0
    y = run_node("delay", {"in": x, "time": 0.01, "feedback": 0.5, "mix": 1.0}, n=n)
    assert y.shape == (2, n)
    assert np.all(y[1] == 0.0)
    assert y[0, 441] == 1.0 and y[0, 882] == 0.5


def test_time_as_control_signal_moves_the_echo():
    n = 20000
    time = np.full(n, 0.05)
    time[10000:] = 0.1                         # a stepped control, per sample
    x = impulse(n, at=12000)
    y = run_node("delay", {"in": x, "time": time, "feedback": 0.0, "mix": 1.0}, n=n)[0]
    assert list(np.flatnonzero(y)) == [12000 + 4410]


def test_kernel_matches_reference():
    rng = np.random.default_rng(7)
    n, L = 3000, 700
    x = rng.standard_normal((2, n))
    dsamp = 300 + 250 * np.sin(np.arange(n) / 200.0) + rng.random(n)
    dsamp[:5] = 0.2                                      # clamped to one sample
    fb = rng.random(n) * 0.99
    mix = rng.random(n)
    buf0 = rng.standard_normal((2, L))
    y1, w1 = delays._delay_kernel(x, dsamp, fb, mix, buf0.copy(), 123)
    b2 = buf0.copy()
    y2, w2 = delays._ref_delay(x, dsamp, fb, mix, b2, 123)
    assert w1 == w2
    assert np.allclose(y1, y2, rtol=0, atol=1e-12)


def test_kernel_constant_params_equal_per_sample_arrays():
    rng = np.random.default_rng(3)
    for ch in (1, 2):
        b1 = rng.standard_normal((ch, 700))
        b2 = b1.copy()
        w1 = w2 = 650
        for n, d in [(1000, 0.3), (65, 698.0), (3, 17.25), (500, 1e-3)]:
            x = rng.standard_normal((ch, n))
            fb, mix = rng.random(2)
            y1, w1 = delays._delay_kernel(x, np.array([d]), np.array([fb]), np.array([mix]), b1, w1)
            y2, w2 = delays._delay_kernel(x, np.full(n, d), np.full(n, fb), np.full(n, mix), b2, w2)
            assert np.array_equal(y1, y2) and w1 == w2 and np.array_equal(b1, b2)


@pytest.mark.parametrize("block", BLOCK_SIZES)
def test_block_size_invariance(block):
    n = 30000
    x = noise(n)
    time = 0.02 + 0.01 * np.sin(np.arange(n) * 2 * np.pi * 0.5 / SR)  # modulated (signal) time
    mix = np.linspace(0.2, 0.9, n)
    params = {"in": x, "time": time[None, :], "feedback": 0.7, "mix": mix[None, :]}
    ref = run_node("delay", params, n=n, block=n)
    assert np.array_equal(run_node("delay", params, n=n, block=block), ref)


def test_seek_after_warmup_matches_within_minus_120_dbfs():
    n, S = 5 * SR, 4 * SR
    x = noise(n)
    x[:, S - 2000:] = 0.0                      # the echoes cross S into silence
    params = {"in": x, "time": 0.05, "feedback": 0.7, "mix": 0.5}
    full = run_node("delay", params, n=n)
    part, start = run_warmed("delay", params, n, S)
    assert start > 0
    assert np.sqrt(np.mean(full[:, S:S + 4410] ** 2)) > 0.05   # non-trivial across S
    assert np.max(np.abs(part - full[:, S:])) < 1e-6


def test_range_errors_say_what_is_allowed():
    decl = registry.lookup("delay")
    with pytest.raises(ParamRangeError) as e:
        decl.param("feedback").check(1.0, "delay")
    assert "delay: parameter 'feedback' got 1; expected 0..0.999" in str(e.value)
    with pytest.raises(ParamRangeError):
        decl.param("time").check(0.0, "delay")
    with pytest.raises(ParamRangeError):
        decl.param("time").check(11.0, "delay")
    decl.param("feedback").check(0.999, "delay")
    assert decl.params[0].name == "in" and decl.params[0].kind == "input"
    assert decl.category == "effect"


class Stepped(PatternInput):
    """A stand-in pattern: a stepped control from absolute sample breakpoints."""

    def __init__(self, graph, steps):
        super().__init__(None, graph)
        self.steps = steps  # [(from_sample, value)] ascending

    def signal(self, block):
        n = np.arange(block.start, block.end)
        out = np.zeros(block.n)
        for at, v in self.steps:
            out[n >= at] = v
        return out


@pytest.mark.parametrize("block", [65, 4096])
def test_time_and_mix_as_patterns(block):
    n = 20000
    node, graph, *_ = make_node("delay", {"in": np.zeros((1, 4)), "time": 0.1})
    time = Stepped(graph, [(0, 0.05), (10000, 0.1)])
    mix = Stepped(graph, [(0, 1.0), (15000, 0.5)])
    x = impulse(n, at=3000) + impulse(n, at=11000)
    y = run_node("delay", {"in": x, "time": time, "feedback": 0.0, "mix": mix}, n=n, block=block)[0]
    assert list(np.flatnonzero(y)) == [3000 + 2205, 11000 + 4410]   # mix 1: no dry at 11000
    assert y[5205] == 1.0 and y[15410] == 0.5
