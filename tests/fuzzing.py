"""The property fuzzer's programs and its one check (issue 13, "Property tests").

Used by tests/test_fuzz.py (a few hundred derandomized cases in one child process) and by
scripts/fuzz.py (10,000 cases, `--cases N`). Both run the loop in ONE process under a
1.5 GB address-space cap, each case under a time cap (SIGALRM), not one process per case.

The property: compiling a program and rendering one cycle of it (8000 Hz, 512-frame blocks,
at most MAX_SECONDS of audio) either raises a PhononError (a located, user-facing error) or
gives finite samples. Anything else fails the case: another exception type (TypeError,
IndexError, ZeroDivisionError ...), RecursionError, MemoryError, NaN/inf in the output, or
a case that runs past its time cap (`CaseTimeout`, raised from the alarm handler).

Programs come from four strategies:
  soup     token soup of the language: names of the registry, numbers (0, negative, huge,
           tiny, 1e400, nan-ish words), operators, parens, brackets, buses, `out:` heads and
           mini-notation strings built from the mini-notation's tokens
  shaped   the same tokens in grammar-shaped expressions (calls, chains, `$`, lists), so
           that they reach the compiler and the render rather than stopping in the parser
  typed    each registry function used as its category is used, with arguments of its
           parameters' declared kinds near their ranges (one in five: of a wrong kind)
  mutants  the example patches (examples/, tests/patches/, tests/corpus/ and every
           registry example) with tokens or characters deleted, duplicated, swapped or
           replaced, numbers changed
"""
from __future__ import annotations

import math
import re
import signal
from pathlib import Path

from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
SR = 8000
BLOCK = 512
MAX_SECONDS = 4.0       # one cycle, but never more than this much audio (cps 0.01 is 100 s)
CASE_SECONDS = 10.0     # per-case time cap: a case past it is a failure (printed)
MEM_CAP = int(1.5 * 2 ** 30)


# ---- the check --------------------------------------------------------------------------------

class CaseTimeout(Exception):
    """A case ran past CASE_SECONDS (raised from SIGALRM: a failure, not a PhononError)."""


class NonFinite(AssertionError):
    """The render gave NaN or inf."""


def _alarm(signum, frame):
    raise CaseTimeout(f"case ran past {CASE_SECONDS:g} s")


def install_alarm() -> None:
    signal.signal(signal.SIGALRM, _alarm)


class _CompilePause:
    """numba compiles (or loads from its cache) a kernel on first use: seconds on a fresh
    checkout, once per process, not the case's own time. The case's timer stops while numba
    compiles (its "numba:compile" events, nested ones counted) and runs on afterwards."""

    def __init__(self):
        self.depth, self.left = 0, 0.0

    def on_start(self, event):
        if self.depth == 0:
            self.left = signal.setitimer(signal.ITIMER_REAL, 0)[0]
        self.depth += 1

    def on_end(self, event):
        self.depth -= 1
        if self.depth == 0 and self.left > 0:
            signal.setitimer(signal.ITIMER_REAL, self.left)


_PAUSE = None


def _pause_during_compiles() -> None:
    global _PAUSE
    if _PAUSE is None:
        from numba.core import event as ev

        class L(ev.Listener):
            def on_start(self, event):
                _PAUSE.on_start(event)

            def on_end(self, event):
                _PAUSE.on_end(event)
        _PAUSE = _CompilePause()
        ev.register("numba:compile", L())


