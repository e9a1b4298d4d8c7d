"""Golden events of the list-of-functions / list-argument vocabulary (layer, pickF, id, squeeze,
select, chooseBy) through the DSL, against Tidal 1.9.5's definitions (UI.hs), worked by hand."""
from fractions import Fraction as F

import pytest

from test_events import Case, E, _assert_events, _norm_json, seq, tidal_rand

import json

import phonon
from phonon.events import to_json

def _wrandcat_expected(cycles):
    # wchooseBy (segment 1 rand): r = timeToRand (c + 1/2); cweights [1, 1.5], total 1.5
    out = []
    for c in range(cycles):
        r = tidal_rand(F(c) + F(1, 2))
        out += seq(["bd"] * 2, c, c + 1) if 1 > r * 1.5 else seq(["hh"] * 4, c, c + 1)
    return out


def _wchoose_expected(cycles):
    # segment 4 $ wchoose: rand over each quarter, value at its midpoint
    out = []
    for k in range(4 * cycles):
        r = tidal_rand((F(k) + F(1, 2)) / 4)
        out.append(E(F(k, 4), F(k + 1, 4), s="bd" if 1 > r * 1.5 else "sn"))
    return out


def _smoother(x):
    return 6.0 * x ** 5 - 15.0 * x ** 4 + 10.0 * x ** 3


def _perlin_expected():
    # perlin = perlinWith (sig fromRational); # takes the value over each event's whole: its midpoint
    out = []
    for k in range(4):
        x = (k + 0.5) / 4
        a, b = tidal_rand(F(0)), tidal_rand(F(1))
        out.append(E(F(k, 4), F(k + 1, 4), s="hh", speed=a + _smoother(x) * (b - a) + 0.5))
    return out


def _ifp_doc_expected():
    # UI.hs 678-681 (v1.9.5): cycle 0 passes ((== 0) . flip mod 2): _striate 4 = fastcat of
    # p # begin (i/4) # end ((i+1)/4); cycle 1 fails: p # coarse "24 48"
    out = []
    for i in range(4):
        b = F(i, 4)
        out += [E(b, b + F(1, 8), s="hh", begin=F(i, 4), end=F(i + 1, 4)),
                E(b + F(1, 8), b + F(1, 4), s="hc", begin=F(i, 4), end=F(i + 1, 4))]
    return out + [E(1, F(3, 2), s="hh", coarse=24), E(F(3, 2), 2, s="hc", coarse=48)]


def _whent_doc_expected():
    # Core.hs 625-628's doc example: hh(4,8) = x.x.x.x. over the first half, hc(3,8) = x..x..x.
    # over the second; speed 2 where (onset mod' 2) < 0.5: cycle 0's hh only
    out = []
    for c in range(2):
        out += [E(c + F(k, 8), c + F(k, 8) + F(1, 16), s="hh", **({"speed": 2} if c == 0 else {}))
                for k in range(4)]
        out += [E(c + F(1, 2) + F(k, 16), c + F(1, 2) + F(k + 1, 16), s="hc") for k in (0, 3, 6)]
    return out


def _per_cycle(n, fn):
    out = []
    for c in range(n):
        out += fn(c)
    return out


def _jux_width(mid):
    # range 0.25 0.75 $ slow 4 sine, sampled over an event whose whole has midpoint `mid`
    import math
    return 0.25 + 0.5 * (0.5 + 0.5 * math.sin(2 * math.pi * float(mid) / 4))


def _fix_fast_expected():
    # fix (fast 2) (n 1): matched = the n 1 events (1/2, 1) of each cycle; fast 2 of that
    out = []
    for c in range(2):
        out.append(E(c, c + F(1, 2), n=0, s="drum"))
        out += [E(c + F(1, 4), c + F(1, 2), n=1, s="drum"), E(c + F(3, 4), c + 1, n=1, s="drum")]
    return out


def _timecat_expected():
    # Core.hs timeCat: total 5/2, shares 2/5, 2/5, 1/5 by compressArc
    out = []
    for c in range(2):
        out += seq(["bd"] * 4, c, c + F(2, 5)) + seq(["hh"] * 8, c + F(2, 5), c + F(4, 5))
        out += seq(["sn"], c + F(4, 5), c + 1)
    return out


