"""Tidal's vocabulary against Tidal 1.9's semantics (phonon/pattern/transforms.py, random.py,
signals.py, harmony.py). Expected events are worked out by hand from the Tidal definitions
each test names (Sound/Tidal/UI.hs, Core.hs, Control.hs, Scales.hs); randomness from
`time_to_rand`, itself checked against Tidal's formula in test_pattern_random.py."""
from fractions import Fraction as F

import pytest

from _pattern_helpers import cycles, onset_wholes, onsets, times
from phonon.pattern import harmony as H, random as R, signals as S, transforms as T
from phonon.pattern import Note, PatternValueError, mini, pure, set_control, stack, time_to_rand, time_to_rands
from phonon.registry import lookup


def s(text):
    return mini(text).fmap(lambda v: {"s": v})


def vals(pat, b=0, e=1):
    return [v for _, v in onsets(pat, b, e)]


up = lambda p: p.fmap(lambda v: v.upper() if isinstance(v, str) else v)  # noqa: E731


# ---- harmony -------------------------------------------------------------------------------

def test_scale_major_and_octaves():
    # getScale: noteInScale s x = (s !!! x) + 12 * (x `div` length s)
    assert vals(H.scale("major", "0 .. 7")) == [0, 2, 4, 5, 7, 9, 11, 12]
    assert vals(H.scale("major", "-1 -7 -8 14")) == [-1, -12, -13, 24]
    assert vals(H.scale("minPent", "5 6")) == [12, 15]


def test_scale_table_is_tidals():
    assert len(H.SCALES) == 76  # Tidal 1.9's scaleTable has 76 entries
    assert H.SCALES["bayati"][1] == F(3, 2) and H.SCALES["iraq"][6] == F(21, 2)
    assert H.SCALES["hindu"] == H.SCALES["melodicMajor"] and H.SCALES["octatonic"] == H.SCALES["diminished"]
    assert list(H.SCALES)[:3] == ["minPent", "majPent", "ritusen"]


def test_scale_name_is_a_pattern_sampled_per_degree():
    # structure from the degrees, the name sampled at each degree (<*)
    p = H.scale("<major minor>", "2 5")
    assert cycles(p, 2) == [[4, 9], [3, 8]]


def test_scale_unknown_name_suggests():
    with pytest.raises(PatternValueError, match="did you mean 'major'"):
        H.scale("majr", "0")


def test_to_scale_and_octave_size():
    assert vals(H.to_scale([0, 2, 7], "0 1 2 3 4 -1")) == [0, 2, 7, 12, 14, -5]
    assert vals(H.to_scale_oct(10, [0, 2, 7], "2 3 5")) == [7, 10, 17]
    assert onsets(H.to_scale([], "0 1")) == []


ARP = {  # Tidal's arps table applied to [0, 4, 7] (and [0, 4, 7, 11] for converge)
    "up": [0, 4, 7], "down": [7, 4, 0], "updown": [0, 4, 7, 4], "downup": [7, 4, 0, 4],
    "up&down": [0, 4, 7, 7, 4, 0], "down&up": [7, 4, 0, 0, 4, 7],
    "pinkyup": [0, 7, 4, 7], "pinkyupdown": [0, 7, 4, 7, 4, 7],
    "thumbup": [0, 4, 0, 7], "thumbupdown": [0, 4, 0, 7, 0, 4],
}
ARP4 = {"converge": [0, 11, 4, 7], "diverge": [7, 4, 11, 0], "disconverge": [0, 11, 4, 7, 4, 11, 0]}


@pytest.mark.parametrize("mode", list(ARP) + list(ARP4))
def test_arp_modes(mode):
    chord, want = ("[0,4,7]", ARP[mode]) if mode in ARP else ("[0,4,7,11]", ARP4[mode])
    # pure(mode): Tidal's own mini-notation cannot spell '&' (pString), so neither does ours
    got = onset_wholes(H.arp(mini(chord), pure(mode)))
    n = len(want)
    assert [v for _, v in got] == want
    assert [w for w, _ in got] == [(F(i, n), F(i + 1, n)) for i in range(n)]


