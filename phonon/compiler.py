"""The compiler's public names (AST -> GraphSpec); the implementation is the package
`phonon.compile` (values, program, expressions, calls, functions)."""
from .compile import (Compiler, FnV, ListV, NumV, PatV, SigV, SoundV, compile_program,  # noqa: F401
                      compile_source, event_warnings)

__all__ = ["Compiler", "compile_program", "compile_source", "event_warnings",
           "NumV", "PatV", "SoundV", "SigV", "FnV", "ListV"]