CASES = [
    Case("fix_doc", 'd1 $ fix (# crush 4) (n 1) $ n "0 1 [1 2]" # s "drum"',
         [E(0, F(1, 3), n=0, s="drum"), E(F(1, 3), F(2, 3), n=1, s="drum", crush=4),
          E(F(2, 3), F(5, 6), n=1, s="drum", crush=4), E(F(5, 6), 1, n=2, s="drum")],
         "UI.hs 2686 fix f = contrast f id, its doc's (# crush 4) (n 1)"),
    Case("fix_fast", 'd1 $ fix (fast 2) (n 1) $ n "0 1" # s "drum"', _fix_fast_expected(),
         "fix applies f to the pattern of matched events (matchManyToOne, filterJust)", window=(0, 2)),
    Case("fix_sound_with_index", 'd1 $ fix (# speed 2) (s "hh") $ s "bd hh:3 hh"',
         [E(0, F(1, 3), s="bd"), E(F(1, 3), F(2, 3), s="hh", n=3, speed=2),
          E(F(2, 3), 1, s="hh", speed=2)], "isSubmapOf: {s: hh} is inside {s: hh, n: 3}"),
    Case("unfix", 'd1 $ unfix (# speed 2) (s "bd") $ s "bd hh"',
         [E(0, F(1, 2), s="bd"), E(F(1, 2), 1, s="hh", speed=2)], "UI.hs unfix = contrast id"),
    Case("contrast_doc", 'd1 $ contrast (|+ n 12) (|- n 12) (s "<superpiano superchip>") $ '
         's "superpiano superchip" # n 0',
         [E(0, F(1, 2), s="superpiano", n=12), E(F(1, 2), 1, s="superchip", n=-12),
          E(1, F(3, 2), s="superpiano", n=-12), E(F(3, 2), 2, s="superchip", n=12)],
         "UI.hs contrast's doc example: the test pattern alternates per cycle", window=(0, 2)),
    Case("contrast_two_controls", 'd1 $ contrast (# speed 2) (# speed 3) (s "a" # n 1) $ '
         's "a:1 a:2 b:1"',
         [E(0, F(1, 3), s="a", n=1, speed=2), E(F(1, 3), F(2, 3), s="a", n=2, speed=3),
          E(F(2, 3), 1, s="b", n=1, speed=3)], "every control of the map must match"),
    Case("const_every", 'd1 $ every 2 (const $ s "cp*2") $ s "bd"',
         seq(["cp", "cp"], 0, 1) + seq(["bd"], 1, 2),
         "const a _ = a; every 2 applies on cycle 0 (when ((== 0) . (`mod` 2)))", window=(0, 2)),
    Case("const_paren_arg", 'd1 $ whenmod 4 2 (const (s "cp*3")) $ s "bd"',
         seq(["bd"], 0, 1) + seq(["bd"], 1, 2) + seq(["cp"] * 3, 2, 3) + seq(["cp"] * 3, 3, 4),
         "whenmod 4 2: cycles 2 and 3", window=(0, 4)),
    Case("dollar_fills_argument", 'd1 $ (every 2 $ fast 2) $ s "bd sn"',
         seq(["bd", "sn", "bd", "sn"], 0, 1) + seq(["bd", "sn"], 1, 2),
         "(every 2 $ fast 2) is every 2 (fast 2)", window=(0, 2)),
    Case("silence_cat", 'd1 $ cat [s "bd*2", silence]', seq(["bd", "bd"], 0, 1),
         "Pattern.hs silence: no events", window=(0, 2)),
    Case("silence_output", 'd1 $ s "bd*2"\nd1 $ silence\nd2 $ s "hh"', seq(["hh"], 0, 1),
         "the last definition of d1 plays: silence"),
    Case("fix_const_silence", 'd1 $ fix (const silence) (s "hh") $ s "bd hh"', seq(["bd", "~"], 0, 1),
         "fix with const silence removes the matching events"),
    Case("foldEvery", 'd1 $ foldEvery [3, 5] (fast 2) $ s "bd sn"',
         # cycle 0: every 3 applies: fast 2 of (every 5 (fast 2) p), which is fast on its
         # cycle 0 and plain on 1; cycle 1: neither; cycle 3: every 3 over cycles 6, 7
         seq(["bd", "sn"] * 2, 0, F(1, 2)) + seq(["bd", "sn"], F(1, 2), 1) + seq(["bd", "sn"], 1, 2)
         + seq(["bd", "sn"], 2, 3) + seq(["bd", "sn", "bd", "sn"], 3, 4),
         "Core.hs 651 foldEvery ns f p = foldr (`_every` f) p ns", window=(0, 4)),
    Case("weave", 'd1 $ weave 4 (pan saw) [s "bd sn", s "hh*4"]',
         # slow 4 saw, sampled over each event's whole (its midpoint); the second pattern reads
         # it half a sweep (2 cycles) along
         [E(0, F(1, 2), s="bd", pan=F(1, 16)), E(F(1, 2), 1, s="sn", pan=F(3, 16))]
         + [E(F(k, 4), F(k + 1, 4), s="hh", pan=(2 + F(2 * k + 1, 8)) / 4) for k in range(4)],
         "Control.hs 225 weave t p ps = weaveWith t p (map (#) ps)", approx=True),
    Case("sound_dollar", 'd1 $ sound $ every 2 rev "bd sn"', seq(["sn", "bd"], 0, 1) + seq(["bd", "sn"], 1, 2),
         "sound $ x is sound x (Haskell's $)", window=(0, 2)),
    Case("n_dollar_arith", 'd1 $ n $ "0 2" + "<0 12>"',
         [E(0, F(1, 2), n=0), E(F(1, 2), 1, n=2), E(1, F(3, 2), n=12), E(F(3, 2), 2, n=14)],
         "n $ (a + b)", window=(0, 2)),
    Case("bare_chord", 'd1 $ n "\'maj" # s "superpiano"',
         [E(0, 1, n=k, s="superpiano") for k in (0, 4, 7)],
         "ParseBP.hs: pChord (TPat_Atom Nothing 0), a chord without a root is rooted at 0"),
    Case("fast_negative", 'd1 $ fast (-2) $ s "bd sn"', seq(["sn", "bd", "sn", "bd"], 0, 1),
         "Core.hs _fast: rate < 0 = rev $ _fast (negate rate) pat"),
    Case("wchoose_in_n", 'd1 $ s "drum*2" # n (wchoose [(0, 1), (7, 1)])',
         [E(0, F(1, 2), s="drum", n=0 if tidal_rand(F(1, 4)) * 2 < 1 else 7),
          E(F(1, 2), 1, s="drum", n=0 if tidal_rand(F(3, 4)) * 2 < 1 else 7)],
         "wchoose (rand at each event's midpoint) as n's value (was an internal error)"),
    Case("juxby_continuous", 'd1 $ juxBy (range 0.25 0.75 $ slow 4 sine) rev $ s "bd sn"',
         [E(0, F(1, 2), s="bd", pan=0.5 - _jux_width(F(1, 4)) / 2),
          E(F(1, 2), 1, s="sn", pan=0.5 - _jux_width(F(3, 4)) / 2),
          E(0, F(1, 2), s="sn", pan=0.5 + _jux_width(F(3, 4)) / 2),
          E(F(1, 2), 1, s="bd", pan=0.5 + _jux_width(F(1, 4)) / 2)],
         "UI.hs juxBy: |- pan (n/2) samples n at each event, before f", approx=True),
    Case("overlay_semigroup", 'd1 $ sound ("bd sn:2" <> "cp*3")',
         seq(["bd"], 0, F(1, 2)) + [E(F(1, 2), 1, s="sn", n=2)] + seq(["cp"] * 3, 0, 1),
         "Pattern.hs instance Semigroup: (<>) = overlay (the userbase stack page)"),
    Case("fmap_section", 'd1 $ n (fmap (*7) $ run 4) # s "x"',
         [E(F(k, 4), F(k + 1, 4), n=7 * k, s="x") for k in range(4)], "Functor fmap over run 4"),
    Case("fmap_operator", 'd1 $ n ((+ 12) <$> "0 2") # s "x"',
         [E(0, F(1, 2), n=12, s="x"), E(F(1, 2), 1, n=14, s="x")], "f <$> p = fmap f p"),
    Case("rotL", 'd1 $ rotL 0.25 $ s "bd sn hh cp"', seq(["sn", "hh", "cp", "bd"], 0, 1),
         "Pattern.hs rotL t p = shifted earlier by t"),
    Case("loopFirst", 'd1 $ loopFirst $ s "<bd sn> hh"', seq(["bd", "hh"], 0, 1) + seq(["bd", "hh"], 1, 2),
         "Core.hs loopFirst: cycle 0 every cycle", window=(0, 2)),
    Case("timeLoop", 'd1 $ timeLoop 2 $ s "<bd sn cp>"',
         seq(["bd"], 0, 1) + seq(["sn"], 1, 2) + seq(["bd"], 2, 3) + seq(["sn"], 3, 4),
         "UI.hs timeLoop n = outside n loopFirst", window=(0, 4)),
    Case("samples", 'd1 $ s (samples "drum*2 hh" "<0 1> 2")',
         [E(0, F(1, 4), s="drum", n=0), E(F(1, 4), F(1, 2), s="drum", n=0), E(F(1, 2), 1, s="hh", n=2),
          E(1, F(5, 4), s="drum", n=1), E(F(5, 4), F(3, 2), s="drum", n=1), E(F(3, 2), 2, s="hh", n=2)],
         "UI.hs samples name num = pick <$> name <*> num", window=(0, 2)),
    Case("hash_group", 'd1 $ s "bd*2" # (speed 2 # crush "4 8")',
         [E(0, F(1, 2), s="bd", speed=2, crush=4), E(F(1, 2), 1, s="bd", speed=2, crush=8)],
         "a # (b # c): # with a control pattern of its own"),
    Case("hash_group_section", 'd1 $ every 2 (# (room 0.8 # sz 0.99)) $ s "bd"',
         [E(0, 1, s="bd", room=F(4, 5), size=F(99, 100)), E(1, 2, s="bd")],
         "(# (room 0.8 # sz 0.99)) = \\p -> p # (room 0.8 # sz 0.99)", window=(0, 2)),
    Case("ur_fx", 'd1 $ ur 4 "a b:faster" [("a", s "bd*2"), ("b", s "sn")] [("faster", fast 2)]',
         # outer in 4-cycle time: a over cycles 0-2 (bd*2 at its own time), b over 2-4 with
         # transform' = rotR 1/2 $ inside 2 (fast 2): fast 2 of (fast 4 sn), shifted
         seq(["bd", "bd"], 0, 1) + seq(["bd", "bd"], 1, 2) + seq(["sn", "sn"], 2, 3) + seq(["sn", "sn"], 3, 4),
         "UI.hs ur: _slow t $ unwrap $ adjust <$> timedValues ...", window=(0, 4)),
    Case("ur_let_in", 'let pats = [("a", s "bd*2"), ("b", s "hh*3")]\nin\nd1 $ ur 2 "a b" pats []',
         seq(["bd", "bd"], 0, 1) + seq(["hh"] * 3, 1, 2), "the docs' Composition page form: let ... in",
         window=(0, 2)),
    Case("ur_unknown_name_is_silence", 'd1 $ ur 2 "a zz" [("a", s "bd")] []', seq(["bd"], 0, 1),
         "ur: match s = fromMaybe silence $ lookup s ps'", window=(0, 2)),
    Case("stack_dollar_list", 'd1 $ stack $ [s "bd*2", s "hh*3"]', seq(["bd"] * 2) + seq(["hh"] * 3),
         "stack $ [a, b] is stack [a, b]"),
    Case("bare_string_output", 'd1 $ every 2 rev $ "bd*2 sn"', [E(0, F(1, 2), s="sn"), E(F(1, 2), F(3, 4), s="bd"), E(F(3, 4), 1, s="bd")],
         "Simple.hs: instance IsString ControlPattern where fromString = s . parseBP_E"),
    Case("bare_string_chained", 'd1 $ "bd sn" # speed 2', seq(["bd", "sn"], speed=2), "IsString then #"),
    Case("hash_string", 'd1 $ n "0 2" # "superpiano"',
         [E(0, F(1, 2), n=0, s="superpiano"), E(F(1, 2), 1, n=2, s="superpiano")], "# \"x\" is # s \"x\""),
    Case("no_break_space", 'd1 $ s "bd\u00a0sn"\u00a0# speed 2', seq(["bd", "sn"], speed=2),
         "U+00A0 is white space (as to GHC)"),
    Case("inert_tidal_param", 'd1 $ s "bd*2" # midichan "0 1"',
         [E(0, F(1, 2), s="bd", midichan=0), E(F(1, 2), 1, s="bd", midichan=1)],
         "Params.hs midichan: kept in the events (no sound in Phonon), with a note"),
    Case("midinote", 'd1 $ midinote "60 67" # s "superpiano"',
         [E(0, F(1, 2), note=0, s="superpiano"), E(F(1, 2), 1, note=7, s="superpiano")],
         "Params.hs midinote = note . (subtract 60 <$>)"),
    Case("off_ratio_letter", 'd1 $ off "e" (|+ n 7) $ n "0" # s "x"',
         [E(0, 1, n=0, s="x"), E(F(1, 8), F(9, 8), F(1, 8), 1, n=7, s="x")],
         "ParseBP pRatioChar: e = 1/8 in a Pattern Time"),
    Case("old_union_op", 'd1 $ s "bd*2" |=| speed "1 2"', [E(0, F(1, 2), s="bd", speed=1), E(F(1, 2), 1, s="bd", speed=2)],
         "Tidal 0.x: # is an alias for |=|"),
    Case("old_unipolar_sine1", 'd1 $ s "bd" # pan sine1', [E(0, 1, s="bd", pan=0.5)],
         "Tidal 0.x sine1 (0..1) is today's sine; at the event's midpoint 1/2", approx=True),
    Case("family_op_control_not_node", 'd1 $ s "bd*2" # delay 0.25 |+| delay "0.5"',
         [E(0, F(1, 2), s="bd", delay=F(3, 4)), E(F(1, 2), 1, s="bd", delay=F(3, 4))],
         "|+| delay: Tidal's delay control (delay is also Phonon's node)", approx=True),
    Case("compose_with_call_parens", 'd1 $ every 2 ((fast 2).jux(rev)) $ s "bd"',
         [E(0, F(1, 2), s="bd", pan=0), E(0, F(1, 2), s="bd", pan=1), E(F(1, 2), 1, s="bd", pan=0),
          E(F(1, 2), 1, s="bd", pan=1)],
         "(fast 2).jux(rev) is Haskell's (fast 2) . (jux rev), not a Strudel method call"),
    Case("named_output", 'p "drums" $ s "bd*2"\np 2 $ s "hh"', seq(["bd", "bd"]) + seq(["hh"]),
         "Tidal's p \"name\" $ ... (and p 2 = d2)"),
    Case("fastSqueeze", 'd1 $ fastSqueeze "1 2" $ s "bd sn"',
         seq(["bd", "sn"], 0, F(1, 2)) + seq(["bd", "sn"], F(1, 2), F(3, 4)) + seq(["bd", "sn"], F(3, 4), 1),
         "Pattern.hs tParamSqueeze: squeezeJoin $ (`_fast` p) <$> factors"),
    Case("slowSqueeze", 'd1 $ slowSqueeze "1 2" $ s "bd sn hh cp"',
         seq(["bd", "sn", "hh", "cp"], 0, F(1, 2)) + seq(["bd", "sn"], F(1, 2), 1),
         "slowSqueeze: the cycle of slow 2 p squeezed into the second half"),
    Case("juxcut", 'd1 $ juxcut rev $ s "bd sn"',
         [E(0, F(1, 2), s="bd", pan=0, cut=-1), E(F(1, 2), 1, s="sn", pan=0, cut=-1),
          E(0, F(1, 2), s="sn", pan=1, cut=-2), E(F(1, 2), 1, s="bd", pan=1, cut=-2)],
         "UI.hs juxcut f p = stack [p # pan 0 # cut (-1), f $ p # pan 1 # cut (-2)]"),
    Case("smash", 'd1 $ smash 2 [1, 2] $ s "bd"',
         [E(0, F(1, 2), s="bd", begin=0, end=F(1, 2)), E(F(1, 2), 1, s="bd", begin=F(1, 2), end=1),
          E(1, 2, s="bd", begin=0, end=F(1, 2)), E(2, F(5, 2), s="bd", begin=0, end=F(1, 2)),
          E(F(5, 2), 3, s="bd", begin=F(1, 2), end=1)],
         "Control.hs smash n xs p = slowcat $ map (`slow` p') xs, p' = striate n p", window=(0, 3), approx=True),
    Case("old_scale_is_range", 'd1 $ s "bd" # gain (scale 0.5 1 $ "0 1")',
         [E(0, 1, 0, F(1, 2), s="bd", gain=F(1, 2))], "Tidal 0.x scale lo hi = today's range",
         window=(0, F(1, 2))),
    Case("numeric_sound_name", 'd1 $ "808*2" # speed 0.5', seq(["808", "808"], speed=F(1, 2)),
         "IsString: \"808\" is s \"808\" (a string) in a Tidal output"),
    Case("haskell_list_range", 'd1 $ n (fit 1 [0 .. 3] "0 1 2 3") # s "x"',
         [E(F(k, 4), F(k + 1, 4), n=k, s="x") for k in range(4)], "Haskell's [a .. b] list range"),
    Case("applicative_plus", 'd1 $ n ((+) <$> "0 2" <*> "<0 12>") # s "x"',
         [E(0, F(1, 2), n=0, s="x"), E(F(1, 2), 1, n=2, s="x"), E(1, F(3, 2), n=12, s="x"),
          E(F(3, 2), 2, n=14, s="x")], "(+) <$> a <*> b = liftA2 (+) a b (structure from both)",
         window=(0, 2)),
    Case("applicative_pick", 'd1 $ sound (pick <$> "kurt mouth" <*> slow 2 "0 1")',
         [E(0, F(1, 2), s="kurt", n=0), E(F(1, 2), 1, s="mouth", n=0), E(1, F(3, 2), s="kurt", n=1),
          E(F(3, 2), 2, s="mouth", n=1)], "UI.hs samples = pick <$> name <*> num", window=(0, 2)),
    Case("timecat", 'd1 $ timeCat [(1, s "bd*4"), (1, s "hh*8"), (1/2, s "sn")]', _timecat_expected(),
         "Core.hs 404 timeCat (compressArc by the running times)", window=(0, 2)),
    Case("timecat_zero_share", 'd1 $ timecat [(0, s "cp"), (1, s "bd"), (3, s "hh*3")]',
         [E(0, F(1, 4), s="bd")] + seq(["hh"] * 3, F(1, 4), 1),
         "a share of 0 is filtered out (t > 0)"),
    Case("ifp_doc", 'd1 $ ifp ((== 0).(flip mod 2)) (striate 4) (# coarse "24 48") $ sound "hh hc"',
         _ifp_doc_expected(), "UI.hs 678-681 ifp, its doc example", window=(0, 2)),
    Case("ifp_ge_mod", 'd1 $ ifp ((>= 2) . flip mod 4) (fast 2) id $ s "a"',
         _per_cycle(4, lambda c: seq(["a", "a"] if c % 4 >= 2 else ["a"], c, c + 1)),
         "ifp: test (floor start) on cycles 0..3: 0 1 fail, 2 3 pass", window=(0, 4)),
    Case("ifp_odd", 'd1 $ ifp odd (# speed 2) (# speed 3) $ s "a b"',
         seq(["a", "b"], 0, 1, speed=3) + seq(["a", "b"], 1, 2, speed=2), "Prelude odd", window=(0, 2)),
    Case("ifp_not_even", 'd1 $ ifp (not . even) (# speed 2) (# speed 3) $ s "a b"',
         seq(["a", "b"], 0, 1, speed=3) + seq(["a", "b"], 1, 2, speed=2), "not . even = odd",
         window=(0, 2)),
    Case("ifp_backtick_mod", 'd1 $ ifp ((/= 0) . (`mod` 3)) (# speed 2) id $ s "a"',
         seq(["a"], 0, 1) + seq(["a"], 1, 2, speed=2) + seq(["a"], 2, 3, speed=2) + seq(["a"], 3, 4),
         "(`mod` 3) n = n mod 3", window=(0, 4)),
    Case("ifp_left_section", 'd1 $ ifp (1 <) (fast 2) id $ s "a"',
         seq(["a"], 0, 1) + seq(["a"], 1, 2) + seq(["a", "a"], 2, 3),
         "(1 <) n = 1 < n", window=(0, 3)),
    Case("when_mod", 'd1 $ when ((== 3) . flip mod 4) (# speed 2) $ s "a"',
         seq(["a"], 0, 1) + seq(["a"], 1, 2) + seq(["a"], 2, 3) + seq(["a"], 3, 4, speed=2),
         "Core.hs 612-615 when: test (floor start) = 3 mod 4 == 3", window=(0, 4)),
    Case("somecycles", 'd1 $ somecycles (# speed 2) $ s "a"',
         _per_cycle(8, lambda c: seq(["a"], c, c + 1, **({"speed": 2} if tidal_rand(F(c)) < 0.5 else {}))),
         "UI.hs someCycles = someCyclesBy 0.5; _someCyclesBy x = when (\\c -> timeToRand c < x)",
         window=(0, 8)),
    Case("whenT_doc", "d1 $ whenT ((< 0.5) . (flip Data.Fixed.mod' 2)) (# speed 2) $ sound \"hh(4,8) hc(3,8)\"",
         _whent_doc_expected(), "Core.hs 625-628 whenT's doc example (tested at each onset)",
         window=(0, 2)),
    Case("whenT_gt", 'd1 $ whenT (> 0.5) (# speed 2) $ s "a*4"',
         seq(["a", "a", "a"], 0, F(3, 4)) + [E(F(3, 4), 1, s="a", speed=2)],
         "whenT (> 0.5): only the onset at 3/4 passes"),
    Case("whenT_structure", 'd1 $ whenT ((<= 0.25) . flip mod\' 1) (fast 2) $ s "a b"',
         _per_cycle(2, lambda c: [E(c, c + F(1, 4), s="a"), E(c + F(1, 4), c + F(1, 2), s="b"),
                                  E(c + F(1, 2), c + 1, s="b")]),
         "f p's events with onsets passing (0, 1/4), p's failing (1/2)", window=(0, 2)),

    Case("spread", 'd1 $ spread fast [1, 2] $ s "bd sn"', seq(["bd", "sn"]) + seq(["bd", "sn"] * 2, 1, 2),
         "UI.hs spread f xs p = slowcat $ map (`f` p) xs; slowcat plays pattern i's cycle c // n",
         window=(0, 2)),
    Case("fastspread", 'd1 $ fastspread ($) [rev, fast 2] $ s "bd sn"',
         seq(["sn", "bd"], 0, F(1, 2)) + seq(["bd", "sn"] * 2, F(1, 2), 1)
         + seq(["sn", "bd"], 1, F(3, 2)) + seq(["bd", "sn"] * 2, F(3, 2), 2),
         "UI.hs fastspread f xs p = fastcat $ map (`f` p) xs", window=(0, 2)),
    Case("spread_every", 'd1 $ slowspread (every 2) [rev, fast 2] $ s "bd sn"',
         seq(["sn", "bd"]) + seq(["bd", "sn"] * 2, 1, 2),
         "UI.hs slowspread = spread; each every-2 copy plays its own cycle 0 (slowcat)", window=(0, 2)),
    Case("perlin", 'd1 $ s "hh*4" # speed (perlin + 0.5)', _perlin_expected(),
         "UI.hs perlinWith p = interp (p-pa) (timeToRand pa) (timeToRand pb), smootherStep", approx=True),
    Case("envL", 'd1 $ s "hh*4" # gain envL',
         [E(F(k, 4), F(k + 1, 4), s="hh", gain=F(2 * k + 1, 8)) for k in range(4)]
         + [E(1 + F(k, 4), 1 + F(k + 1, 4), s="hh", gain=1) for k in range(4)],
         "Core.hs envL = sig $ \\t -> max 0 $ min (fromRational t) 1 (midpoint of each whole)", window=(0, 2)),
    Case("envR", 'd1 $ s "hh*2" # gain envR', [E(0, F(1, 2), s="hh", gain=F(3, 4)), E(F(1, 2), 1, s="hh", gain=F(1, 4))],
         "Core.hs envLR = (1-) <$> envL"),
    Case("envEq", 'd1 $ s "hh*2" # gain envEq',
         [E(0, F(1, 2), s="hh", gain=__import__("math").sqrt(__import__("math").sin(__import__("math").pi / 2 * 0.75))),
          E(F(1, 2), 1, s="hh", gain=__import__("math").sqrt(__import__("math").sin(__import__("math").pi / 2 * 0.25)))],
         "Core.hs envEq = sig $ \\t -> sqrt (sin (pi/2 * max 0 (min (1-t) 1)))", approx=True),
    Case("envEqR", 'd1 $ s "hh*2" # gain envEqR',
         [E(0, F(1, 2), s="hh", gain=__import__("math").sqrt(__import__("math").cos(__import__("math").pi / 2 * 0.75))),
          E(F(1, 2), 1, s="hh", gain=__import__("math").sqrt(__import__("math").cos(__import__("math").pi / 2 * 0.25)))],
         "Core.hs envEqR = sig $ \\t -> sqrt (cos (pi/2 * max 0 (min (1-t) 1)))", approx=True),
    Case("wrandcat", 'd1 $ wrandcat [(s "bd*2", 1), (s "hh*4", 0.5)]', _wrandcat_expected(8),
         "UI.hs wrandcat ps = unwrap $ wchooseBy (segment 1 rand) ps", window=(0, 8)),
    Case("wchoose", 'd1 $ s (segment 4 $ wchoose [("bd", 1), ("sn", 0.5)])', _wchoose_expected(4),
         "UI.hs wchoose = wchooseBy rand; match r = values !! head (findIndices (> r*total) cweights)",
         window=(0, 4)),
    Case("wchooseBy", 'd1 $ s (wchooseBy "0 0.3 0.9" [("a", 1), ("b", 2)])', seq(["a", "a", "b"]),
         "UI.hs wchooseBy: 0*3 < 1 -> a, 0.9 < 1 -> a, 2.7 >= 1 and < 3 -> b"),
    Case("layer", 'd1 $ layer [id, (# speed 2)] $ s "bd sn"',
         sorted(seq(["bd", "sn"]) + seq(["bd", "sn"], speed=2), key=lambda e: (e["part"], len(e["controls"]))),
         "UI.hs layer fs p = stack $ map ($ p) fs"),
    Case("pickF", 'd1 $ pickF "<0 1>" [fast 2, rev] $ s "bd hh"',
         seq(["bd", "hh", "bd", "hh"]) + seq(["hh", "bd"], 1, 2),
         "UI.hs pickF pInt fs pat = innerJoin $ (\\i -> (fs !!! i) pat) <$> pInt", window=(0, 2)),
    Case("squeeze", 'd1 $ squeeze "<0 1> 1" [s "bd*2", s "cp*3"]',
         seq(["bd", "bd"], 0, F(1, 2)) + seq(["cp"] * 3, F(1, 2), 1) + seq(["cp"] * 3, 1, F(3, 2))
         + seq(["cp"] * 3, F(3, 2), 2),
         "UI.hs squeeze ipat ps = squeezeJoin $ (ps !!!) <$> ipat", window=(0, 2)),
    Case("select", 'd1 $ select "<0 0.5 1>" [s "bd*2", s "cp*3", s "hh*4"]',
         seq(["bd", "bd"]) + seq(["cp"] * 3, 1, 2) + seq(["hh"] * 4, 2, 3),
         "UI.hs _select f ps = ps !! floor (clamp 0 1 f * (length ps - 1)): 0 -> 0, 0.5 -> 1, 1 -> 2",
         window=(0, 3)),
    Case("chooseBy", 'd1 $ s (chooseBy "0 0.25 0.5" ["a", "b", "c", "d"])', seq(["a", "b", "c"]),
         "UI.hs chooseBy f xs = (xs !!!) . floor <$> range 0 (length xs) f (its doc example)"),
]


