"""Synths by name in the event path (phonon/nodes/superdirt_synths.py): SuperDirt's pitch
(note 0 = C5 = 261.63 Hz, octave, n), durations from sustain/legato, every synth audible,
block-size invariance and exact seeks."""
from __future__ import annotations

import math
from fractions import Fraction as F

import numpy as np
import pytest

import phonon.nodes  # noqa: F401
from phonon.nodes.superdirt_synths import SYNTHS
from phonon.pattern import mini, pure, set_control
from test_nodes_voices import render as render_sampler

SR = 44100
C5 = 440 * 2 ** (-9 / 12)  # 261.6256 Hz


def sound(words: str, **controls):
    p = mini(words).fmap(lambda v: {"s": v})
    for k, v in controls.items():
        p = set_control(p, k, mini(v) if isinstance(v, str) else pure(F(v)))
    return p


def render(pat, n=SR, block=4096, start=0, cps=1):
    return render_sampler(pat, n, block=block, start=start, cps=cps)


def peak_hz(y, lo=40.0, hi=5000.0):
    """The strongest spectral peak in [lo, hi), refined by parabolic interpolation."""
    n = len(y)
    spec = np.abs(np.fft.rfft(y * np.hanning(n)))
    f = np.fft.rfftfreq(n, 1 / SR)
    band = (f >= lo) & (f < hi)
    k = np.flatnonzero(band)[np.argmax(spec[band])]
    a, b, c = np.log(spec[k - 1:k + 2] + 1e-300)
    return (k + 0.5 * (a - c) / (a - 2 * b + c)) * SR / n


def steady(words, **c):
    """A one-cycle (1 s) note, the analysis window in its middle."""
    return render(sound(words, **c))[0, 8000:8000 + 32768]


@pytest.mark.parametrize("controls, hz", [
    ({}, C5),                                   # note 0 = C5
    ({"note": 12}, 2 * C5),
    ({"note": 9}, 440.0),                       # a5
    ({"octave": 4}, C5 / 2),
    ({"note": 7, "octave": 3}, C5 / 4 * 2 ** (7 / 12)),
    ({"n": 7}, C5 * 2 ** (7 / 12)),             # for synths n is the note when note is absent
    ({"n": 7, "note": 4}, C5 * 2 ** (4 / 12)),  # SuperDirt: midinote = (note ? n) + 12 octave
    ({"speed": 2}, 2 * C5),
])
def test_pitch_is_superdirts(controls, hz):
    got = peak_hz(steady("sine", **controls))
    assert abs(got / hz - 1) < 0.001, (got, hz)


@pytest.mark.parametrize("name", ["superpiano", "superhammond", "supersaw", "supersquare", "superfm",
                                  "superchip", "supertron", "sawtooth", "square", "triangle"])
def test_pitched_synths_sound_at_their_note(name):
    y = steady(name, note=-5)  # G4 = 196 Hz
    hz = C5 * 2 ** (-5 / 12)
    got = peak_hz(y, lo=100, hi=5000)
    # the strongest partial is the fundamental or a harmonic of it (supersaw's octave triangle,
    # superchip's third voice, the organ's drawbars), and the fundamental is there
    ratio = got / hz
    assert abs(ratio - round(ratio)) < 0.01 * round(ratio) and round(ratio) >= 1, (name, got, hz)
    fund = peak_hz(y, lo=hz * 0.9, hi=hz * 1.1)
    assert abs(fund / hz - 1) < 0.002, (name, fund)
    spec = np.abs(np.fft.rfft(y * np.hanning(len(y))))
    k = int(round(hz * len(y) / SR))
    assert 20 * np.log10(spec[k - 2:k + 3].max() / spec.max()) > -20, name


@pytest.mark.parametrize("name", sorted(SYNTHS))
def test_every_synth_is_audible_and_finite(name):
    y = render(sound(f"{name} ~ {name}:2 ~", note="0 -12"))
    assert np.isfinite(y).all()
    rms = 20 * np.log10(np.sqrt(np.mean(y ** 2)))
    assert -60 < rms < 0, (name, rms)
    assert np.abs(y).max() < 4


def last_sound(y, floor=1e-6):
    return np.flatnonzero(np.abs(y[0]) > floor)[-1] + 1


def test_duration_is_the_event_times_legato_or_sustain():
    q = SR // 4  # "x*4" at 1 cycle per second: 0.25 s events
    assert abs(last_sound(render(sound("superhammond ~ ~ ~"))) - q) <= 8
    assert abs(last_sound(render(sound("superhammond ~ ~ ~", legato=0.5))) - q // 2) <= 8
    assert abs(last_sound(render(sound("superhammond ~ ~ ~", legato=2))) - 2 * q) <= 8
    assert abs(last_sound(render(sound("superhammond ~ ~ ~", sustain=0.1))) - 0.1 * SR) <= 8
    # Strudel's oscillators release for 10 ms after the event
    assert abs(last_sound(render(sound("sine ~ ~ ~"))) - (q + 441)) <= 8
    # onsets are the events' onsets
    y = render(sound("superhammond*4", legato=0.5))
    for k in range(4):
        on = k * q
        assert not y[:, on - 5:on].any() or k == 0
        assert np.abs(y[0, on:on + 300]).max() > 1e-3


def test_accelerate_glides_a_synth():
    y = render(sound("sine", accelerate=1, note=0), SR)[0]
    S = SR + 441  # the voice: one cycle plus Strudel's 10 ms release; the glide spans it
    for a in (0, SR // 2, SR - 6000):
        expect = C5 * (1 + (a + 2048) / S)  # speed * (1 + accelerate * t / S): C5 -> an octave up
        assert abs(peak_hz(y[a:a + 4096], 100, 2000) / expect - 1) < 0.01, a


def test_velocity_brightens_and_scales_superpiano():
    soft = steady("superpiano", velocity=0.3)
    hard = steady("superpiano", velocity=1)
    assert np.sqrt(np.mean(hard ** 2)) > 2 * np.sqrt(np.mean(soft ** 2))

    def bright(y):
        s = np.abs(np.fft.rfft(y * np.hanning(len(y))))
        f = np.fft.rfftfreq(len(y), 1 / SR)
        return np.sum(s * f) / np.sum(s)
    assert bright(hard) > bright(soft) * 1.1


def synth_busy():
    p = sound("[superpiano supersaw:3, supertron superfm, superkick*2 supersnare, superhat*4, "
              "<superchip supersquare> superpwm, sine sawtooth square triangle, superhammond:4]",
              note="0 7 -5 3", legato="1 2 0.5", accelerate="0 0.3", cutoff="20000 1500")
    from phonon.pattern.transforms import stut
    return stut(p, 2, F(1, 2), F(1, 8))


@pytest.fixture(scope="module")
def busy_ref():
    return render(synth_busy(), 3 * SR, block=4096, cps=F(1, 2))


@pytest.mark.parametrize("block", [64, 1001, 8193])
def test_synth_voices_are_block_size_invariant(busy_ref, block):
    assert np.array_equal(render(synth_busy(), 3 * SR, block=block, cps=F(1, 2)), busy_ref)


@pytest.mark.parametrize("start", [1, 30000, SR + 4321, 2 * SR + 17])
def test_synth_voices_seek_exactly(busy_ref, start):
    y = render(synth_busy(), 3 * SR - start, block=777, start=start, cps=F(1, 2))
    assert np.array_equal(y, busy_ref[:, start:])


def test_the_bank_knows_every_synth_name():
    from phonon.samples import kit
    assert tuple(SYNTHS) == kit.SYNTH_NAMES
