"""Language forms of LANGUAGE.md end to end: each compiles and sounds as documented."""
import numpy as np
import pytest

from conftest import render_src, rms_db

SR = 44100


def equal(a: str, b: str, **kw):
    x, y = render_src(a, **kw), render_src(b, **kw)
    return x.shape == y.shape and np.array_equal(x, y)


def test_keyword_forms_agree():
    a = "out: saw 110 # lpf 800 0.9"
    assert equal(a, "out: saw 110 # lpf cutoff:800 q:0.9", duration=0.2)
    assert equal(a, "out: saw 110 # lpf 800 q:0.9", duration=0.2)
    assert equal(a, "out: saw 110 # lpf 800 :q 0.9", duration=0.2)


def test_effect_input_positional_or_chained():
    assert equal("~x: saw 110\nout: ~x # lpf 800 0.9", "~x: saw 110\nout: lpf ~x 800 0.9", duration=0.2)


def test_bus_dollar_and_out_dollar_forms():
    assert equal("~a $ sine 330\nout $ ~a * 0.5", "~a: sine 330\nout: ~a * 0.5", duration=0.2)


def test_numbered_outputs_are_mixed():
    both = render_src('out1: sine 220 * 0.2\nd2: sine 330 * 0.2', duration=0.2, outputs=True)
    assert set(both) == {"out1", "out2"}
    mix = render_src('out1: sine 220 * 0.2\no2: sine 330 * 0.2', duration=0.2)
    np.testing.assert_allclose(mix, both["out1"] + both["out2"])


