"""Tidal's time-seeded randomness (phonon/pattern/random.py).

Reference formula, written again here with plain ints (Sound.Tidal.UI):
    xorwise x = let a = (x << 13) xor x; b = (a >> 17) xor a in (b << 5) xor b   on 64-bit Int
    timeToIntSeed t = xorwise (truncate (frac(t / 300) * 2^29))
    timeToRand t = (seed mod 2^29) / 2^29

Values derived by hand (independently of both implementations):
  * t = 0: frac = 0, xorwise 0 = 0, so timeToRand 0 = 0.
  * t = 300 / 2^29: frac(t/300) * 2^29 = 1. xorwise 1: a = 8192 xor 1 = 8193;
    a >> 17 = 0 so b = 8193; b << 5 = 262176 = 2^18 + 2^5 shares no bit with 8193 = 2^13 + 1,
    so the seed is 262176 + 8193 = 270369, and timeToRand = 270369 / 2^29.
  * t = -300 / 2^29: truncate gives -1 (properFraction keeps the sign). xorwise -1:
    (-1 << 13) xor -1 = 8191 (low 13 bits); 8191 >> 17 = 0 so b = 8191; (8191 << 5) xor 8191:
    bits 5..17 xor bits 0..12 = bits 0..4 and 13..17 = 31 + 253952 = 253983.
  * 64-bit wrap: xorwise 2^60: 2^60 << 13 overflows to 0, so a = 2^60; b = 2^43 + 2^60;
    b << 5 keeps only 2^48 (2^65 is shifted out); the result is 2^60 + 2^48 + 2^43.
"""
from fractions import Fraction as F

from _pattern_helpers import onsets
from phonon.pattern import random as R
from phonon.pattern import mini, rand, time_to_int_seed, time_to_rand, time_to_rands, xorwise

T29 = 2 ** 29


def ref_xorwise(x):
    m = (1 << 64) - 1

    def signed(v):
        v &= m
        return v - (1 << 64) if v >= 1 << 63 else v
    a = signed((x << 13) ^ x)
    b = signed((a >> 17) ^ a)
    return signed((b << 5) ^ b)


def ref_time_to_rand(t: F) -> float:
    x = t / 300
    whole = x.numerator // x.denominator if x >= 0 else -((-x.numerator) // x.denominator)
    frac = x - whole
    n = frac * T29
    seed = ref_xorwise(int(n.numerator // n.denominator) if n >= 0 else -((-n.numerator) // n.denominator))
    return (seed % T29) / T29


def test_hand_derived_values():
    assert time_to_rand(0) == 0
    assert time_to_rand(F(300, T29)) == 270369 / T29
    assert time_to_rand(F(-300, T29)) == 253983 / T29
    assert xorwise(1) == 270369
    assert xorwise(-1) == 253983
    assert xorwise(2 ** 60) == 2 ** 60 + 2 ** 48 + 2 ** 43


def test_matches_reference_formula():
    for t in [F(1, 2), F(1), F(3, 7), F(-5, 3), F(1234567, 8), F(299), F(301, 2), F(1, 16), F(-1, 10000)]:
        assert time_to_rand(t) == ref_time_to_rand(t), t


def test_pinned_values():
    # computed with the reference formula above; pinned so a change is noticed
    assert time_to_int_seed(F(1, 2)) == ref_xorwise(894784)
    assert time_to_rand(F(1, 2)) == (ref_xorwise(894784) % T29) / T29
    assert time_to_rand(1) == (ref_xorwise(1789569) % T29) / T29


def test_time_to_rands_chains_xorwise():
    seed = time_to_int_seed(F(7, 3))
    assert time_to_rands(F(7, 3), 3) == [(seed % T29) / T29, (ref_xorwise(seed) % T29) / T29,
                                          (ref_xorwise(ref_xorwise(seed)) % T29) / T29]


def test_rand_samples_span_midpoint():
    (h,) = rand.query(0, 1)
    assert h.whole is None and h.value == time_to_rand(F(1, 2))
    (h,) = rand.query(F(1, 4), F(1, 2))
    assert h.value == time_to_rand(F(3, 8))


def test_question_mark_drops_exactly_tidals_events():
    # "bd*8?" has seed 0: keep the event at k/8 iff timeToRand(midpoint of its whole) > 0.5
    for c in range(3):
        want = [F(k, 8) + c for k in range(8) if ref_time_to_rand(c + F(2 * k + 1, 16)) > 0.5]
        assert [t for t, _ in onsets(mini("bd*8?"), c, c + 1)] == want


def test_each_question_mark_has_its_own_seed():
    # The second `?` (seed 1) samples rand shifted by 1/10000 cycles, amount 0.3. As in Tidal,
    # the `?` applies inside the step before it is squeezed into the second half of the cycle,
    # so rand is taken at the event's midpoint in the step's own time: c + (2k+1)/16.
    for c in range(3):
        got = [t for t, v in onsets(mini("hh? bd*8?0.3"), c, c + 1) if v == "bd"]
        want = [c + F(k, 16) + F(1, 2) for k in range(8)
                if ref_time_to_rand(c + F(2 * k + 1, 16) + F(1, 10000)) > 0.3]
        assert got == want


def test_degrade_by_keeps_above_amount():
    p = R.degrade_by(mini("hh*16"), 0.3)
    want = [F(k, 16) for k in range(16) if ref_time_to_rand(F(2 * k + 1, 32)) > 0.3]
    assert [t for t, _ in onsets(p)] == want


def test_random_choice_per_cycle():
    # [a|b|c] has seed 0: cycle c picks floor(3 * timeToRand(c + 1/2))
    p = mini("[a|b|c]")
    for c in range(6):
        assert [v for _, v in onsets(p, c, c + 1)] == ["abc"[int(3 * ref_time_to_rand(c + F(1, 2)))]]


def test_sometimes_by_partitions_events():
    p = mini("hh*16")
    s = R.sometimes_by(p, 0.5, lambda x: x.fmap(lambda v: v.upper()))
    got = onsets(s)
    assert len(got) == 16
    assert [v for _, v in got] == ["hh" if ref_time_to_rand(F(2 * k + 1, 32)) > 0.5 else "HH" for k in range(16)]


def test_irand_and_choose():
    from phonon.pattern import choose, irand
    (h,) = irand(8).query(0, 1)
    assert h.value == int(8 * time_to_rand(F(1, 2)))
    (h,) = choose(["a", "b"]).query(0, 1)
    assert h.value == "ab"[int(2 * time_to_rand(F(1, 2)))]
