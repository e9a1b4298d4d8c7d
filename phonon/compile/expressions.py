"""Expressions: the AST walk (`expr`), arithmetic and Tidal's operator family, pattern data
of values."""
from __future__ import annotations

from fractions import Fraction

from .. import patexpr as P
from .. import registry
from ..dsl import ast as A
from ..errors import CompileError
from ..spec import Pat, Ref
from .values import (CONTINUOUS, OLD_CONTINUOUS, FnV, ListV, NumV, PatV, SHIFT_OPS, SigV, SoundV, _describe,
                     _family, _has_sound, _lab, _span_of)



_LIFTED = {"+": "|+|", "-": "|-|", "*": "|*|", "/": "|/|"}


def _applicative(items: tuple) -> tuple:
    """Haskell's `f <$> a <*> b` (read as `f $ (a <*> b)`): `(+) <$> a <*> b` is `a |+| b`
    (liftA2: structure from both), `pick <$> names <*> numbers` is `samples names numbers`."""
    if len(items) < 2 or not (isinstance(items[-1], A.BinOp) and items[-1].op == "<*>"):
        return items
    f, app = items[-2], items[-1]
    while isinstance(f, A.Paren):
        f = f.expr
    if isinstance(f, A.Name) and f.name in _LIFTED:
        new = A.BinOp(_LIFTED[f.name], app.left, app.right, app.span)
    elif isinstance(f, A.Name) and f.name == "pick":
        new = A.Call("samples", (A.Paren(app.left, app.span), A.Paren(app.right, app.span)), (), f.span)
    else:
        return items
    return items[:-2] + (new,)


