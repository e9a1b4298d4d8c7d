"""Continuous signals as patterns (haps without a whole, value at the query midpoint).

As in Tidal: `sine` = (sin 2πt + 1) / 2, `cosine` = sine shifted by 1/4, `saw` = cycle
position (exact), `isaw` = 1 - saw, `tri` = fastcat [saw, isaw], `square` = 0 for the
first half of the cycle, 1 for the second. All range 0..1; use `range` to scale, and
`segment` to sample them into events.
"""
from __future__ import annotations

import math
from fractions import Fraction

from .core import Arc, Hap, Pattern, fastcat
from .random import choose, irand, rand  # noqa: F401  (rand is a signal too)

__all__ = ["signal", "sine", "cosine", "saw", "isaw", "tri", "square", "envl", "rand", "irand", "choose"]


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
envl = signal(lambda t: min(max(t, Fraction(0)), Fraction(1)))
