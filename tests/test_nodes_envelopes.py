"""Envelopes: timing measured on exact samples, legato retrigger without jumps, the render
kernel equals its reference, output is block-size invariant and seeking (the farm's time
split) is bit-exact for the event-triggered envelopes, -120 dBFS for asr."""
import math
from fractions import Fraction

import numpy as np
import pytest

from phonon import registry
from phonon.errors import PhononError
from phonon.nodes import envelopes
from phonon.nodes.base import FADING, SEEKABLE
from phonon.nodes.harness import assert_block_invariant, make_node, run_node
from phonon.pattern import mini

SR = 44100
CYCLE = 88200  # samples per cycle at the harness default cps 1/2


def steps(values):
    """mini("a b ~ c") from a list (None = rest)."""
    return mini(" ".join("~" if v is None else str(v) for v in values))


def env(kind, params, n, **kw):
    """The envelope alone: the node applied to a constant 1."""
    return run_node(kind, {"in": np.ones(n), **params}, n=n, **kw)[0]


# -- kernels against their references --------------------------------------------------------

# Kernel and reference are two implementations of one formula: compared to a few ulps of the
# envelope's full scale (<= 1), not bit for bit (bit-identity is the contract only for block
# sizes and seeking: one implementation).
KERNEL_ATOL = 8 * np.finfo(np.float64).eps


def assert_close(got, want):
    assert got.shape == want.shape
    err = float(np.max(np.abs(got - want))) if got.size else 0.0
    assert err <= KERNEL_ATOL, f"kernel vs reference differ by {err:.3g} (> {KERNEL_ATOL:.3g})"


def test_render_kernel_matches_reference():
    rng = np.random.default_rng(5)
    onsets = np.sort(rng.choice(4000, 12, replace=False)).astype(np.int64)
    ends = np.append(onsets[1:], 4100).astype(np.int64)
    G = rng.uniform(0, 600, 12)
    G[3] = np.inf
    A, D, R = rng.uniform(0, 300, 12), rng.uniform(0, 300, 12), rng.uniform(0, 300, 12)
    A[0] = D[1] = R[2] = 0.0
    S, L = rng.uniform(0, 1, 12), rng.uniform(0, 1, 12)
    args = (onsets, ends, G, A, D, S, R, L)
    for start, n in [(0, 4200), (137, 999), (3000, 64)]:
        assert_close(envelopes._env_render(start, n, *args), envelopes._ref_env_render(start, n, *args))


def test_asr_kernel_matches_reference():
    gate = (np.sin(np.arange(3000) / 100.0) > 0).astype(float)
    for up, down in [(np.array([0.01]), np.array([0.003])), (np.full(3000, 0.02), np.array([np.inf]))]:
        s1, s2 = np.array([0.4]), np.array([0.4])
        assert_close(envelopes._asr_kernel(gate, up, down, s1), envelopes._ref_asr(gate, up, down, s2))
        assert_close(s1, s2)


# -- timing ------------------------------------------------------------------------------------

