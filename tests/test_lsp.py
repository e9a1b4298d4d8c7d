"""`phonon lsp`: a real client session over stdio (JSON-RPC with Content-Length framing):
initialize, didOpen, completion, hover, didChange with an error -> a diagnostic at its range."""
import json
import os
import subprocess
import sys

import pytest

from phonon import lsp

pytest.importorskip("pygls")


class Client:
    """A minimal LSP client: the wire protocol by hand, so the test depends on no client library."""

    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, "-m", "phonon.cli", "lsp"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=os.environ.copy())
        self.next_id = 0
        self.notifications = []

    def send(self, method, params, request=True):
        msg = {"jsonrpc": "2.0", "method": method, "params": params}
        if request:
            self.next_id += 1
            msg["id"] = self.next_id
        body = json.dumps(msg).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()
        return msg.get("id")

    def read(self):
        headers = {}
        while True:
            line = self.proc.stdout.readline()
            assert line, "the server closed its output"
            line = line.strip()
            if not line:
                break
            k, v = line.decode().split(":", 1)
            headers[k.lower()] = v.strip()
        return json.loads(self.proc.stdout.read(int(headers["content-length"])))

    def request(self, method, params):
        rid = self.send(method, params)
        while True:
            msg = self.read()
            if msg.get("id") == rid and "method" not in msg:
                assert "error" not in msg, msg
                return msg["result"]
            self.notifications.append(msg)

    def notification(self, method):
        for i, m in enumerate(self.notifications):
            if m.get("method") == method:
                return self.notifications.pop(i)
        while True:
            msg = self.read()
            if msg.get("method") == method:
                return msg
            self.notifications.append(msg)

    def close(self):
        try:
            self.request("shutdown", None)
            self.send("exit", None, request=False)
            self.proc.wait(timeout=10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


URI = "file:///tmp/phonon-lsp-test.ph"
TEXT = 'bpm: 120\n~drums: s "bd*4 sn" # gain 0.8\nout: ~drums # lpf 1000 0.8\n'


@pytest.mark.timeout(120)
def test_a_client_session_over_stdio():
    c = Client()
    try:
        init = c.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
        caps = init["capabilities"]
        assert caps["completionProvider"] and caps["hoverProvider"]
        c.send("initialized", {}, request=False)
        c.send("textDocument/didOpen", {"textDocument": {"uri": URI, "languageId": "phonon", "version": 1,
                                                         "text": TEXT}}, request=False)
        diag = c.notification("textDocument/publishDiagnostics")
        assert diag["params"]["uri"] == URI and diag["params"]["diagnostics"] == []

        # after `#`: controls and chainable functions
        res = c.request("textDocument/completion", {"textDocument": {"uri": URI},
                                                    "position": {"line": 2, "character": 14}})
        labels = {i["label"] for i in res["items"]}
        assert {"lpf", "reverb", "gain"} <= labels and "fast" not in labels
        # hover on lpf
        hov = c.request("textDocument/hover", {"textDocument": {"uri": URI},
                                               "position": {"line": 2, "character": 15}})
        assert "cutoff" in hov["contents"]["value"]

        # an error: the diagnostic covers the unknown name, with the did-you-mean
        bad = 'out: s "bd*4" # revrb 0.5\n'
        c.send("textDocument/didChange", {"textDocument": {"uri": URI, "version": 2},
                                          "contentChanges": [{"text": bad}]}, request=False)
        diag = c.notification("textDocument/publishDiagnostics")
        (d,) = diag["params"]["diagnostics"]
        assert d["range"]["start"] == {"line": 0, "character": 16}
        assert d["range"]["end"]["character"] > 16
        assert "reverb" in d["message"]
    finally:
        c.close()
    assert c.proc.returncode == 0


def test_completion_contexts():
    text = '~lead: saw 220\n~bass: saw 55 # lpf 1000 q\nout: s "b'
    # keyword parameters after a function's arguments
    kw = {i["label"] for i in lsp.completions(text, 1, 26)}
    assert kw == {"cutoff:", "q:"}
    # bus names after ~
    assert {i["label"] for i in lsp.completions("~lead: saw 220\nout: ~", 1, 6)} == {"lead"}
    # inside s "...": the kit (and any synths)
    sounds = {i["label"] for i in lsp.completions(text, 2, 9)}
    assert {"bd", "sn", "hh", "cp"} <= sounds
    # anywhere else: functions, transforms, controls
    every = {i["label"] for i in lsp.completions("out: ", 0, 5)}
    assert {"fast", "every", "lpf", "s", "sound", "gain"} <= every


def test_diagnostics_ranges_are_zero_based():
    (d,) = lsp.diagnostics('bpm: 120\nout: saw 55 # lpf 1000 q:-3\n')
    assert d["line"] == 1 and "q" in d["message"]
    assert lsp.diagnostics('out: saw 55\n') == []