def test_arp_on_chord_names_and_patterned_mode():
    assert vals(H.arp(mini("c4'maj e4'min"), "up")) == [Note(60), Note(64), Note(67), Note(64), Note(67), Note(71)]
    assert cycles(H.arp(mini("[0,4,7]"), "<up down>"), 2) == [[0, 4, 7], [7, 4, 0]]
    # an unknown mode plays as `up`, as in Tidal (fromMaybe id), with a did-you-mean warning
    from phonon.pattern.notes import PatternWarning
    with pytest.warns(PatternWarning, match="did you mean 'updown'"):
        assert cycles(H.arp(mini("[0,4]"), "updwn"), 1) == [[0, 4]]
    with pytest.raises(PatternValueError, match="unknown mode '3'"):
        cycles(H.arp(mini("[0,4]"), 3), 1)


def test_arp_and_add_on_chords():
    from phonon.pattern import add, op_left, to_semitones
    import operator
    p = op_left(mini("c4'maj"), pure(F(12)), operator.add)  # |+ 12: a Note stays a Note
    assert vals(H.arp(p, "down")) == [Note(79), Note(76), Note(72)]
    assert [to_semitones(v) for v in vals(add(mini("c'maj"), "<0 12>"), 1, 2)] == [12, 16, 19]


def test_rolled():
    got = onset_wholes(H.rolled(mini("[0,4,7]")))
    assert got == [((0, 1), 0), ((F(1, 12), 1), 4), ((F(1, 6), 1), 7)]
    got = onset_wholes(H.rolled_by(mini("[0,4,7]"), F(-1, 2)))
    assert got == [((0, 1), 7), ((F(1, 6), 1), 4), ((F(1, 3), 1), 0)]


# ---- sources and randomness -------------------------------------------------------------------

def test_run_and_scan():
    assert vals(T.run(4)) == [0, 1, 2, 3]
    assert cycles(T.run(mini("<2 3>")), 2) == [[0, 1], [0, 1, 2]]
    assert cycles(T.scan(3), 4) == [[0], [0, 1], [0, 1, 2], [0]]


def test_irand_is_floor_of_rand_times_n():
    got = onsets(R.irand(8)._segment(4))
    assert got == [(F(k, 4), F(int(time_to_rand(F(2 * k + 1, 8)) * 8))) for k in range(4)]


def test_perlin_interpolates_cycle_randoms():
    # perlinWith: a + smootherStep x * (b - a), a = timeToRand (floor t), b = timeToRand (floor t + 1)
    (h,) = R.perlin.query(F(1, 4), F(3, 4))  # midpoint 1/2: smootherstep = 1/2, timeToRand 0 = 0
    assert h.value == pytest.approx(time_to_rand(1) / 2, abs=1e-15)
    (h,) = R.perlin.query(F(5, 2), F(5, 2))
    a, b = time_to_rand(2), time_to_rand(3)
    assert h.value == pytest.approx(a + 0.5 * (b - a), abs=1e-15)
    (h,) = R.perlin_with(pure(F(3))).query(0, 1)
    assert h.value == time_to_rand(3)


def test_choose_by_and_wchoose_by():
    assert vals(R.choose_by(mini("0 0.25 0.5"), ["a", "b", "c", "d"])) == ["a", "b", "c"]  # Tidal's doc example
    assert vals(R.wchoose_by(mini("0 0.3 0.9"), [("a", 1), ("b", 2)])) == ["a", "a", "b"]
    got = vals(R.choose(["x", "y", "z"])._segment(2))
    assert got == [["x", "y", "z"][int(time_to_rand(F(k, 4)) * 3)] for k in (1, 3)]


def test_cycle_choose_one_per_cycle():
    got = cycles(R.cycle_choose(["a", "b", "c"]), 4)
    assert got == [[["a", "b", "c"][int(time_to_rand(F(2 * c + 1, 2)) * 3)]] for c in range(4)]


def test_randcat_shifts_slowcat_by_a_random_cycle_count():
    ps = [mini("a"), mini("b"), mini("c")]
    got = cycles(R.randcat(ps), 6)
    want = [[["a", "b", "c"][(c + int(time_to_rand(F(2 * c + 1, 2)) * 3)) % 3]] for c in range(6)]
    assert got == want


