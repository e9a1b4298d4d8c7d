"""Shared helpers for the pattern tests (imported by tests/test_pattern_*.py, test_mini*.py)."""
import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)


def _v(v):
    return tuple(sorted(v.items())) if isinstance(v, dict) else v


def onsets(pat, b=0, e=1):
    """Sorted (begin, value) of the onset haps in [b, e)."""
    hs = [h for h in pat.query(b, e) if h.has_onset()]
    return sorted(((h.whole.begin, _v(h.value)) for h in hs), key=lambda x: (x[0], repr(x[1])))


def onset_wholes(pat, b=0, e=1):
    hs = [h for h in pat.query(b, e) if h.has_onset()]
    return sorted(((h.whole, _v(h.value)) for h in hs), key=lambda x: (x[0].begin, x[0].end, repr(x[1])))


def events(pat, b=0, e=1):
    """Sorted (whole, part, value) of all haps in [b, e)."""
    return sorted(((h.whole, h.part, _v(h.value)) for h in pat.query(b, e)),
                  key=lambda x: (x[1].begin, x[1].end, repr(x[0]), repr(x[2])))


def cycles(pat, n, start=0):
    """Values of onsets per cycle, as lists in time order."""
    return [[v for _, v in onsets(pat, c, c + 1)] for c in range(start, start + n)]


def times(pat, b=0, e=1):
    return [t for t, _ in onsets(pat, b, e)]
