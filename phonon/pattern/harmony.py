"""Scales and arpeggios, as Tidal 1.9 (Sound.Tidal.Scales, Sound.Tidal.UI's arp/arpeggiate).

`scale name degrees` turns scale degrees (integers, any octave) into semitones with
Tidal's full scale table; `to_scale` / `to_scale_oct` do the same with a given list.
`arp mode pat` spreads the notes that share a whole (a chord: `"c'maj e'min"`) across it
in one of Tidal's orders. Values keep their type: a chord's `Note`s stay `Note`s, numbers
stay numbers, control maps stay control maps.
"""
from __future__ import annotations

import warnings
from fractions import Fraction
from itertools import groupby
from typing import Callable, Sequence

from ..errors import suggestion_text
from .core import Arc, Hap, Pattern, patterned, reify, silence
from .notes import Note, PatternValueError, PatternWarning, tidal_note, to_semitones

_F = Fraction

_MAJOR = (0, 2, 4, 5, 7, 9, 11)
_MELODIC_MAJOR = (0, 2, 4, 5, 7, 8, 10)
_WHOLE = (0, 2, 4, 6, 8, 10)
_DIMINISHED = (0, 1, 3, 4, 6, 7, 9, 10)

# Tidal 1.9's scaleTable, in its order (Sound/Tidal/Scales.hs). Quarter tones are exact.
SCALES: dict[str, tuple] = {
    "minPent": (0, 3, 5, 7, 10), "majPent": (0, 2, 4, 7, 9), "ritusen": (0, 2, 5, 7, 9),
    "egyptian": (0, 2, 5, 7, 10), "kumai": (0, 2, 3, 7, 9), "hirajoshi": (0, 2, 3, 7, 8),
    "iwato": (0, 1, 5, 6, 10), "chinese": (0, 4, 6, 7, 11), "indian": (0, 4, 5, 7, 10),
    "pelog": (0, 1, 3, 7, 8), "prometheus": (0, 2, 4, 6, 11), "scriabin": (0, 1, 4, 7, 9),
    "gong": (0, 2, 4, 7, 9), "shang": (0, 2, 5, 7, 10), "jiao": (0, 3, 5, 8, 10),
    "zhi": (0, 2, 5, 7, 9), "yu": (0, 3, 5, 7, 10), "whole": _WHOLE, "wholetone": _WHOLE,
    "augmented": (0, 3, 4, 7, 8, 11), "augmented2": (0, 1, 4, 5, 8, 9),
    "hexMajor7": (0, 2, 4, 7, 9, 11), "hexDorian": (0, 2, 3, 5, 7, 10),
    "hexPhrygian": (0, 1, 3, 5, 8, 10), "hexSus": (0, 2, 5, 7, 9, 10),
    "hexMajor6": (0, 2, 4, 5, 7, 9), "hexAeolian": (0, 3, 5, 7, 8, 10),
    "major": _MAJOR, "ionian": _MAJOR, "dorian": (0, 2, 3, 5, 7, 9, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10), "lydian": (0, 2, 4, 6, 7, 9, 11),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10), "aeolian": (0, 2, 3, 5, 7, 8, 10),
    "minor": (0, 2, 3, 5, 7, 8, 10), "locrian": (0, 1, 3, 5, 6, 8, 10),
    "harmonicMinor": (0, 2, 3, 5, 7, 8, 11), "harmonicMajor": (0, 2, 4, 5, 7, 8, 11),
    "melodicMinor": (0, 2, 3, 5, 7, 9, 11), "melodicMinorDesc": (0, 2, 3, 5, 7, 8, 10),
    "melodicMajor": _MELODIC_MAJOR, "bartok": _MELODIC_MAJOR, "hindu": _MELODIC_MAJOR,
    "todi": (0, 1, 3, 6, 7, 8, 11), "purvi": (0, 1, 4, 6, 7, 8, 11), "marva": (0, 1, 4, 6, 7, 9, 11),
    "bhairav": (0, 1, 4, 5, 7, 8, 11), "ahirbhairav": (0, 1, 4, 5, 7, 9, 10),
    "superLocrian": (0, 1, 3, 4, 6, 8, 10), "romanianMinor": (0, 2, 3, 6, 7, 9, 10),
    "hungarianMinor": (0, 2, 3, 6, 7, 8, 11), "neapolitanMinor": (0, 1, 3, 5, 7, 8, 11),
    "enigmatic": (0, 1, 4, 6, 8, 10, 11), "spanish": (0, 1, 4, 5, 7, 8, 10),
    "leadingWhole": (0, 2, 4, 6, 8, 10, 11), "lydianMinor": (0, 2, 4, 6, 7, 8, 10),
    "neapolitanMajor": (0, 1, 3, 5, 7, 9, 11), "locrianMajor": (0, 2, 4, 5, 6, 8, 10),
    "diminished": _DIMINISHED, "octatonic": _DIMINISHED,
    "diminished2": (0, 2, 3, 5, 6, 8, 9, 11), "octatonic2": (0, 2, 3, 5, 6, 8, 9, 11),
    "messiaen1": _WHOLE, "messiaen2": _DIMINISHED, "messiaen3": (0, 2, 3, 4, 6, 7, 8, 10, 11),
    "messiaen4": (0, 1, 2, 5, 6, 7, 8, 11), "messiaen5": (0, 1, 5, 6, 7, 11),
    "messiaen6": (0, 2, 4, 5, 6, 8, 10, 11), "messiaen7": (0, 1, 2, 3, 5, 6, 7, 8, 9, 11),
    "chromatic": tuple(range(12)),
    "bayati": (0, _F(3, 2), 3, 5, 7, 8, 10), "hijaz": (0, 1, 4, 5, 7, _F(17, 2), 10),
    "sikah": (0, _F(3, 2), _F(7, 2), _F(11, 2), 7, _F(17, 2), _F(21, 2)),
    "rast": (0, 2, _F(7, 2), 5, 7, 9, _F(21, 2)), "saba": (0, _F(3, 2), 3, 4, 6, 8, 10),
    "iraq": (0, _F(3, 2), _F(7, 2), 5, _F(13, 2), _F(17, 2), _F(21, 2)),
}
SCALES = {k: tuple(Fraction(x) for x in v) for k, v in SCALES.items()}