def test_wrandcat_weights():
    got = cycles(R.wrandcat([(mini("a"), 1), (mini("b"), 3)]), 8)
    want = [["a" if time_to_rand(F(2 * c + 1, 2)) * 4 < 1 else "b"] for c in range(8)]
    assert got == want


def test_shuffle_is_a_permutation_ordered_by_time_to_rands():
    got = cycles(R.shuffle(mini("a b c d"), 4), 3)
    for c, cyc in enumerate(got):
        rs = time_to_rands(F(c), 4)
        order = [i for _, i in sorted(zip(rs, range(4)))]
        assert cyc == ["abcd"[i] for i in order]
        assert sorted(cyc) == list("abcd")


def test_scramble_picks_with_irand_per_step():
    got = cycles(R.scramble(mini("a b c d"), 4), 2)
    for c, cyc in enumerate(got):
        assert cyc == ["abcd"[int(time_to_rand(c + F(2 * k + 1, 8)) * 4)] for k in range(4)]


def test_sometimes_by_applies_f_after_undegrade_tidal_19():
    p = mini("a*8")
    f = lambda x: x.fast(2)  # noqa: E731
    want = stack(R.degrade_by(p, F(1, 2)), R.undegrade_by(p, F(1, 2)).fast(2))
    assert onsets(R.sometimes_by(p, F(1, 2), f)) == onsets(want)
    want2 = stack(R.degrade_by(p, F(1, 2)), R.undegrade_by(p.fast(2), F(1, 2)))
    assert onsets(R.sometimes_by_prime(p, F(1, 2), f)) == onsets(want2)
    assert onsets(want) != onsets(want2)


def test_some_cycles_by():
    got = cycles(R.some_cycles_by(mini("a"), F(1, 2), up), 8)
    assert got == [["A" if time_to_rand(c) < 0.5 else "a"] for c in range(8)]


def test_undegrade_by_complements_degrade_by():
    p = mini("a*16")
    assert sorted(onsets(R.degrade_by(p, 0.3)) + onsets(R.undegrade_by(p, 0.3))) == onsets(p)


def test_randslice_slice_per_event():
    got = onsets(T.randslice(s("a*2"), 4))
    for (t, v), k in zip(got, (0, 1)):
        i = int(time_to_rand(F(2 * k + 1, 4)) * 4)
        assert dict(v) == {"s": "a", "begin": F(i, 4), "end": F(i + 1, 4)}


# ---- continuous signals ---------------------------------------------------------------------

def test_signals_are_0_to_1():
    assert vals(S.saw._segment(4)) == [F(1, 8), F(3, 8), F(5, 8), F(7, 8)]
    assert vals(T.range_(S.saw, 1, 5)._segment(4)) == [F(3, 2), F(5, 2), F(7, 2), F(9, 2)]
    assert vals(S.square._segment(2)) == [0, 1]
    assert vals(S.tri._segment(4)) == [F(1, 4), F(3, 4), F(3, 4), F(1, 4)]
    assert vals(S.isaw._segment(2)) == [F(3, 4), F(1, 4)]
    assert vals(S.sine._segment(4)) == pytest.approx([0.5 + 0.5 * 0.7071067811865476, 0.5 + 0.5 * 0.7071067811865476,
                                                      0.5 - 0.5 * 0.7071067811865476, 0.5 - 0.5 * 0.7071067811865476])
    (h,) = S.cosine.query(0, 0)
    assert h.value == pytest.approx(0.0)  # Tidal's cosine = 0.25 `rotR` sine: sine(-1/4) = 0
    assert [h.value for c in range(3) for h in S.envL._segment(2).query(c, c + 1)] == [F(1, 4), F(3, 4), 1, 1, 1, 1]
    assert [h.value for h in S.envLR._segment(2).query(0, 1)] == [F(3, 4), F(1, 4)]


def test_rangex_quantise():
    (h,) = S.rangex(pure(F(1, 2)), 110, 880).query(0, 1)
    assert h.value == pytest.approx((110 * 880) ** 0.5, rel=1e-12)
    assert vals(S.quantise(mini("0.5 1.5 2.4 -0.5"), 1)) == [0, 2, 2, 0]  # round half to even
    assert vals(S.quantise(mini("0.26"), 4)) == [F(1, 4)]
    assert vals(S.qfloor(mini("0.9 -0.1"), 1)) == [0, -1] and vals(S.qceiling(mini("0.1"), 1)) == [1]


