"""Pattern query throughput: onset haps per second for a dense, deep pattern.

    .venv/bin/pytest bench/bench_pattern.py --benchmark-only

Builds `jux rev $ stut 16 0.7 0.125 $ s "bd*32"` in Python (1024 onset haps per cycle)
and queries it cycle by cycle, as the engine does. Target: >= 100,000 onset haps/s.
"""
import sys
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from phonon.pattern import mini  # noqa: E402
from phonon.pattern.transforms import jux, stut  # noqa: E402
from conftest import QUICK  # noqa: E402

CYCLES = 16


def build():
    pat = mini("bd*32").fmap(lambda v: {"s": v})
    return jux(stut(pat, 16, Fraction(7, 10), Fraction(1, 8)), lambda p: p.rev())


def query_cycles(pat, start, n):
    count = 0
    for c in range(start, start + n):
        count += sum(1 for h in pat.query(c, c + 1) if h.has_onset())
    return count


def test_onset_haps_per_second(benchmark):
    pat = build()
    start = [0]

    def run():
        start[0] += CYCLES  # new cycles each round: nothing is cached between rounds
        return query_cycles(pat, start[0], CYCLES)

    count = benchmark.pedantic(run, rounds=8, iterations=1, warmup_rounds=1)
    assert count == CYCLES * 1024
    rate = count / benchmark.stats.stats.min
    benchmark.extra_info["onset_haps_per_second"] = round(rate)
    print(f"\nonset haps/s (best round): {rate:,.0f}")


def test_mini_parse(benchmark):
    from phonon.pattern.mininotation import Interpreter, parse
    text = "bd*2 [sn cp] <hh oh>(3,8,<0 2>) {bd sn, hh hh hh}%4 bd? [cp|rim] c4'maj e'min7"
    benchmark(lambda: Interpreter(text).eval(parse(text)))


def test_dsl_parse(benchmark):
    """The patch parser on the shared stress_synth patch (a few ms; a pathological rule
    shows as a jump here: this was a timed unit test)."""
    from conftest import SHARED_PATCHES
    from phonon.dsl.parser import parse
    src = (SHARED_PATCHES / "stress_synth.ph").read_text()
    assert len(src.splitlines()) >= 25
    prog = benchmark(parse, src)
    assert prog.statements


# The heaviest of Tidal's vocabulary (issue 11): each must stay above 20,000 onset haps/s.
def _vocab():
    from phonon.pattern import harmony as H, random as R, transforms as T
    drums = mini("bd*8 [sn cp]*4 hh*16").fmap(lambda v: {"s": v})
    return {
        "arp": H.arp(mini("<c'maj e'min7 g'dom7 a'min9>*8"), "<updown converge>"),
        "scale_run1000": H.scale("<major dorian>", T.run(1000)),
        "shuffle": R.shuffle(drums, 8),
        "chew": T.chew(drums, 4, "0 [1 0] 3 <2 1>"),
        "wrandcat": R.wrandcat([(drums, 5), (drums.fast(2), 2), (mini("hh*16").fmap(lambda v: {"s": v}), 1)]),
        "squeeze": T.squeeze(mini("<0 1> [1 0 2]*2"), [drums, drums.rev(), mini("cp*3")]),
    }


VOCAB = ["arp", "scale_run1000", "shuffle", "chew", "wrandcat", "squeeze"]


def _rate(pat, cycles):
    import time
    best = 0.0
    for r in range(3):
        t0 = time.perf_counter()
        n = query_cycles(pat, 100 * (r + 1), cycles)
        best = max(best, n / (time.perf_counter() - t0))
    return best, n


def test_vocabulary_haps_per_second():
    for name, pat in _vocab().items():
        rate, n = _rate(pat, 4 if name == "scale_run1000" else 16)
        print(f"\n{name}: {rate:,.0f} onset haps/s ({n} haps)")
        assert n > 0, name
        if not QUICK:  # CI's quick mode keeps the suite from rotting; its numbers mean nothing
            assert rate >= 20_000, name
