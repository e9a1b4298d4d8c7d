"""Type-confusion audit (issue 13): every registry function called with each wrong kind of
argument in each parameter (a sound pattern where numbers are needed, a number where a
function is needed, a string where a list is needed ...). Each program either renders one
finite cycle (the argument converts: a number is a constant pattern) or fails with a
PhononError that has a line:col — never another exception, never an unlocated error."""
from __future__ import annotations

import math

import pytest

import fuzzing
from phonon import registry
from phonon.errors import PhononError

DECLS = sorted(registry.load().values(), key=lambda d: d.name)

WRONG = {   # what a user gets wrong, by kind of value
    "sound": '(s "bd sn")',
    "number": "3",
    "string": '"bd sn"',
    "function": "(fast 2)",
    "list": "[1, 2]",
    "signal": "(sine 1)",
    "pairs": '[("bd", 1)]',
}


def good(p) -> str:
    """A right argument for parameter p."""
    if p.kind in ("number", "signal"):
        if not p.required and isinstance(p.default, (int, float)) and math.isfinite(float(p.default)):
            v = float(p.default)
        elif p.range is not None:
            lo, hi = (float(x) for x in p.range)
            v = min(max(1.0, lo), hi)
        else:
            v = 1.0
        return repr(v)
    return {"pattern": '"1 0.5"', "function": "rev", "list": "[1, 2]",
            "functions": "[rev, fast 2]", "pairs": "[(1, 1), (2, 0.5)]",
            "timed": '[(1, "1 0.5"), (2, "1")]', "controls": '(n 1)', "replacement": '(s "cp")',
            "named": '[("a", "1 0.5")]', "namedfns": '[("f", rev)]',
            "curried": "fast"}.get(p.kind, "1")


def program(decl, args: list) -> str:
    call = " ".join([decl.name, *args])
    return f"out: {fuzzing.call_in_context(decl, call)}\n"


@pytest.mark.parametrize("decl", DECLS, ids=[d.name for d in DECLS])
def test_wrong_kinds_are_located_errors(decl):
    fuzzing.install_alarm()
    params = [p for p in decl.params if p.kind != "input" and p.name != "trig"]
    bad = []
    for i, p in enumerate(params):
        for kind, wrong in WRONG.items():
            args = [good(q) for q in params]
            args[i] = wrong
            src = program(decl, args)
            try:
                fuzzing.run_case(src, reraise=True)
            except PhononError as e:   # run_case returns "error" for these; here, re-raised
                if e.span is None:
                    bad.append(f"{src.strip()}  ->  unlocated: {e.message}")
            except Exception as e:  # noqa: BLE001
                bad.append(f"{src.strip()}  ->  {type(e).__name__}: {e}")
    assert not bad, "\n".join(bad)
