"""Compile-time values (NumV PatV SoundV SigV FnV ListV) and the helpers on pattern
expressions and names the compiler's parts share."""
from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Optional

from .. import registry
from .. import patexpr as P
from ..errors import Span
from ..spec import Pat

NODE_CATEGORIES = ("oscillator", "filter", "envelope", "effect", "dynamics", "synth", "math")
DEFAULT_CPS = Fraction(1, 2)


@dataclass(frozen=True)
class NumV:
    value: Fraction
    span: Optional[Span] = None


@dataclass(frozen=True)
class PatV:
    expr: P.PatExpr
    span: Optional[Span] = None


@dataclass(frozen=True)
class SoundV:
    expr: P.PatExpr
    span: Optional[Span] = None


@dataclass(frozen=True)
class SigV:
    ref: int
    trig: Optional[P.PatExpr] = None  # pattern whose onsets trigger a chained envelope
    span: Optional[Span] = None


@dataclass(frozen=True)
class FnV:
    expr: Optional[P.PatExpr]  # pattern function (patexpr) or None for a node-chain section
    span: Optional[Span] = None
    chain: Any = None  # (decl, args, kwargs) for sections like `(# lpf 500)`


@dataclass(frozen=True)
class ListV:
    items: tuple
    span: Optional[Span] = None


def _describe(v) -> str:
    return {NumV: "a number", PatV: "a pattern", SoundV: "a sample pattern", SigV: "a signal",
            FnV: "a function", ListV: "a list"}.get(type(v), type(v).__name__)



_BUS_WORD = re.compile(r"~([A-Za-z_][A-Za-z0-9_]*)")


def _bus_words(expr) -> list:
    """Bus names written as `~name` inside the mini-notation strings of a pattern expression."""
    return [w for e in P.walk(expr) if isinstance(e, P.Mini) for w in _BUS_WORD.findall(e.text)]


SHIFT_OPS = {"<~": "early", "~>": "late"}
CONTINUOUS = ("sine", "cosine", "saw", "isaw", "tri", "square", "rand")
# Tidal 0.x's unipolar names (0..1, before 1.0 made sine & co unipolar): today's names
OLD_CONTINUOUS = {"sine1": "sine", "sinewave1": "sine", "saw1": "saw", "sawwave1": "saw",
                  "tri1": "tri", "triwave1": "tri", "square1": "square", "squarewave1": "square"}


def _key(decl) -> str:
    """The key a control writes into events: its canonical (Tidal) name; a declaration
    whose name is taken by a function says `key=` (`delayamp` writes `delay`)."""
    return decl.extra.get("key", decl.name)


def _test_decl(name: str):
    """The "test" declaration of a name (`even`, `mod`, `>`, ...), or None."""
    d = registry.REGISTRY.get(name)
    return d if d is not None and d.category == "test" else None


def _family(op: str):
    """(value op, structure) of Tidal's operator family: `|+|` -> ("+", "both"),
    `|+` -> ("+", "left"), `+|` -> ("+", "right"); None for plain + - * /."""
    if len(op) == 3 and op[0] == "|" and op[2] == "|":
        return op[1], "both"
    if len(op) == 2 and op[0] == "|":
        return op[1], "left"
    if len(op) == 2 and op[1] == "|":
        return op[0], "right"
    return None


def _semitone_leaves(expr, conversion: str = "semitones"):
    """Note names as semitones at the value leaves of a pattern expression (Tidal parses
    `n "c e"` as notes before any transform sees them: `n (off 0.125 (|+ 7) "<c a>")`);
    the arguments of transforms (`every "<2 3>"`) are left alone."""
    c = conversion
    if isinstance(expr, P.Apply):
        return P.Apply(expr.name, expr.args, _semitone_leaves(expr.target, c))
    if isinstance(expr, P.App):
        return P.App(expr.fexpr, _semitone_leaves(expr.target, c))
    if isinstance(expr, P.Op):
        return P.Op(expr.sym, _semitone_leaves(expr.a, c), _semitone_leaves(expr.b, c))
    if isinstance(expr, P.Cop):
        return P.Cop(expr.op, expr.how, _semitone_leaves(expr.a, c), _semitone_leaves(expr.b, c))
    if isinstance(expr, P.Comb) and not any(isinstance(x, P.List) for x in expr.items):
        return P.Comb(expr.name, tuple(_semitone_leaves(x, c) for x in expr.items))
    return P.Num(c, expr)  # a leaf; a list argument (wchoose's pairs): its result


def _has_sound(expr) -> bool:
    """Whether a control pattern expression sets `s` somewhere (its events can sound)."""
    return any(isinstance(e, P.Sound) or (isinstance(e, (P.Ctl, P.Set, P.SetFn)) and e.control == "s")
               for e in P.walk(expr))


# Tidal functions Phonon does not take, with the Phonon spelling (shown where the name is
# unknown, in place of a did-you-mean that would name something unrelated).
_TIDAL_ONLY = {
    "once": "render a finite piece: `phonon render patch.ph out.wav --cycles 4`",
    "hush": "an offline render has nothing to stop: leave the output out",
    "xfade": "transitions are live-only; write the target: `d1 $ ...`",
    "xfadeIn": "transitions are live-only; write the target: `d1 $ ...`",
    "clutch": "transitions are live-only; write the target: `d1 $ ...`",
    "clutchIn": "transitions are live-only; write the target: `d1 $ ...`",
    "jumpIn": "transitions are live-only; write the target: `d1 $ ...`",
    "anticipate": "transitions are live-only; write the target: `d1 $ ...`",
    "setF": "a named value is a bus in Phonon: `~x: 0.5`, then use `~x`",
    "setI": "a named value is a bus in Phonon: `~x: 3`, then use `~x`",
    "setS": "a named value is a bus in Phonon: `~x: \"bd\"`, then use `~x`",
    "cF": "controller input is not available offline; use a bus `~x: 0.5` or a pattern",
    "cI": "controller input is not available offline; use a bus `~x: 3` or a pattern",
    "cS": "controller input is not available offline; use a pattern",
    "jux4": "it pans for a ring of four speakers (Tidal's UI.hs: pan 5/8 and 1/8) and Phonon "
            "renders stereo: write `jux f` or `juxBy 0.5 f`",
}


def _tidal_hint(name: str):
    h = _TIDAL_ONLY.get(name)
    return f"Tidal's `{name}` is not supported in Phonon; {h}" if h else None


def _const_or_pat(expr: tuple):
    """A pattern argument as a node argument: a constant when it is one, else pattern data."""
    return float(expr.value) if isinstance(expr, P.Pure) else Pat(expr)


def _app(fexpr: P.PatExpr, target: P.PatExpr) -> P.PatExpr:
    if isinstance(fexpr, P.Fn):
        return P.Apply(fexpr.name, fexpr.args, target)
    return P.App(fexpr, target)


def _using(expr, field: str) -> Optional[str]:
    """The name of the first transform in `expr` whose declaration sets `field`, or None."""
    for e in P.walk(expr):
        if isinstance(e, (P.Fn, P.Apply)) and registry.lookup(e.name).extra.get(field):
            return e.name
    return None


def _span_of(e) -> Optional[Span]:
    return getattr(e, "span", None)


def _lab(span) -> str:
    return str(span) if span else ""


def _fmt(v) -> str:
    return registry._fmt(v)


def _out_order(name: str):
    return (0, 0) if name == "out" else (1, int(name[3:]) if name[3:].isdigit() else 0)
