#!/usr/bin/env python3
"""Render digests: the sha256 of what `phonon render PATCH out.wav --cycles 4 --bit-depth 32f`
writes, for every example and test patch (tests/golden/render_digests.json).

    .venv/bin/python scripts/golden_digests.py            # check: list the patches whose bytes changed
    .venv/bin/python scripts/golden_digests.py --update   # rewrite tests/golden/render_digests.json
    .venv/bin/python scripts/golden_digests.py --emulate  # also under other CPUs' code paths (~1 min)

The digest is of the samples, not the file (a header may carry a timestamp): the float32
array as soundfile reads the file, (frames, channels) little-endian bytes. It is computed
in process (`digest_patch`), with the CLI's defaults (44.1 kHz, seed 0, its block size) and
the built-in kit only (no sample folder on the machine can change it);
tests/test_golden_digests.py checks that the CLI writes exactly these samples. The
contract the digests pin (README, "The same bytes on every machine") holds for one libm
variant and one numba/llvmlite: the JSON records the machine it was made on (with a
fingerprint of its libm), and the test compares only where those match.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "render_digests.json"
PATTERNS = ("examples/*.ph", "tests/patches/*.ph", "bench/patches/*.ph")
CYCLES = 4
SCHEMA = "phonon-render-digests/1"
COMMAND = "phonon render PATCH out.wav --cycles 4 --bit-depth 32f"
UPDATE = ".venv/bin/python scripts/golden_digests.py --update"


def patch_paths() -> list[str]:
    """Every example and test patch, repo-relative, sorted."""
    return sorted(str(p.relative_to(ROOT)) for pat in PATTERNS for p in ROOT.glob(pat))


def samples_digest(frames_by_channels, dtype="<f4") -> str:
    """sha256 of a (frames, channels) array as little-endian `dtype` bytes: float32 is what
    soundfile reads from a 32f file."""
    import numpy as np
    return hashlib.sha256(np.ascontiguousarray(frames_by_channels, dtype=dtype).tobytes()).hexdigest()


def render_mix(rel: str):
    """The stereo mix `phonon render` writes for the patch, (frames, 2) float64, before the
    file's rounding to float32."""
    import numpy as np
    from phonon.compiler import compile_source
    from phonon.engine import DEFAULT_BLOCK, Graph, mix_outputs, render_blocks, spec_frames
    path = ROOT / rel
    spec = compile_source(path.read_text(encoding="utf-8"), filename=str(path), sr=44100, seed=0,
                          sample_roots=())
    graph = Graph(spec)
    parts = [mix_outputs(outs).T
             for _, outs in render_blocks(graph, spec_frames(spec, cycles=CYCLES), DEFAULT_BLOCK)]
    return np.concatenate(parts, axis=0)


def _db(x: float) -> float:
    return round(20.0 * math.log10(x), 2) if x > 0 else -999.0


def digest_patch(rel: str) -> dict:
    """sha256 of the 32f file's samples, and of the float64 mix (stricter: float32 rounding
    hides most last-bit differences, so the f64 digest is what shows them)."""
    import numpy as np
    y = render_mix(rel)
    return {"sha256": samples_digest(y), "sha256_f64": samples_digest(y, "<f8"),
            "frames": int(y.shape[0]), "peak_dbfs": _db(float(np.max(np.abs(y)))),
            "rms_dbfs": _db(float(np.sqrt(np.mean(y * y))))}


def libm_fingerprint() -> str:
    """A short hash of libm's results on fixed inputs (sin cos exp exp2 tanh through the
    render path's kernels, tan log pow atan through Python's math): it names the libm
    variant in use, which glibc chooses per CPU at run time (FMA variants on x86-64-v3
    CPUs; a 1-ulp difference in ~0.07% of results without FMA) and which changes between
    releases. Probe inputs: 40 000 values in [-50, 50) (golden-ratio sequence)."""
    import numpy as np
    from phonon import libm
    x = (np.arange(40000) * 0.6180339887498949) % 1.0 * 100.0 - 50.0
    h = hashlib.sha256()
    for f in (libm.sin, libm.cos, libm.tanh):
        h.update(f(x).tobytes())
    h.update(libm.exp(x / 4.0).tobytes())
    h.update(libm.exp2(x / 4.0).tobytes())
    ax = np.abs(x).tolist()
    for f in (math.tan, math.atan):
        h.update(np.array([f(v) for v in x.tolist()]).tobytes())
    h.update(np.array([math.log(v + 1e-3) for v in ax]).tobytes())
    h.update(np.array([math.pow(v, 2.5) for v in ax]).tobytes())
    return h.hexdigest()[:16]


