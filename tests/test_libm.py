"""phonon.libm: the render path's transcendental functions are the C library's, and no
render-path code calls numpy's CPU-dispatched ones (README, "The same bytes on every machine")."""
from __future__ import annotations

import ast
import math

import numpy as np
import pytest

from phonon import libm

from conftest import ROOT

X = np.concatenate([np.linspace(-40.0, 40.0, 20001), [0.0, -0.0, 1e-300, 700.0, -745.0]])


@pytest.mark.parametrize("name,py", [("sin", math.sin), ("cos", math.cos), ("exp", math.exp),
                                     ("tanh", math.tanh)])
def test_kernels_are_the_c_library(name, py):
    """Compiled math.sin etc. and Python's math.sin are one function, libm's, reached two
    ways: equal bit for bit on any CPU (this is the claim the contract rests on)."""
    x = X if name != "exp" else X[X < 700.0]
    got = getattr(libm, name)(x)
    assert np.array_equal(got, [py(v) for v in x])


@pytest.mark.parametrize("name", ["sin", "cos", "exp", "exp2", "tanh"])
def test_kernels_match_numpy_to_a_few_ulps(name):
    """Against numpy's own loops (another implementation: SIMD, chosen per CPU) only to a
    few ulps, never bit for bit."""
    x = X[np.abs(X) < 300.0]
    got, want = getattr(libm, name)(x), getattr(np, name)(x)
    ulps = np.abs(got - want) / np.spacing(np.maximum(np.abs(want), np.finfo(float).tiny))
    assert float(ulps.max()) <= 4.0


def test_any_shape_and_empty():
    x = np.arange(12.0).reshape(3, 4)[:, ::2]  # not contiguous
    y = libm.sin(x)
    assert y.shape == (3, 2) and np.array_equal(y, [[math.sin(v) for v in r] for r in x])
    assert libm.exp(np.zeros((2, 0))).shape == (2, 0)
    assert libm.exp2(np.array([0.0, 1.0, 10.0, -1.0])).tolist() == [1.0, 2.0, 1024.0, 0.5]


def test_numba_does_not_use_svml():
    """Intel's SVML (vectorized math, per-CPU rounding) would replace libm in numba's loops
    where icc_rt is installed; importing phonon turns it off."""
    import numba
    assert numba.config.DISABLE_INTEL_SVML and not numba.config.USING_SVML


# -- no numpy transcendental in the render path --------------------------------------------

NUMPY_TRANSCENDENTAL = {"sin", "cos", "tan", "arcsin", "arccos", "arctan", "arctan2", "sinh",
                        "cosh", "tanh", "arcsinh", "arccosh", "arctanh", "exp", "exp2", "expm1",
                        "log", "log2", "log10", "log1p", "power", "float_power", "cbrt", "hypot",
                        "logaddexp", "logaddexp2", "deg2rad", "sinc"}
RENDER_PATH = sorted((ROOT / "phonon" / "nodes").glob("*.py")) + [
    ROOT / "phonon" / "engine.py", ROOT / "phonon" / "live.py",
    ROOT / "phonon" / "samples" / "kit.py", ROOT / "phonon" / "samples" / "__init__.py"]
# numpy forms kept as the slow references of compiled kernels (tests compare to a few ulps)
REFERENCES = {"osc.py": {"_blep", "_blamp", "_saw", "_pulse", "_square", "_tri", "_sine"}}


def _is_njit(fn: ast.FunctionDef) -> bool:
    return any("njit" in ast.unparse(d) or "jit" in ast.unparse(d) for d in fn.decorator_list)


def _numpy_calls(tree: ast.AST, skip: set):
    """(line, name) of np.<transcendental>(...) calls outside njit kernels and references."""
    found = []

    def visit(node, inside_ok):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inside_ok = inside_ok or _is_njit(node) or node.name.startswith("_ref") \
                or node.name == "reference" or node.name in skip
        if isinstance(node, ast.Call) and not inside_ok and isinstance(node.func, ast.Attribute) \
                and isinstance(node.func.value, ast.Name) and node.func.value.id in ("np", "numpy") \
                and node.func.attr in NUMPY_TRANSCENDENTAL:
            found.append((node.lineno, f"np.{node.func.attr}"))
        for child in ast.iter_child_nodes(node):
            visit(child, inside_ok)

    visit(tree, False)
    return found


@pytest.mark.parametrize("path", RENDER_PATH, ids=lambda p: str(p.relative_to(ROOT)))
def test_render_path_calls_no_numpy_transcendental(path):
    """numpy's sin/exp/power... loops are chosen per CPU (AVX-512, AVX2, SSE; MKL in some
    builds) and round differently in the last bit: per-sample render code uses
    phonon.libm or an njit kernel's math.* instead. (`**` on arrays is numpy's power too;
    this scan sees only the named calls.)"""
    calls = _numpy_calls(ast.parse(path.read_text(encoding="utf-8")), REFERENCES.get(path.name, set()))
    assert not calls, f"{path.relative_to(ROOT)}: " + ", ".join(f"line {n}: {c}" for n, c in calls) + \
        " — use phonon.libm (or math.* in an njit kernel)"


KERNEL_MODULES = sorted((ROOT / "phonon").rglob("*.py"))


@pytest.mark.parametrize("path", KERNEL_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_kernels_keep_ieee_order(path):
    """No fastmath (it lets LLVM fuse multiply-adds and reassociate: results then depend on
    the CPU's vector width) and no parallel kernels (a prange reduction's order depends on
    the thread count): each kernel's arithmetic is the same sequence of IEEE operations on
    every CPU."""
    src = path.read_text(encoding="utf-8")
    bad = [d for node in ast.walk(ast.parse(src)) if isinstance(node, ast.FunctionDef)
           for d in map(ast.unparse, node.decorator_list)
           if "jit" in d and ("fastmath" in d or "parallel" in d)]
    assert not bad and "prange" not in src, f"{path.relative_to(ROOT)}: {bad or 'prange'}"
