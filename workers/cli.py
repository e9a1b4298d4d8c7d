"""`phonon-farm`: render a patch on many processes; the result equals `phonon render`.

    phonon-farm PATCH -o OUT --cores N [--cycles N | --duration S] [--mode auto|time|branch]
                [--chunk SECONDS] [--backend inline|process|dask] [--scheduler ADDR]
                [--stems DIR] [--stems-of outputs|buses] [--plan] [--verify] [--sr] [--block]
                [--seed] [--format wav|flac] [--bit-depth 16|24|32f] [--mono] [--samples DIR]
                [--start-method spawn|forkserver|fork]

Exit codes: 0 ok, 1 user error (a clean message, no traceback), 2 internal, 130 interrupted.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import time

from phonon.errors import RenderError

SPEC_SUFFIX = ".phspec"  # GraphSpec.to_bytes() of a compiled patch, rendered as is


def build_parser() -> argparse.ArgumentParser:
    from phonon.cli import add_audio_options
    from .executors import BACKENDS
    from .planner import MODES
    from .pool import START_METHODS

    p = argparse.ArgumentParser(prog="phonon-farm", description=__doc__.split("\n")[0])
    p.add_argument("patch")
    p.add_argument("-o", "--out", default=None, help="output file (.wav or .flac)")
    p.add_argument("--cores", type=int, default=0, help="worker processes (default: all cores)")
    p.add_argument("--mode", choices=MODES, default="auto")
    p.add_argument("--chunk", type=float, default=None, help="time-chunk length in seconds")
    p.add_argument("--backend", choices=BACKENDS, default="process")
    p.add_argument("--scheduler", default=None, help="dask scheduler address (default: LocalCluster)")
    p.add_argument("--stems", default=None, metavar="DIR",
                   help="also write each output to DIR/<name>.wav (`--stems buses`: each bus "
                        "to ./buses, or use --stems-of buses)")
    p.add_argument("--stems-of", choices=("outputs", "buses"), default=None)
    p.add_argument("--plan", action="store_true", help="print the plan and exit")
    p.add_argument("--verify", action="store_true",
                   help="also render inline (one process) and report the peak difference")
    p.add_argument("--start-method", choices=START_METHODS, default=None)
    p.add_argument("--recalibrate", action="store_true", help="measure node costs again")
    add_audio_options(p)
    return p


def _stems(args):
    """(--stems DIR, kind): `--stems buses` alone means bus stems in ./buses."""
    if args.stems is None:
        return None, "outputs"
    kind = args.stems_of or ("buses" if args.stems == "buses" else "outputs")
    return args.stems, kind


def cmd_farm(args) -> int:
    import numpy as np

    from phonon.cli import load_spec, output_format, summarize
    from phonon.engine import DEFAULT_BLOCK, render_spec, spec_frames
    from phonon.progress import Progress, db, fmt_db

    from . import costs as costmod
    from .farm import farm_render
    from .mixer import FileSink, MemorySink
    from .planner import make_plan

    from .task import engine_module
    engine_module()  # node kinds (and PHONON_TEST_PLUGINS) in the parent too
    stems_dir, stems_kind = _stems(args)
    if args.patch.endswith(SPEC_SUFFIX):  # a compiled spec (trusted: it is a pickle)
        from phonon.spec import GraphSpec
        try:
            with open(args.patch, "rb") as f:
                spec = GraphSpec.from_bytes(f.read())
        except OSError as e:
            raise RenderError(f"cannot read compiled spec {args.patch}: {e.strerror}") from None
    else:
        spec = load_spec(args.patch, args, keep_buses=stems_kind == "buses")
    frames = spec_frames(spec, cycles=args.cycles if args.duration is None else None,
                         duration=args.duration)
    block = args.block or DEFAULT_BLOCK
    if block < 1:
        raise RenderError(f"--block got {block}; expected >= 1")
    cores = args.cores or os.cpu_count() or 1
    if cores < 1:
        raise RenderError(f"--cores got {args.cores}; expected >= 1")
    chunk_frames = None
    if args.chunk is not None:
        if args.chunk <= 0:
            raise RenderError(f"--chunk got {args.chunk}; expected a positive number of seconds")
        c = int(round(args.chunk * spec.sr))
        chunk_frames = max(block, -(-c // block) * block)  # block-aligned
    node_costs = costmod.calibrate(spec, block, args.recalibrate)
    plan = make_plan(spec, frames, cores, mode=args.mode, chunk_frames=chunk_frames, block=block,
                     node_costs=node_costs, stems_buses=stems_kind == "buses")
    if args.plan:
        print(plan.describe())
        return 0
    if not args.out:
        raise RenderError("no output file: give -o OUT (or --plan to only print the plan)")
    fmt = output_format(args.out, args.format)
    bus_ch = None
    if stems_kind == "buses":
        from .planner import graph_info as gi
        _, chans = gi(spec, True)
        bus_ch = {name: chans.get(r.node, 2) for name, r in spec.buses}
    sink = FileSink(args.out, spec.sr, format=fmt, subtype=args.bit_depth, mono=args.mono,
                    stems_dir=stems_dir, stems=stems_kind, output_names=[n for n, _ in spec.outputs],
                    bus_names=[n for n, _ in spec.buses], bus_channels=bus_ch)
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
    res = farm_render(spec, frames, run_sink, cores=cores, backend=args.backend,
                      start_method=args.start_method, scheduler=args.scheduler, block=block,
                      plan=plan, progress=prog.update)
    prog.close()
    print(summarize(sink.main, frames, spec.sr, res.wall))
    print(res.summary())
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


def main(argv=None) -> int:
    from phonon.cli import run

    args = build_parser().parse_args(argv)

    def on_term(signum, frame):
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, on_term)
    try:
        return run(cmd_farm, args)
    finally:
        signal.signal(signal.SIGTERM, old)


if __name__ == "__main__":
    sys.exit(main())
