"""scripts/bench_scaling.py in a quick mode writes JSON, table and PNG with the documented schema."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import farm_helpers as fh

pytestmark = pytest.mark.timeout(120)
ROOT = Path(__file__).resolve().parents[1]


def test_bench_scaling_quick(tmp_path):
    patch = fh.PATCHES / "house.ph"
    out = tmp_path / "scaling"
    env = dict(os.environ, PYTHONPATH=str(ROOT))  # no test node kinds: the real CLI
    env["PHONON_COSTS"] = str(tmp_path / "costs.json")
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench_scaling.py"), str(patch),
                           "--workers", "1,2", "--runs", "1", "--duration", "1", "--out", str(out)],
                          capture_output=True, text=True, timeout=110, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    doc = json.loads((out / "scaling.json").read_text())
    assert doc["schema"] == "phonon-bench-scaling/1"
    assert doc["machine"]["cpus"] >= 1 and doc["settings"]["workers"] == [1, 2]
    (p,) = doc["patches"]
    assert p["patch"] == "house" and p["frames"] == 44100
    assert [r["workers"] for r in p["results"]] == [1, 2]
    for r in p["results"]:
        for key in ("oversubscribed", "plan", "candidate", "tasks", "walls", "wall_median",
                    "cpu_tasks", "cpu_mixer", "speedup", "efficiency", "predicted_wall", "modeled"):
            assert key in r, key
        assert len(r["walls"]) == 1 and r["wall_median"] > 0
        m = r["modeled"]
        assert m["label"] == "MODELED" and m["wall"] > 0 and m["speedup"] > 0
        for key in ("efficiency", "error_pct", "dispatch_s", "startup_s", "mixer_s", "bottleneck"):
            assert key in m, key
    assert p["results"][0]["speedup"] == pytest.approx(1.0)
    if doc["machine"]["cpus"] >= 2:  # what 2 processes that share nothing get here
        c = doc["machine"]["parallel_ceiling"]
        assert c["procs"] == 2 and len(c["rounds"]) == 10 and 0.5 < c["speedup"] <= 2.5
        assert p["results"][1]["vs_ceiling"] == pytest.approx(p["results"][1]["speedup"] / c["speedup"])
        assert "Machine ceiling" in (out / "scaling.md").read_text()
    md = (out / "scaling.md").read_text()
    assert "| patch |" in md and "MODELED" in md and "house" in md
    png = (out / "scaling.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
