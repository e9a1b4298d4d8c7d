"""Hostile input to the language (issue 13, part B): what a program may ask for is checked
before it costs anything (phonon/limits.py), and deep but legitimate programs still render.
Each case runs `phonon render` in a subprocess under a 1.5 GB address-space cap and a 60 s
timeout (tests/test_hostile_cli.py), and checks the message, exit 1 and that no file is left."""
from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from test_hostile_cli import leftovers, patch, render, user_error

ARGS = ("--duration", "0.5", "--sr", "8000")


@pytest.mark.parametrize("src, needles", [
    ('out: s "bd!1000000"\n', ["p.ph:1:9:", "expands to 1,000,000 steps", "limit 10,000",
                               "PHONON_MAX_STEPS"]),
    ('out: s "{bd sn}%1000000"\n', ["p.ph:1:", "limit 10,000"]),
    ('out: s "bd(1000000,1000001)"\n', ["p.ph:1:", "limit 10,000"]),
    ('out: saw "0 .. 10000000"\n', ["p.ph:1:", "limit 10,000"]),
    ('out: s "' + "<" * 200 + "bd" + ">" * 200 + '"\n', ["nesting too deep", "(limit 100)"]),
    ("out: " + "(" * 200 + "sine 440" + ")" * 200 + "\n", ["nesting too deep", "(limit 100)"]),
    ('~k: s "~k*4"\nout: ~k\n', ["p.ph:1:5:", "bus cycle: ~k -> ~k", "sample pattern"]),
    ('out: fast 1e9 $ s "bd"\n', ["p.ph:1:17:", "more than 100,000 events", "PHONON_MAX_EVENTS"]),
    ('out: ply 1e9 $ s "bd"\n', ["p.ph:1:16:", "more than 100,000 events"]),
    ('cps: 0.5\n~d: s "hh*4"\nout: ~d + (fast 1e9 $ s "bd") * 0.5\n',
     ["p.ph:3:23:", "more than 100,000 events in cycles 0..1", '    out: ~d + (fast 1e9 $ s "bd") * 0.5']),
    ('out: chop 1000000 $ s "bd"\n', ["p.ph:1:11:", "got 1000000; expected 1..4096"]),
    ("out: 1e400\n", ["p.ph:1:6:", "number too large: 1e400"]),
    ('out: degradeBy "t f" $ s "bd"\n', ["p.ph:1:16:", "degradeBy: parameter 'amount': got word 't'"]),
    ('out: range 0 1 $ s "bd"\n', ["p.ph:1:16:", "range works on a pattern of numbers"]),
    ('out: iter "t f" $ s "bd"\n', ["p.ph:1:11:", "iter: parameter 'n': got word 't'"]),
    # found by the property fuzzer (tests/test_fuzz.py); each was a traceback, exit 2
    ('out: stitch ""\n', ["p.ph:1:6:", "stitch takes 3 arguments (bools a b); got 1"]),
    ("out: []\n", ["p.ph:1:6:", "an empty list `[]` where a signal was expected"]),
    ('out: fastspread [1, 2] [3] $ s "~ cp"\n',
     ["p.ph:1:17:", "fastspread: the function must be a transform missing its last argument"]),
    ('out: select (s "bd*4 sn") [s "bd"]\n',
     ["p.ph:1:13:", "select: parameter 'by' must be a number or a pattern of numbers, not a sample"]),
    ('out: binary (s "bd*4 sn")\n', ["p.ph:1:14:", "binary: parameter 'numbers' must be"]),
    ('out: sine (segment 4 $ perlinWith (s "~ cp"))\n', ["p.ph:1:36:", "perlinWith: parameter 'input'"]),
    ('out: sine (wchooseBy (s "bd") [(220, 1)])\n', ["p.ph:1:22:", "wchooseBy: parameter 'by'"]),
    ('out: sine (chooseBy "0 x" [220, 440])\n', ["p.ph:1:21:", "chooseBy: parameter 'by': got word 'x'"]),
    ('out: sew (s "bd") (s "bd*2") (s "hh*3")\n', ["p.ph:1:11:", "sew: parameter 'bools' must be"]),
    ('out: fit 7 [0] $ s "bd*4 sn"\n', ["p.ph:1:16:", "fit works on a pattern of numbers, not on a sample"]),
    # the type-confusion audit (tests/test_type_confusion.py): errors raised by the engine,
    # located at their node by re-querying the graph's patterns (limits.locate_events)
    ('out: arp 3 $ s "bd*2 sn"\n', ["p.ph:1:14:", "arp: unknown mode '3'"]),
    ('out: sine (choose (s "bd sn"))\n', ["p.ph:1:12:", "choose: list items must be single values"]),
    ('out: saw 110 # lpf [("bd", 1)] 1.0\n', ["p.ph:1:22:", "a pattern used as a signal: got word 'bd'"]),
])
def test_limits_fail_fast_with_the_limit(tmp_path, src, needles):
    out = tmp_path / "o.wav"
    r = render(patch(tmp_path, src), out, *ARGS)
    user_error(r, *needles)
    assert not out.exists() and not leftovers(tmp_path)


def _level(path):
    y, _ = sf.read(str(path), dtype="float64")
    return 20 * np.log10(np.sqrt(np.mean(y ** 2)))


def test_deep_legitimate_programs_render(tmp_path):
    cases = {
        "plus490": "out: (" + " + ".join(["sine 440"] * 490) + ") * 0.001\n",
        "buses200": "\n".join(["~b0: saw 110"] + [f"~b{i}: ~b{i - 1} # lpf 1000 0.5"
                                                   for i in range(1, 200)]) + "\nout: ~b199 * 0.5\n",
        "bom": "\ufeffout: sine 440 * 0.2\n",
    }
    for name, src in cases.items():
        out = tmp_path / f"{name}.wav"
        r = render(patch(tmp_path, src, f"{name}.ph"), out, *ARGS)
        assert r.returncode == 0, (name, r.stderr)
        assert _level(out) > -40, name  # audible: 490 sines at 0.001 are -9 dBFS RMS


