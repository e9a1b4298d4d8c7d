"""Fault drills for the farm at random, seeded instants (scripts/farm_drills.py runs the long
version; tests/test_farm_drills.py a quick one). Every trial checks what a render farm
promises after the fault: the output (identical to an undisturbed run, or absent), the
exit code, /dev/shm (no `phonon_<pid>_*` segment, no new `sem.mp-*` semaphore), the
process table (nothing left in the farm's process group) and the output folder (no
partial file).

Kinds:
  worker-kill   SIGKILL a random busy worker at a random instant (in-process farm_render)
  worker-stop   SIGSTOP a random busy worker: the watchdog kills it, its task re-runs
  sigint, sigterm, sighup
                the signal to a `phonon-farm` CLI run at a random instant from launch
                (compiling, planning, start-up and rendering included): exit 130 and
                nothing left, or exit 0 and a correct file when it came after the end
  farm-kill     SIGKILL the CLI farm at a random instant: every process of its group gone
                within 2 s; the next run removes the segments and partial file it left
  two-farms     two CLI farms at once into one folder: both outputs correct
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
KINDS = ("worker-kill", "worker-stop", "sigint", "sigterm", "sighup", "farm-kill", "two-farms")
CLI_PATCH = TESTS / "patches" / "stress_synth.ph"


# -- what is left -------------------------------------------------------------------------------
def group_members(pgid: int) -> list:
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            st = open(f"/proc/{d}/stat").read()
            f = st[st.rfind(")") + 2:].split()
            if int(f[2]) == pgid and f[0] != "Z":
                out.append((int(d), open(f"/proc/{d}/cmdline").read().replace("\0", " ")[:80]))
        except (OSError, ValueError, IndexError):
            pass
    return out


def sems() -> set:
    try:
        return {n for n in os.listdir("/dev/shm") if n.startswith("sem.mp-")}
    except OSError:
        return set()


def segments_of(pid: int) -> list:
    try:
        return sorted(n for n in os.listdir("/dev/shm") if n.startswith(f"phonon_{pid}_"))
    except OSError:
        return []


def partials(folder: Path) -> list:
    return sorted(p.name for p in folder.glob(".*.partial-*"))


def wait_gone(pgid: int, seconds: float) -> list:
    deadline = time.monotonic() + seconds
    left = group_members(pgid)
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = group_members(pgid)
    return left


# -- in-process drills (worker faults) ------------------------------------------------------------
class WorkerDrill:
    """One spec, one plan and one template for many trials: each trial forks fresh workers
    (milliseconds) and renders the same tasks, so the output must equal the reference bytes."""

    def __init__(self, seconds: float = 1.5, workers: int = 2):
        sys.path.insert(0, str(TESTS))
        import farm_helpers as fh  # noqa: F401  (test node kinds, in workers too)
        from phonon.compiler import compile_source
        from workers.farm import farm_render
        from workers.mixer import MemorySink
        from workers.planner import make_plan
        from workers.pool import Template
        self.farm_render, self.MemorySink = farm_render, MemorySink
        self.spec = compile_source(CLI_PATCH.read_text(), filename="stress_synth", sr=22050)
        self.frames = int(seconds * self.spec.sr)
        self.plan = make_plan(self.spec, self.frames, workers, mode="time", block=512,
                              chunk_frames=2048, node_costs={})
        self.template = Template()
        for _ in range(2):  # the second run's wall: what a trial takes (template warm)
            sink = MemorySink(keep_outputs=False)
            t = time.perf_counter()
            farm_render(self.spec, self.frames, sink, plan=self.plan, template=self.template,
                        log=lambda s: None)
            self.duration = time.perf_counter() - t
        self.ref = sink.mix
        self.hits = self.reruns = 0  # faults that hit a busy worker; tasks re-run

    def close(self):
        self.template.close()

    def trial(self, kind: str, rng: random.Random) -> str:
        """'' when clean, else what went wrong."""
        import workers.farm as farm
        at = rng.uniform(0.0, self.duration)
        logs, hit = [], []
        sems0 = sems()

        def on_start(run):
            def fault():
                t_end = time.perf_counter() + at
                while time.perf_counter() < t_end:
                    time.sleep(0.002)
                deadline = time.perf_counter() + 10
                while time.perf_counter() < deadline:
                    busy = [n for t, s, n in run.executor.running() if t is not None]
                    if busy:
                        pid = int(rng.choice(busy).split("pid ")[1].rstrip(")"))
                        os.kill(pid, signal.SIGKILL if kind == "worker-kill" else signal.SIGSTOP)
                        hit.append(pid)
                        return
                    if run.mix_k >= run.plan.nchunks:
                        return
                    time.sleep(0.002)
            threading.Thread(target=fault, daemon=True).start()

        old = farm.STALL_SECONDS
        farm.STALL_SECONDS = 0.2
        try:
            sink = self.MemorySink(keep_outputs=False)
            res = self.farm_render(self.spec, self.frames, sink, plan=self.plan,
                                   template=self.template, on_start=on_start, log=logs.append)
            self.hits += len(hit)
            self.reruns += res.retries
        except Exception as e:  # noqa: BLE001
            return f"{kind} at {at:.3f} s: the render failed: {type(e).__name__}: {e}"
        finally:
            farm.STALL_SECONDS = old
        if not np.array_equal(sink.mix, self.ref):
            return f"{kind} at {at:.3f} s: output differs from the undisturbed run"
        for pid in hit:
            if os.path.exists(f"/proc/{pid}") and group_state(pid) not in ("Z", ""):
                return f"{kind} at {at:.3f} s: worker {pid} still alive after the render"
        if segments_of(os.getpid()):
            return f"{kind} at {at:.3f} s: segments left: {segments_of(os.getpid())}"
        new = sems() - sems0
        if new:
            time.sleep(0.5)
            new = sems() - sems0
            if new:
                return f"{kind} at {at:.3f} s: semaphores left: {sorted(new)}"
        return ""


def catches(pid: int, sig: int) -> bool:
    """Whether process `pid` has a handler for `sig` now (the SigCgt mask of /proc/PID/status).
    A signal that comes before the interpreter has run our first line kills it by default: a
    drill asks this right before it sends, instead of guessing from the time since launch."""
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("SigCgt:"):
                return bool(int(line.split()[1], 16) >> (sig - 1) & 1)
    except (OSError, ValueError):
        pass
    return False


def python_startup_only(stderr: str) -> bool:
    """A SIGINT in the interpreter's own start-up (site.py, the editable install's finder),
    before the first line of ours runs: Python's default handler prints that traceback, as it
    does for every Python program; no frame of it is in this project."""
    ours = (f"{ROOT / 'phonon'}{os.sep}", f"{ROOT / 'workers'}{os.sep}")
    return "Traceback" in stderr and "<frozen site>" in stderr and not any(o in stderr for o in ours)


def group_state(pid: int) -> str:
    try:
        st = open(f"/proc/{pid}/stat").read()
        return st[st.rfind(")") + 2:].split()[0]
    except (OSError, IndexError):
        return ""


# -- CLI drills (signals to the farm) -----------------------------------------------------------
def _env():
    env = dict(os.environ, PYTHONPATH=f"{ROOT}")
    return env


def cli(out: Path, extra=(), **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "workers", str(CLI_PATCH), "-o", str(out),
                             "--cores", "2", "--duration", "3", "--sr", "22050",
                             "--bit-depth", "32f", "--no-progress", *extra],
                            env=_env(), cwd=str(ROOT), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True, **kw)


class Hung(Exception):
    """A CLI run that did not end in time; the message has the stacks of its main process."""


def finish(p: subprocess.Popen, seconds: float = 120.0):
    """(stdout, stderr) of a CLI run. When it hangs: the stacks of its main process
    (faulthandler on SIGUSR1, see workers/cli.py) are taken, its whole process group is
    killed so the drill goes on, and `Hung` is raised with them."""
    try:
        return p.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        left = group_members(p.pid)
        try:
            os.kill(p.pid, signal.SIGUSR1)
            time.sleep(1.0)
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        so, se = p.communicate()
        raise Hung(f"hung for {seconds:.0f} s; processes {left}; stderr:\n{se[-3000:]}") from None


class CliDrill:
    def __init__(self, folder: Path):
        import soundfile as sf
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        ref = folder / "ref.wav"
        t = time.perf_counter()
        p = cli(ref)
        try:
            _, se = finish(p)
        except Hung as e:
            raise RuntimeError(f"reference farm run {e}") from None
        self.duration = time.perf_counter() - t
        if p.returncode != 0:
            raise RuntimeError(f"reference farm run failed: {se[-2000:]}")
        self.ref = sf.read(str(ref), dtype="float64")[0]
        ref.unlink()

    def _same(self, path: Path) -> bool:
        import soundfile as sf
        y = sf.read(str(path), dtype="float64")[0]
        return y.shape == self.ref.shape and float(np.max(np.abs(y - self.ref))) <= 1e-6

    def trial(self, kind: str, rng: random.Random, n: int) -> str:
        out = self.folder / f"t{n}.wav"
        at = rng.uniform(0.0, self.duration * 1.05)
        sems0 = sems()
        if kind == "two-farms":
            out2 = self.folder / f"t{n}b.wav"
            a, b = cli(out), cli(out2)
            try:
                ra = finish(a)
            except Hung as e:
                try:
                    finish(b)
                except Hung:
                    pass
                return f"two farms: {e}"
            try:
                rb = finish(b)
            except Hung as e:
                return f"two farms: {e}"
            for p, o, (so, se) in ((a, out, ra), (b, out2, rb)):
                if p.returncode != 0:
                    return f"two farms: exit {p.returncode}: {se[-500:]}"
                if not self._same(o):
                    return "two farms: an output differs from the reference"
                o.unlink()
            for p in (a, b):
                if segments_of(p.pid):
                    return f"two farms: segments left by {p.pid}"
            return ""
        p = cli(out)
        time.sleep(at)
        sig = {"sigint": signal.SIGINT, "sigterm": signal.SIGTERM, "sighup": signal.SIGHUP,
               "farm-kill": signal.SIGKILL}[kind]
        caught = catches(p.pid, sig)
        try:
            os.kill(p.pid, sig)
        except ProcessLookupError:
            pass
        where = f"{kind} at {at:.3f} s (of ~{self.duration:.2f} s)"
        try:
            so, se = finish(p)
        except Hung as e:
            return f"{where}: {e}"
        if kind == "farm-kill":
            left = wait_gone(p.pid, 2.0)
            if left:
                return f"{where}: processes left 2 s after the farm died: {left}"
            # The next run cleans up what the killed one left.
            p2 = cli(out)
            try:
                so2, se2 = finish(p2)
            except Hung as e:
                return f"{where}: the next run {e}"
            if p2.returncode != 0 or not self._same(out):
                return f"{where}: the next run failed: {se2[-500:]}"
            out.unlink()
            if segments_of(p.pid):
                return f"{where}: the next run left the killed run's segments {segments_of(p.pid)}"
            if partials(self.folder):
                return f"{where}: partial files left: {partials(self.folder)}"
            return ""
        if "Traceback" in se and not python_startup_only(se):
            return f"{where}: traceback on stderr:\n{se[-1500:]}"
        if p.returncode == 0:
            if not self._same(out):
                return f"{where}: exit 0 but the output differs"
            out.unlink()
        elif p.returncode == 130 or (p.returncode == -sig and not caught) or \
                (p.returncode == -signal.SIGINT and "interrupted" in se):
            # (-SIGINT with "interrupted": the farm stopped cleanly, then re-raised the
            # interrupt so its parent sees it; the checks below still look for leftovers)
            # (-sig with no handler yet: the signal came before the farm's first line; it died
            # of it, as any program does; with a handler, dying of it is a failure)
            if out.exists():
                # The signal came after the output was renamed into place (the render had
                # finished: the interpreter was shutting down). The contract is "never a
                # partial file under the output name": a complete, correct one may stay.
                try:
                    same = self._same(out)
                except Exception:  # noqa: BLE001  (unreadable: partial)
                    same = False
                if not same:
                    return f"{where}: exit {p.returncode} and a partial {out.name} exists"
                out.unlink()
        elif p.returncode == 1 and sig == signal.SIGINT and python_startup_only(se):
            pass  # Python's default SIGINT handler, in its own start-up: KeyboardInterrupt,
            # exit 1, as for every Python program (nothing of ours had run; leftovers checked below)
        else:
            return (f"{where}: exit code {p.returncode} (its handler for the signal was "
                    f"{'' if caught else 'not '}installed when it was sent): {se[-800:]}")
        left = wait_gone(p.pid, 2.0)
        if left:
            return f"{where}: processes left: {left}"
        if segments_of(p.pid):
            return f"{where}: segments left: {segments_of(p.pid)}"
        if partials(self.folder):
            return f"{where}: partial files left: {partials(self.folder)}"
        new = sems() - sems0
        if new:
            time.sleep(0.5)
            new = sems() - sems0
            if new:
                return f"{where}: semaphores left: {sorted(new)}"
        return ""


def run(kinds, trials: int, seed: int, folder: Path, log=print) -> list:
    """Run `trials` of each kind; returns the failures (strings). Seeded: a failure replays."""
    failures = []
    wd = None
    cd = None
    try:
        for kind in kinds:
            rng = random.Random(f"{seed}-{kind}")
            t0 = time.perf_counter()
            bad = 0
            for n in range(trials):
                if kind.startswith("worker"):
                    wd = wd or WorkerDrill()
                    err = wd.trial(kind, rng)
                else:
                    cd = cd or CliDrill(folder)
                    err = cd.trial(kind, rng, n)
                if err:
                    bad += 1
                    failures.append(f"[seed {seed}, trial {n}] {err}")
            extra = ""
            if kind.startswith("worker") and wd is not None:
                extra = f"; {wd.hits} faults hit a busy worker, {wd.reruns} task(s) re-run"
                wd.hits = wd.reruns = 0
            log(f"{kind}: {trials - bad}/{trials} clean ({time.perf_counter() - t0:.1f} s){extra}")
    finally:
        if wd is not None:
            wd.close()
    return failures
