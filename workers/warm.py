"""Imported by the template before it forks workers: initializes numba's code generator
once (the first cached kernel a process loads sets up LLVM and numba's runtime: ~0.06 s
with phonon.numba_boot's fast loads, 0.45 s without), so every forked worker starts with
it ready."""
import numba
import numpy as np

import phonon.engine  # noqa: F401
import phonon.nodes  # noqa: F401


@numba.njit(cache=True)
def _touch(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += x[i]
    return s


_touch(np.zeros(4))
