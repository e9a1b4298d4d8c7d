"""Phonon: a live-coding music language with an offline render farm."""
import os as _os

__version__ = "0.1.0"

# The render path's transcendental functions are libm's (phonon.libm): where Intel's SVML
# is installed (icc_rt), numba would vectorize them with it instead, and SVML rounds
# differently per CPU. Read by numba at its import; the environment carries it to workers.
_os.environ.setdefault("NUMBA_DISABLE_INTEL_SVML", "1")

from . import numba_boot as _numba_boot  # noqa: E402  (light: os and sys only)

_numba_boot.install()  # numba without scipy, cached kernels loaded fast: see that module


def _early_signals() -> None:
    import threading
    from . import signals
    if signals.started_as_a_command() and threading.current_thread() is threading.main_thread():
        signals.exit_early_on_signals()  # until the command's own handlers take over


_early_signals()


def __getattr__(name):
    """`phonon.events(source, begin, end)`: the events a patch plays (Tidal's queryArc), loaded
    on first use. The module is callable, so the name means the same whether or not
    `phonon.events` was imported."""
    if name == "events":
        import importlib
        return importlib.import_module(".events", __name__)
    raise AttributeError(f"module 'phonon' has no attribute {name!r}")
