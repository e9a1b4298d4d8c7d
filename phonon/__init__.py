"""Phonon: a live-coding music language with an offline render farm."""
import os as _os

__version__ = "0.1.0"

# The render path's transcendental functions are libm's (phonon.libm): where Intel's SVML
# is installed (icc_rt), numba would vectorize them with it instead, and SVML rounds
# differently per CPU. Read by numba at its import; the environment carries it to workers.
_os.environ.setdefault("NUMBA_DISABLE_INTEL_SVML", "1")


def events(source, begin=0, end=1, output=None, **kw):
    """The events a patch plays in [begin, end) cycles (Tidal's queryArc); see phonon.events."""
    from .events import events as _events
    return _events(source, begin, end, output, **kw)
