"""Transforms built from the core primitives (Tidal's Sound.Tidal.UI / Control).

Each numeric transform is written once in its plain form `_name(pat, *constants)` and
attached with `@transform`, which also makes the patterned `name` (arguments may be
patterns). Transforms on control patterns (values are dicts like {"s": "bd", "gain": 1})
set or scale keys; on other values they leave values alone unless documented.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Callable

from .core import (Arc, Hap, Pattern, fastcat, method, pure, silence, slowcat, stack, to_time,
                   transform)
from .timearith import mul as _mul

_ONE = Fraction(1)


def _int(x, name: str) -> int:
    t = to_time(x)
    if t.denominator != 1:
        from .notes import PatternValueError
        raise PatternValueError(f"{name}: got {float(t):g}; expected a whole number")
    return t.numerator


# ---- cycle-wise -----------------------------------------------------------------


@transform
def _every(pat: Pattern, n, f: Callable) -> Pattern:
    """Apply f on cycles 0, n, 2n, ... (n <= 0: never)."""
    n = _int(n, "every")
    if n <= 0:
        return pat
    return pat.every_cycle_when(lambda c: c % n == 0, f)


@transform
def _iter(pat: Pattern, n) -> Pattern:
    """Cycle c starts the pattern c/n of the way in (shifting left one step each cycle)."""
    n = _int(n, "iter")
    if n == 0:
        return pat
    return slowcat(*[pat._early(Fraction(i, n)) for i in range(n)])


@method
def palindrome(pat: Pattern) -> Pattern:
    """Forwards on even cycles, reversed on odd cycles (Tidal: slowAppend p (rev p))."""
    return slowcat(pat, pat.rev())


def within(pat: Pattern, begin, end, f: Callable) -> Pattern:
    """Apply f to the events starting in [begin, end) of each cycle."""
    b, e = to_time(begin), to_time(end)

    def inside(t):
        c = t - t.__floor__()
        return b <= c < e
    return stack(f(pat).filter_when(inside), pat.filter_when(lambda t: not inside(t)))


Pattern.within = within


@transform
def _chunk(pat: Pattern, n, f: Callable) -> Pattern:
    """Divide the cycle into n parts and apply f to part c mod n in cycle c (Tidal's cat of withins)."""
    n = _int(n, "chunk")
    if n == 0:
        return pat
    if n < 0:
        # Backwards: part n-1 first.
        m = -n
        return slowcat(*[within(pat, Fraction(i, m), Fraction(i + 1, m), f) for i in reversed(range(m))])
    return slowcat(*[within(pat, Fraction(i, n), Fraction(i + 1, n), f) for i in range(n)])


@transform
def _linger(pat: Pattern, n) -> Pattern:
    """Repeat the first n of each cycle (the last -n when negative) to fill the cycle."""
    n = to_time(n)
    if n == 0:
        return silence
    if n < 0:
        return pat._zoom(1 + n, 1)._fast(-1 / n)
    return pat._zoom(0, n)._fast(1 / n)


@method
def superimpose(pat: Pattern, f: Callable) -> Pattern:
    """Play the pattern together with f applied to it."""
    return stack(pat, f(pat))


@transform
def _off(pat: Pattern, t, f: Callable) -> Pattern:
    """Superimpose f applied to a copy shifted later by t."""
    return stack(pat, f(pat._late(t)))


# ---- control values --------------------------------------------------------------


def _set_key(v, key: str, x):
    if isinstance(v, dict):
        d = dict(v)
        d[key] = x
        return d
    return {"value": v, key: x}


def _scale_key(v, key: str, factor):
    if isinstance(v, dict):
        d = dict(v)
        old = d.get(key)
        if old is None:
            d[key] = factor
        elif type(old) is Fraction and type(factor) is Fraction:
            d[key] = _mul(old, factor)  # exact, without Fraction's operator dispatch
        else:
            d[key] = old * factor
        return d
    return v


@method
def jux(pat: Pattern, f: Callable) -> Pattern:
    """Original hard left (pan -1), f applied hard right (pan +1), as Tidal's
    `jux f p = stack [p # pan 0, f $ p # pan 1]` on Phonon's -1..1 pan. Dict values get
    their "pan" key set; other values v become {"value": v, "pan": ±1}."""
    left = pat.fmap(lambda v: _set_key(v, "pan", Fraction(-1)))
    right = f(pat.fmap(lambda v: _set_key(v, "pan", _ONE)))
    return stack(left, right)


@transform
def _stut(pat: Pattern, count, feedback, steptime) -> Pattern:
    """Tidal's `stut count feedback steptime`: the pattern plus count-1 echoes, the x-th
    shifted later by x*steptime with "gain" multiplied by
    feedback + (1 - feedback) * (count - x) / count (Tidal 1.9's `scalegain`: a linear
    fade from 1 towards feedback; gain defaults to 1). Non-dict values echo unchanged."""
    count = _int(count, "stut")
    feedback, steptime = to_time(feedback), to_time(steptime)
    layers = [pat]
    for x in range(1, count):
        g = feedback + (1 - feedback) * Fraction(count - x, count)
        scale = (lambda v, g=g: _scale_key(v, "gain", g))
        d = x * steptime
        # pat._late(d).fmap(scale), in one pass when there is a shift
        layers.append(pat._shift(d, scale) if d != 0 else pat.fmap(scale))
    return stack(*layers)


@transform
def _hurry(pat: Pattern, n) -> Pattern:
    """fast n, and multiply "speed" by n (pitching samples up)."""
    n = to_time(n)
    return pat._fast(n).fmap(lambda v: _scale_key(v, "speed", n))


def _slices(v: dict, n: int):
    b0 = v.get("begin", 0)
    e0 = v.get("end", 1)
    d = e0 - b0
    return [dict(v, begin=b0 + Fraction(i, n) * d, end=b0 + Fraction(i + 1, n) * d) for i in range(n)]


@transform
def _chop(pat: Pattern, n) -> Pattern:
    """Cut each event into n parts in time, each playing the matching part of the sample
    ("begin"/"end" keys, subdividing any existing begin..end)."""
    n = _int(n, "chop")
    if n < 1:
        return silence

    def cut(v):
        if not isinstance(v, dict):
            v = {"value": v}
        return fastcat(*[pure(s) for s in _slices(v, n)])
    return pat.squeeze_bind(cut)


@transform
def _striate(pat: Pattern, n) -> Pattern:
    """Play the whole pattern n times per cycle, the i-th time with begin=i/n, end=(i+1)/n."""
    n = _int(n, "striate")
    if n < 1:
        return silence
    return fastcat(*[pat.fmap(lambda v, i=i: _set_key(_set_key(v, "begin", Fraction(i, n)), "end",
                                                           Fraction(i + 1, n))) for i in range(n)])


# ---- structure ---------------------------------------------------------------------


def truthy(v) -> bool:
    """Mini-notation booleans: "t"/"true"/"1"/non-zero numbers are true; "f"/"false"/0 false."""
    if isinstance(v, str):
        return v not in ("f", "false", "0", "~")
    if isinstance(v, dict):
        return True
    return bool(v)


@method
def struct(pat: Pattern, bools) -> Pattern:
    """Structure from a boolean pattern (`struct "t ~ t t"`), values from pat."""
    from .core import reify
    b = reify(bools).filter_values(truthy)
    return b.app_left(pat, lambda a, v: v)


@method
def mask(pat: Pattern, bools) -> Pattern:
    """Keep only the parts of pat where the boolean pattern is true (structure from pat)."""
    from .core import reify
    b = reify(bools).filter_values(truthy)
    return pat.app_left(b, lambda v, a: v)


def bjorklund(k: int, n: int) -> list[bool]:
    """Euclidean rhythm of k onsets in n steps, as Tidal's Bjorklund module computes it."""
    if n <= 0:
        return []
    if k <= 0:
        return [False] * n
    if k >= n:
        return [True] * n
    a, b = k, n - k
    xs, ys = [[True]] * a, [[False]] * b
    while min(a, b) > 1:
        if a > b:  # left
            xs, rest = xs[:b], xs[b:]
            xs = [x + y for x, y in zip(xs, ys)]
            ys = rest
            a, b = b, a - b
        else:  # right
            ys2, rest = ys[:a], ys[a:]
            xs = [x + y for x, y in zip(xs, ys2)]
            ys = rest
            b = b - a
    return [s for x in xs for s in x] + [s for y in ys for s in y]


@transform
def _euclid(pat: Pattern, k, n, rotation=0) -> Pattern:
    """k pulses spread over n steps (Bjorklund), rotated LEFT by `rotation` steps; each
    pulse plays the whole pattern squeezed into its step. Negative k inverts."""
    k, n, r = _int(k, "euclid"), _int(n, "euclid"), _int(rotation, "euclid")
    if n <= 0:
        return silence
    bools = bjorklund(abs(k), n)
    if k < 0:
        bools = [not b for b in bools]
    out = fastcat(*[pat if b else silence for b in bools])
    return out._early(Fraction(r, n)) if r else out


@transform
def _range(pat: Pattern, lo, hi) -> Pattern:
    """Scale values from 0..1 to lo..hi (v * (hi - lo) + lo)."""
    lo, hi = to_time(lo), to_time(hi)
    d = hi - lo
    return pat.fmap(lambda v: lo + d * v)


def run(n) -> Pattern:
    """0 .. n-1 in one cycle."""
    n = _int(n, "run")
    return fastcat(*[pure(Fraction(i)) for i in range(n)])
