"""`phonon events` and `phonon.events()`: the events a patch plays, against Tidal's queryArc.

Golden cases: each is a Tidal line (`d1 $ ...`) and the events Tidal 1.9's
`queryArc (filterOnsets p) (Arc b e)` returns for it, sorted as Tidal's `show` sorts
them (`sortOn part`, Sound/Tidal/Show.hs). The expectations are worked out by hand from
Tidal's source (v1.9.5: src/Sound/Tidal/{ParseBP,Pattern,Core,UI,Control,Params}.hs) and
its documentation; the `src` of each case says which definition gives the answer. They
are never taken from Phonon's output. Random cases use `tidal_rand` below, a transcription
of Tidal's `timeToRand` (UI.hs), never Phonon's own implementation.

Some cases also carry an older Phonon spelling (`today`), tested beside the Tidal one: both
must give Tidal's events.

Values: Tidal's numbers are Doubles (`VF`) or Notes; the JSON here prints exact values.
Expectations are exact (Fractions); where Tidal computes in Double arithmetic
(stut's gain curve) the comparison allows 1e-12.
"""
from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from fractions import Fraction as F
from typing import Optional

import pytest

import phonon
from phonon.events import Event, fmt_time, show_value, to_json

from conftest import ROOT


# --------------------------------------------------------------------------------------------
# Tidal's randomness, transcribed from UI.hs (v1.9.5) for the random cases
# --------------------------------------------------------------------------------------------

def _s64(v: int) -> int:
    v &= (1 << 64) - 1
    return v - (1 << 64) if v >> 63 else v


def _xorwise(x: int) -> int:
    """xorwise x = let a = (x `shiftL` 13) `xor` x; b = (a `shiftR` 17) `xor` a in (b `shiftL` 5) `xor` b
    on Haskell's 64-bit Int (shiftR is arithmetic)."""
    a = _s64(_s64(x << 13) ^ x)
    b = _s64((a >> 17) ^ a)
    return _s64(_s64(b << 5) ^ b)


def tidal_rand(t: F) -> float:
    """timeToRand t = intSeedToRand (timeToIntSeed t):
    timeToIntSeed = xorwise . truncate . (* 536870912) . snd . properFraction . (/ 300)
    intSeedToRand = (/ 536870912) . realToFrac . (`mod` 536870912). Time is a Rational."""
    x = F(t) / 300
    frac = x - int(x)  # properFraction: the fractional part keeps x's sign
    seed = _xorwise(int(frac * 536870912))  # truncate: toward zero
    return (seed % 536870912) / 536870912


def rand_over(b: F, e: F, seed: int = 0) -> float:
    """`rand` queried over (b, e) after `rotL (0.0001 * seed)`: its value at the midpoint."""
    return tidal_rand((F(b) + F(e)) / 2 + F(1, 10000) * seed)


# --------------------------------------------------------------------------------------------
# cases
# --------------------------------------------------------------------------------------------

def E(wb, we, pb=None, pe=None, **controls):
    """An expected event: whole wb..we, part pb..pe (default: the whole), controls."""
    wb, we = F(wb), F(we)
    return {"whole": (wb, we), "part": (F(pb) if pb is not None else wb, F(pe) if pe is not None else we),
            "controls": controls}


def seq(names, b=0, e=1, **controls):
    """Events of names played in equal steps over b..e."""
    b, e = F(b), F(e)
    step = (e - b) / len(names)
    return [E(b + i * step, b + (i + 1) * step, s=n, **controls) for i, n in enumerate(names) if n != "~"]


@dataclass
class Case:
    id: str
    tidal: str
    expected: list
    src: str
    window: tuple = (0, 1)
    today: Optional[str] = None       # today's Phonon spelling, when the Tidal one is not there yet
    fragments: bool = False           # compare with plain queryArc (every fragment), not filterOnsets
    approx: bool = False              # Tidal computes these values in Double arithmetic


def _euclid_onsets(pulses, steps):
    """Bjorklund's pattern for the cases (Toussaint's table, as Tidal's Bjorklund.hs gives it)."""
    table = {(3, 8): "x..x..x.", (5, 8): "x.xx.xx."}
    return [i for i, c in enumerate(table[(pulses, steps)]) if c == "x"]


def _deg_keep(names_steps, amount=F(1, 2), seed_of=lambda i: 0):
    """Events of a sequence kept by `?`/degradeBy: rand (over the event's whole) > amount."""
    out = []
    for i, (b, e, name) in enumerate(names_steps):
        if rand_over(b, e, seed_of(i)) > amount:
            out.append(E(b, e, s=name))
    return out


def _eighths(name="bd"):
    return [(F(i, 8), F(i + 1, 8), name) for i in range(8)]


def _sometimes_expected():
    out = []
    for b, e, name in _eighths():
        r = rand_over(b, e)
        out.append(E(b, e, s=name) if r > 0.5 else E(b, e, s=name, speed=2))
    return out


def _choose_expected():
    out = []
    names = ["bd", "sn", "hh"]
    for q in range(4):  # inner cycle q of the fast 4: segment 1 samples rand over (q, q+1)
        k = int(3 * rand_over(q, q + 1, seed=0))
        out.append(E(F(q, 4), F(q + 1, 4), s=names[k % 3]))
    return out


_STUT_G1 = ((3 - 1) / 3) * (1 - 0.5) + 0.5  # scalegain 1 (Double arithmetic, Control.hs _stut)
_STUT_G2 = ((3 - 2) / 3) * (1 - 0.5) + 0.5

