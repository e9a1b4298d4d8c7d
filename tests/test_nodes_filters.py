"""Filters: responses measured with sines (−3 dB at the cutoff, pass/stop levels, band peak,
notch depth, resonance), kernels equal their references, modulated cutoffs stay finite and
free of block-rate artifacts, output is block-size invariant and a warm-up of
tail_seconds reproduces a chunk within −120 dBFS."""
import math

import numpy as np
import pytest

from phonon import registry
from phonon.nodes import filters
from phonon.nodes.base import FADING
from phonon.nodes.harness import assert_block_invariant, make_node, run_node, run_warmed
from phonon.pattern import mini

SR = 44100
SVF = ("lpf", "hpf", "bpf", "notch")
ALL = SVF + ("rlpf", "rhpf")


def steps(values):
    """mini("a b ~ c") from a list (None = rest)."""
    return mini(" ".join("~" if v is None else str(v) for v in values))


def sine(f, n=SR):
    return np.sin(2 * np.pi * f * np.arange(n) / SR)


def gain_db(kind, f, **params):
    """Steady-state gain at frequency f (RMS of the second half over the input's)."""
    x = sine(f)
    y = run_node(kind, {"in": x, **params}, n=SR)[0]
    h = SR // 2
    return 20 * np.log10(np.sqrt(np.mean(y[h:] ** 2)) / np.sqrt(np.mean(x[h:] ** 2)))


def rng_noise(n, ch=1, seed=1):
    return np.random.default_rng(seed).standard_normal((ch, n)) * 0.5


# -- kernels against their references --------------------------------------------------------

@pytest.mark.parametrize("mode", [filters.LP, filters.HP, filters.BP, filters.NOTCH])
def test_svf_kernel_matches_reference(mode):
    x = rng_noise(3000)[0]
    cut = 200 + 5000 * (1 + np.sin(np.arange(3000) / 200.0))
    for c, q in [(np.array([800.0]), np.array([0.9])), (cut, np.array([3.0])), (cut, cut / 1000)]:
        s1, s2 = np.array([0.1, -0.2]), np.array([0.1, -0.2])
        y1 = filters._svf_kernel(x, c, q, float(SR), mode, s1)
        y2 = filters._ref_svf(x, c, q, float(SR), mode, s2)
        assert np.allclose(y1, y2, rtol=0, atol=1e-12) and np.allclose(s1, s2, rtol=0, atol=1e-12)


@pytest.mark.parametrize("mode", [filters.LP, filters.HP, filters.BP, filters.NOTCH])
def test_svf_bank_equals_one_filter_at_a_time(mode):
    """`_svf_bank` (an engine batch of constant-coefficient SVFs) is row by row exactly
    `_svf_kernel`, state included, for any row count and length (tiles, remainders)."""
    rng = np.random.default_rng(mode)
    for k, n in [(1, 1), (3, 300), (16, 8193)]:
        x = rng.standard_normal((k, n))
        cut, q = rng.uniform(20, 20000, k), rng.uniform(0.2, 20, k)
        st0 = rng.standard_normal((k, 2))
        coefs = np.array([filters._svf_coefs(c, qq, float(SR)) for c, qq in zip(cut, q)])
        st = st0.copy()
        y = filters._svf_bank(x, coefs, mode, st, np.empty((k, n)))
        for j in range(k):
            s = st0[j].copy()
            ref = filters._svf_kernel(x[j], cut[j:j + 1], q[j:j + 1], float(SR), mode, s)
            assert np.array_equal(y[j], ref) and np.array_equal(st[j], s), (k, n, j)


@pytest.mark.parametrize("mode", [filters.LP, filters.HP])
def test_rlpf_rhpf_are_the_cookbook_biquad(mode):
    """rlpf/rhpf run the SVF: with a constant cutoff it is the cookbook's direct form I to
    rounding (the same bilinear transfer function; different operations, so not bit-equal)."""
    x = rng_noise(3000)[0]
    for fc, q in ((800.0, 4.0), (50.0, 0.707), (20000.0, 12.0)):
        s1, s2 = np.zeros(2), np.zeros(4)
        y1 = filters._svf_kernel(x, np.array([fc]), np.array([q]), float(SR), mode, s1)
        y2 = filters._ref_biquad(x, np.array([fc]), np.array([q]), float(SR), mode, s2)
        assert np.max(np.abs(y1 - y2)) < 1e-9 * max(1.0, np.max(np.abs(y2))), (fc, q)


