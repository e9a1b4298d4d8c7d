"""Speed (x realtime, one core) of each effect node on 10 s of stereo noise at block sizes
512 and 8192. Kernels are compiled/loaded before timing. Run:

    .venv/bin/pytest bench/bench_nodes_effects.py --benchmark-only
"""
import numpy as np
import pytest

from phonon.nodes.base import Block
from phonon.nodes.harness import make_node

from conftest import seconds

SR = 44100


def setup_module():
    import phonon.nodes  # noqa: F401
    from phonon import registry
    try:
        registry.load()
    except ModuleNotFoundError as e:  # the pattern library is written concurrently
        if not (e.name or "").startswith("phonon.pattern"):
            raise
        registry._loaded = True


CASES = {
    "delay": {"time": 0.25, "feedback": 0.6, "mix": 0.5},
    "delay_modulated": {"time": "signal", "feedback": 0.6, "mix": 0.5},
    "reverb": {"room": 0.85, "damping": 0.4, "mix": 0.3},
    "chorus": {"rate": 0.8, "depth": 0.5, "mix": 0.4},
    "distortion": {"drive": 4.0, "mix": 0.5},
    "bitcrush": {"bits": 6.0, "rate": 8000.0},
    "compressor": {"threshold_db": -18.0, "ratio": 4.0, "attack": 0.005, "release": 0.1,
                   "makeup_db": 3.0},
    "limiter": {"threshold": 0.5, "attack": 0.005, "release": 0.05},
}


def _render(kind, params, x, block):
    n = x.shape[1]
    signals = {k: v for k, v in params.items() if isinstance(v, np.ndarray)}
    node, graph, init, _ = make_node(kind, {"in": x[:, :8], **params}, sr=SR)
    node.reset(0)
    for pos in range(0, n, block):
        m = min(block, n - pos)
        args = dict(init)
        args["in"] = x[:, pos:pos + m]
        for k, v in signals.items():
            args[k] = v[:, pos:pos + m]
        node.process(Block(pos, m, graph), args)


@pytest.mark.parametrize("block", [512, 8192])
@pytest.mark.parametrize("case", list(CASES))
def test_effect_speed(benchmark, case, block):
    kind = case.split("_")[0]
    dur = seconds(10.0)
    n = int(dur * SR)
    x = np.random.default_rng(0).standard_normal((2, n)) * 0.3
    params = dict(CASES[case])
    if params.get("time") == "signal":
        params["time"] = (0.2 + 0.05 * np.sin(2 * np.pi * 0.3 * np.arange(n) / SR))[None, :]
    _render(kind, params, x[:, :4096], 512)  # compile / load the kernels before timing
    benchmark.pedantic(_render, args=(kind, params, x, block), rounds=3, iterations=1)
    rt = dur / benchmark.stats.stats.min
    benchmark.extra_info.update(audio_s=dur, x_realtime=round(rt, 1))
    print(f"\n{case} block {block}: {rt:.0f}x realtime (stereo, {dur:.0f} s)")
