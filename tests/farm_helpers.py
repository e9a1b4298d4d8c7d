"""Test-only node kinds and helpers for the farm tests.

Imported by every process of a test run through tests/site/sitecustomize.py (this module
puts that folder on PYTHONPATH, which the farm's template, workers and command-line runs
inherit), so specs built here render the same way in the parent and in workers:

  t_sine   seekable: sin(2 pi f n / sr) from the absolute sample index
  t_pole   fading:   one-pole lowpass y = a y[-1] + (1 - a) x; tail from a
  t_integ  history:  running sum (leaky by nothing: cannot restart)
  t_raise  raises once the render reaches sample `at`
  t_slow   seekable sine that sleeps `sleep` seconds per block (watchdog, kill tests)
"""
from __future__ import annotations

import math
import os
import time
from fractions import Fraction
from pathlib import Path

import numba
import numpy as np

from phonon.nodes import base
from phonon.nodes.base import FADING, HISTORY, LN_FADE, SEEKABLE, Node, register_node
from phonon.spec import GraphSpec, NodeSpec, Ref

PATCHES = Path(__file__).resolve().parent / "patches"  # copies of ../shared/patches
SITE = str(Path(__file__).resolve().parent / "site")  # its sitecustomize imports this module
TESTS = str(Path(__file__).resolve().parent)
ROOT_DIR = str(Path(__file__).resolve().parents[1])


def plugin_path() -> str:
    """PYTHONPATH for a process that must know the test node kinds."""
    return os.pathsep.join([SITE, TESTS, ROOT_DIR])


_pp = os.environ.get("PYTHONPATH", "")
if SITE not in _pp.split(os.pathsep):  # children (template, workers, dask) import this too
    os.environ["PYTHONPATH"] = os.pathsep.join([SITE, TESTS] + ([_pp] if _pp else []))


def _ensure_registry():
    from phonon import registry
    try:
        registry.load()
    except ModuleNotFoundError:  # a declaring module still being written elsewhere
        registry._loaded = True


_ensure_registry()


@numba.njit(cache=True)
def _pole(x, a, y0):
    y = np.empty_like(x)
    s = y0
    for i in range(x.shape[0]):
        s = a * s + (1.0 - a) * x[i] if a != 1.0 else s + x[i]
        y[i] = s
    return y, s


def _register(cls):
    if cls.kind not in base.NODE_CLASSES:
        register_node(cls)
    return base.NODE_CLASSES[cls.kind]


class TSine(Node):
    kind = "t_sine"
    state_class = SEEKABLE

    def process(self, block, args):
        n = np.arange(block.start, block.end, dtype=np.float64)
        f = float(args.get("freq", 440.0))
        return (float(args.get("amp", 0.5)) * np.sin(2 * np.pi * f * n / block.sr))[None, :]


class TPole(Node):
    kind = "t_pole"
    state_class = FADING

    def __init__(self, node_id, params, graph):
        super().__init__(node_id, params, graph)
        self.a = float(params.get("a", 0.99))
        self.s = 0.0

    def tail_seconds(self):
        return LN_FADE / -math.log(self.a) / self.graph.sr

    def reset(self, start):
        self.s = 0.0

    def process(self, block, args):
        x = base.as_control(args["in"], block)
        y, self.s = _pole(np.ascontiguousarray(x), self.a, self.s)
        return y[None, :]


class TInteg(Node):
    kind = "t_integ"
    state_class = HISTORY

    def __init__(self, node_id, params, graph):
        super().__init__(node_id, params, graph)
        self.s = 0.0

    def reset(self, start):
        self.s = 0.0

    def process(self, block, args):
        x = base.as_control(args["in"], block)
        y, self.s = _pole(np.ascontiguousarray(x) * 1e-3, 1.0, self.s)  # a = 1: a running sum
        return y[None, :]


class TRaise(Node):
    kind = "t_raise"
    state_class = SEEKABLE

    def process(self, block, args):
        at = int(args.get("at", 0))
        if block.end > at:
            raise RuntimeError(f"t_raise: boom at sample {at}")
        return base.as_audio(args["in"], block)


class TSlow(Node):
    kind = "t_slow"
    state_class = SEEKABLE

    def process(self, block, args):
        time.sleep(float(args.get("sleep", 0.01)))
        n = np.arange(block.start, block.end, dtype=np.float64)
        return (0.3 * np.sin(2 * np.pi * 220.0 * n / block.sr))[None, :]


for _c in (TSine, TPole, TInteg, TRaise, TSlow):
    _register(_c)


# ---------------------------------------------------------------------------------------------
def spec_of(nodes, outputs, buses=(), sr=8000, cps=Fraction(1, 2)) -> GraphSpec:
    """nodes: [(id, kind, {arg: value | Ref})]; outputs: [(name, node id)]."""
    ns = tuple(NodeSpec(i, k, tuple(args.items())) for i, k, args in nodes)
    return GraphSpec(nodes=ns, outputs=tuple((n, Ref(i)) for n, i in outputs),
                     buses=tuple((n, Ref(i)) for n, i in buses), cps=cps, sr=sr)


def chain_spec(a=0.995, sr=8000):
    """sine -> one-pole (fading: warm-up) + a second sine; two outputs."""
    return spec_of([(1, "t_sine", {"freq": 110.0, "amp": 0.5}),
                    (2, "t_pole", {"in": Ref(1), "a": a}),
                    (3, "t_sine", {"freq": 331.0, "amp": 0.2})],
                   [("out1", 2), ("out2", 3)], sr=sr)


def seekable_spec(sr=8000):
    return spec_of([(1, "t_sine", {"freq": 110.0, "amp": 0.5}),
                    (2, "t_sine", {"freq": 220.5, "amp": 0.25}),
                    (3, "add", {"a": Ref(1), "b": Ref(2)})],
                   [("out", 3)], sr=sr)


def history_spec(sr=8000):
    """A history node after a fading one: the integrator must run serially (mixer tail)."""
    return spec_of([(1, "t_sine", {"freq": 110.0}),
                    (2, "t_pole", {"in": Ref(1), "a": 0.99}),
                    (3, "t_integ", {"in": Ref(2)}),
                    (4, "t_sine", {"freq": 440.0, "amp": 0.1})],
                   [("out1", 3), ("out2", 4)], sr=sr)


def longtail_spec(sr=8000):
    """A long-tail pole (stage cut) after a short one."""
    return spec_of([(1, "t_sine", {"freq": 97.0}),
                    (2, "t_pole", {"in": Ref(1), "a": 0.9}),
                    (3, "t_pole", {"in": Ref(2), "a": 0.9995}),
                    (4, "add", {"a": Ref(2), "b": Ref(3)})],
                   [("out", 4)], sr=sr)


def reference(spec, frames, block=8192):
    from phonon.engine import mix_outputs, render_spec
    outs = render_spec(spec, frames, block)
    return mix_outputs(outs), outs


def peak_diff(a, b) -> float:
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.max(np.abs(a - b))) if a.size else 0.0


def children_of(pid: int) -> list[int]:
    """Live descendants of pid, from /proc (no psutil)."""
    kids: dict = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                st = f.read()
            ppid = int(st[st.rfind(")") + 2:].split()[1])
            state = st[st.rfind(")") + 2:].split()[0]
        except (OSError, ValueError, IndexError):
            continue
        if state != "Z":
            kids.setdefault(ppid, []).append(int(d))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for c in kids.get(p, []):
            out.append(c)
            todo.append(c)
    return out
