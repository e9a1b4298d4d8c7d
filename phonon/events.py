"""The events a patch plays: Tidal's `queryArc` for Phonon patches (`phonon events`).

    >>> import phonon
    >>> for e in phonon.events('d1 $ s "bd*2" # gain 0.8', 0, 1):
    ...     print(e)
    (0>1/2)|gain: 0.8, s: "bd"
    (1/2>1)|gain: 0.8, s: "bd"

The events come from the compiled GraphSpec, not from a second reading of the source:
for each output the spec is walked from the output node through its inputs to the
nodes that start voices (samplers, triggered synths), and the pattern data each of them
carries is evaluated with `phonon.patexpr.evaluate`, the same call the engine makes. So
transforms pushed into a voice's pattern by the compiler (`fast 2 $ ...` on a signal,
`jux`, `every`) show here exactly as they are rendered.

Which events: by default those whose onset lies in the window, Tidal's
`queryArc (filterOnsets p) (Arc begin end)` (`filterOnsets`, `queryArc` in
Sound/Tidal/Pattern.hs; the engine starts a voice at exactly these). With
`fragments=True` every hap of `queryArc p (Arc begin end)`, also the fragments of events
that started before the window or end after it and continuous (whole-less) values.
Each output's events are in Tidal's `show` order: a stable sort on the part
(`sortOn part`, Sound/Tidal/Show.hs).

Text form, as Tidal's `showEvent` (Sound/Tidal/Show.hs) but with ASCII fractions:
`(0>1/4)|s: "bd"` when whole = part; `(0>1/2)-1|...` for the first half of an event
whose whole is 0..1 (`ws-` before the part when the event started earlier, `-we` after
it when it ends later); `~0>1~|` for a continuous value. Times are exact fractions of a
cycle (Tidal prints ¼ and 1¼; here 1/4 and 5/4). Controls are sorted by name (Tidal's
ValueMap is a Data.Map). Values keep their exactness: an integer prints as `3`, a
fraction with a finite decimal expansion as its exact decimal (`0.8`, `0.125`), any
other fraction as `1/3`, a float as Python's repr, a string in double quotes.

JSON (`to_json`): [{"output", "whole": [b, e] or null, "part": [b, e], "controls"}],
times as strings ("1/4", "0", "5/4"); control numbers as JSON numbers when exact in
decimal (ints, 0.8), else a string "1/3"; floats as their repr.
"""
from __future__ import annotations

import json
import math
import numbers
import re
import sys
import types
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Optional, Sequence

from .errors import PhononError, UnknownNameError, suggestion_text

MAX_WINDOW_CYCLES = 10_000  # a query bound: `--to 1e9` would otherwise run for hours
MAX_EVENTS = 1_000_000      # and an output bound: `s "bd*100000"` over 10 000 cycles
_DECIMAL_DIGITS = 24        # longest exact decimal printed before falling back to n/d


@dataclass(frozen=True)
class Event:
    """One event of one output: exact whole and part (cycles) and its control map."""

    output: str
    whole: Optional[tuple]  # (begin, end) Fractions; None for a continuous value
    part: tuple
    controls: dict

    @property
    def onset(self) -> Optional[Fraction]:
        """The whole's begin when this fragment holds it (the engine starts a voice here)."""
        if self.whole is not None and self.whole[0] == self.part[0]:
            return self.whole[0]
        return None

    def show(self) -> str:
        """Tidal's showEvent: `(0>1/4)|s: "bd"`, `(0>1/2)-1|...`, `~0>1~|...`."""
        return self.show_span() + show_controls(self.controls)

    def show_span(self) -> str:
        pb, pe = self.part
        part = f"{fmt_time(pb)}>{fmt_time(pe)}"
        if self.whole is None:
            return f"~{part}~|"
        wb, we = self.whole
        h = "" if wb == pb else fmt_time(wb) + "-"
        t = "" if we == pe else "-" + fmt_time(we)
        return f"{h}({part}){t}|"

    def to_json(self) -> dict:
        return {"output": self.output,
                "whole": None if self.whole is None else [fmt_time(t) for t in self.whole],
                "part": [fmt_time(t) for t in self.part],
                "controls": {k: json_value(v) for k, v in sorted(self.controls.items())}}

    def __str__(self) -> str:
        return self.show()


