"""Pattern core: exact time, arcs, haps, and the Pattern query function.

A Pattern is a function from a query span (an `Arc` of cycles) to the list of
`Hap`s active in it, as in Tidal (`Sound.Tidal.Pattern`), Strudel (`pattern.mjs`)
and Vortex. Time is exact `Fraction` everywhere. Our "State" is just the span:
Phonon has no control-bus state in the query.

The few primitives (`split_queries`, `with_query_span/time`, `with_hap_span/time`,
`with_value`, `app_left/right/both`, `inner/outer/squeeze/bind`) are defined
here; every transform is built from them in a few lines. Each transform has a
plain form (`_fast(factor)`, constant arguments) and a patterned form
(`fast = patterned(_fast)`): `patterned` is the one mechanism that turns
pattern arguments into an `inner_join` (Tidal's `tParam`), with a fast path
when every argument is a constant (`pure`) pattern.
"""
from __future__ import annotations

import bisect
import functools
import operator
import re
from math import gcd
from fractions import Fraction
from typing import Any, Callable, Iterable, NamedTuple, Optional

from .. import limits as _limits
from .notes import PatternValueError
from .timearith import add as _add, int_sub as _isub, mk as _mk, mul as _mul, sub as _sub


def _iadd(c: int, a: Fraction) -> Fraction:
    """c + a for an int c (already coprime)."""
    d = a._denominator
    return _mk(c * d + a._numerator, d)

__all__ = [
    "Time", "to_time", "sam", "next_sam", "cycle_pos", "Arc", "Hap", "Pattern",
    "pure", "silence", "steady", "stack", "slowcat", "cat", "fastcat", "timecat",
    "sequence", "reify", "patterned", "set_string_parser", "combine_values", "fast_from_list", "slow_from_list",
]

Time = Fraction
_ZERO = Fraction(0)
_ONE = Fraction(1)
_charge = _limits.charge
_BUDGET = _limits.BUDGET


def to_time(x) -> Fraction:
    """An exact Fraction from int, Fraction, float (by its shortest decimal: 0.1 -> 1/10) or str ("1/3", "1.5")."""
    t = type(x)
    if t is Fraction:
        return x
    if t is int:
        return Fraction(x)
    if t is float:
        return Fraction(repr(x))
    if t is str:
        return _str_time(x)
    if t is bool:
        return Fraction(int(x))
    if isinstance(x, Fraction):
        return x
    if isinstance(x, int):
        return Fraction(int(x))
    raise TypeError(f"expected a time (int, Fraction, float or 'n/d' string), got {x!r}")


# Tidal's rational shorthands (ParseBP.pRatio / pRatioChar): "q" = 1/4, "3e" = 3/8, "1%8" = 1/8,
# "-h" = -1/2. Only where a time or number is needed: elsewhere "e" stays a word (a note name).
_RATIO_CHARS = {"w": Fraction(1), "h": Fraction(1, 2), "q": Fraction(1, 4), "e": Fraction(1, 8),
                "s": Fraction(1, 16), "t": Fraction(1, 3), "f": Fraction(1, 5), "x": Fraction(1, 6)}
_RATIO_RE = re.compile(r"([-+]?)(?:(\d+(?:\.\d+)?)(?:%(\d+))?)?([whqestfx])?")


def _str_time(x: str) -> Fraction:
    x = x.strip()
    try:
        return Fraction(x)
    except ValueError:
        pass
    m = _RATIO_RE.fullmatch(x)
    if m and (m.group(2) or m.group(4)) and not (m.group(3) and "." in (m.group(2) or "")):
        sign, num, den, ch = m.groups()
        v = Fraction(num) if num else Fraction(1)
        if den:
            if int(den) == 0:
                raise PatternValueError(f"got '{x}'; a ratio's denominator must not be 0")
            v /= int(den)
        v *= _RATIO_CHARS[ch] if ch else 1
        return -v if sign == "-" else v
    raise PatternValueError(f"got word '{x}' where a time or number is needed; expected a number "
                            f"(like 0.25, 1/8, 1%8) or Tidal's shorthand (w h q e s t f x: 1, 1/2, 1/4, "
                            f"1/8, 1/16, 1/3, 1/5, 1/6; 3e = 3/8)")


def sam(t: Fraction) -> Fraction:
    """Start of the cycle containing t (floor, so negative time works)."""
    return Fraction(t.__floor__())


def next_sam(t: Fraction) -> Fraction:
    """Start of the next cycle."""
    return Fraction(t.__floor__() + 1)


def cycle_pos(t: Fraction) -> Fraction:
    """Position of t within its cycle, in [0, 1)."""
    return t - t.__floor__()


