"""Combining patterns: control setting (Tidal's `#`) and arithmetic (`|+|` and friends)."""
from __future__ import annotations

import math
import operator
from fractions import Fraction
from typing import Callable

from .core import Pattern, combine_values, reify

__all__ = ["sound_map", "set_control", "set_controls", "op", "op_left", "op_right", "add", "sub", "mul", "div",
           "combine_values"]


def sound_map(x) -> dict:
    """Tidal's `sound = grp [mS "s", mF "n"]` (Sound/Tidal/Params.hs): "bd:3" is
    {s: "bd", n: 3}, so a later `# n 1` replaces the index and `|+ n 1` adds to it."""
    if isinstance(x, str):
        name, sep, idx = x.rpartition(":")
        if sep and name and idx.isdigit():
            return {"s": name, "n": int(idx)}
    elif isinstance(x, (int, Fraction)) and not isinstance(x, bool) and Fraction(x).denominator == 1:
        return {"s": str(int(x))}   # `s "808"`: a sample folder named 808 (Tidal: a string)
    return {"s": x}


def _set(v, name, x):
    if name in ("s", "sound"):
        extra = sound_map(x)
    else:
        extra = {name: x}
    if isinstance(v, dict):
        return {**v, **extra}
    return {"value": v, **extra}


def set_control(pat, name: str, valuepat) -> Pattern:
    """Tidal's `pat # name valuepat` (|>): structure from the left pattern, the value of the
    right pattern (sampled at each left event's whole) is stored under key `name`.
    Non-dict left values v become {"value": v, name: x}."""
    return reify(pat).app_left(reify(valuepat), lambda v, x: _set(v, name, x))


def set_controls(pat, dictpat) -> Pattern:
    """`#` with a pattern of dicts: union, the right side's keys win."""
    return reify(pat).app_left(reify(dictpat), lambda a, b: {**a, **b} if isinstance(a, dict) else
                               {"value": a, **b})


def op(pat_a, pat_b, f: Callable) -> Pattern:
    """Combine two patterns with structure from both sides (Tidal's |+| for f = +)."""
    return reify(pat_a).app_both(reify(pat_b), combine_values(f))


def op_left(pat_a, pat_b, f: Callable) -> Pattern:
    """Structure from the left (Tidal's |+)."""
    return reify(pat_a).app_left(reify(pat_b), combine_values(f))


def op_right(pat_a, pat_b, f: Callable) -> Pattern:
    """Structure from the right (Tidal's +|)."""
    return reify(pat_a).app_right(reify(pat_b), combine_values(f))


def add(a, b) -> Pattern:
    return op(a, b, operator.add)


def sub(a, b) -> Pattern:
    return op(a, b, operator.sub)


def mul(a, b) -> Pattern:
    return op(a, b, operator.mul)


def div(a, b) -> Pattern:
    return op(a, b, operator.truediv)


# ------------------------------------------------------------------------------------------
# Tidal's operator family on control maps and numbers (Sound/Tidal/Core.hs, Tidal 1.9)
# ------------------------------------------------------------------------------------------

def _mod(a, b):
    """Haskell's mod' (the result takes the divisor's sign, as Python's %); x mod 0 = 0."""
    return a % b if b != 0 else type(a)(0) if not isinstance(a, str) else a


def _div(a, b):
    return a / b if b != 0 else Fraction(0)


_NUMERIC = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": _div, "%": _mod}
OPERATORS = tuple(_NUMERIC) + ("<", ">")


def _is_num(v) -> bool:
    return isinstance(v, (int, float, Fraction)) and not isinstance(v, bool)


def as_control_map(v) -> dict:
    """A plain value where a control map is needed, as Tidal's Num/Fractional ValueMap
    instances read literals (Pattern.hs: `fromInteger i = {n: i}`, `fromRational r =
    {speed: r}`): an integer is `n`, any other number `speed`; a word is a sound `s`."""
    if isinstance(v, dict):
        return v
    if _is_num(v):
        if isinstance(v, float):
            return {"n": v} if v == int(v) else {"speed": v}
        return {"n": v} if Fraction(v).denominator == 1 else {"speed": v}
    return {"s": v}


