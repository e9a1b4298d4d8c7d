"""Phonon: a live-coding music language with an offline render farm."""
import os as _os

__version__ = "0.1.0"

# The render path's transcendental functions are libm's (phonon.libm): where Intel's SVML
# is installed (icc_rt), numba would vectorize them with it instead, and SVML rounds
# differently per CPU. Read by numba at its import; the environment carries it to workers.
_os.environ.setdefault("NUMBA_DISABLE_INTEL_SVML", "1")


class _NumbaWithoutScipy:
    """Imports numba with scipy hidden. numba probes scipy at its import (a version check)
    and when it sets up its CPU target for the first kernel (numba.np.arraymath imports
    scipy.linalg.cython_blas for np.dot/np.linalg inside kernels): 0.15-0.2 s, a third of
    a short render's start-up. No Phonon kernel uses numba's linear algebra, so the probes
    fail cleanly (numba then rejects np.dot in kernels) and scipy loads only for what
    needs it (resampling a sample file). A meta-path finder, so that every `import numba`
    (node modules, tests, workers) takes this path when phonon came first."""

    WATCH = ("numba", "numba.np.arraymath")

    def __init__(self):
        self.pending = set(self.WATCH)

    def find_spec(self, name, path=None, target=None):
        if name not in self.pending:
            return None
        import importlib.util
        import sys
        self.pending.discard(name)
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            if self.pending:
                sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        real = spec.loader.exec_module

        def exec_module(module):
            hide = "scipy" not in sys.modules
            if hide:
                sys.modules["scipy"] = None  # `import scipy...` raises ImportError
            try:
                real(module)
            finally:
                if hide and "scipy" in sys.modules and sys.modules["scipy"] is None:
                    del sys.modules["scipy"]
        spec.loader.exec_module = exec_module
        return spec


def _hide_scipy_from_numba() -> None:
    import sys
    if "numba" not in sys.modules and _os.environ.get("PHONON_NUMBA_SCIPY") != "1":
        sys.meta_path.insert(0, _NumbaWithoutScipy())


_hide_scipy_from_numba()


def __getattr__(name):
    """`phonon.events(source, begin, end)`: the events a patch plays (Tidal's queryArc), loaded
    on first use. The module is callable, so the name means the same whether or not
    `phonon.events` was imported."""
    if name == "events":
        import importlib
        return importlib.import_module(".events", __name__)
    raise AttributeError(f"module 'phonon' has no attribute {name!r}")
