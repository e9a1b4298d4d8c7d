"""DSL declarations of the pattern vocabulary (one `declare` each), Tidal 1.9's names and order.

fn convention (the compiler relies on it): transforms get `fn(pat, *args)` where `pat` is the
Pattern being transformed (Tidal's last argument); "number" arguments arrive as Patterns
(constants as `pure(Fraction)`), so every transform is patternable; "function" arguments
arrive as callables Pattern -> Pattern; "pattern" arguments as Patterns; "list" arguments as
lists of Patterns. Combinators (and pattern sources such as `run 8`) get `fn(*patterns)`.

Tidal's primed names (`every'`, `within'`, ...) are declared only when the DSL's lexer
accepts a `'` in a name (see `_PRIMED`), so no declaration has an example that cannot parse.
"""
from __future__ import annotations

import re
import warnings
from fractions import Fraction

from ..registry import Param, declare
from . import harmony as H
from . import random as R
from . import signals as S
from . import transforms as T
from .core import fastcat, pure, silence, slowcat, stack, timecat
from .notes import PatternWarning
from .tidal_types import TIDAL_TYPES

INF = float("inf")
_ZERO = Fraction(0)


def num(name: str, default=None, range=None, unit: str = "", doc: str = "") -> Param:
    kw = {} if default is None else {"default": default}
    return Param(name, kind="number", range=range, unit=unit, doc=doc, **kw)


def func(name: str = "f", doc: str = "the transform to apply") -> Param:
    return Param(name, kind="function", doc=doc)


def pat(name: str, doc: str = "", values: str = "") -> Param:
    return Param(name, kind="pattern", doc=doc, values=values)


def lst(name: str, doc: str = "") -> Param:
    return Param(name, kind="list", doc=doc)


def fns(name: str = "fs", doc: str = "the transforms, as a list") -> Param:
    return Param(name, kind="functions", doc=doc)


def _typed(name) -> dict:
    t = TIDAL_TYPES.get(name)
    return {"tidal_type": t} if t else {}


def transform(name, params, doc, example, fn, aliases=(), **extra):
    """extra: declaration fields the compiler reads:
      values="numbers"   the pattern it transforms must hold numbers (applied to a sound
                         pattern it is a compile error at its place);
      stereo=True        on a signal: the original left, the transformed copy right (`jux`);
                         on a pattern of plain values: an error (it pans events);
      signal_node=(kind, input, (arg names))  on a signal: that node, fed the signal and the
                         transform's arguments (`range lo hi sig` is a `range` node)."""
    declare(name, "transform", params=params, doc=doc, example=example, fn=fn, aliases=aliases,
            **_typed(name), **extra)


def combinator(name, doc, example, fn, aliases=(), params=None, **extra):
    """extra: declaration fields, e.g. signals="sum" (signals among the items are mixed: a sum
    node) or "sum_if_any" (so where any item is a signal; patterns otherwise)."""
    declare(name, "combinator", params=params or [lst("patterns", "the patterns to combine")],
            doc=doc, example=example, fn=fn, aliases=aliases, **_typed(name), **extra)


def _time_const(p, name: str) -> Fraction:
    """A list item that must be a constant time (smash's factors)."""
    v = _v(p)
    if isinstance(v, (int, Fraction, float)) and not isinstance(v, bool):
        return Fraction(v)
    raise T.PatternValueError(f"{name}: expected numbers in the list, like [1, 2, 4]; got {v!r}")


def _int_const(p, name: str) -> int:
    """A list item that must be a constant whole number (foldEvery's cycle counts)."""
    v = _v(p)
    if isinstance(v, (int, Fraction)) and Fraction(v).denominator == 1:
        return int(v)
    raise T.PatternValueError(f"{name}: expected whole numbers in the list, like [3, 5]; got {v!r}")


def _v(p):
    """A constant argument's value (the compiler passes constants as pure patterns)."""
    return p.pure_value if hasattr(p, "is_pure") and p.is_pure else p


def _warn_old_stut(count, feedback, steptime):
    """Phonon's first `stut n time decay` reads, in Tidal's order, as echoes more than a cycle
    apart with feedback < 1 (`stut 3 0.125 0.5` is fine; `stut 4 0.5 2`-like calls are not):
    say so, since the old order still runs."""
    fb, t = _v(feedback), _v(steptime)
    if isinstance(t, Fraction) and isinstance(fb, Fraction) and t > 1 and fb < 1:
        warnings.warn(f"stut: echoes {float(t):g} cycles apart; Tidal's order is `stut count feedback "
                      f"steptime` (e.g. stut 3 0.5 0.125), the old Phonon order was `stut n time decay`",
                      PatternWarning, stacklevel=2)


# ---- time ---------------------------------------------------------------------------

transform("fast", [num("factor", doc="speed-up factor (negative: also reversed, as in Tidal)")],
          "Speed the pattern up by a factor: `fast 2` plays two cycles in the time of one. "
          "The factor may be a pattern (`fast \"<1 2>\"`). Zero gives silence.",
          's "bd sn" $ fast 2', lambda p, f: p.fast(f), aliases=("density",))
transform("slow", [num("factor", doc="slow-down factor (negative: also reversed)")],
          "Slow the pattern down by a factor: `slow 2` stretches one cycle over two.",
          's "bd sn hh cp" $ slow 2', lambda p, f: p.slow(f), aliases=("sparsity",))
transform("hurry", [num("factor", range=(0, INF))],
          "Speed the pattern up like `fast` and multiply each event's playback `speed` by the "
          "same factor, so samples are pitched up too (Tidal's `hurry`).",
          's "bd sn" $ hurry 2', T.hurry)
transform("rev", [],
          "Reverse each cycle in place: events keep their cycle but play back to front.",
          's "bd sn hh" $ rev', lambda p: p.rev())
transform("early", [num("time", unit="cycles")],
          "Shift the pattern earlier in time by a number of cycles (Tidal's `<~`, `rotL`).",
          's "bd sn hh cp" $ early 0.25', lambda p, t: p.early(t), aliases=("rotL",))
transform("late", [num("time", unit="cycles")],
          "Shift the pattern later in time by a number of cycles (Tidal's `~>`, `rotR`).",
          's "bd sn hh cp" $ late 0.25', lambda p, t: p.late(t), aliases=("rotR",))
transform("fastGap", [num("factor", range=(0, INF))],
          "Speed the pattern up but only within each cycle, leaving a gap: cycle c plays in the "
          "first 1/factor of cycle c and the rest is silent (Tidal's `fastGap`).",
          's "bd sn hh cp" $ fastGap 2', lambda p, f: p.fast_gap(f), aliases=("fastgap",))
transform("compress", [num("begin", range=(0, 1)), num("end", range=(0, 1))],
          "Squeeze each cycle into the span begin..end of the cycle, leaving silence around it "
          "(Tidal's `compress (b, e)`).",
          's "bd sn hh cp" $ compress (0.25, 0.75)', lambda p, b, e: p.compress(b, e))
transform("zoom", [num("begin"), num("end")],
          "Play only the span begin..end of each cycle, stretched to fill the whole cycle "
          "(Tidal's `zoom (b, e)`).",
          's "bd sn hh cp" $ zoom (0.25, 0.75)', lambda p, b, e: p.zoom(b, e), aliases=("zoomArc",))
transform("linger", [num("fraction", doc="portion of the cycle to repeat; negative = the end")],
          "Repeat the first part of each cycle (the first quarter for 0.25) to fill the cycle. "
          "A negative fraction repeats the last part, and, as in Tidal 1.9 (whose `_fast` by a "
          "negative factor reverses), plays it reversed.",
          's "bd sn hh cp" $ linger 0.25', T.linger)
