"""Parser of the Phonon language: text -> `phonon.dsl.ast.Program`.

Stages: `lexer.tokenize` (PLY lex + spacing rules) -> split into statements at lines
that start with a statement head (`out:`, `~bus:`, `tempo:`, Tidal's `d1 $`, `setcps` ...;
any other line continues the previous statement, a blank line ends a Tidal block) ->
per-statement checks that give better messages than an LR parser can (brackets,
`f(a, b)`, empty statements) -> PLY yacc over the statement body.

Precedence is Haskell's, with the fixities Tidal 1.9 gives its operators (none are
declared in Sound/Tidal/Core.hs, so `#`, `|+|` ..., `<~`, `~>` are Haskell's default
`infixl 9`); lowest first:

    $  (infixr 0)  <  + -  (infixl 6)  <  * / %  (infixl 7)  <  # |op| <~ ~>  (infixl 9)
    <  .  (infixr 9; mixing it with the infixl 9 operators unparenthesized is an error,
    as in Haskell)  <  unary -  <  call by juxtaposition

`#` takes one call on its right, so `a # f x * 0.3` is `(a # f x) * 0.3`, and
`every 2 (fast 2) $ s "bd sn" # speed 2` is `every 2 (fast 2) $ (s "bd sn" # speed 2)`.
Unary minus binds tighter than any infix operator (Haskell gives it 6): `-0.25 <~ p`
shifts by -0.25. Sections follow Haskell: `(op e)` needs `e` to bind tighter than `op`
(`(* 2 + 1)` is an error), `(e op)` likewise (`(1/8 <~)`: write `((1/8) <~)`).

Tidal's layout and statements, as a Tidal file is read top to bottom:
* a line starting with `#`, `$` or any operator continues the statement above; `d1` alone
  on its line takes the `$ ...` lines after it; a blank line ends a statement (a Tidal
  block), except inside brackets;
* `setcps x`, Strudel's `setcpm x` and Tidal 1.10's `setbpm x` (= `setcpm (x / 4)`) are
  tempo statements; `do` only groups lines;
* `let name = expr` (values, not functions) is substituted where `name` is used later;
* `hush` is ignored offline and an output defined again replaces the first: both are
  `Program.notes` and `TidalNote` warnings;
* live-only statements (`once`, `xfade`, `solo`, `p "name"` ...) are errors naming the
  Phonon spelling; so are Strudel's `$:` and `.method(...)` calls;
* a tuple argument `f (a, b)` (a space before the paren) is spliced: `zoom (0.25, 0.75)`.
"""
from __future__ import annotations

import dataclasses
import re
import threading
import warnings
from fractions import Fraction
from typing import Optional

import ply.yacc as yacc

from ..errors import LimitError, PhononSyntaxError, Span
from ..limits import MAX_NESTING
from .ast import (BinOp, BusDef, BusRef, Call, Chain, ChainSection, Compose, Dollar, Kwarg,
                  ListExpr, Name, Neg, Num, OutDef, Paren, Program, Section, Str, Tempo)
from .lexer import Source, Tok, qualified_name, tokenize, tokens  # noqa: F401  (`tokens` is read by PLY)

__all__ = ["parse", "TidalNote"]


class TidalNote(UserWarning):
    """A statement accepted with a note: `hush` (ignored offline), an output defined again
    (the last one plays). The notes are also in `Program.notes`."""


# ---------------------------------------------------------------------------------------------
# Grammar (PLY reads the docstrings). The start symbol is `expr`: one statement's body.

precedence = (
    ("nonassoc", "CALLEND"),           # a call ends unless `-3` follows: `f 1 -3` is f(1, -3)
    ("right", "DOLLAR"),
    ("left", "PLUS", "MINUS", "TMINUS"),
    ("left", "STAR", "SLASH", "PERCENT"),
    ("left", "HASH", "PIPEOP", "TSHIFT"),
    ("right", "DOT"),
    ("right", "UMINUS"),
)

# Haskell fixities, for the section and mixing checks (the table above drives the grammar).
_PREC = {"$": 0, "<>": 6, "+": 6, "-": 6, "*": 7, "/": 7, "%": 7, "#": 9, ".": 9,
         "==": 4, "/=": 4, "<": 4, "<=": 4, ">": 4, ">=": 4, "`mod`": 7, "`mod'`": 7}


def _prec(op: str) -> int:
    return _PREC.get(op, 9)   # |op| family, <~, ~>


def _level(e) -> Optional[int]:
    """The fixity of an unparenthesized infix expression; None for atoms, calls, Neg."""
    if isinstance(e, Dollar):
        return 0
    if isinstance(e, BinOp):
        return _prec(e.op)
    if isinstance(e, (Chain, Compose)):
        return 9
    return None


def p_dollar(p):
    "expr : expr DOLLAR expr"
    right = p[3]   # `a $ b $ c` is right-associative; a parenthesized Dollar is a Paren
    rest = right.items if isinstance(right, Dollar) else (right,)
    p[0] = Dollar((p[1],) + rest, p[2].span)


def p_compose(p):
    "expr : expr DOT expr"
    left, right = p[1], p[3]
    for side in (left, right):
        if isinstance(side, (Chain, BinOp)) and _level(side) == 9:
            _mixing(side, p[2])
    rest = right.items if isinstance(right, Compose) else (right,)
    p[0] = Compose((left,) + rest, p[2].span)


def _mixing(e, dot: Tok):
    op = "#" if isinstance(e, Chain) else e.op
    raise _GrammarFail(f"cannot mix '.' and '{op}' without parentheses", dot.span,
                       f"both have precedence 9 in Haskell, '.' to the right and '{op}' to the "
                       f"left: put the '{op}' expression in parentheses, like '(# speed 2) . rev'")


