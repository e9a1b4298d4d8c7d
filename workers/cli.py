"""`phonon-farm`: render a patch on many processes; the result equals `phonon render`.

    phonon-farm PATCH -o OUT --cores N [--cycles N | --duration S] [--mode auto|time|branch]
                [--chunk SECONDS] [--backend inline|process|dask] [--scheduler ADDR]
                [--stems DIR] [--stems-of outputs|buses|orbits] [--plan] [--verify] [--sr]
                [--block] [--seed] [--format wav|flac] [--bit-depth 16|24|32f] [--mono]
                [--samples DIR] [--start-method spawn|forkserver|fork] [--profile]
    phonon-farm A.ph B.ph dir/*.ph -o OUTDIR/ [--skip-unchanged] [the options above]
                (batch: one output per patch, OUTDIR/<patch name>.wav, on one pool;
                 see workers/batch.py)

`--cores` is 1..1024 (default: every CPU); above this machine's CPUs it is capped to them
(with a warning) on the process backend. SIGINT, SIGTERM and SIGHUP stop the render at any
moment: exit 130, no output file, no shared memory left, no process left. SIGUSR1 prints
every thread's stack without stopping the run: what a stuck run waits for. Outputs and
limits are checked before anything renders, as in `phonon render` (README "Limits and bad
input"): devices and folders are refused, links written through, the output and --stems
folders probed, the free space checked, renders over 24 h need --max-duration.

A compiled spec (`.phspec`, GraphSpec.to_bytes()) is a pickle: loading one runs whatever
code it holds, so it is read only with --trust-spec (tests use it for test-only nodes).

The scaling benchmark is scripts/bench_scaling.py (bench/scaling.py), not a subcommand.

Exit codes: 0 ok, 1 user error (a clean message, no traceback), 2 internal, 130 interrupted.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import time

from phonon.errors import RenderError

SPEC_SUFFIX = ".phspec"  # GraphSpec.to_bytes() of a compiled patch, rendered as is (--trust-spec)


def build_parser() -> argparse.ArgumentParser:
    from phonon.cli import OUTPUT_HELP, ArgumentParser, add_audio_options
    from .options import BACKENDS, MODES, START_METHODS

    p = ArgumentParser(prog="phonon-farm", description=__doc__.split("\n")[0] + " " + OUTPUT_HELP)
    p.add_argument("patches", nargs="+", metavar="PATCH")
    p.add_argument("-o", "--out", default=None,
                   help="output file (.wav or .flac); a folder (OUTDIR/) for several patches")
    p.add_argument("--skip-unchanged", action="store_true",
                   help="batch: do not render an output whose spec and options are unchanged")
    p.add_argument("--cores", type=int, default=None,
                   help="worker processes, 1..1024 (default: all cores; capped to them)")
    p.add_argument("--mode", choices=MODES, default="auto")
    p.add_argument("--chunk", type=float, default=None, help="time-chunk length in seconds")
    p.add_argument("--backend", choices=BACKENDS, default="process")
    p.add_argument("--scheduler", default=None, help="dask scheduler address (default: LocalCluster)")
    p.add_argument("--stems", default=None, metavar="DIR",
                   help="also write each output to DIR/<name>.wav (`--stems buses`: each bus "
                        "to ./buses, or use --stems-of buses)")
    p.add_argument("--stems-of", choices=("outputs", "buses", "orbits"), default=None,
                   help="stems of every output, every bus, or the orbit outputs (orbit0, ...)")
    p.add_argument("--plan", action="store_true", help="print the plan and exit")
    p.add_argument("--verify", action="store_true",
                   help="also render inline (one process) and report the peak difference")
    p.add_argument("--start-method", choices=START_METHODS, default=None)
    p.add_argument("--recalibrate", action="store_true", help="measure node costs again")
    p.add_argument("--trust-spec", action="store_true",
                   help=f"allow a compiled {SPEC_SUFFIX} file as PATCH: it is a pickle, and loading "
                        "it runs any code it holds (only for files you made)")
    p.add_argument("--profile-farm", "--profile", dest="farm_profile", action="store_true",
                   help="per-node share of render time (all workers), pattern queries, per-worker "
                        "busy/idle and the mixer's share")
    add_audio_options(p)
    return p


def _stems(args):
    """(--stems DIR, kind): `--stems buses` alone means bus stems in ./buses."""
    if args.stems is None:
        return None, "outputs"
    kind = args.stems_of or ("buses" if args.stems == "buses" else "outputs")
    return args.stems, kind


def _cap_cores(args) -> int:
    """--cores (default: every CPU), capped to the CPUs on the process backend: more worker
    processes than CPUs only share them (and each costs memory)."""
    try:
        ncpu = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        ncpu = os.cpu_count() or 1
    from phonon.limits import MAX_CORES
    cores = ncpu if args.cores is None else args.cores
    if not 1 <= cores <= MAX_CORES:
        raise RenderError(f"--cores got {args.cores}; expected 1..{MAX_CORES} "
                          f"(this machine has {ncpu} CPU(s); leave it out to use them all)")
    if args.backend == "process" and cores > ncpu:
        print(f"phonon-farm: warning: --cores {cores} exceeds this machine's {ncpu} CPU(s); "
              f"using {ncpu} worker(s)", file=sys.stderr)
        cores = ncpu
    return cores


def _is_batch(args) -> bool:
    out = args.out or ""
    return len(args.patches) > 1 or out.endswith(os.sep) or os.path.isdir(out)


def cmd_farm(args) -> int:
    args.patch = args.patches[0]
    cores = _cap_cores(args)
    from .pool import Template  # started first: it imports phonon while we compile
    template = Template(args.start_method)  # plans every backend's renders; forks our workers
    ok = False
    try:
        if _is_batch(args):
            if not args.out:
                raise RenderError("several patches: give -o OUTDIR/ (one output per patch)")
            if args.stems or args.verify or args.plan:
                raise RenderError("--stems, --verify and --plan take one patch, not a batch")
            from .batch import run_batch
            if args.backend == "dask":
                args._client = _dask_client(args, cores)
            rc = run_batch(args, args.patches, args.out, cores,
                           template if args.backend == "process" else None)
        else:
            rc = _cmd_one(args, cores, template)
        ok = True
        return rc
    finally:
        if template is not None:
            template.close(kill=not ok)
        client = getattr(args, "_client", None)
        if client is not None:
            cluster = getattr(client, "_phonon_cluster", None)
            client.close()
            if cluster is not None:
                cluster.close()


def _dask_client(args, cores):
    from distributed import Client, LocalCluster
    if args.scheduler:
        return Client(args.scheduler)
    cluster = LocalCluster(n_workers=cores, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    client = Client(cluster)
    client._phonon_cluster = cluster
    return client


def _cmd_one(args, cores, template) -> int:
    from phonon.signals import signals_deferred
    with signals_deferred():  # a signal inside a C extension's import (numpy's, numba's) turns
        import numpy as np   # into an ImportError: it takes effect after the imports instead

        from phonon.audio_io import (check_free_space, check_output, estimated_bytes,
                                     remove_stale_partials)
        from phonon.cli import committed, load_spec, output_format, render_frames, summarize
        from phonon.engine import check_block, render_spec
        from phonon.progress import Progress, db, fmt_db

        from . import costs as costmod
        from .farm import farm_render
        from .options import STREAMING_BACKENDS
        from .mixer import FileSink, MemorySink
        from .planner import plan_isolated

    stems_dir, stems_kind = _stems(args)
    fmt = None
    if args.out and not args.plan:  # before compiling: refuse what cannot take the files
        check_output(args.out, "-o")
        fmt = output_format(args.out, args.format)
        if stems_dir:
            _check_stems_dir(stems_dir)
    if args.patch.endswith(SPEC_SUFFIX):  # a compiled spec: a pickle, so only with --trust-spec
        if not args.trust_spec:
            raise RenderError(f"{args.patch}: a compiled spec is a pickle (loading it can run any "
                              "code); refusing it without --trust-spec",
                              hint="render the .ph source, or pass --trust-spec for a file you made")
        from phonon.spec import GraphSpec
        try:
            with open(args.patch, "rb") as f:
                spec = GraphSpec.from_bytes(f.read())
        except OSError as e:
            raise RenderError(f"cannot read compiled spec {args.patch}: {e.strerror}") from None
    else:
        spec = load_spec(args.patch, args, keep_buses=stems_kind == "buses")
    frames = render_frames(spec, args)
    block = check_block(args.block)
    chunk_frames = None
    if args.chunk is not None:
        if not (0 < args.chunk <= args.max_duration):  # NaN fails too
            raise RenderError(f"--chunk got {args.chunk}; expected a positive number of seconds "
                              f"up to --max-duration ({args.max_duration:g})")
        c = int(round(args.chunk * spec.sr))
        chunk_frames = max(block, -(-c // block) * block)  # block-aligned
    if args.out and not args.plan:
        remove_stale_partials(os.path.dirname(os.path.realpath(args.out)))  # what killed runs left
        ch = 1 if args.mono else 2
        need = [(args.out, estimated_bytes(frames, ch, args.bit_depth, fmt))]
        if stems_dir:  # (checked by _check_stems_dir above; the stems take the mix's format)
            n = len(spec.buses) if stems_kind == "buses" else len(spec.outputs)
            need.append((os.path.join(stems_dir, "x"), n * estimated_bytes(frames, 2, args.bit_depth,
                                                                           fmt)))
        check_free_space(need)
    plan, chans = plan_isolated(spec, frames, cores, recalibrate=args.recalibrate,
                                start_method=args.start_method, template=template, mode=args.mode,
                                chunk_frames=chunk_frames, block=block,
                                stems_buses=stems_kind == "buses", mix_only=not stems_dir,
                                stream=args.backend in STREAMING_BACKENDS)
    from .task import engine_module
    with signals_deferred():
        engine_module()  # every node kind in the parent too (after the patch went to the template)
    if args.plan:
        print(plan.describe())
        return 0
    if not args.out:
        raise RenderError("no output file: give -o OUT (or --plan to only print the plan)")
    bus_ch = None
    if stems_kind == "buses":
        bus_ch = {name: chans.get(r.node, 2) for name, r in spec.buses}
    sink = FileSink(args.out, spec.sr, format=fmt, subtype=args.bit_depth, mono=args.mono,
                    stems_dir=stems_dir, stems=stems_kind, output_names=[n for n, _ in spec.outputs],
                    bus_names=[n for n, _ in spec.buses], bus_channels=bus_ch, frames=frames)
    prog = Progress(frames, spec.sr, enabled=args.progress, label="farm")
    verify_sink = None
    if args.verify:  # keep the mix in memory too, to compare with the inline render
        verify_sink = MemorySink(keep_outputs=False)
        inner = sink

        class _Tee:
            def write(self, mix, outs, buses):
                inner.write(mix, outs, buses)
                verify_sink.write(mix, outs, buses)

            def close(self):
                inner.close()

            def abort(self):
                inner.abort()

        run_sink = _Tee()
    else:
        run_sink = sink
    from phonon.errors import PhononError
    try:
        res = farm_render(spec, frames, run_sink, cores=cores, backend=args.backend,
                          start_method=args.start_method, scheduler=args.scheduler, block=block,
                          plan=plan, progress=prog.update, profile=args.farm_profile,
                          template=template if args.backend == "process" else None,
                          on_commit=None if args.verify else committed)
    except PhononError as e:  # a worker's task hit the patch's fault: its line:col, as render
        from phonon.cli import read_source
        from phonon.limits import locate_events
        source = None if args.patch.endswith(SPEC_SUFFIX) else read_source(args.patch)
        raise locate_events(e, spec, source, args.patch) from None
    prog.close()
    print(summarize(sink.main, frames, spec.sr, res.wall))
    print(res.summary())
    if args.farm_profile:
        print(profile_report(res, spec))
    if args.verify:
        from phonon.engine import mix_outputs
        ref = mix_outputs(render_spec(spec, frames, block))
        diff = float(np.max(np.abs(ref - verify_sink.mix))) if frames else 0.0
        exact = diff == 0.0
        print(f"verify: peak difference from the single-process render "
              f"{'0 (bit-identical)' if exact else fmt_db(db(diff))}")
        if diff > 1e-6:
            print("verify: FAILED (limit -120 dBFS)", file=sys.stderr)
            return 2
    return 0


def _check_stems_dir(d: str) -> None:
    """--stems DIR: an existing folder that takes files, or a new one under a writable folder
    (created here, before rendering); a file or device there is an error."""
    from phonon.audio_io import OutputError, check_folder
    if os.path.lexists(d) and not os.path.isdir(d):
        raise OutputError(f"--stems '{d}' exists and is not a folder",
                          hint="give a folder for the stem files (created if missing)")
    if not os.path.isdir(d):
        check_folder(os.path.dirname(os.path.abspath(d)) or ".", "--stems parent")
        try:
            os.makedirs(d, exist_ok=True)
        except OSError as e:
            raise OutputError(f"--stems: cannot create the folder '{d}': {e.strerror}") from None
    check_folder(d, "--stems")


def profile_report(res, spec) -> str:
    """Where the farm's time went: nodes (summed over every task, warm-up included), pattern
    queries, each worker's busy/idle time, the mixer."""
    from phonon.engine import Graph

    info = {i.id: i for i in Graph(spec).info()}
    prof = res.profile
    total = sum(t["cpu"] for t in res.tasks) or 1e-12
    node_s = sum(prof.values())
    lines = [f"farm profile: {len(res.tasks)} task(s), task CPU {total:.3f} s, wall {res.wall:.3f} s",
             f"  {'share':>6}  {'seconds':>8}  node (share of all task CPU time)"]
    for nid, sec in sorted(prof.items(), key=lambda kv: -kv[1]):
        i = info.get(nid)
        label = f"%{nid} {i.kind}" + (f" ({i.label})" if i.label else "") if i else f"%{nid}"
        lines.append(f"  {100 * sec / total:5.1f}%  {sec:8.3f}  {label}")
    lines.append(f"  pattern queries (inside the nodes above): {res.pattern_s:.3f} s = "
                 f"{100 * res.pattern_s / total:.1f}%")
    lines.append(f"  task overhead outside nodes (spec unpickle, graph build, seek, copies): "
                 f"{max(0.0, total - node_s):.3f} s = {100 * max(0.0, total - node_s) / total:.1f}%")
    warm = sum(t["warm"] for t in res.tasks)
    lines.append(f"  warm-up frames re-rendered: {warm} ({res.warm_pct:.1f}% of the piece)")
    by_pid: dict = {}
    for t in res.tasks:
        b = by_pid.setdefault(t["pid"], [0.0, 0.0, 0])
        b[0] += t["wall"]
        b[1] += t["cpu"]
        b[2] += 1
    lines.append("workers (busy = in tasks, idle = waiting for work or inputs):")
    for k, (pid, (w, c, n)) in enumerate(sorted(by_pid.items())):
        lines.append(f"  worker pid {pid}: {n} task(s), busy {w:.3f} s ({100 * w / res.wall:.0f}%), "
                     f"idle {max(0.0, res.wall - w):.3f} s, CPU {c:.3f} s")
    if res.worker_startups:
        lines.append("worker start-up (fork of the warm template until ready): " + ", ".join(
            f"#{i} {1000 * t:.1f} ms" for i, t in res.worker_startups))
    lines.append(f"mixer (parent): mixing and writing {res.mixer_s:.3f} s "
                 f"({100 * res.mixer_s / res.wall:.0f}% of wall), parent CPU {res.mixer_cpu:.3f} s; "
                 f"start-up {res.startup_s:.3f} s")
    return "\n".join(lines)


def main(argv=None) -> int:
    from phonon.cli import freeze_for_exit, run, stop_on_signals  # (phonon.signals covers this)

    own_process = argv is None
    # SIGINT, SIGTERM and SIGHUP at any moment: one KeyboardInterrupt unwinds every cleanup
    # (workers, template, segments, the temporary file): exit 130, no traceback.
    if argv is None:  # `kill -USR1 <pid>` prints every thread's stack: a stuck farm explains itself
        import faulthandler
        faulthandler.register(signal.SIGUSR1, all_threads=True)
    with stop_on_signals(restore=argv is not None):
        try:
            argv = sys.argv[1:] if argv is None else list(argv)
            args = build_parser().parse_args(argv)
            return run(cmd_farm, args)
        except KeyboardInterrupt:
            print("\ninterrupted", file=sys.stderr)
            return 130
        finally:
            if own_process:
                freeze_for_exit()


if __name__ == "__main__":
    sys.exit(main())
