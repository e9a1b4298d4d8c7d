"""AST of the Phonon language. Every node carries the Span of its first token.

Produced by `phonon.dsl.parser.parse(text) -> Program`; consumed by `phonon.compiler`.

Precedence (lowest first):  `#`  <  `$`  <  `+ -`  <  `* /`  <  unary `-`  <  call by juxtaposition.
`a # f x * 0.3` is `(a # f x) * 0.3`: the right side of `#` is one call (a name and its
atom arguments); operators after it apply to the whole chain so far.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Optional, Union

from ..errors import Span


@dataclass(frozen=True)
class Num:
    value: Fraction  # exact: "1.5" -> 3/2, "-12" -> -12
    text: str
    span: Span


@dataclass(frozen=True)
class Str:
    """A string literal: mini-notation. span.col is the column of the opening quote."""

    text: str
    span: Span


@dataclass(frozen=True)
class BusRef:
    name: str  # without the "~"
    span: Span


@dataclass(frozen=True)
class Name:
    """A bare identifier: a function used without arguments (`rev`, `sine`, `noise`)."""

    name: str
    span: Span


@dataclass(frozen=True)
class Kwarg:
    name: str
    value: "Expr"
    span: Span  # of the keyword


@dataclass(frozen=True)
class Call:
    """`f a b k:v` — a function called by juxtaposition; args are atoms."""

    func: str
    args: tuple  # Expr
    kwargs: tuple  # Kwarg
    span: Span


@dataclass(frozen=True)
class Chain:
    """`left # right` — left becomes right's input (or sets controls on a sample source)."""

    left: "Expr"
    right: Union[Call, Name]
    span: Span  # of the '#'


@dataclass(frozen=True)
class Dollar:
    """`a $ b $ c` flattened to items [a, b, c]. Tidal form when `a` is a function
    (`fast 2 $ s "bd"`), pipe form when `a` is a pattern/signal (`s "bd" $ fast 2 $ rev`).
    The compiler decides which."""

    items: tuple
    span: Span  # of the first '$'


@dataclass(frozen=True)
class BinOp:
    op: str  # one of + - * /
    left: "Expr"
    right: "Expr"
    span: Span  # of the operator


@dataclass(frozen=True)
class Neg:
    expr: "Expr"
    span: Span


@dataclass(frozen=True)
class ListExpr:
    items: tuple
    span: Span


@dataclass(frozen=True)
class ChainSection:
    """`(# speed 2)` — a function that chains `right` onto its argument."""

    right: Union[Call, Name]
    span: Span


@dataclass(frozen=True)
class Paren:
    """A parenthesized expression (kept so spans and sections stay exact)."""

    expr: "Expr"
    span: Span


Expr = Union[Num, Str, BusRef, Name, Call, Chain, Dollar, BinOp, Neg, ListExpr, ChainSection, Paren]


@dataclass(frozen=True)
class Tempo:
    """`tempo: x` / `cps: x` / `bpm: x`."""

    kind: str  # "cps" (tempo and cps) or "bpm"
    value: Expr
    span: Span


@dataclass(frozen=True)
class BusDef:
    name: str  # without "~"
    expr: Expr
    span: Span


@dataclass(frozen=True)
class OutDef:
    """`out: e`, `out $ e`, `outN: e`, `oN: e`, `dN: e` (normalized to "out" / "outN")."""

    name: str
    expr: Expr
    span: Span


Statement = Union[Tempo, BusDef, OutDef]


@dataclass(frozen=True)
class Program:
    statements: tuple
    source: str = field(default="", compare=False, repr=False)