def p_pass(p):
    """expr : atom
            | call"""
    p[0] = p[1]


def p_binop(p):
    """expr : expr PLUS expr
            | expr MINUS expr
            | expr TMINUS expr
            | expr STAR expr
            | expr SLASH expr
            | expr PERCENT expr
            | expr PIPEOP expr
            | expr TSHIFT expr"""
    for side in (p[1], p[3]):
        if isinstance(side, Compose) and p[2].type in ("PIPEOP", "TSHIFT"):
            _mixing(BinOp(p[2].text, p[1], p[3], p[2].span), p[2])
    op = "/" if p[2].type == "PERCENT" else p[2].text   # Haskell's 1%8 is the ratio 1/8
    p[0] = BinOp(op, p[1], p[3], p[2].span)


def p_neg(p):
    """expr : MINUS expr %prec UMINUS
            | TMINUS expr %prec UMINUS"""
    p[0] = Neg(p[2], p[1].span)


def p_chain(p):
    "expr : expr HASH chainright"
    # The right side is one call; the rule ends there, so `a # f x * 2` is `(a # f x) * 2`.
    if isinstance(p[1], Compose):
        _mixing(Chain(p[1], p[3], p[2].span), p[2])
    p[0] = Chain(p[1], p[3], p[2].span)


def p_chainright_paren(p):
    "chainright : LPAREN chaingroup RPAREN"
    p[0] = p[2]    # `# (speed 2)` is `# speed 2`


def p_chaingroup(p):
    """chaingroup : chainright
                  | chaingroup HASH chainright"""
    # `# (room 0.8 # sz 0.99)`: a control pattern of its own, set as a whole (Tidal's `#`)
    p[0] = p[1] if len(p) == 2 else Chain(p[1], p[3], p[2].span)


def p_chainright_string(p):
    "chainright : STRING"
    # `# "superpiano"`: a string is a sound pattern where controls go (Tidal's IsString
    # ControlPattern, `fromString = s . parseBP_E`)
    p[0] = Call("s", (Str(p[1].text[1:-1], p[1].span),), (), p[1].span)


def p_chainright_name(p):
    "chainright : NAME %prec CALLEND"
    p[0] = Name(qualified_name(p[1].text), p[1].span)


def p_call(p):
    """chainright : NAME args %prec CALLEND
       call       : NAME args %prec CALLEND"""
    pos = tuple(a for a in p[2] if not isinstance(a, Kwarg))
    kws = tuple(a for a in p[2] if isinstance(a, Kwarg))
    p[0] = Call(qualified_name(p[1].text), pos, kws, p[1].span)


def p_args(p):
    """args : args arg
            | arg"""
    arg = p[len(p) - 1]
    new = list(arg) if isinstance(arg, _Tuple) else [arg]
    p[0] = p[1] + new if len(p) == 3 else new


class _Tuple(tuple):
    """A Haskell tuple argument, spliced into the call: `zoom (0.25, 0.75)` = `zoom 0.25 0.75`."""


def p_arg_tuple(p):
    "arg : LPAREN expr COMMA items RPAREN"
    p[0] = _Tuple([p[2]] + p[4])


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
    p[0] = Name(qualified_name(p[1].text), p[1].span)


def p_atom_paren(p):
    "atom : LPAREN expr RPAREN"
    p[0] = Paren(p[2], p[1].span)


def p_atom_apply_op(p):
    "atom : LPAREN DOLLAR RPAREN"
    # `($)` as a function argument: `spread ($) [fast 2, rev]` (the compiler accepts it there)
    p[0] = Name("$", p[1].span)


def p_atom_operator(p):
    """atom : LPAREN PLUS RPAREN
            | LPAREN MINUS RPAREN
            | LPAREN STAR RPAREN
            | LPAREN SLASH RPAREN"""
    # `(+)` as a function: `(+) <$> "0 2" <*> "<0 12>"` (Haskell's liftA2 (+): the compiler takes it there)
    p[0] = Name(p[2].text, p[1].span)


def p_atom_section(p):
    "atom : LPAREN HASH chainright RPAREN"
    p[0] = ChainSection(p[3], p[1].span)


def p_atom_right_section(p):
    """atom : LPAREN PLUS expr RPAREN
            | LPAREN STAR expr RPAREN
            | LPAREN SLASH expr RPAREN
            | LPAREN PIPEOP expr RPAREN
            | LPAREN TSHIFT expr RPAREN"""
    # `(op x)` = \p -> p op x (not for <~ ~>: see below); `(- x)` is negation, as in Haskell.
    # The operand must bind tighter than the operator (Haskell's rule): `(* 2 + 1)` is an
    # error, `(+ 2 * 3)` is fine.
    op, operand = p[2].text, p[3]
    if p[2].type == "TSHIFT":
        # `(<~ x)` would shift x by the pattern it is given: a type error in Tidal for
        # control patterns; the shift the writer means is the left section `(x <~)`.
        raise _GrammarFail(f"'({op} ...)' shifts its operand by the pattern it is applied to",
                           p[1].span, f"to shift a pattern by an amount, put the amount on the "
                           f"left: '({{text}} {op})'", operand, p[4].pos)
    lvl = _level(operand)
    if lvl is not None and lvl <= _prec(op):
        raise _GrammarFail(f"the section '({op} ...)' needs its operand in parentheses",
                           p[1].span, f"'{{text}}' binds less tightly than '{op}' (Haskell's "
                           f"precedence): write '({op} ({{text}}))'", operand, p[4].pos)
    p[0] = Section(op, operand, "right", p[1].span)


