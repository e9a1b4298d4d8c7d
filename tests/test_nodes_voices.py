"""Sample voices (phonon/nodes/voices.py): timing, controls, choke, seeking, block invariance."""
from __future__ import annotations

import math
import warnings
from fractions import Fraction as F

import numpy as np
import pytest

import phonon.nodes  # noqa: F401  (registers node kinds)
from phonon.nodes.base import NODE_CLASSES, Block, GraphContext, PatternInput
from phonon.nodes.voices import (CHOKE_FADE_S, NFIELDS, _render_samples, reference_render)
from phonon.pattern import mini, pure, set_control
from phonon.samples import SampleWarning

SR = 44100
CENTRE = math.cos(math.pi / 4)  # equal-power centre, both sides


def sound(words: str, **controls):
    """`s "words" # k v ...` as a control pattern (values: numbers or mini-notation strings)."""
    p = mini(words).fmap(lambda v: {"s": v})
    for k, v in controls.items():
        p = set_control(p, k, mini(v) if isinstance(v, str) else pure(F(v)))
    return p


def render(pat, n, block=4096, start=0, cps=1, sr=SR, graph=None):
    g = graph or GraphContext(sr=sr, cps=F(cps))
    pi = PatternInput(pat, g, name="pat")
    node = NODE_CLASSES["sampler"](1, {"pat": pi}, g)
    node.reset(start)
    out, pos = [], start
    while pos < start + n:
        m = min(block, start + n - pos)
        out.append(node.process(Block(pos, m, g), {"pat": pi}))
        pos += m
    return np.concatenate(out, axis=1)


def kit(name, i=0, sr=SR):
    return GraphContext(sr=sr, cps=F(1)).bank.get(name, i)[0]


