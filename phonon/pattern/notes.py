"""Note names, chords and numeric conversions of pattern values.

Two readings of a note name, by where it is used (LANGUAGE.md):
- As a frequency (Phonon's signal context, `saw "a4"`): scientific pitch, c4 = MIDI 60,
  a4 = 69 = 440 Hz, the octave defaulting to 4 (`to_hz`).
- As a note in `note`/`n` (Tidal's semitones, `to_semitones`): c5 = 0, a5 = 9 (440 Hz in
  SuperDirt), the octave defaulting to 5 (Tidal's ParseBP noteName). A bare name is the same
  pitch both ways ("a" = 440 Hz); an explicit octave is one lower in Tidal's numbering.
Sharps are `s` or `#` (`cs4`, `c#4`), flats `f` or `b` (`ef4`, `eb4`), `n` is natural.

Mini-notation words stay strings; these functions interpret them when a number is
needed. Chords (`c4'maj`) become stacks of `Note` values.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Optional, Union

from ..errors import CompileError

__all__ = ["Note", "PatternValueError", "PatternWarning", "hz_to_note", "note_to_midi", "to_hz", "to_midi",
           "to_number",
           "to_semitones",
           "CHORDS", "chord_notes"]


class PatternValueError(CompileError):
    """A pattern value of the wrong kind for where it is used (a word where a number is needed)."""


class PatternWarning(UserWarning):
    """A pattern call that is valid but probably not what was meant (shown without a traceback)."""


@dataclass(frozen=True)
class Note:
    """A pitched value (from a chord): MIDI note number, exact. `octave` records whether the
    name gave an octave (`c4'maj` yes, `c'maj` no), which Tidal's numbering needs."""

    midi: Fraction
    octave: bool = field(default=False, compare=False, repr=False)

    # Transposition keeps a Note a Note (`"c'maj" + "<0 12>"`, `|+ n 12` on chords).
    def __add__(self, other):
        if isinstance(other, Note):
            return NotImplemented
        return Note(self.midi + other, self.octave)

    __radd__ = __add__

    def __sub__(self, other):
        if isinstance(other, Note):
            return NotImplemented
        return Note(self.midi - other, self.octave)

    def __repr__(self) -> str:
        m = self.midi
        return f"Note({m.numerator if m.denominator == 1 else m})"


_NOTE_RE = re.compile(r"^([a-gA-G])([sfn#b]*)(-?\d+)?$")
_PC = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}
_MOD = {"s": 1, "#": 1, "f": -1, "b": -1, "n": 0}


def note_to_midi(name: str) -> Optional[Fraction]:
    """MIDI number of a note name ("c4" -> 60, "a" -> 69, "eb4"/"ef4" -> 63), or None."""
    m = _NOTE_RE.match(name)
    if not m:
        return None
    letter, mods, octave = m.groups()
    n = _PC[letter.lower()] + sum(_MOD[c] for c in mods)
    o = int(octave) if octave is not None else 4
    return Fraction(n + (o + 1) * 12)


def tidal_note(name: str) -> Optional[Fraction]:
    """Tidal's semitones of a note name (c5 = 0, "a" = a5 = 9, "c4" = -12), or None."""
    m = _NOTE_RE.match(name)
    if not m:
        return None
    letter, mods, octave = m.groups()
    n = _PC[letter.lower()] + sum(_MOD[c] for c in mods)
    o = int(octave) if octave is not None else 5
    return Fraction(n + (o - 5) * 12)


Number = Union[Fraction, int, float]


def _is_number(v) -> bool:
    return isinstance(v, (Fraction, int, float)) and not isinstance(v, bool)


