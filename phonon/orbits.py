"""Orbits and SuperDirt's global effects: `# orbit 1 # room 0.3 # size 0.8 # delay 0.5`.

SuperDirt's model (classes/DirtOrbit.sc, GlobalDirtEffect.sc, synths/core-synths-global.scd):
every event plays into its orbit's dry bus (`orbit`, default 0); each orbit runs one
reverb and one delay that read the dry bus and add their wet signal to it. An effect's
parameters are the latest values any event on the orbit sent (GlobalDirtEffect.set keeps
state per parameter; an event without the key leaves it unchanged), so here each
parameter is a stepped control held from one event onset to the next (`hold_control`).

  orbit out = dry + (1 - dry_c) * reverb(dry * room, size) + delay_amp * echoes(dry)

  reverb   dirt_reverb scales its input by `room`, its feedback depth by `size`, and the wet
           output by (1 - `dry`); here the Freeverb node (phonon.nodes.reverbs) with
           room = size (comb feedback 0.7 + 0.28 size: the tail grows with size), mix 1.
  delay    dirt_delay (the CombL variant): echoes every `delaytime` seconds, each
           `delayfeedback` times the previous (clipped to 0..0.99), scaled by `delay`;
           with `lock 1` delaytime counts cycles (delaytime / cps). Here the delay node
           (phonon.nodes.delays) with mix 1 (wet only). SuperDirt's default delaytime and
           delayfeedback are 0 (no audible delay); Phonon uses Strudel's 0.25 s and 0.5.

Both are fading nodes, so the farm plans them like any reverb or delay. The orbits a
piece uses are found at compile time from its events over the first ORBIT_SCAN_CYCLES
cycles. Where a program's outputs are event patterns and any event
sets an orbit or a global effect, the outputs become the orbits: `orbit0`, `orbit1`, ...
(one stem each; events of every output reaching orbit k share its effects, as in
SuperDirt). Without those controls nothing changes: each output renders its sampler.
"""
from __future__ import annotations

from fractions import Fraction

from .registry import Param, declare

ORBIT_SCAN_CYCLES = 16
MAX_ORBITS = 16
REVERB_KEYS = ("room", "size", "dry")
DELAY_KEYS = ("delay", "delaytime", "delayfeedback", "lock")
ORBIT_KEYS = ("orbit",) + REVERB_KEYS + DELAY_KEYS
DEFAULTS = {"room": 0, "size": Fraction(1, 10), "dry": 0, "delay": 0, "delaytime": Fraction(1, 4),
            "delayfeedback": Fraction(1, 2), "lock": 0}

_DOC = " A global effect of the event's orbit (SuperDirt): the value holds until an event on the orbit sets it again."
_ORBIT_CONTROLS = [
    ("orbit", (0, MAX_ORBITS - 1), "", "the orbit (0..15) the event plays into; each orbit has "
     "its own reverb and delay and is its own output (`orbit0`, `orbit1`, ...).",
     's "bd sn" # orbit "<0 1>" # room 0.4'),
    ("room", (0.0, 1.0), "", "reverb send: the level of the event's orbit fed into its reverb." + _DOC,
     's "cp*2" # room 0.5 # size 0.8'),
    ("size", (0.0, 1.0), "", "reverb size: the longer the tail (Freeverb feedback 0.7 + 0.28 size)." + _DOC,
     's "cp" # room 0.5 # size "<0.2 0.9>"'),
    ("dry", (0.0, 1.0), "", "reverb wet level is scaled by 1 - dry (SuperDirt's dirt_reverb)." + _DOC,
     's "cp" # room 0.6 # dry 0.5'),
    ("delayamp", (0.0, 1.0), "", "delay level, spelled `delay` on event chains (Tidal; events carry "
     "it as `delay`, SuperDirt's delayAmp): the orbit's echoes are scaled by this. `# delay t fb "
     "mix` with more than one argument is the delay node on the mix." + _DOC,
     's "cp" # delay 0.5 # delaytime 0.125 # delayfeedback 0.4'),
    ("delaytime", (0.0, 4.0), "s", "time between echoes (seconds; cycles with `lock 1`)." + _DOC,
     's "cp" # delay 0.6 # delaytime "<0.25 0.125>"'),
    ("delayfeedback", (0.0, 0.99), "", "gain of each echo relative to the previous one." + _DOC,
     's "cp" # delay 0.6 # delayfeedback 0.7'),
    ("lock", (0, 1), "", "1: delaytime counts cycles (divided by cps), so echoes stay on the beat." + _DOC,
     's "cp" # delay 0.5 # delaytime 0.125 # lock 1'),
]
# Tidal's aliases (Sound/Tidal/Params.hs: sz = size, dt/delayt = delaytime, dfb/delayfb = delayfeedback)
_ALIASES = {"delayamp": ("delay",), "size": ("sz",), "delaytime": ("delayt", "dt"),
            "delayfeedback": ("delayfb", "dfb")}
for _name, _rng, _unit, _what, _ex in _ORBIT_CONTROLS:
    _extra = {"key": "delay"} if _name == "delayamp" else {}
    declare(name=_name, category="control", aliases=_ALIASES.get(_name, ()),
            params=[Param("value", kind="number", range=_rng, unit=_unit, doc=_what)],
            doc=f"Sets a per-event control: {_what}", example=f"out: {_ex}", orbit=True, **_extra)


def keys_used(expr) -> set:
    """The orbit controls a control-pattern expression sets."""
    from .patexpr import Ctl, Set, SetFn, walk
    return {e.control for e in walk(expr) if isinstance(e, (Ctl, Set, SetFn)) and e.control in ORBIT_KEYS}


def orbits_of(expr) -> list:
    """The orbits the events of `expr` reach in the first ORBIT_SCAN_CYCLES cycles (events
    without `orbit` are orbit 0); [0] when there are none."""
    from .patexpr import _orbit_of, evaluate
    found = {_orbit_of(h.value) for h in evaluate(expr).query(0, ORBIT_SCAN_CYCLES) if h.has_onset()}
    return sorted(k for k in found if 0 <= k < MAX_ORBITS) or [0]


def build_orbit(comp, expr, k: int, used: set, label: str) -> int:
    """Node id of orbit k's output for the control pattern `expr` (all outputs' events)."""
    from .patexpr import DelayTime, Hold, Orbit
    from .spec import Pat, Ref
    pat = Orbit(k, expr)
    dry = comp.sampler_node(pat, label)
    terms = [("x0", Ref(dry))]

    def hold(key):
        return Pat(Hold(key, DEFAULTS[key], pat))

    if used & set(REVERB_KEYS):
        send = comp.add("mul", [("a", Ref(dry)), ("b", hold("room"))], label + " room")
        rev = comp.add("reverb", [("in", Ref(send)), ("room", hold("size")), ("damping", 0.5),
                                  ("mix", 1.0)], label + " reverb")
        wet = comp.add("sub", [("a", 1.0), ("b", hold("dry"))], label + " 1-dry")
        terms.append(("x1", Ref(comp.add("mul", [("a", Ref(rev)), ("b", Ref(wet))], label))))
    if used & set(DELAY_KEYS):
        time = Pat(DelayTime(comp.cps, pat))
        fb = Pat(Hold("delayfeedback", DEFAULTS["delayfeedback"], pat))
        dl = comp.add("delay", [("in", Ref(dry)), ("time", time), ("feedback", fb), ("mix", 1.0)],
                      label + " delay")
        terms.append(("x2", Ref(comp.add("mul", [("a", Ref(dl)), ("b", hold("delay"))], label))))
    if len(terms) == 1:
        return dry
    return comp.add("sum", terms, label)