def test_rlpf_swept_at_audio_rate_near_nyquist_stays_bounded():
    """The fuzzer's case: `saw 110 # rlpf (sine 2440 * 800 + 1200) 6` at 8 kHz reached inf in
    0.42 s as a direct-form biquad."""
    sr, n = 8000, 8000
    t = np.arange(n) / sr
    x = (2 * ((110 * t) % 1.0) - 1)
    cut = np.sin(2 * np.pi * 2440 * t) * 800 + 1200
    y = filters._svf_kernel(x, cut, np.array([6.0]), float(sr), filters.LP, np.zeros(2))
    assert np.all(np.isfinite(y)) and np.max(np.abs(y)) < 20


# -- responses ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["lpf", "hpf", "rlpf", "rhpf"])
def test_minus_3db_at_cutoff_with_q_0707(kind):
    qname = "q" if kind in SVF else "resonance"
    assert gain_db(kind, 1000.0, cutoff=1000.0, **{qname: 1 / math.sqrt(2)}) == \
        pytest.approx(-3.0103, abs=0.5)


def test_lpf_passes_low_and_stops_high():
    def ratio(f, kind):
        x = sine(f)
        y = run_node(kind, {"in": x, "cutoff": 1000.0}, n=SR)[0]
        return np.sqrt(np.mean(y[SR // 2:] ** 2) / np.mean(x[SR // 2:] ** 2))
    assert ratio(200, "lpf") > 0.8 and ratio(4000, "lpf") < 0.5
    assert ratio(4000, "hpf") > 0.8 and ratio(200, "hpf") < 0.5
    assert gain_db("lpf", 10000.0, cutoff=1000.0, q=0.707) < -38  # 12 dB/octave: ~-40 dB a decade up
    assert gain_db("hpf", 100.0, cutoff=1000.0, q=0.707) < -38


def test_bpf_peaks_at_its_centre_at_0db():
    gains = {f: gain_db("bpf", f, cutoff=1000.0, q=4.0) for f in (250, 500, 900, 1000, 1100, 2000, 4000)}
    assert gains[1000] == pytest.approx(0.0, abs=0.1)
    assert max(gains, key=gains.get) == 1000
    assert gains[500] < -12 and gains[2000] < -12


def test_notch_is_deep_at_its_centre():
    assert gain_db("notch", 1000.0, cutoff=1000.0, q=1.0) < -60
    assert gain_db("notch", 100.0, cutoff=1000.0, q=1.0) > -0.5
    assert gain_db("notch", 10000.0, cutoff=1000.0, q=1.0) > -0.5


def test_rlpf_resonance_peak_rises_with_resonance():
    peaks = [gain_db("rlpf", 1000.0, cutoff=1000.0, resonance=r) for r in (0.707, 2.0, 8.0)]
    assert peaks[0] < peaks[1] < peaks[2]
    assert peaks[1] == pytest.approx(20 * math.log10(2.0), abs=0.3)  # |H(fc)| = Q
    assert peaks[2] == pytest.approx(20 * math.log10(8.0), abs=0.3)


def test_cutoff_clamped_below_nyquist_and_out_of_range_q_stays_finite():
    x = rng_noise(20000)[0]
    for kind in ALL:
        y = run_node(kind, {"in": x, "cutoff": 30000.0}, n=20000)
        assert np.all(np.isfinite(y)) and np.max(np.abs(y)) < 20
    cut = np.full(20000, -500.0)  # an LFO gone negative
    y = run_node("lpf", {"in": x, "cutoff": cut, "q": np.full(20000, 0.0)}, n=20000)
    assert np.all(np.isfinite(y))


def test_declarations_take_the_input_first():
    for kind in ALL:
        decl = registry.REGISTRY[kind]
        assert decl.params[0].name == "in" and decl.params[0].kind == "input" and decl.chainable
        assert decl.param("cutoff").unit == "Hz" and decl.param("cutoff").default == 1000.0
    assert registry.REGISTRY["lpf"].param("q").default == 1.0


# -- modulation --------------------------------------------------------------------------------

def test_audio_rate_cutoff_is_finite_bounded_and_has_no_block_rate_artifacts():
    n = 20000
    x = rng_noise(n)[0]
    sweep = 1000 * 2 ** (4 * np.sin(2 * np.pi * 40 * np.arange(n) / SR))  # 60 Hz..16 kHz at 40 Hz
    for kind in ("lpf", "bpf", "rlpf"):
        params = {"in": x, "cutoff": sweep, ("resonance" if kind == "rlpf" else "q"): 5.0}
        a = run_node(kind, params, n=n, block=1)
        b = run_node(kind, params, n=n, block=8192)
        assert np.all(np.isfinite(a)) and np.max(np.abs(a)) < 20
        assert np.array_equal(a, b)  # coefficients per sample: nothing happens at block edges


def test_pattern_cutoff_steps():
    pat = steps([500, 4000])  # cps 1/2: 44100 samples each
    x = sine(2000, 2 * SR)
    y = run_node("lpf", {"in": x, "cutoff": pat, "q": 0.707}, n=2 * SR)[0]
    lo = np.sqrt(np.mean(y[SR // 2: SR] ** 2))
    hi = np.sqrt(np.mean(y[3 * SR // 2:] ** 2))
    assert lo < 0.1 and hi > 0.65


def test_stereo_channels_are_filtered_independently():
    x = rng_noise(20000, ch=2)
    y = run_node("lpf", {"in": x, "cutoff": 800.0}, n=20000)
    assert y.shape == (2, 20000)
    assert np.array_equal(y[1], run_node("lpf", {"in": x[1], "cutoff": 800.0}, n=20000)[0])
    assert run_node("lpf", {"in": x[0], "cutoff": 800.0}, n=100).shape == (1, 100)


# -- block size, warm-up ---------------------------------------------------------------------

def _cases():
    n = 30000
    x2 = rng_noise(n, ch=2)
    sweep = 300 + 3000 * (1 + np.sin(np.arange(n) / 700.0))
    out = []
    for kind in ALL:
        qn = "q" if kind in SVF else "resonance"
        out += [(kind, {"in": x2, "cutoff": 1234.0, qn: 2.0}),
                (kind, {"in": x2[:1], "cutoff": sweep, qn: 0.707}),
                (kind, {"in": x2, "cutoff": steps([300, 2000, 700]), qn: sweep[None] / 1000})]
    return out


@pytest.mark.parametrize("kind,params", _cases(), ids=lambda v: v if isinstance(v, str) else "")
def test_block_size_invariance(kind, params):
    assert_block_invariant(kind, params, n=30000)


@pytest.mark.parametrize("kind,params", [
    ("lpf", {"cutoff": 100.0, "q": 8.0}),
    ("bpf", {"cutoff": 2000.0, "q": 20.0}),
    ("hpf", {"cutoff": 50.0, "q": 0.2}),  # overdamped: the slow real pole sets the tail
    ("notch", {"cutoff": "sweep", "q": 1.0}),
    ("rlpf", {"cutoff": 300.0, "resonance": 10.0}),
    ("rhpf", {"cutoff": "sweep", "resonance": 3.0}),
], ids=lambda v: v if isinstance(v, str) else "")
def test_fading_warm_up_within_minus_120_dbfs(kind, params):
    n, S = 3 * SR, 2 * SR + 77
    x = rng_noise(n, ch=2)
    params = dict(params, **{"in": x})
    if isinstance(params["cutoff"], str):
        params["cutoff"] = 600 + 500 * np.sin(2 * np.pi * 0.7 * np.arange(n) / SR)
    node, *_ = make_node(kind, params)
    assert node.state_class == FADING and 0 < node.tail_seconds() <= filters.TAIL_CAP
    whole = run_node(kind, params, n=n)
    assert np.max(np.abs(run_warmed(kind, params, n, S)[0] - whole[:, S:])) < 1e-6


def test_tail_follows_the_slowest_pole():
    t = filters.resonator_tail_seconds
    assert t(1000.0, 10.0, SR) == pytest.approx((filters.LN_FADE + math.log(10)) * 10 / (math.pi * 1000),
                                                rel=0.02)
    assert t(100.0, 1.0, SR) > t(1000.0, 1.0, SR)
    assert t(1000.0, 0.1, SR) > t(1000.0, 0.5, SR)  # overdamped: slower than critical
    assert t(20.0, 50.0, SR) == filters.TAIL_CAP


def test_rows_of_takes_a_batch_output_itself_only_in_its_own_order():
    """A batch's row views, given back in order, are its (k, n) output itself (no copy);
    any other list of rows (permuted, a subset, foreign arrays) is stacked into a copy."""
    from phonon.nodes.base import row_views, rows_of
    out = np.arange(24, dtype=np.float64).reshape(4, 6)
    views = row_views(out)
    assert rows_of(views, 6) is out
    perm = [views[1], views[0], views[2], views[3]]
    got = rows_of(perm, 6)
    assert got is not out and np.array_equal(got, out[[1, 0, 2, 3]])
    assert np.array_equal(rows_of(views[:3], 6), out[:3])
    foreign = [out[j: j + 1].copy() for j in range(4)]
    assert np.array_equal(rows_of(foreign, 6), out)
