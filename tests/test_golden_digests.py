"""Render digests: every example and test patch renders the bytes recorded in
tests/golden/render_digests.json (README, "The same bytes on every machine").

The digests pin what `phonon render PATCH out.wav --cycles 4 --bit-depth 32f` writes: the
float32 samples (and, stricter, the float64 mix before the file's rounding, which is what
shows a last-bit difference). They hold wherever the contract does: the same libm variant
(a fingerprint of its results: glibc picks one variant per CPU level, the FMA one on every
x86-64-v3 CPU) and the same numba/llvmlite; elsewhere the comparison is skipped with the
reason, never silently. A change that means to alter output
bytes regenerates the file with `scripts/golden_digests.py --update`.
"""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest
import soundfile as sf

from conftest import ROOT

_spec = importlib.util.spec_from_file_location("golden_digests", ROOT / "scripts" / "golden_digests.py")
gd = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gd)

GOLDEN = gd.load()
HOW = (f"If the change is intended (it alters this patch's output), regenerate the digests with\n"
       f"    {gd.UPDATE}\nand commit {gd.GOLDEN.relative_to(ROOT)}; the commit message says which "
       f"patches changed and why.")


def _contract_mismatch() -> list[str]:
    """The contract's fields where this machine differs from the one the digests were made on."""
    here, made = gd.machine(), GOLDEN["made_on"]
    return [f"{k}: recorded {made.get(k)!r}, here {here.get(k)!r}" for k in gd.CONTRACT_FIELDS
            if here.get(k) != made.get(k)]


def test_every_patch_has_a_digest():
    on_disk, recorded = set(gd.patch_paths()), set(GOLDEN["patches"])
    assert on_disk == recorded, (
        f"patches without a digest: {sorted(on_disk - recorded)}; digests of missing patches: "
        f"{sorted(recorded - on_disk)}.\n{HOW}")


@pytest.mark.parametrize("rel", sorted(GOLDEN["patches"]))
def test_render_matches_its_digest(rel):
    mismatch = _contract_mismatch()
    if mismatch:
        pytest.skip("the digests were made where the same-bytes contract differs: " + "; ".join(mismatch))
    want = GOLDEN["patches"][rel]
    got = gd.digest_patch(rel)
    assert got["frames"] == want["frames"], f"{rel}: {got['frames']} frames, recorded {want['frames']}"
    if got["sha256"] == want["sha256"] and got["sha256_f64"] == want["sha256_f64"]:
        return
    which = "the 32f file's samples" if got["sha256"] != want["sha256"] else \
        "the float64 mix (the float32 file happens to round to the same samples)"
    pytest.fail(f"{rel}: {which} changed: sha256 {want['sha256'][:16]} -> {got['sha256'][:16]}, "
                f"f64 {want['sha256_f64'][:16]} -> {got['sha256_f64'][:16]}; peak "
                f"{want['peak_dbfs']} -> {got['peak_dbfs']} dBFS, RMS {want['rms_dbfs']} -> "
                f"{got['rms_dbfs']} dBFS.\n{HOW}")


def test_digest_is_of_what_the_cli_writes(tmp_path):
    """The in-process render the digests use is the CLI's file, sample for sample: the
    command of the JSON run for real (no sample folder: HOME and cwd are empty)."""
    rel = "tests/patches/house.ph"  # kit samples, a synth, a filter, an envelope
    env = {k: v for k, v in os.environ.items() if k != "PHONON_SAMPLES"}
    env.update(HOME=str(tmp_path), PYTHONPATH=str(ROOT))
    out = tmp_path / "out.wav"
    subprocess.run([sys.executable, "-m", "phonon.cli", "render", str(ROOT / rel), str(out),
                    "--cycles", str(gd.CYCLES), "--bit-depth", "32f", "--no-progress"],
                   cwd=tmp_path, env=env, check=True, capture_output=True)
    y, sr = sf.read(str(out), dtype="float32", always_2d=True)
    mix = gd.render_mix(rel)
    assert sr == 44100 and y.shape == mix.shape
    assert gd.samples_digest(y) == gd.samples_digest(mix)
