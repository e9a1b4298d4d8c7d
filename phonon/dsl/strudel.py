"""Strudel front-end: Strudel code (JavaScript method chains, strudel.cc) -> Phonon's AST.

    setcpm(90/4)
    $: s("bd*2, hh*4").bank("RolandTR909").gain(0.8)
    $: n("0 2 4 <6 7>").scale("C:minor").s("superpiano").jux(rev).every(4, x => x.fast(2))

`parse_strudel(text) -> ast.Program`: `strudel_js.parse_js` reads the JavaScript subset, this
module translates it onto the Tidal functions Phonon has, so the compiler, engine, farm,
`phonon events`, live play and the LSP work unchanged, and errors carry the Strudel file's
line:col. The translation follows Strudel's source (packages/core, packages/tonal; read from
github:tidalcycles/strudel), which differs from Tidal in places; each is said where it is made:

* `$:` and `name:` are outputs (out1, out2 ... in order); `_$:` is muted. With no label the last
  bare pattern expression plays (Strudel's repl plays the labelled patterns if there are any,
  else the value of the last statement).
* Double-quoted and backtick strings are mini-notation (Strudel's transpiler); single-quoted
  strings are plain JavaScript strings, which Strudel's functions parse as mini-notation when
  they take a pattern (`reify`), so they are mini-notation here too.
* `note(...)` is Phonon's `midinote`: Strudel's notes are MIDI numbers and its names are
  scientific pitch with c4 = 60 and a bare name in octave 3 (util.mjs noteToMidi), where Tidal's
  `note` counts semitones from c5. Inside `.add(note(...))` a note is an interval (`note`).
* `.scale("C:minor")` turns `n` steps into notes with the root in octave 3 (tonal.mjs scaleStep):
  `n (scale "minor" steps + 48)` as a midinote.
* `.gain(g)` is linear in Strudel (superdough), SuperDirt's `gain` is g^4: it becomes
  `amp (g * 0.4)` (0.4 is a SuperDirt voice's default amp, so gain 1 keeps the level).
  `.lpq/.resonance/.hpq(Q)` are filter Q values: SuperDirt's resonance r has Q = 1000^r.
  `.size/.roomsize` run 0..10 in Strudel, 0..1 in SuperDirt.
* `.every(n, f)` is Strudel's firstOf (cycle 0 first, Tidal's `every`); `.lastOf(n, f)` is
  `every' n (n-1) f`; `.palindrome()` is `lastOf(2, rev)`; `.euclidRot(k, n, r)` rotates right
  (util.mjs rotate(b, -r)) where Tidal rotates left: `euclid k n (n - r)`.
* Arithmetic `.add/.sub/.mul/.div(x)` keep the left structure (Strudel's default `.in`) = Tidal's
  `|+`; `.add.out` is `+|`, `.add.mix` is `|+|`. A control pattern plus a plain value is left
  unchanged, as in Strudel (value.mjs unionWithObj warns "Can't do arithmetic on control pattern").
* Not followed: Strudel samples its continuous signals (sine, saw, rand, perlin ...) at an event's
  onset (signal.mjs: func(span.begin)), Tidal and Phonon at its midpoint, so a signal's value
  differs by half an event's phase and the random transforms (degradeBy, sometimes ...) choose
  other events than Strudel's (with the same seeds and the same probabilities). That is the
  pattern layer's reading; Strudel files share it.
* Ignored with a note: `samples(...)`, `.bank(...)` (no drum-machine banks: the plain names play),
  visual calls (`.color`, `.punchcard`, `._pianoroll`, `._scope` ...), `.decay/.sustain` (Strudel's
  ADSR; Phonon's voices have SuperDirt's attack/hold/release envelope).
"""
from __future__ import annotations

import math
import re
import warnings
from fractions import Fraction
from typing import Optional

from ..errors import PhononSyntaxError, Span, suggestion_text
from .ast import (BinOp, Call, Chain, ChainSection, Compose, ListExpr, Name, Num, OutDef, Paren,
                  Program, Section, Str, Tempo)
from .lexer import Source
from .parser import TidalNote
from .strudel_js import JArray, JArrow, JBin, JCall, JMember, JName, JNeg, JNum, JStr, parse_js
from .strudel_names import (ARITH, COMBINE, CONTROLS, HOWS, IGNORED, SIGNALS, SIGNALS2, SOURCES,
                            SPECIAL, TEMPO, TIDAL_TRANSFORMS, TONAL_SCALES, TOPLEVEL_IGNORED,
                            TRANSFORMS, VISUAL, known_names)

