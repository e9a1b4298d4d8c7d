"""Event voices: `s "bd*4 sn:2" # gain 0.8 # cutoff 2000`, `note "c e g" # s "superpiano"`.

The rendering model (DESIGN.md "Events, voices and orbits", SuperDirt's): every event of the
control pattern starts one voice, a sample or a synth by its `s` (a sample folder of the
roots, else a synth of phonon.nodes.superdirt_synths, else the built-in kit). A voice is

    out[c, n] += fx(source)(n - onset) * env(n) * level * pan_c     for onset <= n < end

where fx is SuperDirt's per-voice chain (phonon.nodes.voice_fx: vowel shape hcutoff bandf
crush coarse cutoff djf), env the product of dirt_envelope (attack/hold/release), dirt_gate's
1 ms sine fades and the choke fade, level = amp * gain^4 * velocity (SuperDirt's dirt_gate,
amp 0.4 by default) * MASTER_GAIN (0.5, the event path's headroom: see MASTER_GAIN) and pan
SuperDirt's (0 left, 0.5 centre, 1 right, equal power).

Timing is DirtEvent.calcTimeSpan's: a sample plays its [begin, end) region once at rate
speed * 2^((note + 12 (octave - 5)) / 12) (`unit "c"`: speed * cps * its duration), for
`sustain` seconds or `legato` x the event's length when given (never past the region's end);
a synth plays for `sustain`, else legato (default 1) x the event's length. `accelerate`
ramps the rate linearly over that length. `nudge` delays the voice. `cut` chokes the
previous voice of the same group (5 ms fade). Voices are at most 20 s long (VOICE_CAP_S).

Voice cap: at most `PHONON_MAX_VOICES` (default 1,024, phonon.limits.max_voices; the densest shipped
patch, tests/patches/stress_extreme.ph, peaks at 416 in one node) voices of
one sampler node sound at once. A voice starting when the cap is full steals the oldest
(by onset, then pattern order), which fades out over 5 ms like a cut. The rule looks only
forward in time: a voice is stolen at the first onset at which cap - 1 younger voices are
still sounding besides the new one (their lengths after cut chokes), so it depends on no
voice older than itself, and a seek (any block size, any farm chunk) decides exactly as a
render from 0 does. It bounds the work and memory of a dense pattern with long sustains:
`s "superpiano*256" # sustain 4` holds 512 voices at once; 2 cycles at 8 kHz took 14.4 s
uncapped, 5.3 s with PHONON_MAX_VOICES=256.

Events are gathered one whole pattern cycle at a time (never per block) and turned into
struct-of-arrays rows (one template per distinct control map and duration); every block
renders all active rows in one compiled kernel, voices in (onset, pattern order), each
voice's DSP state carried in its row and evolving sample by sample from its onset. So the
node is *seekable*: `reset(S)` re-gathers the voices that can still sound at S and re-runs
the stateful ones (filters, synths) from their onsets; the output from S on is bit-identical
to a render from 0.

Seeking: `reset(S)` walks back whole cycles from S until the window covers the longest
voice it could hold: max(LOOKBACK_FLOOR_S = 2 s, the longest voice seen), at most
VOICE_CAP_S. This is exact for every voice within 2 s and for patterns whose sounds recur
within the window; a voice longer than 2 s whose sound appears *only* before the window is
missed by a seek to its middle.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numba
import numpy as np

from ..registry import Param, declare
from . import voice_fx as FX
from .base import SEEKABLE, Block, Node, PatternInput, register_node
from .superdirt_synths import STRUDEL, VOICE_DEFAULT, synth_id, synth_source
from .voice_fx import apply_fx, apply_post, envelope

VOICE_CAP_S = 20.0
LOOKBACK_FLOOR_S = 2.0
CHOKE_FADE_S = 0.005
TILE = 1024  # samples per kernel pass (cache-sized)
NEVER = 1e18  # a sample index no render reaches (exact in float64 comparisons)
DEFAULT_AMP = 0.4  # SuperDirt's orbit amp: every voice is 0.4 * gain^4 unless `amp` says otherwise
# The event path's master stage: -6 dB on every voice, after SuperDirt's amp * gain^4.
# SuperDirt ends each orbit in Limiter.ar; Phonon has no limiter (no hidden clamp), so this
# fixed, documented headroom keeps typical pieces (four outputs of drums and a bass at gain
# 1.1-1.2) below full scale. Voices are mixed linearly, so a gain on each voice is exactly a
# gain on their sum. Phonon's signal chains (`saw 55 * 0.3`) keep their explicit levels.
MASTER_GAIN = 0.5

# every voice row (float64 struct-of-arrays, row-major) starts with its onset and end (samples)
ONSET, END = 0, 1
NFIELDS = FX.NFIELDS


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
    nfields = 2      # subclasses: their row width and uid column
    uid_col = None
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
# Sampler: sample and synth voices with SuperDirt's per-event effects
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


def _f(x) -> float:
    return x._numerator / x._denominator if type(x) is Fraction else float(x)


def _fold(x: float, lo: float, hi: float) -> float:
    """SuperCollider's fold: reflect x into [lo, hi]."""
    if lo <= x <= hi:
        return x
    r = hi - lo
    y = (x - lo) % (2.0 * r)
    return lo + (y if y <= r else 2.0 * r - y)


