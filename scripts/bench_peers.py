#!/usr/bin/env python3
"""Phonon against SuperCollider's scsynth (NRT) and Csound on the same three patches, whole
process against whole process (start-up, rendering and writing a 32-bit float WAV each).

  P1  saw64      64 band-limited saws, summed (bench/patches/saw64.ph)
  P2  synth16    16 saws -> 2-pole low-pass 800 Hz q 0.8 -> sum -> feedback delay 0.25 s / 0.6
                 (mix 0.5) -> stereo Freeverb 0.5 0.5 0.3 (bench/patches/synth16.ph)
  P3  drums2000  2000 pitched one-shots of the kit's bd:0 (16 a second, 4 rates), ~8 voices
                 at once (bench/patches/drums2000.ph)

The peers' programs are written here, by hand: scsynth gets an OSC score (a SynthDef in the
SCgf v2 binary format sent with /d_recv, then /s_new per voice or event; no sclang) and
Csound a .csd (vco2, lowpass2, delayr/delayw, freeverb, loscil). Runs alternate between the
programs (A B C A B C ...), the median of each counts, and every output is checked before
its time is reported: RMS within a few dB of Phonon's, and for P1/P2 the spectral peak at a
saw fundamental, so nobody renders silence fast.

    .venv/bin/python scripts/bench_peers.py                # 600 s of P2, 60 s of P1, P3
    .venv/bin/python scripts/bench_peers.py --quick        # 1 s each, 1 run (CI)
    .venv/bin/python scripts/bench_peers.py --patch synth16 --seconds 600 --runs 5

Peers that are not installed are skipped (`apt-get install supercollider-server csound`).
"""
from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PATCHES = ROOT / "bench" / "patches"
BIN = Path(sys.executable).parent
SR = 44100
SC_BLOCK = 64  # scsynth's default control block; Csound gets the same ksmps

# P3's events: s "bd*16" # speed "1 1.5 2 0.75" at cps 1 (drums2000.ph)
DRUM_PER_SECOND = 16
DRUM_RATES = (1.0, 1.5, 2.0, 0.75)
# a voice's level: SuperDirt's amp 0.4 * Phonon's event headroom 0.5 * equal-power centre pan
DRUM_LEVEL = 0.4 * 0.5 * math.cos(math.pi / 4)


def saw_freqs(patch: Path) -> list[float]:
    return [float(f) for f in re.findall(r"\bsaw\s+([0-9.]+)", patch.read_text())]


def sum_gain(patch: Path) -> float:
    """The gain after the saws' sum, `(~v1 + ... + ~vN) * G` in the patch (P1 and P2): the
    peers' programs use the patch's own number, so all three render the same level."""
    got = re.findall(r"\)\s*\*\s*([0-9.]+)\s*$", patch.read_text(), flags=re.M)
    if len(got) != 1:
        raise ValueError(f"{patch}: expected one '(... + ...) * GAIN' line, found {len(got)}")
    return float(got[0])


# ---------------------------------------------------------------------------------------------
# SuperCollider: SCgf v2 SynthDefs and an OSC score, written as bytes

def pstr(s: str) -> bytes:
    b = s.encode()
    return bytes([len(b)]) + b


