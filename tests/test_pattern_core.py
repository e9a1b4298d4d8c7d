"""Core: Arc/Hap/Pattern, exact time, primitives, and hypothesis properties (phonon/pattern/core.py)."""
import random
from fractions import Fraction as F

from hypothesis import given, settings, strategies as st

from _pattern_helpers import events, onset_wholes, onsets
from phonon.pattern import harmony as H, random as R, transforms as T
from phonon.pattern import (Arc, Hap, Note, Pattern, cycle_pos, mini, next_sam, note_to_midi, pure,
                            sam, silence, to_hz, to_number, to_semitones, to_time, PatternValueError)
from phonon.pattern import timearith


def test_time_helpers():
    assert sam(F(-1, 3)) == -1 and next_sam(F(5, 2)) == 3 and cycle_pos(F(-1, 3)) == F(2, 3)
    assert to_time(1.5) == F(3, 2) and to_time(0.1) == F(1, 10) and to_time("1/3") == F(1, 3)
    assert Arc(F(1, 2), F(5, 2)).cycles() == [Arc(F(1, 2), 1), Arc(1, 2), Arc(2, F(5, 2))]
    assert Arc(0, F(1, 2)).intersection(Arc(F(1, 2), 1)) is None


def test_query_accepts_int_fraction_string():
    p = mini("a b c")
    assert p.query(0, 1) == p.query(F(0), "1") == p.query("0", F(1))
    assert [h.whole.begin for h in p.query("1/3", "2/3")] == [F(1, 3)]
    assert all(type(h.whole.begin) is F and type(h.part.end) is F for h in p.query(0, 3))


def test_hap_onset_and_fragments():
    (h,) = pure("a").query(F(1, 2), 1)
    assert h.whole == Arc(0, 1) and h.part == Arc(F(1, 2), 1) and not h.has_onset()
    assert [h.has_onset() for h in pure("a").query(0, 2)] == [True, True]
    assert silence.query(0, 10) == []


def test_zero_width_query():
    (h,) = pure("a").query(F(1, 2), F(1, 2))
    assert h.whole == Arc(0, 1) and h.part == Arc(F(1, 2), F(1, 2))


def test_app_left_right_both():
    a, b = mini("1 2"), mini("10 20 30")
    add = lambda x, y: x + y
    assert [(h.whole, h.part, h.value) for h in a.app_left(b, add).query(0, 1)] == [
        (Arc(0, F(1, 2)), Arc(0, F(1, 3)), 11), (Arc(0, F(1, 2)), Arc(F(1, 3), F(1, 2)), 21),
        (Arc(F(1, 2), 1), Arc(F(1, 2), F(2, 3)), 22), (Arc(F(1, 2), 1), Arc(F(2, 3), 1), 32)]
    assert [h.whole for h in a.app_right(b, add).query(0, 1) if h.has_onset()] == [
        Arc(0, F(1, 3)), Arc(F(1, 3), F(2, 3)), Arc(F(2, 3), 1)]


def test_joins():
    outer = mini("a b").fmap(lambda v: mini("x y z") if v == "a" else mini("u"))
    assert onsets(outer.squeeze_join()) == [(0, "x"), (F(1, 6), "y"), (F(1, 3), "z"), (F(1, 2), "u")]
    # inner: wholes from the inner patterns, so "u" is a fragment of its cycle-long event
    assert onset_wholes(outer.inner_join()) == [((0, F(1, 3)), "x"), ((F(1, 3), F(2, 3)), "y")]
    assert [(h.whole, h.part) for h in outer.inner_join().query(0, 1) if h.value == "u"] == [
        (Arc(0, 1), Arc(F(1, 2), 1))]
    assert onset_wholes(outer.outer_join()) == [((0, F(1, 2)), "x"), ((F(1, 2), 1), "u")]


def test_timearith_matches_fraction():
    rng = random.Random(1)
    for _ in range(3000):
        a = F(rng.randint(-99, 99), rng.randint(1, 40))
        b = F(rng.randint(-99, 99), rng.randint(1, 40))
        m = rng.randint(-5, 5)
        for got, want in ((timearith.add(a, b), a + b), (timearith.sub(a, b), a - b),
                          (timearith.mul(a, b), a * b), (timearith.int_sub(m, a), m - a)):
            assert (got.numerator, got.denominator) == (want.numerator, want.denominator)
            assert hash(got) == hash(want) and got == want


def test_notes():
    assert note_to_midi("c4") == 60 and note_to_midi("a4") == 69 and note_to_midi("a") == 69
    assert note_to_midi("cs4") == note_to_midi("c#4") == 61
    assert note_to_midi("ef4") == note_to_midi("eb4") == 63 and note_to_midi("c5") == 72
    assert note_to_midi("bd") is None
    assert to_hz("a4") == 440 and to_hz("a5") == 880 and to_hz(F(220)) == 220
    assert abs(to_hz("c4") - 261.6255653005986) < 1e-9
    assert to_hz(Note(F(69))) == 440
    # Tidal's numbering in note/n: c5 = 0, a bare name is octave 5 (c4 = MIDI 60 is -12)
    assert to_semitones("c5") == 0 and to_semitones("e") == 4 and to_semitones(F(7)) == 7
    assert to_semitones("c4") == -12 and to_semitones("a5") == 9 and to_semitones("cs6") == 13
    assert to_number(F(3, 2)) == F(3, 2)
    try:
        to_number("bd")
    except PatternValueError as e:
        assert "got word 'bd' where a number is needed; expected a number" in str(e)
    else:
        raise AssertionError("to_number accepted a word")