def run_case(src: str, seconds: float = CASE_SECONDS, reraise: bool = False):
    """Compile `src` and render one cycle of it. Returns "ok" or "error" (a PhononError, or
    raises it with `reraise`); raises anything else (the property's failure)."""
    import numpy as np
    from phonon.compiler import compile_source
    from phonon.engine import Graph, mix_outputs, render_blocks
    from phonon.errors import PhononError
    _pause_during_compiles()
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        try:
            spec = compile_source(src, filename="fuzz.ph", sr=SR)
            cycle = 1.0 / float(spec.cps) if float(spec.cps) > 0 else MAX_SECONDS
            frames = max(1, int(min(cycle, MAX_SECONDS) * SR))
            g = Graph(spec)
            for _, outs in render_blocks(g, frames, BLOCK):
                y = mix_outputs(outs)
                if not np.isfinite(y).all():
                    bad = np.flatnonzero(~np.isfinite(y).all(axis=0))[0]
                    raise NonFinite(f"non-finite sample at frame {g.pos - y.shape[1] + bad}"
                                    if hasattr(g, "pos") else "non-finite sample")
        except PhononError as e:
            str(e)  # rendering the message must not fail either
            if reraise:   # as `phonon render` reports it: located when it can be
                from phonon.limits import locate_events
                raise locate_events(e, spec, cycles=(0, 2)) if "spec" in locals() else e
            return "error"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        _PAUSE.left = 0.0  # a compile that ends after the case does not restart its timer
    return "ok"


def failure_key(exc: BaseException) -> str:
    """Where a failure comes from: its type and the innermost frame in phonon/ (one bug, one key)."""
    tb, where = exc.__traceback__, ""
    while tb is not None:
        f = tb.tb_frame.f_code.co_filename
        if "/phonon/" in f:
            where = f"{f.split('/phonon/')[-1]}:{tb.tb_lineno}"
        tb = tb.tb_next
    return f"{type(exc).__name__} at {where or '?'}"


def warm_up() -> None:
    """Import and JIT everything once, outside the per-case cap (numba compiles kernels on
    first use: seconds, not a hang). Renders each registry example."""
    for src in registry_examples():
        try:
            run_case(src, seconds=120)
        except Exception:
            pass


def context_of(decl) -> str:
    """Where a registry function plays: "transform" (applied to a pattern with `$`),
    "control" (after `sound #`), "effect" (after `signal #`), or "" (alone)."""
    if decl.category == "transform":
        return "transform"
    if decl.category == "control":
        return "control"
    if decl.chainable and any(p.kind == "input" for p in decl.params):
        return "effect"
    return ""


def call_in_context(decl, call: str, subject: str = "") -> str:
    """The call where its category plays (context_of), on `subject` (a pattern for a
    transform or a control, a signal for an effect; defaults that always compile)."""
    where = context_of(decl)
    drums = 's "bd*2 sn"'
    if where == "transform":
        return f"{call} $ {subject or drums}"
    if where == "control":
        return f"{subject or drums} # {call}"
    if where == "effect":
        return f"{subject or 'saw 110'} # {call}"
    return call


# ---- vocabulary ---------------------------------------------------------------------------------

def _registry_names() -> list:
    from phonon import registry
    return registry.all_names()


def registry_examples() -> list:
    from phonon import registry
    out = []
    for d in registry.load().values():
        ex = d.example
        if not any(ex.lstrip().startswith(k) for k in ("out", "~", "tempo", "cps", "bpm", "d1")):
            ex = "out: " + ex
        out.append(ex)
    return out


def seed_patches() -> list:
    files = sorted((ROOT / "examples").glob("*.ph")) + sorted((ROOT / "tests" / "patches").glob("*.ph")) \
        + sorted((ROOT / "tests" / "corpus").glob("*.tidal"))
    return [p.read_text() for p in files] + registry_examples()


NAMES = _registry_names()
SOUNDS = ["bd", "sn", "hh", "cp", "arpy", "superpiano", "supersaw", "nosuch", "bd:3", "hh:-1"]
WORDS = SOUNDS + ["c", "e", "a4", "cs5", "t", "f", "true", "x", "major", "c'maj", "e'min7'ii"]
NUMBERS = ["0", "1", "2", "3", "0.5", "0.25", "-1", "-0.5", "4", "8", "16", "100", "440", "1000",
           "20000", "1e9", "1e-9", "1e308", "1e400", "0.0", "00", "1e-320", "65536", "7", "12",
           "-12", "0.999", "1.0001", "3.14159", "nan", "inf", "-inf", "NaN", "1e"]