def p_atom_left_section(p):
    """atom : LPAREN expr PLUS RPAREN
            | LPAREN expr MINUS RPAREN
            | LPAREN expr TMINUS RPAREN
            | LPAREN expr STAR RPAREN
            | LPAREN expr SLASH RPAREN
            | LPAREN expr PIPEOP RPAREN
            | LPAREN expr TSHIFT RPAREN"""
    # `(x op)` = \p -> x op p; the LR parse already rejects `(1/8 <~)` (see _syntax_error)
    p[0] = Section(p[3].text, p[2], "left", p[1].span)


def p_atom_test_section(p):
    """atom : LPAREN CMPOP expr RPAREN
            | LPAREN BACKOP expr RPAREN
            | LPAREN expr CMPOP RPAREN
            | LPAREN expr BACKOP RPAREN"""
    # Haskell's comparison sections `(> 0.5)` `(0.5 <)` and `(\`mod\` 2)`: number functions
    # for the tests of ifp and whenT (the compiler accepts them there only)
    right = isinstance(p[2], Tok)
    optok, operand = (p[2], p[3]) if right else (p[3], p[2])
    op = optok.text
    lvl = _level(operand)
    if lvl is not None and lvl <= _prec(op):
        raise _GrammarFail(f"the section '({op} ...)' needs its operand in parentheses",
                           p[1].span, f"'{{text}}' binds less tightly than '{op}' (Haskell's "
                           f"precedence): write '({op} ({{text}}))'", operand, p[4].pos)
    p[0] = Section(op, operand, "right" if right else "left", p[1].span)


def p_atom_list(p):
    """atom : LBRACK RBRACK
            | LBRACK items RBRACK
            | LBRACK items COMMA RBRACK"""
    p[0] = ListExpr(tuple(p[2]) if len(p) > 3 else (), p[1].span)


def p_atom_range(p):
    "atom : LBRACK RANGE RBRACK"
    # Haskell's `[a .. b]`: the whole numbers from a to b (down when b < a is empty, as in Haskell)
    a, b = (int(x) for x in re.split(r"\s*\.\.\s*", p[2].text.strip()))
    if b - a >= 4096:
        raise _GrammarFail(f"the list range [{a} .. {b}] has {b - a + 1} items; at most 4,096",
                           p[2].span, "write a shorter range, or a pattern: \"0 .. 15\"")
    p[0] = ListExpr(tuple(Num(Fraction(k), str(k), p[2].span) for k in range(a, b + 1)), p[1].span)


def p_items(p):
    """items : expr
             | items COMMA expr"""
    p[0] = p[1] + [p[3]] if len(p) == 4 else [p[1]]


def p_items_tuple(p):
    """items : tuple_item
             | items COMMA tuple_item"""
    p[0] = p[1] + [p[3]] if len(p) == 4 else [p[1]]


def p_tuple_item(p):
    "tuple_item : LPAREN expr COMMA items RPAREN"
    # A Haskell tuple as a list item (`wchoose [("bd", 1), ("sn", 0.5)]`): a ListExpr of its parts
    p[0] = ListExpr(tuple([p[2]] + p[4]), p[1].span)


class _ParseFail(Exception):
    """Raised from p_error; `parse` turns it into a PhononSyntaxError with full context."""

    def __init__(self, tok: Optional[Tok]):
        super().__init__(tok)
        self.tok = tok


def p_error(tok):
    raise _ParseFail(tok)


class _GrammarFail(Exception):
    """A construct the grammar accepts but Haskell does not (section operands, `.` mixed
    with `#`): raised from an action with its own message."""

    def __init__(self, message: str, span: Span, hint: str, operand=None, end: int = 0):
        super().__init__(message)
        self.message, self.span, self.hint = message, span, hint
        self.operand, self.end = operand, end   # hint has '{text}': the operand's source

    def error(self, src: Source) -> PhononSyntaxError:
        hint = self.hint
        if self.operand is not None:
            hint = hint.format(text=src.text[_first_pos(src, self.operand):self.end].rstrip())
        return src.error(self.message, self.span, hint)


def _first_pos(src: Source, e) -> int:
    """Offset of the leftmost token of an expression."""
    while True:
        if isinstance(e, (BinOp, Chain)):
            e = e.left
        elif isinstance(e, (Dollar, Compose)):
            e = e.items[0]
        else:
            break
    return src.line_starts[e.span.line - 1] + e.span.col - 1


def _build_parser():
    """PLY's LR tables, built once per grammar and kept in the cache folder (building them
    costs about 45 ms of every start-up; loading the pickle under 1 ms). The file name
    carries a digest of this module and the lexer, so a changed grammar builds anew; it is
    written under a temporary name and renamed, so a concurrent start never reads half a
    file; any trouble with the cache falls back to building in memory."""
    import hashlib
    import os
    import sys

    from ..cache import cache_dir
    from . import lexer as lexmod
    kw = dict(module=sys.modules[__name__], start="expr", write_tables=False, debug=False,
              errorlog=yacc.NullLogger())
    try:
        digest = hashlib.sha256()
        for f in (__file__, lexmod.__file__):
            with open(f, "rb") as fh:
                digest.update(fh.read())
        digest.update(str(yacc.__tabversion__).encode())
        path = cache_dir() / f"parsetab-{digest.hexdigest()[:16]}.pickle"
        if path.is_file():
            try:
                return yacc.yacc(picklefile=str(path), **kw)
            except Exception:  # noqa: BLE001  (a damaged cache file: build anew)
                pass
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        parser = yacc.yacc(picklefile=str(tmp), **kw)
        try:
            os.replace(tmp, path)
        except OSError:
            pass
        return parser
    except (OSError, RuntimeError):  # no cache folder (read-only or no home): in memory
        return yacc.yacc(**kw)


