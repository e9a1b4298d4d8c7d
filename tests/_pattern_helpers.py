"""Shared helpers for the pattern tests."""
from fractions import Fraction as F


def onsets(pat, b=0, e=1):
    """Sorted (begin, value) of the onset haps in [b, e)."""
    hs = [h for h in pat.query(b, e) if h.has_onset()]
    return sorted(((h.whole.begin, _v(h.value)) for h in hs), key=lambda x: (x[0], repr(x[1])))


def events(pat, b=0, e=1):
    """Sorted (whole, part, value) of all haps in [b, e)."""
    return sorted(((h.whole, h.part, _v(h.value)) for h in pat.query(b, e)),
                  key=lambda x: (x[1].begin, repr(x[0]), repr(x[2])))


def _v(v):
    return tuple(sorted(v.items())) if isinstance(v, dict) else v


def cycles(pat, n, start=0):
    """Values of onsets per cycle, as lists in time order."""
    return [[v for _, v in onsets(pat, c, c + 1)] for c in range(start, start + n)]


def times(pat, b=0, e=1):
    return [t for t, _ in onsets(pat, b, e)]