def pan_gains(pan: float) -> tuple[float, float]:
    """Tidal pan 0..1 -> (left, right) gains: SuperDirt's pan * 2 - 1, fold(-1, 1), then Pan2's
    equal-power law L = cos(theta), R = sin(theta), theta = (p + 1) pi / 4 (Balance2 uses the
    same gains per channel). 0 and 1 are exact (1, 0) and (0, 1); 0.5 is -3 dB per side."""
    p = _fold(2.0 * pan - 1.0, -1.0, 1.0)
    if p == -1.0:
        return 1.0, 0.0
    if p == 1.0:
        return 0.0, 1.0
    th = (p + 1.0) * (math.pi / 4.0)
    return math.cos(th), math.cos(math.pi / 2 - th)  # symmetric at the centre


TEMPLATE_CACHE = 4096


@numba.njit(cache=True)
def _steal_voices(V, order, uid0, cap, fade):
    """The voice cap over voice rows V visited in `order` (onset, then uid): each voice with
    uid >= uid0 (just appended) that starts while `cap` or more earlier voices still sound
    steals the oldest of them, so that at most cap - 1 younger ones and itself remain: CHOKE
    at its onset, END 5 ms later (the choke fade). Voices already choked are passed over.
    Returns the number stolen (V updated in place)."""
    n = order.shape[0]
    live = np.empty(n, np.int64)
    m = 0
    stolen = 0
    for jj in range(n):
        j = order[jj]
        t = V[j, ONSET]
        k = 0
        for q in range(m):
            i = live[q]
            if V[i, END] > t:
                live[k] = i
                k += 1
        m = k
        if V[j, FX.UID] >= uid0 and m >= cap:
            for q in range(m - cap + 1):
                i = live[q]
                if V[i, FX.CHOKE] > t:
                    V[i, FX.CHOKE] = t
                    if t + fade < V[i, END]:
                        V[i, END] = t + fade
                    stolen += 1
        live[m] = j
        m += 1
    return stolen