def test_onsets_are_exact_to_the_sample():
    x = kit("hh")  # 0.1 s: the four voices do not overlap
    y = render(sound("hh*4"), SR)
    for k in range(4):
        on = k * SR // 4
        lo = max(on - 100, 0)
        assert lo + np.flatnonzero(y[0, lo: on + 10])[0] == on
        assert np.array_equal(y[0, on: on + len(x)], x * CENTRE)
        assert np.array_equal(y[1, on: on + len(x)], x * CENTRE)
    assert not y[:, len(x): SR // 4].any()


def test_gain_is_linear():
    a = render(sound("bd*2"), SR)
    b = render(sound("bd*2", gain=0.2), SR)
    db = 20 * np.log10(np.sqrt(np.mean(b ** 2)) / np.sqrt(np.mean(a ** 2)))
    assert abs(db - 20 * np.log10(0.2)) < 0.5


def test_speed_two_halves_the_length_and_note_twelve_is_speed_two():
    x = kit("sn")
    one = render(sound("sn"), SR)
    two = render(sound("sn", speed=2), SR)
    assert np.array_equal(one[0, :len(x)], x * CENTRE) and not one[:, len(x):].any()
    m = (len(x) - 1) // 2 + 1
    assert np.array_equal(two[0, :m], x[0::2] * CENTRE) and not two[:, m:].any()
    assert np.array_equal(render(sound("sn", note=12), SR), two)
    fifth = render(sound("sn", note=7), SR)
    m7 = int((len(x) - 1) / 2 ** (7 / 12)) + 1
    assert fifth[0, m7 - 2] != 0 and not fifth[:, m7:].any()


def test_fractional_speed_interpolates_linearly():
    x = kit("cp")
    y = render(sound("cp", speed=0.75), SR)
    t = np.arange(1000)
    pos = t * 0.75
    j = pos.astype(int)
    expect = (x[j] + (pos - j) * (x[j + 1] - x[j])) * CENTRE
    np.testing.assert_allclose(y[0, :1000], expect, rtol=0, atol=1e-15)


def test_negative_speed_plays_reversed():
    x = kit("rim")
    y = render(sound("rim", speed=-1), SR)
    assert np.array_equal(y[0, :len(x)], x[::-1] * CENTRE)
    assert not y[:, len(x):].any()


def test_pan_extremes_are_exact():
    left = render(sound("bd sn", pan=-1), SR)
    right = render(sound("bd sn", pan=1), SR)
    assert not left[1].any() and left[0].any()
    assert not right[0].any() and np.array_equal(right[1], left[0])
    mid = render(sound("bd sn"), SR)
    assert np.array_equal(mid[0], mid[1])


def test_begin_end_crop():
    x = kit("oh")
    y = render(sound("oh", begin=0.25, end=0.5), SR)
    b0, e0 = int(0.25 * len(x)), int(0.5 * len(x))
    assert np.array_equal(y[0, :e0 - b0], x[b0:e0] * CENTRE)
    assert not y[:, e0 - b0:].any()


def test_n_adds_to_the_index_and_wraps():
    assert np.array_equal(render(sound("bd", n=5), SR // 2), render(sound("bd:1"), SR // 2))
    assert np.array_equal(render(sound("bd:1", n=1), SR // 2), render(sound("bd:2"), SR // 2))


def test_cut_chokes_the_previous_voice_within_the_fade():
    fade = int(round(CHOKE_FADE_S * SR))
    q = SR // 4
    solo = render(sound("oh ~ ~ ~"), SR)
    both = render(sound("oh oh ~ ~", cut=1), SR)
    uncut = render(sound("oh oh ~ ~"), SR)
    assert np.array_equal(both[:, :q], solo[:, :q])
    # after the fade only the second voice sounds
    assert np.array_equal(both[:, q + fade:], solo[:, fade:SR - q])
    # during the fade the first voice ramps down linearly
    ramp = 1 - np.arange(fade) / fade
    np.testing.assert_allclose(both[0, q:q + fade], solo[0, :fade] + solo[0, q:q + fade] * ramp, atol=1e-15)
    assert not np.array_equal(both, uncut)
    # different groups do not choke each other
    mixed = render(sound("oh oh ~ ~", cut="1 2 1 2"), SR)
    assert np.array_equal(mixed, uncut)


def test_attack_and_release():
    x = kit("oh", 1)  # 0.9 s
    a = int(0.1 * SR)
    y = render(sound("oh:1", attack=0.1), SR)
    np.testing.assert_allclose(y[0, :a], x[:a] * CENTRE * np.arange(a) / a, atol=1e-15)
    assert np.array_equal(y[0, a:len(x)], x[a:] * CENTRE)
    # release starts at the event end (1/4 cycle here) and lasts 0.05 s
    z = render(sound("oh:1 ~ ~ ~", release=0.05), SR)
    q, r = SR // 4, int(0.05 * SR)
    assert np.array_equal(z[0, :q], x[:q] * CENTRE)
    np.testing.assert_allclose(z[0, q:q + r], x[q:q + r] * CENTRE * (1 - np.arange(r) / r), atol=1e-15)
    assert not z[:, q + r:].any()


def test_missing_sample_warns_and_is_silent():
    g = GraphContext(sr=SR, cps=F(1))
    with pytest.warns(SampleWarning, match="unknown sample 'bdd' — nearest: 'bd'"):
        y = render(sound("bdd sn"), SR, graph=g)
    assert not y[:, :SR // 2].any() and y[:, SR // 2:].any()


def test_registered_bus_buffer_plays_as_a_sample():
    g = GraphContext(sr=SR, cps=F(1))
    data = np.zeros((2, 1000))
    data[0, 0], data[1, 10] = 1.0, 0.5
    g.bank.register("~kick", data)
    y = render(sound("~kick*2", pan=-1), SR, graph=g)
    assert y[0, 0] == 1.0 and y[1, 10] == 0.0  # stereo sample: balance, right side silent
    y = render(sound("~kick*2"), SR, graph=g)
    assert y[0, SR // 2] == CENTRE and y[1, SR // 2 + 10] == 0.5 * CENTRE


def busy():
    """Overlapping voices with every control: rates, reverse, choke, envelopes, pan."""
    p = sound("[bd*8, hh*16, oh(3,8), cp:2 sn:1]", speed="1 1.5 -1 0.75 2", pan="-1 0.3 1",
              gain="0.5 1 0.8", note="0 7")
    p = set_control(p, "cut", mini("0 0 1 0 1"))
    p = set_control(p, "attack", mini("0 0.01"))
    p = set_control(p, "release", mini("0 0 0.02"))
    from phonon.pattern.transforms import jux, stut
    return jux(stut(p, 3, F(7, 10), F(1, 16)), lambda q: q.rev())


@pytest.fixture(scope="module")
def busy_ref():
    return render(busy(), 3 * SR, block=4096, cps=F(1, 2))


@pytest.mark.parametrize("block", [64, 65, 512, 8193])
def test_block_size_invariance(busy_ref, block):
    assert np.array_equal(render(busy(), 3 * SR, block=block, cps=F(1, 2)), busy_ref)


@pytest.mark.parametrize("start", [1, 22050, 44099, 44100 + 5512, 2 * SR - 1])
def test_seek_is_exact(busy_ref, start):
    y = render(busy(), 3 * SR - start, block=1000, start=start, cps=F(1, 2))
    assert np.array_equal(y, busy_ref[:, start:])


def test_seek_after_a_long_silence_finds_old_voices():
    # one long voice per 4 cycles; seeking 3 cycles later still hears its tail
    p = sound("<oh:1 ~ ~ ~>", speed=0.5)
    full = render(p, 4 * SR, cps=2)
    s = int(1.5 * SR)  # 3 cycles in
    assert full[:, s:].any()
    assert np.array_equal(render(p, 4 * SR - s, start=s, cps=2), full[:, s:])


def test_kernel_matches_reference():
    g = GraphContext(sr=SR, cps=F(1, 2))
    pi = PatternInput(busy(), g, name="pat")
    node = NODE_CLASSES["sampler"](1, {"pat": pi}, g)
    node.reset(0)
    node.process(Block(0, SR, g), {"pat": pi})
    rows = node._active
    assert rows.shape[1] == NFIELDS and len(rows) > 20
    start, n = SR, 3000
    fade = float(node._fade)
    out = np.zeros((2, n))
    _render_samples(rows, node._data_l, node._data_r, start, n, fade, out[0], out[1])
    ref = reference_render(rows, node._data_l, node._data_r, start, n, fade)
    assert out.any()
    np.testing.assert_array_equal(out, ref)


def test_string_values_and_silence():
    y = render(mini("bd ~ ~ ~"), SR)
    assert y[:, :100].any()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not render(mini("~"), 1000).any()
