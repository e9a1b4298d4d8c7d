"""The cost model's measurements, taken on this machine for this patch.

`calibrate(spec)` renders the patch itself briefly with the engine's per-node profiler
(after one untimed pass that loads every numba kernel) and returns a `Costs`. It profiles
one whole cycle at each of a few positions spread into the piece (cycles 3, 7 and 13 by
default: past the look-back of echoes and tails, which the piece's first second lacks, and
on no common `every`/`<>` period), so a patch whose density builds up or varies from
cycle to cycle is costed as it plays, not as it starts:

  node      seconds of CPU per frame of every node (batched nodes share their batch's
            time equally, as the profiler records it)
  build     seconds to unpickle the spec, build a Graph and seek (paid by every task)
  seek      seconds per frame of position the first seek far into the piece costs a
            process (pattern phase integrals from sample 0, cached per process after that)
  dispatch  seconds of fixed cost per task (pipe round trip, scheduling), a constant

Once per machine, `parallel_efficiency()` measures what two processes that share nothing
get done at once against one alone (two vCPUs of a virtual machine often deliver 1.6x, not
2x: each runs at 80% of its solo speed); the planner divides task costs by it when several
workers run on this machine's CPUs.

Results are cached by spec digest in ~/.cache/phonon/costs.json (PHONON_COSTS overrides
the path), for one version of the render code (`code_key`: a changed engine or node module
measures again); `recalibrate=True` measures again. Costs of a patch depend on its patterns'
density, so nothing is shared between patches except a per-kind fallback.
"""
from __future__ import annotations

import functools
import json
import os
import pickle
import time
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_COST = 2e-8  # seconds per frame for a node never measured (a cheap node)
TASK_OVERHEAD = 0.004  # seconds per task: dispatch through the pipe, result message
CALIBRATION_CYCLES = (3, 7, 13)  # profiled windows start at these cycles
CALIBRATION_SECONDS = 4.0  # audio per window, at most (one cycle, unless cycles are longer)
CALIBRATION_WALL = 0.6  # stop a window after this much wall time (slow patches), >= 2 blocks
SEEK_KEY = "_seek_per_frame"
BUILD_KEY = "_build"
VERSION = 3


@dataclass
class Costs:
    node: dict = field(default_factory=dict)  # node id -> s/frame
    kind: dict = field(default_factory=dict)  # kind -> s/frame (fallback)
    build: float = 0.0
    seek: float = 0.0
    dispatch: float = TASK_OVERHEAD

    def of(self, nid, kind) -> float:
        if nid in self.node:
            return self.node[nid]
        return self.kind.get(kind, DEFAULT_COST)

    @classmethod
    def from_dict(cls, d: dict) -> "Costs":
        """Tests and callers pass plain dicts: int keys are node ids, str keys kinds,
        plus optional "_build" and "_seek_per_frame"."""
        if isinstance(d, Costs):
            return d
        c = cls()
        for k, v in d.items():
            if k == BUILD_KEY:
                c.build = float(v)
            elif k == SEEK_KEY:
                c.seek = float(v)
            elif isinstance(k, int):
                c.node[k] = float(v)
            else:
                c.kind[str(k)] = float(v)
        return c


def cache_path() -> Path:
    p = os.environ.get("PHONON_COSTS")
    if p:
        return Path(p)
    from phonon.cache import cache_dir
    return cache_dir() / "costs.json"


@functools.lru_cache(maxsize=1)
def code_key() -> str:
    """A digest of the render code (the engine, the nodes, the task runner): costs measured
    with other code are stale (an engine that got 2x faster made the planner predict a
    render 73% too long), so a change of it measures again."""
    import hashlib
    from pathlib import Path as P

    import phonon
    root = P(phonon.__file__).parent
    files = [root / "engine.py", P(__file__).with_name("task.py")]
    files += sorted((root / "nodes").glob("*.py"))
    h = hashlib.sha256()
    for f in files:
        try:
            h.update(f.read_bytes())
        except OSError:
            pass
    return h.hexdigest()[:16]


