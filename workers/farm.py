"""The orchestrator: plan -> segments -> executor -> scheduler loop -> mixer -> sink.

The parent process owns every shared-memory segment, dispatches tasks as their
inputs and output slots become available (earliest chunk first, so the mixer can
stream), mixes chunk k as soon as it is complete, re-queues the task of a worker
that died, and on any exit path stops the workers, unlinks every segment and
aborts the sink (no half-written file under the output name).
"""
from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

from . import shm as shmmod
from .errors import TaskFailed, WorkerCrashed
from .executors import make_executor, spec_key_of
from .mixer import ArraySource, Mixer, PendingSource
from .options import STREAMING_BACKENDS
from .choose import make_plan
from .plan import MIX, Plan
from .schedule import dispatch_key
from phonon.signals import signals_deferred as _signals_deferred
from .task import Source, Task

MAX_RETRIES = 3
WATCHDOG_FACTOR = float(os.environ.get("PHONON_WATCHDOG_FACTOR", "20"))
WATCHDOG_MIN_SECONDS = float(os.environ.get("PHONON_WATCHDOG_MIN", "10"))
STALL_SECONDS = float(os.environ.get("PHONON_STALL_SECONDS", "1.0"))  # stopped this long: killed


@dataclass
class FarmResult:
    plan: Plan
    frames: int
    wall: float
    cpu: float  # CPU seconds of all tasks
    busy: list  # per-worker busy seconds
    warm_frames: int
    useful_frames: int
    retries: int
    backend: str
    events: list = field(default_factory=list)
    tasks: list = field(default_factory=list)  # per task: stage, k, start, end, warm, cpu, wall,
    #   pid, sent, done (parent clock, seconds since the run started)
    mixer_s: float = 0.0  # parent seconds spent mixing and writing
    mixer_cpu: float = 0.0  # parent CPU seconds over the whole run
    startup_s: float = 0.0  # until every worker was ready (first dispatch)
    profile: dict = field(default_factory=dict)  # node id -> seconds (when profiling)
    pattern_s: float = 0.0
    worker_startups: list = field(default_factory=list)  # (worker index, seconds fork -> ready)

    @property
    def warm_pct(self) -> float:
        return 100.0 * self.warm_frames / max(1, self.useful_frames)

    def summary(self) -> str:
        sr = self.plan.sr
        rt = self.frames / sr / self.wall if self.wall > 0 else float("inf")
        busy = ", ".join(f"{100 * b / self.wall:.0f}%" for b in self.busy) if self.wall > 0 else "-"
        return (f"farm: {self.backend}, {self.plan.mode}, {self.plan.workers} worker(s): wall "
                f"{self.wall:.2f} s, CPU {self.cpu:.2f} s, {rt:.1f}x realtime; worker busy [{busy}]; "
                f"warm-up overhead {self.warm_pct:.1f}%"
                + (f"; {self.retries} task(s) re-run after a worker died" if self.retries else ""))


def farm_render(spec, frames: int, sink, cores: int = 0, mode: str = "auto",
                chunk_frames: Optional[int] = None, backend: str = "process",
                start_method: Optional[str] = None, scheduler: Optional[str] = None,
                block: int = 8192, stems_buses: bool = False, plan: Optional[Plan] = None,
                mix_only: bool = False,
                progress: Optional[Callable[[int], None]] = None, client=None,
                log: Callable[[str], None] = lambda s: print(s, file=sys.stderr),
                on_start: Optional[Callable] = None, profile: bool = False,
                pool_workers: Optional[int] = None, template=None,
                on_commit: Optional[Callable] = None) -> FarmResult:
    """Render `frames` of `spec` into `sink` with a plan for `cores` workers. `pool_workers`
    (the scaling benchmark's model) runs that plan's time-chunk tasks on fewer processes:
    the same tasks, less concurrency (a branch plan needs one process per branch).
    `template`: a `pool.Template` to fork the workers from (batch rendering shares one)."""
    cores = cores or os.cpu_count() or 1
    shmmod.remove_stale()
    if plan is None:
        plan = make_plan(spec, frames, cores, mode=mode, chunk_frames=chunk_frames, block=block,
                         stems_buses=stems_buses, mix_only=mix_only,
                         stream=backend in STREAMING_BACKENDS)
    pool = plan.concurrency  # no more workers than tasks that can run at once
    if pool_workers and not plan.streams_branches:
        pool = max(1, min(pool, int(pool_workers)))
    run = _Run(spec, plan, sink, backend, start_method, scheduler, progress, client, log,
               on_start, profile, pool, template)
    run.on_commit = on_commit  # called once the output is in place (signals held meanwhile)
    return run.run()