OPERATORS = ["#", "$", ".", "+", "-", "*", "/", "%", "|+|", "|+", "+|", "|-|", "|*", "*|",
             "|/", "|%|", "|<", ">|", "<~", "~>", "|>", "|<|"]
PUNCT = ["(", ")", "[", "]", ",", ":", "(", ")"]
HEADS = ["out:", "out1:", "out2:", "~a:", "~b:", "cps:", "tempo:", "bpm:", "d1 $", "o:", "let x ="]
BUSES = ["~a", "~b", "~lfo", "~nosuch"]
MINI_TOKENS = ["~", "[", "]", "<", ">", "{", "}", "%", "!", "?", "@", "*", "/", "(", ",", ")",
               ":", ".", "..", "|", "_", "-", " ", " ", " "]


# ---- strategies -----------------------------------------------------------------------------------

def number() -> st.SearchStrategy:
    return st.one_of(st.sampled_from(NUMBERS),
                     st.integers(-100000, 100000).map(str),
                     st.floats(allow_nan=False, allow_infinity=False, width=32).map(lambda f: repr(float(f))))


def mini_string() -> st.SearchStrategy:
    tok = st.one_of(st.sampled_from(WORDS), number(), st.sampled_from(MINI_TOKENS),
                    st.sampled_from(MINI_TOKENS))
    return st.lists(tok, max_size=14).map(lambda ts: '"' + " ".join(ts).replace('"', "") + '"')


def token() -> st.SearchStrategy:
    return st.one_of(st.sampled_from(NAMES), number(), st.sampled_from(OPERATORS),
                     st.sampled_from(PUNCT), st.sampled_from(BUSES), mini_string(),
                     st.sampled_from(HEADS))


@st.composite
def soup(draw) -> str:
    """A line of random tokens after a statement head (or no head at all, sometimes)."""
    lines = []
    for _ in range(draw(st.integers(1, 3))):
        head = draw(st.one_of(st.sampled_from(HEADS[:5]), st.just("")))
        toks = draw(st.lists(token(), min_size=1, max_size=12))
        lines.append((head + " " + " ".join(toks)).strip())
    return "\n".join(lines) + "\n"


@st.composite
def expr(draw, depth: int = 0) -> str:
    """A grammar-shaped expression: a call with arguments, a chain, a `$`, an operator."""
    leaf = st.one_of(number(), mini_string(), st.sampled_from(BUSES),
                     st.sampled_from(NAMES))
    if depth >= 3:
        return draw(leaf)
    kind = draw(st.integers(0, 6))
    sub = expr(depth + 1)
    if kind == 0:
        return draw(leaf)
    if kind == 1:   # a call
        args = draw(st.lists(st.one_of(leaf, sub.map(lambda e: f"({e})")), max_size=4))
        return " ".join([draw(st.sampled_from(NAMES))] + args)
    if kind == 2:   # a chain
        return f"{draw(sub)} # {draw(st.sampled_from(NAMES))} " + " ".join(
            draw(st.lists(leaf, max_size=3)))
    if kind == 3:   # application
        return f"{draw(st.sampled_from(NAMES))} {draw(leaf)} $ {draw(sub)}"
    if kind == 4:
        return f"{draw(sub)} {draw(st.sampled_from(OPERATORS))} {draw(sub)}"
    if kind == 5:   # a list
        return "[" + ", ".join(draw(st.lists(sub, max_size=3))) + "]"
    return f"s {draw(mini_string())}" + "".join(
        f" # {draw(st.sampled_from(NAMES))} {draw(leaf)}" for _ in range(draw(st.integers(0, 2))))