def _sort(evs):
    return sorted(evs, key=lambda e: (e["part"], sorted(e["controls"].items(), key=repr)))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_vocab_golden(case):
    evs = phonon.events(case.tidal, case.window[0], case.window[1])
    got = _sort(_norm_json(json.loads(to_json(evs), parse_float=F)))
    _assert_events(got, _sort(case.expected), case.approx)


def test_new_names_in_did_you_mean():
    from phonon.registry import all_names
    assert {"layer", "pickF", "id", "squeeze", "select", "chooseBy", "wchoose", "wchooseBy", "wrandcat", "spread", "fastspread", "slowspread", "perlin", "envL", "envR", "envLR", "envEq", "envEqR"} <= set(all_names())
    with pytest.raises(phonon.errors.PhononError if hasattr(phonon, "errors") else Exception, match="squeeze"):
        phonon.events('d1 $ squeez "0" [s "bd"]', 0, 1)


def test_did_you_mean_ranks_long_names_over_short_fragments():
    """issue 11: a name like `whenmod` (were it missing) suggests a transform, not `end`."""
    from phonon.errors import did_you_mean
    from phonon.registry import all_names
    near = did_you_mean("whenmod", [n for n in all_names() if n != "whenmod"])
    assert near and "end" not in near and "mod" not in near
    assert all(phonon.registry.lookup(n).category == "transform" for n in near), near
    assert did_you_mean("lp", all_names())[0] == "lpf" and did_you_mean("fsat", all_names())[0] == "fast"


