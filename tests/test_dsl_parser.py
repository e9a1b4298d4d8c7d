"""Golden-AST and error-text tests for phonon.dsl (lexer + parser)."""
from __future__ import annotations

import threading
import time
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


def test_parse_is_fast():
    src = (PATCHES / "stress_synth.ph").read_text()
    assert len(src.splitlines()) >= 25
    parse(src)
    t0 = time.perf_counter()
    for _ in range(10):
        parse(src)
    assert (time.perf_counter() - t0) / 10 < 0.05   # a few ms in practice


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
    ("out: ~a # delay (0.25, 0.5)",
     "x.ph:1:17: Phonon calls functions by juxtaposition: write 'delay 0.25 0.5'\n"
     "    out: ~a # delay (0.25, 0.5)\n"
     "                    ^^^^^^^^^^^\n"
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
