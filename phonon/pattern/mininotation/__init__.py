"""Mini-notation: `mini(text) -> Pattern` (Tidal 1.9 semantics; see LANGUAGE.md).

Stages: `parser.parse` (text -> AST with spans) -> `interpret.Interpreter` (AST -> Pattern).
Parsed patterns are cached by text: patterns are immutable values.
"""
from __future__ import annotations

from functools import lru_cache

from ..core import set_string_parser
from .ast import dump
from .interpret import Interpreter
from .parser import parse

__all__ = ["mini", "parse", "dump"]


@lru_cache(maxsize=4096)
def mini(text: str):
    """The Pattern of a mini-notation string. Raises MiniParseError (column inside the string)."""
    return Interpreter(text).eval(parse(text))


# Strings given to pattern functions are mini-notation (Strudel's setStringParser).
set_string_parser(mini)