# ------------------------------------------------------------------------------------------
# value formatting
# ------------------------------------------------------------------------------------------

def fmt_time(t: Fraction) -> str:
    """An exact time: "0", "3", "1/4", "5/4", "-1/2"."""
    t = Fraction(t)
    return str(t.numerator) if t.denominator == 1 else f"{t.numerator}/{t.denominator}"


def _decimal(q: Fraction) -> Optional[str]:
    """q's exact decimal expansion when it is finite and short (4/5 -> "0.8"), else None."""
    d = q.denominator
    twos = fives = 0
    while d % 2 == 0:
        d //= 2
        twos += 1
    while d % 5 == 0:
        d //= 5
        fives += 1
    if d != 1:
        return None
    places = max(twos, fives)
    if places > _DECIMAL_DIGITS:
        return None
    scaled = abs(q.numerator) * (10 ** places // q.denominator)
    whole, frac = divmod(scaled, 10 ** places)
    sign = "-" if q < 0 else ""
    return f"{sign}{whole}.{frac:0{places}d}" if places else f"{sign}{whole}"


def show_value(v) -> str:
    """One control value, exact: 3, 0.8, 1/3, 0.30000000000000004, "bd", true."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, numbers.Rational):  # int, Fraction (numpy integers too)
        q = Fraction(int(v.numerator), int(v.denominator))
        if q.denominator == 1:
            return str(q.numerator)
        return _decimal(q) or f"{q.numerator}/{q.denominator}"
    if isinstance(v, numbers.Real):
        return repr(float(v))
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, dict):
        return "{" + show_controls(v) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(show_value(x) for x in v) + "]"
    if v is None:
        return "null"
    return json.dumps(str(v), ensure_ascii=False)


def show_controls(controls: dict) -> str:
    """Tidal's Show ValueMap: `name: value, ...` in name order."""
    return ", ".join(f"{k}: {show_value(v)}" for k, v in sorted(controls.items()))


class _Exact(float):
    """A float that json writes as the exact decimal text it was made from (0.8, not 0.8000...)."""

    def __new__(cls, text: str):
        obj = super().__new__(cls, text)
        obj.text = text
        return obj

    def __repr__(self) -> str:
        return self.text


def json_value(v):
    """A control value for JSON: ints and exact decimals as numbers, other fractions as "1/3"."""
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, numbers.Rational):
        q = Fraction(int(v.numerator), int(v.denominator))
        if q.denominator == 1:
            return int(q.numerator)
        dec = _decimal(q)
        return _Exact(dec) if dec is not None else f"{q.numerator}/{q.denominator}"
    if isinstance(v, numbers.Real):
        f = float(v)
        return f if math.isfinite(f) else repr(f)  # JSON has no inf/nan: "inf", "nan"
    if isinstance(v, dict):
        return {k: json_value(x) for k, x in sorted(v.items())}
    if isinstance(v, (list, tuple)):
        return [json_value(x) for x in v]
    return str(v)


def to_json(evs: Sequence[Event]) -> str:
    """The JSON list `phonon events --json` prints: one event per line."""
    if not evs:
        return "[]"
    return "[\n" + ",\n".join(" " + _dumps(e.to_json()) for e in evs) + "\n]"


def _dumps(obj) -> str:
    # json formats floats with float.__repr__, bypassing subclasses: write each exact decimal
    # through a placeholder string and splice its text back in as a number.
    marks: dict[str, str] = {}

    def prep(x):
        if isinstance(x, _Exact):
            key = f"\x00{len(marks)}\x00"
            marks[key] = x.text
            return key
        if isinstance(x, dict):
            return {k: prep(v) for k, v in x.items()}
        if isinstance(x, list):
            return [prep(v) for v in x]
        return x

    text = json.dumps(prep(obj), ensure_ascii=False)
    for key, num in marks.items():
        text = text.replace(json.dumps(key), num)
    return text


