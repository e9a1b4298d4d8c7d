"""Phonon: a live-coding music language with an offline render farm."""
__version__ = "0.1.0"


# `phonon.events(source, begin, end)`: the events a patch plays (Tidal's queryArc). The
# module is callable, so the name means the same whether or not `phonon.events` was imported.
from . import events  # noqa: E402,F401
