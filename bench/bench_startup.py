"""Start-up: wall time of a whole `phonon render` process for 0.1 s of audio (issue 14's
target: <= 0.35 s on the 2-core dev machine). tests/test_startup.py checks what it imports.

    .venv/bin/pytest bench/bench_startup.py --benchmark-only
"""
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import BENCH_PATCHES

BIN = Path(sys.executable).parent


@pytest.mark.parametrize("patch", ["synth16", "drums2000"])
def test_startup_render(benchmark, tmp_path, patch):
    argv = [str(BIN / "phonon"), "render", "--duration", "0.1", "--no-progress",
            str(BENCH_PATCHES / f"{patch}.ph"), str(tmp_path / "o.wav")]
    subprocess.run(argv, check=True, capture_output=True)  # numba's cache written, files cached
    benchmark.pedantic(lambda: subprocess.run(argv, check=True, capture_output=True),
                       rounds=5, iterations=1)
    print(f"\n{patch}: 0.1 s render, whole process: {benchmark.stats.stats.median:.3f} s")
