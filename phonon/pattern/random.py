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

import math
from fractions import Fraction

from .core import Arc, Hap, Pattern, patterned, reify, silence, slowcat, stack, to_time

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
    """Tidal's irand = (>>= _irand): random integers 0..n-1 (continuous); n may be a pattern."""
    if isinstance(n, str):
        n = reify(n)
    if isinstance(n, Pattern):
        if n.is_pure:
            return _irand_const(n.pure_value)
        return n.bind(_irand_const)
    return _irand_const(n)


def brand_by(prob) -> Pattern:
    """Tidal's brandBy: continuous booleans, true with probability prob (fmap (< prob) rand)."""
    prob = reify(prob)
    if prob.is_pure:
        x = to_time(prob.pure_value)
        return rand.fmap(lambda r: r < x)
    return prob.inner_bind(lambda x: rand.fmap(lambda r: r < x))


brand = brand_by(Fraction(1, 2))


def _smoother_step(x: float) -> float:
    return 6.0 * x ** 5 - 15.0 * x ** 4 + 10.0 * x ** 3


def _perlin_at(v) -> float:
    """Tidal's perlinWith on one value, in doubles as Tidal (p is a Pattern Double)."""
    x = float(v)
    fl = math.floor(x)
    a, b = time_to_rand(fl), time_to_rand(fl + 1)
    return a + _smoother_step(x - fl) * (b - a)


def perlin_with(p) -> Pattern:
    """Tidal's perlinWith p: 1D Perlin noise of the values of p, interpolating between
    timeToRand (floor x) and timeToRand (floor x + 1) with smootherstep 6x^5 - 15x^4 + 10x^3."""
    return reify(p).fmap(lambda v: _perlin_at(to_time(v) if isinstance(v, float) else v))


def _perlin_query(span: Arc) -> list[Hap]:
    b, e = span
    if b > e:
        return []
    return [Hap(None, span, _perlin_at((b + e) / 2))]


perlin = Pattern(_perlin_query)
# perlin = perlinWith (sig fromRational): smooth noise moving to a new random value each cycle.