# ------------------------------------------------------------------------------------------
# where the events come from
# ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Source:
    """A node of an output that starts voices, and the pattern of control maps it plays."""

    node: int
    kind: str
    label: str
    expr: Any            # pattern data (phonon.patexpr); values are control maps or words
    synth: bool = False  # expr is a triggered synth's frequency pattern, not control maps
    extras: tuple = ()   # ((param, Pat or constant), ...) of a synth, sampled at each onset


def _voice_classes():
    from .nodes.base import NODE_CLASSES
    from .nodes.voices import EventVoiceNode
    from .registry import load
    load()
    return {k for k, c in NODE_CLASSES.items() if issubclass(c, EventVoiceNode)}


def _source_of(ns, voice_kinds) -> Optional[Source]:
    from .spec import Pat
    if ns.kind not in voice_kinds:
        return None
    pat = ns.arg("pat")
    if isinstance(pat, Pat):  # a sampler (or any voice node playing a control pattern)
        return Source(ns.id, ns.kind, ns.label, pat.expr)
    freq = ns.arg("freq")
    if freq is None:
        return None
    extras = tuple((k, v) for k, v in ns.args if k not in ("freq", "trig") and _given(ns.kind, k, v))
    if isinstance(freq, Pat):
        return Source(ns.id, ns.kind, ns.label, freq.expr, True, extras)
    from .nodes.base import NODE_CLASSES
    if getattr(NODE_CLASSES[ns.kind], "percussive", False):  # one hit per cycle (synths.py)
        from .patexpr import Pure
        return Source(ns.id, ns.kind, ns.label, Pure(_exact(freq)), True, extras)
    return None  # a constant-frequency drone: one endless note, no events


def _exact(v):
    return Fraction(repr(v)) if isinstance(v, float) else v


def _given(kind: str, name: str, v) -> bool:
    """A synth parameter worth printing: a pattern, or a constant other than its default."""
    from .registry import REGISTRY
    from .spec import Pat, Ref
    if isinstance(v, Pat):
        return True
    if isinstance(v, Ref) or v is None:
        return False
    for decl in REGISTRY.values():
        if decl.node_kind == kind:
            for p in decl.params:
                if p.name == name:
                    return p.required or float(p.default) != float(v)
    return True


def sources(spec) -> list[tuple[str, list[Source]]]:
    """[(output name, [Source, ...]), ...] in the spec's output order; a voice node
    reachable from an output through any signal path (buses, sums, effects) belongs to it."""
    from .engine import needed_nodes
    kinds = _voice_classes()
    out = []
    for name, ref in spec.outputs:
        # the engine's reachability: `s "~kick*4"` reads its bus as a sample rendered
        # beforehand (Graph._prerender), so the bus's own voices are not on this timeline
        found = [s for s in (_source_of(spec.node(i), kinds) for i in needed_nodes(spec, [ref.node]))
                 if s is not None]
        found.sort(key=lambda s: s.node)
        out.append((name, found))
    return out


def _pattern(src: Source):
    """The pattern of control maps a voice node plays (synths: {"s": kind, "freq": ..., ...})."""
    from .pattern import set_control, pure
    from .patexpr import evaluate
    pat = evaluate(src.expr)
    if not src.synth:
        return pat
    pat = pat.fmap(lambda v: {"s": src.kind, "freq": v})
    for k, v in src.extras:  # sampled at each note's onset, like SynthNode._param_at
        pat = set_control(pat, k, evaluate(v.expr) if hasattr(v, "expr") else pure(_exact(v)))
    return pat


# ------------------------------------------------------------------------------------------
# the query
# ------------------------------------------------------------------------------------------

_TIME_RE = re.compile(r"\s*(-?\d{1,30})(?:/(\d{1,30})|\.(\d{1,30}))?\s*\Z")


