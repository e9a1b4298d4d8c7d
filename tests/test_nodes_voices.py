"""Sample voices (phonon/nodes/voices.py): timing, SuperDirt's controls, choke, seeking, block invariance."""
from __future__ import annotations

import math
import warnings
from fractions import Fraction as F

import numpy as np
import pytest

import phonon.nodes  # noqa: F401  (registers node kinds)
from phonon.nodes.base import NODE_CLASSES, Block, GraphContext, PatternInput
from phonon.nodes.voices import (CHOKE_FADE_S, DEFAULT_AMP, MASTER_GAIN, NFIELDS, _render_samples, pan_gains,
                                 reference_render)
from phonon.pattern import mini, pure, set_control, stack
from phonon.samples import SampleWarning

SR = 44100
CENTRE = math.cos(math.pi / 4)  # equal-power centre, both sides
G = DEFAULT_AMP * MASTER_GAIN * CENTRE  # a centred voice at gain 1 (amp 0.4, master 0.5)
FADE = 44                        # dirt_gate's 1 ms sine fade at the end of a voice


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
        assert np.array_equal(y[0, on: on + len(x) - FADE], x[:-FADE] * G)
        assert np.array_equal(y[1, on: on + len(x) - FADE], x[:-FADE] * G)
    assert not y[:, len(x): SR // 4].any()


def test_end_fade_is_superdirts_sine_fade():
    x = kit("hh")
    y = render(sound("hh"), SR)
    k = np.arange(FADE)
    env = 0.5 - 0.5 * np.cos(np.pi * (FADE - k) / FADE)
    np.testing.assert_allclose(y[0, len(x) - FADE:len(x)], x[-FADE:] * env * G, rtol=0, atol=1e-15)


def test_gain_is_superdirts_fourth_power_and_amp_is_linear():
    a = render(sound("bd*2"), SR)
    for gain, db in ((0.8, 80 * np.log10(0.8)), (1.2, 80 * np.log10(1.2)), (3, 80 * np.log10(2))):
        b = render(sound("bd*2", gain=gain), SR)
        got = 20 * np.log10(np.sqrt(np.mean(b ** 2)) / np.sqrt(np.mean(a ** 2)))
        assert abs(got - db) < 0.01, (gain, got, db)
    c = render(sound("bd*2", amp=0.2), SR)
    assert abs(20 * np.log10(np.abs(c).max() / np.abs(a).max()) - 20 * np.log10(0.5)) < 1e-9
    v = render(sound("bd*2", velocity=0.5), SR)
    np.testing.assert_allclose(v, a * 0.5, rtol=1e-12, atol=0)


def test_speed_two_halves_the_length_and_note_twelve_is_speed_two():
    x = kit("sn")
    one = render(sound("sn"), SR)
    two = render(sound("sn", speed=2), SR)
    assert np.array_equal(one[0, :len(x) - FADE], x[:-FADE] * G) and not one[:, len(x):].any()
    m = (len(x) - 1) // 2 + 1
    assert np.array_equal(two[0, :m - FADE], x[0:2 * (m - FADE):2] * G) and not two[:, m:].any()
    assert np.array_equal(render(sound("sn", note=12), SR), two)
    # SuperDirt plays samples at freq / 60.midicps: octave 4 is an octave down
    assert np.array_equal(render(sound("sn", octave=4), SR), render(sound("sn", speed=0.5), SR))
    fifth = render(sound("sn", note=7), SR)
    m7 = int((len(x) - 1) / 2 ** (7 / 12)) + 1
    assert fifth[0, m7 - FADE - 2] != 0 and not fifth[:, m7:].any()


def test_fractional_speed_interpolates_linearly():
    x = kit("cp")
    y = render(sound("cp", speed=0.75), SR)
    t = np.arange(1000)
    pos = t * 0.75
    j = pos.astype(int)
    expect = (x[j] + (pos - j) * (x[j + 1] - x[j])) * G
    np.testing.assert_allclose(y[0, :1000], expect, rtol=0, atol=1e-15)


def test_negative_speed_plays_reversed():
    x = kit("rim")
    y = render(sound("rim", speed=-1), SR)
    assert np.array_equal(y[0, :len(x) - FADE], x[::-1][:-FADE] * G)
    assert not y[:, len(x):].any()


def test_pan_is_tidals_zero_to_one():
    left = render(sound("bd sn", pan=0), SR)
    right = render(sound("bd sn", pan=1), SR)
    assert not left[1].any() and left[0].any()
    assert not right[0].any() and np.array_equal(right[1], left[0])
    mid = render(sound("bd sn"), SR)
    assert np.array_equal(mid[0], mid[1]) and np.array_equal(mid, render(sound("bd sn", pan=0.5), SR))
    assert np.allclose(mid[0], left[0] * CENTRE, rtol=1e-14, atol=1e-17)
    # out of range folds back as in SuperDirt (pan * 2 - 1, fold(-1, 1))
    assert pan_gains(1.25) == pan_gains(0.75) and pan_gains(-0.25) == pan_gains(0.25)
    l, r = pan_gains(0.25)
    assert abs(l - math.cos(math.pi / 8)) < 1e-15 and abs(r - math.sin(math.pi / 8)) < 1e-15


def test_begin_end_crop_and_fade_in():
    x = kit("oh")
    y = render(sound("oh", begin=0.25, end=0.5), SR)
    b0, e0 = int(0.25 * len(x)), int(0.5 * len(x))
    k = np.arange(FADE)
    np.testing.assert_allclose(y[0, :FADE], x[b0:b0 + FADE] * G * (0.5 - 0.5 * np.cos(np.pi * k / FADE)),
                               rtol=0, atol=1e-15)  # begin > 0: SuperDirt fades in over fadeTime
    assert np.array_equal(y[0, FADE:e0 - b0 - FADE], x[b0 + FADE:e0 - FADE] * G)
    assert not y[:, e0 - b0:].any()


def test_n_adds_to_the_index_and_wraps():
    assert np.array_equal(render(sound("bd", n=5), SR // 2), render(sound("bd:1"), SR // 2))
    assert np.array_equal(render(sound("bd:1", n=1), SR // 2), render(sound("bd:2"), SR // 2))


def test_legato_and_sustain_cut_a_sample_at_their_time():
    x = kit("oh", 1)  # 0.9 s, longer than the events
    q = SR // 4
    y = render(sound("oh:1*4", legato=0.5), SR)
    half = q // 2
    assert y[0, half - FADE - 1] != 0 and not y[:, half:q].any()  # ends at legato x event length
    assert np.array_equal(y[0, :half - FADE], x[:half - FADE] * G)
    z = render(sound("oh:1 ~", sustain=0.1), SR)
    s = int(round(0.1 * SR))
    assert z[0, s - FADE - 1] != 0 and not z[:, s:].any()
    # never past the sample's own end
    w = render(sound("hh", legato=4), SR)
    assert not w[:, len(kit("hh")):].any()


def test_nudge_delays_the_voice():
    a = render(sound("bd ~"), SR)
    b = render(sound("bd ~", nudge=0.01), SR)
    d = int(round(0.01 * SR))
    assert not b[:, :d].any() and np.array_equal(b[:, d:], a[:, :SR - d])


def test_accelerate_glides_the_rate():
    g = GraphContext(sr=SR, cps=F(1, 4))
    t = np.arange(SR) / SR
    g.bank.register("tone", np.sin(2 * np.pi * 500 * t))  # 1 s at 500 Hz
    y = render(sound("tone", accelerate=1, pan=0), 4 * SR, graph=g)[0]
    nz = np.flatnonzero(y)
    S = nz[-1] + 1  # SuperDirt: unitDuration = length / average speed = 1 s / 1.5
    assert abs(S - SR / 1.5) < 2
    def freq_at(a, b):
        seg = y[a:b]
        zc = np.flatnonzero((seg[:-1] < 0) & (seg[1:] >= 0))
        return (len(zc) - 1) / ((zc[-1] - zc[0]) / SR)
    for a, b in ((0, 2000), (S // 2 - 1000, S // 2 + 1000), (S - 2500, S - 500)):
        expect = 500 * (1 + (a + b) / 2 / S)  # the rate ramps linearly from speed 1 to 2
        assert abs(freq_at(a, b) / expect - 1) < 0.01, (a, freq_at(a, b), expect)


def test_unit_c_fits_the_sample_to_cycles():
    g = GraphContext(sr=SR, cps=F(1))
    g.bank.register("long", np.ones(SR // 2) * 0.5)  # 0.5 s
    y = render(sound("long", unit="c", speed=4), SR, graph=g)  # lasts 1/4 cycle = 0.25 s
    nz = np.flatnonzero(y[0])
    assert abs(nz[-1] + 1 - SR // 4) <= 1


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


def test_attack_hold_release_are_superdirts_linen():
    x = kit("oh", 1)  # 0.9 s
    c3 = 1 - math.exp(-3)
    a = int(0.1 * SR)
    y = render(sound("oh:1", attack=0.1), SR)
    t = np.arange(a)
    np.testing.assert_allclose(y[0, :a], x[:a] * G * (1 - np.exp(-3 * t / a)) / c3, atol=1e-15)
    assert np.array_equal(y[0, a:len(x) - FADE], x[a:-FADE] * G)
    # release alone: the voice decays from its onset over `release` seconds, then is silent
    r = int(0.05 * SR)
    z = render(sound("oh:1 ~ ~ ~", release=0.05), SR)
    t = np.arange(r)
    np.testing.assert_allclose(z[0, :r], x[:r] * G * (1 - (1 - np.exp(-3 * t / r)) / c3), atol=1e-15)
    assert not z[:, r + 1:].any()
    h = int(0.02 * SR)
    w = render(sound("oh:1", attack=0.001, hold=0.02, release=0.05), SR)
    a = int(0.001 * SR) + 1
    assert np.array_equal(w[0, a:a + h - 1], x[a:a + h - 1] * G)
    assert not w[:, a + h + r + 1:].any()


def test_missing_sample_warns_and_is_silent():
    g = GraphContext(sr=SR, cps=F(1))
    with pytest.warns(SampleWarning, match="unknown sound 'bdd' — nearest: 'bd'"):
        y = render(sound("bdd sn"), SR, graph=g)
    assert not y[:, :SR // 2].any() and y[:, SR // 2:].any()


def test_registered_bus_buffer_plays_as_a_sample():
    g = GraphContext(sr=SR, cps=F(1))
    data = np.zeros((2, 1000))
    data[0, 0], data[1, 10] = 1.0, 0.5
    g.bank.register("~kick", data)
    y = render(sound("~kick*2", pan=0, amp=2), SR, graph=g)
    assert y[0, 0] == 1.0 and y[1, 10] == 0.0  # stereo sample: balance, right side silent
    y = render(sound("~kick*2", amp=2), SR, graph=g)
    assert y[0, SR // 2] == CENTRE and y[1, SR // 2 + 10] == 0.5 * CENTRE


def busy():
    """Overlapping voices with every control: rates, reverse, choke, envelopes, pan, effects,
    synths (stateful voices: a seek re-runs them from their onsets)."""
    p = sound("[bd*8, hh*16, oh(3,8), cp:2 sn:1]", speed="1 1.5 -1 0.75 2", pan="0 0.65 1",
              gain="0.9 1 0.8", note="0 7")
    p = set_control(p, "cut", mini("0 0 1 0 1"))
    p = set_control(p, "attack", mini("0 0.01"))
    p = set_control(p, "release", mini("0 0 0.2"))
    fx = sound("[<superpiano supersaw> superfm:3, sn*2 cp, [superhat supertron]*2]", note="0 7 -5",
               cutoff="800 3000 12000", resonance="0 0.3", crush="16 6", coarse="1 3 1 5",
               accelerate="0 0.5 -0.5", legato="2 0.5 1")
    fx = set_control(fx, "vowel", mini("a x o"))
    from phonon.pattern.transforms import jux, stut
    return jux(stut(stack(p, fx), 3, F(7, 10), F(1, 16)), lambda q: q.rev())


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
    rows = rows[(rows[:, 5] == 0) & (rows[:, 21] == 0)]  # sample voices without effects (SRC, FX)
    assert rows.shape[1] == NFIELDS and len(rows) > 20
    start, n = 20000, 3000
    fade = float(node._fade)
    out = np.zeros((2, n))
    _render_samples(rows, node._data_l, node._data_r, start, n, fade, out[0], out[1])
    ref = reference_render(rows, node._data_l, node._data_r, start, n, fade)
    assert out.any()
    np.testing.assert_allclose(out, ref, rtol=0, atol=1e-13)  # two implementations: a few ulps


def test_string_values_and_silence():
    y = render(mini("bd ~ ~ ~"), SR)
    assert y[:, :100].any()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not render(mini("~"), 1000).any()


def test_levels_typical_pieces_stay_below_full_scale():
    """The event path's master stage (amp 0.4 * gain^4, then MASTER_GAIN): the README's headline
    and a four-output piece at Tidal-typical gains peak below -3 dBFS; nothing is clamped."""
    from conftest import render_src
    readme = render_src("""bpm: 124
~drums: s "[bd*4, ~ cp ~ cp, hh*8]" # gain 0.8
~bass: saw "<55 55 65.41 49>" # lpf (sine 0.25 * 600 + 700) 0.8 # adsr 0.005 0.1 0.6 0.1
out: ~drums + ~bass * 0.4""", cycles=4)
    four = render_src("""cps: 0.5625
out1: s "bd*4" # gain 1.2
out2: s "~ sn ~ [sn cp]" # gain 1.1
out3: s "hh*8 oh" # gain "1 0.9" # pan "0.3 0.7"
out4: s "supersaw*8" # note "0 0 12 0 3 0 7 5" # octave 3 # cutoff 900 # legato 0.8""", cycles=8)
    for x in (readme, four):
        peak = 20 * np.log10(np.abs(x).max())
        assert -12 < peak < -3, peak
    # no clamp: a voice far above full scale comes out as it is
    loud = render(sound("bd", gain=2, amp=10), SR)
    assert np.abs(loud).max() > 2


def test_sound_index_is_tidals_n_control():
    """Params.hs `sound = grp [mS "s", mF "n"]`: "bd:3" is {s: bd, n: 3}, so `# n 1` replaces
    the index (bd:1) and `|+ n 1` adds to it (bd:4), in the language as in Tidal."""
    from conftest import render_src

    def out(src):
        return render_src("cps: 1\nout: " + src, cycles=1)

    assert np.array_equal(out('s "bd:3" # n 1'), out('s "bd:1"'))
    assert np.array_equal(out('s "bd:3" |+ n 1'), out('s "bd:4"'))
    assert np.array_equal(out('n 2 # s "bd:3"'), out('s "bd:3"'))
    assert not np.array_equal(out('s "bd:1"'), out('s "bd:4"'))


# -- voice cap (issue 13): PHONON_MAX_VOICES, the oldest stolen with the 5 ms choke fade -------------

CAP_SRC = 'cps: 0.25\nout: n "0 .. 15" # s "superpiano" # sustain 8 # gain 0.7\n'


def _capped(monkeypatch, cap, src=CAP_SRC, sr=8000, cycles=1, block=512, start=0):
    from phonon import limits
    from phonon.compiler import compile_source
    from phonon.engine import Graph, mix_outputs, render_blocks
    monkeypatch.setenv("PHONON_MAX_VOICES", str(cap))
    limits.refresh()
    try:
        spec = compile_source(src, sr=sr)
        g = Graph(spec)
        frames = cycles * 4 * sr - start
        y = np.concatenate([mix_outputs(o) for _, o in render_blocks(g, frames, block, start=start)], axis=1)
        node = next(n for n in g._nodes.values() if getattr(n, "kind", "") == "sampler")
        return y, node
    finally:
        monkeypatch.delenv("PHONON_MAX_VOICES")
        limits.refresh()


def _peaks(y, sr, lo, hi):
    """Partial frequencies present in y[lo:hi] (FFT bins within 30 dB of the strongest)."""
    seg = y[0, lo:hi] * np.hanning(hi - lo)
    mag = np.abs(np.fft.rfft(seg))
    f = np.fft.rfftfreq(hi - lo, 1 / sr)
    return mag, f


def test_voice_cap_keeps_the_newest_voices(monkeypatch):
    """16 notes in a 4 s cycle, each held 8 s: uncapped all 16 sound at the end of the
    cycle; with PHONON_MAX_VOICES=4 only the newest 4 (n 12..15) do, the older ones faded
    out in 5 ms. Notes chosen so that no partial of one is another's fundamental."""
    sr = 8000
    full, n_full = _capped(monkeypatch, 10_000)
    cap, n_cap = _capped(monkeypatch, 4)
    assert n_full.stolen == 0 and n_cap.stolen == 12
    lo, hi = int(3.76 * sr), 4 * sr    # the last 0.24 s (n 15 starts at 3.75 s)
    mag_f, f = _peaks(full, sr, lo, hi)
    mag_c, _ = _peaks(cap, sr, lo, hi)

    def level(mag, semis):           # superpiano's fundamental of n (n 0 = MIDI 60, 261.63 Hz)
        hz = 261.63 * 2 ** (semis / 12)
        return 20 * np.log10(mag[np.argmin(np.abs(f - hz))] + 1e-12)
    for old in (1, 5, 6):            # stolen seconds before: gone
        assert level(mag_c, old) < level(mag_f, old) - 30, old
    for new in (14, 15):             # the newest voices are untouched
        assert abs(level(mag_c, new) - level(mag_f, new)) < 1, new
    # identical until the fifth onset (1 s), where the first voice is stolen
    assert np.array_equal(cap[:, :sr], full[:, :sr]) and not np.array_equal(cap[:, sr:sr + 80], full[:, sr:sr + 80])


@pytest.mark.parametrize("block", [64, 512, 8192])
def test_voice_cap_is_the_same_on_every_block_size_and_seek(monkeypatch, block):
    ref, _ = _capped(monkeypatch, 4, block=512)
    y, _ = _capped(monkeypatch, 4, block=block)
    assert np.array_equal(ref, y)
    start = 3 * 8000 + 1234          # a seek past 12 onsets, while 4 voices sound and 8 are stolen
    z, _ = _capped(monkeypatch, 4, block=block, start=start)
    assert np.array_equal(ref[:, start:], z)
