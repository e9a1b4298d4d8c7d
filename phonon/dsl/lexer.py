"""Lexer of the Phonon language (PLY), plus the context-dependent token rules.

PLY's master regex turns the text into raw tokens; `tokenize` then applies the rules
that depend on spacing and neighbours, which a regex alone cannot see:

* `name:` with no space before the colon is a KEYWORD (`q:0.8`, `q: 0.8`);
  `:name` after a space is the original's keyword form (COLONKW, `:q 0.8`).
* `-` directly followed by a digit and preceded by a space, `(`, `[`, `,` or `:` is a
  TMINUS: inside a call's argument list it makes a negative literal
  (`compressor -12 4`); elsewhere the grammar treats it as an ordinary minus.
* Tidal's operators: the `|op|` family (PIPEOP: `|+| |+ +|` ... for `+ - * / % < >`),
  `<~` and `~>` (TSHIFT), `.` (DOT, composition), `%` (PERCENT, Haskell's Ratio).
* Comments: `--` to the end of the line and Haskell's nested `{- ... -}`; GHCi's `:{` and
  `:}` lines are skipped.
* Each token records whether a blank line (whitespace only, outside a block comment)
  comes before it: a blank line ends a Tidal block.

Statement heads (`out:`, `~bus:`, `d1 $` ...) are recognised by the parser, which sees lines.
"""
from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass
from typing import Optional

import ply.lex as lex

from ..errors import PhononSyntaxError, Span

__all__ = ["Tok", "tokenize", "tokens"]

tokens = (
    "EQUALS",
    "NUMBER", "STRING", "BUS", "NAME", "KEYWORD", "COLONKW",
    "PLUS", "MINUS", "TMINUS", "STAR", "SLASH", "PERCENT", "HASH", "DOLLAR",
    "PIPEOP", "TSHIFT", "DOT", "CMPOP", "BACKOP",
    "LPAREN", "RPAREN", "LBRACK", "RBRACK", "COMMA", "COLON", "RANGE",
)

# Raw-token rules. Function rules are tried in definition order, before the string rules.
t_ignore = " \t\r\f\v"


def t_COMMENT(t):
    r"--[^\n]*"
    return None


def t_BLOCKCOMMENT(t):
    r"\{-"
    # Haskell's block comments nest: scan by hand, counting `{-` and `-}`.
    data, i, depth = t.lexer.lexdata, t.lexpos + 2, 1
    while depth:
        j, k = data.find("{-", i), data.find("-}", i)
        if k < 0:
            raise _LexFail("unterminated block comment", t.lexpos, 2,
                           "close it with '-}' (block comments nest, as in Haskell)")
        if 0 <= j < k:
            depth, i = depth + 1, j + 2
        else:
            depth, i = depth - 1, k + 2
    t.lexer.lineno += data.count("\n", t.lexpos, i)
    t.lexer.block_comments.append((t.lexpos, i))
    t.lexer.lexpos = i
    return None


def t_GHCIBLOCK(t):
    r":[{}][ \t\r]*(?=\n|$)"
    # GHCi's multi-line block markers `:{` and `:}` on their own line group lines, like `do`
    data, k = t.lexer.lexdata, t.lexpos
    start = data.rfind("\n", 0, k) + 1
    if data[start:k].strip():
        raise _LexFail(f"unexpected '{t.value.strip()}'", k, 2,
                       "GHCi's ':{' and ':}' stand alone on their lines")
    return None


def t_STRAYCLOSE(t):
    r"-\}"
    raise _LexFail("'-}' closes no block comment", t.lexpos, 2,
                   "block comments are written {- like this -}")


def t_NEWLINE(t):
    r"\n+"
    t.lexer.lineno += len(t.value)
    return None


def t_STRING(t):
    r'"[^"\n]*"'
    return t


def t_UNTERMINATED(t):
    r'"[^"\n]*'
    raise _LexFail("unterminated string", t.lexpos, 1, "close it with '\"' on the same line")


def t_RANGE(t):
    r"-?\d+[ \t]*\.\.[ \t]*-?\d+"
    # Haskell's list range `[0 .. 6]` / `[15..23]` (whole numbers; the parser takes it in brackets)
    return t


def t_NUMBER(t):
    r"(\d+\.\d+|\.\d+|\d+)([eE][+-]?\d+)?"
    return t


