"""End-to-end measured-sound tests of the single-process render (issue 3's list)."""
import numpy as np
import pytest

from phonon.engine import spec_frames

from conftest import compile_src, render_src, rms_db

SR = 44100


def onsets(x, thresh=1e-4):
    """Sample indices where a silent stretch ends (first sample above thresh after >= 200 silent)."""
    loud = np.max(np.abs(x), axis=0) > thresh
    idx = np.flatnonzero(loud)
    if idx.size == 0:
        return []
    starts = [int(idx[0])]
    for a, b in zip(idx[:-1], idx[1:]):
        if b - a > 200:
            starts.append(int(b))
    return starts


def test_sine_fft_peak_within_half_bin():
    x = render_src("out: sine 440", duration=1)[0]
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    freqs = np.fft.rfftfreq(len(x), 1 / SR)
    peak = freqs[np.argmax(spec)]
    assert abs(peak - 440) <= 0.5 * SR / len(x)


def test_lpf_passes_low_and_cuts_high():
    dry = rms_db(render_src("out: sine 200", duration=1)[0, SR // 2:])
    lo = rms_db(render_src("out: sine 200 # lpf 1000", duration=1)[0, SR // 2:])
    hi = rms_db(render_src("out: sine 4000 # lpf 1000", duration=1)[0, SR // 2:])
    assert 10 ** ((lo - dry) / 20) > 0.8
    assert 10 ** ((hi - dry) / 20) < 0.5


def test_lpf_minus_3db_at_cutoff():
    dry = rms_db(render_src("out: sine 1000", duration=1)[0, SR // 2:])
    wet = rms_db(render_src("out: sine 1000 # lpf 1000 0.707", duration=1)[0, SR // 2:])
    assert abs((wet - dry) + 3.0) <= 0.5


def test_cycles_to_the_sample():
    assert spec_frames(compile_src("out: sine 1"), cycles=4) == 4 * 2 * SR       # default cps 0.5
    assert spec_frames(compile_src("bpm: 120\nout: sine 1"), cycles=4) == 2 * SR  # cps 2
    assert spec_frames(compile_src("cps: 0.5167\nout: sine 1"), cycles=1) == int(np.ceil(SR / 0.5167))
    assert render_src("bpm: 120\nout: sine 1", cycles=3).shape == (2, int(1.5 * SR))


def shifted_sum(one, offsets, n):
    out = np.zeros((2, n))
    for o in offsets:
        m = min(n - o, one.shape[1])
        out[:, o:o + m] += one[:, :m]
    return out


def test_sample_onsets_to_the_sample():
    one = render_src('tempo: 1\nout: s "bd"', cycles=1)
    four = render_src('tempo: 1\nout: s "bd*4"', cycles=1)
    assert onsets(one) == [0]
    # four voices = one voice shifted to exactly 0, 1/4, 1/2, 3/4 s (to the sample)
    np.testing.assert_allclose(four, shifted_sum(one, [0, SR // 4, SR // 2, 3 * SR // 4], SR), atol=1e-12)
    odd = render_src('tempo: 1\nout: s "bd*3"', cycles=1)
    np.testing.assert_allclose(odd, shifted_sum(one, [0, 14700, 29400], SR), atol=1e-12)


def test_gain_is_superdirts_fourth_power():
    a = render_src('tempo: 1\nout: s "bd" # gain 1', cycles=1)
    b = render_src('tempo: 1\nout: s "bd" # gain 0.5', cycles=1)
    assert abs((rms_db(b) - rms_db(a)) + 24.08) < 0.01  # amp * gain^4: 0.5^4 = -24.08 dB


def _length(x, thresh=1e-5):
    idx = np.flatnonzero(np.max(np.abs(x), axis=0) > thresh)
    return int(idx[-1] - idx[0] + 1)


def test_speed_and_note():
    one = render_src('tempo: 0.25\nout: s "sn"', cycles=1)
    two = render_src('tempo: 0.25\nout: s "sn" # speed 2', cycles=1)
    note = render_src('tempo: 0.25\nout: s "sn" # note 12', cycles=1)
    assert abs(_length(two, 0.0) - _length(one, 0.0) / 2) <= 2  # voice extents: speed 2 is half as long
    np.testing.assert_allclose(two, note, atol=1e-12)


def test_cut_chokes():
    one = render_src('tempo: 4\nout: s "oh"', cycles=1)
    free = render_src('tempo: 4\nout: s "oh oh"', cycles=1)
    cut = render_src('tempo: 4\nout: s "oh oh" # cut 1', cycles=1)
    half = -(-SR // 8)  # the second onset: ceil(1/2 cycle * SR / cps) = 5513
    np.testing.assert_array_equal(free[:, :half], cut[:, :half])
    # after the second onset (and the short choke fade) only the second voice sounds
    fade = int(0.006 * SR)
    np.testing.assert_allclose(cut[:, half + fade:], one[:, fade:cut.shape[1] - half], atol=1e-12)
    assert np.max(np.abs(free[:, half + fade:] - cut[:, half + fade:])) > 1e-3


def test_pan_left_silences_right():
    x = render_src('out: s "bd sn" # pan 0', cycles=1)
    assert np.max(np.abs(x[1])) == 0 and np.max(np.abs(x[0])) > 0.1


def test_jux_rev_puts_reversed_on_right():
    x = render_src('tempo: 1\nout: jux rev $ s "bd ~ ~ ~"', cycles=1)
    left, right = onsets(x[:1]), onsets(x[1:])
    assert left == [0] and right == [3 * SR // 4]


def test_degrade_identical_across_renders():
    a = render_src('out: degrade $ s "hh*16"', cycles=2)
    b = render_src('out: degrade $ s "hh*16"', cycles=2)
    full = render_src('out: s "hh*16"', cycles=2)
    np.testing.assert_array_equal(a, b)
    assert 4 < len(onsets(a, 1e-3)) < len(onsets(full, 1e-3))


def test_reverb_and_delay_tails_ring_into_silence():
    for fx in ("reverb 0.8 0.3 0.5", "delay 0.25 0.6 0.5"):
        x = render_src(f'tempo: 1\nout: s "bd ~ ~ ~" # {fx}', cycles=1)
        dry = render_src('tempo: 1\nout: s "bd ~ ~ ~"', cycles=1)
        tail = slice(int(0.6 * SR), SR)
        assert rms_db(dry[:, tail]) == -np.inf or rms_db(dry[:, tail]) < -100
        assert rms_db(x[:, tail]) > -60, fx


def test_auto_routing_quarter_gain():
    a = render_src("~a: sine 440", duration=0.5)
    b = render_src("out: sine 440", duration=0.5)
    np.testing.assert_allclose(a, b * 0.25, atol=1e-15)


def test_same_seed_same_bytes_other_seed_differs():
    src = 'out: noise * 0.1 + s "hh*8?"'
    a = render_src(src, cycles=1, seed=1)
    b = render_src(src, cycles=1, seed=1)
    c = render_src(src, cycles=1, seed=2)
    assert a.tobytes() == b.tobytes() and a.tobytes() != c.tobytes()


def test_envelope_retriggers_on_pattern_onsets():
    x = render_src('tempo: 1\nout: sine "440*4" # adsr 0.001 0.05 0 0.01', cycles=1)[0]
    # every quarter cycle a new note: energy at each onset, near-silence just before the next
    for k in range(4):
        seg = x[k * SR // 4: k * SR // 4 + 2000]
        assert np.max(np.abs(seg)) > 0.5
        assert np.max(np.abs(x[(k + 1) * SR // 4 - 500:(k + 1) * SR // 4 - 1])) < 0.05


def test_bus_played_as_sample():
    one = render_src('tempo: 1\n~kick: superkick 60\nout: s "~kick"', cycles=1)
    four = render_src('tempo: 1\n~kick: superkick 60\nout: s "~kick*4"', cycles=1)
    assert onsets(one, 1e-3)[0] == 0 and rms_db(one) > -40
    np.testing.assert_allclose(four, shifted_sum(one, [0, SR // 4, SR // 2, 3 * SR // 4], SR), atol=1e-12)


def test_note_names_in_note_control():
    a = render_src('tempo: 1\nout: s "sn*3" # note "c e g"', cycles=1)
    b = render_src('tempo: 1\nout: s "sn*3" # note "0 4 7"', cycles=1)
    np.testing.assert_array_equal(a, b)


def test_word_where_number_needed_is_a_located_compile_error():
    from phonon.errors import PhononError
    with pytest.raises(PhononError) as ei:
        compile_src('out: sine "bd sn"')
    assert str(ei.value).splitlines()[0] == ("1:11: sine: parameter 'freq': got word 'bd' where a frequency "
                                             "is needed; expected a number (like 440) or a note name "
                                             "(like a4, c#3, eb)")
