"""Golden parse trees and parse errors for mini-notation (phonon/pattern/mininotation/parser.py)."""
from fractions import Fraction as F

import pytest

import _pattern_helpers  # noqa: F401
from phonon.errors import MiniParseError, PhononError, Span
from phonon.pattern.mininotation import dump, parse
from phonon.pattern.mininotation.ast import Atom, Seq, Step
from phonon.pattern.notes import Note

GOLDEN = [
    ("bd sn", "(seq bd sn)"),
    ("bd ~ sn", "(seq bd ~ sn)"),
    ("bd*2 [sn cp]", "(seq (fast bd 2) (seq sn cp))"),
    ("bd*1.5", "(seq (fast bd 3/2))"),
    ("bd*<2 3>", "(seq (fast bd (alternation (seq 2 3))))"),
    ("bd/2", "(seq (slow bd 2))"),
    ("<bd <sd hh>>", "(seq (alternation (seq bd (alternation (seq sd hh)))))"),
    ("<bd@3 sd>", "(seq (alternation (seq bd@3 sd)))"),
    ("bd(3,8)", "(seq (euclid bd (seq 3) (seq 8)))"),
    ("bd(3,8,2)", "(seq (euclid bd (seq 3) (seq 8) (seq 2)))"),
    ("bd(<3 5>,8)", "(seq (euclid bd (seq (alternation (seq 3 5))) (seq 8)))"),
    ("[bd sd](3,8)", "(seq (euclid (seq bd sd) (seq 3) (seq 8)))"),
    ("{a b c, d e}", "(seq (polymeter (seq a b c) (seq d e)))"),
    ("{a b c}%4", "(seq (polymeter (seq a b c) %4))"),
    ("a!3 b", "(seq a!3 b)"),
    ("a ! ! b", "(seq a!3 b)"),
    ("a@3 b", "(seq a@3 b)"),
    ("a _ _ b", "(seq a@3 b)"),
    ("a@2 _", "(seq a@3)"),
    ("a? b?0.3", "(seq (degrade#0 a) (degrade#1 b 3/10))"),
    ("[a|b|c] d?", "(seq (choice#0 (seq a) (seq b) (seq c)) (degrade#1 d))"),
    ("[a? | b] c?", "(seq (choice#1 (seq (degrade#0 a)) (seq b)) (degrade#2 c))"),
    ("a . b c . d", "(seq (seq a) (seq b c) (seq d))"),
    ("0 .. 3", "(seq (range 0 3))"),
    ("bd*4, hh*8", "(stack (seq (fast bd 4)) (seq (fast hh 8)))"),
    ("[bd, sn cp]", "(seq (stack (seq bd) (seq sn cp)))"),
    ("bd:3 -0.5 1.25 ~kick", "(seq bd:3 -1/2 5/4 ~kick)"),
    ("c4'maj", "(chord Note(60) Note(64) Note(67))"),
    ("e'min7", "(chord Note(64) Note(67) Note(71) Note(74))"),
    ("0'major", "(chord 0 4 7)"),
    ("c'maj'ii", "(chord Note(67) Note(72) Note(76))"),
]


@pytest.mark.parametrize("text,expected", GOLDEN)
def test_golden_trees(text, expected):
    tree = parse(text)
    got = dump(tree)
    if got.startswith("(seq ") and expected.startswith("(chord"):
        got = got[5:-1]
    assert got == expected


def test_tree_keeps_spans():
    tree = parse("bd  sn*2")
    assert isinstance(tree, Seq)
    bd, fast = tree.steps[0].node, tree.steps[1].node
    assert bd == Atom("bd", Span(1, 1, 2))
    assert fast.span == Span(1, 5, 4)
    assert fast.node.span == Span(1, 5, 2)
    assert fast.factor == Atom(F(2), Span(1, 8, 1))


def test_numbers_are_exact_and_words_stay_strings():
    tree = parse("1.5 -0.5 bd:3 c4 t")
    assert [s.node.value for s in tree.steps] == [F(3, 2), F(-1, 2), "bd:3", "c4", "t"]


ERRORS = [
    ("[bd sn", 7, "expected ']' to close the '[' at column 1, found the end of the pattern"),
    ("<bd sn", 7, "expected '>' to close the '<' at column 1"),
    ("bd*", 4, "expected a number or a pattern in brackets after '*'"),
    ("bd*x", 4, "expected a number or a pattern in brackets after '*', found 'x'"),
    ("bd(3)", 3, "euclid takes (pulses,steps) or (pulses,steps,rotation)"),
    ("bd(3,8", 7, "expected ')' to close the euclid '('"),
    ("@2 bd", 1, "'@' needs a step before it"),
    ("bd sn]", 6, "expected a word, number, '~', '[', '<' or '{', found ']'"),
    ("c'foo", 1, "unknown chord 'foo'"),
    ("x'maj", 1, "chord root 'x' is not a note name or number"),
    ("bd?2", 4, "'?' takes a probability 0..1, got 2"),
]


@pytest.mark.parametrize("text,col,msg", ERRORS)
def test_parse_errors_say_where_and_what(text, col, msg):
    with pytest.raises(MiniParseError) as ei:
        parse(text)
    err = ei.value
    assert isinstance(err, PhononError)
    assert err.span.line == 1 and err.span.col == col
    assert msg in err.message
    assert err.source == text
    lines = str(err).splitlines()
    assert lines[1] == "    " + text
    assert lines[2].index("^") == 4 + col - 1


def test_numeric_positions_reject_words():
    from phonon.pattern import mini
    with pytest.raises(MiniParseError) as ei:
        mini("bd(3,x)")
    assert ei.value.span.col == 6 and "expected a number here, found 'x'" in ei.value.message
    with pytest.raises(MiniParseError) as ei:
        mini("bd(3.5,8)")
    assert "whole number" in ei.value.message
    with pytest.raises(MiniParseError):
        mini("bd*<2 x>")