transform("trunc", [num("fraction", range=(0, 1))],
          "Play only the first part of each cycle (0.75: three quarters) and leave the rest silent "
          "(Tidal's `trunc`: compress (0, t) . zoom (0, t)).",
          's "bd sn hh cp" $ trunc 0.75', T.trunc)
transform("segment", [num("n", range=(0, INF))],
          "Sample a pattern (usually a continuous signal) n times per cycle, turning it into n "
          "discrete events (Tidal's `segment`; `discretise` is its old name).",
          'sine "220 330" $ segment 4', lambda p, n: p.segment(n), aliases=("discretise",))
transform("ply", [num("n", range=(0, INF))],
          "Repeat each event n times within its own time span.",
          's "bd sn" $ ply 2', lambda p, n: p.ply(n))
transform("plyWith", [num("n", range=(0, 256)), func()],
          "Repeat each event n times within its span, applying the transform once more on each "
          "repeat (`plyWith 3 (|* gain 0.8)`: each repeat quieter). Tidal's `plyWith`: "
          "arpeggiate of p stacked with f p, f (f p), ...",
          's "bd sn" $ plyWith 3 (# speed 2)', T.ply_with, aliases=("plywith",))
transform("iter", [num("n", range=(0, 4096))],
          "Divide the cycle into n parts and start one part later each cycle, wrapping around "
          "(cycle 1 starts at the second part, and so on).",
          's "bd sn hh cp" $ iter 4', T.iter_)
transform("palindrome", [],
          "Play the pattern forwards on even cycles and reversed on odd cycles.",
          's "bd sn hh" $ palindrome', T.palindrome)
transform("brak", [],
          "Make a pattern sound like a breakbeat: every other cycle (the odd ones) is squashed "
          "into the first half and shifted a quarter cycle later (Tidal's `brak`).",
          's "bd sn hh cp" $ brak', T.brak)
transform("rot", [num("n", doc="places to shift the values (negative: the other way)")],
          "Shift the values of each cycle n places along its events, keeping the rhythm: "
          "`rot 1 \"a b c d\"` plays b c d a (Tidal's `rot`).",
          's "bd sn hh cp" $ rot "<0 1 2>"', T.rot)
transform("swingBy", [num("amount", unit="cycles"), num("n", range=(0, INF), doc="divisions per cycle")],
          "Delay the second half of each 1/n of a cycle by amount (Tidal's `swingBy x n = inside n "
          "(within (0.5, 1) (x ~>))`).",
          's "hh*8" $ swingBy 0.05 4', T.swing_by, aliases=("swingby",))
transform("swing", [num("n", range=(0, INF), doc="divisions per cycle")],
          "Swing: `swingBy (1/3) n`, delaying every other subdivision by a third of it.",
          's "hh*8" $ swing 4', T.swing)
transform("inside", [num("n", range=(0, INF)), func()],
          "Apply a transform inside each 1/n of a cycle: `inside 2 rev` reverses each half "
          "(Tidal's `inside n f p = fast n $ f (slow n p)`).",
          's "bd sn hh cp" $ inside 2 rev', T.inside)
transform("fastSqueeze", [num("factors", doc="a pattern of speed-up factors")],
          "Speed the pattern up by each factor of a pattern, the whole pattern squeezed into each "
          "factor's step (Tidal's `fastSqueeze = tParamSqueeze _fast`): `fastSqueeze \"1 2\"` plays "
          "the cycle in the first half, then twice in the second.",
          's "bd sn" $ fastSqueeze "1 2"', T.fast_squeeze)
transform("slowSqueeze", [num("factors", doc="a pattern of slow-down factors")],
          "Slow the pattern down by each factor of a pattern, squeezed into each factor's step "
          "(Tidal's `slowSqueeze = tParamSqueeze _slow`).",
          's "bd sn hh cp" $ slowSqueeze "1 2"', T.slow_squeeze)
transform("loopFirst", [],
          "Play the first cycle over and over (Tidal's `loopFirst`, Core.hs: each cycle's query "
          "moved to cycle 0 and the events moved back).",
          's "<bd sn> hh" $ loopFirst', T.loop_first)
transform("timeLoop", [num("n", range=(0, INF), unit="cycles")],
          "Loop the first n cycles (Tidal's `timeLoop n = outside n loopFirst`): `timeLoop 2 $ "
          "s \"<bd sn cp>\"` plays bd sn bd sn ...",
          's "<bd sn cp> hh" $ timeLoop 2', T.time_loop)
transform("outside", [num("n", range=(0, INF)), func()],
          "Apply a transform outside the cycle, over n cycles at a time: `outside 2 rev` "
          "reverses every two cycles as one (Tidal's `outside n = inside (1/n)`).",
          's "<[bd sn] [hh cp]>" $ outside 2 rev', T.outside)
transform("rolled", [],
          "Strum each chord: its notes start one after another over the first quarter of the "
          "chord's span, the ends unchanged (Tidal's `rolled = rolledBy (1/4)`).",
          'sine (mtof ("[60,64,67] [62,65,69]" $ rolled))', H.rolled)
transform("rolledBy", [num("amount", doc="portion of the span the strum takes; negative = downwards")],
          "Strum each chord over the given portion of its span (negative: top note first), as "
          "Tidal's `rolledBy`.",
          'sine (mtof ("[60,64,67]" $ rolledBy 0.5))', H.rolled_by, aliases=("rolledby",))

# ---- conditions -----------------------------------------------------------------------

transform("every", [num("n", range=(0, INF)), func()],
          "Apply a transform on every n-th cycle, starting with cycle 0 (cycles 0, n, 2n, ...).",
          's "bd sn hh" $ every 3 rev', T.every)
transform("foldEvery", [lst("ns", "the cycle counts, constants: [3, 5]"), func()],
          "`every n f` for each n of a list, nested: `foldEvery [3, 5] (fast 2)` is "
          "`every 3 (fast 2) $ every 5 (fast 2)` (Tidal's `foldEvery`, Core.hs: foldr).",
          's "bd sn" $ foldEvery [3, 5] (fast 2)',
          lambda p, ns, f: T.fold_every(p, [_int_const(x, "foldEvery") for x in ns], f))
transform("whenmod", [num("a", range=(0, INF)), num("b", range=(0, INF)), func()],
          "Apply a transform when the cycle number mod a is at least b: `whenmod 4 2 rev` "
          "reverses cycles 2 and 3 of every 4 (Tidal's `whenmod`).",
          's "bd sn hh cp" $ whenmod 4 2 rev', T.whenmod)
transform("within", [num("begin", range=(0, 1)), num("end", range=(0, 1)), func()],
          "Apply a transform to the part begin..end of each cycle only, the rest unchanged. "
          "Written as in Tidal, with the span as a pair (`within (0, 0.5) (fast 2)`, the pair "
          "spliced into the two arguments) or as two numbers (`within 0 0.5 (fast 2)`).",
          's "bd sn hh cp" $ within (0, 0.5) (fast 2)', T.within)
transform("chunk", [num("n", range=(-4096, 4096)), func()],
          "Divide the cycle into n parts and apply the transform to one part per cycle, moving "
          "to the next part each cycle (negative n: backwards).",
          's "bd sn hh cp" $ chunk 4 (hurry 2)', T.chunk)
transform("someCyclesBy", [num("amount", range=(0, 1)), func()],
          "Apply a transform to whole cycles at random, each with the given probability "
          "(Tidal's `someCyclesBy`: timeToRand of the cycle number < amount).",
          's "bd*4 sn" $ someCyclesBy 0.5 (# speed 2)', R.some_cycles_by, aliases=("somecyclesBy",))
