"""Strudel code as written (phonon/dsl/strudel.py): the events of translated pieces equal the same
pieces in Tidal syntax; examples from Strudel's own docs (tests/corpus_strudel/, source on the
first line, `// expect` lines in tests/test_tidal_corpus.py's format with `midi=X` for a note's
MIDI number, note = X - 60) render to finite audio with each onset audible; errors are located."""
import re
import subprocess
import sys
import warnings
from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pytest

from phonon.compiler import compile_source
from phonon.errors import PhononError
from phonon.events import report
from test_tidal_corpus import SR, _audible_at, _filter, all_events, check_cycle, parse_expectations

CORPUS = Path(__file__).resolve().parent / "corpus_strudel"
FILES = sorted(CORPUS.glob("*.strudel"))
SOUNDING = {"bd", "sd", "sn", "hh", "oh", "cp", "lt", "mt", "ht", "rim", "cb", "sawtooth", "square",
            "triangle", "sine", "superpiano"}


def strudel(code, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return compile_source(code, filename="piece.strudel", sr=SR, **kw)


def same_events(strudel_code, tidal_code, cycles=2):
    got = report(strudel(strudel_code), 0, cycles, None, False, None)
    if "$:" not in strudel_code and ":" not in strudel_code.split("(")[0]:
        tidal_code = tidal_code.replace("d1 $", "out $")   # a bare pattern plays as `out`
    want = report(compile_source(tidal_code, sr=SR), 0, cycles, None, False, None)
    assert got == want


# -- translation = the Tidal piece ------------------------------------------------------------

def test_the_brief_piece_is_the_tidal_piece():
    same_events('''setcpm(90/4)
$: s("bd*2, hh*4").bank("RolandTR909").gain(0.8)
$: note("<c3 eb3 g3>*2").s("sawtooth").lpf(sine.range(400, 2000).slow(4)).room(0.4)
$: n("0 2 4 <6 7>").scale("C:minor").s("superpiano").jux(rev).every(4, x => x.fast(2))
$: stack(s("bd sn"), note("c e g").s("triangle")).slow(2)
''', '''setcps 0.375
d1 $ s "bd*2, hh*4" # amp 0.32
d2 $ note "<c4 eb4 g4>*2" # s "sawtooth" # cutoff (slow 4 $ range 400 2000 sine) # room 0.4
d3 $ every 4 (fast 2) $ jux rev $ note (scale "minor" "0 2 4 <6 7>" - 12) # s "superpiano"
d4 $ slow 2 $ stack [s "bd sn", note "c4 e4 g4" # s "triangle"]
''', cycles=4)
    assert strudel("setcpm(90/4)\ns('bd')").cps == F(3, 8)
    assert strudel("setcps(0.75)\ns('bd')").cps == F(3, 4)


def test_controls_map_with_strudels_units():
    # gain is linear (amp = 0.4 g), lpq is a Q (resonance r: Q = 1000^r), size runs 0..10
    same_events('s("bd*4").gain(0.5).lpf(800).lpq(10).hpf(200).pan("0 1").speed(2).crush(4)'
                '.shape(0.5).delay(0.5).delaytime(0.25).delayfeedback(0.5).room(0.3).size(5)'
                '.vowel("a").orbit(1).coarse(4).legato(0.5).attack(0.01).release(0.2).cut(1)',
                'd1 $ s "bd*4" # amp 0.2 # cutoff 800 # resonance 0.333333 # hcutoff 200 # pan "0 1"'
                ' # speed 2 # crush 4 # shape 0.5 # delay 0.5 # delaytime 0.25 # delayfeedback 0.5'
                ' # room 0.3 # size 0.5 # vowel "a" # orbit 1 # coarse 4 # legato 0.5'
                ' # attack 0.01 # release 0.2 # cut 1', cycles=1)
    same_events('s("hh*8").gain("0.5 1").pan(sine.slow(2)).cutoff(perlin.range(500, 2000))',
                'd1 $ s "hh*8" # amp ("0.5 1" * 0.4) # pan (slow 2 sine)'
                ' # cutoff (range 500 2000 perlin)')


def test_transforms_take_the_pattern_last():
    same_events('s("bd sn hh cp").fast(2).rev().ply(2).iter(4).early(0.25).late("<0 0.125>")'
                '.every(3, rev).off(1/8, x => x.speed(2)).degradeBy(0.3)',
                'd1 $ degradeBy 0.3 $ off (1/8) (# speed 2) $ every 3 rev $ late "<0 0.125>" $'
                ' early 0.25 $ iter 4 $ ply 2 $ rev $ fast 2 $ s "bd sn hh cp"', cycles=4)
    same_events('s("bd*8").sometimesBy(0.5, x => x.speed(2)).chunk(4, x => x.hurry(2))'
                '.struct("x ~ x x").mask("<1 [0 1]>").jux(fast(2)).segment(4)',
                'd1 $ segment 4 $ jux (fast 2) $ mask "<1 [0 1]>" $ struct "x ~ x x" $'
                ' chunk 4 (hurry 2) $ sometimesBy 0.5 (# speed 2) $ s "bd*8"', cycles=4)
    same_events('s("bd sn").layer(rev, x => x.fast(2).gain(0.5)).superimpose(x => x.add(note(7)))'
                '.someCyclesBy(0.3, x => x.crush(4)).euclid(3, 8).chop(2).striate(2)',
                'd1 $ striate 2 $ chop 2 $ euclid 3 8 $ someCyclesBy 0.3 (# crush 4) $'
                ' superimpose (|+ note 7) $ layer [rev, (# amp 0.2) . fast 2] $ s "bd sn"', cycles=4)


def test_where_strudel_differs_from_tidal_strudel_wins():
    # lastOf(n, f): the last cycle of each n; palindrome = lastOf(2, rev)
    same_events('note("c d e g").lastOf(4, x => x.rev()).palindrome()',
                "d1 $ every' 2 1 rev $ every' 4 3 rev $ note \"c4 d4 e4 g4\" # s \"triangle\"",
                cycles=4)
    # euclidRot rotates right (util.mjs rotate(b, -r)): (3,8,2) has its pulses at 0, 2, 5
    onsets = [t for t, _ in all_events(strudel('s("bd").euclidRot(3, 8, 2)'), 0, 1)]
    assert sorted(onsets) == [0, F(2, 8), F(5, 8)]
    # so does its mini-notation (mini.mjs: euclidRot); a negative rotation turns left:
    # bjork(5, 8) = x ~ x x ~ x x ~, rotate(b, 1) = ~ x x ~ x x ~ x
    onsets = [t for t, _ in all_events(strudel('s("bd(3,8,2) ~, hh(5,8,-1)")'), 0, 1)]
    assert sorted(onsets) == sorted([0, F(1, 8), F(5, 16)] + [F(k, 8) for k in (1, 2, 4, 5, 7)])


def test_notes_are_midi_numbers_and_names_with_c4_60():
    evs = all_events(strudel('note("c3 a4 60 c").s("sawtooth")'), 0, 1)
    assert sorted((t, v["note"]) for t, v in evs) == [
        (0, -12), (F(1, 4), 9), (F(1, 2), 0), (F(3, 4), -12)]   # c3 = 48; a4 = 69; "c": octave 3
    same_events('note("c3 e3".add("<0 12>")).add(note(7)).s("superpiano")',
                'd1 $ note ("c4 e4" |+ "<0 12>") |+ note 7 # s "superpiano"')
    same_events('n("0 2").add(n("<1 2>")).s("superpiano").add.out(n("0 1 2"))',
                'd1 $ n "0 2" |+ n "<1 2>" # s "superpiano" +| n "0 1 2"')


def test_a_pattern_of_scales_gives_names_and_roots():
    # "<C:major D:mixolydian>/2": C3 major for two cycles, then D3 mixolydian (F#3 = 54)
    spec = strudel('n("0 2").scale("<C:major D:mixolydian>/2").s("superpiano")')
    got = [v["note"] + 60 for _, v in sorted(all_events(spec, 0, 4), key=lambda e: e[0])]
    assert got == [48, 52, 48, 52, 50, 54, 50, 54]


def test_midinote_is_tidals_with_strudels_note_names():
    spec = compile_source('d1 $ s "superpiano*4" # midinote "60 c4 a 69.5"', sr=SR)
    assert [v["note"] for _, v in sorted(all_events(spec, 0, 1), key=lambda e: e[0])] == [
        0, 0, -3, F(19, 2)]
    with pytest.raises(PhononError, match="midinote: parameter 'value' got 300"):
        compile_source('d1 $ s "superpiano" # midinote 300')


def test_freq_is_hz_in_both_syntaxes():
    same_events('freq("220 <330 440>").s("sawtooth")',
                'd1 $ freq "220 <330 440>" # s "sawtooth"')
    (_, v), = all_events(compile_source('d1 $ s "superpiano" # freq 440'), 0, 1)
    assert v["note"] == 9   # a5 = 440 Hz
    with pytest.raises(PhononError, match="piece.strudel:1:6: freq: got -3 where a frequency"):
        strudel('freq("440 -3")')


def test_plain_value_added_to_a_control_pattern_does_nothing_as_in_strudel():
    with pytest.warns(UserWarning, match="does nothing"):
        spec = compile_source('n("0 2").s("superpiano").add(12)', filename="a.strudel")
    assert sorted(v["n"] for _, v in all_events(spec, 0, 1)) == [0, 2]


def test_strings_bindings_labels_and_ignored_calls():
    same_events('''// a comment
await samples('github:tidalcycles/dirt-samples')
/* a block
   comment */
const drums = s('bd [~ sn]').bank("RolandTR909")
let fx = x => x.fast(2)
drums: drums.every(2, fx).color("red")._pianoroll()
$: "c e g".note().s(`superpiano`).punchcard()
_$: s("hh*16")
$: cat("bd", seq("hh", "oh")).sound()
''', '''d1 $ every 2 (fast 2) $ s "bd [~ sn]"
d2 $ note "c4 e4 g4" # s "superpiano"
d3 $ s (cat ["bd", fastcat ["hh", "oh"]])
''', cycles=2)
    same_events('note("c", "<e g>").lpf(800).lpa(0.1).lpenv(4).s("sawtooth")',
                'd1 $ note (fastcat ["c4", "<e4 g4>"]) # cutoff 800 # s "sawtooth"')
    with pytest.warns(UserWarning) as rec:
        compile_source('samples("x")\ns("bd").bank("RolandTR909").decay(0.1)', filename="a.strudel")
    said = " ".join(str(w.message) for w in rec)
    assert "a.strudel:1:1: 'samples(...)' is ignored" in said
    assert "a.strudel:2:9: '.bank(...)' is ignored" in said and "'.decay(...)' is ignored" in said


def test_only_the_last_bare_pattern_plays_and_labels_win():
    assert [v["s"] for _, v in all_events(strudel('s("bd")\ns("sn")'), 0, 1)] == ["sn"]
    assert [v["s"] for _, v in all_events(strudel('s("bd")\n$: s("sn")'), 0, 1)] == ["sn"]


# -- errors ----------------------------------------------------------------------------------

@pytest.mark.parametrize("code, where, message", [
    ('note(c a f e).s(piano)', "1:8", "unexpected 'a' in the arguments; expected ',' or ')'"),
    ('note("c a f e")s("piano")', "1:16", "unexpected 's'; expected the end of the statement"),
    ('s("bd sn").fsat(2)', "1:12", "unknown Strudel function or name 'fsat' — did you mean 'fast'"),
    ('s("bd")\n  .every(2, x => stack(x, x.fast(2)))', "2:18",
     "the body of an arrow function must be a method chain on its parameter"),
    ('s("bd").off(1/8, (a, b) => a)', "1:18", "an arrow function of 2 parameters"),
    ('function f() {}', "1:1", "JavaScript's 'function' is not supported"),
    ('s("bd sn', "1:3", "unterminated string"),
    ('$: s("bd").fast(2', "1:16", "unclosed '(' of the arguments"),
    ('n("0 2").scale("C:blues")', "1:16", "unknown scale 'blues'"),
    ('n("0 2").scale("<C:major D:bluesy>")', "1:16", "unknown scale 'bluesy'"),
    ('s("bd") + s("sn")', "1:9", "'+' between patterns is JavaScript arithmetic"),
    ('chord("<C Am>").voicing()', "1:1", "unknown Strudel function or name 'chord'"),
])
def test_errors_are_located(code, where, message):
    with pytest.raises(PhononError) as e:
        strudel(code)
    text = str(e.value)
    assert f"piece.strudel:{where}: " in text and message in text, text
    line, col = map(int, where.split(":"))
    shown = text.splitlines()
    assert shown[1] == "    " + code.splitlines()[line - 1]
    assert shown[2].startswith("    " + " " * (col - 1) + "^")


def test_hostile_input_is_a_located_error_never_a_traceback():
    with pytest.raises(PhononError, match=r"piece.strudel:1:\d+: nesting too deep"):
        strudel("s(" * 3000 + '"bd"' + ")" * 3000)
    with pytest.raises(PhononError, match="piece.strudel:1:14: number too large"):
        strudel('s("bd").fast(1e400)')
    # every prefix of a piece: it compiles or is a PhononError
    text = (CORPUS / "s03_off_in_off.strudel").read_text().split("\n", 4)[-1]
    for k in range(len(text)):
        try:
            strudel(text[:k])
        except PhononError:
            pass


def test_errors_inside_strings_point_into_the_strudel_file():
    with pytest.raises(PhononError) as e:
        strudel('$: s("bd*2")\n$: s("bd [sn")')
    assert str(e.value).startswith("piece.strudel:2:")
    with pytest.raises(PhononError, match=r"piece.strudel:1:\d+: .*speed"):
        strudel('s("bd").speed("1 x")')


def test_cli_syntax_option_and_extension(tmp_path):
    js = tmp_path / "piece.js"
    js.write_text('s("bd*2").bank("RolandTR909")\n')
    run = [sys.executable, "-m", "phonon.cli"]
    r = subprocess.run(run + ["events", str(js), "--syntax", "strudel"], capture_output=True, text=True)
    assert r.returncode == 0 and "'.bank(...)' is ignored" in r.stderr and 's: "bd"' in r.stdout
    r = subprocess.run(run + ["check", str(js)], capture_output=True, text=True)   # not by extension
    assert r.returncode == 1 and "Traceback" not in r.stderr
    bad = tmp_path / "bad.str"
    bad.write_text('s("bd").fsat(2)\n')
    r = subprocess.run(run + ["check", str(bad)], capture_output=True, text=True)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "bad.str:1:9: unknown Strudel function or name 'fsat'" in r.stderr and "^^^^" in r.stderr


def test_lsp_and_farm_read_strudel_files(tmp_path):
    from phonon.lsp import diagnostics
    assert diagnostics('s("bd").fast(2)', "a.strudel") == []
    (d,) = diagnostics('s("bd")\n  .fsat(2)', "a.strudel")
    assert (d["line"], d["col"], d["end_col"]) == (1, 3, 7) and "did you mean 'fast'" in d["message"]
    js = tmp_path / "piece.js"
    js.write_text((CORPUS / "s10_cpm.strudel").read_text())
    out = tmp_path / "farm.wav"
    r = subprocess.run([sys.executable, "-m", "workers", str(js), "-o", str(out), "--syntax",
                        "strudel", "--backend", "inline", "--cycles", "1", "--sr", str(SR),
                        "--bit-depth", "32f", "--no-progress"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    import soundfile as sf
    from phonon.engine import mix_outputs, render_spec, spec_frames
    spec = strudel(js.read_text())
    want = mix_outputs(render_spec(spec, spec_frames(spec, cycles=1))).T
    got, sr = sf.read(str(out), always_2d=True)
    assert sr == SR and got.shape == want.shape
    assert np.abs(got - want).max() < 1e-6   # the file holds float32


def test_live_session_reloads_a_strudel_file(tmp_path):
    import os
    import time
    from phonon.live import LiveSession
    p = tmp_path / "live.strudel"
    p.write_text('s("bd*2")\n')
    sess = LiveSession(str(p), sr=SR)
    assert sess.next_block(512).shape == (512, 2)
    p.write_text('s("bd*2").fsat(2)\n')
    os.utime(p, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert not sess.reload() and "did you mean 'fast'" in sess.errors[-1]
    p.write_text('$: s("bd*2").fast(2)\n')
    os.utime(p, ns=(time.time_ns(), time.time_ns() + 2 * 10**9))
    assert sess.reload()


# -- Strudel's own examples ------------------------------------------------------------------

def _expectations(text):
    text = re.sub(r"midi=(-?[\d.]+)", lambda m: f"note={F(m.group(1)) - 60}", text)
    return parse_expectations(text.replace("// expect", "-- expect"))


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_strudel_docs_example(path):
    text = path.read_text()
    assert text.startswith("// source: https://strudel.cc/")
    spec = strudel(text)
    for ex in _expectations(text):
        if ex[0] == "cycle":
            check_cycle(spec, ex[1], ex[2], ex[3])
        elif ex[0] == "count":
            (a, b), where, (lo, hi) = ex[1], ex[2], ex[3]
            assert lo <= len(_filter(all_events(spec, a, b + 1), where)) <= hi
    from phonon.engine import mix_outputs, render_spec, spec_frames
    y = mix_outputs(render_spec(spec, spec_frames(spec, cycles=2), block=2048))
    assert np.isfinite(y).all() and np.abs(y).max() > 0.01
    cps = float(spec.cps)
    heard = 0
    for t, v in all_events(spec, 0, 2):
        if str(v.get("s")).split(":")[0] in SOUNDING and float(v.get("amp", 0.4)) >= 0.04:
            assert _audible_at(y, float(t) / cps), (path.stem, float(t), v)
            heard += 1
    assert heard >= 4


def test_the_readmes_strudel_example_renders():
    blocks = re.findall(r"```js\n(.*?)```", (CORPUS.parent.parent / "README.md").read_text(), re.S)
    assert blocks
    from phonon.engine import mix_outputs, render_spec, spec_frames
    for code in blocks:
        spec = strudel(code)
        y = mix_outputs(render_spec(spec, spec_frames(spec, cycles=1), block=2048))
        assert np.isfinite(y).all() and np.abs(y).max() > 0.01


def test_the_corpus_has_a_dozen_examples():
    assert len(FILES) >= 12
