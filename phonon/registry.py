"""One declaration per DSL function.

A declaration names the function, its aliases, its parameters (name, default,
unit, allowed range, kind), a one-paragraph doc and an example. It drives the
compiler's validation and keyword arguments, `phonon functions`, the generated
`docs/functions.md`, and a test that compiles and renders every example.

Declarations live beside their implementation (node modules call `declare` at
import; the pattern library declares transforms). `load()` imports them all.

Parameter kinds:
  input     the signal a function processes (`a # lpf ...` or the first positional)
  signal    a constant, a numeric pattern (stepped control) or an audio-rate signal
  number    a constant or a numeric pattern, never audio-rate (voice counts, times of transforms)
  pattern   a pattern argument (mini-notation string or pattern expression)
  function  a pattern function (`every 2 (fast 2)`, `jux rev`)
  list      a list `[a, b, c]`
  pairs     a list of (value, weight) tuples `[("bd", 1), ("sn", 0.5)]` (wchoose, wrandcat)
  timed     a list of (time, pattern) tuples `[(1, s "bd*4"), (0.5, s "hh*8")]` (timeCat)
  named     a list of (name, pattern) tuples `[("a", s "bd*4"), ("b", s "sn*2")]` (ur)
  namedfns  a list of (name, function) tuples `[("faster", fast 2)]` (ur)
  replacement  a pattern of any kind that takes the place of the one transformed (const)
  controls  a pattern of control maps: `(s "bd")`, `(n 1)`, `(pan sine)` (fix and contrast match
            events against it, weave applies it)
  curried   a transform missing its last argument (`fast`, `chop`, `($)`), applied to each value
            of the list parameter after it (spread, fastspread)
  functions a list of pattern functions `[rev, fast 2, (# speed 2)]` (layer, pickF)
  trigger   the pattern whose onsets trigger an envelope: wired by the compiler from the chain
            (`s "bd*4" # adsr ...`), never written by a user (not in signatures, --json, completion)
  test      a test of numbers, Haskell's `(Int -> Bool)` or `(Time -> Bool)` (the param's
            unit says which): `even`, `(== 0) . flip mod 2`, `(< 0.5) . flip mod' 2` (ifp, whenT)

The "test" category holds the number functions such tests are made of (`even`, `mod`, `flip`,
the comparison sections `(> 0.5)`); they exist only inside a test parameter.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Optional

from .errors import ParamRangeError, UnknownNameError, suggestion_text

REQUIRED = object()

CATEGORIES = ("oscillator", "filter", "envelope", "effect", "dynamics", "sample", "synth",
              "transform", "control", "combinator", "math", "test")
PARAM_KINDS = ("input", "signal", "number", "pattern", "function", "list", "functions", "pairs", "timed",
               "controls", "replacement", "named", "namedfns", "curried", "test", "trigger")


@dataclass(frozen=True)
class Param:
    name: str
    default: Any = REQUIRED
    unit: str = ""
    range: Optional[tuple] = None  # inclusive (lo, hi); None = any; use float('inf') for open ends
    kind: str = "signal"
    doc: str = ""
    # a "pattern" parameter's values: "numbers" (select's `by`, squeeze's `index`) or "plain"
    # (numbers, booleans or words: sew's `bools`, ascii's `words`), never a sound pattern;
    # a sound pattern there (or a word where numbers are needed) is a located compile error
    values: str = ""

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    @property
    def wired(self) -> bool:
        """Set by the compiler, not by a user (the trigger pattern of an envelope)."""
        return self.kind == "trigger"

    def check(self, value: float, func: str, span=None) -> None:
        """Raise ParamRangeError when a constant is outside the allowed range."""
        if self.range is None:
            return
        lo, hi = self.range
        v = float(value)
        if not (lo <= v <= hi):
            raise ParamRangeError(
                f"{func}: parameter '{self.name}' got {_fmt(v)}; expected {_fmt(lo)}..{_fmt(hi)}"
                + (f" ({self.unit})" if self.unit else ""), span=span)

    @property
    def note_names(self) -> str:
        """What a note name means where this parameter takes a pattern ("" = not accepted).
        Derived from the unit, the one place the compiler's value conversion reads too."""
        if self.unit == "Hz":
            return "Hz: a4 = 440"
        if self.unit == "semitones":
            return "semitones: c5 = 0 (Tidal)"
        if self.unit == "midi":
            return "MIDI: c4 = 60, a bare name in octave 3 (Strudel)"
        return ""

    def as_json(self) -> dict:
        return {"name": self.name, "required": self.required,
                "default": None if self.required else _json_value(self.default),
                "unit": self.unit, "range": None if self.range is None else [_json_value(x) for x in self.range],
                "kind": self.kind, "note_names": self.note_names, "doc": self.doc}

    def describe(self) -> str:
        s = self.name
        if not self.required:
            s += f"={_fmt(self.default)}"
        return s


