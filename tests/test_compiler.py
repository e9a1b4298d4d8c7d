"""Compiler: golden dumps, spec data properties, and every error message word for word."""
import pickle

import pytest

from phonon.errors import PhononError
from phonon.spec import GraphSpec

from conftest import PATCHES, compile_src


def err(src: str) -> str:
    with pytest.raises(PhononError) as ei:
        compile_src(src)
    return str(ei.value)


def test_golden_dump_simple_chain():
    spec = compile_src('tempo: 1\nout: saw 55 # lpf 1000 0.8 * 0.3')
    assert spec.dump() == (
        "cps 1\nsr 44100\nseed 0\n"
        "%0 = saw(freq=55.0)  ; 2:6\n"
        "%1 = lpf(in=%0 cutoff=1000.0 q=0.8)  ; 2:15\n"
        "%2 = mul(a=%1 b=0.3)  ; 2:28\n"
        "out out = %2\n")


def test_golden_dump_sample_pattern_with_controls():
    spec = compile_src('out: s "bd*2 sn" # gain 0.8 # pan "-1 1"')
    assert spec.dump() == (
        "cps 1/2\nsr 44100\nseed 0\n"
        '%0 = sampler(pat=pat(set "pan" (set "gain" (sound (mini "bd*2 sn")) (pure 4/5)) (mini "-1 1")))  ; 1:6\n'
        "out out = %0\n")


def test_buses_are_shared_and_labelled():
    spec = compile_src("~lfo: sine 0.25\n~a: saw (~lfo * 100 + 200)\nout: ~a + ~a * ~lfo")
    kinds = [n.kind for n in spec.nodes]
    assert kinds.count("sine") == 1 and kinds.count("saw") == 1
    assert dict(spec.buses).keys() == {"~lfo", "~a"}
    assert any(n.label == "~a" for n in spec.nodes)


def test_unused_nodes_dropped():
    spec = compile_src("~unused: saw 110 # reverb 0.9 0.5\nout: sine 440")
    assert [n.kind for n in spec.nodes] == ["sine"]


def test_auto_routing_without_out_sums_buses_quarter():
    spec = compile_src("~a: sine 440\n~b: saw 110")
    assert [n.kind for n in spec.nodes] == ["sine", "saw", "sum", "mul"]
    assert spec.nodes[-1].arg("b") == 0.25


def test_auto_routing_prefers_master_then_out():
    assert compile_src("~x: saw 110\n~master: sine 440").dump().count("saw") == 0
    assert compile_src("~x: saw 110\n~out: sine 330").dump().count("saw") == 0


def test_tempo_bpm_and_default():
    assert compile_src("out: sine 440").cps == 0.5
    assert compile_src("bpm: 120\nout: sine 440").cps == 2
    assert str(compile_src("cps: 0.5167\nout: sine 1").cps) == "5167/10000"
    assert compile_src("tempo: 1\ncps: 0.75\nout: sine 1").cps == 0.75  # the last one wins


def test_spec_is_picklable_data_with_stable_digest():
    for p in sorted(PATCHES.glob("*.ph")):
        spec = compile_src(p.read_text())
        back = pickle.loads(pickle.dumps(spec))
        assert back == spec and back.dump() == spec.dump() and back.digest() == spec.digest()
        assert GraphSpec.from_bytes(spec.to_bytes()) == spec
        assert compile_src(p.read_text()).digest() == spec.digest()


def test_digest_changes_with_content_not_labels():
    a = compile_src("out: sine 440")
    b = compile_src("\n\nout:   sine 440")
    c = compile_src("out: sine 441")
    assert a.digest() == b.digest() != c.digest()


def test_transform_pushed_into_signal_patterns():
    spec = compile_src('out: fast 2 $ saw "55 110"')
    assert 'apply "fast"' in spec.dump()


def test_pipe_and_tidal_forms_agree():
    a = compile_src('out: s "bd sn" $ fast 2 $ rev')
    b = compile_src('out: rev $ fast 2 $ s "bd sn"')
    # pipe applies left to right: fast then rev; Tidal form applies right to left: fast then rev
    assert a.digest() == b.digest()


def test_envelope_gets_trigger_pattern():
    spec = compile_src('out: saw "<55 65>*4" # adsr 0.01 0.1 0.5 0.1')
    env = [n for n in spec.nodes if n.kind == "adsr"][0]
    assert "mini" in str(env.arg("trig"))


# ---------------------------------------------------------------------------------------------
# errors, word for word
# ---------------------------------------------------------------------------------------------

def test_unknown_function_did_you_mean():
    assert err("out: saw 55 # revrb 0.5 0.5").splitlines()[0] == \
        "1:15: unknown function 'revrb' — did you mean 'reverb'?"
    assert "did you mean 'lpf'" in err("out: saw 55 # lp 1000").splitlines()[0]
    assert err('out: fsat 2 $ s "bd"').splitlines()[0].startswith(
        "1:6: unknown function 'fsat' — did you mean 'fast'")


def test_error_shows_line_and_caret():
    lines = err("tempo: 1\nout: saw 55 # revrb 0.5").splitlines()
    assert lines[1] == "    out: saw 55 # revrb 0.5"
    assert lines[2] == "                  ^^^^^"


