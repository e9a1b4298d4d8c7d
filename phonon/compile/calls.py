"""Calls: a name with arguments, bound to its declaration's parameters: nodes, controls,
combinators, samples."""
from __future__ import annotations

from fractions import Fraction

from .. import registry
from .. import patexpr as P
from ..dsl import ast as A
from ..errors import CompileError, ParamRangeError, UnknownNameError, suggestion_text
from ..spec import Pat, Ref
from ..tidal_params import INERT
from .values import (FnV, ListV, NODE_CATEGORIES, NumV, PatV, SigV, SoundV, _describe, _fmt, _key,
                     _lab, _semitone_leaves, _span_of, _tidal_hint)



class Calls:
    """Function calls, argument binding, controls and combinators."""

    # -- calls ---------------------------------------------------------------------------------
    def call(self, name: str, args, kwargs, span, chained):
        if isinstance(chained, PatV) and registry.control_for(name) is not None:
            chained = self._words_as_sound(chained)   # `"bd sn" # speed 2`: Tidal's IsString
        if isinstance(chained, SoundV) and name == "cps":
            return self.event_cps(args, kwargs, span, chained)
        if isinstance(chained, SoundV):
            decl = self.event_lookup(name, args, kwargs, span)
            if decl.category == "control":
                return self.control(decl, args, kwargs, span, chained)
        elif chained is None:
            ctl = registry.control_for(name)
            if ctl is not None and registry.REGISTRY.get(name) is None and name not in registry.ALIASES:
                return self.control(ctl, args, kwargs, span, None)  # `lpq "0.2"`: an alias as source
            if ctl is None and name in INERT and registry.REGISTRY.get(name) is None:
                return self.control(self.inert_control(name, span), args, kwargs, span, None)
        decl = self.lookup(name, span, after_hash=chained is not None)
        cat = decl.category
        if cat == "transform":
            if isinstance(chained, SoundV) and len(args) == len(decl.params) + 1 and not kwargs:
                # Tidal: `# fast 3 (vowel "a e o")` is `# (fast 3 (vowel "a e o"))`
                got = self.call(name, args, kwargs, span, None)
                if isinstance(got, SoundV):
                    return SoundV(P.Cop(">", "left", chained.expr, got.expr), chained.span)
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
        if cat == "test":
            raise self.not_a_pattern(name, span)
        if cat == "control":
            return self.control(decl, args, kwargs, span, chained)
        if cat == "sample":
            if isinstance(chained, SoundV):  # `n "0 .. 7" # s "drum"`: the sound is a control too
                snd = self.call(name, args, kwargs, span, None)
                return SoundV(P.Cop(">", "left", chained.expr, snd.expr), chained.span)
            if chained is not None:
                raise self.error(CompileError, f"'{name}' is a source; it cannot follow # on "
                                 f"{_describe(chained)}", span)
            if len(args) != 1 or kwargs:
                raise self.error(CompileError, f"{name} takes one pattern: `{name} \"bd*4 sn\"`", span)
            v = self.expr(args[0])
            if not isinstance(v, PatV):
                raise self.error(CompileError, f"{name}: expected a pattern string, got {_describe(v)}",
                                 _span_of(args[0]) or span)
            return SoundV(P.Sound(v.expr), span)
        return self.node_call(decl, args, kwargs, span, chained)

    def inert_control(self, name: str, span):
        """A Tidal parameter Phonon has no sound for (`midichan`, `krush`, ...: Params.hs):
        a control kept in the events, with a note, as SuperDirt ignores what no synth reads."""
        import warnings
        from ..dsl.parser import TidalNote
        seen = self.__dict__.setdefault("_inert_seen", set())
        if name not in seen:
            seen.add(name)
            where = f"{self.filename}:" if self.filename else ""
            at = f"{span.line}:{span.col}: " if span is not None else ""
            warnings.warn(TidalNote(f"{where}{at}Tidal's '{name}' has no effect in Phonon (a MIDI or "
                                    f"SuperDirt parameter it does not render); it stays in the events"),
                          stacklevel=2)
        return registry.FunctionDecl(name=name, category="control",
                                     params=(registry.Param("value", kind="pattern", doc="kept as given"),),
                                     doc=f"Tidal's {name} (no effect in Phonon)", example="")

    def event_cps(self, args, kwargs, span, chained):
        """`# cps 0.7` on an event chain: Tidal's scheduler takes the tempo from the events'
        cps control when they play (and keeps it). A constant is the piece's tempo from its
        first event, as `setcps 0.7` would be (it wins over setcps, as the events come after);
        a changing tempo is a located error: the engine renders at one tempo."""
        if len(args) != 1 or kwargs:
            raise self.error(CompileError, "cps takes one number: `# cps 0.7`", span)
        v = self.value_expr(args[0])
        vspan = _span_of(args[0]) or span
        if not isinstance(v, NumV):
            raise self.error(CompileError, "# cps: a changing tempo is not supported (one tempo per "
                             f"render); got {_describe(v)}", vspan,
                             hint="set the tempo once with a number: `# cps 0.7` or `setcps 0.7`")
        if v.value <= 0:
            raise self.error(ParamRangeError, f"# cps: got {_fmt(v.value)}; expected a positive "
                             "number of cycles per second", vspan)
        prev = getattr(self, "_event_cps", None)
        if prev is not None and prev[0] != v.value:
            raise self.error(CompileError, f"# cps {_fmt(v.value)} differs from `# cps "
                             f"{_fmt(prev[0])}` at {prev[1].line}:{prev[1].col}: one tempo per "
                             "render", vspan)
        self._event_cps = (v.value, vspan)
        return chained

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
        if name in INERT:
            return self.inert_control(name, span)
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
        params = [p for p in params if not p.wired]
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
            if p.wired:   # the trigger pattern, from the chain
                if in_trig is not None:
                    out_args.append((p.name, Pat(in_trig)))
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
                return Pat(P.Pure(v.value))
            return float(v.value)
        if isinstance(v, PatV):
            if p.kind != "pattern":
                from ..patexpr import converter
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
                    return SoundV(P.Ctl(key, val), span)
                return SoundV(P.Set(key, chained.expr, val), chained.span)
            if chained is None:
                raise self.error(CompileError, f"{decl.name}: expected a number or a pattern "
                                 f"(`{decl.name} \"1 2\"`), got {_describe(v)}", vspan)
        signal_node = decl.extra.get("signal_node")   # (node kind, input param, value param)
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

    def control_value(self, decl, v, vspan) -> P.PatExpr:
        """The pattern expression of a control's value: note names as semitones where the
        control's unit is semitones (or the declaration says `notes=True`), numbers
        checked, words kept where the parameter's kind is "pattern" (`vowel "a e"`)."""
        p = decl.params[0]
        if p.unit == "midi":   # `midinote`: note = midinote - 60, names as MIDI names
            if isinstance(v, NumV):
                p.check(v.value, decl.name, vspan)
                return P.Pure(v.value - 60)
            from ..patexpr import value_converter
            conv = _semitone_leaves(v.expr, "midi")
            self.check_values(conv, value_converter("number"), vspan, decl.name)
            return P.Cop("-", "left", conv, P.Pure(Fraction(60)))   # |- keeps the structure
        if decl.extra.get("pitch") == "hz":   # `freq`: Hz -> note, after any arithmetic
            from ..pattern.notes import hz_to_note
            if isinstance(v, NumV):
                p.check(v.value, decl.name, vspan)
                return P.Pure(hz_to_note(v.value))
            self.check_values(v.expr, hz_to_note, vspan, decl.name)
            return P.Num("hz_note", v.expr)
        if isinstance(v, NumV):
            p.check(v.value, decl.name, vspan)
            return self.pat_expr(v, vspan)
        from ..patexpr import value_converter
        if p.unit == "semitones" or decl.extra.get("notes"):   # `n "c e"`: Tidal's note names
            conv = _semitone_leaves(v.expr)
            self.check_values(conv, value_converter("number"), vspan, decl.name)
            return conv
        if p.kind == "pattern":
            return v.expr
        self.check_values(v.expr, value_converter("number"), vspan, decl.name)
        return v.expr

    def combinator(self, decl, args, span):
        kinds = [p.kind for p in decl.params]
        if "named" in kinds and len(args) == len(kinds):
            return self.named_combinator(decl, args, span)
        if ("pairs" in kinds or "timed" in kinds) and len(args) == len(kinds):
            return self.pairs_combinator(decl, args, span)
        if len(kinds) > 1 and "list" in kinds and len(args) == len(kinds):
            # mixed arguments (`squeeze "<0 1>" [a, b]`): the list one arrives as a Python list
            exprs = []
            for p, a in zip(decl.params, args):
                v = self.expr(a)
                if p.kind == "list":
                    items = v.items if isinstance(v, ListV) else (v,)
                    exprs.append(P.List(tuple(self.pat_expr(i, span) for i in items)))
                else:
                    exprs.append(self.comb_arg(decl, p, v, _span_of(a) or span))
            cls = SoundV if any(isinstance(self.expr(a), SoundV) or (isinstance(a, A.ListExpr) and any(
                isinstance(self.expr(i), SoundV) for i in a.items)) for a in args) else PatV
            return cls(P.Comb(decl.name, tuple(exprs)), span)
        if not decl.params:   # a pattern source with no arguments (`perlin`, `envL`)
            if args:
                raise self.error(CompileError, f"{decl.name} takes no arguments", span)
            return PatV(P.Comb(decl.name, ()), span)
        if len(args) == 1 and isinstance(args[0], A.ListExpr):
            items = [self.expr(i) for i in args[0].items]
        else:
            items = [self.expr(a) for a in args]
        if not items:
            raise self.error(CompileError, f"{decl.name}: expected a list like `{decl.name} [a, b]`", span)
        if kinds != ["list"] and len(items) != len(kinds):   # fixed arity (stitch b x y)
            raise self.error(CompileError, f"{decl.name} takes {len(kinds)} argument"
                             f"{'s' if len(kinds) != 1 else ''} ({decl.signature()}); got {len(items)}", span)
        mixes = decl.extra.get("signals")   # "sum": always a mix; "sum_if_any": where a signal is
        if mixes == "sum" or any(isinstance(i, SigV) for i in items):
            if mixes is None:
                raise self.error(CompileError, f"{decl.name} combines patterns, not signals", span)
            terms = [("x%d" % k, Ref(self.materialize(i, span))) for k, i in enumerate(items)]
            return SigV(self.add("sum", terms, _lab(span)), None, span)
        if kinds != ["list"]:
            exprs = tuple(self.comb_arg(decl, p, i, i.span or span) for p, i in zip(decl.params, items))
        else:
            exprs = tuple(self.pat_expr(i, span) for i in items)
        cls = SoundV if any(isinstance(i, SoundV) for i in items) else PatV
        return cls(P.Comb(decl.name, exprs), span)

    def comb_arg(self, decl, p, v, span):
        """A combinator's argument. Its number parameter (or a `values=` pattern) given a sound
        pattern, a function, a list or a word: located here, not a TypeError mid-render."""
        if p.kind == "controls" and not isinstance(v, SoundV):
            raise self.error(CompileError, f"{decl.name}: parameter '{p.name}' takes a control "
                             f"pattern, like (pan sine) or (s \"bd\"), not {_describe(v)}", span)
        numbers = p.kind == "number" or p.values == "numbers"
        if (numbers or p.values == "plain") and isinstance(v, (SoundV, SigV, FnV, ListV)):
            raise self.error(CompileError, f"{decl.name}: parameter '{p.name}' must be a number or a "
                             f"pattern of {'numbers' if numbers else 'plain values'}, not {_describe(v)}", span)
        if numbers and isinstance(v, PatV):
            self.check_values(v.expr, P.value_converter("number"), span, f"{decl.name}: parameter '{p.name}'")
            return P.Num("number", v.expr)   # a note name's number (c'maj -> 60)
        return self.pat_expr(v, span)

    def named_combinator(self, decl, args, span):
        """`ur 8 "a b:faster" [("a", s "bd*4"), ("b", s "sn*2")] [("faster", fast 2)]`: the
        names are words in quotes, the patterns any pattern, the functions transforms."""
        exprs, sound = [], False
        for p, a in zip(decl.params, args):
            if p.kind not in ("named", "namedfns"):
                exprs.append(self.comb_arg(decl, p, self.expr(a), _span_of(a) or span))
                continue
            what = "(name, pattern)" if p.kind == "named" else "(name, function)"
            if not isinstance(a, A.ListExpr):
                raise self.error(CompileError, f"{decl.name}: expected a list of {what} pairs, like "
                                 f"`{decl.example}`", _span_of(a) or span)
            pairs = []
            for it in a.items:
                if not (isinstance(it, A.ListExpr) and len(it.items) == 2 and isinstance(it.items[0], A.Str)
                        and it.items[0].text.strip() and " " not in it.items[0].text.strip()):
                    raise self.error(CompileError, f"{decl.name}: expected a list of {what} pairs with "
                                     f"the name a word in quotes, like `{decl.example}`", _span_of(it) or span)
                name, val = it.items[0].text.strip(), it.items[1]
                if p.kind == "named":
                    v = self.expr(val)
                    if isinstance(v, (SigV, FnV, ListV)):
                        raise self.error(CompileError, f"{decl.name}: '{name}' must be a pattern, not "
                                         f"{_describe(v)}", _span_of(val) or span)
                    sound |= isinstance(v, SoundV)
                    pairs.append(P.List((P.Pure(name), self.pat_expr(v, span))))
                else:
                    f = self.function(val)
                    if f.expr is None:
                        raise self.error(CompileError, f"{decl.name}: '{name}' must be a pattern "
                                         "function", _span_of(val) or span)
                    pairs.append(P.List((P.Pure(name), f.expr)))
            exprs.append(P.List(tuple(pairs)))
        return (SoundV if sound else PatV)(P.Comb(decl.name, tuple(exprs)), span)

    def pairs_combinator(self, decl, args, span):
        """`wchoose [("bd", 1), ("sn", 0.5)]`: each pair's weight is a constant number >= 0;
        `timeCat [(1, s "bd*4"), (0.5, s "hh*8")]` ("timed"): the time comes first. Either way
        the pair goes on as (pattern, number)."""
        exprs, sound = [], False
        for p, a in zip(decl.params, args):
            if p.kind not in ("pairs", "timed"):
                exprs.append(self.comb_arg(decl, p, self.expr(a), _span_of(a) or span))
                continue
            timed = p.kind == "timed"
            what, weight = ("(time, pattern)", "time") if timed else ("(value, weight)", "weight")
            items = a.items if isinstance(a, A.ListExpr) else ()
            pairs = []
            for it in items:
                if not (isinstance(it, A.ListExpr) and len(it.items) == 2):
                    raise self.error(CompileError, f"{decl.name}: expected a list of {what} "
                                     f"pairs, like `{decl.example}`", _span_of(it) or span)
                wa, va = (it.items[0], it.items[1]) if timed else (it.items[1], it.items[0])
                v, w = self.expr(va), self.expr(wa)
                if not isinstance(w, NumV) or w.value < 0:
                    raise self.error(CompileError, f"{decl.name}: a {weight} must be a number >= 0",
                                     _span_of(wa) or span)
                if timed and isinstance(v, (SigV, FnV, ListV)):
                    raise self.error(CompileError, f"{decl.name}: expected a pattern after the "
                                     f"time, not {_describe(v)}", _span_of(va) or span)
                sound |= isinstance(v, SoundV)
                pairs.append(P.List((self.pat_expr(v, span), P.Pure(w.value))))
            if not pairs:
                raise self.error(CompileError, f"{decl.name}: expected a list of {what} pairs, "
                                 f"like `{decl.example}`", _span_of(a) or span)
            exprs.append(P.List(tuple(pairs)))
        return (SoundV if sound else PatV)(P.Comb(decl.name, tuple(exprs)), span)
