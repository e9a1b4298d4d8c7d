"""Streaming audio file output (soundfile): WAV or FLAC, 16/24-bit integer or 32-bit float.

    with AudioWriter("out.wav", 44100, channels=2, subtype="24") as w:
        for block in blocks:          # float64 (channels, n)
            w.write(block)
    print(w.peak_dbfs, w.rms_dbfs, w.clipped)

The file is written under a temporary name in the destination directory
(`.{name}.partial-{pid}`) and renamed into place (after fsync) only when the
`with` body finishes without an exception; on an exception or `abort()` the
temporary file is deleted, so a failed render never leaves a file under the
output name. There is no hidden clamp: integer formats clip only where the format
must, and `clipped` counts the samples that did (|x| > 1).
"""
from __future__ import annotations

import math
import os
from typing import Optional

import numpy as np

from .errors import RenderError

FORMATS = ("wav", "flac")
SUBTYPES = {"16": "PCM_16", "24": "PCM_24", "32f": "FLOAT"}


class AudioFormatError(RenderError):
    """An output format / bit depth combination that cannot be written."""


def _db(x: float) -> float:
    return 20.0 * math.log10(x) if x > 0 else float("-inf")


class AudioWriter:
    def __init__(self, path: str, sr: int, channels: int = 2, format: str = "wav",
                 subtype: str = "24"):
        format = format.lower()
        if format not in FORMATS:
            raise AudioFormatError(f"audio format '{format}' not supported; use wav or flac")
        if subtype not in SUBTYPES:
            raise AudioFormatError(f"{format}: bit depth {subtype} not supported; use 16, 24 or 32f")
        if format == "flac" and subtype == "32f":
            raise AudioFormatError("flac: bit depth 32f not supported; use 16 or 24")
        if channels not in (1, 2):
            raise AudioFormatError(f"channels: got {channels}; expected 1 or 2")
        self.path = os.path.abspath(path)
        self.sr = int(sr)
        self.channels = channels
        self.format = format
        self.subtype = subtype
        d, name = os.path.split(self.path)
        if not os.path.isdir(d):
            raise RenderError(f"output directory '{d}' does not exist")
        self.temp_path = os.path.join(d, f".{name}.partial-{os.getpid()}")
        self._integer = subtype != "32f"
        self._peak = 0.0
        self._sumsq = 0.0
        self._clipped = 0
        self._frames = 0
        self._closed = False
        import soundfile as sf
        self._file: Optional[sf.SoundFile] = sf.SoundFile(
            self.temp_path, mode="w", samplerate=self.sr, channels=channels,
            format=format.upper(), subtype=SUBTYPES[subtype])

    # -- writing ------------------------------------------------------------------------------
    def write(self, block: np.ndarray) -> None:
        """Append a float64 (channels, n) block (a 1-D array is one mono block)."""
        if self._file is None:
            raise RenderError(f"write to closed audio file '{self.path}'")
        x = np.asarray(block, dtype=np.float64)
        if x.ndim == 1:
            x = x[None, :]
        if x.shape[0] != self.channels:
            raise ValueError(f"block has {x.shape[0]} channels; the file has {self.channels}")
        if x.shape[1] == 0:
            return
        a = np.abs(x)
        self._peak = max(self._peak, float(a.max()))
        self._sumsq += float(np.einsum("ij,ij->", x, x))
        if self._integer:
            self._clipped += int(np.count_nonzero(a > 1.0))
        self._frames += x.shape[1]
        self._file.write(x.T)

    # -- finishing ----------------------------------------------------------------------------
    def close(self) -> None:
        """Finish the file: flush, fsync and rename it into place."""
        if self._closed:
            return
        f = self._file
        self._file = None
        try:
            f.flush()
            f.close()
            fd = os.open(self.temp_path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(self.temp_path, self.path)
        except BaseException:
            self._remove_temp()
            raise
        self._closed = True

    def abort(self) -> None:
        """Discard everything written: no file is left under the output name."""
        if self._closed:
            return
        f = self._file
        self._file = None
        if f is not None:
            try:
                f.close()
            except Exception:
                pass
        self._remove_temp()
        self._closed = True

    def _remove_temp(self) -> None:
        try:
            os.unlink(self.temp_path)
        except FileNotFoundError:
            pass

    def __enter__(self) -> "AudioWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            self.close()
        else:
            self.abort()
        return False

    # -- statistics ---------------------------------------------------------------------------
    @property
    def frames(self) -> int:
        return self._frames

    @property
    def peak(self) -> float:
        return self._peak

    @property
    def peak_dbfs(self) -> float:
        return _db(self._peak)

    @property
    def rms(self) -> float:
        n = self._frames * self.channels
        return math.sqrt(self._sumsq / n) if n else 0.0

    @property
    def rms_dbfs(self) -> float:
        """RMS over every sample of every channel, in dBFS (a full-scale sine is -3.01)."""
        return _db(self.rms)

    @property
    def clipped(self) -> int:
        """Samples (counting each channel) beyond full scale that an integer format clipped."""
        return self._clipped


def read_audio(path: str) -> tuple[np.ndarray, int]:
    """A file as ((channels, frames) float64, sample rate)."""
    import soundfile as sf
    data, sr = sf.read(path, dtype="float64", always_2d=True)
    return np.ascontiguousarray(data.T), sr
