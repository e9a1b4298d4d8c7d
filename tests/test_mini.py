"""Mini-notation semantics: equivalences and LANGUAGE.md's examples (Tidal 1.9)."""
from fractions import Fraction as F

import pytest

from _pattern_helpers import cycles, events, onset_wholes, onsets, times
from phonon.pattern import Note, mini, pure, slowcat, stack, fastcat, timecat


def same(a, b, n=4):
    for c in range(-1, n):
        assert events(a, c, c + 1) == events(b, c, c + 1), c


EQUIV = [
    ("a _ b _ _", "a@2 b@3"),
    ("a ! ! b", "a a a b"),
    ("a!3 b", "a a a b"),
    ("a! b", "a a b"),
    ("[a b]", "a b"),
    ("a . b c", "a [b c]"),
    ("a . b c . d", "[a] [b c] [d]"),
    ("bd*4, hh*8", "[bd*4, hh*8]"),
    ("<a b>", "a/2 b/2".replace("a/2 b/2", "<a b>")),
    ("{a b c}%3", "a b c"),
    ("{a b}%4", "a b a b"),
    ("<a b c>", "{a b c}%1"),
    ("bd(3,8)", "bd ~ ~ bd ~ ~ bd ~"),
    ("bd(3,8,2)", "~ bd ~ ~ bd ~ bd ~"),
    ("bd(5,8)", "bd ~ bd bd ~ bd bd ~"),
    ("[bd sd](2,4)", "[bd sd] ~ [bd sd] ~"),
    ("0 .. 3", "[0 1 2 3]"),
    ("3 .. 1", "[3 2 1]"),
    ("a@1.5 b@0.5", "a@3 b"),
    ("a*2 b", "[a a] b"),
]


@pytest.mark.parametrize("a,b", EQUIV)
def test_equivalences(a, b):
    same(mini(a), mini(b))


def test_star_is_fast():
    same(mini("bd*2"), pure("bd").fast(2))
    same(mini("bd*2"), mini("bd").fast(2))
    same(mini("[bd sn]/2"), mini("bd sn").slow(2))
    same(mini("bd*<2 3>"), mini("bd").fast(mini("<2 3>")))


def test_alternation_nesting():
    assert cycles(mini("<bd <sd hh>>"), 4) == [["bd"], ["sd"], ["bd"], ["hh"]]
    assert cycles(mini("<a <b c> <d e f>>"), 9) == [["a"], ["b"], ["d"], ["a"], ["c"], ["e"],
                                                    ["a"], ["b"], ["f"]]


def test_alternation_weights_hold_cycles():
    assert cycles(mini("<bd@3 sd>"), 8) == [["bd"], [], [], ["sd"], ["bd"], [], [], ["sd"]]
    (whole, v), = onset_wholes(mini("<bd@3 sd>"), 0, 1)
    assert whole == (0, 3)


def test_alternation_at_negative_cycles():
    assert cycles(mini("<a b c>"), 1, start=-1) == [["c"]]
    assert cycles(mini("<a b c>"), 3, start=-3) == [["a"], ["b"], ["c"]]


def test_euclid_rotation_is_left():
    assert times(mini("bd(3,8,2)")) == [F(1, 8), F(1, 2), F(3, 4)]
    assert times(mini("bd(3,8)")) == [0, F(3, 8), F(3, 4)]


def test_euclid_pulse_plays_whole_element():
    assert onsets(mini("[bd sd](3,8)")) == [
        (0, "bd"), (F(1, 16), "sd"), (F(3, 8), "bd"), (F(7, 16), "sd"), (F(3, 4), "bd"), (F(13, 16), "sd")]


def test_patterned_euclid():
    p = mini("bd(<3 5>,8)")
    assert times(p, 0, 1) == [0, F(3, 8), F(3, 4)]
    assert times(p, 1, 2) == [1 + F(x, 8) for x in (0, 2, 3, 5, 6)]


def test_fast_exact_rational():
    assert times(mini("bd*1.5"), 0, 2) == [0, F(2, 3), F(4, 3)]
    assert all(isinstance(t, F) for t in times(mini("bd*1.5"), 0, 2))


def test_polymeter_steps_from_first_layer():
    p = mini("{bd sd hh}%4")
    assert cycles(p, 3) == [["bd", "sd", "hh", "bd"], ["sd", "hh", "bd", "sd"], ["hh", "bd", "sd", "hh"]]
    q = mini("{a b c, d e}")
    assert onsets(q) == sorted([(0, "a"), (F(1, 3), "b"), (F(2, 3), "c"), (0, "d"), (F(1, 3), "e"),
                                (F(2, 3), "d")], key=lambda x: (x[0], x[1]))
    assert [v for _, v in onsets(q, 1, 2) if v in "de"] == ["e", "d", "e"]


def test_top_level_stack():
    assert onsets(mini("bd, hh*2")) == [(0, "bd"), (0, "hh"), (F(1, 2), "hh")]


def test_values():
    (_, v), = onsets(mini("bd:3"))
    assert v == "bd:3"
    assert [v for _, v in onsets(mini("-0.5 1 c4"))] == [F(-1, 2), F(1), "c4"]
    chord = [v for _, v in onsets(mini("c4'maj"))]
    assert sorted(chord, key=lambda n: n.midi) == [Note(F(60)), Note(F(64)), Note(F(67))]


def test_rest_and_elongation_timing():
    assert onset_wholes(mini("a _ b _ _")) == [((0, F(2, 5)), "a"), ((F(2, 5), 1), "b")]
    assert onsets(mini("a ~ b")) == [(0, "a"), (F(2, 3), "b")]


def test_mini_is_cached():
    assert mini("bd sn hh") is mini("bd sn hh")


def test_equivalent_to_combinators():
    same(mini("bd [sn sn]"), fastcat(pure("bd"), fastcat(pure("sn"), pure("sn"))))
    same(mini("<bd sn>"), slowcat(pure("bd"), pure("sn")))
    same(mini("[bd, sn]"), stack(pure("bd"), pure("sn")))
    same(mini("bd@3 sn"), timecat((3, pure("bd")), (1, pure("sn"))))
