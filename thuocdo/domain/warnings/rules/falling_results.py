"""Rule 1 — falling results: an official's final score falls and stays down.

Test (per official and month ``t``): the ``window`` months ending at ``t`` are all below
the official's baseline (the mean of the ``baseline_months`` months before the window),
the latest score is the lowest point reached so far in the window's start, and it lies
at least ``min_drop`` points below the baseline. "Three consecutive declines of 10
points" and "10 points below the own 3-month mean" are the two readings of the design;
this one compares the latest month with the level *before* the fall began, which is
what separates a fall from month-to-month noise: with a monthly noise of 2 points, the
false-alarm rate is about 5 per million official-months, where "three declines totalling
10" alone gives about 100 per million (measured by simulation, see the README).

Noise guard: the drop must also exceed ``noise_z`` × the official's own noise (median
absolute month-to-month change over the 12 months before the window, scaled to a
standard deviation) ×
sqrt(1 + 1/baseline size), so an official whose scores swing by 8 points every month is
not flagged for a 10-point dip. Needs ``window`` + 1 consecutive months (4 by default);
fewer is counted as insufficient data. One warning per episode: a fall that continues
into the next month does not raise a second warning.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from sqlalchemy import and_, select

from thuocdo.domain.warnings.model import Finding, RuleResult, ScanContext, severity_from
from thuocdo.domain.warnings.rules._common import frame, index_month, month_index, month_range, unit_clause
from thuocdo.store.schema import evaluations

CODE = "falling_results"
NOISE_MONTHS = 12
MIN_NOISE_DIFFS = 4
MAD_TO_SD = 1.4826


def _load(ctx: ScanContext, back: int) -> pd.DataFrame:
    lo, hi = month_range(ctx.months, back)
    e = evaluations
    stmt = select(e.c.official_id, e.c.unit_id, e.c.month, e.c.final_score).where(
        and_(e.c.month >= lo, e.c.month <= hi, unit_clause(e.c.unit_id, ctx.unit_ids))
    )
    return frame(ctx.conn, stmt)


def _noise(series: np.ndarray) -> float:
    """Robust standard deviation of one month's noise from month-to-month changes."""
    d = np.diff(series)
    d = d[~np.isnan(d)]
    if len(d) < MIN_NOISE_DIFFS:
        return math.nan
    # Median absolute change about zero: a steady official's changes centre on zero,
    # and this stays honest for a zig-zag series where the MAD about the median is 0.
    return MAD_TO_SD * float(np.median(np.abs(d))) / math.sqrt(2.0)


