"""AST -> GraphSpec.

Every name is checked against the registry (did-you-mean on a miss), every
constant against its parameter's range, every mini-notation string parsed (its
errors re-pointed into the program line). Compile-time values:

  NumV   an exact constant            PatV   a pattern (numbers, words, notes)
  SoundV a control pattern: events are control maps (Tidal's ValueMap), `s "bd" # n 1`,
         `n "0 .. 7" # s "drum"`; played by the sampler node (events without `s` are silent)
  SigV   a signal: a node output (+ trigger pattern)
  FnV    a pattern function           ListV  a list `[a, b]`

Event chains follow Tidal: `#` is `|>` (structure from the left, values from the right);
`|+| |+ +|` and the rest of the family combine control maps key by key (numbers
combine, strings append under +); `+ - * /` keep Phonon's meaning (numeric patterns, or
signal arithmetic: `s "bd*4" + s "hh*8"` mixes) except between control patterns that are
not both sounds (`n "0 2" + n "<12 7>"` is Tidal's `|+|`). On an event chain `# name x`
is a per-event control where `name` is a control (or a control's alias: `# lpf 1000` is
`cutoff`) and x a number or pattern; a signal value (`# lpf (sine 0.25 * 600 + 700)`) or
a function-only name (`# reverb 0.5 0.5`) is a node on the materialized mix.

Signals become nodes; patterns stay pattern data (`phonon.patexpr`) until a node
needs them. A transform applied to a signal (`fast 2 $ saw "55 110"`) is pushed
down into every pattern of that signal's subgraph; `jux f` on a signal renders
the original left and the transformed copy right.
"""
from __future__ import annotations

from typing import Optional

from ..dsl import ast as A
from ..errors import PhononError
from ..spec import GraphSpec
from .calls import Calls
from .expressions import Expressions
from .functions import Functions
from .program import Program, event_warnings
from .values import FnV, ListV, NumV, PatV, SigV, SoundV

__all__ = ["Compiler", "compile_program", "compile_source", "event_warnings",
           "NumV", "PatV", "SoundV", "SigV", "FnV", "ListV"]

# Modules (each below ~500 lines): values (compile-time values and shared helpers), program
# (statements, buses, outputs, signals, checks), expressions (AST walk, arithmetic), calls
# (binding, nodes, controls, combinators), functions (transforms, sections, `$`).


class Compiler(Program, Expressions, Calls, Functions):
    """AST -> GraphSpec (see the module doc)."""


def compile_program(program: A.Program, filename: Optional[str] = None, sr: int = 44100,
                    seed: int = 0, sample_roots: tuple = (), keep_buses: bool = False) -> GraphSpec:
    return Compiler(program, filename).compile(sr=sr, seed=seed, sample_roots=sample_roots,
                                               keep_buses=keep_buses)


def compile_source(text: str, filename: Optional[str] = None, sr: int = 44100, seed: int = 0,
                   sample_roots: tuple = (), keep_buses: bool = False,
                   syntax: Optional[str] = None) -> GraphSpec:
    """Parse and compile source text into a GraphSpec (errors carry line:col and the line).
    `syntax` is "phonon" or "strudel" (phonon.dsl.strudel); None picks it by the file name's
    extension (`.strudel`, `.str`: Strudel) - the one place the two front-ends are chosen."""
    from ..dsl import parse, parse_strudel
    from ..dsl.strudel import syntax_for
    from ..limits import ensure_recursion_limit, too_deep
    if syntax_for(filename, syntax) == "strudel":
        parse = parse_strudel   # noqa: F811  (the Strudel front-end makes the same AST)
    ensure_recursion_limit()
    text = text.removeprefix("\ufeff")   # a byte-order mark (as the parser skips it)
    try:
        try:
            program = parse(text, filename=filename)
            return compile_program(program, filename, sr=sr, seed=seed, sample_roots=sample_roots,
                                   keep_buses=keep_buses)
        except RecursionError:
            raise too_deep("the program") from None
    except PhononError as e:
        raise e.with_source(text, filename)