transform("someCycles", [func()],
          "Apply a transform to about half of the cycles (`someCyclesBy 0.5`).",
          's "bd*4 sn" $ someCycles (# speed 2)', lambda p, f: R._some_cycles_by(p, Fraction(1, 2), f),
          aliases=("somecycles",))
transform("when", [Param("test", kind="test", unit="Int", doc="a test of the cycle number, e.g. even"),
                   func()],
          "Apply a transform on the cycles whose number passes a test (Tidal's `when`, Core.hs "
          "1.9.5 lines 612-615), a test made of `even`, `odd`, `mod` and comparisons: "
          "`when ((== 3) . flip mod 4) rev` reverses every fourth cycle.",
          's "bd*2 hh" $ when odd (fast 2)', lambda p, t, f: T.when_cycle(p, t, f))
transform("whenT", [Param("test", kind="test", unit="Time",
                           doc="a test of each cycle-piece's start time, e.g. (< 0.5) . flip mod' 2"),
                     func()],
          "Apply a transform where a test of the time holds (Tidal's `whenT`): an event of the "
          "transformed pattern plays where the test holds at its onset, an event of the pattern "
          "where it does not. `whenT ((< 0.5) . flip mod' 2) (# speed 2)` speeds the first half "
          "of every other cycle. (Tidal tests the start of each scheduler query, 1/20 s apart "
          "live; Phonon tests each onset, which is that in the limit and the same on any block "
          "size.)",
          's "hh*8" $ whenT (> 0.5) (# speed 2)', lambda p, t, f: T.when_onset(p, t, f))
transform("ifp", [Param("test", kind="test", unit="Int", doc="a test of the cycle number, e.g. even"),
                  func("f1", "the transform where the test holds"),
                  func("f2", "the transform where it does not")],
          "Choose one of two transforms per cycle by a test of the cycle number (Tidal's `ifp`, "
          "UI.hs): `ifp ((== 0) . flip mod 2) (striate 4) (# coarse \"24 48\")` striates the even "
          "cycles and coarsens the odd ones.",
          's "bd*2 hh" $ ifp even (fast 2) (# speed 2)', lambda p, t, f1, f2: T.ifp(p, t, f1, f2))
transform("while", [pat("bools", "boolean pattern: where it is true the transform applies", values="plain"), func()],
          "Apply a transform only where a boolean pattern is true (Tidal's `while b f pat = "
          "sew b (f pat) pat`).",
          's "bd*8" $ while "1 0" (# speed 2)', lambda p, b, f: T.while_(p, b, f))

_CONTROLS_DOC = ("the controls an event must have, with these values: a control pattern like "
                 "(s \"bd\"), (n 1) or (s \"<bd sn>\" # n 2), taken at each event's start")
transform("fix", [func(), Param("controls", kind="controls", doc=_CONTROLS_DOC)],
          "Apply a transform only to the events whose controls match, the others unchanged "
          "(Tidal's `fix f = contrast f id`, UI.hs): `fix (# crush 4) (n 1)` crushes the events "
          "with n 1, `fix (fast 2) (s \"hh\")` doubles the hi-hats. An event matches when it has "
          "every control of one of the maps the pattern holds at its start, with the same value.",
          's "bd*2 hh*3" $ fix (# speed 2) (s "hh")', lambda p, f, c: T.contrast(p, f, lambda x: x, c))
transform("unfix", [func(), Param("controls", kind="controls", doc=_CONTROLS_DOC)],
          "Apply a transform only to the events whose controls do not match (Tidal's "
          "`unfix = contrast id`): `unfix (# speed 2) (s \"bd\")` raises all but the kicks.",
          's "bd*2 hh*3" $ unfix (# speed 2) (s "hh")', lambda p, f, c: T.contrast(p, lambda x: x, f, c))
transform("contrast", [func("f", "the transform of the matching events"),
                       func("g", "the transform of the others"),
                       Param("controls", kind="controls", doc=_CONTROLS_DOC)],
          "One transform for the events whose controls match, another for the rest, overlaid "
          "(Tidal's `contrast = contrastBy (==)`, UI.hs): `contrast (|+ n 12) (|- n 12) "
          "(s \"<superpiano superchip>\") $ s \"superpiano superchip\" # n 0` alternates which "
          "one goes up an octave.",
          'n "0 1" # s "superpiano" $ contrast (# speed 2) (# speed 0.5) (n 1)',
          lambda p, f, g, c: T.contrast(p, f, g, c))
transform("fmap", [func("f", "a section like (*7) or (+ 12), applied to each value")],
          "Apply a function to every value of a pattern (Haskell's `fmap`, also written "
          "`f <$> p`): `fmap (*7) $ run 8` is 0 7 14 ..., `(*2) <$> sine` a sine from 0 to 2. "
          "On patterns a section already does this (`(+ 12) \"0 2\"`), so fmap only applies it.",
          'n (fmap (*7) $ run 4) # s "superpiano"', lambda p, f: f(p))
transform("const", [Param("pattern", kind="replacement", doc="the pattern played instead")],
          "Replace the pattern by another (Haskell's `const a b = a`): `every 3 (const $ s \"cp*4\")` "
          "plays the claps on every third cycle instead; `sometimesBy 0.3 (const silence)` drops "
          "the events sometimesBy picks (about 30%).",
          's "bd*2 sn" $ every 3 (const $ s "cp*4")', lambda p, q: q)

# ---- randomness -------------------------------------------------------------------------

transform("degrade", [],
          "Randomly drop half of the events. Deterministic: the choice is seeded by each event's "
          "time exactly as in Tidal, so the same events drop on every render.",
          's "hh*8" $ degrade', R.degrade)
transform("degradeBy", [num("amount", range=(0, 1), doc="probability of dropping an event")],
          "Randomly drop events with the given probability (a number or a pattern): an event is "
          "kept when Tidal's time-seeded `rand`, taken over the event, is greater than the amount.",
          's "hh*8" $ degradeBy 0.3', R.degrade_by)
transform("unDegradeBy", [num("amount", range=(0, 1), doc="probability of keeping an event")],
          "The complement of `degradeBy`: keep exactly the events `degradeBy` with the same "
          "amount drops (rand <= amount).",
          's "hh*8" $ unDegradeBy 0.3', R.undegrade_by, aliases=("undegradeBy",))
transform("sometimesBy", [num("amount", range=(0, 1)), func()],
          "Apply a transform to a random selection of events with the given probability; the "
          "other events play unchanged. As Tidal 1.9: `overlay (degradeBy x p) (f (unDegradeBy x p))`, "
          "so f sees only the chosen events. Time-seeded, so deterministic.",
          's "hh*8" $ sometimesBy 0.3 (# speed 2)', R.sometimes_by)
for _name, _amt, _desc in (("sometimes", "0.5", "half"), ("often", "0.75", "three quarters"),
                           ("rarely", "0.25", "a quarter"), ("almostAlways", "0.9", "nine tenths"),
                           ("almostNever", "0.1", "a tenth")):
    transform(_name, [func()],
              f"Apply a transform to about {_desc} of the events (`sometimesBy {_amt}`).",
              f's "hh*8" $ {_name} (fast 2)',
              (lambda a: lambda p, f: R.sometimes_by(p, pure(a), f))(Fraction(_amt)))
transform("always", [func()], "Always apply the transform (`sometimesBy 1`, for symmetry).",
          's "hh*8" $ always (fast 2)', lambda p, f: f(p))
transform("never", [func()], "Never apply the transform: the pattern plays unchanged.",
          's "hh*8" $ never (fast 2)', lambda p, f: p)
transform("shuffle", [num("n", range=(0, 256), doc="parts per cycle")],
          "Divide each cycle into n parts and play them in a random order, each once per cycle "
          "(Tidal's `shuffle`, with Tidal's time-seeded `randrun`).",
          's "bd sn hh cp" $ shuffle 4', R.shuffle)