def test_bare_oscillator_is_1hz_lfo():
    x = render_src("out: sine", duration=1)[0]
    assert abs(x[SR // 4] - 1) < 1e-6 and abs(x[3 * SR // 4] + 1) < 1e-6


def test_numeric_pattern_is_stepped_control_and_note_names_are_hz():
    a = render_src('tempo: 1\nout: sine "a4 a5"', cycles=1)[0]
    spec = np.abs(np.fft.rfft(a[: SR // 2]))
    assert abs(np.argmax(spec) * 2 - 440) <= 2
    spec2 = np.abs(np.fft.rfft(a[SR // 2:]))
    assert abs(np.argmax(spec2) * 2 - 880) <= 2


def test_every_with_section_and_off_and_sometimes():
    for src in ('out: every 2 (fast 2 $ rev) $ s "bd sn"', 'out: off 0.125 (# speed 2) $ s "bd sn"',
                'out: sometimesBy 0.3 (# gain 0.5) $ s "hh*8"', 'out: s "bd sn" $ every 2 (fast 2)',
                'out: jux (# speed 2) $ s "bd sn"'):
        x = render_src(src, cycles=2)
        assert rms_db(x) > -40, src


def test_every_transforms_cycle_zero_first():
    a = render_src('tempo: 1\nout: every 2 (fast 2) $ s "bd"', cycles=2)
    b = render_src('tempo: 1\nout: s "<[bd bd] bd>"', cycles=2)
    np.testing.assert_array_equal(a, b)


def test_mininotation_equivalences_render_equal():
    assert equal('tempo: 1\nout: s "bd*2"', 'tempo: 1\nout: fast 2 $ s "bd"', cycles=1)
    assert equal('tempo: 1\nout: s "bd _ sn _ _"', 'tempo: 1\nout: s "bd@2 sn@3"', cycles=1)


def test_stack_and_cat():
    assert equal('out: stack [s "bd*2", s "hh*4"]', 'out: s "[bd*2, hh*4]"', cycles=1)
    assert equal('out: cat [s "bd*2", s "hh*4"]', 'out: s "<[bd*2] [hh*4]>"', cycles=2)
    x = render_src("out: stack [sine 220, sine 330] * 0.5", duration=0.1)
    y = render_src("out: (sine 220 + sine 330) * 0.5", duration=0.1)
    np.testing.assert_allclose(x, y, atol=1e-15)


def test_pattern_arithmetic_combines_patterns():
    a = render_src('tempo: 1\nout: sine ("220 330" + "0 110")', cycles=1)
    b = render_src('tempo: 1\nout: sine "220 440"', cycles=1)
    np.testing.assert_array_equal(a, b)


def test_range_maps_signal_and_mtof():
    x = render_src("out: range 200 800 sine", duration=1)[0]
    assert abs(x.max() - 800) < 1e-6 and abs(x.min() - 200) < 1e-3
    y = render_src('out: mtof "69"', duration=0.01)[0]
    assert np.all(y == 440)


def test_triggered_synth_pattern_onsets():
    x = render_src('tempo: 1\nout: superkick "60 ~ 65 ~"', cycles=1)
    loud = np.max(np.abs(x), axis=0)
    assert loud[: SR // 4].max() > 0.1 and loud[SR // 2: SR // 2 + 2000].max() > 0.1
    assert loud[SR // 2 - 200: SR // 2 - 1].max() < loud[:2000].max() * 0.2


def test_gain_and_pan_on_signals():
    x = render_src("out: sine 440 # gain 0.5 # pan 1", duration=0.1)
    assert np.max(np.abs(x[0])) < 1e-12 and abs(np.max(np.abs(x[1])) - 0.5) < 1e-3


def test_jux_on_signal_puts_transform_right():
    x = render_src('tempo: 1\nout: jux (fast 2) $ sine "220 440"', cycles=1)
    # left: 220 for the first half; right (fast 2): 220 for the first quarter, then 440
    seg = x[:, SR // 4 + 2000: SR // 2 - 2000]
    fl = np.argmax(np.abs(np.fft.rfft(seg[0]))) * SR / seg.shape[1]
    fr = np.argmax(np.abs(np.fft.rfft(seg[1]))) * SR / seg.shape[1]
    assert abs(fl - 220) < 10 and abs(fr - 440) < 10


def test_rest_in_frequency_pattern_keeps_phase_continuous():
    held = render_src('tempo: 1\nout: sine "440 ~ 440 ~"', cycles=1)
    plain = render_src("tempo: 1\nout: sine 440", cycles=1)
    np.testing.assert_allclose(held, plain, atol=1e-9)


# Tidal syntax (issue 10.5): layout forms render exactly like their Phonon spellings, and `$`
# binds loosest.

@pytest.mark.filterwarnings("ignore:.*'hush' is ignored")
def test_tidal_layout_renders_like_phonon_forms():
    pairs = [
        ('let pat = "bd sn"\nd1 $ s pat # speed 2', 'd1: s "bd sn" # speed 2'),
        ('do\n  let f = fast 2\n  d1 $ f $ s "bd"', 'd1: fast 2 $ s "bd"'),
        ('setcpm 30\nd1\n  $ s "bd sn"\n  # gain 0.8\n\nhush', 'cps: 0.5\nout1: s "bd sn" # gain 0.8'),
        ('{- intro {- nested -} -}\nsetcps (120/60/4)\nd1 $ s "bd*2" -- kick', 'cps: 0.5\nout1: s "bd*2"'),
        ('setbpm 120\nd1 $ s "bd sn"', 'cps: 0.5\nd1: s "bd sn"'),
        ('setcps 1\nd1 $ s "bd sn"\n\nd2 $ s "hh*4"\n  # gain 0.5',
         'cps: 1\nout1: s "bd sn"\nout2: s "hh*4" # gain 0.5'),
    ]
    for a, b in pairs:
        assert equal(a, b, cycles=1), a


def test_dollar_binds_loosest():
    # `every 2 (fast 2) $ s "bd sn" # speed 2` is `every 2 (fast 2) $ (s "bd sn" # speed 2)`
    assert equal('d1 $ every 2 (fast 2) $ s "bd sn" # speed 2',
                 'd1 $ every 2 (fast 2) $ (s "bd sn" # speed 2)', cycles=2)


def test_sometimes_section_overrides_the_chain_under_dollar():
    """`sometimesBy 0.5 (# speed 2) $ s "bd*8" # speed 1`: with `$` loosest the section sets
    speed 2 on the events it picks (read the old way, `# speed 1` overrode them all). Each of
    the 8 one-second slots is exactly the speed-1 or the speed-2 hit; both occur."""
    src = "tempo: 0.125\nd1 $ {}"
    x = render_src(src.format('sometimesBy 0.5 (# speed 2) $ s "bd*8" # speed 1'), cycles=1)[0]
    one = render_src(src.format('s "bd*8" # speed 1'), cycles=1)[0]
    two = render_src(src.format('s "bd*8" # speed 2'), cycles=1)[0]
    picked = []
    for k in range(8):      # a bd lasts 0.6 s, so the slots do not overlap
        seg = slice(k * SR, (k + 1) * SR)
        is1, is2 = np.array_equal(x[seg], one[seg]), np.array_equal(x[seg], two[seg])
        assert is1 != is2, k
        picked.append(is2)
    assert 0 < sum(picked) < 8, picked