class Arc(NamedTuple):
    """A time span [begin, end) in cycles."""

    begin: Fraction
    end: Fraction

    def cycles(self) -> list["Arc"]:
        """Split at cycle boundaries (Tidal's arcCyclesZW: a zero-width arc stays one arc)."""
        b, e = self
        if b >= e:
            return [self] if b == e else []
        out = []
        s = b.__floor__()
        _charge(-((-e).__floor__()) - s)   # the cycles about to be built (limits.charge)
        while True:
            n = s + 1
            if e <= n:
                out.append(Arc(b, e))
                return out
            nf = Fraction(n)
            out.append(Arc(b, nf))
            b, s = nf, n

    def with_time(self, f: Callable) -> "Arc":
        return Arc(f(self.begin), f(self.end))

    def with_cycle(self, f: Callable) -> "Arc":
        """Apply f to both times relative to the cycle of `begin` (Tidal's mapCycle)."""
        s = sam(self.begin)
        return Arc(s + f(self.begin - s), s + f(self.end - s))

    def sect(self, other: "Arc") -> "Arc":
        """Plain intersection (may be empty: begin > end)."""
        return Arc(max(self.begin, other.begin), min(self.end, other.end))

    def intersection(self, other: "Arc") -> Optional["Arc"]:
        """Tidal's subArc: None when disjoint, or when a zero-width result sits at the end of a non-zero arc."""
        sb, se = self
        ob, oe = other
        try:  # exact comparisons on the integer fields (Fraction's operators are ~20x slower)
            sbn, sbd, sen, sed = sb._numerator, sb._denominator, se._numerator, se._denominator
            obn, obd, oen, oed = ob._numerator, ob._denominator, oe._numerator, oe._denominator
        except AttributeError:  # int endpoints
            return self._intersection(other)
        if sbn * obd > obn * sbd:
            b, bn, bd = sb, sbn, sbd
        else:
            b, bn, bd = ob, obn, obd
        if sen * oed < oen * sed:
            e, en, ed = se, sen, sed
        else:
            e, en, ed = oe, oen, oed
        c = bn * ed - en * bd
        if c > 0:
            return None
        if c == 0:
            # b == e: zero width
            if bn * sed == sen * bd and sbn * sed < sen * sbd:
                return None
            if bn * oed == oen * bd and obn * oed < oen * obd:
                return None
        return Arc(b, e)

    def _intersection(self, other: "Arc") -> Optional["Arc"]:
        b = self.begin if self.begin > other.begin else other.begin
        e = self.end if self.end < other.end else other.end
        if b > e:
            return None
        if b == e:
            if b == self.end and self.begin < self.end:
                return None
            if b == other.end and other.begin < other.end:
                return None
        return Arc(b, e)

    def midpoint(self) -> Fraction:
        return (self.begin + self.end) / 2

    def cycle_arc(self) -> "Arc":
        """The same arc shifted so its begin lies in cycle 0."""
        s = sam(self.begin)
        return Arc(self.begin - s, self.end - s)

    def __repr__(self) -> str:
        return f"({_fmt(self.begin)}>{_fmt(self.end)})"


def _fmt(t) -> str:
    if isinstance(t, Fraction) and t.denominator == 1:
        return str(t.numerator)
    return str(t)


class Hap:
    """An event: `whole` is the event's full extent (None for continuous signals),
    `part` the fragment inside the query; `value` anything; `context` a tuple of
    source spans (for highlighting). Equality ignores context."""

    __slots__ = ("whole", "part", "value", "context")

    def __init__(self, whole: Optional[Arc], part: Arc, value: Any, context: tuple = ()):
        self.whole = whole
        self.part = part
        self.value = value
        self.context = context

    def has_onset(self) -> bool:
        """True when this fragment contains the event's start."""
        w = self.whole
        return w is not None and (w is self.part or w.begin == self.part.begin)

    def whole_or_part(self) -> Arc:
        return self.whole if self.whole is not None else self.part

    def with_span(self, f: Callable[[Arc], Arc]) -> "Hap":
        w, p = self.whole, self.part
        np_ = f(p)
        nw = np_ if w is p else (None if w is None else f(w))
        return Hap(nw, np_, self.value, self.context)

    def with_value(self, f: Callable) -> "Hap":
        return Hap(self.whole, self.part, f(self.value), self.context)

    def set_value(self, v) -> "Hap":
        return Hap(self.whole, self.part, v, self.context)

    def __eq__(self, other) -> bool:
        return (isinstance(other, Hap) and self.whole == other.whole and self.part == other.part
                and self.value == other.value)

    def __hash__(self):
        return hash((self.whole, self.part, _hashable(self.value)))

    def __repr__(self) -> str:
        w, p = self.whole, self.part
        if w is None:
            span = f"~{p!r}"
        elif w == p:
            span = repr(w)
        else:
            span = f"({_fmt(w.begin)}>{_fmt(w.end)})[{_fmt(p.begin)}>{_fmt(p.end)}]"
        return f"{span}|{self.value!r}"


def _hashable(v):
    if isinstance(v, dict):
        return tuple(sorted(v.items(), key=lambda kv: kv[0]))
    return v


_NOT_PURE = object()


