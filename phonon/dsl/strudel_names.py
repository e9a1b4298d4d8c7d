"""The names Strudel code may use and what each becomes in Phonon (phonon.dsl.strudel reads
these tables; the README's "Strudel code" section shows them as one table).

Checked against Strudel's source (github:tidalcycles/strudel, packages/core and packages/tonal):
argument order is Strudel's, which is Tidal's for every transform mapped here.
"""
from __future__ import annotations

# Strudel control -> Phonon control (`.lpf(800)` -> `# cutoff 800`); a tuple names a conversion.
CONTROLS = {
    "s": "s", "sound": "s", "n": "n", "note": "midinote", "freq": "freq",
    "gain": ("amp", "gain"), "velocity": "velocity", "pan": "pan",
    "lpf": "cutoff", "cutoff": "cutoff", "ctf": "cutoff", "lp": "cutoff",
    "lpq": ("resonance", "q"), "resonance": ("resonance", "q"),
    "hpf": "hcutoff", "hcutoff": "hcutoff", "hp": "hcutoff",
    "hpq": ("hresonance", "q"), "hresonance": ("hresonance", "q"),
    "bpf": "bandf", "bandf": "bandf", "bp": "bandf", "bpq": "bandq", "bandq": "bandq",
    "room": ("room", "room"), "size": ("size", "size"), "roomsize": ("size", "size"),
    "sz": ("size", "size"), "rsize": ("size", "size"), "dry": "dry",
    "delay": "delay", "delaytime": "delaytime", "delayt": "delaytime", "dt": "delaytime",
    "delayfeedback": "delayfeedback", "delayfb": "delayfeedback", "dfb": "delayfeedback",
    "speed": "speed", "vowel": "vowel", "crush": "crush", "coarse": "coarse", "shape": "shape",
    "orbit": "orbit", "legato": "legato", "clip": "legato", "attack": "attack", "att": "attack",
    "release": "release", "rel": "release", "hold": "hold", "cut": "cut", "begin": "begin",
    "end": "end", "accelerate": "accelerate", "squiz": "squiz", "djf": "djf", "unit": "unit",
    "nudge": "nudge", "octave": "octave",
}

# Strudel transform -> (Tidal function, its arguments before the pattern: v = value, f = function).
# Strudel's argument order is Tidal's for all of these (checked against packages/core).
TRANSFORMS = {
    "fast": ("fast", "v"), "slow": ("slow", "v"), "hurry": ("hurry", "v"), "rev": ("rev", ""),
    "early": ("early", "v"), "late": ("late", "v"), "ply": ("ply", "v"), "chop": ("chop", "v"),
    "striate": ("striate", "v"), "iter": ("iter", "v"), "iterBack": ("iter'", "v"),
    "iterback": ("iter'", "v"), "segment": ("segment", "v"), "seg": ("segment", "v"),
    "range": ("range", "vv"), "degradeBy": ("degradeBy", "v"), "degrade": ("degrade", ""),
    "undegradeBy": ("unDegradeBy", "v"), "struct": ("struct", "v"), "mask": ("mask", "v"),
    "euclid": ("euclid", "vv"), "jux": ("jux", "f"), "juxBy": ("juxBy", "vf"),
    "juxby": ("juxBy", "vf"), "every": ("every", "vf"), "firstOf": ("every", "vf"),
    "off": ("off", "vf"), "superimpose": ("superimpose", "f"),
    "sometimes": ("sometimes", "f"), "often": ("often", "f"), "rarely": ("rarely", "f"),
    "almostNever": ("almostNever", "f"), "almostAlways": ("almostAlways", "f"),
    "always": ("always", "f"), "never": ("never", "f"), "someCycles": ("someCycles", "f"),
    "sometimesBy": ("sometimesBy", "vf"), "someCyclesBy": ("someCyclesBy", "vf"),
    # Strudel's chunk also repeats the first cycle n times (repeatCycles); the same for patterns
    # that repeat every cycle.
    "chunk": ("chunk", "vf"), "slowchunk": ("chunk", "vf"), "slowChunk": ("chunk", "vf"),
    "chunkBack": ("chunk'", "vf"), "chunkback": ("chunk'", "vf"),
    "inside": ("inside", "vf"), "outside": ("outside", "vf"), "linger": ("linger", "v"),
    "brak": ("brak", ""), "press": ("press", ""), "pressBy": ("pressBy", "v"),
    "swingBy": ("swingBy", "vv"), "swing": ("swing", "v"), "loopAt": ("loopAt", "v"),
    "slice": ("slice", "vv"), "splice": ("splice", "vv"), "echo": ("echo", "vvv"),
    "stut": ("stut", "vvv"), "echoWith": ("echoWith", "vvf"), "echowith": ("echoWith", "vvf"),
    "stutWith": ("echoWith", "vvf"), "stutwith": ("echoWith", "vvf"),
    "whenmod": ("whenmod", "vvf"), "rot": ("rot", "v"), "shuffle": ("shuffle", "v"),
    "scramble": ("scramble", "v"), "fastGap": ("fastGap", "v"), "fastgap": ("fastGap", "v"),
    "compress": ("compress", "vv"), "zoom": ("zoom", "vv"), "bite": ("bite", "vv"),
    "randslice": ("randslice", "v"), "rolled": ("rolled", ""), "rolledBy": ("rolledBy", "v"),
}
SPECIAL = {"lastOf", "palindrome", "euclidRot", "euclidrot", "layer", "scale", "transpose", "cpm",
            "adsr"}
