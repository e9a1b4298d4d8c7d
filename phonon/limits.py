"""The limits of a render, in one place (README "Limits and bad input"). A light module:
the command lines read these while building their parsers, before numpy is imported.

    DEFAULT_BLOCK        engine block size in frames (--block)
    MAX_BLOCK            the largest --block: a block is a (2, n) float64 buffer per node
    DEFAULT_MAX_SECONDS  the longest render without --max-duration: 24 h of audio
    MAX_CORES            the most workers `phonon-farm --cores` starts on any backend
"""
DEFAULT_BLOCK = 8192
MAX_BLOCK = 1 << 17  # 2 MiB per stereo node buffer
DEFAULT_MAX_SECONDS = 24 * 3600.0
MAX_CORES = 1024
