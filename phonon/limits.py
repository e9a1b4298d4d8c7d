"""Resource limits of the language: what a program may ask for, checked before the cost.

Every limit raises `phonon.errors.LimitError` (exit 1) saying what was asked, the limit and,
where there is one, the environment variable that raises it:

  nesting           100 levels of ( [ in a statement, of [ < { in a mini-notation string,
                    of modifiers on one step (`bd*2*2...`)                (fixed)
  mini-notation     10,000 steps a string expands to (`!`, `..` ranges, `{}%n`, nested
                    repeats multiply)                                     PHONON_MAX_STEPS
  events            100,000 events per cycle of a query, and 1,000,000 per query however
                    long (counted as they are built, so `fast 1e9`, `segment 1e9`, `ply 1e9`
                    fail in microseconds)                  PHONON_MAX_EVENTS (per cycle)
  voices            1,024 voices of one sampler node at once; a new one steals the oldest
                    (5 ms fade; phonon.nodes.voices)                      PHONON_MAX_VOICES
  sample files      see phonon.samples.loader (rate, length, finite samples)

Deep programs that are legitimate (a 490-term `+` chain, 200 chained buses) compile: the
walks that follow an expression's depth run under a recursion limit raised once, bounded
by the C stack (`ensure_recursion_limit`), and a RecursionError past it becomes a
LimitError, never a traceback.

The limits of a render (README "Limits and bad input"), read by the command lines while
building their parsers, before numpy is imported:

    DEFAULT_BLOCK        engine block size in frames (--block)
    MAX_BLOCK            the largest --block: a block is a (2, n) float64 buffer per node
    DEFAULT_MAX_SECONDS  the longest render without --max-duration: 24 h of audio
    MAX_CORES            the most workers `phonon-farm --cores` starts on any backend
"""
from __future__ import annotations

import os
import resource
import sys
import threading

from .errors import LimitError

DEFAULT_BLOCK = 8192
MAX_BLOCK = 1 << 17  # 2 MiB per stereo node buffer
DEFAULT_MAX_SECONDS = 24 * 3600.0
MAX_CORES = 1024

MAX_NESTING = 100


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        v = int(raw)
    except ValueError:
        raise LimitError(f"{name}={raw!r}: expected a whole number") from None
    if v < 1:
        raise LimitError(f"{name}={raw!r}: expected a whole number >= 1")
    return v


_CACHE: dict = {}


def refresh() -> None:
    """Read the PHONON_MAX_* environment variables again (they are read once, at first use)."""
    _CACHE.clear()


def _cached(name: str, default: int) -> int:
    v = _CACHE.get(name)
    if v is None:
        v = _CACHE[name] = _env_int(name, default)
    return v


def max_steps() -> int:
    """Steps a mini-notation string may expand to."""
    return _cached("PHONON_MAX_STEPS", 10_000)


def max_events_per_cycle() -> int:
    return _cached("PHONON_MAX_EVENTS", 100_000)


def max_voices() -> int:
    """Voices of one sampler node sounding at once (the oldest is stolen past it)."""
    return _cached("PHONON_MAX_VOICES", 1024)


def max_events_per_query() -> int:
    return max(1_000_000, max_events_per_cycle())


def nesting_error(what: str, span=None, source=None) -> LimitError:
    return LimitError(f"nesting too deep: more than {MAX_NESTING} levels of {what} "
                      f"(limit {MAX_NESTING})", span=span, source=source,
                      hint="flatten the expression, or name a part with a bus ('~part: ...')")


# ---- recursion: bounded by the thread's C stack ------------------------------------------

# C stack a Python-level recursion may use per level, worst case (calls through C slots:
# dataclass __eq__, Fraction operators, pickle). 3.11+ runs Python-to-Python calls without
# C recursion, so the real use is far below this.
_BYTES_PER_LEVEL = 800
_TARGET = 10_000


