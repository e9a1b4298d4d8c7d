"""Continuous signals as patterns (haps without a whole, value at the query midpoint).

As in Tidal 1.9 (Sound.Tidal.Core): `sine` = (sin 2πt + 1) / 2, `cosine` = sine shifted
1/4 later, `saw` = cycle position (exact), `isaw` = 1 - saw, `tri` = fastAppend saw isaw,
`square` = 0 for the first half of the cycle, 1 for the second, `envL` = t clamped to
0..1 (a one-cycle ramp from cycle 0), `envLR` = 1 - envL, `envEq`/`envEqR` equal-power
fades. All range 0..1; `range`/`rangex` scale them, `quantise` rounds them, and
`segment` samples them into events.

Where the compiler looks these up: `PATTERN_SIGNALS` maps each bare name a Tidal user
writes as a pattern value (`# pan sine`, `segment 16 $ range 1 5 saw`, `# n (irand 8)`) to
its pattern (or, for `irand`, `perlinWith`, ... to the function that builds one). A bare
`sine` where a signal is expected stays Phonon's 1 Hz audio oscillator; the 0..1 pattern
is meant only where a pattern value is (after `# control`, as a transform argument, or
as the target of a pattern transform such as `segment` or `range`).
"""
from __future__ import annotations

import math
from fractions import Fraction

from .core import Arc, Hap, Pattern, fastcat, patterned
from .random import (brand, brand_by, choose, cycle_choose, irand, perlin, perlin_with, rand,
                     randrun, wchoose)
from .transforms import run, scan

__all__ = ["signal", "sine", "cosine", "saw", "isaw", "tri", "square", "envL", "envLR", "envEq", "envEqR",
           "rangex", "quantise", "qfloor", "qceiling", "PATTERN_SIGNALS", "PATTERN_GENERATORS"]


def signal(f) -> Pattern:
    """A continuous pattern whose value over a span is f(midpoint) (Tidal's sig)."""

    def query(span: Arc):
        b, e = span
        if b > e:
            return []
        return [Hap(None, span, f((b + e) / 2))]
    return Pattern(query)


def _cyc(t: Fraction) -> Fraction:
    return t - t.__floor__()


sine = signal(lambda t: (math.sin(2 * math.pi * float(t)) + 1) / 2)
cosine = sine._late(Fraction(1, 4))
saw = signal(_cyc)
isaw = signal(lambda t: 1 - _cyc(t))
tri = fastcat(saw, isaw)
square = signal(lambda t: Fraction((_cyc(t) * 2).__floor__()))
envL = signal(lambda t: min(max(t, Fraction(0)), Fraction(1)))
envLR = envL.fmap(lambda v: 1 - v)
envEq = signal(lambda t: math.sqrt(math.sin(math.pi / 2 * float(min(max(1 - t, Fraction(0)), Fraction(1))))))
envEqR = signal(lambda t: math.sqrt(math.cos(math.pi / 2 * float(min(max(1 - t, Fraction(0)), Fraction(1))))))
envl = envL  # the name before the Tidal spelling


def _log(x):
    return math.log(float(x))


def _rangex(pat: Pattern, lo, hi) -> Pattern:
    """Tidal's rangex from to p = exp <$> _range (log from) (log to) p: 0..1 to lo..hi on an
    exponential curve (for frequencies); lo and hi must be positive."""
    from .notes import PatternValueError
    if lo <= 0 or hi <= 0:
        raise PatternValueError(f"rangex: got {float(lo):g} {float(hi):g}; expected positive bounds")
    a, b = _log(lo), _log(hi)
    return pat.fmap(lambda v: math.exp(a + float(v) * (b - a)))


rangex = patterned(_rangex)


def _quantiser(rounding):
    def plain(pat: Pattern, n) -> Pattern:
        n = Fraction(n) if not isinstance(n, float) else Fraction(repr(n))
        if n == 0:
            return pat
        return pat.fmap(lambda v: Fraction(rounding(Fraction(v) * n if not isinstance(v, float)
                                                    else Fraction(repr(v)) * n)) / n)
    return plain


