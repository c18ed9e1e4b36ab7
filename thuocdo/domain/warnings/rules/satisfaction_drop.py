"""Rule 3 — satisfaction drop: a unit's satisfied rate falls below its own recent level.

Test (per unit and month ``t``): the baseline is the pooled rate of the
``baseline_months`` months before ``t`` (all their ratings together, so a thin month
weighs what its ratings weigh). The warning fires when BOTH

- the rate is more than ``min_drop`` (10 points) below the baseline — the size that
  matters to a citizen, and
- the drop is statistically significant: pooled two-proportion z-test, two-sided, at
  level ``alpha`` (0.01) — so that 12 ratings never outweigh 2,000.

Needs at least ``min_n`` ratings in the month and ``min_baseline_n`` in the baseline;
below that the unit-month counts as insufficient data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import and_, func, select

from thuocdo.domain.stats import normal_quantile, two_proportion_z, wilson_interval
from thuocdo.domain.warnings.model import Coverage, Finding, RuleResult, ScanContext, severity_from
from thuocdo.domain.warnings.rules._common import frame, index_month, month_index, month_range, satisfied_expr
from thuocdo.store.schema import rollup_rating_unit

CODE = "satisfaction_drop"
CHART_MONTHS = 12


def monthly_rates(ctx: ScanContext, lo: int, hi: int) -> pd.DataFrame:
    """unit_id, month, sat, n for every unit with ratings in [lo, hi]."""
    r = rollup_rating_unit
    stmt = (
        select(r.c.unit_id, r.c.month, func.sum(satisfied_expr(r)).label("sat"), func.sum(r.c.n).label("n"))
        .where(and_(r.c.month >= lo, r.c.month <= hi))
        .group_by(r.c.unit_id, r.c.month)
    )
    df = frame(ctx.conn, stmt)
    if not df.empty:
        df["sat"] = df["sat"].astype("int64")
        df["n"] = df["n"].astype("int64")
    return df


def evaluate(ctx: ScanContext, p: dict) -> RuleResult:
    # Unit rules read small rollups: they always examine every unit of the months asked
    # for, so their coverage is every unit.
    result = RuleResult(CODE, coverage=Coverage(ctx.month_set, None))
    if not ctx.months:
        return result
    b = int(p["baseline_months"])
    min_drop = float(p["min_drop"])
    alpha = float(p["alpha"])
    z_crit = normal_quantile(1.0 - alpha / 2.0)
    lo, hi = month_range(ctx.months, max(b, CHART_MONTHS))
    df = monthly_rates(ctx, lo, hi)
    if df.empty:
        return result
    # Dense unit x month matrices: baselines are sums over shifted columns.
    unit_ids, ui = np.unique(df["unit_id"].to_numpy(dtype="int64"), return_inverse=True)
    m0 = int(month_index([lo])[0])
    width = int(month_index([hi])[0]) - m0 + 1
    col = month_index(df["month"].to_numpy()) - m0
    sat = np.zeros((len(unit_ids), width))
    n = np.zeros((len(unit_ids), width))
    sat[ui.ravel(), col] = df["sat"].to_numpy(dtype=float)
    n[ui.ravel(), col] = df["n"].to_numpy(dtype=float)
    for t in ctx.months:
        c = int(month_index([t])[0]) - m0
        if c < 0 or c >= width:
            continue
        here = n[:, c] > 0
        sat_b = sat[:, max(0, c - b) : c].sum(axis=1)
        n_b = n[:, max(0, c - b) : c].sum(axis=1)
        ok = here & (n[:, c] >= int(p["min_n"])) & (n_b >= int(p["min_baseline_n"]))
        result.insufficient += int((here & ~ok).sum())
        result.evaluated += int(ok.sum())
        with np.errstate(invalid="ignore", divide="ignore"):
            drop = sat_b / n_b - sat[:, c] / n[:, c]
        for i in np.flatnonzero(ok & (drop > min_drop)):
            z, pval = two_proportion_z(sat[i, c], n[i, c], sat_b[i], n_b[i])
            if not (z <= -z_crit and pval < alpha):
                continue
            bm = [int(index_month(m0 + j)) for j in range(max(0, c - b), c) if n[i, j] > 0]
            hist = {
                int(index_month(m0 + j)): (int(sat[i, j]), int(n[i, j]))
                for j in range(max(0, c - CHART_MONTHS + 1), c + 1)
                if n[i, j] > 0
            }
            result.findings.append(
                _finding(
                    int(unit_ids[i]), t, hist, int(sat[i, c]), int(n[i, c]), int(sat_b[i]), int(n_b[i]), z, pval, bm, p
                )
            )
    return result


def _finding(unit_id, t, hist, sat_t, n_t, sat_b, n_b, z, pval, bm, p) -> Finding:
    rate_t, rate_b = sat_t / n_t, sat_b / n_b
    drop = rate_b - rate_t
    min_drop = float(p["min_drop"])
    rows = []
    for m in sorted(hist):
        s, n = hist[m]
        lo, hi = wilson_interval(s, n)
        rows.append(
            {
                "month": m,
                "satisfied": s,
                "ratings": n,
                "rate": s / n if n else None,
                "ci_low": lo,
                "ci_high": hi,
                "part": "month" if m == t else ("baseline" if m in bm else "history"),
            }
        )
    return Finding(
        rule_code=CODE,
        subject_type="unit",
        subject_id=int(unit_id),
        unit_id=int(unit_id),
        month=int(t),
        severity=severity_from(drop, 0.15, 0.20),
        score=drop,
        reason_key="warnings.reason.satisfaction_drop",
        reason_params={
            "rate_pct": rate_t,
            "baseline_pct": rate_b,
            "drop_pct": drop,
            "ratings_n": n_t,
            "baseline_n": n_b,
            "threshold_pct": min_drop,
            "pvalue_p": float(pval),
        },
        evidence={
            "values": {
                "unit_id": int(unit_id),
                "satisfied": sat_t,
                "ratings": n_t,
                "rate": rate_t,
                "baseline_satisfied": sat_b,
                "baseline_ratings": n_b,
                "baseline_rate": rate_b,
                "baseline_months": sorted(bm),
                "drop": drop,
                "z": float(z),
                "p_value": float(pval),
            },
            "rows": rows,
            "chart": {"kind": "rate", "x": "month", "y": "rate", "rule": rate_b - min_drop, "reference": rate_b},
        },
        threshold=min_drop,
        peer_cutoff=rate_b - min_drop,
        sample_size=n_t,
    )