def test_pattern_signal_table():
    assert set(S.PATTERN_SIGNALS) >= {"sine", "cosine", "saw", "isaw", "tri", "square", "envL", "envLR",
                                      "rand", "perlin"}
    assert vals(S.PATTERN_GENERATORS["irand"](8)._segment(1)) == [F(int(time_to_rand(F(1, 2)) * 8))]


# ---- time and structure ---------------------------------------------------------------------

def test_whenmod_every_prime_within():
    assert cycles(T.whenmod(mini("a b"), 4, 2, lambda p: p.rev()), 5) == [
        ["a", "b"], ["a", "b"], ["b", "a"], ["b", "a"], ["a", "b"]]
    assert cycles(T.every_offset(mini("a"), 3, 1, up), 5) == [["a"], ["A"], ["a"], ["a"], ["A"]]
    got = onsets(T.within(mini("a b c d"), 0, F(1, 2), lambda p: p.fast(2)))
    assert got == [(0, "a"), (F(1, 8), "b"), (F(1, 4), "c"), (F(3, 8), "d"), (F(1, 2), "c"), (F(3, 4), "d")]
    got = onsets(T.within_prime(mini("a b c d"), 0, F(1, 2), lambda p: p.fast(2)))
    assert got == [(0, "a"), (F(1, 8), "b"), (F(1, 4), "a"), (F(3, 8), "b"), (F(1, 2), "c"), (F(3, 4), "d")]


def test_chunk_negative_goes_backwards():
    assert cycles(T.chunk(mini("a b c d"), -4, up), 5) == [list("abcD"), list("abCd"), list("aBcd"),
                                                          list("Abcd"), list("abcD")]
    assert cycles(T.chunk_back(mini("a b c d"), 4, up), 2) == [list("abcD"), list("abCd")]


def test_brak():
    assert onsets(T.brak(mini("a b")), 0, 2) == [(0, "a"), (F(1, 2), "b"), (F(5, 4), "a"), (F(3, 2), "b")]


def test_rot():
    assert cycles(T.rot(mini("a b c d"), 1), 1) == [list("bcda")]
    assert cycles(T.rot(mini("a b c d"), -1), 1) == [list("dabc")]
    assert cycles(T.rot(mini("a b c d"), "<0 1 2>"), 3) == [list("abcd"), list("bcda"), list("cdab")]
    assert cycles(T.rot(mini("a ~ b c"), 1), 1) == [list("bca")]
    # Tidal sorts by source position first: in "[a, b c]" a, b, c take b, c, a
    assert onsets(T.rot(mini("[a, b c]"), 1)) == [(0, "b"), (0, "c"), (F(1, 2), "a")]


def test_swing_inside_outside():
    got = times(T.swing_by(mini("a*8"), F(1, 3), 4))
    assert got == sorted([F(k, 4) for k in range(4)] + [F(k, 4) + F(5, 24) for k in range(4)])
    assert times(T.swing(mini("a*8"), 4)) == got
    assert cycles(T.inside(mini("a b c d"), 2, lambda p: p.rev()), 1) == [list("badc")]
    assert cycles(T.outside(mini("<[a b] [c d]>"), 2, lambda p: p.rev()), 2) == [list("dc"), list("ba")]


def test_linger_negative_reverses_as_tidal():
    assert cycles(T.linger(mini("a b c d e f g h"), F(-1, 4)), 1) == [list("hghghghg")]
    assert cycles(T.linger(mini("a b c d e f g h"), F(1, 4)), 1) == [list("abababab")]


def test_trunc_fast_gap_compress_zoom():
    assert onset_wholes(T.trunc(mini("a b c d"), F(3, 4))) == [((0, F(1, 4)), "a"), ((F(1, 4), F(1, 2)), "b"),
                                                              ((F(1, 2), F(3, 4)), "c")]
    assert onsets(mini("a b").fast_gap(2)) == [(0, "a"), (F(1, 4), "b")]
    assert onsets(lookup("fastGap").fn(mini("a b"), pure(F(2)))) == [(0, "a"), (F(1, 4), "b")]