CASES = [
    Case("sequence", 'd1 $ s "bd sn"', seq(["bd", "sn"]),
         "ParseBP: TPat_Seq -> timeCat (equal steps); Tidal docs 'Mini notation' sequences"),
    Case("subsequence", 'd1 $ s "bd*2 [sn cp]"',
         seq(["bd", "bd"], 0, F(1, 2)) + seq(["sn", "cp"], F(1, 2), 1),
         "ParseBP: '*' = TPat_Fast (fast), '[]' = a sub-sequence in one step"),
    Case("rests", 'd1 $ s "bd ~ sn ~"', seq(["bd", "~", "sn", "~"]), "ParseBP: '~' = TPat_Silence"),
    Case("alternation", 'd1 $ s "<bd sn cp>"', [E(0, 1, s="bd"), E(1, 2, s="sn"), E(2, 3, s="cp")],
         "ParseBP: '<>' = TPat_Polyrhythm (Just 1): one step per cycle", window=(0, 3)),
    Case("feet", 'd1 $ s "bd . hh hh"', [E(0, F(1, 2), s="bd")] + seq(["hh", "hh"], F(1, 2), 1),
         "ParseBP: resolve_feet, '.' splits the sequence into equal feet"),
    Case("stack", 'd1 $ s "[bd, hh hh]"',
         [E(0, F(1, 2), s="hh"), E(0, 1, s="bd"), E(F(1, 2), 1, s="hh")],
         "ParseBP: ',' = TPat_Stack; Show.hs sorts on part, so (0>1/2) comes before (0>1)"),
    Case("euclid", 'd1 $ s "bd(3,8)"', [E(F(i, 8), F(i + 1, 8), s="bd") for i in _euclid_onsets(3, 8)],
         "UI.hs _euclid: fastcat of bjorklund (3,8) = x..x..x."),
    Case("euclid_rotation", 'd1 $ s "bd(3,8,2)"', [E(F(i, 8), F(i + 1, 8), s="bd") for i in (1, 4, 6)],
         "UI.hs _euclidOff n k s = rotL (s%k) (_euclid n k): x..x..x. rotated left 2 = .x..x.x."),
    Case("replicate", 'd1 $ s "bd!3 sn"', seq(["bd", "bd", "bd", "sn"]),
         "ParseBP pRepeat: '!3' = TPat_Repeat 3, three steps"),
    Case("weight", 'd1 $ s "bd@3 sn"', [E(0, F(3, 4), s="bd"), E(F(3, 4), 1, s="sn")],
         "ParseBP pElongate: '@3' = TPat_Elongate 3 (timeCat weight 3)"),
    Case("elongate", 'd1 $ s "bd _ _ sn"', [E(0, F(3, 4), s="bd"), E(F(3, 4), 1, s="sn")],
         "ParseBP pElongate: each '_' adds one step to the element before"),
    Case("slow_step", 'd1 $ s "bd/2"', [E(0, 2, 0, 1, s="bd")],
         "ParseBP: 'bd/2' = slow (pure 2) (pure bd); tParam's innerJoin queries cycle by cycle, so the "
         "event 0..2 arrives as (0>1)-2 (onset) and 0-(1>2) (no onset)", window=(0, 2)),
    Case("slow_step_fragments", 'd1 $ s "bd/2"', [E(0, 2, 0, 1, s="bd"), E(0, 2, 1, 2, s="bd")],
         "as slow_step, with every fragment (plain queryArc)", window=(0, 2), fragments=True),
    Case("patterned_fast", 'd1 $ s "bd*<2 3>"', seq(["bd"] * 2, 0, 1) + seq(["bd"] * 3, 1, 2),
         "ParseBP: '*<2 3>' = fast \"<2 3>\" (tParam: the factor of each cycle)", window=(0, 2)),
    Case("polymeter", 'd1 $ s "{bd sn, hh cp lt}"',
         [E(0, F(1, 2), s="bd"), E(0, F(1, 2), s="hh"), E(F(1, 2), 1, s="sn"), E(F(1, 2), 1, s="cp"),
          E(1, F(3, 2), s="bd"), E(1, F(3, 2), s="lt"), E(F(3, 2), 2, s="sn"), E(F(3, 2), 2, s="hh")],
         "ParseBP TPat_Polyrhythm Nothing: steps per cycle from the first layer (2), the 3-step layer "
         "runs at 2 steps per cycle", window=(0, 2)),
    Case("fast", 'd1 $ fast 2 $ s "bd sn"', seq(["bd", "sn", "bd", "sn"]), "Core.hs _fast"),
    Case("slow", 'd1 $ slow 2 $ s "bd sn"', [E(0, 1, s="bd"), E(1, 2, s="sn")], "Core.hs _slow",
         window=(0, 2)),
    Case("rev", 'd1 $ rev $ s "bd*2 sn"', [E(0, F(1, 2), s="sn")] + seq(["bd", "bd"], F(1, 2), 1),
         "Pattern.hs rev: each cycle mirrored in place"),
    Case("every", 'd1 $ every 2 (fast 2) $ s "bd sn"',
         seq(["bd", "sn", "bd", "sn"]) + seq(["bd", "sn"], 1, 2),
         "Core.hs _every n f = when ((== 0) . (`mod` n)) f: cycle 0 is transformed", window=(0, 2)),
    Case("whenmod", 'd1 $ whenmod 4 2 (# speed 2) $ s "bd sn"',
         seq(["bd", "sn"], 0, 1) + seq(["bd", "sn"], 1, 2) + seq(["bd", "sn"], 2, 3, speed=2)
         + seq(["bd", "sn"], 3, 4, speed=2),
         "UI.hs _whenmod a b = whenT (\\t -> (t `mod'` a) >= b): cycles 2 and 3 of every 4",
         window=(0, 4)),
    Case("off", 'd1 $ off 0.25 (# speed 2) $ s "bd sn"',
         [E(0, F(1, 2), s="bd"), E(F(1, 4), F(3, 4), s="bd", speed=2), E(F(1, 2), 1, s="sn"),
          E(F(3, 4), F(5, 4), F(3, 4), 1, s="sn", speed=2)],
         "UI.hs _off t f p = superimpose (f . (t `rotR`)) p: the shifted sn starts at 3/4 and ends "
         "at 5/4; the sn of cycle -1 shifted to -1/4..1/4 has no onset in the window"),
    Case("jux", 'd1 $ jux rev $ s "bd sn"',
         [E(0, F(1, 2), s="bd", pan=0), E(0, F(1, 2), s="sn", pan=1),
          E(F(1, 2), 1, s="sn", pan=0), E(F(1, 2), 1, s="bd", pan=1)],
         "UI.hs jux = juxBy 1: stack [p |+ pan 0.5 |- pan 0.5, f $ p |+ pan 0.5 |+ pan 0.5] -> pan 0 "
         "left (the original), pan 1 right"),
    Case("ply", 'd1 $ ply 2 $ s "bd sn"', seq(["bd", "bd", "sn", "sn"]),
         "UI.hs _ply n = squeezeJoin $ _fast n . pure <$> pat"),
    Case("iter", 'd1 $ iter 4 $ s "bd sn hh cp"', seq(["sn", "hh", "cp", "bd"], 1, 2),
         "UI.hs _iter n p = slowcat [i%n `rotL` p | i <- [0..n-1]]: cycle 1 starts one step in",
         window=(1, 2)),
    Case("chunk", 'd1 $ chunk 4 (# speed 2) $ s "bd sn hh cp"',
         [E(0, F(1, 4), s="bd", speed=2)] + seq(["~", "sn", "hh", "cp"])
         + [E(1, F(5, 4), s="bd"), E(F(5, 4), F(3, 2), s="sn", speed=2)] + seq(["~", "~", "hh", "cp"], 1, 2),
         "UI.hs _chunk n f p = cat [within (i%n, (i+1)%n) f p | i <- [0..n-1]]", window=(0, 2)),
    Case("palindrome", 'd1 $ palindrome $ s "bd sn hh"',
         seq(["bd", "sn", "hh"]) + seq(["hh", "sn", "bd"], 1, 2),
         "UI.hs palindrome p = slowAppend p (rev p)", window=(0, 2)),
    Case("stut", 'd1 $ stut 3 0.5 0.125 $ s "bd"',
         [E(0, 1, s="bd"), E(F(1, 8), F(9, 8), F(1, 8), 1, s="bd", gain=_STUT_G1),
          E(F(1, 4), F(5, 4), F(1, 4), 1, s="bd", gain=_STUT_G2)],
         "Control.hs _stut: stack (p : [(x%1*steptime) `rotR` (p |* gain (scalegain x))]), scalegain = "
         "(+feedback) . (*(1-feedback)) . (/count) . (count -); |* on a map without gain adds it "
         "(Num ValueMap = Map.unionWith)", approx=True),
    Case("set_fragments", 'd1 $ s "bd sn" # speed "1 2 3"',
         [E(0, F(1, 2), 0, F(1, 3), s="bd", speed=1), E(0, F(1, 2), F(1, 3), F(1, 2), s="bd", speed=2),
          E(F(1, 2), 1, F(1, 2), F(2, 3), s="sn", speed=2), E(F(1, 2), 1, F(2, 3), 1, s="sn", speed=3)],
         "Pattern.hs appLeft (#): the right side is queried over each left whole and the parts "
         "intersect, so bd (0>1/2) meets speed 1 (0>1/3) and speed 2 (1/3>2/3)", fragments=True),
    Case("set_onsets", 'd1 $ s "bd sn" # speed "1 2 3"',
         [E(0, F(1, 2), 0, F(1, 3), s="bd", speed=1), E(F(1, 2), 1, F(1, 2), F(2, 3), s="sn", speed=2)],
         "as set_fragments, filterOnsets (Pattern.hs): the fragment holding each onset, whose part "
         "ends where the speed value changes"),
    Case("gain", 'd1 $ s "bd*4" # gain "1 0.8"',
         seq(["bd", "bd"], 0, F(1, 2), gain=1) + seq(["bd", "bd"], F(1, 2), 1, gain=F(4, 5)),
         "Params.hs gain = pF \"gain\"; # takes the value at each onset"),
    Case("n_alternation", 'd1 $ s "drum*2" # n "<0 2>"',
         seq(["drum", "drum"], 0, 1, n=0) + seq(["drum", "drum"], 1, 2, n=2),
         "Params.hs n = pN \"n\" (a Note); '<0 2>' one value per cycle", window=(0, 2)),
    Case("hurry", 'd1 $ hurry 2 $ s "bd sn"', seq(["bd", "sn", "bd", "sn"], speed=2),
         "Control.hs hurry x = (|* speed x) . fast x; |* on a map without speed adds speed 2"),
    Case("linger", 'd1 $ linger 0.25 $ s "bd sn hh cp"', seq(["bd"] * 4),
         "UI.hs _linger n p = _fast (1/n) $ zoomArc (Arc 0 n) p"),
    Case("chop", 'd1 $ chop 2 $ s "bd sn"',
         [E(0, F(1, 4), s="bd", begin=0, end=F(1, 2)), E(F(1, 4), F(1, 2), s="bd", begin=F(1, 2), end=1),
          E(F(1, 2), F(3, 4), s="sn", begin=0, end=F(1, 2)), E(F(3, 4), 1, s="sn", begin=F(1, 2), end=1)],
         "Control.hs _chop: each whole cut in n, begin/end = i/n..(i+1)/n of the old range (0..1)"),
    Case("striate", 'd1 $ striate 2 $ s "bd sn"',
         [E(0, F(1, 4), s="bd", begin=0, end=F(1, 2)), E(F(1, 4), F(1, 2), s="sn", begin=0, end=F(1, 2)),
          E(F(1, 2), F(3, 4), s="bd", begin=F(1, 2), end=1), E(F(3, 4), 1, s="sn", begin=F(1, 2), end=1)],
         "Control.hs _striate n p = fastcat [mergePlayRange (i/n, (i+1)/n) <$> p | i <- [0..n-1]]"),
    Case("struct", 'd1 $ struct "t ~ t t" $ s "bd"', seq(["bd", "~", "bd", "bd"]),
         "UI.hs struct ps pv = filterJust $ (\\a b -> if a then Just b else Nothing) <$> ps <* pv"),
    Case("mask", 'd1 $ mask "1 0 1 1" $ s "bd*8"',
         [E(F(i, 8), F(i + 1, 8), s="bd") for i in (0, 1, 4, 5, 6, 7)],
         "UI.hs mask b p = const <$> p <* filterValues id b"),
    Case("euclid_fn", 'd1 $ euclid 3 8 $ s "bd"', [E(F(i, 8), F(i + 1, 8), s="bd") for i in _euclid_onsets(3, 8)],
         "UI.hs _euclid n k a = fastcat of bjorklund (n,k)"),
    Case("shift_left", 'd1 $ 0.25 <~ s "bd sn hh cp"', seq(["sn", "hh", "cp", "bd"]),
         "Core.hs (<~) = tParam rotL", today='d1 $ early 0.25 $ s "bd sn hh cp"'),
    Case("superimpose", 'd1 $ superimpose (fast 2) $ s "bd sn"',
         [E(0, F(1, 4), s="bd"), E(0, F(1, 2), s="bd"), E(F(1, 4), F(1, 2), s="sn"),
          E(F(1, 2), F(3, 4), s="bd"), E(F(1, 2), 1, s="sn"), E(F(3, 4), 1, s="sn")],
         "UI.hs superimpose f p = stack [p, f p]; sorted on part (0>1/4) < (0>1/2)"),
    Case("fast_patterned", 'd1 $ fast "1 2" $ s "bd sn"',
         [E(0, F(1, 2), s="bd"), E(F(1, 2), F(3, 4), s="bd"), E(F(3, 4), 1, s="sn")],
         "Core.hs fast = tParam _fast: innerJoin, the first half at fast 1, the second at fast 2"),
    Case("degrade_mini", 'd1 $ s "bd*8?"', _deg_keep(_eighths()),
         "ParseBP pRand: '?' = TPat_DegradeBy seed 0.5 -> _degradeByUsing (rotL (0.0001*seed) rand) 0.5, "
         "keeping rand (over each whole) > 0.5 (UI.hs); seed 0"),
    Case("degrade_seeds", 'd1 $ s "bd? sn? hh? cp?"',
         [E(F(i, 4), F(i + 1, 4), s=n) for i, n in enumerate(["bd", "sn", "hh", "cp"])
          if rand_over(0, 1, seed=i) > 0.5],
         "ParseBP newSeed: each '?' takes the next seed (0, 1, 2, 3); the degrade sits inside the "
         "atom's step (timeCat compresses the degraded atom), so rand is sampled over the atom's own "
         "cycle 0..1: at 1/2 + 0.0001*seed"),
    Case("degradeBy", 'd1 $ degradeBy 0.5 $ s "bd*8"', _deg_keep(_eighths()),
         "UI.hs _degradeBy = _degradeByUsing rand: keep rand > x"),
    Case("sometimesBy", 'd1 $ sometimesBy 0.5 (# speed 2) $ s "bd*8"', _sometimes_expected(),
         "UI.hs sometimesBy x f pat = overlay (degradeBy x pat) (f $ unDegradeBy x pat): speed 2 where "
         "rand <= 0.5"),
    Case("random_choice", 'd1 $ s "[bd | sn | hh]*4"', _choose_expected(),
         "ParseBP: TPat_CycleChoose seed xs = unwrap $ segment 1 $ chooseBy (rotL (0.0001*seed) rand) xs; "
         "chooseBy = (xs !!!) . floor <$> range 0 (length xs) rand"),
    Case("euclid_patterned", 'd1 $ s "bd(<3 5>,8)"',
         [E(F(i, 8), F(i + 1, 8), s="bd") for i in _euclid_onsets(3, 8)]
         + [E(1 + F(i, 8), 1 + F(i + 1, 8), s="bd") for i in _euclid_onsets(5, 8)],
         "ParseBP TPat_Euclid with a patterned count: bjorklund (5,8) = x.xx.xx. in cycle 1", window=(0, 2)),
    Case("slowed_subsequence", 'd1 $ s "bd [~ sn]/2"',
         [E(0, F(1, 2), s="bd"), E(1, F(3, 2), s="bd"), E(F(3, 2), 2, s="sn")],
         "ParseBP: '[~ sn]/2' is slow 2 inside its step: cycle 0 plays its rest, cycle 1 its sn",
         window=(0, 2)),
    # control-map sources and Tidal operators: other branches bring them
    Case("n_source", 'd1 $ n "0 .. 3" # s "drum"',
         [E(F(i, 4), F(i + 1, 4), n=i, s="drum") for i in range(4)],
         "ParseBP TPat_EnumFromTo: '0 .. 3' = 0 1 2 3; Params.hs n = pN \"n\"",
         today='d1 $ s "drum*4" # n "0 .. 3"'),
    Case("note_names", 'd1 $ note "c e g" # s "superpiano"',
         [E(0, F(1, 3), note=0, s="superpiano"), E(F(1, 3), F(2, 3), note=4, s="superpiano"),
          E(F(2, 3), 1, note=7, s="superpiano")],
         "ParseBP Parseable Note: note names are semitones from c5 (c = 0, e = 4, g = 7)", today='d1 $ s "superpiano*3" # note "c e g"'),
    Case("sample_index", 'd1 $ s "bd:3 sn"', [E(0, F(1, 2), n=3, s="bd"), E(F(1, 2), 1, s="sn")],
         "Params.hs sound = grp [mS \"s\", mF \"n\"]: 'bd:3' is s bd, n 3", ),
    Case("op_add", 'd1 $ s "bd*2" # speed 2 |+ speed 1', seq(["bd", "bd"], speed=3),
         "Core.hs |+ (no fixity declaration: infixl 9 like #): (s # speed 2) |+ speed 1 -> speed 3"),
]


