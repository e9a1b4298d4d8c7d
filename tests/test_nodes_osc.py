"""Oscillators and noise: frequency and level measured by FFT/RMS, bandlimiting measured
against the naive waveform, kernels equal their references, output is block-size
invariant, seekable nodes restart bit-exactly and fading ones within -120 dBFS."""
import math

import numpy as np
import pytest

from phonon import registry
from phonon.nodes import osc
from phonon.nodes.base import FADING, HISTORY, SEEKABLE
from phonon.nodes.harness import assert_block_invariant, make_node, run_node, run_warmed
from phonon.pattern import mini

SR = 44100
WAVES = ("sine", "saw", "square", "tri", "pulse")


def steps(values):
    """mini("a b ~ c") from a list (None = rest)."""
    return mini(" ".join("~" if v is None else str(v) for v in values))


def peak_hz(y, sr=SR):
    spec = np.abs(np.fft.rfft(y * np.hanning(len(y))))
    k = int(np.argmax(spec))
    # parabolic interpolation of the log magnitude
    a, b, c = np.log(spec[k - 1: k + 2] + 1e-300)
    return (k + 0.5 * (a - c) / (a - 2 * b + c)) * sr / len(y)


def alias_ratio_db(y, f, sr=SR):
    """Energy away from the harmonics of f, relative to the total (dB)."""
    n = len(y)
    spec = np.abs(np.fft.rfft(y * np.blackman(n))) ** 2
    freqs = np.arange(len(spec)) * sr / n
    near = np.zeros(len(spec), dtype=bool)
    for h in np.arange(f, sr / 2, f):
        near |= np.abs(freqs - h) < 8 * sr / n
    return 10 * np.log10(spec[~near].sum() / spec.sum())


# -- kernels against their references --------------------------------------------------------

# A compiled kernel and its numpy reference are two implementations of one formula: their
# transcendental calls (`math.pow`, `math.sin` in the kernel: the C library; `**`, `np.sin`:
# numpy's CPU-dispatched SIMD loops) may round differently in the last bit, and differently
# on Intel and AMD. So they are compared to a few ulps of the waveform's full scale (|y| <= 1),
# never bit for bit; bit-identity is asserted only where it is the contract (block sizes,
# seeking, farm vs one process: one implementation on one machine).
KERNEL_ATOL = 8 * np.finfo(np.float64).eps


def assert_close_to_reference(got, want, what=""):
    assert got.shape == want.shape, what
    err = float(np.max(np.abs(got - want))) if got.size else 0.0
    assert err <= KERNEL_ATOL, f"{what}: kernel vs reference differ by {err:.3g} (> {KERNEL_ATOL:.3g})"


def test_phase_accumulator_matches_reference():
    f = 300 + 200 * np.sin(np.arange(5000) / 300.0)
    s1, s2 = np.array([0.3]), np.array([0.3])
    assert_close_to_reference(osc._phase_acc(f, 1 / SR, s1), osc._ref_phase_acc(f, 1 / SR, s2))
    assert_close_to_reference(s1, s2)


def test_white_noise_matches_scalar_splitmix_reference():
    key = osc._noise_key(7, 3)
    y = osc.white(key, -5, 64)
    assert np.array_equal(y, [osc._ref_white(key, i & ((1 << 64) - 1)) for i in range(-5, 59)])


def test_pink_and_brown_kernels_match_references():
    w = osc.white(osc._noise_key(1, 1), 0, 3000)
    poles = osc._pink_poles(SR)
    s1, s2 = np.zeros(7), np.zeros(7)
    assert np.allclose(osc._pink_kernel(w, poles, osc._PINK_GAINS, s1),
                       osc._ref_pink(w, poles, osc._PINK_GAINS, s2), rtol=0, atol=1e-12)
    assert np.allclose(s1, s2, rtol=0, atol=1e-12)
    s1, s2 = np.zeros(1), np.zeros(1)
    assert_close_to_reference(osc._leaky_kernel(w, 0.999, 0.01, s1), osc._ref_leaky(w, 0.999, 0.01, s2))


def assert_kernel_is_reference(kind, cases):
    """process() (compiled kernels) equals reference() (numpy forms) to a few ulps, at odd
    starts and lengths, for every parameter set in `cases`."""
    for params in cases:
        a, graph, init, per_block = make_node(kind, params)
        b, *_ = make_node(kind, params)
        for start, n in [(0, 9000), (123, 4001), (10 ** 7 + 17, 8192)]:
            args = dict(init)
            args.update({k: v[:, :n] for k, v in per_block.items()})
            a.reset(start)
            b.reset(start)
            block = osc.Block(start, n, graph)
            assert_close_to_reference(a.process(block, dict(args)), b.reference(block, dict(args)),
                                      f"{kind} {params} at {start}")


