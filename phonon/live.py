"""`phonon play`: live playback with reloads that keep state; `phonon render --reload`.

A reload diffs the new spec against the playing one by a stable node identity (its
*computation key*: kind, constants, pattern data and the keys of its inputs, never the
node id or the source line, so editing one bus leaves every other node's key alone):

  * a node whose key is in the playing graph is *adopted*: the new graph takes the playing
    node object, state and all (an unchanged reverb bus continues bit-identically, its
    tail and delay echoes in flight included);
  * every other node is new: the new graph is built and *warmed* before the swap, in the
    reload thread (fading nodes render their tail up to the swap point and discard it,
    seekable nodes compute their state there, as on the farm; every kernel compiles
    then, never in the audio callback);
  * at the swap each output whose nodes are all adopted continues unchanged; each other
    output crossfades from the old graph to the new one over `xfade` seconds (raised
    cosine, gains summing to 1) while the old graph renders only what it does not share.

So `lpf 1000` -> `lpf 2000` does not click (both filters are in steady state when they
are crossfaded), a changed `sine` frequency is continuous, and tails carry on.
`quantize` picks the swap point: "none" (the next block, `LOOKAHEAD_S` after the request
so the warm-up can finish), "cycle" (the next cycle start, Tidal's feel) or "bar" (the next
multiple of 4 cycles).

`phonon render A.ph out.wav --reload 4:B.ph` runs this same code offline: the reload is
requested at 4 s and lands where live playback would land it.
"""
from __future__ import annotations

import hashlib
import math
import sys
import threading
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Optional

import numpy as np

from . import libm
from .errors import PhononError, RenderError
from .spec import GraphSpec, Pat, Ref

XFADE_S = 0.02
LOOKAHEAD_S = 0.1
QUANTIZE = ("none", "cycle", "bar")
KERNEL_PRIME_FRAMES = 64


# ------------------------------------------------------------------------------------------
# node identity
# ------------------------------------------------------------------------------------------

def node_keys(spec: GraphSpec) -> dict:
    """{node id: computation key}: equal keys compute the same signal from the same inputs."""
    keys: dict = {}
    for ns in spec.nodes:  # topological: inputs first
        h = hashlib.sha256(ns.kind.encode())
        for name, v in ns.args:
            if isinstance(v, Ref):
                part = ("ref", keys[v.node])
            elif isinstance(v, Pat):
                part = ("pat", repr(v.expr))
            else:
                part = ("const", repr(v))
            h.update(repr((name, part)).encode())
        keys[ns.id] = h.hexdigest()
    return keys


def _context_key(spec: GraphSpec) -> tuple:
    return (Fraction(spec.cps), spec.sr, spec.seed, tuple(spec.sample_roots))


def shared_nodes(old: GraphSpec, new: GraphSpec) -> dict:
    """{new node id: old node id} for the nodes the new spec can adopt from the old one."""
    if _context_key(old) != _context_key(new):
        return {}  # another tempo, rate or seed: every node's timing differs
    free: dict = {}
    for nid, k in node_keys(old).items():
        free.setdefault(k, []).append(nid)
    out = {}
    for nid, k in node_keys(new).items():
        if free.get(k):
            out[nid] = free[k].pop(0)
    return out


def swap_point(pos: int, spec: GraphSpec, quantize: str, lookahead: int) -> int:
    """The sample where a reload requested at `pos` lands."""
    earliest = pos + lookahead
    if quantize == "none":
        return earliest
    span = {"cycle": 1, "bar": 4}[quantize]
    cyc = Fraction(earliest) * Fraction(spec.cps) / spec.sr
    c = math.ceil(cyc / span) * span
    return math.ceil(Fraction(c) * spec.sr / Fraction(spec.cps))


# ------------------------------------------------------------------------------------------
# the session
# ------------------------------------------------------------------------------------------

@dataclass
class _Swap:
    graph: object               # the new Graph, warmed and positioned at `at`
    spec: GraphSpec
    base: GraphSpec             # the spec it was diffed against (adopt holds that graph's ids)
    at: int
    adopt: dict                 # new node id -> old node id
    fade_outputs: tuple         # outputs that crossfade (the others are wholly adopted)


