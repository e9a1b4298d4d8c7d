"""Phonon's pattern layer: exact-time patterns (Tidal/Strudel style) and mini-notation.

    from phonon.pattern import mini, pure, stack, fastcat, slowcat, set_control
    from phonon.pattern.transforms import every
    every(mini("bd*2 [sn cp]"), 3, lambda p: p.fast(2)).query(0, 1)

The core's own primitives are Pattern methods (`fast`, `slow`, `rev`, `early`, `ply`, ...);
every other transform is a free function, pattern first, in `transforms`, `random`,
`signals` and `harmony` (nothing attaches methods to Pattern). No numpy, audio or I/O here.
"""
from .core import (Arc, Hap, Pattern, Time, cat, cycle_pos, fast_from_list, fastcat, next_sam,
                   patterned, pure, reify, sam, sequence, set_string_parser, silence, slow_from_list,
                   slowcat, stack, steady, timecat, to_time)
from .mininotation import mini  # registers the string parser with the core
from .controls import add, div, mul, op, op_left, op_right, set_control, set_controls, sub
from .notes import Note, PatternValueError, note_to_midi, to_hz, to_number, to_semitones
from .random import (choose, choose_by, irand, perlin, rand, time_to_int_seed, time_to_rand, time_to_rands,
                     xorwise)
from .signals import PATTERN_GENERATORS, PATTERN_SIGNALS, cosine, isaw, saw, signal, sine, square, tri
from .transforms import bjorklund, run, within

__all__ = [
    "Arc", "Hap", "Pattern", "Time", "to_time", "sam", "next_sam", "cycle_pos",
    "pure", "silence", "steady", "stack", "cat", "slowcat", "fastcat", "timecat", "sequence",
    "fast_from_list", "slow_from_list", "reify", "patterned", "set_string_parser",
    "set_control", "set_controls", "op", "op_left", "op_right", "add", "sub", "mul", "div",
    "mini", "Note", "PatternValueError", "note_to_midi", "to_hz", "to_number", "to_semitones",
    "rand", "irand", "perlin", "choose", "choose_by", "time_to_rand", "time_to_rands", "time_to_int_seed",
    "xorwise", "signal", "sine", "cosine", "saw", "isaw", "tri", "square", "bjorklund", "run", "within",
    "PATTERN_SIGNALS", "PATTERN_GENERATORS",
]
