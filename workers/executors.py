"""Executors: one interface, one task function (`workers.task.run_task`).

  inline   the reference: the same plan and tasks, run in this process
  process  long-lived local worker processes (workers.pool), results in shared memory
  dask     a distributed scheduler (a LocalCluster when no address); tasks return
           their arrays, since /dev/shm is not shared across machines

Events returned by `wait`:
  ("done", task, stats, array_or_None)
  ("error", task, message, remote_traceback, worker, user_error)  (user_error: the PhononError
                                                                   itself, the patch's fault, or None)
  ("crashed", task, exitcode, worker)
"""
from __future__ import annotations

import os
import time
import traceback
from typing import Optional

from . import task as taskmod
from .options import BACKENDS



class Executor:
    name = "base"
    shared_memory = True  # tasks write into parent-owned segments

    def start(self, spec_bytes: bytes, ring_sems: Optional[dict] = None) -> None: ...
    def capacity(self) -> int: ...
    def submit(self, task) -> None: ...
    def wait(self, timeout: float) -> list: ...
    def running(self) -> list: return []  # [(task, started, worker name)]
    def pump(self) -> None: ...  # progress work the parent must drive (inline branches)
    def busy(self) -> list: return []
    def pids(self) -> list: return []
    def shutdown(self, kill: bool = False) -> None: ...


class InlineExecutor(Executor):
    name = "inline"

    def __init__(self, workers: int = 1, rings: Optional[dict] = None):
        self.events: list = []
        self.branches: list = []  # (task, generator, ring)
        self.rings = rings or {}
        self.busy_s = 0.0

    def start(self, spec_bytes, ring_sems=None):
        self.spec_bytes = spec_bytes
        taskmod.initializer(spec_bytes, warm=False)

    def capacity(self):
        return 1

    def submit(self, task):
        t0 = time.perf_counter()
        try:
            if task.kind == "branch":
                g = taskmod.build_graph(task, self.spec_bytes)
                ring = self.rings[task.dest[1]]
                self.branches.append([task, taskmod.branch_steps(task, g, ring=ring), ring])
                return
            stats, arr = taskmod.run_task(task, self.spec_bytes)
            self.events.append(("done", task, stats, arr))
        except Exception as e:  # noqa: BLE001
            self.events.append(("error", task, f"{type(e).__name__}: {e}", traceback.format_exc(),
                                "inline", taskmod.user_error(e)))
        finally:
            self.busy_s += time.perf_counter() - t0

    def pump(self):
        t0 = time.perf_counter()
        for b in list(self.branches):
            task, gen, ring = b
            try:
                while ring.free() >= task.block:
                    next(gen)
            except StopIteration:
                self.branches.remove(b)
                self.events.append(("done", task, {"wall": 0.0, "cpu": 0.0, "warm": 0,
                                                   "frames": task.end, "pid": os.getpid()}, None))
            except Exception as e:  # noqa: BLE001
                self.branches.remove(b)
                self.events.append(("error", task, f"{type(e).__name__}: {e}",
                                    traceback.format_exc(), "inline", taskmod.user_error(e)))
        self.busy_s += time.perf_counter() - t0

    def wait(self, timeout):
        self.pump()
        ev, self.events = self.events, []
        return ev

    def busy(self):
        return [self.busy_s]

    def shutdown(self, kill=False):
        self.branches.clear()
        taskmod.release_segments()


class ProcessExecutor(Executor):
    name = "process"

    def __init__(self, workers: int, start_method: Optional[str] = None, template=None):
        self.n = workers
        self.start_method = start_method
        self.template = template
        self.pool = None

    def start(self, spec_bytes, ring_sems=None):
        from .pool import ProcessPool
        self.pool = ProcessPool(self.n, spec_bytes, self.start_method, template=self.template,
                                spec_key=spec_key_of(spec_bytes) if self.template else "")
        self.start_method = self.pool.start_method

    def capacity(self):
        return len(self.pool.idle())

    def submit(self, task):
        self.pool.submit(self.pool.idle()[0], task)

    def wait(self, timeout):
        return self.pool.wait(timeout)

    def running(self):
        return [(w.task, w.task_started, w.name) for w in self.pool.running()]

    def busy(self):
        return self.pool.busy_seconds()

    def pids(self):
        return self.pool.pids() if self.pool else []

    def startups(self):
        return list(self.pool.startups) if self.pool else []

    def _worker(self, name):
        return next((w for w in self.pool.workers if w.name == name), None)

    def stopped_for(self, name) -> float:
        """Seconds the worker has been seen stopped (SIGSTOP), 0 if it is not."""
        from .pool import process_state
        w = self._worker(name)
        if w is None:
            return 0.0
        if process_state(w.pid) == "T":
            if not w.stopped_since:
                w.stopped_since = time.perf_counter()
            return time.perf_counter() - w.stopped_since
        w.stopped_since = 0.0
        return 0.0

    def kill_stalled(self, name) -> bool:
        w = self._worker(name)
        if w is None or w.task is None:
            return False
        w.kill()
        return True

    def shutdown(self, kill=False):
        if self.pool is not None:
            self.pool.shutdown(kill=kill)


