"""The registry drives everything: every example renders, docs are generated from it."""
import numpy as np
import pytest

from phonon import docs
from phonon.registry import CATEGORIES, REGISTRY, load

from conftest import ROOT, render_src, rms_db

load()
DECLS = sorted(REGISTRY.values(), key=lambda d: d.name)


@pytest.mark.parametrize("decl", DECLS, ids=lambda d: d.name)
def test_every_example_compiles_and_renders(decl):
    src = decl.example if any(decl.example.lstrip().startswith(k) for k in ("out", "~", "tempo", "cps", "bpm")) \
        else "out: " + decl.example
    x = render_src(src, duration=2.0, block=2048)
    assert x.shape == (2, 88200)
    assert np.all(np.isfinite(x))
    # audible, not only finite: an example that renders silence documents nothing
    assert rms_db(x) > -60, f"{decl.name}: example {decl.example!r} is silent ({rms_db(x):.1f} dBFS)"


@pytest.mark.parametrize("decl", DECLS, ids=lambda d: d.name)
def test_every_declaration_is_documented(decl):
    assert decl.category in CATEGORIES
    assert len(decl.doc) > 20, decl.name
    assert decl.example
    for p in decl.params:
        if p.range is not None:
            assert p.range[0] <= p.range[1]


def test_docs_functions_md_is_current():
    path = ROOT / "docs" / "functions.md"
    assert path.read_text() == docs.markdown(), "regenerate: phonon functions --markdown > docs/functions.md"


def test_core_functions_of_language_md_exist():
    core = """sine saw square tri pulse noise pink brown fm lpf hpf bpf notch rlpf rhpf adsr ad ar asr
    delay reverb distortion bitcrush chorus compressor limiter s gain pan speed n note cut attack release
    begin end superkick supersaw supersnare superhat superpwm superchip superfm fast slow rev every
    degrade degradeBy sometimesBy often rarely almostAlways almostNever always jux stut ply iter chunk
    off early late palindrome hurry chop striate struct mask euclid segment range stack cat slowcat mix
    mtof""".split()
    from phonon.registry import all_names
    missing = [c for c in core if c not in all_names()]
    assert not missing


def test_functions_json_lists_every_declaration_in_full():
    """`phonon functions --json` (completion data for editors and the language server)."""
    import json
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-m", "phonon.cli", "functions", "--json"],
                         capture_output=True, text=True, check=True).stdout
    data = json.loads(out)
    assert data["schema"] == "phonon-functions/1"
    by_name = {f["name"]: f for f in data["functions"]}
    assert set(by_name) == set(REGISTRY)
    for f in data["functions"]:
        assert f["doc"] and f["example"] and f["category"] in data["categories"]
        for p in f["params"]:
            assert set(p) >= {"name", "required", "default", "unit", "range", "kind", "note_names", "doc"}
    lpf = {p["name"]: p for p in by_name["lpf"]["params"]}
    assert lpf["cutoff"]["default"] == 1000 and lpf["cutoff"]["unit"] == "Hz"
    assert lpf["cutoff"]["note_names"].startswith("Hz")
    assert "trig" not in lpf and "trig" not in by_name["lpf"]["signature"]
    assert by_name["note"]["params"][0]["note_names"].startswith("semitones")
    assert by_name["every"]["tidal_type"] == "every :: Pattern Int -> (Pattern a -> Pattern a) -> Pattern a -> Pattern a"
    assert by_name["gain"]["tidal_type"] == "gain :: Pattern Double -> ControlPattern"


def test_functions_are_grouped_with_tidal_signatures():
    """issue 11: `phonon functions` groups pattern, control, signal, effect, with Tidal types."""
    text = docs.listing()
    heads = [ln for ln in text.splitlines() if ln.startswith("== ")]
    assert heads == ["== Pattern functions ==", "== Controls of events ==", "== Signals ==",
                     "== Effects on signals =="]
    line = next(ln for ln in text.splitlines() if ln.split()[:1] == ["ifp"])
    assert line.endswith(":: (Int -> Bool) -> (Pattern a -> Pattern a) -> (Pattern a -> Pattern a) "
                         "-> Pattern a -> Pattern a")
    data = docs.json_data()
    assert set(data["groups"]) == {"pattern", "control", "signal", "effect"}
    assert {f["group"] for f in data["functions"]} == set(data["groups"])
    assert next(f for f in data["functions"] if f["name"] == "whenT")["group"] == "pattern"


def test_compiler_special_cases_are_declaration_fields():
    """issue 9 item 2: what the compiler once decided by name (gain, pan, n/note, mix, stack,
    jux, range, trig) is a field of the declaration; the compiler reads fields, never names."""
    import re
    from phonon.registry import lookup
    assert lookup("gain").extra["signal_node"] == ("mul", "a", "b")
    assert lookup("pan").extra["signal_node"] == ("pan", "in", "pos")
    assert lookup("n").extra["notes"] is True and lookup("note").params[0].unit == "semitones"
    assert lookup("mix").extra["signals"] == "sum" and lookup("stack").extra["signals"] == "sum_if_any"
    assert lookup("jux").extra["stereo"] is True
    assert lookup("range").extra["signal_node"] == ("range", "in", ("lo", "hi"))
    assert lookup("adsr").param("trig").wired and "trig" not in lookup("adsr").signature()
    src = "".join(f.read_text() for f in sorted((ROOT / "phonon" / "compile").glob("*.py")))
    for name in ("gain", "pan", "note", "n", "mix", "jux", "range", "trig"):
        assert not re.search(rf'==\s*"{name}"|in \("{name}"|"{name}"\s*:', src), name
    assert "NOTE_CONTROLS" not in src and "SIGNAL_NODES" not in src


def test_node_modules_do_not_repeat_declared_defaults():
    """A parameter's default is written once, in its declaration; a node reads it with
    `self.default(name)` (issue 9). A numeric literal as a fallback of `.get("name", ...)`
    in a node module is a second copy that can drift from the first."""
    import re
    from pathlib import Path
    import phonon.nodes as nodes
    pat = re.compile(r'\.get\((?:"([a-z_]+)"|self\.q_name|node\.q_name), (-?[0-9][0-9.e-]*)\)')
    bad = []
    for f in sorted(Path(nodes.__file__).parent.glob("*.py")):
        for i, line in enumerate(f.read_text().splitlines(), 1):
            for m in pat.finditer(line):
                if m.group(1) != "in":  # an absent input is silence, not a default
                    bad.append(f"{f.name}:{i}: {line.strip()}")
    assert not bad, "\n".join(bad)


def test_param_default_reads_the_declaration():
    from phonon.nodes.base import param_default
    assert param_default("delay", "feedback") == 0.5
    assert param_default("lpf", "cutoff") == 1000.0
    with pytest.raises(KeyError):
        param_default("delay", "no_such_param")
