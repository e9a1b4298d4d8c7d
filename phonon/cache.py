"""The per-user cache folder: $XDG_CACHE_HOME/phonon, else ~/.cache/phonon (calibrated farm
costs, the parser's LR tables). Everything in it can be deleted at any time."""
from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "phonon"
