"""Statistics for honest rates: Wilson intervals, funnel limits, two-proportion tests.

Every function accepts plain numbers; the interval and limit functions also accept
numpy arrays (or pandas Series) and then work element by element, so a page can compute
the intervals of 170 units in one call. No SciPy: the normal distribution comes from
``math.erfc``, which is exact to double precision for these uses.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

Z95 = 1.959963984540054  # two-sided 95 %
Z998 = 3.090232306167813  # two-sided 99.8 % (funnel-plot outer limit, Spiegelhalter 2005)

SCALES = (4, 5)


def _is_scalar(*values) -> bool:
    """True when every value is a plain number (not an array or Series)."""
    return all(np.ndim(v) == 0 for v in values)


def normal_sf(z: float) -> float:
    """Upper tail probability P(Z > z) of the standard normal distribution."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def normal_quantile(p: float) -> float:
    """The z with P(Z <= z) = p (inverse normal CDF; bisection on erfc, 1e-12 exact)."""
    if not 0.0 < p < 1.0:
        raise ValueError("p must be strictly between 0 and 1")
    lo, hi = -40.0, 40.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if 1.0 - normal_sf(mid) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-13:
            break
    return (lo + hi) / 2


def z_for_confidence(confidence: float) -> float:
    """Two-sided z for a confidence level, e.g. 0.95 -> 1.96, 0.998 -> 3.09."""
    return normal_quantile(1.0 - (1.0 - confidence) / 2.0)


def wilson_interval(k, n, z: float = 1.96):
    """Wilson score interval (lo, hi) for k successes in n trials; n = 0 gives (nan, nan)."""
    if _is_scalar(k, n):
        k, n = float(k), float(n)
        if n <= 0 or math.isnan(n) or math.isnan(k):
            return (math.nan, math.nan)
        p = k / n
        z2 = z * z
        denom = 1.0 + z2 / n
        centre = (p + z2 / (2 * n)) / denom
        half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
        # Clip away rounding noise at the edges (k = 0 gives lo = -1e-17 otherwise).
        return (max(0.0, centre - half), min(1.0, centre + half))
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        z2 = z * z
        denom = 1.0 + z2 / n
        centre = (p + z2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
        lo = np.where(n > 0, np.clip(centre - half, 0.0, 1.0), np.nan)
        hi = np.where(n > 0, np.clip(centre + half, 0.0, 1.0), np.nan)
    return lo, hi


def funnel_limits(p0, n, z: float = Z95):
    """Funnel-plot control limits p0 ± z·sqrt(p0(1−p0)/n), clipped to [0, 1]; n ≤ 0 gives nan."""
    if _is_scalar(p0, n):
        p0, n = float(p0), float(n)
        if n <= 0 or math.isnan(n) or math.isnan(p0):
            return (math.nan, math.nan)
        half = z * math.sqrt(p0 * (1 - p0) / n)
        return (max(0.0, p0 - half), min(1.0, p0 + half))
    p0 = np.asarray(p0, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        half = z * np.sqrt(p0 * (1 - p0) / n)
        lo = np.where(n > 0, np.clip(p0 - half, 0.0, 1.0), np.nan)
        hi = np.where(n > 0, np.clip(p0 + half, 0.0, 1.0), np.nan)
    return lo, hi


def two_proportion_z(k1, n1, k2, n2) -> tuple[float, float]:
    """Pooled two-proportion z statistic for p1 − p2 and its two-sided p-value (nan if undefined)."""
    k1, n1, k2, n2 = float(k1), float(n1), float(k2), float(n2)
    if n1 <= 0 or n2 <= 0:
        return (math.nan, math.nan)
    p1, p2 = k1 / n1, k2 / n2
    pooled = (k1 + k2) / (n1 + n2)
    var = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if var <= 0:
        # Both samples all-success or all-failure: no evidence of a difference.
        return (0.0, 1.0) if p1 == p2 else (math.nan, math.nan)
    z = (p1 - p2) / math.sqrt(var)
    return (z, min(1.0, 2.0 * normal_sf(abs(z))))


def top_levels(scale: int) -> tuple[int, int]:
    """The two levels that count as "satisfied" on a scale of 4 or 5 (e.g. 3 and 4)."""
    if scale not in SCALES:
        raise ValueError(f"unsupported satisfaction scale: {scale!r}")
    return (scale - 1, scale)


def _level_counts(counts, scale: int) -> list[float]:
    """Counts of levels 1..scale from a mapping {level: count} or a sequence [s1, s2, ...]."""
    if isinstance(counts, Mapping):
        return [float(counts.get(i, counts.get(str(i), counts.get(f"s{i}", 0))) or 0) for i in range(1, scale + 1)]
    if isinstance(counts, Sequence | np.ndarray):
        values = [float(x or 0) for x in counts]
        if len(values) < scale:
            values += [0.0] * (scale - len(values))
        return values[:scale]
    raise TypeError("counts must be a mapping of level -> count or a sequence s1..s<scale>")


def _frame_counts(df: pd.DataFrame, scale) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """(satisfied, level 1, valid, scale) Series from a rollup frame with s1..s5 columns."""
    if isinstance(scale, str):
        sc = df[scale].astype(float)
    else:
        sc = pd.Series(float(scale), index=df.index)
    cols = {
        i: df[f"s{i}"].astype(float).fillna(0) if f"s{i}" in df else pd.Series(0.0, index=df.index) for i in range(1, 6)
    }
    valid = cols[1] + cols[2] + cols[3] + cols[4] + cols[5].where(sc >= 5, 0.0)
    satisfied = (cols[3] + cols[4]).where(sc == 4, cols[4] + cols[5])
    return satisfied, cols[1], valid, sc


def satisfied_count(counts, scale=4):
    """Number of ratings in the top two levels (a Series when ``counts`` is a DataFrame)."""
    if isinstance(counts, pd.DataFrame):
        return _frame_counts(counts, scale)[0]
    values = _level_counts(counts, scale)
    return values[scale - 2] + values[scale - 1]


def satisfaction_rate(counts, scale=4):
    """(top two levels) ÷ valid ratings; nan when there is none.

    ``counts`` is a mapping {level: count}, a sequence [s1, s2, ...], or a DataFrame with
    columns s1..s5 (then ``scale`` is an int or the name of a scale column, and a Series
    is returned).
    """
    if isinstance(counts, pd.DataFrame):
        satisfied, _, valid, _ = _frame_counts(counts, scale)
        return (satisfied / valid.where(valid > 0)).astype(float)
    values = _level_counts(counts, scale)
    valid = sum(values)
    return (values[scale - 2] + values[scale - 1]) / valid if valid > 0 else math.nan


def dissatisfied_share(counts, scale=4):
    """Share of the lowest level ("Không hài lòng") among valid ratings; nan when none."""
    if isinstance(counts, pd.DataFrame):
        _, level1, valid, _ = _frame_counts(counts, scale)
        return (level1 / valid.where(valid > 0)).astype(float)
    values = _level_counts(counts, scale)
    valid = sum(values)
    return values[0] / valid if valid > 0 else math.nan


def min_sample_ok(n, minimum: int):
    """True where the sample size reaches the configured minimum (array in, array out)."""
    if np.ndim(n) == 0:
        return n is not None and not (isinstance(n, float) and math.isnan(n)) and n >= minimum
    arr = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.nan_to_num(arr, nan=-1.0) >= minimum
