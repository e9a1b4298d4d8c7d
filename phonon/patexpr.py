"""Pattern expressions: the pattern data a GraphSpec carries, and their evaluation.

A GraphSpec holds no callables, so a pattern is stored as a tree of tuples:

  ("mini", text)                      mini-notation string
  ("pure", value)                     a constant (Fraction or str)
  ("apply", name, (arg, ...), target) transform `name` of the registry applied to target
  ("fn", name, (arg, ...))            the same transform as a function (`jux rev`)
  ("compose", (f, g, ...))            f . g . ... (the last applies first)
  ("set", control, base, value)       `base # control value` on a control pattern (Tidal's #)
  ("setfn", control, value)           the section `(# control value)`
  ("sound", base)                     words -> {"s": word} control values
  ("op", sym, a, b)                   numeric arithmetic of two patterns (+ - * /)
  ("comb", name, (item, ...))         a combinator (stack, cat, fastcat, slowcat)
  ("app", fexpr, target)              any function expression applied to a pattern
  ("list", item, ...)                 a list argument (evaluates to a Python list of patterns)
  ("num", conversion, expr)           values converted to numbers: "semitones" (note names ok) or "number"
  ("ctl", control, expr)              values -> {control: value} (a control used as a source: `n "0 2"`)
  ("cop", op, how, a, b)              Tidal's operator family: op in + - * / % < >, how in
                                      both / left / right (`|+|` `|+` `+|`; `#` is ">" "left")
  ("opfn", op, how, side, operand)    an operator section: side "right" is (op x), "left" (x op)
  ("shiftfn", name, side, operand)    a section of <~ (name "early") or ~> ("late")
  ("hold", control, default, expr)    a control's value held from onset to onset (global effects)
  ("orbit", k, expr)                  the events of orbit k (`orbit` control, default 0)
  ("sig", name)                       Tidal's continuous pattern: sine cosine saw isaw tri square rand
  ("delaytime", cps, expr)            an orbit's delay time in seconds (delaytime, lock)
  ("test", ((name, order, x), ...))   a test of numbers (ifp, whenT): "test" functions in turn

`evaluate(expr)` turns it into a Pattern (or a function for "fn"/"compose"/"setfn").
"""
from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

from .errors import PhononError


def evaluate(expr):
    op = expr[0]
    fn = _EVAL.get(op)
    if fn is None:
        raise PhononError(f"unknown pattern expression {op!r}")
    return fn(expr)


@lru_cache(maxsize=512)
def _mini(text: str):
    from .pattern import mini
    return mini(text)


def _eval_mini(e):
    return _mini(e[1])


def _eval_pure(e):
    from .pattern import pure
    return pure(e[1])


def _decl(name):
    from .registry import lookup
    return lookup(name)


def _arg(a):
    return evaluate(a) if isinstance(a, tuple) else a


def _eval_apply(e):
    _, name, args, target = e
    return _decl(name).fn(evaluate(target), *[_arg(a) for a in args])


def _eval_fn(e):
    _, name, args = e
    decl = _decl(name)
    vals = [_arg(a) for a in args]
    return lambda p: decl.fn(p, *vals)


def _eval_compose(e):
    fns = [evaluate(f) for f in e[1]]

    def composed(p):
        for f in reversed(fns):
            p = f(p)
        return p
    return composed


def _eval_set(e):
    from .pattern import set_control
    _, control, base, value = e
    return set_control(evaluate(base), control, evaluate(value))


def _eval_setfn(e):
    from .pattern import set_control
    _, control, value = e
    v = evaluate(value)
    return lambda p: set_control(p, control, v)


def _to_sound(v):
    from .pattern.controls import sound_map
    return v if isinstance(v, dict) else sound_map(v)


def _eval_sound(e):
    return evaluate(e[1]).fmap(_to_sound)


_OPS = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b if b != 0 else Fraction(0),
}


def _eval_op(e):
    from .pattern import op as pat_op
    from .pattern.notes import to_number
    _, sym, a, b = e
    f = _OPS[sym]
    return pat_op(evaluate(a), evaluate(b), lambda x, y: f(to_number(x), to_number(y)))


def _eval_app(e):
    return evaluate(e[1])(evaluate(e[2]))


