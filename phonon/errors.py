"""One error root for everything a user can get wrong.

Every user-facing error names the thing, the value, what is allowed and, when it
comes from source text, where (line:col) with the line and a caret under it.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterable, Optional


@dataclass(frozen=True)
class Span:
    """A location in source text: 1-based line and column, and the length to underline."""

    line: int
    col: int
    length: int = 1

    def __str__(self) -> str:
        return f"{self.line}:{self.col}"


class PhononError(Exception):
    """Root of every error that is the user's to fix (exit code 1, no traceback)."""

    def __init__(self, message: str, span: Optional[Span] = None, source: Optional[str] = None,
                 hint: Optional[str] = None, filename: Optional[str] = None):
        self.message = message
        self.span = span
        self.source = source
        self.hint = hint
        self.filename = filename
        super().__init__(self.render())

    def with_source(self, source: str, filename: Optional[str] = None) -> "PhononError":
        """Attach the program text (and file name) so the message can show the line and caret."""
        self.source = source if self.source is None else self.source
        self.filename = filename if self.filename is None else self.filename
        self.args = (self.render(),)
        return self

    def render(self) -> str:
        where = ""
        if self.span is not None:
            where = f"{self.filename + ':' if self.filename else ''}{self.span}: "
        out = [f"{where}{self.message}"]
        if self.span is not None and self.source is not None:
            lines = self.source.splitlines()
            if 1 <= self.span.line <= len(lines):
                text = lines[self.span.line - 1]
                out.append("    " + text)
                out.append("    " + " " * (self.span.col - 1) + "^" * max(1, self.span.length))
        if self.hint:
            out.append(f"hint: {self.hint}")
        return "\n".join(out)

    def __str__(self) -> str:
        return self.render()


class PhononSyntaxError(PhononError):
    """The program text does not parse."""


class MiniParseError(PhononError):
    """A mini-notation string does not parse. Columns count inside the string."""


class UnknownNameError(PhononError):
    """An unknown function, bus, parameter or sample name."""


class ParamRangeError(PhononError):
    """A parameter value outside its allowed range."""


class CompileError(PhononError):
    """A program that parses but cannot become a graph (cycles, arity, types)."""


class LimitError(PhononError):
    """A program that asks for more than a resource limit allows (events per query, nesting,
    mini-notation expansion, voices, sample length). The message says what was asked, the
    limit and how to raise it where there is a way (`phonon.limits`)."""


class MiniLimitError(MiniParseError, LimitError):
    """A mini-notation string past a limit (nesting, steps it expands to); columns count
    inside the string, as for MiniParseError."""


class RenderError(PhononError):
    """A render that cannot proceed for a reason the user controls (bad output path, options)."""


class NonFiniteError(RenderError):
    """A NaN or infinite sample on its way to a file: refused, nothing is written. `seconds`
    is the time of the first one (the engine names its node, the writer its file)."""

    def __init__(self, message: str, seconds: float = 0.0, **kw):
        self.seconds = seconds
        super().__init__(message, **kw)

    @staticmethod
    def kind(v: float) -> str:
        return "nan" if v != v else ("+inf" if v > 0 else "-inf")


class SourceEncodingError(PhononError):
    """A patch file that is not UTF-8 text."""


def decode_source(data: bytes, filename: Optional[str] = None) -> str:
    """Patch bytes as text (UTF-8); a byte that is not UTF-8 is an error at its line:col
    (and byte offset), with the line shown and a caret under it."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        start = data.rfind(b"\n", 0, e.start) + 1
        col = len(data[start:e.start].decode("utf-8", "replace")) + 1
        bad = data[e.start:e.end]
        raise SourceEncodingError(
            f"not UTF-8 text: byte {' '.join(f'0x{b:02x}' for b in bad)} at byte offset {e.start}",
            span=Span(line, col), source=data.decode("utf-8", "replace"), filename=filename,
            hint="save the file as UTF-8") from None


def did_you_mean(name: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """Nearest names to `name`, best first: difflib similarity (a prefix like lp -> lpf counts
    as close), keeping only names about as close as the best one; a candidate under 3/5 of
    the name's length (and 3 letters shorter) is never near."""
    scored = []
    for c in set(candidates):
        if 5 * len(c) < 3 * len(name) and len(name) - len(c) >= 3:
            continue   # a short name matching a few letters of a long one (`whenmod` -> `end`)
        r = difflib.SequenceMatcher(None, name, c).ratio()
        if len(name) >= 2 and c.startswith(name):
            r = max(r, 0.75)
        if r >= 0.6:
            scored.append((r, c))
    if not scored:
        return []
    scored.sort(key=lambda rc: (-rc[0], len(rc[1]), rc[1]))
    best = scored[0][0]
    return [c for r, c in scored if r >= best - 0.08][:n]


def suggestion_text(name: str, candidates: Iterable[str]) -> str:
    """' — did you mean 'x'?' or '' when nothing is close."""
    near = did_you_mean(name, candidates)
    if not near:
        return ""
    if len(near) == 1:
        return f" — did you mean '{near[0]}'?"
    return " — did you mean " + ", ".join(f"'{x}'" for x in near[:-1]) + f" or '{near[-1]}'?"