def choose_by(rpat, values: list) -> Pattern:
    """Tidal's chooseBy f xs = (xs !!!) . floor <$> range 0 (length xs) f (cyclic index)."""
    values = list(values)
    if not values:
        return silence
    n = len(values)
    return reify(rpat).fmap(lambda r: values[int((r * n) // 1) % n])


def choose(values: list) -> Pattern:
    """Tidal's choose = chooseBy rand: a continuous pattern of random choices among values."""
    return choose_by(rand, list(values))


def wchoose_by(rpat, pairs: list) -> Pattern:
    """Tidal's wchooseBy pat pairs: the first value whose cumulative weight exceeds r * total.
    In doubles, as Tidal (weights are Double): cweights = scanl1 (+), total = sum."""
    pairs = [(v, float(w)) for v, w in pairs]
    if not pairs:
        return silence
    cweights, acc = [], 0.0
    for _, w in pairs:
        acc += w
        cweights.append(acc)
    values = [v for v, _ in pairs]

    def match(r):
        x = float(r) * acc
        for v, c in zip(values, cweights):
            if c > x:
                return v
        return values[-1]
    return reify(rpat).fmap(match)


def wchoose(pairs: list) -> Pattern:
    """Tidal's wchoose = wchooseBy rand."""
    return wchoose_by(rand, pairs)


def cycle_choose(values: list) -> Pattern:
    """Tidal's cycleChoose = segment 1 . choose: one random choice per cycle."""
    return choose(values)._segment(1)


def randcat(*pats) -> Pattern:
    """Tidal's randcat ps = spread' rotL (_segment 1 $ (% 1) <$> _irand (length ps)) (slowcat ps):
    each cycle plays slowcat ps shifted by a random whole number of cycles."""
    pats = [reify(p) for p in (pats[0] if len(pats) == 1 and isinstance(pats[0], (list, tuple)) else pats)]
    if not pats:
        return silence
    cat = slowcat(*pats)
    return _irand_const(len(pats))._segment(1).bind(lambda i: cat._early(i))


def wrandcat(pairs: list) -> Pattern:
    """Tidal's wrandcat ps = unwrap $ wchooseBy (segment 1 rand) ps: one pattern per cycle,
    chosen with the given weights."""
    pairs = [(reify(p), w) for p, w in pairs]
    return wchoose_by(rand._segment(1), pairs).bind(lambda p: p)


def randrun(n) -> Pattern:
    """Tidal's randrun n: each cycle, 0..n-1 in a random order (the order of timeToRands (sam) n)."""
    n = _int(n)
    if n <= 0:
        return silence
    steps = [Arc(Fraction(i, n), Fraction(i + 1, n)) for i in range(n)]

    def query(span):
        s = span.begin.__floor__()
        rs = time_to_rands(Fraction(s), n)
        order = [i for _, i in sorted(zip(rs, range(n)), key=lambda t: t[0])]
        out = []
        for a, v in zip(steps, order):
            whole = Arc(a.begin + s, a.end + s)
            part = span.intersection(whole)
            if part is not None:
                out.append(Hap(whole, part, Fraction(v)))
        return out
    return Pattern(query).split_queries()


def _int(x, name="randrun") -> int:
    t = to_time(x)
    if t.denominator != 1:
        from .notes import PatternValueError
        raise PatternValueError(f"{name}: got {float(t):g}; expected a whole number")
    return t.numerator


def _rearrange_with(pat: Pattern, ipat: Pattern, n: int) -> Pattern:
    """Tidal's _rearrangeWith ipat n pat = innerJoin $ (\\i -> _fast n $ _repeatCycles n $ pats !! i) <$> ipat,
    pats = the n zoomed parts of each cycle. (Not a plain time shift: zoom maps an event that
    starts in an earlier cycle relative to that cycle, as Tidal's mapCycle does.)"""
    parts = [slowcat(*([pat._zoom(Fraction(i, n), Fraction(i + 1, n))] * n))._fast(n) for i in range(n)]
    return ipat.inner_bind(lambda i: parts[int(i)])


def _shuffle(pat: Pattern, n) -> Pattern:
    """Tidal's _shuffle n = _rearrangeWith (randrun n) n: the n parts of each cycle in a random
    order, each played once."""
    n = _int(n, "shuffle")
    if n <= 0:
        return silence
    return _rearrange_with(pat, randrun(n), n)


shuffle = patterned(_shuffle)


def _scramble(pat: Pattern, n) -> Pattern:
    """Tidal's _scramble n = _rearrangeWith (_segment n $ _irand n) n: n random picks (with
    repetition) of the n parts of each cycle."""
    n = _int(n, "scramble")
    if n <= 0:
        return silence
    return _rearrange_with(pat, _irand_const(n)._segment(n), n)


scramble = patterned(_scramble)


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


def _degrade_by(pat: Pattern, amount) -> Pattern:
    """Tidal's _degradeBy = _degradeByUsing rand: keep each event iff rand over its whole > amount."""
    return degrade_by_using(pat, rand, amount)


degrade_by = patterned(_degrade_by)


def _undegrade_by(pat: Pattern, amount) -> Pattern:
    """Tidal's _unDegradeBy: keep exactly the events degradeBy drops (rand <= amount)."""
    return degrade_by_using(pat, rand, amount, keep_above=False)


undegrade_by = patterned(_undegrade_by)


def degrade(pat: Pattern) -> Pattern:
    """Tidal's degrade = _degradeBy 0.5."""
    return _degrade_by(pat, Fraction(1, 2))


def sometimes_by(pat: Pattern, amount, f) -> Pattern:
    """Tidal 1.9's sometimesBy x f pat = overlay (degradeBy x pat) (f $ unDegradeBy x pat): f
    applies to the events unDegradeBy keeps (x may be a pattern)."""
    return stack(degrade_by(pat, amount), f(undegrade_by(pat, amount)))


def sometimes_by_prime(pat: Pattern, amount, f) -> Pattern:
    """Tidal's sometimesBy' x f pat = overlay (degradeBy x pat) (unDegradeBy x $ f pat): f sees the
    whole pattern first, then its events are filtered."""
    return stack(degrade_by(pat, amount), undegrade_by(f(pat), amount))


def _some_cycles_by(pat: Pattern, amount, f) -> Pattern:
    """Tidal's _someCyclesBy x = when (\\c -> timeToRand c < x): f on whole random cycles."""
    x = to_time(amount)
    return pat.every_cycle_when(lambda c: time_to_rand(c) < x, f)


some_cycles_by = patterned(_some_cycles_by)
