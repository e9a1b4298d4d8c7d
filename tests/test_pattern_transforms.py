"""Each transform against hand-computed Tidal results (phonon/pattern/transforms.py, core.py)."""
from fractions import Fraction as F

import pytest

from _pattern_helpers import cycles, events, onset_wholes, onsets, times
from phonon.pattern import random as R, transforms as T
from phonon.pattern import (Arc, bjorklund, fastcat, mini, pure, saw, set_control, sine, slowcat,
                            square, stack, op)


def s(text):
    return mini(text).fmap(lambda v: {"s": v})


def test_fast_slow():
    assert cycles(mini("a b").fast(2), 1) == [["a", "b", "a", "b"]]
    assert cycles(mini("a b").slow(2), 2) == [["a"], ["b"]]
    assert cycles(mini("a b").fast("<1 2>"), 2) == [["a", "b"], ["a", "b", "a", "b"]]
    assert onsets(mini("a").fast(0)) == []


def test_rev_mirrors_each_cycle():
    assert cycles(mini("a b c").rev(), 1) == [["c", "b", "a"]]
    assert onset_wholes(mini("a@3 b").rev()) == [((0, F(1, 4)), "b"), ((F(1, 4), 1), "a")]
    assert cycles(mini("<[a b] [c d]>").rev(), 2) == [["b", "a"], ["d", "c"]]


def test_every_starts_with_cycle_zero():
    p = T.every(mini("a b c"), 3, lambda x: x.rev())
    assert cycles(p, 4) == [["c", "b", "a"], ["a", "b", "c"], ["a", "b", "c"], ["c", "b", "a"]]


def test_early_late():
    assert onsets(mini("a b c d").early(F(1, 4))) == [(0, "b"), (F(1, 4), "c"), (F(1, 2), "d"), (F(3, 4), "a")]
    assert onsets(mini("a b c d").late("0.25")) == [(0, "d"), (F(1, 4), "a"), (F(1, 2), "b"), (F(3, 4), "c")]


def test_ply():
    assert cycles(mini("a b").ply(2), 1) == [["a", "a", "b", "b"]]
    assert times(mini("a b").ply(3)) == [0, F(1, 6), F(1, 3), F(1, 2), F(2, 3), F(5, 6)]


def test_iter():
    assert cycles(T.iter_(mini("a b c d"), 4), 5) == [list("abcd"), list("bcda"), list("cdab"), list("dabc"),
                                                  list("abcd")]


def test_palindrome():
    assert cycles(T.palindrome(mini("a b c")), 3) == [list("abc"), list("cba"), list("abc")]


def test_chunk():
    up = lambda p: p.fmap(str.upper)
    assert cycles(T.chunk(mini("a b c d"), 4, up), 5) == [list("Abcd"), list("aBcd"), list("abCd"),
                                                       list("abcD"), list("Abcd")]


def test_off_and_superimpose():
    p = T.off(mini("a"), F(1, 4), lambda x: x.fmap(str.upper))
    assert onsets(p) == [(0, "a"), (F(1, 4), "A")]
    assert onsets(T.superimpose(mini("a"), lambda x: x.fast(2))) == [(0, "a"), (0, "a"), (F(1, 2), "a")]


def test_jux_pans_dicts():
    got = onsets(T.jux(s("a b"), lambda x: x.rev()))
    # Tidal's jux = juxBy 1: pan 0 (left) and 1 (right), Tidal's 0..1 pan
    assert got == sorted([(0, (("pan", 0), ("s", "a"))), (F(1, 2), (("pan", 0), ("s", "b"))),
                          (0, (("pan", 1), ("s", "b"))), (F(1, 2), (("pan", 1), ("s", "a")))],
                         key=lambda x: (x[0], repr(x[1])))
    (_, v1), (_, v2) = onsets(T.jux(mini("3"), lambda x: x))
    assert {v1, v2} == {(("pan", 0), ("value", 3)), (("pan", 1), ("value", 3))}


def test_stut_is_tidals_linear_fade():
    """Tidal 1.9 `_stut count feedback steptime`: echo x gets gain * scalegain x with
    scalegain = (+feedback) . (*(1-feedback)) . (/ count) . (count -)."""
    got = onsets(T.stut(s("bd"), 3, F(1, 2), F(1, 8)))
    assert got == [(0, (("s", "bd"),)), (F(1, 8), (("gain", F(5, 6)), ("s", "bd"))),
                   (F(1, 4), (("gain", F(2, 3)), ("s", "bd")))]
    g = onsets(T.stut(s("bd").fmap(lambda v: {**v, "gain": F(4, 5)}), 2, F(1, 2), F(1, 2)))
    assert g[1] == (F(1, 2), (("gain", F(3, 5)), ("s", "bd")))


def test_hurry():
    assert onsets(T.hurry(s("a"), 2)) == [(0, (("s", "a"), ("speed", 2))), (F(1, 2), (("s", "a"), ("speed", 2)))]


def test_chop():
    got = onsets(T.chop(s("a b"), 2))
    assert got == [(0, (("begin", 0), ("end", F(1, 2)), ("s", "a"))),
                   (F(1, 4), (("begin", F(1, 2)), ("end", 1), ("s", "a"))),
                   (F(1, 2), (("begin", 0), ("end", F(1, 2)), ("s", "b"))),
                   (F(3, 4), (("begin", F(1, 2)), ("end", 1), ("s", "b")))]