@dataclass
class _Fade:
    old: object                 # the previous Graph, still rendering what it does not share
    feed: dict                  # old node id -> new node id (values handed to the old graph)
    outputs: tuple              # new outputs that fade in
    leaving: tuple              # old outputs that fade out
    start: int
    length: int


@dataclass
class Stats:
    blocks: int = 0
    worst_ms: float = 0.0
    last_ms: float = 0.0
    xruns: int = 0
    reloads: int = 0
    late_swaps: int = 0
    budget_ms: float = 0.0
    errors: list = field(default_factory=list)


class LiveSession:
    """Renders a patch block by block and swaps in reloads without clicks (see the module doc).

    `next_block(n)` is what the audio callback calls; `request(source)` compiles, diffs and
    warms a new version (call it off the audio thread: `reload()` and `phonon play`'s file
    watcher do)."""

    def __init__(self, path: Optional[str] = None, sr: int = 44100, seed: int = 0,
                 samples: Optional[str] = None, quantize: str = "none", xfade: float = XFADE_S,
                 source: Optional[str] = None, lookahead: float = LOOKAHEAD_S,
                 syntax: Optional[str] = None):
        if quantize not in QUANTIZE:
            raise PhononError(f"--quantize got {quantize!r}; expected one of {', '.join(QUANTIZE)}")
        self.path = Path(path) if path else None
        self.sr, self.seed, self.samples = sr, seed, samples
        self.syntax = syntax   # "phonon" | "strudel" | None: by the file's extension
        self.quantize, self.xfade = quantize, float(xfade)
        self.lookahead = int(round(lookahead * sr))
        self.pos = 0
        self.graph = None
        self.spec: Optional[GraphSpec] = None
        self.mtime = None
        self.stats = Stats()
        self.errors = self.stats.errors
        self._lock = threading.Lock()
        self._swap: Optional[_Swap] = None
        self._fade: Optional[_Fade] = None
        from .engine import Graph
        self.spec = self._compile(source if source is not None else self._read())
        self.graph = Graph(self.spec)
        self.graph.seek(0)

    # -- compiling -------------------------------------------------------------------------
    def _read(self) -> str:
        if self.path is None:
            raise RenderError("no patch file")
        try:
            self.mtime = self.path.stat().st_mtime_ns
            from .errors import decode_source
            return decode_source(self.path.read_bytes(), str(self.path))
        except FileNotFoundError:
            raise RenderError(f"patch file not found: {self.path}") from None

    def _compile(self, source: str, filename: Optional[str] = None) -> GraphSpec:
        from .compiler import compile_source
        from .samples import default_roots
        roots = tuple(str(r) for r in default_roots(self.samples))
        return compile_source(source, filename=filename or (str(self.path) if self.path else None),
                              sr=self.sr, seed=self.seed, sample_roots=roots, syntax=self.syntax)

    # -- reloading (off the audio thread) ----------------------------------------------------
    def reload(self, force: bool = False) -> bool:
        """Re-read the file if it changed and prepare the swap; True when one was prepared.
        A compile error keeps the playing patch and is printed."""
        try:
            m = self.path.stat().st_mtime_ns
        except (FileNotFoundError, AttributeError):
            return False
        if not force and m == self.mtime:
            return False
        try:
            source = self._read()
            self.request(source)
        except PhononError as e:
            self.errors.append(str(e))
            print(f"\n{e}\n(keeping the previous patch)", file=sys.stderr)
            return False
        return True

    def request(self, source: str, filename: Optional[str] = None, at: Optional[int] = None) -> int:
        """Compile `source`, diff it against the playing spec, build and warm the new graph up
        to its swap point; return that sample. `at` (offline replay) is the request time; live
        (at=None), when the warm-up outlasts the look-ahead, the new graph renders on until it
        is ahead of playback again and the swap lands there (quantized like the request)."""
        from .engine import Graph
        spec = self._compile(source, filename)
        with self._lock:
            base, pos = self.spec, (self.pos if at is None else at)
        point = swap_point(pos, spec, self.quantize, self.lookahead)
        adopt = shared_nodes(base, spec)
        self._prime_kernels(spec, point)
        g = Graph(spec, taps=tuple(adopt))
        g.warm_seek(point)
        while True:
            while g.pos < point:  # warm-up (discarded): fading nodes reach their state at `point`
                g.render(min(8192, point - g.pos))
            if at is not None or point > self.pos:
                break
            point = swap_point(self.pos, spec, self.quantize, self.lookahead)
        keep = set(adopt)
        old_names = {name for name, _ in base.outputs}
        fade = tuple(name for name, ref in spec.outputs
                     if name not in old_names or not _needed(spec, ref.node) <= keep)
        with self._lock:
            self._swap = _Swap(graph=g, spec=spec, base=base, at=point, adopt=adopt, fade_outputs=fade)
        return point

    def _prime_kernels(self, spec: GraphSpec, at: int) -> None:
        """Run every node of the new graph once on a throwaway copy: numba compiles (or loads
        from its cache) every kernel here, in the reload thread, not in the audio callback."""
        from .engine import Graph
        g = Graph(spec)
        g.seek(at)
        g.render(KERNEL_PRIME_FRAMES)

    # -- rendering (the audio thread) --------------------------------------------------------
    def next_block(self, n: int) -> np.ndarray:
        """The next n frames of the mix as (n, 2) float32 (sounddevice's layout)."""
        t0 = time.perf_counter()
        y = self.render(n)
        ms = (time.perf_counter() - t0) * 1e3
        st = self.stats
        st.blocks += 1
        st.last_ms = ms
        st.worst_ms = max(st.worst_ms, ms)
        return np.ascontiguousarray(y.T, dtype=np.float32)

    def render(self, n: int) -> np.ndarray:
        """The next n frames of the mix as (2, n) float64, swapping in a prepared reload at
        its sample exactly (output is block-size invariant, so the block is split there).
        A swap that comes due during a crossfade lands when the crossfade ends."""
        out = np.empty((2, n))
        done = 0
        while done < n:
            with self._lock:
                swap = self._swap
                if swap is not None and swap.at <= self.pos and self._fade is None:
                    self._land(swap)
                    swap = None
                step = n - done
                if swap is not None and self.pos < swap.at < self.pos + step:
                    step = swap.at - self.pos
                if self._fade is not None:  # end the crossfade on its last sample exactly
                    step = min(step, self._fade.start + self._fade.length - self.pos)
                out[:, done:done + step] = self._render_current(step)
                self.pos += step
            done += step
        return out

    def _land(self, swap: _Swap) -> None:
        g = swap.graph
        if g.pos < self.pos:  # the swap came due while a crossfade ran: catch up, silently
            self.stats.late_swaps += 1
            while g.pos < self.pos:
                g.render(min(8192, self.pos - g.pos))
        old = self.graph
        adopt = swap.adopt if swap.base is self.spec else {}  # diffed against what is playing?
        g.adopt({new: old._nodes[o] for new, o in adopt.items() if o in old._nodes})
        new_names = set(g.output_names)
        fade_in = swap.fade_outputs if adopt else tuple(g.output_names)
        leaving = tuple(name for name in old.output_names if name in fade_in or name not in new_names)
        if (fade_in or leaving) and self.xfade > 0:
            feed = {o: new for new, o in adopt.items() if o in old._nodes}
            self._fade = _Fade(old=old, feed=feed, outputs=fade_in, leaving=leaving, start=self.pos,
                               length=max(1, int(round(self.xfade * self.sr))))
        self.graph, self.spec = g, swap.spec
        self._swap = None
        self.stats.reloads += 1

    def _render_current(self, n: int) -> np.ndarray:
        from .engine import mix_outputs
        outs = self.graph.render(n)
        fade = self._fade
        if fade is None:
            return mix_outputs(outs)
        taps = self.graph.last_taps
        old_outs = fade.old.render(n, overrides={o: taps[new] for o, new in fade.feed.items()})
        t = (np.arange(self.pos, self.pos + n) - fade.start + 0.5) / fade.length
        g_new = 0.5 - 0.5 * libm.cos(np.pi * np.clip(t, 0.0, 1.0))  # raised cosine: g_new + g_old = 1
        g_old = 1.0 - g_new
        acc = np.zeros((2, n))
        for name, y in outs.items():
            acc += y * g_new if name in fade.outputs else y
        for name in fade.leaving:
            acc += old_outs[name] * g_old
        if self.pos + n >= fade.start + fade.length:
            self._fade = None
        return acc