def _sometimes_by(amount, n=8, name="bd", **changed):
    """sometimesBy amount f (UI.hs): the events with rand <= amount get f, the others stay."""
    out = []
    for i in range(n):
        b, e = F(i, n), F(i + 1, n)
        out.append(E(b, e, s=name, **changed) if rand_over(b, e) <= amount else E(b, e, s=name))
    return out


def _stut4():
    g = [((4 - x) / 4) * (1 - 0.6) + 0.6 for x in (1, 2, 3)]  # scalegain, Double arithmetic
    out = [E(0, F(1, 2), s="bd")]
    out += [E(F(x, 8), F(x, 8) + F(1, 2), s="bd", gain=g[x - 1]) for x in (1, 2, 3)]
    out += [E(F(1, 2), 1, s="sn")]
    out += [E(F(1, 2) + F(x, 8), 1 + F(x, 8), F(1, 2) + F(x, 8), 1, s="sn", gain=g[x - 1]) for x in (1, 2, 3)]
    return out


# Mini-notation features and transforms beyond the first thirty (each from Tidal's definitions).
EXTRA = [
    Case("nested_alternation", 'd1 $ s "<bd <sn hh>>"',
         [E(0, 1, s="bd"), E(1, 2, s="sn"), E(2, 3, s="bd"), E(3, 4, s="hh")],
         "ParseBP: '<a <b c>>' = TPat_Polyrhythm (Just 1): the inner '<>' advances only on the cycles "
         "it is played (its step of the slowed sequence)", window=(0, 4)),
    Case("fractional_weight", 'd1 $ s "bd@1.5 sn"', [E(0, F(3, 5), s="bd"), E(F(3, 5), 1, s="sn")],
         "ParseBP pElongate with pRatio: weights 3/2 and 1 of 5/2"),
    Case("polymeter_steps", 'd1 $ s "{bd sn}%4"', seq(["bd", "sn", "bd", "sn"]),
         "ParseBP pPolyOut: '%4' sets the steps per cycle"),
    Case("euclid_rotation_patterned", 'd1 $ s "bd(5,8,<0 2>)"',
         [E(F(i, 8), F(i + 1, 8), s="bd") for i in (0, 2, 3, 5, 6)]
         + [E(1 + F(i, 8), 1 + F(i + 1, 8), s="bd") for i in (0, 1, 3, 4, 6)],
         "ParseBP doEuclid = euclidOff = tParam3 _euclidOff; x.xx.xx. rotated left 2 = xx.xx.x.",
         window=(0, 2)),
    Case("replicate_group", 'd1 $ s "[bd sn]!2 hh"',
         seq(["bd", "sn"], 0, F(1, 3)) + seq(["bd", "sn"], F(1, 3), F(2, 3)) + [E(F(2, 3), 1, s="hh")],
         "ParseBP pRepeat on a sub-sequence: three steps"),
    Case("feet_rest", 'd1 $ s "bd . sn sn . ~ hh"',
         [E(0, F(1, 3), s="bd"), E(F(1, 3), F(1, 2), s="sn"), E(F(1, 2), F(2, 3), s="sn"),
          E(F(5, 6), 1, s="hh")], "ParseBP resolve_feet: three feet of 1/3"),
    Case("feet_fast", 'd1 $ s "bd*2 . hh*3"', seq(["bd", "bd"], 0, F(1, 2)) + seq(["hh"] * 3, F(1, 2), 1),
         "ParseBP resolve_feet with '*' in each foot"),
    Case("alternation_fast", 'd1 $ s "<bd sn>*2"', seq(["bd", "sn"]) + seq(["bd", "sn"], 1, 2),
         "ParseBP: fast 2 of a one-step-per-cycle alternation plays both in each cycle", window=(0, 2)),
    Case("alternation_slow", 'd1 $ s "<bd sn>/2"', [E(0, 2, 0, 1, s="bd"), E(2, 4, 2, 3, s="sn")],
         "ParseBP: slow 2 of '<bd sn>': bd over 0..2, sn over 2..4; cycle by cycle (tParam's "
         "innerJoin) the onsets are (0>1)-2 and (2>3)-4", window=(0, 4)),
    Case("degrade_amount", 'd1 $ s "bd*16?0.7"',
         [E(F(i, 16), F(i + 1, 16), s="bd") for i in range(16) if rand_over(F(i, 16), F(i + 1, 16)) > 0.7],
         "ParseBP pRand: '?0.7' = TPat_DegradeBy 0 0.7 over the 16 events (rand > 0.7 kept)"),
    Case("every_patterned", 'd1 $ every "<2 3>" rev $ s "bd sn"',
         seq(["sn", "bd"], 0, 1) + seq(["bd", "sn"], 1, 2) + seq(["sn", "bd"], 2, 3) + seq(["sn", "bd"], 3, 4),
         "Core.hs every tp f p = innerJoin $ (\\t -> _every t f p) <$> tp: n = 2, 3, 2, 3 in cycles 0..3; "
         "0 mod 2, 2 mod 2 and 3 mod 3 are 0", window=(0, 4)),
    Case("every_section", 'd1 $ every 2 (# speed 2) $ s "bd sn"',
         seq(["bd", "sn"], 0, 1, speed=2) + seq(["bd", "sn"], 1, 2), "Core.hs _every with a section",
         window=(0, 2)),
    Case("every_off", 'd1 $ every 3 (off 0.25 (# speed 2)) $ s "bd sn"',
         [E(0, F(1, 2), s="bd"), E(F(1, 4), F(3, 4), s="bd", speed=2), E(F(1, 2), 1, s="sn"),
          E(F(3, 4), F(5, 4), F(3, 4), 1, s="sn", speed=2), E(1, F(3, 2), s="bd"), E(F(3, 2), 2, s="sn")],
         "Core.hs when (splitQueries, cycle 0 transformed) over UI.hs _off: the shifted sn of cycle 0 "
         "starts at 3/4; cycle 1 is untransformed, so its part 1..5/4 is not played", window=(0, 2)),
    Case("chunk_hurry", 'd1 $ chunk 4 (hurry 2) $ s "bd sn hh cp"',
         [E(0, F(1, 8), s="bd", speed=2), E(F(1, 8), F(1, 4), s="sn", speed=2)] + seq(["~", "sn", "hh", "cp"]),
         "UI.hs within (0, 1/4) (hurry 2): the fast events starting in 0..1/4, the plain ones elsewhere"),
    Case("stut4", 'd1 $ stut 4 0.6 0.125 $ s "bd sn"', _stut4(),
         "Control.hs _stut 4 0.6 (1/8): gains 0.9, 0.8, 0.7 (scalegain), each layer 1/8 later", approx=True),
    Case("rarely", 'd1 $ rarely (# speed 2) $ s "bd*8"', _sometimes_by(0.25, speed=2),
         "UI.hs rarely = sometimesBy 0.25"),
    Case("often", 'd1 $ often (# speed 2) $ s "bd*8"', _sometimes_by(0.75, speed=2),
         "UI.hs often = sometimesBy 0.75"),
    Case("degradeBy_high", 'd1 $ degradeBy 0.9 $ s "bd*16"',
         [E(F(i, 16), F(i + 1, 16), s="bd") for i in range(16) if rand_over(F(i, 16), F(i + 1, 16)) > 0.9],
         "UI.hs _degradeBy: rand > 0.9 kept"),
    Case("ply_patterned", 'd1 $ ply "<2 3>" $ s "bd sn"',
         seq(["bd", "bd", "sn", "sn"]) + seq(["bd"] * 3, 1, F(3, 2)) + seq(["sn"] * 3, F(3, 2), 2),
         "UI.hs ply = patternify' _ply: 2 in cycle 0, 3 in cycle 1", window=(0, 2)),
    Case("slow_fraction", 'd1 $ slow 1.5 $ s "bd sn hh"', seq(["bd", "sn", "hh", "bd", "sn", "hh"], 0, 3),
         "Core.hs _slow 3/2: each third of a cycle lasts 1/2", window=(0, 3)),
    Case("fast_fraction", 'd1 $ fast 1.5 $ s "bd sn"', seq(["bd", "sn", "bd", "sn", "bd", "sn"], 0, 2),
         "Core.hs _fast 3/2: steps of 1/3", window=(0, 2)),
    Case("pan_values", 'd1 $ s "bd sn" # pan "0 1"', [E(0, F(1, 2), s="bd", pan=0), E(F(1, 2), 1, s="sn", pan=1)],
         "Params.hs pan = pF \"pan\" (0 = left, 1 = right)"),
    Case("jux_hurry", 'd1 $ jux (hurry 2) $ s "bd sn"',
         [E(0, F(1, 4), s="bd", pan=1, speed=2), E(0, F(1, 2), s="bd", pan=0),
          E(F(1, 4), F(1, 2), s="sn", pan=1, speed=2), E(F(1, 2), F(3, 4), s="bd", pan=1, speed=2),
          E(F(1, 2), 1, s="sn", pan=0), E(F(3, 4), 1, s="sn", pan=1, speed=2)],
         "UI.hs juxBy 1: the right channel (pan 1) gets hurry 2; Show's sortOn part interleaves them"),
    Case("whenmod_rev", 'd1 $ whenmod 8 6 rev $ s "bd*2 sn"',
         seq(["bd", "bd"], 5, F(11, 2)) + [E(F(11, 2), 6, s="sn")]
         + [E(6, F(13, 2), s="sn")] + seq(["bd", "bd"], F(13, 2), 7),
         "UI.hs _whenmod 8 6: cycles 6 and 7 of every 8 reversed, cycle 5 not", window=(5, 7)),
    Case("chords", 'd1 $ n "c\'maj e\'min" # s "superpiano"',
         [E(0, F(1, 2), n=k, s="superpiano") for k in (0, 4, 7)]
         + [E(F(1, 2), 1, n=k, s="superpiano") for k in (4, 7, 11)],
         "ParseBP TPat_Chord / Chords.hs: major = [0,4,7], minor = [0,3,7] on the root (e = 4)", today='d1 $ s "superpiano*2" # n "c\'maj e\'min"'),
    Case("n_override", 'd1 $ s "bd:3*2" # n 1', seq(["bd", "bd"], n=1),
         "Params.hs sound = grp [mS \"s\", mF \"n\"], then # (|>) takes n from the right: n 1",
         ),
    Case("arith_n", 'd1 $ n ("0 2" + "<10 20>") # s "drum"',
         [E(0, F(1, 2), n=10, s="drum"), E(F(1, 2), 1, n=12, s="drum"),
          E(1, F(3, 2), n=20, s="drum"), E(F(3, 2), 2, n=22, s="drum")],
         "Pattern.hs Num (Pattern a): + is liftA2 (structure from both sides)", window=(0, 2), today='d1 $ s "drum*2" # n ("0 2" + "<10 20>")'),
    Case("bare_repeat", 'd1 $ s "bd ! ! sn"', seq(["bd", "bd", "bd", "sn"]),
         "ParseBP pRepeat: each bare '!' after a step repeats it (TPat_Repeat 3)"),
    Case("elongate_mixed", 'd1 $ s "bd _ sn@2 _"', [E(0, F(2, 5), s="bd"), E(F(2, 5), 1, s="sn")],
         "ParseBP pElongate: '@2' then '_' add 1 + 1 to sn's weight (3), '_' 1 to bd's (2)"),
    Case("euclid_degrade", 'd1 $ s "bd(3,8)?"',
         [E(F(i, 8), F(i + 1, 8), s="bd") for i in _euclid_onsets(3, 8)
          if rand_over(F(i, 8), F(i + 1, 8)) > 0.5],
         "ParseBP pPart: pE then pRand, so '?' degrades the euclid's pulses, seed 0"),
    Case("euclid_alternation", 'd1 $ s "<bd sn>(3,8)"',
         [E(F(i, 8), F(i + 1, 8), s="bd") for i in _euclid_onsets(3, 8)]
         + [E(1 + F(i, 8), 1 + F(i + 1, 8), s="sn") for i in _euclid_onsets(3, 8)],
         "ParseBP: the euclid plays the whole alternation in each pulse: bd in cycle 0, sn in 1",
         window=(0, 2)),
    Case("weighted_group", 'd1 $ s "[bd sn]@3 hh"',
         [E(0, F(3, 8), s="bd"), E(F(3, 8), F(3, 4), s="sn"), E(F(3, 4), 1, s="hh")],
         "ParseBP pElongate on a sub-sequence: [bd sn] takes 3/4"),
    Case("choice_in_step", 'd1 $ s "bd [sn | cp | hh]"',
         [ev for c in range(4) for ev in (E(c, c + F(1, 2), s="bd"),
                                          E(c + F(1, 2), c + 1,
                                            s=["sn", "cp", "hh"][int(3 * rand_over(c, c + 1)) % 3]))],
         "ParseBP TPat_CycleChoose (seed 0) inside a step: timeCat compresses it, so cycle c of the "
         "choice is sampled over its own cycle c..c+1", window=(0, 4)),
    Case("every_shift", 'd1 $ every 2 (0.25 <~) $ s "bd sn"',
         [E(F(1, 4), F(3, 4), s="sn"), E(F(3, 4), F(5, 4), F(3, 4), 1, s="bd"),
          E(1, F(3, 2), s="bd"), E(F(3, 2), 2, s="sn")],
         "Core.hs when (cycle 0) over rotL 1/4: sn 1/4..3/4, the next bd from 3/4 (its part ends at "
         "the cycle); the bd of -1/4..1/4 has no onset in the window; cycle 1 plain", window=(0, 2),
         today='d1 $ every 2 (early 0.25) $ s "bd sn"'),
    Case("off_patterned", 'd1 $ off "<0.25 0.125>" (# speed 2) $ s "bd"',
         [E(0, 1, s="bd"), E(F(1, 4), F(5, 4), F(1, 4), 1, s="bd", speed=2),
          E(1, 2, s="bd"), E(F(9, 8), F(17, 8), F(9, 8), 2, s="bd", speed=2)],
         "UI.hs off tp f p = innerJoin $ (\\tv -> _off tv f p) <$> tp: 1/4 in cycle 0, 1/8 in cycle 1; "
         "innerJoin keeps the inner wholes and cuts the parts at the cycle", window=(0, 2)),
    Case("every_nested", 'd1 $ every 3 (fast 2) $ every 2 rev $ s "bd sn"',
         seq(["sn", "bd", "bd", "sn"]) + seq(["bd", "sn"], 1, 2),
         "Core.hs when: cycle 0 plays fast 2 of the inner pattern's cycles 0 (reversed) and 1; cycle 1 "
         "is neither", window=(0, 2)),
    Case("num_pattern_arith", 'd1 $ s "bd*2" # speed (1 + "0 1")',
         [E(0, F(1, 2), s="bd", speed=1), E(F(1, 2), 1, s="bd", speed=2)],
         "Pattern.hs instance Num (Pattern a): (+) = liftA2 (+), structure from both sides"),
    Case("compose_sections", 'd1 $ superimpose ((# speed 2) . (0.125 <~)) $ s "bd*2"',
         [E(0, F(1, 2), s="bd"), E(F(3, 8), F(7, 8), s="bd", speed=2), E(F(1, 2), 1, s="bd"),
          E(F(7, 8), F(11, 8), F(7, 8), 1, s="bd", speed=2)],
         "UI.hs superimpose f p = stack [p, f p] with f = (# speed 2) . (0.125 <~): the copy 1/8 "
         "earlier; its bd of -1/8..3/8 has no onset in the window"),
]
CASES += EXTRA


