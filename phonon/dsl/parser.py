"""Parser of the Phonon language: text -> `phonon.dsl.ast.Program`.

Stages: `lexer.tokenize` (PLY lex + spacing rules) -> split into statements at lines
that start with a statement head (`out:`, `~bus:`, `tempo:` ...; any other line continues
the previous statement) -> per-statement checks that give better messages than an LR
parser can (brackets, `f(a, b)`, empty statements) -> PLY yacc over the statement body.

Precedence, lowest first: `#` < `$` < `+ -` < `* /` < unary `-` < call by juxtaposition.
`#` takes everything on its left (up to an enclosing bracket) as its input and exactly one
call on its right; operators after that call apply to the chain so far, so
`a # f x * 0.3` is `(a # f x) * 0.3`. In the grammar this falls out of precedence: the
chain's right side is a `chainright` (a name and its atoms), not an `expr`.
"""
from __future__ import annotations

import re
import threading
from fractions import Fraction
from typing import Optional

import ply.yacc as yacc

from ..errors import PhononSyntaxError, Span
from .ast import (BinOp, BusDef, BusRef, Call, Chain, ChainSection, Dollar, Kwarg, ListExpr, Name,
                  Neg, Num, OutDef, Paren, Program, Str, Tempo)
from .lexer import Source, Tok, tokenize, tokens  # noqa: F401  (`tokens` is read by PLY)

__all__ = ["parse"]


# ---------------------------------------------------------------------------------------------
# Grammar (PLY reads the docstrings). The start symbol is `expr`: one statement's body.

precedence = (
    ("nonassoc", "CALLEND"),           # a call ends unless `-3` follows: `f 1 -3` is f(1, -3)
    ("left", "HASH"),
    ("right", "DOLLAR"),
    ("left", "PLUS", "MINUS", "TMINUS"),
    ("left", "STAR", "SLASH"),
    ("right", "UMINUS"),
)


def p_dollar(p):
    "expr : expr DOLLAR expr"
    right = p[3]   # `a $ b $ c` is right-associative; a parenthesized Dollar is a Paren
    rest = right.items if isinstance(right, Dollar) else (right,)
    p[0] = Dollar((p[1],) + rest, p[2].span)


def p_pass(p):
    """expr : atom
            | call"""
    p[0] = p[1]


def p_binop(p):
    """expr : expr PLUS expr
            | expr MINUS expr
            | expr TMINUS expr
            | expr STAR expr
            | expr SLASH expr"""
    p[0] = BinOp(p[2].text, p[1], p[3], p[2].span)


def p_neg(p):
    """expr : MINUS expr %prec UMINUS
            | TMINUS expr %prec UMINUS"""
    p[0] = Neg(p[2], p[1].span)


def p_chain(p):
    "expr : expr HASH chainright"
    # The right side is one call; the rule ends there, so `a # f x * 2` is `(a # f x) * 2`.
    p[0] = Chain(p[1], p[3], p[2].span)


def p_chainright_name(p):
    "chainright : NAME %prec CALLEND"
    p[0] = Name(p[1].text, p[1].span)


def p_call(p):
    """chainright : NAME args %prec CALLEND
       call       : NAME args %prec CALLEND"""
    pos = tuple(a for a in p[2] if not isinstance(a, Kwarg))
    kws = tuple(a for a in p[2] if isinstance(a, Kwarg))
    p[0] = Call(p[1].text, pos, kws, p[1].span)


def p_args(p):
    """args : args arg
            | arg"""
    p[0] = p[1] + [p[2]] if len(p) == 3 else [p[1]]


def p_arg(p):
    """arg   : atom
             | neglit
       kwval : atom
             | neglit"""
    p[0] = p[1]


def p_kwarg(p):
    """arg : KEYWORD kwval
           | COLONKW kwval"""
    p[0] = Kwarg(p[1].text, p[2], p[1].span)


def p_neglit(p):
    "neglit : TMINUS NUMBER"
    num = p[2]
    span = Span(p[1].line, p[1].col, num.end - p[1].pos)
    p[0] = Num(-Fraction(num.text), "-" + num.text, span)


