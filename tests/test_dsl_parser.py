"""Golden-AST and error-text tests for phonon.dsl (lexer + parser)."""
from __future__ import annotations

import threading
from fractions import Fraction
from pathlib import Path

import pytest

from phonon.dsl import ast as A
from phonon.dsl import parse
from phonon.errors import PhononError, PhononSyntaxError, Span

ROOT = Path(__file__).resolve().parents[1]
PATCHES = Path(__file__).resolve().parent / "patches"  # copies of ../shared/patches


def sexpr(node) -> str:
    """A compact, unambiguous dump of an AST (spans left out; they have their own tests)."""
    if isinstance(node, A.Program):
        return "\n".join(sexpr(s) for s in node.statements)
    if isinstance(node, A.Tempo):
        return f"(tempo {node.kind} {sexpr(node.value)})"
    if isinstance(node, A.BusDef):
        return f"(bus ~{node.name} {sexpr(node.expr)})"
    if isinstance(node, A.OutDef):
        return f"({node.name} {sexpr(node.expr)})"
    if isinstance(node, A.Num):
        return node.text
    if isinstance(node, A.Str):
        return f'"{node.text}"'
    if isinstance(node, A.BusRef):
        return f"~{node.name}"
    if isinstance(node, A.Name):
        return node.name
    if isinstance(node, A.Call):
        parts = [node.func] + [sexpr(a) for a in node.args]
        parts += [f"{k.name}={sexpr(k.value)}" for k in node.kwargs]
        return "(" + " ".join(parts) + ")"
    if isinstance(node, A.Chain):
        return f"(# {sexpr(node.left)} {sexpr(node.right)})"
    if isinstance(node, A.Dollar):
        return "($ " + " ".join(sexpr(i) for i in node.items) + ")"
    if isinstance(node, A.BinOp):
        return f"({node.op} {sexpr(node.left)} {sexpr(node.right)})"
    if isinstance(node, A.Neg):
        return f"(neg {sexpr(node.expr)})"
    if isinstance(node, A.ListExpr):
        return "[" + " ".join(sexpr(i) for i in node.items) + "]"
    if isinstance(node, A.ChainSection):
        return f"(section {sexpr(node.right)})"
    if isinstance(node, A.Section):   # (op x) -> (rsection op x); (x op) -> (lsection x op)
        return (f"(rsection {node.op} {sexpr(node.operand)})" if node.side == "right"
                else f"(lsection {sexpr(node.operand)} {node.op})")
    if isinstance(node, A.Compose):
        return "(. " + " ".join(sexpr(i) for i in node.items) + ")"
    if isinstance(node, A.Paren):
        return f"(paren {sexpr(node.expr)})"
    raise TypeError(f"not an AST node: {node!r}")


def expr_of(line: str):
    """The expression of a one-statement program."""
    prog = parse(line)
    assert len(prog.statements) == 1
    return prog.statements[0].expr if not isinstance(prog.statements[0], A.Tempo) \
        else prog.statements[0].value


# --------------------------------------------------------------------------------------------
# Golden ASTs

GOLDEN = [
    # statements
    ("tempo: 0.5", "(tempo cps 0.5)"),
    ("cps: 0.5167", "(tempo cps 0.5167)"),
    ("bpm: 120", "(tempo bpm 120)"),
    ("tempo: 60 / 120", "(tempo cps (/ 60 120))"),
    ("~lfo: sine 0.25", "(bus ~lfo (sine 0.25))"),
    ("~lfo $ sine 0.25", "(bus ~lfo (sine 0.25))"),
    ("~lfo:sine 0.25", "(bus ~lfo (sine 0.25))"),
    ("~lfo :sine 0.25", "(bus ~lfo (sine 0.25))"),
    ("cps : 1", "(tempo cps 1)"),
    ("out: ~bass * 0.3", "(out (* ~bass 0.3))"),
    ("out $ ~bass", "(out ~bass)"),
    ("out:~bass", "(out ~bass)"),
    ("out1: s \"bd*4\"", '(out1 (s "bd*4"))'),
    ("o2: s \"sn\"", '(out2 (s "sn"))'),
    ("d3 $ s \"hh\"", '(out3 (s "hh"))'),
    ("out12 $ noise", "(out12 noise)"),
    ("o01: noise", "(out1 noise)"),
    # atoms and calls by juxtaposition
    ("out: sine", "(out sine)"),
    ("out: noise # gain 0.3", "(out (# noise (gain 0.3)))"),
    ("out: lpf 1000 0.8", "(out (lpf 1000 0.8))"),
    ("out: jux rev", "(out (jux rev))"),
    ("out: every 2 rev", "(out (every 2 rev))"),
    ("out: stack [s \"bd\", ~a * 2, sine 3]", '(out (stack [(s "bd") (* ~a 2) (sine 3)]))'),
    ("out: cat []", "(out (cat []))"),
    ("out: cat [1, 2,]", "(out (cat [1 2]))"),
    ("out: lpf (~lfo * 2000 + 500) 0.8", "(out (lpf (paren (+ (* ~lfo 2000) 500)) 0.8))"),
    ("out: saw \"55 110\" # lpf (sine 0.25 * 600 + 700) 0.8 # adsr 0.005 0.1 0.6 0.1",
     '(out (# (# (saw "55 110") (lpf (paren (+ (* (sine 0.25) 600) 700)) 0.8)) '
     "(adsr 0.005 0.1 0.6 0.1)))"),
    ("out: 1e3 + .5 + 2.5e-1", "(out (+ (+ 1e3 .5) 2.5e-1))"),
    # precedence
    ("out: a # f x * 0.3", "(out (* (# a (f x)) 0.3))"),
    # Tidal 1.9: `#` is infixl 9 (no fixity declared), tighter than `+`: changed from
    # (# (+ ~a ~b) (lpf 1000)) when Phonon read `#` as binding loosest
    ("out: ~a + ~b # lpf 1000", "(out (+ ~a (# ~b (lpf 1000))))"),
    ("out: -0.5 * ~x", "(out (* (neg 0.5) ~x))"),
    ("out: - ~x * 2", "(out (* (neg ~x) 2))"),
    ("out: sine 440 * 0.5 + saw 110 * 0.25", "(out (+ (* (sine 440) 0.5) (* (saw 110) 0.25)))"),
    ("out: 1 - 2 - 3", "(out (- (- 1 2) 3))"),
    ("out: 8 / 4 / 2", "(out (/ (/ 8 4) 2))"),
    ("out: 1 + 2 * 3 - 4 / 5", "(out (- (+ 1 (* 2 3)) (/ 4 5)))"),
    ("out: a # f # g 1", "(out (# (# a f) (g 1)))"),
    ("out: a # f x * 0.3 + b * c", "(out (+ (* (# a (f x)) 0.3) (* b c)))"),
    ("out: (~a # f) * 2 + ~b # g", "(out (+ (* (paren (# ~a f)) 2) (# ~b g)))"),   # Tidal: changed
    ("out: -~a # f", "(out (# (neg ~a) f))"),
    # `$`: right-associative, flattened, loosest (Tidal; these two trees changed with it)
    ("out: jux rev $ stut 16 0.7 0.125 $ s \"bd*32\" # gain 0.02",
     '(out ($ (jux rev) (stut 16 0.7 0.125) (# (s "bd*32") (gain 0.02))))'),
    ("out: fast 2 $ s \"bd\"", '(out ($ (fast 2) (s "bd")))'),
    ("out: s \"bd sn\" $ fast 2 $ rev", '(out ($ (s "bd sn") (fast 2) rev))'),
    ("out: a $ (b $ c)", "(out ($ a (paren ($ b c))))"),
    ("out: a $ b + c * d", "(out ($ a (+ b (* c d))))"),
    ("out: a $ b # c $ d", "(out ($ a (# b c) d))"),
    # sections
    ("out: every 2 (fast 2 $ rev) $ s \"bd\"", '(out ($ (every 2 (paren ($ (fast 2) rev))) (s "bd")))'),
    ("out: off 0.125 (# speed 2) $ s \"bd\"", '(out ($ (off 0.125 (section (speed 2))) (s "bd")))'),
    ("out: sometimesBy 0.3 (# gain 0.5) $ s \"hh*8\"",
     '(out ($ (sometimesBy 0.3 (section (gain 0.5))) (s "hh*8")))'),
    ("out: off 0.25 (# crush) $ s \"bd\"", '(out ($ (off 0.25 (section crush)) (s "bd")))'),
    # negative literals in argument position, minus elsewhere
    ("out: ~x # compressor -12 4 0.005 0.1 3", "(out (# ~x (compressor -12 4 0.005 0.1 3)))"),
    ("out: f (-3) [-1, 2] -4", "(out (f (paren (neg 3)) [(neg 1) 2] -4))"),
    ("out: f 1 -12 * 2", "(out (* (f 1 -12) 2))"),
    ("out: ~a - 12", "(out (- ~a 12))"),
    ("out: ~a -12", "(out (- ~a 12))"),
    ("out: ~a-12", "(out (- ~a 12))"),
    ("out: f 1-2", "(out (- (f 1) 2))"),
    ("out: f 1 - 2", "(out (- (f 1) 2))"),
    ("out: f x - 2", "(out (- (f x) 2))"),
    ("out:-1", "(out (neg 1))"),
    ("out: f -x", "(out (- f x))"),
    # keyword arguments
    ("out: lpf cutoff:1000 q:0.8", "(out (lpf cutoff=1000 q=0.8))"),
    ("out: lpf 1000 q:0.8", "(out (lpf 1000 q=0.8))"),
    ("out: lpf 1000 q: 0.8", "(out (lpf 1000 q=0.8))"),
    ("out: lpf 1000 :q 0.8", "(out (lpf 1000 q=0.8))"),
    ("out: lpf q:0.8 1000", "(out (lpf 1000 q=0.8))"),
    ("out: lpf q:-0.5 cutoff:(~lfo * 2)", "(out (lpf q=-0.5 cutoff=(paren (* ~lfo 2))))"),
    ("out: saw freq:110 # lpf cutoff:1000 0.8", "(out (# (saw freq=110) (lpf 0.8 cutoff=1000)))"),
    ("out: s \"bd\" # gain :amount \"1 2\"", '(out (# (s "bd") (gain amount="1 2")))'),
    # strings are mini-notation, taken verbatim
    ("out: s \"[bd*4, ~ cp ~ cp] <a b>!2 c4'maj -- not a comment # nor a chain\"",
     "(out (s \"[bd*4, ~ cp ~ cp] <a b>!2 c4'maj -- not a comment # nor a chain\"))"),
    ("out: s \"\"", '(out (s ""))'),
]


