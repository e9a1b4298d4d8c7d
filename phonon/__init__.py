"""Phonon: a live-coding music language with an offline render farm."""
__version__ = "0.1.0"


def __getattr__(name):
    """`phonon.events(source, begin, end)`: the events a patch plays (Tidal's queryArc), loaded
    on first use. The module is callable, so the name means the same whether or not
    `phonon.events` was imported."""
    if name == "events":
        import importlib
        return importlib.import_module(".events", __name__)
    raise AttributeError(f"module 'phonon' has no attribute {name!r}")