transform("scramble", [num("n", range=(0, 256), doc="parts per cycle")],
          "Divide each cycle into n parts and play n random picks of them (repeats allowed), "
          "as Tidal's `scramble` (`_segment n $ _irand n` picks).",
          's "bd sn hh cp" $ scramble 4', R.scramble)

# ---- layering -----------------------------------------------------------------------------

transform("jux", [func()],
          "Play the pattern on the left (pan 0) and the transformed pattern on the right (pan 1): "
          "Tidal's `jux = juxBy 1`. Pan is Tidal's 0..1; on sample patterns this sets each "
          "event's pan, other values become {value, pan} controls.",
          's "bd sn hh" $ jux rev', T.jux, stereo=True)
transform("juxcut", [func()],
          "Like `jux`, with each side cutting its own previous sound: the original at pan 0 with "
          "cut -1, the transformed copy at pan 1 with cut -2 (Tidal's `juxcut`, UI.hs).",
          's "bd sn hh" $ juxcut rev', T.juxcut, stereo=True)
transform("smash", [num("n", range=(1, 4096), doc="parts to striate into"),
                    lst("factors", "the slow-down factors, one cycle each: [1, 2, 4]")],
          "Striate into n parts, then play that at each slow-down factor in turn, a cycle each "
          "(Tidal's `smash n xs p = slowcat $ map (`slow` p') xs where p' = striate n p`).",
          's "bd sn" $ smash 4 [1, 2]', lambda p, n, xs: T.smash(p, n, [_time_const(x, "smash") for x in xs]))
transform("juxBy", [num("width", range=(0, 1), doc="stereo width: 1 = hard left/right"), func()],
          "Like `jux` with a stereo width: the original pans to 0.5 - width/2 and the transformed "
          "copy to 0.5 + width/2, offsetting any pan already set (Tidal's `juxBy n f p = stack "
          "[p |+ pan 0.5 |- pan (n/2), f $ p |+ pan 0.5 |+ pan (n/2)]`). Tidal's `jux4` is not "
          "provided: its pans 5/8 and 1/8 place the two copies on a ring of four speakers "
          "(UI.hs 2268), and Phonon renders stereo.",
          's "bd sn hh" $ juxBy 0.5 rev', T.jux_by, aliases=("juxby",))
transform("layer", [fns()],
          "Play the results of several transforms of the pattern at once (Tidal's `layer fs p = "
          "stack $ map ($ p) fs`): `layer [id, rev, fast 2]`.",
          's "bd sn" $ layer [id, rev, fast 2]', T.layer)
transform("pickF", [pat("index", "which function each part of the cycle uses (cyclic)"), fns()],
          "Choose a transform from a list with a pattern of indices, wrapping around (Tidal's "
          "`pickF pInt fs pat = innerJoin $ (\\i -> (fs !!! i) pat) <$> pInt`).",
          's "bd*2 hh*3" $ pickF "<0 1>" [fast 2, rev]', lambda p, i, fs: T.pick_f(p, i, fs))
transform("spread", [Param("f", kind="curried", doc="a transform missing its last argument, or ($)"),
                     lst("values")],
          "Apply a function with each value of a list in turn, one per cycle (Tidal's `spread f xs p = "
          "slowcat $ map (`f` p) xs`): `spread fast [1, 2]`; with `($)` the list holds functions: "
          "`spread ($) [rev, fast 2]`.", 's "bd sn" $ spread fast [1, 2]',
          lambda p, fs: slowcat(*[f(p) for f in fs]), aliases=("slowspread",))
transform("fastspread", [Param("f", kind="curried", doc="a transform missing its last argument, or ($)"),
                         lst("values")],
          "Like `spread`, but all the results are squeezed into one cycle (Tidal's `fastspread f xs p = "
          "fastcat $ map (`f` p) xs`).", 's "bd sn" $ fastspread ($) [rev, fast 2]',
          lambda p, fs: fastcat(*[f(p) for f in fs]))
transform("id", [], "The identity: the pattern unchanged (Haskell's `id`), for lists of transforms "
          "like `layer [id, rev]`.", 's "bd sn" $ layer [id, fast 2]', lambda p: p)
transform("superimpose", [func()],
          "Play the pattern together with a transformed copy of itself.",
          's "bd sn" $ superimpose (fast 2)', T.superimpose)
transform("off", [num("time", unit="cycles"), func()],
          "Superimpose a copy shifted later by a time and transformed by a function.",
          's "bd sn" $ off 0.125 (# speed 2)', T.off)
transform("stut", [num("count", range=(1, 256), doc="number of layers, the original included"),
                   num("feedback", range=(0, INF), doc="the last echo's gain factor (Tidal's fade target)"),
                   num("steptime", unit="cycles", doc="time between echoes")],
          "Tidal's echo: the pattern plus count-1 copies, the x-th shifted later by x*steptime "
          "with its gain multiplied by feedback + (1-feedback)*(count-x)/count, a linear fade "
          "(Tidal 1.9's argument order and gain curve; gain defaults to 1).",
          's "bd sn" $ stut 3 0.5 0.125', lambda p, n, fb, t: _warn_old_stut(n, fb, t) or T.stut(p, n, fb, t))
transform("echo", [num("count", range=(1, 256), doc="number of layers, the original included"),
                   num("time", unit="cycles", doc="time between echoes"),
                   num("feedback", range=(0, INF), doc="gain factor per echo")],
          "Echoes with a geometric fade: the k-th of count-1 echoes is k*time later with gain "
          "multiplied by feedback^k (Tidal's `echo count time feedback = echoWith count time "
          "(|* gain feedback)`; note the order differs from `stut`).",
          's "bd sn" $ echo 4 0.2 0.5', T.echo)
transform("echoWith", [num("count", range=(1, 256)), num("time", unit="cycles"), func()],
          "Echoes made by a transform: the k-th of count-1 echoes is k*time later with the "
          "transform applied k times (Tidal's `echoWith`, also `stutWith` and `stut'`).",
          's "bd sn" $ echoWith 3 0.125 (# speed 2)', T.echo_with, aliases=("stutWith", "stut'", "echowith", "stutwith"))
transform("stutter", [num("n", range=(0, 4096)), num("time", unit="cycles")],
          "Repeat each event n times, time apart (Tidal's `stutter n t p = stack [rotR (t*i) p | "
          "i <- [0..n-1]]`; `stutter 4 (1/16)` is a drum roll).",
          's "bd sn" $ stutter 4 0.0625', T.stutter)
transform("press", [],
          "Syncopate: each event starts halfway through its span and keeps its end (Tidal's "
          "`press = pressBy 0.5`).", 's "bd sn hh cp" $ press', T.press)
transform("pressBy", [num("amount", range=(0, 1), doc="how far into its span each event starts")],
          "Syncopate by an amount: each event starts that far through its span (Tidal's `pressBy`).",
          's "bd sn hh cp" $ pressBy 0.25', T.press_by, aliases=("pressby",))
transform("spin", [num("copies", range=(1, 256))],
          "Play copies of the pattern, the i-th shifted i/copies of a cycle earlier and panned to "
          "i/copies (Tidal's `spin`).", 's "bd sn" $ spin 2', T.spin)
transform("gap", [num("n", range=(1, 4096))],
          "Chop each event into n parts and keep every other one (Tidal's `gap`).",
          's "bd sn" $ gap 8', T.gap)
transform("ghost", [],
          "Add ghost notes: two quieter (gain 0.7), shorter (end 0.2), higher (speed 1.25) copies "
          "1/8*1.5 and 1/8*2.5 cycles later (Tidal's `ghost = ghost' 0.125`).",
          's "~ sn" $ ghost', T.ghost)

