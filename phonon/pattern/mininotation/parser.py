"""Mini-notation parser: text -> AST (recursive descent, Tidal 1.9's grammar).

    top       := sequence (',' sequence)* | sequence ('|' sequence)*
    sequence  := (step | '.')*                 -- '.' splits into feet
    step      := part ('..' part)? ('@' n? | '_' | '!' n?)*
    part      := (word | '~' | '[' top ']' | '<' seqs '>' | '{' seqs '}' ('%' factor)?) modifier*
    modifier  := '*' factor | '/' factor | '(' sequence ',' sequence (',' sequence)? ')' | '?' n?
    factor    := number | '[' top ']' | '<' seqs '>' | '{' seqs '}'

Each `?` takes the next seed when it is read; a `|` group takes one after its options
(Tidal's newSeed order). Errors are MiniParseError with the column inside the string.
"""
from __future__ import annotations

import re
from fractions import Fraction

from ... import limits
from ...errors import MiniLimitError, MiniParseError, Span
from ..notes import Note, chord_notes, note_to_midi, CHORDS
from .ast import (Alternation, Atom, Chord, Choice, Degrade, Euclid, Fast, Polymeter, Range, Rest,
                  Seq, Slow, Stack, Step)

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d+)?|\.\d+)$")
_WORD_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:._#'-")
_STEP_END = set(",|])}>")


def parse(text: str):
    """Parse a mini-notation string into its AST. Past `phonon.limits` (nesting deeper than
    MAX_NESTING, more steps than max_steps() once `!`, `..`, `%` and euclid are expanded)
    it raises MiniLimitError, before anything is built."""
    p = _Parser(text)
    node = p.parse()
    _expanded(p, node, limits.max_steps())
    return node


def _range_size(node) -> int:
    a, b = node.start, node.stop
    if isinstance(a, Atom) and isinstance(b, Atom) and isinstance(a.value, Fraction) \
            and isinstance(b.value, Fraction):
        return int(abs(b.value - a.value)) + 1
    return 2


def _const(node):
    """The whole-number value of a constant factor (`%8`, euclid's `8`), else None."""
    if isinstance(node, Atom) and isinstance(node.value, Fraction):
        return node.value
    if isinstance(node, Seq) and len(node.steps) == 1 and node.steps[0].count == 1:
        return _const(node.steps[0].node)
    return None


def _expanded(p: "_Parser", node, limit: int) -> int:
    """Steps `node` expands to (`!` and nested repeats multiply, `a .. b` is |b - a| + 1,
    `{...}%n` and euclid's steps count n); raises MiniLimitError at the innermost node past
    `limit`. Recursion is bounded by the parser's nesting limit."""
    if isinstance(node, (Atom, Rest)):
        return 1
    if isinstance(node, Chord):
        return len(node.values)
    if isinstance(node, Range):
        n = _range_size(node)
        what = f"the range '{p.text[_off(p, node.span):_off(p, node.span) + node.span.length]}'"
    elif isinstance(node, Seq):
        n = sum(s.count * _expanded(p, s.node, limit) for s in node.steps)
        what = "this sequence (with its '!' copies)"
    elif isinstance(node, (Stack, Alternation)):
        n = sum(_expanded(p, x, limit) for x in node.layers)
        what = "these layers"
    elif isinstance(node, Choice):
        n = sum(_expanded(p, x, limit) for x in node.options)
        what = "these options"
    elif isinstance(node, Polymeter):
        n = sum(_expanded(p, x, limit) for x in node.layers)
        what = "this polymeter"
        if node.steps is not None:
            k = _const(node.steps)
            n += _expanded(p, node.steps, limit)
            if k is not None and abs(k) > limit:
                n, what = int(abs(k)), "'%' (steps per cycle)"
    elif isinstance(node, Euclid):
        n = _expanded(p, node.node, limit)
        for a in (node.pulses, node.steps, node.rotation):
            if a is not None:
                n += _expanded(p, a, limit)
        what = "this euclid"
        for a in (node.pulses, node.steps):
            k = _const(a)
            if k is not None and abs(k) > limit:
                n, what = int(abs(k)), "euclid's (pulses,steps)"
    elif isinstance(node, (Fast, Slow)):
        n = _expanded(p, node.node, limit) + _expanded(p, node.factor, limit)
        what = "this step"
    elif isinstance(node, Degrade):
        n = _expanded(p, node.node, limit)
        what = "this step"
    else:
        return 1
    if n > limit:
        raise MiniLimitError(f"{what} expands to {n:,} steps (limit {limit:,} steps per string)",
                             span=node.span, source=p.text,
                             hint="write a shorter pattern and speed it up (`fast`, '*'), or set "
                                  "PHONON_MAX_STEPS to raise the limit")
    return n


def _off(p: "_Parser", span: Span) -> int:
    line_start = 0
    for _ in range(span.line - 1):
        line_start = p.text.index("\n", line_start) + 1
    return line_start + span.col - 1