def plcm(*periods) -> Optional[Fraction]:
    """The least common period of patterns with periods `periods` (cycles, exact), or None
    when any is unknown. For reduced a/b and c/d: lcm(a, c) / gcd(b, d)."""
    out = None
    for p in periods:
        if p is None:
            return None
        p = Fraction(p)
        if out is None:
            out = p
        else:
            a, b, c, d = out.numerator, out.denominator, p.numerator, p.denominator
            out = Fraction(a * c // gcd(a, c), gcd(b, d))
    return out


def whole_period(p: Optional[Fraction]) -> Optional[int]:
    """The smallest whole number of cycles that is a multiple of period p (None: unknown)."""
    return None if p is None else Fraction(p).numerator


class Pattern:
    """A query function from an `Arc` to a list of `Hap`s."""

    __slots__ = ("query_span", "pure_value", "pure_context", "period")

    def __init__(self, query_span: Callable[[Arc], list], pure_value: Any = _NOT_PURE,
                 pure_context: tuple = (), period: Optional[Fraction] = None):
        self.query_span = query_span
        # For `pure(v)` patterns: v. Lets patterned transforms skip the join for constants.
        self.pure_value = pure_value
        self.pure_context = pure_context
        # A period P in cycles (exact) when known for sure: querying [b + P, e + P) gives
        # the haps of [b, e) shifted by P. None (unknown) unless a constructor below that
        # preserves periodicity sets it; randomness, value-dependent joins and cycle tests
        # leave it None. Used to integrate oscillator phase in O(1) (PatternInput).
        self.period = period

    @property
    def is_pure(self) -> bool:
        return self.pure_value is not _NOT_PURE

    # ---- querying -------------------------------------------------------------

    def query(self, begin, end) -> list[Hap]:
        """Haps active in [begin, end); begin/end accept int, Fraction, float or "n/d".

        A top-level query builds at most `phonon.limits.query_budget` events (100,000 per
        cycle): the generators charge what they are about to build before building it, so
        `fast 1e9 $ s "bd"` is a LimitError in microseconds, not a walk over 10^9 events."""
        arc = Arc(to_time(begin), to_time(end))
        b = _BUDGET
        if b.left is not None:   # inside a query already (a transform querying its input)
            return self.query_span(arc)
        _limits.ensure_recursion_limit()
        b.limit = b.left = _limits.query_budget(arc.begin, arc.end)
        b.span = arc
        try:
            return self.query_span(arc)
        except RecursionError:
            raise _limits.too_deep("the pattern") from None
        finally:
            b.left = None

    def onsets(self, begin, end) -> list[Hap]:
        """Only the haps whose start lies in [begin, end) (the ones that trigger)."""
        return [h for h in self.query(begin, end) if h.has_onset()]

    def first_cycle(self) -> list[Hap]:
        return self.query(0, 1)

    def __repr__(self) -> str:
        if self.is_pure:
            return f"pure({self.pure_value!r})"
        return f"Pattern({self.query(0, 1)!r})"

    # ---- primitives -----------------------------------------------------------

    def split_queries(self) -> "Pattern":
        """Query cycle by cycle, so the function below only ever sees spans inside one cycle."""
        q = self.query_span

        def query(span):
            b, e = span
            cb = b._numerator // b._denominator
            ce, re_ = divmod(e._numerator, e._denominator)
            if cb == ce or (re_ == 0 and ce == cb + 1):
                return q(span)
            out = []
            for sub in span.cycles():
                out.extend(q(sub))
            return out
        return Pattern(query, period=whole_period(self.period))

    def with_query_span(self, f: Callable[[Arc], Optional[Arc]]) -> "Pattern":
        """Map the query span; f may return None for 'nothing here'."""
        q = self.query_span

        def query(span):
            s = f(span)
            return [] if s is None else q(s)
        return Pattern(query)

    def with_query_time(self, f: Callable[[Fraction], Fraction]) -> "Pattern":
        q = self.query_span
        return Pattern(lambda span: q(Arc(f(span.begin), f(span.end))))

    def with_hap_span(self, f: Callable[[Arc], Arc]) -> "Pattern":
        q = self.query_span
        return Pattern(lambda span: [h.with_span(f) for h in q(span)])

    def with_hap_time(self, f: Callable[[Fraction], Fraction]) -> "Pattern":
        q = self.query_span

        def query(span):
            out = []
            for h in q(span):
                w, p = h.whole, h.part
                np_ = Arc(f(p.begin), f(p.end))
                if w is p:
                    nw = np_
                elif w is None:
                    nw = None
                else:
                    nw = Arc(f(w.begin), f(w.end))
                out.append(Hap(nw, np_, h.value, h.context))
            return out
        return Pattern(query)

    def with_haps(self, f: Callable[[list, Arc], list]) -> "Pattern":
        q = self.query_span
        return Pattern(lambda span: f(q(span), span))

    def with_value(self, f: Callable) -> "Pattern":
        """Map every value (fmap)."""
        q = self.query_span
        if self.is_pure:
            v = f(self.pure_value)
            return pure(v)
        return Pattern(lambda span: [Hap(h.whole, h.part, f(h.value), h.context) for h in q(span)],
                       period=self.period)

    fmap = with_value

    def filter_haps(self, pred: Callable[[Hap], bool]) -> "Pattern":
        q = self.query_span
        return Pattern(lambda span: [h for h in q(span) if pred(h)])

    def filter_values(self, pred: Callable[[Any], bool]) -> "Pattern":
        q = self.query_span
        return Pattern(lambda span: [h for h in q(span) if pred(h.value)], period=self.period)

    def filter_onsets(self) -> "Pattern":
        q = self.query_span
        return Pattern(lambda span: [h for h in q(span) if h.has_onset()], period=self.period)

    def set_context(self, context: tuple) -> "Pattern":
        q = self.query_span
        return Pattern(lambda span: [Hap(h.whole, h.part, h.value, context) for h in q(span)],
                       period=self.period)

    # Applicative combination. f(a, b) combines a value of self with one of other.

    def app_both(self, other: "Pattern", f: Callable) -> "Pattern":
        """Structure from both sides: wholes are intersected (Tidal's <*>)."""
        qa, qb = self.query_span, other.query_span

        def query(span):
            out = []
            hbs = qb(span)
            near = _overlap_index(hbs)
            for ha in qa(span):
                for hb in (hbs if near is None else near(ha.part)):
                    part = ha.part.intersection(hb.part)
                    if part is None:
                        continue
                    wa, wb = ha.whole, hb.whole
                    if wa is not None and wb is not None:
                        whole = wa.intersection(wb)
                        if whole is None:
                            continue
                    elif wa is None and wb is None:
                        whole = None
                    else:
                        # One side is continuous: keep the other's whole (Strudel's choice).
                        whole = wa if wa is not None else wb
                    out.append(Hap(whole, part, f(ha.value, hb.value), ha.context + hb.context))
            return out
        return Pattern(query, period=plcm(self.period, other.period))

    def app_left(self, other: "Pattern", f: Callable) -> "Pattern":
        """Structure from self (Tidal's <*): `other` is queried over each hap's whole."""
        qa, qb = self.query_span, other.query_span

        def query(span):
            out = []
            append = out.append
            # `other` is a pure function of the span: query it once per distinct whole
            # (stut/jux layers repeat the same wholes many times in one query).
            memo = {}
            for ha in qa(span):
                w, p = ha.whole, ha.part
                wp = p if w is None else w
                b, e = wp
                if e - b > LONG_WHOLE:   # `segment 1e-9`: the cycles the part touches only
                    for hb in _query_touched(qb, wp, p):
                        part = p.intersection(hb.part)
                        if part is not None:
                            append(Hap(w, part, f(ha.value, hb.value), ha.context + hb.context))
                    continue
                key = (b.numerator, b.denominator, e.numerator, e.denominator)
                got = memo.get(key)
                if got is None:
                    got = memo[key] = [qb(wp), None]
                if p is wp:  # part == whole: the intersections are the same for every such hap
                    pairs = got[1]
                    if pairs is None:
                        pairs = got[1] = [(part, hb) for hb in got[0]
                                          for part in (p.intersection(hb.part),) if part is not None]
                    va, ca = ha.value, ha.context
                    for part, hb in pairs:
                        append(Hap(w, part, f(va, hb.value), ca + hb.context))
                else:
                    for hb in got[0]:
                        part = p.intersection(hb.part)
                        if part is not None:
                            append(Hap(w, part, f(ha.value, hb.value), ha.context + hb.context))
            return out
        return Pattern(query, period=plcm(self.period, other.period))

    def app_right(self, other: "Pattern", f: Callable) -> "Pattern":
        """Structure from other (Tidal's *>)."""
        qa, qb = self.query_span, other.query_span

        def query(span):
            out = []
            memo = {}
            for hb in qb(span):
                wp = hb.whole_or_part()
                b, e = wp
                key = (b.numerator, b.denominator, e.numerator, e.denominator)
                has = memo.get(key)
                if has is None:
                    has = memo[key] = qa(wp) if e - b <= LONG_WHOLE else _query_touched(qa, wp, hb.part)
                for ha in has:
                    part = ha.part.intersection(hb.part)
                    if part is not None:
                        out.append(Hap(hb.whole, part, f(ha.value, hb.value), ha.context + hb.context))
            return out
        return Pattern(query, period=plcm(self.period, other.period))

    # Monadic joins: self's values are patterns (or f maps a value to a pattern).

    def bind(self, f: Callable[[Any], "Pattern"]) -> "Pattern":
        """Wholes from both outer and inner (intersection) — Tidal's unwrap."""
        q = self.query_span

        def query(span):
            out = []
            for outer in q(span):
                for inner in f(outer.value).query_span(outer.part):
                    ow, iw = outer.whole, inner.whole
                    if ow is not None and iw is not None:
                        whole = ow.intersection(iw)
                        if whole is None:
                            continue
                    else:
                        whole = None
                    part = outer.part.intersection(inner.part)
                    if part is not None:
                        out.append(Hap(whole, part, inner.value, outer.context + inner.context))
            return out
        return Pattern(query)

    def inner_bind(self, f: Callable[[Any], "Pattern"]) -> "Pattern":
        """Wholes (structure) from the inner patterns."""
        q = self.query_span

        def query(span):
            out = []
            for outer in q(span):
                for inner in f(outer.value).query_span(outer.part):
                    part = outer.part.intersection(inner.part)
                    if part is not None:
                        out.append(Hap(inner.whole, part, inner.value, inner.context))
            return out
        return Pattern(query)

    def outer_bind(self, f: Callable[[Any], "Pattern"]) -> "Pattern":
        """Wholes (structure) from the outer pattern; inner queried at the outer onset."""
        q = self.query_span

        def query(span):
            out = []
            for outer in q(span):
                ow = outer.whole_or_part()
                for inner in f(outer.value).query_span(Arc(ow.begin, ow.begin)):
                    out.append(Hap(outer.whole, outer.part, inner.value, outer.context + inner.context))
            return out
        return Pattern(query)

    def squeeze_bind(self, f: Callable[[Any], "Pattern"]) -> "Pattern":
        """Each outer hap plays a whole cycle of its inner pattern squeezed into its whole."""
        q = self.query_span

        def query(span):
            out = []
            for outer in q(span):
                w = outer.whole_or_part()
                inner_pat = f(outer.value)._focus(w.begin, w.end)
                for inner in inner_pat.query_span(outer.part):
                    iw = inner.whole
                    if iw is not None and outer.whole is not None:
                        whole = iw.intersection(outer.whole)
                        if whole is None:
                            continue
                    else:
                        whole = None
                    part = inner.part.intersection(outer.part)
                    if part is not None:
                        out.append(Hap(whole, part, inner.value, outer.context + inner.context))
            return out
        return Pattern(query)

    def join(self) -> "Pattern":
        return self.bind(_identity)

    def inner_join(self) -> "Pattern":
        return self.inner_bind(_identity)

    def outer_join(self) -> "Pattern":
        return self.outer_bind(_identity)

    def squeeze_join(self) -> "Pattern":
        return self.squeeze_bind(_identity)

    # ---- elementary time transforms (plain forms) -----------------------------

    def _fast(self, factor) -> "Pattern":
        """Speed up by `factor` (0 gives silence, negative also reverses, as in Tidal)."""
        factor = to_time(factor)
        if factor == 0:
            return silence
        if factor < 0:
            return self._fast(-factor).rev()
        if factor == 1:
            return self
        if self.is_pure:
            return _fast_pure(self.pure_value, self.pure_context, factor)
        inv = 1 / factor
        q = self.query_span

        def query(span):
            out = []
            for h in q(Arc(_mul(span.begin, factor), _mul(span.end, factor))):
                w, p = h.whole, h.part
                np_ = Arc(_mul(p.begin, inv), _mul(p.end, inv))
                if w is p:
                    nw = np_
                elif w is None:
                    nw = None
                else:
                    nw = Arc(_mul(w.begin, inv), _mul(w.end, inv))
                out.append(Hap(nw, np_, h.value, h.context))
            return out
        return Pattern(query, period=None if self.period is None else self.period / factor)

    def _slow(self, factor) -> "Pattern":
        factor = to_time(factor)
        if factor == 0:
            return silence
        return self._fast(1 / factor)

    def _early(self, offset) -> "Pattern":
        """Shift earlier in time by `offset` cycles (Tidal's rotL, `<~`)."""
        offset = to_time(offset)
        if offset == 0:
            return self
        return self._shift(-offset)

    def _late(self, offset) -> "Pattern":
        """Shift later in time by `offset` cycles (Tidal's rotR, `~>`)."""
        offset = to_time(offset)
        if offset == 0:
            return self
        return self._shift(offset)

    def _shift(self, d: Fraction, fmap: Optional[Callable] = None) -> "Pattern":
        """Shift later by d; with fmap, also map every value (`_shift(d).fmap(f)` in one pass)."""
        q = self.query_span
        nd = -d

        def query(span):
            out = []
            append = out.append
            for h in q(Arc(_add(span.begin, nd), _add(span.end, nd))):
                w, p = h.whole, h.part
                np_ = Arc(_add(p.begin, d), _add(p.end, d))
                if w is p:
                    nw = np_
                elif w is None:
                    nw = None
                else:
                    nw = Arc(_add(w.begin, d), _add(w.end, d))
                append(Hap(nw, np_, h.value if fmap is None else fmap(h.value), h.context))
            return out
        return Pattern(query, period=self.period)

    def rev(self) -> "Pattern":
        """Reverse each cycle in place."""
        q = self.query_span

        def query(span):
            b, e = span
            c = b.__floor__()
            m = 2 * c + 1  # reflect t -> cycle + next_cycle - t
            out = []
            for h in q(Arc(_isub(m, e), _isub(m, b))):
                w, p = h.whole, h.part
                np_ = Arc(_isub(m, p.end), _isub(m, p.begin))
                if w is p:
                    nw = np_
                elif w is None:
                    nw = None
                else:
                    nw = Arc(_isub(m, w.end), _isub(m, w.begin))
                out.append(Hap(nw, np_, h.value, h.context))
            return out
        return Pattern(query, period=whole_period(self.period)).split_queries()

    def _fast_gap(self, factor) -> "Pattern":
        """Speed up but only within each cycle, leaving a gap: the pattern's cycle c
        plays in [c, c + 1/factor) (Tidal's _fastGap)."""
        factor = to_time(factor)
        if factor <= 0:
            return silence
        q = self.query_span

        inv = 1 / factor

        def query(span):
            # Exact integer-field arithmetic (timearith) for:
            #   bpos = min((b - c) * factor, 1), epos = min((e - c) * factor, 1)
            #   pb = c + min((p.begin - c) / factor, 1), pe likewise
            #   whole = [pb - (p.begin - w.begin) / factor, pe + (w.end - p.end) / factor)
            b, e = span
            c = b._numerator // b._denominator
            bpos = _mul(_mk(b._numerator - c * b._denominator, b._denominator), factor)
            if bpos._numerator >= bpos._denominator:  # bpos >= 1
                return []
            epos = _mul(_mk(e._numerator - c * e._denominator, e._denominator), factor)
            if epos._numerator > epos._denominator:
                epos = _ONE
            out = []
            for h in q(Arc(_iadd(c, bpos), _iadd(c, epos))):
                w, p = h.whole, h.part
                p0, p1 = p
                x = _mul(_mk(p0._numerator - c * p0._denominator, p0._denominator), inv)
                pb = _iadd(c, _ONE if x._numerator > x._denominator else x)
                x = _mul(_mk(p1._numerator - c * p1._denominator, p1._denominator), inv)
                pe = _iadd(c, _ONE if x._numerator > x._denominator else x)
                np_ = Arc(pb, pe)
                if w is None:
                    nw = None
                elif w is p:
                    nw = np_
                else:
                    nw = Arc(_sub(pb, _mul(_sub(p0, w.begin), inv)),
                             _add(pe, _mul(_sub(w.end, p1), inv)))
                part = np_.intersection(span)
                if part is not None:
                    out.append(Hap(nw, part, h.value, h.context))
            return out
        return Pattern(query, period=whole_period(self.period)).split_queries()

    def _compress(self, begin, end) -> "Pattern":
        """Squeeze each cycle into [begin, end) of the cycle, silence elsewhere."""
        b, e = to_time(begin), to_time(end)
        if b > e or b > 1 or e > 1 or b < 0 or e < 0 or b == e:
            return silence
        return self._fast_gap(1 / (e - b))._late(b)

    def _focus(self, begin, end) -> "Pattern":
        """Like compress but without the gaps: the pattern keeps playing outside (Strudel's focus)."""
        b, e = to_time(begin), to_time(end)
        d = e - b
        s = sam(b)
        return self._early(s)._fast(1 / d)._late(b)

    def _zoom(self, begin, end) -> "Pattern":
        """Play only [begin, end) of each cycle, stretched to fill the cycle (Tidal's zoomArc)."""
        s, e = to_time(begin), to_time(end)
        if s == e:
            return silence
        d = e - s
        inv = 1 / d
        q = self.query_span

        def out_arc(a: Arc) -> Arc:  # mapCycle ((/d) . subtract s), relative to the arc's own cycle
            b0, e0 = a
            c = b0._numerator // b0._denominator
            cf = _mk(c, 1)
            return Arc(_add(cf, _mul(_sub(_sub(b0, cf), s), inv)), _add(cf, _mul(_sub(_sub(e0, cf), s), inv)))

        def query(span):
            # mapCycle ((+s) . (*d)) on the query (exact integer-field arithmetic, timearith)
            b0, e0 = span
            c = b0._numerator // b0._denominator
            cf = _mk(c, 1)
            qa = Arc(_add(cf, _add(_mul(_sub(b0, cf), d), s)), _add(cf, _add(_mul(_sub(e0, cf), d), s)))
            out = []
            for h in q(qa):
                w, p = h.whole, h.part
                np_ = out_arc(p)
                nw = np_ if w is p else (None if w is None else out_arc(w))
                out.append(Hap(nw, np_, h.value, h.context))
            return out
        return Pattern(query).split_queries()

    def _segment(self, n) -> "Pattern":
        """Sample the pattern n times per cycle (discrete events from a signal)."""
        return pure(True)._fast(n).app_left(self, _take_right)

    def _ply(self, n) -> "Pattern":
        """Repeat each event n times within its own span."""
        n = to_time(n)
        return self.squeeze_bind(lambda v: pure(v)._fast(n))

    # ---- patterned forms (one mechanism: `patterned`) -------------------------
    # assigned after the class body (they need `patterned`).

    # ---- stacking/sequencing helpers as methods ---------------------------------

    def stack(self, *others) -> "Pattern":
        return stack(self, *others)

    def overlay(self, other) -> "Pattern":
        return stack(self, other)

    def superimpose(self, f: Callable[["Pattern"], "Pattern"]) -> "Pattern":
        """Play the pattern together with f applied to it."""
        return stack(self, f(self))

    def every_cycle_when(self, test: Callable[[int], bool], f: Callable) -> "Pattern":
        """Apply f on the cycles where test(cycle) holds (Tidal's `when`)."""
        qa = self.query_span
        qb = f(self).query_span

        def query(span):
            return qb(span) if test(span.begin.__floor__()) else qa(span)
        return Pattern(query).split_queries()

    def filter_when(self, test: Callable[[Fraction], bool]) -> "Pattern":
        """Keep haps whose whole starts at a time where test holds (Tidal's filterWhen)."""
        return self.filter_haps(lambda h: test(h.whole_or_part().begin))

    # ---- arithmetic: Tidal's Num instance for patterns (liftA2: structure from both sides;
    # control maps combine key-wise, as Tidal's ValueMap Num instance) ----------------------

    def _arith(self, other, f, swap=False) -> "Pattern":
        other = reify(other)
        a, b = (other, self) if swap else (self, other)
        return a.app_both(b, combine_values(f))

    def __add__(self, other):
        return self._arith(other, operator.add)

    def __radd__(self, other):
        return self._arith(other, operator.add, swap=True)

    def __sub__(self, other):
        return self._arith(other, operator.sub)

    def __rsub__(self, other):
        return self._arith(other, operator.sub, swap=True)

    def __mul__(self, other):
        return self._arith(other, operator.mul)

    def __rmul__(self, other):
        return self._arith(other, operator.mul, swap=True)

    def __truediv__(self, other):
        return self._arith(other, operator.truediv)

    def __rtruediv__(self, other):
        return self._arith(other, operator.truediv, swap=True)

    def __neg__(self):
        return self.fmap(operator.neg)


def _identity(x):
    return x


def combine_values(f: Callable) -> Callable:
    """f lifted to control values: two dicts combine key-wise on shared keys (union otherwise),
    as Tidal's numeric operators on ValueMaps; anything else is f(a, b)."""
    def g(a, b):
        if isinstance(a, dict) and isinstance(b, dict):
            d = dict(a)
            for k, v in b.items():
                d[k] = f(d[k], v) if k in d else v
            return d
        return f(a, b)
    return g


def _take_right(a, b):
    return b


def _take_left(a, b):
    return a


# ---- constructors ----------------------------------------------------------------


# A hap whose whole is longer than this many cycles (`segment 1e-9`, `"bd/1e9"`) is not
# matched against the other side's haps over its whole (Tidal's appLeft: a walk over a
# billion cycles) but over the cycles its part touches, each cycle queried on its own: the
# cost is the events of the query, not the length of the whole. For a discrete pattern the
# result is the same haps (pieces split at cycle boundaries as queries split them anyway);
# a continuous one is sampled at the middle of each touched cycle of the whole rather than
# at the middle of the whole, half a billion cycles away.
LONG_WHOLE = 1000


def _overlap_index(haps: list):
    """For many haps (gap 4096 is 4,096 x 20,480 pairs), a function: an arc -> the haps whose
    part may meet it, in their original order (a sorted index on part begins, widened by the
    longest part), so that app_both costs O(pairs that meet), not O(every pair). None for few."""
    if len(haps) <= 32:
        return None
    order = sorted(range(len(haps)), key=lambda i: haps[i].part.begin)
    begins = [haps[i].part.begin for i in order]
    longest = max(h.part.end - h.part.begin for h in haps)

    def near(arc):
        lo = bisect.bisect_left(begins, arc.begin - longest)
        hi = bisect.bisect_right(begins, arc.end)
        return [haps[i] for i in sorted(order[lo:hi])]
    return near


def _query_touched(q, whole: Arc, part: Arc) -> list:
    """q over each cycle of `whole` that `part` touches (a zero-width part: its own cycle)."""
    out = []
    c, end = part.begin.__floor__(), max(part.begin.__floor__() + 1, (-(-part.end).__floor__()))
    while c < end:
        span = Arc(max(whole.begin, Fraction(c)), min(whole.end, Fraction(c + 1)))
        if span.begin <= span.end:
            out.extend(q(span))
        c += 1
    return out


def pure(value, context: tuple = ()) -> Pattern:
    """One event per cycle, each filling its cycle."""

    def query(span):
        b, e = span
        bn, bd = b._numerator, b._denominator
        en, ed = e._numerator, e._denominator
        s = bn // bd
        if bn * ed == en * bd:  # zero-width query
            return [Hap(Arc(_mk(s, 1), _mk(s + 1, 1)), span, value, context)]
        out = []
        cs = _mk(s, 1)
        _charge(-((-en) // ed) - s)
        while s * ed < en:
            n = s + 1
            cn = _mk(n, 1)
            whole = Arc(cs, cn)
            b_in = bn <= s * bd  # query starts at or before this cycle
            e_in = n * ed <= en  # query ends at or after its end
            if b_in and e_in:
                out.append(Hap(whole, whole, value, context))
            else:
                out.append(Hap(whole, Arc(cs if b_in else b, cn if e_in else e), value, context))
            s, cs = n, cn
        return out
    return Pattern(query, pure_value=value, pure_context=context, period=_ONE)


def _fast_pure(value, context: tuple, factor: Fraction) -> Pattern:
    """`pure(value)._fast(factor)` computed directly: events [k/f, (k+1)/f) (the hot path of "bd*32")."""
    fn, fd = factor._numerator, factor._denominator

    def at(k):  # k / factor, normalized
        n, d = k * fd, fn
        g = gcd(n, d)
        return _mk(n // g, d // g) if g != 1 else _mk(n, d)

    def query(span):
        b, e = span
        # event index range: k with k/f < e and (k+1)/f > b  (k/f = k*fd/fn)
        bn, bd = b._numerator, b._denominator
        en, ed = e._numerator, e._denominator
        k = (bn * fn) // (bd * fd)  # floor(b * f)
        if bn * ed == en * bd:
            return [Hap(Arc(at(k), at(k + 1)), span, value, context)]
        out = []
        cs = at(k)
        _charge(-((-en * fn) // (ed * fd)) - k)
        while k * fd * ed < en * fn:  # k/f < e
            cn = at(k + 1)
            whole = Arc(cs, cn)
            b_in = bn * fn <= k * fd * bd  # b <= k/f
            e_in = (k + 1) * fd * ed <= en * fn  # (k+1)/f <= e
            if b_in and e_in:
                out.append(Hap(whole, whole, value, context))
            else:
                out.append(Hap(whole, Arc(cs if b_in else b, cn if e_in else e), value, context))
            k, cs = k + 1, cn
        return out
    return Pattern(query, period=1 / factor)


def steady(value) -> Pattern:
    """A continuous (whole-less) constant."""
    return Pattern(lambda span: [Hap(None, span, value)], period=_ONE)


silence = Pattern(lambda span: [], period=_ONE)


# How a string becomes a pattern. The core does not import the mini-notation (which
# imports the core): the parser registers itself here when phonon.pattern loads
# (Strudel's setStringParser), so the import graph has no cycle.
_string_parser: Optional[Callable[[str], "Pattern"]] = None


def set_string_parser(parser: Callable[[str], "Pattern"]) -> None:
    """Register the function that `reify` uses for strings (the mini-notation's `mini`)."""
    global _string_parser
    _string_parser = parser


def reify(x) -> Pattern:
    """A Pattern as is; a str is mini-notation; anything else becomes pure (numbers exact)."""
    if isinstance(x, Pattern):
        return x
    if isinstance(x, str):
        if _string_parser is None:
            raise RuntimeError("no string parser registered: import phonon.pattern (it registers "
                               "the mini-notation)")
        return _string_parser(x)
    if isinstance(x, float):
        x = to_time(x)
    return pure(x)


def _arg_value(x):
    """Value of a non-pattern argument as a transform sees it: floats become exact."""
    return to_time(x) if isinstance(x, float) else x


def stack(*pats) -> Pattern:
    """Play patterns at the same time."""
    if len(pats) == 1 and isinstance(pats[0], (list, tuple)):
        pats = tuple(pats[0])
    pats = [reify(p) for p in pats]
    if not pats:
        return silence
    if len(pats) == 1:
        return pats[0]
    qs = [p.query_span for p in pats]

    def query(span):
        out = []
        for q in qs:
            out.extend(q(span))
        return out
    return Pattern(query, period=plcm(*(p.period for p in pats)))


def slowcat(*pats) -> Pattern:
    """One pattern per cycle, in turn. Each pattern advances only on the cycles where it
    plays (Tidal's `cat`): the i-th of n patterns plays its cycle c // n at cycle c."""
    if len(pats) == 1 and isinstance(pats[0], (list, tuple)):
        pats = tuple(pats[0])
    pats = [reify(p) for p in pats]
    if not pats:
        return silence
    if len(pats) == 1:
        return pats[0]
    n = len(pats)
    qs = [p.query_span for p in pats]

    def query(span):
        c = span.begin.__floor__()
        q = qs[c % n]
        offset = c - c // n
        if offset == 0:
            return q(span)
        out = []
        off, noff = _mk(offset, 1), _mk(-offset, 1)
        for h in q(Arc(_add(span.begin, noff), _add(span.end, noff))):
            w, p = h.whole, h.part
            np_ = Arc(_add(p.begin, off), _add(p.end, off))
            nw = np_ if w is p else (None if w is None else Arc(_add(w.begin, off), _add(w.end, off)))
            out.append(Hap(nw, np_, h.value, h.context))
        return out
    # the i-th pattern, period P_i, plays its cycle c // n at cycle c: n * lcm(whole P_i)
    per = plcm(*(whole_period(p.period) for p in pats))
    return Pattern(query, period=None if per is None else n * per).split_queries()


cat = slowcat


def fastcat(*pats) -> Pattern:
    """All patterns squeezed into one cycle (Tidal's fastcat = fast n . cat)."""
    if len(pats) == 1 and isinstance(pats[0], (list, tuple)):
        pats = tuple(pats[0])
    if not pats:
        return silence
    return slowcat(*pats)._fast(len(pats))


def timecat(*weighted) -> Pattern:
    """Sequence of (weight, pattern) pairs in one cycle, each step proportional to its
    weight; each pattern plays its cycle c compressed into its step of cycle c."""
    if len(weighted) == 1 and isinstance(weighted[0], list):
        weighted = tuple(weighted[0])
    weighted = [(to_time(w), reify(p)) for w, p in weighted]
    total = sum((w for w, _ in weighted), _ZERO)
    if total == 0:
        return silence
    if len(weighted) == 1:
        return weighted[0][1]
    parts = []
    pos = _ZERO
    for w, p in weighted:
        if w == 0:
            continue
        parts.append(p._compress(pos / total, (pos + w) / total))
        pos += w
    return stack(*parts)


def sequence(*items) -> Pattern:
    """fastcat of the items, each reified (nested lists become subsequences)."""
    return fastcat(*[sequence(*i) if isinstance(i, list) else reify(i) for i in items])


def fast_from_list(values: Iterable) -> Pattern:
    return fastcat(*[pure(v) for v in values])


def slow_from_list(values: Iterable) -> Pattern:
    return slowcat(*[pure(v) for v in values])


# ---- the one patterning mechanism ---------------------------------------------


def patterned(plain: Callable, raw: tuple = ()) -> Callable:
    """Make a transform's arguments patternable (Tidal's tParam, Strudel's register).

    `plain(pat, *args)` takes constant arguments. The result accepts Patterns for any
    argument: when every Pattern argument is a `pure` constant, `plain` is called
    directly; otherwise the arguments are combined with `app_both` and the pattern of
    results is flattened with `inner_join` (structure from the transformed pattern).
    Strings are mini-notation. Other non-pattern arguments (functions, numbers) pass through.
    `raw` lists the positions (in args) of arguments that are patterns in their own right
    (bite's index pattern, wedge's second pattern): they pass to `plain` as patterns.
    """

    @functools.wraps(plain)
    def wrapper(self, *args):
        if any(isinstance(a, str) for a in args):
            args = tuple(reify(a) if isinstance(a, str) else a for a in args)
        if raw:
            args = tuple(_Raw(a) if i in raw else a for i, a in enumerate(args))
        if not any(isinstance(a, Pattern) and not a.is_pure for a in args):
            return plain(self, *[_const(a) for a in args])
        idx = [i for i, a in enumerate(args) if isinstance(a, Pattern)]
        combined = args[idx[0]].fmap(lambda v: (v,))
        for i in idx[1:]:
            combined = combined.app_both(args[i], lambda t, v: t + (v,))
        consts = [_const(a) if not isinstance(a, Pattern) or a.is_pure else None for a in args]

        def apply(vals):
            full = list(consts)
            for i, v in zip(idx, vals):
                full[i] = v
            return plain(self, *full)
        return combined.fmap(apply).inner_join()

    wrapper.plain = plain
    return wrapper


class _Raw:
    """A pattern argument that `patterned` passes through unjoined."""

    __slots__ = ("pat",)

    def __init__(self, pat):
        self.pat = pat


def _const(a):
    if isinstance(a, _Raw):
        return a.pat
    if isinstance(a, Pattern):
        return a.pure_value
    return _arg_value(a)


# The patterned forms of the core's own plain transforms (`fast = patterned(_fast)` ...).
# They are defined here, with the class; no other module adds methods to Pattern.
for _plain in (Pattern._fast, Pattern._slow, Pattern._early, Pattern._late, Pattern._fast_gap,
               Pattern._compress, Pattern._zoom, Pattern._segment, Pattern._ply, Pattern._focus):
    setattr(Pattern, _plain.__name__[1:], patterned(_plain))
del _plain
