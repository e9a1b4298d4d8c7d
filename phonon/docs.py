"""The language reference, generated from the registry (`phonon functions`, docs/functions.md)."""
from __future__ import annotations

from .registry import CATEGORIES, REGISTRY, FunctionDecl, _fmt, load

CATEGORY_TITLES = {
    "oscillator": "Oscillators", "filter": "Filters", "envelope": "Envelopes", "effect": "Effects",
    "dynamics": "Dynamics", "sample": "Samples", "control": "Sample controls", "synth": "Synths",
    "transform": "Pattern transforms", "combinator": "Combinators", "math": "Math",
    "test": "Tests of cycle numbers and times (ifp, whenT)",
}


# The four groups of the reference (issue 11): pattern functions, controls (and `s`), signal
# sources, effects on signals; each holds categories, in this order.
GROUPS = {
    "pattern": ("Pattern functions", ("transform", "combinator", "test")),
    "control": ("Controls of events", ("sample", "control")),
    "signal": ("Signals", ("oscillator", "synth", "envelope", "math")),
    "effect": ("Effects on signals", ("filter", "effect", "dynamics")),
}
GROUP_OF = {c: g for g, (_, cats) in GROUPS.items() for c in cats}
assert sorted(GROUP_OF) == sorted(CATEGORIES), "every category belongs to one group"


def _param_line(p) -> str:
    bits = [p.name]
    if not p.required:
        bits.append(f"default {_fmt(p.default)}")
    else:
        bits.append("required")
    if p.unit:
        bits.append(p.unit)
    if p.range:
        bits.append(f"range {_fmt(p.range[0])}..{_fmt(p.range[1])}")
    bits.append(p.kind)
    if p.note_names:
        bits.append("note names in " + p.note_names)
    return f"{bits[0]} ({', '.join(bits[1:])})" + (f": {p.doc}" if p.doc else "")


def user_params(decl: FunctionDecl) -> list:
    return list(decl.user_params())


def function_text(decl: FunctionDecl) -> str:
    sig = " ".join(p.describe() for p in user_params(decl))
    lines = [f"{decl.name} {sig}".rstrip(), ""]
    if decl.aliases:
        lines.append("aliases: " + ", ".join(decl.aliases))
    lines.append(f"category: {decl.category}")
    if decl.tidal_type():
        lines.append(f"Tidal: {decl.tidal_type()}")
    lines += ["", decl.doc, "", "parameters:"]
    lines += ["  " + _param_line(p) for p in user_params(decl)] or ["  (none)"]
    lines += ["", "example:", "  " + decl.example]
    return "\n".join(lines)


def listing() -> str:
    load()
    lines = []
    for title, cats in GROUPS.values():
        lines += [f"== {title} ==", ""]
        for cat in cats:
            decls = sorted((d for d in REGISTRY.values() if d.category == cat), key=lambda d: d.name)
            if not decls:
                continue
            lines.append(CATEGORY_TITLES[cat] + ":")
            for d in decls:
                sig = " ".join(p.describe() for p in user_params(d))
                tidal = d.tidal_type().partition(" :: ")[2]   # Tidal's type, after the name
                lines.append(f"  {d.name:<14} {sig:<26} :: {tidal}".rstrip() if tidal
                             else f"  {d.name:<14} {sig}".rstrip())
            lines.append("")
    lines.append("`phonon functions NAME` shows one function in full.")
    return "\n".join(lines)


def markdown() -> str:
    load()
    out = ["# Phonon functions", "",
           "Generated from the registry (`phonon functions --markdown`); do not edit by hand.", ""]
    for cat in [c for _, cats in GROUPS.values() for c in cats]:
        decls = sorted((d for d in REGISTRY.values() if d.category == cat), key=lambda d: d.name)
        if not decls:
            continue
        if cat == GROUPS[GROUP_OF[cat]][1][0]:
            out += [f"# {GROUPS[GROUP_OF[cat]][0]}", ""]
        out += [f"## {CATEGORY_TITLES[cat]}", ""]
        for d in decls:
            sig = " ".join(p.describe() for p in user_params(d))
            out += [f"### `{d.name}`" + (f" (aliases: {', '.join(d.aliases)})" if d.aliases else ""), "",
                    f"`{d.name} {sig}`".replace(" `", "`") if not sig else f"`{d.name} {sig}`", "",
                    d.doc, ""]
            if d.tidal_type():
                out += [f"Tidal: `{d.tidal_type()}`", ""]
            ps = user_params(d)
            if ps:
                out += ["| parameter | default | unit | range | kind | meaning |",
                        "|---|---|---|---|---|---|"]
                for p in ps:
                    rng = f"{_fmt(p.range[0])}..{_fmt(p.range[1])}" if p.range else ""
                    notes = f" Note names: {p.note_names}." if p.note_names else ""
                    out.append(f"| {p.name} | {'required' if p.required else _fmt(p.default)} | "
                               f"{p.unit} | {rng} | {p.kind} | {p.doc}{notes} |")
                out.append("")
            out += ["```", d.example, "```", ""]
    return "\n".join(out)


JSON_SCHEMA = "phonon-functions/1"


def json_data() -> dict:
    """Every function and control with params, defaults, units, ranges, note names, doc and example."""
    load()
    from .registry import CONTROL_ALIASES
    decls = sorted(REGISTRY.values(), key=lambda d: d.name)
    return {"schema": JSON_SCHEMA, "categories": {c: CATEGORY_TITLES[c] for c in CATEGORIES},
            "groups": {g: {"title": t, "categories": list(cats)} for g, (t, cats) in GROUPS.items()},
            "functions": [{**d.as_json(), "group": GROUP_OF[d.category]} for d in decls],
            "control_aliases": dict(sorted(CONTROL_ALIASES.items()))}