@pytest.mark.parametrize("src,expected", GOLDEN, ids=[g[0] for g in GOLDEN])
def test_golden(src, expected):
    assert sexpr(parse(src)) == expected


def test_house_patch_golden():
    src = (PATCHES / "house.ph").read_text()
    assert sexpr(parse(src)) == "\n".join([
        "(tempo cps 0.5167)",
        '(bus ~drums (# (s "[bd*4, ~ cp ~ cp, hh*8]") (gain 0.8)))',
        '(bus ~bass (# (# (saw "<55 55 65.41 49>") (lpf (paren (+ (* (sine 0.25) 600) 700)) 0.8)) '
        "(adsr 0.005 0.1 0.6 0.1)))",
        "(out (+ ~drums (* ~bass 0.4)))",
    ])


def test_full_dataclass_structure():
    prog = parse('out: s "bd" # lpf 1000 q:0.8')
    S = Span
    assert prog == A.Program((
        A.OutDef("out", A.Chain(
            A.Call("s", (A.Str("bd", S(1, 8, 4)),), (), S(1, 6, 1)),
            A.Call("lpf", (A.Num(Fraction(1000), "1000", S(1, 19, 4)),),
                   (A.Kwarg("q", A.Num(Fraction(4, 5), "0.8", S(1, 26, 3)), S(1, 24, 2)),),
                   S(1, 15, 3)),
            S(1, 13, 1)), S(1, 1, 3)),
    ))


# --------------------------------------------------------------------------------------------
# Values and spans

def test_numbers_are_exact():
    call = expr_of("out: f 0.125 3 -12 1e3 .5 -0.1 2.5e-1")
    values = [a.value for a in call.args]
    assert values == [Fraction(1, 8), 3, -12, 1000, Fraction(1, 2), Fraction(-1, 10), Fraction(1, 4)]
    assert all(isinstance(v, Fraction) for v in values)
    assert [a.text for a in call.args] == ["0.125", "3", "-12", "1e3", ".5", "-0.1", "2.5e-1"]
    assert call.args[2].span == Span(1, 16, 3)


def test_spans():
    prog = parse('cps: 0.5\n~bass: saw "55 110" # lpf 800\n  out1 $ -~bass * 2 + [1]\nout: (# speed 2)')
    tempo, bus, out1, out = prog.statements
    assert tempo.span == Span(1, 1, 3) and tempo.value.span == Span(1, 6, 3)
    assert bus.span == Span(2, 1, 5)
    chain = bus.expr
    assert chain.span == Span(2, 21, 1)                  # the '#'
    assert chain.left.span == Span(2, 8, 3)              # `saw`
    assert chain.left.args[0].span == Span(2, 12, 8)     # the string, from its opening quote
    assert chain.right.span == Span(2, 23, 3)
    assert out1.span == Span(3, 3, 4) and out1.name == "out1"
    plus = out1.expr
    assert plus.span == Span(3, 21, 1)
    assert plus.left.span == Span(3, 17, 1)              # `*`
    assert plus.left.left.span == Span(3, 10, 1)         # unary '-'
    assert plus.left.left.expr.span == Span(3, 11, 5)    # `~bass`
    assert plus.right.span == Span(3, 23, 1)             # `[`
    assert out.expr.span == Span(4, 6, 1)                # section: its '('


def test_dollar_span_is_first_dollar():
    d = expr_of("out: a $ b $ c")
    assert isinstance(d, A.Dollar) and d.span == Span(1, 8, 1) and len(d.items) == 3


def test_program_source_and_empty_programs():
    text = "-- only a comment\n\n   -- and another\n"
    prog = parse(text)
    assert prog.statements == () and prog.source == text
    assert parse("").statements == ()
    assert parse("out: 1").source == "out: 1"


# --------------------------------------------------------------------------------------------
# Lines, comments, continuation

def test_comments_at_end_of_lines():
    prog = parse("tempo: 0.5 -- half\nout: s \"bd\" # gain 0.8 -- loud -- enough\n-- the end")
    assert sexpr(prog) == '(tempo cps 0.5)\n(out (# (s "bd") (gain 0.8)))'


def test_continuation_lines():
    src = ("~bass: saw 55 #\n"
           "    lpf 800 0.7\n"
           "    * 0.5\n"
           "out: stack [\n"
           "  ~bass,\n"
           "  s \"bd*4\"\n"
           "] + fast 2 $\n"
           "  s \"hh*8\"\n"
           "~fx: lpf 1000\n"
           "  q:0.8\n")
    assert sexpr(parse(src)) == "\n".join([
        "(bus ~bass (* (# (saw 55) (lpf 800 0.7)) 0.5))",
        '(out ($ (+ (stack [~bass (s "bd*4")]) (fast 2)) (s "hh*8")))',
        "(bus ~fx (lpf 1000 q=0.8))",
    ])


def test_blank_lines_and_crlf():
    prog = parse("cps: 1\r\n\r\n\r\nout: ~a\r\n  + ~b\r\n")
    assert sexpr(prog) == "(tempo cps 1)\n(out (+ ~a ~b))"
    assert prog.statements[1].expr.span == Span(5, 3, 1)


@pytest.mark.parametrize("path", sorted(PATCHES.glob("*.ph")), ids=lambda p: p.name)
def test_shared_patches_parse(path):
    prog = parse(path.read_text(), str(path))
    assert prog.statements
    assert all(isinstance(s, (A.Tempo, A.BusDef, A.OutDef)) for s in prog.statements)


def test_shared_patch_shapes():
    assert len(list(PATCHES.glob("*.ph"))) >= 4
    extreme = parse((PATCHES / "stress_extreme.ph").read_text())
    outs = [s for s in extreme.statements if isinstance(s, A.OutDef)]
    assert [o.name for o in outs] == [f"out{i}" for i in range(1, 17)]
    # `$` binds loosest (Tidal): the chain is inside the transforms (was `(# (# ($ ...)))`)
    assert sexpr(outs[10]) == ('(out11 ($ (jux rev) (stut 16 0.7 0.125) '
                               '(# (# (s "bd:1*32") (gain 0.02)) (n "0 1 2"))))')
    branches = parse((PATCHES / "stress_branches.ph").read_text())
    out = branches.statements[-1]
    assert sexpr(out.expr.right) == "(compressor -12 4 0.005 0.1 3)"