def test_ply_with():
    got = onset_wholes(T.ply_with(mini("0 10"), 3, lambda p: p.fmap(lambda v: v + 1)))
    assert [v for _, v in got] == [0, 1, 2, 10, 11, 12]
    assert [w for w, _ in got][:2] == [(0, F(1, 6)), (F(1, 6), F(1, 3))]


def test_bite_chew_squeeze():
    assert onsets(T.bite(mini("a b c d e f g h"), 4, "0 2")) == [
        (0, "a"), (F(1, 4), "b"), (F(1, 2), "e"), (F(3, 4), "f")]
    got = onsets(T.chew(s("a b c d"), 4, "0 1"))  # each quarter stretched to a half: speed 1/2
    assert got == [(0, (("s", "a"), ("speed", F(1, 2)))), (F(1, 2), (("s", "b"), ("speed", F(1, 2))))]
    got = onsets(T.chew(s("a b c d") .fmap(lambda v: {**v, "speed": F(2)}), 4, "[0 1 2 3 0 1 2 3]"))
    assert {dict(v)["speed"] for _, v in got} == {F(4)}  # squeezed 2x: speed doubled
    assert onsets(T.squeeze("0 1", [mini("a*2"), mini("b")])) == [(0, "a"), (F(1, 4), "a"), (F(1, 2), "b")]


def test_fit_select_pickf():
    assert cycles(T.fit(mini("0 1"), 1, ["a", "b", "c"]), 3) == [["a", "b"], ["b", "c"], ["c", "a"]]
    assert onsets(T.select("0 1", [mini("a*2"), mini("b*2")])) == [(0, "a"), (F(1, 2), "b")]
    assert vals(T.select(pure(F(1, 2)), [mini("a"), mini("b"), mini("c")])) == ["b"]
    assert cycles(T.pick_f(mini("a b"), "<0 1>", [lambda p: p.rev(), up]), 2) == [["b", "a"], ["A", "B"]]
    assert cycles(T.select_f(mini("a b"), "<0 0.5>", [lambda p: p.rev(), up]), 2) == [["b", "a"], ["A", "B"]]


def test_spread_choose():
    got = cycles(T.spread_choose(mini("a"), lambda p, n: p.fast(n), [1, 2, 3]), 6)
    assert got == [["a"] * [1, 2, 3][int(time_to_rand(F(2 * c + 1, 2)) * 3)] for c in range(6)]


def test_spread_layer_superimpose():
    assert cycles(T.spread(mini("a b"), lambda p, n: p.fast(n), [1, 2]), 2) == [["a", "b"], ["a", "b", "a", "b"]]
    assert cycles(T.fastspread(mini("a"), lambda p, n: p.fast(n), [1, 2]), 1) == [["a", "a", "a"]]
    assert sorted(vals(T.layer(mini("a"), [up, lambda p: p]))) == ["A", "a"]


def test_sew_stitch_while_inv():
    assert onsets(T.sew("t f", mini("a*4"), mini("b*4"))) == [(0, "a"), (F(1, 4), "a"), (F(1, 2), "b"), (F(3, 4), "b")]
    assert vals(T.stitch("t f t t", mini("a"), mini("b"))) == ["a", "b", "a", "a"]
    assert vals(T.while_(mini("a b c d"), "1 0", lambda p: p.fast(2))) == list("abcdcd")
    assert vals(T.inv(mini("t f 0 1"))) == [False, True, True, False]


def test_euclid_family():
    assert times(T.euclid_off(mini("a"), 3, 8, 2)) == [F(1, 8), F(1, 2), F(3, 4)]
    assert times(T.euclid_inv(mini("a"), 3, 8)) == [F(k, 8) for k in (1, 2, 4, 5, 7)]
    got = onsets(T.euclid_full(mini("a"), 3, 8, mini("b")))
    assert got == sorted([(F(k, 8), "a") for k in (0, 3, 6)] + [(F(k, 8), "b") for k in (1, 2, 4, 5, 7)])
    got = onsets(T.euclid_off_full(mini("a"), 3, 8, 2, mini("b")))
    assert [t for t, v in got if v == "a"] == [F(1, 8), F(1, 2), F(3, 4)]
    assert len([v for _, v in got if v == "b"]) == 5


