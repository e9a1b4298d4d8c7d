"""Shared test helpers: compile and render Phonon source, locate the shared patches."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
# The shared patches, copied into the repo (tests never depend on a folder outside it);
# test_patches_match_shared says when ../shared/patches has moved on.
PATCHES = ROOT / "tests" / "patches"
SHARED_PATCHES = ROOT.parent / "shared" / "patches"

os.environ.setdefault("PHONON_SAMPLES", str(ROOT / "tests" / "no-such-samples-dir"))


def compile_src(src: str, sr: int = 44100, seed: int = 0, **kw):
    from phonon.compiler import compile_source
    return compile_source(src, sr=sr, seed=seed, **kw)


def render_src(src: str, cycles=None, duration=None, sr: int = 44100, block: int = 4096,
               seed: int = 0, outputs: bool = False):
    """Render source text in memory; the stereo mix (2, n), or {name: (2, n)} with outputs=True."""
    from phonon.engine import mix_outputs, render_spec, spec_frames
    spec = compile_src(src, sr=sr, seed=seed)
    frames = spec_frames(spec, cycles=cycles, duration=duration)
    outs = render_spec(spec, frames, block=block)
    return outs if outputs else mix_outputs(outs)


def rms_db(x) -> float:
    r = float(np.sqrt(np.mean(np.square(x))))
    return 20 * np.log10(r) if r > 0 else -np.inf


def shared_patches():
    found = sorted(PATCHES.glob("*.ph"))
    assert len(found) >= 4, f"the test patches are missing from {PATCHES}"
    return found


@pytest.fixture
def patches():
    return shared_patches()