@st.composite
def shaped(draw) -> str:
    lines = []
    if draw(st.booleans()):
        lines.append(f"~a: {draw(expr())}")
    if draw(st.integers(0, 3)) == 0:
        lines.append(f"cps: {draw(st.one_of(st.sampled_from(['0.5', '1', '2', '0.25']), number()))}")
    lines.append(f"out: {draw(expr())}")
    return "\n".join(lines) + "\n"


_TOKEN_RE = re.compile(r'"[^"\n]*"|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|~?[A-Za-z_][A-Za-z0-9_]*\'*'
                       r'|\|?[-+*/%<>]\|?|<~|~>|\s+|.')


@st.composite
def mutant(draw) -> str:
    """A seed patch with 1..4 token or character edits."""
    text = draw(st.sampled_from(SEEDS))
    toks = _TOKEN_RE.findall(text)
    for _ in range(draw(st.integers(1, 4))):
        if not toks:
            break
        op = draw(st.sampled_from([0, 1, 2, 3, 4, 4, 4, 4, 5, 5, 6, 7, 8, 8]))
        i = draw(st.integers(0, len(toks) - 1))
        j = draw(st.integers(0, len(toks) - 1))
        if op == 0:
            del toks[i]
        elif op == 1:
            toks.insert(i, toks[i])
        elif op == 2:
            toks[i], toks[j] = toks[j], toks[i]
        elif op == 3:
            toks[i] = draw(token())
        elif op == 4:   # a number changed (the first number at or after i)
            k = next((k for k in range(i, len(toks)) if re.fullmatch(r"[\d.]+(?:[eE][+-]?\d+)?", toks[k])), i)
            toks[k] = draw(number())
        elif op == 8 and re.fullmatch(r"[A-Za-z_]\w*'*", toks[i]):   # a name changed
            toks[i] = draw(st.sampled_from(NAMES))
        elif op == 5 and toks[i].startswith('"') and len(toks[i]) > 2:   # inside a string
            s = toks[i][1:-1]
            k = draw(st.integers(0, len(s)))
            toks[i] = '"' + s[:k] + draw(st.sampled_from(MINI_TOKENS + WORDS)) + s[k:] + '"'
        else:   # a character deleted or duplicated
            s = "".join(toks)
            k = draw(st.integers(0, max(0, len(s) - 1)))
            s = s[:k] + (s[k] * 2 if draw(st.booleans()) else "") + s[k + 1:]
            toks = _TOKEN_RE.findall(s)
    return "".join(toks)


SEEDS = seed_patches()

# ---- typed calls: each registry function with arguments of the kinds it declares (mostly) ---------

SOUND_PATS = ['s "bd*4 sn"', 's "[bd sn, hh*8]"', 'n "0 .. 7" # s "arpy"', 's "superpiano" # note "0 4 7"',
              'sound "bd(3,8)"', 's "~ cp"']
SIGNALS = ["saw 110", "sine 440", 'saw "55 110"', "noise", "square 220 # lpf 800 0.5"]
FUNCS = ["rev", "(fast 2)", "(# speed 2)", "(0.25 ~>)", "(hurry 2)", "id", "(striate 4)",
         "(+ n 12)", "(slow 0.5)", "(# crush 4)", "(every 2 rev)", "(chop 3)", "degrade"]


def _bound(v) -> str:
    f = float(v)
    if math.isinf(f):
        return "1e12" if f > 0 else "-1e12"
    return repr(f) if f != int(f) else str(int(f))


