"""The render farm: one patch rendered by many processes, equal to the single-process render.

Data flow:

    GraphSpec ──▶ planner.make_plan(spec, frames, N)        Graph.info(): state class + tail per node
        │            │                                        costs.json: per-kind CPU cost
        │            ▼
        │         Plan: stages of time chunks (warm-up per chunk), branches, serial tail
        │            │
        │  spec bytes, once per worker (initializer)
        ▼            ▼
    ┌─────────── executor (inline | process | dask) ───────────┐
    │ task = run_task(Task): pickle.loads(spec) → Graph(taps,   │
    │   externals) → seek(warm start) → render warm-up, discard │
    │   → render chunk                                          │
    └──┬───────────────────────────────┬───────────────────────┘
       │ stage k chunk slots            │ branch blocks
       ▼ (shm SlotArena; dask: return)  ▼ (shm SPSC Ring)
    later stages read earlier          │
    slots as externals                 │
       │                               │
       ▼                               ▼
    mixer (in the parent): timeline order ─▶ serial tail Graph ─▶ Σ outputs
       ─▶ sink: AudioWriter (temp name, renamed when complete) [+ stems]

Modules: grid (the time protocol: base chunks, per-stage tasks, warm-up per task),
plan (plans as data, candidate building), schedule (dispatch order, dependencies,
simulation), choose (chunk lengths, the best candidate: `make_plan`), planner (their
public names in one import), costs (calibration cache), task (the one task function,
worker initializer), pool (long-lived workers, crash detection), executors, shm
(segments, slots, rings), mixer (mixer + sinks), farm (orchestration), cli
(`phonon-farm`), errors (TaskFailed, WorkerCrashed). The warm-up model itself is
`phonon.engine.WarmupModel` (a task's warm-up and the planner's are the same).
"""
from .errors import TaskFailed, WorkerCrashed  # noqa: F401