@register_node
class Sampler(EventVoiceNode):
    """`s pat`: one voice per event of a control pattern (see the module docstring)."""

    kind = "sampler"
    raw_events = True
    nfields = FX.NFIELDS
    uid_col = FX.UID

    def __init__(self, node_id, params, graph):
        super().__init__(node_id, params, graph)
        self._bank = None
        self._names: dict = {}          # pattern word -> (name, index)
        self._tpl: dict = {}            # (controls, duration) -> (row template or None)
        self._counts: dict = {}         # name -> number of variants
        self._slots: dict = {}          # (name, wrapped index) -> (offset, frames, stereo)
        self._chunks_l: list = []
        self._chunks_r: list = []
        self._data_len = 0
        self._data_l = np.zeros(1)
        self._data_r = np.zeros(1)
        self._dirty = False
        self._finite = True
        self._longest = 0               # longest voice seen (samples)
        self._fade = max(1, int(round(CHOKE_FADE_S * graph.sr)))
        from ..limits import max_voices
        self._max_voices = max_voices()
        self.stolen = 0                 # voices stolen by the cap (counted again after a seek)
        self._vowels: dict = {}
        self._scratch = np.zeros((4, TILE))
        self._pool = np.zeros((1, 1))   # squiz memories, one row per slot (voice_fx.SQ_WIDTH)
        self.unknown: set = set()       # sounds that are neither samples nor synths

    def _pattern(self):
        pat = self.params.get("pat")
        return pat if isinstance(pat, PatternInput) else None

    # -- sample table -----------------------------------------------------------------------
    def _count(self, name: str) -> int:
        cnt = self._counts.get(name)
        if cnt is None:
            bank = self._bank
            if bank is None:
                bank = self._bank = self.graph.bank
            cnt = self._counts[name] = bank.count(name)
        return cnt

    def _slot(self, name: str, index: int):
        cnt = self._count(name)
        if cnt == 0:
            self.unknown.add(name)
            self._bank.get(name, 0)  # warns once with the nearest names
            return None
        key = (name, index % cnt)
        got = self._slots.get(key)
        if got is None:
            x = self._bank.get(name, key[1])
            stereo = x.shape[0] >= 2
            self._chunks_l.append(x[0])
            self._chunks_r.append(x[1] if stereo else x[0])
            got = self._slots[key] = (float(self._data_len), x.shape[1], 1.0 if stereo else 0.0)
            self._data_len += x.shape[1]
            self._dirty = True
        return got

    def _bound(self) -> int:
        return self._longest + self._fade + 1

    # -- events -> rows ---------------------------------------------------------------------
    def _template(self, v, dur: int):
        """The voice row of an event with controls `v` and duration `dur` samples, without its
        onset (None when it is silent). SuperDirt's DirtEvent.calcTimeSpan and the modules of
        core-modules.scd, evaluated once per distinct (controls, duration)."""
        if not isinstance(v, dict):
            v = {"s": v}
        get = v.get
        word = get("s")
        if word is None:
            word = get("sound", get("value"))
            if word is None:
                return None
        parsed = self._names.get(word)
        if parsed is None:
            parsed = self._names[word] = _parse_name(word)
        name, index = parsed
        sr = self.graph.sr
        row = np.zeros(FX.NFIELDS)
        x = get("gain")
        gain = 1.0 if x is None else min(max(_f(x), 0.0), 2.0)
        x = get("amp")
        amp = DEFAULT_AMP if x is None else max(_f(x), 0.0)
        x = get("velocity")
        vel = 1.0 if x is None else max(_f(x), 0.0)
        level = MASTER_GAIN * amp * gain * gain * gain * gain * vel  # dirt_gate: amp * gain^4
        if level == 0.0:
            return None
        x = get("pan")
        gl, gr = pan_gains(0.5 if x is None else _f(x))
        row[FX.GL], row[FX.GR] = level * gl, level * gr
        x = get("speed")
        speed = 1.0 if x is None else _f(x)
        x = get("accelerate")
        acc = 0.0 if x is None else _f(x)
        x = get("octave")
        octave = 5.0 if x is None else _f(x)
        note, n = get("note"), get("n")
        x = get("sustain")
        sustain = None if x is None else max(_f(x), 0.0) * sr
        x = get("legato")
        legato = None if x is None else max(_f(x), 0.0)
        begin = min(max(_f(get("begin", 0)), 0.0), 1.0)
        endf = min(max(_f(get("end", 1)), 0.0), 1.0)
        sid = 0
        if self._count(name) == 0:
            sid = synth_id(name)
        if sid:
            nraw = index + (0.0 if n is None else _f(n))
            midinote = (_f(note) if note is not None else nraw) + 12.0 * octave
            row[FX.FREQ] = 440.0 * 2.0 ** ((midinote - 69.0) / 12.0)
            row[FX.SPEED] = abs(speed)
            row[FX.ACC] = acc
            row[FX.NRAW] = nraw
            row[FX.VEL] = vel
            x = get("voice")
            row[FX.VOICE] = VOICE_DEFAULT.get(name, 0.0) if x is None else _f(x)
            x = get("resonance")
            row[FX.P1] = 0.2 if x is None else _f(x)
            x = get("detune")
            row[FX.P2] = 0.0 if x is None else _f(x)
            x = get("decay")
            row[FX.DECAY] = (1.0 if sid in (8, 9) else 0.0) if x is None else _f(x)
            S = float(round(sustain if sustain is not None else dur * (1.0 if legato is None else legato)))
            if name in STRUDEL:
                row[FX.P1] = S
                row[FX.P2] = max(1.0, round(0.01 * sr))
                S += row[FX.P2]
            row[FX.SRC] = float(sid)
            row[FX.WARM] = 1.0
            begin = 0.0
        else:
            slot = self._slot(name, index + (0 if n is None else math.floor(n)))
            if slot is None:
                return None
            off, frames, stereo = slot
            b0, e0 = math.floor(min(begin, endf) * frames), math.floor(max(begin, endf) * frames)
            if e0 <= b0:
                return None
            # rate: speed * freq / 60.midicps, freq from (note, octave); unit "c": cycles
            if get("unit") == "c":
                a0 = abs(speed) * _f(self.graph.cps) * frames / sr
            else:
                a0 = abs(speed) * 2.0 ** (((0.0 if note is None else _f(note)) + 12.0 * (octave - 5.0)) / 12.0)
            if a0 < 1e-6:
                return None
            a1 = a0 * (1.0 + acc)
            L = e0 - b0
            if acc == 0.0:
                S = float(math.floor((L - 1) / a0) + 1)
            else:
                avg = (abs(a0) + abs(a1)) * 0.5
                if avg < 1e-6:
                    return None
                S = float(math.floor(L / avg))
            if sustain is not None:
                S = min(S, float(round(sustain)))
            elif legato is not None:
                S = min(S, float(round(dur * legato)))
            row[FX.OFF], row[FX.B0], row[FX.E0], row[FX.STEREO] = off, b0, e0, stereo
            row[FX.A0] = a0 if speed > 0 else -a0  # the sign says the direction
            row[FX.DA] = (a1 - a0) / S if S > 0 and acc != 0.0 else 0.0
        if S < 8:  # SuperDirt drops events shorter than orbit.minSustain (8 samples)
            return None
        fade = float(min(max(1, round(0.001 * sr)), math.floor(S * 0.19098)))
        row[FX.SUS], row[FX.FOUT] = S, fade
        row[FX.FIN] = fade if begin != 0.0 else 0.0
        att, hold, rel = get("attack"), get("hold"), get("release")
        if att is not None or rel is not None:
            row[FX.HAS_ENV] = 1.0
            row[FX.ATT] = 0.0 if att is None else max(_f(att), 0.0) * sr
            row[FX.HOLD] = 0.0 if hold is None else max(_f(hold), 0.0) * sr
            row[FX.REL] = math.inf if rel is None else max(_f(rel), 1e-9) * sr
            if rel is not None:
                S = min(S, row[FX.ATT] + row[FX.HOLD] + row[FX.REL] + 1.0)  # silent after
        x = get("cut")
        row[FX.CUT] = float(math.floor(_f(x))) if x is not None and _f(x) > 0 else -1.0
        row[FX.CHOKE] = NEVER
        fx = self._effects(row, get, sr)
        row[FX.FX] = float(fx)
        if fx & FX.STATEFUL:
            row[FX.WARM] = 1.0
        x = get("nudge")
        nudge = 0.0 if x is None else float(round(max(_f(x), 0.0) * sr))
        return row, float(S), nudge

    def _effects(self, row, get, sr) -> int:
        fx = 0
        res = get("resonance")
        x = get("cutoff")
        if x is not None:
            fx |= FX.F_LPF
            rq = FX.linexp(0.0 if res is None else _f(res), 0.0, 1.0, 1.0, 0.001)
            row[FX.LP_A0:FX.LP_A0 + 3] = FX.rlpf_coefs(FX.clip_freq(_f(x), sr), rq, sr)
        x = get("hcutoff")
        if x is not None:
            fx |= FX.F_HPF
            r = get("hresonance")
            rq = FX.linexp(0.0 if r is None else _f(r), 0.0, 1.0, 1.0, 0.001)
            row[FX.HP_A0:FX.HP_A0 + 3] = FX.rlpf_coefs(FX.clip_freq(_f(x), sr), rq, sr, high=True)
        x = get("bandf")
        if x is not None:
            fx |= FX.F_BPF
            q = get("bandq")
            q = max(1.0, 10.0 if q is None else _f(q))
            row[FX.BP_A0:FX.BP_A0 + 3] = FX.bpf_coefs(FX.clip_freq(_f(x), sr), 1.0 / q, sr)
            row[FX.BP_G] = q
        x = get("shape")
        if x is not None and _f(x) > 0.0:
            fx |= FX.F_SHAPE
            sh = min(_f(x), 1.0 - 4e-10)
            row[FX.SHAPE] = 2.0 * sh / (1.0 - sh)
        x = get("crush")
        if x is not None:
            fx |= FX.F_CRUSH
            row[FX.CRUSH] = 0.5 ** (_f(x) - 1.0)
        x = get("coarse")
        if x is not None and _f(x) > 1.0:
            fx |= FX.F_COARSE
            row[FX.COARSE] = _f(x)
            row[FX.STATE + FX.S_CO + 2] = 1.0  # Impulse fires at the first sample
        x = get("vowel")
        if x is not None and str(x) in FX.VOWELS:
            fx |= FX.F_VOWEL
            key = (str(x), 0.5 if res is None else _f(res))
            got = self._vowels.get(key)
            if got is None:
                got = self._vowels[key] = FX.vowel_coefs(key[0], key[1], sr)
            forms, wet, dry = got
            for k, c in enumerate(forms):
                row[FX.VOW_COEF + 4 * k:FX.VOW_COEF + 4 * k + 4] = c
            row[FX.VOW_WET], row[FX.VOW_DRY] = wet, dry
        x = get("squiz")
        if x is not None and _f(x) > 0.0:
            fx |= FX.F_SQUIZ
            row[FX.SQUIZ] = _f(x)
        x = get("djf")
        if x is not None:
            fx |= FX.F_DJF
            d = _f(x)
            row[FX.DJ_LA0:FX.DJ_LA0 + 3] = FX.rlpf_coefs(FX.linexp(d, 0.0, 0.5, 20.0, 10000.0), 1.0, sr)
            row[FX.DJ_HA0:FX.DJ_HA0 + 3] = FX.rlpf_coefs(FX.linexp(d, 0.5, 1.0, 20.0, 10000.0), 1.0,
                                                          sr, high=True)
        return fx

    def _rows(self, events) -> np.ndarray:
        """Event records (onset, end, value, ...) -> voice rows: a template per distinct
        (controls, duration), then onsets, ends and seeds filled in one pass."""
        tpl = self._tpl
        picked, onsets, lens = [], [], []
        for ev in events:
            v = ev[2]
            dur = ev[1] - ev[0]
            try:
                key = (tuple(v.items()), dur) if isinstance(v, dict) else (v, dur)
                got = tpl.get(key, False)
            except TypeError:  # an unhashable value: no caching
                key, got = None, False
            if got is False:
                got = self._template(v, dur)
                if key is not None:
                    if len(tpl) >= TEMPLATE_CACHE:
                        tpl.clear()
                    tpl[key] = got
            if got is None:
                continue
            row, length, nudge = got
            picked.append(row)
            onsets.append(float(ev[0]) + nudge)
            lens.append(length)
        if not picked:
            return np.zeros((0, FX.NFIELDS))
        rows = np.array(picked)
        sq = np.flatnonzero(rows[:, FX.FX].astype(np.int64) & FX.F_SQUIZ)
        if len(sq):
            self._squiz_slots(rows, sq)
        on = np.array(onsets)
        ln = np.array(lens)
        rows[:, FX.ONSET] = on
        rows[:, FX.END] = on + ln
        rows[:, FX.SEED] = np.bitwise_and(on.astype(np.int64), 0x7FFFFFFF)
        self._longest = max(self._longest, int(ln.max()))
        if len(on) > 1 and (np.diff(on) < 0).any():  # nudges reorder: keep onset order (stable)
            rows = rows[np.argsort(on, kind="stable")]
        return rows

    def _squiz_slots(self, rows: np.ndarray, which: np.ndarray) -> None:
        """Give each squiz voice a memory row no other living voice uses (voices always start
        at their onset, which clears it)."""
        live = set()
        for arr in (self._pending, self._active):
            if len(arr):
                m = arr[:, FX.FX].astype(np.int64) & FX.F_SQUIZ
                live.update(arr[m != 0, FX.SQ_SLOT].astype(np.int64).tolist())
        slot = 0
        for i in which:
            while slot in live:
                slot += 1
            rows[i, FX.SQ_SLOT] = slot
            live.add(slot)
        if slot >= self._pool.shape[0] or self._pool.shape[1] != FX.SQ_WIDTH:
            grown = np.zeros((max(2 * self._pool.shape[0], slot + 1), FX.SQ_WIDTH))
            if self._pool.shape[1] == FX.SQ_WIDTH:
                grown[:self._pool.shape[0]] = self._pool
            self._pool = grown

    def _append(self, rows: np.ndarray) -> None:
        p = self._pending
        uid0 = self._uid
        super()._append(rows)
        # a nudged voice of an earlier cycle may start after this batch's first onsets
        if len(p) and len(rows) and rows[0, FX.ONSET] < p[-1, FX.ONSET]:
            q = self._pending
            self._pending = q[np.argsort(q[:, FX.ONSET], kind="stable")]
        if len(rows):
            self._cap_voices(uid0)

    # -- voice cap --------------------------------------------------------------------------
    def _cap_voices(self, uid0: int) -> None:
        """Steal voices past the cap for the voices just appended (uid >= uid0)."""
        a, p = self._active, self._pending
        cap = self._max_voices
        if len(a) + len(p) <= cap:
            return
        na = len(a)
        V = np.concatenate((a, p)) if na else p
        order = np.lexsort((V[:, FX.UID], V[:, FX.ONSET]))
        n = _steal_voices(V, order, float(uid0), cap, float(self._fade))
        if n and na:
            self._active, self._pending = V[:na], V[na:]
        self.stolen += n

    # -- cut groups -------------------------------------------------------------------------
    def _reset_links(self) -> None:
        self._last_in_group: dict[float, float] = {}  # group -> uid of its latest voice

    def _link(self, rows: np.ndarray) -> None:
        cuts = np.nonzero(rows[:, FX.CUT] >= 0)[0]
        for i in cuts:
            g = rows[i, FX.CUT]
            prev = self._last_in_group.get(g)
            if prev is not None:
                self._choke(prev, rows[i, FX.ONSET], rows)
            self._last_in_group[g] = rows[i, FX.UID]

    def _choke(self, uid: float, at: float, batch: np.ndarray) -> None:
        for arr in (batch, self._pending, self._active):
            hit = np.nonzero(arr[:, FX.UID] == uid)[0] if len(arr) else ()
            if len(hit):
                r = hit[0]
                if at < arr[r, FX.END]:
                    arr[r, FX.CHOKE] = min(arr[r, FX.CHOKE], at)
                    arr[r, FX.END] = min(arr[r, FX.END], at + self._fade)
                return

    # -- seeking ----------------------------------------------------------------------------
    def reset(self, start: int) -> None:
        super().reset(start)
        # batches were gathered back to front: give the squiz voices distinct memories again
        n = 0
        for arr in (self._active, self._pending):
            if len(arr):
                sq = np.flatnonzero(arr[:, FX.FX].astype(np.int64) & FX.F_SQUIZ)
                arr[sq, FX.SQ_SLOT] = np.arange(n, n + len(sq))
                n += len(sq)
        if n and (self._pool.shape[0] < n or self._pool.shape[1] != FX.SQ_WIDTH):
            self._pool = np.zeros((n, FX.SQ_WIDTH))
        a = self._active
        if not len(a):
            return
        # Stateful voices (filters, synths) already sounding at `start` re-run from their onset.
        warm = np.nonzero((a[:, FX.WARM] != 0.0) & (a[:, FX.ONSET] < start))[0]
        if len(warm):
            sub = a[warm]
            lo = int(sub[:, FX.ONSET].min())
            step = 1 << 16
            dummy = np.zeros((2, step))
            for pos in range(lo, start, step):
                m = min(step, start - pos)
                self._kernel(sub, pos, m, dummy[0, :m], dummy[1, :m])
            a[warm] = sub

    # -- rendering --------------------------------------------------------------------------
    def _kernel(self, rows, start, n, out_l, out_r) -> None:
        if self._dirty:
            self._data_l = np.concatenate(self._chunks_l + [np.zeros(1)])
            self._data_r = np.concatenate(self._chunks_r + [np.zeros(1)])
            self._finite = bool(np.isfinite(self._data_l).all() and np.isfinite(self._data_r).all())
            self._dirty = False
        _render_voices(rows, self._data_l, self._data_r, start, n, float(self._fade), out_l, out_r,
                       self._finite, float(self.graph.sr), self._scratch, self._pool)

    def _render(self, block: Block, rows: np.ndarray, out: np.ndarray) -> None:
        self._kernel(rows, block.start, block.n, out[0], out[1])