def value_op(op: str) -> Callable:
    """The value function of `|op|`, `|op`, `op|` (and `#` = `|>`) for op in + - * / % < >.

    Two control maps: `>` is the union with the right side winning (Tidal's `flip union`),
    `<` the union with the left side winning; a numeric op combines the values of shared
    keys and keeps the others (Map.unionWith): numbers combine, two strings append under
    `+` (`s "drum" |+ s ":3"` gives "drum:3", as Tidal's documentation and Strudel do),
    any other mix keeps the left value (Tidal's fNum2 fallback). A control map with a plain
    number reads the number as a control map (`as_control_map`). Two plain values: `>`
    takes the right, `<` the left, numeric ops use numbers (note names as MIDI numbers)."""
    from .notes import to_number
    if op == ">":
        def pick(a, b):
            if isinstance(a, dict) or isinstance(b, dict):
                return {**as_control_map(a), **as_control_map(b)}
            return b
        return pick
    if op == "<":
        def pick_left(a, b):
            if isinstance(a, dict) or isinstance(b, dict):
                return {**as_control_map(b), **as_control_map(a)}
            return a
        return pick_left
    f = _NUMERIC[op]

    def num2(x, y):
        if _is_num(x) and _is_num(y):
            return f(x, y)
        if op == "+" and isinstance(x, str) and isinstance(y, str):
            return x + y
        return x

    def g(a, b):
        if isinstance(a, dict) or isinstance(b, dict):
            d = dict(as_control_map(a))
            for k, v in as_control_map(b).items():
                d[k] = num2(d[k], v) if k in d else v
            return d
        return f(to_number(a), to_number(b))
    return g


def structured_op(pat_a, pat_b, op: str, how: str) -> Pattern:
    """`a |op| b` (how "both"), `a |op b` ("left"), `a op| b` ("right")."""
    a, b, f = reify(pat_a), reify(pat_b), value_op(op)
    if how == "left":
        return a.app_left(b, f)
    if how == "right":
        return a.app_right(b, f)
    return a.app_both(b, f)


def hold_control(pat, key: str, default) -> Pattern:
    """The value of control `key` as a gapless stepped pattern: each event that carries
    `key` holds its value from its onset until the next such onset (SuperDirt's global
    effects keep the last value an event sent: GlobalDirtEffect.set); before the first one,
    `default`. Looks back at most HOLD_LOOKBACK cycles for the latest value."""
    from .core import Arc, Hap
    pat = reify(pat)

    def onsets(c0, c1):
        from .. import limits
        out = []
        with limits.own_budget():   # the lookback is ours, not the query's
            haps = pat.query(Fraction(c0), Fraction(c1))
        for h in haps:
            if h.whole is not None and h.part.begin == h.whole.begin and isinstance(h.value, dict) \
                    and key in h.value:
                out.append((h.whole.begin, h.value[key]))
        out.sort(key=lambda t: t[0])  # stable: at one onset the last in pattern order wins
        return out

    cache: dict = {}   # cycle -> its onsets: a render asks for each cycle once per block

    def cycle_onsets(j: int) -> list:
        got = cache.get(j)
        if got is None:
            if len(cache) > 4 * HOLD_LOOKBACK:
                cache.clear()
            got = cache[j] = onsets(j, j + 1)
        return got

    def query(span):
        b, e = span.begin, span.end
        c = math.floor(b)
        prev = default
        for k in range(1, HOLD_LOOKBACK + 1):  # the value holding at b
            got = cycle_onsets(c - k)
            if got:
                prev = got[-1][1]
                break
        evs = [tv for j in range(c, max(math.ceil(e), c + 1)) for tv in cycle_onsets(j)]
        inside = [(t, v) for t, v in evs if t < e]
        for t, v in inside:
            if t < b:
                prev = v
        starts = [(b, prev)] + [(t, v) for t, v in inside if t >= b]
        # collapse equal onsets: the last wins
        merged = []
        for t, v in starts:
            if merged and merged[-1][0] == t:
                merged[-1] = (t, v)
            else:
                merged.append((t, v))
        haps = []
        for i, (t, v) in enumerate(merged):
            t1 = merged[i + 1][0] if i + 1 < len(merged) else e
            if t1 > t:
                haps.append(Hap(Arc(t, t1), Arc(t, t1), v))
        return haps
    return Pattern(query)


HOLD_LOOKBACK = 16
