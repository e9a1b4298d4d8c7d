"""Phonon's pattern layer: exact-time patterns (Tidal/Strudel style) and mini-notation.

    from phonon.pattern import mini, pure, stack, fastcat, slowcat, set_control
    mini("bd*2 [sn cp]").fast(2).query(0, 1)

No numpy, audio or I/O here.
"""
from .core import (Arc, Hap, Pattern, Time, cat, cycle_pos, fast_from_list, fastcat, method, next_sam,
                   patterned, pure, reify, sam, sequence, silence, slow_from_list, slowcat, stack, steady,
                   timecat, to_time, transform)
from . import random as _random  # noqa: F401  (attaches degrade_by, sometimes_by, ...)
from . import transforms as _transforms  # noqa: F401  (attaches every, jux, stut, ...)
from .controls import add, div, mul, op, op_left, op_right, set_control, set_controls, sub
from .mininotation import mini
from .notes import Note, PatternValueError, note_to_midi, to_hz, to_number, to_semitones
from .random import choose, choose_by, irand, rand, time_to_int_seed, time_to_rand, time_to_rands, xorwise
from .signals import cosine, isaw, saw, signal, sine, square, tri
from .transforms import bjorklund, run, within

__all__ = [
    "Arc", "Hap", "Pattern", "Time", "to_time", "sam", "next_sam", "cycle_pos",
    "pure", "silence", "steady", "stack", "cat", "slowcat", "fastcat", "timecat", "sequence",
    "fast_from_list", "slow_from_list", "reify", "patterned", "transform", "method",
    "set_control", "set_controls", "op", "op_left", "op_right", "add", "sub", "mul", "div",
    "mini", "Note", "PatternValueError", "note_to_midi", "to_hz", "to_number", "to_semitones",
    "rand", "irand", "choose", "choose_by", "time_to_rand", "time_to_rands", "time_to_int_seed", "xorwise",
    "signal", "sine", "cosine", "saw", "isaw", "tri", "square", "bjorklund", "run", "within",
]