# Tidal's quantise n = fmap ((/n) . fromIntegral . round . (*n)); Haskell's round (like
# Python's) rounds halves to the even integer.
quantise = patterned(_quantiser(round))
qfloor = patterned(_quantiser(math.floor))
qceiling = patterned(_quantiser(math.ceil))


# The pattern-context vocabulary of bare names (see the module docstring): name -> Pattern.
PATTERN_SIGNALS: dict[str, Pattern] = {
    "sine": sine, "cosine": cosine, "saw": saw, "isaw": isaw, "tri": tri, "square": square,
    "envL": envL, "envLR": envLR, "envEq": envEq, "envEqR": envEqR,
    "rand": rand, "perlin": perlin, "brand": brand,
}

# One line each, for `phonon functions` and editors (the registry's `sine` is the oscillator).
PATTERN_SIGNAL_DOCS: dict[str, str] = {
    "sine": "0..1 sine over each cycle, (sin 2πt + 1) / 2 (Tidal's sine): `# pan sine`.",
    "cosine": "sine a quarter cycle later (Tidal's cosine = 0.25 ~> sine; 0 at the cycle start).",
    "saw": "0..1 ramp up over each cycle (Tidal's saw): `segment 16 $ range 1 5 saw`.",
    "isaw": "1..0 ramp down over each cycle (Tidal's isaw = 1 - saw).",
    "tri": "0..1..0 triangle over each cycle (Tidal's tri = fastcat [saw, isaw]).",
    "square": "0 for the first half of each cycle, 1 for the second (Tidal's square).",
    "envL": "0..1 ramp over the first cycle, then 1 (Tidal's envL), for fades: `# gain envL`.",
    "envLR": "1..0 ramp over the first cycle, then 0 (Tidal's envLR = 1 - envL).",
    "envEq": "equal-power fade out over the first cycle (Tidal's envEq).",
    "envEqR": "equal-power fade in over the first cycle (Tidal's envEqR).",
    "rand": "random 0..1, time-seeded exactly as Tidal's rand: `# speed (rand + 0.5)`.",
    "perlin": "smooth random 0..1 moving to a new value each cycle (Tidal's perlin).",
    "brand": "random true/false, half each (Tidal's brand), e.g. for `struct`/`sew`.",
    "irand": "irand n: random whole numbers 0..n-1 (Tidal's irand): `# n (irand 8)`.",
    "perlinWith": "perlinWith p: Perlin noise of the values of p (Tidal's perlinWith).",
    "brandBy": "brandBy p: random booleans, true with probability p (Tidal's brandBy).",
    "choose": "choose [a, b, ..]: random choices among values (Tidal's choose).",
    "wchoose": "wchoose [(a, w), ..]: weighted random choices (Tidal's wchoose).",
    "cycleChoose": "cycleChoose [a, b, ..]: one random choice per cycle (Tidal's cycleChoose).",
    "randrun": "randrun n: 0..n-1 in a random order each cycle (Tidal's randrun).",
    "run": "run n: 0..n-1 in one cycle (Tidal's run).",
    "scan": "scan n: run 1, run 2, ... run n, one per cycle (Tidal's scan).",
}

# Pattern-context names that take arguments: name -> function returning a Pattern.
# `irand n` (n a number or pattern), `perlinWith p`, `brandBy p`, `choose [..]`,
# `wchoose [(v, w), ..]`, `cycleChoose [..]`, `randrun n`.
PATTERN_GENERATORS = {
    "irand": irand, "perlinWith": perlin_with, "brandBy": brand_by, "choose": choose,
    "wchoose": wchoose, "cycleChoose": cycle_choose, "randrun": randrun,
    "run": run, "scan": scan,
}