def parse_time(text, what: str = "time") -> Fraction:
    """An exact time from "2", "1/4", "0.25", "-1" (an int, Fraction or float too). No
    exponents and at most 30 digits a part: `1e-99999999` would be a 10^8-digit integer."""
    if isinstance(text, Fraction):
        return text
    if isinstance(text, int) and not isinstance(text, bool):
        return Fraction(text)
    if isinstance(text, float) and math.isfinite(text):
        return Fraction(repr(text))
    m = _TIME_RE.match(str(text)) if isinstance(text, str) else None
    if m is None or m.group(2) is not None and int(m.group(2)) == 0:
        raise PhononError(f"{what}: expected a number of cycles like 2, 1/4 or 0.25; got {str(text)!r}")
    whole, den, dec = m.groups()
    if den is not None:
        return Fraction(int(whole), int(den))
    if dec is not None:
        q = Fraction(int(whole.lstrip("-") + dec), 10 ** len(dec))
        return -q if whole.startswith("-") else q
    return Fraction(int(whole))


def check_window(begin, end, begin_name: str = "begin", end_name: str = "end") -> tuple:
    b = parse_time(begin, begin_name)
    e = parse_time(end, end_name)
    if e <= b:
        raise PhononError(f"empty window: {end_name} {fmt_time(e)} is not after {begin_name} "
                          f"{fmt_time(b)}", hint="the window is begin..end in cycles, end > begin")
    if e - b > MAX_WINDOW_CYCLES:
        raise PhononError(f"window {fmt_time(b)}..{fmt_time(e)} is {fmt_time(e - b)} cycles long; "
                          f"at most {MAX_WINDOW_CYCLES} cycles are queried at once")
    return b, e


def output_names(spec) -> list[str]:
    return [n for n, _ in spec.outputs]


def resolve_output(spec, name: str) -> str:
    """An output by the name the patch gives it: out, out1 / o1 / d1 (all the same)."""
    import re
    names = output_names(spec)
    m = re.fullmatch(r"(?:out|o|d)(\d+)", name)
    key = f"out{int(m.group(1))}" if m else name
    if key in names:
        return key
    numbered = sorted((int(n[3:]) for n in names if n[3:].isdigit()))
    if m and numbered:  # `d3` when the patch has d1 d2: the nearest numbers, in the user's spelling
        prefix = name[:m.start(1)]
        k = int(m.group(1))
        near = sorted(numbered, key=lambda j: (abs(j - k), j))[:2]
        hint = " — did you mean " + " or ".join(f"'{prefix}{j}'" for j in sorted(near)) + "?"
    else:
        hint = suggestion_text(name, names + [f"d{j}" for j in numbered])
    have = ", ".join(n if not n[3:].isdigit() else f"{n} (d{n[3:]})" for n in names)
    raise UnknownNameError(f"no output '{name}'{hint}", hint=f"the patch's outputs: {have}")


def spec_events(spec, begin=0, end=1, output: Optional[str] = None,
                fragments: bool = False, orbit: Optional[int] = None) -> list[Event]:
    """The events of a compiled patch in [begin, end), per output in output order, each
    output's in Tidal's show order (a stable sort on the part). `orbit`: only the events
    sent to that orbit (their `orbit` control; SuperDirt's default is 0)."""
    out: list[Event] = []
    for _, _, evs in _per_output(spec, begin, end, output, fragments, orbit):
        out.extend(evs or ())
    return out


def _per_output(spec, begin, end, output, fragments, orbit):
    """[(name, window, events or None for a signal-only output)] for the outputs asked for."""
    b, e = check_window(begin, end)
    want = resolve_output(spec, output) if output is not None else None
    found = []
    total = 0
    for name, srcs in sources(spec):
        if want is not None and name != want:
            continue
        if not srcs:
            found.append((name, (b, e), None))
            continue
        evs = _output_events(name, srcs, b, e, fragments, MAX_EVENTS - total)
        if orbit is not None:
            evs = [ev for ev in evs if _orbit_of(ev) == orbit]
        total += len(evs)
        found.append((name, (b, e), evs))
    return found