def p_atom_number(p):
    "atom : NUMBER"
    p[0] = Num(Fraction(p[1].text), p[1].text, p[1].span)


def p_atom_string(p):
    "atom : STRING"
    p[0] = Str(p[1].text[1:-1], p[1].span)


def p_atom_bus(p):
    "atom : BUS"
    p[0] = BusRef(p[1].text[1:], p[1].span)


def p_atom_name(p):
    "atom : NAME %prec CALLEND"
    p[0] = Name(p[1].text, p[1].span)


def p_atom_paren(p):
    "atom : LPAREN expr RPAREN"
    p[0] = Paren(p[2], p[1].span)


def p_atom_section(p):
    "atom : LPAREN HASH chainright RPAREN"
    p[0] = ChainSection(p[3], p[1].span)


def p_atom_list(p):
    """atom : LBRACK RBRACK
            | LBRACK items RBRACK
            | LBRACK items COMMA RBRACK"""
    p[0] = ListExpr(tuple(p[2]) if len(p) > 3 else (), p[1].span)


def p_items(p):
    """items : expr
             | items COMMA expr"""
    p[0] = p[1] + [p[3]] if len(p) == 4 else [p[1]]


class _ParseFail(Exception):
    """Raised from p_error; `parse` turns it into a PhononSyntaxError with full context."""

    def __init__(self, tok: Optional[Tok]):
        super().__init__(tok)
        self.tok = tok


def p_error(tok):
    raise _ParseFail(tok)


_PARSER = yacc.yacc(start="expr", write_tables=False, debug=False, errorlog=yacc.NullLogger())
_LOCK = threading.Lock()   # a PLY parser keeps its stacks on the instance


class _Feed:
    """The token source PLY pulls from: one statement's body."""

    def __init__(self, toks: list[Tok]):
        self.toks = toks
        self.i = 0

    def token(self) -> Optional[Tok]:
        if self.i < len(self.toks):
            self.i += 1
            return self.toks[self.i - 1]
        return None


# ---------------------------------------------------------------------------------------------
# Statements

_OUT_RE = re.compile(r"(?:out|o|d)(\d+)\Z")
_TEMPO_KIND = {"tempo": "cps", "cps": "cps", "bpm": "bpm"}
_STATEMENT_FORMS = "'out:', 'outN:' (or 'oN:', 'dN:'), '~name:', 'tempo:' (or 'cps:'), 'bpm:'"


class _Head:
    """A statement head: `out:`, `o2 $`, `~lfo:`, `tempo:` ..."""

    def __init__(self, kind: str, name: str, name_tok: Tok, sep: str, sep_end: int):
        self.kind = kind          # "tempo" | "bus" | "out"
        self.name = name          # tempo kind, bus name (no "~") or normalized output name
        self.tok = name_tok
        self.sep = sep            # ":" or "$"
        self.sep_end = sep_end    # offset after the separator
        self.line = name_tok.line

    @property
    def written(self) -> str:
        return self.tok.text

    @property
    def display(self) -> str:
        return f"{self.written}:" if self.sep == ":" else f"{self.written} $"


def _out_name(name: str) -> Optional[str]:
    if name == "out":
        return "out"
    m = _OUT_RE.match(name)
    return f"out{int(m.group(1))}" if m else None


def _split(src: Source, toks: list[Tok]) -> list[tuple[_Head, list[Tok]]]:
    """Group tokens into statements: a line whose first tokens form a head starts one."""
    stmts: list[tuple[_Head, list[Tok]]] = []
    i, n = 0, len(toks)
    while i < n:
        t = toks[i]
        nxt = toks[i + 1] if i + 1 < n and toks[i + 1].line == t.line else None
        head = None
        if t.first_on_line:
            head = _head_at(src, t, nxt)
            if head is None and not stmts:
                if t.type == "KEYWORD":
                    raise _unknown_statement(src, t)
                raise src.error(f"expected a statement, got {_describe(t)}", t.span,
                                f"a statement starts its line with {_STATEMENT_FORMS}, "
                                "like 'out: s \"bd*4\"'")
            if head is None and t.type == "KEYWORD" and t.col == 1:
                raise _unknown_statement(src, t)
        if head is not None:
            stmts.append((head, []))
            if nxt is not None and nxt.type == "COLONKW" and t.type != "KEYWORD":
                toks[i + 1] = Tok("NAME", nxt.text, nxt.pos + 1, nxt.end, nxt.line, nxt.col + 1)
                i += 1
            else:
                i += 1 if t.type == "KEYWORD" else 2
            continue
        stmts[-1][1].append(t)
        i += 1
    return stmts


