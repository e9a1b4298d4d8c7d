"""AST -> GraphSpec.

Every name is checked against the registry (did-you-mean on a miss), every
constant against its parameter's range, every mini-notation string parsed (its
errors re-pointed into the program line). Compile-time values:

  NumV   an exact constant            PatV   a pattern (numbers, words, notes)
  SoundV a control pattern: events are control maps (Tidal's ValueMap), `s "bd" # n 1`,
         `n "0 .. 7" # s "drum"`; played by the sampler node (events without `s` are silent)
  SigV   a signal: a node output (+ trigger pattern)
  FnV    a pattern function           ListV  a list `[a, b]`

Event chains follow Tidal: `#` is `|>` (structure from the left, values from the right);
`|+| |+ +|` and the rest of the family combine control maps key by key (numbers
combine, strings append under +); `+ - * /` keep Phonon's meaning (numeric patterns, or
signal arithmetic: `s "bd*4" + s "hh*8"` mixes) except between control patterns that are
not both sounds (`n "0 2" + n "<12 7>"` is Tidal's `|+|`). On an event chain `# name x`
is a per-event control where `name` is a control (or a control's alias: `# lpf 1000` is
`cutoff`) and x a number or pattern; a signal value (`# lpf (sine 0.25 * 600 + 700)`) or
a function-only name (`# reverb 0.5 0.5`) is a node on the materialized mix.

Signals become nodes; patterns stay pattern data (`phonon.patexpr`) until a node
needs them. A transform applied to a signal (`fast 2 $ saw "55 110"`) is pushed
down into every pattern of that signal's subgraph; `jux f` on a signal renders
the original left and the transformed copy right.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Optional

from . import orbits, registry
from .dsl import ast as A
from .errors import (CompileError, MiniParseError, ParamRangeError, PhononError, Span,
                     UnknownNameError, suggestion_text)
from .spec import GraphSpec, NodeSpec, Pat, Ref

NOTE_CONTROLS = ("note", "n")  # Tidal accepts note names here (until declared with notes=True)
# A control's node on a plain signal: (node kind, input param, value param). Declarations
# carry it as `signal_node=...` (registry extra field); this is the fallback for
# declarations made before the field existed.
SIGNAL_NODES = {"gain": ("mul", "a", "b"), "pan": ("pan", "in", "pos")}
NODE_CATEGORIES = ("oscillator", "filter", "envelope", "effect", "dynamics", "synth", "math")
DEFAULT_CPS = Fraction(1, 2)


# ------------------------------------------------------------------------------------------
# compile-time values
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NumV:
    value: Fraction
    span: Optional[Span] = None


@dataclass(frozen=True)
class PatV:
    expr: tuple
    span: Optional[Span] = None


@dataclass(frozen=True)
class SoundV:
    expr: tuple
    span: Optional[Span] = None


@dataclass(frozen=True)
class SigV:
    ref: int
    trig: Optional[tuple] = None  # pattern whose onsets trigger a chained envelope
    span: Optional[Span] = None


@dataclass(frozen=True)
class FnV:
    expr: Optional[tuple]  # pattern function (patexpr) or None for a node-chain section
    span: Optional[Span] = None
    chain: Any = None  # (decl, args, kwargs) for sections like `(# lpf 500)`


@dataclass(frozen=True)
class ListV:
    items: tuple
    span: Optional[Span] = None


def _describe(v) -> str:
    return {NumV: "a number", PatV: "a pattern", SoundV: "a sample pattern", SigV: "a signal",
            FnV: "a function", ListV: "a list"}.get(type(v), type(v).__name__)


# ------------------------------------------------------------------------------------------
# the compiler
# ------------------------------------------------------------------------------------------


@dataclass
class _Node:
    kind: str
    args: list
    label: str = ""


class Compiler:
    def __init__(self, program: A.Program, filename: Optional[str] = None):
        registry.load()
        self.program = program
        self.source = program.source
        self.filename = filename
        self.nodes: list[_Node] = []
        self.bus_defs: dict[str, A.BusDef] = {}
        self.out_defs: dict[str, A.OutDef] = {}
        self.bus_values: dict[str, Any] = {}
        self.bus_refs: dict[str, int] = {}
        self._stack: list[str] = []
        self._signal_stack: list[str] = []   # buses being materialized (cycles via samples)
        self._sampler_memo: dict = {}
        self.cps = DEFAULT_CPS
        self._pattern_ctx = 0  # > 0 while compiling a control's value (bare `sine` is a pattern)

    # -- entry -------------------------------------------------------------------------------
    def compile(self, sr: int = 44100, seed: int = 0, sample_roots: tuple = (),
                keep_buses: bool = False) -> GraphSpec:
        for st in self.program.statements:
            if isinstance(st, A.Tempo):
                self.cps = self._tempo(st)
            elif isinstance(st, A.BusDef):
                self.bus_defs[st.name] = st
            elif isinstance(st, A.OutDef):
                self.out_defs[st.name] = st
        if not self.out_defs and not self.bus_defs:
            raise CompileError("nothing to render: the program has no `out:` and no buses",
                               hint='add a line like `out: s "bd*4"`')
        outputs: list[tuple[str, int]] = []
        values = [(name, self.expr(self.out_defs[name].expr)) for name in sorted(self.out_defs, key=_out_order)]
        events = [v.expr for _, v in values if isinstance(v, SoundV)]
        used = set().union(*(orbits.keys_used(x) for x in events)) if events else set()
        if used:  # SuperDirt: the event outputs play into shared orbits, one output each
            merged = events[0] if len(events) == 1 else ("comb", "stack", tuple(events))
            for k in orbits.orbits_of(merged):
                outputs.append((f"orbit{k}", orbits.build_orbit(self, merged, k, used, f"orbit{k}")))
            values = [(n, v) for n, v in values if not isinstance(v, SoundV)]
        for name, v in values:
            outputs.append((name, self.materialize(v, self.out_defs[name].span)))
        if not outputs:
            for auto in ("master", "out"):
                if auto in self.bus_defs:
                    outputs.append(("out", self.bus_signal(auto, self.bus_defs[auto].span)))
                    break
            else:  # sum of every bus x 0.25
                terms = [("x%d" % i, Ref(self.bus_signal(b, self.bus_defs[b].span)))
                         for i, b in enumerate(self.bus_defs)]
                total = self.add("sum", terms, "auto: every bus") if len(terms) > 1 else terms[0][1].node
                outputs.append(("out", self.add("mul", [("a", Ref(total)), ("b", 0.25)],
                                                "auto: every bus x 0.25")))
        if keep_buses:
            for b in self.bus_defs:
                self.bus_signal(b, self.bus_defs[b].span)
        return self._finish(outputs, sr, seed, sample_roots, keep_buses)

    def _finish(self, outputs, sr, seed, sample_roots, keep_buses) -> GraphSpec:
        roots = [r for _, r in outputs]
        if keep_buses:
            roots += list(self.bus_refs.values())
        keep = set()
        todo = list(roots)
        while todo:
            i = todo.pop()
            if i in keep:
                continue
            keep.add(i)
            todo.extend(a.node for _, a in self.nodes[i].args if isinstance(a, Ref))
        order = sorted(keep)  # creation order is topological (arguments are built first)
        new_id = {old: k for k, old in enumerate(order)}

        def remap(v):
            return Ref(new_id[v.node]) if isinstance(v, Ref) else v

        nodes = tuple(NodeSpec(new_id[i], self.nodes[i].kind,
                               tuple((k, remap(v)) for k, v in self.nodes[i].args),
                               self.nodes[i].label) for i in order)
        buses = tuple((f"~{b}", Ref(new_id[r])) for b, r in self.bus_refs.items() if r in keep)
        return GraphSpec(nodes=nodes, outputs=tuple((n, Ref(new_id[r])) for n, r in outputs),
                         buses=buses, cps=self.cps, sr=int(sr), seed=int(seed),
                         sample_roots=tuple(str(r) for r in sample_roots))

    def error(self, cls, message, span=None, hint=None):
        return cls(message, span=span, source=self.source, hint=hint, filename=self.filename)

    def add(self, kind: str, args: list, label: str = "") -> int:
        self.nodes.append(_Node(kind, list(args), label))
        return len(self.nodes) - 1

    # -- statements ----------------------------------------------------------------------------
    def _tempo(self, st: A.Tempo) -> Fraction:
        v = self.expr(st.value)
        word = "bpm" if st.kind == "bpm" else "tempo"
        if not isinstance(v, NumV):
            raise self.error(CompileError, f"{word}: expected a number, got {_describe(v)}", st.span)
        if v.value <= 0:
            raise self.error(ParamRangeError,
                             f"{word}: got {_fmt(v.value)}; expected a positive number"
                             + (" of beats per minute" if word == "bpm" else " of cycles per second"),
                             _span_of(st.value) or st.span)
        return v.value / 60 if st.kind in ("bpm", "cpm") else v.value   # setcpm: cycles/minute

    def bus_value(self, name: str, span: Optional[Span]):
        if name in self.bus_values:
            return self.bus_values[name]
        if name not in self.bus_defs:
            defined = ", ".join("~" + b for b in self.bus_defs) or "none"
            raise self.error(UnknownNameError,
                             f"undefined bus '~{name}'{suggestion_text('~' + name, ['~' + b for b in self.bus_defs])}"
                             f"; defined buses: {defined}", span)
        if name in self._stack:
            cyc = self._stack[self._stack.index(name):] + [name]
            raise self.error(CompileError, "bus cycle: " + " -> ".join("~" + c for c in cyc), span,
                             hint="a bus cannot depend on itself; express feedback with the feedback "
                                  "parameter of delay, reverb or comb")
        self._stack.append(name)
        try:
            v = self.expr(self.bus_defs[name].expr)
        finally:
            self._stack.pop()
        self.bus_values[name] = v
        return v

    def bus_signal(self, name: str, span: Optional[Span]) -> int:
        if name not in self.bus_refs:
            if name in self._signal_stack:   # `~k: s "~k*4"`: a bus played as its own sample
                cyc = self._signal_stack[self._signal_stack.index(name):] + [name]
                raise self.error(CompileError, "bus cycle: " + " -> ".join("~" + c for c in cyc)
                                 + " (through a sample pattern: `s \"~name\"` plays the bus "
                                 "~name as a sample)", span,
                                 hint="a bus cannot play itself; render it from another bus, or "
                                      "express feedback with the feedback parameter of delay, "
                                      "reverb or comb")
            self._signal_stack.append(name)
            try:
                ref = self.materialize(self.bus_value(name, span), span)
            finally:
                self._signal_stack.pop()
            if not self.nodes[ref].label or ":" in self.nodes[ref].label:
                self.nodes[ref].label = f"~{name}"
            self.bus_refs[name] = ref
        return self.bus_refs[name]

    # -- expressions -------------------------------------------------------------------------
    def expr(self, e):
        m = getattr(self, "_e_" + type(e).__name__)
        return m(e)

    def _e_Num(self, e: A.Num):
        return NumV(Fraction(e.value), e.span)

    def _e_Str(self, e: A.Str):
        self.check_mini(e.text, e.span)
        return PatV(("mini", e.text), e.span)

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
        if e.op in SHIFT_OPS:  # `0.25 <~ p`, `"<0 0.25>" ~> p`
            amount = self.expr(e.left)
            if isinstance(amount, (SigV, SoundV, FnV, ListV)):
                raise self.error(CompileError, f"{e.op}: the amount (left of {e.op}) must be a number "
                                 f"or a pattern of cycles, not {_describe(amount)}", _span_of(e.left) or e.span)
            fn = FnV(("fn", SHIFT_OPS[e.op], (self.pat_expr(amount, e.span),)), e.span)
            return self.apply(fn, self.expr(e.right), e.span)
        # a left-associative chain `a + b + c ...` (490 terms is a legitimate mix) is folded
        # in a loop, so its length costs no recursion depth
        spine = [e]
        while isinstance(spine[-1].left, A.BinOp) and spine[-1].left.op not in SHIFT_OPS:
            spine.append(spine[-1].left)
        val = self.expr(spine[-1].left)
        for b in reversed(spine):
            val = self.binop(b.op, val, self.expr(b.right), b.span)
        return val

    def _e_Section(self, e):
        return self.function(e)

    def _e_Compose(self, e):
        return self.function(e)

    def _e_Name(self, e: A.Name):
        if self._pattern_ctx and e.name in CONTINUOUS:  # `# pan sine`: Tidal's continuous pattern
            return PatV(("sig", e.name), e.span)
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
            if isinstance(r, A.Name):
                left = self.call(r.name, (), (), r.span, left)
            else:
                left = self.call(r.func, r.args, r.kwargs, r.span, left)
        return left

    def _e_ChainSection(self, e: A.ChainSection):
        return self.function(e)

    def _e_Dollar(self, e: A.Dollar):
        items = e.items
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
            return PatV(("op", op, self.pat_expr(a, span), self.pat_expr(b, span)), span)
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
        expr = ("cop", op, how, self.pat_expr(a, span), self.pat_expr(b, span))
        cls = SoundV if isinstance(a, SoundV) or isinstance(b, SoundV) else PatV
        return cls(expr, span)

    def operand(self, v, span):
        if isinstance(v, NumV):
            return float(v.value)
        if isinstance(v, PatV):
            return Pat(v.expr)
        return Ref(self.materialize(v, span))

    def pat_expr(self, v, span) -> tuple:
        if isinstance(v, NumV):
            return ("pure", v.value)
        if isinstance(v, (PatV, SoundV)):
            return v.expr
        raise self.error(CompileError, f"expected a pattern, got {_describe(v)}", getattr(v, "span", None) or span)

    # -- signals -------------------------------------------------------------------------------
    def materialize(self, v, span=None) -> int:
        """The node id of a value used as a signal."""
        if isinstance(v, SigV):
            return v.ref
        if isinstance(v, SoundV):
            return self.sampler(v).ref
        if isinstance(v, PatV):   # its values must be numbers: a word is located here
            from .patexpr import value_converter
            self.check_values(v.expr, value_converter("number"), v.span or span, "a pattern used as a signal")
            return self.add("pattern_signal", [("pat", Pat(v.expr))], _lab(v.span or span))
        if isinstance(v, NumV):
            return self.add("pattern_signal", [("pat", Pat(("pure", v.value)))], _lab(v.span or span))
        if isinstance(v, FnV):
            raise self.error(CompileError, "a function where a signal was expected", v.span or span,
                             hint="give the transform a pattern: `fast 2 $ s \"bd sn\"`")
        if isinstance(v, ListV):
            if not v.items:
                raise self.error(CompileError, "an empty list `[]` where a signal was expected",
                                 v.span or span, hint="a list of signals is their sum: `[sine 220, saw 110]`")
            terms = [("x%d" % i, Ref(self.materialize(x, span))) for i, x in enumerate(v.items)]
            return self.add("sum", terms, _lab(v.span or span))
        raise self.error(CompileError, f"cannot use {_describe(v)} as a signal", span)

    def sampler(self, v: SoundV) -> SigV:
        """The signal of a control pattern: its sampler, or with orbit controls
        (phonon.orbits) the sum of its orbits, each through its global effects."""
        if v.expr in self._sampler_memo:
            return self._sampler_memo[v.expr]
        used = orbits.keys_used(v.expr)
        if used:
            refs = [orbits.build_orbit(self, v.expr, k, used, _lab(v.span)) for k in orbits.orbits_of(v.expr)]
            ref = refs[0] if len(refs) == 1 else self.add(
                "sum", [("x%d" % i, Ref(r)) for i, r in enumerate(refs)], _lab(v.span))
        else:
            ref = self.sampler_node(v.expr, _lab(v.span), v.span)
        sig = SigV(ref, v.expr, v.span)
        self._sampler_memo[v.expr] = sig
        return sig

    def sampler_node(self, expr: tuple, label: str, span=None) -> int:
        args = [("pat", Pat(expr))]
        for bus in sorted(set(_bus_words(expr))):  # `s "~kick*4"`: a bus played as a sample
            args.append(("~" + bus, Ref(self.bus_signal(bus, span))))
        return self.add("sampler", args, label)

    # -- calls ---------------------------------------------------------------------------------
    def call(self, name: str, args, kwargs, span, chained):
        if isinstance(chained, SoundV):
            decl = self.event_lookup(name, args, kwargs, span)
            if decl.category == "control":
                return self.control(decl, args, kwargs, span, chained)
        elif chained is None:
            ctl = registry.control_for(name)
            if ctl is not None and registry.REGISTRY.get(name) is None and name not in registry.ALIASES:
                return self.control(ctl, args, kwargs, span, None)  # `lpq "0.2"`: an alias as source
        decl = self.lookup(name, span, after_hash=chained is not None)
        cat = decl.category
        if cat == "transform":
            if isinstance(chained, SoundV) and len(args) == len(decl.params) + 1 and not kwargs:
                # Tidal: `# fast 3 (vowel "a e o")` is `# (fast 3 (vowel "a e o"))`
                got = self.call(name, args, kwargs, span, None)
                if isinstance(got, SoundV):
                    return SoundV(("cop", ">", "left", chained.expr, got.expr), chained.span)
            if chained is not None:
                raise self.error(CompileError, f"'{name}' is a pattern transform; apply it with $, "
                                 "not #", span, hint=f"write `{name} ... $ <pattern>` or `<pattern> $ {name} ...`")
            n_params = len(decl.params)
            if len(args) > n_params + 1:
                raise self.arity(decl, len(args), span)
            if kwargs:
                raise self.error(CompileError, f"{name}: keyword arguments are not supported for "
                                 "transforms", kwargs[0].span)
            fn = self.transform_fn(decl, args[:n_params], span)
            if len(args) == n_params + 1:
                return self.apply(fn, self.expr(args[-1]), span)
            return fn
        if cat == "combinator":
            return self.combinator(decl, args, span)
        if cat == "control":
            return self.control(decl, args, kwargs, span, chained)
        if cat == "sample":
            if isinstance(chained, SoundV):  # `n "0 .. 7" # s "drum"`: the sound is a control too
                snd = self.call(name, args, kwargs, span, None)
                return SoundV(("cop", ">", "left", chained.expr, snd.expr), chained.span)
            if chained is not None:
                raise self.error(CompileError, f"'{name}' is a source; it cannot follow # on "
                                 f"{_describe(chained)}", span)
            if len(args) != 1 or kwargs:
                raise self.error(CompileError, f"{name} takes one pattern: `{name} \"bd*4 sn\"`", span)
            v = self.expr(args[0])
            if not isinstance(v, PatV):
                raise self.error(CompileError, f"{name}: expected a pattern string, got {_describe(v)}",
                                 _span_of(args[0]) or span)
            return SoundV(("sound", v.expr), span)
        return self.node_call(decl, args, kwargs, span, chained)

    def event_lookup(self, name, args, kwargs, span):
        """What `# name args` means on an event chain: the control `name` names (Tidal:
        `# lpf 1000` is `cutoff`) unless the value is a signal or there are more arguments
        than a control takes and `name` is also a node function (then the node, on the mix).
        Unknown names suggest the nearest controls first."""
        ctl = registry.control_for(name)
        fn = registry.REGISTRY.get(name) or registry.REGISTRY.get(registry.ALIASES.get(name, ""))
        if ctl is not None:
            if fn is None or fn is ctl:
                return ctl
            if len(args) == 1 and not kwargs and not isinstance(self.value_expr(args[0]), (SigV, SoundV)):
                return ctl
            return fn
        if fn is not None:
            return fn
        near = suggestion_text(name, registry.control_names())  # never a transform for a control
        if not near:  # then the effects and filters `#` may put on the mix (`# revrb` -> reverb)
            near = suggestion_text(name, [n for n, d in registry.REGISTRY.items()
                                          if d.chainable and d.category in NODE_CATEGORIES
                                          and any(p.kind == "input" for p in d.params)])
        tidal = _tidal_hint(name)
        if tidal:
            raise self.error(UnknownNameError, tidal, span)
        raise self.error(UnknownNameError, f"unknown control '{name}'{near}", span,
                         hint= "on an event chain `# name value` sets a control "
                         "(`phonon functions` lists them)")

    def lookup(self, name, span, after_hash: bool = False):
        try:
            return registry.lookup(name)
        except UnknownNameError as e:
            tidal = _tidal_hint(name)
            if tidal:
                raise self.error(UnknownNameError, tidal, span) from None
            hint = "if this is a comment: comments start with '--' ('#' chains)" if after_hash else None
            raise self.error(UnknownNameError, e.message, span, hint=hint) from None

    def arity(self, decl, got, span):
        return self.error(CompileError, f"{decl.name} takes at most {len(decl.params)} argument"
                          f"{'s' if len(decl.params) != 1 else ''} ({decl.signature()}); got {got}", span)

    def bind(self, decl, args, kwargs, span, skip_input: bool) -> dict:
        """Match positional and keyword arguments to parameters: {param name: AST expr}."""
        params = [p for p in decl.params if not (skip_input and p.kind == "input")]
        params = [p for p in params if p.name != "trig"]
        if len(args) > len(params):
            raise self.error(CompileError, f"{decl.name} takes at most {len(params)} argument"
                             f"{'s' if len(params) != 1 else ''} ({' '.join(p.describe() for p in params)});"
                             f" got {len(args)}", span)
        bound = {p.name: a for p, a in zip(params, args)}
        for kw in kwargs:
            try:
                p = decl.param(kw.name)
            except UnknownNameError as e:
                raise self.error(UnknownNameError, e.message, kw.span) from None
            if p.name in bound:
                raise self.error(CompileError, f"{decl.name}: parameter '{p.name}' given twice", kw.span)
            bound[p.name] = kw.value
        return bound

    def node_call(self, decl, args, kwargs, span, chained):
        has_input = any(p.kind == "input" for p in decl.params)
        if chained is not None and not (has_input and decl.chainable):
            raise self.error(CompileError, f"'{decl.name}' is a source and cannot follow #", span,
                             hint=f"use it on its own, e.g. `{decl.example}`")
        bound = self.bind(decl, args, kwargs, span, skip_input=chained is not None)
        out_args = []
        trig = None
        in_trig = chained.trig if isinstance(chained, SigV) else None
        for p in decl.params:
            if p.kind == "input":
                if chained is not None:
                    v = chained
                elif p.name in bound:
                    v = self.expr(bound[p.name])
                    if isinstance(v, (NumV, PatV)) and decl.category != "math":
                        raise self.error(CompileError, f"{decl.name} needs a signal to process",
                                         span, hint=f"chain it (`saw 55 # {decl.name} ...`) or pass the "
                                         f"signal first (`{decl.name} ~bus ...`)")
                else:
                    raise self.error(CompileError, f"{decl.name} needs a signal to process", span,
                                     hint=f"chain it: `saw 55 # {decl.name} ...`")
                if isinstance(v, SoundV):
                    v = self.sampler(v)
                if isinstance(v, SigV):
                    in_trig = v.trig
                if decl.category == "math" and isinstance(v, (NumV, PatV)):
                    out_args.append((p.name, self.operand(v, span)))
                else:
                    out_args.append((p.name, Ref(self.materialize(v, span))))
                continue
            if p.name == "trig":
                if in_trig is not None:
                    out_args.append(("trig", Pat(in_trig)))
                continue
            if p.name in bound:
                a = bound[p.name]
                v = self.expr(a)
                out_args.append((p.name, self.param_value(decl, p, v, _span_of(a) or span)))
                if trig is None and isinstance(v, PatV) and decl.category in ("oscillator", "synth"):
                    trig = v.expr
            elif p.required:
                raise self.error(CompileError, f"{decl.name}: missing argument '{p.name}'; parameters "
                                 f"are: {decl.signature()}", span)
            else:
                out_args.append((p.name, float(p.default) if isinstance(p.default, (int, float, Fraction))
                                 else p.default))
        out_args = [(k, v) for k, v in out_args if v is not None]
        ref = self.add(decl.node_kind, out_args, _lab(span))
        # a source's trigger is its own pattern; anything else passes its input's trigger on
        return SigV(ref, trig if decl.category in ("oscillator", "synth") else in_trig, span)

    def param_value(self, decl, p, v, span):
        if isinstance(v, NumV):
            p.check(v.value, decl.name, span) if p.range else None
            if p.kind == "pattern":
                return Pat(("pure", v.value))
            return float(v.value)
        if isinstance(v, PatV):
            if p.kind != "pattern":
                from .patexpr import converter
                self.check_values(v.expr, converter(decl.node_kind, p.name), span,
                                  f"{decl.name}: parameter '{p.name}'")
            return Pat(v.expr)
        if isinstance(v, (SigV, SoundV, ListV)):
            if p.kind in ("number", "pattern"):
                raise self.error(CompileError, f"{decl.name}: parameter '{p.name}' must be a number or "
                                 f"a pattern, not {_describe(v)}", span)
            return Ref(self.materialize(v, span))
        raise self.error(CompileError, f"{decl.name}: parameter '{p.name}' got {_describe(v)}", span)

    def control(self, decl, args, kwargs, span, chained):
        """A control: a source of control-map events (`n "0 .. 7"`), a per-event control on an
        event chain (`# speed 2`), or its declared signal node on a signal (`# gain 0.5`)."""
        bound = self.bind(decl, args, kwargs, span, skip_input=False)
        if not bound:
            raise self.error(CompileError, f"{decl.name}: missing a value", span,
                             hint=f"e.g. `{decl.example.removeprefix('out: ')}`")
        (pname, a), = list(bound.items())[:1]
        v = self.value_expr(a) if chained is None or isinstance(chained, SoundV) else self.expr(a)
        vspan = _span_of(a) or span
        if chained is None or isinstance(chained, SoundV):
            if isinstance(v, (NumV, PatV)):
                val = self.control_value(decl, v, vspan)
                key = _key(decl)
                if chained is None:
                    return SoundV(("ctl", key, val), span)
                return SoundV(("set", key, chained.expr, val), chained.span)
            if chained is None:
                raise self.error(CompileError, f"{decl.name}: expected a number or a pattern "
                                 f"(`{decl.name} \"1 2\"`), got {_describe(v)}", vspan)
        signal_node = decl.extra.get("signal_node") or SIGNAL_NODES.get(decl.name)
        if signal_node is not None:  # `# gain x` / `# pan x` on any signal (declaration field)
            if isinstance(v, NumV):
                decl.params[0].check(v.value, decl.name, vspan)
            src = SigV(self.materialize(chained, span), getattr(chained, "trig", None)) \
                if not isinstance(chained, SigV) else chained
            in_name, val_name = signal_node[1], signal_node[2]
            ref = self.add(signal_node[0], [(in_name, Ref(src.ref)), (val_name, self.operand(v, vspan))],
                           _lab(span))
            return SigV(ref, src.trig, span)
        if isinstance(chained, SoundV):
            raise self.error(CompileError, f"'{decl.name}' takes a number or a pattern per event, "
                             f"not {_describe(v)}", vspan,
                             hint="a signal value works where the name is also a node (`# lpf (sine 1 * 500 + 800)`)")
        raise self.error(CompileError, f"'{decl.name}' sets a control of events (s \"...\", n \"...\"), "
                         f"not of {_describe(chained)}", span,
                         hint=f'write `s "bd*4" # {decl.name} ...`')

    def value_expr(self, a):
        """A control's value: as `expr`, but a bare `sine saw tri square cosine isaw rand` is
        Tidal's continuous pattern (sampled per event: `# pan sine`, `# room (range 0 0.2
        saw)`); with arguments (`sine 0.25`) it stays an oscillator (a signal)."""
        self._pattern_ctx += 1
        try:
            return self.expr(a)
        finally:
            self._pattern_ctx -= 1

    def control_value(self, decl, v, vspan) -> tuple:
        """The pattern expression of a control's value: note names as semitones where the
        control's unit is semitones (or the declaration says `notes=True`), numbers
        checked, words kept where the parameter's kind is "pattern" (`vowel "a e"`)."""
        p = decl.params[0]
        if isinstance(v, NumV):
            p.check(v.value, decl.name, vspan)
            return self.pat_expr(v, vspan)
        from .patexpr import value_converter
        if decl.name == "s":
            return v.expr
        if p.unit == "semitones" or decl.extra.get("notes") or decl.name in NOTE_CONTROLS:
            conv = _semitone_leaves(v.expr)
            self.check_values(conv, value_converter("number"), vspan, decl.name)
            return conv
        if p.kind == "pattern":
            return v.expr
        self.check_values(v.expr, value_converter("number"), vspan, decl.name)
        return v.expr

    def combinator(self, decl, args, span):
        kinds = [p.kind for p in decl.params]
        if "pairs" in kinds and len(args) == len(kinds):
            return self.pairs_combinator(decl, args, span)
        if len(kinds) > 1 and "list" in kinds and len(args) == len(kinds):
            # mixed arguments (`squeeze "<0 1>" [a, b]`): the list one arrives as a Python list
            exprs = []
            for p, a in zip(decl.params, args):
                v = self.expr(a)
                if p.kind == "list":
                    items = v.items if isinstance(v, ListV) else (v,)
                    exprs.append(("list",) + tuple(self.pat_expr(i, span) for i in items))
                else:
                    exprs.append(self.comb_arg(decl, p, v, _span_of(a) or span))
            cls = SoundV if any(isinstance(self.expr(a), SoundV) or (isinstance(a, A.ListExpr) and any(
                isinstance(self.expr(i), SoundV) for i in a.items)) for a in args) else PatV
            return cls(("comb", decl.name, tuple(exprs)), span)
        if not decl.params:   # a pattern source with no arguments (`perlin`, `envL`)
            if args:
                raise self.error(CompileError, f"{decl.name} takes no arguments", span)
            return PatV(("comb", decl.name, ()), span)
        if len(args) == 1 and isinstance(args[0], A.ListExpr):
            items = [self.expr(i) for i in args[0].items]
        else:
            items = [self.expr(a) for a in args]
        if not items:
            raise self.error(CompileError, f"{decl.name}: expected a list like `{decl.name} [a, b]`", span)
        if kinds != ["list"] and len(items) != len(kinds):   # fixed arity (stitch b x y)
            raise self.error(CompileError, f"{decl.name} takes {len(kinds)} argument"
                             f"{'s' if len(kinds) != 1 else ''} ({decl.signature()}); got {len(items)}", span)
        if decl.name == "mix" or any(isinstance(i, SigV) for i in items):
            if decl.name not in ("stack", "mix"):
                raise self.error(CompileError, f"{decl.name} combines patterns, not signals", span)
            terms = [("x%d" % k, Ref(self.materialize(i, span))) for k, i in enumerate(items)]
            return SigV(self.add("sum", terms, _lab(span)), None, span)
        if kinds != ["list"]:
            exprs = tuple(self.comb_arg(decl, p, i, i.span or span) for p, i in zip(decl.params, items))
        else:
            exprs = tuple(self.pat_expr(i, span) for i in items)
        cls = SoundV if any(isinstance(i, SoundV) for i in items) else PatV
        return cls(("comb", decl.name, exprs), span)

    def comb_arg(self, decl, p, v, span) -> tuple:
        """A combinator's argument. Its number parameter (or a `values=` pattern) given a sound
        pattern, a function, a list or a word: located here, not a TypeError mid-render."""
        numbers = p.kind == "number" or p.values == "numbers"
        if (numbers or p.values == "plain") and isinstance(v, (SoundV, SigV, FnV, ListV)):
            raise self.error(CompileError, f"{decl.name}: parameter '{p.name}' must be a number or a "
                             f"pattern of {'numbers' if numbers else 'plain values'}, not {_describe(v)}", span)
        if numbers and isinstance(v, PatV):
            from .patexpr import value_converter
            self.check_values(v.expr, value_converter("number"), span, f"{decl.name}: parameter '{p.name}'")
            return ("num", "number", v.expr)   # a note name's number (c'maj -> 60)
        return self.pat_expr(v, span)

    def pairs_combinator(self, decl, args, span):
        """`wchoose [("bd", 1), ("sn", 0.5)]`: each pair's weight is a constant number >= 0."""
        exprs, sound = [], False
        for p, a in zip(decl.params, args):
            if p.kind != "pairs":
                exprs.append(self.comb_arg(decl, p, self.expr(a), _span_of(a) or span))
                continue
            items = a.items if isinstance(a, A.ListExpr) else ()
            pairs = []
            for it in items:
                if not (isinstance(it, A.ListExpr) and len(it.items) == 2):
                    raise self.error(CompileError, f"{decl.name}: expected a list of (value, weight) "
                                     f"pairs, like `{decl.example}`", _span_of(it) or span)
                v, w = self.expr(it.items[0]), self.expr(it.items[1])
                if not isinstance(w, NumV) or w.value < 0:
                    raise self.error(CompileError, f"{decl.name}: a weight must be a number >= 0",
                                     _span_of(it.items[1]) or span)
                sound |= isinstance(v, SoundV)
                pairs.append(("list", self.pat_expr(v, span), ("pure", w.value)))
            if not pairs:
                raise self.error(CompileError, f"{decl.name}: expected a list of (value, weight) pairs, "
                                 f"like `{decl.example}`", _span_of(a) or span)
            exprs.append(("list",) + tuple(pairs))
        return (SoundV if sound else PatV)(("comb", decl.name, tuple(exprs)), span)

    # -- functions -----------------------------------------------------------------------------
    def is_function(self, e) -> bool:
        if isinstance(e, A.Paren):
            return self.is_function(e.expr)
        if isinstance(e, A.ChainSection) or type(e).__name__ in ("Section", "Compose"):
            return True
        if isinstance(e, A.Dollar):
            return all(self.is_function(i) for i in e.items)
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
            return FnV(("compose", tuple(f.expr for f in fns)), e.span)
        if isinstance(e, A.Dollar):
            fns = [self.function(i) for i in e.items]
            if any(f.expr is None for f in fns):
                raise self.error(CompileError, "a chain section cannot be composed with $", e.span)
            return FnV(("compose", tuple(f.expr for f in fns)), e.span)
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
        name, args, kwargs = (r.name, (), ()) if isinstance(r, A.Name) else (r.func, r.args, r.kwargs)
        ctl = registry.control_for(name)
        fn_decl = registry.REGISTRY.get(name) or registry.REGISTRY.get(registry.ALIASES.get(name, ""))
        if fn_decl is not None and fn_decl.category == "sample":
            snd = self.call(name, args, kwargs, r.span, None)
            return FnV(("opfn", ">", "left", "right", snd.expr), e.span)
        if ctl is None and fn_decl is None:
            self.event_lookup(name, args, kwargs, r.span)  # raises with did-you-mean among controls
        if fn_decl is not None and fn_decl.category == "transform":
            raise self.error(CompileError, f"'{name}' is a transform; write ({name} ...) without #", r.span)
        chain = None if fn_decl is None or fn_decl.category == "control" else (name, args, kwargs, r.span)
        if ctl is not None and len(args) + len(kwargs) == 1:
            v = self.value_expr(args[0] if args else kwargs[0].value)
            if isinstance(v, (NumV, PatV)):
                val = self.control_value(ctl, v, _span_of(args[0] if args else kwargs[0]) or r.span)
                return FnV(("setfn", _key(ctl), val), e.span, chain=chain)
        if ctl is not None and chain is None:
            bound = self.bind(ctl, args, kwargs, r.span, skip_input=False)
            if not bound:
                raise self.error(CompileError, f"{name}: missing a value", r.span)
            a = next(iter(bound.values()))
            return FnV(("setfn", _key(ctl), self.pat_expr(self.expr(a), _span_of(a) or r.span)), e.span)
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
            return FnV(("shiftfn", SHIFT_OPS[e.op], e.side, xe), e.span)
        fam = _family(e.op)
        op, how = fam if fam is not None else (e.op, "both")
        if op not in "+-*/%<>" or len(op) != 1:
            raise self.error(CompileError, f"unsupported operator section ({e.op})", e.span)
        return FnV(("opfn", op, how, e.side, xe), e.span)

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
            if p.kind == "function":
                f = self.function(a)
                if f.expr is None:
                    raise self.error(CompileError, f"{decl.name}: a node section cannot be used as a "
                                     "pattern function", _span_of(a) or span)
                vals.append(f.expr)
            elif p.kind == "list":
                v = self.expr(a)
                items = v.items if isinstance(v, ListV) else (v,)
                vals.append(("list",) + tuple(self.pat_expr(i, span) for i in items))
            elif p.kind == "functions":
                items = a.items if isinstance(a, A.ListExpr) else (a,)
                fns = [self.function(i) for i in items]
                if any(f.expr is None for f in fns):
                    raise self.error(CompileError, f"{decl.name}: a node section cannot be used as a "
                                     "pattern function", _span_of(a) or span)
                vals.append(("list",) + tuple(f.expr for f in fns))
            else:
                v = self.expr(a)
                if isinstance(v, NumV) and p.range:
                    p.check(v.value, decl.name, _span_of(a) or span)
                if isinstance(v, (SigV, SoundV)):
                    raise self.error(CompileError, f"{decl.name}: parameter '{p.name}' must be a number "
                                     f"or a pattern, not {_describe(v)}", _span_of(a) or span)
                if p.kind == "number" and isinstance(v, PatV):  # `degradeBy "t f"`: located, now
                    from .patexpr import value_converter
                    self.check_values(v.expr, value_converter("number"), _span_of(a) or span,
                                      f"{decl.name}: parameter '{p.name}'")
                vals.append(self.pat_expr(v, span))
        for p in decl.params[len(args):]:
            if not p.required:
                vals.append(("pure", Fraction(p.default)) if isinstance(p.default, (int, float, Fraction))
                            else p.default)
        return FnV(("fn", decl.name, tuple(vals)), span)

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
        return FnV(("fn", decl.name, (("list",) + tuple(g.expr for g in fns),)), span)

    def apply(self, f: FnV, v, span):
        """Apply a function value to a value (the `$` of Tidal)."""
        if isinstance(v, FnV):
            if f.expr is None or v.expr is None:
                raise self.error(CompileError, "a chain section cannot be composed with $", span)
            return FnV(("compose", (f.expr, v.expr)), span)
        if f.chain is not None and (f.expr is None or isinstance(v, SigV)):  # (# lpf 500) on a signal
            name, args, kwargs, sp = f.chain
            if isinstance(v, SoundV):
                v = self.sampler(v)
            return self.call(name, args, kwargs, sp, v)
        if f.expr is None:
            raise self.error(CompileError, "this section applies to signals only", span)
        if isinstance(v, NumV):
            v = PatV(("pure", v.value), v.span)
        if isinstance(v, SoundV):
            if f.expr[0] == "fn" and registry.lookup(f.expr[1]).extra.get("values") == "numbers":
                raise self.error(CompileError, f"{f.expr[1]} works on a pattern of numbers, not on "
                                 f"{_describe(v)}", span,
                                 hint="apply it to a control's value, e.g. `s \"bd*4\" # speed (range 1 2 sine)`")
            return SoundV(_app(f.expr, v.expr), v.span)
        if isinstance(v, PatV):
            if _uses(f.expr, "jux"):
                raise self.error(CompileError, "jux needs a sound or a signal (it pans left/right)", span,
                                 hint='apply it to the source: `jux rev $ saw "55 110"`')
            return PatV(_app(f.expr, v.expr), v.span)
        if isinstance(v, SigV):
            if f.expr[0] == "fn" and f.expr[1] == "jux":
                inner = f.expr[2][0]
                right = self.transform_signal(v.ref, inner)
                ref = self.add("stereo", [("left", Ref(v.ref)), ("right", Ref(right))], _lab(span))
                return SigV(ref, v.trig, span)
            if f.expr[0] == "setfn" or (f.expr[0] == "opfn" and _has_sound(f.expr)):
                raise self.error(CompileError, f"(# {f.expr[1]} ...) sets a control of events "
                                 "(s \"...\", n \"...\"); this is a signal", span)
            if f.expr[0] == "fn" and f.expr[1] == "range":  # `range lo hi sig` maps the signal
                lo, hi = (_const_or_pat(a) for a in f.expr[2][:2])
                ref = self.add("range", [("in", Ref(v.ref)), ("lo", lo), ("hi", hi)], _lab(span))
                return SigV(ref, v.trig, span)
            ref = self.transform_signal(v.ref, f.expr)
            trig = _app(f.expr, v.trig) if v.trig is not None else None
            return SigV(ref, trig, span)
        if isinstance(v, ListV):
            raise self.error(CompileError, "a transform cannot apply to a list; use stack [..] or cat [..]",
                             span)
        raise self.error(CompileError, f"cannot apply a function to {_describe(v)}", span)

    def transform_signal(self, ref: int, fexpr: tuple) -> int:
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

    # -- mini-notation ---------------------------------------------------------------------------
    def check_mini(self, text: str, span: Span):
        from .patexpr import _mini
        try:
            _mini(text)
        except MiniParseError as e:
            col = span.col + (e.span.col if e.span else 1)
            # columns named in the message count inside the string; re-point them into the line
            msg = re.sub(r"at column (\d+)", lambda m: f"at column {span.col + int(m.group(1))}",
                         e.message)
            raise self.error(type(e), msg, Span(span.line, col, e.span.length if e.span else 1),
                             hint=e.hint) from None

    def check_values(self, expr: tuple, convert, span: Span, what: str) -> None:
        """Query the first cycles of a pattern and convert every value, so a word where a number
        is needed is reported at its string, at compile time, not in the middle of a render."""
        from .patexpr import evaluate
        try:
            for h in evaluate(expr).query(0, 4):
                convert(h.value)
        except PhononError as e:
            raise self.error(CompileError, f"{what}: {e.message}", span) from None


