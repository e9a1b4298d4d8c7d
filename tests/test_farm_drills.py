"""The fault drills (tests/farm_drills.py) in quick mode: a few seeded trials of every kind at
random instants; `scripts/farm_drills.py --trials 40` is the long run (README: Faults)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.timeout(170)
def test_drills_quick():
    env = dict(os.environ, PYTHONPATH=str(ROOT))  # no test node kinds: the real CLI
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "farm_drills.py"), "--quick",
                           "--seed", os.environ.get("PHONON_DRILL_SEED", "1")],
                          capture_output=True, text=True, timeout=160, env=env, cwd=str(ROOT))
    assert proc.returncode == 0, proc.stdout + proc.stderr[-4000:]
    for kind in ("worker-kill", "worker-stop", "sigint", "sigterm", "sighup", "farm-kill",
                 "two-farms"):
        assert f"{kind}: 3/3 clean" in proc.stdout, proc.stdout


def test_a_traceback_of_pythons_own_start_up_is_not_ours():
    """The drills accept the traceback of a SIGINT inside site.py (before any line of ours
    runs), and only that one."""
    from farm_drills import ROOT, python_startup_only
    site = ('Traceback (most recent call last):\n  File "<frozen site>", line 616, in <module>\n'
            '  File "/x/.venv/lib/python3.11/site-packages/__editable___finder.py", line 7\n'
            'KeyboardInterrupt\n')
    ours = site.replace("__editable___finder.py", "x") + f'  File "{ROOT}/workers/cli.py", line 3\n'
    assert python_startup_only(site)
    assert not python_startup_only(ours)
    assert not python_startup_only("no traceback")
