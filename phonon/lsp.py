"""`phonon lsp`: a language server over stdio (pygls), fed by the registry.

Completion, by what stands before the cursor on its line:
  inside `s "..."` / `sound "..."`   sample folder names, the built-in kit, synth names
  after `~`                          the buses the document defines
  after `#` (or `|+ |> ...`)         controls and chainable functions
  `lpf cut|`, `lpf 1000 q|`          the function's keyword parameters (`cutoff:`)
  anywhere else                      every function, alias and control
Hover shows a function's reference text (`phonon functions NAME`). Diagnostics: every
open/change/save compiles the document (no render) and reports the compiler's error at
its line:col span, the message and hint as `phonon check` prints them.

Editors: any LSP client that starts `phonon lsp` for `*.ph` files (README, "Editors").
"""
from __future__ import annotations

import re
from typing import Optional

from . import docs, registry

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_']*")
_BUS_DEF = re.compile(r"^\s*~([A-Za-z_][A-Za-z0-9_]*)\s*[:$]", re.M)
_SOUND_OPEN = re.compile(r"\b(?:s|sound)\s+\"([^\"]*)$")
_AFTER_CHAIN = re.compile(r"(?:#|\|[-+*/%<>]\|?|[-+*/%<>]\|)\s*([A-Za-z_]\w*)?$")


# ------------------------------------------------------------------------------------------
# what to offer (pure functions: the tests call them directly too)
# ------------------------------------------------------------------------------------------

def sound_names(sample_roots: tuple = ()) -> list[str]:
    """Names `s "..."` can play: sample folders, the built-in kit, synths."""
    from .samples.kit import SYNTH_NAMES, all_names
    from .samples.loader import default_roots, scan_root
    names = set(all_names()) | set(SYNTH_NAMES)  # kit sounds, aliases, `drum`; synths by name
    for root in sample_roots or default_roots():
        try:
            names.update(scan_root(root))
        except OSError:
            continue
    registry.load()
    names.update(n for n, d in registry.REGISTRY.items() if d.category == "synth")
    return sorted(names)


def completions(text: str, line: int, col: int, sample_roots: tuple = ()) -> list[dict]:
    """Completion items for the cursor at 0-based (line, col): [{label, kind, detail, doc}]."""
    registry.load()
    lines = text.split("\n")
    before = lines[line][:col] if line < len(lines) else ""
    m = _SOUND_OPEN.search(before)
    if m:
        return [{"label": n, "kind": "sound", "detail": "sound"} for n in sound_names(sample_roots)]
    if before.count('"') % 2 == 1:  # inside another string: mini-notation, nothing to offer
        return []
    if re.search(r"~[A-Za-z0-9_]*$", before):
        return [{"label": b, "kind": "bus", "detail": "bus"} for b in sorted(set(_BUS_DEF.findall(text)))]
    kw = _keyword_context(before)
    if kw is not None:
        return [{"label": p.name + ":", "kind": "param", "detail": p.describe(),
                 "doc": p.doc} for p in kw.params if p.kind != "input" and not p.wired]
    decls = registry.REGISTRY.values()
    if _AFTER_CHAIN.search(before):
        decls = [d for d in decls if d.category == "control" or
                 (d.chainable and any(p.kind == "input" for p in d.params))]
    items = [_item(d.name, d) for d in decls]
    for alias, target in list(registry.ALIASES.items()) + list(registry.CONTROL_ALIASES.items()):
        d = registry.REGISTRY[target]
        if d in decls and alias not in registry.REGISTRY:
            items.append(_item(alias, d))
    return sorted(items, key=lambda i: i["label"].lower())


def _item(label: str, d) -> dict:
    return {"label": label, "kind": "control" if d.category == "control" else "function",
            "detail": f"{d.name} {d.signature()}".strip(), "doc": d.doc}


def _keyword_context(before: str) -> Optional[registry.FunctionDecl]:
    """The function whose keyword parameters fit here: `lpf 1000 q` or `lpf cut` (the last
    word of the line's current call, after a function name and at least one space)."""
    m = re.search(r"([A-Za-z_]\w*)\s+(?:[^\s#$()\[\]]+\s+)*([A-Za-z_]\w*)$", before)
    if not m:
        return None
    func, partial = m.group(1), m.group(2)
    decl = registry.REGISTRY.get(func) or registry.REGISTRY.get(registry.ALIASES.get(func, ""))
    if decl is None or decl.category in ("transform", "control", "combinator", "sample"):
        return None
    if not any(p.name.startswith(partial) for p in decl.params if p.kind != "input"):
        return None
    return decl