def _source(case: Case, spelling: str) -> str:
    return case.today if spelling == "today" else case.tidal


def _params():
    out = []
    for c in CASES:
        out.append(pytest.param(c, "tidal", id=f"{c.id}-tidal"))
        if c.today:
            out.append(pytest.param(c, "today", id=f"{c.id}-today"))
    return out


def _norm_json(evs_json: list) -> list:
    """Our JSON -> comparable: times and string fractions to Fractions, numbers exact."""
    out = []
    for e in evs_json:
        ctl = {}
        for k, v in e["controls"].items():
            if isinstance(v, str) and "/" in v and v.replace("/", "").lstrip("-").isdigit():
                v = F(v)
            elif isinstance(v, (int, float, F)) and not isinstance(v, bool):
                v = F(v) if not isinstance(v, float) else F(repr(v))
            ctl[k] = v
        out.append({"whole": tuple(F(t) for t in e["whole"]), "part": tuple(F(t) for t in e["part"]),
                    "controls": ctl})
    return out


def _same_value(got, want, approx: bool) -> bool:
    if isinstance(want, str) or isinstance(got, str):
        return got == want
    if approx or isinstance(want, float):
        return abs(float(got) - float(want)) <= 1e-12 * max(1.0, abs(float(want)))
    return F(got) == F(want)