class SynthDef:
    """A SynthDef graph built by hand: `ugen()` appends a UGen and returns its index; inputs
    are floats (constants) or (ugen index, output index) pairs. Rates: 0 ir, 1 kr, 2 ar."""

    def __init__(self, name: str, params: tuple = ()):
        self.name = name
        self.consts: list[float] = []
        self.params = list(params)  # (name, default)
        self.ugens: list[tuple] = []
        if self.params:  # the Control UGen: one kr output per parameter
            self.ugen("Control", 1, [], len(self.params), outrate=1)

    def const(self, v: float) -> int:
        v = float(np.float32(v))
        if v not in self.consts:
            self.consts.append(v)
        return self.consts.index(v)

    def param(self, name: str) -> tuple:
        return (0, [p for p, _ in self.params].index(name))

    def ugen(self, cls: str, rate: int, inputs: list, outputs: int = 1, special: int = 0,
             outrate: int | None = None) -> int:
        ins = [(-1, self.const(i)) if isinstance(i, (int, float)) else i for i in inputs]
        self.ugens.append((cls, rate, ins, outputs, special, rate if outrate is None else outrate))
        return len(self.ugens) - 1

    def sum(self, sigs: list) -> tuple:
        """Sum4/Sum3/'+' tree, as sclang's `sum` builds it."""
        sigs = list(sigs)
        while len(sigs) > 1:
            nxt = []
            for k in range(0, len(sigs), 4):
                grp = sigs[k:k + 4]
                if len(grp) == 4:
                    nxt.append((self.ugen("Sum4", 2, grp), 0))
                elif len(grp) == 3:
                    nxt.append((self.ugen("Sum3", 2, grp), 0))
                elif len(grp) == 2:
                    nxt.append((self.ugen("BinaryOpUGen", 2, grp, special=0), 0))
                else:
                    nxt.append(grp[0])
            sigs = nxt
        return sigs[0]

    def bytes(self) -> bytes:
        b = pstr(self.name)
        b += struct.pack(">i", len(self.consts)) + b"".join(struct.pack(">f", c) for c in self.consts)
        b += struct.pack(">i", len(self.params)) + b"".join(struct.pack(">f", v) for _, v in self.params)
        b += struct.pack(">i", len(self.params))
        for k, (p, _) in enumerate(self.params):
            b += pstr(p) + struct.pack(">i", k)
        b += struct.pack(">i", len(self.ugens))
        for cls, rate, ins, outs, special, outrate in self.ugens:
            b += pstr(cls) + struct.pack(">biih", rate, len(ins), outs, special)
            for u, o in ins:
                b += struct.pack(">ii", u, o)
            b += bytes([outrate]) * outs
        b += struct.pack(">h", 0)  # no variants
        return b


def scgf(defs: list[SynthDef]) -> bytes:
    return b"SCgf" + struct.pack(">ih", 2, len(defs)) + b"".join(d.bytes() for d in defs)


def osc_pad(b: bytes) -> bytes:
    return b + b"\0" * (4 - len(b) % 4)


def osc_msg(addr: str, *args) -> bytes:
    tags, data = ",", b""
    for a in args:
        if isinstance(a, bytes):
            tags += "b"
            data += struct.pack(">i", len(a)) + a + b"\0" * (-len(a) % 4)
        elif isinstance(a, str):
            tags += "s"
            data += osc_pad(a.encode())
        elif isinstance(a, int):
            tags += "i"
            data += struct.pack(">i", a)
        else:
            tags += "f"
            data += struct.pack(">f", a)
    return osc_pad(addr.encode()) + osc_pad(tags.encode()) + data


def osc_score(bundles: list[tuple[float, list[bytes]]]) -> bytes:
    """An NRT score: per bundle an int32 size, then '#bundle', the timetag (seconds as 32.32
    fixed point) and the size-prefixed messages."""
    out = b""
    for t, msgs in sorted(bundles, key=lambda b: b[0]):
        body = osc_pad(b"#bundle") + struct.pack(">Q", int(round(t * (1 << 32))))
        for m in msgs:
            body += struct.pack(">i", len(m)) + m
        out += struct.pack(">i", len(body)) + body
    return out


def sc_saws(freqs: list[float], gain: float, effects: bool) -> SynthDef:
    d = SynthDef("p")
    sigs = []
    for f in freqs:
        s = (d.ugen("Saw", 2, [f]), 0)
        if effects:  # RLPF's rq = 1/q
            s = (d.ugen("RLPF", 2, [s, 800.0, 1.0 / 0.8]), 0)
        sigs.append(s)
    # scsynth's Saw swings +-0.5 (RMS 0.289 for a 110 Hz saw, measured), ours and Csound's +-1
    x = (d.ugen("BinaryOpUGen", 2, [d.sum(sigs), 2.0 * gain], special=2), 0)  # '*'
    if effects:  # delay 0.25 0.6 (mix 0.5): dry/2 + comb/2, the comb's decay for gain 0.6
        decay = 0.25 * math.log(0.001) / math.log(0.6)
        comb = (d.ugen("CombN", 2, [x, 0.25, 0.25, decay]), 0)
        half = (d.ugen("BinaryOpUGen", 2, [x, 0.5], special=2), 0)
        x = (d.ugen("MulAdd", 2, [comb, 0.5, half]), 0)
        fv = d.ugen("FreeVerb2", 2, [x, x, 0.3, 0.5, 0.5], outputs=2)  # in, in2, mix, room, damp
        left, right = (fv, 0), (fv, 1)
    else:
        left = right = x
    d.ugen("Out", 2, [0.0, left, right], outputs=0)
    return d