_PARSER = _build_parser()
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
# Tidal's setcps; Strudel's setcpm; Tidal 1.10's setbpm, whose clock has 4 beats per cycle
# (tidal-link Sound/Tidal/Clock.hs: clockBeatsPerCycle = 4), read as setcpm (x / 4).
_TIDAL_TEMPO = {"setcps": "cps", "setcpm": "cpm", "setbpm": "bpm4"}
_STATEMENT_FORMS = ("'out:', 'outN:' (or 'oN:', 'dN:', 'd1 $'), '~name:', 'tempo:' "
                    "(or 'cps:', 'setcps 0.5'), 'bpm:'")
_OPENERS = {"LPAREN": 1, "LBRACK": 1, "RPAREN": -1, "RBRACK": -1}
# A line ending in one of these continues on the next line (a statement word there is an argument).
_CONTINUES = {"PLUS", "MINUS", "TMINUS", "STAR", "SLASH", "PERCENT", "HASH", "DOLLAR", "PIPEOP",
              "TSHIFT", "DOT", "COMMA", "KEYWORD", "COLONKW", "LPAREN", "LBRACK"}

_LIVE = ("a live-performance control",
         "leave it out: a rendered file plays every output it defines (render one with --stems)")
_TRANSITION = ("a live transition between two patterns",
               "write the pattern it moves to as an output: 'd1 $ s \"bd sn\"'")
# Tidal statements Phonon does not support offline: what they are, and the Phonon spelling.
_TIDAL_ONLY = {
    "once": ("it plays a pattern once, live", "render it as an output: 'd1 $ s \"bd sn\"' "
             "(and 'phonon render --cycles 1')"),
    "import": ("a Haskell import", "delete the line: Phonon needs no imports"),
    "p": ("a named output: `p \"name\" $ ...`", "write 'p \"drums\" $ s \"bd sn\"' or 'd1 $ s \"bd sn\"'"),
    "all": ("it applies a function to every output, live",
            "apply it in each output: 'd1 $ f $ ...'"),
    **{w: _TRANSITION for w in ("xfade", "xfadeIn", "clutch", "clutchIn", "jumpIn", "jumpIn'",
                                "jump",
                                "jumpMod", "wait", "wash", "interpolate", "interpolateIn",
                                "anticipate", "anticipateIn", "histpan", "fadeOutFrom",
                                "fadeInFrom")},
    **{w: _LIVE for w in ("solo", "unsolo", "mute", "unmute", "muteAll", "unmuteAll", "unsoloAll",
                          "panic", "resetCycles", "setCycle", "asap", "streamReplace")},
}
_HUSH_NOTE = ("'hush' is ignored: live, it silences every output; a rendered file plays every "
              "output it defines (delete the ones you do not want)")


class _Head:
    """A statement head: `out:`, `o2 $`, `~lfo:`, `tempo:`, `d1 $`, `setcps` ..."""

    def __init__(self, kind: str, name: str, name_tok: Tok, sep: str, sep_end: int):
        self.kind = kind          # "tempo" | "bus" | "out"
        self.name = name          # tempo kind, bus name (no "~") or normalized output name
        self.tok = name_tok
        self.sep = sep            # ":", "$" or "" (`setcps 0.5`, `d1 silence`)
        self.sep_end = sep_end    # offset after the separator
        self.line = name_tok.line

    @property
    def written(self) -> str:
        return self.tok.text

    @property
    def display(self) -> str:
        return {":": f"{self.written}:", "$": f"{self.written} $"}.get(self.sep, self.written)


def _named_output(toks: list, i: int, nxt) -> Optional[_Head]:
    """Tidal's named outputs, `p "drums" $ ...` (an output called drums) and `p 1 $ ...`
    (d1); None where toks[i] does not start one."""
    t = toks[i]
    after = toks[i + 2] if i + 2 < len(toks) and toks[i + 2].line == t.line else None
    if t.text != "p" or nxt is None or nxt.type not in ("STRING", "NUMBER") or after is None \
            or after.type != "DOLLAR":
        return None
    if nxt.type == "NUMBER":
        if not nxt.text.isdigit():
            return None
        name = f"out{int(nxt.text)}"
    else:
        name = re.sub(r"[^A-Za-z0-9_-]+", "_", nxt.text[1:-1]).strip("_") or "p"
        if _OUT_RE.match(name) or name == "out":
            name = f"p_{name}"
    return _Head("out", name, t, "$", after.end)


def _out_name(name: str) -> Optional[str]:
    if name == "out":
        return "out"
    m = _OUT_RE.match(name)
    return f"out{int(m.group(1))}" if m else None


