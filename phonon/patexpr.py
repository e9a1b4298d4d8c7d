"""Pattern expressions: the pattern data a GraphSpec carries, and their evaluation.

A GraphSpec holds no callables, so a pattern is stored as a tree of small frozen dataclasses
(hashable, picklable, with a stable repr), one per kind, each with its evaluation beside it:

  Mini(text)                         mini-notation string
  Pure(value)                        a constant (Fraction or str)
  Apply(name, args, target)          transform `name` of the registry applied to target
  Fn(name, args)                     the same transform as a function (`jux rev`)
  Compose(fns)                       f . g . ... (the last applies first)
  Set(control, base, value)          `base # control value` on a control pattern (Tidal's #)
  SetFn(control, value)              the section `(# control value)`
  Sound(base)                        words -> {"s": word} control values
  Op(sym, a, b)                      numeric arithmetic of two patterns (+ - * /)
  Comb(name, items)                  a combinator (stack, cat, fastcat, slowcat)
  App(fexpr, target)                 any function expression applied to a pattern
  List(items)                        a list argument (evaluates to a Python list of patterns)
  Num(conversion, expr)              values converted to numbers: "semitones" / "midi" (note names ok),
                                     "number", or "hz_note" (Hz -> semitones: every value maps)
  Ctl(control, expr)                 values -> {control: value} (a control used as a source: `n "0 2"`)
  Cop(op, how, a, b)                 Tidal's operator family: op in + - * / % < >, how in
                                     both / left / right (`|+|` `|+` `+|`; `#` is ">" "left")
  OpFn(op, how, side, operand)       an operator section: side "right" is (op x), "left" (x op)
  ShiftFn(name, side, operand)       a section of <~ (name "early") or ~> ("late")
  Hold(control, default, expr)       a control's value held from onset to onset (global effects)
  Orbit(k, expr)                     the events of orbit k (`orbit` control, default 0)
  Sig(name)                          Tidal's continuous pattern: sine cosine saw isaw tri square rand
  DelayTime(cps, expr)               an orbit's delay time in seconds (delaytime, lock)
  Test(stages)                       a test of numbers (ifp, whenT): ((name, order, x), ...)

`expr.evaluate()` (or `evaluate(expr)`) turns it into a Pattern (a function for Fn, Compose,
SetFn, OpFn, ShiftFn, Test). `as_tuple()` is the tagged-tuple form the spec's text dump (and so
its digest) is written from: `(mini "bd")`, `(apply "fast" ((pure 2)) (mini "bd"))`.
`walk(expr)` yields an expression and every expression inside it.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from fractions import Fraction
from functools import lru_cache
from typing import Any, ClassVar, Iterator

from .errors import PhononError


class PatExpr:
    """Base of the pattern expressions (no fields; subclasses are frozen slotted dataclasses)."""

    __slots__ = ()
    tag: ClassVar[str] = ""

    def evaluate(self):
        raise PhononError(f"unknown pattern expression {type(self).__name__}")

    def as_tuple(self) -> tuple:
        return (self.tag,) + tuple(_tuple_of(getattr(self, f.name)) for f in fields(self))

    def parts(self) -> tuple:
        """The field values, in order (sub-expressions and plain data)."""
        return tuple(getattr(self, f.name) for f in fields(self))


def _tuple_of(v):
    if isinstance(v, PatExpr):
        return v.as_tuple()
    if isinstance(v, tuple):
        return tuple(_tuple_of(x) for x in v)
    return v


def walk(expr) -> Iterator[PatExpr]:
    """`expr` and every pattern expression inside it (also inside tuples of arguments)."""
    todo = [expr]
    while todo:
        e = todo.pop()
        if isinstance(e, PatExpr):
            yield e
            todo.extend(reversed(e.parts()))
        elif isinstance(e, tuple):
            todo.extend(reversed(e))


def evaluate(expr):
    if not isinstance(expr, PatExpr):
        raise PhononError(f"unknown pattern expression {expr!r}")
    return expr.evaluate()


def _arg(a):
    return a.evaluate() if isinstance(a, PatExpr) else a


def _decl(name):
    from .registry import lookup
    return lookup(name)


@lru_cache(maxsize=512)
def _mini(text: str):
    from .pattern import mini
    return mini(text)


def _expr(cls):
    """A frozen, slotted, hashable dataclass with tag `cls.tag`."""
    return dataclass(frozen=True, slots=True)(cls)


@_expr
class Mini(PatExpr):
    text: str
    tag: ClassVar[str] = "mini"

    def evaluate(self):
        return _mini(self.text)


@_expr
class Pure(PatExpr):
    value: Any
    tag: ClassVar[str] = "pure"

    def evaluate(self):
        from .pattern import pure
        return pure(self.value)


@_expr
class Apply(PatExpr):
    name: str
    args: tuple
    target: PatExpr
    tag: ClassVar[str] = "apply"

    def evaluate(self):
        return _decl(self.name).fn(self.target.evaluate(), *[_arg(a) for a in self.args])


@_expr
class Fn(PatExpr):
    name: str
    args: tuple
    tag: ClassVar[str] = "fn"

    def evaluate(self):
        decl = _decl(self.name)
        vals = [_arg(a) for a in self.args]
        return lambda p: decl.fn(p, *vals)


@_expr
class Compose(PatExpr):
    fns: tuple
    tag: ClassVar[str] = "compose"

    def evaluate(self):
        fns = [f.evaluate() for f in self.fns]

        def composed(p):
            for f in reversed(fns):
                p = f(p)
            return p
        return composed


@_expr
class Set(PatExpr):
    control: str
    base: PatExpr
    value: PatExpr
    tag: ClassVar[str] = "set"

    def evaluate(self):
        from .pattern import set_control
        return set_control(self.base.evaluate(), self.control, self.value.evaluate())


@_expr
class SetFn(PatExpr):
    control: str
    value: PatExpr
    tag: ClassVar[str] = "setfn"

    def evaluate(self):
        from .pattern import set_control
        v, control = self.value.evaluate(), self.control
        return lambda p: set_control(p, control, v)


def _to_sound(v):
    from .pattern.controls import sound_map
    return v if isinstance(v, dict) else sound_map(v)


@_expr
class Sound(PatExpr):
    base: PatExpr
    tag: ClassVar[str] = "sound"

    def evaluate(self):
        return self.base.evaluate().fmap(_to_sound)


_OPS = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b if b != 0 else Fraction(0),
}


@_expr
class Op(PatExpr):
    sym: str
    a: PatExpr
    b: PatExpr
    tag: ClassVar[str] = "op"

    def evaluate(self):
        from .pattern import op as pat_op
        from .pattern.notes import to_number
        f = _OPS[self.sym]
        return pat_op(self.a.evaluate(), self.b.evaluate(), lambda x, y: f(to_number(x), to_number(y)))


@_expr
class Comb(PatExpr):
    name: str
    items: tuple
    tag: ClassVar[str] = "comb"

    def evaluate(self):
        return _decl(self.name).fn(*[i.evaluate() for i in self.items])


@_expr
class App(PatExpr):
    fexpr: PatExpr
    target: PatExpr
    tag: ClassVar[str] = "app"

    def evaluate(self):
        return self.fexpr.evaluate()(self.target.evaluate())


@_expr
class List(PatExpr):
    items: tuple
    tag: ClassVar[str] = "list"

    def evaluate(self):
        return [x.evaluate() for x in self.items]

    def as_tuple(self) -> tuple:
        return ("list",) + tuple(_tuple_of(x) for x in self.items)


def value_converter(name: str):
    from .pattern.notes import hz_to_note, to_midi, to_number, to_semitones
    return {"semitones": to_semitones, "number": to_number, "midi": to_midi,
            "hz_note": hz_to_note}[name]


@_expr
class Num(PatExpr):
    conversion: str
    expr: PatExpr
    tag: ClassVar[str] = "num"

    def evaluate(self):
        f = value_converter(self.conversion)
        if self.conversion == "hz_note":   # a change of unit: every value maps, numbers too
            return self.expr.evaluate().fmap(f)
        return self.expr.evaluate().fmap(lambda v: Fraction(f(v)) if not isinstance(v, Fraction) else v)


def _to_ctl(name):
    if name in ("s", "sound"):
        return _to_sound
    return lambda v: v if isinstance(v, dict) else {name: v}


@_expr
class Ctl(PatExpr):
    control: str
    expr: PatExpr
    tag: ClassVar[str] = "ctl"

    def evaluate(self):
        return self.expr.evaluate().fmap(_to_ctl(self.control))


@_expr
class Cop(PatExpr):
    op: str
    how: str
    a: PatExpr
    b: PatExpr
    tag: ClassVar[str] = "cop"

    def evaluate(self):
        from .pattern.controls import structured_op
        return structured_op(self.a.evaluate(), self.b.evaluate(), self.op, self.how)


@_expr
class OpFn(PatExpr):
    op: str
    how: str
    side: str
    operand: PatExpr
    tag: ClassVar[str] = "opfn"

    def evaluate(self):
        from .pattern.controls import structured_op
        x, op, how = self.operand.evaluate(), self.op, self.how
        if self.side == "right":  # (op x) = \p -> p op x
            return lambda p: structured_op(p, x, op, how)
        return lambda p: structured_op(x, p, op, how)


@_expr
class ShiftFn(PatExpr):
    name: str
    side: str
    operand: PatExpr
    tag: ClassVar[str] = "shiftfn"

    def evaluate(self):
        decl = _decl(self.name)
        x = self.operand.evaluate()
        if self.side == "left":  # (0.25 <~) = \p -> 0.25 <~ p
            return lambda p: decl.fn(p, x)
        return lambda amount: decl.fn(x, amount)  # (<~ p) = \t -> t <~ p


@_expr
class Hold(PatExpr):
    control: str
    default: Any
    expr: PatExpr
    tag: ClassVar[str] = "hold"

    def evaluate(self):
        from .pattern.controls import hold_control
        return hold_control(self.expr.evaluate(), self.control, self.default)


@_expr
class Sig(PatExpr):
    name: str
    tag: ClassVar[str] = "sig"

    def evaluate(self):
        from .pattern import signals
        return getattr(signals, self.name)


@_expr
class DelayTime(PatExpr):
    """An orbit's delay time in seconds: held `delaytime`, divided by cps where held `lock`
    is 1 (SuperDirt's dirt_delay), clipped to 0.0001..4 s."""
    cps: Fraction
    expr: PatExpr
    tag: ClassVar[str] = "delaytime"

    def evaluate(self):
        from .pattern.controls import hold_control
        from .orbits import DEFAULTS
        base = self.expr.evaluate()
        t = hold_control(base, "delaytime", DEFAULTS["delaytime"])
        lock = hold_control(base, "lock", DEFAULTS["lock"])
        per_cycle = Fraction(1) / Fraction(self.cps)

        def f(x, k):
            x = Fraction(x) * (per_cycle if k else 1)
            return min(max(x, Fraction(1, 10000)), Fraction(4))
        return t.app_both(lock, f)


def _orbit_of(v) -> int:
    o = v.get("orbit", 0) if isinstance(v, dict) else 0
    try:
        return int(o)
    except (TypeError, ValueError):
        return 0


@_expr
class Orbit(PatExpr):
    k: int
    expr: PatExpr
    tag: ClassVar[str] = "orbit"

    def evaluate(self):
        k = self.k
        return self.expr.evaluate().filter_values(lambda v: _orbit_of(v) == k)


@_expr
class Test(PatExpr):
    """A test of numbers: its stages (name, order, constant) applied in turn; order "n x" is
    f(n, x) (`(> 0.5)`, `flip mod 2`), "x n" is f(x, n) (`(0.5 >)`, `mod 2`), None unary."""
    stages: tuple
    tag: ClassVar[str] = "test"

    def evaluate(self):
        fns = [(_decl(name).fn, order, x) for name, order, x in self.stages]

        def test(n):
            for f, order, x in fns:
                n = f(n) if order is None else (f(n, x) if order == "n x" else f(x, n))
            return n
        return test


def converter(kind: str, param: str):
    """How values of pattern parameter `param` of node `kind` become numbers (None: raw)."""
    from .registry import REGISTRY
    from .pattern.notes import to_hz, to_number
    for decl in REGISTRY.values():
        if decl.node_kind == kind:
            for p in decl.params:
                if p.name == param:
                    if p.kind in ("pattern", "trigger"):
                        return None
                    return to_hz if p.unit == "Hz" else to_number
    return to_number
