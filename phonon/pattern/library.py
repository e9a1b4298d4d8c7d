"""DSL declarations of the pattern transforms and combinators (one `declare` each).

fn convention (the compiler relies on it): `fn(pat, *args)` where `pat` is the Pattern
being transformed; "number" arguments arrive as Patterns (constants as `pure(Fraction)`),
so every transform is patternable; "function" arguments arrive as callables
Pattern -> Pattern; "pattern" arguments as Patterns. Combinators get `fn(*patterns)`.
"""
from __future__ import annotations

from fractions import Fraction

from ..registry import Param, declare
from . import transforms as _t  # noqa: F401  (attaches the methods used below)
from . import random as _r  # noqa: F401
from .core import Pattern, fastcat, pure, slowcat, stack

INF = float("inf")


def num(name: str, default=None, range=None, unit: str = "", doc: str = "") -> Param:
    kw = {} if default is None else {"default": default}
    return Param(name, kind="number", range=range, unit=unit, doc=doc, **kw)


def func(name: str = "f", doc: str = "the transform to apply") -> Param:
    return Param(name, kind="function", doc=doc)


def transform(name, params, doc, example, fn, aliases=()):
    declare(name, "transform", params=params, doc=doc, example=example, fn=fn, aliases=aliases)


transform("fast", [num("factor", range=(0, INF), doc="speed-up factor")],
          "Speed the pattern up by a factor: `fast 2` plays two cycles in the time of one. "
          "The factor may be a pattern (`fast \"<1 2>\"`). Zero gives silence.",
          's "bd sn" $ fast 2', lambda p, f: p.fast(f), aliases=("density",))
transform("slow", [num("factor", range=(0, INF), doc="slow-down factor")],
          "Slow the pattern down by a factor: `slow 2` stretches one cycle over two.",
          's "bd sn hh cp" $ slow 2', lambda p, f: p.slow(f), aliases=("sparsity",))
transform("hurry", [num("factor", range=(0, INF))],
          "Speed the pattern up like `fast` and multiply each event's playback `speed` by the "
          "same factor, so samples are pitched up too.",
          's "bd sn" $ hurry 2', lambda p, f: p.hurry(f))
transform("rev", [],
          "Reverse each cycle in place: events keep their cycle but play back to front.",
          's "bd sn hh" $ rev', lambda p: p.rev())
transform("early", [num("time", unit="cycles")],
          "Shift the pattern earlier in time by a number of cycles (Tidal's `<~`).",
          's "bd sn hh cp" $ early 0.25', lambda p, t: p.early(t))
transform("late", [num("time", unit="cycles")],
          "Shift the pattern later in time by a number of cycles (Tidal's `~>`).",
          's "bd sn hh cp" $ late 0.25', lambda p, t: p.late(t))
transform("every", [num("n", range=(0, INF)), func()],
          "Apply a transform on every n-th cycle, starting with cycle 0 (cycles 0, n, 2n, ...).",
          's "bd sn hh" $ every 3 rev', lambda p, n, f: p.every(n, f))
transform("ply", [num("n", range=(0, INF))],
          "Repeat each event n times within its own time span.",
          's "bd sn" $ ply 2', lambda p, n: p.ply(n))
transform("iter", [num("n", range=(0, INF))],
          "Divide the cycle into n parts and start one part later each cycle, wrapping around "
          "(cycle 1 starts at the second part, and so on).",
          's "bd sn hh cp" $ iter 4', lambda p, n: p.iter(n))
transform("palindrome", [],
          "Play the pattern forwards on even cycles and reversed on odd cycles.",
          's "bd sn hh" $ palindrome', lambda p: p.palindrome())
transform("degrade", [],
          "Randomly drop half of the events. Deterministic: the choice is seeded by each event's "
          "time exactly as in Tidal, so the same events drop on every render.",
          's "hh*8" $ degrade', lambda p: p.degrade())
transform("degradeBy", [num("amount", range=(0, 1), doc="probability of dropping an event")],
          "Randomly drop events with the given probability: an event is kept when Tidal's "
          "time-seeded `rand`, taken over the event, is greater than the amount.",
          's "hh*8" $ degradeBy 0.3', lambda p, x: p.degrade_by(x))
transform("sometimesBy", [num("amount", range=(0, 1)), func()],
          "Apply a transform to a random selection of events with the given probability; the "
          "other events play unchanged. Time-seeded, so deterministic.",
          's "hh*8" $ sometimesBy 0.3 (# speed 2)', lambda p, x, f: p.sometimes_by(x, f))
for _name, _amt, _desc in (("sometimes", "0.5", "half"), ("often", "0.75", "three quarters"),
                           ("rarely", "0.25", "a quarter"), ("almostAlways", "0.9", "nine tenths"),
                           ("almostNever", "0.1", "a tenth")):
    transform(_name, [func()],
              f"Apply a transform to about {_desc} of the events (`sometimesBy {_amt}`).",
              f's "hh*8" $ {_name} (fast 2)',
              (lambda a: lambda p, f: p._sometimes_by(a, f))(Fraction(_amt)))
transform("always", [func()], "Always apply the transform (`sometimesBy 1`, for symmetry).",
          's "hh*8" $ always (fast 2)', lambda p, f: f(p))
transform("never", [func()], "Never apply the transform: the pattern plays unchanged.",
          's "hh*8" $ never (fast 2)', lambda p, f: p)
transform("jux", [func()],
          "Play the pattern hard left (pan -1) and the transformed pattern hard right (pan +1). "
          "On sample patterns this sets each event's pan; other values become "
          "{value, pan} controls.",
          's "bd sn hh" $ jux rev', lambda p, f: p.jux(f))
