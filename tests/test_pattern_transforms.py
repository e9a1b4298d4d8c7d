"""Each transform against hand-computed Tidal results (phonon/pattern/transforms.py, core.py)."""
from fractions import Fraction as F

import pytest

from _pattern_helpers import cycles, events, onset_wholes, onsets, times
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
    p = mini("a b c").every(3, lambda x: x.rev())
    assert cycles(p, 4) == [["c", "b", "a"], ["a", "b", "c"], ["a", "b", "c"], ["c", "b", "a"]]


def test_early_late():
    assert onsets(mini("a b c d").early(F(1, 4))) == [(0, "b"), (F(1, 4), "c"), (F(1, 2), "d"), (F(3, 4), "a")]
    assert onsets(mini("a b c d").late("0.25")) == [(0, "d"), (F(1, 4), "a"), (F(1, 2), "b"), (F(3, 4), "c")]


def test_ply():
    assert cycles(mini("a b").ply(2), 1) == [["a", "a", "b", "b"]]
    assert times(mini("a b").ply(3)) == [0, F(1, 6), F(1, 3), F(1, 2), F(2, 3), F(5, 6)]


def test_iter():
    assert cycles(mini("a b c d").iter(4), 5) == [list("abcd"), list("bcda"), list("cdab"), list("dabc"),
                                                  list("abcd")]


def test_palindrome():
    assert cycles(mini("a b c").palindrome(), 3) == [list("abc"), list("cba"), list("abc")]


def test_chunk():
    up = lambda p: p.fmap(str.upper)
    assert cycles(mini("a b c d").chunk(4, up), 5) == [list("Abcd"), list("aBcd"), list("abCd"),
                                                       list("abcD"), list("Abcd")]


def test_off_and_superimpose():
    p = mini("a").off(F(1, 4), lambda x: x.fmap(str.upper))
    assert onsets(p) == [(0, "a"), (F(1, 4), "A")]
    assert onsets(mini("a").superimpose(lambda x: x.fast(2))) == [(0, "a"), (0, "a"), (F(1, 2), "a")]


def test_jux_pans_dicts():
    got = onsets(s("a b").jux(lambda x: x.rev()))
    assert got == sorted([(0, (("pan", -1), ("s", "a"))), (F(1, 2), (("pan", -1), ("s", "b"))),
                          (0, (("pan", 1), ("s", "b"))), (F(1, 2), (("pan", 1), ("s", "a")))],
                         key=lambda x: (x[0], repr(x[1])))
    (_, v1), (_, v2) = onsets(mini("3").jux(lambda x: x))
    assert {v1, v2} == {(("pan", -1), ("value", 3)), (("pan", 1), ("value", 3))}


def test_stut_is_tidals_linear_fade():
    """Tidal 1.9 `_stut count feedback steptime`: echo x gets gain * scalegain x with
    scalegain = (+feedback) . (*(1-feedback)) . (/ count) . (count -)."""
    got = onsets(s("bd").stut(3, F(1, 2), F(1, 8)))
    assert got == [(0, (("s", "bd"),)), (F(1, 8), (("gain", F(5, 6)), ("s", "bd"))),
                   (F(1, 4), (("gain", F(2, 3)), ("s", "bd")))]
    g = onsets(s("bd").fmap(lambda v: {**v, "gain": F(4, 5)}).stut(2, F(1, 2), F(1, 2)))
    assert g[1] == (F(1, 2), (("gain", F(3, 5)), ("s", "bd")))


def test_hurry():
    assert onsets(s("a").hurry(2)) == [(0, (("s", "a"), ("speed", 2))), (F(1, 2), (("s", "a"), ("speed", 2)))]


def test_chop():
    got = onsets(s("a b").chop(2))
    assert got == [(0, (("begin", 0), ("end", F(1, 2)), ("s", "a"))),
                   (F(1, 4), (("begin", F(1, 2)), ("end", 1), ("s", "a"))),
                   (F(1, 2), (("begin", 0), ("end", F(1, 2)), ("s", "b"))),
                   (F(3, 4), (("begin", F(1, 2)), ("end", 1), ("s", "b")))]


def test_striate():
    got = onsets(s("a b").striate(2))
    assert [(t, dict(v)["s"], dict(v)["begin"]) for t, v in got] == [
        (0, "a", 0), (F(1, 4), "b", 0), (F(1, 2), "a", F(1, 2)), (F(3, 4), "b", F(1, 2))]


def test_struct_and_mask():
    assert onsets(mini("a").struct("t ~ t t")) == [(0, "a"), (F(1, 2), "a"), (F(3, 4), "a")]
    assert onsets(mini("a b").struct("t*3")) == [(0, "a"), (F(1, 3), "a"), (F(2, 3), "b")]
    assert onsets(mini("a*8").mask("1 0 1 1")) == [(F(k, 8), "a") for k in (0, 1, 4, 5, 6, 7)]
    # mask keeps the pattern's own structure, cutting parts (Tidal: const <$> p <* filterValues id b)
    (h,) = [h for h in mini("a").mask("0 1").query(0, 1)]
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
    assert times(mini("a").euclid(3, 8)) == [0, F(3, 8), F(3, 4)]
    assert times(mini("a").euclid(3, 8, 2)) == [F(1, 8), F(1, 2), F(3, 4)]
    assert times(mini("a").euclid(-3, 8)) == [F(k, 8) for k in (1, 2, 4, 5, 7)]


def test_segment_and_range():
    got = onsets(saw.segment(4))
    assert got == [(0, F(1, 8)), (F(1, 4), F(3, 8)), (F(1, 2), F(5, 8)), (F(3, 4), F(7, 8))]
    got = onsets(saw.segment(2).range(100, 200))
    assert got == [(0, 125), (F(1, 2), 175)]
    assert [v for _, v in onsets(square.segment(2))] == [0, 1]
    (h,) = sine.query(0, F(1, 2))
    assert h.whole is None and abs(h.value - 1.0) < 1e-12  # sin(pi/2) -> (1+1)/2


def test_linger_zoom_compress():
    assert cycles(mini("a b c d").linger(F(1, 4)), 1) == [["a", "a", "a", "a"]]
    assert cycles(mini("a b c d").linger(F(-1, 4)), 1) == [["d", "d", "d", "d"]]
    assert onsets(mini("a b c d").zoom(F(1, 4), F(3, 4))) == [(0, "b"), (F(1, 2), "c")]
    assert onset_wholes(mini("a b").compress(F(1, 4), F(3, 4))) == [((F(1, 4), F(1, 2)), "a"),
                                                                     ((F(1, 2), F(3, 4)), "b")]


def test_degrade_is_half():
    assert len(onsets(mini("a*64").degrade())) in range(20, 45)


def test_always_never_and_aliases():
    up = lambda p: p.fmap(str.upper)
    assert cycles(mini("a").always(up), 1) == [["A"]]
    assert cycles(mini("a").never(up), 1) == [["a"]]
    for name in ("sometimes", "often", "rarely", "almost_always", "almost_never"):
        assert len(onsets(getattr(mini("a*8"), name)(up))) == 8


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
    p = mini("a*4").degrade_by(mini("<0 1>"))
    assert len(onsets(p, 0, 1)) == 4 and onsets(p, 1, 2) == []
    assert cycles(mini("a b").every(mini("<1 2>"), lambda x: x.rev()), 2) == [["b", "a"], ["a", "b"]]