def evaluate(ctx: ScanContext, p: dict) -> RuleResult:
    w = int(p["window"])
    b = int(p["baseline_months"])
    min_drop = float(p["min_drop"])
    noise_z = float(p["noise_z"])
    result = RuleResult(CODE, coverage=ctx.coverage())
    if not ctx.months:
        return result
    back = w + max(b, NOISE_MONTHS) + 1
    df = _load(ctx, back)
    if df.empty:
        return result
    off_codes, off_idx = np.unique(df["official_id"].to_numpy(dtype="int64"), return_inverse=True)
    mi = month_index(df["month"].to_numpy())
    m0 = int(mi.min())
    n_months = int(mi.max()) - m0 + 1
    scores = np.full((len(off_codes), n_months), np.nan)
    units = np.zeros((len(off_codes), n_months), dtype="int64")
    col = mi - m0
    scores[off_idx, col] = df["final_score"].to_numpy(dtype=float)
    units[off_idx, col] = df["unit_id"].to_numpy(dtype="int64")

    targets = sorted(set(int(c) for c in month_index(ctx.months) - m0 if 0 <= c < n_months))
    # Evaluate one month before the first target too, for the one-warning-per-episode rule.
    cols = sorted(set(targets) | {t - 1 for t in targets if t - 1 >= 0})
    fired_at: dict[int, np.ndarray] = {}
    stats_at: dict[int, tuple] = {}
    for t in cols:
        lo_w = t - w + 1
        if lo_w - 1 < 0:
            fired_at[t] = np.zeros(len(off_codes), dtype=bool)
            stats_at[t] = None
            continue
        win = scores[:, lo_w : t + 1]
        base = scores[:, max(0, lo_w - b) : lo_w]
        have = ~np.isnan(win).any(axis=1) & (~np.isnan(base)).any(axis=1)
        nb = (~np.isnan(base)).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            bmean = np.where(nb > 0, np.nansum(base, axis=1) / np.maximum(nb, 1), np.nan)
            latest = scores[:, t]
            drop = bmean - latest
            cond = have & (win < bmean[:, None]).all(axis=1) & (latest < win[:, 0]) & (drop >= min_drop)
        cand = np.flatnonzero(cond)
        keep = np.zeros(len(off_codes), dtype=bool)
        sig = np.full(len(off_codes), np.nan)
        for i in cand:
            sd = _noise(scores[i, max(0, lo_w - NOISE_MONTHS) : lo_w])
            sig[i] = sd
            need = noise_z * sd * math.sqrt(1.0 + 1.0 / max(1, nb[i])) if not math.isnan(sd) else 0.0
            keep[i] = drop[i] >= need
        fired_at[t] = keep
        stats_at[t] = (have, bmean, drop, sig, nb, lo_w)

    for t in targets:
        st = stats_at.get(t)
        present = ~np.isnan(scores[:, t])
        if st is None:
            result.insufficient += int(present.sum())
            continue
        have, bmean, drop, sig, nb, lo_w = st
        result.evaluated += int((present & have).sum())
        result.insufficient += int((present & ~have).sum())
        fired = fired_at[t].copy()
        if t - 1 in fired_at:
            fired &= ~fired_at[t - 1]
        for i in np.flatnonzero(fired):
            result.findings.append(_finding(i, t, m0, off_codes, units, scores, bmean, drop, sig, nb, lo_w, b, w, p))
    return result


def _finding(i, t, m0, off_codes, units, scores, bmean, drop, sig, nb, lo_w, b, w, p) -> Finding:
    min_drop = float(p["min_drop"])
    month = int(index_month(t + m0))
    start = max(0, lo_w - b)
    rows = []
    for c in range(start, t + 1):
        v = scores[i, c]
        if np.isnan(v):
            continue
        rows.append(
            {
                "month": int(index_month(c + m0)),
                "final_score": float(v),
                "part": "baseline" if c < lo_w else "window",
            }
        )
    sd = float(sig[i])
    noise_need = float(p["noise_z"]) * sd * math.sqrt(1.0 + 1.0 / max(1, nb[i])) if not math.isnan(sd) else None
    baseline = float(bmean[i])
    latest = float(scores[i, t])
    d = float(drop[i])
    values = {
        "official_id": int(off_codes[i]),
        "baseline": baseline,
        "latest": latest,
        "drop": d,
        "window_months": int(w),
        "baseline_months_used": int(nb[i]),
        "noise_sd": None if math.isnan(sd) else sd,
        "noise_threshold": noise_need,
        "line": baseline - min_drop,
    }
    return Finding(
        rule_code=CODE,
        subject_type="official",
        subject_id=int(off_codes[i]),
        unit_id=int(units[i, t]),
        month=month,
        severity=severity_from(d, 15.0, 20.0),
        score=d,
        reason_key="warnings.reason.falling_results",
        reason_params={
            "drop_pts": d,
            "from_pts": baseline,
            "to_pts": latest,
            "window_n": int(w),
            "threshold_pts": min_drop,
        },
        evidence={
            "values": values,
            "rows": rows,
            "chart": {"kind": "line", "x": "month", "y": "final_score", "rule": baseline - min_drop, "reference": baseline},
        },
        threshold=min_drop,
        peer_cutoff=None,
        sample_size=len(rows),
    )
