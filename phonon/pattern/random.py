"""Time-seeded randomness, exactly Tidal's (Sound.Tidal.UI).

Nothing here keeps state: a random value is a pure function of time.

    xorwise x      = let a = (x << 13) xor x; b = (a >> 17) xor a in (b << 5) xor b
                     (Marsaglia's xorshift on Haskell's 64-bit Int: shifts wrap, >> is arithmetic)
    timeToIntSeed t = xorwise (truncate ((fractional part of t/300) * 2^29))
    timeToRand t   = (timeToIntSeed t mod 2^29) / 2^29
    rand over a span = timeToRand (midpoint of the span)

Time arguments are exact Fractions (Tidal computes the seed on Rational time), so
the seed is computed exactly; the result is a float k / 2^29 (exact in a double).
"""
from __future__ import annotations

from fractions import Fraction

from .core import Arc, Hap, Pattern, method, pure, to_time, transform, silence

_MASK64 = (1 << 64) - 1
_SIGN64 = 1 << 63
_TWO29 = 536870912  # 2**29


def _wrap64(x: int) -> int:
    """Two's-complement wraparound to a signed 64-bit int."""
    x &= _MASK64
    return x - (1 << 64) if x & _SIGN64 else x


def xorwise(x: int) -> int:
    a = _wrap64((x << 13) ^ x)
    b = (a >> 17) ^ a  # arithmetic shift, stays in range
    return _wrap64((b << 5) ^ b)


def time_to_int_seed(t) -> int:
    x = to_time(t) / 300
    frac = x - int(x)  # properFraction: the part after truncation toward zero (same sign as x)
    return xorwise(int(frac * _TWO29))  # truncate toward zero


def int_seed_to_rand(seed: int) -> float:
    return (seed % _TWO29) / _TWO29


def time_to_rand(t) -> float:
    return int_seed_to_rand(time_to_int_seed(t))


def time_to_rands(t, n: int) -> list[float]:
    """n successive random numbers from the seed at time t (Tidal's timeToRands)."""
    seed = time_to_int_seed(t)
    out = []
    for _ in range(n):
        out.append(int_seed_to_rand(seed))
        seed = xorwise(seed)
    return out


def _rand_query(span: Arc) -> list[Hap]:
    b, e = span
    if b > e:
        return []
    return [Hap(None, span, time_to_rand((b + e) / 2))]


rand = Pattern(_rand_query)
# rand: continuous random numbers in [0, 1), timeToRand at the midpoint of each query span.


def seeded_rand(seed: int) -> Pattern:
    """`rand` shifted earlier by seed/10000 cycles: the stream mini-notation's `?` and `|` use."""
    return rand._early(Fraction(seed, 10000)) if seed else rand


def _irand_const(n) -> Pattern:
    n = to_time(n)
    return rand.fmap(lambda r: Fraction(int(r * n // 1)))


def irand(n) -> Pattern:
    """Random integers 0..n-1 (continuous); n may be a pattern."""
    if isinstance(n, Pattern):
        if n.is_pure:
            return _irand_const(n.pure_value)
        return n.bind(_irand_const)
    return _irand_const(n)


def choose_by(rpat: Pattern, values: list) -> Pattern:
    """Pick values[floor(r * len)] for r from the pattern rpat (values in [0, 1))."""
    if not values:
        return silence
    n = len(values)
    return rpat.fmap(lambda r: values[min(int(r * n // 1), n - 1)])


def choose(values: list) -> Pattern:
    """A continuous pattern of random choices among values."""
    return choose_by(rand, list(values))


def degrade_by_using(pat: Pattern, prand: Pattern, amount, keep_above: bool = True) -> Pattern:
    """Keep a hap iff the random pattern, queried over the hap's whole, gives a value
    > amount (or <= amount with keep_above=False, Tidal's unDegradeBy). Tidal's
    `_degradeByUsing prand x p = fmap fst $ filterValues ((> x) . snd) $ (,) <$> p <* prand`."""
    q, qr = pat.query_span, prand.query_span
    x = to_time(amount) if isinstance(amount, float) else amount

    def query(span):
        out = []
        for h in q(span):
            for r in qr(h.whole_or_part()):
                if (r.value > x) is not keep_above:
                    continue
                part = h.part.intersection(r.part)
                if part is not None:
                    out.append(Hap(h.whole, part, h.value, h.context))
        return out
    return Pattern(query)


@transform
def _degrade_by(pat: Pattern, amount) -> Pattern:
    """Randomly drop events: keep each iff rand at its whole's midpoint > amount."""
    return degrade_by_using(pat, rand, amount)


@transform
def _undegrade_by(pat: Pattern, amount) -> Pattern:
    """The complement of degrade_by: keep exactly the events degrade_by drops."""
    return degrade_by_using(pat, rand, amount, keep_above=False)


@method
def degrade(pat: Pattern) -> Pattern:
    """degrade_by 0.5."""
    return pat._degrade_by(Fraction(1, 2))


@transform
def _sometimes_by(pat: Pattern, amount, f) -> Pattern:
    """Apply f to about `amount` of the events (Tidal: overlay (degradeBy x p) (unDegradeBy x (f p)))."""
    return pat._degrade_by(amount).overlay(f(pat)._undegrade_by(amount))


def _alias(name: str, amount):
    def fn(pat: Pattern, f) -> Pattern:
        return pat._sometimes_by(amount, f)
    fn.__name__ = name
    fn.__doc__ = f"sometimes_by {float(amount):g}."
    return method(fn)


sometimes = _alias("sometimes", Fraction(1, 2))
often = _alias("often", Fraction(3, 4))
rarely = _alias("rarely", Fraction(1, 4))
almost_always = _alias("almost_always", Fraction(9, 10))
almost_never = _alias("almost_never", Fraction(1, 10))


@method
def always(pat: Pattern, f) -> Pattern:
    return f(pat)


@method
def never(pat: Pattern, f) -> Pattern:
    return pat


@transform
def _some_cycles_by(pat: Pattern, amount, f) -> Pattern:
    """Apply f to whole cycles, when timeToRand(cycle) < amount."""
    return pat.every_cycle_when(lambda c: time_to_rand(c) < amount, f)
