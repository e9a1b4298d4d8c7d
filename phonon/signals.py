"""Steps that a signal must not cut in half (SIGINT, SIGTERM, SIGHUP: see
phonon.cli.stop_on_signals): the signal is held until the step is over, then takes effect."""
from __future__ import annotations

import signal

# The signals that stop a render (phonon.cli.stop_on_signals), held by signals_deferred, and
# that end a command before its handlers are in place (exit_early_on_signals).
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def exit_early_on_signals() -> None:
    """For the command lines, from the first line of ours: until `stop_on_signals` takes over
    (once the imports are done), SIGINT/SIGTERM/SIGHUP end the process with 130 and a word,
    no traceback (nothing has been started or written yet). A Ctrl-C inside an import would
    otherwise print the import's traceback, or break a C extension's import into an
    ImportError."""
    import os

    def stop(signum, frame):
        try:
            os.write(2, b"\ninterrupted\n")
        finally:
            os._exit(130)
    for sig in STOP_SIGNALS:
        signal.signal(sig, stop)


def started_as_a_command() -> bool:
    """Whether this process is `phonon`, `phonon-farm` or `python -m phonon...|workers`
    being started (argv[0] is "-m" while runpy imports the package)."""
    import os
    import sys
    arg0 = sys.argv[0] if sys.argv else ""
    return arg0 == "-m" or os.path.basename(arg0) in ("phonon", "phonon-farm")


class signals_deferred:
    """Hold SIGINT/SIGTERM/SIGHUP (in the main thread) for a step that must not be cut in
    half: starting a process (a half-started spawn child would wait for its preparation
    data forever, or read an empty pipe), a fork round trip with the template, the rename of
    the output file. A signal that came meanwhile takes effect right after.

    Blocking the signals in the main thread is not enough: the kernel then delivers a
    process-directed signal to any thread that does not block it (OpenBLAS's, numba's, the
    writer's), Python's C handler sets its flag there, and the main thread runs the Python
    handler at its next bytecode, inside the step. So the Python handlers are replaced for
    the step by one that only records the signal, and the first recorded signal is raised
    again once the old handlers are back. The mask stays too: it keeps the signal from
    interrupting a system call of the step (EINTR) and is what a spawned child inherits."""

    SIGS = set(STOP_SIGNALS)

    def __enter__(self):
        import threading
        self.on = threading.current_thread() is threading.main_thread()
        self.pending: list = []
        self.old = {}
        if self.on:
            for sig in self.SIGS:
                self.old[sig] = signal.signal(sig, lambda s, _f: self.pending.append(s))
            signal.pthread_sigmask(signal.SIG_BLOCK, self.SIGS)
        return self

    def __exit__(self, *exc):
        if self.on:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, self.SIGS)  # a blocked one runs here
            for sig, handler in self.old.items():
                signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
            if self.pending:
                signal.raise_signal(self.pending[0])
        return False
