"""Sample voices: `s "bd*4 sn:2" # gain 0.8 # speed "1 -1"`.

The rendering model (DESIGN.md "Voices"): a voice is a pure function of its
event and the absolute sample index n,

    out[c, n] += x_c(pos(n - onset)) * gain * pan_c * env(n)     for onset <= n < end

with pos(t) = begin + t*rate (or end-1 - t*|rate| when reversed), linear
interpolation between frames, and env the product of the attack ramp, the release
ramp and the choke fade. Nothing carries over from one sample to the next, so the
node is *seekable*: `reset(S)` re-gathers the events whose voices can still sound at
S and the output from S on is bit-identical to a render from 0.

Events are gathered one whole pattern cycle at a time (never per block), parsed
once into a struct-of-arrays row, and every block renders all active rows in one
compiled kernel. Voices are summed in the order PatternInput.events returns
(onset, cycle, index), so each output sample is the same sum in the same order
whatever the block size.

Per-event controls (SuperDirt-like; the choices where SuperDirt differs):
  gain     linear amplitude, 0..10 (SuperDirt curves it; here 0.2 is exactly -14 dB)
  pan      -1 (left) .. 1 (right), equal-power law: L = cos(theta), R = cos(pi/2 - theta),
           theta = (pan + 1) * pi/4; centre is -3 dB per side, pan -1 gives R exactly 0
           and pan 1 gives L exactly 0. Stereo samples keep their channels (balance).
  speed    playback rate; negative plays the [begin, end) region backwards; 0 is silent
  n        added to the `:n` of the name; wraps modulo the folder's count
  note     semitones: rate *= 2 ** (note / 12)
  begin/end  fractions 0..1 of the sample; the region [begin, end) is played
  attack   seconds of linear fade-in from the onset
  release  seconds of linear fade-out starting at the event's end (its gate); the
           voice stops at event end + release. Without `release` a sample plays to its
           end whatever the event's length (SuperDirt's default for samples).
  cut      choke group (integer): a voice stops, with a 5 ms linear fade, at the onset
           of the next voice of the same node in the same group (Tidal's `cut`).
Voices are at most 20 s long (VOICE_CAP_S).

Seeking: `reset(S)` walks back whole cycles from S until the window covers the
longest voice it could hold: max(LOOKBACK_FLOOR_S = 2 s, longest sample among the
names seen / slowest |rate| seen), at most VOICE_CAP_S. This is exact for every
voice within 2 s and for patterns whose names and speeds recur within the window;
a voice longer than 2 s whose name or speed appears *only* before the window
(e.g. `"<longpad ~ ~ ~>" # speed 0.1`) is missed by a seek to its middle.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numba
import numpy as np

from ..registry import Param, declare
from .base import SEEKABLE, Block, Node, PatternInput, register_node

VOICE_CAP_S = 20.0
LOOKBACK_FLOOR_S = 2.0
CHOKE_FADE_S = 0.005
TILE = 1024  # samples per kernel pass (cache-sized)
NEVER = 1e18  # a sample index no render reaches (exact in float64 comparisons)

# -- one row per voice (float64 struct-of-arrays, row-major) -------------------------------------
ONSET, END, OFF, B0, E0, RATE, GL, GR, ATT, GATE, REL, CHOKE, STEREO, CUT, UID = range(15)
NFIELDS = 15


# ================================================================================================
# Event voices: gathering, seeking, active list (shared by samples and synths)
# ================================================================================================

class EventVoiceNode(Node):
    """A node whose output is a sum of voices started by pattern events.

    Subclasses provide `_pattern()` (the PatternInput that triggers voices),
    `_rows(events) -> (k, nfields) array` whose first two columns are onset and end
    (samples), `_bound()` (longest voice seen so far, samples) and `_render(block, rows)`.
    Optional `_link(rows)` sees each gathered batch in timeline order (cut groups)."""

    state_class = SEEKABLE
    channels = 2
    nfields = NFIELDS
    uid_col = UID
    # True: `_rows` takes PatternInput._event_records tuples (onset, end, value, ...) in
    # place of Event objects (same order, same content, less overhead per event).
    raw_events = False

    def __init__(self, node_id, params, graph):
        super().__init__(node_id, params, graph)
        self._cycle_start: dict[int, int] = {}
        self._cap = int(VOICE_CAP_S * graph.sr)
        self._floor = int(LOOKBACK_FLOOR_S * graph.sr)
        self._pos = None

    # -- time helpers -----------------------------------------------------------------------
    def _start_of(self, c: int) -> int:
        s = self._cycle_start.get(c)
        if s is None:
            s = self.graph.sample_of(Fraction(c))
            if len(self._cycle_start) > 4096:
                self._cycle_start.clear()
            self._cycle_start[c] = s
        return s

    def _gather(self, c: int) -> np.ndarray:
        pi = self._pattern()
        if pi is None:
            return np.zeros((0, self.nfields))
        if self.raw_events:
            evs = pi._event_records(self._start_of(c), self._start_of(c + 1))
            if evs and evs[0][0] < 0:  # the piece starts at sample 0
                evs = [e for e in evs if e[0] >= 0]
        else:
            evs = pi.events(self._start_of(c), self._start_of(c + 1))
            if evs and evs[0].onset < 0:  # the piece starts at sample 0
                evs = [e for e in evs if e.onset >= 0]
        if not evs:
            return np.zeros((0, self.nfields))
        rows = self._rows(evs)
        if len(rows):
            np.minimum(rows[:, END], rows[:, ONSET] + self._cap, out=rows[:, END])
        return rows

    def _append(self, rows: np.ndarray) -> None:
        if not len(rows):
            return
        rows[:, self.uid_col] = np.arange(self._uid, self._uid + len(rows))
        self._uid += len(rows)
        self._link(rows)
        self._pending = rows if not len(self._pending) else np.concatenate((self._pending, rows))

    def _link(self, rows: np.ndarray) -> None:
        pass

    # -- seeking ----------------------------------------------------------------------------
    def reset(self, start: int) -> None:
        self._pending = np.zeros((0, self.nfields))
        self._active = np.zeros((0, self.nfields))
        self._uid = 0
        self._reset_links()
        g = self.graph
        c_hi = math.floor(g.time_of(start))
        # Walk back whole cycles until the longest voice seen cannot reach `start`.
        batches = [self._gather(c_hi)]
        c_lo = c_hi
        while True:
            lo = self._start_of(c_lo)
            if lo <= 0 or lo <= start - max(self._bound(), self._floor) or start - lo >= self._cap:
                break
            c_lo -= 1
            batches.append(self._gather(c_lo))
        for rows in reversed(batches):  # link (cut groups) in timeline order
            self._append(rows)
        self._next_cycle = c_hi + 1
        self._pos = start
        self._activate(start, start)

    def _reset_links(self) -> None:
        pass

    def _activate(self, start: int, end: int) -> None:
        """Move pending voices with onset < end to the active list; drop voices over by start."""
        while self._start_of(self._next_cycle) < end:
            self._append(self._gather(self._next_cycle))
            self._next_cycle += 1
        p = self._pending
        if len(p):
            k = int(np.searchsorted(p[:, ONSET], end, side="left"))
            if k:
                self._active = p[:k] if not len(self._active) else np.concatenate((self._active, p[:k]))
                self._pending = p[k:]
        a = self._active
        if len(a) and a[:, END].min() <= start:
            self._active = a[a[:, END] > start]

    def process(self, block: Block, args: dict) -> np.ndarray:
        if self._pos != block.start:
            self.reset(block.start)
        self._activate(block.start, block.end)
        self._pos = block.end
        out = np.zeros((self.channels, block.n))
        if len(self._active):
            self._render(block, self._active, out)
        return out

    def tail_seconds(self) -> float:
        return 0.0  # seekable: reset(S) reconstructs every voice sounding at S, no warm-up


# ================================================================================================
# Sampler
# ================================================================================================

def _parse_name(s) -> tuple[str, int]:
    s = str(s)
    name, sep, idx = s.rpartition(":")
    if sep and name:
        try:
            return name, int(idx)
        except ValueError:
            pass
    return s, 0


def _num(v, default: float) -> float:
    return default if v is None else float(v)


@register_node
class Sampler(EventVoiceNode):
    """`s pat`: one voice per event of a sample pattern (see the module docstring)."""

    kind = "sampler"
    raw_events = True

    def __init__(self, node_id, params, graph):
        super().__init__(node_id, params, graph)
        self._bank = None
        self._names: dict = {}          # pattern word -> (name, index)
        self._geo: dict = {}            # (word, n, rate, begin, end) -> _geometry(...)
        self._pans: dict = {}           # pan -> (cos(theta), cos(pi/2 - theta))
        self._counts: dict = {}         # name -> number of variants
        self._slots: dict = {}          # (name, wrapped index) -> (offset, frames, stereo)
        self._chunks_l: list = []
        self._chunks_r: list = []
        self._data_len = 0
        self._data_l = np.zeros(1)
        self._data_r = np.zeros(1)
        self._dirty = False
        self._finite = True
        self._max_frames = 0            # longest sample of any name seen (all variants)
        self._min_rate = 1.0            # slowest |rate| seen
        self._fade = max(1, int(round(CHOKE_FADE_S * graph.sr)))

    def _pattern(self):
        pat = self.params.get("pat")
        return pat if isinstance(pat, PatternInput) else None

    # -- sample table -----------------------------------------------------------------------
    def _slot(self, name: str, index: int):
        bank = self._bank
        if bank is None:
            bank = self._bank = self.graph.bank
        cnt = self._counts.get(name)
        if cnt is None:
            cnt = self._counts[name] = bank.count(name)
            if cnt:
                self._max_frames = max(self._max_frames, bank.max_frames(name))
        if cnt == 0:
            bank.get(name, 0)  # warns once with the nearest names
            return None
        key = (name, index % cnt)
        got = self._slots.get(key)
        if got is None:
            x = bank.get(name, key[1])
            stereo = x.shape[0] >= 2
            self._chunks_l.append(x[0])
            self._chunks_r.append(x[1] if stereo else x[0])
            got = self._slots[key] = (float(self._data_len), x.shape[1], 1.0 if stereo else 0.0)
            self._data_len += x.shape[1]
            self._dirty = True
        return got

    def _bound(self) -> int:
        return int(self._max_frames / self._min_rate) + self._fade + 1

    # -- events -> rows ---------------------------------------------------------------------
    def _geometry(self, word, nadd: int, rate: float, begin: float, endf: float):
        """(off, b0, e0, |rate|, length, stereo) of a voice, or None when it is silent."""
        parsed = self._names.get(word)
        if parsed is None:
            parsed = self._names[word] = _parse_name(word)
        name, index = parsed
        slot = self._slot(name, index + nadd)
        if slot is None:
            return None
        ar = abs(rate)
        if ar < 1e-6:
            return None
        off, frames, stereo = slot
        b0 = math.floor(begin * frames)
        e0 = math.floor(endf * frames)
        if e0 <= b0:
            return None
        return (off, b0, e0, ar, math.floor((e0 - 1 - b0) / ar) + 1, stereo)

    def _rows(self, events) -> np.ndarray:
        """Event records (onset, end, value, ...) -> voice rows (see the module docstring).

        Everything that depends only on (name, n, rate, begin, end) is computed once per
        distinct combination (`_geo`), the pan law once per pan value (`_pans`)."""
        sr = self.graph.sr
        geo = self._geo
        pans = self._pans
        rows = []
        append = rows.append
        min_rate = self._min_rate
        _Frac = Fraction
        for ev in events:
            v = ev[2]
            gain, pan, rate, begin, endf = 1.0, 0.0, 1.0, 0.0, 1.0
            nadd = 0
            att = 0.0
            gate, rel, cut = NEVER, 0.0, -1.0
            if isinstance(v, dict):
                get = v.get
                word = get("s")
                if word is None:
                    word = get("sound", get("value"))
                    if word is None:
                        continue
                    seen = -1  # force the look-up of the rarer controls below
                else:
                    seen = 1
                x = get("gain")
                if x is not None:
                    seen += 1
                    x = x._numerator / x._denominator if type(x) is _Frac else float(x)
                    gain = min(max(x, 0.0), 10.0)
                x = get("pan")
                if x is not None:
                    seen += 1
                    x = x._numerator / x._denominator if type(x) is _Frac else float(x)
                    pan = min(max(x, -1.0), 1.0)
                x = get("speed")
                if x is not None:
                    seen += 1
                    rate = x._numerator / x._denominator if type(x) is _Frac else float(x)
                x = get("note")
                if x is not None:
                    seen += 1
                    x = x._numerator / x._denominator if type(x) is _Frac else float(x)
                    rate *= 2.0 ** (x / 12.0)
                x = get("n")
                if x is not None:
                    seen += 1
                    nadd = math.floor(x)
                if seen != len(v):
                    x = get("begin")
                    if x is not None:
                        begin = min(max(float(x), 0.0), 1.0)
                    x = get("end")
                    if x is not None:
                        endf = min(max(float(x), 0.0), 1.0)
                    x = get("attack")
                    if x is not None:
                        att = max(float(x), 0.0) * sr
                    x = get("release")
                    if x is not None:
                        rel = max(float(x), 0.0) * sr
                        gate = float(ev[1])
                    x = get("cut")
                    if x is not None and x > 0:
                        cut = float(math.floor(x))
            else:
                word = v
            key = (word, nadd, rate, begin, endf)
            try:
                gm = geo[key]
            except KeyError:
                gm = geo[key] = self._geometry(word, nadd, rate, begin, endf)
            if gm is None or gain == 0.0:
                continue
            off, b0, e0, ar, length, stereo = gm
            if ar < min_rate:
                min_rate = ar
            onset = float(ev[0])
            end = onset + length
            if gate < NEVER and gate + rel < end:
                end = gate + rel
            if pan == -1.0:
                gl, gr = gain, 0.0
            elif pan == 1.0:
                gl, gr = 0.0, gain
            else:
                law = pans.get(pan)
                if law is None:
                    th = (pan + 1.0) * (math.pi / 4.0)
                    law = pans[pan] = (math.cos(th), math.cos(math.pi / 2 - th))  # symmetric at 0
                gl, gr = gain * law[0], gain * law[1]
            append((onset, end, off, b0, e0, rate, gl, gr, att, gate, rel, NEVER, stereo, cut, 0.0))
        self._min_rate = min_rate
        if not rows:
            return np.zeros((0, NFIELDS))
        return np.array(rows, dtype=np.float64)

    # -- cut groups -------------------------------------------------------------------------
    def _reset_links(self) -> None:
        self._last_in_group: dict[float, float] = {}  # group -> uid of its latest voice

    def _link(self, rows: np.ndarray) -> None:
        cuts = np.nonzero(rows[:, CUT] >= 0)[0]
        for i in cuts:
            g = rows[i, CUT]
            prev = self._last_in_group.get(g)
            if prev is not None:
                self._choke(prev, rows[i, ONSET], rows)
            self._last_in_group[g] = rows[i, UID]

    def _choke(self, uid: float, at: float, batch: np.ndarray) -> None:
        for arr in (batch, self._pending, self._active):
            hit = np.nonzero(arr[:, UID] == uid)[0] if len(arr) else ()
            if len(hit):
                r = hit[0]
                arr[r, CHOKE] = at
                arr[r, END] = min(arr[r, END], at + self._fade)
                return

    # -- rendering --------------------------------------------------------------------------
    def _render(self, block: Block, rows: np.ndarray, out: np.ndarray) -> None:
        if self._dirty:
            self._data_l = np.concatenate(self._chunks_l + [np.zeros(1)])
            self._data_r = np.concatenate(self._chunks_r + [np.zeros(1)])
            self._finite = bool(np.isfinite(self._data_l).all() and np.isfinite(self._data_r).all())
            self._dirty = False
        _render_samples(rows, self._data_l, self._data_r, block.start, block.n, float(self._fade),
                        out[0], out[1], self._finite)


@numba.njit(cache=True, inline="always")
def _axpy1(y, x, g):
    for k in range(y.shape[0]):
        y[k] += x[k] * g


@numba.njit(cache=True, inline="always")
def _interp_fwd(o, d, off, b0, t, ar, last, g):
    """o[k] += x(b0 + (t + k) * ar) * g for k < len(o): linear interpolation while the next
    frame is inside the region (j + 1 <= last), the frame itself after that."""
    m = o.shape[0]
    # pos is non-decreasing in k: find the first k whose frame j has j + 1 > last, by
    # evaluating the very same expression the loop uses.
    k1 = m
    if np.int64(b0 + (t + m - 1) * ar) + 1 > last:
        lo_k, hi_k = 0, m - 1  # predicate false at ... unknown below, true at hi_k
        while lo_k < hi_k:
            mid = (lo_k + hi_k) // 2
            if np.int64(b0 + (t + mid) * ar) + 1 > last:
                hi_k = mid
            else:
                lo_k = mid + 1
        k1 = lo_k
    for k in range(k1):
        pos = b0 + (t + k) * ar
        j = np.int64(pos)
        fr = pos - j
        a = off + j
        x0 = d[a]
        o[k] += (x0 + fr * (d[a + 1] - x0)) * g
    for k in range(k1, m):
        pos = b0 + (t + k) * ar
        o[k] += d[off + np.int64(pos)] * g


@numba.njit(cache=True)
def _render_samples(V, data_l, data_r, start, n, fade, out_l, out_r, skip_zero=False):
    """Sum every voice row of V into out[start, start+n) (see the module docstring).

    Voices are added one after another, so each output sample is the same
    left-to-right sum whatever the block boundaries.

    skip_zero: a channel whose gain is exactly 0 is not touched. That is exact when
    every sample value is finite (x * 0 is then a signed zero, and adding a signed
    zero to a sum that started at +0.0 never changes it), which the caller checks."""
    for t0 in range(start, start + n, TILE):  # tiles keep `out` in cache; order per sample unchanged
        _render_tile(V, data_l, data_r, start, t0, min(t0 + TILE, start + n), fade, out_l, out_r,
                     skip_zero)


@numba.njit(cache=True)
def _render_tile(V, data_l, data_r, start, t0, stop, fade, out_l, out_r, skip_zero):
    for v in range(V.shape[0]):
        onset = np.int64(V[v, ONSET])
        lo = max(onset, t0)
        hi = min(np.int64(V[v, END]), stop)
        if hi <= lo:
            continue
        off = np.int64(V[v, OFF])
        b0 = np.int64(V[v, B0])
        e0 = np.int64(V[v, E0])
        rate = V[v, RATE]
        gl = V[v, GL]
        gr = V[v, GR]
        att = V[v, ATT]
        gate = V[v, GATE]
        rel = V[v, REL]
        choke = V[v, CHOKE]
        stereo = V[v, STEREO] != 0.0
        do_l = not (skip_zero and gl == 0.0)
        do_r = not (skip_zero and gr == 0.0)
        if not (do_l or do_r):
            continue
        plain = (onset + att <= lo) and (gate >= hi) and (choke >= hi)
        k0 = lo - start
        m = hi - lo
        if plain and (rate == 1.0 or rate == -1.0):
            # Integer positions: a straight (vectorizable) copy.
            if rate == 1.0:
                base = off + b0 + (lo - onset)
                src_l = data_l[base:base + m]
                src_r = data_r[base:base + m] if stereo else src_l
            else:  # reversed: frames e0-1-t, descending
                top = off + e0 - (lo - onset)
                src_l = data_l[top - m:top][::-1]
                src_r = data_r[top - m:top][::-1] if stereo else src_l
            if do_l:
                _axpy1(out_l[k0:k0 + m], src_l, gl)
            if do_r:
                _axpy1(out_r[k0:k0 + m], src_r, gr)
            continue
        ar = abs(rate)
        last = e0 - 1
        if plain and rate > 0.0:
            # Forward, fractional rate, no envelope (env == 1.0, and x * 1.0 == x).
            t = lo - onset
            if do_l:
                _interp_fwd(out_l[k0:k0 + m], data_l, off, b0, t, ar, last, gl)
            if do_r:
                _interp_fwd(out_r[k0:k0 + m], data_r if stereo else data_l, off, b0, t, ar, last, gr)
            continue
        for i in range(lo, hi):
            t = i - onset
            if rate > 0.0:
                pos = b0 + t * ar
            else:
                pos = last - t * ar
                if pos < b0:
                    pos = float(b0)
            j = np.int64(pos)
            fr = pos - j
            a = off + j
            env = 1.0
            if t < att:
                env = t / att
            if i >= gate:
                env = env * (1.0 - (i - gate) / rel) if rel > 0.0 else 0.0
            if i >= choke:
                env = env * (1.0 - (i - choke) / fade)
            if j + 1 <= last:
                xl = data_l[a] + fr * (data_l[a + 1] - data_l[a])
                if stereo:
                    xr = data_r[a] + fr * (data_r[a + 1] - data_r[a])
                else:
                    xr = xl
            else:
                xl = data_l[a]
                xr = data_r[a] if stereo else xl
            if do_l:
                out_l[i - start] += xl * env * gl
            if do_r:
                out_r[i - start] += xr * env * gr


def reference_render(V, data_l, data_r, start, n, fade):
    """Slow, obvious pure-Python twin of `_render_samples` (tests compare the two)."""
    out = np.zeros((2, n))
    for row in V:
        onset, end = int(row[ONSET]), int(row[END])
        b0, e0, rate, off = int(row[B0]), int(row[E0]), row[RATE], int(row[OFF])
        for i in range(max(onset, start), min(end, start + n)):
            t = i - onset
            pos = b0 + t * abs(rate) if rate > 0 else max(float(b0), (e0 - 1) - t * abs(rate))
            j = int(pos)
            fr = pos - j
            env = 1.0
            if t < row[ATT]:
                env = t / row[ATT]
            if i >= row[GATE]:
                env = env * (1.0 - (i - row[GATE]) / row[REL]) if row[REL] > 0 else 0.0
            if i >= row[CHOKE]:
                env = env * (1.0 - (i - row[CHOKE]) / fade)
            chans = (data_l, data_r if row[STEREO] else data_l)
            for c, gain in ((0, row[GL]), (1, row[GR])):
                d = chans[c]
                x = d[off + j] + fr * (d[off + j + 1] - d[off + j]) if j + 1 <= e0 - 1 else d[off + j]
                out[c, i - start] += x * env * gain
    return out


# ================================================================================================
# DSL declarations
# ================================================================================================

declare(
    name="s", aliases=("sound",), category="sample", node="sampler", chainable=False,
    params=[Param("pat", kind="pattern",
                  doc="sample names from the bank, `name:n` picks the n-th file (wraps); "
                      "`~bus` plays a pre-rendered bus")],
    doc="""Play samples: one voice per event of the pattern. Names come from the sample roots
(Dirt-Samples layout) or the built-in kit (bd sn hh oh cp lt mt ht rim cb). Chain
`# gain/pan/speed/n/note/cut/attack/release/begin/end` to set per-event parameters.
An unknown name warns with the nearest names and plays silence.""",
    example='out: s "bd*4 [~ sn] hh*2" # gain 0.8',
)

from . import voice_controls  # noqa: E402,F401  (the per-event controls: gain, pan, cutoff, ...)
