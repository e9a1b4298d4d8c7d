"""Benchmarks. `PHONON_BENCH_QUICK=1` (CI) shortens every render so the suite cannot rot."""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_PATCHES = ROOT / "tests" / "patches"  # copies of ../shared/patches
BENCH_PATCHES = ROOT / "bench" / "patches"
QUICK = os.environ.get("PHONON_BENCH_QUICK") == "1"

sys.path.insert(0, str(ROOT / "tests"))


def seconds(full: float) -> float:
    """Audio length for a benchmark: `full` normally, a short stretch in quick mode."""
    return min(full, 0.5) if QUICK else full
