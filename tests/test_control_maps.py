"""Control-map events (Tidal's ValueMap) and Tidal's operators, as golden events.

Expected events are computed by hand from Tidal 1.9's documented semantics:
  * structure: `|op|` both sides, `|op` left, `op|` right — the worked examples of
    tidalcycles.org "Combining pattern structure" ("2 3" + "4 5 6" = "6 [7 8] 9",
    "2 3" |+ "4 5 6" = "6 8", "2 3" +| "4 5 6" = "6 7 9");
  * values on control maps: Sound/Tidal/Core.hs (`# = |>`, `|>` = flip union, `|<` = union)
    and Pattern.hs (`instance Num ValueMap`: Map.unionWith (fNum2 ...), integer literals are
    `n`, fractional ones `speed`);
  * `<~` / `~>` (rotL / rotR with patterned amounts, Core.hs `tParam rotL`);
  * precedence (Haskell): `$` infixr 0, `+` infixl 6, `#` and the `|op|` family infixl 9.
"""
from fractions import Fraction as F

import pytest

from conftest import compile_src
from phonon.errors import PhononError, UnknownNameError
from phonon.patexpr import evaluate


def events(src, b=0, e=1):
    """(onset, value) of the first sampler's events, sorted by onset then value."""
    spec = compile_src(src)
    pats = [dict(n.args)["pat"] for n in spec.nodes if n.kind == "sampler"]
    assert pats, "no event pattern"
    out = []
    for h in evaluate(pats[0].expr).query(b, e):
        if h.has_onset():
            v = {k: (F(x) if isinstance(x, (int, F)) else x) for k, x in h.value.items()}
            out.append((F(h.whole.begin), v))
    return sorted(out, key=lambda t: (t[0], repr(sorted(t[1].items()))))


def col(evs, key):
    return [v.get(key) for _, v in evs]


def at(evs):
    return [t for t, _ in evs]


# -- controls as sources -------------------------------------------------------------------

def test_any_control_starts_a_chain():
    e = events('out: n "0 .. 3" # s "drum"')
    assert at(e) == [0, F(1, 4), F(1, 2), F(3, 4)]
    assert col(e, "n") == [0, 1, 2, 3] and col(e, "s") == ["drum"] * 4


def test_note_names_in_note_as_a_source():
    e = events('out: note "c e g" # s "superpiano"')
    assert col(e, "note") == [0, 4, 7] and at(e) == [0, F(1, 3), F(2, 3)]


def test_gain_alone_is_a_control_pattern_without_sound():
    e = events('out: gain "1 0.8"')
    assert e == [(0, {"gain": 1}), (F(1, 2), {"gain": F(4, 5)})]


def test_hash_takes_structure_left_values_right():
    # `#` = `|>`: s "a b" # n "1 2 3": the value at each left onset (0 -> 1, 1/2 -> 2)
    e = events('out: s "a b" # n "1 2 3"')
    assert e == [(0, {"s": "a", "n": 1}), (F(1, 2), {"s": "b", "n": 2})]


def test_hash_right_side_wins_on_shared_keys():
    e = events('out: n "0 1" # s "x" # n 5')
    assert col(e, "n") == [5, 5]


# -- the |op| family -----------------------------------------------------------------------

@pytest.mark.parametrize("op,times,values", [
    ("|+|", [0, F(1, 3), F(1, 2), F(2, 3)], [6, 7, 8, 9]),   # "6 [7 8] 9": fragments 1/3..1/2, 1/2..2/3
    ("|+", [0, F(1, 2)], [6, 8]),
    ("+|", [0, F(1, 3), F(2, 3)], [6, 7, 9]),
])
def test_structure_of_the_operator_family_on_controls(op, times, values):
    e = events(f'out: n "2 3" {op} n "4 5 6" # s "x"')
    assert at(e) == times and col(e, "n") == values


