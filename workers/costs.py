"""Node costs measured on this machine, cached in ~/.cache/phonon/costs.json by node kind.

A quick calibration renders the patch itself for a fraction of a second with the
engine's per-node profiler and keeps, per kind, seconds of CPU per frame. Kinds
already in the cache are not measured again (PHONON_COSTS overrides the path;
`recalibrate=True` measures everything).
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

DEFAULT_COST = 2e-8  # seconds per frame for a kind never measured (a cheap node)
TASK_OVERHEAD = 0.004  # seconds: dispatch, unpickling the spec, building the Graph (+ measured)
CALIBRATION_SECONDS = 0.25
SEEK_KEY = "_seek_per_frame"  # spec-specific: measured per plan, never cached


def cache_path() -> Path:
    p = os.environ.get("PHONON_COSTS")
    if p:
        return Path(p)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "phonon" / "costs.json"


def load() -> dict:
    try:
        with open(cache_path()) as f:
            d = json.load(f)
        return {k: float(v) for k, v in d.items() if isinstance(v, (int, float))}
    except (OSError, ValueError):
        return {}


def save(costs: dict) -> None:
    p = cache_path()
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "w") as f:
            json.dump(dict(sorted(costs.items())), f, indent=1)
        os.replace(tmp, p)
    except OSError:
        pass  # a read-only home: costs are re-measured next time


def calibrate(spec, kinds_needed, block: int = 8192, recalibrate: bool = False) -> tuple[dict, float]:
    """Per-kind seconds/frame for every kind in `kinds_needed`, and the Graph build time.
    Measures (by rendering `spec` briefly) only when some kind is not cached."""
    from phonon.engine import Graph

    costs = load()
    t0 = time.perf_counter()
    g = Graph(spec)
    build = time.perf_counter() - t0
    missing = set(kinds_needed) if recalibrate else {k for k in kinds_needed if k not in costs}
    try:
        costs[SEEK_KEY] = _seek_cost(spec, block)
    except Exception:  # noqa: BLE001  (a node that fails does so in its task, with a traceback)
        costs[SEEK_KEY] = 0.0
    if not missing:
        return costs, build
    frames = max(block, int(spec.sr * CALIBRATION_SECONDS))
    pos = 0
    while pos < frames:  # a first pass loads every kernel (numba cache) before timing
        n = min(block, frames - pos)
        g.render(n)
        pos += n
    g = Graph(spec)
    g.enable_profile()
    pos = 0
    while pos < frames:
        n = min(block, frames - pos)
        g.render(n)
        pos += n
    per_kind: dict = {}
    count: dict = {}
    kinds = {i.id: i.kind for i in g.info()}
    for nid, sec in g.profile.items():
        k = kinds[nid]
        per_kind[k] = per_kind.get(k, 0.0) + sec
        count[k] = count.get(k, 0) + 1
    for k in missing:
        if k in per_kind:
            costs[k] = max(per_kind[k] / count[k] / frames, 1e-10)
    save({k: v for k, v in costs.items() if k != SEEK_KEY})
    return costs, build


def _seek_cost(spec, block: int) -> float:
    """Extra seconds per frame of position to seek and render one block there (nodes whose
    state at sample n is an integral from 0 make seeking O(n))."""
    from phonon.engine import Graph

    far = spec.sr * 120
    t = []
    for pos in (0, far, 0, far):
        g = Graph(spec)
        t0 = time.perf_counter()
        g.seek(pos)
        g.render(min(block, 1024))
        t.append(time.perf_counter() - t0)
    return max(0.0, (t[3] - t[2]) / far)
