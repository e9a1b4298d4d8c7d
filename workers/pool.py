"""Warm worker processes forked from a template, one socket per worker (loky-like).

    farm (parent) ──pipe──▶ template: imports phonon, loads each patch's kernels (a short
       │                     render), calibrates and plans; then forks workers on request
       └──socket per worker──▶ worker (a fork of the template: kernels already loaded)

A fresh interpreter that imports phonon and loads a patch's compiled kernels costs
about 0.4 CPU-s; a fork of the template that already did it costs milliseconds. Only
the template is started with a multiprocessing start method (spawn, forkserver or
fork); every worker is an `os.fork()` of it. The template hands each worker's socket
to the parent (SCM_RIGHTS, `multiprocessing.reduction.send_handle`) and reports the
exit status of the workers it reaps.

No lock, queue or semaphore is shared between processes: a process killed at any
instant cannot die holding one (and nothing is left in /dev/shm). A worker's death
is its socket's EOF; its running task is handed back to be re-run, and a fresh fork
takes its place. Parent-death watch: the template dies with its parent and each worker
with the template (Linux `PR_SET_PDEATHSIG`), so a `kill -9` of the farm takes every
worker down at once.
"""
from __future__ import annotations

import ctypes
import multiprocessing as mp
import os
import pickle
import signal
import socket
import time
import traceback
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as mp_wait
from multiprocessing.reduction import recv_handle, send_handle

from phonon.signals import signals_deferred

from .errors import FarmError
from .options import START_METHODS

PR_SET_PDEATHSIG = 1


def default_start_method() -> str:
    """How the template starts. `fork` when this process runs no other thread (the farm's
    command line starts the template first thing, before numpy loads): the template is
    then a copy of a small process and skips an interpreter's start and its imports
    (0.1 s of the farm's start-up here); `spawn` otherwise, because a fork copies only the
    calling thread and a lock another thread held would stay locked in the copy (tests
    and programs that call the farm in-process). Both return at once, so the template
    imports phonon while the parent compiles the patch (forkserver would first wait for
    its own preload)."""
    import threading
    return "fork" if threading.active_count() == 1 else "spawn"


