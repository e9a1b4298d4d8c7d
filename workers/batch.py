"""Batch rendering: `phonon-farm A.ph B.ph dir/*.ph -o OUTDIR/` renders every patch on one pool.

One warm template (workers.pool) loads every patch's kernels and plans every patch;
all workers are forked from it. With more patches than workers, a patch whose
predicted serial time is at most its share of the batch (total / workers) is one
task: a worker renders it whole and writes its file itself (the parent does no
per-sample work for it). A patch bigger than its share, and every patch when there
are no more patches than workers, is split by the planner and rendered on the whole
pool (`farm_render`). Whole-patch tasks are dispatched longest first (LPT), and the
makespan is predicted from the calibrated costs before anything renders.

A patch that fails (a syntax error, a node that raises) is reported with its error; the
others still complete and the exit code is 1. A worker that dies or stops re-runs its
patch on a fresh fork. `--skip-unchanged`: beside each output, `.<file>.render.json`
records the spec digest and the render options; an output whose record matches is not
rendered again.
"""
from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from phonon.audio_io import remove_stale_partials  # what killed runs left beside an output
from phonon.errors import PhononError, RenderError

from .task import Task

def record_path(out: str) -> str:
    d, name = os.path.split(os.path.abspath(out))
    return os.path.join(d, f".{name}.render.json")


def render_record(spec, frames: int, options: dict) -> dict:
    return {"spec_digest": spec.digest(), "frames": frames, "options": options}


def unchanged(out: str, record: dict) -> bool:
    try:
        return os.path.isfile(out) and json.loads(Path(record_path(out)).read_text()) == record
    except (OSError, ValueError):
        return False


def write_record(out: str, record: dict) -> None:
    p = record_path(out)
    tmp = p + f".tmp{os.getpid()}"
    Path(tmp).write_text(json.dumps(record, sort_keys=True))
    os.replace(tmp, p)


# ---------------------------------------------------------------------------------------------
# The whole-patch task (runs in a worker)
# ---------------------------------------------------------------------------------------------
def run_patch(task: Task) -> dict:
    """Render a whole patch and write its file (temporary name, renamed when complete)."""
    import pickle

    from phonon.audio_io import AudioWriter
    from phonon.engine import Graph, mix_outputs, render_blocks

    from .task import _STATE, engine_module
    engine_module()
    t0, c0 = time.perf_counter(), time.process_time()
    _, path, fmt, subtype, mono = task.dest
    spec = pickle.loads(_STATE["specs"][task.spec])
    g = Graph(spec)
    with AudioWriter(path, spec.sr, 1 if mono else 2, format=fmt, subtype=subtype,
                     frames=task.end) as w:
        for _, outs in render_blocks(g, task.end, task.block):
            mix = mix_outputs(outs)
            w.write(mix.mean(axis=0, keepdims=True) if mono else mix)
    return {"wall": time.perf_counter() - t0, "cpu": time.process_time() - c0, "warm": 0,
            "frames": task.end, "pid": os.getpid(), "peak_dbfs": float(w.peak_dbfs),
            "clipped": int(w.clipped)}


# ---------------------------------------------------------------------------------------------
@dataclass
class Item:
    path: str
    out: str = ""
    spec: object = None
    frames: int = 0
    key: str = ""
    plan: object = None
    chans: dict = field(default_factory=dict)
    serial_s: float = 0.0
    how: str = ""  # "whole" | "split" | "skipped" | "failed"
    error: str = ""
    wall: float = 0.0
    peak_dbfs: float = float("-inf")
    clipped: int = 0
    record: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return Path(self.path).name

    @property
    def audio_s(self) -> float:
        return self.frames / self.spec.sr if self.spec is not None and self.frames else 0.0


def lpt_makespan(costs, workers: int) -> float:
    """Longest processing time first on `workers` machines: the makespan."""
    import heapq
    free = [0.0] * max(1, workers)
    for c in sorted(costs, reverse=True):
        t = heapq.heappop(free)
        heapq.heappush(free, t + c)
    return max(free) if costs else 0.0


def output_for(patch: str, outdir: str, fmt: str) -> str:
    return os.path.join(outdir, Path(patch).stem + "." + fmt)


