"""Dirt-Samples folders: `<root>/<name>/*.wav|*.flac`, files sorted by name.

Reading uses soundfile; files at another rate are resampled to the render rate
with a polyphase filter (scipy.signal.resample_poly, ratio reduced by gcd).
"""
from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Optional

import numpy as np

AUDIO_EXTS = (".wav", ".flac")
MIN_FILE_RATE, MAX_FILE_RATE = 1000, 768000  # Hz: a sample file's rate must be in this range
MAX_SAMPLE_SECONDS = 600.0  # a sample longer than this (after resampling) is refused


def _info(path: str, sr: int):
    """soundfile's info for a sample file; a 0-byte, corrupt or absurd file is a RenderError
    naming it (before anything is decoded)."""
    import soundfile as sf

    from ..errors import RenderError
    try:
        info = sf.info(path)
    except (RuntimeError, OSError) as e:
        why = "it is empty (0 bytes)" if os.path.isfile(path) and os.path.getsize(path) == 0 \
            else f"not a readable audio file ({str(e).split(': ')[-1].strip() or 'unknown format'})"
        raise RenderError(f"sample file '{path}': {why}",
                          hint="replace or delete the file; `phonon samples` lists the sounds") from None
    if not MIN_FILE_RATE <= info.samplerate <= MAX_FILE_RATE:
        raise RenderError(f"sample file '{path}': sample rate {info.samplerate} Hz; expected "
                          f"{MIN_FILE_RATE}..{MAX_FILE_RATE}")
    seconds = info.frames / info.samplerate
    if seconds > MAX_SAMPLE_SECONDS:
        raise RenderError(f"sample file '{path}': {seconds:.0f} s long; samples are limited to "
                          f"{MAX_SAMPLE_SECONDS:g} s")
    return info


def default_roots(cli_dir: Optional[str] = None) -> tuple[str, ...]:
    """Sample roots in search order: `--samples DIR`, `$PHONON_SAMPLES` (os.pathsep-separated),
    `./samples`, `~/dirt-samples`. The CLI directory is kept even if missing (the CLI
    reports it); the others are kept only when they exist. Paths are absolute."""
    roots: list[str] = []
    if cli_dir:
        roots.append(os.path.abspath(os.path.expanduser(cli_dir)))
    env = os.environ.get("PHONON_SAMPLES", "")
    for part in env.split(os.pathsep):
        if part and os.path.isdir(os.path.expanduser(part)):
            roots.append(os.path.abspath(os.path.expanduser(part)))
    for cand in ("samples", os.path.join("~", "dirt-samples")):
        p = os.path.abspath(os.path.expanduser(cand))
        if os.path.isdir(p):
            roots.append(p)
    out: list[str] = []
    for r in roots:
        if r not in out:
            out.append(r)
    return tuple(out)


def scan_root(root: str) -> dict[str, list[str]]:
    """{name: [file paths sorted by file name]} for one root; folders without audio are skipped."""
    found: dict[str, list[str]] = {}
    base = Path(root)
    if not base.is_dir():
        return found
    for d in sorted(base.iterdir(), key=lambda p: p.name):
        if not d.is_dir():
            continue
        files = sorted((f for f in d.iterdir() if f.is_file() and f.suffix.lower() in AUDIO_EXTS),
                       key=lambda f: f.name)
        if files:
            found[d.name] = [str(f) for f in files]
    return found


def read_file(path: str, sr: int) -> np.ndarray:
    """One audio file as (channels, frames) float64 at rate `sr`."""
    import soundfile as sf
    from scipy.signal import resample_poly

    from ..errors import RenderError
    _info(path, sr)
    try:
        data, file_sr = sf.read(path, dtype="float64", always_2d=True)
    except (RuntimeError, OSError) as e:
        raise RenderError(f"sample file '{path}': cannot decode it ({e})") from None
    if not np.isfinite(data).all():  # a float file holding NaN/inf would poison the mix
        raise RenderError(f"sample file '{path}': holds non-finite samples (NaN or inf)")
    x = np.ascontiguousarray(data.T)
    if file_sr != sr:
        g = math.gcd(int(sr), int(file_sr))
        x = resample_poly(x, int(sr) // g, int(file_sr) // g, axis=1)
    return np.ascontiguousarray(x, dtype=np.float64)


def file_frames(path: str, sr: int) -> int:
    """Frames of the file after resampling to `sr`, without decoding it."""
    info = _info(path, sr)
    if info.samplerate == sr:
        return int(info.frames)
    g = math.gcd(int(sr), int(info.samplerate))
    up, down = int(sr) // g, int(info.samplerate) // g
    return -(-int(info.frames) * up // down)
