#!/usr/bin/env python3
"""Farm fault drills at random, seeded instants (tests/farm_drills.py documents each kind).

    scripts/farm_drills.py [--trials 40] [--seed 1] [--kinds worker-kill,sigint,...] [--quick]

`--quick` (CI, tests/test_farm_drills.py): 3 trials of each kind. Exit 1 when a trial is not
clean; each failure names its seed and trial, so it replays.
"""
import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def main(argv=None) -> int:
    import farm_drills as fd
    ap = argparse.ArgumentParser(prog="farm_drills.py")
    ap.add_argument("--trials", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--kinds", default=",".join(fd.KINDS))
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args(argv)
    kinds = [k for k in a.kinds.split(",") if k]
    bad = [k for k in kinds if k not in fd.KINDS]
    if bad:
        print(f"farm_drills: unknown kind {bad[0]!r}; expected one of {', '.join(fd.KINDS)}",
              file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as d:
        failures = fd.run(kinds, 3 if a.quick else a.trials, a.seed, Path(d))
    for f in failures:
        print(f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