def _head_at(src: Source, t: Tok, nxt: Optional[Tok]) -> Optional[_Head]:
    if t.type == "KEYWORD":
        sep, sep_end = ":", t.end
    elif t.type in ("NAME", "BUS") and nxt is not None and nxt.type in ("COLON", "DOLLAR"):
        sep, sep_end = nxt.text, nxt.end
    elif t.type in ("NAME", "BUS") and nxt is not None and nxt.type == "COLONKW":
        sep, sep_end = ":", nxt.pos + 1      # `~lfo :sine 0.25`: the name after ':' is the body
    else:
        sep = sep_end = None
    if t.type == "BUS":
        return _Head("bus", t.text[1:], t, sep, sep_end) if sep else None
    if t.type not in ("NAME", "KEYWORD"):
        return None
    out = _out_name(t.text)
    if t.text in _TEMPO_KIND:
        if sep != ":":
            raise src.error(f"expected ':' after '{t.text}'", t.span, f"write '{t.text}: "
                            f"{'120' if t.text == 'bpm' else '0.5'}'")
        return _Head("tempo", _TEMPO_KIND[t.text], t, sep, sep_end)
    if out is not None:
        if sep is None:
            raise src.error(f"expected ':' or '$' after '{t.text}'", t.span,
                            f"write '{t.text}: s \"bd*4\"' or '{t.text} $ s \"bd*4\"'")
        return _Head("out", out, t, sep, sep_end)
    return None


def _unknown_statement(src: Source, t: Tok) -> PhononSyntaxError:
    return src.error(f"unknown statement '{t.text}:'", Span(t.line, t.col, t.end - t.pos),
                     f"a statement starts with {_STATEMENT_FORMS}; a bus name starts with '~' "
                     f"('~{t.text}:'); to continue the previous line with a keyword argument, "
                     "indent the line")


def _check_brackets(src: Source, body: list[Tok]) -> dict[int, int]:
    """Balanced ( ) and [ ]; returns open index -> close index. Errors point at the opening one."""
    pairs = {"RPAREN": ("LPAREN", "(", ")"), "RBRACK": ("LBRACK", "[", "]")}
    closer = {"LPAREN": ")", "LBRACK": "]"}
    stack: list[int] = []
    match: dict[int, int] = {}
    for k, t in enumerate(body):
        if t.type in closer:
            stack.append(k)
        elif t.type in pairs:
            want, opener, close = pairs[t.type]
            if not stack:
                raise src.error(f"unmatched '{close}'", t.span,
                                f"remove it, or add the '{opener}' it closes")
            top = body[stack[-1]]
            if top.type != want:
                raise src.error(f"unclosed '{top.text}'", top.span,
                                f"it is closed by '{close}' at {t.line}:{t.col}; "
                                f"close it with '{closer[top.type]}'")
            match[stack.pop()] = k
    if stack:
        top = body[stack[-1]]
        where = "" if body[-1].line == top.line else f" (the statement ends at line {body[-1].line})"
        raise src.error(f"unclosed '{top.text}'", top.span,
                        f"add the matching '{closer[top.type]}'{where}")
    return match