def _orbit_of(ev: Event):
    o = ev.controls.get("orbit", 0)
    try:
        return int(o)
    except (TypeError, ValueError):
        return o


def _query(pat, b: Fraction, e: Fraction, limit: int) -> list:
    """The haps of [b, e), queried cycle by cycle: Tidal's `splitQueries`, which every
    user-facing Tidal pattern applies (pure, and tParam's innerJoin behind fast/slow/every/...),
    and the way the engine queries. So an event crossing a cycle boundary arrives as Tidal
    gives it, (0>1)-2 then 0-(1>2), whatever shortcut a transform takes internally."""
    from .pattern.core import Arc
    out = []
    for arc in Arc(b, e).cycles():
        out.extend(pat.query_span(arc))
        if len(out) > limit:
            raise PhononError(f"more than {MAX_EVENTS} events in {fmt_time(b)}..{fmt_time(e)}; "
                              "ask for a shorter window (--from/--to) or one output (--output)")
    return out


def _output_events(name, srcs, b, e, fragments, limit=MAX_EVENTS) -> list[Event]:
    evs = []
    for src in srcs:
        for h in _query(_pattern(src), b, e, limit - len(evs)):
            if not fragments and not h.has_onset():
                continue
            w = h.whole
            v = h.value
            ctl = dict(v) if isinstance(v, dict) else {"s": v}
            evs.append(Event(name, None if w is None else (w.begin, w.end),
                             (h.part.begin, h.part.end), ctl))
    evs.sort(key=lambda ev: ev.part)  # stable: a stack's layers keep their order
    return evs


def events(source: str, begin=0, end=1, output: Optional[str] = None, *,
           fragments: bool = False, orbit: Optional[int] = None,
           filename: Optional[str] = None) -> list[Event]:
    """The events a patch (source text) plays in [begin, end) cycles.

    `phonon.events('d1 $ s "bd sn"', 0, 1)` -> [Event(output='out1', whole=(0, 1/2), ...), ...]
    begin/end: int, Fraction, float (by its decimal: 0.1 = 1/10) or "1/4".
    output: one output ('out', 'out1' = 'd1' = 'o1'); default every output.
    fragments: every hap of Tidal's queryArc, not only the ones starting in the window.
    orbit: only the events whose `orbit` control is this (absent = 0, as in SuperDirt).
    A patch with errors raises PhononError (line:col and caret in its message)."""
    from .compiler import compile_source
    spec = compile_source(source, filename=filename)
    return spec_events(spec, begin, end, output, fragments, orbit)


# ------------------------------------------------------------------------------------------
# the report `phonon events` prints
# ------------------------------------------------------------------------------------------

def report(spec, begin, end, output: Optional[str] = None, fragments: bool = False,
           orbit: Optional[int] = None) -> str:
    """Per output: a heading, then one event per line (Tidal's show, parts right-aligned)."""
    lines = []
    for name, (b, e), evs in _per_output(spec, begin, end, output, fragments, orbit):
        if evs is None:
            lines.append(f"{name}: no events (a signal: no sample or synth voices)")
            continue
        what = ("hap" if fragments else "event") + ("" if len(evs) == 1 else "s")
        where = f" on orbit {orbit}" if orbit is not None else ""
        lines.append(f"{name}: {len(evs)} {what}{where} in {fmt_time(b)}>{fmt_time(e)}"
                     + ("" if evs else " (its voices play nothing in this window)"))
        spans = [ev.show_span() for ev in evs]
        width = max((len(x) for x in spans), default=0)
        for x, ev in zip(spans, evs):
            lines.append("  " + x.rjust(width) + show_controls(ev.controls))
    return "\n".join(lines)


class _CallableModule(types.ModuleType):
    """`phonon.events(...)` calls `events(...)`: the package attribute is this module."""

    def __call__(self, *args, **kw):
        return events(*args, **kw)


sys.modules[__name__].__class__ = _CallableModule
