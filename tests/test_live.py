"""Live sessions and `phonon render --reload`: reloads keep state where the computation is
unchanged, warm and crossfade what changed (no click), and a broken edit keeps playing."""
import os
import subprocess
import sys
import time
from fractions import Fraction

import numpy as np
import pytest

from phonon.live import LOOKAHEAD_S, XFADE_S, LiveSession, replay_blocks, shared_nodes, swap_point

SR = 44100


def render_replay(tmp_path, first, edits, seconds, **kw):
    """Mix of `first` with each (seconds, source) edit replayed, and the swap samples."""
    a = tmp_path / "a.ph"
    a.write_text(first)
    reloads = []
    for i, (t, src) in enumerate(edits):
        p = tmp_path / f"edit{i}.ph"
        p.write_text(src)
        reloads.append((Fraction(t), str(p)))
    blocks = list(replay_blocks(str(a), int(seconds * SR), reloads, sr=SR, block=kw.pop("block", 4096), **kw))
    return np.concatenate(blocks, axis=1)


def plain(tmp_path, src, seconds):
    return render_replay(tmp_path, src, [], seconds)


def max_step(x):
    return float(np.max(np.abs(np.diff(x, axis=1))))


def test_reload_keeps_position_and_survives_errors(tmp_path):
    p = tmp_path / "live.ph"
    p.write_text("out: sine 440 * 0.5\n")
    s = LiveSession(str(p))
    a = s.next_block(1000)
    assert a.shape == (1000, 2) and a.dtype == np.float32
    p.write_text("out: sine 880 * 0.5\n")
    os.utime(p, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert s.reload()
    land = s._swap.at
    assert land == 1000 + round(LOOKAHEAD_S * SR)
    s.next_block(land + round(XFADE_S * SR) - 1000)  # through the swap and the crossfade
    b = s.next_block(1000)
    t = np.arange(s.pos - 1000, s.pos) / SR
    np.testing.assert_allclose(b[:, 0], 0.5 * np.sin(2 * np.pi * 880 * t), atol=1e-5)
    p.write_text("out: sine 880 # revrb\n")
    os.utime(p, ns=(time.time_ns(), time.time_ns() + 2 * 10**9))
    assert not s.reload()
    assert "did you mean 'reverb'" in s.errors[-1]
    assert s.next_block(10).shape == (10, 2)
    assert s.stats.reloads == 1 and s.stats.blocks == 4


@pytest.mark.parametrize("a, b", [
    ("out: saw 55 # lpf 1000 0.8\n", "out: saw 55 # lpf 2000 0.8\n"),    # the case
    ("out: sine 110 # lpf 1000 0.8\n", "out: sine 110 # lpf 2000 0.8\n"),  # no steps of its own
])
def test_lpf_change_does_not_click(tmp_path, a, b):
    """lpf 1000 -> 2000 at 1 s: the largest step within 20 ms of the swap is within 1.2x the
    largest step either version makes on its own. A swap to a cold graph (the new filter
    starting from zero state, as reloads did before) fails the same measure on the sine."""
    from phonon.compiler import compile_source
    from phonon.engine import Graph, mix_outputs
    y = render_replay(tmp_path, a, [(1, b)], 2.0)
    swap = SR + round(LOOKAHEAD_S * SR)
    window = slice(swap - 1, swap + round(0.02 * SR))
    ya, yb = plain(tmp_path, a, 2.0), plain(tmp_path, b, 2.0)
    steady = max(max_step(ya[:, SR:]), max_step(yb[:, SR:]))
    assert max_step(y[:, window]) <= 1.2 * steady, (max_step(y[:, window]), steady)
    if a.startswith("out: sine"):
        cold = Graph(compile_source(b))
        cold.seek(swap)
        naive = np.concatenate([ya[:, :swap], mix_outputs(cold.render(2 * SR - swap))], axis=1)
        assert max_step(naive[:, window]) > 5 * steady  # the click this test would catch
    # and it did change: after the crossfade the output is the new patch's
    np.testing.assert_allclose(y[:, swap + 2000:], yb[:, swap + 2000:], atol=1e-6)


def test_unchanged_reverb_and_delay_continue_bit_identically(tmp_path):
    """A reload that edits another output adopts the reverb and delay nodes, tails and echoes
    in flight included: after the crossfade the mix is exactly the new patch's."""
    bus = '~fx: s "bd sn" # delay 0.3 0.6 0.5 # reverb 0.9 0.3 0.5\nout1: ~fx\n'
    y = render_replay(tmp_path, bus + "out2: saw 110 * 0.2\n", [(1, bus)], 3.0)
    ref = plain(tmp_path, bus, 3.0)
    swap = SR + round(LOOKAHEAD_S * SR)
    end = swap + round(XFADE_S * SR)
    assert np.array_equal(y[:, end:], ref[:, end:])
    assert np.array_equal(y[:, :swap], plain(tmp_path, bus + "out2: saw 110 * 0.2\n", 3.0)[:, :swap])


def test_changed_sine_frequency_is_continuous(tmp_path):
    y = render_replay(tmp_path, "out: sine 220 * 0.5\n", [(0.5, "out: sine 330 * 0.5\n")], 1.0)
    swap = round(0.5 * SR) + round(LOOKAHEAD_S * SR)
    steady = 0.5 * 2 * np.pi * 330 / SR  # the largest step of the faster sine
    assert max_step(y[:, swap - 10:swap + 2000]) <= 1.2 * steady


def test_identical_reload_is_seamless(tmp_path):
    """Re-saving an unchanged file adopts every node: the output does not change at all."""
    src = 'out: saw "55 82.5" # lpf 800 0.9 # reverb 0.5 0.5 0.3\n'
    assert np.array_equal(render_replay(tmp_path, src, [(0.5, src)], 1.5), plain(tmp_path, src, 1.5))


def test_adoption_follows_the_computation_not_the_node_id(tmp_path):
    from phonon.compiler import compile_source
    old = compile_source("~a: saw 55 # lpf 900\n~b: sine 3\nout: ~a + ~b\n")
    new = compile_source("~z: noise * 0.1\n~b: sine 3\n~a: saw 55 # lpf 900\nout: ~a + ~b + ~z\n")
    pairs = shared_nodes(old, new)
    kinds = sorted(new.node(n).kind for n in pairs)
    assert kinds.count("lpf") == 1 and "sine" in kinds and "noise" not in [old.node(o).kind for o in pairs.values()]
    assert shared_nodes(old, compile_source("cps: 1\n~a: saw 55 # lpf 900\n~b: sine 3\nout: ~a + ~b\n")) == {}


def test_quantize_lands_on_cycle_and_bar():
    from phonon.compiler import compile_source
    spec = compile_source("cps: 0.5\nout: sine 1\n")  # one cycle = 2 s
    assert swap_point(SR // 2, spec, "cycle", 0) == 2 * SR
    assert swap_point(2 * SR + 1, spec, "cycle", 0) == 4 * SR
    assert swap_point(SR, spec, "bar", 0) == 8 * SR
    assert swap_point(100, spec, "none", 441) == 541


def test_replay_is_block_size_invariant(tmp_path):
    a, b = 'out: s "bd*4" # lpf 3000\n', 'out: s "bd*4 sn" # lpf 1500\n'
    y1 = render_replay(tmp_path, a, [(0.7, b)], 1.5, block=4096)
    y2 = render_replay(tmp_path, a, [(0.7, b)], 1.5, block=333)
    assert np.array_equal(y1, y2)


def test_cli_render_reload(tmp_path):
    a, b = tmp_path / "a.ph", tmp_path / "b.ph"
    a.write_text("out: saw 55 # lpf 1000 0.8\n")
    b.write_text("out: saw 55 # lpf 2000 0.8\n")
    out = tmp_path / "o.wav"
    cmd = [sys.executable, "-m", "phonon.cli", "render", str(a), str(out), "--duration", "1",
           "--reload", f"0.5:{b}", "--quantize", "none"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert out.exists()
    r = subprocess.run(cmd[:-4] + ["--reload", "x:nope.ph"], capture_output=True, text=True)
    assert r.returncode == 1 and "SECONDS:PATCH" in r.stderr and "Traceback" not in r.stderr