def safe_recursion_limit() -> int:
    """The recursion limit this process can afford: 10,000 levels, or less when the main
    thread's stack (RLIMIT_STACK) or the stack new threads get (threading.stack_size) is small."""
    soft, _ = resource.getrlimit(resource.RLIMIT_STACK)
    main = soft if soft not in (resource.RLIM_INFINITY, -1) and soft > 0 else 8 << 20
    thread = threading.stack_size() or main
    stack = min(main, thread)
    return max(1000, min(_TARGET, stack // _BYTES_PER_LEVEL))


_SAFE: list = []


def ensure_recursion_limit() -> None:
    """Raise the recursion limit to `safe_recursion_limit()` (never lowers it)."""
    if not _SAFE:
        _SAFE.append(safe_recursion_limit())
    if sys.getrecursionlimit() < _SAFE[0]:
        sys.setrecursionlimit(_SAFE[0])


def too_deep(what: str) -> LimitError:
    return LimitError(f"{what} is nested too deeply to evaluate (more than about "
                      f"{sys.getrecursionlimit()} levels of Python recursion)",
                      hint="split it into buses ('~part: ...') or shorten the chain")


# ---- events per query ----------------------------------------------------------------------

class _Budget(threading.local):
    left = None      # events still allowed in the current top-level query (None: none open)
    limit = 0        # the budget it started with
    span = None      # the query's (begin, end)


BUDGET = _Budget()


def _fmt_time(t) -> str:
    return str(t) if getattr(t, "denominator", 1) == 1 else f"{float(t):g}"


def query_budget(begin, end) -> int:
    """Events a query of [begin, end) may build: 100,000 per cycle it spans (at least one),
    at most 1,000,000."""
    cycles = max(1, int(-(-(end - begin) // 1)))
    return min(max_events_per_cycle() * cycles, max_events_per_query())


def events_error(asked: int, span, limit: int) -> LimitError:
    per_cycle = max_events_per_cycle()
    where = f" in cycles {_fmt_time(span[0])}..{_fmt_time(span[1])}" if span is not None else ""
    return _EventsLimitError(
        f"the pattern asks for more than {limit:,} events{where} (one step alone asks for "
        f"{asked:,}); limit {per_cycle:,} events per cycle, {max_events_per_query():,} per query",
        hint="a factor that large? (fast, segment, ply, '*', '%', slow 0.000001 ...); "
             "set PHONON_MAX_EVENTS to raise the limit per cycle", cycles=span)


class _EventsLimitError(LimitError):
    """The events limit, with the cycles of the query that hit it (for `locate_events`)."""

    def __init__(self, message, cycles=None, **kw):
        self.cycles = cycles
        super().__init__(message, **kw)


def locate_events(err, spec, source=None, filename=None, cycles=None):
    """A PhononError raised in the middle of a render (the events limit, a word where a
    number is needed) has no place in the text: the engine queries patterns, not
    expressions. Find it: each pattern of the graph is queried again over the cycles that
    failed (the events limit's own, else `cycles`, the window being rendered), its values
    converted as its node converts them, and the first that fails the same way gives its
    node's line:col (NodeSpec.label), the caret and the line. Else `err` as it was."""
    from .errors import NonFiniteError, PhononError
    cycles = getattr(err, "cycles", None) or cycles
    if err.span is not None or cycles is None or isinstance(err, NonFiniteError):
        return err
    import re
    from .errors import Span
    from .patexpr import converter, evaluate
    from .spec import Pat
    b, e = cycles
    for ns in spec.nodes:
        m = re.search(r"(\d+):(\d+)", ns.label or "")
        if not m:
            continue
        for name, v in ns.args:
            if not isinstance(v, Pat):
                continue
            conv = converter(ns.kind, name)
            try:
                for h in evaluate(v.expr).query(b, e):
                    if conv is not None and not isinstance(h.value, dict):
                        conv(h.value)
            except PhononError as probe:
                same = isinstance(err, LimitError) and isinstance(probe, LimitError) \
                    or probe.message == err.message
                if not same:
                    continue
                cls = LimitError if isinstance(err, LimitError) else type(err)
                try:
                    located = cls(err.message, span=Span(int(m[1]), int(m[2])), hint=err.hint)
                except TypeError:
                    located = PhononError(err.message, span=Span(int(m[1]), int(m[2])), hint=err.hint)
                return located.with_source(source, filename) if source is not None else located
            except Exception:   # noqa: BLE001 (a diagnostic: the original error stands)
                continue
    return err


class own_budget:
    """A query made on the pattern's behalf inside another (a held control looking back 16
    cycles for its last value) gets a budget of its own: the user's pattern is limited per
    query as always, but the lookback's work is not charged to the query that asked."""

    def __enter__(self):
        b = BUDGET
        self.saved = (b.left, b.limit, b.span)
        b.left = None
        return self

    def __exit__(self, *exc):
        BUDGET.left, BUDGET.limit, BUDGET.span = self.saved
        return False


def charge(n: int) -> None:
    """Account for n events (or cycles) about to be built by a query; raises LimitError past
    the budget. Outside a top-level query (`Pattern.query`) one call may build at most the
    per-query limit."""
    b = BUDGET
    left = b.left
    if left is None:
        if n > max_events_per_query():
            raise events_error(n, None, max_events_per_query())
        return
    left -= n
    b.left = left
    if left < 0:
        raise events_error(n, b.span, b.limit)
