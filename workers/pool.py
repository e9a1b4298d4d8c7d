"""A small pool of long-lived worker processes (loky-like), one Pipe per worker.

Not concurrent.futures: a dead worker there breaks the whole pool. Here each
worker is watched through its process sentinel; when one dies its running task
is handed back to the caller to re-queue and a fresh worker (same initializer,
same spec bytes) takes its place.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sys
import time
import traceback
from multiprocessing.connection import wait as mp_wait

from . import task as taskmod

START_METHODS = ("spawn", "forkserver", "fork")


def default_start_method() -> str:
    return "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"


def _worker_main(conn, spec_bytes, ring_sems, index):
    # The parent handles Ctrl-C and stops us; a worker must not die mid-write on SIGINT.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        taskmod.initializer(spec_bytes, ring_sems)
        conn.send(("ready", os.getpid()))
    except BaseException as e:  # noqa: BLE001
        conn.send(("init_error", f"{type(e).__name__}: {e}", traceback.format_exc()))
        return
    parent = os.getppid()

    def should_stop():
        return os.getppid() != parent

    try:
        while True:
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                break
            if msg is None:
                break
            task = msg
            try:
                stats, arr = taskmod.run_task(task, should_stop=should_stop)
                conn.send(("done", task.tid, stats, arr))
            except BaseException as e:  # noqa: BLE001
                conn.send(("error", task.tid, f"{type(e).__name__}: {e}", traceback.format_exc()))
    finally:
        taskmod.release_segments()


class Worker:
    def __init__(self, ctx, spec_bytes, ring_sems, index):
        self.index = index
        parent_conn, child_conn = ctx.Pipe(duplex=True)
        self.conn = parent_conn
        self.proc = ctx.Process(target=_worker_main, name=f"phonon-worker-{index}",
                                args=(child_conn, spec_bytes, ring_sems, index), daemon=True)
        self.proc.start()
        child_conn.close()
        self.ready = False
        self.task = None
        self.task_started = 0.0
        self.busy = 0.0  # seconds spent in tasks
        self.warned = False

    @property
    def name(self) -> str:
        return f"#{self.index} (pid {self.proc.pid})"


class ProcessPool:
    """N long-lived workers. `submit` to an idle worker; `wait` returns events:
    ("done", task, stats, array), ("error", task, msg, tb, worker), ("crashed", task, exitcode, worker)."""

    def __init__(self, n: int, spec_bytes: bytes, start_method: str | None = None,
                 ring_sems: dict | None = None):
        method = start_method or default_start_method()
        if method not in START_METHODS:
            raise ValueError(f"start method {method!r}")
        self.ctx = mp.get_context(method)
        if method == "forkserver":
            # Preload phonon into the fork server so each worker starts warm.
            self.ctx.set_forkserver_preload(["workers.warm"])
        self.start_method = method
        self.spec_bytes = spec_bytes
        self.ring_sems = ring_sems or {}
        self.n = n
        self._next_index = 0
        self.workers: list[Worker] = []
        self.retired_busy = 0.0
        self.closed = False
        for _ in range(n):
            self._spawn()

    def _spawn(self) -> Worker:
        w = Worker(self.ctx, self.spec_bytes, self.ring_sems, self._next_index)
        self._next_index += 1
        self.workers.append(w)
        return w

    def idle(self) -> list[Worker]:
        return [w for w in self.workers if w.task is None and w.ready]

    def submit(self, worker: Worker, task) -> None:
        worker.task = task
        worker.task_started = time.perf_counter()
        worker.warned = False
        worker.conn.send(task)

    def running(self) -> list[Worker]:
        return [w for w in self.workers if w.task is not None]

    def wait(self, timeout: float) -> list[tuple]:
        events = []
        waitables = {}
        for w in self.workers:
            waitables[w.conn] = w
            waitables[w.proc.sentinel] = w
        ready = mp_wait(list(waitables), timeout=timeout)
        seen = set()
        for obj in ready:
            w = waitables[obj]
            if id(w) in seen:
                continue
            seen.add(id(w))
            # Drain messages first: a worker may have finished, then exited.
            dead = False
            while True:
                try:
                    if not w.conn.poll():
                        break
                    msg = w.conn.recv()
                except (EOFError, OSError):
                    dead = True
                    break
                events.extend(self._handle(w, msg))
            if dead or not w.proc.is_alive():
                w.proc.join(timeout=1.0)
                if w.proc.exitcode is None:
                    continue
                self.workers.remove(w)
                self.retired_busy += w.busy
                try:
                    w.conn.close()
                except OSError:
                    pass
                if not self.closed:
                    self._spawn()
                if w.task is not None:
                    events.append(("crashed", w.task, w.proc.exitcode, w.name))
                    w.task = None
        return events

    def _handle(self, w: Worker, msg) -> list:
        kind = msg[0]
        if kind == "ready":
            w.ready = True
            return []
        if kind == "init_error":
            return [("error", None, msg[1], msg[2], w.name)]
        task = w.task
        w.task = None
        w.busy += time.perf_counter() - w.task_started
        if kind == "done":
            return [("done", task, msg[2], msg[3])]
        return [("error", task, msg[2], msg[3], w.name)]

    def busy_seconds(self) -> list[float]:
        return [w.busy for w in self.workers]

    def pids(self) -> list[int]:
        return [w.proc.pid for w in self.workers]

    def shutdown(self, kill: bool = False) -> None:
        self.closed = True
        for w in self.workers:
            if kill or w.task is not None:
                try:
                    w.proc.terminate()
                except Exception:
                    pass
            else:
                try:
                    w.conn.send(None)
                except (OSError, BrokenPipeError):
                    pass
        deadline = time.time() + 3.0
        for w in self.workers:
            w.proc.join(timeout=max(0.0, deadline - time.time()))
            if w.proc.is_alive():
                w.proc.kill()
                w.proc.join(timeout=1.0)
            try:
                w.conn.close()
            except OSError:
                pass
