"""Run one node kind in isolation, block by block (tests and benchmarks).

    y = run_node("lpf", {"in": x, "cutoff": 1000.0, "q": 0.707}, n=44100, block=512)

Parameter values: float constants; numpy arrays of the full length ((n,) or (ch, n)),
sliced per block like an upstream node's output; objects with `.query(begin, end)`
(patterns), wrapped in a PatternInput with the unit's conversion (Hz: note names).
Returns the concatenated (channels, n) output.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

from .base import NODE_CLASSES, SIGNAL, Block, GraphContext, PatternInput

# Block sizes every node family is tested at (Pedalboard's set: tiny, odd, and past a power of 2).
BLOCK_SIZES = (64, 65, 512, 4096, 8193)


def make_node(kind: str, params: dict, sr: int = 44100, cps=Fraction(1, 2), seed: int = 0,
              node_id: int = 1, sample_roots: tuple = ()):
    import phonon.nodes  # noqa: F401  (registers every node kind)
    from phonon.registry import load
    load()
    graph = GraphContext(sr=sr, cps=Fraction(cps), seed=seed, sample_roots=sample_roots)
    cls = NODE_CLASSES[kind]
    init, per_block = {}, {}
    for k, v in params.items():
        if isinstance(v, np.ndarray):
            arr = v if v.ndim == 2 else v[None, :]
            init[k] = SIGNAL
            per_block[k] = arr.astype(np.float64)
        elif hasattr(v, "query"):
            pi = PatternInput(v, graph, convert=converter_for(kind, k), name=k)
            init[k] = pi
        elif isinstance(v, PatternInput):
            init[k] = v
        else:
            init[k] = float(v)
    node = cls(node_id, init, graph)
    return node, graph, init, per_block


def run_node(kind: str, params: dict, n: int, block: int = 4096, start: int = 0, **kw) -> np.ndarray:
    node, graph, init, per_block = make_node(kind, params, **kw)
    node.reset(start)
    outs = []
    pos = start
    while pos < start + n:
        m = min(block, start + n - pos)
        args = dict(init)
        for k, arr in per_block.items():
            args[k] = arr[:, pos - start: pos - start + m]
        y = node.process(Block(pos, m, graph), args)
        assert y.ndim == 2 and y.shape[1] == m, (kind, y.shape, m)
        outs.append(y)
        pos += m
    return np.concatenate(outs, axis=1)


def converter_for(kind: str, param: str):
    """How a pattern value becomes a number for this parameter (Hz params accept note names)."""
    from phonon.patexpr import converter
    return converter(kind, param)


def run_warmed(kind: str, params: dict, n: int, S: int, block: int = 4096, **kw):
    """Render [S, n) the farm's way: reset at S - ceil(tail_seconds * sr) (not before 0), render
    through, drop the warm-up. Full-length array params are sliced to match. Returns (y, start)."""
    import math
    node, graph, _, _ = make_node(kind, params, **kw)
    start = max(0, S - math.ceil(node.tail_seconds() * graph.sr))
    sliced = {k: (v[..., start:] if isinstance(v, np.ndarray) else v) for k, v in params.items()}
    return run_node(kind, sliced, n=n - start, block=block, start=start, **kw)[:, S - start:], start


def assert_block_invariant(kind: str, params: dict, n: int, **kw) -> np.ndarray:
    """Rendering in blocks of every BLOCK_SIZES gives the bytes of one whole-buffer render."""
    whole = run_node(kind, params, n=n, block=n, **kw)
    for b in BLOCK_SIZES:
        assert np.array_equal(run_node(kind, params, n=n, block=b, **kw), whole), (kind, b)
    return whole
