"""The planner: warm-up adds in series and takes the max in parallel; history never
time-splits; long tails get a stage cut; the plan printout explains every node."""
import os

import pytest

import farm_helpers as fh
from phonon.spec import Ref
from workers.planner import make_plan

pytestmark = pytest.mark.timeout(60)
COSTS = {"t_sine": 1e-7, "t_pole": 1e-7, "t_integ": 1e-8, "add": 1e-8}


def plan(spec, **kw):
    kw.setdefault("node_costs", COSTS)
    return make_plan(spec, kw.pop("frames", 8000 * 20), kw.pop("workers", 2), **kw)


def tail(a, sr=8000):
    import math
    from phonon.nodes.base import LN_FADE
    return math.ceil(LN_FADE / -math.log(a) / sr * sr)


def test_warmup_series_sum_parallel_max():
    spec = fh.spec_of([(1, "t_sine", {}), (2, "t_pole", {"in": Ref(1), "a": 0.99}),
                       (3, "t_pole", {"in": Ref(2), "a": 0.98}),  # series: 2 then 3
                       (4, "t_pole", {"in": Ref(1), "a": 0.995}),  # parallel branch
                       (5, "add", {"a": Ref(3), "b": Ref(4)})], [("out", 5)])
    p = plan(spec, mode="time", stages=False, chunk_frames=4000)
    (st,) = p.stages
    assert st.warmup == max(tail(0.99) + tail(0.98), tail(0.995))
    assert p.warm_start(st, 0) == 0  # chunk 0: no warm-up, fresh state
    assert p.warm_start(st, 3) == 12000 - st.warmup


def test_seekable_only_has_no_warmup():
    p = plan(fh.seekable_spec(), mode="time", chunk_frames=1000)
    assert not p.uses_warmup


def test_history_goes_to_the_serial_tail():
    p = plan(fh.history_spec(), mode="time", stages=False, chunk_frames=1000)
    assert p.tail == (3,)
    assert "history" in p.reasons[3] and "mixer" in p.reasons[3]


def test_long_tail_gets_a_stage_cut():
    p = plan(fh.longtail_spec(), mode="time", stages=True, chunk_frames=1000)
    assert len(p.stages) == 2
    s0, s1 = p.stages
    assert 2 in {x.node for x in s0.products} and s1.externals == (2,)
    assert s1.warmup == tail(0.9995)  # only the long-tail node re-runs
    assert "long tail" in p.reasons[3]


def test_branch_mode_groups_outputs():
    p = plan(fh.chain_spec(), mode="branch")
    assert all(s.kind == "branch" for s in p.stages) and len(p.stages) == 2


def test_describe_lists_stages_prediction_and_every_node():
    p = plan(fh.longtail_spec(), mode="auto", chunk_frames=1000)
    text = p.describe()
    for word in ("plan: mode", "predicted:", "speedup", "warm-up", "nodes:"):
        assert word in text
    for nid in (1, 2, 3, 4):
        assert f"%{nid} " in text


def test_bad_mode_is_user_error():
    from phonon.errors import PhononError
    with pytest.raises(PhononError, match="--mode got 'fast'"):
        plan(fh.chain_spec(), mode="fast")


def test_a_fast_patch_keeps_its_slots_within_the_memory_budget():
    """A cheap patch needs a long chunk for 0.1 CPU-s of work per task; at 44.1 kHz over
    600 s those chunks took 1.1 GB of slots (synth16). The budget rules: shorter chunks."""
    from workers.planner import arena_budget
    cheap = {"t_sine": 1e-10, "t_pole": 1e-10, "t_integ": 1e-10, "add": 1e-10}
    spec = fh.spec_of([(1, "t_sine", {}), (2, "t_pole", {"in": Ref(1), "a": 0.999}),
                       (3, "t_pole", {"in": Ref(2), "a": 0.9999}),
                       (4, "add", {"a": Ref(2), "b": Ref(3)})], [("out", 4), ("out2", 3)],
                      sr=44100)
    p = make_plan(spec, 44100 * 600, 2, node_costs=cheap, mode="time")
    assert p.arena_bytes() <= arena_budget(2), p.describe()


def test_prediction_counts_writing_and_the_machines_parallel_efficiency(monkeypatch):
    """Workers busy at once run slower than alone on a shared-core machine, and the parent's
    writer costs CPU beside them: both are in the predicted wall."""
    spec = fh.spec_of([(1, "t_sine", {}), (2, "t_pole", {"in": Ref(1), "a": 0.99})], [("out", 2)])
    monkeypatch.setenv("PHONON_PARALLEL_EFFICIENCY", "1.0")
    full = make_plan(spec, 8000 * 600, 2, node_costs=COSTS, mode="time").predicted
    monkeypatch.setenv("PHONON_PARALLEL_EFFICIENCY", "0.5")
    half = make_plan(spec, 8000 * 600, 2, node_costs=COSTS, mode="time").predicted
    from workers.plan import WRITE_COST
    assert full["write_s"] == pytest.approx(WRITE_COST * 2 * 8000 * 600)
    assert half["efficiency"] == 0.5 and full["efficiency"] == 1.0
    assert half["wall_s"] > 1.5 * full["wall_s"] - full["write_s"]
    # a plan for another machine's size (the scaling model) keeps the costs as calibrated
    other = make_plan(spec, 8000 * 600, 2, node_costs=COSTS, mode="time", cpus=2).predicted
    assert other["efficiency"] == 1.0


def test_parallel_efficiency_is_measured_once_and_cached(tmp_path, monkeypatch):
    from workers import costs
    monkeypatch.delenv("PHONON_PARALLEL_EFFICIENCY", raising=False)
    monkeypatch.setenv("PHONON_COSTS", str(tmp_path / "costs.json"))
    calls = []
    monkeypatch.setattr(costs, "measure_parallel_efficiency", lambda: calls.append(1) or 0.8)
    assert costs.parallel_efficiency() == 0.8 and costs.parallel_efficiency() == 0.8
    assert len(calls) == (1 if (os.cpu_count() or 1) >= 2 else 0)


def test_measured_parallel_efficiency_is_a_fraction():
    from workers.costs import measure_parallel_efficiency
    e = measure_parallel_efficiency(rounds=1, n=200)
    assert 0.0 < e <= 1.0


def test_costs_of_other_render_code_are_not_used(tmp_path, monkeypatch):
    """Costs are kept for one version of the engine and nodes: after a change (a faster
    engine) they are measured again; the machine's parallel efficiency is kept."""
    from workers import costs
    monkeypatch.setenv("PHONON_COSTS", str(tmp_path / "costs.json"))
    monkeypatch.setattr(costs, "code_key", lambda: "A")
    d = costs._load_all()
    d["specs"] = {"x": {"node": {}, "build": 0, "seek": 0}}
    d[costs.EFFICIENCY_KEY] = {"cpus": 2, "efficiency": 0.8}
    costs._save_all(d)
    assert "x" in costs._load_all()["specs"]
    monkeypatch.setattr(costs, "code_key", lambda: "B")
    d = costs._load_all()
    assert "specs" not in d and d[costs.EFFICIENCY_KEY]["efficiency"] == 0.8
