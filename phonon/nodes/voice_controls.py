"""SuperDirt's per-event controls: one declaration per control, with Tidal's aliases.

A control sets a value in each event of a control pattern (`s "bd*4" # cutoff 1000`,
Tidal's ValueMap); the voice that plays the event reads it (phonon.nodes.voices). Names,
aliases and ranges follow Tidal's Sound/Tidal/Params.hs and what SuperDirt's synths
accept (SuperDirt: classes/DirtEvent.sc, synths/core-synths.scd, core-modules.scd,
library/default-effects-extra.scd). The orbit's global effects (room size dry delay
delaytime delayfeedback lock) and `orbit` itself are declared with the orbits.

A param of kind "pattern" with no range is a string control (`vowel "a e"`, `unit "c"`).
"""
from __future__ import annotations

from ..registry import Param, declare

INF = float("inf")
NYQ = 24000.0

# name, aliases, range, unit, kind, what it does (one paragraph), example (audible)
CONTROLS = [
    ("gain", (), (0.0, 2.0), "", "signal",
     "Level with SuperDirt's curve: the voice is scaled by amp * gain^4 (dirt_gate), so 1 is the "
     "reference, 0.8 is -7.8 dB and 1.2 is +6.3 dB; values above 2 act as 2. On a signal that is not "
     "an event chain, `# gain x` multiplies it by x.",
     's "bd*4" # gain "1 0.8"'),
    ("amp", (), (0.0, 10.0), "", "number",
     "Linear amplitude of the voice (SuperDirt's `amp`, default 0.4: every voice is 0.4 * gain^4, "
     "which keeps a few orbits of drums below full scale).",
     's "bd*4" # amp 0.8'),
    ("velocity", (), (0.0, 1.0), "", "number",
     "Key velocity: multiplies the voice's amplitude (as Strudel does) and, for superpiano, also "
     "makes the strike harder and brighter.",
     's "superpiano*3" # note "0 4 7" # velocity "1 0.5 0.8"'),
    ("pan", (), (0.0, 1.0), "", "signal",
     "Stereo position, 0 = left, 0.5 = centre, 1 = right (Tidal and SuperDirt). Mono voices use "
     "SuperDirt's Pan2 equal-power law (centre -3 dB per side), stereo samples Balance2; values "
     "outside 0..1 fold back as in SuperDirt. On a signal, `# pan x` places it the same way.",
     's "hh*8" # pan "0 1"'),
    ("speed", (), (-100.0, 100.0), "", "number",
     "Playback rate of a sample (2 = an octave up and half as long; negative plays the region "
     "backwards). On a synth it scales the pitch.",
     's "bd*4" # speed "1 2 -1"'),
    ("accelerate", (), (-100.0, 100.0), "", "number",
     "Pitch glide over the voice: the rate moves linearly from speed to speed * (1 + accelerate) "
     "across the voice's length (SuperDirt's Line in dirt_sample and DirtFreqScale), so "
     "`accelerate 1` ends an octave up and `-1` glides down to a stop.",
     's "cp*2" # accelerate "-1 1"'),
    ("unit", (), None, "", "pattern",
     "How `speed` is read: \"r\" (default) a rate, \"c\" cycles: with `unit \"c\"` a sample is "
     "stretched to last 1/speed cycles whatever its length (speed * cps / sample duration).",
     's "bd" # unit "c" # speed 2'),
    ("n", ("number",), (-1e6, 1e6), "", "number",
     "For samples the index in the folder, added to the `:n` of the name (wraps); for synths the "
     "note, when no `note` is given (SuperDirt: midinote = (note ? n) + 12 * octave).",
     's "bd*4" # n "0 1 2 3"'),
    ("note", ("up",), (-200.0, 200.0), "semitones",
     "number",
     "Pitch in semitones from C5 (note 0 = 261.63 Hz, a5 = 9 = 440 Hz); note names work "
     "(`note \"c e g\"`). A sample is played at rate 2^((note + 12 * (octave - 5)) / 12).",
     's "superpiano*3" # note "0 7 12"'),
    ("midinote", (), (-140.0, 260.0), "midi", "number",
     "Pitch as a MIDI note number: note = midinote - 60 (Tidal's `midinote = note . (subtract "
     "60 <$>)`): 60 is note 0 (261.63 Hz) and 69 is 440 Hz. Note names are MIDI names as Strudel "
     "reads them (c4 = 60, a4 = 69; a bare name is in octave 3): Strudel's `note(...)` is this "
     "control.",
     's "superpiano*3" # midinote "60 64 67"'),
    ("freq", (), (0.01, NYQ), "Hz", "number",
     "Pitch in Hz: note = 9 + 12 log2(freq / 440), so 440 is note 9 (a5) and 261.63 note 0; note "
     "names are Hz as in signals (a4 = 440). Tidal's `freq`; Strudel's `freq(...)`. It sets the "
     "event's `note` (a later `# note` replaces it; `octave` still shifts it).",
     's "superpiano*3" # freq "220 330 440"'),
    ("octave", (), (-10.0, 20.0), "", "number",
     "The octave of note 0 (default 5: note 0 is C5 = 261.63 Hz); `octave 4` is an octave lower, "
     "for synths and samples alike.",
     's "supersaw*3" # note "0 4 7" # octave 4'),
    ("begin", (), (0.0, 1.0), "", "number",
     "Start of the played region as a fraction of the sample (0..1); when it is not 0 the voice "
     "fades in over 1 ms, as SuperDirt does.",
     's "bd*4" # begin 0.25'),
    ("end", (), (0.0, 1.0), "", "number",
     "End of the played region as a fraction of the sample (0..1).",
     's "bd*4" # end 0.5'),
    ("cut", (), (0.0, INF), "", "number",
     "Choke group (0 = none): a new voice of the same node in the group stops the previous one "
     "with a 5 ms fade (Tidal's `cut`, e.g. open hi-hats).",
     's "oh*8" # cut 1'),
    ("legato", (), (0.0, 100.0), "", "number",
     "Voice length as a multiple of the event's duration (SuperDirt: sustain = delta * legato, "
     "for samples at most the sample's own length).",
     's "superpiano*3" # note "c e g" # legato 0.5'),
    ("sustain", ("sus",), (0.0, 60.0), "s",
     "number",
     "Voice length in seconds, overriding the event's length and `legato` (for samples at most "
     "the sample's own length).",
     's "supersaw*2" # sustain 0.1'),
    ("attack", ("att",), (0.0, 60.0), "s", "number",
     "Envelope attack: SuperDirt's dirt_envelope Env.linen(attack, hold, release, curve -3) is "
     "applied when attack or release is given (release defaults to infinite, hold to 0).",
     's "sn*4" # attack 0.02'),
    ("hold", (), (0.0, 60.0), "s", "number",
     "Envelope hold time between attack and release (dirt_envelope; only when attack or release "
     "is given).",
     's "hh*4" # attack 0.001 # hold 0.05 # release 0.02'),
    ("release", ("rel",), (0.0, 60.0), "s", "number",
     "Envelope release: with `release r` (attack and hold default 0) the voice decays from its "
     "onset over r seconds on SuperDirt's -3 curve, then is silent.",
     's "oh*4" # release 0.05'),
    ("cutoff", ("lpf", "ctf"), (0.0, NYQ), "Hz", "signal",
     "Per-voice resonant low-pass (SuperDirt's dirt_lpf: RLPF, 12 dB/octave, cutoff clipped to "
     "20 Hz..Nyquist). A pattern value sets each voice's cutoff; a signal value "
     "(`# lpf (sine 0.25 * 600 + 700)`) is the `lpf` filter node on the mix instead.",
     's "bd*4 sn" # cutoff 800'),
    ("resonance", ("lpq", "res"), (0.0, 1.0), "", "number",
     "Resonance of the per-voice low-pass, 0..1 (reciprocal Q = 1 at 0 falling exponentially to "
     "0.001 at 1, SuperDirt's linexp); it also sets the vowel filter's emphasis.",
     's "sn*4" # cutoff 1500 # resonance 0.4'),
    ("hcutoff", ("hpf",), (0.0, NYQ), "Hz", "signal",
     "Per-voice resonant high-pass (SuperDirt's dirt_hpf: RHPF, 12 dB/octave).",
     's "bd*4 hh" # hcutoff 2000'),
    ("hresonance", ("hpq",), (0.0, 1.0), "", "number",
     "Resonance of the per-voice high-pass, 0..1 (as `resonance`).",
     's "sn*4" # hcutoff 400 # hresonance 0.5'),
    ("bandf", ("bpf",), (0.0, NYQ), "Hz", "signal",
     "Per-voice band-pass centre (SuperDirt's dirt_bpf: BPF with rq = 1/bandq, output scaled by "
     "bandq so the passband keeps its level).",
     's "sn*4 cp" # bandf 1500'),
    ("bandq", ("bpq",), (0.0, 1000.0), "", "number",
     "Q of the per-voice band-pass (default 10; at least 1).",
     's "sn*4" # bandf 1000 # bandq 3'),
    ("shape", (), (0.0, 1.0), "", "number",
     "Waveshaping distortion, 0..1: y = (1 + k) x / (1 + k |x|) with k = 2 shape / (1 - shape) "
     "(SuperDirt's dirt_shape); louder and richer in harmonics as it nears 1.",
     's "bd*4" # shape 0.6'),
    ("crush", (), (1.0, 16.0), "bits", "number",
     "Bit crushing: the voice is rounded to steps of 0.5^(crush - 1) (SuperDirt's dirt_crush), so "
     "`crush 1` keeps three levels (-1, 0, 1) and 16 is nearly transparent.",
     's "sn*4" # crush 4'),
    ("coarse", (), (0.0, 1024.0), "", "number",
     "Sample-rate reduction: each value is held for `coarse` samples (SuperDirt's dirt_coarse, "
     "Latch at SampleRate / coarse); 0 and 1 are the full rate.",
     's "hh*8" # coarse 8'),
    ("vowel", (), None, "", "pattern",
     "Formant filter: \"a\", \"e\", \"i\", \"o\" or \"u\" (SuperDirt's dirt_vowel: five band-pass "
     "formants of the Vowel quark's counter-tenor register, mixed with the dry voice by "
     "`resonance`, default 0.5). Other words leave the voice unfiltered.",
     's "sn*4" # vowel "a o"'),
    ("squiz", (), (0.0, 100.0), "", "number",
     "Squiz (SuperDirt's Squiz UGen, memlen 0.1 s): the voice is cut at its upward zero crossings "
     "and each fragment is played `squiz` times faster with silence after it, a grit between a "
     "pitch-shifter and a ring modulator (2 = an octave up); it delays the voice by a fragment.",
     's "bd*2 sn" # squiz 4'),
    ("djf", (), (0.0, 1.0), "", "number",
     "DJ filter: below 0.5 a low-pass sweeping from 20 Hz (0) to 10 kHz (0.5), above a high-pass "
     "from 20 Hz (0.5) to 10 kHz (1) (SuperDirt's dj-filter, RLPF then RHPF).",
     's "bd*4 hh*4" # djf "0.3 0.7"'),
    ("nudge", (), (0.0, 1.0), "s", "number",
     "Delays the voice by this many seconds (Tidal adds it to the event's time stamp), for swing "
     "or to line up sounds.",
     's "hh*8" # nudge "0 0.02"'),
]

for _name, _aliases, _rng, _unit, _kind, _doc, _ex in CONTROLS:
    declare(name=_name, category="control", aliases=_aliases,
            params=[Param("value", kind=_kind, range=_rng, unit=_unit, doc=_doc.split(". ")[0] + ".")],
            doc=_doc, example=f"out: {_ex}",
            **{"gain": {"signal_node": ("mul", "a", "b")}, "pan": {"signal_node": ("pan", "in", "pos")},
               "n": {"notes": True}, "midinote": {"key": "note"},
               "freq": {"key": "note", "pitch": "hz"}}.get(_name, {}))

# Names a string control accepts (checked by the compiler and by `phonon check`).
STRING_CONTROLS = {"vowel": ("a", "e", "i", "o", "u"), "unit": ("r", "c", "s")}