@dataclass(frozen=True)
class FunctionDecl:
    name: str
    category: str
    params: tuple
    doc: str
    example: str
    aliases: tuple = ()
    # For DSP functions: the node kind in the engine (defaults to `name`).
    node: Optional[str] = None
    # For transforms/combinators on patterns: fn(pattern, *args) -> Pattern (args already evaluated).
    fn: Optional[Callable] = None
    # A chained call (`a # f ...`) feeds `a` into the 'input' param; set False for sources.
    chainable: bool = True
    extra: dict = field(default_factory=dict)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise UnknownNameError(
            f"{self.name}: unknown parameter '{name}'{suggestion_text(name, [p.name for p in self.params])}; "
            f"parameters are: {self.signature()}")

    def user_params(self) -> tuple:
        """The parameters a user writes (not the ones the compiler wires, see Param.wired)."""
        return tuple(p for p in self.params if not p.wired)

    def signature(self) -> str:
        return " ".join(p.describe() for p in self.user_params())

    @property
    def node_kind(self) -> str:
        return self.node or self.name

    def tidal_type(self) -> str:
        """A Haskell-style type in Tidal's terms, for pattern functions and controls (editors
        show it as Tidal users read it); "" for signal-graph functions."""
        if self.extra.get("tidal_type"):  # copied from Tidal's source (phonon/pattern/tidal_types.py)
            return f"{self.name} :: {self.extra['tidal_type']}"
        if self.category == "control":
            p = self.params[0]
            return f"{self.name} :: {_tidal_param_type(p)} -> ControlPattern"
        if self.category in ("transform", "combinator"):
            args = [_tidal_param_type(p) for p in self.params]
            if self.category == "combinator":
                return f"{self.name} :: [Pattern a] -> Pattern a"
            return f"{self.name} :: " + " -> ".join(args + ["Pattern a", "Pattern a"])
        return ""

    def as_json(self) -> dict:
        """The declaration as plain data (`phonon functions --json`: completion, editors)."""
        return {"name": self.name, "aliases": list(self.aliases), "category": self.category,
                "signature": f"{self.name} {self.signature()}".strip(),
                "tidal_type": self.tidal_type(),
                "params": [p.as_json() for p in self.user_params()],
                "doc": self.doc, "example": self.example, "chainable": self.chainable}


REGISTRY: dict[str, FunctionDecl] = {}
ALIASES: dict[str, str] = {}
# Aliases of controls (category "control"). Tidal spells a control with a function's name
# (`# lpf 1000` on an event chain is the `cutoff` control; `lpf` on a signal is the filter
# node), so a control alias may equal a function name: `control_for(name)` resolves it on
# event chains, `lookup(name)` prefers the function.
CONTROL_ALIASES: dict[str, str] = {}

# Modules that declare functions at import time; `load()` imports them all.
DECLARING_MODULES = (
    "phonon.pattern.library",
    "phonon.nodes",
    "phonon.orbits",
)