def _needed(spec: GraphSpec, root: int) -> set:
    from .engine import needed_nodes
    return needed_nodes(spec, [root])


# ------------------------------------------------------------------------------------------
# offline replay: phonon render A.ph out.wav --reload 4:B.ph
# ------------------------------------------------------------------------------------------

def parse_reload(text: str) -> tuple[Fraction, str]:
    """`4:B.ph` or `6.5:C.ph` -> (seconds, path)."""
    t, sep, path = text.partition(":")
    try:
        sec = Fraction(t)
    except (ValueError, ZeroDivisionError):
        sec = None
    if not sep or not path or sec is None or sec < 0:
        raise PhononError(f"--reload got {text!r}; expected SECONDS:PATCH, like 4:B.ph")
    if not Path(path).is_file():
        raise PhononError(f"--reload {text}: no such patch file {path!r}")
    return sec, path


def replay_blocks(path: str, frames: int, reloads: list, sr: int, seed: int = 0,
                  samples: Optional[str] = None, block: int = 8192, quantize: str = "none",
                  xfade: float = XFADE_S):
    """Yield (2, n) mix blocks of `frames` frames: the patch with each (seconds, path) reload
    requested at its time, exactly as `phonon play` would land it."""
    sess = LiveSession(path, sr=sr, seed=seed, samples=samples, quantize=quantize, xfade=xfade)
    todo = sorted((int(round(t * sr)), p) for t, p in reloads)
    pos = 0
    while pos < frames:
        while todo and todo[0][0] <= pos:
            at, p = todo.pop(0)
            from .cli import read_source
            sess.request(read_source(p), filename=p, at=at)
        n = min(block, frames - pos)
        if todo:
            n = min(n, todo[0][0] - pos)
        yield sess.render(n)
        pos += n