def _render_samples(V, data_l, data_r, start, n, fade, out_l, out_r, skip_zero=False, sr=44100.0):
    """Sum every voice row of V into out[start, start+n) (the kernel with its scratch space)."""
    _render_voices(V, data_l, data_r, start, n, fade, out_l, out_r, skip_zero, float(sr),
                   np.zeros((4, TILE)), np.zeros((1, 1)))


@numba.njit(cache=True, inline="always")
def _axpy1(y, x, g):
    for k in range(y.shape[0]):
        y[k] += x[k] * g


@numba.njit(cache=True, inline="always")
def _axpy_env(y, x, env, g):
    for k in range(y.shape[0]):
        y[k] += x[k] * env[k] * g


@numba.njit(cache=True, inline="always")
def _interp_fwd(o, d, off, b0, t, ar, last):
    """o[k] = x(b0 + (t + k) * ar) for k < len(o): linear interpolation while the next frame
    is inside the region (j + 1 <= last), the frame itself after that."""
    m = o.shape[0]
    k1 = m
    if np.int64(b0 + (t + m - 1) * ar) + 1 > last:
        lo_k, hi_k = 0, m - 1
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
        o[k] = x0 + fr * (d[a + 1] - x0)
    for k in range(k1, m):
        pos = b0 + (t + k) * ar
        o[k] = d[off + np.int64(pos)]


