#!/usr/bin/env python3
"""The property fuzzer of the language (issue 13): compile + one cycle of render of generated
programs must give a PhononError or finite audio, nothing else (tests/fuzzing.py says how
programs are made and what fails a case).

    scripts/fuzz.py [--cases 10000] [--seed N] [--collect] [--case-seconds 10]

Runs in this one process under a 1.5 GB address-space cap, each case under a time cap.
Derandomized: the same --seed (default 0) gives the same programs on every machine.

Default: hypothesis stops at the first failure, shrinks it to a small program and prints it
(exit 1). --collect runs every case whatever fails, groups the failures by where they come
from (exception type and innermost phonon/ line) and prints the shortest program of each
group: the mode for a long hunt. Exit 0 when no case failed.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0, help="which derandomized run (default 0)")
    ap.add_argument("--collect", action="store_true",
                    help="run every case, group failures, print the shortest of each group")
    ap.add_argument("--case-seconds", type=float, default=None)
    ap.add_argument("--no-warm-up", action="store_true")
    args = ap.parse_args(argv)

    import fuzzing
    fuzzing.cap_memory()
    if args.case_seconds:
        fuzzing.CASE_SECONDS = args.case_seconds
    import warnings
    warnings.simplefilter("ignore")
    from hypothesis import HealthCheck, given, seed, settings

    fuzzing.install_alarm()
    t0 = time.perf_counter()
    if not args.no_warm_up:
        fuzzing.warm_up()
    t_warm = time.perf_counter() - t0
    counts = {"ok": 0, "error": 0, "fail": 0}
    groups: dict = {}

    @seed(args.seed)
    @settings(max_examples=args.cases, derandomize=args.seed == 0, database=None, deadline=None,
              suppress_health_check=list(HealthCheck), print_blob=False,
              report_multiple_bugs=False)
    @given(fuzzing.programs())
    def prop(src):
        try:
            counts[fuzzing.run_case(src)] += 1
        except Exception as e:   # noqa: BLE001 (MemoryError and RecursionError are Exceptions)
            counts["fail"] += 1
            if not args.collect:
                print(fuzzing.describe(src, e), file=sys.stderr)
                raise
            key = fuzzing.failure_key(e)
            if key not in groups or len(src) < len(groups[key][0]):
                groups[key] = (src, f"{type(e).__name__}: {e}")

    t1 = time.perf_counter()
    failed = False
    try:
        prop()
    except Exception as e:  # noqa: BLE001
        failed = True
        print(f"FAILED (shrunk): {type(e).__name__}: {e}", file=sys.stderr)
    secs = time.perf_counter() - t1
    n = sum(counts.values())
    print(f"fuzz: {n} runs (cases {args.cases}, seed {args.seed}) in {secs:.1f} s "
          f"(warm-up {t_warm:.1f} s): {counts['ok']} rendered, {counts['error']} PhononError, "
          f"{counts['fail']} failed")
    for key, (src, msg) in sorted(groups.items()):
        print(f"\n== {key}\n{msg[:500]}\n--- shortest program ---\n{src}--- end ---")
    if groups:
        print(f"\n{len(groups)} distinct failures")
    return 1 if failed or groups else 0


if __name__ == "__main__":
    os.environ.setdefault("PHONON_FUZZ", "1")
    sys.exit(main())