# ------------------------------------------------------------------------------------------
# phonon play
# ------------------------------------------------------------------------------------------

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
    try:
        sd.query_devices(kind="output")
    except Exception as e:  # noqa: BLE001 - PortAudio reports "no device" in several ways
        raise RenderError(f"no audio output device ({e})",
                          hint="`phonon render` writes a file without one") from None
    sess = LiveSession(args.patch, sr=args.sr, seed=args.seed, samples=args.samples,
                       quantize=getattr(args, "quantize", "none"), syntax=getattr(args, "syntax", None))
    budget_ms = 1e3 * args.block / args.sr
    sess.stats.budget_ms = budget_ms
    sess._prime_kernels(sess.spec, 0)
    st = sess.stats

    def callback(outdata, frames, t, status):
        if status.output_underflow:
            st.xruns += 1
        outdata[:] = sess.next_block(frames)

    print(f"playing {args.patch} (edit and save to reload; Ctrl-C to stop); block {args.block} = "
          f"{budget_ms:.1f} ms", file=sys.stderr)
    try:
        stream = sd.OutputStream(samplerate=args.sr, channels=2, blocksize=args.block,
                                 dtype="float32", callback=callback)
    except Exception as e:  # noqa: BLE001
        raise RenderError(f"cannot open the audio output ({e})") from None
    warned = False
    with stream:
        while True:
            time.sleep(0.25)
            if sess.reload():
                print(f"reloading at {sess.pos / args.sr:.2f} s", file=sys.stderr)
            sys.stderr.write(f"\r{sess.pos / args.sr:8.1f} s  block {st.last_ms:5.2f} ms "
                             f"(worst {st.worst_ms:5.2f} of {budget_ms:.1f})  xruns {st.xruns}  ")
            sys.stderr.flush()
            if not warned and st.blocks > 20 and st.worst_ms > budget_ms:
                warned = True
                print(f"\nwarning: a block took {st.worst_ms:.1f} ms of its {budget_ms:.1f} ms: "
                      f"this patch cannot keep up at block {args.block}; try --block "
                      f"{args.block * 2}", file=sys.stderr)
