"""Speed (x realtime, one core) of the sample voices and the triggered synths. Run:

    .venv/bin/pytest bench/bench_voices.py --benchmark-only

`stress_sampler_*` is one output of shared/patches/stress_extreme.ph
(`jux rev $ stut 16 0.7 0.125 $ s "bd*32" # gain 0.02`: 1024 voice starts per cycle,
~300 voices sounding at once) over 10 s, pattern queries included; 16 of them must
together stay above 2x realtime, so one should reach 40x. `sampler_gather_only` and
`sampler_kernel_only` split that cost. Kernels are compiled/loaded before timing.
"""
from fractions import Fraction

import numpy as np
import pytest

from phonon.nodes.base import NODE_CLASSES, Block, GraphContext, PatternInput
from phonon.pattern import mini, pure, set_control, to_hz

from conftest import QUICK, seconds

SR = 44100
CPS = Fraction(1, 2)


def stress_pattern(word="bd"):
    p = set_control(mini(f"{word}*32").fmap(lambda v: {"s": v}), "gain", pure(Fraction(1, 50)))
    from phonon.pattern.transforms import jux, stut
    return jux(stut(p, 16, Fraction(7, 10), Fraction(1, 8)), lambda q: q.rev())


def _node(kind, params):
    g = GraphContext(sr=SR, cps=CPS)
    p = {}
    for k, v in params.items():
        if hasattr(v, "query"):
            p[k] = PatternInput(v, g, convert=to_hz if k == "freq" else None, name=k)
        elif isinstance(v, str):
            p[k] = PatternInput(mini(v), g, convert=to_hz if k == "freq" else None, name=k)
        else:
            p[k] = float(v)
    return NODE_CLASSES[kind](1, p, g), g, p


def _render(kind, params, n, block):
    node, g, p = _node(kind, params)
    node.reset(0)
    pos = 0
    while pos < n:
        m = min(block, n - pos)
        node.process(Block(pos, m, g), p)
        pos += m


def _run(benchmark, fn, secs):
    fn(int(0.05 * SR))  # compile / load kernels, synthesize the kit
    benchmark.pedantic(fn, args=(int(secs * SR),), rounds=1 if QUICK else 3, iterations=1)
    if benchmark.stats is None:  # --benchmark-disable
        return None
    x = secs / benchmark.stats.stats.min
    benchmark.extra_info["x_realtime"] = round(x, 1)
    return x


def setup_module():
    import phonon.nodes  # noqa: F401


@pytest.mark.parametrize("block", [512, 8192])
def test_stress_sampler(benchmark, block):
    secs = seconds(10.0)
    _run(benchmark, lambda n: _render("sampler", {"pat": stress_pattern()}, n, block), secs)


def test_sampler_gather_only(benchmark):
    """Pattern queries, events and per-event parsing, no rendering (10 s)."""
    secs = seconds(10.0)

    def fn(n):
        node, g, p = _node("sampler", {"pat": stress_pattern()})
        node.reset(0)
        for pos in range(0, n, 8192):
            node._activate(pos, min(pos + 8192, n))
    _run(benchmark, fn, secs)


def test_sampler_kernel_only(benchmark):
    """The voice kernel alone over pre-gathered voices (10 s, block 512)."""
    secs = seconds(10.0)
    node, g, p = _node("sampler", {"pat": stress_pattern()})
    n_all = int(secs * SR)
    node.reset(0)
    node._activate(0, n_all)
    rows = node._active
    node._render(Block(0, 512, g), rows, np.zeros((2, 512)))
    from phonon.nodes.voices import _render_samples

    def fn(n):
        out = np.zeros((2, 512))
        for pos in range(0, n, 512):
            out[:] = 0.0
            _render_samples(rows, node._data_l, node._data_r, pos, 512, 1.0, out[0], out[1])
    _run(benchmark, fn, secs)


SYNTHS = {
    "superkick": {"freq": "60 ~ 65 ~"},
    "supersnare": {"freq": "~ 200 ~ 200"},
    "superhat": {"freq": "400*16"},
    "supersaw_drone": {"freq": 55.0, "detune": 0.3, "voices": 7},
    "supersaw_pattern": {"freq": "<55 65.41 73.42 49>*2", "detune": 0.3, "voices": 7},
    "superpwm": {"freq": "<110 98>*4"},
    "superchip": {"freq": "c5 e5 g5 c6", "vibrato": 0.3},
    "superfm": {"freq": "<220 330>*4", "ratio": 2.0, "index": 3.0},
}


@pytest.mark.parametrize("case", list(SYNTHS))
def test_synth(benchmark, case):
    kind = case.split("_")[0]
    secs = seconds(10.0)
    _run(benchmark, lambda n: _render(kind, SYNTHS[case], n, 512), secs)
