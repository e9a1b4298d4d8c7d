"""The Phonon language: `parse(text) -> ast.Program` (PLY lexer + parser, spans on every node)."""
from .parser import parse

__all__ = ["parse"]