def arg_for(p, wrong: bool):
    """A strategy for one argument of declared parameter `p` (the wrong kind when `wrong`)."""
    kinds = {
        "number": number(), "signal": number(),
        "pattern": st.one_of(mini_string(), st.sampled_from(SOUND_PATS).map(lambda s: f"({s})")),
        "function": st.sampled_from(FUNCS),
        "list": st.lists(st.one_of(st.sampled_from(SOUND_PATS), number(), mini_string()),
                         min_size=0, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
        "functions": st.lists(st.sampled_from(FUNCS), max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
        "pairs": st.lists(st.tuples(st.one_of(number(), st.sampled_from(['"bd"', '"sn"'])), number()),
                          max_size=3).map(lambda xs: "[" + ", ".join(f"({a}, {b})" for a, b in xs) + "]"),
        "curried": st.sampled_from(["fast", "($)", "chop", "slow", "(#)", "rev", "(+)"]),
        "timed": st.lists(st.tuples(number(), st.sampled_from(SOUND_PATS).map(lambda s: f"({s})")),
                          max_size=3).map(lambda xs: "[" + ", ".join(f"({a}, {b})" for a, b in xs) + "]"),
        "controls": st.sampled_from(['(s "bd")', "(n 1)", '(s "<bd sn>" # n 2)', "(pan sine)",
                                     "(speed 2)"]),
        "named": st.sampled_from(['[("a", s "bd*2"), ("b", "1 2")]', '[("a", silence)]', "[]"]),
        "namedfns": st.sampled_from(['[("f", fast 2)]', "[]", '[("r", rev), ("g", (# speed 2))]']),
        "replacement": st.one_of(mini_string(), st.sampled_from(SOUND_PATS + ["silence"]).map(lambda s: f"({s})")),
    }
    if wrong:
        return st.one_of(*kinds.values(), st.sampled_from(SOUND_PATS).map(lambda s: f"({s})"),
                         st.sampled_from(NAMES), st.sampled_from(SIGNALS).map(lambda s: f"({s})"))
    s = kinds.get(p.kind, number())
    if p.kind in ("number", "signal") and p.range is not None:
        lo, hi = p.range
        near = [_bound(lo), _bound(hi)]
        if not (math.isinf(float(lo)) or math.isinf(float(hi))):
            near.append(_bound((float(lo) + float(hi)) / 2))
        s = st.one_of(st.sampled_from(near), s, st.sampled_from(near).map(lambda v: f'"{v} 1"'))
        if p.kind == "signal":
            s = st.one_of(s, st.sampled_from(["(sine 1 * 10)", "(saw 0.5 * 1e6)", "(noise)",
                                              '"<0 1>"', "(~a)"]))
    return s


@st.composite
def typed(draw) -> str:
    """`out:` a registry function applied as its category is used, with arguments of its
    parameters' declared kinds (one in five cases: of a wrong kind)."""
    from phonon import registry
    decl = draw(st.sampled_from(sorted(registry.load().values(), key=lambda d: d.name)))
    params = [p for p in decl.params if p.kind != "input" and p.name != "trig"]
    n = draw(st.integers(0, len(params)))
    if n < len([p for p in params if p.required]) and draw(st.booleans()):
        n = len(params)
    wrong = draw(st.integers(0, 4)) == 0
    args = " ".join(draw(arg_for(p, wrong and draw(st.booleans()))) for p in params[:n])
    call = f"{decl.name} {args}".strip()
    where = {"transform": SOUND_PATS + SIGNALS[:3], "control": SOUND_PATS,
             "effect": SIGNALS + SOUND_PATS[:2]}.get(context_of(decl))
    body = call_in_context(decl, call, draw(st.sampled_from(where)) if where else "")
    lines = ["~a: sine 2"] if "~a" in body else []
    if draw(st.integers(0, 4)) == 0:
        lines.append(f"cps: {draw(st.sampled_from(['0.5', '1', '2', '0.3', '8']))}")
    return "\n".join(lines + [f"out: {body}"]) + "\n"


def programs() -> st.SearchStrategy:
    return st.one_of(soup(), shaped(), mutant(), typed(), typed())


def describe(src: str, exc: BaseException) -> str:
    return f"{failure_key(exc)}: {type(exc).__name__}: {exc}\n--- program ---\n{src}--- end ---"


def cap_memory() -> None:
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = MEM_CAP if hard in (resource.RLIM_INFINITY, -1) else min(MEM_CAP, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