transform("stut", [num("count", range=(1, INF), doc="number of layers, the original included"),
                   num("feedback", range=(0, INF), doc="the last echo's gain factor (Tidal's fade target)"),
                   num("steptime", unit="cycles", doc="time between echoes")],
          "Tidal's echo: the pattern plus count-1 copies, the x-th shifted later by x*steptime "
          "with its gain multiplied by feedback + (1-feedback)*(count-x)/count, a linear fade "
          "(Tidal 1.9's argument order and gain curve; gain defaults to 1).",
          's "bd sn" $ stut 3 0.5 0.125', lambda p, n, fb, t: p.stut(n, fb, t))
transform("off", [num("time", unit="cycles"), func()],
          "Superimpose a copy shifted later by a time and transformed by a function.",
          's "bd sn" $ off 0.125 (# speed 2)', lambda p, t, f: p.off(t, f))
transform("superimpose", [func()],
          "Play the pattern together with a transformed copy of itself.",
          's "bd sn" $ superimpose (fast 2)', lambda p, f: p.superimpose(f))
transform("chunk", [num("n"), func()],
          "Divide the cycle into n parts and apply the transform to one part per cycle, moving "
          "to the next part each cycle.",
          's "bd sn hh cp" $ chunk 4 (hurry 2)', lambda p, n, f: p.chunk(n, f))
transform("chop", [num("n", range=(1, INF))],
          "Cut each event into n parts, each playing the matching part of the sample "
          "(sets begin/end, subdividing any existing begin..end).",
          's "bd sn" $ chop 4', lambda p, n: p.chop(n))
transform("striate", [num("n", range=(1, INF))],
          "Play the pattern n times per cycle, the i-th time using the i-th of n parts of each "
          "sample (begin = i/n, end = (i+1)/n), interlacing the sample parts.",
          's "bd sn" $ striate 4', lambda p, n: p.striate(n))
transform("struct", [Param("structure", kind="pattern", doc="boolean pattern: t/1 plays, f/0/~ rests")],
          "Take the rhythm from a boolean pattern (`\"t ~ t t\"`) and the values from this "
          "pattern, sampled at each true event.",
          's "bd" $ struct "t ~ t t"', lambda p, b: p.struct(b))
transform("mask", [Param("mask", kind="pattern", doc="boolean pattern: 1/t keeps, 0/f removes")],
          "Remove the parts of the pattern where a boolean pattern is false (`\"1 0 1 1\"`); "
          "the rhythm stays the pattern's own.",
          's "hh*8" $ mask "1 0 1 1"', lambda p, b: p.mask(b))
transform("euclid", [num("pulses"), num("steps", range=(0, INF)),
                     num("rotation", default=0, doc="steps to rotate left")],
          "Euclidean rhythm: spread the pulses as evenly as possible over the steps (Bjorklund), "
          "each pulse playing the pattern squeezed into its step; the optional rotation "
          "rotates left. Same as mini-notation `bd(3,8,2)`.",
          's "bd" $ euclid 3 8', lambda p, k, n, r=None: p.euclid(k, n, r if r is not None else pure(Fraction(0))))
transform("segment", [num("n", range=(0, INF))],
          "Sample a pattern (usually a continuous signal) n times per cycle, turning it into n "
          "discrete events.",
          'sine "220 330" $ segment 4', lambda p, n: p.segment(n))
transform("range", [num("lo"), num("hi")],
          "Scale values from 0..1 to lo..hi (value * (hi - lo) + lo), e.g. to turn a 0..1 "
          "signal into a frequency range.",
          'sine "0 0.5" $ range 220 440', lambda p, lo, hi: p.range(lo, hi))
transform("linger", [num("fraction", doc="portion of the cycle to repeat; negative = the end")],
          "Repeat the first part of each cycle (e.g. the first quarter for 0.25) to fill the "
          "cycle; a negative fraction repeats the last part.",
          's "bd sn hh cp" $ linger 0.25', lambda p, x: p.linger(x))
transform("zoom", [num("begin", range=(0, 1)), num("end", range=(0, 1))],
          "Play only the span begin..end of each cycle, stretched to fill the whole cycle.",
          's "bd sn hh cp" $ zoom 0.25 0.75', lambda p, b, e: p.zoom(b, e))
transform("compress", [num("begin", range=(0, 1)), num("end", range=(0, 1))],
          "Squeeze each cycle into the span begin..end of the cycle, leaving silence around it.",
          's "bd sn hh cp" $ compress 0.25 0.75', lambda p, b, e: p.compress(b, e))


def combinator(name, doc, example, fn, aliases=()):
    declare(name, "combinator", params=[Param("patterns", kind="list", doc="the patterns to combine")],
            doc=doc, example=example, fn=fn, aliases=aliases)


combinator("stack", "Play the patterns at the same time.",
           'stack [s "bd*2", s "hh*4"]', lambda *ps: stack(*ps), aliases=("overlay",))
combinator("cat", "Play the patterns one per cycle, in turn (Tidal's `cat`, the same as "
           "`slowcat`); each pattern advances only on the cycles where it plays.",
           'cat [s "bd*2", s "hh*4"]', lambda *ps: slowcat(*ps))
combinator("slowcat", "Play the patterns one per cycle, in turn (alias of `cat`).",
           'slowcat [s "bd*2", s "hh*4 cp"]', lambda *ps: slowcat(*ps))
combinator("fastcat", "Play all the patterns in turn within one cycle, each getting an equal "
           "share of it.", 'fastcat [s "bd*2", s "hh*4"]', lambda *ps: fastcat(*ps))