def _assert_events(got: list, want: list, approx: bool) -> None:
    def show(evs):
        return "\n".join(f"  {fmt_time(e['whole'][0])}..{fmt_time(e['whole'][1])} "
                         f"[{fmt_time(e['part'][0])}..{fmt_time(e['part'][1])}] "
                         + ", ".join(f"{k}: {v!r}" for k, v in sorted(e["controls"].items()))
                         for e in evs)
    msg = f"\ngot:\n{show(got)}\nwant (Tidal):\n{show(want)}"
    assert len(got) == len(want), msg
    for g, w in zip(got, want):
        assert g["whole"] == w["whole"] and g["part"] == w["part"], msg
        assert sorted(g["controls"]) == sorted(w["controls"]), msg
        for k in w["controls"]:
            assert _same_value(g["controls"][k], w["controls"][k], approx), msg


@pytest.mark.parametrize("case,spelling", _params())
def test_golden_queryarc(case: Case, spelling: str):
    evs = phonon.events(_source(case, spelling), case.window[0], case.window[1], fragments=case.fragments)
    assert {e.output for e in evs} <= {"out1"}
    got = _norm_json(json.loads(to_json(evs), parse_float=F))
    _assert_events(got, case.expected, case.approx)


def test_goldens_are_many_and_cited():
    assert len(CASES) >= 30
    assert len({c.id for c in CASES}) == len(CASES)
    assert all(c.src and c.tidal.startswith("d1 $ ") for c in CASES)