def _check_comma_calls(src: Source, body: list[Tok], match: dict[int, int]) -> None:
    """`lpf(500, 0.8)` -> explain juxtaposition, with the call rewritten from its source text."""
    for k, t in enumerate(body):
        if t.type != "LPAREN" or k == 0 or body[k - 1].type != "NAME":
            continue
        close = match[k]
        pieces, start, depth = [], k + 1, 0
        for j in range(k + 1, close + 1):
            tj = body[j]
            if tj.type in ("LPAREN", "LBRACK"):
                depth += 1
            elif tj.type in ("RPAREN", "RBRACK") and j != close:
                depth -= 1
            elif (tj.type == "COMMA" and depth == 0) or j == close:
                pieces.append(body[start:j])
                start = j + 1
        if len(pieces) < 2:
            continue
        words = [body[k - 1].text] + [_arg_text(src, p, match, body) for p in pieces if p]
        end = body[close].end if body[close].line == t.line else t.end
        raise src.error(f"Phonon calls functions by juxtaposition: write '{' '.join(words)}'",
                        Span(t.line, t.col, end - t.pos),
                        "separate arguments with spaces, not commas, and put a nested call in "
                        "parentheses, like 'lpf (sine 2) 0.8'")


def _arg_text(src: Source, piece: list[Tok], match: dict[int, int], body: list[Tok]) -> str:
    text = " ".join(src.text[piece[0].pos:piece[-1].end].split())
    single = (len(piece) == 1
              or (len(piece) == 2 and piece[0].type == "TMINUS")
              or (piece[0].type in ("LPAREN", "LBRACK")
                  and match.get(body.index(piece[0])) == body.index(piece[-1])))
    return text if single else f"({text})"


# ---------------------------------------------------------------------------------------------
# Parse errors from the grammar

_OPERATORS = {"PLUS", "MINUS", "TMINUS", "STAR", "SLASH", "DOLLAR", "LPAREN", "LBRACK", "COMMA"}
_VALUE_START = {"NUMBER", "STRING", "BUS", "NAME", "LPAREN", "LBRACK", "KEYWORD", "COLONKW"}
_NOTHING_AFTER_HINTS = {
    "DOLLAR": "'$' needs an expression on its right, like 'fast 2 $ s \"bd\"'",
    "HASH": "'#' needs a function on its right, like '# lpf 1000'",
    "KEYWORD": "give the keyword argument a value, like 'q:0.8'",
    "COLONKW": "give the keyword argument a value, like ':q 0.8'",
}


def _describe(t: Tok) -> str:
    if t.type == "STRING":
        shown = t.text if len(t.text) <= 24 else t.text[:20] + '..."'
        return f"string {shown}"
    return f"'{t.source}'"


