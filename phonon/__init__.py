"""Phonon: a live-coding music language with an offline render farm."""
__version__ = "0.1.0"


def events(source, begin=0, end=1, output=None, **kw):
    """The events a patch plays in [begin, end) cycles (Tidal's queryArc); see phonon.events."""
    from .events import events as _events
    return _events(source, begin, end, output, **kw)
