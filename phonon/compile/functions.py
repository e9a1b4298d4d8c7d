"""Pattern functions: transforms with their arguments, sections, composition, tests of
numbers (ifp, whenT), and applying a function to a value (Tidal's `$`), on signals too."""
from __future__ import annotations

from fractions import Fraction

from .. import registry
from .. import patexpr as P
from ..dsl import ast as A
from ..errors import CompileError, suggestion_text
from ..spec import Pat, Ref
from .values import (FnV, ListV, NumV, PatV, SHIFT_OPS, SigV, SoundV, _app, _const_or_pat,
                     _describe, _family, _has_sound, _key, _lab, _span_of, _test_decl,
                     _using)



def _missing_arguments(e) -> int:
    """How many required arguments a transform call lacks before its pattern (0 if `e` is
    not a transform call)."""
    if not isinstance(e, (A.Name, A.Call)):
        return 0
    name = e.name if isinstance(e, A.Name) else e.func
    decl = registry.REGISTRY.get(name) or registry.REGISTRY.get(registry.ALIASES.get(name, ""))
    if decl is not None and decl.category == "combinator" and isinstance(e, A.Name):
        return int(any(p.required for p in decl.params))   # `stack $ [a, b]`
    if decl is None or decl.category != "transform":
        return 0
    given = 0 if isinstance(e, A.Name) else len(e.args)
    return max(0, sum(p.required for p in decl.params) - given)


def _time_value(v):
    """A time as transforms read it (phonon.pattern.core.to_time: numbers, "1/8", Tidal's
    "q" "3e" "1%8"); anything else a PatternValueError, so the compiler can locate it."""
    from ..pattern.core import to_time
    from ..pattern.notes import PatternValueError
    try:
        return to_time(v)
    except TypeError:
        raise PatternValueError(f"got {v!r} where a time in cycles is needed; expected a number "
                                "(like 0.25 or 1/8) or Tidal's shorthand (q = 1/4, e = 1/8, 3e = 3/8)") from None


def _wants_value(e) -> bool:
    """A control or `s`/`sound` named without its value (`sound $ shuffle 3 "bd sn"`)."""
    if not isinstance(e, A.Name):
        return False
    if registry.control_for(e.name) is not None and registry.REGISTRY.get(e.name) is None:
        return True
    decl = registry.REGISTRY.get(e.name) or registry.REGISTRY.get(registry.ALIASES.get(e.name, ""))
    return decl is not None and decl.category in ("control", "sample")


def _fill_last_argument(items: tuple) -> tuple:
    """Haskell's `f $ x` is `f x`: `sound $ shuffle 3 "bd sn"` and `n $ "0 2" + "<0 12>"`
    give the control everything after its `$`; in a function, `(const $ s "cp")` or
    `(every 2 $ fast 2)`, the last item is the argument the transform before it still lacks."""
    for k, it in enumerate(items[:-1]):
        if _wants_value(it):
            rest = items[k + 1:]
            arg = rest[0] if len(rest) == 1 else A.Dollar(rest, it.span)
            return items[:k] + (A.Call(it.name, (arg,), (), it.span),)
    if len(items) >= 2 and _missing_arguments(items[-2]):
        f = items[-2]
        name, args, kwargs = (f.name, (), ()) if isinstance(f, A.Name) else (f.func, f.args, f.kwargs)
        return items[:-2] + (A.Call(name, args + (items[-1],), kwargs, f.span),)
    return items