# ---- euclid, masks, boolean structure ------------------------------------------------------

transform("struct", [pat("structure", "boolean pattern: t/1 plays, f/0/~ rests")],
          "Take the rhythm from a boolean pattern (`\"t ~ t t\"`) and the values from this "
          "pattern, sampled at each true event.",
          's "bd" $ struct "t ~ t t"', T.struct)
transform("mask", [pat("mask", "boolean pattern: 1/t keeps, 0/f removes")],
          "Remove the parts of the pattern where a boolean pattern is false (`\"1 0 1 1\"`); "
          "the rhythm stays the pattern's own.",
          's "hh*8" $ mask "1 0 1 1"', T.mask)
transform("euclid", [num("pulses"), num("steps", range=(0, 65536)),
                     num("rotation", default=0, doc="steps to rotate left")],
          "Euclidean rhythm: spread the pulses as evenly as possible over the steps (Bjorklund), "
          "each pulse playing the pattern squeezed into its step; negative pulses invert. The "
          "optional rotation rotates left (Tidal's `euclidOff`). Same as mini-notation `bd(3,8,2)`.",
          's "bd" $ euclid 3 8', lambda p, k, n, r=None: T.euclid(p, k, n, r if r is not None else pure(_ZERO)))
transform("euclidOff", [num("pulses"), num("steps", range=(0, 65536)), num("rotation")],
          "Euclidean rhythm rotated left by a number of steps (Tidal's `euclidOff`, alias `eoff`).",
          's "bd" $ euclidOff 3 8 2', T.euclid_off, aliases=("eoff",))
transform("euclidInv", [num("pulses"), num("steps", range=(0, 65536))],
          "The inverse Euclidean rhythm: the pattern plays on the steps `euclid` leaves silent "
          "(Tidal's `euclidInv`).",
          's "hh" $ euclidInv 3 8', T.euclid_inv)
combinator("euclidFull", "Two patterns on complementary Euclidean rhythms: the first on the pulses, "
           "the second on the other steps (Tidal's `euclidFull n k p p'`).",
           'euclidFull 3 8 (s "bd") (s "hh")', lambda k, n, a, b: T.euclid_full(a, k, n, b),
           params=[num("pulses"), num("steps", range=(0, INF)), pat("pattern"), pat("other")])
combinator("euclidOffFull", "`euclidFull` with a rotation: the first pattern on the rotated pulses, "
           "the second on the other steps (`euclidOffFull n k s p p'`, named in Tidal's documentation; "
           "Tidal 1.9's source has no definition, so it is euclidFull's with euclidOff's rotation).",
           'euclidOffFull 3 8 2 (s "bd") (s "hh")', lambda k, n, r, a, b: T.euclid_off_full(a, k, n, r, b),
           params=[num("pulses"), num("steps", range=(0, INF)), num("rotation"), pat("pattern"), pat("other")])
combinator("sew", "Switch between two patterns with a boolean pattern: the first where it is true, "
           "the second where false, each keeping its own rhythm (Tidal's `sew`).",
           'sew "t f" (s "bd*8") (s "hh*8")', lambda b, x, y: T.sew(b, x, y),
           params=[pat("bools", "", values="plain"), pat("a", "plays where true"), pat("b", "plays where false")])
combinator("stitch", "Make a rhythm from a boolean pattern, taking values from the first pattern on "
           "true and from the second on false (Tidal's `stitch`).",
           'stitch "t f t t" (s "bd") (s "hh")', lambda b, x, y: T.stitch(b, x, y),
           params=[pat("bools", "", values="plain"), pat("a", "values where true"), pat("b", "values where false")])
combinator("wedge", "Squash the first pattern into the first t of each cycle and the second into "
           "the rest (Tidal's `wedge t p p'`).",
           'wedge 0.25 (s "bd*2") (s "hh*3")', lambda t, a, b: T.wedge(a, t, b),
           params=[num("t", range=(0, 1)), pat("a"), pat("b")])
combinator("binaryN", "Numbers as rhythms: each number of the pattern becomes n booleans, its bits from "
           "the most significant, squeezed into its event (Tidal's `binaryN`), for `struct`.",
           's "bd" $ struct (binaryN 8 "<170 85>")', lambda n, p: T.binary_n(p, n),
           params=[num("n", range=(1, 64), doc="bits per number"), pat("numbers", "", values="numbers")])
combinator("binary", "`binaryN 8`: each number as 8 booleans (Tidal's `binary`).",
           's "hh" $ struct (binary "<170 93>")', lambda p: T.binary_n(p, pure(Fraction(8))),
           params=[pat("numbers", "", values="numbers")])
combinator("ascii", "Text as rhythm: the 8-bit codes of each word's characters, as booleans "
           "(Tidal's `ascii`), for `struct`.", 's "bd" $ struct (ascii "<hi ok>")', lambda p: T.ascii_(p),
           params=[pat("words", "", values="plain")])
transform("inv", [],
          "Invert a boolean pattern: true becomes false and false true (Tidal's `inv`), e.g. for "
          "`struct (inv \"t f\")`.",
          's "bd" $ struct (inv "t f t t")', lambda p: T.inv(p))

# ---- samples -------------------------------------------------------------------------------

transform("chop", [num("n", range=(1, 4096))],
          "Cut each event into n parts, each playing the matching part of the sample "
          "(sets begin/end, subdividing any existing begin..end, as Tidal's `chop`).",
          's "bd sn" $ chop 4', T.chop)
transform("striate", [num("n", range=(1, 4096))],
          "Play the pattern n times per cycle, the i-th time using the i-th of n parts of each "
          "sample, interlacing the sample parts; an existing begin..end is subdivided (Tidal's "
          "`mergePlayRange`).",
          's "bd sn" $ striate 4', T.striate)
transform("striateBy", [num("n", range=(1, 4096)), num("length", range=(0, 1), doc="length of each part")],
          "Like `striate` with parts of a given length, overlapping when longer than 1/n "
          "(Tidal's `striateBy n f`: begin = i*(1-f)/n, end = begin + f).",
          's "bd sn" $ striateBy 4 0.5', T.striate_by, aliases=("striate'",))
transform("slice", [num("n", range=(1, INF), doc="number of slices"), pat("index", "which slice each event plays")],
          "Cut each sample into n equal slices and play them in the order of an index pattern, "
          "which gives the rhythm (Tidal's `slice`).",
          's "bd" $ slice 4 "0 2 1 3"', lambda p, n, i: T.slice_(p, n, i))
transform("splice", [num("n", range=(1, INF), doc="number of slices"), pat("index", "which slice each event plays")],
          "Like `slice`, but each slice's speed is set so it fills its event exactly (Tidal's "
          "`splice`: speed = (1/n) / event length, unit \"c\").",
          's "bd" $ splice 4 "0 2 1 3"', T.splice)
transform("randslice", [num("n", range=(1, 65536))],
          "Play a random one of n slices of each sample per event. The random choice is taken "
          "over each event (Tidal takes it per query, which depends on how time is split).",
          's "bd*4" $ randslice 4', T.randslice)
transform("loopAt", [num("cycles", range=(0, INF))],
          "Fit a sample to a number of cycles: slow the pattern by n and set speed to 1/n with "
          "unit \"c\" (Tidal's `loopAt n p = slow n p |* speed (1/n) # unit \"c\"`).",
          's "bd" $ loopAt 2 $ chop 4', T.loop_at, aliases=("loopat",))
transform("chew", [num("n", range=(1, 4096)), pat("index", "which part each event plays")],
          "Like `bite`, but speeds each part up or down as it is squeezed or stretched (Tidal's "
          "`chew`), so a sample's pitch follows the new timing.",
          's "bd sn hh cp" $ chew 4 "0 [1 0] 3"', T.chew)