def test_tidal_rand_transcription():
    """The values Tidal's own test suite gives (test/Sound/Tidal/UITest.hs, v1.9.5, "rand"):
    queryArc rand (Arc 0.25 0.25) = 0.6295689214020967, (Arc 0.75 0.75) = 0.20052618719637394."""
    assert tidal_rand(F(0)) == 0
    assert tidal_rand(F(1, 4)) == 0.6295689214020967
    assert tidal_rand(F(3, 4)) == 0.20052618719637394


# --------------------------------------------------------------------------------------------
# what is printed is what is rendered
# --------------------------------------------------------------------------------------------

# transforms the compiler pushes into voice patterns (fast on a synth, jux on a signal chain,
# every on a sample chain with an effect), percussion at a constant pitch, a bus as a sample
PUSHED = ('d1 $ fast 2 $ superkick "60 ~ 65"\nd2 $ jux rev $ supersaw "55 110" # lpf 800\n'
          'd3 $ every 2 (fast 2) $ s "bd sn" # lpf 2000\nd4 $ supersnare 200\n'
          '~k: superkick 50\nd5 $ s "~k*2 hh" # gain 0.9\n')


@pytest.mark.parametrize("name", ["house", "stress_branches", "stress_synth", "stress_extreme", "pushed"])
def test_events_are_the_engines_voice_triggers(name):
    """For every voice node of the shared patches (and of PUSHED), the events' onsets and
    control maps equal what the engine's voice node gathers to start its voices
    (PatternInput records)."""
    from phonon.compiler import compile_source
    from phonon.engine import Graph
    from phonon.events import sources, spec_events
    from conftest import PATCHES
    spec = compile_source(PUSHED if name == "pushed" else (PATCHES / f"{name}.ph").read_text())
    cycles = 1 if name == "stress_extreme" else 4
    g = Graph(spec)
    want = []
    for out_name, srcs in sources(spec):
        for src in srcs:
            pi = g._nodes[src.node]._pattern()
            assert pi is not None
            for r in pi._event_records(0, g.ctx.sample_of(F(cycles))):
                v = r[2] if isinstance(r[2], dict) else ({"s": src.kind, "freq": r[2]} if src.synth
                                                         else {"s": r[2]})
                want.append((out_name, r[3], r[4], sorted(v.items())))
    synth_params = {k for _, srcs in sources(spec) for src in srcs for k, _ in src.extras}
    # a synth's other parameters (detune, voices, ...) are sampled at each note's onset by the
    # node itself (SynthNode._param_at), not carried in its trigger records: compare s and freq
    got = [(e.output, e.whole[0], e.whole[1],
            sorted((k, v) for k, v in e.controls.items() if k not in synth_params))
           for e in spec_events(spec, 0, cycles)]
    key = lambda x: (x[0], x[1], x[2], repr(x[3]))  # noqa: E731
    assert len(got) == len(want) > 0
    assert sorted(got, key=key) == sorted(want, key=key)


