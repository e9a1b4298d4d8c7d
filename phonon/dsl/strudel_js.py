"""Strudel's JavaScript, the subset Strudel code uses: tokens -> a small JS AST with spans.

`parse_js(src) -> list[JStmt]`. Recursive descent over:

* statements: `$: e` and `name: e` (labelled patterns; `_$:`/`_name:` are muted), `let`/`const`/
  `var name = e`, `await e` and bare expressions; `;` or a line break ends a statement (JavaScript's
  automatic semicolons: a line that starts with `.`, `)` or an operator continues the one above);
* expressions: numbers (`0.5`, `.25`, `1e3`), strings (`"..."`, `'...'`, `` `...` ``), names,
  calls `f(a, b)`, members and method calls `e.f(a)`, arrays `[a, b]`, objects `{k: v}` (for the
  options of visual calls), `+ - * / %` and unary `-`, parentheses, arrow functions `x => e`,
  `(x) => e`, `() => e`, `(a, b) => e` (the translator accepts one parameter);
* comments `//` and `/* */`.

Anything else (`function`, `if`, `for`, `=` outside a binding, template `${}`) is a located
PhononSyntaxError. Phonon's own AST is made from this tree by `phonon.dsl.strudel`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Optional

from ..errors import LimitError, PhononSyntaxError, Span
from ..limits import MAX_NESTING
from .lexer import Source

__all__ = ["JNum", "JStr", "JName", "JCall", "JMember", "JArrow", "JBin", "JNeg", "JArray",
           "JObject", "JStmt", "parse_js"]


@dataclass(frozen=True)
class JNum:
    value: Fraction
    text: str
    span: Span


@dataclass(frozen=True)
class JStr:
    text: str
    quote: str      # '"', "'" or "`"
    span: Span      # col of the opening quote


@dataclass(frozen=True)
class JName:
    name: str
    span: Span


@dataclass(frozen=True)
class JMember:
    obj: object
    name: str
    span: Span      # of the name after '.'


@dataclass(frozen=True)
class JCall:
    func: object    # JName or JMember (or any expression)
    args: tuple
    span: Span      # of the function's name


@dataclass(frozen=True)
class JArrow:
    params: tuple   # JName
    body: object
    span: Span      # of the first token


@dataclass(frozen=True)
class JBin:
    op: str
    a: object
    b: object
    span: Span      # of the operator


@dataclass(frozen=True)
class JNeg:
    expr: object
    span: Span


@dataclass(frozen=True)
class JArray:
    items: tuple
    span: Span


@dataclass(frozen=True)
class JObject:
    items: tuple    # (key, value)
    span: Span


@dataclass(frozen=True)
class JStmt:
    kind: str       # "label" | "let" | "expr"
    name: str       # label or bound name ("" for "expr")
    expr: object
    span: Span      # of the statement's first token
    awaited: bool = False


@dataclass(frozen=True)
class _Tok:
    type: str       # NUM STR NAME OP EOF
    text: str
    pos: int
    end: int
    span: Span
    nl_before: bool


_NAME_RE = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_NUM_RE = re.compile(r"0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_OPS = ("=>", "===", "!==", "==", "!=", "<=", ">=", "&&", "||", "??", "?.", "...",
        "(", ")", "[", "]", "{", "}", ",", ".", ":", ";", "=", "+", "-", "*", "/", "%", "<", ">",
        "!", "?", "&", "|", "^", "~")
_KEYWORDS_UNSUPPORTED = {"function", "if", "else", "for", "while", "do", "return", "class", "new",
                         "switch", "try", "import", "export", "async", "yield", "this", "delete",
                         "typeof", "throw"}


def _tokenize(src: Source) -> list[_Tok]:
    text, out, i, n, nl, depth = src.text, [], 0, len(src.text), True, 0
    while i < n:
        c = text[i]
        if c == "\n":
            nl, i = True, i + 1
            continue
        if c in " \t\r\f\v\ufeff":
            i += 1
            continue
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                raise src.error_at("unterminated comment", i, 2, "close it with '*/'")
            nl = nl or "\n" in text[i:j]
            i = j + 2
            continue
        line, col = src.line_col(i)
        if c in "\"'`":
            j, buf = i + 1, []
            while j < n and text[j] != c:
                if text[j] == "\\" and j + 1 < n:
                    buf.append({"n": "\n", "t": "\t"}.get(text[j + 1], text[j + 1]))
                    j += 2
                    continue
                if text[j] == "\n" and c != "`":
                    break
                if c == "`" and text.startswith("${", j):
                    raise src.error_at("a template string with '${...}' is not supported", j, 2,
                                       "write the mini-notation out in full, or build the pattern "
                                       "with functions like cat(...) and .add(...)")
                buf.append(text[j])
                j += 1
            if j >= n or text[j] != c:
                raise src.error_at("unterminated string", i, 1, f"close it with {c}")
            out.append(_Tok("STR", c + "".join(buf) + c, i, j + 1, Span(line, col, j + 1 - i), nl))
            i, nl = j + 1, False
            continue
        m = _NUM_RE.match(text, i) if (c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit())) else None
        if m:
            if not m.group().lower().startswith("0x") and float(m.group()) > 1.7e308:
                raise src.error_at(f"number too large: {m.group()} (numbers are at most about "
                                   "1.7e308)", i, m.end() - i, "write a smaller number")
            out.append(_Tok("NUM", m.group(), i, m.end(), Span(line, col, m.end() - i), nl))
            i, nl = m.end(), False
            continue
        m = _NAME_RE.match(text, i)
        if m:
            out.append(_Tok("NAME", m.group(), i, m.end(), Span(line, col, m.end() - i), nl))
            i, nl = m.end(), False
            continue
        op = next((o for o in _OPS if text.startswith(o, i)), None)
        if op is None:
            raise src.error_at(f"unexpected character {c!r}", i, 1,
                               "Strudel code is JavaScript: names, numbers, strings, calls and "
                               "method chains like s(\"bd sn\").fast(2)")
        if op in "([{":
            depth += 1
            if depth > MAX_NESTING:
                raise LimitError(f"nesting too deep: more than {MAX_NESTING} levels of ( [ and {{ "
                                 f"(limit {MAX_NESTING})", span=Span(line, col), source=src.text,
                                 filename=src.filename, hint="bind a part to a name with "
                                 "const part = ... and use the name")
        elif op in ")]}":
            depth = max(0, depth - 1)
        out.append(_Tok("OP", op, i, i + len(op), Span(line, col, len(op)), nl))
        i, nl = i + len(op), False
    line, col = src.line_col(n)
    out.append(_Tok("EOF", "", n, n, Span(line, col, 1), True))
    return out


def _describe(t: _Tok) -> str:
    if t.type == "EOF":
        return "the end of the file"
    if t.type == "STR":
        return f"string {t.text if len(t.text) <= 24 else t.text[:20] + '...' + t.text[0]}"
    return f"'{t.text}'"


class _Parser:
    def __init__(self, src: Source):
        self.src = src
        self.toks = _tokenize(src)
        self.i = 0

    # -- helpers
    @property
    def t(self) -> _Tok:
        return self.toks[self.i]

    def peek(self, k: int = 1) -> _Tok:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def is_op(self, text: str, tok: Optional[_Tok] = None) -> bool:
        tok = tok or self.t
        return tok.type == "OP" and tok.text == text

    def take(self) -> _Tok:
        tok = self.t
        self.i += 1
        return tok

    def expect(self, text: str, what: str, hint: Optional[str] = None) -> _Tok:
        if not self.is_op(text):
            raise self.src.error(f"unexpected {_describe(self.t)}; expected '{text}' {what}",
                                 self.t.span, hint)
        return self.take()

    def fail(self, message: str, tok: _Tok, hint: Optional[str] = None) -> PhononSyntaxError:
        return self.src.error(message, tok.span, hint)

    # -- statements
    def program(self) -> list[JStmt]:
        out = []
        while self.t.type != "EOF":
            if self.is_op(";"):
                self.take()
                continue
            out.append(self.statement())
            if self.is_op(";"):
                self.take()
            elif self.t.type != "EOF" and not self.t.nl_before:
                raise self.fail(f"unexpected {_describe(self.t)}; expected the end of the statement",
                                self.t, "start the next statement on a new line, or end this one "
                                "with ';'; join methods with '.', like s(\"bd\").fast(2)")
        return out

    def statement(self) -> JStmt:
        t = self.t
        if t.type == "NAME" and self.is_op(":", self.peek()):
            self.i += 2
            return JStmt("label", t.text, self.expr(), t.span)
        if t.type == "NAME" and t.text in ("let", "const", "var"):
            self.take()
            name = self.t
            if name.type != "NAME":
                raise self.fail(f"expected a name after '{t.text}'", name,
                                f"bind a pattern to a name, like '{t.text} drums = s(\"bd sn\")'")
            self.take()
            self.expect("=", f"after '{t.text} {name.text}'",
                        f"bind a pattern to a name, like '{t.text} {name.text} = s(\"bd sn\")'")
            return JStmt("let", name.text, self.expr(), name.span)
        awaited = False
        if t.type == "NAME" and t.text == "await":
            self.take()
            awaited = True
        return JStmt("expr", "", self.expr(), t.span, awaited)

    # -- expressions
    def expr(self):
        if self.t.type == "NAME" and self.is_op("=>", self.peek()):
            param = self.take()
            arrow = self.take()
            return JArrow((JName(param.text, param.span),), self.arrow_body(arrow), param.span)
        if self.is_op("(") and self._arrow_params_ahead():
            start = self.take()
            params = []
            while not self.is_op(")"):
                p = self.t
                if p.type != "NAME":
                    raise self.fail(f"unexpected {_describe(p)} in the parameters of an arrow "
                                    "function", p, "write it like (x) => x.fast(2)")
                params.append(JName(p.text, p.span))
                self.take()
                if self.is_op(","):
                    self.take()
            self.take()
            arrow = self.expect("=>", "after the parameters")
            return JArrow(tuple(params), self.arrow_body(arrow), start.span)
        return self.additive()

    def _arrow_params_ahead(self) -> bool:
        """`(` ... `)` `=>`: an arrow function's parameter list (names and commas only)."""
        k = self.i + 1
        while self.toks[k].type == "NAME" or self.is_op(",", self.toks[k]):
            k += 1
        return self.is_op(")", self.toks[k]) and self.is_op("=>", self.toks[k + 1])

    def arrow_body(self, arrow: _Tok):
        if self.is_op("{"):
            raise self.fail("an arrow function with a block body '{ ... }' is not supported",
                            self.t, "write the body as one expression, like x => x.fast(2).rev()")
        return self.expr()

    def additive(self):
        left = self.multiplicative()
        while self.t.type == "OP" and self.t.text in ("+", "-"):
            op = self.take()
            left = JBin(op.text, left, self.multiplicative(), op.span)
        self._unsupported_operator()
        return left

    def _unsupported_operator(self):
        t = self.t
        if t.type == "OP" and t.text in ("===", "!==", "==", "!=", "<=", ">=", "<", ">", "&&", "||",
                                         "??", "?", "&", "|", "^", "="):
            hint = ("'=' binds a name only in 'const name = ...'" if t.text == "=" else
                    "compare and combine patterns with methods, like .lt(0.5) or .mask(\"1 0\")")
            raise self.fail(f"the operator '{t.text}' is not supported in Strudel code here", t, hint)

    def multiplicative(self):
        left = self.unary()
        while self.t.type == "OP" and self.t.text in ("*", "/", "%"):
            op = self.take()
            left = JBin(op.text, left, self.unary(), op.span)
        return left

    def unary(self):
        if self.is_op("-"):
            op = self.take()
            return JNeg(self.unary(), op.span)
        if self.is_op("+"):
            self.take()
            return self.unary()
        return self.postfix()

    def postfix(self):
        e = self.primary()
        while True:
            if self.is_op(".") or self.is_op("?."):
                self.take()
                name = self.t
                if name.type != "NAME":
                    raise self.fail(f"unexpected {_describe(name)} after '.'", name,
                                    "a method name follows '.', like .fast(2)")
                self.take()
                e = JMember(e, name.text, name.span)
            elif self.is_op("("):
                span = e.span
                self.take()
                e = JCall(e, tuple(self.items(")", "arguments")), span)
            elif self.is_op("["):
                raise self.fail("indexing with '[...]' is not supported", self.t,
                                "pick values with mini-notation, like \"<0 2 4>\"")
            else:
                return e

    def items(self, close: str, what: str) -> list:
        out, opener = [], self.toks[self.i - 1]
        while not self.is_op(close):
            if self.t.type == "EOF":
                raise self.fail(f"unclosed '{opener.text}' of the {what}", opener,
                                f"add the '{close}' that closes it")
            if self.is_op("..."):
                raise self.fail("spread '...' is not supported", self.t,
                                "write the items out, like stack(a, b, c)")
            out.append(self.expr())
            if self.is_op(","):
                self.take()
            elif self.t.type == "EOF":
                continue
            elif not self.is_op(close):
                raise self.fail(f"unexpected {_describe(self.t)} in the {what}; expected ',' or "
                                f"'{close}'", self.t, "separate arguments with commas, like "
                                "f(a, b)")
        self.take()
        return out

    def primary(self):
        t = self.t
        if t.type == "NUM":
            self.take()
            value = int(t.text, 16) if t.text[:2] in ("0x", "0X") else Fraction(t.text)
            return JNum(Fraction(value), t.text, t.span)
        if t.type == "STR":
            self.take()
            return JStr(t.text[1:-1], t.text[0], t.span)
        if t.type == "NAME":
            if t.text in _KEYWORDS_UNSUPPORTED:
                raise self.fail(f"JavaScript's '{t.text}' is not supported in Strudel code here", t,
                                "Phonon reads the subset Strudel pieces use: patterns, method "
                                "chains, const bindings, arrow functions of one parameter")
            self.take()
            return JName(t.text, t.span)
        if self.is_op("("):
            self.take()
            e = self.expr()
            self.expect(")", "to close the '('", f"the '(' at {t.span} is not closed")
            return e
        if self.is_op("["):
            self.take()
            return JArray(tuple(self.items("]", "array")), t.span)
        if self.is_op("{"):
            self.take()
            pairs = []
            while not self.is_op("}"):
                k = self.t
                if k.type not in ("NAME", "STR", "NUM"):
                    raise self.fail(f"unexpected {_describe(k)} in an object", k,
                                    "write it like {key: value}")
                self.take()
                self.expect(":", "after an object key")
                pairs.append((k.text, self.expr()))
                if self.is_op(","):
                    self.take()
                elif not self.is_op("}"):
                    raise self.fail(f"unexpected {_describe(self.t)} in an object; expected ',' or "
                                    "'}'", self.t)
            self.take()
            return JObject(tuple(pairs), t.span)
        if t.type == "EOF":
            raise self.fail("the code ends where an expression is expected", t,
                            "finish the expression, like s(\"bd sn\")")
        raise self.fail(f"unexpected {_describe(t)}; expected an expression", t,
                        "an expression is a pattern like s(\"bd sn\"), a number, a string or a name")


def parse_js(src: Source) -> list[JStmt]:
    """The statements of a Strudel program (a located PhononSyntaxError on anything else)."""
    return _Parser(src).program()