@numba.njit(cache=True)
def _sample_source(V, v, d, t0, m, buf):
    """Voice v's sample frames at voice times t0 .. t0+m into buf[:m] (linear interpolation;
    the position integrates the accelerate ramp: b0 + a0 t + da t^2 / 2)."""
    off = np.int64(V[v, FX.OFF])
    b0 = np.int64(V[v, FX.B0])
    last = np.int64(V[v, FX.E0]) - 1
    a0 = V[v, FX.A0]
    da = V[v, FX.DA]
    ar = abs(a0)
    if da == 0.0 and a0 > 0.0:
        if ar == 1.0:
            base = off + b0 + t0
            for k in range(m):
                buf[k] = d[base + k]
        else:
            _interp_fwd(buf[:m], d, off, b0, t0, ar, last)
        return
    if da == 0.0 and ar == 1.0:  # reversed at unit rate: frames last - t
        top = off + last - t0
        for k in range(m):
            buf[k] = d[top - k]
        return
    for k in range(m):
        t = t0 + k
        dist = ar * t + 0.5 * da * t * t
        pos = b0 + dist if a0 > 0.0 else last - dist
        if pos < b0:
            pos = float(b0)
        if pos > last:
            pos = float(last)
        j = np.int64(pos)
        fr = pos - j
        a = off + j
        buf[k] = d[a] + fr * (d[a + 1] - d[a]) if j + 1 <= last else d[a]