def run_batch(args, patches, outdir: str, cores: int, template, log=None) -> int:
    """Render every patch into outdir; print per-patch progress and a summary table.
    Returns the exit code (1 if any patch failed)."""
    from phonon.cli import load_spec, render_frames
    from phonon.engine import check_block

    from .executors import spec_key_of
    from .task import engine_module
    log = log or (lambda s: print(s, file=sys.stderr))
    engine_module()
    if not os.path.isdir(outdir):
        try:
            os.makedirs(outdir, exist_ok=True)
        except OSError as e:
            raise RenderError(f"-o {outdir}: cannot create the output folder: {e.strerror}") from None
    remove_stale_partials(outdir)
    fmt = args.format or "wav"
    block = check_block(args.block)
    names = {}
    for p in patches:  # two patches with one stem would overwrite each other
        stem = Path(p).stem
        if stem in names and names[stem] != p:
            raise RenderError(f"patches {names[stem]} and {p} would both write {stem}.{fmt}",
                              hint="render them into different folders")
        names[stem] = p
    t_all = time.perf_counter()
    items = []
    for p in patches:
        it = Item(p, output_for(p, outdir, fmt))
        items.append(it)
        try:
            it.spec = load_spec(p, args)
            it.frames = render_frames(it.spec, args)
        except PhononError as e:
            it.how, it.error = "failed", str(e)
            log(f"phonon-farm: {p}: error: {e}")
            continue
        opts = {"format": fmt, "bit_depth": args.bit_depth, "mono": bool(args.mono),
                "block": block}
        it.record = render_record(it.spec, it.frames, opts)
        if args.skip_unchanged and unchanged(it.out, it.record):
            it.how = "skipped"
            continue
        b = it.spec.to_bytes()
        it.key = spec_key_of(b)
    todo = [it for it in items if not it.how]
    # Plan every patch in the template (it loads each patch's kernels there, once).
    from .choose import plan_job
    from .options import STREAMING_BACKENDS
    kw = {"mode": args.mode, "block": block, "mix_only": True,
          "stream": args.backend in STREAMING_BACKENDS}
    for it in todo:
        try:
            if template is not None:
                template.add_spec(it.key, it.spec.to_bytes())
                it.plan, it.chans = template.call(
                    plan_job, it.spec.to_bytes(), it.frames, cores, args.recalibrate, kw)
            else:
                it.plan, it.chans = plan_job(it.spec.to_bytes(), it.frames, cores,
                                             args.recalibrate, kw)
            it.serial_s = it.plan.predicted.get("serial_s", 0.0)
        except PhononError as e:
            it.how, it.error = "failed", str(e)
            log(f"phonon-farm: {it.path}: error: {e}")
        except Exception as e:  # noqa: BLE001  (a node that raises while planning)
            it.how, it.error = "failed", f"{type(e).__name__}: {str(e).splitlines()[0]}"
            log(f"phonon-farm: {it.path}: error: {it.error}")
    todo = [it for it in todo if not it.how]
    total = sum(it.serial_s for it in todo)
    share = total / max(1, cores)
    whole_ok = template is not None and len(todo) > cores
    for it in todo:
        it.how = "whole" if whole_ok and it.serial_s <= share else "split"
    split = [it for it in todo if it.how == "split"]
    whole = [it for it in todo if it.how == "whole"]
    predicted = (sum(it.plan.predicted["wall_s"] for it in split)
                 + lpt_makespan([it.serial_s for it in whole], cores))
    log(f"phonon-farm: batch of {len(items)} patch(es) on {cores} worker(s): {len(split)} split "
        f"by the planner, {len(whole)} rendered whole as tasks, "
        f"{sum(1 for i in items if i.how == 'skipped')} unchanged (skipped), "
        f"{sum(1 for i in items if i.how == 'failed')} failed; predicted {predicted:.2f} s")
    state = {"done_s": 0.0, "n": 0, "t0": time.perf_counter()}
    n_render = len(todo)

    def finished(it):
        state["n"] += 1
        state["done_s"] += it.serial_s
        el = time.perf_counter() - state["t0"]
        frac = state["done_s"] / total if total > 0 else 1.0
        eta = el * (1 - frac) / frac if frac > 0 else float("nan")
        status = "FAILED: " + it.error.splitlines()[0] if it.error else (
            f"{it.wall:.2f} s, {it.audio_s / it.wall if it.wall > 0 else 0:.1f}x realtime")
        log(f"phonon-farm: [{state['n']}/{n_render}] {it.name}: {status}; overall "
            f"{100 * frac:.0f}%, eta {eta:.1f} s")

    for it in split:
        _render_split(it, args, fmt, block, template, cores)
        if not it.error:
            write_record(it.out, it.record)
        finished(it)
    if whole:
        _render_whole(whole, args, fmt, block, template, cores, finished, log)
    wall = time.perf_counter() - t_all
    print(summary_table(items, wall, predicted))
    return 1 if any(it.how == "failed" or it.error for it in items) else 0


def _render_split(it: Item, args, fmt, block, template, cores) -> None:
    from .farm import farm_render
    from .mixer import FileSink
    t0 = time.perf_counter()
    sink = None
    try:
        sink = FileSink(it.out, it.spec.sr, format=fmt, subtype=args.bit_depth, mono=args.mono,
                        frames=it.frames)
        farm_render(it.spec, it.frames, sink, cores=cores, backend=args.backend,
                    start_method=args.start_method, scheduler=args.scheduler, block=block,
                    plan=it.plan, template=template, log=lambda s: print(s, file=sys.stderr),
                    client=getattr(args, "_client", None))
        it.peak_dbfs, it.clipped = sink.main.peak_dbfs, sink.main.clipped
    except PhononError as e:
        it.error = str(e).split("\n--- worker traceback ---")[0]
    it.wall = time.perf_counter() - t0


