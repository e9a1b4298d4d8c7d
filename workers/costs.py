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
    if not missing:
        return costs, build
    frames = max(block, int(spec.sr * CALIBRATION_SECONDS))
    g.render(min(block, 512))  # load kernels before timing
    g.seek(0)
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
    save(costs)
    return costs, build