def test_wedge():
    got = onsets(T.wedge(mini("a a"), F(1, 4), mini("b b b")))
    assert got == [(0, "a"), (F(1, 8), "a"), (F(1, 4), "b"), (F(1, 2), "b"), (F(3, 4), "b")]


def test_stutter_echo_echo_with():
    assert times(T.stutter(mini("a"), 4, F(1, 16))) == [0, F(1, 16), F(1, 8), F(3, 16)]
    got = onsets(T.echo(s("a"), 3, F(1, 5), F(1, 2)))  # gain *= feedback^k
    assert got == [(0, (("s", "a"),)), (F(1, 5), (("gain", F(1, 2)), ("s", "a"))),
                   (F(2, 5), (("gain", F(1, 4)), ("s", "a")))]
    got = onsets(T.echo_with(mini("0"), 3, F(1, 8), lambda p: p.fmap(lambda v: v + 1)))
    assert got == [(0, 0), (F(1, 8), 1), (F(1, 4), 2)]
    assert lookup("stutWith") is lookup("echoWith")


def test_ghost_adds_two_layers_of_ghosts():
    got = onsets(T.ghost(s("~ a")))
    g = (("end", F(1, 5)), ("gain", F(7, 10)), ("s", "a"), ("speed", F(5, 4)))
    gg = (("end", F(1, 5)), ("gain", F(49, 100)), ("s", "a"), ("speed", F(25, 16)))
    assert got == [(0, gg), (F(1, 2), (("s", "a"),)), (F(11, 16), g), (F(13, 16), g)]


def test_jux_by_pans_tidal_01():
    got = onsets(T.jux_by(s("a"), F(1, 2), lambda p: p))
    assert sorted(dict(v)["pan"] for _, v in got) == [F(1, 4), F(3, 4)]
    panned = s("a").fmap(lambda v: {**v, "pan": F(1, 5)})
    got = onsets(T.jux_by(panned, F(1, 2), lambda p: p))  # |+ offsets an existing pan
    assert sorted(dict(v)["pan"] for _, v in got) == [F(9, 20), F(19, 20)]
    assert sorted(dict(v)["pan"] for _, v in onsets(T.jux(s("a"), lambda p: p))) == [0, 1]


# ---- samples ------------------------------------------------------------------------------------

def test_striate_composes_begin_end():
    p = set_control(s("a"), "begin", pure(F(1, 2)))
    got = [dict(v) for _, v in onsets(T.striate(p, 2))]
    assert [(v["begin"], v["end"]) for v in got] == [(F(1, 2), F(3, 4)), (F(3, 4), 1)]


def test_chop_composes_begin_end():
    p = set_control(set_control(s("a"), "begin", pure(F(1, 4))), "end", pure(F(3, 4)))
    got = [dict(v) for _, v in onsets(T.chop(p, 2))]
    assert [(v["begin"], v["end"]) for v in got] == [(F(1, 4), F(1, 2)), (F(1, 2), F(3, 4))]


def test_striate_by():
    got = [dict(v) for _, v in onsets(T.striate_by(s("a"), 2, F(1, 2)))]
    assert [(v["begin"], v["end"]) for v in got] == [(0, F(1, 2)), (F(1, 4), F(3, 4))]


def test_slice_splice_loop_at():
    got = onsets(T.slice_(s("a"), 4, "0 2"))
    assert [(t, dict(v)["begin"], dict(v)["end"]) for t, v in got] == [(0, 0, F(1, 4)), (F(1, 2), F(1, 2), F(3, 4))]
    got = [dict(v) for _, v in onsets(T.splice(s("a"), 4, "0 2"))]
    assert [(v["speed"], v["unit"]) for v in got] == [(F(1, 2), "c")] * 2  # (1/4) / (1/2)
    got = onset_wholes(T.loop_at(T.chop(s("a"), 2), 2), 0, 2)
    assert [w for w, _ in got] == [(0, 1), (1, 2)]
    assert all(dict(v)["speed"] == F(1, 2) and dict(v)["unit"] == "c" for _, v in got)


# ---- declarations ----------------------------------------------------------------------------

