"""AST of mini-notation. Every node keeps the Span of its source text (columns count
inside the mini-notation string, 1-based)."""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Optional, Union

from ...errors import Span


@dataclass(frozen=True)
class Atom:
    """A word: str (`bd`, `bd:3`, `c4`, `~kick`) or an exact Fraction (`-0.5`)."""
    value: Any
    span: Span


@dataclass(frozen=True)
class Rest:
    span: Span


@dataclass(frozen=True)
class Chord:
    """`c4'maj`: values are Note(midi) for a note-name root, Fractions for a number root."""
    values: tuple
    span: Span


@dataclass(frozen=True)
class Step:
    """One step of a sequence: `node@weight` repeated `count` times (`!`)."""
    node: "Node"
    weight: Fraction = Fraction(1)
    count: int = 1


@dataclass(frozen=True)
class Seq:
    steps: tuple
    span: Span


@dataclass(frozen=True)
class Stack:
    """`[a, b]` or a top-level `a, b`."""
    layers: tuple
    span: Span


@dataclass(frozen=True)
class Choice:
    """`a | b | c`: one option per cycle, chosen by rand with this seed."""
    options: tuple
    seed: int
    span: Span


@dataclass(frozen=True)
class Alternation:
    """`<a b c>`: one step per cycle (a polymeter whose step rate is 1)."""
    layers: tuple
    span: Span


@dataclass(frozen=True)
class Polymeter:
    """`{a b c, d e}` and `{a b c}%4`: steps per cycle from the first layer or `steps`."""
    layers: tuple
    steps: Optional["Node"]
    span: Span


@dataclass(frozen=True)
class Fast:
    node: "Node"
    factor: "Node"
    span: Span


@dataclass(frozen=True)
class Slow:
    node: "Node"
    factor: "Node"
    span: Span


@dataclass(frozen=True)
class Euclid:
    node: "Node"
    pulses: "Node"
    steps: "Node"
    rotation: Optional["Node"]
    span: Span


@dataclass(frozen=True)
class Degrade:
    """`a?` (amount None = 0.5) or `a?0.3`, with its own seed."""
    node: "Node"
    amount: Optional[Fraction]
    seed: int
    span: Span


@dataclass(frozen=True)
class Range:
    """`0 .. 3`"""
    start: "Node"
    stop: "Node"
    span: Span


Node = Union[Atom, Rest, Chord, Seq, Stack, Choice, Alternation, Polymeter, Fast, Slow, Euclid,
             Degrade, Range]


def _num(x: Fraction) -> str:
    return str(x.numerator) if x.denominator == 1 else str(x)


def dump(node) -> str:
    """A compact, stable s-expression of the tree (spans left out), for golden tests."""
    t = type(node).__name__
    if isinstance(node, Atom):
        v = node.value
        return _num(v) if isinstance(v, Fraction) else str(v)
    if isinstance(node, Rest):
        return "~"
    if isinstance(node, Chord):
        return "(chord " + " ".join(repr(v) if not isinstance(v, Fraction) else _num(v)
                                    for v in node.values) + ")"
    if isinstance(node, Seq):
        parts = []
        for s in node.steps:
            d = dump(s.node)
            if s.weight != 1:
                d += "@" + _num(s.weight)
            if s.count != 1:
                d += "!" + str(s.count)
            parts.append(d)
        return "(seq " + " ".join(parts) + ")"
    if isinstance(node, (Stack, Alternation)):
        return f"({t.lower()} " + " ".join(dump(x) for x in node.layers) + ")"
    if isinstance(node, Choice):
        return f"(choice#{node.seed} " + " ".join(dump(x) for x in node.options) + ")"
    if isinstance(node, Polymeter):
        steps = "" if node.steps is None else " %" + dump(node.steps)
        return "(polymeter " + " ".join(dump(x) for x in node.layers) + steps + ")"
    if isinstance(node, (Fast, Slow)):
        return f"({t.lower()} {dump(node.node)} {dump(node.factor)})"
    if isinstance(node, Euclid):
        rot = "" if node.rotation is None else " " + dump(node.rotation)
        return f"(euclid {dump(node.node)} {dump(node.pulses)} {dump(node.steps)}{rot})"
    if isinstance(node, Degrade):
        amt = "" if node.amount is None else " " + _num(node.amount)
        return f"(degrade#{node.seed} {dump(node.node)}{amt})"
    if isinstance(node, Range):
        return f"(range {dump(node.start)} {dump(node.stop)})"
    raise TypeError(f"not a mini-notation node: {node!r}")