def t_TIDALOP(t):
    r"\|\|[-+*/%<>]+|\|\+\+\|?|\+\+\||\|\*\*\|?|\*\*\||<>|<\$>|<\*>|\|=\|"
    op = t.value
    if op == "|=|":   # Tidal 0.x's control union (before 1.0), today's `#`
        t.type = "HASH"
        return t
    if op == "<$>":   # fmap: a section or transform applied to a pattern, `(*2) <$> sine`
        t.type = "DOLLAR"   # (read with `$`'s precedence: `f <$> p # x` is `f <$> (p # x)`)
        return t
    if op == "<>":    # Tidal's Semigroup on patterns: overlay (read at `+`'s level, infixr 6)
        t.type = "PLUS"
        return t
    if op == "<*>":   # `f <$> a <*> b`: structure from both (the compiler reads f)
        t.type = "PIPEOP"
        return t
    if False:
        pass
    elif op.startswith("||"):
        hint = (f"'{op}' squeezes the right pattern into each event in Tidal; it is not "
                f"supported: use '|{op[2:]}' (structure from the left) or 'squeeze'")
    elif "++" in op:
        hint = ("'|+' and its family join strings, as on Tidal's control patterns: "
                "s \"drum\" |+ s \":3\"")
    else:
        hint = "there is no power operator; multiply, or use a function like 'range'"
    whose = "Haskell's" if op in ("<$>", "<*>", "<>") else "Tidal's"
    raise _LexFail(f"{whose} '{op}' is not supported", t.lexpos, len(op), hint)


def t_PIPEOP(t):
    r"\|[-+*/%<>]\|?|[-+*/%<>]\|"
    return t


def t_TSHIFT(t):
    r"<~|~>"
    return t


def t_CMPOP(t):
    r"==|/=|<=|>=|<|>"
    # Haskell's comparisons, only as sections `(> 0.5)` `(== 0)`: number -> bool tests of
    # ifp and whenT (the parser rejects them between two expressions)
    return t


def t_BACKOP(t):
    r"`[A-Za-z_][A-Za-z0-9_]*'*`"
    # a function used as an operator, only in a section: (`mod` 2)
    return t


def t_BUS(t):
    r"~[A-Za-z_][A-Za-z0-9_]*"
    return t


def t_TILDE(t):
    r"~"
    raise _LexFail("'~' must be followed by a bus name", t.lexpos, 1, "bus names look like ~bass or ~lfo1")


def t_NAME(t):
    r"(?:[A-Z][A-Za-z0-9_]*\.)*[A-Za-z_][A-Za-z0-9_]*'*"
    # Haskell names may end in primes (Tidal's every', jumpIn'): the compiler then names
    # the function it does not know, with a did-you-mean, instead of a lexer error.
    # A module-qualified name (Tidal's `Data.Fixed.mod'`) is one NAME; the parser drops
    # the qualifier (`qualified_name`).
    return t


def qualified_name(text: str) -> str:
    """`Data.Fixed.mod'` -> `mod'` (the name without its module qualifier)."""
    return text.rsplit(".", 1)[-1]


t_PLUS = r"\+"
t_MINUS = r"-"
t_STAR = r"\*"
t_SLASH = r"/"
t_PERCENT = r"%"
t_DOT = r"\."
t_HASH = r"\#"
t_DOLLAR = r"\$"
t_LPAREN = r"\("
t_RPAREN = r"\)"
t_LBRACK = r"\["
t_RBRACK = r"\]"
t_COMMA = r","
t_COLON = r":"
t_EQUALS = r"="   # only in `let x = ...` (a Tidal-only statement the parser names)

_MINI_CHARS = set("<>{}@!?|")
_CHAR_HINTS = {
    "'": "strings are written in double quotes, like \"bd sn\"",
    ";": "write one statement per line",
}
_GENERIC_CHAR_HINT = ("expressions are made of numbers, \"strings\", ~buses, function names, "
                      "+ - * / # $ . ( ) [ ] , Tidal's |+| |+ +| ... <~ ~>, "
                      "and keyword arguments like q:0.8")


def t_error(t):
    c = t.value[0]
    if c in _MINI_CHARS:
        hint = f"mini-notation goes inside a string, like s \"<bd sn>\"; '{c}' is not a Phonon operator"
    else:
        hint = _CHAR_HINTS.get(c, _GENERIC_CHAR_HINT)
    shown = f'"{c}"' if c == "'" else f"'{c}'"
    raise _LexFail(f"unexpected character {shown}", t.lexpos, 1, hint)


class _LexFail(Exception):
    def __init__(self, message: str, pos: int, length: int, hint: str):
        super().__init__(message)
        self.message, self.pos, self.length, self.hint = message, pos, length, hint


_LEXER = lex.lex(optimize=False, debug=False)
_LOCK = threading.Lock()