def die_with_parent() -> None:
    """SIGKILL this process when its parent exits (Linux; elsewhere a no-op)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass


def _quiet_signals() -> None:
    # The parent handles Ctrl-C / SIGTERM / SIGHUP and stops us; a terminal's SIGINT reaches
    # the whole process group, and a worker must not die mid-write on it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


# ---------------------------------------------------------------------------------------------
# The worker (a fork of the template)
# ---------------------------------------------------------------------------------------------
def _worker_main(conn: Connection, index: int) -> None:
    from . import task as taskmod  # loaded in the template this worker is a fork of
    die_with_parent()
    conn.send(("ready", os.getpid(), time.time()))
    template = os.getppid()

    def should_stop():
        return os.getppid() != template

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
                on_chunk = None
                if task.stream:
                    tid = task.tid

                    def on_chunk(j, tid=tid):
                        conn.send(("chunk", tid, j))
                stats, arr = taskmod.run_task(task, should_stop=should_stop, on_chunk=on_chunk)
                conn.send(("done", task.tid, stats, arr))
            except BaseException as e:  # noqa: BLE001
                conn.send(("error", task.tid, f"{type(e).__name__}: {e}", traceback.format_exc(),
                           taskmod.user_error(e)))
    finally:
        taskmod.release_segments()


# ---------------------------------------------------------------------------------------------
# The template
# ---------------------------------------------------------------------------------------------
def _template_main(conn: Connection, parent: int = 0) -> None:
    _quiet_signals()  # first: a fork of the parent has its handlers until then
    signal.pthread_sigmask(signal.SIG_UNBLOCK, signals_deferred.SIGS)  # inherited from start()
    die_with_parent()
    if os.getppid() == 1 or (parent and os.getppid() != parent):
        os._exit(0)  # the parent died before the watch was set
    import workers.warm  # noqa: F401  (phonon, every node kind, numba's code generator)

    from . import task as taskmod  # here, not at the top: the farm's parent starts the
    taskmod.engine_module()        # template before it imports numpy or numba
    children: set = set()

    def reap():
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                children.clear()
                return
            if pid == 0:
                return
            children.discard(pid)
            conn.send(("exit", pid, os.waitstatus_to_exitcode(status)))

    try:
        while True:
            if not conn.poll(0.2):
                reap()
                continue
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                break
            if msg is None:
                break
            op = msg[0]
            try:
                if op == "spec":  # keep a patch's spec and load its kernels
                    _, key, spec_bytes = msg
                    taskmod.add_spec(key, spec_bytes, warm=True)
                    conn.send(("ok", None))
                elif op == "call":  # run a function here (planning: it loads the kernels too)
                    _, fn, args = msg
                    conn.send(("ok", fn(*args)))
                elif op == "fork":
                    _, index = msg
                    a, b = socket.socketpair()
                    pid = os.fork()
                    if pid == 0:  # the worker
                        code = 0
                        try:
                            conn.close()
                            a.close()
                            _worker_main(Connection(b.detach()), index)
                        except BaseException:  # noqa: BLE001
                            code = 1
                        finally:
                            os._exit(code)
                    b.close()
                    children.add(pid)
                    conn.send(("forked", index, pid))
                    send_handle(conn, a.fileno(), os.getppid())
                    a.close()
                reap()
            except Exception as e:  # noqa: BLE001
                from phonon.errors import PhononError
                user = e if isinstance(e, PhononError) else None  # re-raised as is in the parent
                try:
                    conn.send(("err", f"{type(e).__name__}: {e}", traceback.format_exc(), user))
                except Exception:  # noqa: BLE001  (an exception that does not pickle)
                    conn.send(("err", f"{type(e).__name__}: {e}", traceback.format_exc(), None))
    finally:
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        os._exit(0)


class TemplateError(FarmError):
    """The worker template died or could not do what it was asked."""


class Template:
    """The warm template process. `add_spec` registers (and warms) a patch; `call` runs a
    picklable function there; `fork` makes a worker: (pid, Connection)."""

    def __init__(self, start_method: str | None = None):
        method = start_method or default_start_method()
        if method not in START_METHODS:
            raise ValueError(f"start method {method!r}")
        ctx = mp.get_context(method)
        if method == "forkserver":
            ctx.set_forkserver_preload(["workers.warm"])
        self.start_method = method
        here, there = ctx.Pipe(duplex=True)
        self.t_start = time.perf_counter()
        # spawn and fork make the template our child (its parent-death watch is on us); under
        # forkserver its parent is the fork server, which exits with us.
        parent = os.getpid() if method != "forkserver" else 0
        self.proc = ctx.Process(target=_template_main, args=(there, parent),
                                name="phonon-template", daemon=True)
        self.conn = here
        self.exits: dict = {}  # worker pid -> exit code (as the template reaped it)
        self.specs: set = set()
        try:
            with signals_deferred():
                self.proc.start()
                there.close()
        except BaseException:  # the held signal, raised as we let it through: do not leak it
            self.close(kill=True)
            raise

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _reply(self, want: str, timeout: float | None = None):
        deadline = None if timeout is None else time.perf_counter() + timeout
        while True:
            left = None if deadline is None else max(0.0, deadline - time.perf_counter())
            if not self.conn.poll(left if left is not None else 1.0):
                if not self.proc.is_alive():
                    raise TemplateError(f"the worker template (pid {self.proc.pid}) died "
                                        f"(exit code {self.proc.exitcode})")
                if deadline is not None and time.perf_counter() >= deadline:
                    raise TemplateError("the worker template does not answer")
                continue
            try:
                msg = self.conn.recv()
            except (EOFError, OSError):
                raise TemplateError(f"the worker template (pid {self.proc.pid}) died") from None
            if msg[0] == "exit":
                self.exits[msg[1]] = msg[2]
                continue
            if msg[0] == "err":
                if msg[3] is not None:
                    raise msg[3]
                raise TemplateError(msg[1] + "\n" + msg[2])
            if msg[0] == want:
                return msg

    def _send(self, msg) -> None:
        try:
            self.conn.send(msg)
        except (OSError, BrokenPipeError, ValueError):
            raise TemplateError(f"the worker template (pid {self.proc.pid}) died "
                                f"(exit code {self.proc.exitcode})") from None

    def add_spec(self, key: str, spec_bytes: bytes) -> None:
        if key in self.specs:
            return
        self._send(("spec", key, spec_bytes))
        self._reply("ok")
        self.specs.add(key)

    def call(self, fn, *args):
        self._send(("call", fn, args))
        return self._reply("ok")[1]

    def fork(self, index: int):
        with signals_deferred():  # the reply and the socket travel as a pair
            self._send(("fork", index))
            _, _, pid = self._reply("forked")
            fd = recv_handle(self.conn)
        return pid, Connection(fd)

    def poll_exits(self) -> None:
        try:
            while self.conn.poll(0):
                msg = self.conn.recv()
                if msg[0] == "exit":
                    self.exits[msg[1]] = msg[2]
        except (EOFError, OSError):
            pass

    def close(self, kill: bool = False) -> None:
        if self.proc._popen is None:  # never started
            return
        try:
            if kill:
                self.proc.kill()
            else:
                self.conn.send(None)
        except (OSError, BrokenPipeError, ValueError):
            pass
        self.proc.join(timeout=3.0)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(timeout=1.0)
        try:
            self.conn.close()
        except OSError:
            pass


# ---------------------------------------------------------------------------------------------
class Worker:
    def __init__(self, template: Template, index: int):
        self.index = index
        self.t_fork = time.perf_counter()
        self.pid, self.conn = template.fork(index)
        self.ready = False
        self.startup = 0.0  # seconds from the fork request to "ready"
        self.task = None
        self.task_started = 0.0
        self.busy = 0.0  # seconds spent in tasks
        self.warned = False
        self.stopped_since = 0.0  # when /proc first showed it stopped (SIGSTOP)

    @property
    def name(self) -> str:
        return f"#{self.index} (pid {self.pid})"

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except OSError:
            pass


def process_state(pid: int) -> str:
    """The state letter of /proc/<pid>/stat ('R', 'S', 'T' stopped, 'Z' ...; '' if gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            st = f.read()
        return st[st.rfind(")") + 2:].split()[0]
    except (OSError, IndexError):
        return ""


class ProcessPool:
    """N warm workers. `submit` to an idle worker; `wait` returns events:
    ("done", task, stats, array), ("error", task, msg, tb, worker, user error or None),
    ("crashed", task, exitcode, worker).
    `template`: share one (batch rendering: one pool for many patches); else one of our own."""

    def __init__(self, n: int, spec_bytes: bytes | None = None, start_method: str | None = None,
                 ring_sems: dict | None = None, template: Template | None = None,
                 spec_key: str = ""):
        self.own_template = template is None
        self.template = template or Template(start_method)
        self.start_method = self.template.start_method
        if spec_bytes is not None:
            self.template.add_spec(spec_key, spec_bytes)
        self.n = n
        self._next_index = 0
        self.workers: list[Worker] = []
        self.retired_busy = 0.0
        self.startups: list = []  # (worker index, seconds from fork request to ready)
        self.closed = False
        for _ in range(n):
            self._spawn()

    def _spawn(self) -> Worker:
        w = Worker(self.template, self._next_index)
        self._next_index += 1
        self.workers.append(w)
        return w

    def resize(self, n: int) -> None:
        """At least n workers (a later patch of a batch may want more)."""
        while len(self.workers) < n:
            self._spawn()
        self.n = max(self.n, n)

    def idle(self) -> list[Worker]:
        return [w for w in self.workers if w.task is None and w.ready]

    def submit(self, worker: Worker, task) -> None:
        worker.task = task
        worker.task_started = time.perf_counter()
        worker.warned = False
        worker.stopped_since = 0.0
        try:
            worker.conn.send(task)
        except (OSError, BrokenPipeError):
            pass  # it died: wait() sees the EOF and hands the task back

    def running(self) -> list[Worker]:
        return [w for w in self.workers if w.task is not None]

    def wait(self, timeout: float) -> list[tuple]:
        events = []
        waitables = {w.conn: w for w in self.workers}
        try:
            ready = mp_wait(list(waitables), timeout=timeout)
        except OSError:
            ready = list(waitables)
        for obj in ready:
            w = waitables[obj]
            dead = False
            while True:  # drain messages first: a worker may have finished, then exited
                try:
                    if not w.conn.poll():
                        break
                    msg = w.conn.recv()
                except (EOFError, OSError, pickle.UnpicklingError):
                    dead = True
                    break
                events.extend(self._handle(w, msg))
            if dead:
                events.extend(self._retire(w))
        return events

    def _retire(self, w: Worker) -> list:
        """A worker's socket closed: it died. Hand its task back, fork a replacement."""
        if w not in self.workers:
            return []
        self.workers.remove(w)
        self.retired_busy += w.busy
        try:
            w.conn.close()
        except OSError:
            pass
        w.kill()  # (a half-dead worker must not linger)
        self.template.poll_exits()
        code = self.template.exits.get(w.pid, "unknown")
        if not self.closed:
            self._spawn()
        if w.task is not None:
            task, w.task = w.task, None
            return [("crashed", task, code, w.name)]
        return []

    def kill_worker(self, w: Worker) -> None:
        """Kill a stalled worker; the next `wait` re-queues its task."""
        w.kill()

    def _handle(self, w: Worker, msg) -> list:
        kind = msg[0]
        if kind == "ready":
            w.ready = True
            w.startup = time.perf_counter() - w.t_fork
            self.startups.append((w.index, w.startup))
            return []
        if kind == "chunk":  # a streaming task wrote one more base chunk; it goes on
            task = w.task
            if task is None or task.tid != msg[1]:
                return []
            return [("chunk", task, msg[2])]
        task = w.task
        w.task = None
        w.busy += time.perf_counter() - w.task_started
        if task is None or task.tid != msg[1]:
            return []  # a stale answer (its task was already handed back)
        if kind == "done":
            return [("done", task, msg[2], msg[3])]
        return [("error", task, msg[2], msg[3], w.name, msg[4])]

    def busy_seconds(self) -> list[float]:
        return [w.busy for w in self.workers]

    def pids(self) -> list[int]:
        return [w.pid for w in self.workers]

    def drain(self) -> None:
        """Between patches of a batch: kill workers still running something (a failed patch's
        tasks); their replacements are ready when this returns."""
        for w in self.running():
            w.kill()
        deadline = time.perf_counter() + 5.0
        while (self.running() or any(not w.ready for w in self.workers)) \
                and time.perf_counter() < deadline:
            self.wait(0.05)

    def shutdown(self, kill: bool = False) -> None:
        """Stop every worker: idle ones are asked to exit; busy, stopped (SIGSTOP) or slow
        ones are killed. When this returns none of them runs any more."""
        self.closed = True
        for w in self.workers:
            if kill or w.task is not None or process_state(w.pid) == "T":
                w.kill()
            else:
                try:
                    w.conn.send(None)
                except (OSError, BrokenPipeError):
                    pass
        deadline = time.perf_counter() + 1.0
        for w in self.workers:  # EOF on its socket: it has exited
            try:
                if not w.conn.poll(max(0.0, deadline - time.perf_counter())) or w.conn.recv_bytes():
                    pass
            except (EOFError, OSError):
                pass
            w.kill()  # a no-op when it is gone; a worker that did not exit in time is killed
            try:
                w.conn.close()
            except OSError:
                pass
        if self.own_template:
            self.template.close(kill=kill)
