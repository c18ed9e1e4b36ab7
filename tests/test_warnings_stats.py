"""The statistics inside the rules: noise estimates, overdispersed funnels, rounding."""

from __future__ import annotations

import math

import numpy as np
import pytest

from thuocdo.domain.warnings.rules.dissatisfied_concentration import additive_tau2, weighted_median
from thuocdo.domain.warnings.rules.falling_results import PRIOR_CHANGES, changes_to_sd, shrunk_sd
from thuocdo.domain.warnings.rules.off_pace import decimals
from thuocdo.domain.warnings.rules.rotation_due import due_date


def test_noise_from_changes_recovers_the_standard_deviation():
    rng = np.random.default_rng(3)
    x = rng.normal(80, 2.0, 20000)
    assert changes_to_sd(np.abs(np.diff(x))) == pytest.approx(2.0, rel=0.03)
    # A zig-zag of ±8 has a large noise even though its MAD about the median is 0.
    zig = np.array([72.0, 88.0] * 6)
    assert changes_to_sd(np.abs(np.diff(zig))) > 10


def test_shrinkage_pulls_a_thin_estimate_towards_the_population():
    own = np.abs(np.array([-1.5, 1.0, -3.5, 5.5, -4.5, 3.5]))
    alone = changes_to_sd(own)
    sd, k = shrunk_sd(own, 2.0)
    assert k == 6 and 2.0 < sd < alone
    assert sd == pytest.approx(math.sqrt((6 * alone**2 + PRIOR_CHANGES * 4.0) / (6 + PRIOR_CHANGES)))
    assert shrunk_sd(np.array([np.nan]), 2.0) == (2.0, 0)


def test_weighted_median_ignores_a_small_outlier():
    assert weighted_median(np.array([0.02, 0.03, 0.04, 0.15]), np.array([300, 300, 300, 50])) == pytest.approx(0.03)


def test_tau2_is_zero_without_overdispersion_and_positive_with_it():
    rng = np.random.default_rng(7)
    n = np.full(60, 3000.0)
    same = rng.binomial(3000, 0.03, 60) / 3000
    assert additive_tau2(same, n, 0.03) == pytest.approx(0.0, abs=2e-6)
    spread = rng.binomial(3000, rng.uniform(0.02, 0.04, 60)) / 3000
    tau2 = additive_tau2(spread, n, float(np.median(spread)))
    # Uniform(2 %, 4 %) has a variance of 0.02² / 12 = 3.3e-5.
    assert 1.5e-5 < tau2 < 6e-5


def test_decimals_of_recorded_values():
    assert list(decimals(np.array([5.0, 17.0, 92.5, 3.25, 0.1]))) == [0, 0, 1, 2, 1]


def test_rotation_due_counts_years_of_365_25_days():
    import datetime as dt

    assert due_date(dt.date(2020, 1, 1), 5) == dt.date(2025, 1, 1)
    assert due_date(dt.date(2021, 3, 1), 5) == dt.date(2026, 3, 2)