# ---- properties -------------------------------------------------------------------

WORDS = ["a", "b", "c", "~"]


@st.composite
def mini_strings(draw, depth=0):
    n = draw(st.integers(1, 4))
    steps = []
    for _ in range(n):
        kind = draw(st.integers(0, 9 if depth < 2 else 3))
        if kind <= 3:
            step = draw(st.sampled_from(WORDS))
        elif kind == 4:
            step = "[" + draw(mini_strings(depth + 1)) + "]"
        elif kind == 5:
            step = "<" + draw(mini_strings(depth + 1)) + ">"
        elif kind == 6:
            step = "{" + draw(mini_strings(depth + 1)) + "}%" + str(draw(st.integers(1, 5)))
        elif kind == 7:
            step = "a(" + str(draw(st.integers(0, 5))) + ",5," + str(draw(st.integers(0, 4))) + ")"
        elif kind == 8:
            step = "[" + draw(mini_strings(depth + 1)) + ", " + draw(mini_strings(depth + 1)) + "]"
        else:
            step = draw(st.sampled_from(["b?", "c?0.3", "[a|b]"]))
        mod = draw(st.sampled_from(["", "", "*2", "/2", "*1.5", "@2", "!", "*<1 3>", "/3"]))
        steps.append(step + (mod if not step.startswith("~") else ""))
    return " ".join(steps)


TRANSFORMS = [
    lambda p: p,
    lambda p: p.fast(3),
    lambda p: p.slow(F(3, 2)),
    lambda p: p.rev(),
    lambda p: T.every(p, 2, lambda x: x.fast(2)),
    lambda p: p.early(F(1, 3)),
    lambda p: p.late(F(1, 5)),
    lambda p: p.ply(2),
    lambda p: T.iter_(p, 3),
    lambda p: T.palindrome(p),
    lambda p: R.degrade(p),
    lambda p: T.chunk(p, 3, lambda x: x.fast(2)),
    lambda p: T.linger(p, F(1, 4)),
    lambda p: p.zoom(F(1, 4), F(3, 4)),
    lambda p: T.euclid(p, 3, 8),
    lambda p: T.off(p, F(1, 8), lambda x: x.rev()),
    lambda p: T.stut(p, 3, F(1, 2), F(1, 3)),
    # Tidal's vocabulary (tests/test_pattern_vocab.py has their golden events)
    lambda p: T.whenmod(p, 4, 2, lambda x: x.rev()),
    lambda p: T.within(p, F(1, 4), F(3, 4), lambda x: x.fast(2)),
    lambda p: T.brak(p),
    lambda p: T.rot(p, 1),
    lambda p: T.swing_by(p, F(1, 3), 4),
    lambda p: T.inside(p, 2, lambda x: x.rev()),
    lambda p: T.trunc(p, F(3, 4)),
    lambda p: T.chunk(p, -3, lambda x: x.fast(2)),
    lambda p: T.bite(p, 4, "0 [2 1] <3 0>"),
    lambda p: T.chew(p, 4, "0 [2 1]"),
    lambda p: T.ply_with(p, 3, lambda x: x.fast(2)),
    lambda p: T.echo_with(p, 3, F(1, 8), lambda x: x.rev()),
    lambda p: T.jux(p, lambda x: x.rev()),
    lambda p: R.shuffle(p, 4),
    lambda p: R.scramble(p, 4),
    lambda p: R.sometimes_by(p, F(1, 2), lambda x: x.fast(2)),
    lambda p: H.arp(p, "<updown converge>"),
    lambda p: H.rolled(p),
]

patterns = st.builds(lambda s, t: t(mini(s)), mini_strings(), st.sampled_from(TRANSFORMS))

# Tidal's arpWith munges the events of one query (groups fragments by whole, spreads each
# group): plyWith and arp are query-dependent in Tidal itself when an event crosses the split
# point (`plyWith 3 (fast 2) "a/2 a/2"` over (0, 2) vs (0, 1) + (1, 2)). rolledWith is the
# same (UI.hs: `withEvents`, `groupBy` whole, each fragment shifted by its index in the
# group: `rolled "a/3 a/3"`). The engine queries whole cycles, so renders stay
# block-invariant; the split property excludes them.
QUERY_MUNGING = {TRANSFORMS.index(t) for t in TRANSFORMS
                 if t.__code__.co_names and t.__code__.co_names[-1] in ("ply_with", "arp", "rolled")}