def test_printed_onsets_are_heard_at_those_times():
    """Render the patch and find its onsets in the audio: they sit at the events' whole
    begins (cycles / cps seconds), to the sample."""
    from conftest import render_src
    import numpy as np
    src = 'cps: 0.5\nd1 $ s "rim(3,8,2)" # release 0.02\n'
    evs = phonon.events(src, 0, 1)
    assert [e.whole[0] for e in evs] == [F(1, 8), F(1, 2), F(3, 4)]
    x = render_src(src, cycles=1)
    loud = np.max(np.abs(x), axis=0) > 1e-4
    idx = np.flatnonzero(loud)
    starts = [int(idx[0])] + [int(b) for a, b in zip(idx[:-1], idx[1:]) if b - a > 200]
    expected = [int(np.ceil(e.whole[0] / F(1, 2) * 44100)) for e in evs]
    assert starts == expected


# --------------------------------------------------------------------------------------------
# text and JSON forms
# --------------------------------------------------------------------------------------------

def test_values_stay_exact():
    assert show_value(F(4, 5)) == "0.8" and show_value(F(-1, 8)) == "-0.125"
    assert show_value(F(1, 3)) == "1/3" and show_value(F(7)) == "7" and show_value(3) == "3"
    assert show_value(0.1 + 0.2) == "0.30000000000000004" and show_value("bd") == '"bd"'
    assert show_value(F(1, 2 ** 90)) == f"1/{2 ** 90}"  # too long as a decimal
    assert fmt_time(F(5, 4)) == "5/4" and fmt_time(F(-1, 2)) == "-1/2" and fmt_time(F(3)) == "3"
    ev = Event("out1", (F(0), F(1)), (F(0), F(1)), {"gain": F(4, 5), "x": F(1, 3), "speed": 0.1 + 0.2})
    assert to_json([ev]) == ('[\n {"output": "out1", "whole": ["0", "1"], "part": ["0", "1"], '
                             '"controls": {"gain": 0.8, "speed": 0.30000000000000004, "x": "1/3"}}\n]')
    assert json.loads(to_json([ev]), parse_float=F)[0]["controls"]["gain"] == F(4, 5)
    import numpy as np  # numpy scalars print as numbers, never as np.float64(...)
    assert show_value(np.float64(0.5)) == "0.5" and show_value(np.int64(3)) == "3"
    assert '"c": "nan"' in to_json([Event("o", (F(0), F(1)), (F(0), F(1)), {"c": float("nan")})])


def test_show_notation_is_tidals():
    """Show.hs showEvent: h ++ "(" ++ part ++ ")" ++ t ++ "|" with h = "ws-" when the whole
    starts earlier and t = "-we" when it ends later; ~part~ for an analog event."""
    assert Event("o", (F(0), F(1, 4)), (F(0), F(1, 4)), {"s": "bd"}).show() == '(0>1/4)|s: "bd"'
    assert Event("o", (F(0), F(2)), (F(0), F(1)), {"s": "bd"}).show() == '(0>1)-2|s: "bd"'
    assert Event("o", (F(0), F(2)), (F(1), F(2)), {"s": "bd"}).show() == '0-(1>2)|s: "bd"'
    assert Event("o", None, (F(0), F(1)), {"pan": 0.5}).show() == "~0>1~|pan: 0.5"
    assert Event("o", (F(0), F(1)), (F(0), F(1)), {"s": "a", "n": 1, "gain": F(1, 2)}).show() == \
        '(0>1)|gain: 0.5, n: 1, s: "a"'  # a ValueMap shows in key order


def test_library_api_window_and_output():
    src = 'd1 $ s "bd sn"\nd2 $ s "hh*4"\n~lfo: sine 2\nout: ~lfo * 0.1\n'
    assert [e.controls["s"] for e in phonon.events(src, "1/2", 1, output="d2")] == ["hh", "hh"]
    assert {e.output for e in phonon.events(src, 0, 1)} == {"out1", "out2"}
    assert [e.output for e in phonon.events(src, 0, 1, output="out")] == []
    with pytest.raises(phonon.errors.PhononError, match="empty window"):
        phonon.events(src, 2, 1)
    with pytest.raises(phonon.errors.PhononError, match="did you mean 'd1' or 'd2'"):
        phonon.events(src, 0, 1, output="d3")
    with pytest.raises(phonon.errors.PhononError, match="at most 10000 cycles"):
        phonon.events(src, 0, 10 ** 6)
    # no orbit control: every event goes to orbit 0 (SuperDirt's default)
    assert len(phonon.events(src, 0, 1, orbit=0)) == 6 and phonon.events(src, 0, 1, orbit=1) == []


