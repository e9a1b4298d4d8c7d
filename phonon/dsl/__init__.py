"""The Phonon language: `parse(text) -> ast.Program` (PLY lexer + parser, spans on every node);
Strudel code: `parse_strudel(text) -> ast.Program` (phonon.dsl.strudel: the same AST)."""
from .parser import parse
from .strudel import parse_strudel

__all__ = ["parse", "parse_strudel"]