split_patterns = st.builds(lambda s, t: t(mini(s)), mini_strings(),
                           st.sampled_from([t for i, t in enumerate(TRANSFORMS)
                                            if i not in QUERY_MUNGING]))
SETTINGS = settings(max_examples=50, deadline=None)


@SETTINGS
@given(split_patterns)
def test_query_splits_at_any_point(p):
    assert onset_wholes(p, 0, 2) == sorted(onset_wholes(p, 0, 1) + onset_wholes(p, 1, 2),
                                           key=lambda x: (x[0].begin, x[0].end, repr(x[1])))
    assert onset_wholes(p, 0, 1) == sorted(onset_wholes(p, 0, F(1, 3)) + onset_wholes(p, F(1, 3), 1),
                                           key=lambda x: (x[0].begin, x[0].end, repr(x[1])))


@SETTINGS
@given(patterns, st.sampled_from([F(1, 2), F(2), F(3), F(2, 3), F(5, 4)]),
       st.sampled_from([F(1, 3), F(2), F(3, 2), F(4)]))
def test_fast_composes(p, a, b):
    assert onset_wholes(p.fast(a).fast(b), 0, 2) == onset_wholes(p.fast(a * b), 0, 2)


@SETTINGS
@given(patterns)
def test_rev_rev_is_identity(p):
    for c in (-1, 0, 1):
        assert events(p.rev().rev(), c, c + 1) == events(p, c, c + 1)


@SETTINGS
@given(patterns, st.sampled_from([F(1, 3), F(1, 8), F(5, 4), F(-2, 7)]))
def test_early_late_inverse(p, x):
    for b, e in ((0, 1), (F(1, 2), F(7, 3))):
        assert events(p.late(x).early(x), b, e) == events(p, b, e)


def test_fast_pure_shortcut_matches_generic_fast():
    generic = Pattern(pure("a").query_span)  # same queries, but not marked pure
    for f in (F(3), F(3, 2), F(32), F(2, 7)):
        for b, e in ((0, 1), (F(-5, 3), F(1, 4)), (F(1, 7), F(1, 7)), (F(2, 5), F(9, 2))):
            assert events(pure("a")._fast(f), b, e) == events(generic._fast(f), b, e)


def test_no_module_attaches_methods_to_pattern():
    """Issue 9.4: every Pattern attribute is defined by the core itself, after importing all the
    pattern modules and the registry's declarations."""
    import inspect

    import phonon.pattern.harmony  # noqa: F401
    import phonon.pattern.library  # noqa: F401
    from phonon.pattern import Pattern
    foreign = [name for name, v in vars(Pattern).items()
               if inspect.isfunction(v) and v.__module__ != "phonon.pattern.core"]
    assert foreign == []


def test_core_does_not_import_the_mini_notation():
    """The string parser is registered with the core (set_string_parser), not imported by it."""
    import ast as pyast
    from pathlib import Path

    import phonon.pattern.core as core
    tree = pyast.parse(Path(core.__file__).read_text())
    imported = [n.module for n in pyast.walk(tree) if isinstance(n, pyast.ImportFrom)]
    assert not any(m and "mininotation" in m for m in imported), imported
    assert core._string_parser is not None and core.reify("a b").query(0, 1)[1].value == "b"


def _zoom_reference(p, s, e):
    """Tidal's zoomArc written with the generic primitives (mapCycle on query and result)."""
    d = e - s
    return (p.with_query_span(lambda span: span.with_cycle(lambda t: t * d + s))
            .with_hap_span(lambda span: span.with_cycle(lambda t: (t - s) / d)).split_queries())


@SETTINGS
@given(mini_strings(), st.sampled_from([(F(1, 4), F(3, 4)), (F(0), F(1, 3)), (F(1, 2), F(3, 2)),
                                        (F(-1, 4), F(1, 4)), (F(2, 3), F(5, 7))]),
       st.sampled_from([(0, 2), (F(-3, 2), F(1, 3)), (F(1, 3), F(7, 5))]))
def test_zoom_equals_its_reference(text, se, be):
    """zoom's exact integer-field arithmetic (timearith) gives the reference's haps."""
    from _pattern_helpers import events
    p = mini(text)
    assert events(p.zoom(*se), *be) == events(_zoom_reference(p, *se), *be)


def test_app_both_index_gives_the_quadratic_answer():
    """app_both matches each left hap against only the right haps whose parts may meet it
    (core._overlap_index, used past 32 haps): the same haps in the same order as every pair."""
    from phonon.pattern import core as C
    left = mini("[1 ~ 2 3]*16 4@3 5").app_both(mini("<0 1> [0 10]*3"), lambda a, b: a)
    right = mini("{a b c}%48 [d e]/3")
    both = left.app_both(right, lambda a, b: (a, b))
    real = C._overlap_index
    try:
        fast = both.query(0, 3)
        C._overlap_index = lambda haps: None
        slow = both.query(0, 3)
    finally:
        C._overlap_index = real
    assert len(fast) > 100 and fast == slow