def _eval_list(e):
    return [evaluate(x) for x in e[1:]]


def value_converter(name: str):
    from .pattern.notes import to_number, to_semitones
    return {"semitones": to_semitones, "number": to_number}[name]


def _eval_num(e):
    _, conv, expr = e
    f = value_converter(conv)
    return evaluate(expr).fmap(lambda v: Fraction(f(v)) if not isinstance(v, Fraction) else v)


def _eval_comb(e):
    _, name, items = e
    return _decl(name).fn(*[evaluate(i) for i in items])


def _to_ctl(name):
    if name in ("s", "sound"):
        return _to_sound
    return lambda v: v if isinstance(v, dict) else {name: v}


def _eval_ctl(e):
    return evaluate(e[2]).fmap(_to_ctl(e[1]))


def _eval_cop(e):
    from .pattern.controls import structured_op
    _, op, how, a, b = e
    return structured_op(evaluate(a), evaluate(b), op, how)


def _eval_opfn(e):
    from .pattern.controls import structured_op
    _, op, how, side, operand = e
    x = evaluate(operand)
    if side == "right":  # (op x) = \p -> p op x
        return lambda p: structured_op(p, x, op, how)
    return lambda p: structured_op(x, p, op, how)


def _eval_shiftfn(e):
    _, name, side, operand = e
    decl = _decl(name)
    x = evaluate(operand)
    if side == "left":  # (0.25 <~) = \p -> 0.25 <~ p
        return lambda p: decl.fn(p, x)
    return lambda amount: decl.fn(x, amount)  # (<~ p) = \t -> t <~ p


def _eval_hold(e):
    from .pattern.controls import hold_control
    _, control, default, expr = e
    return hold_control(evaluate(expr), control, default)


def _eval_sig(e):
    from .pattern import signals
    return getattr(signals, e[1])


def _eval_delaytime(e):
    """An orbit's delay time in seconds: held `delaytime`, divided by cps where held `lock`
    is 1 (SuperDirt's dirt_delay), clipped to 0.0001..4 s."""
    from .pattern.controls import hold_control
    from .orbits import DEFAULTS
    _, cps, expr = e
    base = evaluate(expr)
    t = hold_control(base, "delaytime", DEFAULTS["delaytime"])
    lock = hold_control(base, "lock", DEFAULTS["lock"])
    per_cycle = Fraction(1) / Fraction(cps)

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


def _eval_orbit(e):
    _, k, expr = e
    return evaluate(expr).filter_values(lambda v: _orbit_of(v) == k)


def _eval_test(e):
    """A test of numbers: its stages (name, order, constant) applied in turn; order "n x" is
    f(n, x) (`(> 0.5)`, `flip mod 2`), "x n" is f(x, n) (`(0.5 >)`, `mod 2`), None unary."""
    fns = [(_decl(name).fn, order, x) for name, order, x in e[1]]

    def test(n):
        for f, order, x in fns:
            n = f(n) if order is None else (f(n, x) if order == "n x" else f(x, n))
        return n
    return test


_EVAL = {
    "mini": _eval_mini, "pure": _eval_pure, "apply": _eval_apply, "fn": _eval_fn,
    "compose": _eval_compose, "set": _eval_set, "setfn": _eval_setfn, "sound": _eval_sound,
    "op": _eval_op, "comb": _eval_comb, "app": _eval_app, "list": _eval_list,
    "num": _eval_num, "ctl": _eval_ctl, "cop": _eval_cop, "opfn": _eval_opfn,
    "shiftfn": _eval_shiftfn, "hold": _eval_hold, "orbit": _eval_orbit,
    "delaytime": _eval_delaytime, "sig": _eval_sig, "test": _eval_test,
}


def converter(kind: str, param: str):
    """How values of pattern parameter `param` of node `kind` become numbers (None: raw)."""
    from .registry import REGISTRY
    from .pattern.notes import to_hz, to_number
    for decl in REGISTRY.values():
        if decl.node_kind == kind:
            for p in decl.params:
                if p.name == param:
                    if p.kind == "pattern":
                        return None
                    return to_hz if p.unit == "Hz" else to_number
    return to_number