def sc_drum() -> SynthDef:
    d = SynthDef("drum", params=(("rate", 1.0),))
    rate = d.param("rate")
    scale = (d.ugen("BufRateScale", 1, [0.0]), 0)
    r = (d.ugen("BinaryOpUGen", 1, [rate, scale], special=2), 0)
    # PlayBuf(1, bufnum 0, rate, trigger 1, startPos 0, loop 0, doneAction 2: free the voice)
    pb = (d.ugen("PlayBuf", 2, [0.0, r, 1.0, 0.0, 0.0, 2.0]), 0)
    x = (d.ugen("BinaryOpUGen", 2, [pb, DRUM_LEVEL], special=2), 0)
    d.ugen("Out", 2, [0.0, x, x], outputs=0)
    return d


def sc_score(name: str, seconds: float, freqs: list[float], sample: Path | None) -> bytes:
    if name == "drums2000":
        msgs = [osc_msg("/d_recv", scgf([sc_drum()])),
                osc_msg("/b_allocRead", 0, str(sample), 0, 0)]
        bundles = [(0.0, msgs)]
        for k in range(int(round(seconds * DRUM_PER_SECOND))):
            rate = DRUM_RATES[k % len(DRUM_RATES)]
            bundles.append((k / DRUM_PER_SECOND,
                            [osc_msg("/s_new", "drum", -1, 0, 0, "rate", float(rate))]))
    else:
        d = sc_saws(freqs, sum_gain(PATCHES / f"{name}.ph"), effects=name == "synth16")
        bundles = [(0.0, [osc_msg("/d_recv", scgf([d])), osc_msg("/s_new", "p", 1000, 0, 0)])]
    bundles.append((seconds, [osc_msg("/c_set", 0, 0)]))  # the end
    return osc_score(bundles)


# ---------------------------------------------------------------------------------------------
# Csound

CSD = """<CsoundSynthesizer>
<CsOptions>
-d -m0 -W -f --nodisplays
</CsOptions>
<CsInstruments>
sr = {sr}
ksmps = {ksmps}
nchnls = 2
0dbfs = 1
ga init 0
{instrs}
</CsInstruments>
<CsScore>
{score}
</CsScore>
</CsoundSynthesizer>
"""


def csound_csd(name: str, seconds: float, freqs: list[float], sample: Path | None) -> str:
    if name == "drums2000":
        instrs = f"""
gisamp ftgen 1, 0, 0, 1, "{sample}", 0, 0, 1
instr 1
  p3 = min(ftlen(1) / sr / p4, {seconds} - p2)  ; the render ends at {seconds} s
  a1 loscil {DRUM_LEVEL}, p4, 1, 1, 0
  outs a1, a1
endin
"""
        lines = [f"i1 {k / DRUM_PER_SECOND:.6f} 1 {DRUM_RATES[k % len(DRUM_RATES)]}"
                 for k in range(int(round(seconds * DRUM_PER_SECOND)))]
        return CSD.format(sr=SR, ksmps=SC_BLOCK, instrs=instrs,
                          score="\n".join(lines) + f"\ne {seconds}")
    gain = sum_gain(PATCHES / f"{name}.ph")
    if name == "synth16":
        instrs = """
instr 1
  a1 vco2 1, p4
  a1 lowpass2 a1, 800, 0.8
  ga += a1
endin
instr 2
  ax = ga * {gain}
  ga = 0
  adl delayr 0.25
  aw deltap3 0.25
      delayw ax + 0.6 * aw
  ad = 0.5 * ax + 0.5 * aw
  awl, awr freeverb ad, ad, 0.5, 0.5, sr
  outs 0.7 * ad + 0.3 * awl, 0.7 * ad + 0.3 * awr
endin
"""
        lines = [f"i1 0 {seconds} {f}" for f in freqs] + [f"i2 0 {seconds}"]
    else:
        instrs = """
instr 1
  a1 vco2 {gain}, p4
  outs a1, a1
endin
"""
        lines = [f"i1 0 {seconds} {f}" for f in freqs]
    instrs = instrs.replace("{gain}", f"{gain:g}")
    return CSD.format(sr=SR, ksmps=SC_BLOCK, instrs=instrs,
                      score="\n".join(lines) + f"\ne {seconds}")