@pytest.mark.parametrize("kind", WAVES)
def test_waveform_kernel_matches_numpy_reference(kind):
    """The one-pass kernels (`_osc_segments`, `_osc_phases`, const runs) against the
    vectorized numpy forms `_saw` etc. (`_Osc.reference`), at odd starts and lengths."""
    sig = 300 + 100 * np.sin(np.arange(9000) / 300.0)
    cases = [{"freq": 441.3}, {"freq": -300.0}, {"freq": 0.0}, {"freq": 30000.0},
             {"freq": steps([110, "165.5", None, 55])}, {"freq": steps([None, 0, 55, 2637.3])},
             {"freq": sig}]
    if kind == "pulse":
        cases += [{"freq": 200.0, "width": 0.3 + 0.4 * np.sin(np.arange(9000) / 500)},
                  {"freq": 200.0, "width": 1.3}, {"freq": steps([110, 220]), "width": 0.1}]
    assert_kernel_is_reference(kind, cases)


def test_fm_kernel_matches_numpy_reference():
    sig = 300 + 100 * np.sin(np.arange(9000) / 300.0)
    assert_kernel_is_reference("fm", [
        {"carrier": 440.0, "modfreq": 220.0, "index": 2.0},
        {"carrier": steps([220, None, 0, 330]), "modfreq": 110.0, "index": sig / 100},
        {"carrier": sig, "modfreq": sig / 2, "index": 2.0},
        {"carrier": steps([None, 55]), "modfreq": steps([0, 3, None, 7]), "index": 3.0},
        {"carrier": 0.0, "modfreq": -20.0}])


def test_oscillator_bank_equals_one_node_at_a_time():
    """`_osc_bank` (an engine batch of constant-frequency oscillators) is row by row the
    single-node kernel."""
    waves = np.array([osc.SAW, osc.SINE, osc.TRI, osc.SQUARE, osc.PULSE, osc.SAW])
    freqs = np.array([55.0, 441.3, 2637.3, -110.0, 82.4, 0.0])
    widths = np.array([0.5, 0.5, 0.5, 0.5, 0.2, 0.5])
    for start, n in [(0, 5000), (987654, 777)]:
        out = osc._osc_bank(waves, freqs, widths, start, float(SR), np.empty((6, n)))
        for j in range(6):
            row = np.empty(n)
            osc._wave_run(waves[j], float(start), freqs[j] / SR, abs(freqs[j]) / SR, 0.0,
                          np.array([widths[j]]), row)
            assert np.array_equal(out[j], row), j


# -- sound -------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", WAVES)
def test_fundamental_at_the_requested_frequency(kind):
    y = run_node(kind, {"freq": 441.3}, n=SR)[0]
    assert abs(peak_hz(y) - 441.3) < 0.5  # within half a bin (1 Hz bins)