ARITH = {"add": "+", "sub": "-", "mul": "*", "div": "/"}
HOWS = {"in": "|{}", "out": "{}|", "mix": "|{}|"}
# (Strudel's randcat picks a pattern per cycle with rand, Tidal's rotates a slowcat: not mapped.)
COMBINE = {"stack": "stack", "cat": "cat", "slowcat": "cat", "seq": "fastcat",
           "fastcat": "fastcat", "sequence": "fastcat"}
SIGNALS = {"sine": "sine", "cosine": "cosine", "saw": "saw", "isaw": "isaw", "tri": "tri",
           "square": "square", "rand": "rand", "perlin": "perlin"}
SIGNALS2 = ("sine2", "cosine2", "saw2", "isaw2", "tri2", "square2", "rand2")   # bipolar -1..1
SOURCES = {"run": "run", "irand": "irand"}

VISUAL = {"color", "colour", "punchcard", "_punchcard", "pianoroll", "_pianoroll", "scope",
           "_scope", "tscope", "_tscope", "fscope", "_fscope", "spectrum", "_spectrum", "spiral",
           "_spiral", "pitchwheel", "_pitchwheel", "markcss", "draw", "log", "logValues",
           "analyze", "wordfall", "_wordfall", "onPaint", "hydra"}
_FILTER_ENVELOPE = ("'.{name}(...)' is ignored: Strudel's filter envelopes have no Phonon equivalent "
                    "(the filter stays at its cutoff)")
IGNORED = {
    **{n: _FILTER_ENVELOPE.format(name=n) for n in (
        "lpa", "lpd", "lps", "lpr", "lpenv", "lpe", "lpattack", "lpdecay", "lpsustain", "lprelease",
        "hpa", "hpd", "hps", "hpr", "hpenv", "hpe", "bpa", "bpd", "bps", "bpr", "bpenv", "bpe",
        "ftype", "fanchor")},
    "bank": "'.bank(...)' is ignored: Phonon has no drum-machine banks, the plain sample names "
            "play (bd, hh ...)",
    "decay": "'.decay(...)' is ignored: Strudel's ADSR envelope has no Phonon equivalent "
             "(voices have SuperDirt's attack/hold/release)",
    "sustain": "'.sustain(...)' is ignored: in Strudel it is the ADSR sustain level, which "
               "Phonon's voices do not have (SuperDirt's sustain is a length in seconds)",
}
TOPLEVEL_IGNORED = {"samples", "initAudioOnFirstClick", "initAudio", "soundAlias", "aliasBank",
                     "initHydra", "loadSoundfont", "registerSynthSounds", "registerSoundfonts"}
TEMPO = {"setcps": "cps", "setCps": "cps", "setcpm": "cpm", "setCpm": "cpm"}

# tonal's scale names (Strudel) -> Tidal's scale table.
TONAL_SCALES = {
    "major pentatonic": "majPent", "pentatonic": "majPent", "minor pentatonic": "minPent",
    "harmonic minor": "harmonicMinor", "harmonic major": "harmonicMajor",
    "melodic minor": "melodicMinor", "whole tone": "wholetone", "super locrian": "superLocrian",
    "hungarian minor": "hungarianMinor", "neapolitan major": "neapolitanMajor",
    "neapolitan minor": "neapolitanMinor", "romanian minor": "romanianMinor",
    "leading whole tone": "leadingWhole", "lydian minor": "lydianMinor",
    "locrian major": "locrianMajor", "diminished": "diminished", "augmented": "augmented",
}


def known_names() -> list[str]:
    """Every function and method this front-end maps (for did-you-mean)."""
    return sorted(set(CONTROLS) | set(TRANSFORMS) | SPECIAL | set(ARITH) | set(COMBINE)
                  | set(SIGNALS) | set(SIGNALS2) | set(SOURCES) | VISUAL | set(IGNORED)
                  | TOPLEVEL_IGNORED | set(TEMPO) | {"silence", "p", "mini", "m", "pure", "id"})

TIDAL_TRANSFORMS = {v[0] for v in TRANSFORMS.values()} | {"every'", "layer"}