@numba.njit(cache=True)
def _render_voices(V, data_l, data_r, start, n, fade, out_l, out_r, skip_zero, sr, scratch, pool):
    """Sum every voice row of V into out[start, start+n): per voice and tile, the source
    (sample frames or synth), the effect chain (voice_fx), the envelopes, gain and pan.

    Voices are added one after another in row order, and each voice's state evolves sample
    by sample from its onset, so each output sample is the same computation whatever the
    block boundaries.

    skip_zero: a channel whose gain is exactly 0 is not touched. That is exact when every
    sample value is finite (x * 0 is then a signed zero, and adding a signed zero to a sum
    that started at +0.0 never changes it), which the caller checks."""
    bl = scratch[0]
    br = scratch[1]
    env = scratch[2]
    tmp = scratch[3]
    for t0 in range(start, start + n, TILE):  # tiles keep `out` in cache; order per sample unchanged
        stop = min(t0 + TILE, start + n)
        for v in range(V.shape[0]):
            onset = np.int64(V[v, FX.ONSET])
            lo = max(onset, t0)
            hi = min(np.int64(V[v, FX.END]), stop)
            if hi <= lo:
                continue
            gl = V[v, FX.GL]
            gr = V[v, FX.GR]
            synth = V[v, FX.SRC] != 0.0
            do_l = not ((skip_zero or synth) and gl == 0.0)
            do_r = not ((skip_zero or synth) and gr == 0.0)
            if not (do_l or do_r):
                continue
            m = hi - lo
            tv = lo - onset
            k0 = lo - start
            stereo = V[v, FX.STEREO] != 0.0
            fx = np.int64(V[v, FX.FX])
            if synth:
                synth_source(V, v, tv, m, bl, sr)
            else:
                _sample_source(V, v, data_l, tv, m, bl)
                if stereo:
                    _sample_source(V, v, data_r, tv, m, br)
            if fx:
                apply_fx(V, v, bl, 0, m, tmp)
                if stereo:
                    apply_fx(V, v, br, 1, m, tmp)
                apply_post(V, v, bl, 0, m, tv, pool)
                if stereo:
                    apply_post(V, v, br, 1, m, tv, pool)
            src_r = br if stereo else bl
            if envelope(V, v, tv, m, env, fade):
                if do_l:
                    _axpy1(out_l[k0:k0 + m], bl[:m], gl)
                if do_r:
                    _axpy1(out_r[k0:k0 + m], src_r[:m], gr)
            else:
                if do_l:
                    _axpy_env(out_l[k0:k0 + m], bl[:m], env[:m], gl)
                if do_r:
                    _axpy_env(out_r[k0:k0 + m], src_r[:m], env[:m], gr)