def test_no_parser_tables_written():
    parse("out: 1")
    for name in ("parser.out", "parsetab.py", "lextab.py"):
        assert not (ROOT / name).exists()
        assert not list((ROOT / "phonon").rglob(name)) and not list((ROOT / "tests").rglob(name))


def test_parse_from_threads():
    src = (PATCHES / "house.ph").read_text()
    expected = parse(src)
    results = []
    threads = [threading.Thread(target=lambda: results.append(parse(src) == expected))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [True] * 4


# --------------------------------------------------------------------------------------------
# Errors: exact wording, location, caret line and hint

def error(src: str, filename: str | None = "x.ph") -> PhononSyntaxError:
    with pytest.raises(PhononSyntaxError) as info:
        parse(src, filename)
    err = info.value
    assert isinstance(err, PhononError)
    assert err.source == src and err.filename == filename
    return err


STATEMENT_FORMS = ("'out:', 'outN:' (or 'oN:', 'dN:', 'd1 $'), '~name:', 'tempo:' "
                   "(or 'cps:', 'setcps 0.5'), 'bpm:'")

ERRORS = [
    ("out: lpf(500, 0.8)",
     "x.ph:1:9: Phonon calls functions by juxtaposition: write 'lpf 500 0.8'\n"
     "    out: lpf(500, 0.8)\n"
     "            ^^^^^^^^^^\n"
     "hint: separate arguments with spaces, not commas, and put a nested call in parentheses, "
     "like 'lpf (sine 2) 0.8'"),
    ("out: saw 55 # lpf(sine 2 * 3, -0.8, [1, 2])",
     "x.ph:1:18: Phonon calls functions by juxtaposition: write 'lpf (sine 2 * 3) -0.8 [1, 2]'\n"
     "    out: saw 55 # lpf(sine 2 * 3, -0.8, [1, 2])\n"
     "                     ^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
     "hint: separate arguments with spaces, not commas, and put a nested call in parentheses, "
     "like 'lpf (sine 2) 0.8'"),
    ("# my comment\nout: 1",
     "x.ph:1:1: '#' starts a chain, not a comment\n"
     "    # my comment\n"
     "    ^\n"
     "hint: comments start with '--'; a line that starts with '#' continues the statement "
     "above it"),
    ("out: s \"bd\"\n\n    # gain 0.8",
     "x.ph:3:5: '#' starts a chain, not a comment\n"
     "        # gain 0.8\n"
     "        ^\n"
     "hint: comments start with '--'; a line that starts with '#' continues the statement "
     "above it (a blank line ends a statement)"),
    ("out: s \"bd sn",
     "x.ph:1:8: unterminated string\n"
     "    out: s \"bd sn\n"
     "           ^\n"
     "hint: close it with '\"' on the same line"),
    ("out: lpf (~lfo * 2 + 500 0.8",
     "x.ph:1:10: unclosed '('\n"
     "    out: lpf (~lfo * 2 + 500 0.8\n"
     "             ^\n"
     "hint: add the matching ')'"),
    ("out: stack [s \"bd\",\n  s \"sn\"\n~x: 1",
     "x.ph:1:12: unclosed '['\n"
     "    out: stack [s \"bd\",\n"
     "               ^\n"
     "hint: add the matching ']' (the statement ends at line 2)"),
    ("out: lpf (1 + 2]",
     "x.ph:1:10: unclosed '('\n"
     "    out: lpf (1 + 2]\n"
     "             ^\n"
     "hint: it is closed by ']' at 1:16; close it with ')'"),
    ("out: 1 + 2)",
     "x.ph:1:11: unmatched ')'\n"
     "    out: 1 + 2)\n"
     "              ^\n"
     "hint: remove it, or add the '(' it closes"),
    ("out:",
     "x.ph:1:1: out: nothing after ':'\n"
     "    out:\n"
     "    ^^^^\n"
     "hint: write an expression after it, like 'out: s \"bd*4\"'"),
    ("out $   -- later",
     "x.ph:1:1: out: nothing after '$'\n"
     "    out $   -- later\n"
     "    ^^^^^\n"
     "hint: write an expression after it, like 'out: s \"bd*4\"'"),
    ("~lfo:\nout: ~lfo",
     "x.ph:1:1: ~lfo: nothing after ':'\n"
     "    ~lfo:\n"
     "    ^^^^^\n"
     "hint: write an expression after it, like '~lfo: sine 0.25'"),
    ("tempo:",
     "x.ph:1:1: tempo: nothing after ':'\n"
     "    tempo:\n"
     "    ^^^^^^\n"
     "hint: write a value after it, like 'tempo: 0.5'"),
    ("bpm:",
     "x.ph:1:1: bpm: nothing after ':'\n"
     "    bpm:\n"
     "    ^^^^\n"
     "hint: write a value after it, like 'bpm: 120'"),
    ("out: fast 2 $",
     "x.ph:1:13: nothing after '$'\n"
     "    out: fast 2 $\n"
     "                ^\n"
     "hint: '$' needs an expression on its right, like 'fast 2 $ s \"bd\"'"),
    ("out: s \"bd\" #\n",
     "x.ph:1:13: nothing after '#'\n"
     "    out: s \"bd\" #\n"
     "                ^\n"
     "hint: '#' needs a function on its right, like '# lpf 1000'"),
    ("out: ~a +\ncps: 1",
     "x.ph:1:9: nothing after '+'\n"
     "    out: ~a +\n"
     "            ^\n"
     "hint: '+' needs a value on its right"),
    ("out: lpf 1000 q:",
     "x.ph:1:15: nothing after 'q:'\n"
     "    out: lpf 1000 q:\n"
     "                  ^^\n"
     "hint: give the keyword argument a value, like 'q:0.8'"),
    ("out: lpf 1000 :",
     "x.ph:1:15: stray ':' at the end of the line\n"
     "    out: lpf 1000 :\n"
     "                  ^\n"
     "hint: keyword arguments are written 'q:0.8' or ':q 0.8'"),
    ("out: lpf 1000 q : 0.8",
     "x.ph:1:17: unexpected ':'\n"
     "    out: lpf 1000 q : 0.8\n"
     "                    ^\n"
     "hint: keyword arguments are written 'q:0.8' (no space before ':') or ':q 0.8'; "
     "a statement head like 'out:' starts its own line"),
    ("out: 1 @ 2",
     "x.ph:1:8: unexpected character '@'\n"
     "    out: 1 @ 2\n"
     "           ^\n"
     "hint: mini-notation goes inside a string, like s \"<bd sn>\"; '@' is not a Phonon operator"),
    ("out: s 'bd'",
     "x.ph:1:8: unexpected character \"'\"\n"
     "    out: s 'bd'\n"
     "           ^\n"
     "hint: strings are written in double quotes, like \"bd sn\""),
    ("out: 1; out2: 2",
     "x.ph:1:7: unexpected character ';'\n"
     "    out: 1; out2: 2\n"
     "          ^\n"
     "hint: write one statement per line"),
    ("out: ~ bass",
     "x.ph:1:6: '~' must be followed by a bus name\n"
     "    out: ~ bass\n"
     "         ^\n"
     "hint: bus names look like ~bass or ~lfo1"),
    ("out: sine 440hz",
     "x.ph:1:11: invalid number '440hz'\n"
     "    out: sine 440hz\n"
     "              ^^^^^\n"
     "hint: numbers are written like 440, 0.5, 1e3 (no units); put a space between a number "
     "and a name"),
    ("out: s \"bd\" # 0.5",
     "x.ph:1:15: unexpected '0.5'; expected a function name after '#'\n"
     "    out: s \"bd\" # 0.5\n"
     "                  ^^^\n"
     "hint: the right side of '#' is one function call, like '# lpf 1000 0.8'"),
    ("out: ~a 0.5",
     "x.ph:1:9: unexpected '0.5'; expected an operator or the end of the statement\n"
     "    out: ~a 0.5\n"
     "            ^^^\n"
     "hint: '~a' is a bus, not a function; combine it with an operator, like '~a * 0.5'"),
    ("out: (sine 2) \"a b\"",
     "x.ph:1:15: unexpected string \"a b\"; expected an operator or the end of the statement\n"
     "    out: (sine 2) \"a b\"\n"
     "                  ^^^^^\n"
     "hint: only a function name takes arguments, like 'lpf 1000 0.8'; combine values with "
     "+ - * /, and put a nested call in parentheses"),
    ("out: 1 + * 2",
     "x.ph:1:10: unexpected '*'; expected an expression after '+'\n"
     "    out: 1 + * 2\n"
     "             ^"),
    ("out: * 2",
     "x.ph:1:6: unexpected '*'; expected an expression after 'out:'\n"
     "    out: * 2\n"
     "         ^"),
    ("out: ()",
     "x.ph:1:7: unexpected ')'; expected an expression after '('\n"
     "    out: ()\n"
     "          ^"),
    ("out: q:3",
     "x.ph:1:6: unexpected 'q:'; expected an expression after 'out:'\n"
     "    out: q:3\n"
     "         ^^\n"
     "hint: keyword arguments follow a function name, like 'lpf 1000 q:0.8'"),
    ("out: lpf 1000 q:$",
     "x.ph:1:17: unexpected '$'; expected a value for 'q'\n"
     "    out: lpf 1000 q:$\n"
     "                    ^\n"
     "hint: a keyword value is a number, string, ~bus, name or parenthesized expression, "
     "like 'q:0.8' or 'q:(~lfo * 2)'"),
    ("out: (1, 2)",
     "x.ph:1:8: unexpected ','; expected an operator or ')'\n"
     "    out: (1, 2)\n"
     "           ^\n"
     "hint: function arguments are separated by spaces; a list is written [a, b]"),
    ("out: [1 2]",
     "x.ph:1:9: unexpected '2'; expected an operator, ',' or ']'\n"
     "    out: [1 2]\n"
     "            ^\n"
     "hint: list items are separated by commas, like [a, b]"),
    ("out: off 0.25 (# speed 2 # gain 1)",
     "x.ph:1:26: unexpected '#'; expected ')' to close the section\n"
     "    out: off 0.25 (# speed 2 # gain 1)\n"
     "                             ^\n"
     "hint: a section holds one function call, like '(# speed 2)'"),
    ("~filt: saw 110 # lpf cutoff:1000 0.8  # Cutoff explicit, Q positional",
     "x.ph:1:56: unexpected ','; expected an operator or the end of the statement\n"
     "    ~filt: saw 110 # lpf cutoff:1000 0.8  # Cutoff explicit, Q positional\n"
     "                                                           ^\n"
     "hint: if the text after '#' is a comment, start it with '--': '#' chains a function"),
    ("out: 1 out2: 2",
     "x.ph:1:8: unexpected 'out2:'; expected an operator or the end of the statement\n"
     "    out: 1 out2: 2\n"
     "           ^^^^^\n"
     "hint: a statement like 'out2:' starts its own line"),
    ("out: ~a\n~b sine 3",
     "x.ph:2:1: unexpected '~b'; expected an operator or the end of the statement\n"
     "    ~b sine 3\n"
     "    ^^\n"
     f"hint: did you mean '~b: ...'? line 2 continues the statement from line 1, because it "
     f"does not start with {STATEMENT_FORMS}"),
    ("out: ~a\n  s \"bd\"",
     "x.ph:2:3: unexpected 's'; expected an operator or the end of the statement\n"
     "      s \"bd\"\n"
     "      ^\n"
     f"hint: line 2 continues the statement from line 1, because it does not start with "
     f"{STATEMENT_FORMS}"),
    ("s \"bd\"",
     "x.ph:1:1: expected a statement, got 's'\n"
     "    s \"bd\"\n"
     "    ^\n"
     f"hint: a statement starts its line with {STATEMENT_FORMS}, like 'out: s \"bd*4\"'"),
    ("out: 1\nbass: saw 55",
     "x.ph:2:1: unknown statement 'bass:'\n"
     "    bass: saw 55\n"
     "    ^^^^^\n"
     f"hint: a statement starts with {STATEMENT_FORMS}; a bus name starts with '~' ('~bass:'); "
     "to continue the previous line with a keyword argument, indent the line"),
    ("out s \"bd\"",
     "x.ph:1:1: expected ':' or '$' after 'out'\n"
     "    out s \"bd\"\n"
     "    ^^^\n"
     "hint: write 'out: s \"bd*4\"' or 'out $ s \"bd*4\"'"),
    ("tempo 0.5",
     "x.ph:1:1: expected ':' after 'tempo'\n"
     "    tempo 0.5\n"
     "    ^^^^^\n"
     "hint: write 'tempo: 0.5'"),
]


@pytest.mark.parametrize("src,expected", ERRORS, ids=[e[0] for e in ERRORS])
def test_error_text(src, expected):
    assert str(error(src)) == expected


def test_error_fields():
    err = error("cps: 1\nout: lpf(500, 0.8)", None)
    assert err.span == Span(2, 9, 10)
    assert err.message == "Phonon calls functions by juxtaposition: write 'lpf 500 0.8'"
    assert err.hint.startswith("separate arguments with spaces")
    assert str(err).splitlines()[0] == "2:9: Phonon calls functions by juxtaposition: write 'lpf 500 0.8'"


def test_long_string_is_shortened_in_messages():
    err = error('out: (s "bd") "bd sn hh cp bd sn hh cp bd"')
    assert err.message == ('unexpected string "bd sn hh cp bd sn h..."; '
                           "expected an operator or the end of the statement")
    assert err.span == Span(1, 15, 28)


def test_single_argument_parens_are_fine():
    # `lpf(500)` is `lpf` applied to `(500)`: only a comma makes it the C-style mistake.
    assert sexpr(parse("out: lpf(500)")) == "(out (lpf (paren 500)))"


def test_patches_match_shared():
    """tests/patches/ are copies of ../shared/patches/ (the suite never reads outside the repo);
    when the shared folder is beside the checkout and has moved on, copy it again."""
    shared = Path(__file__).resolve().parents[2] / "shared" / "patches"
    if not shared.is_dir():
        pytest.skip("no ../shared/patches beside this checkout (the copies in tests/patches are used)")
    for src in sorted(shared.glob("*.ph")):
        mine = PATCHES / src.name
        assert mine.exists() and mine.read_text() == src.read_text(), \
            f"tests/patches/{src.name} differs from {src}: cp ../shared/patches/*.ph tests/patches/"


# --------------------------------------------------------------------------------------------
# Tidal syntax (issue 10.5). Fixities from Tidal 1.9's source: Sound/Tidal/Core.hs declares
# none for `#`, the |op| family, `<~`, `~>`, so Haskell's default `infixl 9` applies; `$` is
# infixr 0, `.` infixr 9, `+ -` infixl 6, `* /` infixl 7 (Haskell's Prelude).

TIDAL_GOLDEN = [
    # `$` binds loosest
    ('d1 $ every 2 (fast 2) $ s "bd sn" # speed 2',
     '(out1 ($ (every 2 (paren (fast 2))) (# (s "bd sn") (speed 2))))'),
    ('d1 $ sometimesBy 0.5 (# speed 2) $ s "bd*8" # speed 1',
     '(out1 ($ (sometimesBy 0.5 (section (speed 2))) (# (s "bd*8") (speed 1))))'),
    ('d1 $ fast 2 $ s "bd" # n "1" + n "2"', '(out1 ($ (fast 2) (+ (# (s "bd") (n "1")) (n "2"))))'),
    # `#` and |op| are infixl 9: tighter than arithmetic, left-associative among themselves
    ('d1 $ n "0" + n "12" # s "x"', '(out1 (+ (n "0") (# (n "12") (s "x"))))'),
    ('d1 $ n "0 1" |+ n 12 # s "x"', '(out1 (# (|+ (n "0 1") (n 12)) (s "x")))'),
    ('d1 $ s "x" # n 1 |+ n 2 |* speed 2', '(out1 (|* (|+ (# (s "x") (n 1)) (n 2)) (speed 2)))'),
    ('d1 $ n "0" |+ n 1 * 2', '(out1 (* (|+ (n "0") (n 1)) 2))'),
    ('d1 $ n "0" * 2 |+ n 1', '(out1 (* (n "0") (|+ 2 (n 1))))'),
    ('out: a # f x * 0.3 |+ g', '(out (* (# a (f x)) (|+ 0.3 g)))'),
    # <~ and ~> (infixl 9); `1/8 <~ p` is Haskell's `1 / (8 <~ p)`: write `(1/8) <~ p`
    ('d1 $ 0.25 <~ s "bd sn" # speed 2', '(out1 (# (<~ 0.25 (s "bd sn")) (speed 2)))'),
    ('d1 $ "<0 0.25>" ~> s "bd" |+ n 1', '(out1 (|+ (~> "<0 0.25>" (s "bd")) (n 1)))'),
    ('d1 $ "<0 0.25>" <~ (s "bd*2 cp*2")', '(out1 (<~ "<0 0.25>" (paren (s "bd*2 cp*2"))))'),
    ('d1 $ 1/8 <~ s "bd"', '(out1 (/ 1 (<~ 8 (s "bd"))))'),
    ('d1 $ (1/8) <~ s "bd"', '(out1 (<~ (paren (/ 1 8)) (s "bd")))'),
    ('d1 $ (1%8) ~> s "bd"', '(out1 (~> (paren (/ 1 8)) (s "bd")))'),
    ('d1 $ 0.25 ~> (0.5 <~ s "bd")', '(out1 (~> 0.25 (paren (<~ 0.5 (s "bd")))))'),
    # `.` composition (infixr 9), flattened; `$` and arithmetic bind looser
    ('d1 $ jux rev . fast 2 $ s "bd"', '(out1 ($ (. (jux rev) (fast 2)) (s "bd")))'),
    ('d1 $ (# s "x") . (# legato 0.75) $ n "0"',
     '(out1 ($ (. (section (s "x")) (section (legato 0.75))) (n "0")))'),
    ('out: f . g . h', '(out (. f g h))'),
    ('out: (f . g) . h', '(out (. (paren (. f g)) h))'),
    ('out: f . g + h', '(out (+ (. f g) h))'),
    ('d1 $ every 2 (fast 2 . rev) $ s "bd"', '(out1 ($ (every 2 (paren (. (fast 2) rev))) (s "bd")))'),
    ('d1 $ every 2 (iter 8. slow 2 .ply 3) $ s "bd"',
     '(out1 ($ (every 2 (paren (. (iter 8) (slow 2) (ply 3)))) (s "bd")))'),
    # sections: (op x) is "right", (x op) is "left"; (- 7) is negation; (1/8) a number
    ('d1 $ off 0.25 (+ 7) $ n "0"', '(out1 ($ (off 0.25 (rsection + 7)) (n "0")))'),
    ('d1 $ off 0.25 (|+ n 12) $ n "0"', '(out1 ($ (off 0.25 (rsection |+ (n 12))) (n "0")))'),
    ('d1 $ every 2 (+ n 12) $ n "0"', '(out1 ($ (every 2 (rsection + (n 12))) (n "0")))'),
    ('d1 $ every 2 (* speed 1.5) $ s "bd"', '(out1 ($ (every 2 (rsection * (speed 1.5))) (s "bd")))'),
    ('d1 $ every 2 (/ 2) $ n "4"', '(out1 ($ (every 2 (rsection / 2)) (n "4")))'),
    ('d1 $ every 2 (+ 2 * 3) $ n "4"', '(out1 ($ (every 2 (rsection + (* 2 3))) (n "4")))'),
    ('d1 $ every 2 (|+| speed "0.5") $ s "bd"',
     '(out1 ($ (every 2 (rsection |+| (speed "0.5"))) (s "bd")))'),
    ('d1 $ every 4 (0.25 <~) $ s "bd"', '(out1 ($ (every 4 (lsection 0.25 <~)) (s "bd")))'),
    ('d1 $ every 4 ("<0 0.25>" ~>) $ s "bd"', '(out1 ($ (every 4 (lsection "<0 0.25>" ~>)) (s "bd")))'),
    ('d1 $ every 4 ((1/8) <~) $ s "bd"', '(out1 ($ (every 4 (lsection (paren (/ 1 8)) <~)) (s "bd")))'),
    ('d1 $ every 2 (1 -) $ n "0"', '(out1 ($ (every 2 (lsection 1 -)) (n "0")))'),
    ('d1 $ every 2 (n 12 |+) $ n "0"', '(out1 ($ (every 2 (lsection (n 12) |+)) (n "0")))'),
    ('out: f (- 7) (-7) (1/8)', '(out (f (paren (neg 7)) (paren (neg 7)) (paren (/ 1 8))))'),
    ('d1 $ s "bd" # (speed 2)', '(out1 (# (s "bd") (speed 2)))'),
    ('d1 $ every 2 (# (crush 4)) $ s "bd"', '(out1 ($ (every 2 (section (crush 4))) (s "bd")))'),
    # a Haskell tuple argument (a space before the '(') is spliced into the call's arguments
    ('d1 $ zoom (0.25, 0.75) $ s "bd*4"', '(out1 ($ (zoom 0.25 0.75) (s "bd*4")))'),
    ('d1 $ within (0, 0.5) (fast 2) $ s "bd sn"', '(out1 ($ (within 0 0.5 (paren (fast 2))) (s "bd sn")))'),
    ("out: ~a # delay (0.25, 0.5)", "(out (# ~a (delay 0.25 0.5)))"),
    ('d1 $ compress (1/4, 3/4) $ s "[bd sn]!"', '(out1 ($ (compress (/ 1 4) (/ 3 4)) (s "[bd sn]!")))'),
    # `%` between numbers is Haskell's Ratio, exact division
    ('out: 1 % 2', '(out (/ 1 2))'),
    ('d1 $ slow (3%2) $ s "bd"', '(out1 ($ (slow (paren (/ 3 2))) (s "bd")))'),
    # Haskell names may end in primes (the compiler then names what it does not know)
    ("d1 $ every' 4 2 (fast 2) $ s \"bd\"", "(out1 ($ (every' 4 2 (paren (fast 2))) (s \"bd\")))"),
    # statements
    ("setcps 0.5", "(tempo cps 0.5)"),
    ("setcps (120/60/4)", "(tempo cps (paren (/ (/ 120 60) 4)))"),
    ("setcps $ 140/60/4", "(tempo cps (/ (/ 140 60) 4))"),
    ("setcpm 30", "(tempo cpm 30)"),
    ("setcpm(120/4)", "(tempo cpm (paren (/ 120 4)))"),     # Strudel's call syntax
    ("setbpm 120", "(tempo cpm (/ 120 4))"),         # Tidal 1.10: 4 beats per cycle
    ("setbpm 60 + 60", "(tempo cpm (/ (+ 60 60) 4))"),
    ("d1 silence", "(out1 silence)"),
    ("d1 $ silence", "(out1 silence)"),
    ('d16 $ s "bd"', '(out16 (s "bd"))'),
]


@pytest.mark.parametrize("src,expected", TIDAL_GOLDEN, ids=[g[0] for g in TIDAL_GOLDEN])
def test_tidal_golden(src, expected):
    assert sexpr(parse(src)) == expected


PIPE_OPS = [f"{a}{o}{b}" for o in "+-*/%<>" for a, b in (("|", "|"), ("|", ""), ("", "|"))]


@pytest.mark.parametrize("op", PIPE_OPS)
def test_pipe_operator_family(op):
    assert len(PIPE_OPS) == 21
    e = expr_of(f'd1 $ n "0 1" {op} n "<0 3>" # s "x"')    # infixl 9 with `#`: (a op b) # c
    assert isinstance(e, A.Chain) and isinstance(e.left, A.BinOp) and e.left.op == op
    assert e.left.span == Span(1, 14, len(op))
    assert sexpr(parse(f"d1 $ every 2 ({op} n 12) $ n 0")) == \
        f"(out1 ($ (every 2 (rsection {op} (n 12))) (n 0)))"
    assert sexpr(parse(f"d1 $ every 2 (n 12 {op}) $ n 0")) == \
        f"(out1 ($ (every 2 (lsection (n 12) {op})) (n 0)))"
    assert sexpr(parse(f"out: a{op}b")) == f"(out ({op} a b))"   # no spaces needed


def test_tidal_spans():
    prog = parse('setcps 0.5\nd1\n  $ 0.25 <~ s "bd" |+| n 1\n  # speed 2\n'
                 'd2 $ every 2 (|+ n 12) . (0.25 ~>) $ s "hh"')
    tempo, d1, d2 = prog.statements
    assert tempo.span == Span(1, 1, 6) and tempo.value.span == Span(1, 8, 3)
    assert d1.span == Span(2, 1, 2)
    chain = d1.expr
    assert chain.span == Span(4, 3, 1)
    plus = chain.left
    assert plus.op == "|+|" and plus.span == Span(3, 20, 3)
    shift = plus.left
    assert shift.op == "<~" and shift.span == Span(3, 10, 2) and shift.left.span == Span(3, 5, 4)
    comp = d2.expr.items[0]
    assert isinstance(comp, A.Compose) and comp.span == Span(5, 24, 1)
    right, left = comp.items[0].args[1], comp.items[1]
    assert isinstance(right, A.Section) and right.side == "right" and right.span == Span(5, 14, 1)
    assert right.operand.span == Span(5, 18, 1)
    assert isinstance(left, A.Section) and left.side == "left" and left.op == "~>"
    assert left.span == Span(5, 26, 1) and left.operand.span == Span(5, 27, 4)


# Layout: continuation lines, `d1` alone, blank lines, comments, do, let, hush

def test_continuation_lines_may_start_with_any_operator():
    src = ('d1 $ every 2 (fast 2)\n'
           '  $ n "0 .. 7"\n'
           '  # s "superpiano"\n'
           '  |+ n 12\n'
           '  + n "<0 3>"\n'
           '  . rev\n')
    # (`.` binds tighter than `+`, as in Haskell)
    assert sexpr(parse(src)) == ('(out1 ($ (every 2 (paren (fast 2))) (+ (|+ (# (n "0 .. 7") '
                                 '(s "superpiano")) (n 12)) (. (n "<0 3>") rev))))')


def test_d1_alone_on_its_line():
    src = 'd1\n  $ jux rev\n  $ s "bd sn"\n  # speed 2\nd2\n$ s "hh*4"'
    assert sexpr(parse(src)) == '(out1 ($ (jux rev) (# (s "bd sn") (speed 2))))\n(out2 (s "hh*4"))'
    assert parse(src).statements[1].span == Span(5, 1, 2)


def test_blank_line_ends_a_block():
    src = 'd1 $ s "bd*2"\n  # gain 0.8\n\nd2 $ s "hh*4"\n   \n\t\nd3 $ s "cp"\n'
    assert sexpr(parse(src)) == '(out1 (# (s "bd*2") (gain 0.8)))\n(out2 (s "hh*4"))\n(out3 (s "cp"))'
    # inside brackets a blank line does not end the statement (Phonon's multi-line stacks)
    assert sexpr(parse('out: stack [\n  s "bd",\n\n  s "hh"\n]')) == '(out (stack [(s "bd") (s "hh")]))'
    # a blank line inside a block comment is not a blank line
    assert sexpr(parse('d1 $ s "bd" {- one\n\n two -}\n  # gain 1')) == '(out1 (# (s "bd") (gain 1)))'


def test_block_comments_nest():
    src = ('{- a piece\n   {- nested -} still a comment: d1 $ s "no"\n-}\n'
           'd1 $ s {- inline -} "bd" -- and a line comment {- not a block\n'
           '{--}d2 $ s "hh"')
    assert sexpr(parse(src)) == '(out1 (s "bd"))\n(out2 (s "hh"))'
    assert parse(src).statements[0].span == Span(4, 1, 2)
    assert parse('d1 $ s "{- bd -}"').statements[0].expr.args[0].text == "{- bd -}"


def test_do_block_and_let():
    src = ('do\n'
           '  let pat = "bd*2 [~ sn]"\n'
           '      fx = (# speed 2)\n'
           '      f = every 2\n'
           '  setcps 0.6\n'
           '  d1 $ f fx $ s pat\n'
           '  d2 $ s pat # gain 0.5')
    assert sexpr(parse(src)) == "\n".join([
        "(tempo cps 0.6)",
        '(out1 ($ (every 2 (paren (section (speed 2)))) (s (paren "bd*2 [~ sn]"))))',
        '(out2 (# (s (paren "bd*2 [~ sn]")) (gain 0.5)))',
    ])
    assert sexpr(parse('do d1 $ s "bd"\n   d2 $ s "hh"')) == '(out1 (s "bd"))\n(out2 (s "hh"))'
    # a later let sees the earlier ones; a bound name may head a call or a chain's right side
    assert sexpr(parse('let a = 2\nlet b = fast a\nlet c = speed\nd1 $ b $ s "x" # c 3')) == \
        '(out1 ($ (paren (fast (paren 2))) (# (s "x") (speed 3))))'


def test_ghci_block_markers_are_ignored():
    src = ':{\nd1 $ s "bd"\n  # gain 0.8\n:}\n\n:{\nd2 $ s "hh"\n:}'
    assert sexpr(parse(src)) == '(out1 (# (s "bd") (gain 0.8)))\n(out2 (s "hh"))'


def test_hush_is_accepted_and_noted():
    with pytest.warns(UserWarning, match=r"^x.ph:3:1: 'hush' is ignored"):
        prog = parse('d1 $ s "bd"\n\nhush\n\nd2 $ s "hh"', "x.ph")
    assert sexpr(prog) == '(out1 (s "bd"))\n(out2 (s "hh"))'
    (span, note), = prog.notes
    assert span == Span(3, 1, 4) and note.startswith("'hush' is ignored")


def test_output_defined_again_is_noted():
    with pytest.warns(UserWarning, match="'d1' is defined again"):
        prog = parse('d1 $ s "bd"\n\nd1 $ s "sn"')
    assert sexpr(prog) == '(out1 (s "bd"))\n(out1 (s "sn"))'
    assert prog.notes[0][0] == Span(3, 1, 2) and "first on line 1" in prog.notes[0][1]


def test_tidal_layout_with_crlf_and_tabs():
    src = "setcps 0.5\r\n\r\nd1 $ s \"bd\"\r\n\t# gain 0.8\r\n"
    assert sexpr(parse(src)) == '(tempo cps 0.5)\n(out1 (# (s "bd") (gain 0.8)))'


# Published Tidal code, as written (sources named; short excerpts)

PUBLISHED = [
    ("TidalCycles tutorial 'Creating Variation in Patterns' (tidalcycles.org/index.php/Tutorial, "
     "as quoted at note.com/tokio716/n/n65379ed15b08)",
     'd1 $ every 5 (|+| speed "0.5")\n$ every 4 (0.25 <~)\n$ every 3 (rev)\n'
     '$ sound "bd sn arpy*2 cp"\n# speed "[1 1.25 0.75 -1.5]/3"\n\n'
     'd1 $ whenmod 8 6 (const $ sound "arpy(3,8) bd*4")\n$ sound "bd sn bass2 sn"',
     ['(out1 ($ (every 5 (rsection |+| (speed "0.5"))) (every 4 (lsection 0.25 <~)) '
      '(every 3 (paren rev)) (# (sound "bd sn arpy*2 cp") (speed "[1 1.25 0.75 -1.5]/3"))))',
      '(out1 ($ (whenmod 8 6 (paren ($ const (sound "arpy(3,8) bd*4")))) (sound "bd sn bass2 sn")))']),
    ("github.com/koyosak/MTEC-343 Final/README.md (a student's final Tidal patch)",
     '\t\tsetcps (120/60/4)\n\n'
     '\td1 $ rarely (# speed 2) \n\t$ s "[808bd ~ ~ 808bd][[~ 808bd ~ ~ | ~ ~ 808bd ~]]" \n'
     '\t# gain ("1.2")\n\n'
     '\td7 $ jux rev $ chunk 2 (fast 2 . (|+ n 12)) $ off 0.5 (|+ 7) $ struct (iter 4 "t(5,8)")\n'
     '    $ n (scale "e minor" "0 .. 10")\n    # sound "<superpiano>"\n    # gain ("0.6")\n'
     '    # lpf "<5000 10000>"\n\n'
     '\td6 $ n "2 4 6 5 2 5 4 5 2 4 1 5 2 5 6 5"\n    # sound "voodoo"\n    #gain ("0.8")',
     ["(tempo cps (paren (/ (/ 120 60) 4)))",
      '(out1 ($ (rarely (section (speed 2))) '
      '(# (s "[808bd ~ ~ 808bd][[~ 808bd ~ ~ | ~ ~ 808bd ~]]") (gain (paren "1.2")))))',
      '(out7 ($ (jux rev) (chunk 2 (paren (. (fast 2) (rsection |+ (n 12))))) '
      '(off 0.5 (rsection |+ 7)) (struct (paren (iter 4 "t(5,8)"))) '
      '(# (# (# (n (paren (scale "e minor" "0 .. 10"))) (sound "<superpiano>")) '
      '(gain (paren "0.6"))) (lpf "<5000 10000>"))))',
      '(out6 (# (# (n "2 4 6 5 2 5 4 5 2 4 1 5 2 5 6 5") (sound "voodoo")) (gain (paren "0.8"))))']),
    ("TidalCycles userbase, 'soak' (userbase.tidalcycles.org/soak.html)",
     'd1 $ soak 4 (* speed 1.5) $ sound "bd(3,8) sd:2"\n\n'
     'd1 $ (note $ scale "hexPhrygian" $ soak 4 ((0.25 <~).(|+ irand(2))) '
     '"0 . 2 3 ~ . 0 1 . -1 -2") #s "gtr"\n\n'
     'd1 $ soak 4 (iter 8. slow 2 .ply 3) $ euclid 3 5 $ sound "bd sn"',
     ['(out1 ($ (soak 4 (rsection * (speed 1.5))) (sound "bd(3,8) sd:2")))',
      '(out1 (# (paren ($ note (scale "hexPhrygian") (soak 4 (paren (. (lsection 0.25 <~) '
      '(rsection |+ (irand (paren 2))))) "0 . 2 3 ~ . 0 1 . -1 -2"))) (s "gtr")))',
      '(out1 ($ (soak 4 (paren (. (iter 8) (slow 2) (ply 3)))) (euclid 3 5) (sound "bd sn")))']),
    ("club.tidalcycles.org, 'Week 2 lesson 2 - manipulating time with setcps' worksheet",
     "-- Let's run two patterns at once:\n"
     'd1 $ n "0 2 [3 5] [4 7]" # sound "cpu"\n\n'
     'd2 $ n "0(3,8) 8*8" # sound "cpu2"\n  # squiz 5\n\n'
     "-- Changing the cps (cycles per second) changes everything\nsetcps 0.7\n\nsetcps 0.3\n\n"
     'd2 $ n "0 [~ 1] 2*2 3 4*3 5 ~ 7" # sound "cpu2"\n    # cps "<0.5 2> [1 0.75] <2 1>"',
     ['(out1 (# (n "0 2 [3 5] [4 7]") (sound "cpu")))',
      '(out2 (# (# (n "0(3,8) 8*8") (sound "cpu2")) (squiz 5)))',
      "(tempo cps 0.7)", "(tempo cps 0.3)",
      '(out2 (# (# (n "0 [~ 1] 2*2 3 4*3 5 ~ 7") (sound "cpu2")) (cps "<0.5 2> [1 0.75] <2 1>")))']),
    ("github.com/IliaViazov/tusa tmux_captures/session-2025-10-15_01-51-39.hs",
     'd3 $ slow "2 0.1 2.3 0.9" $ "808lt" <| n (run 12 |% "<3 1 2 3 14 12>")\n\n'
     'd4 $ jux(hurry 2) $ "east" <| n (run "<11 10 <23 10> 30 . 0.9>")\n\n'
     'd7 $ jux (hurry "<10 [20 0.1] 30 100>") $ "cp!16 sn!23" #speed "10 20 0.1 2" #pan rand',
     ['(out3 ($ (slow "2 0.1 2.3 0.9") (<| "808lt" (n (paren (|% (run 12) "<3 1 2 3 14 12>"))))))',
      '(out4 ($ (jux (paren (hurry 2))) (<| "east" (n (paren (run "<11 10 <23 10> 30 . 0.9>"))))))',
      '(out7 ($ (jux (paren (hurry "<10 [20 0.1] 30 100>"))) '
      '(# (# "cp!16 sn!23" (speed "10 20 0.1 2")) (pan rand))))']),
    ("github.com/tidalcycles/Tidal example.tidal (the editor test file; `hush` is noted)",
     '-- This is an example file you can use to quickly test Tidal editor integration.\n\n'
     'd1 $ s "bd sd bd [~ sd] bd sd bd*3 sd"\n\nhush\n',
     ['(out1 (s "bd sd bd [~ sd] bd sd bd*3 sd"))']),
    ("tidalcycles.org/docs/reference/patterns (patterns separated by blank lines)",
     '-- a bass drum\nd1 $ s "bd ~ bd ~"\n\n-- high-hat pattern\nd2 $ s "[~ hh]*2"\n\n'
     '-- 1.. 1.. 1.. 1..\nd3 $ s "numbers:1"\n\n-- clap\nd4 $ s "cp cp cp"',
     ['(out1 (s "bd ~ bd ~"))', '(out2 (s "[~ hh]*2"))', '(out3 (s "numbers:1"))',
      '(out4 (s "cp cp cp"))']),
]


@pytest.mark.filterwarnings("ignore:.*is defined again")   # pieces with several versions of d1
@pytest.mark.filterwarnings("ignore:.*'hush' is ignored")
@pytest.mark.parametrize("source,src,expected", PUBLISHED, ids=[p[0][:40] for p in PUBLISHED])
def test_published_tidal_parses_as_written(source, src, expected):
    assert sexpr(parse(src)).split("\n") == expected


TIDAL_ERRORS = [
    ('once $ s "trump"',
     "x.ph:1:1: 'once' is Tidal-only (it plays a pattern once, live)\n"
     "    once $ s \"trump\"\n"
     "    ^^^^\n"
     "hint: Phonon spelling: render it as an output: 'd1 $ s \"bd sn\"' (and 'phonon render "
     "--cycles 1')"),
    ('d1 $ s "bd"\nxfade 1 $ s "hh"',
     "x.ph:2:1: 'xfade' is Tidal-only (a live transition between two patterns)\n"
     "    xfade 1 $ s \"hh\"\n"
     "    ^^^^^\n"
     "hint: Phonon spelling: write the pattern it moves to as an output: 'd1 $ s \"bd sn\"'"),
    ('solo 1',
     "x.ph:1:1: 'solo' is Tidal-only (a live-performance control)\n"
     "    solo 1\n"
     "    ^^^^\n"
     "hint: Phonon spelling: leave it out: a rendered file plays every output it defines "
     "(render one with --stems)"),
    ('p romeo $ s "bd bd"',
     "x.ph:1:1: 'p' is Tidal-only (a named output: `p \"name\" $ ...`)\n"
     "    p romeo $ s \"bd bd\"\n"
     "    ^\n"
     "hint: Phonon spelling: write 'p \"drums\" $ s \"bd sn\"' or 'd1 $ s \"bd sn\"'"),
    ('import Sound.Tidal.Context',
     "x.ph:1:1: 'import' is Tidal-only (a Haskell import)\n"
     "    import Sound.Tidal.Context\n"
     "    ^^^^^^\n"
     "hint: Phonon spelling: delete the line: Phonon needs no imports"),
    ('let f 2 = fast 2',
     "x.ph:1:7: 'let f ...': the parameters of a function are names\n"
     "    let f 2 = fast 2\n"
     "          ^\n"
     "hint: like 'let f x = fast x $ s \"bd sn\"'"),
    ('let a = 1 + 2\nd1 $ a 3',
     "x.ph:2:6: 'a' is bound by 'let' to an expression, not to a function name\n"
     "    d1 $ a 3\n"
     "         ^\n"
     "hint: only a name or a call bound by 'let' takes more arguments; put the expression where "
     "it is used"),
    ('out: a = 1',
     "x.ph:1:8: unexpected '='\n"
     "    out: a = 1\n"
     "           ^\n"
     "hint: '=' belongs to Tidal's 'let' (not supported); define a bus with '~name: ...' and "
     "an output with 'out: ...'"),
    ('hush 1',
     "x.ph:1:6: unexpected '1' after 'hush'\n"
     "    hush 1\n"
     "         ^\n"
     "hint: 'hush' stands alone on its line"),
    ('d1 $ every 2 (* 2 + 1) $ n "0"',
     "x.ph:1:14: the section '(* ...)' needs its operand in parentheses\n"
     "    d1 $ every 2 (* 2 + 1) $ n \"0\"\n"
     "                 ^\n"
     "hint: '2 + 1' binds less tightly than '*' (Haskell's precedence): write '(* (2 + 1))'"),
    ('d1 $ every 2 (|+ n 1 # s "x") $ n "0"',
     "x.ph:1:14: the section '(|+ ...)' needs its operand in parentheses\n"
     "    d1 $ every 2 (|+ n 1 # s \"x\") $ n \"0\"\n"
     "                 ^\n"
     "hint: 'n 1 # s \"x\"' binds less tightly than '|+' (Haskell's precedence): write "
     "'(|+ (n 1 # s \"x\"))'"),
    ('d1 $ every 2 (1/8 <~) $ s "bd"',
     "x.ph:1:14: the section '(... <~)' needs its operand in parentheses\n"
     "    d1 $ every 2 (1/8 <~) $ s \"bd\"\n"
     "                 ^\n"
     "hint: '1/8' binds less tightly than '<~' (Haskell's precedence): write '((1/8) <~)'"),
    ('d1 $ every 4 (<~ "0.25") $ s "bd"',
     "x.ph:1:14: '(<~ ...)' shifts its operand by the pattern it is applied to\n"
     "    d1 $ every 4 (<~ \"0.25\") $ s \"bd\"\n"
     "                 ^\n"
     "hint: to shift a pattern by an amount, put the amount on the left: '(\"0.25\" <~)'"),
    ('d1 $ (|+)',
     "x.ph:1:9: unexpected ')'; '(|+)' is an operator alone\n"
     "    d1 $ (|+)\n"
     "            ^\n"
     "hint: write a section with its operand, like '(|+ n 12)'"),
    ('d1 $ every 2 (rev . fast 2 # speed 2) $ s "bd"',
     "x.ph:1:28: cannot mix '.' and '#' without parentheses\n"
     "    d1 $ every 2 (rev . fast 2 # speed 2) $ s \"bd\"\n"
     "                               ^\n"
     "hint: both have precedence 9 in Haskell, '.' to the right and '#' to the left: put the "
     "'#' expression in parentheses, like '(# speed 2) . rev'"),
    ('d1 $ n "0" |+ rev . fast 2',
     "x.ph:1:12: cannot mix '.' and '|+' without parentheses\n"
     "    d1 $ n \"0\" |+ rev . fast 2\n"
     "               ^^\n"
     "hint: both have precedence 9 in Haskell, '.' to the right and '|+' to the left: put the "
     "'|+' expression in parentheses, like '(# speed 2) . rev'"),
    ('d1 $ s "drum" |++ s ":3"',
     "x.ph:1:15: Tidal's '|++' is not supported\n"
     "    d1 $ s \"drum\" |++ s \":3\"\n"
     "                  ^^^\n"
     "hint: '|+' and its family join strings, as on Tidal's control patterns: s \"drum\" |+ s \":3\""),
    ('d1 $ n "0 1" ||+ n 12',
     "x.ph:1:14: Tidal's '||+' is not supported\n"
     "    d1 $ n \"0 1\" ||+ n 12\n"
     "                 ^^^\n"
     "hint: '||+' squeezes the right pattern into each event in Tidal; it is not supported: use "
     "'|+' (structure from the left) or 'squeeze'"),
    ('{- intro\nd1 $ s "bd"',
     "x.ph:1:1: unterminated block comment\n"
     "    {- intro\n"
     "    ^^\n"
     "hint: close it with '-}' (block comments nest, as in Haskell)"),
    ('d1 $ s "bd" -}',
     "x.ph:1:13: '-}' closes no block comment\n"
     "    d1 $ s \"bd\" -}\n"
     "                ^^\n"
     "hint: block comments are written {- like this -}"),
    ('d1 $ s "bd"\n\n  # gain 0.8',
     "x.ph:3:3: '#' starts a chain, not a comment\n"
     "      # gain 0.8\n"
     "      ^\n"
     "hint: comments start with '--'; a line that starts with '#' continues the statement "
     "above it (a blank line ends a statement)"),
    ('d1 $ s "bd"\n\n  |+ n 12',
     "x.ph:3:3: expected a statement, got '|+'\n"
     "      |+ n 12\n"
     "      ^^\n"
     f"hint: a statement starts its line with {STATEMENT_FORMS}, like 'out: s \"bd*4\"'; a "
     "blank line ends the statement from line 1 (a Tidal block): remove the blank line to "
     "continue it"),
    ('d1\n\n  $ s "bd"',
     "x.ph:1:1: expected ':' or '$' after 'd1'\n"
     "    d1\n"
     "    ^^\n"
     "hint: write 'd1: s \"bd*4\"' or 'd1 $ s \"bd*4\"'"),
    ('setcps',
     "x.ph:1:1: nothing after 'setcps'\n"
     "    setcps\n"
     "    ^^^^^^\n"
     "hint: write a value after it, like 'setcps 0.5'"),
    ('$: s("bd*4")',
     "x.ph:1:1: Strudel's '$:' is not Phonon syntax\n"
     "    $: s(\"bd*4\")\n"
     "    ^\n"
     "hint: write a numbered output: 'd1 $ s \"bd*4\"'"),
    ('d1 $ s("bd sd").fast(2)',
     "x.ph:1:16: Strudel's method call '.fast(...)' is not Phonon syntax\n"
     "    d1 $ s(\"bd sd\").fast(2)\n"
     "                   ^^^^^^\n"
     "hint: write it as in Tidal: 'fast ... $ pattern' for a transform, 'pattern # fast ...' "
     "for a control ('.' composes functions)"),
    ('d1 $ s "bd" # (speed 2 + 1)',
     "x.ph:1:24: unexpected '+'; expected an operator or ')'\n"
     "    d1 $ s \"bd\" # (speed 2 + 1)\n"
     "                           ^\n"
     "hint: the right side of '#' is one function call, like '# speed 2'; combine controls "
     "with the |op| family, like '# speed 2 |+ speed 1'"),
]


@pytest.mark.parametrize("src,expected", TIDAL_ERRORS, ids=[e[0] for e in TIDAL_ERRORS])
def test_tidal_error_text(src, expected):
    assert str(error(src)) == expected


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_token_soup_gives_syntax_errors_only():
    """Random sequences of Tidal and Phonon tokens parse or raise PhononSyntaxError, never
    another exception (a traceback would be a bug)."""
    import random
    pieces = ['d1', '$', '#', '|+', '+|', '|+|', '<~', '~>', '.', '(', ')', '[', ']', ',', '+',
              '-', '*', '/', '%', '0.25', '1', '-3', '"bd sn"', 's', 'n', 'every', 'rev', '\n',
              '\n\n', '  ', 'let', '=', 'do', 'hush', 'setcps', 'setcpm', 'once', '{-', '-}',
              '--', 'out:', '~a', 'q:', ':q', "every'", '(1/8)', '\t']
    rng = random.Random(10)
    for _ in range(3000):
        sep = rng.choice(["", " "])
        src = rng.choice(["", "d1 $ "]) + sep.join(rng.choice(pieces)
                                                  for _ in range(rng.randint(1, 12)))
        try:
            parse(src)
        except PhononSyntaxError:
            pass


def test_tidal_named_outputs():
    """`p "drums" $ ...` is an output named drums; `p 1 $` is d1; a name like d1 is kept apart."""
    prog = parse('p "drums" $ s "bd"\np 1 $ s "hh"\np "bass line" $ s "x"\np "d1" $ s "y"\n')
    assert [s.name for s in prog.statements] == ["drums", "out1", "bass_line", "p_d1"]


@pytest.mark.parametrize("src,want", [
    ('let f x = fast x $ s "bd"\nd1 $ f 2\n', 'd1 $ (fast (2) $ s "bd")'),
    ('let g t p = every t (fast 2) p\nd1 $ g 2 $ s "bd sn"\n', 'd1 $ every 2 (fast 2) $ s "bd sn"'),
    ('let\n  a = s "bd*2"\n  b = s "hh*3"\nd1 $ stack [a, b]\n', 'd1 $ stack [s "bd*2", s "hh*3"]'),
    ('let x = 3\n    f y = fast y $ s "a"\nd1 $ f x\n', 'd1 $ fast 3 $ s "a"'),
    ('let m1 = speed 2\nd1 $ s "bd" # m1\n', 'd1 $ s "bd" # speed 2'),
    ('let m2 = (speed 2 # crush 4)\nd1 $ s "bd" # m2\n', 'd1 $ s "bd" # (speed 2 # crush 4)'),
])
def test_let_forms_expand_as_haskell(src, want):
    """Tidal pieces' let: functions with parameters (expanded where called with all their
    arguments, the last one also by `$`), a bare `let` with bindings below, a binding with
    parameters inside a block, a bound control or control group after `#`."""
    import phonon
    from phonon.events import to_json
    assert to_json(phonon.events(src, 0, 2)) == to_json(phonon.events(want + "\n", 0, 2))


def test_let_function_wrong_arity_is_located():
    with pytest.raises(PhononSyntaxError, match=r"'f' takes 1 argument \(x\); got 0") as e:
        parse('let f x = fast x $ s "bd"\nd1 $ f\n')
    assert e.value.span.line == 2
