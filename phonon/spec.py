"""GraphSpec: a compiled patch as frozen, picklable data.

Nodes (id, kind, args), outputs, buses, cps, sample rate, seed, sample roots.
Args are constants (float), node references (`Ref`) or pattern data (`Pat`: a
pattern expression tree, see `phonon.patexpr`). No callables, no state.

`dump()` is a stable text form in topological order (golden tests compare it);
`digest()` is its SHA-256 (job identity, cache key). Workers receive the
pickled bytes once and `pickle.loads` them per task: a deep clone that gives
each task independent DSP state.
"""
from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any, Union


@dataclass(frozen=True)
class Ref:
    """The output of node `node`."""

    node: int

    def __str__(self) -> str:
        return f"%{self.node}"


@dataclass(frozen=True)
class Pat:
    """Pattern data: a pattern expression (`phonon.patexpr.PatExpr`, frozen dataclasses of
    strings, Fractions and sub-expressions)."""

    expr: Any

    def __str__(self) -> str:
        return "pat" + _fmt_expr(self.expr)


ArgValue = Union[float, Ref, Pat]


@dataclass(frozen=True)
class NodeSpec:
    id: int
    kind: str
    args: tuple  # ((name, ArgValue), ...) in declaration order
    label: str = ""  # where it came from, e.g. "~bass" or "3:12" (not part of identity)

    def arg(self, name: str, default: Any = None) -> Any:
        for k, v in self.args:
            if k == name:
                return v
        return default

    def refs(self) -> list[int]:
        return [v.node for _, v in self.args if isinstance(v, Ref)]


@dataclass(frozen=True)
class GraphSpec:
    nodes: tuple  # NodeSpec, topologically sorted (inputs before users)
    outputs: tuple  # ((name, Ref), ...): "out", "out1", ...; all are mixed
    buses: tuple = ()  # ((name, Ref), ...) for stems and diagnostics
    cps: Fraction = Fraction(1, 2)
    sr: int = 44100
    seed: int = 0
    sample_roots: tuple = ()

    def node(self, node_id: int) -> NodeSpec:
        return self._index()[node_id]

    def _index(self) -> dict:
        idx = self.__dict__.get("_idx")
        if idx is None:
            idx = {n.id: n for n in self.nodes}
            object.__setattr__(self, "_idx", idx)
        return idx

    def __getstate__(self):
        d = dict(self.__dict__)
        d.pop("_idx", None)
        return d

    def __setstate__(self, d):
        self.__dict__.update(d)

    def __eq__(self, other):
        if not isinstance(other, GraphSpec):
            return NotImplemented
        return self.__getstate__() == other.__getstate__()

    def __hash__(self):
        return hash(self.digest())

    def with_options(self, **kw) -> "GraphSpec":
        """A copy with other global settings (sr, seed, cps, sample_roots)."""
        return replace(self, **kw)

    def consumers(self) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {n.id: [] for n in self.nodes}
        for n in self.nodes:
            for r in n.refs():
                out[r].append(n.id)
        return out

    def dump(self) -> str:
        """Stable text form: globals, then one line per node in topological order."""
        lines = [f"cps {_fmt_num(self.cps)}", f"sr {self.sr}", f"seed {self.seed}"]
        if self.sample_roots:
            lines.append("samples " + " ".join(self.sample_roots))
        for n in self.nodes:
            args = " ".join(f"{k}={_fmt_arg(v)}" for k, v in n.args)
            lines.append(f"%{n.id} = {n.kind}({args})" + (f"  ; {n.label}" if n.label else ""))
        for name, r in self.buses:
            lines.append(f"bus {name} = {r}")
        for name, r in self.outputs:
            lines.append(f"out {name} = {r}")
        return "\n".join(lines) + "\n"

    def digest(self) -> str:
        """SHA-256 of the dump without labels (labels are provenance, not identity)."""
        body = "\n".join(l.split("  ; ")[0] for l in self.dump().splitlines())
        return hashlib.sha256(body.encode()).hexdigest()

    def to_bytes(self) -> bytes:
        return pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def from_bytes(b: bytes) -> "GraphSpec":
        return pickle.loads(b)


def _fmt_num(v) -> str:
    if isinstance(v, Fraction):
        return str(v.numerator) if v.denominator == 1 else f"{v.numerator}/{v.denominator}"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def _fmt_arg(v) -> str:
    if isinstance(v, (Ref, Pat)):
        return str(v)
    return _fmt_num(v)


def _fmt_expr(e) -> str:
    """The s-expression text of a pattern expression: its tagged-tuple form, the operator
    bare, its arguments quoted (`(apply "fast" ((pure 2)) (mini "bd"))`)."""
    from .patexpr import PatExpr
    if isinstance(e, PatExpr):
        e = e.as_tuple()
    if isinstance(e, tuple):
        if e and isinstance(e[0], str):  # (op arg ...): the operator bare, its arguments quoted
            return "(" + " ".join([e[0]] + [_fmt_expr(x) for x in e[1:]]) + ")"
        return "(" + " ".join(_fmt_expr(x) for x in e) + ")"
    if isinstance(e, str):
        return '"' + e.replace('"', '\\"') + '"'
    return _fmt_num(e)


def reachable(roots, edges, stop=()) -> set:
    """Ids reachable backwards from `roots` by `edges(id) -> ids` (a node's inputs), not
    looking past `stop`: the one walk behind the engine's needed nodes and the compiler's
    pruning of unused nodes."""
    stop = set(stop)
    seen: set = set()
    todo = list(roots)
    while todo:
        i = todo.pop()
        if i in seen:
            continue
        seen.add(i)
        if i not in stop:
            todo.extend(edges(i))
    return seen