def test_adsr_timing_on_exact_samples():
    # one event per cycle, gate = half a cycle (44100 samples)
    y = env("adsr", {"a": 0.01, "d": 0.1, "s": 0.5, "r": 0.2, "trig": steps([1, None])}, n=2 * CYCLE)
    A, D, G, R = 441, 4410, 44100, 8820
    assert y[0] == 0.0 and y[A // 2] == pytest.approx(220 / 441, abs=1e-12)
    assert y[A] == pytest.approx(1.0, abs=1e-12)
    assert y[A + D // 2] == pytest.approx(0.75, abs=1e-12)
    assert y[A + D] == pytest.approx(0.5, abs=1e-12) and y[G - 1] == 0.5
    assert y[G + R // 2] == pytest.approx(0.25, abs=1e-12)
    assert y[G + R - 1] > 0 and np.all(y[G + R: CYCLE] == 0.0)
    assert y[CYCLE] == 0.0 and y[CYCLE + A] == pytest.approx(1.0, abs=1e-12)


def test_onsets_land_on_exact_samples():
    # 3 steps per cycle: onsets at ceil(k * 88200 / 3) = 29400 k; zero attack jumps there
    y = env("ad", {"a": 0.0, "d": 0.05, "trig": steps([1, 1, 1])}, n=CYCLE)
    for o in (0, 29400, 58800):
        assert y[o] == 1.0 and (o == 0 or y[o - 1] == 0.0)
    # 7 steps: 88200/7 is not an integer; onsets at ceil(k * 12600) ...
    cps = Fraction(3, 7)
    y = env("ad", {"a": 0.0, "d": 0.01, "trig": steps([1] * 7)}, n=3 * SR, cps=cps)
    expected = [math.ceil(Fraction(k, 7) * SR / cps) for k in range(7)]
    assert list(np.flatnonzero(y == 1.0)[:7]) == expected


def test_ar_holds_for_the_event_and_releases_in_the_rest():
    y = env("ar", {"a": 0.005, "r": 0.1, "trig": steps([1, None, 1, 1])}, n=CYCLE)
    q = CYCLE // 4
    assert y[q - 1] == 1.0 and y[q] == 1.0 and y[q + 2205] == pytest.approx(0.5, abs=1e-12)
    assert y[q + 4410] == 0.0 and np.all(y[q + 4410: 2 * q] == 0.0)
    assert np.all(y[2 * q + 221: 4 * q] == 1.0)  # legato: 3rd and 4th events join at full level


def test_without_trig_it_triggers_once_per_cycle():
    y = env("ad", {"a": 0.0, "d": 0.5}, n=3 * CYCLE)
    assert list(np.flatnonzero(y == 1.0)) == [0, CYCLE, 2 * CYCLE]
    y = env("adsr", {"a": 0.01, "d": 0.1, "s": 0.7, "r": 0.2}, n=2 * CYCLE)
    assert y[0] == 0.0  # events before sample 0 are ignored: the piece starts silent
    assert y[CYCLE - 1] == pytest.approx(0.7) and y[CYCLE] == pytest.approx(0.7)  # legato
    assert y[CYCLE + 441] == pytest.approx(1.0)


def test_per_event_parameters_from_a_pattern():
    y = env("adsr", {"a": 0.0, "d": 0.0, "s": steps([0.25, 0.75]), "r": 0.0,
                     "trig": steps([1, 1])}, n=CYCLE)
    assert y[100] == 0.25 and y[CYCLE // 2 + 100] == 0.75


# -- retrigger ---------------------------------------------------------------------------------

@pytest.mark.parametrize("a", [0.05, 0.3])  # attack shorter / longer than a step
def test_legato_retrigger_has_no_jump(a):
    y = env("adsr", {"a": a, "d": 0.1, "s": 0.4, "r": 0.2, "trig": steps([1] * 8)}, n=2 * CYCLE)
    assert np.max(np.abs(np.diff(y))) <= 1.0 / (a * SR) + 1e-12
    if a == 0.3:  # each retrigger starts from the level reached: it keeps rising
        onsets = np.arange(1, 16) * (CYCLE // 8)
        assert np.all(np.diff(y[onsets]) > 0)


def test_gate_closing_mid_attack_releases_from_the_level_reached():
    y = env("ar", {"a": 1.0, "r": 0.1, "trig": steps([1, None, None, None])}, n=CYCLE)
    q = CYCLE // 4  # 22050 samples = half the attack
    assert y[q] == pytest.approx(0.5, abs=1e-12)
    assert y[q + 2205] == pytest.approx(0.25, abs=1e-12) and y[q + 4410] == 0.0


# -- block size, seeking, stereo -------------------------------------------------------------

def _cases():
    return [
        ("adsr", {"a": 0.01, "d": 0.1, "s": 0.5, "r": 0.2, "trig": steps([1, None, 1, 1, 1])}),
        ("adsr", {"a": 0.3, "d": 0.1, "s": steps([0.3, 0.8]), "r": 0.05, "trig": steps([1] * 7)}),
        ("adsr", {"a": 0.02, "d": 0.2}),
        ("ad", {"a": 0.003, "d": 0.4, "trig": steps([1, 1, None, 1])}),
        ("ar", {"a": 0.2, "r": 0.3, "trig": steps([1, None, None, 1, 1])}),
        ("asr", {"gate": steps([1, 0, 1, 1, 0]), "a": 0.05, "r": 0.1}),
    ]


@pytest.mark.parametrize("kind,params", _cases(), ids=lambda v: v if isinstance(v, str) else "")
def test_block_size_invariance(kind, params):
    n = 2 * CYCLE + 1234
    x = np.random.default_rng(2).standard_normal((2, n))
    whole = assert_block_invariant(kind, {"in": x, **params}, n=n)
    assert whole.shape == (2, n)


@pytest.mark.parametrize("kind,params", _cases()[:-1], ids=lambda v: v if isinstance(v, str) else "")
def test_seek_is_bit_exact(kind, params):
    node, *_ = make_node(kind, params)
    assert node.state_class == SEEKABLE
    n = 3 * CYCLE
    whole = env(kind, params, n, block=4096)
    for S in (CYCLE + 1, CYCLE + 12345, 2 * CYCLE - 1, 2 * CYCLE + 30000):
        assert np.array_equal(env(kind, params, n - S, start=S, block=512), whole[S:]), S


def test_retrigger_chains_across_epochs_stay_pure_and_continuous(monkeypatch):
    # attack 0.2 s, 16 onsets per cycle at cps 2 (31 ms apart): every onset level depends
    # on the previous one. With 4-cycle (2 s) epochs the chain is cut two epochs back, so
    # the step at an epoch start is below exp(-2 / 0.2) = 4.5e-5.
    monkeypatch.setattr(envelopes, "EPOCH_CYCLES", 4)
    params = {"a": 0.2, "d": 0.1, "s": 0.5, "r": 0.1, "trig": steps([1] * 16)}
    n = 10 * 22050
    whole = env("adsr", params, n, block=4096, cps=2)
    assert np.max(np.abs(np.diff(whole))) <= 1 / (0.2 * SR) + 5e-5
    for S in (5 * 1378 + 5, 4 * 22050 + 700, 9 * 22050 - 1):
        assert np.array_equal(env("adsr", params, n - S, start=S, block=777, cps=2), whole[S:]), S


def test_asr_follows_its_gate_and_warms_up_within_minus_120_dbfs():
    params = {"gate": steps([1, 0, 1, 1, 0, 1, 0, 0]), "a": 0.05, "r": 0.1}
    node, *_ = make_node("asr", params)
    assert node.state_class == FADING and node.tail_seconds() == pytest.approx(0.15)
    n = 2 * CYCLE
    whole = env("asr", params, n)
    step = CYCLE // 8
    assert whole[0] == pytest.approx(1 / 2205) and whole[2203] < 1.0 and whole[2204] == 1.0
    assert whole[step + 2204] == pytest.approx(0.5, abs=1e-3) and whole[step + 4410] == 0.0
    S = CYCLE + 3 * step + 100
    start = S - math.ceil(node.tail_seconds() * SR)
    part = env("asr", params, n - start, start=start)[S - start:]
    assert np.max(np.abs(part - whole[S:])) < 1e-6


def test_stereo_input_is_multiplied_by_one_envelope():
    n = CYCLE
    x = np.random.default_rng(3).standard_normal((2, n))
    params = {"a": 0.01, "r": 0.1, "trig": steps([1, None])}
    y = run_node("ar", {"in": x, **params}, n=n)
    e = env("ar", params, n)
    assert np.array_equal(y, x * e)


def test_declarations_and_errors():
    for name in ("adsr", "ad", "ar", "asr"):
        decl = registry.REGISTRY[name]
        assert decl.params[0].name == "in" and decl.params[0].kind == "input"
    adsr = registry.REGISTRY["adsr"]
    assert [p.name for p in adsr.params] == ["in", "a", "d", "s", "r", "trig"]
    assert adsr.param("s").default == 0.7 and adsr.param("r").default == 0.2
    assert adsr.param("trig").kind == "trigger" and adsr.param("trig").wired and adsr.param("trig").default is None
    with pytest.raises(PhononError, match="'a' must be a number or a pattern"):
        make_node("adsr", {"in": np.ones(10), "a": np.ones(10)})
