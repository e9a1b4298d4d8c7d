"""Pattern.period: a period is only claimed when it holds (phonon/pattern/core.py), and
oscillators integrate phase through it in O(1) without changing a sample
(nodes/base.PatternInput.phase_segments)."""
from fractions import Fraction as F

import numpy as np
import pytest

from _pattern_helpers import events
from phonon.pattern import random as R, transforms as T
from phonon.pattern import mini, pure, slowcat, stack, fastcat
from phonon.pattern.core import plcm, whole_period


def _key(x):
    w, p, v = x
    return (p, (-1, -1) if w is None else w, repr(v))


def shifted(evs, d):
    def sh(a):
        return None if a is None else (a[0] + d, a[1] + d)
    return sorted([(sh(w), sh(p), v) for w, p, v in evs], key=_key)


def plain(evs):
    return sorted([(None if w is None else (w.begin, w.end), (p.begin, p.end), v)
                   for w, p, v in evs], key=_key)


PERIODIC = {
    "<55 65.41 73.42 49>": 4, "bd*32": F(1, 32), "bd sn [hh hh]": 1, "<a b>/2": 4,
    "bd(3,8)": 1, "bd(<3 5>,8,<0 2>)": None, "{a b c}%4": F(3, 4), "a . b c": 1, "a@3 b": 1,
    "a!2 b": 1, "<a [b c]>*3": F(2, 3), "a ~ b": 1, "[a, b c]": 1, "<a b c>!2 <d e>": 6,
    "c'maj e'min": 1, "0 .. 3": None, "a _ b": 1, "<a <b c>>": 4,
}
RANDOM = ["bd? sn", "[a|b]", "bd*8?0.3", "a b? c"]


@pytest.mark.parametrize("text", list(PERIODIC))
def test_claimed_period_holds_for_every_query(text):
    pat = mini(text)
    p = pat.period
    if PERIODIC[text] is not None:
        assert p == PERIODIC[text]
    if p is None:
        return
    for P in (p, whole_period(p), 2 * p):
        for k in range(int(2 * max(1, whole_period(p))) * 3):
            b = F(k, 3)
            for e in (b + F(1, 3), b + 1, b + F(7, 5)):
                assert plain(events(pat, b + P, e + P)) == shifted(plain(events(pat, b, e)), P)


@pytest.mark.parametrize("text", RANDOM)
def test_randomness_claims_no_period(text):
    assert mini(text).period is None


def test_transforms_keep_or_drop_the_period():
    a = mini("a b <c d>")
    assert a.period == 2
    assert a.fast(2).period == 1 and a.slow(3).period == 6
    assert a.rev().period == 2 and a.early(F(1, 3)).period == 2 and a.late("0.25").period == 2
    assert a.fmap(str.upper).period == 2
    assert stack(a, mini("<x y z>")).period == 6
    assert slowcat(a, pure("q")).period == 4
    assert fastcat(a, pure("q")).period == 2
    assert T.every(a, 3, lambda x: x.rev()).period is None  # a cycle test: not claimed
    assert R.degrade(a).period is None
    assert a.fast("<1 2>").period is None  # a patterned argument: a join, not claimed
    assert plcm(F(1, 2), F(2, 3)) == 2 and plcm(F(3, 4), 1) == 3 and plcm(None, 1) is None
    for pat in (T.every(a, 3, lambda x: x.rev()), a.fast(2), stack(a, mini("<x y z>"))):
        P = pat.period
        if P is not None:
            for c in range(6):
                assert plain(events(pat, c + P, c + 1 + P)) == shifted(plain(events(pat, c, c + 1)), P)


def test_vocabulary_claims_a_period_only_when_it_holds():
    from phonon.pattern import harmony as H, signals as S
    a = mini("a b <c d>")
    for p in (R.shuffle(a, 4), R.scramble(a, 4), R.randcat([a, mini("x")]), R.wrandcat([(a, 1), (mini("x"), 1)]),
              R.sometimes_by(a, F(1, 2), lambda x: x.rev()), R.some_cycles_by(a, F(1, 2), lambda x: x.rev()),
              R.perlin, R.irand(4), R.cycle_choose(["a", "b"]), T.randslice(a, 4), T.brak(a),
              T.whenmod(a, 4, 2, lambda x: x.rev()), T.rot(a, 1), H.arp(a, "up")):
        assert p.period is None
    for pat in (T.jux(a, lambda x: x.rev()), T.range_(S.saw, 1, 2), H.scale("major", "0 .. 3")):
        P = pat.period
        if P is not None:
            for c in range(4):
                assert plain(events(pat, c + P, c + 1 + P)) == shifted(plain(events(pat, c, c + 1)), P)
