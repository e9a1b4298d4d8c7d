"""Orbits and SuperDirt's global effects (phonon/orbits.py): routing, reverb tail vs `size`,
delay echoes at `delaytime` with `delayfeedback` gain, and the orbit outputs of the spec."""
import numpy as np
import pytest

from conftest import compile_src, render_src

SR = 22050


def _env(x, win=64):
    """Peak envelope per window of the mono sum (for echo and tail measurements)."""
    m = np.abs(x).max(axis=0)
    n = len(m) // win
    return m[: n * win].reshape(n, win).max(axis=1)


def test_orbit_outputs_are_named_and_routed():
    spec = compile_src('d1: s "bd*2" # orbit 1 # room 0.3\nd2: s "hh*4"\nd3: saw 55 * 0.1', sr=SR)
    names = [n for n, _ in spec.outputs]
    assert names == ["orbit0", "orbit1", "out3"]
    outs = render_src('d1: s "bd*2" # orbit 1\nd2: s "hh*4"', cycles=1, sr=SR, outputs=True)
    # orbit 1 has the kicks only (2 onsets), orbit 0 the hats (4 onsets)
    def n_onsets(y):
        e = np.abs(y).max(axis=0) > 1e-3
        return int(np.sum(e[1:] & ~e[:-1]) + e[0])
    assert set(outs) == {"orbit0", "orbit1"}
    assert n_onsets(outs["orbit1"]) >= 2 and np.abs(outs["orbit1"]).max() > 0.05
    hop = int(SR / 0.5 / 4)  # hats every quarter cycle at cps 0.5
    for k in range(4):
        assert np.abs(outs["orbit0"][:, k * hop: k * hop + 200]).max() > 1e-3


def test_programs_without_orbit_controls_keep_their_outputs():
    spec = compile_src('out: s "bd*4" # gain 0.8\nout2: s "hh*8"', sr=SR)
    assert [n for n, _ in spec.outputs] == ["out", "out2"]
    assert not any(n.kind in ("reverb", "delay") for n in spec.nodes)


def _tail_seconds(size):
    y = render_src(f'cps: 0.25\nout: s "rim" # room 0.8 # size {size}', cycles=1, sr=SR)
    e = _env(y)
    peak = e.max()
    above = np.nonzero(e > peak * 10 ** (-40 / 20))[0]  # time to fall 40 dB (RT40)
    return above[-1] * 64 / SR


def test_reverb_tail_grows_with_size():
    t_small, t_big = _tail_seconds(0.1), _tail_seconds(0.9)
    assert t_big > 2 * t_small, (t_small, t_big)
    assert t_big > 1.0


def test_reverb_send_zero_is_dry():
    dry = render_src('cps: 0.25\nout: s "rim"', cycles=1, sr=SR)
    wet0 = render_src('cps: 0.25\nout: s "rim" # room 0 # size 0.9', cycles=1, sr=SR)
    assert np.max(np.abs(dry - wet0)) < 1e-12


def test_delay_echoes_at_delaytime_with_feedback_gain():
    src = 'cps: 0.25\nout: s "rim" # delay 0.5 # delaytime 0.2 # delayfeedback 0.6'
    y = render_src(src, cycles=1, sr=SR)
    dry = render_src('cps: 0.25\nout: s "rim"', cycles=1, sr=SR)
    d = int(0.2 * SR)
    wet = y - dry
    p0 = np.abs(dry).max()
    seg = lambda k: np.abs(wet[:, k * d - 50: k * d + 400]).max()  # noqa: E731
    # nothing before the first echo, echo k at k * delaytime, 0.5 * 0.6^(k-1) of the dry peak
    assert np.abs(wet[:, : d - 50]).max() < 1e-9
    for k in (1, 2, 3):
        assert seg(k) == pytest.approx(p0 * 0.5 * 0.6 ** (k - 1), rel=0.02), k


def test_delay_lock_counts_cycles():
    # lock 1: delaytime 0.125 cycles at cps 0.5 = 0.25 s
    src = 'out: s "rim" # delay 1 # delaytime 0.125 # lock 1 # delayfeedback 0'
    y = render_src(src, duration=0.6, sr=SR)
    dry = render_src('out: s "rim"', duration=0.6, sr=SR)
    wet = np.abs(y - dry).max(axis=0)
    first = np.nonzero(wet > 1e-4)[0][0]
    assert abs(first - int(0.25 * SR)) < 8


def test_effect_parameters_hold_until_the_next_event_sets_them():
    from phonon.patexpr import evaluate
    spec = compile_src('out: stack [s "a c" # room "0.5 0.25", s "~ b ~ d"]', sr=SR)
    held = [a.expr for n in spec.nodes for k, a in n.args if k == "b" and hasattr(a, "expr")
            and a.expr.tag == "hold" and a.expr.control == "room"][0]
    got = [(float(h.whole.begin), float(h.whole.end), float(h.value))
           for h in evaluate(held).query(0, 1)]
    # b and d set no room: the previous value holds over them (GlobalDirtEffect.set)
    assert got == [(0, 0.5, 0.5), (0.5, 1, 0.25)]


def test_held_control_lookback_is_not_charged_to_the_query():
    """A global effect's control (`dry` here, never set) looks back 16 cycles for its last
    value; that lookback has a budget of its own, so a dense pattern (7,000 events a cycle:
    16 x 7,000 > the 100,000 a one-cycle query may build) holds its default instead of
    failing with the events limit (a published piece did: moistpeace's, with # room)."""
    from fractions import Fraction
    from phonon.pattern import mini
    from phonon.pattern.controls import hold_control, set_control, sound_map
    pat = set_control(mini("bd*7000").fmap(sound_map), "room", mini("0.3"))
    held = hold_control(pat, "dry", 0)
    haps = held.query(0, 1)
    assert [(h.part.begin, h.part.end, h.value) for h in haps] == [(0, 1, 0)]
    room = hold_control(pat, "room", 0).query(Fraction(1, 2), 1)
    assert {h.value for h in room} == {Fraction(3, 10)}