def _split(src: Source, toks: list[Tok], notes: list) -> list[tuple[_Head, list[Tok]]]:
    """Group tokens into statements: a line whose first tokens form a head starts one;
    other lines continue the statement above, unless a blank line comes between (outside
    brackets): a blank line ends a Tidal block."""
    stmts: list[tuple[_Head, list[Tok]]] = []
    i, n = 0, len(toks)
    depth = 0            # open brackets in the current statement
    line_start = False   # the token after `do` starts a statement like a line's first token
    while i < n:
        t = toks[i]
        nxt = toks[i + 1] if i + 1 < n and toks[i + 1].line == t.line else None
        head = None
        if (t.type == "NAME" and t.text == "in" and depth == 0 and stmts and stmts[-1][0] is not None
                and stmts[-1][0].kind == "let"):
            # Haskell's `let x = ... in d1 $ ...` (on one line or the next): the bindings are
            # substituted in the statements after, so `in` only ends the let
            line_start = i + 1 < n
            stmts.append((None, []))
            i += 1
            continue
        starts = t.first_on_line or line_start
        line_start = False
        if starts:
            if t.type == "NAME" and (not stmts or depth == 0) and (
                    not stmts or not stmts[-1][1] or stmts[-1][1][-1].type not in _CONTINUES):
                if t.text == "do":           # Haskell's do block: its lines are statements
                    line_start = nxt is not None
                    i += 1
                    continue
                if t.text == "hush":
                    if nxt is not None:
                        raise src.error(f"unexpected {_describe(nxt)} after 'hush'", nxt.span,
                                        "'hush' stands alone on its line")
                    notes.append((t.span, _HUSH_NOTE))
                    i += 1
                    stmts.append((None, []))   # ends the statement above
                    continue
                if t.text == "let" and nxt is None:   # `let` alone, its bindings indented below
                    stmts.append((_Head("let", "", t, "", t.end), []))
                    i += 1
                    continue
                if t.text == "let":
                    lh = _let_head(src, toks, i)
                    stmts.append((lh, []))
                    depth, i = 0, i + 3 + len(getattr(lh, "params", ()))
                    continue
                named = _named_output(toks, i, nxt)
                if named is not None:   # Tidal's `p "drums" $ ...` / `p 1 $ ...`
                    stmts.append((named, []))
                    depth, i = 0, i + 3
                    continue
                if t.text in _TIDAL_ONLY:
                    what, spelling = _TIDAL_ONLY[t.text]
                    raise src.error(f"'{t.text}' is Tidal-only ({what})", t.span,
                                    f"Phonon spelling: {spelling}")
            if (stmts and stmts[-1][0] is not None and stmts[-1][0].kind == "let" and depth == 0
                    and t.type == "NAME" and nxt is not None and nxt.type in ("EQUALS", "NAME")
                    and _let_binding_at(toks, i)):
                # the next binding of a `let` block: `let a = 1` / `    b = 2` / `    f x = ...`
                lh = _let_head(src, toks, i - 1, line_of=t)
                stmts.append((lh, []))
                i += 2 + len(getattr(lh, "params", ()))
                continue
            head = _head_at(src, toks, i, nxt)
            ended = not stmts or stmts[-1][0] is None or (t.blank_before and depth == 0)
            if head is None and ended:
                if t.type == "KEYWORD":
                    raise _unknown_statement(src, t)
                if t.type == "HASH":
                    raise src.error("'#' starts a chain, not a comment", t.span,
                                    "comments start with '--'; a line that starts with '#' "
                                    "continues the statement above it"
                                    + (" (a blank line ends a statement)" if stmts else ""))
                if t.type == "DOLLAR" and nxt is not None and nxt.type == "COLON":
                    raise src.error("Strudel's '$:' is not Phonon syntax", t.span,
                                    "write a numbered output: 'd1 $ s \"bd*4\"'")
                after_blank = (f"; a blank line ends the statement from line {stmts[-1][0].line}"
                               f" (a Tidal block): remove the blank line to continue it"
                               if stmts and stmts[-1][0] is not None else "")
                raise src.error(f"expected a statement, got {_describe(t)}", t.span,
                                f"a statement starts its line with {_STATEMENT_FORMS}, "
                                f"like 'out: s \"bd*4\"'{after_blank}")
            if head is None and t.type == "KEYWORD" and t.col == 1:
                raise _unknown_statement(src, t)
        if head is not None:
            head, skip = head
            stmts.append((head, []))
            depth = 0
            if nxt is not None and nxt.type == "COLONKW" and t.type != "KEYWORD":
                toks[i + 1] = Tok("NAME", nxt.text, nxt.pos + 1, nxt.end, nxt.line, nxt.col + 1)
                i += 1
            else:
                i += skip
            continue
        stmts[-1][1].append(t)
        depth = max(0, depth + _OPENERS.get(t.type, 0))
        i += 1
    return [st for st in stmts if st[0] is not None]