def reference_render(V, data_l, data_r, start, n, fade):
    """Slow, obvious pure-Python twin of `_render_voices` for sample voices without effects
    (tests compare the two): sample position, SuperDirt's gate fades, the linen envelope, the
    choke fade."""
    out = np.zeros((2, n))
    for row in V:
        onset, end = int(row[FX.ONSET]), int(row[FX.END])
        b0, e0, a0, da, off = int(row[FX.B0]), int(row[FX.E0]), row[FX.A0], row[FX.DA], int(row[FX.OFF])
        last = e0 - 1
        sus, fin, fout = row[FX.SUS], row[FX.FIN], row[FX.FOUT]
        for i in range(max(onset, start), min(end, start + n)):
            t = i - onset
            dist = abs(a0) * t + 0.5 * da * t * t
            pos = min(max(b0 + dist if a0 > 0 else last - dist, b0), last)
            j = int(pos)
            fr = pos - j
            env = 1.0
            if t < fin:
                env = 0.5 - 0.5 * math.cos(math.pi * t / fin)
            elif t >= sus - fout:
                env = 0.5 - 0.5 * math.cos(math.pi * (sus - t) / fout) if t < sus else 0.0
            if row[FX.HAS_ENV]:
                c3 = 1.0 - math.exp(-3.0)
                att, hold, rel = row[FX.ATT], row[FX.HOLD], row[FX.REL]
                if t < att:
                    env *= (1.0 - math.exp(-3.0 * t / att)) / c3
                elif t >= att + hold:
                    u = t - att - hold
                    env *= 1.0 - (1.0 - math.exp(-3.0 * u / rel)) / c3 if u < rel else 0.0
            if i >= row[FX.CHOKE]:
                env *= max(0.0, 1.0 - (i - row[FX.CHOKE]) / fade)
            chans = (data_l, data_r if row[FX.STEREO] else data_l)
            for c, gain in ((0, row[FX.GL]), (1, row[FX.GR])):
                d = chans[c]
                x = d[off + j] + fr * (d[off + j + 1] - d[off + j]) if j + 1 <= last else d[off + j]
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
    doc="""Play sounds: one voice per event of the pattern, as SuperDirt does. A name is a sample
folder of the roots (Dirt-Samples layout, `name:n` picks the n-th file), else a synth (superpiano
superhammond supersaw supersquare superpwm superchip superfm superkick supersnare superhat
supertron, Strudel's sine sawtooth square triangle; pitch from note/n, octave 5), else the
built-in kit (bd sn hh oh cp lt mt ht rim cb, the aliases sd snare kick clap hc ch ho rs cowbell
tom, and drum). Every SuperDirt control sets a per-event parameter inside the voice (`# gain`,
`# pan`, `# cutoff`, `# vowel`, `# legato`, ...); `phonon samples` lists every sound. An unknown
name warns with the nearest names and plays silence (`phonon check` and `render --strict`
reject it).""",
    example='out: s "bd*4 [~ sn] hh*2 superpiano" # gain 1.1',
)

from . import voice_controls  # noqa: E402,F401  (the per-event controls: gain, pan, cutoff, ...)


@numba.njit(cache=True)
def _layout():
    """The voice-row layout as compiled into this file's cached kernels (see voice_fx)."""
    return FX.NFIELDS, FX.STATE
