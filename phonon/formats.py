"""The output formats, in one table (no imports: the CLI reads it before numpy loads).

FORMATS: file containers by extension; SUBTYPES: `--bit-depth` -> soundfile subtype."""
FORMATS = ("wav", "flac")
SUBTYPES = {"16": "PCM_16", "24": "PCM_24", "32f": "FLOAT"}