def declare(name: str, category: str, params: list, doc: str, example: str, aliases: tuple = (),
            node: Optional[str] = None, fn: Optional[Callable] = None, chainable: bool = True,
            **extra) -> FunctionDecl:
    """Register one DSL function. Re-declaring a name is an error (one declaration per function)."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r} for {name}")
    for p in params:
        if p.kind not in PARAM_KINDS:
            raise ValueError(f"{name}: unknown param kind {p.kind!r}")
    if name in REGISTRY and REGISTRY[name].category != category:
        raise ValueError(f"{name} declared twice")
    decl = FunctionDecl(name=name, category=category, params=tuple(params), doc=doc.strip(),
                        example=example.strip(), aliases=tuple(aliases), node=node, fn=fn,
                        chainable=chainable, extra=extra)
    REGISTRY[name] = decl
    for a in aliases:
        (CONTROL_ALIASES if category == "control" else ALIASES)[a] = name
    return decl


_loaded = False


def load() -> dict[str, FunctionDecl]:
    """Import every declaring module once; return the registry."""
    global _loaded
    if not _loaded:
        for mod in DECLARING_MODULES:
            importlib.import_module(mod)
        _loaded = True
    return REGISTRY


def lookup(name: str, span=None) -> FunctionDecl:
    """The declaration for `name` (or an alias); unknown names raise with a did-you-mean."""
    load()
    if name in REGISTRY:
        return REGISTRY[name]
    if name in ALIASES:
        return REGISTRY[ALIASES[name]]
    if name in CONTROL_ALIASES:
        return REGISTRY[CONTROL_ALIASES[name]]
    raise UnknownNameError(f"unknown function '{name}'{suggestion_text(name, all_names())}", span=span)


def control_for(name: str) -> Optional[FunctionDecl]:
    """The control that `# name ...` sets on an event chain (a control's name or alias), or None."""
    load()
    decl = REGISTRY.get(name)
    if decl is not None and decl.category == "control":
        return decl
    if name in CONTROL_ALIASES:
        return REGISTRY[CONTROL_ALIASES[name]]
    return None


def control_names() -> list[str]:
    """Every control name and control alias (for did-you-mean on event chains)."""
    load()
    return sorted({n for n, d in REGISTRY.items() if d.category == "control"} | set(CONTROL_ALIASES))


def all_names() -> list[str]:
    load()
    return sorted(set(REGISTRY) | set(ALIASES) | set(CONTROL_ALIASES))


_INT_PARAMS = {"n", "count", "steps", "pulses", "rotation", "bits", "voices"}


def trigger(doc: str = "set by the compiler: the pattern whose onsets trigger") -> Param:
    """The trigger parameter of an envelope (kind "trigger", wired by the compiler)."""
    return Param("trig", None, kind="trigger", doc=doc)


# the Tidal type of a parameter of each kind (kinds that depend on the unit or name: below)
_KIND_TYPES = {"function": "(Pattern a -> Pattern a)", "list": "[Pattern a]",
               "functions": "[Pattern a -> Pattern a]", "curried": "(a -> Pattern b -> Pattern b)",
               "pairs": "[(a, Double)]", "timed": "[(Time, Pattern a)]", "controls": "ControlPattern",
               "replacement": "Pattern a", "named": "[(String, Pattern a)]",
               "namedfns": "[(String, Pattern a -> Pattern a)]", "pattern": "Pattern a",
               "trigger": "Pattern a"}


def _tidal_param_type(p: Param) -> str:
    if p.kind in _KIND_TYPES:
        return _KIND_TYPES[p.kind]
    if p.kind == "test":
        return f"({p.unit or 'Int'} -> Bool)"
    if p.unit == "cycles":
        return "Pattern Time"
    if p.name in _INT_PARAMS:
        return "Pattern Int"
    return "Pattern Double"


def _json_value(v):
    """A default or range bound as JSON: exact numbers as int or float, +-inf as strings."""
    if isinstance(v, (Fraction, int, float)) and not isinstance(v, bool):
        f = float(v)
        if f in (float("inf"), float("-inf")):
            return "inf" if f > 0 else "-inf"
        return int(f) if f == int(f) and abs(f) < 2 ** 53 else f
    if v is None or isinstance(v, (str, bool)):
        return v
    return str(v)


def _fmt(v) -> str:
    if isinstance(v, Fraction):
        v = float(v)
    if isinstance(v, float):
        if v == float("inf"):
            return "inf"
        if v == float("-inf"):
            return "-inf"
        if v == int(v) and abs(v) < 1e15:
            return str(int(v))
        return f"{v:g}"
    return str(v)