class _Run:
    def __init__(self, spec, plan, sink, backend, start_method, scheduler, progress, client, log,
                 on_start, profile=False, pool=None, template=None):
        self.spec, self.plan, self.sink = spec, plan, sink
        self.backend, self.progress, self.log = backend, progress, log
        self.spec_bytes = spec.to_bytes()
        self.segments: list = []
        self.executor = make_executor(backend, pool or plan.workers, start_method, scheduler, client,
                                      template=template)
        self.spec_key = spec_key_of(self.spec_bytes) if template is not None else ""
        self.on_start = on_start
        self.on_commit = None
        self.warm_frames = self.useful_frames = 0
        self.cpu = 0.0
        self.retries = 0
        self.warned: set = set()
        self.branch_tasks: dict = {}
        self.profile = profile
        self.task_log: list = []
        self.node_prof: dict = {}
        self.pattern_s = 0.0
        self.mixer_s = 0.0
        self.startup_s = 0.0
        self.sent: dict = {}

    # -------------------------------------------------------------------------------------
    def run(self) -> FarmResult:
        t0 = self.t0 = time.perf_counter()
        c0 = time.process_time()
        ok = False
        try:
            self._setup()
            self._loop()
            ok = True
        finally:
            # The clean-up runs whole, and the file is renamed into place or not at all: a
            # signal now (the first one may come after the last chunk) takes effect after it.
            # Cut in half, it left the segments it had not reached and the partial file.
            with _signals_deferred():
                try:
                    self.executor.shutdown(kill=not ok)
                finally:
                    for seg in self.segments:
                        seg.unlink()
                    self.segments.clear()
                    if ok:
                        self.sink.close()
                        if self.on_commit is not None:
                            self.on_commit()
                    else:
                        self.sink.abort()
        wall = time.perf_counter() - t0
        return FarmResult(self.plan, self.plan.frames, wall, self.cpu, self.executor.busy(),
                          self.warm_frames, self.useful_frames, self.retries, self.backend,
                          tasks=self.task_log, mixer_s=self.mixer_s,
                          mixer_cpu=time.process_time() - c0, startup_s=self.startup_s,
                          profile=self.node_prof, pattern_s=self.pattern_s,
                          worker_startups=(self.executor.startups()
                                           if hasattr(self.executor, "startups") else []))

    def _setup(self) -> None:
        plan = self.plan
        shm_ok = self.executor.shared_memory
        self.arenas: dict = {}
        self.rings: dict = {}
        # Each segment is created and recorded for unlinking as one step: a signal between
        # the two would leave it in /dev/shm.
        with _signals_deferred():
            for s in plan.stages:
                if s.kind == "time":
                    # Parent-side copies for dask too (the parent is the mixer and feeds inputs).
                    arena = shmmod.SlotArena.create(s.nslots, max(1, s.rows), plan.chunk)
                    self.segments.append(arena)
                    self.arenas[s.index] = arena
                elif shm_ok:
                    # No semaphores: a process killed holding one would leave it behind (the
                    # counters are the truth; the two sides poll).
                    ring = shmmod.Ring.create(max(1, s.rows), plan.ring_frames)
                    self.segments.append(ring)
                    self.rings[s.index] = ring
        if self.backend == "inline":
            self.executor.rings = self.rings
        self.executor.start(self.spec_bytes)
        if self.on_start is not None:
            self.on_start(self)
        branch_sources = {}
        for s in plan.stages:
            if s.kind == "branch":
                branch_sources[s.index] = self.rings[s.index] if shm_ok else PendingSource()
        self.branch_sources = branch_sources
        self.mixer = Mixer(self.spec, plan, self.sink, self.arenas, branch_sources)
        self.producer = {}
        for s in plan.stages:
            for p in s.products:
                self.producer[p.node] = (s, p)

    # -- tasks -------------------------------------------------------------------------------
    def _chunk_task(self, s, k: int, attempt: int = 0) -> Task:
        plan = self.plan
        a, b = plan.task_range(s, k)
        ws = plan.warm_start(s, k)
        ext = []
        for node in s.externals:
            ps, p = self.producer[node]
            if self.executor.shared_memory:
                ext.append(Source(node, p.row0, p.ch, arena=self.arenas[ps.index].name,
                                  nslots=ps.nslots, chunk=plan.chunk))
            else:
                ext.append(Source(node, 0, p.ch, start=ws,
                                  array=self._gather(ps, p, ws, b)))
        dest = ("arena", self.arenas[s.index].name) if self.executor.shared_memory else ("return",)
        taps = tuple((p.node, p.row0, p.ch) for p in s.products if p.node != MIX)
        mix = any(p.node == MIX for p in s.products)
        j0, j1 = plan.grid.chunk_of(a), plan.grid.task_chunks(s.index, k)[1]  # chunks it writes
        stream = self.backend in STREAMING_BACKENDS and j1 - j0 > 1
        skip = j0
        if stream and attempt:  # a re-run: what the crashed attempt reported stays as it is
            while skip < j1 and skip in self.done[s.index]:
                skip += 1
        return Task(tid=s.index * 1_000_000 + k, kind="chunk", stage=s.index, chunk=k, start=a,
                    end=b, warm_start=ws, taps=taps,
                    outputs=tuple(n for n, _ in self.spec.outputs) if mix else (),
                    externals=tuple(ext), dest=dest, block=plan.block, rows=max(1, s.rows),
                    predicted=s.cost * (b - ws), attempt=attempt, slot_frames=plan.chunk,
                    profile=self.profile, mix=mix, spec=self.spec_key, stream=stream,
                    skip_to=skip if stream else 0)

    def _branch_task(self, s, attempt: int = 0) -> Task:
        plan = self.plan
        ring = self.rings.get(s.index)
        dest = ("ring", s.index, ring.handle()) if ring is not None else ("return",)
        taps = tuple((p.node, p.row0, p.ch) for p in s.products)
        return Task(tid=-1 - s.index, kind="branch", stage=s.index, chunk=s.index, start=0,
                    end=plan.frames, warm_start=0, taps=taps, outputs=(), externals=(), dest=dest,
                    block=plan.block, rows=max(1, s.rows), predicted=s.cost * plan.frames,
                    attempt=attempt, profile=self.profile, spec=self.spec_key)

    def _gather(self, ps, p, lo: int, hi: int) -> np.ndarray:
        """Copy [lo, hi) of a product out of the parent's slots (executors without shm)."""
        arena = self.arenas[ps.index]
        out = np.empty((p.ch, hi - lo))
        pos = lo
        for j, o, m in self.plan.grid.pieces(lo, hi):
            out[:, pos - lo:pos - lo + m] = arena.slot(j)[p.row0:p.row0 + p.ch, o:o + m]
            pos += m
        return out

    # -- the loop ----------------------------------------------------------------------------
    def _loop(self) -> None:
        from phonon.cli import check_interrupt  # a signal that could not unwind when it came
        plan = self.plan
        K = plan.nchunks
        time_stages = [s for s in plan.stages if s.kind == "time"]
        self.done = {s.index: set() for s in time_stages}  # base chunks written
        self.done_tasks = {s.index: set() for s in time_stages}
        self.first_open = {s.index: 0 for s in time_stages}  # first task not done
        self.pending = sorted(((s.index, k, 0) for s in time_stages for k in range(s.ntasks)),
                              key=lambda t: dispatch_key(plan.stages[t[0]], t[1], plan))
        self.inflight: set = set()
        self.pending_branches = []  # plan guarantees branches <= workers
        for s in plan.stages:
            if s.kind == "branch":
                t = self._branch_task(s)
                self.branch_tasks[s.index] = t
                self.pending_branches.append(t)
        self.mix_k = 0
        while self.mix_k < K:
            self._dispatch()
            if self._mixable(self.mix_k):
                t = time.perf_counter()
                n = self.mixer.consume(self.mix_k, check=self._check)
                self.mixer_s += time.perf_counter() - t
                if self.progress:
                    self.progress(n)
                self.mix_k += 1
                continue
            self._handle(self.executor.wait(0.05))
            self._watchdog()
            check_interrupt()
        # Branch tasks finish once the mixer drained them.
        deadline = time.perf_counter() + 30
        while self.branch_tasks and time.perf_counter() < deadline:
            self._handle(self.executor.wait(0.05))
        check_interrupt()  # before the output is committed

    def _mixable(self, k: int) -> bool:
        return all(k in self.done[s] for s in self.done if self.mixer.reads_stage(s))

    def _check(self) -> None:
        """Called while the mixer waits on a ring: keep the farm moving, surface failures."""
        self._dispatch()
        self._handle(self.executor.wait(0.005 if self.pending_branches else 0))
        self._watchdog()

    def _released(self, s: int) -> int:
        """Base chunks [0, r) of stage s may be overwritten: no reader will need them again."""
        plan = self.plan
        K = plan.nchunks
        r = self.mix_k if self.mixer.reads_stage(s) else K
        prods = {p.node for p in plan.stages[s].products}
        for t in plan.stages:
            if t.kind != "time" or t.index <= s or not (set(t.externals) & prods):
                continue
            kmin = self.first_open[t.index]
            if kmin < t.ntasks:
                r = min(r, plan.grid.task_chunks(t.index, kmin)[0])
        return r

    def _ready(self, s: int, k: int) -> bool:
        plan = self.plan
        st = plan.stages[s]
        first, last = plan.grid.task_chunks(s, k)  # reads [first, last), writes up to last
        if last > self._released(s) + st.nslots:
            return False
        for node in st.externals:
            ps, _ = self.producer[node]
            d = self.done[ps.index]
            if any(j not in d for j in range(first, last)):
                return False
        return True

    def _dispatch(self) -> None:
        while self.pending_branches and self.executor.capacity() > 0:
            t = self.pending_branches.pop(0)
            self._sent(t)
            self.executor.submit(t)
        if not self.pending:
            return
        cap = self.executor.capacity()
        i = 0
        while cap > 0 and i < len(self.pending):
            s, k, attempt = self.pending[i]
            if self._ready(s, k):
                self.pending.pop(i)
                t = self._chunk_task(self.plan.stages[s], k, attempt)
                self._sent(t)
                self.executor.submit(t)
                self.inflight.add((s, k))
                cap -= 1
                if self.backend == "inline":  # ran synchronously: collect before going on
                    self._handle(self.executor.wait(0))
                    cap = self.executor.capacity()
                    i = 0
                continue
            i += 1

    def _sent(self, task) -> None:
        now = time.perf_counter() - self.t0
        if not self.sent:
            self.startup_s = now
        self.sent[(task.stage, task.chunk, task.attempt)] = now

    def _handle(self, events) -> None:
        for ev in events:
            kind, task = ev[0], ev[1]
            if kind == "done":
                stats, arr = ev[2], ev[3]
                self.cpu += stats.get("cpu", 0.0)
                self._record(task, stats)
                if task.kind == "branch":
                    self.branch_tasks.pop(task.stage, None)
                    if arr is not None:
                        self.branch_sources[task.stage].source = ArraySource(arr)
                    self.useful_frames += task.end
                    continue
                grid = self.plan.grid
                j0, j1 = grid.chunk_of(task.start), grid.task_chunks(task.stage, task.chunk)[1]
                if arr is not None:
                    pos = 0
                    for j, o, m in grid.pieces(task.start, task.end):
                        self.arenas[task.stage].slot(j)[:, o:o + m] = arr[:, pos:pos + m]
                        pos += m
                self.warm_frames += stats.get("warm", 0)
                self.useful_frames += task.end - task.start
                self.done[task.stage].update(range(j0, j1))
                dt = self.done_tasks[task.stage]
                dt.add(task.chunk)
                while self.first_open[task.stage] in dt:
                    self.first_open[task.stage] += 1
                self.inflight.discard((task.stage, task.chunk))
            elif kind == "chunk":  # streamed: base chunk ev[2] of a running task is in its slot
                self.done[task.stage].add(ev[2])
            elif kind == "error":
                if ev[5] is not None:
                    raise ev[5]  # the patch's fault (a PhononError): the user's error, as render gives it
                if task is None:
                    raise TaskFailed("worker start-up", ev[2], ev[3], ev[4])
                raise TaskFailed(task.describe(), ev[2], ev[3], ev[4])
            elif kind == "crashed":
                exitcode, worker = ev[2], ev[3]
                if task.attempt >= MAX_RETRIES:
                    raise WorkerCrashed(worker, exitcode, task.describe(), retries=task.attempt)
                self.retries += 1
                self.log(f"phonon-farm: worker {worker} died (exit code {exitcode}) during "
                         f"{task.describe()}; re-running it on a fresh worker")
                if task.kind == "branch":
                    t = self._branch_task(self.plan.stages[task.stage], task.attempt + 1)
                    self.branch_tasks[task.stage] = t
                    self.pending_branches.append(t)
                else:
                    self.inflight.discard((task.stage, task.chunk))
                    self.pending.insert(0, (task.stage, task.chunk, task.attempt + 1))

    def _record(self, task, stats) -> None:
        now = time.perf_counter() - self.t0
        sent = self.sent.get((task.stage, task.chunk, task.attempt), now)
        self.task_log.append({"stage": task.stage, "k": task.chunk, "kind": task.kind,
                              "start": task.start, "end": task.end, "warm": task.start - task.warm_start,
                              "cpu": stats.get("cpu", 0.0), "wall": stats.get("wall", 0.0),
                              "pid": stats.get("pid", 0), "sent": sent, "done": now})
        prof = stats.get("profile")
        if prof:
            for nid, sec in prof.items():
                self.node_prof[nid] = self.node_prof.get(nid, 0.0) + sec
            self.pattern_s += stats.get("pattern_s", 0.0)

    def _watchdog(self) -> None:
        """A worker stopped (SIGSTOP: state T for STALL_SECONDS) or far past its predicted
        time (WATCHDOG_FACTOR x, at least WATCHDOG_MIN_SECONDS) is killed; its task re-runs on
        a fresh worker (the crash path). Branch tasks stream at the mixer's pace, so only a
        stopped branch worker is killed."""
        now = time.perf_counter()
        if now - getattr(self, "_wd_last", 0.0) < 0.1:
            return
        self._wd_last = now
        kill = getattr(self.executor, "kill_stalled", None)
        for task, started, worker in self.executor.running():
            if task is None:
                continue
            el = now - started
            # each re-run of an overtime task gets 4x longer: a task that is only slow finishes
            limit = max(WATCHDOG_MIN_SECONDS, WATCHDOG_FACTOR * task.predicted) * 4 ** task.attempt
            why = None
            if kill is not None and self.executor.stopped_for(worker) > STALL_SECONDS:
                why = "is stopped (SIGSTOP?)"
            elif task.kind != "branch" and el > limit:
                why = f"has run {el:.1f} s, predicted {task.predicted:.2f} s"
            if why is None:
                continue
            key = (task.kind, task.stage, task.chunk, task.attempt)
            if kill is None:  # dask: its own scheduler handles workers; say it once
                if key not in self.warned:
                    self.warned.add(key)
                    self.log(f"phonon-farm watchdog: {task.describe()} on worker {worker} {why}; "
                             f"still waiting")
                continue
            if kill(worker):
                self.log(f"phonon-farm watchdog: {task.describe()} on worker {worker} {why}; "
                         f"killing it, the task re-runs on another worker")