def hover_text(text: str, line: int, col: int) -> Optional[str]:
    """The reference text of the function or control under the cursor, or None."""
    lines = text.split("\n")
    if line >= len(lines):
        return None
    for m in _WORD.finditer(lines[line]):
        if m.start() <= col <= m.end():
            try:
                return docs.function_text(registry.lookup(m.group()))
            except Exception:  # noqa: BLE001 - not a function: no hover
                return None
    return None


def diagnostics(text: str, filename: Optional[str] = None) -> list[dict]:
    """Compile the text; [{line, col, end_col, message}] (0-based) for its error, if any."""
    from .compiler import compile_source
    from .errors import PhononError
    try:
        compile_source(text, filename=filename)
    except PhononError as e:
        msg = e.message + (f"\nhint: {e.hint}" if e.hint else "")
        if e.span is None:
            return [{"line": 0, "col": 0, "end_col": 1, "message": msg}]
        c = max(0, e.span.col - 1)
        return [{"line": max(0, e.span.line - 1), "col": c, "end_col": c + max(1, e.span.length),
                 "message": msg}]
    except RecursionError:
        return [{"line": 0, "col": 0, "end_col": 1, "message": "the program nests too deeply"}]
    return []


# ------------------------------------------------------------------------------------------
# the server
# ------------------------------------------------------------------------------------------

def make_server(sample_roots: tuple = ()):
    from lsprotocol import types as T
    from pygls.lsp.server import LanguageServer

    from . import __version__

    server = LanguageServer("phonon", __version__)
    kinds = {"function": T.CompletionItemKind.Function, "control": T.CompletionItemKind.Property,
             "param": T.CompletionItemKind.Field, "bus": T.CompletionItemKind.Variable,
             "sound": T.CompletionItemKind.Value}

    def publish(uri: str) -> None:
        doc = server.workspace.get_text_document(uri)
        diags = [T.Diagnostic(
            range=T.Range(start=T.Position(line=d["line"], character=d["col"]),
                          end=T.Position(line=d["line"], character=d["end_col"])),
            message=d["message"], severity=T.DiagnosticSeverity.Error, source="phonon")
            for d in diagnostics(doc.source, filename=doc.path)]
        server.text_document_publish_diagnostics(T.PublishDiagnosticsParams(uri=uri, diagnostics=diags))

    @server.feature(T.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls, params: T.DidOpenTextDocumentParams):
        publish(params.text_document.uri)

    @server.feature(T.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls, params: T.DidChangeTextDocumentParams):
        publish(params.text_document.uri)

    @server.feature(T.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls, params: T.DidSaveTextDocumentParams):
        publish(params.text_document.uri)

    @server.feature(T.TEXT_DOCUMENT_COMPLETION,
                    T.CompletionOptions(trigger_characters=["#", "~", '"', " ", ":"]))
    def completion(ls, params: T.CompletionParams):
        doc = server.workspace.get_text_document(params.text_document.uri)
        pos = params.position
        items = [T.CompletionItem(label=i["label"], kind=kinds[i["kind"]], detail=i.get("detail"),
                                  documentation=i.get("doc"))
                 for i in completions(doc.source, pos.line, pos.character, sample_roots)]
        return T.CompletionList(is_incomplete=False, items=items)

    @server.feature(T.TEXT_DOCUMENT_HOVER)
    def hover(ls, params: T.HoverParams):
        doc = server.workspace.get_text_document(params.text_document.uri)
        text = hover_text(doc.source, params.position.line, params.position.character)
        if text is None:
            return None
        return T.Hover(contents=T.MarkupContent(kind=T.MarkupKind.Markdown,
                                                value="```\n" + text + "\n```"))

    return server


def serve(sample_roots: tuple = ()) -> int:
    """Run the server on stdin/stdout until the client says exit."""
    try:
        server = make_server(sample_roots)
    except ImportError:
        from .errors import PhononError
        raise PhononError("phonon lsp needs pygls: pip install -e '.[lsp]'") from None
    registry.load()
    server.start_io()
    return 0