NAMES = """scale toScale arp arpeggiate run scan irand choose cycleChoose randcat perlinWith shuffle scramble
whenmod within every someCyclesBy someCycles superimpose juxBy brak rot swingBy swing inside outside
linger trunc fastGap compress zoom fit bite chew while euclidFull euclidOff euclidOffFull euclidInv
wedge inv sew stitch ghost stutter echo echoWith stutWith plyWith unDegradeBy degradeBy loopAt slice
splice randslice chop striate striateBy hurry segment discretise range rangex quantise rolled rolledBy""".split()


@pytest.mark.parametrize("name", NAMES)
def test_declared_with_doc_and_example(name):
    d = lookup(name)
    assert len(d.doc) > 40 and d.example
    assert name in d.example or any(a in d.example for a in d.aliases) or d.name in d.example


def test_compiled_scale_arp_match_the_library():
    """The registry's fns are the library functions (the compiler calls them with patterns)."""
    assert vals(lookup("scale").fn(mini("0 2"), pure("minor"))) == [0, 3]
    assert vals(lookup("arp").fn(mini("[0,4,7]"), pure("down"))) == [7, 4, 0]
    assert vals(lookup("run").fn(pure(F(3)))) == [0, 1, 2]


def test_note_names_are_tidal_semitones_in_note_context():
    """In note/n: Tidal's c5 = 0 (octave 5 by default); as Hz (signal context): a4 = 440."""
    from phonon.pattern import to_hz, to_semitones
    assert [to_semitones(v) for v in vals(mini("c4'maj"))] == [-12, -8, -5]
    assert [to_semitones(v) for v in vals(mini("e'min"))] == [4, 7, 11]
    assert [to_semitones(v) for v in vals(mini("c5 a5 a"))] == [0, 9, 9]
    assert to_hz("a4") == 440 and to_hz("a") == 440 and to_hz(vals(mini("a4'maj"))[0]) == 440


def test_stut_warns_on_an_old_order_call():
    from phonon.pattern.notes import PatternWarning
    with pytest.warns(PatternWarning, match="Tidal's order is `stut count feedback steptime`"):
        lookup("stut").fn(s("a"), pure(F(3)), pure(F(1, 2)), pure(F(2)))
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lookup("stut").fn(s("a"), pure(F(3)), pure(F(1, 2)), pure(F(1, 8)))


def test_fit_prime_and_stretch():
    assert cycles(T.fit_prime(mini("bd sn"), 1, 2, "0 1", "1 0"), 1) == [["sn", "bd"]]  # Tidal's doc example
    got = onsets(T.fit_prime(mini("a b c d"), 1, 2, "0 1", "1 [0 1]"))
    assert got == [(0, "c"), (F(1, 4), "d"), (F(1, 2), "a"), (F(5, 8), "b"), (F(3, 4), "c"), (F(7, 8), "d")]
    assert onsets(T.stretch(mini("~ a b ~"))) == [(0, "a"), (F(1, 2), "b")]


def test_primed_declarations_are_complete_and_run():
    """Tidal's primed names register once the DSL lexer accepts `'` in a name; until then their
    declarations are checked here: a doc, an example naming them, and a fn that runs."""
    from phonon.pattern.library import _PRIMED
    args = {"every'": (pure(F(3)), pure(F(1)), up), "within'": (pure(F(0)), pure(F(1, 2)), up),
            "sometimesBy'": (pure(F(1, 2)), up), "chunk'": (pure(F(4)), up), "iter'": (pure(F(4)),),
            "toScale'": (pure(F(10)), [pure(F(0)), pure(F(2))]), "ghost'": (pure(F(1, 16)),),
            "fit'": (pure(F(1)), pure(F(2)), mini("0 1"), mini("1 0"))}
    args.update({f"{n}'": (up,) for n in ("sometimes", "often", "rarely", "almostNever", "almostAlways")})
    assert {n for n, *_ in _PRIMED} == set(args)
    for name, cat, params, doc, example, fn in _PRIMED:
        assert len(doc) > 40 and name in example and len(params) == len(args[name])
        assert onsets(fn(mini("0 1"), *args[name]), 0, 4)
    assert cycles(dict((n, f) for n, *_, f in _PRIMED)["iter'"](mini("a b c d"), pure(F(4))), 2) == [
        list("abcd"), list("dabc")]


