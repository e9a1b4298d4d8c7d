"""Named farm failures (STYLE 10: failures have names, the remote traceback is attached)."""
from __future__ import annotations

from phonon.errors import PhononError


class RemoteTraceback(Exception):
    """The traceback text of an exception raised in a worker process."""

    def __init__(self, tb: str):
        super().__init__(tb)
        self.tb = tb

    def __str__(self) -> str:
        return self.tb


class FarmError(PhononError):
    """Root of render-farm failures (exit code 1: clean message, no local traceback)."""


class TaskFailed(FarmError):
    """A task raised in a worker. The worker's traceback is `remote_traceback` and `__cause__`."""

    def __init__(self, task_desc: str, error: str, remote_traceback: str = "", worker: str = ""):
        self.task_desc = task_desc
        self.error = error
        self.remote_traceback = remote_traceback
        self.worker = worker
        msg = f"task {task_desc} failed{' on ' + worker if worker else ''}: {error}"
        if remote_traceback:
            msg += "\n--- worker traceback ---\n" + remote_traceback.rstrip()
        super().__init__(msg)
        if remote_traceback:
            self.__cause__ = RemoteTraceback(remote_traceback)


class WorkerCrashed(FarmError):
    """A worker process died (signal, OOM, hard crash) more often than retries allow."""

    def __init__(self, worker: str, exitcode, task_desc: str = "", retries: int = 0):
        self.worker = worker
        self.exitcode = exitcode
        self.task_desc = task_desc
        how = (f"killed by signal {-exitcode}" if isinstance(exitcode, int) and exitcode < 0
               else f"exit code {exitcode}")
        hint = ("a worker is killed by signal 9 when the machine runs out of memory: "
                "try fewer --cores or a shorter --chunk")
        super().__init__(f"worker {worker} died ({how}) while running task {task_desc}"
                         + (f", after {retries} retries" if retries else ""), hint=hint)