@pytest.mark.parametrize("op,expected", [
    ("|+", [10, 11]), ("|-", [2, 3]), ("|*", [24, 28]), ("|/", [F(6, 4), F(7, 4)]),
    ("|%", [2, 3]), ("|<", [6, 7]), ("|>", [4, 4]),
])
def test_values_of_the_operator_family(op, expected):
    e = events(f'out: n "6 7" {op} n 4 # s "x"')
    assert col(e, "n") == expected


@pytest.mark.parametrize("op", ["+|", "-|", "*|", "/|", "%|", "<|", ">|"])
def test_right_structure_variants(op):
    e = events(f'out: n "6" {op} n "4 4" # s "x"')
    assert at(e) == [0, F(1, 2)]


def test_union_keeps_keys_of_both_sides():
    e = events('out: s "a*2" |< speed 2 |> n "3"')
    assert e[0][1] == {"s": "a", "speed": 2, "n": 3}


def test_keys_only_on_one_side_are_kept_by_numeric_ops():
    e = events('out: s "a*2" # n 1 |+ speed 2')
    assert e[0][1] == {"s": "a", "n": 1, "speed": 2}


def test_strings_append_under_plus():
    e = events('out: s "drum" |+ s "x"')
    assert col(e, "s") == ["drumx"]


def test_plain_numbers_read_as_n_or_speed():
    # Pattern.hs: fromInteger i = {n: i}; fromRational r = {speed: r}
    e = events('out: s "a" # n 1 |+ 12')
    assert col(e, "n") == [13]
    e = events('out: s "a" # speed 1 |* 1.5')
    assert col(e, "speed") == [F(3, 2)]


def test_numeric_patterns_keep_plain_arithmetic():
    e = events('out: n ("0 2" + "<12 7>") # s "x"', 0, 2)
    assert col(e, "n") == [12, 14, 7, 9]


def test_plus_between_control_patterns_is_tidal_plus():
    # `#` (infixl 9) binds tighter than `+` (infixl 6): n "0 2" + (n "<12 7>" # s "x")
    e = events('out: n "0 2" + n "<12 7>" # s "x"', 0, 2)
    assert col(e, "n") == [12, 14, 7, 9] and col(e, "s") == ["x"] * 4


def test_plus_between_two_sounds_still_mixes():
    spec = compile_src('out: s "bd*4" + s "hh*8"')
    assert sum(n.kind == "sampler" for n in spec.nodes) == 2
    assert any(n.kind == "add" for n in spec.nodes)


# -- sections and composition --------------------------------------------------------------

def test_section_plus_n_on_every():
    e = events('out: every 2 (|+ n 12) $ n "0 1" # s "x"', 0, 2)
    assert col(e, "n") == [12, 13, 0, 1]  # Tidal's every n applies on cycles 0, n, ...


def test_number_section_on_controls_adds_n():
    e = events('out: every 2 (+ 7) $ n "0 1" # s "x"', 0, 2)
    assert col(e, "n") == [7, 8, 0, 1]


def test_number_section_on_numbers():
    e = events('out: n (every 2 (+ 7) "0 1") # s "x"', 0, 2)
    assert col(e, "n") == [7, 8, 0, 1]


def test_hash_section_and_composition():
    e = events('out: (# s "y") . (# speed 0.75) $ s "z*2"')
    assert e == [(0, {"s": "y", "speed": F(3, 4)}), (F(1, 2), {"s": "y", "speed": F(3, 4)})]


def test_composition_applies_right_first():
    e = events('out: ((|+ n 1) . (# n 10)) $ s "z"')
    assert col(e, "n") == [11]


def test_off_with_a_control_section():
    e = events('out: off 0.25 (# speed 2) $ s "a b"')
    assert e == [(0, {"s": "a"}), (F(1, 4), {"s": "a", "speed": 2}),
                 (F(1, 2), {"s": "b"}), (F(3, 4), {"s": "b", "speed": 2})]


def test_dollar_binds_loosest():
    # Tidal: sometimesBy 0.5 (# speed 2) $ (s "bd*8" # speed 1): some events get speed 2
    e = events('out: sometimesBy 0.5 (# speed 2) $ s "bd*8" # speed 1', 0, 4)
    n2 = col(e, "speed").count(2)
    assert len(e) == 32 and 6 <= n2 <= 26