# ------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------

_BUS_WORD = re.compile(r"~([A-Za-z_][A-Za-z0-9_]*)")


def _bus_words(expr) -> list:
    """Bus names written as `~name` inside the mini-notation strings of a pattern expression."""
    out = []
    if isinstance(expr, tuple):
        if len(expr) == 2 and expr[0] == "mini" and isinstance(expr[1], str):
            out += _BUS_WORD.findall(expr[1])
        else:
            for x in expr:
                out += _bus_words(x)
    return out


SHIFT_OPS = {"<~": "early", "~>": "late"}
CONTINUOUS = ("sine", "cosine", "saw", "isaw", "tri", "square", "rand")


def _key(decl) -> str:
    """The key a control writes into events: its canonical (Tidal) name; a declaration
    whose name is taken by a function says `key=` (`delayamp` writes `delay`)."""
    return decl.extra.get("key", decl.name)


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


def _semitone_leaves(expr):
    """Note names as semitones at the value leaves of a pattern expression (Tidal parses
    `n "c e"` as notes before any transform sees them: `n (off 0.125 (|+ 7) "<c a>")`);
    the arguments of transforms (`every "<2 3>"`) are left alone."""
    op = expr[0]
    if op in ("mini", "pure"):
        return ("num", "semitones", expr)
    if op == "apply":
        return (op, expr[1], expr[2], _semitone_leaves(expr[3]))
    if op == "app":
        return (op, expr[1], _semitone_leaves(expr[2]))
    if op == "op":
        return (op, expr[1], _semitone_leaves(expr[2]), _semitone_leaves(expr[3]))
    if op == "cop":
        return (op, expr[1], expr[2], _semitone_leaves(expr[3]), _semitone_leaves(expr[4]))
    if op == "comb":
        return (op, expr[1], tuple(_semitone_leaves(x) for x in expr[2]))
    return ("num", "semitones", expr)


