"""What `s "..."` can name: `phonon samples` (the listing) and the unknown-sound check of
`phonon check` / `phonon render --strict`.

A sound is, in lookup order: a sample folder of the roots (Dirt-Samples layout), a synth
(phonon.nodes.superdirt_synths), or the built-in kit (its sounds, aliases such as `sd` for
`sn`, and the composite `drum`). A folder of the same name as a synth or a kit sound wins.
"""
from __future__ import annotations

from typing import Optional

from . import SampleBank, kit

CHECK_CYCLES = 16  # cycles of each sound pattern the check queries


def listing(bank: SampleBank) -> str:
    """Every sound the bank answers, grouped: folders with their file counts, the kit, synths."""
    lines = []
    folders = bank.folders()
    if bank.roots:
        lines.append(f"sample folders ({len(folders)}) from " + ", ".join(bank.roots) + ":")
        lines += _columns([f"{name} ({n})" for name, n, _ in folders]) or ["  (none)"]
    else:
        lines.append("sample folders: no sample root (use --samples DIR or PHONON_SAMPLES)")
    lines.append("")
    lines.append("built-in kit (synthesized; a folder of the same name wins):")
    lines += _columns([f"{name} ({kit.kit_count(name)})" for name in kit.kit_names()])
    lines.append("  aliases: " + ", ".join(f"{a} = {t}" for a, t in sorted(kit.ALIASES.items())))
    lines.append("  " + ", ".join(f"{c} ({len(v)}: " + " ".join(f"{n}:{i}" for n, i in v) + ")"
                                  for c, v in kit.COMPOSITES.items()))
    lines.append("")
    lines.append("synths (pitch from note/n, length from sustain/legato):")
    lines += _columns(list(kit.SYNTH_NAMES))
    return "\n".join(lines) + "\n"


def _columns(items: list, width: int = 96) -> list:
    out, cur = [], "  "
    for it in items:
        if len(cur) + len(it) + 2 > width and cur.strip():
            out.append(cur.rstrip())
            cur = "  "
        cur += it + "  "
    if cur.strip():
        out.append(cur.rstrip())
    return out


def sound_names(spec, cycles: int = CHECK_CYCLES) -> list[tuple[str, str]]:
    """[(name, where)] of the sounds the sampler nodes of a compiled spec play in their first
    `cycles` cycles; `where` is the node's source position (line:col)."""
    from ..events import sources
    from ..nodes.voices import _parse_name
    from ..patexpr import evaluate
    names: dict[str, str] = {}
    seen = set()
    for _, srcs in sources(spec):
        for src in srcs:
            if src.kind != "sampler" or src.node in seen:
                continue
            seen.add(src.node)
            for h in evaluate(src.expr).query(0, cycles):
                v = h.value
                word = v.get("s", v.get("sound")) if isinstance(v, dict) else v
                if word is None:
                    continue
                name = _parse_name(word)[0]
                if not name.startswith("~"):
                    names.setdefault(name, src.label)
    return list(names.items())


def unknown_sounds(spec, bank: Optional[SampleBank] = None) -> list[tuple[str, list[str], str]]:
    """[(name, nearest names, where)] for every sound of the spec that is neither a sample nor
    a synth."""
    bank = bank or SampleBank(spec.sample_roots, spec.sr)
    return [(n, bank.nearest(n), w) for n, w in sound_names(spec) if not bank.is_sound(n)]


def describe_unknown(unknown: list[tuple[str, list[str], str]]) -> str:
    parts = []
    for name, near, where in unknown:
        parts.append((f"{where}: " if where else "") + f"unknown sound '{name}'"
                     + (" — nearest: " + ", ".join(f"'{x}'" for x in near) if near else ""))
    return "; ".join(parts)
