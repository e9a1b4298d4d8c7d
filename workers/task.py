"""The one task function every executor runs, and the worker initializer.

A task renders a time range of one stage of the plan (or, for a branch, the
whole timeline of a subgraph): it `pickle.loads` the spec bytes the worker got
once at start-up (a deep clone: fresh DSP state), builds a Graph that taps the
stage's products and reads earlier stages' products as externals, seeks to the
warm-up start, renders and discards the warm-up, renders the chunk, and writes
the products into its destination (a shared-memory slot, a ring, or a returned
array for executors without shared memory).
"""
from __future__ import annotations

import importlib
import os
import pickle
import time
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from .grid import pieces
from .shm import Ring, Segment, SlotArena

def user_error(e: BaseException):
    """The PhononError a task raised (the patch's fault: the events limit mid-render, a word
    where a number is needed), to be raised again in the parent as the user's error with no
    worker traceback; None for a bug (any other exception) or one that cannot travel."""
    from phonon.errors import PhononError
    if not isinstance(e, PhononError):
        return None
    import pickle
    try:
        pickle.loads(pickle.dumps(e))
    except Exception:  # noqa: BLE001
        return None
    return e




@dataclass(frozen=True)
class Source:
    """Where a materialized product lives: rows [row0, row0+ch) of a stage's chunk slots,
    or (for executors without shared memory) an array covering [start, start + n)."""

    node: int
    row0: int
    ch: int
    arena: str = ""  # SlotArena name
    nslots: int = 0
    chunk: int = 0  # chunk length in frames
    start: int = 0  # array sources
    array: Optional[np.ndarray] = None


@dataclass(frozen=True)
class Task:
    tid: int
    kind: str  # "chunk" | "branch"
    stage: int
    chunk: int
    start: int
    end: int
    warm_start: int
    taps: tuple  # ((node, row0, ch), ...) products written to rows of the destination
    outputs: tuple  # output names the Graph renders (none for pure tap stages)
    externals: tuple  # (Source, ...)
    dest: tuple  # ("arena", name) | ("ring", ring_index, handle) | ("return",)
    block: int
    rows: int
    predicted: float = 0.0  # seconds
    attempt: int = 0
    slot_frames: int = 0  # base chunk length: frame f goes to slot f // slot_frames
    profile: bool = False  # time every node (Graph.enable_profile) and return the times
    mix: bool = False  # write the sum of `outputs` (2 rows, engine.mix_outputs order), not each
    spec: str = ""  # which of the worker's specs (batch rendering: one pool, many patches)
    # Streaming (the process backend): the worker reports each base chunk it has written, so
    # the mixer and later stages use it while the task goes on; a re-run after a crash
    # renders the chunks already reported (they are final, and may be mixed and their slots
    # reused) without writing them: base chunks below `skip_to`.
    stream: bool = False
    skip_to: int = 0

    def describe(self) -> str:
        if self.kind == "branch":
            return f"branch {self.chunk} (stage {self.stage}, frames 0..{self.end})"
        return (f"stage {self.stage} chunk {self.chunk} (frames {self.start}..{self.end}, "
                f"warm-up from {self.warm_start})")


# ---------------------------------------------------------------------------------------------
# Per-process worker state
# ---------------------------------------------------------------------------------------------
_STATE: dict = {"spec_bytes": None, "engine": None, "segments": {}, "sems": {}, "specs": {}}


def engine_module():
    eng = _STATE["engine"]
    if eng is None:
        import phonon.nodes  # noqa: F401  (registers every node kind)
        eng = importlib.import_module("phonon.engine")
        _STATE["engine"] = eng
    return eng


def initializer(spec_bytes: bytes, ring_sems: Optional[dict] = None, warm: bool = True) -> None:
    """Run once per process (inline, dask): import phonon, keep the spec
    bytes and (warm) load every kernel the patch uses before the first task."""
    _STATE["sems"] = dict(ring_sems or {})
    add_spec("", spec_bytes, warm)


def add_spec(key: str, spec_bytes: bytes, warm: bool = True) -> None:
    """Keep a patch's spec bytes under `key` (tasks name it) and, when `warm`, run a tiny
    render so every numba kernel (cache=True) it uses is loaded: the pool's template does
    this once and every worker forked from it starts warm."""
    _STATE["specs"][key] = spec_bytes
    if key == "":
        _STATE["spec_bytes"] = spec_bytes
    eng = engine_module()
    if warm:
        try:
            g = eng.Graph(pickle.loads(spec_bytes))
            g.render(64)
        except Exception:  # noqa: BLE001
            pass  # a patch whose node raises fails in its task, with the traceback


def _segment(name: str) -> Segment:
    seg = _STATE["segments"].get(name)
    if seg is None:
        seg = Segment.attach(name)
        _STATE["segments"][name] = seg
    return seg


def release_segments() -> None:
    for seg in _STATE["segments"].values():
        seg.close()
    _STATE["segments"].clear()


def _reader(src: Source):
    """A callable (start, n) -> (ch, n) over a materialized product."""
    if src.array is not None:
        arr, base = src.array, src.start

        def from_array(start: int, n: int) -> np.ndarray:
            return arr[:, start - base:start - base + n]
        return from_array

    seg = _segment(src.arena)
    C, nslots, r0, ch = src.chunk, src.nslots, src.row0, src.ch

    def from_arena(start: int, n: int) -> np.ndarray:
        a = seg.array
        j0, j1 = start // C, (start + n - 1) // C
        if j0 == j1:  # the common case: a view, no copy
            o = start - j0 * C
            return a[j0 % nslots, r0:r0 + ch, o:o + n]
        out = np.empty((ch, n))
        pos = 0
        for j, o, m in pieces(C, start, start + n):
            out[:, pos:pos + m] = a[j % nslots, r0:r0 + ch, o:o + m]
            pos += m
        return out
    return from_arena