def _has_sound(expr) -> bool:
    """Whether a control pattern expression sets `s` somewhere (its events can sound)."""
    if isinstance(expr, tuple) and expr:
        if expr[0] == "sound" or (expr[0] in ("ctl", "set", "setfn") and expr[1] == "s"):
            return True
        return any(_has_sound(x) for x in (expr[1:] if isinstance(expr[0], str) else expr))
    return False


# Tidal functions Phonon does not take, with the Phonon spelling (shown where the name is
# unknown, in place of a did-you-mean that would name something unrelated).
_TIDAL_ONLY = {
    "once": "render a finite piece: `phonon render patch.ph out.wav --cycles 4`",
    "hush": "an offline render has nothing to stop: leave the output out",
    "silence": "leave the output out (or use a rest: `s \"~\"`)",
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
    "midinote": "write `note` (midinote 60 is note 0: `note (\"60 64\" - 60)`)",
}


def _tidal_hint(name: str):
    h = _TIDAL_ONLY.get(name)
    return f"Tidal's `{name}` is not supported in Phonon; {h}" if h else None


def _const_or_pat(expr: tuple):
    """A pattern argument as a node argument: a constant when it is one, else pattern data."""
    return float(expr[1]) if expr[0] == "pure" else Pat(expr)


def _app(fexpr: tuple, target: tuple) -> tuple:
    if fexpr[0] == "fn":
        return ("apply", fexpr[1], fexpr[2], target)
    return ("app", fexpr, target)


