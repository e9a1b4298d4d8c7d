"""Golden events of the list-of-functions / list-argument vocabulary (layer, pickF, id, squeeze,
select, chooseBy) through the DSL, against Tidal 1.9.5's definitions (UI.hs), worked by hand."""
from fractions import Fraction as F

import pytest

from test_events import Case, E, _assert_events, _norm_json, seq

import json

import phonon
from phonon.events import to_json

CASES = [
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
    assert {"layer", "pickF", "id", "squeeze", "select", "chooseBy"} <= set(all_names())
    with pytest.raises(phonon.errors.PhononError if hasattr(phonon, "errors") else Exception, match="squeeze"):
        phonon.events('d1 $ squeez "0" [s "bd"]', 0, 1)