def _midi_to_hz(m: Fraction):
    d = m - 69
    if d.denominator == 1 and d.numerator % 12 == 0:
        return 440 * Fraction(2) ** (d.numerator // 12)
    return 440.0 * 2.0 ** (float(d) / 12.0)


def to_hz(value) -> Union[Fraction, float]:
    """Numbers are Hz already; a note name or Note becomes 440 * 2**((midi - 69) / 12)."""
    if _is_number(value):
        return value
    if isinstance(value, Note):
        return _midi_to_hz(value.midi)
    if isinstance(value, str):
        m = note_to_midi(value)
        if m is not None:
            return _midi_to_hz(m)
    raise PatternValueError(f"got {_show(value)} where a frequency is needed; expected a number "
                            f"(like 440) or a note name (like a4, c#3, eb)")


def to_number(value) -> Union[Fraction, int, float]:
    """Numbers only (a Note gives its MIDI number). Words, note names included, raise:
    where a plain number is meant, a word is a mistake, not a pitch."""
    if _is_number(value):
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Note):
        return value.midi
    raise PatternValueError(f"got {_show(value)} where a number is needed; expected a number "
                            f"(like 1, 0.5, -3)")


def hz_to_note(value) -> float:
    """Tidal's semitones (note 0 = 261.63 Hz, 9 = 440 Hz) of a frequency: a number in Hz or a
    note name read as Hz (a4 = 440, `to_hz`)."""
    hz = to_hz(value)
    if hz <= 0:
        shown = _show(value) if isinstance(value, str) else f"{float(hz):g}"
        raise PatternValueError(f"got {shown} where a frequency is needed; expected a "
                                f"positive number of Hz (like 440)")
    return 9.0 + 12.0 * math.log2(float(hz) / 440.0)


def to_midi(value) -> Union[Fraction, int, float]:
    """Numbers are MIDI numbers already; a note name is its MIDI number as Strudel reads it
    (c4 = 60, a bare name in octave 3: Strudel's util.mjs noteToMidi); a Note its MIDI number."""
    if _is_number(value):
        return value
    if isinstance(value, Note):
        return value.midi
    if isinstance(value, str):
        m = _NOTE_RE.match(value)
        if m is not None:
            return note_to_midi(value if m.group(3) is not None else value + "3")
    raise PatternValueError(f"got {_show(value)} where a MIDI note is needed; expected a number "
                            f"(like 60) or a note name (like c4, eb3, a)")


def to_semitones(value) -> Union[Fraction, int, float]:
    """Numbers are semitones already; a note name or Note gives Tidal's semitones (c5 = 0,
    a bare "c" = 0, "c4" = -12)."""
    if _is_number(value):
        return value
    if isinstance(value, Note):
        return value.midi - (72 if value.octave else 60)
    if isinstance(value, str):
        m = tidal_note(value)
        if m is not None:
            return m
    raise PatternValueError(f"got {_show(value)} where a note is needed; expected a number of "
                            f"semitones (like 7, -12) or a note name (like c5, e, a#4)")


def _show(v) -> str:
    return f"word '{v}'" if isinstance(v, str) else repr(v)


