"""The planner: warm-up adds in series and takes the max in parallel; history never
time-splits; long tails get a stage cut; the plan printout explains every node."""
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
