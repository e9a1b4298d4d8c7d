"""Transforms built from the core primitives (Tidal 1.9's Sound.Tidal.UI, Core and Control).

Free functions, pattern first: `every(pat, n, f)`. Each numeric transform is written once in
its plain form `_name(pat, *constants)`; its patterned form `name = patterned(_name)`
accepts patterns for any argument (Tidal's tParam; constant patterns take a fast path).
Nothing here adds methods to `Pattern`. Transforms on control patterns (dict values like
{"s": "bd", "gain": 1}) set or scale keys; on other values they leave values alone unless
documented. Every function cites the Tidal definition it follows.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Callable, Sequence

from .core import (Arc, Hap, Pattern, cycle_pos, fast_from_list, fastcat, patterned, pure, reify,
                   silence, slowcat, stack, to_time)
from .notes import PatternValueError
from .timearith import mul as _mul

_ONE = Fraction(1)
_HALF = Fraction(1, 2)


# Upper bounds of counts that build that many patterns or events up front (the declarations'
# ranges say the same, so a constant out of range is a compile error at its argument).
MAX_STEPS = 65536    # run, randrun, euclid steps
MAX_PARTS = 4096     # chop, striate, iter, chunk, bite, chew, stutter, gap
MAX_LAYERS = 256     # stut/echo layers, plyWith, spin, scan, shuffle/scramble parts


def _int(x, name: str, hi: int = None) -> int:
    t = to_time(x)
    if t.denominator != 1:
        raise PatternValueError(f"{name}: got {float(t):g}; expected a whole number")
    if hi is not None and abs(t.numerator) > hi:
        raise PatternValueError(f"{name}: got {t.numerator}; expected at most {hi}")
    return t.numerator


def values_of(items, name: str) -> list:
    """The values of a list argument: constants or constant (pure) patterns."""
    out = []
    for x in items:
        if isinstance(x, Pattern):
            if not x.is_pure:
                raise PatternValueError(f"{name}: list items must be single values, not patterns")
            x = x.pure_value
        out.append(x)
    return out


# ---- cycle-wise -----------------------------------------------------------------


def when_cycle(pat: Pattern, test: Callable[[int], bool], f: Callable) -> Pattern:
    """Apply f on the cycles c where test(c) holds (Tidal's `when`)."""
    return pat.every_cycle_when(test, f)


def when_t(pat: Pattern, test: Callable[[Fraction], bool], f: Callable) -> Pattern:
    """Apply f to the (cycle-split) queries whose start time passes test (Tidal's whenT)."""
    qa, qb = pat.query_span, f(pat).query_span
    return Pattern(lambda span: qb(span) if test(span.begin) else qa(span)).split_queries()


def when_onset(pat: Pattern, test: Callable[[Fraction], bool], f: Callable) -> Pattern:
    """Tidal's whenT (Core.hs 1.9.5 lines 625-628: `whenT test f p = splitQueries $ p {query =
    apply} where apply st | test (start $ arc st) = query (f p) st | otherwise = query p st`)
    with the test at each event's onset. Tidal tests the start of each query; its scheduler
    queries frames of 1/20 s, so live an event is transformed when the test holds at (about)
    its onset. Phonon queries whole cycles, where the query's start would decide for the whole
    cycle: testing each onset is the small-frame limit, the same for any block size or window.
    Events of f(pat) whose onset passes, events of pat whose onset does not; an event without
    a whole (a continuous value) is tested at its part's start."""
    fq, q = f(pat).query_span, pat.query_span

    def onset(h):
        return h.whole.begin if h.whole is not None else h.part.begin

    return Pattern(lambda span: [h for h in fq(span) if test(onset(h))]
                   + [h for h in q(span) if not test(onset(h))])


def ifp(pat: Pattern, test: Callable[[int], bool], f1: Callable, f2: Callable) -> Pattern:
    """f1 on the cycles where test(cycle) holds, f2 on the others (Tidal's ifp, UI.hs 1.9.5 lines
    678-681: `ifp test f1 f2 p = splitQueries $ p {query = q} where q a | test (floor $ start $
    arc a) = query (f1 p) a | otherwise = query (f2 p) a`)."""
    q1, q2 = f1(pat).query_span, f2(pat).query_span
    return Pattern(lambda span: q1(span) if test(span.begin.__floor__()) else q2(span)).split_queries()


def _every(pat: Pattern, n, f: Callable) -> Pattern:
    """Tidal's _every: f on cycles 0, n, 2n, ... (n == 0: never; Haskell's mod for n < 0)."""
    n = _int(n, "every")
    if n == 0:
        return pat
    return pat.every_cycle_when(lambda c: c % n == 0, f)


every = patterned(_every)


def ur(t, outer, named: Sequence, fx: Sequence) -> Pattern:
    """Tidal's ur (UI.hs): `ur t outer ps fs` plays the patterns `ps` names, in the order the
    outer pattern (stretched over t cycles) gives; `"name:fx"` also applies the named function
    of `fs` to that part (`rotR s $ inside (1/(e-s)) f p` over the event's whole (s, e)). Each
    pattern keeps its own time (it is not restarted), and is cut to its outer event (unwrap).
    A name with no pattern is silence, as in Tidal, with a warning."""
    import warnings
    from .notes import PatternWarning
    t = to_time(t)
    if t <= 0:
        raise PatternValueError(f"ur: the time must be > 0 cycles; got {t}")
    pats = {_v_name(n): reify(p)._fast(t) for n, p in named}
    fns = {_v_name(n): f for n, f in fx}
    outer = reify(outer)
    warned = set()

    def inner(name: str, rest: list, whole: Arc):
        p = pats.get(name)
        if p is None:
            if name not in warned:
                warned.add(name)
                warnings.warn(PatternWarning(f"ur: no pattern named '{name}' (it plays silence, as "
                                             f"in Tidal); the names are {' '.join(pats) or 'none'}"))
            return None
        if rest and rest[0]:
            f = fns.get(rest[0])
            if f is None:
                if rest[0] not in warned:
                    warned.add(rest[0])
                    warnings.warn(PatternWarning(f"ur: no function named '{rest[0]}' (it is id, as "
                                                 f"in Tidal); the names are {' '.join(fns) or 'none'}"))
                return p
            s, e = whole
            return _inside(p, 1 / (e - s), f)._late(s)
        return p

    def query(arc: Arc) -> list:
        out = []
        for oh in outer.query_span(arc):
            if oh.whole is None:
                continue
            name, *rest = str(oh.value).split(":")
            p = inner(name, rest, oh.whole)
            if p is None:
                continue
            for ih in p.query_span(oh.part):
                part = oh.part.intersection(ih.part)
                if part is None:
                    continue
                whole = None
                if ih.whole is not None:
                    whole = oh.whole.intersection(ih.whole)
                    if whole is None:
                        continue
                out.append(Hap(whole, part, ih.value, ih.context + oh.context))
        return out
    return Pattern(query)._slow(t)


def _v_name(p) -> str:
    return str(p.pure_value if isinstance(p, Pattern) and p.is_pure else p)


def fast_squeeze(pat: Pattern, factors) -> Pattern:
    """Tidal's fastSqueeze = tParamSqueeze _fast: each event of the factor pattern holds the
    whole pattern sped up by its value, squeezed into that event (squeezeJoin)."""
    return reify(factors).fmap(lambda x: pat._fast(x)).squeeze_join()


def slow_squeeze(pat: Pattern, factors) -> Pattern:
    """Tidal's slowSqueeze = tParamSqueeze _slow."""
    return reify(factors).fmap(lambda x: pat._slow(x)).squeeze_join()


def juxcut(pat: Pattern, f: Callable) -> Pattern:
    """Tidal's juxcut f p = stack [p # pan 0 # cut (-1), f $ p # pan 1 # cut (-2)] (UI.hs):
    jux whose two sides each cut their own previous sound."""
    from .controls import set_control
    left = set_control(set_control(pat, "pan", pure(Fraction(0))), "cut", pure(-1))
    right = set_control(set_control(pat, "pan", pure(Fraction(1))), "cut", pure(-2))
    return stack(left, f(right))


def smash(pat: Pattern, n, factors: Sequence) -> Pattern:
    """Tidal's smash n xs p = slowcat $ map (`slow` p') xs where p' = striate n p (Control.hs):
    the pattern striated into n parts, then played at each slow-down of the list, a cycle each."""
    p = striate(pat, n)
    return slowcat(*[p.slow(x) for x in factors]) if factors else silence


def loop_first(pat: Pattern) -> Pattern:
    """Tidal's loopFirst (Core.hs): every cycle plays cycle 0 (the query moved back by its
    cycle, the events forward again)."""
    q = pat.query_span

    def query(arc):
        c = Fraction(arc.begin.__floor__())
        if c == 0:
            return q(arc)
        return [h.with_span(lambda a: Arc(a.begin + c, a.end + c)) for h in q(Arc(arc.begin - c, arc.end - c))]
    return Pattern(query).split_queries()


def _time_loop(pat: Pattern, n) -> Pattern:
    """Tidal's timeLoop n = outside n loopFirst: outside n f p = _slow n (f (_fast n p))."""
    n = to_time(n)
    if n <= 0:
        return silence
    return loop_first(pat._fast(n))._slow(n)


time_loop = patterned(_time_loop)


def samples(names, numbers) -> Pattern:
    """Tidal's samples name num = pick <$> name <*> num, pick name n = name ++ ":" ++ show n."""
    def pick(a, b):
        n = int(b) if not isinstance(b, float) else int(b)
        return f"{a}:{n}"
    return reify(names).app_both(reify(numbers), pick)


def fold_every(pat: Pattern, ns, f: Callable) -> Pattern:
    """Tidal's foldEvery ns f p = foldr (`_every` f) p ns (Core.hs): `every n f` for each n
    of the list, nested (the first n outermost)."""
    out = pat
    for n in reversed(ns):
        out = _every(out, n, f)
    return out


def weave(t, controls: Pattern, pats: Sequence[Pattern]) -> Pattern:
    """Tidal's weave t p ps = weaveWith t p (map (#) ps) (Control.hs): the control pattern
    `controls`, slowed to t cycles, is applied (`q # ...`) to each pattern q of `pats`, each
    reading it i/len(pats) of the way along: `weave 16 (pan sine) [a, b]` pans a and b
    through the same slow sine, half a sweep apart. weaveWith's
    `_slow t $ stack $ zipWith (\\i f -> (i % l) `rotL` _fast t (f (_slow t p)))`."""
    from .controls import set_controls
    if not pats:
        return silence
    t = to_time(t)
    if t <= 0:
        raise PatternValueError(f"weave: the time must be > 0 cycles; got {t}")
    slow_p = reify(controls)._slow(t)
    n = len(pats)
    parts = [set_controls(reify(q), slow_p)._fast(t)._early(Fraction(i, n)) for i, q in enumerate(pats)]
    return stack(*parts)._slow(t)


def _every_offset(pat: Pattern, n, o, f: Callable) -> Pattern:
    """Tidal's _every' n o: f on the cycles c with c mod n == o."""
    n, o = _int(n, "every'"), _int(o, "every'")
    if n == 0:
        return pat
    return pat.every_cycle_when(lambda c: c % n == o, f)


every_offset = patterned(_every_offset)


def _whenmod(pat: Pattern, a, b, f: Callable) -> Pattern:
    """Tidal's _whenmod a b = whenT (\\t -> (t `mod'` a) >= b): f where the cycle count mod a is >= b."""
    a, b = to_time(a), to_time(b)
    if a == 0:
        return pat
    return when_t(pat, lambda t: t % a >= b, f)


whenmod = patterned(_whenmod)


def _iter(pat: Pattern, n) -> Pattern:
    """Tidal's _iter: cycle c starts the pattern c/n of the way in (rotL)."""
    n = _int(n, "iter", MAX_PARTS)
    if n == 0:
        return pat
    return slowcat(*[pat._early(Fraction(i, n)) for i in range(n)])


iter_ = patterned(_iter)


def _iter_back(pat: Pattern, n) -> Pattern:
    """Tidal's _iter': as iter, shifting the other way (rotR)."""
    n = _int(n, "iter'", MAX_PARTS)
    if n == 0:
        return pat
    return slowcat(*[pat._late(Fraction(i, n)) for i in range(n)])


iter_back = patterned(_iter_back)


def palindrome(pat: Pattern) -> Pattern:
    """Forwards on even cycles, reversed on odd cycles (Tidal: slowAppend p (rev p))."""
    return slowcat(pat, pat.rev())


def brak(pat: Pattern) -> Pattern:
    """Tidal's brak: on odd cycles, squash into the first half and shift a quarter later
    (when ((== 1) . (`mod` 2)) ((1%4) `rotR`) . (\\x -> fastcat [x, silence]))."""
    return pat.every_cycle_when(lambda c: c % 2 == 1, lambda x: fastcat(x, silence)._late(Fraction(1, 4)))


def _in_window(b: Fraction, e: Fraction):
    def inside(t):
        c = cycle_pos(t)
        return b <= c < e
    return inside


def _within(pat: Pattern, begin, end, f: Callable) -> Pattern:
    """Tidal's within (s, e) f p: f applies to the events whose onset's cycle position is in [s, e)."""
    inside = _in_window(to_time(begin), to_time(end))
    return stack(f(pat).filter_when(inside), pat.filter_when(lambda t: not inside(t)))


within = patterned(_within)


def _within_prime(pat: Pattern, begin, end, f: Callable) -> Pattern:
    """Tidal's within' (s, e) f p: like within, but f sees the window zoomed to a whole cycle
    (filterWhen inside $ compress (s, e) $ f $ zoom (s, e) p)."""
    b, e = to_time(begin), to_time(end)
    inside = _in_window(b, e)
    return stack(f(pat._zoom(b, e))._compress(b, e).filter_when(inside),
                 pat.filter_when(lambda t: not inside(t)))


within_prime = patterned(_within_prime)


def _chunk(pat: Pattern, n, f: Callable) -> Pattern:
    """Tidal's _chunk: n >= 0: cat [within (i/n, (i+1)/n) f p | i <- [0..n-1]] (Tidal's `cat`,
    so cycle c plays cycle c//n of each window's pattern); n < 0: the windows backwards,
    do i <- _slow m $ rev $ run m; within (i/m, (i+1)/m) f p."""
    n = _int(n, "chunk", MAX_PARTS)
    if n == 0:
        return pat
    if n > 0:
        return slowcat(*[_within(pat, Fraction(i, n), Fraction(i + 1, n), f) for i in range(n)])
    m = -n
    parts = [_within(pat, Fraction(i, m), Fraction(i + 1, m), f) for i in range(m)]
    return run(m).rev()._slow(m).bind(lambda i: parts[int(i)])


chunk = patterned(_chunk)


def _chunk_back(pat: Pattern, n, f: Callable) -> Pattern:
    """Tidal 1.9's _chunk' n = _chunk (-n)."""
    return _chunk(pat, -_int(n, "chunk'"), f)


chunk_back = patterned(_chunk_back)


def _linger(pat: Pattern, n) -> Pattern:
    """Tidal's _linger: n >= 0: _fast (1/n) $ zoom (0, n); n < 0: _fast (1/n) $ zoom (1+n, 1)
    (a negative factor, so Tidal also reverses the lingered part)."""
    n = to_time(n)
    if n == 0:
        return silence
    if n < 0:
        return pat._zoom(1 + n, 1)._fast(1 / n)
    return pat._zoom(0, n)._fast(1 / n)


linger = patterned(_linger)


def _trunc(pat: Pattern, t) -> Pattern:
    """Tidal's _trunc t = compress (0, t) . zoomArc (Arc 0 t): play the first t of each cycle, then silence."""
    t = to_time(t)
    if t <= 0:
        return silence
    if t >= 1:
        return pat
    return pat._zoom(0, t)._compress(0, t)


trunc = patterned(_trunc)


def _inside(pat: Pattern, n, f: Callable) -> Pattern:
    """Tidal's _inside n f p = _fast n $ f (_slow n p)."""
    n = to_time(n)
    if n == 0:
        return silence
    return f(pat._slow(n))._fast(n)


inside = patterned(_inside)


def _outside(pat: Pattern, n, f: Callable) -> Pattern:
    """Tidal's _outside n = _inside (1/n)."""
    n = to_time(n)
    if n == 0:
        return silence
    return _inside(pat, 1 / n, f)


outside = patterned(_outside)


def _swing_by(pat: Pattern, x, n) -> Pattern:
    """Tidal's swingBy x n = inside n (within (0.5, 1) (x ~>)): delay the second half of each
    1/n of a cycle by x."""
    x = to_time(x)
    return _inside(pat, n, lambda p: _within(p, _HALF, _ONE, lambda q: q._late(x)))


swing_by = patterned(_swing_by)


def swing(pat: Pattern, n) -> Pattern:
    """Tidal's swing = swingBy (pure $ 1%3)."""
    return swing_by(pat, pure(Fraction(1, 3)), n)


def superimpose(pat: Pattern, f: Callable) -> Pattern:
    """Tidal's superimpose f p = stack [p, f p]."""
    return stack(pat, f(pat))


def layer(pat: Pattern, fs: Sequence[Callable]) -> Pattern:
    """Tidal's layer fs p = stack $ map ($ p) fs."""
    return stack(*[f(pat) for f in fs])


def _off(pat: Pattern, t, f: Callable) -> Pattern:
    """Tidal's _off t f p = superimpose (f . (t `rotR`)) p."""
    return stack(pat, f(pat._late(t)))


off = patterned(_off)


def spread(pat: Pattern, f: Callable, values: Sequence) -> Pattern:
    """Tidal's spread f xs p = slowcat $ map (`f` p) xs: f x p for each x, one per cycle
    (`f(pat, x)` here, pattern first)."""
    return slowcat(*[f(pat, x) for x in values])


def fastspread(pat: Pattern, f: Callable, values: Sequence) -> Pattern:
    """Tidal's fastspread f xs p = fastcat $ map (`f` p) xs."""
    return fastcat(*[f(pat, x) for x in values])


def spread_choose(pat: Pattern, f: Callable, values: Sequence) -> Pattern:
    """Tidal's spreadChoose f vs p = do v <- _segment 1 (choose vs); f v p (alias spreadr): each
    cycle, f with a randomly chosen value."""
    from .random import choose
    values = list(values)
    outs = [f(pat, v) for v in values]
    return choose(list(range(len(values))))._segment(1).bind(lambda i: outs[i])


spreadr = spread_choose


def _event_order(h: Hap):
    """Tidal's derived Ord on events: context first (source positions, Tidal's
    ((column, line), (end column, line)) pairs), then whole, then part."""
    ctx = tuple(((c.col, c.line), (c.col + c.length, c.line)) for c in h.context if hasattr(c, "col"))
    w = h.whole
    return (ctx, w is not None, (w.begin, w.end) if w is not None else (), (h.part.begin, h.part.end))


def _rot(pat: Pattern, i) -> Pattern:
    """Tidal's _rot: query the whole cycle, sort its events (Tidal's Ord on events: source
    context first, then time), shift the values i places along the events (structure stays),
    constrain to the query."""
    i = _int(i, "rot")
    if i == 0:
        return pat
    q = pat.query_span

    def query(span):
        s = span.begin.__floor__()
        cyc = Arc(Fraction(s), Fraction(s + 1))
        es = sorted(_defrag(q(cyc)), key=_event_order)
        if not es:
            return []
        n = len(es)
        k = i % n
        vals = [h.value for h in es]
        out = []
        for j, h in enumerate(es):
            part = h.part.intersection(span)
            if part is not None:
                out.append(Hap(h.whole, part, vals[(j + k) % n], h.context))
        return out
    return Pattern(query).split_queries()


rot = patterned(_rot)


def _defrag(haps: list) -> list:
    """Tidal's defragParts: join fragments of the same event that touch."""
    out = list(haps)
    i = 0
    while i < len(out):
        h = out[i]
        for j in range(i + 1, len(out)):
            g = out[j]
            if (g.whole == h.whole and g.whole is not None and g.value == h.value
                    and (g.part.begin == h.part.end or g.part.end == h.part.begin)):
                out[i] = Hap(h.whole, Arc(min(h.part.begin, g.part.begin), max(h.part.end, g.part.end)),
                             h.value, h.context)
                del out[j]
                break
        else:
            i += 1
    return out


# ---- combining two patterns ---------------------------------------------------------


def _wedge(pat: Pattern, t, other: Pattern) -> Pattern:
    """Tidal's _wedge t p p' = overlay (_fastGap (1/t) p) (t `rotR` _fastGap (1/(1-t)) p')."""
    t = to_time(t)
    if t <= 0:
        return other
    if t >= 1:
        return pat
    return stack(pat._fast_gap(1 / t), other._fast_gap(1 / (1 - t))._late(t))


wedge = patterned(_wedge, raw=(1,))


def truthy(v) -> bool:
    """Mini-notation booleans: "t"/"true"/"1"/non-zero numbers are true; "f"/"false"/0 false."""
    if isinstance(v, str):
        return v not in ("f", "false", "0", "~")
    if isinstance(v, dict):
        return True
    return bool(v)


def inv(bools) -> Pattern:
    """Tidal's inv = (not <$>): invert a boolean pattern."""
    return reify(bools).fmap(lambda v: not truthy(v))


def struct(pat: Pattern, bools) -> Pattern:
    """Tidal's struct: structure from a boolean pattern, values from pat (true events only)."""
    b = reify(bools).filter_values(truthy)
    return b.app_left(pat, lambda a, v: v)


def mask(pat: Pattern, bools) -> Pattern:
    """Tidal's mask b p = const <$> p <* filterValues id b (structure from pat)."""
    b = reify(bools).filter_values(truthy)
    return pat.app_left(b, lambda v, a: v)


def sew(bools, a: Pattern, b: Pattern) -> Pattern:
    """Tidal's sew pb a b = overlay (mask pb a) (mask (inv pb) b): a where true, b where false."""
    bools = reify(bools)
    return stack(mask(a, bools), mask(b, inv(bools)))


def stitch(bools, a: Pattern, b: Pattern) -> Pattern:
    """Tidal's stitch pb a b = overlay (struct pb a) (struct (inv pb) b): the boolean's rhythm,
    values from a on true and from b on false."""
    bools = reify(bools)
    return stack(struct(a, bools), struct(b, inv(bools)))


def while_(pat: Pattern, bools, f: Callable) -> Pattern:
    """Tidal's while b f pat = sew b (f pat) pat."""
    return sew(bools, f(pat), pat)


def _controls_match(test: dict, value) -> bool:
    """Tidal's `Map.isSubmapOfBy (==)`: every control of `test` is in the event's map, equal.
    (Numbers compare by value: Tidal's Value Eq compares VF with VI and VR, but a VN from
    `n` with a VF from `sound "x:1"` never; Phonon keeps one kind of number.)"""
    if not isinstance(value, dict):
        return False
    return all(k in value and value[k] == v for k, v in test.items())


def contrast(pat: Pattern, f_match: Callable, f_other: Callable, controls) -> Pattern:
    """Tidal's `contrast f f' p p'` (UI.hs, contrastBy (==)): each event of `pat` is tested
    against the control maps `controls` holds at the event's start (matchManyToOne queries a
    zero-width arc there); those containing one of them go through `f_match`, the others
    through `f_other`, and the two are overlaid. `fix f = contrast f id`,
    `unfix = contrast id`."""
    tests = reify(controls)

    def tagged(arc: Arc, want: bool) -> list:
        out = []
        for h in pat.query_span(arc):
            t = h.whole_or_part().begin
            ok = any(_controls_match(m.value, h.value) for m in tests.query_span(Arc(t, t))
                     if isinstance(m.value, dict))
            if ok == want:
                out.append(h)
        return out

    matched = Pattern(lambda arc: tagged(arc, True))
    unmatched = Pattern(lambda arc: tagged(arc, False))
    return stack(f_match(matched), f_other(unmatched))


def euclid_bools(k: int, n: int) -> list[bool]:
    if k >= 0:
        return bjorklund(k, n)
    return [not b for b in bjorklund(-k, n)]


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


def _euclid(pat: Pattern, k, n, rotation=0) -> Pattern:
    """Tidal's _euclid (k pulses over n steps, Bjorklund; negative k inverts), each pulse playing
    the pattern squeezed into its step; the optional rotation is Tidal's euclidOff (rotL s/n)."""
    k, n, r = _int(k, "euclid", MAX_STEPS), _int(n, "euclid", MAX_STEPS), _int(rotation, "euclid")
    if n <= 0:
        return silence
    out = fastcat(*[pat if b else silence for b in euclid_bools(k, n)])
    return out._early(Fraction(r, n)) if r else out


euclid = patterned(_euclid)


def _euclid_off(pat: Pattern, k, n, s) -> Pattern:
    """Tidal's _euclidOff n k s p = rotL (s%k) (_euclid n k p); 0 steps: silence."""
    return _euclid(pat, k, n, s)


euclid_off = patterned(_euclid_off)


def _euclid_inv(pat: Pattern, k, n) -> Pattern:
    """Tidal's _euclidInv n k = _euclid (-n) k: the pattern on the steps euclid leaves silent."""
    return _euclid(pat, -_int(k, "euclidInv"), n)


euclid_inv = patterned(_euclid_inv)


def euclid_full(pat: Pattern, k, n, other: Pattern) -> Pattern:
    """Tidal's euclidFull n k pa pb = stack [euclid n k pa, euclidInv n k pb]."""
    return stack(euclid(pat, k, n), euclid_inv(other, k, n))


def euclid_off_full(pat: Pattern, k, n, s, other: Pattern) -> Pattern:
    """euclidOffFull n k s p p' = stack [euclidOff n k s p, euclidOff (negate <$> n) k s p']: named in
    Tidal's documentation but not defined in Tidal 1.9's source; this is euclidFull's definition
    with euclidOff's rotation."""
    neg = reify(k).fmap(lambda v: -v)
    return stack(euclid_off(pat, k, n, s), euclid_off(other, neg, n, s))


def _press_by(pat: Pattern, r) -> Pattern:
    """Tidal's _pressBy r pat = squeezeJoin $ (compressTo (r, 1) . pure) <$> pat: each event moves
    to start r of the way through its span, keeping its end (syncopation)."""
    r = to_time(r)
    if r >= 1:
        return silence
    return pat.squeeze_bind(lambda v: pure(v)._compress(r, _ONE))


press_by = patterned(_press_by)


def press(pat: Pattern) -> Pattern:
    """Tidal's press = _pressBy 0.5."""
    return _press_by(pat, _HALF)


def _bits(n: int, num: int) -> list[bool]:
    """Tidal's __binary n num = map (testBit num) $ reverse [0 .. n-1] (two's complement bits)."""
    return [bool((num >> i) & 1) for i in reversed(range(n))]


def _binary_n(pat: Pattern, n) -> Pattern:
    """Tidal's _binaryN n p = squeezeJoin $ _binary n <$> p: each number as n bits, most
    significant first, squeezed into its event."""
    n = _int(n, "binaryN", 64)
    return pat.squeeze_bind(lambda v: fast_from_list(_bits(n, _int(v, "binaryN"))))


binary_n = patterned(_binary_n)


def ascii_(pat) -> Pattern:
    """Tidal's ascii p = squeezeJoin $ (listToPat . concatMap (__binary 8 . ord)) <$> p: the
    8-bit codes of each word's characters, as booleans."""
    return reify(pat).squeeze_bind(lambda w: fast_from_list([b for ch in str(w) for b in _bits(8, ord(ch))]))


# ---- control values --------------------------------------------------------------


def _set_key(v, key: str, x):
    if isinstance(v, dict):
        d = dict(v)
        d[key] = x
        return d
    return {"value": v, key: x}


def _scale_key(v, key: str, factor):
    """Tidal's `|* key factor` on one value: multiply when present, else set (ValueMap union)."""
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


def _spin(pat: Pattern, copies) -> Pattern:
    """Tidal's _spin copies p = stack [offset `rotL` p # pan offset | i <- [0 .. copies-1]],
    offset = i / copies: copies shifted earlier and spread across the stereo field."""
    n = _int(copies, "spin", MAX_LAYERS)
    if n <= 0:
        return silence
    return stack(*[pat._early(Fraction(i, n)).fmap(lambda v, o=Fraction(i, n): _set_key(v, "pan", o))
                   for i in range(n)])


spin = patterned(_spin)


def _gap(pat: Pattern, n) -> Pattern:
    """Tidal's _gap n p = _fast n (cat [pure 1, silence]) |>| _chop n p: chop into n parts and
    keep every other one."""
    n = _int(n, "gap", MAX_PARTS)
    if n < 1:
        return silence
    gate = slowcat(pure(_ONE), silence)._fast(n)
    return gate.app_both(_chop(pat, n), lambda a, b: b)


gap = patterned(_gap)


def _jux_by(pat: Pattern, n, f: Callable) -> Pattern:
    """Tidal's juxBy n f p = stack [p |+ pan 0.5 |- pan (n/2), f $ p |+ pan 0.5 |+ pan (n/2)]:
    pan is 0..1 (0 left, 1 right); an existing pan is offset; non-dict values become
    {"value": v, "pan": ...}."""
    h = to_time(n) / 2
    return stack(pat.fmap(_pan_by(-h)), f(pat.fmap(_pan_by(h))))


def _pan_by(delta: Fraction):
    """v |+ pan 0.5 |+ pan delta, in one dict copy (exact when the pan is exact)."""
    c = _HALF + delta

    def g(v):
        d = dict(v) if isinstance(v, dict) else {"value": v}
        old = d.get("pan")
        if old is None:
            d["pan"] = c
        elif type(old) is Fraction:
            d["pan"] = old + c
        else:
            d["pan"] = (old + _HALF) + delta  # Tidal's order of the two additions, for floats
        return d
    return g


def jux_by(pat: Pattern, n, f: Callable) -> Pattern:
    """Tidal's juxBy with a patterned width: `n` is combined with `|-`/`|+` (UI.hs), so it is
    sampled at each event (a continuous `range 0.25 0.75 $ slow 4 sine` moves with the events,
    in Double arithmetic as Tidal's), before `f` sees the copy."""
    n = reify(n)
    if n.is_pure:
        return _jux_by(pat, n.pure_value, f)

    def side(sign):
        def g(v, x):
            h = to_time(x) / 2 if isinstance(x, (int, Fraction)) else float(x) / 2.0
            return _pan_by(h if sign > 0 else -h)(v)
        return pat.app_left(n, g)
    return stack(side(-1), f(side(1)))


def jux(pat: Pattern, f: Callable) -> Pattern:
    """Tidal's jux = juxBy 1: the original at pan 0 (left), f applied at pan 1 (right)."""
    return _jux_by(pat, _ONE, f)


def _stut(pat: Pattern, count, feedback, steptime) -> Pattern:
    """Tidal's `stut count feedback steptime`: the pattern plus count-1 echoes, the x-th
    shifted later by x*steptime with "gain" multiplied by
    feedback + (1 - feedback) * (count - x) / count (Tidal 1.9's `scalegain`: a linear
    fade from 1 towards feedback; gain defaults to 1). Non-dict values echo unchanged."""
    count = _int(count, "stut", MAX_LAYERS)
    feedback, steptime = to_time(feedback), to_time(steptime)
    layers = [pat]
    for x in range(1, count):
        g = feedback + (1 - feedback) * Fraction(count - x, count)
        scale = (lambda v, g=g: _scale_key(v, "gain", g))
        d = x * steptime
        # pat._late(d).fmap(scale), in one pass when there is a shift
        layers.append(pat._shift(d, scale) if d != 0 else pat.fmap(scale))
    return stack(*layers)


stut = patterned(_stut)


def _echo_with(pat: Pattern, count, time, f: Callable) -> Pattern:
    """Tidal's _echoWith count time f p: count <= 1: p; else
    overlay (f (time `rotR` _echoWith (count-1) time f p)) p: the k-th echo is f applied k times."""
    count = _int(count, "echoWith", MAX_LAYERS)
    time = to_time(time)
    out = pat
    for _ in range(count - 1):
        out = stack(f(out._late(time)), pat)
    return out


echo_with = patterned(_echo_with)


def _echo(pat: Pattern, count, time, feedback) -> Pattern:
    """Tidal's _echo count time feedback = _echoWith count time (|* gain feedback): the k-th
    echo's gain is multiplied by feedback^k."""
    fb = to_time(feedback)
    return _echo_with(pat, count, time, lambda p: p.fmap(lambda v: _scale_key(v, "gain", fb)))


echo = patterned(_echo)


def _stutter(pat: Pattern, n, t) -> Pattern:
    """Tidal's stutter n t p = stack $ map (\\i -> (t * i) `rotR` p) [0 .. n-1]."""
    n, t = _int(n, "stutter", MAX_PARTS), to_time(t)
    return stack(*[pat._late(t * i) for i in range(n)])


stutter = patterned(_stutter)


def _ghost_with(pat: Pattern, a, f: Callable) -> Pattern:
    """Tidal's ghostWith a f p = superimpose (((a*2.5) `rotR`) . f) $ superimpose (((a*1.5) `rotR`) . f) p."""
    a = to_time(a)
    inner = stack(pat, f(pat)._late(a * Fraction(3, 2)))
    return stack(inner, f(inner)._late(a * Fraction(5, 2)))


ghost_with = patterned(_ghost_with)


def _ghost_fx(v):
    """Tidal's ghost' effect: (|*| gain 0.7) . (|> end 0.2) . (|*| speed 1.25)."""
    v = _scale_key(v, "speed", Fraction(5, 4))
    v = _set_key(v, "end", Fraction(1, 5))
    return _scale_key(v, "gain", Fraction(7, 10))


def _ghost_prime(pat: Pattern, a) -> Pattern:
    """Tidal's ghost' a = ghostWith a (quieter, shorter, higher copies)."""
    return _ghost_with(pat, a, lambda p: p.fmap(_ghost_fx))


ghost_prime = patterned(_ghost_prime)


def ghost(pat: Pattern) -> Pattern:
    """Tidal's ghost = ghost' 0.125."""
    return _ghost_prime(pat, Fraction(1, 8))


def _hurry(pat: Pattern, n) -> Pattern:
    """Tidal's hurry x = (|* speed x) . fast x."""
    n = to_time(n)
    return pat._fast(n).fmap(lambda v: _scale_key(v, "speed", n))


hurry = patterned(_hurry)


def _loop_at(pat: Pattern, n) -> Pattern:
    """Tidal's loopAt n p = slow n p |* speed (1/n) # unit "c": a sample fills n cycles."""
    n = to_time(n)
    if n == 0:
        return silence
    inv_n = 1 / n
    return pat._slow(n).fmap(lambda v: _set_key(_scale_key(v, "speed", inv_n), "unit", "c"))


loop_at = patterned(_loop_at)


def _begin_end(v) -> tuple:
    d = v if isinstance(v, dict) else {}
    return to_time(d.get("begin", 0)), to_time(d.get("end", 1))


def _slices(v, n: int):
    b0, e0 = _begin_end(v)
    v = v if isinstance(v, dict) else {"value": v}
    d = e0 - b0
    return [dict(v, begin=b0 + Fraction(i, n) * d, end=b0 + Fraction(i + 1, n) * d) for i in range(n)]


def _chop(pat: Pattern, n) -> Pattern:
    """Tidal's _chop: cut each event into n parts in time, the i-th playing part i of its
    begin..end range (begin' = b + i/n*(e-b), end' = b + (i+1)/n*(e-b); b, e default 0, 1)."""
    n = _int(n, "chop", MAX_PARTS)
    if n < 1:
        return silence
    return pat.squeeze_bind(lambda v: fast_from_list(_slices(v, n)))


chop = patterned(_chop)


def _merge_play_range(v, b: Fraction, e: Fraction):
    """Tidal's mergePlayRange (b, e): the span b..e of the value's own begin..end."""
    b0, e0 = _begin_end(v)
    d = e0 - b0
    return _set_key(_set_key(v, "begin", b * d + b0), "end", e * d + b0)


def _striate(pat: Pattern, n) -> Pattern:
    """Tidal's _striate n p = fastcat [mergePlayRange (i/n, (i+1)/n) <$> p | i <- [0..n-1]]:
    the pattern n times per cycle, the i-th time playing part i of each sample."""
    n = _int(n, "striate", MAX_PARTS)
    if n < 1:
        return silence
    return fastcat(*[pat.fmap(lambda v, i=i: _merge_play_range(v, Fraction(i, n), Fraction(i + 1, n)))
                     for i in range(n)])


striate = patterned(_striate)


def _striate_by(pat: Pattern, n, f) -> Pattern:
    """Tidal's _striateBy n f p = fastcat [p # begin (slot*i) # end (slot*i + f)], slot = (1-f)/n:
    n parts of length f (overlapping when f > 1/n)."""
    n = _int(n, "striateBy", MAX_PARTS)
    if n < 1:
        return silence
    f = to_time(f)
    slot = (1 - f) / n
    return fastcat(*[pat.fmap(lambda v, i=i: _set_key(_set_key(v, "begin", slot * i), "end", slot * i + f))
                     for i in range(n)])


striate_by = patterned(_striate_by)


def _slice_value(v, n: int, i: int):
    """`begin b # end e # v`: slice i of n, the value's own keys winning (Tidal's #)."""
    b = Fraction(i % n, n)
    be = {"begin": b, "end": b + Fraction(1, n)}
    return {**be, **v} if isinstance(v, dict) else {**be, "value": v}


def slice_(pat: Pattern, npat, ipat) -> Pattern:
    """Tidal's slice pN pI p = begin b # end e # p, b = (i mod n)/n, e = b + 1/n: the rhythm of
    the index pattern, each event playing slice i of n of the sample p gives there."""
    npat, ipat = reify(npat), reify(ipat)
    ni = ipat.app_left(npat, lambda i, n: (_int(i, "slice"), _int(n, "slice")))
    return ni.filter_values(lambda t: t[1] != 0).app_left(pat, lambda t, v: _slice_value(v, t[1], t[0]))


def _randslice(pat: Pattern, n) -> Pattern:
    """Tidal's randslice n: each event plays a random one of n slices. Tidal draws the index
    from `_irand n` per query (so it depends on how the player splits time); here it is drawn
    over each event's whole, which is what a query of that event gives in Tidal."""
    from .random import rand
    n = _int(n, "randslice", MAX_STEPS)
    if n < 1:
        return silence
    return pat.app_left(rand, lambda v, r: _slice_value(v, n, int(r * n)))


randslice = patterned(_randslice)


def _splice(pat: Pattern, bits, ipat) -> Pattern:
    """Tidal's _splice bits ipat pat: slice bits ipat pat, then speed = (1/bits) / (the event's
    duration in cycles), times any existing speed, and unit "c": each slice fills its event."""
    bits = _int(bits, "splice")
    if bits == 0:
        return silence
    sz = Fraction(1, bits)

    def fix(h):
        w = h.whole_or_part()
        d = sz / (w.end - w.begin)
        return Hap(h.whole, h.part, _set_key(_scale_key(h.value, "speed", d), "unit", "c"), h.context)
    q = slice_(pat, pure(Fraction(bits)), ipat).query_span
    return Pattern(lambda span: [fix(h) for h in q(span)])


splice = patterned(_splice, raw=(1,))


# ---- structure ---------------------------------------------------------------------


def _range(pat: Pattern, lo, hi) -> Pattern:
    """Tidal's range from to p = (\\v -> v * (to - from) + from) <$> p (0..1 to lo..hi)."""
    lo, hi = to_time(lo), to_time(hi)
    d = hi - lo
    return pat.fmap(lambda v: lo + d * v)


range_ = patterned(_range)


def run(n) -> Pattern:
    """Tidal's run: 0 .. n-1 in one cycle (n may be a pattern: run = (>>= _run))."""
    if isinstance(n, Pattern):
        if n.is_pure:
            return run(n.pure_value)
        return n.bind(run)
    n = _int(n, "run", MAX_STEPS)
    return fast_from_list([Fraction(i) for i in range(n)])


def scan(n) -> Pattern:
    """Tidal's _scan n = slowcat $ map _run [1 .. n]: run 1, run 2, ... run n, one per cycle."""
    if isinstance(n, Pattern):
        if n.is_pure:
            return scan(n.pure_value)
        return n.bind(scan)
    n = _int(n, "scan", MAX_LAYERS)
    return slowcat(*[run(i) for i in range(1, n + 1)]) if n >= 1 else silence


def _ply_with(pat: Pattern, n, f: Callable) -> Pattern:
    """Tidal's _plyWith n f p = arpeggiate $ compound n, compound n = overlay p (f $ compound (n-1)):
    each event repeated n times in its span, the k-th repeat transformed k times by f."""
    from .harmony import arpeggiate
    n = to_time(n)
    if n > MAX_LAYERS:
        raise PatternValueError(f"plyWith: got {float(n):g}; expected at most {MAX_LAYERS}")
    out = pat
    k = n
    while k > 1:
        out = stack(pat, f(out))
        k -= 1
    return arpeggiate(out)


ply_with = patterned(_ply_with)


def _fit(pat: Pattern, step, values: Sequence) -> Pattern:
    """Tidal's _fit perCycle xs p = (xs !!!) <$> (p with each value v + perCycle * floor(cycle)):
    index the list cyclically, moving `step` along it every cycle."""
    step = _int(step, "fit")
    xs = list(values)
    if not xs:
        return silence
    n = len(xs)
    q = pat.query_span

    def query(span):
        return [Hap(h.whole, h.part, xs[(_int(h.value, "fit") + step * h.part.begin.__floor__()) % n],
                    h.context) for h in q(span)]
    return Pattern(query)


def fit(pat: Pattern, step, values: Sequence) -> Pattern:
    """fit with a patterned step (Tidal: (tParam func) pint (xs, p))."""
    return patterned(lambda p, s: _fit(p, s, values))(pat, step)


def stretch(pat: Pattern) -> Pattern:
    """Tidal's stretch: zoom each cycle to the span its events cover (enclosingArc of the
    cycle's wholes; a cycle without events stays whole)."""
    q = pat.query_span

    def query(span):
        s = span.begin.__floor__()
        ws = [h.whole_or_part() for h in q(Arc(Fraction(s), Fraction(s + 1)))]
        if not ws:
            b, e = Fraction(0), _ONE
        else:
            b0, e0 = min(w.begin for w in ws), max(w.end for w in ws)
            b = cycle_pos(b0)
            e = b + (e0 - b0)
        return pat._zoom(b, e).query_span(span)
    return Pattern(query).split_queries()


def fit_prime(pat: Pattern, cyc, n, from_pat, to_pat) -> Pattern:
    """Tidal's fit' cyc n from to p = squeezeJoin $ _fit n mapMasks to, mapMasks = [stretch $ mask
    (filterValues (== i) from') p' | i <- [0..n-1]], p' = density cyc p, from' = density cyc from:
    cut the pattern into n pieces (marked by `from`) and play them in the order of `to`."""
    n = _int(n, "fit'", MAX_PARTS)
    p2, from2 = pat.fast(cyc), reify(from_pat).fast(cyc)
    masks = [stretch(mask(p2, from2.filter_values(lambda v, i=i: v == i).fmap(lambda _: True)))
             for i in range(n)]
    # _fit n adds n * cycle to each index: a no-op modulo n
    return reify(to_pat).squeeze_bind(lambda i: masks[_int(i, "fit'") % n])


def _bite(pat: Pattern, n, ipat) -> Pattern:
    """Tidal's _bite n ipat pat = squeezeJoin $ zoompat <$> ipat, zoompat i = zoom (i'/n, (i'+1)/n) pat
    (i' = i mod n): the index pattern picks which n-th of each cycle plays, squeezed into its step."""
    n = _int(n, "bite", MAX_PARTS)
    if n <= 0:
        return silence
    parts = [pat._zoom(Fraction(i, n), Fraction(i + 1, n)) for i in range(n)]
    return reify(ipat).squeeze_bind(lambda i: parts[_int(i, "bite") % n])


bite = patterned(_bite, raw=(1,))


def squeeze(ipat, pats: Sequence[Pattern]) -> Pattern:
    """Tidal's squeeze ipat pats = squeezeJoin $ (pats !!!) <$> ipat: each index plays a whole
    cycle of that pattern (cyclic index) squeezed into its event."""
    pats = [reify(p) for p in pats]
    if not pats:
        return silence
    return reify(ipat).squeeze_bind(lambda i: pats[_int(i, "squeeze") % len(pats)])


def _select_index(f, n: int) -> int:
    f = min(max(to_time(f), Fraction(0)), _ONE)
    return int((f * (n - 1)).__floor__())


def select(fpat, pats: Sequence[Pattern]) -> Pattern:
    """Tidal's _select f ps = ps !! floor (clamp 0 1 f * (length ps - 1)), patterned by innerJoin."""
    pats = [reify(p) for p in pats]
    if not pats:
        return silence
    return reify(fpat).inner_bind(lambda f: pats[_select_index(f, len(pats))])


def select_f(pat: Pattern, fpat, fs: Sequence[Callable]) -> Pattern:
    """Tidal's _selectF f ps p = (ps !! floor (clamp 0 0.999999 f * length ps)) p (innerJoin)."""
    n = len(fs)
    outs = [f(pat) for f in fs]

    def pick(f):
        f = min(max(float(f), 0.0), 0.999999)
        return outs[int(f * n)]
    return reify(fpat).inner_bind(pick)


def pick_f(pat: Pattern, ipat, fs: Sequence[Callable]) -> Pattern:
    """Tidal's _pickF i fs p = (fs !!! i) p (cyclic index), patterned by innerJoin."""
    outs = [f(pat) for f in fs]
    if not outs:
        return silence
    return reify(ipat).inner_bind(lambda i: outs[_int(i, "pickF") % len(outs)])


def _chew(pat: Pattern, n, ipat) -> Pattern:
    """Tidal's _chew n ipat pat = (squeezeJoinUp $ zoompat <$> ipat) |/ speed n: bite, and each
    bit's speed follows how much it was squeezed or stretched (speed *= (1/n) / step length).
    squeezeJoinUp compresses each bit into its event (compressArc of the event's cycle arc)."""
    n = _int(n, "chew", MAX_PARTS)
    if n <= 0:
        return silence
    parts = [pat._zoom(Fraction(i, n), Fraction(i + 1, n)) for i in range(n)]
    q = reify(ipat).query_span
    fn = Fraction(n)

    def query(span):
        out = []
        for o in q(span):
            w = o.whole
            if w is None:
                continue
            dur = w.end - w.begin
            s = w.begin.__floor__()
            inner = parts[_int(o.value, "chew") % n]._compress(w.begin - s, w.end - s)
            up = 1 / (dur * fn)
            for h in inner.query_span(o.part):
                if h.whole is None:
                    continue
                nw = w.intersection(h.whole)
                part = o.part.intersection(h.part)
                if nw is None or part is None:
                    continue
                v = h.value
                if isinstance(v, dict):
                    v = _scale_key(v, "speed", up) if "speed" in v else dict(v, speed=up)
                out.append(Hap(nw, part, v, o.context + h.context))
        return out
    return Pattern(query)


chew = patterned(_chew, raw=(1,))
