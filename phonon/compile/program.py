"""The compiler's program level: statements, buses, outputs, the node list and the finished
GraphSpec; values used as signals (materialize, samplers); mini-notation and value checks."""
from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Optional

from .. import orbits, registry
from .. import patexpr as P
from ..dsl import ast as A
from ..errors import (CompileError, MiniParseError, ParamRangeError, PhononError, Span,
                      UnknownNameError, suggestion_text)
from ..spec import GraphSpec, NodeSpec, Pat, Ref, reachable
from .values import (DEFAULT_CPS, FnV, ListV, NumV, PatV, SigV, SoundV, _bus_words,
                     _describe, _fmt, _has_sound, _lab, _out_order, _span_of)


@dataclass
class _Node:
    kind: str
    args: list
    label: str = ""


class Program:
    """The program level of the Compiler (phonon.compile.Compiler mixes the parts in)."""

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
        self._event_cps = None  # (value, span) of `# cps x` on an event chain: the tempo
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
        values = [(name, self._output_value(self.out_defs[name]))
                  for name in sorted(self.out_defs, key=_out_order)]
        events = [v.expr for _, v in values if isinstance(v, SoundV)]
        used = set().union(*(orbits.keys_used(x) for x in events)) if events else set()
        if used:  # SuperDirt: the event outputs play into shared orbits, one output each
            merged = events[0] if len(events) == 1 else P.Comb("stack", tuple(events))
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
        keep = reachable(roots, lambda i: [a.node for _, a in self.nodes[i].args if isinstance(a, Ref)])
        order = sorted(keep)  # creation order is topological (arguments are built first)
        new_id = {old: k for k, old in enumerate(order)}

        def remap(v):
            return Ref(new_id[v.node]) if isinstance(v, Ref) else v

        nodes = tuple(NodeSpec(new_id[i], self.nodes[i].kind,
                               tuple((k, remap(v)) for k, v in self.nodes[i].args),
                               self.nodes[i].label) for i in order)
        buses = tuple((f"~{b}", Ref(new_id[r])) for b, r in self.bus_refs.items() if r in keep)
        return GraphSpec(nodes=nodes, outputs=tuple((n, Ref(new_id[r])) for n, r in outputs),
                         buses=buses, cps=self._event_cps[0] if self._event_cps else self.cps, sr=int(sr), seed=int(seed),
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

    def materialize(self, v, span=None) -> int:
        """The node id of a value used as a signal."""
        if isinstance(v, SigV):
            return v.ref
        if isinstance(v, SoundV):
            return self.sampler(v).ref
        if isinstance(v, PatV):   # its values must be numbers: a word is located here
            self.check_values(v.expr, P.value_converter("number"), v.span or span, "a pattern used as a signal")
            return self.add("pattern_signal", [("pat", Pat(v.expr))], _lab(v.span or span))
        if isinstance(v, NumV):
            return self.add("pattern_signal", [("pat", Pat(P.Pure(v.value)))], _lab(v.span or span))
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

    def sampler_node(self, expr: P.PatExpr, label: str, span=None) -> int:
        args = [("pat", Pat(expr))]
        for bus in sorted(set(_bus_words(expr))):  # `s "~kick*4"`: a bus played as a sample
            args.append(("~" + bus, Ref(self.bus_signal(bus, span))))
        return self.add("sampler", args, label)

    def check_mini(self, text: str, span: Span):
        from ..patexpr import _mini
        try:
            _mini(text)
        except MiniParseError as e:
            col = span.col + (e.span.col if e.span else 1)
            # columns named in the message count inside the string; re-point them into the line
            msg = re.sub(r"at column (\d+)", lambda m: f"at column {span.col + int(m.group(1))}",
                         e.message)
            raise self.error(type(e), msg, Span(span.line, col, e.span.length if e.span else 1),
                             hint=e.hint) from None

    def _output_value(self, st: A.OutDef):
        self._tidal_out = st.tidal
        try:
            return self._words_as_sound(self.expr(st.expr), force=st.tidal)
        finally:
            self._tidal_out = False

    def _words_as_sound(self, v, force: bool = False):
        """An output that is a bare pattern of words, `d1 $ "bd sn"` or `d1 $ every 2 rev
        "bd*2 sn"`, is a sound pattern: Tidal's `instance IsString ControlPattern where
        fromString = s . parseBP_E` (Simple.hs). Numbers stay a stepped signal (`out: "1 2"`)."""
        if not isinstance(v, PatV):
            return v
        if force or getattr(self, "_tidal_out", False):   # `d1 $ "808" # speed 2`
            return SoundV(P.Sound(v.expr), v.span)
        from ..patexpr import evaluate, value_converter
        convert = value_converter("number")
        try:
            for h in evaluate(v.expr).query(0, 4):
                convert(h.value)
        except PhononError:
            return SoundV(P.Sound(v.expr), v.span)
        return v

    def check_values(self, expr: P.PatExpr, convert, span: Span, what: str) -> None:
        """Query the first cycles of a pattern and convert every value, so a word where a number
        is needed is reported at its string, at compile time, not in the middle of a render."""
        from ..patexpr import evaluate
        try:
            for h in evaluate(expr).query(0, 4):
                convert(h.value)
        except PhononError as e:
            raise self.error(CompileError, f"{what}: {e.message}", span) from None


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