def _head_at(src: Source, toks: list[Tok], i: int, nxt: Optional[Tok]):
    """(head, tokens it takes) if a statement head starts at toks[i], else None."""
    t = toks[i]
    skip = 2
    if t.type == "KEYWORD":
        sep, sep_end, skip = ":", t.end, 1
    elif t.type in ("NAME", "BUS") and nxt is not None and nxt.type in ("COLON", "DOLLAR"):
        sep, sep_end = nxt.text, nxt.end
    elif t.type in ("NAME", "BUS") and nxt is not None and nxt.type == "COLONKW":
        sep, sep_end = ":", nxt.pos + 1      # `~lfo :sine 0.25`: the name after ':' is the body
    elif (t.type == "NAME" and nxt is None and i + 1 < len(toks) and toks[i + 1].type == "DOLLAR"
          and not toks[i + 1].blank_before and _out_name(t.text)):
        sep, sep_end = "$", toks[i + 1].end  # Tidal: `d1` alone on its line, then `$ ...` lines
    else:
        sep = sep_end = None
    if t.type == "BUS":
        return (_Head("bus", t.text[1:], t, sep, sep_end), skip) if sep else None
    if t.type not in ("NAME", "KEYWORD"):
        return None
    out = _out_name(t.text)
    if t.type == "NAME" and t.text in _TIDAL_TEMPO:
        if sep == "$":
            return _Head("tempo", _TIDAL_TEMPO[t.text], t, sep, sep_end), 2
        return _Head("tempo", _TIDAL_TEMPO[t.text], t, "", t.end), 1
    if t.type == "NAME" and t.text in ("cps", "bps") and nxt is not None and sep in (None, "$"):
        # Tidal 0.x's tempo statements (`cps 1`, `bps $ 150/60`: cycles per second), today's setcps
        return (_Head("tempo", "cps", t, "$", sep_end), 2) if sep == "$" else (_Head("tempo", "cps", t, "", t.end), 1)
    if t.text in _TEMPO_KIND:
        if sep != ":":
            raise src.error(f"expected ':' after '{t.text}'", t.span, f"write '{t.text}: "
                            f"{'120' if t.text == 'bpm' else '0.5'}'")
        return _Head("tempo", _TEMPO_KIND[t.text], t, sep, sep_end), skip
    if out is not None:
        if sep is None and nxt is not None and nxt.type == "NAME" and nxt.text == "silence":
            return _Head("out", out, t, "", t.end), 1      # Tidal's `d1 silence`
        if sep is None:
            raise src.error(f"expected ':' or '$' after '{t.text}'", t.span,
                            f"write '{t.text}: s \"bd*4\"' or '{t.text} $ s \"bd*4\"'")
        return _Head("out", out, t, sep, sep_end), skip
    return None


def _let_binding_at(toks: list[Tok], i: int) -> bool:
    """`name = ...` or `name x y = ...` starts at toks[i] (a binding of a let block)."""
    k = i + 1
    while k < len(toks) and toks[k].line == toks[i].line and toks[k].type == "NAME":
        k += 1
    return k < len(toks) and toks[k].line == toks[i].line and toks[k].type == "EQUALS"


def _let_head(src: Source, toks: list[Tok], i: int, line_of: Optional[Tok] = None) -> _Head:
    """`let name = expr` (Haskell's let, one value per line): later statements see `name`.
    (`line_of`: a later binding of a let block, starting at toks[i + 1].)"""
    t = line_of or toks[i]
    line = [x for x in toks[i + 1:i + 12] if x.line == t.line]
    if len(line) >= 2 and line[0].type == "NAME" and line[1].type == "EQUALS":
        return _Head("let", line[0].text, line[0], "=", line[1].end)
    eq = next((k for k, x in enumerate(line) if x.type == "EQUALS"), None)
    if line and line[0].type == "NAME" and eq is not None and eq > 1 \
            and all(x.type == "NAME" for x in line[1:eq]):
        # `let f x y = body`: a function, expanded where it is called with all its arguments
        head = _Head("let", line[0].text, line[0], "=", line[eq].end)
        head.params = tuple(x.text for x in line[1:eq])
        if len(set(head.params)) != len(head.params):
            return _raise(src.error(f"'let {line[0].text}': a parameter is named twice", line[1].span))
        return head
    if line and line[0].type == "NAME" and eq is not None:
        return _raise(src.error(f"'let {line[0].text} ...': the parameters of a function are names",
                                line[1].span, "like 'let f x = fast x $ s \"bd sn\"'"))
    at = line[0] if line else t
    return _raise(src.error("expected 'let name = ...'", at.span,
                            "bind one value per line, like 'let pat = \"bd*2 sn\"'"))


def _raise(err: Exception):
    raise err


class _LetFn(tuple):
    """`let f x y = body`: (parameter names, body); a call `f a b` is the body with a, b."""

    def __new__(cls, params, body):
        return super().__new__(cls, (params, body))


def _substitute(src: Source, e, env: dict):
    """Replace names bound by `let` with their (parenthesized) expressions. A bound name used
    as a function (`f 2`, `# fx 2`) takes its arguments if it is bound to a name or a call;
    a function `let f x = ...` is expanded where it is called with all its arguments."""
    if isinstance(e, Dollar):   # `g 2 $ s "bd"`: a let function given its last argument by `$`
        for k, it in enumerate(e.items[:-1]):
            f = env.get(it.name if isinstance(it, Name) else it.func if isinstance(it, Call) else None)
            given = len(it.args) if isinstance(it, Call) else 0
            if isinstance(f, _LetFn) and given == len(f[0]) - 1:
                rest = e.items[k + 1:]
                arg = rest[0] if len(rest) == 1 else Dollar(rest, e.span)
                name, args = (it.name, ()) if isinstance(it, Name) else (it.func, it.args)
                items = e.items[:k] + (Call(name, args + (arg,), (), it.span),)
                return _substitute(src, items[0] if len(items) == 1 else Dollar(items, e.span), env)
    fn = env.get(e.name if isinstance(e, Name) else e.func if isinstance(e, Call) else None)
    if isinstance(fn, _LetFn):
        params, body = fn
        name = e.name if isinstance(e, Name) else e.func
        args = () if isinstance(e, Name) else tuple(_substitute(src, a, env) for a in e.args)
        if len(args) != len(params) or (isinstance(e, Call) and e.kwargs):
            raise src.error(f"'{name}' takes {len(params)} argument{'s' if len(params) != 1 else ''} "
                            f"({' '.join(params)}); got {len(args)}", e.span,
                            "a function defined with 'let' is expanded where it is called with all "
                            "its arguments")
        inner = {k: v for k, v in env.items() if k not in params}
        inner.update({p: Paren(a, e.span) for p, a in zip(params, args)})
        return Paren(_substitute(src, body, inner), e.span)
    if isinstance(e, Name) and e.name in env:
        bound = env[e.name]   # a list stays a list (`squeeze "<0 1>" pats`); the rest in parens
        return bound if isinstance(bound, ListExpr) else Paren(bound, e.span)
    if isinstance(e, Call) and e.func in env:
        args = tuple(_substitute(src, a, env) for a in e.args)
        kws = tuple(_substitute(src, k, env) for k in e.kwargs)
        bound = env[e.func]
        while isinstance(bound, Paren):
            bound = bound.expr
        if isinstance(bound, Name):
            return Call(bound.name, args, kws, e.span)
        if isinstance(bound, Call):
            return Call(bound.func, bound.args + args, bound.kwargs + kws, e.span)
        raise src.error(f"'{e.func}' is bound by 'let' to an expression, not to a function name",
                        e.span, f"only a name or a call bound by 'let' takes more arguments; put "
                        f"the expression where it is used")
    changes = {}
    for f in dataclasses.fields(e):
        v = getattr(e, f.name)
        if isinstance(v, tuple):
            nv = tuple(_substitute(src, x, env) if _is_node(x) else x for x in v)
        elif _is_node(v):
            nv = _substitute(src, v, env)
        else:
            continue
        if nv is not v and nv != v:
            changes[f.name] = nv
    if isinstance(e, (Chain, ChainSection)) and "right" in changes:
        r = changes["right"]   # `let m1 = speed 2` then `# m1`; `let fx = (room 0.3 # sz 0.8)`
        while isinstance(r, Paren):
            r = r.expr
        changes["right"] = r
    if isinstance(e, (Chain, ChainSection)) and "right" in changes \
            and not isinstance(changes["right"], (Call, Name, Chain)):
        raise src.error(f"'{e.right.name if isinstance(e.right, Name) else e.right.func}' is "
                        "bound by 'let' to an expression; the right side of '#' is a function call",
                        e.right.span, "bind the whole section, like 'let fx = (# speed 2)', and "
                        "use it as a function: 'every 2 fx'")
    return dataclasses.replace(e, **changes) if changes else e


