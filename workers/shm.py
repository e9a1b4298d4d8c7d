"""Parent-owned shared memory: chunk slots and SPSC rings.

Every segment is created (and unlinked) by the parent and named
`phonon_<owner pid>_<n>`, so segments left by a run that died can be found and
removed at the next start (`remove_stale`). A segment opens with a 64-byte
header (magic, dtype, shape, generation) that an attaching worker checks.

Workers attach *without* resource-tracker registration: on Python < 3.13
`SharedMemory(name)` registers the name with the resource tracker, which would
unlink the parent's segment when the worker exits (and, under fork, the worker
shares the parent's tracker, so the usual unregister-after-attach trick would
also drop the parent's own registration). We suppress the registration for the
duration of the attach instead. Views into a segment are dropped before close.

Two layouts:
  SlotArena   (nslots, rows, frames) float64: one slot per time chunk in flight.
  Ring        an SPSC ring of (rows, capacity) float64 frames plus counters
              (written, read, flags); multiprocessing semaphores are wake-up
              hints only — the counters are the truth, so a producer that dies
              and is replaced resumes exactly where the consumer expects.
"""
from __future__ import annotations

import os
import re
import struct
import threading
from multiprocessing import shared_memory

import numpy as np

from phonon.audio_io import pid_alive as _pid_alive

MAGIC = b"PHNF"
HEADER = 64
_HDR = struct.Struct("<4sIII4QQ")  # magic, version, dtype code, ndim, shape[4], generation
_DTYPES = {0: np.dtype(np.float64), 1: np.dtype(np.int64)}
_CODES = {v: k for k, v in _DTYPES.items()}
PREFIX = "phonon_"
_NAME_RE = re.compile(r"^phonon_(\d+)_\d+$")

_counter = 0
_counter_lock = threading.Lock()
_attach_lock = threading.Lock()


def segment_name() -> str:
    global _counter
    with _counter_lock:
        _counter += 1
        return f"{PREFIX}{os.getpid()}_{_counter}"


def remove_stale(shm_dir: str = "/dev/shm") -> list[str]:
    """Unlink segments whose owner pid is no longer alive. Returns the names removed."""
    removed = []
    try:
        names = os.listdir(shm_dir)
    except OSError:
        return removed
    for name in names:
        m = _NAME_RE.match(name)
        if not m or _pid_alive(int(m.group(1))):
            continue
        try:
            os.unlink(os.path.join(shm_dir, name))
            removed.append(name)
        except OSError:
            pass
    return removed


def live_segments(pid: int | None = None, shm_dir: str = "/dev/shm") -> list[str]:
    """Segments of this project (of one owner pid, when given) present now."""
    try:
        names = os.listdir(shm_dir)
    except OSError:
        return []
    out = []
    for n in names:
        m = _NAME_RE.match(n)
        if m and (pid is None or int(m.group(1)) == pid):
            out.append(n)
    return sorted(out)


class Segment:
    """A header + one ndarray in a named shared-memory block."""

    def __init__(self, shm: shared_memory.SharedMemory, owner: bool):
        self._shm = shm
        self.owner = owner
        magic, _ver, code, ndim, s0, s1, s2, s3, gen = _HDR.unpack_from(shm.buf, 0)
        if magic != MAGIC:
            raise RuntimeError(f"shared memory segment {shm.name} has no phonon header")
        self.dtype = _DTYPES[code]
        self.shape = (s0, s1, s2, s3)[:ndim]
        self.array = np.ndarray(self.shape, dtype=self.dtype, buffer=shm.buf, offset=HEADER)

    @property
    def name(self) -> str:
        return self._shm.name

    @property
    def generation(self) -> int:
        return _HDR.unpack_from(self._shm.buf, 0)[-1]

    @classmethod
    def create(cls, shape, dtype=np.float64, generation: int = 0) -> "Segment":
        dtype = np.dtype(dtype)
        shape = tuple(int(s) for s in shape)
        nbytes = HEADER + int(np.prod(shape)) * dtype.itemsize
        shm = shared_memory.SharedMemory(name=segment_name(), create=True, size=max(nbytes, 1))
        padded = shape + (0,) * (4 - len(shape))
        _HDR.pack_into(shm.buf, 0, MAGIC, 1, _CODES[dtype], len(shape), *padded, generation)
        return cls(shm, owner=True)

    @classmethod
    def attach(cls, name: str) -> "Segment":
        with _attach_lock:
            tracker = shared_memory.resource_tracker
            orig = tracker.register
            tracker.register = lambda *a, **k: None  # attach untracked (see module doc)
            try:
                shm = shared_memory.SharedMemory(name=name)
            finally:
                tracker.register = orig
        return cls(shm, owner=False)

    def close(self) -> None:
        self.array = None  # drop the view first, or close() raises BufferError
        try:
            self._shm.close()
        except BufferError:
            pass

    def unlink(self) -> None:
        self.close()
        if self.owner:
            try:
                self._shm.unlink()
            except FileNotFoundError:
                pass