def test_jux4_says_why_it_is_not_there():
    with pytest.raises(phonon.errors.PhononError, match="four speakers"):
        phonon.events('d1 $ jux4 rev $ s "a b"', 0, 1)


def test_wchoose_bad_pairs_are_clear_errors():
    with pytest.raises(Exception, match="weight must be a number"):
        phonon.events('d1 $ s (wchoose [("bd", "x")])', 0, 1)
    with pytest.raises(Exception, match="pairs"):
        phonon.events('d1 $ s (wchoose ["bd", "sn"])', 0, 1)


def test_spread_needs_a_partial_transform():
    with pytest.raises(Exception, match="missing its last argument"):
        phonon.events('d1 $ spread (fast 2) [1, 2] $ s "bd"', 0, 1)


@pytest.mark.parametrize("src,where,msg", [
    ('d1 $ fix (# speed 2) "1" $ s "a"', "1:22", "takes the controls to match"),
    ('out: s "a" $ fix (# speed 2)', "1:14", "missing argument 'controls'"),
    ('d1 $ timeCat [(s "bd", 1)] ', "1:16", "a time must be a number"),
    ('d1 $ ur 2 "a" [(1, s "bd")] []', "1:16", r"with the name a word in quotes"),
    ('d1 $ ur 2 "a" [("a", rev)] []', "1:22", "'a' must be a pattern, not"),
    ('d1 $ ur 2 "a" [("a", s "bd")] [("f", s "x")]', "1:38", "is not a pattern transform"),
    ('d1 $ n ("0 2" <*> "1") # s "x"', "1:15", r"'<\*>' is taken in"),
    ('d1 $ n ((+) <$> "0 2") # s "x"', "1:9", r"\(\+\) as a function is taken in"),
    ('d1 $ timeCat [1, 2]', "1:15", r"expected a list of \(time, pattern\) pairs"),
    ('d1 $ timeCat [(1, rev)]', "1:19", "expected a pattern after the time"),
    ('d1 $ fast (> 2) $ s "a"', "1:11", "is a test of numbers"),
    ('d1 $ even $ s "a"', "1:6", "is a test of numbers"),
    ('d1 $ ifp eveen (fast 2) id $ s "a"', "1:10", "did you mean 'even'"),
    ('d1 $ whenT even (fast 2) $ s "a"', "1:12", "needs a whole number"),
    ('d1 $ ifp (flip mod 2) (fast 2) id $ s "a"', "1:10", "gives a number, not True/False"),
    ('d1 $ ifp (flip mod 0 . (== 1)) (fast 2) id $ s "a"', "1:11", "needs a whole number|division by zero"),
    ('d1 $ ifp ((== "x")) (fast 2) id $ s "a"', "1:15", "takes a number"),
    ('out: s "a" > 2', "1:12", "only inside a section"),
])
def test_tests_of_numbers_are_located_errors(src, where, msg):
    """A comparison section or a test function where a pattern is needed, or a badly typed
    test: a PhononError at line:col."""
    with pytest.raises(phonon.errors.PhononError) as e:
        phonon.events(src, 0, 1)
    import re
    assert re.search(msg, str(e.value)), str(e.value)
    assert str(e.value).startswith(where + ":"), str(e.value)