# ---------------------------------------------------------------------------------------------
# running and checking

def commands(name: str, seconds: float, work: Path, have: dict) -> dict:
    """{program: argv} for patch `name`, writing every input file the peers need."""
    patch = PATCHES / f"{name}.ph"
    freqs = saw_freqs(patch)
    sample = None
    if name == "drums2000":
        import soundfile as sf
        from phonon.samples import kit
        sample = work / "bd0.wav"
        sf.write(sample, kit.synthesize("bd", 0, SR)[0], SR, subtype="FLOAT")
    dur = f"{seconds:g}"
    cmds = {
        "phonon render": [str(BIN / "phonon"), "render", "--duration", dur, "--bit-depth", "32f",
                          "--no-progress", str(patch), str(work / "phonon.wav")],
        "phonon-farm 2": [str(BIN / "phonon-farm"), "--cores", "2", "--duration", dur,
                          "--bit-depth", "32f", "--no-progress", str(patch),
                          "-o", str(work / "farm.wav")],
    }
    if have.get("scsynth"):
        score = work / f"{name}.osc"
        score.write_bytes(sc_score(name, seconds, freqs, sample))
        cmds["scsynth"] = [have["scsynth"], "-N", str(score), "_", str(work / "sc.wav"),
                           str(SR), "WAV", "float", "-o", "2", "-i", "0"]
    if have.get("csound"):
        csd = work / f"{name}.csd"
        csd.write_text(csound_csd(name, seconds, freqs, sample))
        cmds["csound"] = [have["csound"], str(csd), "-o", str(work / "cs.wav")]
    return cmds


OUTFILE = {"phonon render": "phonon.wav", "phonon-farm 2": "farm.wav", "scsynth": "sc.wav",
           "csound": "cs.wav"}


def run_once(argv: list) -> float:
    t0 = time.perf_counter()
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    t = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({p.returncode}):\n{p.stdout[-2000:]}")
    return t


