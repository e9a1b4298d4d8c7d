"""`phonon play`: live playback with hot reload.

The session renders blocks from a Graph on demand (the sounddevice callback pulls them).
When the patch file changes it is recompiled; on success the new graph is seeked to the
current position and swapped in at the next block (the cycle position carries on, as in
Tidal); on a compile error the old graph keeps playing and the error is printed.
"""
from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import Optional

import numpy as np

from .errors import PhononError, RenderError


class LiveSession:
    def __init__(self, path: str, sr: int = 44100, seed: int = 0, samples: Optional[str] = None):
        self.path = Path(path)
        self.sr, self.seed, self.samples = sr, seed, samples
        self.pos = 0
        self.graph = None
        self.mtime = None
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self.reload(force=True)

    def _compile(self):
        from .compiler import compile_source
        from .samples import default_roots
        roots = tuple(str(r) for r in default_roots(self.samples))
        return compile_source(self.path.read_text(encoding="utf-8"), filename=str(self.path),
                              sr=self.sr, seed=self.seed, sample_roots=roots)

    def reload(self, force: bool = False) -> bool:
        """Recompile if the file changed; True when a new graph was swapped in."""
        from .engine import Graph
        try:
            m = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            if force:
                raise RenderError(f"patch file not found: {self.path}")
            return False
        if not force and m == self.mtime:
            return False
        self.mtime = m
        try:
            g = Graph(self._compile())
        except PhononError as e:
            if force:
                raise
            self.errors.append(str(e))
            print(f"\n{e}\n(keeping the previous patch)", file=sys.stderr)
            return False
        with self._lock:
            g.seek(self.pos)
            self.graph = g
        return True

    def next_block(self, n: int) -> np.ndarray:
        """The next n frames of the mix as (n, 2) float32 (sounddevice's layout)."""
        from .engine import mix_outputs
        with self._lock:
            y = mix_outputs(self.graph.render(n))
            self.pos += n
        return np.ascontiguousarray(y.T, dtype=np.float32)


def play(args) -> int:
    try:
        import sounddevice as sd
    except ImportError:
        raise RenderError("live playback needs the sounddevice package",
                          hint="install the extra: pip install -e '.[live]'") from None
    except OSError as e:  # the package is there, the PortAudio library is not
        raise RenderError(f"live playback needs the PortAudio library ({e})",
                          hint="on Debian/Ubuntu: apt-get install libportaudio2; "
                               "`phonon render` works without it") from None
    sess = LiveSession(args.patch, sr=args.sr, seed=args.seed, samples=args.samples)

    def callback(outdata, frames, t, status):
        outdata[:] = sess.next_block(frames)

    print(f"playing {args.patch} (edit and save to reload; Ctrl-C to stop)", file=sys.stderr)
    with sd.OutputStream(samplerate=args.sr, channels=2, blocksize=args.block, dtype="float32",
                         callback=callback):
        while True:
            time.sleep(0.25)
            if sess.reload():
                print(f"reloaded at {sess.pos / args.sr:.1f} s", file=sys.stderr)
