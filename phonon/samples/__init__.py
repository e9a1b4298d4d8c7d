"""The sample bank: registered buffers, Dirt-Samples roots, then the built-in kit.

    bank = SampleBank(default_roots(), sr=44100)
    x = bank.get("bd", 3)          # (channels, frames) float64 at 44100 Hz; index wraps

Lookup order for a name: buffers registered with `register` (pre-rendered buses
such as "~kick"), the roots in order (first root holding the folder wins), then
the built-in kit (`phonon.samples.kit`). Loaded and resampled arrays are cached
per (name, index). An unknown name warns once per bank with the nearest names
(`SampleWarning`) and plays silence.
"""
from __future__ import annotations

import difflib
import warnings
from typing import Optional

import numpy as np

from . import kit
from .loader import default_roots, file_frames, read_file, scan_root

__all__ = ["SampleBank", "SampleWarning", "default_roots"]

_SILENCE = np.zeros((1, 0))
_SILENCE.setflags(write=False)


class SampleWarning(UserWarning):
    """A sample pattern names a sample the bank does not have (the event plays silence)."""


class SampleBank:
    def __init__(self, roots: tuple = (), sr: int = 44100):
        self.roots = tuple(str(r) for r in roots)
        self.sr = int(sr)
        self._scanned: Optional[list[dict[str, list[str]]]] = None
        self._registered: dict[str, np.ndarray] = {}
        self._cache: dict[tuple[str, int], np.ndarray] = {}
        self._warned: set[str] = set()
        self._max_frames: dict[str, int] = {}

    # -- lookup ------------------------------------------------------------------------------
    def _roots(self) -> list[dict[str, list[str]]]:
        if self._scanned is None:
            self._scanned = [scan_root(r) for r in self.roots]
        return self._scanned

    def _files(self, name: str) -> Optional[list[str]]:
        for found in self._roots():
            if name in found:
                return found[name]
        return None

    def names(self) -> list[str]:
        out = set(self._registered) | set(kit.all_names())
        for found in self._roots():
            out |= set(found)
        return sorted(out)

    def exists(self, name: str) -> bool:
        return name in self._registered or self._files(name) is not None or kit.has(name)

    def count(self, name: str) -> int:
        """How many variants `name` has (0 when unknown)."""
        if name in self._registered:
            return 1
        files = self._files(name)
        if files is not None:
            return len(files)
        return kit.kit_count(name) if kit.has(name) else 0

    def nearest(self, name: str, n: int = 3) -> list[str]:
        """The closest sound names: samples, kit names and synths."""
        return difflib.get_close_matches(name, self.names() + list(kit.SYNTH_NAMES), n=n, cutoff=0.5)

    def folders(self) -> list[tuple[str, int, str]]:
        """[(name, file count, root)] of every sample folder, the first root holding a name winning."""
        seen: dict[str, tuple[str, int, str]] = {}
        for root, found in zip(self.roots, self._roots()):
            for name, files in found.items():
                seen.setdefault(name, (name, len(files), root))
        return sorted(seen.values())

    def is_sound(self, name: str) -> bool:
        """Whether `s "name"` plays something: a sample (folder, registered, kit) or a synth."""
        return self.exists(name) or name in kit.SYNTH_NAMES

    def register(self, name: str, data: np.ndarray) -> None:
        """Make `data` ((channels, frames) or (frames,), at the bank's rate) the sample `name`."""
        arr = np.asarray(data, dtype=np.float64)
        if arr.ndim == 1:
            arr = arr[None, :]
        if arr.ndim != 2:
            raise ValueError(f"register {name!r}: expected (channels, frames), got shape {arr.shape}")
        arr = np.ascontiguousarray(arr)
        arr.setflags(write=False)
        self._registered[name] = arr
        self._cache = {k: v for k, v in self._cache.items() if k[0] != name}
        self._max_frames.pop(name, None)

    def get(self, name: str, index: int = 0) -> np.ndarray:
        """Variant `index` (wrapped modulo the count) of `name` as read-only (channels, frames)
        float64 at the bank's rate; an unknown name warns (once) and returns an empty array."""
        count = self.count(name)
        if count == 0:
            self._warn_missing(name)
            return _SILENCE
        i = int(index) % count
        key = (name, i)
        got = self._cache.get(key)
        if got is None:
            if name in self._registered:
                got = self._registered[name]
            else:
                files = self._files(name)
                got = read_file(files[i], self.sr) if files is not None else kit.synthesize(name, i, self.sr)
                got = np.ascontiguousarray(got, dtype=np.float64)
                got.setflags(write=False)
            self._cache[key] = got
        return got

    def max_frames(self, name: str) -> int:
        """Frames of the longest variant of `name` (0 when unknown), without decoding files."""
        got = self._max_frames.get(name)
        if got is None:
            if name in self._registered:
                got = self._registered[name].shape[1]
            else:
                files = self._files(name)
                if files is not None:
                    got = max(file_frames(f, self.sr) for f in files)
                elif kit.has(name):
                    got = max(self.get(name, i).shape[1] for i in range(kit.kit_count(name)))
                else:
                    got = 0
            self._max_frames[name] = got
        return got

    def _warn_missing(self, name: str) -> None:
        if name in self._warned:
            return
        self._warned.add(name)
        near = self.nearest(name)
        if near:
            tail = "nearest: " + ", ".join(f"'{x}'" for x in near)
        else:
            tail = ("no similar names; the built-in kit has " + " ".join(kit.kit_names())
                    + "; `phonon samples` lists every sound")
        warnings.warn(f"unknown sound '{name}' — {tail} (the event plays silence)", SampleWarning,
                      stacklevel=3)