class Functions:
    """Pattern functions and their application."""

    # -- functions -----------------------------------------------------------------------------
    def is_function(self, e) -> bool:
        if isinstance(e, A.Paren):
            return self.is_function(e.expr)
        if isinstance(e, A.ChainSection) or type(e).__name__ in ("Section", "Compose"):
            return True
        if isinstance(e, A.Dollar):
            return all(self.is_function(i) for i in _fill_last_argument(e.items))
        if isinstance(e, (A.Name, A.Call)):
            name = e.name if isinstance(e, A.Name) else e.func
            decl = registry.REGISTRY.get(name) or registry.REGISTRY.get(registry.ALIASES.get(name, ""))
            if decl is None or decl.category != "transform":
                return False
            nargs = 0 if isinstance(e, A.Name) else len(e.args)
            return nargs <= len(decl.params)
        return False

    def function(self, e) -> FnV:
        if isinstance(e, A.Paren):
            return self.function(e.expr)
        if isinstance(e, A.ChainSection):
            return self.chain_section(e)
        if type(e).__name__ == "Section":
            return self.section(e)
        if type(e).__name__ == "Compose":
            fns = [self.function(i) for i in e.items]
            if any(f.expr is None for f in fns):
                bad = next(i for i, f in zip(e.items, fns) if f.expr is None)
                raise self.error(CompileError, "a section of a node function cannot be composed with `.`",
                                 _span_of(bad) or e.span, hint="use a control (`(# cutoff 500)`) or `$`")
            return FnV(P.Compose(tuple(f.expr for f in fns)), e.span)
        if isinstance(e, A.Dollar):
            items = _fill_last_argument(e.items)
            if len(items) == 1:
                return self.function(items[0])
            fns = [self.function(i) for i in items]
            if any(f.expr is None for f in fns):
                raise self.error(CompileError, "a chain section cannot be composed with $", e.span)
            return FnV(P.Compose(tuple(f.expr for f in fns)), e.span)
        if isinstance(e, (A.Name, A.Call)):
            name = e.name if isinstance(e, A.Name) else e.func
            args = () if isinstance(e, A.Name) else e.args
            decl = self.lookup(name, e.span)
            if decl.category != "transform":
                raise self.error(CompileError, f"'{name}' is not a pattern transform; expected a function "
                                 "such as `fast 2`, `rev` or `(# speed 2)`", e.span)
            if len(args) > len(decl.params):
                raise self.error(CompileError, f"{name} takes {len(decl.params)} argument"
                                 f"{'s' if len(decl.params) != 1 else ''} before its pattern "
                                 f"({decl.signature()}); got {len(args)}", e.span)
            return self.transform_fn(decl, args, e.span)
        raise self.error(CompileError, "expected a function (a transform like `fast 2` or a section "
                         "like `(# speed 2)`)", _span_of(e))

    def chain_section(self, e) -> FnV:
        """`(# f args)`: a function of events (a control: `(# speed 2)`, `(# s "x")`, `(# lpf 500)`
        on events is `cutoff`) and, where `f` is a node function, of signals (`chain`)."""
        r = e.right
        if isinstance(r, A.Chain):   # (# (room 0.8 # sz 0.99)): set that control pattern
            g = self.expr(r)
            if not isinstance(g, SoundV):
                raise self.error(CompileError, f"(# ( ... )): expected controls, like (room 0.8 # sz "
                                 f"0.9), not {_describe(g)}", _span_of(r) or e.span)
            return FnV(P.OpFn(">", "left", "right", g.expr), e.span)
        name, args, kwargs = (r.name, (), ()) if isinstance(r, A.Name) else (r.func, r.args, r.kwargs)
        ctl = registry.control_for(name)
        fn_decl = registry.REGISTRY.get(name) or registry.REGISTRY.get(registry.ALIASES.get(name, ""))
        if fn_decl is not None and fn_decl.category == "sample":
            snd = self.call(name, args, kwargs, r.span, None)
            return FnV(P.OpFn(">", "left", "right", snd.expr), e.span)
        if name == "cps":
            raise self.error(CompileError, "(# cps ...) inside a function would change the tempo "
                             "part of the time: one tempo per render", r.span,
                             hint="set it on the chain, `d1 $ ... # cps 0.7`, or with `setcps 0.7`")
        if ctl is None and fn_decl is None:
            self.event_lookup(name, args, kwargs, r.span)  # raises with did-you-mean among controls
        if fn_decl is not None and fn_decl.category == "transform":
            raise self.error(CompileError, f"'{name}' is a transform; write ({name} ...) without #", r.span)
        chain = None if fn_decl is None or fn_decl.category == "control" else (name, args, kwargs, r.span)
        if ctl is not None and len(args) + len(kwargs) == 1:
            v = self.value_expr(args[0] if args else kwargs[0].value)
            if isinstance(v, (NumV, PatV)):
                val = self.control_value(ctl, v, _span_of(args[0] if args else kwargs[0]) or r.span)
                return FnV(P.SetFn(_key(ctl), val), e.span, chain=chain)
        if ctl is not None and chain is None:
            bound = self.bind(ctl, args, kwargs, r.span, skip_input=False)
            if not bound:
                raise self.error(CompileError, f"{name}: missing a value", r.span)
            a = next(iter(bound.values()))
            return FnV(P.SetFn(_key(ctl), self.pat_expr(self.expr(a), _span_of(a) or r.span)), e.span)
        return FnV(None, e.span, chain=chain)

    def section(self, e) -> FnV:
        """Operator sections (Haskell): `(+ 7)`, `(|+ n 12)`, `(# speed 2)` is a ChainSection,
        `(0.25 <~)`, `("<0 0.25>" ~>)`; side "right" is (op x) = \\p -> p op x."""
        x = self.value_expr(e.operand)
        if isinstance(x, (SigV, FnV, ListV)):
            raise self.error(CompileError, f"({e.op} ...): a section takes a number or a pattern, not "
                             f"{_describe(x)}", _span_of(e.operand) or e.span)
        xe = self.pat_expr(x, e.span)
        if e.op in SHIFT_OPS:
            return FnV(P.ShiftFn(SHIFT_OPS[e.op], e.side, xe), e.span)
        if _test_decl(e.op) is not None:
            raise self.not_a_pattern(f"({e.op} ...)" if e.side == "right" else f"(... {e.op})", e.span)
        fam = _family(e.op)
        op, how = fam if fam is not None else (e.op, "both")
        if op not in "+-*/%<>" or len(op) != 1:
            raise self.error(CompileError, f"unsupported operator section ({e.op})", e.span)
        return FnV(P.OpFn(op, how, e.side, xe), e.span)

    def transform_fn(self, decl, args, span) -> FnV:
        if [p.kind for p in decl.params] == ["curried", "list"] and len(args) == 2:
            return self.curried_fn(decl, args, span)
        required = [p for p in decl.params if p.required]
        if len(args) < len(required):
            missing = [p.name for p in decl.params[len(args):] if p.required]
            raise self.error(CompileError, f"{decl.name}: missing argument"
                             f"{'s' if len(missing) > 1 else ''} {', '.join(repr(m) for m in missing)}; "
                             f"parameters are: {decl.signature()}", span)
        vals = []
        for p, a in zip(decl.params, args):
            if p.kind == "test":
                vals.append(self.test(a, p.unit or "Int", decl.name))
            elif p.kind == "function":
                f = self.function(a)
                if f.expr is None:
                    raise self.error(CompileError, f"{decl.name}: a node section cannot be used as a "
                                     "pattern function", _span_of(a) or span)
                vals.append(f.expr)
            elif p.kind == "list":
                v = self.expr(a)
                items = v.items if isinstance(v, ListV) else (v,)
                vals.append(P.List(tuple(self.pat_expr(i, span) for i in items)))
            elif p.kind == "controls":   # fix f (s "bd") / (n 1): the control maps to match
                v = self.expr(a)
                if not isinstance(v, SoundV):
                    raise self.error(CompileError, f"{decl.name}: parameter '{p.name}' takes the "
                                     f"controls to match, like (s \"bd\") or (n 1), not "
                                     f"{_describe(v)}", _span_of(a) or span)
                vals.append(v.expr)
            elif p.kind == "replacement":   # const (s "cp"): any pattern, the result itself
                v = self.expr(a)
                if not isinstance(v, (SoundV, PatV, NumV)):
                    raise self.error(CompileError, f"{decl.name}: parameter '{p.name}' takes a "
                                     f"pattern, not {_describe(v)}", _span_of(a) or span)
                vals.append(self.pat_expr(v, span))
            elif p.kind == "functions":
                items = a.items if isinstance(a, A.ListExpr) else (a,)
                fns = [self.function(i) for i in items]
                if any(f.expr is None for f in fns):
                    raise self.error(CompileError, f"{decl.name}: a node section cannot be used as a "
                                     "pattern function", _span_of(a) or span)
                vals.append(P.List(tuple(f.expr for f in fns)))
            else:
                # a transform's value is a pattern: a bare `sine` there is Tidal's continuous one
                # (`degradeBy (range 0 0.5 sine)`), as after `# control`
                v = self.value_expr(a)
                if isinstance(v, NumV) and p.range:
                    p.check(v.value, decl.name, _span_of(a) or span)
                if isinstance(v, (SigV, SoundV)):
                    raise self.error(CompileError, f"{decl.name}: parameter '{p.name}' must be a number "
                                     f"or a pattern, not {_describe(v)}", _span_of(a) or span)
                if p.kind == "number" and isinstance(v, PatV):  # `degradeBy "t f"`: located, now
                    from ..patexpr import value_converter
                    # a time in cycles takes Tidal's shorthands too (`off "e"`: ParseBP pRatioChar)
                    conv = _time_value if p.unit == "cycles" else value_converter("number")
                    self.check_values(v.expr, conv, _span_of(a) or span,
                                      f"{decl.name}: parameter '{p.name}'")
                vals.append(self.pat_expr(v, span))
        for p in decl.params[len(args):]:
            if not p.required:
                vals.append(P.Pure(Fraction(p.default)) if isinstance(p.default, (int, float, Fraction))
                            else p.default)
        return FnV(P.Fn(decl.name, tuple(vals)), span)

    def not_a_pattern(self, what, span):
        return self.error(CompileError, f"{what} is a test of numbers (number -> Bool), for the test "
                          "of ifp or whenT; here a pattern or a pattern function is needed", span,
                          hint="e.g. `ifp ((== 0) . flip mod 2) (fast 2) id $ s \"bd sn\"`")

    def test(self, e, takes: str, where: str) -> P.PatExpr:
        """A test of numbers (Haskell's `Int -> Bool` or `Time -> Bool`, `takes` says which):
        `even`, `(== 0) . flip mod 2`, `(< 0.5) . flip mod' 2`, as a Test of stages: each stage
        (function name, argument order, constant or None), the first applied first. The
        functions are the "test" declarations; their `takes`/`gives` fields type the chain."""
        stages, got = self._test_stages(e, takes, where)
        if got != "Bool":
            raise self.error(CompileError, f"{where}: the test gives a number, not True/False; end "
                             "it with a comparison, like `(== 0) . flip mod 2`", _span_of(e))
        return P.Test(tuple(stages))

    def _test_stages(self, e, t: str, where: str):
        while isinstance(e, A.Paren):
            e = e.expr
        if isinstance(e, A.Compose):   # f . g: g first
            stages = []
            for item in reversed(e.items):
                s, t = self._test_stages(item, t, where)
                stages += s
            return stages, t
        name, order, operand = None, None, None
        if isinstance(e, A.Section):        # (> 0.5): n > 0.5;  (0.5 >): 0.5 > n
            name, order, operand = e.op.strip("`"), "n x" if e.side == "right" else "x n", e.operand
        elif isinstance(e, A.Name):
            name = e.name
        elif isinstance(e, A.Call) and len(e.args) in (1, 2) and not e.kwargs:
            name, order, operand = e.func, "x n", e.args[-1]     # mod 2: 2 mod n
            if len(e.args) == 2:
                fd = _test_decl(e.func)
                inner = e.args[0]
                if fd is None or not fd.extra.get("flips") or not isinstance(inner, A.Name):
                    name = None
                else:                                             # flip mod 2: n mod 2
                    name, order = inner.name, "n x"
        decl = _test_decl(name) if name else None
        arity = 0 if operand is None else 1
        if decl is None or decl.extra.get("flips") or len(decl.params) != arity:
            names = sorted(n for n, d in registry.REGISTRY.items() if d.category == "test" and
                           not d.extra.get("flips"))
            what = f"'{name}' is not a test of numbers{suggestion_text(name, names)}; expected" \
                if name and decl is None else "expected"
            raise self.error(CompileError, f"{where}: {what} a test of numbers like `even`, "
                             "`(== 0) . flip mod 2` or `(< 0.5) . flip mod' 2`", _span_of(e),
                             hint="a test is made of " + ", ".join(names) + " and `flip`, joined with `.`")
        takes, gives = decl.extra["takes"], decl.extra["gives"]
        if (takes == "Bool") != (t == "Bool") or (takes == "Integral" and t == "Time"):
            need = {"Bool": "True/False", "Integral": "a whole number", "Real": "a number"}[takes]
            have = {"Bool": "True/False", "Int": "the cycle number (a whole number)",
                    "Time": "a time (a fraction of cycles)"}[t]
            hint = "for times use mod' (Data.Fixed.mod'), or ifp for whole cycle numbers" \
                if takes == "Integral" else None
            raise self.error(CompileError, f"{where}: `{name}` needs {need}, here it gets {have}",
                             _span_of(e), hint=hint)
        value = None
        if operand is not None:
            v = self.expr(operand)
            if not isinstance(v, NumV):
                raise self.error(CompileError, f"{where}: `{name}` takes a number here, not "
                                 f"{_describe(v)}", _span_of(operand) or _span_of(e))
            if decl.params[0].doc.endswith("(not 0)") and order == "n x" and v.value == 0:
                raise self.error(CompileError, f"{where}: `{name}` by 0 (division by zero)",
                                 _span_of(operand) or _span_of(e))
            value = v.value
        return [(decl.name, order, value)], ("Bool" if gives == "Bool" else t)

    def curried_fn(self, decl, args, span) -> FnV:
        """`spread fast [1, 2]`: the function (a transform missing its last argument, or `($)`
        with a list of functions) applied to each value of the list, at compile time."""
        f, xs = args
        while isinstance(f, A.Paren):
            f = f.expr
        items = xs.items if isinstance(xs, A.ListExpr) else None
        if not items:
            raise self.error(CompileError, f"{decl.name}: expected a list of values, like `{decl.example}`",
                             _span_of(xs) or span)
        if isinstance(f, A.Name) and f.name == "$":
            fns = [self.function(i) for i in items]
        else:
            name = f.name if isinstance(f, A.Name) else getattr(f, "func", None)
            fd = self.lookup(name, f.span) if name else None
            fargs = () if isinstance(f, A.Name) else tuple(getattr(f, "args", ()))
            if fd is None or fd.category != "transform" or len(fargs) >= len(fd.params):
                raise self.error(CompileError, f"{decl.name}: the function must be a transform missing "
                                 "its last argument (`fast`, `chop`, `every 2`) or `($)` with a list of "
                                 "functions", _span_of(f) or span)
            fns = [self.transform_fn(fd, fargs + (i,), span) for i in items]
        if any(g.expr is None for g in fns):
            raise self.error(CompileError, f"{decl.name}: a node section cannot be used as a pattern "
                             "function", span)
        return FnV(P.Fn(decl.name, (P.List(tuple(g.expr for g in fns)),)), span)

    def apply(self, f: FnV, v, span):
        """Apply a function value to a value (the `$` of Tidal)."""
        if isinstance(v, FnV):
            if f.expr is None or v.expr is None:
                raise self.error(CompileError, "a chain section cannot be composed with $", span)
            return FnV(P.Compose((f.expr, v.expr)), span)
        if f.chain is not None and (f.expr is None or isinstance(v, SigV)):  # (# lpf 500) on a signal
            name, args, kwargs, sp = f.chain
            if isinstance(v, SoundV):
                v = self.sampler(v)
            return self.call(name, args, kwargs, sp, v)
        if f.expr is None:
            raise self.error(CompileError, "this section applies to signals only", span)
        if isinstance(v, NumV):
            v = PatV(P.Pure(v.value), v.span)
        if isinstance(v, SoundV):
            if isinstance(f.expr, P.Fn) and registry.lookup(f.expr.name).extra.get("values") == "numbers":
                raise self.error(CompileError, f"{f.expr.name} works on a pattern of numbers, not on "
                                 f"{_describe(v)}", span,
                                 hint="apply it to a control's value, e.g. `s \"bd*4\" # speed (range 1 2 sine)`")
            return SoundV(_app(f.expr, v.expr), v.span)
        if isinstance(v, PatV):
            stereo = _using(f.expr, "stereo")
            if stereo:
                raise self.error(CompileError, f"{stereo} needs a sound or a signal (it pans left/right)",
                                 span, hint=f'apply it to the source: `{stereo} rev $ saw "55 110"`')
            return PatV(_app(f.expr, v.expr), v.span)
        if isinstance(v, SigV):
            fdecl = registry.lookup(f.expr.name) if isinstance(f.expr, P.Fn) else None
            if fdecl is not None and fdecl.extra.get("stereo"):   # `jux f` on a signal
                inner = f.expr.args[0]
                right = self.transform_signal(v.ref, inner)
                ref = self.add("stereo", [("left", Ref(v.ref)), ("right", Ref(right))], _lab(span))
                return SigV(ref, v.trig, span)
            if isinstance(f.expr, P.SetFn) or (isinstance(f.expr, P.OpFn) and _has_sound(f.expr)):
                what = f.expr.control if isinstance(f.expr, P.SetFn) else f.expr.op
                raise self.error(CompileError, f"(# {what} ...) sets a control of events "
                                 "(s \"...\", n \"...\"); this is a signal", span)
            node = fdecl.extra.get("signal_node") if fdecl is not None else None
            if node is not None:  # `range lo hi sig` maps the signal: a node (declaration field)
                kind, in_name, names = node
                args = [(in_name, Ref(v.ref))] + [(k, _const_or_pat(a)) for k, a in zip(names, f.expr.args)]
                return SigV(self.add(kind, args, _lab(span)), v.trig, span)
            ref = self.transform_signal(v.ref, f.expr)
            trig = _app(f.expr, v.trig) if v.trig is not None else None
            return SigV(ref, trig, span)
        if isinstance(v, ListV):
            raise self.error(CompileError, "a transform cannot apply to a list; use stack [..] or cat [..]",
                             span)
        raise self.error(CompileError, f"cannot apply a function to {_describe(v)}", span)

    def transform_signal(self, ref: int, fexpr: P.PatExpr) -> int:
        """A copy of the subgraph under `ref` with every pattern transformed by `fexpr`."""
        memo: dict[int, int] = {}

        def rec(i: int) -> int:
            if i in memo:
                return memo[i]
            node = self.nodes[i]
            new_args, changed = [], False
            for k, a in node.args:
                if isinstance(a, Ref):
                    j = rec(a.node)
                    changed |= j != a.node
                    new_args.append((k, Ref(j)))
                elif isinstance(a, Pat):
                    new_args.append((k, Pat(_app(fexpr, a.expr))))
                    changed = True
                else:
                    new_args.append((k, a))
            memo[i] = self.add(node.kind, new_args, node.label) if changed else i
            return memo[i]
        return rec(ref)