def _uses(expr, name) -> bool:
    if isinstance(expr, tuple):
        if len(expr) >= 2 and expr[0] in ("fn", "apply") and expr[1] == name:
            return True
        return any(_uses(x, name) for x in expr)
    return False


def _span_of(e) -> Optional[Span]:
    return getattr(e, "span", None)


def _lab(span) -> str:
    return str(span) if span else ""


def _fmt(v) -> str:
    return registry._fmt(v)


def _out_order(name: str):
    return (0, 0) if name == "out" else (1, int(name[3:]) if name[3:].isdigit() else 0)


def event_warnings(spec: GraphSpec) -> list[str]:
    """Warnings for `phonon check`: event patterns whose events set no sound (`s`) are not
    played (as in SuperDirt), e.g. `n "0 2"` without `# s "superpiano"`."""
    out = []
    for n in spec.nodes:
        if n.kind != "sampler":
            continue
        pat = dict(n.args).get("pat")
        if isinstance(pat, Pat) and not _has_sound(pat.expr) and not _bus_words(pat.expr):
            where = f" at {n.label}" if n.label else ""
            out.append(f"events without a sound{where}: no event sets `s`, so nothing plays; "
                       "add `# s \"name\"` (a sample folder or a synth, e.g. superpiano)")
    return out


def compile_program(program: A.Program, filename: Optional[str] = None, sr: int = 44100,
                    seed: int = 0, sample_roots: tuple = (), keep_buses: bool = False) -> GraphSpec:
    return Compiler(program, filename).compile(sr=sr, seed=seed, sample_roots=sample_roots,
                                               keep_buses=keep_buses)


def compile_source(text: str, filename: Optional[str] = None, sr: int = 44100, seed: int = 0,
                   sample_roots: tuple = (), keep_buses: bool = False) -> GraphSpec:
    """Parse and compile Phonon source text into a GraphSpec (errors carry line:col and the line)."""
    from .dsl import parse
    from .limits import ensure_recursion_limit, too_deep
    ensure_recursion_limit()
    text = text.removeprefix("\ufeff")   # a byte-order mark (as the parser skips it)
    try:
        try:
            program = parse(text, filename=filename)
            return compile_program(program, filename, sr=sr, seed=seed, sample_roots=sample_roots,
                                   keep_buses=keep_buses)
        except RecursionError:
            raise too_deep("the program") from None
    except PhononError as e:
        raise e.with_source(text, filename)