def _render_whole(items, args, fmt, block, template, cores, finished, log) -> None:
    """Whole-patch tasks, longest first, on `cores` workers forked from the template."""
    from .pool import ProcessPool, process_state
    from .farm import MAX_RETRIES, STALL_SECONDS, WATCHDOG_FACTOR, WATCHDOG_MIN_SECONDS
    pool = ProcessPool(min(cores, len(items)), template=template)
    queue = sorted(range(len(items)), key=lambda i: -items[i].serial_s)
    attempts = {i: 0 for i in queue}
    sent = {}
    left = len(items)
    ok = False
    try:
        while left:
            for w in pool.idle():
                if not queue:
                    break
                i = queue.pop(0)
                it = items[i]
                t = Task(tid=i, kind="patch", stage=0, chunk=i, start=0, end=it.frames,
                         warm_start=0, taps=(), outputs=(), externals=(),
                         dest=("file", it.out, fmt, args.bit_depth, bool(args.mono)),
                         block=block, rows=2, predicted=it.serial_s, attempt=attempts[i],
                         spec=it.key)
                sent[i] = time.perf_counter()
                pool.submit(w, t)
            for ev in pool.wait(0.05):
                kind, task = ev[0], ev[1]
                it = items[task.tid]
                if kind == "done":
                    st = ev[2]
                    it.wall = time.perf_counter() - sent[task.tid]
                    it.peak_dbfs, it.clipped = st["peak_dbfs"], st["clipped"]
                    write_record(it.out, it.record)
                    left -= 1
                    finished(it)
                elif kind == "error":
                    it.error = ev[2]
                    left -= 1
                    finished(it)
                elif kind == "crashed":
                    remove_stale_partials(os.path.dirname(it.out))
                    if task.attempt >= MAX_RETRIES:
                        it.error = f"worker {ev[3]} died ({ev[2]}) {task.attempt + 1} times"
                        left -= 1
                        finished(it)
                        continue
                    log(f"phonon-farm: worker {ev[3]} died (exit code {ev[2]}) rendering "
                        f"{it.name}; re-running it on a fresh worker")
                    attempts[task.tid] = task.attempt + 1
                    queue.insert(0, task.tid)
            now = time.perf_counter()
            for w in pool.running():
                t = w.task
                limit = max(WATCHDOG_MIN_SECONDS, WATCHDOG_FACTOR * t.predicted) * 4 ** t.attempt
                if process_state(w.pid) == "T":
                    w.stopped_since = w.stopped_since or now
                else:
                    w.stopped_since = 0.0
                if (w.stopped_since and now - w.stopped_since > STALL_SECONDS) or \
                        now - w.task_started > limit:
                    log(f"phonon-farm watchdog: {items[t.tid].name} on worker {w.name} is "
                        f"stalled; killing it, the patch re-runs on another worker")
                    w.kill()
        ok = True
    finally:
        pool.shutdown(kill=not ok)
        for it in items:
            remove_stale_partials(os.path.dirname(it.out))


def summary_table(items, wall: float, predicted: Optional[float] = None) -> str:
    from phonon.progress import fmt_db
    rows = [("patch", "audio s", "wall s", "x realtime", "peak", "clipped", "status")]
    for it in items:
        if it.how == "failed" or it.error:
            status = "FAILED: " + (it.error.splitlines()[0] if it.error else "")
            rows.append((it.name, f"{it.audio_s:.1f}" if it.frames else "-", "-", "-", "-", "-",
                         status[:70]))
        elif it.how == "skipped":
            rows.append((it.name, f"{it.audio_s:.1f}", "-", "-", "-", "-", "unchanged (skipped)"))
        else:
            rt = it.audio_s / it.wall if it.wall > 0 else 0.0
            rows.append((it.name, f"{it.audio_s:.1f}", f"{it.wall:.2f}", f"{rt:.1f}",
                         fmt_db(it.peak_dbfs), str(it.clipped), f"ok ({it.how})"))
    widths = [max(len(r[k]) for r in rows) for k in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    audio = sum(it.audio_s for it in items if it.how in ("whole", "split") and not it.error)
    nfail = sum(1 for it in items if it.how == "failed" or it.error)
    lines.append(f"batch: {len(items)} patch(es), {nfail} failed, {audio:.1f} s of audio in "
                 f"{wall:.2f} s ({audio / wall if wall > 0 else 0:.1f}x realtime)"
                 + (f"; predicted {predicted:.2f} s" if predicted is not None else ""))
    return "\n".join(lines)