def _number_literal(e) -> bool:
    while isinstance(e, Paren):
        e = e.expr
    return isinstance(e, Num) or (isinstance(e, Neg) and _number_literal(e.expr))


def _old_scale(e):
    """Tidal 0.x's `scale lo hi p` (two numbers first) is today's `range lo hi p`; today's
    `scale` takes a scale's name first, so the two never meet."""
    if not _is_node(e):
        return e
    if isinstance(e, Call) and e.func == "scale" and len(e.args) >= 2 \
            and _number_literal(e.args[0]) and _number_literal(e.args[1]):
        e = dataclasses.replace(e, func="range")
    changes = {}
    for f in dataclasses.fields(e):
        v = getattr(e, f.name)
        if isinstance(v, tuple):
            nv = tuple(_old_scale(x) for x in v)
        elif _is_node(v):
            nv = _old_scale(v)
        else:
            continue
        if nv != v:
            changes[f.name] = nv
    return dataclasses.replace(e, **changes) if changes else e


def _is_node(v) -> bool:
    return dataclasses.is_dataclass(v) and not isinstance(v, (Span, type))


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
        if t.type == "NUMBER" and float(t.text) > 1.7e308:  # float('1e400') is inf, cheaply
            raise src.error(f"number too large: {t.text} (numbers are at most about 1.7e308)",
                            t.span, hint="write a smaller number")
        if t.type in closer:
            stack.append(k)
            if len(stack) > MAX_NESTING:
                raise LimitError(f"nesting too deep: more than {MAX_NESTING} levels of ( and [ "
                                 f"(limit {MAX_NESTING})", span=t.span, source=src.text,
                                 filename=src.filename, hint="flatten the expression, or name a "
                                 "part with a bus ('~part: ...')")
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
    """`lpf(500, 0.8)` -> explain juxtaposition, with the call rewritten from its source text.
    With a space before the '(' it is a Haskell tuple, which the grammar splices into the
    call's arguments (Tidal's `zoom (0.25, 0.75)`, `within (0, 0.5) (fast 2)`)."""
    for k, t in enumerate(body):
        if t.type != "LPAREN" or k == 0 or body[k - 1].type != "NAME" or t.pos > body[k - 1].end:
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


def _check_method_calls(src: Source, body: list[Tok], match: dict) -> None:
    """Strudel's `s("bd sd").fast(2)`: a '.' between `f(...)` and `name(` with no spaces is a
    JavaScript method call, not Haskell's composition. (`(striate 32).jux(rev)` is Haskell:
    the ')' closes a parenthesis that is not a call's.)"""
    opener = {v: k for k, v in match.items()}
    for k in range(1, len(body) - 2):
        dot, prev, name, paren = body[k], body[k - 1], body[k + 1], body[k + 2]
        o = opener.get(k - 1)
        called = o is not None and o > 0 and body[o - 1].type == "NAME" and body[o - 1].end == body[o].pos
        if (dot.type == "DOT" and prev.type == "RPAREN" and called and name.type == "NAME"
                and paren.type == "LPAREN" and prev.end == dot.pos and dot.end == name.pos
                and name.end == paren.pos):
            raise src.error(f"Strudel's method call '.{name.text}(...)' is not Phonon syntax",
                            Span(dot.line, dot.col, paren.end - dot.pos),
                            f"write it as in Tidal: '{name.text} ... $ pattern' for a transform, "
                            f"'pattern # {name.text} ...' for a control ('.' composes functions)")