# Tidal's chord table (Sound.Tidal.Chords), names and aliases.
_CHORD_DEFS = [
    (("major", "maj", "M"), (0, 4, 7)),
    (("aug", "plus", "sharp5"), (0, 4, 8)),
    (("six", "6"), (0, 4, 7, 9)),
    (("sixNine", "six9", "sixby9", "6by9"), (0, 4, 7, 9, 14)),
    (("major7", "maj7"), (0, 4, 7, 11)),
    (("major9", "maj9"), (0, 4, 7, 11, 14)),
    (("add9",), (0, 4, 7, 14)),
    (("major11", "maj11"), (0, 4, 7, 11, 14, 17)),
    (("add11",), (0, 4, 7, 17)),
    (("major13", "maj13"), (0, 4, 7, 11, 14, 21)),
    (("add13",), (0, 4, 7, 21)),
    (("dom7",), (0, 4, 7, 10)),
    (("dom9",), (0, 4, 7, 14)),
    (("dom11",), (0, 4, 7, 17)),
    (("dom13",), (0, 4, 7, 21)),
    (("sevenFlat5", "7f5"), (0, 4, 6, 10)),
    (("sevenSharp5", "7s5"), (0, 4, 8, 10)),
    (("sevenFlat9", "7f9"), (0, 4, 7, 10, 13)),
    (("nine",), (0, 4, 7, 10, 14)),
    (("eleven", "11"), (0, 4, 7, 10, 14, 17)),
    (("thirteen", "13"), (0, 4, 7, 10, 14, 17, 21)),
    (("minor", "min", "m"), (0, 3, 7)),
    (("diminished", "dim"), (0, 3, 6)),
    (("minorSharp5", "msharp5", "mS5"), (0, 3, 8)),
    (("minor6", "min6", "m6"), (0, 3, 7, 9)),
    (("minorSixNine", "minor69", "min69", "minSixNine", "m69", "mSixNine", "m6by9"), (0, 3, 9, 7, 14)),
    (("minor7flat5", "min7flat5", "m7flat5", "m7f5"), (0, 3, 6, 10)),
    (("minorMajor7", "minMaj7", "mmaj7"), (0, 3, 7, 11)),
    (("diminished7", "dim7"), (0, 3, 6, 9)),
    (("minor7", "min7", "m7"), (0, 3, 7, 10)),
    (("minor9", "min9", "m9"), (0, 3, 7, 10, 14)),
    (("minor11", "min11", "m11"), (0, 3, 7, 10, 14, 17)),
    (("minor13", "min13", "m13"), (0, 3, 7, 10, 14, 17, 21)),
    (("minorMajor9", "minMaj9", "mmaj9"), (0, 3, 7, 11, 14)),
    (("one", "1"), (0,)),
    (("five", "5"), (0, 7)),
    (("sus2",), (0, 2, 7)),
    (("sus4",), (0, 5, 7)),
    (("sevenSus2", "7sus2"), (0, 2, 7, 10)),
    (("sevenSus4", "7sus4"), (0, 5, 7, 10)),
    (("nineSus4", "ninesus4", "9sus4"), (0, 5, 7, 10, 14)),
    (("sevenFlat10", "7f10"), (0, 4, 7, 10, 15)),
    (("nineSharp5", "9sharp5", "9s5"), (0, 1, 13)),
    (("minor9sharp5", "minor9s5", "min9sharp5", "min9s5", "m9sharp5", "m9s5"), (0, 1, 14)),
    (("sevenSharp5flat9", "7s5f9"), (0, 4, 8, 10, 13)),
    (("minor7sharp5", "min7sharp5", "m7sharp5", "m7s5"), (0, 3, 8, 10)),
    (("elevenSharp", "11s"), (0, 4, 7, 10, 14, 18)),
    (("minor11sharp", "m11sharp", "m11s"), (0, 3, 7, 10, 14, 18)),
]

CHORDS: dict[str, tuple[int, ...]] = {}
for _names, _ivs in _CHORD_DEFS:
    for _n in _names:
        CHORDS.setdefault(_n, _ivs)  # first definition wins for shared aliases


def chord_notes(name: str, modifiers: list[str] = ()) -> Optional[list[int]]:
    """Intervals of a chord, with Tidal's modifiers: a number (how many notes, going up
    octaves), 'i' per inversion, 'o' for open voicing. None for an unknown chord."""
    ivs = CHORDS.get(name)
    if ivs is None:
        return None
    notes = list(ivs)
    count, inversions, opened = len(notes), 0, False
    for m in modifiers:
        if m.isdigit():
            count = int(m)
        elif set(m) == {"i"}:
            inversions += len(m)
        elif set(m) == {"o"}:
            opened = True
        else:
            return None
    ext = [x + 12 * k for k in range(0, (count + inversions) // max(1, len(ivs)) + 2) for x in ivs]
    notes = ext[inversions:inversions + count]
    if opened and len(ivs) > 2 and len(notes) >= 3:
        notes = [notes[0] - 12, notes[2] - 12, notes[1]] + notes[3:]
    return notes