def analyse(path: Path, seconds: float) -> dict:
    """RMS (dBFS, after the first 0.5 s) and the strongest spectral peak below 1 kHz."""
    import soundfile as sf
    x, sr = sf.read(path, dtype="float64", always_2d=True)
    m = x.mean(axis=1)
    skip = min(len(m) // 4, sr // 2)
    seg = m[skip:skip + min(len(m) - skip, 8 * sr)]
    rms = 20 * math.log10(max(1e-12, float(np.sqrt(np.mean(seg ** 2)))))
    spec = np.abs(np.fft.rfft(seg * np.hanning(len(seg))))
    f = np.fft.rfftfreq(len(seg), 1 / sr)
    band = (f > 30) & (f < 1000)
    peak = float(f[band][np.argmax(spec[band])]) if band.any() else 0.0
    return {"frames": len(m), "rms_db": rms, "peak_hz": peak, "seconds": len(m) / sr}


def check(name: str, res: dict, ref: dict, freqs: list[float], seconds: float) -> list[str]:
    """Why an output cannot count (empty when it is plausible)."""
    bad = []
    if abs(res["seconds"] - seconds) > 0.05 + SC_BLOCK / SR:
        bad.append(f"length {res['seconds']:.3f} s, expected {seconds:g} s")
    if abs(res["rms_db"] - ref["rms_db"]) > 3.0:
        bad.append(f"RMS {res['rms_db']:.1f} dBFS, Phonon {ref['rms_db']:.1f} dBFS")
    if freqs and min(abs(res["peak_hz"] - f) for f in freqs) > 1.5:
        bad.append(f"spectral peak {res['peak_hz']:.1f} Hz is no saw fundamental")
    return bad


def bench(name: str, seconds: float, runs: int, have: dict, warm: bool = True) -> dict:
    """Time every program on patch `name`, alternating; {program: {median, times, check}}."""
    freqs = saw_freqs(PATCHES / f"{name}.ph")
    with tempfile.TemporaryDirectory(prefix="phonon-peers-") as tmp:
        work = Path(tmp)
        cmds = commands(name, seconds, work, have)
        times: dict = {k: [] for k in cmds}
        for k in cmds if warm else ():  # untimed: numba's cache, page cache, csound's opcodes
            run_once(cmds[k])
        for r in range(runs):
            order = list(cmds) if r % 2 == 0 else list(reversed(cmds))
            for k in order:
                times[k].append(run_once(cmds[k]))
        ref = analyse(work / OUTFILE["phonon render"], seconds)
        out = {}
        for k in cmds:
            res = analyse(work / OUTFILE[k], seconds)
            out[k] = {"median": statistics.median(times[k]), "times": times[k],
                      "analysis": res, "problems": check(name, res, ref, freqs, seconds)}
    return out


def peers() -> dict:
    return {"scsynth": shutil.which("scsynth"), "csound": shutil.which("csound")}


def table(results: dict) -> str:
    """A markdown table: per patch, each program's median wall and ratio to scsynth."""
    progs = ["phonon render", "phonon-farm 2", "scsynth", "csound"]
    head = "| patch | audio | " + " | ".join(progs) + " | render / scsynth | farm / scsynth | render / csound |"
    rows = [head, "|" + "---|" * (head.count("|") - 1)]
    for (name, seconds), res in results.items():
        cells = []
        for p in progs:
            if p not in res:
                cells.append("-")
            else:
                mark = " (!)" if res[p]["problems"] else ""
                cells.append(f"{res[p]['median']:.2f} s{mark}")

        def ratio(a, b):
            if a in res and b in res:
                return f"{res[a]['median'] / res[b]['median']:.2f}"
            return "-"
        rows.append(f"| {name} | {seconds:g} s | " + " | ".join(cells) + " | "
                    + " | ".join([ratio("phonon render", "scsynth"), ratio("phonon-farm 2", "scsynth"),
                                  ratio("phonon render", "csound")]) + " |")
    return "\n".join(rows)


DEFAULT_SECONDS = {"synth16": 600.0, "saw64": 60.0, "drums2000": 125.0}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--patch", action="append", choices=sorted(DEFAULT_SECONDS),
                    help="patch to run (repeatable; default all)")
    ap.add_argument("--seconds", type=float, help="audio length (default per patch)")
    ap.add_argument("--runs", type=int, default=3, help="alternating runs per program (median)")
    ap.add_argument("--quick", action="store_true", help="1 s of audio, 1 run, no warm-up (CI)")
    a = ap.parse_args(argv)
    names = a.patch or ["saw64", "synth16", "drums2000"]
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "phonon"),
                    str(ROOT / "workers")], stdout=subprocess.DEVNULL)  # bytecode, as installed
    have = peers()
    missing = [k for k, v in have.items() if not v]
    if missing:
        print(f"not installed, skipped: {', '.join(missing)}")
    results, problems = {}, []
    for name in names:
        seconds = 1.0 if a.quick else (a.seconds or DEFAULT_SECONDS[name])
        runs = 1 if a.quick else a.runs
        res = bench(name, seconds, runs, have, warm=not a.quick)
        results[(name, seconds)] = res
        for p, r in res.items():
            an = r["analysis"]
            print(f"{name:10s} {p:14s} {r['median']:7.3f} s  "
                  f"[{' '.join(f'{t:.2f}' for t in r['times'])}]  RMS {an['rms_db']:6.1f} dBFS  "
                  f"peak {an['peak_hz']:6.1f} Hz" + ("  " + "; ".join(r["problems"]) if r["problems"] else ""),
                  flush=True)
            problems += [f"{name} {p}: {x}" for x in r["problems"]]
    print()
    print(table(results))
    if problems:
        print("\nimplausible outputs (their times do not count):\n  " + "\n  ".join(problems))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