transform("bite", [num("n", range=(1, 4096)), pat("index", "which part each event plays")],
          "Divide each cycle into n parts and play them in the order of an index pattern, each "
          "part squeezed into its event (Tidal's `bite`).",
          's "bd sn hh cp" $ bite 4 "0 2 [1 3]"', T.bite)

# ---- values ----------------------------------------------------------------------------------

transform("range", [num("lo"), num("hi")],
          "Scale values from 0..1 to lo..hi (value * (hi - lo) + lo), e.g. to turn a 0..1 "
          "signal into a frequency range (Tidal's `range`).",
          'sine "0 0.5" $ range 220 440', T.range_, values="numbers",
          signal_node=("range", "in", ("lo", "hi")))
transform("rangex", [num("lo", range=(0, INF)), num("hi", range=(0, INF))],
          "Scale values from 0..1 to lo..hi on an exponential curve, for frequencies (Tidal's "
          "`rangex lo hi = exp <$> range (log lo) (log hi)`).",
          'sine "0 0.5 1" $ rangex 110 880', S.rangex, values="numbers")
transform("quantise", [num("n", range=(0, INF), doc="steps per unit")],
          "Round values to the nearest 1/n (halves to even, as Haskell's `round`), e.g. to snap a "
          "signal to whole numbers (Tidal's `quantise`).",
          'sine (mtof ("60.4 63.6" $ quantise 1))', S.quantise, values="numbers")
transform("fit", [num("step", doc="how far along the list each cycle starts"), lst("values", "the values to pick from")],
          "Use the pattern's numbers as indices into a list of values, moving `step` further along "
          "the list every cycle (Tidal's `fit`; indices wrap).",
          's ("0 1 2" $ fit 1 ["bd", "sn", "hh"])', lambda p, step, xs: T.fit(p, step, T.values_of(xs, "fit")),
          values="numbers")

# ---- harmony -----------------------------------------------------------------------------

transform("scale", [pat("name", f"scale name (a pattern), one of Tidal's {len(H.SCALES)}: "
                    + " ".join(H.SCALES))],
          "Turn scale degrees into semitones: `scale \"major\" \"0 .. 7\"` plays a major scale, degrees "
          "past the end go up octaves and negative ones down (Tidal's `scale`, its full table of "
          f"{len(H.SCALES)} scales; the name may be a pattern: `scale \"<major minor>\"`).",
          'sine (mtof (scale "major" "0 .. 7" + 60))', lambda p, name: H.scale(name, p))
transform("toScale", [lst("steps", "semitone steps of one octave")],
          "Turn scale degrees into semitones with your own scale, given as a list of steps "
          "within one octave (Tidal's `toScale = toScale' 12`).",
          'sine (mtof (toScale [0, 2, 7] "0 1 2 3" + 60))', lambda p, xs: H.to_scale(T.values_of(xs, "toScale"), p), values="numbers")
transform("arp", [pat("mode", "up down updown downup up&down down&up converge diverge disconverge "
                  "pinkyup pinkyupdown thumbup thumbupdown")],
          "Play the notes of each chord one after another in the given order (Tidal's `arp`, every "
          "mode of its table); chords come from mini-notation (`\"c'maj e'min\"`) or stacks "
          "(`\"[0,4,7]\"`), and the mode may be a pattern (`arp \"<up down>\"`).",
          'sine ("c4\'maj e4\'min" $ arp "updown")', H.arp)
transform("arpeggiate", [],
          "Play the notes of each chord one after another, upwards (Tidal's `arpeggiate`, `arp \"up\"`).",
          'sine ("c4\'maj e4\'min" $ arpeggiate)', H.arpeggiate, aliases=("arpg",))

# ---- pattern sources (no input pattern) ----------------------------------------------------

combinator("run", "The numbers 0 .. n-1 in one cycle (Tidal's `run`; n may be a pattern: "
           "`run \"<4 8>\"`).", 'sine (mtof (run 4 * 2 + 60))', lambda n: T.run(n),
           params=[num("n", range=(0, 65536))])
combinator("scan", "Cycle by cycle, `run 1`, `run 2`, ... `run n`, then again (Tidal's `scan`).",
           'sine (mtof (scan 4 * 2 + 60))', lambda n: T.scan(n), params=[num("n", range=(1, 256))])
combinator("irand", "Random whole numbers 0 .. n-1, a continuous pattern sampled where it is used "
           "(Tidal's `irand`, time-seeded: `s \"drum*8\" # n (irand 8)`).",
           'sine (mtof (segment 4 $ irand 12 + 60))', lambda n: R.irand(n), params=[num("n", range=(0, INF))])
combinator("choose", "Random choices among values, a continuous pattern (Tidal's `choose = chooseBy rand`).",
           'sine (segment 4 $ choose [220, 330, 440])', lambda *xs: R.choose(T.values_of(xs, "choose")),
           params=[lst("values")])
combinator("cycleChoose", "One random choice among values per cycle (Tidal's `cycleChoose = segment 1 . choose`).",
           'sine (cycleChoose [220, 330, 440])', lambda *xs: R.cycle_choose(T.values_of(xs, "cycleChoose")),
           params=[lst("values")])
combinator("randcat", "Play the patterns one per cycle in a random order (Tidal's `randcat`: "
           "slowcat shifted by a random number of cycles each cycle).",
           'randcat [s "bd*2 sn", s "hh*3", s "cp"]', lambda *ps: R.randcat(*ps))
combinator("perlinWith", "Smooth (Perlin) noise of an input pattern: moves between random values at "
           "whole numbers of the input (Tidal's `perlinWith`).",
           'sine (segment 8 $ perlinWith "0 1 2 3" * 400 + 200)', lambda p: R.perlin_with(p),
           params=[pat("input", "", values="numbers")])

combinator("squeeze", "Play, for each event of an index pattern, a whole cycle of the pattern that "
           "index picks from a list (cyclic), squeezed into the event (Tidal's `squeeze ipat ps = "
           "squeezeJoin $ (ps !!!) <$> ipat`).", 'squeeze "<0 1> 1" [s "bd*2", s "cp*3"]',
           lambda i, ps: T.squeeze(i, ps), params=[pat("index", "", values="numbers"), lst("patterns")])
combinator("select", "Choose one of a list of patterns with a pattern of floats 0..1 (Tidal's "
           "`_select f ps = ps !! floor (clamp 0 1 f * (length ps - 1))`, innerJoin).",
           'select "<0 0.5 1>" [s "bd*2", s "cp*3", s "hh*4"]',
           lambda f, ps: T.select(f, ps), params=[pat("by", "floats 0..1", values="numbers"), lst("patterns")])
combinator("chooseBy", "Choose values from a list with a pattern of floats 0..1 (Tidal's `chooseBy f xs = "
           "(xs !!!) . floor <$> range 0 (length xs) f`): `chooseBy \"0 0.25 0.5\" [a, b, c, d]` is a b c.",
           'sine (chooseBy "0 0.25 0.5" [220, 330, 440, 550])',
           lambda f, xs: R.choose_by(f, T.values_of(xs, "chooseBy")), params=[pat("by", "floats 0..1", values="numbers"), lst("values")])

def _pairs(pairs, name, values=True):
    out = []
    for v, w in pairs:
        if values:
            (v,) = T.values_of([v], name)
        out.append((v, _v(w)))
    return out


combinator("wchoose", "Weighted random choices among values, a continuous pattern (Tidal's `wchoose = "
           "wchooseBy rand`): the first value whose running weight exceeds rand * total.",
           'sine (segment 4 $ wchoose [(220, 1), (330, 0.5), (440, 2)])',
           lambda ps: R.wchoose(_pairs(ps, "wchoose")), params=[Param("pairs", kind="pairs")])
