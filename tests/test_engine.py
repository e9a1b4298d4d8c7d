"""Engine invariants: block-size independence on every shared patch, determinism, seeking."""
import numpy as np
import pytest

from phonon.engine import Graph, render_spec
from phonon.nodes.harness import BLOCK_SIZES

from conftest import ROOT, compile_src, shared_patches

BENCH = ROOT / "bench" / "patches"


@pytest.mark.parametrize("patch", shared_patches(), ids=lambda p: p.stem)
def test_block_size_invariance_on_shared_patches(patch):
    spec = compile_src(patch.read_text())
    frames = 12000  # crosses several block boundaries for every size, incl. one event onset
    ref = render_spec(spec, frames, block=frames)
    for b in BLOCK_SIZES:
        got = render_spec(spec, frames, block=b)
        for k in ref:
            assert np.array_equal(ref[k], got[k]), (patch.stem, b, k)


def test_same_patch_same_bytes(patches):
    for p in patches:
        spec = compile_src(p.read_text())
        a = render_spec(spec, 4096)
        b = render_spec(spec, 4096)
        assert all(a[k].tobytes() == b[k].tobytes() for k in a)


def test_seek_matches_continuous_render_for_seekable_graph():
    spec = compile_src('tempo: 1\nout: saw "55 110 <220 330>" * 0.3 + s "bd*4 [sn cp]" + sine 3')
    full = render_spec(spec, 3 * 44100)
    g = Graph(spec)
    g.seek(50000)
    part = g.render(30000)
    np.testing.assert_array_equal(part["out"], full["out"][:, 50000:80000])


def test_info_reports_state_classes():
    spec = compile_src('out: saw 55 # lpf 800 0.8 # delay 0.25 0.5')
    info = {i.kind: i for i in Graph(spec).info()}
    assert info["saw"].state_class in ("seekable", "stateless")
    assert info["lpf"].state_class == "fading" and info["lpf"].tail_seconds > 0
    assert info["delay"].state_class == "fading" and info["delay"].tail_seconds >= 0.25


def test_externals_replace_nodes():
    spec = compile_src("out: sine 440 * 0.5")
    sine_id = spec.nodes[0].id
    g = Graph(spec, externals={sine_id: lambda s, n: np.ones((1, n))})
    out = g.render(100)["out"]
    assert np.all(out == 0.5)


@pytest.mark.parametrize("patch", shared_patches() + [BENCH / "synth16.ph"], ids=lambda p: p.stem)
def test_batched_nodes_render_the_same_bytes(patch, monkeypatch):
    """Batches (same-kind nodes of one level in one kernel call) change nothing."""
    import phonon.engine as engine
    spec = compile_src(patch.read_text())
    batched = render_spec(spec, 12000, block=4096)
    monkeypatch.setattr(engine, "BATCH", False)
    for k, v in render_spec(spec, 12000, block=4096).items():
        assert np.array_equal(batched[k], v), (patch.stem, k)


def test_batches_form_per_level_and_kind():
    src = "cps: 0.5\n" + "".join(f"~v{i}: saw {50 + i} # lpf 800 0.8\n" for i in range(4)) + \
        "out: (~v0 + ~v1 + ~v2 + ~v3 + (sine 3 # hpf 200)) * 0.1\n"
    g = Graph(compile_src(src))
    kinds = [sorted(g.spec.node(nid).kind for nid, _, _ in s) for s in g._steps if isinstance(s, list)]
    assert ["saw"] * 4 + ["sine"] in kinds and ["lpf"] * 4 in kinds
    g.enable_profile()
    g.render(1000)
    assert all(v > 0 for v in g.profile.values())  # batch time is shared among its members


def test_warm_seek_starts_each_node_at_its_own_path_warmup():
    # two branches: a long-tail band-pass on noise and a short lpf on a saw
    spec = compile_src("~a: noise # bpf 3000 8\n~b: saw 110 # lpf 800 0.7\nout: ~a * 0.1 + ~b * 0.2")
    g = Graph(spec)
    info = {i.kind: i for i in g.info()}
    S = 5 * 44100
    starts = g.warm_starts(S)
    assert starts[info["bpf"].id] == S - int(np.ceil(info["bpf"].tail_seconds * 44100))
    assert starts[info["lpf"].id] == S - int(np.ceil(info["lpf"].tail_seconds * 44100))
    assert starts[info["saw"].id] == starts[info["lpf"].id]  # seekable: joins where its consumer needs it
    assert starts[info["bpf"].id] < starts[info["lpf"].id]
    full = render_spec(spec, S + 20000)["out"][:, S:]
    pos = g.warm_seek(S)
    while pos < S:
        n = min(4096, S - pos)
        g.render(n)
        pos += n
    got = np.concatenate([g.render(4096)["out"] for _ in range(5)], axis=1)[:, :20000]
    assert np.max(np.abs(got - full)) < 1e-6