def test_event_count_is_bounded(monkeypatch):
    import phonon.events as ev_mod
    monkeypatch.setattr(ev_mod, "MAX_EVENTS", 100)
    assert len(phonon.events('d1 $ s "bd*50"', 0, 2)) == 100
    with pytest.raises(phonon.errors.PhononError, match="more than 100 events in 0..3"):
        phonon.events('d1 $ s "bd*50"', 0, 3)


def test_orbit_filter(tmp_path, capsys):
    src = 'd1 $ s "bd sn hh cp" # orbit "0 1"'
    assert [e.controls["s"] for e in phonon.events(src, 0, 1, orbit=1)] == ["hh", "cp"]


# --------------------------------------------------------------------------------------------
# the command
# --------------------------------------------------------------------------------------------

def _run(args, capsys):
    from phonon.cli import main
    rc = main(args)
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_cli_text_per_output(tmp_path, capsys):
    p = tmp_path / "p.ph"
    p.write_text('d1 $ s "bd*2 [sn cp]" # gain 0.8\nd2: superkick "60 ~"\n~lfo: sine 2\nout: ~lfo * 0.1\n')
    rc, out, err = _run(["events", str(p)], capsys)
    assert rc == 0 and err == ""
    assert out == ("out: no events (a signal: no sample or synth voices)\n"
                   "out1: 4 events in 0>1\n"
                   '    (0>1/4)|gain: 0.8, s: "bd"\n'
                   '  (1/4>1/2)|gain: 0.8, s: "bd"\n'
                   '  (1/2>3/4)|gain: 0.8, s: "sn"\n'
                   '    (3/4>1)|gain: 0.8, s: "cp"\n'
                   "out2: 1 event in 0>1\n"
                   '  (0>1/2)|freq: 60, s: "superkick"\n')


def test_cli_windows_and_json(tmp_path, capsys):
    p = tmp_path / "p.ph"
    p.write_text('d1 $ s "<bd sn>/2"\n')
    rc, out, _ = _run(["events", str(p), "--from", "1", "--to", "4", "--json"], capsys)
    assert rc == 0
    assert json.loads(out) == [
        {"output": "out1", "whole": ["2", "4"], "part": ["2", "3"], "controls": {"s": "sn"}}]
    rc, out, _ = _run(["events", str(p), "--from", "1", "--to", "4", "--all"], capsys)
    assert out.splitlines() == ["out1: 3 haps in 1>4", '  0-(1>2)|s: "bd"', '  (2>3)-4|s: "sn"',
                                '  2-(3>4)|s: "sn"']
    rc, out, _ = _run(["events", str(p), "--cycles", "2", "--output", "d1", "--json"], capsys)
    assert [e["whole"] for e in json.loads(out)] == [["0", "2"]]
    rc, out, _ = _run(["events", str(p), "--from", "1/2"], capsys)  # one cycle from --from
    assert out.splitlines() == ["out1: 0 events in 1/2>3/2 (its voices play nothing in this window)"]


@pytest.mark.parametrize("args,message", [
    (["--from", "2", "--to", "1"], "empty window: --to 1 is not after --from 2"),
    (["--cycles", "0"], "empty window"),
    (["--from", "x"], "--from: expected a number of cycles"),
    (["--cycles", "2", "--from", "1"], "give either it or --from/--to"),
    (["--output", "d3"], "no output 'd3' — did you mean 'd1' or 'd2'?"),
    (["--output", "bass"], "the patch's outputs: out1 (d1), out2 (d2)"),
])
def test_cli_bad_options_exit_1(tmp_path, capsys, args, message):
    p = tmp_path / "p.ph"
    p.write_text('d1 $ s "bd"\nd2 $ s "sn"\n')
    rc, out, err = _run(["events", str(p), *args], capsys)
    assert rc == 1 and out == "" and message in err and "Traceback" not in err


def test_cli_patch_errors_are_located(tmp_path):
    p = tmp_path / "bad.ph"
    p.write_text('d1 $ s "bd*2" # gian 0.8\n')
    r = subprocess.run([sys.executable, "-m", "phonon.cli", "events", str(p)], capture_output=True,
                       text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 1 and r.stdout == "" and "Traceback" not in r.stderr
    assert f"{p}:1:17: unknown control 'gian'" in r.stderr and "did you mean 'gain'" in r.stderr
    assert "\n    d1 $ s \"bd*2\" # gian 0.8\n" + " " * 20 + "^^^^" in r.stderr
    (tmp_path / "mini.ph").write_text('d1 $ s "bd [sn"\n')
    r = subprocess.run([sys.executable, "-m", "phonon.cli", "events", str(tmp_path / "mini.ph")],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 1 and ":1:" in r.stderr and "^" in r.stderr and "Traceback" not in r.stderr
    r = subprocess.run([sys.executable, "-m", "phonon.cli", "events", str(tmp_path / "none.ph")],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 1 and "patch file not found" in r.stderr


def test_readme_events_example_is_real(tmp_path, capsys):
    """The README's `phonon events` example: its patch, text output and JSON output."""
    import re
    text = (ROOT / "README.md").read_text()
    section = text[text.index("### What a patch plays: `phonon events`"):]
    blocks = re.findall(r"```text\n(.*?)```", section, re.S)
    patch, shown, shown_json = blocks[:3]
    p = tmp_path / "groove.ph"
    p.write_text(patch)
    rc, out, _ = _run(["events", str(p)], capsys)
    assert rc == 0 and out == shown
    rc, out, _ = _run(["events", str(p), "--from", "1", "--to", "2", "--output", "d1", "--json"], capsys)
    assert rc == 0 and out == shown_json
    first = phonon.events('d1 $ s "bd*2 sn" # n "<0 2>"', 0, 2)[0]
    assert str(first) == '(0>1/4)|n: 0, s: "bd"'


def test_window_times_are_exact_and_bounded():
    from phonon.events import parse_time
    assert parse_time("0.25") == F(1, 4) and parse_time("-1/2") == F(-1, 2) and parse_time(0.1) == F(1, 10)
    assert parse_time("1.5") == F(3, 2) and parse_time(" 3 ") == 3 and parse_time("-0.5") == F(-1, 2)
    for bad in ("1e-99999999", "1/0", "inf", "", "x", "1" * 31, True, None):
        with pytest.raises(phonon.errors.PhononError, match="expected a number of cycles"):
            parse_time(bad)


def test_a_bus_played_as_a_sample_is_one_event():
    """`s "~kick*2"` plays the bus rendered into a sample: the bus's own synth hits are not
    events of this output's timeline (Graph._prerender)."""
    evs = phonon.events('~kick: superkick 60\nd1 $ s "~kick*2 hh"\n', 0, 1)
    assert [(e.whole[0], e.controls) for e in evs] == [
        (0, {"s": "~kick"}), (F(1, 4), {"s": "~kick"}), (F(1, 2), {"s": "hh"})]


def test_cli_reads_stdin():
    r = subprocess.run([sys.executable, "-m", "phonon.cli", "events", "-", "--json"], input='d1 $ s "bd sn"\n',
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0
    assert [e["controls"]["s"] for e in json.loads(r.stdout)] == ["bd", "sn"]
