#!/usr/bin/env python3
"""Farm scaling benchmark: median wall time, speedup and efficiency per worker count, as
JSON, a Markdown table and a PNG plot (with a MODELED curve past this machine's CPUs).

    scripts/bench_scaling.py PATCH... [--workers 1,2,4,8,16] [--runs 3]
                             [--duration S | --cycles N] [--out DIR]

The JSON schema and the model are documented in bench/scaling.py (and README.md,
"Farm scaling benchmark").
"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

if __name__ == "__main__":
    from phonon.cli import run  # clean user errors (exit 1), like every phonon command
    from bench.scaling import _parse, main

    sys.exit(run(lambda _a: main(sys.argv[1:]), _parse(sys.argv[1:])))
