"""Combining patterns: control setting (Tidal's `#`) and arithmetic (`|+|` and friends)."""
from __future__ import annotations

import operator
from typing import Callable

from .core import Pattern, combine_values, reify

__all__ = ["set_control", "set_controls", "op", "op_left", "op_right", "add", "sub", "mul", "div",
           "combine_values"]


def _set(v, name, x):
    if isinstance(v, dict):
        d = dict(v)
        d[name] = x
        return d
    return {"value": v, name: x}


def set_control(pat, name: str, valuepat) -> Pattern:
    """Tidal's `pat # name valuepat` (|>): structure from the left pattern, the value of the
    right pattern (sampled at each left event's whole) is stored under key `name`.
    Non-dict left values v become {"value": v, name: x}."""
    return reify(pat).app_left(reify(valuepat), lambda v, x: _set(v, name, x))


def set_controls(pat, dictpat) -> Pattern:
    """`#` with a pattern of dicts: union, the right side's keys win."""
    return reify(pat).app_left(reify(dictpat), lambda a, b: {**a, **b} if isinstance(a, dict) else
                               {"value": a, **b})


def op(pat_a, pat_b, f: Callable) -> Pattern:
    """Combine two patterns with structure from both sides (Tidal's |+| for f = +)."""
    return reify(pat_a).app_both(reify(pat_b), combine_values(f))


def op_left(pat_a, pat_b, f: Callable) -> Pattern:
    """Structure from the left (Tidal's |+)."""
    return reify(pat_a).app_left(reify(pat_b), combine_values(f))


def op_right(pat_a, pat_b, f: Callable) -> Pattern:
    """Structure from the right (Tidal's +|)."""
    return reify(pat_a).app_right(reify(pat_b), combine_values(f))


def add(a, b) -> Pattern:
    return op(a, b, operator.add)


def sub(a, b) -> Pattern:
    return op(a, b, operator.sub)


def mul(a, b) -> Pattern:
    return op(a, b, operator.mul)


def div(a, b) -> Pattern:
    return op(a, b, operator.truediv)