class Expressions:
    """AST expressions -> compile-time values."""

    # -- expressions -------------------------------------------------------------------------
    def expr(self, e):
        m = getattr(self, "_e_" + type(e).__name__)
        return m(e)

    def _e_Num(self, e: A.Num):
        return NumV(Fraction(e.value), e.span)

    def _e_Str(self, e: A.Str):
        self.check_mini(e.text, e.span)
        return PatV(P.Mini(e.text), e.span)

    def _e_BusRef(self, e: A.BusRef):
        v = self.bus_value(e.name, e.span)
        if isinstance(v, SigV):
            return SigV(self.bus_signal(e.name, e.span), v.trig, e.span)
        return v

    def _e_Paren(self, e: A.Paren):
        return self.expr(e.expr)

    def _e_ListExpr(self, e: A.ListExpr):
        return ListV(tuple(self.expr(i) for i in e.items), e.span)

    def _e_Neg(self, e: A.Neg):
        v = self.expr(e.expr)
        if isinstance(v, NumV):
            return NumV(-v.value, e.span)
        return self.binop("*", NumV(Fraction(-1), e.span), v, e.span)

    def _e_BinOp(self, e: A.BinOp):
        if e.op == "<*>":
            raise self.error(CompileError, "Haskell's '<*>' is taken in `(+) <$> a <*> b` (a |+| b) "
                             "and `pick <$> names <*> numbers` (samples) only", e.span,
                             hint="combine two patterns with '|+|' and its family, or 'squeeze'")
        if e.op == "<>":   # Tidal's `a <> b` on patterns is `overlay a b`
            return self.expr(A.Call("stack", (A.ListExpr((e.left, e.right), e.span),), (), e.span))
        if e.op in SHIFT_OPS:  # `0.25 <~ p`, `"<0 0.25>" ~> p`
            amount = self.expr(e.left)
            if isinstance(amount, (SigV, SoundV, FnV, ListV)):
                raise self.error(CompileError, f"{e.op}: the amount (left of {e.op}) must be a number "
                                 f"or a pattern of cycles, not {_describe(amount)}", _span_of(e.left) or e.span)
            fn = FnV(P.Fn(SHIFT_OPS[e.op], (self.pat_expr(amount, e.span),)), e.span)
            return self.apply(fn, self.expr(e.right), e.span)
        # a left-associative chain `a + b + c ...` (490 terms is a legitimate mix) is folded
        # in a loop, so its length costs no recursion depth
        spine = [e]
        while isinstance(spine[-1].left, A.BinOp) and spine[-1].left.op not in SHIFT_OPS:
            spine.append(spine[-1].left)
        val = self.expr(spine[-1].left)
        for b in reversed(spine):
            val = self.binop(b.op, val, self.family_operand(b, val), b.span)
        return val

    def family_operand(self, b: A.BinOp, left):
        """The right side of `events |+| delay "0.5"`: a control (Tidal's), not the node of the
        same name (`delay`, `gain`, `lpf` are both), as after `#`."""
        r = b.right
        while isinstance(r, A.Paren):
            r = r.expr
        if isinstance(left, SoundV) and _family(b.op) is not None and isinstance(r, (A.Call, A.Name)):
            name = r.func if isinstance(r, A.Call) else r.name
            args, kwargs = (r.args, r.kwargs) if isinstance(r, A.Call) else ((), ())
            ctl = registry.control_for(name)
            if ctl is not None and args:
                return self.control(ctl, args, kwargs, r.span, None)
        return self.expr(b.right)

    def _e_Section(self, e):
        return self.function(e)

    def _e_Compose(self, e):
        return self.function(e)

    def _e_Name(self, e: A.Name):
        if e.name in _LIFTED:
            raise self.error(CompileError, f"({e.name}) as a function is taken in "
                             f"`({e.name}) <$> a <*> b` only", e.span,
                             hint=f"for one pattern write a section, like `({e.name} 1)`")
        if self._pattern_ctx and e.name in CONTINUOUS:  # `# pan sine`: Tidal's continuous pattern
            return PatV(P.Sig(e.name), e.span)
        if e.name in OLD_CONTINUOUS:   # Tidal 0.x's `sine1`, `sinewave1`: today's 0..1 sine
            return PatV(P.Sig(OLD_CONTINUOUS[e.name]), e.span)
        return self.call(e.name, (), (), e.span, None)

    def _e_Call(self, e: A.Call):
        return self.call(e.func, e.args, e.kwargs, e.span, None)

    def _e_Chain(self, e: A.Chain):
        spine = [e]   # `a # b # c ...`: folded in a loop, like a BinOp chain
        while isinstance(spine[-1].left, A.Chain):
            spine.append(spine[-1].left)
        left = self.expr(spine[-1].left)
        for c in reversed(spine):
            r = c.right
            if isinstance(r, A.Chain):   # `# (room 0.8 # sz 0.99)`: a control pattern, set whole
                left = self.set_group(left, r, c.span)
            elif isinstance(r, A.Name):
                left = self.call(r.name, (), (), r.span, left)
            else:
                left = self.call(r.func, r.args, r.kwargs, r.span, left)
        return left

    def set_group(self, left, group: A.Chain, span):
        """`a # (b # c)`: Tidal's `#` with a control pattern of its own (structure from `a`)."""
        g = self.expr(group)
        if not isinstance(g, SoundV):
            raise self.error(CompileError, f"# ( ... ): expected controls, like (room 0.8 # sz 0.9), "
                             f"not {_describe(g)}", _span_of(group) or span)
        if not isinstance(left, SoundV):
            raise self.error(CompileError, f"# ( ... ) sets controls on events, not on {_describe(left)}",
                             span, hint="on a signal, chain each effect: `# lpf 800 # delay 0.25 0.5`")
        return SoundV(P.Cop(">", "left", left.expr, g.expr), left.span)

    def _e_ChainSection(self, e: A.ChainSection):
        return self.function(e)

    def _e_Dollar(self, e: A.Dollar):
        from .functions import _fill_last_argument
        items = _fill_last_argument(_applicative(e.items))
        if len(items) == 1:
            return self.expr(items[0])
        if self.is_function(items[0]):
            val = self.expr(items[-1])
            for it in reversed(items[:-1]):
                val = self.apply(self.function(it), val, e.span)
        else:
            val = self.expr(items[0])
            for it in items[1:]:
                val = self.apply(self.function(it), val, e.span)
        return val

    # -- arithmetic ----------------------------------------------------------------------------
    def binop(self, op: str, a, b, span):
        fam = _family(op)
        if fam is not None:
            return self.family_op(op, fam[0], fam[1], a, b, span)
        if isinstance(a, SoundV) or isinstance(b, SoundV):
            other = b if isinstance(a, SoundV) else a
            both_sounds = isinstance(a, SoundV) and isinstance(b, SoundV) and _has_sound(a.expr) \
                and _has_sound(b.expr)
            if isinstance(other, (SoundV, NumV, PatV)) and not both_sounds and \
                    not (isinstance(other, (NumV, PatV)) and _has_sound((a if other is b else b).expr)):
                return self.family_op(op, op, "both", a, b, span)  # Tidal's + on control maps
        if isinstance(a, NumV) and isinstance(b, NumV):
            if op == "/" and b.value == 0:
                raise self.error(CompileError, "division by zero", span)
            return NumV({"+": a.value + b.value, "-": a.value - b.value, "*": a.value * b.value,
                         "/": a.value / b.value if b.value else 0}[op], span)
        if isinstance(a, (NumV, PatV)) and isinstance(b, (NumV, PatV)):
            return PatV(P.Op(op, self.pat_expr(a, span), self.pat_expr(b, span)), span)
        kind = {"+": "add", "-": "sub", "*": "mul", "/": "div"}[op]
        trig = a.trig if isinstance(a, SigV) else (b.trig if isinstance(b, SigV) else None)
        ref = self.add(kind, [("a", self.operand(a, span)), ("b", self.operand(b, span))], _lab(span))
        return SigV(ref, trig, span)

    def family_op(self, text, op, how, a, b, span):
        """Tidal's `|op|` family (`a |+ b`, ...): control maps combine key by key, numbers
        as numbers (phonon.pattern.controls.value_op); structure from `how`."""
        for v, side in ((a, "left"), (b, "right")):
            if isinstance(v, (SigV, FnV, ListV)):
                raise self.error(CompileError, f"{text} combines patterns (numbers or control "
                                 f"patterns); its {side} side is {_describe(v)}", getattr(v, "span", None) or span,
                                 hint="for signals use + - * / (`saw 55 + sine 2`)")
        if isinstance(a, NumV) and isinstance(b, NumV) and op in "+-*":
            return self.binop(op, a, b, span)
        expr = P.Cop(op, how, self.pat_expr(a, span), self.pat_expr(b, span))
        cls = SoundV if isinstance(a, SoundV) or isinstance(b, SoundV) else PatV
        return cls(expr, span)

    def operand(self, v, span):
        if isinstance(v, NumV):
            return float(v.value)
        if isinstance(v, PatV):
            return Pat(v.expr)
        return Ref(self.materialize(v, span))

    def pat_expr(self, v, span) -> P.PatExpr:
        if isinstance(v, NumV):
            return P.Pure(v.value)
        if isinstance(v, (PatV, SoundV)):
            return v.expr
        raise self.error(CompileError, f"expected a pattern, got {_describe(v)}", getattr(v, "span", None) or span)