def word_value(text: str):
    """The value of a word: an exact Fraction for a number, else the str itself."""
    if _NUMBER.match(text):
        return Fraction(text)
    return text


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.pos = 0
        self.seed = 0
        self.n = len(text)
        self.depth = 0

    # ---- helpers ---------------------------------------------------------------

    def span(self, start: int, end: int = None) -> Span:
        end = start + 1 if end is None else end
        line = self.text.count("\n", 0, start) + 1
        col = start - (self.text.rfind("\n", 0, start) + 1) + 1
        return Span(line, col, max(1, end - start))

    def error(self, msg: str, start: int = None, end: int = None) -> MiniParseError:
        start = self.pos if start is None else start
        return MiniParseError(msg, span=self.span(start, end), source=self.text)

    def peek(self, k: int = 0) -> str:
        p = self.pos + k
        return self.text[p] if p < self.n else ""

    def skip_ws(self):
        while self.pos < self.n and self.text[self.pos] in " \t\r\n":
            self.pos += 1

    def next_seed(self) -> int:
        s = self.seed
        self.seed += 1
        return s

    def found(self) -> str:
        c = self.peek()
        return "the end of the pattern" if c == "" else f"'{c}'"

    # ---- grammar ----------------------------------------------------------------

    def parse(self):
        node = self.parse_layers(close="")
        self.skip_ws()
        if self.pos < self.n:
            raise self.error(f"expected a word, number, '~', '[', '<' or '{{', found {self.found()}")
        return node

    def parse_layers(self, close: str):
        start = self.pos
        first = self.parse_sequence()
        self.skip_ws()
        c = self.peek()
        if c == ",":
            layers = [first]
            while self.peek() == ",":
                self.pos += 1
                layers.append(self.parse_sequence())
                self.skip_ws()
            return Stack(tuple(layers), self.span(start, self.pos))
        if c == "|":
            options = [first]
            while self.peek() == "|":
                self.pos += 1
                options.append(self.parse_sequence())
                self.skip_ws()
            return Choice(tuple(options), self.next_seed(), self.span(start, self.pos))
        return first

    def parse_sequence(self):
        self.depth += 1
        try:
            if self.depth > limits.MAX_NESTING:
                raise MiniLimitError(
                    f"nesting too deep: more than {limits.MAX_NESTING} levels of [ < {{ ( "
                    f"(limit {limits.MAX_NESTING})", span=self.span(max(0, self.pos - 1)),
                    source=self.text, hint="flatten the pattern, or split it into several strings")
            return self._parse_sequence()
        finally:
            self.depth -= 1

    def _parse_sequence(self):
        start = self.pos
        feet, steps = [], []
        while True:
            self.skip_ws()
            c = self.peek()
            if c == "" or c in _STEP_END or c == ")":
                break
            if c == "." and self.peek(1) != "." and not self.peek(1).isdigit():
                feet.append(steps)
                steps = []
                self.pos += 1
                continue
            if c in "_@!":
                if not steps:
                    raise self.error(f"'{c}' needs a step before it")
                steps[-1] = self.parse_extend(steps[-1])
                continue
            node = self.parse_part()
            self.skip_ws()
            if self.text.startswith("..", self.pos):
                self.pos += 2
                self.skip_ws()
                if self.peek() in ("",) or self.peek() in _STEP_END:
                    raise self.error(f"expected the end of a range after '..', found {self.found()}")
                stop = self.parse_part()
                node = Range(node, stop, self.span(start, self.pos))
            steps.append(Step(node))
        end = self.pos
        if feet:
            feet.append(steps)
            return Seq(tuple(Step(Seq(tuple(f), self.span(start, end))) for f in feet if f),
                       self.span(start, end))
        return Seq(tuple(steps), self.span(start, max(end, start + 1)))

    def parse_extend(self, step: Step) -> Step:
        """`@w`, `_` and `!n` / `!` after a step."""
        weight, count = step.weight, step.count
        c = self.peek()
        self.pos += 1
        num = self.read_number_text()
        if c == "!":
            if num is None:
                count += 1
            else:
                v = Fraction(num)
                if v.denominator != 1 or v < 1:
                    raise self.error(f"'!' takes a whole number of copies, got {num}", self.pos - len(num),
                                     self.pos)
                count += int(v) - 1
        else:  # '@' or '_'
            if num is None:
                if c == "@":
                    raise self.error(f"expected a number after '@', found {self.found()}")
                weight += 1
            else:
                weight += Fraction(num) - 1
        return Step(step.node, weight, count)

    def read_number_text(self):
        m = re.compile(r"\d+(\.\d+)?|\.\d+").match(self.text, self.pos)
        if not m:
            return None
        self.pos = m.end()
        return m.group(0)

    def parse_part(self):
        start = self.pos
        node = self.parse_term()
        return self.parse_modifiers(node, start)

    def parse_term(self):
        start = self.pos
        c = self.peek()
        if c == "[":
            self.pos += 1
            node = self.parse_layers(close="]")
            self.expect("]", start)
            return node
        if c == "<":
            self.pos += 1
            layers = self.parse_comma_layers()
            self.expect(">", start)
            return Alternation(tuple(layers), self.span(start, self.pos))
        if c == "{":
            self.pos += 1
            layers = self.parse_comma_layers()
            self.expect("}", start)
            steps = None
            if self.peek() == "%":
                self.pos += 1
                steps = self.parse_factor("%")
            return Polymeter(tuple(layers), steps, self.span(start, self.pos))
        if c == "~" and not (self.peek(1).isalpha()):
            self.pos += 1
            return Rest(self.span(start))
        return self.parse_word()

    def parse_comma_layers(self):
        layers = [self.parse_sequence()]
        self.skip_ws()
        while self.peek() == ",":
            self.pos += 1
            layers.append(self.parse_sequence())
            self.skip_ws()
        return layers

    def expect(self, close: str, open_pos: int):
        self.skip_ws()
        if self.peek() != close:
            opener = self.text[open_pos]
            raise self.error(f"expected '{close}' to close the '{opener}' at column "
                             f"{self.span(open_pos).col}, found {self.found()}")
        self.pos += 1

    def parse_word(self):
        start = self.pos
        c = self.peek()
        ok_start = (c.isalnum() or (c in "~'" and self.peek(1).isalpha())
                    or (c != "" and c in "+-." and (self.peek(1).isdigit() or (self.peek(1) == "." and self.peek(2).isdigit()))))
        if not ok_start:
            raise self.error(f"expected a word, number, '~', '[', '<' or '{{', found {self.found()}")
        self.pos += 1
        while self.pos < self.n:
            ch = self.text[self.pos]
            if ch not in _WORD_CHARS:
                break
            if ch == "." and self.peek(1) == ".":
                break
            self.pos += 1
        text = self.text[start:self.pos]
        span = self.span(start, self.pos)
        if "'" in text:
            return self.make_chord(text, span, start)
        return Atom(word_value(text), span)

    def make_chord(self, text: str, span: Span, start: int):
        root, name, *mods = text.split("'")
        root = root or "0"   # Tidal's pChord (TPat_Atom Nothing 0): "'maj" is rooted at 0 (c5)
        ivs = chord_notes(name, mods)
        if ivs is None:
            if name not in CHORDS:
                raise self.error(f"unknown chord '{name}'; known chords include maj min aug dim maj7 dom7 "
                                 f"min7 dim7 sus2 sus4 six m6 add9 nine m9", start, self.pos)
            raise self.error(f"bad chord modifier in '{text}'; expected a number of notes, 'i' (inversion) "
                             f"or 'o' (open)", start, self.pos)
        if _NUMBER.match(root):
            r = Fraction(root)
            return Chord(tuple(r + i for i in ivs), span)
        midi = note_to_midi(root)
        if midi is None:
            raise self.error(f"chord root '{root}' is not a note name or number (like c4, e, a#3, 60)",
                             start, start + len(root))
        return Chord(tuple(Note(midi + i, any(ch.isdigit() for ch in root)) for i in ivs), span)

    def parse_factor(self, op: str):
        """A number or a bracketed pattern after '*', '/' or '%'."""
        self.skip_ws()
        c = self.peek()
        if c and c in "[<{":
            return self.parse_term()
        start = self.pos
        if c and (c.isdigit() or c in "+-."):
            node = self.parse_word()
            if isinstance(node, Atom) and isinstance(node.value, Fraction):
                return node
            self.pos = start
        raise self.error(f"expected a number or a pattern in brackets after '{op}', found {self.found()}")

    def parse_modifiers(self, node, start: int):
        count = 0
        while True:
            c = self.peek()
            count += 1
            if count > limits.MAX_NESTING and c in "*/(?":
                raise MiniLimitError(f"more than {limits.MAX_NESTING} modifiers on one step "
                                     f"(limit {limits.MAX_NESTING})", span=self.span(self.pos),
                                     source=self.text, hint="write one factor: 'bd*8', not 'bd*2*2*2'")
            if c == "*":
                self.pos += 1
                node = Fast(node, self.parse_factor("*"), self.span(start, self.pos))
            elif c == "/":
                self.pos += 1
                node = Slow(node, self.parse_factor("/"), self.span(start, self.pos))
            elif c == "(":
                open_pos = self.pos
                self.pos += 1
                args = [self.parse_sequence()]
                self.skip_ws()
                while self.peek() == ",":
                    self.pos += 1
                    args.append(self.parse_sequence())
                    self.skip_ws()
                if self.peek() != ")":
                    raise self.error(f"expected ')' to close the euclid '(' at column {self.span(open_pos).col}, "
                                     f"found {self.found()}")
                self.pos += 1
                if len(args) not in (2, 3) or any(not a.steps for a in args):
                    raise self.error("euclid takes (pulses,steps) or (pulses,steps,rotation), like bd(3,8,2)",
                                     open_pos, self.pos)
                node = Euclid(node, args[0], args[1], args[2] if len(args) == 3 else None,
                              self.span(start, self.pos))
            elif c == "?":
                self.pos += 1
                num = self.read_number_text()
                amount = Fraction(num) if num is not None else None
                if amount is not None and amount > 1:
                    raise self.error(f"'?' takes a probability 0..1, got {num}", self.pos - len(num), self.pos)
                node = Degrade(node, amount, self.next_seed(), self.span(start, self.pos))
            else:
                return node
