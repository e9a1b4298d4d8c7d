"""The schedule: the order the farm dispatches tasks in, their dependencies, and `simulate`,
which list-schedules a plan's tasks the same way (the planner's predictions, and the
scaling bench's MODELED figures replay measured task costs through it)."""
from __future__ import annotations

import heapq
from dataclasses import dataclass

from . import costs as costmod


@dataclass
class SimResult:
    wall: float  # until the mixer wrote the last chunk (+ startup)
    makespan: float  # last task finished
    busy: list  # per-worker busy seconds
    mixer: float  # mixer busy seconds
    work: float  # sum of task durations
    schedule: list  # (stage, task, worker, start, end)


def warm_cost(s, frames: int) -> float:
    """CPU seconds of a warm-up of `frames` (<= the stage's full warm-up) in stage s."""
    if frames <= 0 or s.warmup <= 0:
        return 0.0
    return s.warm_cost * min(1.0, frames / s.warmup)


def dispatch_key(stage, k: int, plan) -> tuple:
    """The order the farm (and the simulation) prefers among ready tasks: branches first,
    then later stages (their inputs are in slots, they free them and feed the mixer), then
    timeline order."""
    if stage.kind == "branch":
        return (0, 0, stage.index)
    return (1, -stage.index, stage.bounds[k])


def task_deps(plan) -> dict:
    """(stage, k) -> [(producer stage, task)] a time task needs finished first: every task of
    a producing time stage covering the frames it reads, its warm-up included."""
    producer = plan.producer_of()
    grid = plan.grid
    deps = {}
    for s in plan.stages:
        if s.kind != "time":
            continue
        for k in range(s.ntasks):
            ws = grid.warm_start(s.index, k)
            _, b = grid.task_range(s.index, k)
            d = set()
            for node in s.externals:
                ps, _ = producer[node]
                if ps.kind == "time":
                    d.update((ps.index, t) for t in grid.tasks_reading(ps.index, ws, b))
            deps[(s.index, k)] = sorted(d)
    return deps


def simulate(plan, workers: int, cost_fn, dispatch: float = costmod.TASK_OVERHEAD,
             mix_fn=None, startup: float = 0.0, seek_per_frame: float = 0.0,
             stream: bool = False) -> SimResult:
    """List-schedule the plan's tasks on `workers` CPUs the way the farm dispatches them.

    cost_fn(stage, k) -> seconds a task takes in its worker (k is 0 for a branch);
    dispatch: fixed seconds per task on top; mix_fn(j) -> mixer seconds for base chunk j;
    seek_per_frame: cost of a worker's first seek past the furthest position it reached.
    The mixer is its own process; it mixes chunk j once every stage it reads has it: when
    its task finished, or (`stream`: the process backend's workers report each base chunk
    as it is written) once the task has rendered its warm-up and its frames up to j's end."""
    tasks = []
    for s in plan.stages:
        for k in range(s.ntasks):
            tasks.append((s, k))
    deps = task_deps(plan)
    ndeps = {}
    users: dict = {}
    for s, k in tasks:
        d = deps.get((s.index, k), [])
        ndeps[(s.index, k)] = len(d)
        for x in d:
            users.setdefault(x, []).append((s, k))
    finish: dict = {}
    start_t: dict = {}
    waiting = []  # (ready time, key, stage index, k)
    avail = []  # (key, stage index, k, ready)
    for s, k in tasks:
        if ndeps[(s.index, k)] == 0:
            heapq.heappush(waiting, (0.0, dispatch_key(s, k, plan), s.index, k))
    free = [(0.0, w) for w in range(workers)]
    heapq.heapify(free)
    reach = [0] * workers
    busy = [0.0] * workers
    sched = []
    stages = plan.stages
    remaining = len(tasks)
    work = 0.0
    while remaining:
        tw, w = heapq.heappop(free)
        while waiting and waiting[0][0] <= tw:
            r, key, si, k = heapq.heappop(waiting)
            heapq.heappush(avail, (key, si, k, r))
        if not avail:
            if not waiting:
                raise RuntimeError("simulate: dependency cycle")
            r, key, si, k = heapq.heappop(waiting)
            tw = max(tw, r)
            heapq.heappush(avail, (key, si, k, r))
            while waiting and waiting[0][0] <= tw:
                r, key, si, k = heapq.heappop(waiting)
                heapq.heappush(avail, (key, si, k, r))
        key, si, k, r = heapq.heappop(avail)
        s = stages[si]
        d = float(cost_fn(s, k)) + dispatch
        if seek_per_frame and s.kind == "time":
            ws = plan.warm_start(s, k)
            if ws > reach[w]:
                d += seek_per_frame * (ws - reach[w])
            reach[w] = max(reach[w], plan.task_range(s, k)[1])
        elif s.kind == "branch":
            reach[w] = plan.frames
        t0 = max(tw, r)
        t1 = t0 + d
        start_t[(si, k)] = t0
        finish[(si, k)] = t1
        busy[w] += d
        work += d
        sched.append((si, k, w, t0, t1))
        heapq.heappush(free, (t1, w))
        remaining -= 1
        for u in users.get((si, k), []):
            uk = (u[0].index, u[1])
            ndeps[uk] -= 1
            if ndeps[uk] == 0:
                rt = max(finish[x] for x in deps[uk])
                heapq.heappush(waiting, (rt, dispatch_key(u[0], u[1], plan), u[0].index, u[1]))
    makespan = max(finish.values(), default=0.0)
    # The mixer: base chunk j once every stage it reads has it (branches stream evenly).
    K = plan.nchunks
    read = [s for s in plan.stages if mixer_reads(plan, s)]
    t = 0.0
    mix = 0.0
    for j in range(K):
        ready = 0.0
        for s in read:
            if s.kind == "time":
                k = s.task_of(j)
                t1 = finish[(s.index, k)]
                if stream:
                    t0 = start_t[(s.index, k)]
                    warm = plan.grid.warm_frames(s.index, k)
                    a, b = plan.task_range(s, k)
                    upto = min(plan.chunk_range(j)[1], b) - a
                    t1 = t0 + (t1 - t0) * (warm + upto) / max(1, warm + b - a)
                ready = max(ready, t1)
            else:
                a, b = start_t[(s.index, 0)], finish[(s.index, 0)]
                ready = max(ready, a + (b - a) * (j + 1) / K)
        m = mix_fn(j) if mix_fn else 0.0
        t = max(t, ready) + m
        mix += m
    return SimResult(max(t, makespan) + startup, makespan, busy, mix, work, sched)


def mixer_reads(plan, s) -> bool:
    needed = set(plan.out_roots.values()) | set(plan.bus_nodes.values())
    tail = set(plan.tail)
    for n in plan.tail:
        needed |= set(plan.tail_inputs.get(n, ()))
    return any(p.node in needed and p.node not in tail for p in s.products)