class SlotArena:
    """`nslots` chunk slots of (rows, frames) float64; chunk k lives in slot k % nslots."""

    def __init__(self, seg: Segment):
        self.seg = seg
        self.nslots, self.rows, self.frames = seg.shape

    @classmethod
    def create(cls, nslots: int, rows: int, frames: int) -> "SlotArena":
        return cls(Segment.create((nslots, rows, frames)))

    @classmethod
    def attach(cls, name: str) -> "SlotArena":
        return cls(Segment.attach(name))

    @property
    def name(self) -> str:
        return self.seg.name

    def slot(self, chunk: int) -> np.ndarray:
        return self.seg.array[chunk % self.nslots]

    def close(self) -> None:
        self.seg.close()

    def unlink(self) -> None:
        self.seg.unlink()


# Ring control words (int64): written, read, flags
_W, _R, _F = 0, 1, 2
FLAG_DONE = 1
FLAG_ABORT = 2


class Ring:
    """Single-producer single-consumer ring of (rows, capacity) float64 frames.

    `written` and `read` are monotonically increasing frame counters in shared
    memory; only the producer stores `written`, only the consumer stores `read`
    (x86/ARM64 aligned 8-byte stores are atomic; data is written before the
    counter that publishes it). The two semaphores only wake the other side."""

    def __init__(self, ctrl: Segment, data: Segment, items=None, space=None):
        self.ctrl, self.data = ctrl, data
        self.rows, self.capacity = data.shape
        self.items, self.space = items, space  # multiprocessing.Semaphore or None (polling)

    @classmethod
    def create(cls, rows: int, capacity: int, ctx=None) -> "Ring":
        ctrl = Segment.create((8,), dtype=np.int64)
        ctrl.array[:] = 0
        data = Segment.create((rows, capacity))
        items = ctx.Semaphore(0) if ctx is not None else None
        space = ctx.Semaphore(0) if ctx is not None else None
        return cls(ctrl, data, items, space)

    def handle(self) -> tuple:
        """What a worker needs to attach (semaphores travel only at process creation)."""
        return (self.ctrl.name, self.data.name)

    @classmethod
    def attach(cls, handle: tuple, items=None, space=None) -> "Ring":
        return cls(Segment.attach(handle[0]), Segment.attach(handle[1]), items, space)

    # -- counters -----------------------------------------------------------------------------
    @property
    def written(self) -> int:
        return int(self.ctrl.array[_W])

    @property
    def read(self) -> int:
        return int(self.ctrl.array[_R])

    @property
    def flags(self) -> int:
        return int(self.ctrl.array[_F])

    def set_flag(self, flag: int) -> None:
        self.ctrl.array[_F] |= flag
        self._wake()

    def _wake(self) -> None:
        for s in (self.items, self.space):
            if s is not None:
                s.release()

    def _wait(self, sem, timeout: float) -> None:
        if sem is not None:
            sem.acquire(timeout=timeout)
        else:
            import time
            time.sleep(min(timeout, 0.001))

    # -- producer -----------------------------------------------------------------------------
    def free(self) -> int:
        return self.capacity - (self.written - self.read)

    def write(self, block: np.ndarray, wait: float = 0.05, should_stop=None) -> None:
        """Append (rows, n) frames, blocking while the ring is full."""
        n = block.shape[1]
        done = 0
        while done < n:
            while self.free() == 0:
                if self.flags & FLAG_ABORT or (should_stop is not None and should_stop()):
                    raise InterruptedError("ring aborted")
                self._wait(self.space, wait)
            m = min(n - done, self.free())
            w = self.written
            pos = w % self.capacity
            first = min(m, self.capacity - pos)
            arr = self.data.array
            arr[:, pos:pos + first] = block[:, done:done + first]
            if m > first:
                arr[:, :m - first] = block[:, done + first:done + m]
            self.ctrl.array[_W] = w + m
            if self.items is not None:
                self.items.release()
            done += m

    # -- consumer -----------------------------------------------------------------------------
    def available(self) -> int:
        return self.written - self.read

    def read_into(self, out: np.ndarray, wait: float = 0.01, check=None) -> None:
        """Fill out (rows, n) with the next n frames, blocking while empty.
        `check()` is called while waiting (raise from it to give up)."""
        n = out.shape[1]
        done = 0
        while done < n:
            while self.available() == 0:
                if check is not None:
                    check()
                self._wait(self.items, wait)
            m = min(n - done, self.available())
            r = self.read
            pos = r % self.capacity
            first = min(m, self.capacity - pos)
            arr = self.data.array
            out[:, done:done + first] = arr[:, pos:pos + first]
            if m > first:
                out[:, done + first:done + m] = arr[:, :m - first]
            self.ctrl.array[_R] = r + m
            if self.space is not None:
                self.space.release()
            done += m

    def close(self) -> None:
        self.ctrl.close()
        self.data.close()

    def unlink(self) -> None:
        self.ctrl.unlink()
        self.data.unlink()
