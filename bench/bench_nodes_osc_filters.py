"""Speed (x realtime, one core) of the oscillators, filters and envelopes on 10 s of audio
at block sizes 512 and 8192 (filters and envelopes on mono noise). Kernels are
compiled/loaded before timing. Run:

    .venv/bin/pytest bench/bench_nodes_osc_filters.py --benchmark-only

The SVF with an audio-rate cutoff is asserted to stay above 200x realtime.
"""
import numpy as np
import pytest

from phonon.nodes.base import Block
from phonon.nodes.harness import make_node
from phonon.pattern import mini

from conftest import QUICK, seconds

SR = 44100


def setup_module():
    import phonon.nodes  # noqa: F401
    from phonon import registry
    registry.load()


SWEEP = "sweep"  # placeholder for an audio-rate signal made per run length

CASES = {
    "sine": ("sine", {"freq": 440.0}),
    "sine_pattern": ("sine", {"freq": "110 220 330 440"}),
    "sine_audio_rate": ("sine", {"freq": SWEEP}),
    "saw": ("saw", {"freq": 110.0}),
    "saw_pattern": ("saw", {"freq": "55 82.5 110 <165 220>"}),
    "square": ("square", {"freq": 110.0}),
    "tri": ("tri", {"freq": 110.0}),
    "pulse_pwm": ("pulse", {"freq": 110.0, "width": SWEEP}),
    "fm": ("fm", {"carrier": 220.0, "modfreq": 110.0, "index": 2.0}),
    "noise": ("noise", {}),
    "pink": ("pink", {}),
    "brown": ("brown", {}),
    "lpf": ("lpf", {"in": "noise", "cutoff": 1000.0, "q": 0.8}),
    "lpf_audio_rate": ("lpf", {"in": "noise", "cutoff": SWEEP, "q": 0.8}),
    "bpf_pattern": ("bpf", {"in": "noise", "cutoff": "500 1000 2000", "q": 4.0}),
    "rlpf": ("rlpf", {"in": "noise", "cutoff": 1000.0, "resonance": 4.0}),
    "rlpf_audio_rate": ("rlpf", {"in": "noise", "cutoff": SWEEP, "resonance": 4.0}),
    "adsr": ("adsr", {"in": "noise", "a": 0.01, "d": 0.1, "s": 0.5, "r": 0.2,
                      "trig": "1 ~ 1 1 [1 1] ~ 1 ~"}),
    "ad": ("ad", {"in": "noise", "a": 0.005, "d": 0.2, "trig": "1*16"}),
    "ar": ("ar", {"in": "noise", "a": 0.01, "r": 0.1}),
    "asr": ("asr", {"in": "noise", "gate": "1 0 1 1", "a": 0.02, "r": 0.1}),
}


def _params(spec: dict, n: int) -> dict:
    t = np.arange(n) / SR
    out = {}
    for k, v in spec.items():
        if v == SWEEP:
            out[k] = (1000 * 2 ** (3 * np.sin(2 * np.pi * 0.5 * t)) if k in ("freq", "cutoff")
                      else 0.5 + 0.4 * np.sin(2 * np.pi * 0.5 * t))[None, :]
        elif v == "noise":
            out[k] = np.random.default_rng(0).standard_normal((1, n)) * 0.3
        elif isinstance(v, str):
            out[k] = mini(v)
        else:
            out[k] = v
    return out


def _render(kind, params, n, block):
    signals = {k: v for k, v in params.items() if isinstance(v, np.ndarray)}
    node, graph, init, _ = make_node(kind, params, sr=SR)
    node.reset(0)
    for pos in range(0, n, block):
        m = min(block, n - pos)
        args = dict(init)
        for k, v in signals.items():
            args[k] = v[:, pos:pos + m]
        node.process(Block(pos, m, graph), args)


@pytest.mark.parametrize("block", [512, 8192])
@pytest.mark.parametrize("case", list(CASES))
def test_node_speed(benchmark, case, block):
    kind, spec = CASES[case]
    dur = seconds(10.0)
    n = int(dur * SR)
    params = _params(spec, n)
    _render(kind, params, 4096, 512)  # compile / load the kernels before timing
    benchmark.pedantic(_render, args=(kind, params, n, block), rounds=3, iterations=1)
    rt = dur / benchmark.stats.stats.min
    benchmark.extra_info.update(audio_s=dur, x_realtime=round(rt, 1))
    print(f"\n{case} block {block}: {rt:.0f}x realtime (mono, {dur:.0f} s)")
    if case == "lpf_audio_rate" and block == 8192 and not QUICK:
        assert rt > 200, f"SVF with audio-rate cutoff only {rt:.0f}x realtime"


def _render_batch(kind, params_list, inputs, n, block):
    """One engine batch (`process_batch`) of nodes of one kind, block by block."""
    nodes = []
    for params in params_list:
        node, graph, init, _ = make_node(kind, params, sr=SR)
        node.reset(0)
        nodes.append((node, init))
    cls = type(nodes[0][0])
    for pos in range(0, n, block):
        m = min(block, n - pos)
        items = []
        for j, (node, init) in enumerate(nodes):
            args = dict(init)
            if inputs is not None:
                args["in"] = inputs[j: j + 1, pos:pos + m]
            items.append((node, args))
        cls.process_batch(Block(pos, m, graph), items)


BATCHES = {
    "saw_bank16": ("saw", [{"freq": 55.0 * 2 ** (k / 24)} for k in range(16)], False),
    "lpf_bank16": ("lpf", [{"in": np.zeros((1, 4)), "cutoff": 800.0, "q": 0.8}] * 16, True),
}


@pytest.mark.parametrize("block", [512, 8192])
@pytest.mark.parametrize("case", list(BATCHES))
def test_batch_speed(benchmark, case, block):
    """16 voices as one engine batch (synth16's oscillators and filters): x realtime of
    the whole batch, i.e. of all 16 voices together."""
    kind, params_list, has_input = BATCHES[case]
    dur = seconds(10.0)
    n = int(dur * SR)
    x = np.random.default_rng(0).standard_normal((16, n)) * 0.3 if has_input else None
    _render_batch(kind, params_list, x, 4096, 512)
    benchmark.pedantic(_render_batch, args=(kind, params_list, x, n, block), rounds=3,
                       iterations=1)
    rt = dur / benchmark.stats.stats.min
    benchmark.extra_info.update(audio_s=dur, x_realtime=round(rt, 1), voices=16)
    print(f"\n{case} block {block}: {rt:.0f}x realtime (16 voices, {dur:.0f} s)")
