"""Steps that a signal must not cut in half (SIGINT, SIGTERM, SIGHUP: see
phonon.cli.stop_on_signals): the signal is held until the step is over, then takes effect."""
from __future__ import annotations

import signal


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

    SIGS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}

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