__all__ = ["parse_strudel", "STRUDEL_EXTENSIONS", "syntax_for"]

# File extensions read as Strudel. `.js` is not among them: plenty of JavaScript is not Strudel;
# give `--syntax strudel` for a `.js` file.
STRUDEL_EXTENSIONS = (".strudel", ".str")


def syntax_for(filename: Optional[str], syntax: Optional[str] = None) -> str:
    """"strudel" or "phonon": the given syntax, else by the file's extension."""
    if syntax:
        return syntax
    if filename and filename.lower().endswith(STRUDEL_EXTENSIONS):
        return "strudel"
    return "phonon"


_DASH_REST = re.compile(r"(?<![\w.])-(?![\w.])")


_EUCLID_ROT = re.compile(r"\(\s*(-?\d+)\s*,\s*(\d+)\s*,(\s*)(-?\d+)(\s*)\)")


def _rotate_right(m: re.Match) -> str:
    """Strudel's mini-notation rotates `(k,n,r)` right (mini.mjs: euclidRot; util.mjs rotate(b, -r)),
    Tidal's left: the rotation becomes (n - r) mod n, padded to keep the columns after it."""
    n, r = int(m.group(2)), int(m.group(4))
    new = str((n - r) % n) if n else m.group(4)
    text = m.group(0)
    start, end = m.start(4) - m.start(0), m.end(4) - m.start(0)
    return text[:start] + new.ljust(end - start) + text[end:]


def _mini(j: JStr) -> Str:
    """A Strudel string as Phonon mini-notation. Strudel's mini-notation also writes a rest as
    `-` (`"bd - sd -"`, the workshop's drum grids): it becomes `~`, keeping every column; an
    euclid rotation `(3,8,2)` turns the other way (see _rotate_right)."""
    return Str(_EUCLID_ROT.sub(_rotate_right, _DASH_REST.sub("~", j.text)), j.span)


def _atom(e):
    return e if isinstance(e, (Num, Str, Name, Paren, ListExpr)) else Paren(e, e.span)


def _num(value: Fraction, span: Span) -> Num:
    value = Fraction(value)
    text = str(value.numerator) if value.denominator == 1 else str(float(value))
    return Num(value, text, span)