combinator("wchooseBy", "`wchoose` with your own pattern of floats 0..1 instead of `rand` (Tidal's "
           "`wchooseBy pat pairs = match <$> pat`).",
           'sine (wchooseBy "0 0.3 0.9" [(220, 1), (440, 2)])',
           lambda f, ps: R.wchoose_by(f, _pairs(ps, "wchooseBy")),
           params=[pat("by", "floats 0..1", values="numbers"), Param("pairs", kind="pairs")])
declare("silence", "combinator", params=[], doc="The empty pattern: no events (Tidal's `silence`). "
        "`d1 $ silence` stops d1 (the last definition of an output plays); inside patterns: "
        "`cat [s \"bd*4\", silence]`, `every 4 (const silence)`.",
        example='cat [s "bd*4", silence]', fn=lambda: silence, **_typed("silence"))
combinator("weave", "Apply one control pattern, slowed to t cycles, to each of a list of patterns, "
           "each reading it i/n of the way along (Tidal's `weave t p ps`, Control.hs): `weave 16 (pan "
           "sine) [s \"bd sn\", s \"hh*4\"]` pans both through one 16-cycle sine, half a sweep apart.",
           'weave 4 (pan sine) [s "bd sn", s "hh*4"]', lambda t, p, ps: T.weave(_v(t), p, ps),
           params=[num("t", range=(0, INF), unit="cycles", doc="the cycles of one sweep of the control "
                       "pattern (> 0)"),
                   Param("controls", kind="controls", doc="the control pattern, e.g. (pan sine)"),
                   lst("patterns", "the patterns it is applied to")])
combinator("samples", "Sample names with their numbers: `samples \"drum*4\" \"0 1 2 3\"` is \"drum:0 drum:1 "
           "drum:2 drum:3\" (Tidal's `samples name num = pick <$> name <*> num`: structure from both), "
           "for `sound (samples ...)`.",
           's (samples "drum*2 hh" "<0 1> 2")', lambda a, b: T.samples(a, b),
           params=[pat("names", "the sample names", values="plain"),
                   pat("numbers", "their numbers", values="numbers")])
combinator("ur", "A structure of named patterns over t cycles (Tidal's `ur t outer ps fs`, UI.hs): the outer "
           "pattern names which pattern plays when; `\"name:fx\"` also applies the function named fx. "
           "Each pattern keeps its own time and is cut to its part: `ur 8 \"a b:faster\" [(\"a\", "
           "s \"bd*4\"), (\"b\", s \"sn*2\")] [(\"faster\", fast 2)]` plays a for 4 cycles, then b twice as fast.",
           'ur 4 "a b:faster" [("a", s "bd*4"), ("b", s "sn*2")] [("faster", fast 2)]',
           lambda t, o, ps, fs: T.ur(_v(t), o, ps, fs),
           params=[num("t", range=(0, INF), unit="cycles", doc="the cycles the outer pattern is stretched over"),
                   pat("outer", "names of the patterns (and name:function)", values="plain"),
                   Param("patterns", kind="named", doc="(name, pattern) pairs"),
                   Param("fx", kind="namedfns", doc="(name, function) pairs, [] for none")])
combinator("timeCat", "Patterns in one cycle, each given a share of it by a time: `timeCat [(1, s \"bd*4\"), "
           "(1, s \"hh27*8\"), (0.5, s \"sn\")]` gives the kicks and the hats 2/5 each and the snare "
           "1/5; each plays its own cycle squashed into its share (Tidal's `timeCat`, Core.hs: "
           "`compressArc`; a share of 0 is left out).",
           'timeCat [(1, s "bd*4"), (1, s "hh*8"), (0.5, s "sn")]',
           lambda ps: timecat(*[(_v(w), p) for p, w in ps]), params=[Param("pairs", kind="timed")],
           aliases=("timecat",))
combinator("wrandcat", "Play one pattern per cycle, chosen at random with weights (Tidal's `wrandcat ps = "
           "unwrap $ wchooseBy (segment 1 rand) ps`).",
           'wrandcat [(s "bd*2 sn", 5), (s "hh*3", 2), (s "cp", 1)]',
           lambda ps: R.wrandcat(_pairs(ps, "wrandcat", values=False)), params=[Param("pairs", kind="pairs")])

for _name, _pat, _doc, _ex in (
        ("perlin", R.perlin, "Smooth random 0..1 moving to a new random value each cycle (Tidal's "
         "`perlin = perlinWith (sig fromRational)`, interpolated with smootherStep 6x^5 - 15x^4 + 10x^3 "
         "between timeToRand of the cycle and of the next one).", 's "hh*8" # speed (perlin + 0.5)'),
        ("envL", S.envL, "A 0..1 ramp over the first cycle, then 1 (Tidal's `envL = sig $ \\t -> max 0 $ "
         "min t 1`), for fades.", 's "hh*8" # speed (envL + 1)'),
        ("envLR", S.envLR, "A 1..0 ramp over the first cycle, then 0 (Tidal's `envLR = (1-) <$> envL`).",
         's "hh*8" # speed (envLR + 1)'),
        ("envEq", S.envEq, "Equal-power fade out over the first cycle (Tidal's `envEq = sig $ \\t -> "
         "sqrt (sin (pi/2 * clamp 0 1 (1-t)))`).", 's "hh*8" # speed (envEq + 1)'),
        ("envEqR", S.envEqR, "Equal-power fade in over the first cycle (Tidal's `envEqR = sig $ \\t -> "
         "sqrt (cos (pi/2 * clamp 0 1 (1-t)))`).", 's "hh*8" # speed (envEqR + 1)')):
    declare(_name, "combinator", params=[], doc=_doc, example=_ex, fn=(lambda q: lambda: q)(_pat),
            aliases=("envR",) if _name == "envLR" else (), **_typed(_name))

# ---- combinators ------------------------------------------------------------------------------

combinator("stack", "Play the patterns at the same time.",
           'stack [s "bd*2", s "hh*4"]', lambda *ps: stack(*ps), aliases=("overlay",), signals="sum_if_any")
combinator("cat", "Play the patterns one per cycle, in turn (Tidal's `cat`, the same as "
           "`slowcat`); each pattern advances only on the cycles where it plays.",
           'cat [s "bd*2", s "hh*4"]', lambda *ps: slowcat(*ps))
combinator("slowcat", "Play the patterns one per cycle, in turn (alias of `cat`).",
           'slowcat [s "bd*2", s "hh*4 cp"]', lambda *ps: slowcat(*ps))
combinator("fastcat", "Play all the patterns in turn within one cycle, each getting an equal "
           "share of it.", 'fastcat [s "bd*2", s "hh*4"]', lambda *ps: fastcat(*ps))


# ---- Tidal's primed names ------------------------------------------------------------------------