# -- <~ and ~> -----------------------------------------------------------------------------

def test_early_shift():
    e = events('out: 0.25 <~ s "a b c d"')
    assert [v["s"] for _, v in e] == ["b", "c", "d", "a"]


def test_late_shift_with_patterned_amount():
    e = events('out: "<0 0.25>" ~> s "a b"', 0, 2)
    assert at(e) == [0, F(1, 2), F(5, 4), F(7, 4)]


def test_shift_section():
    e = events('out: every 2 (0.25 <~) $ s "a b c d"', 0, 2)
    assert [v["s"] for _, v in e][:4] == ["b", "c", "d", "a"]
    assert [v["s"] for _, v in e][4:] == ["a", "b", "c", "d"]


# -- on event chains a name is a control first ----------------------------------------------

def test_signal_value_after_hash_is_a_node_on_the_mix():
    spec = compile_src('out: s "bd*4" # lpf (sine 0.25 * 600 + 700)')
    kinds = [n.kind for n in spec.nodes]
    assert "sampler" in kinds and any(k in ("lpf", "svf", "biquad") or "lp" in k for k in kinds), kinds


def test_node_function_after_hash_on_events():
    spec = compile_src('out: s "bd*4" # reverb 0.5 0.5')
    assert [n.kind for n in spec.nodes] == ["sampler", "reverb"]


def test_unknown_control_names_nearest_controls():
    with pytest.raises(UnknownNameError) as ei:
        compile_src('out: s "bd" # rom 0.3')
    assert "room" in ei.value.message
    with pytest.raises(UnknownNameError) as ei:
        compile_src('out: s "bd" # sped 2')
    assert "speed" in ei.value.message and "zoom" not in ei.value.message


def test_transform_after_hash_is_explained():
    with pytest.raises(PhononError) as ei:
        compile_src('out: s "bd" # fast 2')
    assert "transform" in ei.value.message


def test_operator_family_on_signals_is_explained():
    with pytest.raises(PhononError) as ei:
        compile_src('out: saw 55 |+ sine 2')
    assert "|+" in ei.value.message and "signal" in ei.value.message


# -- phonon check -----------------------------------------------------------------------------

def test_check_warns_about_events_without_sound(tmp_path, capsys):
    from phonon.cli import main
    p = tmp_path / "p.ph"
    p.write_text('out: n "0 2"\nout2: n "0 2" # s "bd"\n')
    assert main(["check", str(p)]) == 0
    err = capsys.readouterr().err
    assert err.count("events without a sound") == 1 and "at 1:6" in err


@pytest.mark.parametrize("src,says", [
    ('out: once $ s "bd"', "phonon render"),
    ('out: xfadeIn 1 8 $ s "bd"', "d1 $"),
])
def test_tidal_only_constructs_say_so_with_the_phonon_spelling(src, says):
    with pytest.raises(UnknownNameError) as ei:
        compile_src(src)
    assert "not supported in Phonon" in ei.value.message and says in ei.value.message
    assert ei.value.span is not None


def test_room_typo_suggests_room_not_zoom():
    with pytest.raises(UnknownNameError) as ei:
        compile_src('out: s "bd" # rooom 0.3')
    assert "'room'" in ei.value.message and "zoom" not in ei.value.message


def test_bare_continuous_names_are_patterns_sampled_per_event():
    # Tidal 1.9's sig: a continuous value is taken at the middle of the queried event
    e = events('out: s "hh*4" # pan saw')
    assert col(e, "pan") == [F(1, 8), F(3, 8), F(5, 8), F(7, 8)]
    e = events('out: s "hh*2" # room (slow 4 $ range 0 0.2 saw)')
    assert [float(x) for x in col(e, "room")] == pytest.approx([0.2 * 1 / 16, 0.2 * 3 / 16])


def test_oscillator_with_arguments_after_hash_stays_a_signal():
    spec = compile_src('out: s "hh*4" # lpf (sine 0.25 * 600 + 700)')
    assert "sine" in [n.kind for n in spec.nodes]