def _degree(x, name: str) -> int:
    """A whole number; note names and chord notes count as Tidal's semitones (Tidal's Int
    patterns parse note names too: parseIntNote)."""
    if isinstance(x, (Note, str)):
        t = tidal_note(x) if isinstance(x, str) else to_semitones(x)
        if t is None:
            raise PatternValueError(f"{name}: got word '{x}'; expected a scale degree (a whole number)")
        x = t
    if isinstance(x, bool) or not isinstance(x, (int, Fraction, float)):
        raise PatternValueError(f"{name}: got {x!r}; expected a scale degree (a whole number)")
    t = Fraction(x) if not isinstance(x, float) else Fraction(repr(x))
    if t.denominator != 1:
        raise PatternValueError(f"{name}: got {float(t):g}; expected a scale degree (a whole number)")
    return t.numerator


def note_in_scale(steps: Sequence[Fraction], x: int, octave: int = 12) -> Fraction:
    """Tidal's noteInScale: (s !!! x) + octave * (x `div` length s) (floor division)."""
    n = len(steps)
    return steps[x % n] + octave * (x // n)


def scale_steps(name) -> tuple:
    """The steps of a scale by name, or a PatternValueError with a did-you-mean."""
    s = SCALES.get(name) if isinstance(name, str) else None
    if s is None:
        raise PatternValueError(f"scale: unknown scale '{name}'{suggestion_text(str(name), list(SCALES))} "
                                f"(`phonon functions` lists the {len(SCALES)} names under scale)")
    return s


def scale(name_pat, degrees) -> Pattern:
    """Tidal's getScale scaleTable sp p = noteInScale (lookup name) <$> p <* sp: structure from
    the degree pattern, the scale name sampled at each degree's whole. (Tidal falls back to
    [0] for an unknown name; here it is an error naming the nearest scales.)"""
    name_pat, degrees = reify(name_pat), reify(degrees)
    if name_pat.is_pure:
        steps = scale_steps(name_pat.pure_value)
        return degrees.fmap(lambda x: note_in_scale(steps, _degree(x, "scale")))
    return degrees.app_left(name_pat, lambda x, nm: note_in_scale(scale_steps(nm), _degree(x, "scale")))


def to_scale_oct(octave, steps: Sequence, degrees) -> Pattern:
    """Tidal's toScale' o s = fmap noteInScale (octave size o); an empty list gives silence."""
    steps = [Fraction(x) if not isinstance(x, float) else Fraction(repr(x)) for x in steps]
    if not steps:
        return silence
    o = _degree(octave, "toScale'")
    return reify(degrees).fmap(lambda x: note_in_scale(steps, _degree(x, "toScale"), o))


def to_scale(steps: Sequence, degrees) -> Pattern:
    """Tidal's toScale = toScale' 12."""
    return to_scale_oct(12, steps, degrees)


# ---- arpeggios -------------------------------------------------------------------


def _converge(xs: list) -> list:
    out = []
    xs = list(xs)
    front = True
    while xs:
        out.append(xs.pop(0) if front else xs.pop())
        front = not front
    return out


def _pinkyup(xs: list) -> list:
    if not xs:
        return []
    p = xs[-1]
    return [y for x in xs[:-1] for y in (x, p)]


def _thumbup(xs: list) -> list:
    if not xs:
        return []
    t = xs[0]
    return [y for x in xs[1:] for y in (t, x)]


def _init(xs: list) -> list:
    return xs[:-1]


# Tidal's arps table (Sound/Tidal/UI.hs `_arp`), in its order.
ARP_MODES: dict[str, Callable[[list], list]] = {
    "up": lambda x: list(x),
    "down": lambda x: x[::-1],
    "updown": lambda x: _init(x) + _init(x[::-1]),
    "downup": lambda x: _init(x[::-1]) + _init(x),
    "up&down": lambda x: x + x[::-1],
    "down&up": lambda x: x[::-1] + x,
    "converge": _converge,
    "diverge": lambda x: _converge(x)[::-1],
    "disconverge": lambda x: _converge(x) + _converge(x)[::-1][1:],
    "pinkyup": _pinkyup,
    "pinkyupdown": lambda x: _init(_pinkyup(x)) + _init(_pinkyup(x)[::-1]),
    "thumbup": _thumbup,
    "thumbupdown": lambda x: _init(_thumbup(x)) + _init(_thumbup(x)[::-1]),
}


def _whole_key(h: Hap):
    w = h.whole
    return (w.begin, w.end)


def _spread(grp: list, out: list) -> None:
    d = len(grp)
    for n, h in enumerate(grp):
        b, e = h.whole
        dur = (e - b) / d
        nb = b + dur * n
        nw = Arc(nb, nb + dur)
        part = h.part.intersection(nw)
        if part is not None:
            out.append(Hap(nw, part, h.value, h.context))


def arp_with(pat: Pattern, f: Callable[[list], list]) -> Pattern:
    """Tidal's arpWith f = withEvents munge: sort the events by whole (stable), group equal
    wholes, reorder each group with f and spread it across the whole: the n-th of d takes
    [s + n*dur, s + (n+1)*dur), dur = (e-s)/d, its part cut to the old part. Continuous
    events are dropped, as in Tidal."""
    q = pat.query_span

    def query(span):
        haps = sorted((h for h in q(span) if h.whole is not None), key=_whole_key)
        out = []
        for _, grp in groupby(haps, key=_whole_key):
            _spread(f(list(grp)), out)
        return out
    return Pattern(query)


def arpeggiate(pat: Pattern) -> Pattern:
    """Tidal's arpeggiate = arpWith id: play the notes of each chord one after another."""
    return arp_with(pat, lambda x: x)


def arp_mode(name) -> Callable[[list], list]:
    """The arp mode `name`. An unknown word plays as `up` (the notes in their order), as in
    Tidal (`fromMaybe id $ lookup name arps`, UI.hs), with a warning naming the nearest
    modes; a number is an error (Tidal's type error)."""
    f = ARP_MODES.get(name) if isinstance(name, str) else None
    if f is None:
        near = suggestion_text(str(name), list(ARP_MODES))
        if not isinstance(name, str):
            raise PatternValueError(f"arp: unknown mode '{name}'{near} (modes: {' '.join(ARP_MODES)})")
        warnings.warn(PatternWarning(
            f"arp: unknown mode '{name}'{near}: it plays as 'up', as in Tidal "
            f"(modes: {' '.join(ARP_MODES)})"), stacklevel=2)
        return ARP_MODES["up"]
    return f


def _arp(pat: Pattern, mode) -> Pattern:
    """Tidal's _arp name p = arpWith (lookup name arps) p. (Tidal ignores an unknown name;
    here it is an error listing the modes.)"""
    return arp_with(pat, arp_mode(mode))


arp = patterned(_arp)


def _rolled_with(pat: Pattern, t) -> Pattern:
    """Tidal's rolledWith t: within each chord (events sharing a whole), the n-th of d notes
    starts n * (e - s) * |t| / d later (reversed order for negative t); ends stay."""
    t = Fraction(t) if not isinstance(t, float) else Fraction(repr(t))
    if t == 0:
        return pat
    q = pat.query_span

    def query(span):
        haps = q(span)
        if t < 0:
            haps = haps[::-1]
        out = []
        # groupBy on the query's own order, as Tidal (no sort: only adjacent equal wholes group)
        for key, grp in groupby(haps, key=lambda h: None if h.whole is None else _whole_key(h)):
            grp = list(grp)
            if key is None:
                out.extend(grp)
                continue
            d = len(grp)
            for n, h in enumerate(grp):
                b, e = h.whole
                nb = b + (e - b) * abs(t) * n / d
                nw = Arc(nb, e)
                part = h.part.intersection(nw)
                if part is not None:
                    out.append(Hap(nw, part, h.value, h.context))
        return out
    return Pattern(query)


_rolled_by = patterned(_rolled_with)


def rolled_by(pat: Pattern, t) -> Pattern:
    """Tidal's rolledBy pt = tParam rolledWith (segment 1 $ pt): the amount is sampled once per cycle."""
    t = reify(t) if not isinstance(t, (int, Fraction, float)) else t
    return _rolled_by(pat, t if not isinstance(t, Pattern) or t.is_pure else t._segment(1))


def rolled(pat: Pattern) -> Pattern:
    """Tidal's rolled = rolledBy (1/4): strum each chord over the first quarter of its span."""
    return _rolled_with(pat, Fraction(1, 4))
