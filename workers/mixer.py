"""The mixer: consumes chunk slots and rings in timeline order, runs the serial tail,
sums the outputs (in output order, like `phonon.engine.mix_outputs`), and streams
the result to a sink. It holds one chunk at a time, whatever the length of the piece.

Sinks: `FileSink` (the mix, plus stems, through `phonon.audio_io.AudioWriter`:
temp name, renamed into place only on success) and `MemorySink` (tests).
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np

from phonon.formats import FORMATS

from .planner import MIX


def to_stereo(y: np.ndarray) -> np.ndarray:
    if y.shape[0] == 2:
        return y
    if y.shape[0] == 1:
        return np.repeat(y, 2, axis=0)
    from phonon.engine import to_stereo as ts
    return ts(y)


class Mixer:
    def __init__(self, spec, plan, sink, arenas: dict, branch_sources: dict):
        """arenas: stage index -> SlotArena (or an object with .slot(k)) for time stages the
        mixer reads; branch_sources: stage index -> object with read_into(out, check)."""
        self.spec, self.plan, self.sink = spec, plan, sink
        self.arenas, self.branch_sources = arenas, branch_sources
        self.pos = 0
        self.names = [n for n, _ in spec.outputs]
        tail = set(plan.tail)
        needed = set(plan.out_roots.values()) | set(plan.bus_nodes.values()) | {MIX}
        for n in plan.tail:
            needed |= set(spec.node(n).refs())
        self.inputs_of = {}  # stage -> [products the mixer reads]
        for s in plan.stages:
            ps = [p for p in s.products if p.node in needed and p.node not in tail]
            if ps:
                self.inputs_of[s.index] = ps
        self.cur: dict = {}
        self.cur_start = 0
        self.tail_graph = None
        if plan.tail:
            from phonon.engine import Graph
            ext = {p.node: self._reader(p.node) for ps in self.inputs_of.values() for p in ps}
            bus_taps = tuple(n for n in plan.bus_nodes.values() if n in tail)
            self.tail_graph = Graph(spec, taps=bus_taps, externals=ext)

    def _reader(self, node):
        def fn(start, n):
            o = start - self.cur_start
            return self.cur[node][:, o:o + n]
        return fn

    def reads_stage(self, s: int) -> bool:
        return s in self.inputs_of

    def consume(self, k: int, check=None) -> int:
        """Mix chunk k (frames [a, b)); returns the frame count written."""
        a, b = self.plan.chunk_range(k)
        n = b - a
        cur = {}
        for s, ps in self.inputs_of.items():
            st = self.plan.stages[s]
            if st.kind == "time":
                slot = self.arenas[s].slot(k)
                for p in ps:
                    cur[p.node] = slot[p.row0:p.row0 + p.ch, :n]
            else:
                buf = np.empty((st.rows, n))
                self.branch_sources[s].read_into(buf, check=check)
                for p in ps:
                    cur[p.node] = buf[p.row0:p.row0 + p.ch]
        self.cur, self.cur_start = cur, a
        if MIX in cur:  # a stage wrote the mix itself (no stems wanted)
            buses = {bn: cur[nid] for bn, nid in self.plan.bus_nodes.items()}
            self.sink.write(cur[MIX], {}, buses)  # a view of the slot: sinks copy what they keep
        elif self.tail_graph is None:
            outs = {name: to_stereo(cur[self.plan.out_roots[name]]) for name in self.names}
            buses = {bn: cur[nid] for bn, nid in self.plan.bus_nodes.items()}
            self._emit(outs, buses)
        else:
            pos = a
            blk = self.plan.block
            while pos < b:
                m = min(blk, b - pos)
                outs = self.tail_graph.render(m)
                taps = self.tail_graph.last_taps
                o = pos - a
                buses = {bn: (taps[nid] if nid in taps else cur[nid][:, o:o + m])
                         for bn, nid in self.plan.bus_nodes.items()}
                self._emit(outs, buses)
                pos += m
        self.cur = {}
        self.pos = b
        return n

    def _emit(self, outs: dict, buses: dict) -> None:
        it = iter(self.names)
        mix = outs[next(it)].copy()
        for name in it:
            mix += outs[name]
        self.sink.write(mix, outs, buses)


class ArraySource:
    """A branch delivered whole as one array (dask): read sequentially like a ring."""

    def __init__(self, array: np.ndarray):
        self.array, self.pos = array, 0

    def read_into(self, out, check=None):
        n = out.shape[1]
        out[:] = self.array[:, self.pos:self.pos + n]
        self.pos += n


class PendingSource:
    """A branch whose array has not arrived yet: `check()` pumps the farm until it has."""

    def __init__(self):
        self.source: Optional[ArraySource] = None

    def read_into(self, out, check=None):
        while self.source is None:
            check()
        self.source.read_into(out)


# ---------------------------------------------------------------------------------------------
class MemorySink:
    """Keeps everything (tests): .mix (2, n), .outputs {name: (2, n)}, .buses {name: (ch, n)}."""

    def __init__(self, keep_outputs: bool = True):
        self.parts, self.outs, self.bus_parts = [], {}, {}
        self.keep_outputs = keep_outputs
        self.frames = 0

    def write(self, mix, outs, buses):
        self.parts.append(mix.copy())
        if self.keep_outputs:
            for k, v in outs.items():
                self.outs.setdefault(k, []).append(v.copy())
            for k, v in buses.items():
                self.bus_parts.setdefault(k, []).append(np.array(v))
        self.frames += mix.shape[1]

    @property
    def mix(self):
        return np.concatenate(self.parts, axis=1) if self.parts else np.zeros((2, 0))

    @property
    def outputs(self):
        return {k: np.concatenate(v, axis=1) for k, v in self.outs.items()}

    @property
    def buses(self):
        return {k: np.concatenate(v, axis=1) for k, v in self.bus_parts.items()}

    def close(self):
        pass

    def abort(self):
        pass


class NullSink:
    """Discards audio but keeps its peak (benchmarks, peak-only checks)."""

    def __init__(self):
        self.frames, self.peak = 0, 0.0

    def write(self, mix, outs, buses):
        self.frames += mix.shape[1]
        self.peak = max(self.peak, float(np.max(np.abs(mix))) if mix.size else 0.0)

    def close(self):
        pass

    def abort(self):
        pass


class FileSink:
    """The mix file and, optionally, one file per output (or per bus, or per orbit output) in
    a stems folder. Writing runs on a thread of its own (`threaded`), so encoding and disk
    I/O overlap the mixer's next chunk (libsndfile releases the GIL); a bounded queue keeps
    memory bounded, and a write error surfaces at the next write or at close."""

    QUEUE = 4  # blocks in flight to the writer thread

    def __init__(self, path, sr, format="wav", subtype="24", mono=False,
                 stems_dir: Optional[str] = None, stems: str = "outputs", output_names=(),
                 bus_names=(), bus_channels: Optional[dict] = None, threaded: bool = True,
                 frames: Optional[int] = None):
        from phonon.audio_io import AudioWriter as W  # frames: the length (RF64 past 4 GiB)
        self.mono = mono
        self.writers = []
        self.main = W(path, sr, 1 if mono else 2, format=format, subtype=subtype, frames=frames)
        self.main.__enter__()
        self.writers.append(self.main)
        self.stems: dict = {}
        self.stem_kind = stems
        if stems_dir:
            d = Path(stems_dir)
            d.mkdir(parents=True, exist_ok=True)
            names = {"outputs": list(output_names), "buses": list(bus_names),
                     # the orbits' own outputs (orbit0, orbit1, ...: one stem per orbit)
                     "orbits": [n for n in output_names if n.startswith("orbit")]}[stems]
            ext = format if format in FORMATS else FORMATS[0]
            for name in names:
                ch = 2 if stems != "buses" else (bus_channels or {}).get(name, 2)
                w = W(str(d / f"{name}.{ext}"), sr, ch, format=format, subtype=subtype,
                      frames=frames, what="stem")
                w.__enter__()
                self.stems[name] = w
                self.writers.append(w)
        self.frames = 0
        self._error: Optional[BaseException] = None
        self._queue = None
        self._aborting = False
        self._free: list = []  # encoded-sample buffers the writer thread has written
        if threaded:
            import queue
            import threading
            self._queue = queue.Queue(self.QUEUE)
            self._thread = threading.Thread(target=self._drain, name="phonon-writer", daemon=True)
            self._thread.start()

    def write(self, mix, outs, buses):
        from phonon.cli import check_interrupt
        check_interrupt()  # a signal that landed in a ctypes callback stops the run here
        self.frames += mix.shape[1]
        if self._queue is None:
            self._write(mix, outs, buses)
            return
        if self._error is not None:
            raise self._error
        if not self.stems and not self.mono and self.main.raw:
            # The mix alone, to a WAV: encode it here, straight from the slot the mixer is
            # about to reuse (no copy of the float64 chunk, whose fresh pages cost more than
            # the encoding), and let the thread do the system calls. Buffers are recycled.
            enc = self.main.encode(mix, self._free.pop() if self._free else None)
            if enc is not None:
                self._queue.put(("encoded", enc))
            return
        # The mix and the stems may be views of slots the mixer reuses: copy what is queued.
        src = buses if self.stem_kind == "buses" else outs
        keep = {name: np.array(src[name]) for name in self.stems}
        self._queue.put((np.array(mix), keep))

    def _write(self, mix, outs, buses):
        self.main.write(mix.mean(axis=0, keepdims=True) if self.mono else mix)
        src = buses if self.stem_kind == "buses" else outs
        for name, w in self.stems.items():
            w.write(src[name])

    def _drain(self):
        import queue
        while True:
            # Poll, never wait unbounded: a signal that interrupts the producer's put() between
            # appending the item and notifying this thread (the producer is the main thread,
            # where SIGINT/SIGTERM land) would leave a plain get() asleep for ever, and the
            # farm's abort joining it (seen in the drills: a SIGINT 0.94 s in hung 120 s).
            try:
                item = self._queue.get(timeout=0.05)
            except queue.Empty:
                if self._aborting:
                    return
                continue
            if item is None:
                return
            if self._error is not None or self._aborting:
                continue  # failed: keep draining so the producer never blocks
            try:
                if isinstance(item[0], str):  # ("encoded", (buf, nbytes)) from write()
                    buf, nbytes = item[1]
                    self.main.write_encoded(buf, nbytes)
                    self._free.append(buf)
                else:  # (mix, stems) as floats
                    mix, keep = item
                    self._write(mix, keep, keep)
            except BaseException as e:  # noqa: BLE001
                self._error = e

    def _stop(self, timeout=None) -> None:
        if self._queue is not None:
            if not self._aborting:
                self._queue.put(None)
            self._thread.join(timeout)
            self._queue = None

    def close(self):
        self._stop()
        if self._error is not None:
            self.abort()
            raise self._error
        for w in self.writers:
            w.__exit__(None, None, None)

    def abort(self):
        if self._queue is not None:
            self._error = self._error or InterruptedError("aborted")
            self._aborting = True  # the writer thread returns after the block it is writing
            self._stop(timeout=10.0)  # a daemon thread: never wait on it for ever
        for w in self.writers:
            try:
                w.abort()
            except Exception:  # noqa: BLE001
                pass