def _arg_text(src: Source, piece: list[Tok], match: dict[int, int], body: list[Tok]) -> str:
    text = " ".join(src.text[piece[0].pos:piece[-1].end].split())
    single = (len(piece) == 1
              or (len(piece) == 2 and piece[0].type == "TMINUS")
              or (piece[0].type in ("LPAREN", "LBRACK")
                  and match.get(body.index(piece[0])) == body.index(piece[-1])))
    return text if single else f"({text})"


# ---------------------------------------------------------------------------------------------
# Parse errors from the grammar

_BINARY = {"PLUS", "MINUS", "TMINUS", "STAR", "SLASH", "PERCENT", "PIPEOP", "TSHIFT", "DOT"}
_OPERATORS = _BINARY | {"DOLLAR", "LPAREN", "LBRACK", "COMMA"}
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
    elif tok.type == "RPAREN" and prev is not None and prev.type in _BINARY:
        opener = _innermost_open(body, k)
        if opener == k - 2:   # `(|+)`
            like = f"(0.25 {prev.text})" if prev.type == "TSHIFT" else \
                f"({prev.text} n 12)" if prev.type == "PIPEOP" else f"({prev.text} 7)"
            return src.error(f"unexpected ')'; '({prev.text})' is an operator alone", tok.span,
                             f"write a section with its operand, like '{like}'")
        text = src.text[body[opener + 1].pos:prev.pos].rstrip()
        return src.error(f"the section '(... {prev.text})' needs its operand in parentheses",
                         body[opener].span, f"'{text}' binds less tightly than '{prev.text}' "
                         f"(Haskell's precedence): write '(({text}) {prev.text})'")
    elif tok.type in ("CMPOP", "BACKOP"):
        expected = None
        hint = (f"'{tok.text}' is an operator only inside a section, like '({tok.text} 2)': a test "
                "of cycle numbers or times for ifp and whenT; mini-notation goes inside a string, "
                "like s \"<bd sn>\"")
    elif tok.type == "EQUALS":
        expected = None
        hint = ("'=' belongs to Tidal's 'let' (not supported); define a bus with '~name: ...' "
                "and an output with 'out: ...'")
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
            if opener > 0 and body[opener - 1].type == "HASH":
                hint = ("the right side of '#' is one function call, like '# speed 2'; combine "
                        "controls with the |op| family, like '# speed 2 |+ speed 1'")
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
        if expected != "expected ')' to close the section" and opener is None and any(
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
    "let": "write a value after it, like 'let pat = \"bd*2 sn\"'",
}


def parse(text: str, filename: Optional[str] = None) -> Program:
    """Parse Phonon source into a Program. Raises PhononSyntaxError (with line:col, the
    line, a caret and a hint) on any error. A program of only comments has no statements.
    A UTF-8 byte-order mark at the start (some Windows editors write one) is skipped."""
    text = text.removeprefix("\ufeff")
    # a no-break space (U+00A0, pasted from web pages) is white space, as it is to GHC
    text = text.replace("\u00a0", " ")
    src = Source(text, filename)
    statements, notes, env, seen = [], [], {}, {}
    for head, body in _split(src, tokenize(src), notes):
        if not body and head.kind == "let" and head.name == "":
            continue   # a bare `let` line: its bindings follow as statements of their own
        if not body:
            span = Span(head.line, head.tok.col, head.sep_end - head.tok.pos) \
                if src.line_col(head.sep_end - 1)[0] == head.line else head.tok.span
            if head.sep == "":
                raise src.error(f"nothing after '{head.written}'", span,
                                f"write a value after it, like '{head.written} "
                                f"{ {'cpm': '30', 'bpm4': '120'}.get(head.name, '0.5')}'")
            hint = "write a value after it, like 'bpm: 120'" if head.name == "bpm" \
                else _EMPTY_HINTS[head.kind]
            raise src.error(f"{head.written}: nothing after '{head.sep}'", span, hint)
        match = _check_brackets(src, body)
        _check_comma_calls(src, body, match)
        _check_method_calls(src, body, match)
        feed = _Feed(body)
        try:
            with _LOCK:
                expr = _PARSER.parse(lexer=feed)
        except _ParseFail as fail:
            raise _syntax_error(src, head, body, fail, feed) from None
        except _GrammarFail as fail:
            raise fail.error(src) from None
        expr = _old_scale(expr)
        if env:
            expr = _substitute(src, expr, env)
        if head.kind == "let":
            params = getattr(head, "params", ())
            env[head.name] = _LetFn(params, expr) if params else expr
            continue
        if head.name == "bpm4" and head.kind == "tempo":   # setbpm x = setcpm (x / 4)
            four = Span(head.line, head.tok.col, len(head.written))
            expr = BinOp("/", expr, Num(Fraction(4), "4", four), four)
            head.name = "cpm"
        span = Span(head.line, head.tok.col, len(head.written))
        if head.kind == "out":
            if head.name in seen:   # a Tidal set often has several versions of d1
                notes.append((span, f"'{head.written}' is defined again (first on line "
                                    f"{seen[head.name]}): the last definition plays, as when "
                                    f"the file is evaluated top to bottom"))
            seen.setdefault(head.name, head.line)
        kind = {"tempo": Tempo, "bus": BusDef, "out": OutDef}[head.kind]
        if head.kind == "out":
            statements.append(OutDef(head.name, expr, span,
                                     tidal=bool(re.match(r"d\d|p\Z", head.written))))
        else:
            statements.append(kind(head.name, expr, span))
    for span, note in notes:
        where = f"{filename}:" if filename else ""
        warnings.warn(f"{where}{span.line}:{span.col}: {note}", TidalNote, stacklevel=2)
    return Program(tuple(statements), source=text, notes=tuple(notes))
