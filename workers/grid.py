"""The farm's time protocol in one place: the chunk grid.

The timeline is cut into base chunks of `chunk` frames (the last one shorter): the
mixer's unit and the length of one shared-memory slot (base chunk j lives in slot
j % nslots of its stage's arena). Each time stage covers the timeline with tasks of
whole base chunks (`StageTiming.bounds`: task k covers base chunks [bounds[k],
bounds[k+1])), and every task after the first starts `warmup` frames early: rendered
and discarded, so its fading nodes' state is right at the task's start (the warm-up
itself comes from `phonon.engine.WarmupModel`).

The planner builds a TimeGrid, the farm dispatches and releases slots by it, tasks
split their blocks by it (`pieces`: a block never straddles two slots), the mixer mixes
base chunk by base chunk and the bench replays schedules on it. A TimeGrid is plain
picklable data.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from .options import MODES  # noqa: F401  (how a plan splits the work: --mode)


def pieces(chunk: int, lo: int, hi: int):
    """Split frames [lo, hi) at base-chunk boundaries: yields (j, offset in chunk j, n)."""
    pos = lo
    while pos < hi:
        j = pos // chunk
        o = pos - j * chunk
        n = min(chunk - o, hi - pos)
        yield j, o, n
        pos += n


@dataclass
class StageTiming:
    """One stage's tasks on the grid. A branch stage has no bounds (one task, whole)."""

    warmup: int = 0  # frames rendered and discarded before every task but the first
    bounds: tuple = ()  # task k covers base chunks [bounds[k], bounds[k+1])
    time: bool = True  # False: a branch stage (rendered whole, streamed)

    @property
    def ntasks(self) -> int:
        return max(1, len(self.bounds) - 1) if self.time else 1

    def task_of(self, j: int) -> int:
        """The task index covering base chunk j."""
        return bisect.bisect_right(self.bounds, j) - 1

    @property
    def span(self) -> int:
        """The longest task, in base chunks."""
        return max((b - a for a, b in zip(self.bounds, self.bounds[1:])), default=1)

    @property
    def lengths(self) -> list:
        """Distinct task lengths in base chunks, longest first."""
        return sorted({b - a for a, b in zip(self.bounds, self.bounds[1:])}, reverse=True)


@dataclass
class TimeGrid:
    frames: int
    chunk: int
    stages: list = field(default_factory=list)  # StageTiming per stage index

    @property
    def nchunks(self) -> int:
        return max(1, -(-self.frames // self.chunk))

    def chunk_range(self, j: int) -> tuple[int, int]:
        """Frames [a, b) of base chunk j."""
        return j * self.chunk, min(self.frames, (j + 1) * self.chunk)

    def chunk_of(self, frame: int) -> int:
        return frame // self.chunk

    def pieces(self, lo: int, hi: int):
        return pieces(self.chunk, lo, hi)

    def task_range(self, si: int, k: int) -> tuple[int, int]:
        """Frames [a, b) task k of time stage si renders (what it keeps)."""
        b = self.stages[si].bounds
        return b[k] * self.chunk, min(self.frames, b[k + 1] * self.chunk)

    def warm_start(self, si: int, k: int) -> int:
        """Where task k of stage si starts rendering (its warm-up included)."""
        st = self.stages[si]
        a = st.bounds[k] * self.chunk if st.bounds else k * self.chunk
        return max(0, a - st.warmup)

    def warm_frames(self, si: int, k: int) -> int:
        return self.task_range(si, k)[0] - self.warm_start(si, k)

    def task_chunks(self, si: int, k: int) -> tuple[int, int]:
        """Base chunks [first, last) task k of stage si reads (warm-up included) and writes
        up to: what must be materialized upstream before it may run."""
        _, b = self.task_range(si, k)
        return self.warm_start(si, k) // self.chunk, -(-b // self.chunk)

    def tasks_reading(self, si: int, lo: int, hi: int) -> range:
        """Tasks of stage si that cover frames [lo, hi)."""
        st = self.stages[si]
        return range(st.task_of(lo // self.chunk), st.task_of(max(0, -(-hi // self.chunk) - 1)) + 1)

    def set_bounds(self, si: int, mult: int = 1, shrink: bool = False) -> None:
        """Uniform tasks of `mult` base chunks; `shrink` halves the last ones down to one base
        chunk, so a downstream stage's final task (on the critical path) is short."""
        K = self.nchunks
        mult = max(1, min(int(mult), K))
        tail = []
        if shrink and mult > 1:
            m = mult // 2
            while m >= 1:
                tail.append(m)
                m //= 2
        b = [0]
        end = K - sum(tail)
        while b[-1] + mult <= end and end > 0:
            b.append(b[-1] + mult)
        if b[-1] < end:
            b.append(end)
        for m in tail:
            if b[-1] + m <= K:
                b.append(b[-1] + m)
        if b[-1] < K:
            b.append(K)
        self.stages[si].bounds = tuple(b)

    def configure(self, chunk: int, mults, shrink: bool = False) -> None:
        """Base chunk length and each time stage's task length in base chunks."""
        self.chunk = chunk
        for si, (st, m) in enumerate(zip(self.stages, mults)):
            if st.time:
                self.set_bounds(si, m, shrink=shrink and si > 0)

    @property
    def uses_warmup(self) -> bool:
        return any(s.time and s.warmup > 0 and s.ntasks > 1 for s in self.stages)
