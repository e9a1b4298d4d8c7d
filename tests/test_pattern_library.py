"""The DSL declarations of pattern transforms (phonon/pattern/library.py)."""
import re
from fractions import Fraction as F

import pytest

import _pattern_helpers  # noqa: F401
from _pattern_helpers import onsets
from phonon.pattern import transforms as T
from phonon import registry
from phonon.pattern import Pattern, mini, pure

REQUIRED = ["fast", "slow", "rev", "every", "early", "late", "ply", "iter", "palindrome", "degrade",
            "degradeBy", "sometimesBy", "sometimes", "often", "rarely", "almostAlways", "almostNever",
            "always", "never", "jux", "stut", "off", "chunk", "hurry", "chop", "striate", "struct", "mask",
            "euclid", "segment", "range", "superimpose", "linger", "zoom", "compress"]
COMBINATORS = ["stack", "cat", "slowcat", "fastcat"]
SAMPLES = {"bd", "sn", "hh", "oh", "cp", "lt", "mt", "ht", "rim", "cb"}


def decls():
    import phonon.pattern.library  # noqa: F401
    return {n: d for n, d in registry.REGISTRY.items() if d.category in ("transform", "combinator")
            and d.fn is not None and d.fn.__module__.startswith("phonon.pattern")}


def test_all_declared():
    d = decls()
    for name in REQUIRED:
        assert d[name].category == "transform"
    for name in COMBINATORS:
        assert d[name].category == "combinator"


@pytest.mark.parametrize("name", REQUIRED + COMBINATORS)
def test_declaration_has_doc_and_example(name):
    d = decls()[name]
    assert len(d.doc) > 30 and "\n" not in d.example
    assert re.search(rf"\b{name}\b", d.example)
    for s in re.findall(r's "([^"]*)"', d.example):
        words = re.findall(r"[a-z]+", s)
        assert set(words) <= SAMPLES | {"t"}, (name, words)
    for p in d.params:
        assert p.kind in ("number", "function", "pattern", "list")


def _args(d):
    args = []
    for p in d.params:
        if p.kind == "number":
            if not p.required:
                continue
            args.append(pure(F(1, 2) if p.range == (0, 1) else F(2)))
        elif p.kind == "function":
            args.append(lambda x: x.fast(2))
        elif p.kind == "pattern":
            args.append(mini("t 0 1"))
    return args


@pytest.mark.parametrize("name", REQUIRED)
def test_fn_convention(name):
    d = decls()[name]
    pat = mini("0.25 0.5") if name in ("range", "segment") else mini("bd sn").fmap(lambda v: {"s": v})
    out = d.fn(pat, *_args(d))
    assert isinstance(out, Pattern)
    out.query(0, 2)


@pytest.mark.parametrize("name", COMBINATORS)
def test_combinator_convention(name):
    d = decls()[name]
    out = d.fn(mini("bd"), mini("sn hh"))
    assert isinstance(out, Pattern) and onsets(out, 0, 2)


def test_fn_results_match_methods():
    d = decls()
    p = mini("bd sn hh")
    assert onsets(d["every"].fn(p, pure(F(2)), lambda x: x.rev()), 0, 4) == onsets(T.every(p, 2, lambda x: x.rev()), 0, 4)
    assert onsets(d["stut"].fn(p, pure(F(3)), pure(F(7, 10)), pure(F(1, 8))), 0, 2) == \
        onsets(T.stut(p, 3, F(7, 10), F(1, 8)), 0, 2)
    assert onsets(d["fast"].fn(p, mini("<1 2>")), 0, 2) == onsets(p.fast("<1 2>"), 0, 2)


def test_examples_parse_when_the_dsl_parser_exists():
    parser = pytest.importorskip("phonon.dsl.parser")
    parse = getattr(parser, "parse", None)
    if parse is None:
        pytest.skip("phonon.dsl.parser has no parse()")
    for name, d in decls().items():
        parse("out: " + d.example)
