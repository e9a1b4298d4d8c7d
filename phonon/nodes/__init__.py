"""DSP nodes by family. Importing this package registers every node kind and declares
every DSP function of the DSL (see phonon.registry)."""
import importlib

FAMILIES = ("math", "osc", "filters", "envelopes", "delays", "reverbs", "modulation",
            "distortion", "dynamics", "voices", "synths")

for _fam in FAMILIES:
    try:
        importlib.import_module(f"{__name__}.{_fam}")
    except ModuleNotFoundError as e:  # a family still being written
        if e.name != f"{__name__}.{_fam}":
            raise

from .base import NODE_CLASSES  # noqa: E402,F401
