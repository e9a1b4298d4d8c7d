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
    steps = [getattr(s, "batch", s) for s in g._steps]  # a fused sum may hold a batch
    kinds = [sorted(g.spec.node(nid).kind for nid, _, _ in s) for s in steps if isinstance(s, list)]
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


def _unfused(spec, frames, block, monkeypatch, **kw):
    import phonon.engine as engine
    monkeypatch.setattr(engine, "FUSE", False)
    try:
        return render_spec(spec, frames, block=block)
    finally:
        monkeypatch.setattr(engine, "FUSE", True)


FUSE_SRC = ("cps: 0.5\n" + "".join(f"~v{i}: saw {55 * 2 ** (i / 12):.3f} # lpf 900 0.8\n" for i in range(6))
            + "~p: ~v0 + ~v1\n"  # an inner sum read twice: a chain ends there
            + "~st: sine 220 # pan 0.2\n"
            + 'out: (~v2 + ~v3 + ~v4 + ~p + ~st + 0.01 + "0 0.02" + ~v5 + ~p * 0.5) * 0.1\n'
            + "~o2: saw 110 + saw 165 + saw 220 + saw 330\n"
            + "out2: ~o2 * 0.2\n"
            # stereo inputs: the batch sums member by member (process_batch_sum declines)
            + "~s0: saw 100 # pan 0.2 # lpf 700\n~s1: saw 150 # pan 0.8 # lpf 700\n"
            + "out3: (~s0 + ~s1 + saw 60) * 0.2\n")


def test_add_chains_become_one_sum_step_with_the_same_bytes(monkeypatch):
    """A chain of adds runs as one n-ary sum (with the batch of its first terms summed in
    its kernel): the bytes are the add chain's, on any block size, mono and stereo terms,
    constants and patterns mixed."""
    from phonon.engine import _SumStep
    spec = compile_src(FUSE_SRC)
    g = Graph(spec)
    sums = [s for s in g._steps if isinstance(s, _SumStep)]
    kinds = sorted(sorted(spec.node(nid).kind for nid, _, _ in s.batch) for s in sums if s.batch)
    # ~v2..~v4 (~v5 comes after ~p); ~s0 and ~s1; ~o2's saws
    assert kinds == [["lpf"] * 2, ["lpf"] * 3, ["saw"] * 4]
    assert len(sums) == 3 and all(len(s.members) >= 2 for s in sums)
    ref = _unfused(spec, 20000, 4096, monkeypatch)
    for b in (20000, 4096, 1000, 333):
        got = render_spec(spec, 20000, block=b)
        for k in ref:
            assert np.array_equal(ref[k], got[k]), (b, k)
    # the sum of four saws is theirs: spectral peaks at 110, 165, 220, 330 Hz
    x = ref["out2"][0, 4000:]
    spec_ = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    f = np.fft.rfftfreq(len(x), 1 / 44100)
    top = sorted(float(f[i]) for i in np.argsort(spec_)[-40:] if spec_[i] > 0.3 * spec_.max())
    for hz in (110, 165, 220, 330):
        assert any(abs(t - hz) < 3 for t in top), (hz, top)


def test_sum_step_keeps_taps_warm_up_and_overrides(monkeypatch):
    """A tapped inner sum stays a node of its own; a fused sum whose members warm up at
    different samples, or are given from outside, runs member by member: the same bytes."""
    spec = compile_src(FUSE_SRC)
    inner = next(ns.id for ns in spec.nodes if ns.kind == "add")  # the innermost add of ~p
    g = Graph(spec, taps=(inner,))
    g.seek(0)
    outs = g.render(5000)
    ref = _unfused(spec, 5000, 5000, monkeypatch)
    assert np.array_equal(outs["out"], ref["out"])
    assert inner in g.last_taps
    # warm-up from mid-piece: as the unfused graph
    import phonon.engine as engine

    def warm(start):
        gg = Graph(spec)
        pos = gg.warm_seek(start)
        while pos < start:
            gg.render(min(3000, start - pos))
            pos = min(pos + 3000, start)
        return gg.render(4000)
    a = warm(30000)
    monkeypatch.setattr(engine, "FUSE", False)
    b = warm(30000)
    monkeypatch.setattr(engine, "FUSE", True)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    # overrides (a live crossfade) of one member: the rest computed around it
    g1 = Graph(spec)
    g1.seek(0)
    root = next(s.root for s in g1._steps if isinstance(s, engine._SumStep))
    member = next(s.members[0][0] for s in g1._steps if isinstance(s, engine._SumStep))
    given = np.full((1, 1000), 0.5)
    got = g1.render(1000, overrides={member: given})
    monkeypatch.setattr(engine, "FUSE", False)
    g2 = Graph(spec)
    g2.seek(0)
    want = g2.render(1000, overrides={member: given})
    assert root != member and all(np.array_equal(got[k], want[k]) for k in got)