def test_every_pattern_declaration_shows_tidals_type():
    from phonon.registry import REGISTRY
    from phonon.pattern.tidal_types import TIDAL_TYPES
    mine = [d for d in REGISTRY.values() if d.category in ("transform", "combinator")
            and d.fn is not None and d.fn.__module__.startswith("phonon.pattern")]
    assert len(mine) > 90
    for d in mine:
        assert d.tidal_type() == f"{d.name} :: {TIDAL_TYPES[d.name]}", d.name
    assert lookup("scale").tidal_type() == "scale :: Fractional a => Pattern String -> Pattern Int -> Pattern a"


def test_tidal_ratio_shorthand_where_a_time_is_needed():
    """Tidal's pRatio: w h q e s t f x = 1 1/2 1/4 1/8 1/16 1/3 1/5 1/6, with a factor (3e = 3/8)
    and n%d ratios; only where a time or number is needed ("e" stays a note name elsewhere)."""
    from phonon.pattern import to_time
    assert [to_time(w) for w in "w h q e s t f x".split()] == [1, F(1, 2), F(1, 4), F(1, 8), F(1, 16),
                                                               F(1, 3), F(1, 5), F(1, 6)]
    assert [to_time(w) for w in ("3e", "-h", "1%8", "1.5q", "0.25")] == [F(3, 8), F(-1, 2), F(1, 8), F(3, 8), F(1, 4)]
    assert times(T.off(mini("a"), "e", lambda p: p)) == [0, F(1, 8)]
    assert vals(mini("e")) == ["e"]
    with pytest.raises(PatternValueError, match="where a time or number is needed"):
        to_time("bd")


def test_pattern_context_names_are_documented():
    assert set(S.PATTERN_SIGNAL_DOCS) == set(S.PATTERN_SIGNALS) | set(S.PATTERN_GENERATORS)
    assert all(len(d) > 30 for d in S.PATTERN_SIGNAL_DOCS.values())
    assert all(callable(f) for f in S.PATTERN_GENERATORS.values())


def test_primed_names_have_tidal_types():
    from phonon.pattern.library import _PRIMED
    from phonon.pattern.tidal_types import TIDAL_TYPES
    assert all(n in TIDAL_TYPES for n, *_ in _PRIMED)


def test_press_binary_ascii_spin_gap():
    assert onset_wholes(T.press(mini("a b"))) == [((F(1, 4), F(1, 2)), "a"), ((F(3, 4), 1), "b")]
    assert onset_wholes(T.press_by(mini("a"), F(1, 4))) == [((F(1, 4), 1), "a")]
    assert vals(T.binary_n(mini("5"), 4)) == [False, True, False, True]
    assert times(T.struct(mini("x"), T.binary_n(mini("170"), 8))) == [0, F(1, 4), F(1, 2), F(3, 4)]
    assert vals(T.ascii_("a")) == [False, True, True, False, False, False, False, True]  # 97
    got = onsets(T.spin(s("a b"), 2))
    assert got == [(0, (("pan", 0), ("s", "a"))), (0, (("pan", F(1, 2)), ("s", "b"))),
                   (F(1, 2), (("pan", 0), ("s", "b"))), (F(1, 2), (("pan", F(1, 2)), ("s", "a")))]
    got = onsets(T.gap(s("a"), 4))
    assert [(t, dict(v)["begin"], dict(v)["end"]) for t, v in got] == [(0, 0, F(1, 4)), (F(1, 2), F(1, 2), F(3, 4))]


def test_counts_that_build_patterns_are_bounded():
    with pytest.raises(PatternValueError, match="chop: got 100000; expected at most 4096"):
        T.chop(s("a"), 100000)
    with pytest.raises(PatternValueError, match="expected at most 65536"):
        T.run(10 ** 9)
    with pytest.raises(PatternValueError, match="shuffle: got 1000; expected at most 256"):
        R.shuffle(mini("a"), 1000)
    with pytest.raises(PatternValueError, match="at most 4096"):
        T.chop(s("a"), "<2 100000>").query(1, 2)  # a patterned count fails when it is reached
    assert lookup("chop").params[0].range == (1, 4096) and lookup("stut").params[0].range == (1, 256)