def build_graph(task: Task, spec_bytes: Optional[bytes] = None):
    eng = engine_module()
    spec = pickle.loads(spec_bytes if spec_bytes is not None else _STATE["specs"][task.spec])
    ext = {s.node: _reader(s) for s in task.externals}
    return eng.Graph(spec, taps=tuple(t[0] for t in task.taps), externals=ext,
                     outputs=list(task.outputs))


def _fill(buf: np.ndarray, task: Task, g, outs: dict, lo: int, hi: int) -> None:
    """Write one rendered block into buf[:, lo:hi] following the task's row layout."""
    taps = g.last_taps
    for node, r0, ch in task.taps:
        y = taps[node]
        if y.shape[0] != ch:  # a mono product stored as stereo rows
            y = np.broadcast_to(y, (ch, y.shape[1]))
        buf[r0:r0 + ch, lo:hi] = y
    r = len(task.taps) and (task.taps[-1][1] + task.taps[-1][2])
    if task.mix:  # the same sum, in the same order, as the single-process mix: bit-identical
        buf[r:r + 2, lo:hi] = engine_module().mix_outputs(outs)
        return
    for name in task.outputs:
        buf[r:r + 2, lo:hi] = outs[name]
        r += 2


def run_task(task: Task, spec_bytes: Optional[bytes] = None, should_stop=None, on_chunk=None):
    """Execute one task. Returns (stats, array-or-None). `on_chunk(j)`: called once base chunk
    j is written to its slot (streaming tasks)."""
    if task.kind == "patch":  # a whole patch, file written here (batch rendering)
        from .batch import run_patch
        return run_patch(task), None
    t0, c0 = time.perf_counter(), time.process_time()
    g = build_graph(task, spec_bytes)
    if task.profile:
        g.enable_profile()
    if task.kind == "branch":
        _run_branch(task, g, should_stop)
        return _stats(task, t0, c0, 0, g), None
    # Warm-up node by node: each node starts as early as its own path needs (at most the
    # stage's warm-up), so a long tail on one branch does not make every branch re-render.
    pos = g.warm_seek(task.start) if task.warm_start < task.start else task.start
    if pos == task.start:
        g.seek(task.start)
    while pos < task.start:  # warm-up: rendered and discarded
        n = min(task.block, task.start - pos)
        g.render(n)
        pos += n
    warm = task.start - task.warm_start
    n_frames = task.end - task.start
    ret = None
    C = task.slot_frames or max(1, n_frames)
    if task.dest[0] == "arena":
        arena = SlotArena(_segment(task.dest[1]))
    else:
        ret = np.empty((task.rows, n_frames))
    for j, o0, m in pieces(C, task.start, task.end):  # blocks never straddle two slots
        write = ret is not None or j >= task.skip_to
        for o in range(o0, o0 + m, task.block):
            n = min(task.block, o0 + m - o)
            outs = g.render(n)
            if ret is not None:
                _fill(ret, task, g, outs, pos - task.start, pos - task.start + n)
            elif write:
                _fill(arena.slot(j), task, g, outs, o, o + n)
            pos += n
        if write and on_chunk is not None:
            on_chunk(j)
    return _stats(task, t0, c0, warm, g), ret


def _stats(task, t0, c0, warm, g=None) -> dict:
    st = {"wall": time.perf_counter() - t0, "cpu": time.process_time() - c0, "warm": warm,
          "frames": task.end - task.start, "pid": os.getpid()}
    if g is not None and g.profile is not None:
        st["profile"] = dict(g.profile)
        st["pattern_s"] = float(getattr(g.ctx, "pattern_seconds", 0.0))
    return st


def _run_branch(task: Task, g, should_stop) -> None:
    """Render [0, end) whole, streaming through the ring. A re-run (after a crash) skips
    what the consumer has already been given: the ring's `written` counter."""
    for _ in branch_steps(task, g, should_stop):
        pass


def branch_steps(task: Task, g, should_stop=None, ring: Optional[Ring] = None):
    """Generator: render the branch block by block into its ring (yields after each block)."""
    if ring is None:
        idx, handle = task.dest[1], task.dest[2]
        items, space = _STATE["sems"].get(idx, (None, None))
        ring = Ring(_segment(handle[0]), _segment(handle[1]), items, space)
    skip = ring.written
    g.seek(0)
    pos = 0
    buf = np.empty((task.rows, task.block))
    while pos < task.end:
        n = min(task.block, task.end - pos)
        outs = g.render(n)
        if pos + n > skip:
            _fill(buf, task, g, outs, 0, n)
            lo = max(skip - pos, 0)
            ring.write(buf[:, lo:n], should_stop=should_stop)
        pos += n
        yield pos


def run_branch_array(task: Task, spec_bytes: Optional[bytes] = None):
    """A branch rendered whole into one returned array (executors without shared memory)."""
    t0, c0 = time.perf_counter(), time.process_time()
    g = build_graph(task, spec_bytes)
    if task.profile:
        g.enable_profile()
    g.seek(0)
    buf = np.empty((task.rows, task.end))
    pos = 0
    while pos < task.end:
        n = min(task.block, task.end - pos)
        outs = g.render(n)
        _fill(buf, task, g, outs, pos, pos + n)
        pos += n
    return _stats(task, t0, c0, 0, g), buf