def test_segment_of_a_tiny_factor_is_one_cheap_long_event(tmp_path):
    """`segment 1e-9 $ s "bd"` is one event a billion cycles long (Tidal's segment), queried in
    the cycles the render touches (phonon.pattern.core.LONG_WHOLE), not walked: it plays the
    bd once, at 0, and renders 4 cycles (8 s at cps 0.5) well inside the caps."""
    from phonon.compiler import compile_source
    from phonon.pattern.core import Arc
    from phonon.patexpr import evaluate
    from fractions import Fraction as F
    spec = compile_source('out: segment 1e-9 $ s "bd"\n', sr=8000)
    pat = evaluate(next(n for n in spec.nodes if n.kind == "sampler").args[0][1].expr)
    haps = pat.query(F(0), F(4))
    assert [h.whole for h in haps] == [Arc(F(0), F(10 ** 9))] * 4   # one whole, a piece per cycle
    assert sum(h.has_onset() for h in haps) == 1 and haps[0].value == {"s": "bd"}
    out = tmp_path / "o.wav"
    r = render(patch(tmp_path, 'out: segment 1e-9 $ s "bd"\n'), out, "--cycles", "4", "--sr", "8000")
    assert r.returncode == 0, r.stderr
    y, sr = sf.read(str(out))
    onset = np.flatnonzero(np.abs(y).max(axis=1) > 1e-3)
    assert len(onset) and onset[0] == 0 and onset[-1] < sr   # one bd at 0, then silence


def test_events_limit_is_located_by_phonon_events_too(tmp_path):
    from test_hostile_cli import cli
    p = patch(tmp_path, '~d: s "hh*4"\nout: ~d + (segment 1e9 $ s "bd")\n')
    user_error(cli("phonon.cli", "events", p, "--cycles", "1"), "p.ph:2:26:", "more than 1,000,000 events")


def test_out_of_memory_is_a_message_and_leaves_nothing(tmp_path):
    """400 chained filters at --block 131072 need ~1.6 GB of block buffers: under a 600 MB
    address-space cap that is a MemoryError mid-render, reported as a user-facing error
    (exit 1, no traceback, no output, no temporary file). The same patch at --block 256
    renders under the same cap (the control: the cap is not hit at start-up)."""
    import os
    import resource
    import subprocess
    import sys
    from conftest import ROOT
    src = "\n".join(["~b0: saw 110"] + [f"~b{i}: ~b{i - 1} # lpf 1000 0.5" for i in range(1, 400)])
    p = patch(tmp_path, src + "\nout: ~b399 * 0.5\n")

    def run(block, out):
        cap = 600 << 20
        return subprocess.run(
            [sys.executable, "-m", "phonon.cli", "render", str(p), str(out), "--block", block,
             "--duration", "4", "--sr", "44100", "--no-progress"], capture_output=True, text=True,
            cwd=ROOT, timeout=120, env=dict(os.environ, PYTHONPATH=str(ROOT)),
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (cap, cap)))
    big = tmp_path / "big.wav"
    user_error(run("131072", big), "out of memory", "nothing was written")
    assert not big.exists() and not leftovers(tmp_path)
    small = tmp_path / "small.wav"
    assert run("256", small).returncode == 0 and small.exists()


def test_voice_cap_farm_equals_render(tmp_path):
    """PHONON_MAX_VOICES=4 on 16 held notes: `phonon-farm --cores 2` in small time chunks
    (each worker seeks into the middle of stolen and sounding voices) writes the same
    samples as `phonon render`, and both differ from the uncapped render."""
    from test_hostile_cli import farm
    src = 'cps: 0.25\nout: n "0 .. 15" # s "superpiano" # sustain 8 # gain 0.7\n'
    p = patch(tmp_path, src)
    env = {"PHONON_MAX_VOICES": "4"}
    opts = ("--cycles", "1", "--sr", "8000", "--bit-depth", "32f")
    a, b, c = tmp_path / "render.wav", tmp_path / "farm.wav", tmp_path / "uncapped.wav"
    assert render(p, a, *opts, "--block", "64", env=env).returncode == 0
    r = farm(p, "-o", b, "--cores", "2", "--mode", "time", "--chunk", "0.3", *opts, env=env)
    assert r.returncode == 0, r.stderr
    assert render(p, c, *opts).returncode == 0
    ya, yb, yc = (sf.read(str(x), dtype="float32")[0] for x in (a, b, c))
    assert np.array_equal(ya, yb)
    assert not np.array_equal(ya, yc)


def test_gap_4096_is_cheap(tmp_path):
    """gap 4096 matched 4,096 gate events against 20,480 pieces pair by pair (15 s a cycle,
    a fuzzer timeout); now the 10,240 pieces it keeps cost under a second a cycle. They are
    1/20480 cycle each, below SuperDirt's 8-sample minimum at 8 kHz: silent, as in SuperDirt."""
    from phonon.compiler import compile_source
    from phonon.patexpr import evaluate
    spec = compile_source('out: gap 4096 $ s "bd*4 sn"\n', sr=8000)
    pat = evaluate(next(n for n in spec.nodes if n.kind == "sampler").args[0][1].expr)
    haps = pat.query(0, 1)
    assert len(haps) == 10240 and sum(h.has_onset() for h in haps) == 10240
    out = tmp_path / "o.wav"
    r = render(patch(tmp_path, 'out: gap 4096 $ s "bd*4 sn"\n'), out, *ARGS)
    assert r.returncode == 0, r.stderr