def test_striate():
    got = onsets(T.striate(s("a b"), 2))
    assert [(t, dict(v)["s"], dict(v)["begin"]) for t, v in got] == [
        (0, "a", 0), (F(1, 4), "b", 0), (F(1, 2), "a", F(1, 2)), (F(3, 4), "b", F(1, 2))]


def test_struct_and_mask():
    assert onsets(T.struct(mini("a"), "t ~ t t")) == [(0, "a"), (F(1, 2), "a"), (F(3, 4), "a")]
    assert onsets(T.struct(mini("a b"), "t*3")) == [(0, "a"), (F(1, 3), "a"), (F(2, 3), "b")]
    assert onsets(T.mask(mini("a*8"), "1 0 1 1")) == [(F(k, 8), "a") for k in (0, 1, 4, 5, 6, 7)]
    # mask keeps the pattern's own structure, cutting parts (Tidal: const <$> p <* filterValues id b)
    (h,) = [h for h in T.mask(mini("a"), "0 1").query(0, 1)]
    assert h.whole == Arc(0, 1) and h.part == Arc(F(1, 2), 1) and not h.has_onset()


def test_bjorklund_matches_tidal():
    def x(k, n):
        return "".join("x" if b else "." for b in bjorklund(k, n))
    assert x(3, 8) == "x..x..x."
    assert x(5, 8) == "x.xx.xx."
    assert x(2, 5) == "x.x.."
    assert x(3, 4) == "xxx."  # Tidal stops as soon as min(i, j) <= 1
    assert x(4, 12) == "x..x..x..x.."
    assert x(5, 12) == "x..x.x..x.x."
    assert x(7, 16) == "x..x.x.x..x.x.x."
    assert x(0, 4) == "...." and x(4, 4) == "xxxx"


def test_euclid_transform():
    assert times(T.euclid(mini("a"), 3, 8)) == [0, F(3, 8), F(3, 4)]
    assert times(T.euclid(mini("a"), 3, 8, 2)) == [F(1, 8), F(1, 2), F(3, 4)]
    assert times(T.euclid(mini("a"), -3, 8)) == [F(k, 8) for k in (1, 2, 4, 5, 7)]


def test_segment_and_range():
    got = onsets(saw.segment(4))
    assert got == [(0, F(1, 8)), (F(1, 4), F(3, 8)), (F(1, 2), F(5, 8)), (F(3, 4), F(7, 8))]
    got = onsets(T.range_(saw.segment(2), 100, 200))
    assert got == [(0, 125), (F(1, 2), 175)]
    assert [v for _, v in onsets(square.segment(2))] == [0, 1]
    (h,) = sine.query(0, F(1, 2))
    assert h.whole is None and abs(h.value - 1.0) < 1e-12  # sin(pi/2) -> (1+1)/2


def test_linger_zoom_compress():
    assert cycles(T.linger(mini("a b c d"), F(1, 4)), 1) == [["a", "a", "a", "a"]]
    assert cycles(T.linger(mini("a b c d"), F(-1, 4)), 1) == [["d", "d", "d", "d"]]
    assert onsets(mini("a b c d").zoom(F(1, 4), F(3, 4))) == [(0, "b"), (F(1, 2), "c")]
    assert onset_wholes(mini("a b").compress(F(1, 4), F(3, 4))) == [((F(1, 4), F(1, 2)), "a"),
                                                                     ((F(1, 2), F(3, 4)), "b")]


def test_degrade_is_half():
    assert len(onsets(R.degrade(mini("a*64")))) in range(20, 45)


def test_always_never_and_aliases():
    up = lambda p: p.fmap(str.upper)
    assert cycles(up(mini("a")), 1) == [["A"]]
    assert cycles(mini("a"), 1) == [["a"]]
    from phonon.registry import lookup
    for name in ("sometimes", "often", "rarely", "almostAlways", "almostNever"):
        assert len(onsets(lookup(name).fn(mini("a*8"), up))) == 8


def test_cat_family():
    assert cycles(slowcat(mini("a b"), mini("c")), 3) == [["a", "b"], ["c"], ["a", "b"]]
    assert cycles(fastcat(mini("a"), mini("b c")), 1) == [["a", "b", "c"]]
    # each pattern advances only when it plays (Tidal's cat)
    assert cycles(slowcat(mini("<a b>"), mini("c")), 4) == [["a"], ["c"], ["b"], ["c"]]
    assert cycles(stack(mini("a"), mini("b")), 1) == [["a", "b"]]


def test_set_control_structure_from_left():
    p = set_control(s("a b"), "gain", mini("1 0.5 0.25"))
    assert onsets(p) == [(0, (("gain", 1), ("s", "a"))), (F(1, 2), (("gain", F(1, 2)), ("s", "b")))]


def test_op_structure_from_both():
    p = op(mini("1 2"), mini("10 20 30"), lambda a, b: a + b)
    assert onset_wholes(p) == [((0, F(1, 3)), 11), ((F(1, 3), F(1, 2)), 21), ((F(1, 2), F(2, 3)), 22),
                               ((F(2, 3), 1), 32)]
    assert onsets(mini("1 2") + 10) == [(0, 11), (F(1, 2), 12)]
    assert onsets(mini("1 2") * mini("3")) == [(0, 3), (F(1, 2), 6)]


def test_patterned_args_use_inner_join():
    p = R.degrade_by(mini("a*4"), mini("<0 1>"))
    assert len(onsets(p, 0, 1)) == 4 and onsets(p, 1, 2) == []
    assert cycles(T.every(mini("a b"), mini("<1 2>"), lambda x: x.rev()), 2) == [["b", "a"], ["a", "b"]]
