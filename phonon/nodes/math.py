"""Arithmetic and routing nodes the compiler creates: + - * / on signals, negation,
sums, patterns as stepped signals, panning, mtof and range. All stateless (or
seekable through their pattern inputs), so they never limit how the farm splits time."""
from __future__ import annotations

import math

import numba
import numpy as np

from .. import libm
from ..registry import Param, declare
from .base import SEEKABLE, STATELESS, Block, Node, PatternInput, as_audio, as_control, register_node


def _val(v, block: Block):
    """A float stays a float (cheap broadcasting); signals and patterns become arrays."""
    if isinstance(v, np.ndarray):
        return v if v.ndim == 2 else v[None, :]
    if isinstance(v, PatternInput):
        return v.signal(block)[None, :]
    return float(v)


class _Binary(Node):
    state_class = STATELESS

    def __init__(self, node_id, params, graph):
        super().__init__(node_id, params, graph)
        if any(isinstance(v, PatternInput) for v in params.values()):
            self.state_class = SEEKABLE

    def process(self, block: Block, args: dict) -> np.ndarray:
        a, b = args["a"], args["b"]
        if type(a) is np.ndarray and type(b) is np.ndarray and a.shape == b.shape \
                and a.ndim == 2:  # the common case (signal op signal): no checks needed
            return self.op(a, b)
        a, b = _val(a, block), _val(b, block)
        y = self.op(a, b)
        if not isinstance(y, np.ndarray) or y.ndim != 2:
            y = np.full((1, block.n), float(y)) if np.isscalar(y) else np.asarray(y).reshape(1, -1)
        if y.shape[1] != block.n:
            y = np.broadcast_to(y, (y.shape[0], block.n)).copy()
        return y


@register_node
class Add(_Binary):
    kind = "add"

    @staticmethod
    def op(a, b):
        return a + b


@register_node
class Sub(_Binary):
    kind = "sub"

    @staticmethod
    def op(a, b):
        return a - b


@register_node
class Mul(_Binary):
    kind = "mul"

    @staticmethod
    def op(a, b):
        return a * b


@register_node
class Div(_Binary):
    kind = "div"

    @staticmethod
    def op(a, b):
        # x / 0 is 0 (silence), never inf/NaN in an audio path.
        a, b = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
        out = np.zeros(np.broadcast_shapes(a.shape, b.shape))
        np.divide(a, b, out=out, where=b != 0)
        return out


@register_node
class Sum(Node):
    """Sum of inputs x0..xN (mono and stereo mix to stereo)."""

    kind = "sum"
    state_class = STATELESS

    def process(self, block: Block, args: dict) -> np.ndarray:
        terms = [as_audio(args[k], block) for k in sorted(args, key=lambda k: int(k[1:]))]
        ch = max(t.shape[0] for t in terms)
        out = np.zeros((ch, block.n))
        for t in terms:  # fixed order: deterministic float sums
            out += t
        return out


@register_node
class PatternSignal(Node):
    """A numeric pattern used as a signal: a stepped control (LANGUAGE.md 6)."""

    kind = "pattern_signal"
    state_class = SEEKABLE

    def process(self, block: Block, args: dict) -> np.ndarray:
        return as_control(args["pat"], block)[None, :]


@register_node
class Pan(Node):
    """Equal-power pan of a signal, Tidal's 0..1: 0 left, 0.5 centre (both at -3 dB), 1 right;
    outside 0..1 it folds back (SuperDirt: pan * 2 - 1, fold(-1, 1), then Pan2)."""

    kind = "pan"
    state_class = STATELESS

    def process(self, block: Block, args: dict) -> np.ndarray:
        x = as_audio(args["in"], block)
        mono = x[0] if x.shape[0] == 1 else x.mean(axis=0)
        p = np.ascontiguousarray(np.broadcast_to(as_control(args["pos"], block), mono.shape), dtype=np.float64)
        out = np.empty((2, mono.shape[0]))
        _pan2(np.ascontiguousarray(mono), p, out[0], out[1])
        return out


@numba.njit(cache=True)
def _pan2(x, pos, out_l, out_r):
    """Pan2's law per sample, pos in Tidal's 0..1 (folded); 0 and 1 give an exact 0 channel."""
    for k in range(x.shape[0]):
        p = 2.0 * pos[k] - 1.0
        if p < -1.0 or p > 1.0:
            y = (p + 1.0) % 4.0
            p = (y if y <= 2.0 else 4.0 - y) - 1.0
        if p == -1.0:
            gl, gr = 1.0, 0.0
        elif p == 1.0:
            gl, gr = 0.0, 1.0
        else:
            th = (p + 1.0) * (math.pi / 4.0)
            gl, gr = math.cos(th), math.cos(math.pi / 2.0 - th)
        out_l[k] = x[k] * gl
        out_r[k] = x[k] * gr


@register_node
class Stereo(Node):
    """Two signals as the left and right channels (used by `jux` on signals)."""

    kind = "stereo"
    state_class = STATELESS

    def process(self, block: Block, args: dict) -> np.ndarray:
        l, r = as_audio(args["left"], block), as_audio(args["right"], block)
        return np.stack([l.mean(axis=0) if l.shape[0] > 1 else l[0],
                         r.mean(axis=0) if r.shape[0] > 1 else r[0]])


@register_node
class Mtof(Node):
    kind = "mtof"
    state_class = STATELESS

    def __init__(self, node_id, params, graph):
        super().__init__(node_id, params, graph)
        if isinstance(params.get("in"), PatternInput):
            self.state_class = SEEKABLE

    def process(self, block: Block, args: dict) -> np.ndarray:
        m = as_audio(args["in"], block)
        return 440.0 * libm.exp2((m - 69.0) / 12.0)


@register_node
class Range(Node):
    """Map a bipolar signal (-1..1, as oscillators give) onto lo..hi."""

    kind = "range"
    state_class = STATELESS

    def __init__(self, node_id, params, graph):
        super().__init__(node_id, params, graph)
        if any(isinstance(v, PatternInput) for v in params.values()):
            self.state_class = SEEKABLE

    def process(self, block: Block, args: dict) -> np.ndarray:
        x = as_audio(args["in"], block)
        lo, hi = _val(args["lo"], block), _val(args["hi"], block)
        return lo + (x + 1.0) * 0.5 * (hi - lo)


declare("mtof", "math", [Param("in", kind="input", doc="MIDI note number (60 = middle C)")],
        doc="MIDI note number to frequency in Hz: 440 * 2^((m - 69) / 12). Works on constants, "
            "patterns and signals, so `sine (mtof \"60 64 67\")` plays a C major arpeggio.",
        example='sine (mtof "60 64 67") * 0.3', chainable=True)
declare("mix", "combinator", [Param("items", kind="list", doc="signals to sum")],
        doc="The sum of a list of signals: `mix [a, b, c]` = `a + b + c`.",
        example="mix [sine 220, sine 330 * 0.5] * 0.3", chainable=False, signals="sum")