def _dask_task(spec_bytes, task):
    """The dask entry point: the same task function; the array travels back."""
    if taskmod._STATE["spec_bytes"] is not spec_bytes:
        taskmod.initializer(spec_bytes, warm=False)
    try:
        if task.kind == "branch":
            return taskmod.run_branch_array(task, spec_bytes)
        return taskmod.run_task(task, spec_bytes)
    except Exception as e:  # noqa: BLE001
        return ("__error__", f"{type(e).__name__}: {e}", traceback.format_exc(), taskmod.user_error(e))


class DaskExecutor(Executor):
    name = "dask"
    shared_memory = False

    def __init__(self, workers: int, scheduler: Optional[str] = None, client=None):
        self.n = workers
        self.scheduler = scheduler
        self.client = client
        self.own_client = client is None
        self.cluster = None
        self.futures: dict = {}  # future -> (task, started)

    def start(self, spec_bytes, ring_sems=None):
        try:
            from distributed import Client, LocalCluster
        except ImportError as e:  # pragma: no cover
            from phonon.errors import RenderError
            raise RenderError("--backend dask needs the 'distributed' package "
                              "(pip install 'dask[distributed]')") from e
        if self.client is None:
            if self.scheduler:
                self.client = Client(self.scheduler)
            else:
                self.cluster = LocalCluster(n_workers=self.n, threads_per_worker=1, processes=True,
                                            dashboard_address=None)
                self.client = Client(self.cluster)
        # The spec's bytes go to every worker once; tasks refer to the replicated copy.
        self.spec_future = self.client.scatter(spec_bytes, broadcast=True, hash=False)
        nworkers = len(self.client.scheduler_info().get("workers", {})) or self.n
        self.slots = max(1, nworkers) * 2

    def capacity(self):
        return self.slots - len(self.futures)

    def submit(self, task):
        fut = self.client.submit(_dask_task, self.spec_future, task, pure=False,
                                 key=f"phonon-{task.kind}-{task.stage}-{task.chunk}-{task.attempt}-"
                                     f"{os.getpid()}-{time.monotonic_ns()}")
        self.futures[fut] = (task, time.perf_counter())

    def wait(self, timeout):
        from distributed import wait as dwait
        if not self.futures:
            time.sleep(min(timeout, 0.01))
            return []
        try:
            dwait(list(self.futures), timeout=timeout, return_when="FIRST_COMPLETED")
        except Exception:  # noqa: BLE001  (a timeout)
            pass
        events = []
        for fut in [f for f in self.futures if f.done()]:
            task, _ = self.futures.pop(fut)
            try:
                res = fut.result()
            except Exception as e:  # noqa: BLE001  (the worker died too often, or similar)
                events.append(("crashed", task, f"{type(e).__name__}: {e}", "dask"))
                continue
            if isinstance(res, tuple) and res and res[0] == "__error__":
                events.append(("error", task, res[1], res[2], "dask", res[3]))
            else:
                events.append(("done", task, res[0], res[1]))
        return events

    def running(self):
        return [(t, s, "dask") for t, s in self.futures.values()]

    def shutdown(self, kill=False):
        for f in list(self.futures):
            f.cancel()
        self.futures.clear()
        if self.own_client and self.client is not None:
            self.client.close()
            if self.cluster is not None:
                self.cluster.close()


def spec_key_of(spec_bytes: bytes) -> str:
    """The name a spec goes by in a shared template (batch rendering)."""
    import hashlib
    return hashlib.sha256(spec_bytes).hexdigest()[:16]


def make_executor(backend: str, workers: int, start_method: Optional[str] = None,
                  scheduler: Optional[str] = None, client=None, template=None) -> Executor:
    if backend == "inline":
        return InlineExecutor(workers)
    if backend == "process":
        return ProcessExecutor(workers, start_method, template)
    if backend == "dask":
        return DaskExecutor(workers, scheduler, client)
    from phonon.errors import RenderError
    raise RenderError(f"--backend got '{backend}'; expected one of {', '.join(BACKENDS)}")