def _load_all() -> dict:
    fresh = {"_version": VERSION, "_code": code_key()}
    try:
        with open(cache_path()) as f:
            d = json.load(f)
    except (OSError, ValueError):
        return fresh
    if not isinstance(d, dict) or d.get("_version") != VERSION:
        return fresh
    if d.get("_code") != fresh["_code"]:  # the machine's efficiency stays: it is not the code's
        if EFFICIENCY_KEY in d:
            fresh[EFFICIENCY_KEY] = d[EFFICIENCY_KEY]
        return fresh
    return d


def _save_all(d: dict) -> None:
    p = cache_path()
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "w") as f:
            json.dump(d, f, indent=1, sort_keys=True)
        os.replace(tmp, p)
    except OSError:
        pass  # a read-only home: costs are re-measured next time


EFFICIENCY_KEY = "_machine"


def _spin(n: int) -> None:
    import numpy as np
    x = np.linspace(0.0, 1.0, 4096)
    for _ in range(n):
        x = np.sin(x) + 0.5  # a compute loop in cache: what a kernel does, no memory traffic


def _fork_spin(n: int):
    pid = os.fork()
    if pid == 0:
        try:
            _spin(n)
        finally:
            os._exit(0)
    return pid


def measure_parallel_efficiency(rounds: int = 5, n: int = 1500) -> float:
    """Throughput of two processes at once over twice one alone, median of `rounds` (0..1]."""
    _spin(n // 4)
    ratios = []
    for _ in range(rounds):
        t = time.perf_counter()
        _spin(n)
        one = time.perf_counter() - t
        t = time.perf_counter()
        pids = [_fork_spin(n), _fork_spin(n)]
        for pid in pids:
            os.waitpid(pid, 0)
        two = time.perf_counter() - t
        ratios.append(min(1.0, one / max(two, 1e-9)))
    return sorted(ratios)[len(ratios) // 2]


def parallel_efficiency() -> float:
    """This machine's parallel efficiency (cached in costs.json; PHONON_PARALLEL_EFFICIENCY
    overrides). 1.0 on a one-CPU machine, where workers never run at once."""
    env = os.environ.get("PHONON_PARALLEL_EFFICIENCY")
    if env:
        try:
            return min(1.0, max(0.1, float(env)))
        except ValueError:
            pass
    cpus = os.cpu_count() or 1
    if cpus < 2:
        return 1.0
    allc = _load_all()
    m = allc.get(EFFICIENCY_KEY, {})
    if m.get("cpus") == cpus and 0.1 <= m.get("efficiency", 0) <= 1.0:
        return float(m["efficiency"])
    try:
        e = max(0.3, measure_parallel_efficiency())
    except OSError:  # no fork here: assume a real multi-core machine
        return 1.0
    allc[EFFICIENCY_KEY] = {"cpus": cpus, "efficiency": e}
    _save_all(allc)
    return e


def calibrate(spec, block: int = 8192, recalibrate: bool = False, sr_key: str = "") -> Costs:
    digest = spec.digest()
    allc = _load_all()
    if not recalibrate and digest in allc.get("specs", {}):
        d = allc["specs"][digest]
        c = Costs({int(k): v for k, v in d["node"].items()}, dict(allc.get("kinds", {})),
                  d["build"], d["seek"])
        return c
    c = measure(spec, block)
    c.kind = dict(allc.get("kinds", {}))
    specs = allc.setdefault("specs", {})
    if len(specs) > 64:
        specs.clear()
    specs[digest] = {"node": {str(k): v for k, v in c.node.items()}, "build": c.build,
                     "seek": c.seek}
    kinds = allc.setdefault("kinds", {})
    kinds.update(_per_kind(spec, c.node))
    c.kind = dict(kinds)
    _save_all(allc)
    return c


def _per_kind(spec, node_costs: dict) -> dict:
    tot: dict = {}
    cnt: dict = {}
    for ns in spec.nodes:
        if ns.id in node_costs:
            tot[ns.kind] = tot.get(ns.kind, 0.0) + node_costs[ns.id]
            cnt[ns.kind] = cnt.get(ns.kind, 0) + 1
    return {k: tot[k] / cnt[k] for k in tot}


def measure(spec, block: int = 8192) -> Costs:
    """Per-node seconds/frame, build and seek costs, measured now."""
    from phonon.engine import Graph

    data = pickle.dumps(spec, protocol=pickle.HIGHEST_PROTOCOL)
    g = Graph(spec)
    g.render(min(block, 1024))  # loads kernels
    builds = []
    for _ in range(2):
        t0 = time.perf_counter()
        Graph(pickle.loads(data))
        builds.append(time.perf_counter() - t0)
    cycle = spec.sr / float(spec.cps)  # frames per cycle
    frames = max(2 * block, int(min(cycle, spec.sr * CALIBRATION_SECONDS)))
    total: dict = {}
    pos = 0
    plain = 0.0  # the same windows rendered without the profiler: the cost as tasks pay it
    for c in CALIBRATION_CYCLES:
        win = None  # (frames, seconds) of the plain pass; the profiled pass renders as many
        done = 0
        for profiled in (False, True):
            g = Graph(spec)
            done = 0
            want = frames if win is None else win[0]
            try:
                g.seek(int(c * cycle))
                g.render(block)  # the seek's look-back is costed apart (`seek`, `build`)
                if profiled:
                    g.enable_profile()
                t0 = time.perf_counter()
                while done < want:
                    n = min(block, want - done)
                    g.render(n)
                    done += n
                    if not profiled and time.perf_counter() - t0 > CALIBRATION_WALL \
                            and done >= 2 * block:
                        break
                dt = time.perf_counter() - t0
            except Exception:  # noqa: BLE001  (a node that fails does so in its task, with a traceback)
                done = 0
                break
            if not profiled:
                win = (done, dt)
        if done:
            for nid, sec in (g.profile or {}).items():
                total[nid] = total.get(nid, 0.0) + sec
            pos += done
            plain += win[1]
    node = {nid: max(sec / pos, 1e-11) for nid, sec in total.items()} if pos else {}
    # The profiler times every node apart (and splits the fused oscillator and filter batches):
    # it reads 10-30% high. Its shares are right; the total is the plain render's.
    prof_sum = sum(total.values())
    if pos and prof_sum > 0 and plain > 0:
        scale = plain / prof_sum
        node = {nid: max(v * scale, 1e-11) for nid, v in node.items()}
    try:
        seek0, seek = _seek_cost(spec, block)
    except Exception:  # noqa: BLE001  (a node that fails does so in its task, with a traceback)
        seek0 = seek = 0.0
    return Costs(node, {}, min(builds) + seek0, seek)


def _seek_cost(spec, block: int) -> tuple[float, float]:
    """(seconds per seek, seconds per frame of new position) to seek and render one block
    there: nodes whose state at sample n is an integral from 0 (cached per process, so only
    positions past the furthest one reached cost), and pattern look-back (a constant)."""
    from phonon.engine import Graph

    sr = spec.sr
    n = min(block, 1024)
    g = Graph(spec)
    t0 = time.perf_counter()
    g.render(n)
    base = time.perf_counter() - t0
    t = []
    for pos in (30 * sr, 60 * sr):
        g = Graph(spec)
        t0 = time.perf_counter()
        g.seek(pos)
        g.render(n)
        t.append(max(0.0, time.perf_counter() - t0 - base))
    per = max(0.0, (t[1] - t[0]) / (30 * sr))
    return max(0.0, t[0] - 30 * sr * per), per
