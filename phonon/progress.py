"""Progress bar and render summaries shared by `phonon render` and `phonon-farm`."""
from __future__ import annotations

import math
import sys
import time
from typing import Optional, TextIO


class Progress:
    """A one-line progress bar over the timeline, on stderr when it is a terminal (or forced)."""

    def __init__(self, total_frames: int, sr: int, enabled: Optional[bool] = None,
                 stream: TextIO = sys.stderr, label: str = "render"):
        self.total = max(1, int(total_frames))
        self.sr = sr
        self.stream = stream
        self.enabled = stream.isatty() if enabled is None else enabled
        self.label = label
        self.done = 0
        self.t0 = time.perf_counter()
        self._last = 0.0

    def update(self, frames: int) -> None:
        self.done += int(frames)
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self._last < 0.1 and self.done < self.total:
            return
        self._last = now
        frac = min(1.0, self.done / self.total)
        width = 30
        bar = "#" * int(frac * width) + "-" * (width - int(frac * width))
        el = now - self.t0
        audio = self.done / self.sr
        speed = audio / el if el > 0 else 0.0
        eta = (self.total - self.done) / self.sr / speed if speed > 0 else float("nan")
        self.stream.write(f"\r{self.label} [{bar}] {frac * 100:5.1f}%  {audio:7.1f}s/"
                          f"{self.total / self.sr:.1f}s  {speed:6.1f}x  eta {eta:5.1f}s ")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def db(x: float) -> float:
    return 20.0 * math.log10(x) if x > 0 else float("-inf")


def fmt_db(x: float) -> str:
    return "-inf dBFS" if x == float("-inf") else f"{x:.1f} dBFS"
