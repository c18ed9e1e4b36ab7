"""Rule 4 — "Không hài lòng" concentration: too many lowest-level ratings in a unit.

Test (per unit and month): the share of level 1 ("Không hài lòng") lies above the upper
funnel-plot limit around the peer share: p0 + z·sqrt(p0(1−p0)/n + τ²), with z =
``funnel_z`` (3.09: the 99.8 % limit), p0 the n-weighted median share of the month's
units (robust to the very units we look for) and τ² the between-unit variance that
binomial noise does not explain (Spiegelhalter 2005, additive random-effects model, z
scores winsorised at 10 %/90 %). Units really differ in how often citizens are very
unhappy (2–4 % is normal); without τ² a big unit at 4 % would sit outside a 3 % funnel
every month. ``overdispersion = false`` gives the plain binomial funnel.

Needs ``min_n`` ratings in the unit-month and ``min_peers`` units to compare with.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from sqlalchemy import and_, func, select

from thuocdo.domain.periods import add_months
from thuocdo.domain.warnings.model import Coverage, Finding, RuleResult, ScanContext, severity_from
from thuocdo.domain.warnings.rules._common import frame, month_range
from thuocdo.store.schema import rollup_rating_unit

CODE = "dissatisfied_concentration"
CHART_MONTHS = 12


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values)
    v, w = values[order], weights[order]
    c = np.cumsum(w)
    return float(v[np.searchsorted(c, c[-1] / 2.0)])


def additive_tau2(share: np.ndarray, n: np.ndarray, p0: float) -> float:
    """Between-unit variance τ² beyond binomial noise (DerSimonian-Laird on winsorised z)."""
    k = len(share)
    if k < 3 or p0 <= 0 or p0 >= 1:
        return 0.0
    s2 = p0 * (1 - p0) / n
    z = (share - p0) / np.sqrt(s2)
    lo, hi = np.quantile(z, [0.1, 0.9])
    zw = np.clip(z, lo, hi)
    phi = float(np.mean(zw**2))
    w = 1.0 / s2
    denom = float(w.sum() - (w**2).sum() / w.sum())
    if k * phi <= k - 1 or denom <= 0:
        return 0.0
    return max(0.0, (k * phi - (k - 1)) / denom)


def monthly_counts(ctx: ScanContext, lo: int, hi: int) -> pd.DataFrame:
    r = rollup_rating_unit
    stmt = (
        select(r.c.unit_id, r.c.month, func.sum(r.c.s1).label("s1"), func.sum(r.c.n).label("n"))
        .where(and_(r.c.month >= lo, r.c.month <= hi))
        .group_by(r.c.unit_id, r.c.month)
    )
    df = frame(ctx.conn, stmt)
    if not df.empty:
        df["s1"] = df["s1"].astype("int64")
        df["n"] = df["n"].astype("int64")
    return df


def evaluate(ctx: ScanContext, p: dict) -> RuleResult:
    result = RuleResult(CODE, coverage=Coverage(ctx.month_set, None))
    if not ctx.months:
        return result
    z = float(p["funnel_z"])
    min_n = int(p["min_n"])
    lo, hi = month_range(ctx.months, CHART_MONTHS - 1)
    df = monthly_counts(ctx, lo, hi)
    if df.empty:
        return result
    history = {int(u): g.set_index("month") for u, g in df.groupby("unit_id")}
    for t in ctx.months:
        month = df[df["month"] == t]
        if month.empty:
            continue
        peers = month[month["n"] >= min_n]
        thin = len(month) - len(peers)
        if len(peers) < int(p["min_peers"]):
            result.insufficient += len(month)
            continue
        result.insufficient += thin
        result.evaluated += len(peers)
        share = peers["s1"].to_numpy(dtype=float) / peers["n"].to_numpy(dtype=float)
        n = peers["n"].to_numpy(dtype=float)
        p0 = weighted_median(share, n)
        tau2 = additive_tau2(share, n, p0) if p["overdispersion"] else 0.0
        upper = p0 + z * np.sqrt(p0 * (1 - p0) / n + tau2)
        for i in np.flatnonzero(share > upper):
            row = peers.iloc[int(i)]
            result.findings.append(
                _finding(
                    int(row["unit_id"]), t, int(row["s1"]), int(row["n"]), p0, tau2, float(upper[i]), z, peers, history
                )
            )
    return result


def _finding(unit_id, t, s1, n, p0, tau2, upper, z, peers, history) -> Finding:
    share = s1 / n
    rows = []
    h = history.get(unit_id)
    if h is not None:
        for m in sorted(int(x) for x in h.index):
            if add_months(t, -(CHART_MONTHS - 1)) <= m <= t:
                hn = int(h.at[m, "n"])
                rows.append(
                    {
                        "month": m,
                        "level1": int(h.at[m, "s1"]),
                        "ratings": hn,
                        "share": int(h.at[m, "s1"]) / hn if hn else None,
                    }
                )
    peer_rows = [
        {"unit_id": int(r.unit_id), "level1": int(r.s1), "ratings": int(r.n), "share": int(r.s1) / int(r.n)}
        for r in peers.itertuples(index=False)
    ]
    ratio = share / p0 if p0 > 0 else math.inf
    return Finding(
        rule_code=CODE,
        subject_type="unit",
        subject_id=unit_id,
        unit_id=unit_id,
        month=int(t),
        severity=severity_from(ratio, 2.5, 4.0),
        score=share - upper,
        reason_key="warnings.reason.dissatisfied_concentration",
        reason_params={
            "share_pct": share,
            "peer_pct": p0,
            "limit_pct": upper,
            "level1_n": s1,
            "ratings_n": n,
        },
        evidence={
            "values": {"unit_id": unit_id, "level1": s1, "ratings": n, "share": share},
            "rows": rows,
            "context": {"p0": p0, "tau2": tau2, "upper": upper, "z": z, "peers": peer_rows},
            "chart": {"kind": "funnel", "x": "ratings", "y": "share", "p0": p0, "tau2": tau2, "z": z, "rule": upper},
        },
        threshold=upper,
        peer_cutoff=p0,
        sample_size=n,
    )