def test_sine_level_and_bare_sine_is_a_1hz_lfo():
    y = run_node("sine", {"freq": 1000.0}, n=SR)[0]
    assert np.max(np.abs(y)) <= 1.0
    assert 20 * np.log10(np.sqrt(np.mean(y ** 2))) == pytest.approx(-3.0103, abs=0.01)
    lfo = run_node("sine", {}, n=SR)[0]
    assert lfo[0] == 0.0 and lfo[SR // 4] == pytest.approx(1.0, abs=1e-9)
    decl = registry.REGISTRY["sine"]
    assert decl.param("freq").default == 1.0 and decl.param("freq").unit == "Hz"
    assert not decl.chainable


@pytest.mark.parametrize("kind,naive", [
    ("saw", lambda p: 2 * p - 1),
    ("square", lambda p: np.where(p < 0.5, 1.0, -1.0)),
    ("tri", lambda p: 1 - 4 * np.abs((p + 0.25) % 1.0 - 0.5)),
])
def test_bandlimiting_reduces_aliasing(kind, naive):
    f = 2637.3
    y = run_node(kind, {"freq": f}, n=SR)[0]
    p = (np.arange(SR) * (f / SR)) % 1.0
    blep, raw = alias_ratio_db(y, f), alias_ratio_db(naive(p), f)
    assert blep < raw - (6 if kind == "tri" else 10), (blep, raw)
    assert np.max(np.abs(y)) < 1.1


def test_tri_starts_at_zero_and_rises_like_a_sine():
    y = run_node("tri", {"freq": 1.0}, n=SR)[0]
    assert abs(y[0]) < 1e-12 and y[SR // 4] == pytest.approx(1.0, abs=1e-4)  # BLAMP rounds the corner
    assert y[3 * SR // 4] == pytest.approx(-1.0, abs=1e-4)


def test_pulse_width_sets_the_duty_cycle():
    for w in (0.1, 0.25, 0.75):
        y = run_node("pulse", {"freq": 100.0, "width": w}, n=SR)[0]
        assert np.mean(y) == pytest.approx(2 * w - 1, abs=0.01)
    wmod = 0.5 + 0.4 * np.sin(2 * np.pi * 0.5 * np.arange(SR) / SR)
    y = run_node("pulse", {"freq": 100.0, "width": wmod}, n=SR)[0]
    assert np.all(np.isfinite(y)) and np.max(np.abs(y)) < 1.2


def test_fm_sidebands_at_carrier_plus_minus_modulator():
    y = run_node("fm", {"carrier": 1000.0, "modfreq": 200.0, "index": 1.0}, n=SR)[0]
    spec = np.abs(np.fft.rfft(y)) / (SR / 2)
    # Bessel amplitudes: J0(1) = 0.7652 at the carrier, J1(1) = 0.4401 at ±200 Hz.
    assert spec[1000] == pytest.approx(0.7652, abs=0.002)
    assert spec[800] == pytest.approx(0.4401, abs=0.002) and spec[1200] == pytest.approx(0.4401, abs=0.002)
    y0 = run_node("fm", {"carrier": 440.0, "modfreq": 200.0, "index": 0.0}, n=4096)[0]
    assert np.allclose(y0, run_node("sine", {"freq": 440.0}, n=4096)[0], atol=1e-12)


def test_pattern_frequency_steps_are_continuous_and_exact():
    pat = steps([220, 330, None, 440])
    y = run_node("sine", {"freq": pat}, n=2 * 88200)[0]
    q = 22050  # cps 1/2 -> a step is a quarter of 88200 samples
    assert abs(peak_hz(y[:q]) - 220) < 2 and abs(peak_hz(y[q:2 * q]) - 330) < 2
    # a rest holds the previous pitch, phase continuous, so a release can ring on
    assert abs(peak_hz(y[2 * q:3 * q]) - 330) < 2
    assert np.max(np.abs(np.diff(y[q: 3 * q]))) <= 2 * np.pi * 330 / SR * 1.0001
    silent_start = run_node("sine", {"freq": steps([None, None, None, 220])}, n=3 * q + 10)[0]
    assert np.all(silent_start[:3 * q] == 0.0) and silent_start[3 * q + 5] != 0.0
    # no click at a step: the sample-to-sample change stays below the largest slope
    assert np.max(np.abs(np.diff(y[: 2 * q]))) <= 2 * np.pi * 330 / SR * 1.0001
    # the exact phase at the 440 step (sample 66150): 220*0.5 + 330*0.5 + 0 = 275 cycles
    assert y[3 * q] == pytest.approx(0.0, abs=1e-9)
    assert y[3 * q + 25] == pytest.approx(math.sin(2 * math.pi * 440 * 25 / SR), abs=1e-9)


def test_note_names_in_a_frequency_pattern_are_hz():
    y = run_node("saw", {"freq": mini("a4 a5")}, n=88200)[0]
    assert abs(peak_hz(y[:44100]) - 440) < 0.5 and abs(peak_hz(y[44100:]) - 880) < 0.5


def test_audio_rate_frequency_follows_the_signal_and_is_history():
    f = np.full(SR, 441.3)
    y = run_node("saw", {"freq": f}, n=SR)[0]
    assert np.max(np.abs(y - run_node("saw", {"freq": 441.3}, n=SR)[0])) < 1e-8
    node, *_ = make_node("sine", {"freq": f})
    assert node.state_class == HISTORY
    node, *_ = make_node("fm", {"carrier": 440.0, "modfreq": f, "index": 1.0})
    assert node.state_class == HISTORY


def test_noise_is_white_uniform_and_a_pure_function_of_seed_node_and_sample():
    y = run_node("noise", {}, n=SR, seed=3)[0]
    assert np.array_equal(y, run_node("noise", {}, n=SR, seed=3)[0])
    assert not np.array_equal(y, run_node("noise", {}, n=SR, seed=4)[0])
    assert not np.array_equal(y, run_node("noise", {}, n=SR, seed=3, node_id=2)[0])
    assert y.min() >= -1.0 and y.max() < 1.0
    assert abs(y.mean()) < 0.01 and np.var(y) == pytest.approx(1 / 3, rel=0.02)
    spec = np.abs(np.fft.rfft(y)) ** 2
    lo, hi = spec[100:5000].mean(), spec[15000:20000].mean()
    assert abs(10 * np.log10(lo / hi)) < 0.5  # flat


@pytest.mark.parametrize("kind,db_per_octave", [("pink", -3.0), ("brown", -6.0)])
def test_coloured_noise_slope(kind, db_per_octave):
    y = run_node(kind, {}, n=4 * SR)[0]
    spec = np.abs(np.fft.rfft(y)) ** 2
    freqs = np.fft.rfftfreq(len(y), 1 / SR)
    # mean power density per band, octaves 100-200 Hz ... 3200-6400 Hz
    dens = [spec[(freqs >= f) & (freqs < 2 * f)].mean() for f in (100, 200, 400, 800, 1600, 3200)]
    slope = np.polyfit(np.arange(6), 10 * np.log10(dens), 1)[0]
    assert slope == pytest.approx(db_per_octave, abs=0.6)
    assert 0.1 < np.std(y) < 0.35 and np.max(np.abs(y)) < 1.5


# -- block size, seeking -------------------------------------------------------------------

def _cases():
    sig = 300 + 100 * np.sin(2 * np.pi * 3 * np.arange(40000) / SR)
    return [
        *[(k, {"freq": 441.3}) for k in WAVES],
        *[(k, {"freq": steps([110, "165.5", None, 55])}) for k in WAVES],
        *[(k, {"freq": sig}) for k in WAVES],
        ("pulse", {"freq": 200.0, "width": 0.3 + 0.2 * np.sin(np.arange(40000) / 500)}),
        ("fm", {"carrier": steps([220, 330]), "modfreq": 110.0, "index": sig / 100}),
        ("fm", {"carrier": sig, "modfreq": sig / 2, "index": 2.0}),
        ("noise", {}), ("pink", {}), ("brown", {}),
    ]


@pytest.mark.parametrize("kind,params", _cases(), ids=lambda v: v if isinstance(v, str) else "")
def test_block_size_invariance(kind, params):
    assert_block_invariant(kind, params, n=40000)


@pytest.mark.parametrize("kind,params", [
    *[(k, {"freq": 441.3}) for k in WAVES],
    *[(k, {"freq": steps([110, 165.5, None, 55])}) for k in WAVES],
    ("fm", {"carrier": steps([220, 330]), "modfreq": 110.0, "index": 3.0}),
    ("noise", {}),
], ids=lambda v: v if isinstance(v, str) else "")
def test_seekable_nodes_restart_bit_exactly(kind, params):
    node, *_ = make_node(kind, params)
    assert node.state_class == SEEKABLE
    n, S = 100000, 61237  # S: mid-step of the pattern
    whole = run_node(kind, params, n=n, block=4096)
    assert np.array_equal(run_node(kind, params, n=n - S, start=S, block=512), whole[:, S:])


@pytest.mark.parametrize("kind", ["pink", "brown"])
def test_fading_noise_warm_up_within_minus_120_dbfs(kind):
    node, *_ = make_node(kind, {})
    assert node.state_class == FADING and 0 < node.tail_seconds() < 1.0
    n, S = 3 * SR, 2 * SR + 123
    whole = run_node(kind, {}, n=n)
    assert np.max(np.abs(run_warmed(kind, {}, n, S)[0] - whole[:, S:])) < 1e-6


def test_periodic_frequency_pattern_seeks_in_constant_time_and_keeps_the_exact_phase():
    """A pattern with a known period (here 4 cycles: 352800 samples) is not integrated from
    sample 0 on a far seek: period k is period 1 shifted, one period's exact phase added k
    times. The pitch and the phase are those of the full integral (to 1e-9), and the
    output restarts bit-exactly at any sample, as every seekable node does."""
    from phonon.pattern.core import Pattern
    pat = mini("<55 65.41 [73.42 ~] 49>")
    assert pat.period == 4
    calls = []

    def counted(span):
        calls.append(span)
        return pat.query_span(span)

    periodic = Pattern(counted, period=pat.period)
    integral = Pattern(pat.query_span)  # period unknown: integrated from sample 0
    S = 30 * 88200 + 1234  # cycle 30, inside the rest of a "[73.42 ~]" cycle
    for kind in ("saw", "sine", "square"):
        a = run_node(kind, {"freq": periodic}, n=3 * 88200, start=S, block=4096)
        b = run_node(kind, {"freq": integral}, n=3 * 88200, start=S, block=4096)
        assert np.max(np.abs(a - b)) < 1e-9
        assert np.array_equal(run_node(kind, {"freq": periodic}, n=88200, start=S + 97531, block=512),
                              a[:, 97531:97531 + 88200])
    # steps at 55, 65.41, 73.42, 49 Hz in cycles 32, 33, 34 (a pitch of cycle 30 mod 4 = 2 ...)
    y = run_node("sine", {"freq": periodic}, n=4 * 88200, start=32 * 88200)[0]
    for c, f in enumerate((55, 65.41, 73.42, 49)):
        seg = y[c * 88200: c * 88200 + 44100]
        assert abs(peak_hz(seg) - f) < 0.5
    # an hour in: a handful of cycle queries (two periods' worth), not ~1800 cycles of them
    calls.clear()
    run_node("saw", {"freq": periodic}, n=8192, start=3600 * SR)
    assert len(calls) < 40