class _Translator:
    def __init__(self, src: Source):
        self.src = src
        self.notes: dict[str, Span] = {}
        self.env: dict = {}            # const/let name -> (JS expression, env at its binding)
        self.param: Optional[str] = None
        self.cps = Fraction(1, 2)      # Strudel's default; setcps/setcpm lines change it (for .cpm)

    def error(self, message: str, span: Span, hint: Optional[str] = None) -> PhononSyntaxError:
        return self.src.error(message, span, hint)

    def note(self, span: Span, message: str):
        self.notes.setdefault(message, span)

    # -- constants
    def const(self, j) -> Optional[Fraction]:
        if isinstance(j, _Given):
            return None
        if isinstance(j, JNum):
            return j.value
        if isinstance(j, JNeg):
            v = self.const(j.expr)
            return None if v is None else -v
        if isinstance(j, JBin):
            a, b = self.const(j.a), self.const(j.b)
            if a is None or b is None:
                return None
            if j.op in "/%" and b == 0:
                raise self.error(f"division by zero in {j.op}", j.span)
            return {"+": a + b, "-": a - b, "*": a * b, "/": a / b if b else None,
                    "%": a % b if b else None}[j.op]
        if isinstance(j, JName) and j.name in self.env:
            node, env = self.env[j.name]
            saved, self.env = self.env, env
            try:
                return self.const(node)
            finally:
                self.env = saved
        return None

    # -- patterns: (Phonon expression, kind) with kind "ctl" (control maps) or "val"
    def pat(self, j):
        if isinstance(j, _Given):
            return j.expr, "val"
        c = self.const(j)
        if c is not None:
            return _num(c, j.span), "val"
        if isinstance(j, JStr):
            return _mini(j), "val"
        if isinstance(j, JName):
            return self.name_pat(j)
        if isinstance(j, (JBin, JNeg)):
            op = j.op if isinstance(j, JBin) else "-"
            raise self.error(f"'{op}' between patterns is JavaScript arithmetic, not pattern "
                             f"arithmetic", j.span, "use the methods .add(x) .sub(x) .mul(x) "
                             ".div(x), like \"0 2\".add(12)")
        if isinstance(j, JCall) and isinstance(j.func, JName):
            return self.call_pat(j.func, j.args, j.span)
        if isinstance(j, JCall) and isinstance(j.func, JMember):
            return self.method_pat(j.func, j.args)
        if isinstance(j, JMember):
            raise self.error(f"'.{j.name}' without '(...)'", j.span,
                             f"call the method: .{j.name}(...)")
        if isinstance(j, JArrow):
            raise self.error("an arrow function where a pattern is expected", j.span,
                             "a function goes to a method that takes one, like .every(4, x => x.fast(2))")
        if isinstance(j, JArray):
            raise self.error("an array where a pattern is expected", j.span,
                             "combine patterns with stack(a, b) or cat(a, b)")
        raise self.error("an object where a pattern is expected", j.span)

    def bound(self, name: str, how):
        node, env = self.env[name]
        saved, self.env = self.env, env
        try:
            return how(node)
        finally:
            self.env = saved

    def name_pat(self, j: JName):
        if j.name in self.env:
            e, kind = self.bound(j.name, self.pat)
            return _atom(e), kind
        if j.name == self.param:
            raise self.error(f"'{j.name}' (the arrow function's parameter) can only start the "
                             "method chain of its body", j.span, f"write it like {j.name} => "
                             f"{j.name}.fast(2).gain(0.5)")
        if j.name in SIGNALS:
            return Name(SIGNALS[j.name], j.span), "val"
        if j.name in SIGNALS2:   # Strudel's bipolar signals: sine2 = sine.range(-1, 1)
            return Call("range", (_num(-1, j.span), _num(1, j.span), Name(j.name[:-1], j.span)),
                        (), j.span), "val"
        if j.name == "silence":
            return Str("~", j.span), "val"
        if j.name in TRANSFORMS or j.name in CONTROLS or j.name in COMBINE:
            raise self.error(f"'{j.name}' is a function; a pattern is expected here", j.span,
                             f"call it, like {j.name}(...)")
        raise self.unknown(j.name, j.span)

    def unknown(self, name: str, span: Span) -> PhononSyntaxError:
        return self.error(f"unknown Strudel function or name '{name}'"
                          f"{suggestion_text(name, known_names() + list(self.env))}", span,
                          "Phonon maps the Strudel functions listed in the README's 'Strudel code' "
                          "section; bind your own patterns with const name = ...")

    def call_pat(self, f: JName, args, span):
        name = f.name
        if name in self.env:
            raise self.error(f"'{name}' is bound by const/let to a pattern, not a function",
                             f.span, "use it as a pattern, like stack(" + name + ", ...)")
        if name in CONTROLS:
            if len(args) > 1:   # controls.mjs: (...pats) => sequence(...pats)
                args = (JCall(JName("seq", f.span), tuple(args), f.span),)
            self.arity(name, args, 1, span)
            return self.control_source(name, args[0], f.span)
        if name in COMBINE:
            items = [self.pat(a) for a in (args[0].items if len(args) == 1 and
                                            isinstance(args[0], JArray) else args)]
            if not items:
                raise self.error(f"{name}() needs at least one pattern", span)
            kind = "ctl" if any(k == "ctl" for _, k in items) else "val"
            return Call(COMBINE[name], (ListExpr(tuple(e for e, _ in items), span),), (), f.span), kind
        if name in SOURCES:
            self.arity(name, args, 1, span)
            return Call(SOURCES[name], (_atom(self.pat(args[0])[0]),), (), f.span), "val"
        if name in ("mini", "m", "pure"):
            self.arity(name, args, 1, span)
            return self.pat(args[0])
        if name in TRANSFORMS or name in SPECIAL or name in ARITH:
            kinds = TRANSFORMS[name][1] if name in TRANSFORMS else None
            if kinds is not None and len(args) == len(kinds) + 1:   # fast(2, pat): pattern last
                return self.method_pat(JMember(args[-1], name, f.span), args[:-1])
            raise self.error(f"'{name}(...)' here is a function of a pattern", f.span,
                             f"apply it to a pattern as a method, like s(\"bd sn\").{name}(...)")
        if name in TEMPO or name in TOPLEVEL_IGNORED:
            raise self.error(f"'{name}(...)' is a statement of its own", f.span,
                             "write it on its own line")
        raise self.unknown(name, f.span)

    def arity(self, name: str, args, n: int, span: Span, what: str = ""):
        if len(args) != n:
            raise self.error(f"{what or name} takes {n} argument{'s' if n != 1 else ''}, got "
                             f"{len(args)}", span)

    def control_value(self, name: str, j, span: Span):
        """The Phonon control and its value for Strudel's `name(j)`."""
        ctl = CONTROLS[name]
        conv = None
        if isinstance(ctl, tuple):
            ctl, conv = ctl
        if name in ("s", "sound", "vowel", "unit") or conv is None:
            v, kind = self.pat(j)
            if kind == "ctl":
                raise self.error(f"'{name}' takes a value pattern, not a control pattern", j.span)
            return ctl, v
        c = self.const(j)
        if conv == "room":   # Strudel's room is a wet level that may pass 1; SuperDirt's is 0..1
            if c is not None and c > 1:
                self.note(j.span, f"'.{name}({c})': SuperDirt's room is at most 1, so it is 1 here")
                c = Fraction(1)
            return ctl, (_num(c, j.span) if c is not None else self.pat(j)[0])
        if conv == "q":   # a filter's Q -> SuperDirt's resonance 0..1 (rq = 0.001^r: Q = 1000^r)
            if c is None:
                raise self.error(f"'.{name}(...)' with a pattern: Phonon converts Strudel's filter Q "
                                 "to SuperDirt's resonance for a number only", j.span,
                                 f"give a number, like .{name}(5)")
            r = min(1.0, max(0.0, math.log(float(c)) / math.log(1000.0))) if c > 0 else 0.0
            return ctl, _num(Fraction(round(r, 6)).limit_denominator(10 ** 6), j.span)
        factor = Fraction(2, 5) if conv == "gain" else Fraction(1, 10)
        if c is not None:
            return ctl, _num(c * factor, j.span)
        v, _ = self.pat(j)
        return ctl, Paren(BinOp("*", v, _num(factor, j.span), j.span), j.span)

    def control_source(self, name: str, j, span: Span):
        ctl, v = self.control_value(name, j, span)
        return Call(ctl, (_atom(v),), (), span), "ctl"

    # -- method calls on a pattern
    def method_pat(self, m: JMember, args):
        name, span = m.name, m.span
        if isinstance(m.obj, JMember) and m.obj.name in ARITH and name in HOWS:
            recv = self.pat(m.obj.obj)
            return self.arith(m.obj.name, HOWS[name], recv, args, span)
        if name in ("p", "q"):
            raise self.error(f"'.{name}(...)' names an output; it ends a statement", span,
                             "write it at the end of the statement, or use a label: name: pattern")
        if name in VISUAL:
            self.note(span, f"'.{name}(...)' is ignored: a visual of Strudel's editor")
            return self.pat(m.obj)
        if name in IGNORED:
            self.note(span, IGNORED[name])
            return self.pat(m.obj)
        recv, kind = self.pat(m.obj)
        if name in CONTROLS:
            if not args:   # "c e g".note(): the pattern is the control's value
                if kind == "ctl":
                    raise self.error(f"'.{name}()' needs a value on a control pattern", span,
                                     f"like .{name}(0.5)")
                return self.control_source(name, _Given(recv, m.obj.span), span)
            self.arity(f".{name}", args, 1, span)
            ctl, v = self.control_value(name, args[0], span)
            if kind != "ctl":
                raise self.error(f"'.{name}(...)' on a plain pattern", span,
                                 f"start from a control, like s(\"bd\").{name}(...), or make the "
                                 "pattern one first, like \"c e\".note()")
            return Chain(recv, Call(ctl, (_atom(v),), (), span), span), "ctl"
        if name in ARITH:
            return self.arith(name, "|{}", (recv, kind), args, span)
        if name in COMBINE:
            items = [(recv, kind)] + [self.pat(a) for a in args]
            k = "ctl" if any(x == "ctl" for _, x in items) else "val"
            return Call(COMBINE[name], (ListExpr(tuple(e for e, _ in items), span),), (), span), k
        if name == "cpm":   # repl.mjs: pat._fast(cpm / 60 / scheduler.cps)
            self.arity(".cpm", args, 1, span)
            c = self.const(args[0])
            if c is None or c <= 0:
                raise self.error(".cpm(x) takes a positive number", args[0].span)
            return Call("fast", (_num(c / 60 / self.cps, args[0].span), _atom(recv)), (), span), kind
        if name == "adsr":
            return self.adsr(recv, kind, args, span)
        if name == "scale":
            self.arity(".scale", args, 1, span)
            return self.scale(recv, kind, args[0], span)
        if name == "transpose":
            self.arity(".transpose", args, 1, span)
            v, _ = self.pat(args[0])
            if kind == "ctl":
                v = Call("note", (_atom(v),), (), span)
            return BinOp("|+", recv, v, span), kind
        func, fargs = self.transform(name, args, span)
        return Call(func, tuple(fargs) + (_atom(recv),), (), span), kind

    def adsr(self, recv, kind, args, span):
        """`.adsr("a:d:s:r")`: attack and release map (SuperDirt's envelope), decay and the
        sustain level do not (a note says so)."""
        self.arity(".adsr", args, 1, span)
        j = args[0]
        parts = j.text.split(":") if isinstance(j, JStr) else []
        try:
            vals = [Fraction(p.strip()) for p in parts]
        except ValueError:
            vals = []
        if len(vals) != 4 or kind != "ctl":
            raise self.error(".adsr(...) takes one string of four numbers, like .adsr(\".01:.1:.5:.2\")",
                             j.span, "Phonon maps the attack and the release; write .attack(a) and "
                             ".release(r) for patterned values")
        self.note(span, "'.adsr(...)': the attack and release play; Strudel's decay and sustain "
                        "level have no Phonon equivalent (SuperDirt's attack/hold/release envelope)")
        out = Chain(recv, Call("attack", (_num(vals[0], j.span),), (), span), span)
        return Chain(out, Call("release", (_num(vals[3], j.span),), (), span), span), "ctl"

    def arith(self, name: str, how: str, recv, args, span):
        self.arity(f".{name}", args, 1, span)
        left, kind = recv
        j = args[0]
        if isinstance(j, JCall) and isinstance(j.func, JName) and j.func.name == "note":
            self.arity("note", j.args, 1, j.span)   # an interval in semitones: `note`
            right, rkind = Call("note", (_atom(self.pat(j.args[0])[0]),), (), j.span), "ctl"
        else:
            right, rkind = self.pat(j)
        if kind == "ctl" and rkind != "ctl":
            self.note(span, f"'.{name}(...)' of a control pattern with a plain value does nothing "
                            f"in Strudel (\"Can't do arithmetic on control pattern\"), so here too; "
                            f"write .{name}(n(...)) or .{name}(note(...)), or apply it to the "
                            f"string: n(\"0 2\".{name}(...))")
            return left, kind
        return BinOp(how.format(ARITH[name]), left, right, span), kind

    def transform(self, name: str, args, span):
        """(Tidal function, its arguments) for Strudel's `.name(args)`."""
        if name == "palindrome":   # Strudel: lastOf(2, rev): rev on the odd cycles
            self.arity(".palindrome", args, 0, span)
            return "every'", [_num(2, span), _num(1, span), Name("rev", span)]
        if name == "lastOf":
            self.arity(".lastOf", args, 2, span)
            n = self.const(args[0])
            if n is None or n.denominator != 1 or n < 1:
                raise self.error(".lastOf(n, f) needs a whole number n >= 1", args[0].span)
            return "every'", [_num(n, args[0].span), _num(n - 1, args[0].span),
                              _atom(self.fn(args[1]))]
        if name in ("euclidRot", "euclidrot"):
            self.arity(f".{name}", args, 3, span)
            k, n, r = (self.const(a) for a in args)
            if n is None or r is None or n.denominator != 1 or r.denominator != 1 or n < 1:
                raise self.error(f".{name}(k, n, r) needs whole numbers n and r", span)
            return "euclid", [_atom(self.pat(args[0])[0]), _num(n, args[1].span),
                              _num((n - r) % n, args[2].span)]
        if name == "layer" or (name == "superimpose" and len(args) > 1):
            if not args:
                raise self.error(f".{name}(...) needs at least one function", span)
            fns = [self.fn(a) for a in args]
            if name == "superimpose":
                fns = [Name("id", span)] + fns
            return "layer", [ListExpr(tuple(fns), span)]
        if name not in TRANSFORMS:
            if name in ("scale", "transpose"):
                raise self.error(f"'.{name}(...)' inside a function is not supported", span,
                                 f"apply .{name}(...) to the whole pattern")
            raise self.unknown(name, span)
        func, kinds = TRANSFORMS[name]
        if name == "euclid" and len(args) == 2:   # Phonon's euclid has an optional rotation
            args = tuple(args) + (JNum(Fraction(0), "0", span),)
            kinds = "vvv"
        if len(args) != len(kinds):
            raise self.error(f".{name} takes {len(kinds)} argument{'s' if len(kinds) != 1 else ''}"
                             f" before the pattern, got {len(args)}", span)
        out = []
        for k, a in zip(kinds, args):
            out.append(_atom(self.fn(a)) if k == "f" else _atom(self.pat(a)[0]))
        return func, out

    # -- functions (the arguments of jux, every, off, superimpose ...)
    def fn(self, j):
        if isinstance(j, JName):
            if j.name in self.env:
                return self.bound(j.name, self.fn)
            if j.name == "id":
                return Name("id", j.span)
            if j.name in TRANSFORMS or j.name == "palindrome":
                func, fargs = self.transform(j.name, (), j.span)
                return Call(func, tuple(fargs), (), j.span) if fargs else Name(func, j.span)
            raise self.error(f"'{j.name}' is not a function Phonon knows"
                             f"{suggestion_text(j.name, list(TRANSFORMS))}", j.span,
                             "pass a transform, like rev or fast(2), or an arrow function, like "
                             "x => x.fast(2)")
        if isinstance(j, JCall) and isinstance(j.func, JName):   # fast(2): Strudel curries
            return self.method_fn(j.func.name, j.args, j.func.span)
        if isinstance(j, JArrow):
            if len(j.params) != 1:
                raise self.error(f"an arrow function of {len(j.params)} parameters", j.span,
                                 "Phonon takes arrow functions of one parameter, like x => x.fast(2)")
            param = j.params[0].name
            steps, e = [], j.body
            while True:
                if isinstance(e, JName) and e.name == param:
                    break
                if isinstance(e, JCall) and isinstance(e.func, JMember):
                    m = e.func
                    if isinstance(m.obj, JMember) and m.obj.name in ARITH and m.name in HOWS:
                        steps.append((m.obj.name, e.args, m.span, HOWS[m.name]))
                        e = m.obj.obj
                    else:
                        steps.append((m.name, e.args, m.span, None))
                        e = m.obj
                    continue
                raise self.error("the body of an arrow function must be a method chain on its "
                                 f"parameter, like {param} => {param}.fast(2).rev()",
                                 getattr(e, "span", j.span))
            saved, self.param = self.param, param
            try:
                fns = [self.method_fn(n, a, s, how) for n, a, s, how in steps]
            finally:
                self.param = saved
            fns = [f for f in fns if f is not None]
            if not fns:
                return Name("id", j.span)
            return fns[0] if len(fns) == 1 else Compose(tuple(fns), j.span)
        raise self.error("a function is expected here", getattr(j, "span", Span(1, 1)),
                         "pass a transform, like rev or fast(2), or an arrow function, like "
                         "x => x.fast(2)")

    def method_fn(self, name: str, args, span, how: Optional[str] = None):
        """`.name(args)` as a function of a pattern (None: an ignored method)."""
        if name in ARITH:
            self.arity(name, args, 1, span)
            j = args[0]
            if isinstance(j, JCall) and isinstance(j.func, JName) and j.func.name == "note":
                right = Call("note", (_atom(self.pat(j.args[0])[0]),), (), j.span)
            else:
                right = self.pat(j)[0]
            return Section((how or "|{}").format(ARITH[name]), _atom(right), "right", span)
        if name in CONTROLS:
            if not args:
                raise self.error(f"'.{name}()' inside a function is not supported", span,
                                 f"apply .{name}() to the whole pattern, after the function")
            self.arity(name, args, 1, span)
            ctl, v = self.control_value(name, args[0], span)
            return ChainSection(Call(ctl, (_atom(v),), (), span), span)
        if name in VISUAL:
            self.note(span, f"'.{name}(...)' is ignored: a visual of Strudel's editor")
            return None
        if name in IGNORED:
            self.note(span, IGNORED[name])
            return None
        if name == "transpose":
            self.arity(name, args, 1, span)
            return Section("|+", Call("note", (_atom(self.pat(args[0])[0]),), (), span), "right",
                           span)
        func, fargs = self.transform(name, args, span)
        return Call(func, tuple(fargs), (), span) if fargs else Name(func, span)

    # -- scales
    def scale(self, recv, kind: str, j, span: Span):
        while isinstance(j, JName) and j.name in self.env:   # const scale = "C:minor"
            j = self.env[j.name][0]
        if not isinstance(j, JStr):
            raise self.error(".scale(...) takes a scale name string, like \"C:minor\"",
                             getattr(j, "span", span))
        if any(c in j.text for c in "<>[]{}*,|/!@ "):   # a pattern of scales: "<C:major D:minor>"
            tidal, root = self.scale_pattern(j)
        else:
            tidal, root = self.scale_name(j)
        if kind == "val":
            return self.scaled(recv, tidal, root, span), "val"
        return self.push_scale(recv, tidal, root, span), "ctl"

    def scale_pattern(self, j: JStr):
        """`"<C:major D:mixolydian>/4"`: two patterns of the same shape, the Tidal scale names
        and the roots' MIDI numbers (each `Root:name` word replaced in place)."""
        names, roots = [], []
        words = re.compile(r"[A-Za-z][\w#]*(?::[\w#]+)*")
        pos = 0
        for m in words.finditer(j.text):
            tidal, root = self.scale_name(JStr(m.group(), j.quote, j.span))
            names.append(j.text[pos:m.start()] + tidal)
            roots.append(j.text[pos:m.start()] + str(root))
            pos = m.end()
        if not names:
            raise self.error(".scale(...) takes a scale name, like \"C:minor\"", j.span)
        tail = j.text[pos:]
        return Str("".join(names) + tail, j.span), Str("".join(roots) + tail, j.span)

    def scale_name(self, j: JStr):
        from ..pattern.harmony import SCALES
        from ..pattern.notes import note_to_midi
        text = j.text.strip()
        words = [w for w in text.replace(":", " ").split() if w]
        root = Fraction(48)
        if words and note_to_midi(words[0]) is not None and (len(words) > 1 or len(words[0]) <= 3):
            tonic = words.pop(0)
            has_octave = tonic[-1].isdigit()
            root = note_to_midi(tonic if has_octave else tonic + "3")   # Strudel: octave 3
        name = " ".join(words) or "major"
        tidal = TONAL_SCALES.get(name.lower())
        if tidal is None:
            tidal = next((k for k in SCALES if k.lower() == name.replace(" ", "").lower()), None)
        if tidal is None:
            raise self.error(f"unknown scale '{name}'"
                             f"{suggestion_text(name, list(SCALES) + list(TONAL_SCALES))}", j.span,
                             "Phonon has Tidal's scale table (major minor dorian ... minor "
                             "pentatonic = minPent); write it like \"C:minor\"")
        return tidal, root

    def scaled(self, steps, tidal, root, span: Span):
        """The MIDI notes of scale steps (Strudel: the root note plus the scale's step); `tidal`
        and `root` are a name and a number, or two patterns (`scale_pattern`)."""
        name = tidal if isinstance(tidal, Str) else Str(tidal, span)
        sc = Call("scale", (name, _atom(steps)), (), span)
        return Paren(BinOp("|+", sc, root if isinstance(root, Str) else _num(root, span), span), span)

    def push_scale(self, e, tidal: str, root: Fraction, span: Span):
        """`.scale` on a control pattern: its `n` values become midinotes (tonal.mjs: scale
        replaces n by note), through the controls, transforms and combinators around them."""
        if isinstance(e, Paren):
            return Paren(self.push_scale(e.expr, tidal, root, span), e.span)
        if isinstance(e, Call) and e.func == "n" and len(e.args) == 1:
            return Call("midinote", (self.scaled(e.args[0], tidal, root, span),), (), e.span)
        if isinstance(e, Chain):
            if isinstance(e.right, Call) and e.right.func == "n":
                right = Call("midinote", (self.scaled(e.right.args[0], tidal, root, span),), (),
                             e.right.span)
                return Chain(e.left, right, e.span)
            return Chain(self.push_scale(e.left, tidal, root, span), e.right, e.span)
        if isinstance(e, Call) and e.func in ("stack", "cat", "fastcat"):
            items = tuple(self.push_scale(x, tidal, root, span) for x in e.args[0].items)
            return Call(e.func, (ListExpr(items, e.args[0].span),), (), e.span)
        if isinstance(e, Call) and e.args and e.func in TIDAL_TRANSFORMS:
            return Call(e.func, e.args[:-1] + (_atom(self.push_scale(e.args[-1], tidal, root,
                                                                     span)),), (), e.span)
        raise self.error(".scale(...) turns n(...) steps into notes; this pattern has no n(...) "
                         "it can reach", span, "apply it to n(...), like n(\"0 2 4\").scale(\"C:minor\")")

    # -- the program
    def output(self, j, span: Span):
        """A pattern that plays. Strudel's superdough plays an event without `s` as "triangle"
        (its default sound), where Phonon's voices leave it silent: `|< s "triangle"` gives
        those events that sound (`|<` keeps the value an event has)."""
        expr, kind = self.pat(j)
        if kind != "ctl":
            raise self.error("a pattern of plain values does not play", getattr(j, "span", span),
                             "make it a control pattern, like \"c e g\".note() or s(\"bd sn\")")
        return BinOp("|<", expr, Call("s", (Str("triangle", span),), (), span), span), span

    def program(self, stmts) -> list:
        """Statements in order (a `.cpm` sees the tempo set above it, as Strudel evaluates)."""
        tempo, outputs, bare = [], [], []
        for st in stmts:
            e = st.expr
            if st.kind == "let":
                if st.name in self.env:
                    raise self.error(f"'{st.name}' is bound twice", st.span,
                                     "use a new name for the second binding")
                self.env[st.name] = (e, dict(self.env))
                continue
            if st.kind == "label":
                if st.name.startswith("_"):
                    self.note(st.span, f"'{st.name}:' is muted (a label starting with '_'): it does "
                                       "not play")
                    continue
                outputs.append(self.output(e, st.span))
                continue
            if isinstance(e, JCall) and isinstance(e.func, JName):
                fname = e.func.name
                if fname in TEMPO:
                    self.arity(fname, e.args, 1, e.span)
                    c = self.const(e.args[0])
                    if c is None or c <= 0:
                        raise self.error(f"{fname}(...) takes a positive number, like {fname}(0.5)",
                                         e.args[0].span if e.args else e.span)
                    self.cps = c if TEMPO[fname] == "cps" else c / 60
                    tempo.append(Tempo(TEMPO[fname], _num(c, e.args[0].span), e.func.span))
                    continue
                if fname in TOPLEVEL_IGNORED:
                    self.note(e.func.span, f"'{fname}(...)' is ignored: Phonon uses its own sample "
                                           "folders (--samples DIR, `phonon samples` lists them)")
                    continue
            if isinstance(e, JCall) and isinstance(e.func, JMember) and e.func.name in ("p", "q"):
                outputs.append(self.output(e.func.obj, st.span))   # pat.p('name'): a label
                continue
            bare.append(self.output(e, st.span))
        statements = list(tempo)
        if outputs:
            for _, span in bare:
                self.note(span, "a pattern that is not labelled does not play: the file has "
                                "labelled patterns ($: ...), and Strudel plays those")
            statements += [OutDef(f"out{k}", expr, span) for k, (expr, span) in enumerate(outputs, 1)]
        elif bare:
            for _, span in bare[:-1]:
                self.note(span, "only the last pattern plays (Strudel plays the value of the last "
                                "statement); label patterns with $: to play several")
            statements.append(OutDef("out", *bare[-1]))
        return statements


class _Given:
    """A translated Phonon expression standing where a JS node is expected (`"c e".note()`)."""

    def __init__(self, expr, span):
        self.expr, self.span = expr, span




def parse_strudel(text: str, filename: Optional[str] = None) -> Program:
    """Strudel code -> Phonon's Program (a located PhononSyntaxError on what it does not take;
    the ignored calls are `Program.notes`, issued as TidalNote warnings)."""
    text = text.removeprefix("\ufeff")
    src = Source(text, filename)
    tr = _Translator(src)
    statements = tr.program(parse_js(src))
    notes = tuple((span, msg) for msg, span in sorted(tr.notes.items(), key=lambda kv: (
        kv[1].line, kv[1].col)))
    for span, note in notes:
        where = f"{filename}:" if filename else ""
        warnings.warn(f"{where}{span.line}:{span.col}: {note}", TidalNote, stacklevel=2)
    return Program(tuple(statements), source=text, notes=notes)