def test_undefined_bus_lists_defined():
    assert err("~bass: saw 55\n~drums: s \"bd\"\nout: ~bas * 0.5").splitlines()[0] == \
        "3:6: undefined bus '~bas' — did you mean '~bass'?; defined buses: ~bass, ~drums"


def test_bus_cycle_named():
    msg = err("~a: ~b * 0.5\n~b: ~a + saw 55\nout: ~a")
    assert msg.splitlines()[0].endswith("bus cycle: ~a -> ~b -> ~a")
    assert "feedback" in msg


def test_wrong_arity_lists_params():
    assert err("out: saw 55 # lpf 1000 0.8 3 4").splitlines()[0] == \
        "1:15: lpf takes at most 2 arguments (cutoff=1000 q=1); got 4"


def test_unknown_keyword_lists_params():
    first = err("out: saw 55 # lpf 1000 qq:0.8").splitlines()[0]
    assert first == "1:24: lpf: unknown parameter 'qq' — did you mean 'q'?; parameters are: in cutoff=1000 q=1"


def test_out_of_range_values_give_range():
    assert err("out: saw 55 # delay 0.25 1.2").splitlines()[0] == \
        "1:26: delay: parameter 'feedback' got 1.2; expected 0..0.999"
    assert err("tempo: -1\nout: sine 1").splitlines()[0] == \
        "1:8: tempo: got -1; expected a positive number of cycles per second"


def test_empty_program():
    assert err("-- just a comment\n\n") == \
        "nothing to render: the program has no `out:` and no buses\nhint: add a line like `out: s \"bd*4\"`"


def test_mini_error_points_into_line():
    lines = err('out: s "bd [sn" # gain 1').splitlines()
    assert lines[0].startswith("1:15: expected ']' to close the '['")
    assert lines[2] == "                  ^"  # under the closing quote: the pattern ended there


def test_transform_with_hash_explained():
    assert "apply it with $" in err('out: s "bd" # fast 2')


def test_filter_without_input_explained():
    assert "needs a signal to process" in err("out: lpf 1000 0.8")


def test_compiler_is_split_by_concern():
    """issue 9 item 3: the compiler is a package of modules below ~500 lines; the public
    names stay importable from phonon.compiler."""
    from pathlib import Path
    import phonon.compiler as C
    import phonon.compile as pkg
    sizes = {f.name: len(f.read_text().splitlines()) for f in Path(pkg.__file__).parent.glob("*.py")}
    assert set(sizes) >= {"values.py", "program.py", "expressions.py", "calls.py", "functions.py"}
    assert max(sizes.values()) < 500, sizes
    assert C.compile_source is pkg.compile_source and C.compile_program is pkg.compile_program
    assert C.Compiler is pkg.Compiler and callable(C.event_warnings)


def test_event_cps_sets_the_tempo_and_a_changing_one_is_located():
    """Tidal's scheduler takes the tempo from an event's cps control (and keeps it): a
    constant `# cps` is the render's tempo, over setcps (the events come after it)."""
    from fractions import Fraction
    assert compile_src('d1 $ s "bd*2" # cps 0.7\n').cps == Fraction(7, 10)
    assert compile_src('setcps 0.5\nd1 $ s "bd*2" # cps (135/60/4)\n').cps == Fraction(9, 16)
    assert compile_src('d1 $ s "bd*2" # cps 0.7\nd2 $ s "hh" # cps 0.7\n').cps == Fraction(7, 10)
    import numpy as np
    from conftest import render_src
    y = render_src('d1 $ s "bd*2" # cps 0.8\n', duration=1, sr=8000)
    env = np.abs(y).max(axis=0)
    onsets = [i / 8000 for i in range(1, 8000) if env[i] > 0.05 and env[i - 1] <= 0.05
              and not (env[max(0, i - 400):i] > 0.05).any()]
    assert len(onsets) >= 2 and abs(onsets[0]) < 0.01 and abs(onsets[1] - 0.5 / 0.8) < 0.01, onsets
    for src, where, msg in [
            ('d1 $ s "bd*2" # cps "<0.5 0.7>"\n', "1:21", "a changing tempo is not supported"),
            ('d1 $ s "bd" # cps 0.7\nd2 $ s "hh" # cps 0.6\n', "2:19", "differs from `# cps 0.7` at 1:19"),
            ('d1 $ s "bd" # cps 0\n', "1:19", "expected a positive number"),
            ('d1 $ every 2 (# cps 0.8) $ s "bd"\n', "1:17", "inside a function")]:
        with pytest.raises(PhononError) as e:
            compile_src(src)
        assert str(e.value).startswith(where + ":") and msg in str(e.value), str(e.value)


def test_tidal_0x_tempo_statements():
    """Tidal 0.x's `cps 1` and `bps (80/60)` statements are setcps."""
    from fractions import Fraction
    assert compile_src('cps 0.7\nd1 $ s "bd"\n').cps == Fraction(7, 10)
    assert compile_src('bps (80/60)\nd1 $ s "bd"\n').cps == Fraction(4, 3)
    assert compile_src('bps $ 150/60\nd1 $ s "bd"\n').cps == Fraction(5, 2)