def machine() -> dict:
    """What the bytes depend on: the libm variant (`libm_fingerprint`), numba/llvmlite
    (the kernels' compiler); CPU, glibc, numpy and Python for the record."""
    import llvmlite
    import numba
    import numpy as np
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        cpuinfo = []
    field = {k.strip(): v.strip() for k, _, v in (ln.partition(":") for ln in cpuinfo)}
    flags = f" {field.get('flags', '')} "
    try:  # the C library this process runs on (platform.libc_ver() reads the binary's link)
        libc = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (ValueError, OSError, AttributeError):
        libc = " ".join(platform.libc_ver()).strip()
    return {"arch": platform.machine(), "cpu": field.get("model name", ""),
            "libm": libm_fingerprint(), "fma_avx2": " fma " in flags and " avx2 " in flags,
            "libc": libc, "numba": numba.__version__,
            "llvmlite": llvmlite.__version__, "numpy": np.__version__,
            "python": platform.python_version()}


# The fields of `machine()` the contract names: where any differs, the digests are not
# expected to match (a different libm, a different compiler of the kernels).
CONTRACT_FIELDS = ("arch", "libm", "numba", "llvmlite")


def load() -> dict:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


def write(entries: dict) -> None:
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    doc = {"schema": SCHEMA, "command": COMMAND, "update": UPDATE, "made_on": machine(),
           "patches": {k: entries[k] for k in sorted(entries)}}
    GOLDEN.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")


# Other CPUs' code paths, emulated on this one (`--emulate`): (label, environment, inside the
# contract). numba's own cache directory keeps the baseline-CPU kernels apart from the host's.
EMULATIONS = (
    ("numpy without AVX-512 loops (an AVX2 CPU)",
     {"NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR"}, True),
    ("numpy without AVX2/AVX-512 loops (an SSE4 CPU)",
     {"NPY_DISABLE_CPU_FEATURES": "X86_V3 X86_V4 AVX512_ICL AVX512_SPR"}, True),
    ("kernels compiled for a baseline x86-64",
     {"NUMBA_CPU_NAME": "x86-64", "NUMBA_CPU_FEATURES": "", "NUMBA_CACHE_DIR": "{tmp}/numba"}, True),
    ("glibc's non-FMA libm (a pre-Haswell CPU)",
     {"GLIBC_TUNABLES": "glibc.cpu.hwcaps=-AVX2,-FMA"}, False),
)


def emulate(entries: dict) -> int:
    """Render every patch under each emulation in a fresh process; count the patches whose
    bytes differ from this process's `entries`. Returns 1 if any differ inside the contract."""
    import subprocess
    import tempfile
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for label, env, inside in EMULATIONS:
            out = Path(tmp) / "digests.json"
            run_env = {**os.environ, **{k: v.format(tmp=tmp) for k, v in env.items()}}
            subprocess.run([sys.executable, __file__, "--json", str(out)], env=run_env, check=False,
                           stdout=subprocess.DEVNULL)
            got = json.loads(out.read_text(encoding="utf-8"))
            f32 = [r for r in entries if got[r]["sha256"] != entries[r]["sha256"]]
            f64 = [r for r in entries if got[r]["sha256_f64"] != entries[r]["sha256_f64"]]
            where = "inside the contract" if inside else "outside the contract"
            print(f"{label} ({where}): 32f files differ in {len(f32)}, float64 mixes in "
                  f"{len(f64)} of {len(entries)} patches" + (f": {', '.join(f64)}" if f64 else ""))
            bad += inside and bool(f64 or f32)
    return 1 if bad else 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--update", action="store_true", help=f"rewrite {GOLDEN.relative_to(ROOT)}")
    ap.add_argument("--json", metavar="FILE", help="also write this run's digests to FILE")
    ap.add_argument("--emulate", action="store_true",
                    help="also render under other CPUs' code paths emulated here (numpy's "
                         "dispatch, numba's target, glibc's libm variant) and compare")
    args = ap.parse_args(argv)
    os.environ.pop("PHONON_SAMPLES", None)
    sys.path.insert(0, str(ROOT))
    entries = {rel: digest_patch(rel) for rel in patch_paths()}
    if args.json:
        Path(args.json).write_text(json.dumps(entries, indent=1) + "\n", encoding="utf-8")
    if args.update:
        write(entries)
        print(f"wrote {GOLDEN.relative_to(ROOT)}: {len(entries)} patches")
        return emulate(entries) if args.emulate else 0
    if args.json and not args.emulate:
        return 0
    old = load()["patches"] if GOLDEN.exists() else {}
    changed = 0
    for rel, e in entries.items():
        was = old.get(rel)
        same = was is not None and all(was[k] == e[k] for k in ("sha256", "sha256_f64"))
        changed += not same
        state = "same" if same else "NEW" if was is None else "CHANGED"
        print(f"{state:8} {rel}: {e['sha256'][:16]}  peak {e['peak_dbfs']} dBFS, RMS {e['rms_dbfs']} dBFS")
    for rel in sorted(set(old) - set(entries)):
        changed += 1
        print(f"GONE     {rel}")
    if changed:
        print(f"{changed} of {len(entries)} differ; if intended: {UPDATE}")
    emulated = emulate(entries) if args.emulate else 0
    return 1 if changed or emulated else 0


if __name__ == "__main__":
    sys.exit(main())
