"""How Phonon starts numba: two start-up costs that a render does not need, removed.

1. **scipy.** numba probes scipy at its import (a version check) and when it sets up its
   CPU target for the first kernel (numba.np.arraymath imports scipy.linalg.cython_blas
   for np.dot/np.linalg inside kernels): 0.15-0.2 s, a third of a short render's start-up.
   No Phonon kernel uses numba's linear algebra, so with scipy hidden during those two
   imports the probes fail cleanly (numba then rejects np.dot in kernels) and scipy loads
   only for what needs it (resampling a sample file). `PHONON_NUMBA_SCIPY=1` turns it off.

2. **Loading a kernel from numba's cache.** numba's `Cache.load_overload` first calls
   `target_context.refresh()`, which imports and installs every lowering and typing
   registry numba has (numba.np.*, numba.cpython.*, typed containers, jitclass, ...):
   about 0.4 s on this project's machine, before the first cached kernel runs, although a
   cached kernel is machine code that needs none of them: they exist to *compile*, and
   numba's compiler refreshes the contexts itself before it compiles anything
   (`CompilerBase.__init__`). What loading does need is the runtime (NRT) set up, which
   `refresh` did first. So a load from the cache initializes the NRT and skips the
   registries; a cache miss compiles as always (and refreshes then). Measured on a trivial
   cached kernel: first call 0.45-0.49 s -> 0.055-0.08 s. Applied only when numba's
   `load_overload` is the function this was written against (its code names the same
   calls), else numba is left as it is; `PHONON_NUMBA_FAST_LOAD=0` turns it off.
   Same machine code either way: the output bytes do not change.

Both are installed by `phonon/__init__.py` (a meta-path finder, so every `import numba`
after `import phonon` takes this path: node modules, tests, workers).
"""
from __future__ import annotations

import os
import sys

WATCH = ("numba", "numba.np.arraymath")
# The names numba's Cache.load_overload uses (0.58-0.68): refresh, then the guarded load.
_LOAD_OVERLOAD_NAMES = ("refresh", "_guard_against_spurious_io_errors", "_load_overload")


def fast_cache_loads() -> bool:
    """Make numba load cached kernels without importing its compile-time registries.
    Returns whether the change is in place."""
    if os.environ.get("PHONON_NUMBA_FAST_LOAD", "1") == "0":
        return False
    from numba.core import caching
    cache = getattr(caching, "Cache", None)
    orig = getattr(cache, "load_overload", None)
    if orig is None:
        return False
    if getattr(orig, "_phonon_fast", False):
        return True
    if tuple(n for n in orig.__code__.co_names if n in _LOAD_OVERLOAD_NAMES) != _LOAD_OVERLOAD_NAMES:
        return False  # a numba this was not written against: keep its own
    try:
        from numba.core.runtime import rtsys
    except ImportError:
        return False

    def load_overload(self, sig, target_context):
        rtsys.initialize(target_context)  # what refresh() did first: the runtime for NRT arrays
        with self._guard_against_spurious_io_errors():
            return self._load_overload(sig, target_context)
        # None when the `with` block swallows an I/O error (numba's own behaviour)

    load_overload._phonon_fast = True
    load_overload.__doc__ = orig.__doc__
    cache.load_overload = load_overload
    return True


class _NumbaImportHook:
    """Imports numba with scipy hidden (unless PHONON_NUMBA_SCIPY=1), then makes its cache
    loads fast."""

    def __init__(self, hide_scipy: bool):
        self.hide_scipy = hide_scipy
        self.pending = set(WATCH if hide_scipy else WATCH[:1])

    def find_spec(self, name, path=None, target=None):
        if name not in self.pending:
            return None
        import importlib.util
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
        hide_scipy = self.hide_scipy

        def exec_module(module):
            hide = hide_scipy and "scipy" not in sys.modules
            if hide:
                sys.modules["scipy"] = None  # `import scipy...` raises ImportError
            try:
                real(module)
            finally:
                if hide and "scipy" in sys.modules and sys.modules["scipy"] is None:
                    del sys.modules["scipy"]
            if name == "numba":
                fast_cache_loads()
        spec.loader.exec_module = exec_module
        return spec


def install() -> None:
    if "numba" in sys.modules:  # imported before phonon: only the cache loads can change
        fast_cache_loads()
        return
    sys.meta_path.insert(0, _NumbaImportHook(os.environ.get("PHONON_NUMBA_SCIPY") != "1"))