def _syntax_error(src: Source, head: _Head, body: list[Tok], fail: _ParseFail,
                  feed: _Feed) -> PhononSyntaxError:
    tok = fail.tok
    if tok is None:   # the statement ended while the grammar wanted more
        last = body[-1]
        op_hint = f"'{last.source}' needs a value on its right"
        return src.error(f"nothing after '{last.source}'", last.span,
                         _NOTHING_AFTER_HINTS.get(last.type, op_hint))
    k = feed.i - 1
    prev = body[k - 1] if k > 0 else None
    hint = None
    if tok.type == "COLON":
        if k == len(body) - 1:
            return src.error("stray ':' at the end of the line", tok.span,
                             "keyword arguments are written 'q:0.8' or ':q 0.8'")
        expected = None
        hint = ("keyword arguments are written 'q:0.8' (no space before ':') or ':q 0.8'; "
                "a statement head like 'out:' starts its own line")
    elif prev is None or prev.type in _OPERATORS:
        expected = f"expected an expression after '{head.display if prev is None else prev.source}'"
        if tok.type in ("KEYWORD", "COLONKW"):
            hint = "keyword arguments follow a function name, like 'lpf 1000 q:0.8'"
    elif prev.type == "HASH":
        expected = "expected a function name after '#'"
        hint = "the right side of '#' is one function call, like '# lpf 1000 0.8'"
    elif prev.type in ("KEYWORD", "COLONKW"):
        expected = f"expected a value for '{prev.text}'"
        hint = ("a keyword value is a number, string, ~bus, name or parenthesized expression, "
                "like 'q:0.8' or 'q:(~lfo * 2)'")
    else:
        opener = _innermost_open(body, k)
        if opener is not None and opener + 1 < len(body) and body[opener + 1].type == "HASH" \
                and body[opener].type == "LPAREN":
            expected = "expected ')' to close the section"
            hint = "a section holds one function call, like '(# speed 2)'"
        elif opener is not None and body[opener].type == "LPAREN":
            expected = "expected an operator or ')'"
        elif opener is not None:
            expected = "expected an operator, ',' or ']'"
        else:
            expected = "expected an operator or the end of the statement"
        if tok.type == "COMMA" and opener is not None and body[opener].type == "LPAREN":
            hint = "function arguments are separated by spaces; a list is written [a, b]"
        elif tok.type in _VALUE_START or tok.type == "TMINUS":
            if prev.type == "BUS":
                hint = (f"'{prev.text}' is a bus, not a function; combine it with an operator, "
                        f"like '{prev.text} * 0.5'")
            elif opener is not None and body[opener].type == "LBRACK":
                hint = "list items are separated by commas, like [a, b]"
            elif tok.type == "KEYWORD" and (tok.text in _TEMPO_KIND or _out_name(tok.text)):
                hint = f"a statement like '{tok.text}:' starts its own line"
            elif tok.type in ("KEYWORD", "COLONKW"):
                hint = "keyword arguments follow a function name, like 'lpf 1000 q:0.8'"
            else:
                hint = ("only a function name takes arguments, like 'lpf 1000 0.8'; combine "
                        "values with + - * /, and put a nested call in parentheses")
        if expected != "expected ')' to close the section" and any(
                t.type == "HASH" and t.line == tok.line and body[j - 1].type != "LPAREN"
                for j, t in enumerate(body[:k])):
            # `saw 110 # lpf 1000  # a comment, with words` - the classic '#'-comment slip
            note = "if the text after '#' is a comment, start it with '--': '#' chains a function"
            hint = f"{hint}; {note}" if hint else note
    if tok.line != head.line and tok.type != "COLON":
        first = next(t for t in body if t.line == tok.line)
        also = f"did you mean '{first.text}: ...'? " if first.type == "BUS" else ""
        hint = (f"{also}line {tok.line} continues the statement from line {head.line}, because "
                f"it does not start with {_STATEMENT_FORMS}")
    message = f"unexpected {_describe(tok)}" + (f"; {expected}" if expected else "")
    return src.error(message, tok.span, hint)


def _innermost_open(body: list[Tok], k: int) -> Optional[int]:
    stack = []
    for j in range(k):
        if body[j].type in ("LPAREN", "LBRACK"):
            stack.append(j)
        elif body[j].type in ("RPAREN", "RBRACK") and stack:
            stack.pop()
    return stack[-1] if stack else None


# ---------------------------------------------------------------------------------------------

_EMPTY_HINTS = {
    "tempo": "write a value after it, like 'tempo: 0.5'",
    "bus": "write an expression after it, like '~lfo: sine 0.25'",
    "out": "write an expression after it, like 'out: s \"bd*4\"'",
}


def parse(text: str, filename: Optional[str] = None) -> Program:
    """Parse Phonon source into a Program. Raises PhononSyntaxError (with line:col, the
    line, a caret and a hint) on any error. A program of only comments has no statements."""
    src = Source(text, filename)
    statements = []
    for head, body in _split(src, tokenize(src)):
        if not body:
            span = Span(head.line, head.tok.col, head.sep_end - head.tok.pos) \
                if src.line_col(head.sep_end - 1)[0] == head.line else head.tok.span
            hint = "write a value after it, like 'bpm: 120'" if head.name == "bpm" \
                else _EMPTY_HINTS[head.kind]
            raise src.error(f"{head.written}: nothing after '{head.sep}'", span, hint)
        match = _check_brackets(src, body)
        _check_comma_calls(src, body, match)
        feed = _Feed(body)
        try:
            with _LOCK:
                expr = _PARSER.parse(lexer=feed)
        except _ParseFail as fail:
            raise _syntax_error(src, head, body, fail, feed) from None
        span = Span(head.line, head.tok.col, len(head.written))
        kind = {"tempo": Tempo, "bus": BusDef, "out": OutDef}[head.kind]
        statements.append(kind(head.name, expr, span))
    return Program(tuple(statements), source=text)