_PRIMED = [
    ("every'", "transform", [num("n", range=(0, INF)), num("offset"), func()],
     "Apply a transform on the cycles whose number mod n equals the offset: `every' 3 1` "
     "transforms cycles 1, 4, 7, ... (Tidal's `every'`).", "s \"bd sn hh\" $ every' 3 1 rev", T.every_offset),
    ("within'", "transform", [num("begin", range=(0, 1)), num("end", range=(0, 1)), func()],
     "Like `within`, but the transform sees the span zoomed to a whole cycle, and the result "
     "is squeezed back into it (Tidal's `within'`).", "s \"bd sn hh cp\" $ within' (0, 0.5) (fast 2)",
     T.within_prime),
    ("sometimesBy'", "transform", [num("amount", range=(0, 1)), func()],
     "Like `sometimesBy`, but the transform sees the whole pattern before the random events are "
     "picked (Tidal's `sometimesBy'`).", "s \"hh*8\" $ sometimesBy' 0.3 (# speed 2)",
     R.sometimes_by_prime),
    *[(f"{_n}'", "transform", [func()],
       f"Like `{_n}`, but the transform sees the whole pattern before the events are picked "
       f"(Tidal's `{_n}'`" + (", which 1.9 defines as sometimesBy 0.1, not sometimesBy'" if _n == "almostNever" else "")
       + ").", f"s \"hh*8\" $ {_n}' (# speed 2)",
       (lambda a, prime: lambda p, f: (R.sometimes_by_prime if prime else R.sometimes_by)(p, pure(a), f))(
           Fraction(_a), _n != "almostNever"))
      for _n, _a in (("sometimes", "0.5"), ("often", "0.75"), ("rarely", "0.25"), ("almostNever", "0.1"),
                     ("almostAlways", "0.9"))],
    ("chunk'", "transform", [num("n"), func()],
     "`chunk` going backwards through the parts (Tidal 1.9's `chunk' n = chunk (-n)`).",
     "s \"bd sn hh cp\" $ chunk' 4 (hurry 2)", T.chunk_back),
    ("iter'", "transform", [num("n", range=(0, INF))],
     "Like `iter`, but each cycle starts one part earlier (Tidal's `iter'`).",
     "s \"bd sn hh cp\" $ iter' 4", T.iter_back),
    ("toScale'", "transform", [num("octave", doc="semitones per octave"), lst("steps")],
     "`toScale` with a given octave size, for scales that are not 12-tone (Tidal's `toScale'`).",
     "sine (mtof (toScale' 10 [0, 2, 7] \"0 1 2 3\" + 60))",
     lambda p, o, xs: H.to_scale_oct(_v(o), T.values_of(xs, "toScale'"), p)),
    ("fit'", "transform", [num("cycles", range=(0, INF)), num("n", range=(1, INF)), pat("from"), pat("to")],
     "Cut the pattern into n pieces marked by the `from` pattern and play them in the order of the "
     "`to` pattern (Tidal's `fit' cyc n from to`).", "s \"bd sn\" $ fit' 1 2 \"0 1\" \"1 0\"",
     lambda p, c, n, a, b: T.fit_prime(p, c, _v(n), a, b)),
    ("ghost'", "transform", [num("time", unit="cycles")],
     "`ghost` with a given spacing: ghost notes time*1.5 and time*2.5 cycles later "
     "(Tidal's `ghost'`).", "s \"~ sn\" $ ghost' 0.0625", T.ghost_prime),
]


def _lexer_accepts_primes() -> bool:
    from ..dsl import lexer
    return re.fullmatch(lexer.t_NAME.__doc__, "every'") is not None


if _lexer_accepts_primes():
    for _n, _cat, _params, _doc, _ex, _fn in _PRIMED:
        declare(_n, _cat, params=_params, doc=_doc, example=_ex, fn=_fn, **_typed(_n),
                **({"values": "numbers"} if _n == "toScale'" else {}))


# ---- tests of numbers (ifp, whenT) --------------------------------------------------------
# Haskell functions a Tidal test is written with: `ifp ((== 0) . flip mod 2)`, `whenT ((< 0.5)
# . flip mod' 2)`. They exist only inside a "test" parameter; the compiler reads `takes` (the
# number type a function needs: "Integral" whole numbers, "Real" any number, "Bool"), `gives`
# ("Bool", or "same": the type it was given) and `flips` (flip's argument swap) from here.

def test_fn(name, params, doc, example, fn, tidal_type, takes, gives, **extra):
    declare(name, "test", params=params, doc=doc, example=example, fn=fn, tidal_type=tidal_type,
            takes=takes, gives=gives, **extra)


def _mod(a, b):
    """Haskell's mod (and Data.Fixed.mod'): the remainder with the divisor's sign (floor division)."""
    return a % b


_CMP_DOC = ("A comparison section, Haskell's `({op} x)` = \\n -> n {op} x (and `(x {op})` = \\n -> x {op} n): "
            "a test of the cycle number (ifp) or the time (whenT), alone or after other number "
            "functions with `.`.")
_OPS = {"==": (lambda a, b: a == b, 's "bd*2 hh" $ ifp (== 0) (fast 2) (# speed 2)'),
        "/=": (lambda a, b: a != b, 's "bd*2 hh" $ ifp ((/= 0) . flip mod 2) (fast 2) id'),
        "<": (lambda a, b: a < b, 's "hh*8" $ whenT ((< 0.5) . flip mod\' 2) (# speed 2)'),
        "<=": (lambda a, b: a <= b, 's "bd*2 hh" $ ifp (<= 1) (fast 2) id'),
        ">": (lambda a, b: a > b, 's "hh*8" $ whenT (> 0.5) (# speed 2)'),
        ">=": (lambda a, b: a >= b, 's "bd*2 hh" $ ifp ((>= 2) . flip mod 4) (fast 2) id')}
for _op, (_f, _ex) in _OPS.items():
    test_fn(_op, [num("x", doc="the number compared with")], _CMP_DOC.format(op=_op), _ex, _f,
            f"{'Eq' if _op in ('==', '/=') else 'Ord'} a => a -> a -> Bool", takes="Real", gives="Bool")
test_fn("even", [], "True for even whole numbers (Haskell's `even`): `ifp even (striate 4) id` "
        "striates the even cycles.", 's "bd*2 hh" $ ifp even (fast 2) (# speed 2)',
        lambda n: n % 2 == 0, "Integral a => a -> Bool", takes="Integral", gives="Bool")
test_fn("odd", [], "True for odd whole numbers (Haskell's `odd`): `ifp odd (fast 2) id` doubles "
        "the odd cycles.", 's "bd*2 hh" $ ifp odd (fast 2) (# speed 2)',
        lambda n: n % 2 == 1, "Integral a => a -> Bool", takes="Integral", gives="Bool")
test_fn("not", [], "Negate a test (Haskell's `not`): `ifp (not . even)` is `ifp odd`.",
        's "bd*2 hh" $ ifp (not . even) (fast 2) id', lambda b: not b, "Bool -> Bool",
        takes="Bool", gives="Bool")
test_fn("mod", [num("d", doc="the divisor (not 0)")],
        "Haskell's integer `mod`, the remainder with the divisor's sign: in a test write "
        "`flip mod 2` (n mod 2) or (`mod` 2); `mod 2` alone is 2 mod n. Whole numbers only (ifp's "
        "cycle); for whenT's time use `mod'`.", 's "bd*2 hh" $ ifp ((== 0) . flip mod 2) (fast 2) id',
        _mod, "Integral a => a -> a -> a", takes="Integral", gives="same")
test_fn("flip", [Param("f", kind="function", doc="mod or mod'"), num("x")],
        "Haskell's `flip f x` = \\n -> f n x, as Tidal code writes a remainder test: `flip mod 2`, "
        "`flip Data.Fixed.mod' 2` (the module qualifier may be written or left out).",
        's "bd*2 hh" $ ifp ((== 1) . flip mod 2) (fast 2) id', None, "(a -> b -> c) -> b -> a -> c",
        takes="Real", gives="same", flips=True)
if _lexer_accepts_primes():
    test_fn("mod'", [num("d", doc="the divisor (not 0)")],
            "Data.Fixed's `mod'`, the remainder of any numbers (times included) with the divisor's "
            "sign: `whenT ((< 0.5) . flip mod' 2)` transforms the first half of every other cycle.",
            's "hh*8" $ whenT ((< 0.5) . flip mod\' 2) (# speed 2)', _mod, "Real a => a -> a -> a",
            takes="Real", gives="same")
