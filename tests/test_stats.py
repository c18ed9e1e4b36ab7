"""Statistics against published values: Wilson intervals, funnel limits, z tests, rates."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from thuocdo.domain.stats import (
    Z95,
    Z998,
    dissatisfied_share,
    funnel_limits,
    min_sample_ok,
    normal_sf,
    satisfaction_rate,
    satisfied_count,
    top_levels,
    two_proportion_z,
    wilson_interval,
    z_for_confidence,
)

# Newcombe R.G. (1998), "Two-sided confidence intervals for the single proportion:
# comparison of seven methods", Statistics in Medicine 17:857-872, Table I, method 3
# (Wilson score interval without continuity correction, z = 1.96). The first example is
# also the worked example in Wikipedia's "Binomial proportion confidence interval".
NEWCOMBE_1998 = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
    (29, 29, 0.8830, 1.0000),
]


@pytest.mark.parametrize("k,n,lo,hi", NEWCOMBE_1998)
def test_wilson_matches_newcombe_1998(k, n, lo, hi):
    got = wilson_interval(k, n)
    assert got[0] == pytest.approx(lo, abs=5e-5)
    assert got[1] == pytest.approx(hi, abs=5e-5)


def test_wilson_empty_sample_is_nan():
    lo, hi = wilson_interval(0, 0)
    assert math.isnan(lo) and math.isnan(hi)


def test_wilson_vectorised_equals_scalar():
    k = np.array([81, 15, 0, 1, 0])
    n = np.array([263, 148, 20, 29, 0])
    lo, hi = wilson_interval(k, n)
    for i in range(4):
        assert (lo[i], hi[i]) == pytest.approx(wilson_interval(int(k[i]), int(n[i])))
    assert math.isnan(lo[4]) and math.isnan(hi[4])


def test_wilson_small_sample_is_wide_large_sample_is_narrow():
    # 10 of 12 and 1,667 of 2,000 are both ~83 %: the interval tells them apart.
    small = wilson_interval(10, 12)
    large = wilson_interval(1667, 2000)
    assert small[1] - small[0] > 0.35
    assert large[1] - large[0] < 0.04


def test_z_values():
    # Standard normal quantiles (Abramowitz & Stegun 26.2): 1.959964 and 3.090232.
    assert z_for_confidence(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert z_for_confidence(0.998) == pytest.approx(3.090232, abs=1e-6)
    assert Z95 == pytest.approx(1.959964, abs=1e-6) and Z998 == pytest.approx(3.090232, abs=1e-6)
    assert normal_sf(1.959964) == pytest.approx(0.025, abs=1e-7)


def test_funnel_limits_arithmetic():
    # Spiegelhalter (2005), "Funnel plots for comparing institutional performance":
    # limits p0 ± z·sqrt(p0(1−p0)/n). For p0 = 0.5, n = 100: se = 0.05;
    # 95 %: 0.5 ± 1.96·0.05 = (0.402, 0.598); 99.8 %: 0.5 ± 3.09·0.05 = (0.3455, 0.6545).
    assert funnel_limits(0.5, 100, 1.96) == pytest.approx((0.402, 0.598))
    assert funnel_limits(0.5, 100, Z998) == pytest.approx((0.34549, 0.65451), abs=1e-5)
    # p0 = 0.03 (share of "Không hài lòng"), n = 400: se = sqrt(0.0291/400) = 0.0085294;
    # upper 99.8 % = 0.03 + 3.0902·0.0085294 = 0.056358.
    assert funnel_limits(0.03, 400, Z998)[1] == pytest.approx(0.056358, abs=1e-6)


def test_funnel_limits_clipped_and_vectorised():
    lo, hi = funnel_limits(0.97, np.array([5, 100, 10000, 0]), 3.09)
    assert hi[0] == 1.0 and lo[0] < 0.97  # clipped at 1 for a tiny sample
    assert lo[1] < lo[2] < 0.97 < hi[2] < hi[1]  # the funnel narrows with volume
    assert math.isnan(lo[3]) and math.isnan(hi[3])
    assert funnel_limits(0.01, 4, 1.96)[0] == 0.0  # clipped at 0


def test_two_proportion_z_equals_pearson_chi_square():
    # Newcombe (1998b) example 56/70 vs 48/80. Pooled p = 104/150;
    # z = (0.8 − 0.6) / sqrt(0.69333·0.30667·(1/70 + 1/80)) = 2.6502, and z² equals
    # Pearson's chi-square of the 2×2 table N(ad − bc)² / (r1 r2 c1 c2) = 7.0234.
    z, p = two_proportion_z(56, 70, 48, 80)
    a, b, c, d = 56, 14, 48, 32
    n = a + b + c + d
    chi2 = n * (a * d - b * c) ** 2 / ((a + b) * (c + d) * (a + c) * (b + d))
    assert z == pytest.approx(2.6502, abs=1e-4)
    assert z * z == pytest.approx(chi2)
    assert p == pytest.approx(0.00804, abs=1e-5)  # two-sided, from the normal tail
    z2, p2 = two_proportion_z(48, 80, 56, 70)
    assert z2 == pytest.approx(-z) and p2 == pytest.approx(p)


def test_two_proportion_z_edge_cases():
    assert two_proportion_z(10, 10, 20, 20) == (0.0, 1.0)
    assert all(math.isnan(x) for x in two_proportion_z(1, 0, 2, 3))
    # A drop from 90 % (2,000 ratings) to 65 % (300) is overwhelming evidence.
    z, p = two_proportion_z(195, 300, 1800, 2000)
    assert z < -10 and p < 1e-20


def test_satisfaction_rate_four_levels():
    # 4 Rất hài lòng 50, 3 Hài lòng 30, 2 Bình thường 15, 1 Không hài lòng 5:
    # satisfied = (50 + 30) / 100 = 0.80; dissatisfied = 5 / 100 = 0.05.
    counts = {1: 5, 2: 15, 3: 30, 4: 50}
    assert satisfaction_rate(counts, 4) == pytest.approx(0.80)
    assert dissatisfied_share(counts, 4) == pytest.approx(0.05)
    assert satisfaction_rate([5, 15, 30, 50], 4) == pytest.approx(0.80)
    assert satisfied_count([5, 15, 30, 50], 4) == 80
    assert top_levels(4) == (3, 4) and top_levels(5) == (4, 5)


def test_satisfaction_rate_five_levels():
    # Levels 5 and 4 are satisfied on a 5-level scale: (40 + 20) / 100.
    assert satisfaction_rate([10, 10, 20, 20, 40], 5) == pytest.approx(0.60)
    assert dissatisfied_share([10, 10, 20, 20, 40], 5) == pytest.approx(0.10)


def test_satisfaction_rate_empty_and_bad_scale():
    assert math.isnan(satisfaction_rate([0, 0, 0, 0], 4))
    assert math.isnan(dissatisfied_share({}, 4))
    with pytest.raises(ValueError):
        top_levels(3)


def test_satisfaction_rate_on_rollup_frame_with_mixed_scales():
    df = pd.DataFrame(
        {
            "s1": [5, 10, 0],
            "s2": [15, 10, 0],
            "s3": [30, 20, 0],
            "s4": [50, 20, 0],
            "s5": [0, 40, 0],
            "scale": [4, 5, 4],
        }
    )
    rate = satisfaction_rate(df, "scale")
    assert rate.iloc[0] == pytest.approx(0.80)
    assert rate.iloc[1] == pytest.approx(0.60)
    assert math.isnan(rate.iloc[2])
    assert dissatisfied_share(df, "scale").iloc[1] == pytest.approx(0.10)
    assert list(satisfied_count(df, "scale")) == [80, 60, 0]
    # A 4-level row ignores a stray s5 value (it is not a valid level there).
    odd = pd.DataFrame({"s1": [0], "s2": [0], "s3": [1], "s4": [1], "s5": [2]})
    assert satisfaction_rate(odd, 4).iloc[0] == pytest.approx(1.0)


def test_min_sample_ok():
    assert min_sample_ok(30, 30) is True
    assert min_sample_ok(29, 30) is False
    assert min_sample_ok(None, 30) is False
    assert list(min_sample_ok(np.array([0, 29, 30, np.nan]), 30)) == [False, False, True, False]
    assert list(min_sample_ok(pd.Series([100, 5]), 30)) == [True, False]
