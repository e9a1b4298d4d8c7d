"""AST of the Phonon language. Every node carries the Span of its first token
(for operators: the operator's own token).

Produced by `phonon.dsl.parser.parse(text) -> Program` (and, from Strudel code, by
`phonon.dsl.strudel.parse_strudel`); consumed by `phonon.compiler`.

Precedence follows Haskell/Tidal 1.9 (lowest first):

    $                               infixr 0   -> Dollar
    + -                             infixl 6   -> BinOp
    * / %                           infixl 7   -> BinOp ("%" is Haskell's Ratio: exact "/")
    # |+| |+ +| ... <~ ~>            infixl 9   -> Chain / BinOp
    .                               infixr 9   -> Compose (mixed with '#' unparenthesized: error)
    unary -                         (Phonon: binds tighter than any infix operator)
    call by juxtaposition           f a b

Tidal 1.x declares no fixity for `#`, the `|op|` family, `<~` or `~>` (Sound/Tidal/Core.hs), so
Haskell's default `infixl 9` applies: `a # f x * 0.3` is `(a # f x) * 0.3` and
`a + b # f` is `a + (b # f)`; `every 2 (fast 2) $ s "bd sn" # speed 2` is
`every 2 (fast 2) $ (s "bd sn" # speed 2)`. (`infixl 1 #` was Tidal 0.x, old/Stream.hs.)
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
    """`left # right` — left becomes right's input (or sets controls on a sample source);
    on control-map events Tidal's `#` = `|>`. `right` is one call or a name (`# speed 2`,
    `# crush`); `# (speed 2)` is read as `# speed 2`."""

    left: "Expr"
    right: Union[Call, Name]
    span: Span  # of the '#'


@dataclass(frozen=True)
class Dollar:
    """`a $ b $ c` flattened to items [a, b, c]; `$` binds loosest, so an item may be any
    expression (`fast 2 $ s "bd" # speed 2` has items [fast 2, Chain(s "bd", speed 2)]).
    Tidal form when `a` is a function (`fast 2 $ s "bd"`), pipe form when `a` is a
    pattern/signal (`s "bd" $ fast 2 $ rev`). The compiler decides which."""

    items: tuple
    span: Span  # of the first '$'


@dataclass(frozen=True)
class BinOp:
    """`left op right`. `op` is the operator's text:

    * arithmetic `+ - * /` (`%` between numbers is written as "/": Haskell's Ratio `1%8`);
    * Tidal's operator family on patterns/control maps, `|op|` = structure from both sides,
      `|op` = from the left, `op|` = from the right, for op in `+ - * / % < >`:
      "|+|" "|+" "+|" "|-|" "|-" "-|" "|*|" "|*" "*|" "|/|" "|/" "/|" "|%|" "|%" "%|"
      "|<|" "|<" "<|" "|>|" "|>" ">|"  (`a # b` stays a Chain; it means `a |> b`);
    * time shifts "<~" (`amount <~ pat`, shift earlier) and "~>" (later); `left` is the
      amount (number, string pattern, any expression), `right` the pattern.
    """

    op: str
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
    """`(# speed 2)` — a function that chains `right` onto its argument (a section of `#`)."""

    right: Union[Call, Name]
    span: Span


@dataclass(frozen=True)
class Section:
    """An operator section, a one-argument function (Haskell):

    * side "right": `(op x)` = `\\p -> p op x`, e.g. `(+ 7)`, `(|+ n 12)`, `(* 2)` (not for
      `<~ ~>`: `(<~ x)` is a parse error that suggests `(x <~)`);
    * side "left":  `(x op)` = `\\p -> x op p`, e.g. `(0.25 <~)`, `("<0 0.25>" ~>)`, `(1 +)`.

    `op` is the operator text as in BinOp (never "#": `(# f x)` is a ChainSection).
    `(- 7)` is not a section (Haskell: negation) and `(1/8)` is a Paren.
    """

    op: str
    operand: "Expr"
    side: str  # "right" | "left"
    span: Span  # of the '('


@dataclass(frozen=True)
class Compose:
    """`f . g . h` (Haskell's `.`, infixr 9) flattened to items [f, g, h]: a function that
    applies h first, then g, then f. Items are functions: sections, partial calls, names,
    parenthesized compositions."""

    items: tuple
    span: Span  # of the first '.'


@dataclass(frozen=True)
class Paren:
    """A parenthesized expression (kept so spans and sections stay exact)."""

    expr: "Expr"
    span: Span


Expr = Union[Num, Str, BusRef, Name, Call, Chain, Dollar, BinOp, Neg, ListExpr, ChainSection,
             Section, Compose, Paren]


@dataclass(frozen=True)
class Tempo:
    """`tempo: x` / `cps: x` / `bpm: x`; Tidal's `setcps x`; Strudel's `setcpm x`; Tidal 1.10's
    `setbpm x` arrives as kind "cpm" with value `x / 4` (4 beats per cycle)."""

    kind: str  # "cps" (tempo:, cps:, setcps), "bpm" (bpm:) or "cpm" (setcpm): cps = value / 60
    value: Expr
    span: Span


@dataclass(frozen=True)
class BusDef:
    name: str  # without "~"
    expr: Expr
    span: Span


@dataclass(frozen=True)
class OutDef:
    """`out: e`, `out $ e`, `outN: e`, `oN: e`, `dN: e`, Tidal's `dN $ e` (also `dN` alone on
    its line, then `$ e` on the next lines), normalized to "out" / "outN"."""

    name: str
    expr: Expr
    span: Span
    # written the Tidal way (`d1 $`, `p "x" $`): a bare string there is a sound pattern
    # (Tidal's IsString ControlPattern), as it is not in Phonon's `out: "1 2"`
    tidal: bool = field(default=False, compare=False)


Statement = Union[Tempo, BusDef, OutDef]


@dataclass(frozen=True)
class Program:
    """`notes`: (Span, message) for statements accepted with a note: Tidal's `hush` (ignored
    offline), an output defined again (the last one plays). `parse` also issues each as a
    `TidalNote` warning, which the CLI prints."""

    statements: tuple
    source: str = field(default="", compare=False, repr=False)
    notes: tuple = field(default=(), compare=False, repr=False)
