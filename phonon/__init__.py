"""Phonon: a live-coding music language with an offline render farm."""
__version__ = "0.1.0"