@dataclass(eq=False)
class Tok:
    """A token as the parser sees it. `value` is the token itself so grammar actions get spans."""

    type: str
    text: str        # source text (for KEYWORD/COLONKW: the name only)
    pos: int         # offset of the first character
    end: int         # offset after the last character (of the whole token, e.g. `q:`)
    line: int
    col: int
    first_on_line: bool = False
    blank_before: bool = False   # a blank line separates it from the previous token

    @property
    def value(self) -> "Tok":
        return self

    @property
    def lineno(self) -> int:  # PLY reads these two when tracking positions
        return self.line

    @property
    def lexpos(self) -> int:
        return self.pos

    @property
    def span(self) -> Span:
        return Span(self.line, self.col, self.end - self.pos)

    @property
    def source(self) -> str:
        """How the token is written (`q:` for a KEYWORD, `:q` for a COLONKW)."""
        if self.type == "KEYWORD":
            return self.text + ":"
        if self.type == "COLONKW":
            return ":" + self.text
        return self.text

    def __repr__(self) -> str:
        return f"Tok({self.type} {self.source!r} @{self.line}:{self.col})"


class Source:
    """Line/column arithmetic over one program text."""

    def __init__(self, text: str, filename: Optional[str]):
        self.text = text
        self.filename = filename
        self.line_starts = [0]
        i = text.find("\n")
        while i >= 0:
            self.line_starts.append(i + 1)
            i = text.find("\n", i + 1)

    def line_col(self, pos: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.line_starts, pos) - 1
        return i + 1, pos - self.line_starts[i] + 1

    def error(self, message: str, span: Span, hint: Optional[str] = None) -> PhononSyntaxError:
        return PhononSyntaxError(message, span=span, source=self.text, hint=hint, filename=self.filename)

    def error_at(self, message: str, pos: int, length: int = 1, hint: Optional[str] = None) -> PhononSyntaxError:
        line, col = self.line_col(pos)
        return self.error(message, Span(line, col, length), hint)


def _blank_lines(src: Source, comments: list) -> list[int]:
    """Line numbers of whitespace-only lines that are not inside a block comment."""
    lines = src.text.split("\n")
    blank = [k + 1 for k, ln in enumerate(lines) if not ln.strip()]
    if comments and blank:
        spans = [(src.line_col(a)[0], src.line_col(b - 1)[0]) for a, b in comments]
        blank = [b for b in blank if not any(lo < b < hi for lo, hi in spans)]
    return blank


_TMINUS_AFTER = set(" \t\r\n\f\v([,:")


def tokenize(src: Source) -> list[Tok]:
    """Raw PLY tokens -> Toks with line/col, KEYWORD/COLONKW/TMINUS resolved."""
    text = src.text
    raw = []
    with _LOCK:
        _LEXER.lineno = 1
        _LEXER.block_comments = comments = []
        _LEXER.input(text)
        try:
            while True:
                t = _LEXER.token()
                if t is None:
                    break
                raw.append((t.type, t.value, t.lexpos))
        except _LexFail as e:
            raise src.error_at(e.message, e.pos, e.length, e.hint) from None

    blank = _blank_lines(src, comments)
    out: list[Tok] = []
    prev_line = 0
    i, n = 0, len(raw)
    while i < n:
        typ, val, pos = raw[i]
        end = pos + len(val)
        nxt = raw[i + 1] if i + 1 < n else None
        if typ == "NAME" and nxt is not None and nxt[0] == "COLON" and nxt[2] == end:
            typ, end = "KEYWORD", end + 1          # `q:` (the colon belongs to the keyword)
            i += 1
        elif (typ == "COLON" and nxt is not None and nxt[0] == "NAME" and nxt[2] == end
              and (pos == 0 or text[pos - 1] in " \t\r\n\f\v([,")):
            typ, val, end = "COLONKW", nxt[1], nxt[2] + len(nxt[1])   # `:q`
            i += 1
        elif typ == "NUMBER" and end < len(text) and (text[end].isalnum() or text[end] == "_"):
            j = end
            while j < len(text) and (text[j].isalnum() or text[j] in "_."):
                j += 1
            raise src.error_at(f"invalid number '{text[pos:j]}'", pos, j - pos,
                               "numbers are written like 440, 0.5, 1e3 (no units); "
                               "put a space between a number and a name")
        elif (typ == "MINUS" and nxt is not None and nxt[0] == "NUMBER" and nxt[2] == end
              and (pos == 0 or text[pos - 1] in _TMINUS_AFTER)):
            typ = "TMINUS"
        line, col = src.line_col(pos)
        after = line != prev_line and prev_line > 0 and bool(blank)
        if after:
            b = bisect.bisect_right(blank, prev_line)
            after = b < len(blank) and blank[b] < line
        tok = Tok(typ, val, pos, end, line, col, first_on_line=line != prev_line,
                  blank_before=after)
        prev_line = line
        out.append(tok)
        i += 1
    return out
