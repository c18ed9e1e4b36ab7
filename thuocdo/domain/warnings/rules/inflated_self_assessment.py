"""Rule 2 — inflated self-assessment ("chạy thành tích").

Two signals, per official and month:

A. Self-score exceeds the manager's score by more than ``max_gap`` points (15). A
   comparison of two numbers about the same month: no sample to be thin, but both
   scores must be present (a missing one counts as insufficient data).
B. Self-score ≥ ``high_self`` (90) while the citizens' satisfaction with this official
   is both in the bottom ``peer_share`` (decile) of officials with at least
   ``min_ratings`` ratings that month AND below the lower funnel limit (z =
   ``funnel_z``) around the satisfaction of the rest of the official's own unit. The
   decile alone would flag 10 % of officials by construction; the funnel limit asks
   that the gap be more than binomial noise. Officials with fewer than ``min_ratings``
   ratings are not tested on B.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import and_, func, or_, select

from thuocdo.domain.periods import add_months
from thuocdo.domain.stats import funnel_limits
from thuocdo.domain.warnings.model import Finding, RuleResult, ScanContext, severity_from
from thuocdo.domain.warnings.rules._common import frame, month_range, satisfied_expr, unit_clause
from thuocdo.store.schema import evaluations, rollup_eval_unit, rollup_rating_official, rollup_rating_unit

CODE = "inflated_self_assessment"
HISTORY = 6


def _history(ctx: ScanContext, official_ids: list[int], lo: int, hi: int) -> pd.DataFrame:
    e = evaluations
    stmt = (
        select(e.c.official_id, e.c.month, e.c.self_score, e.c.manager_score, e.c.final_score)
        .where(and_(e.c.official_id.in_(official_ids), e.c.month >= lo, e.c.month <= hi))
        .order_by(e.c.official_id, e.c.month)
    )
    return frame(ctx.conn, stmt)


def _gap_arm(ctx: ScanContext, p: dict) -> tuple[pd.DataFrame, int, int]:
    """(rows over the gap, testable evaluations, evaluations missing a score).

    One pass over the evaluations returns the rows over the gap and the rows missing a
    score; the total comes from the evaluation rollup, so no second pass is needed.
    """
    e, r = evaluations, rollup_eval_unit
    lo, hi = min(ctx.months), max(ctx.months)
    stmt = select(e.c.official_id, e.c.unit_id, e.c.month, e.c.self_score, e.c.manager_score).where(
        and_(
            e.c.month >= lo,
            e.c.month <= hi,
            unit_clause(e.c.unit_id, ctx.unit_ids),
            or_(
                e.c.self_score.is_(None),
                e.c.manager_score.is_(None),
                e.c.self_score - e.c.manager_score > float(p["max_gap"]),
            ),
        )
    )
    df = frame(ctx.conn, stmt)
    total = ctx.conn.execute(
        select(func.coalesce(func.sum(r.c.n), 0)).where(
            and_(r.c.month.in_(sorted(ctx.months)), unit_clause(r.c.unit_id, ctx.unit_ids))
        )
    ).scalar()
    if df.empty:
        return df, int(total or 0), 0
    df = df[df["month"].isin(ctx.months)]
    thin = df["self_score"].isna() | df["manager_score"].isna()
    return df[~thin], int(total or 0) - int(thin.sum()), int(thin.sum())


def _satisfaction_arm(ctx: ScanContext, p: dict) -> pd.DataFrame:
    """Official-months that meet signal B, with the numbers behind it."""
    lo, hi = min(ctx.months), max(ctx.months)
    ro = rollup_rating_official
    min_n = int(p["min_ratings"])
    # First the few high self-scores among rated officials (the join walks the
    # (official, month) key); the peers are read only for the months they fall in.
    e = evaluations
    high = frame(
        ctx.conn,
        select(e.c.official_id, e.c.month, e.c.self_score, e.c.manager_score)
        .select_from(ro.join(e, and_(e.c.official_id == ro.c.official_id, e.c.month == ro.c.month)))
        .where(
            and_(
                ro.c.month >= lo,
                ro.c.month <= hi,
                ro.c.n >= min_n,
                unit_clause(e.c.unit_id, ctx.unit_ids),
                e.c.self_score >= float(p["high_self"]),
            )
        )
        .distinct(),
    )
    if high.empty:
        return high
    high = high[high["month"].isin(ctx.months)]
    months = sorted({int(m) for m in high["month"]})
    if not months:
        return high
    # Peers: every official rated at least min_n times that month, anywhere (per-scale rows
    # are summed; an official is nearly always rated on one scale).
    peers = frame(
        ctx.conn,
        select(
            ro.c.official_id,
            ro.c.month,
            ro.c.unit_id,
            func.sum(satisfied_expr(ro)).label("sat"),
            func.sum(ro.c.n).label("n"),
        )
        .where(and_(ro.c.month.in_(months), ro.c.n >= min_n))
        .group_by(ro.c.official_id, ro.c.month, ro.c.unit_id),
    )
    if peers.empty:
        return peers
    peers = peers[peers["n"] >= min_n].copy()
    peers["rate"] = peers["sat"].astype(float) / peers["n"].astype(float)
    cut = peers.groupby("month")["rate"].quantile(float(p["peer_share"])).rename("decile")
    peers = peers.join(cut, on="month")
    if high.empty:
        return high
    cand = peers.merge(high, on=["official_id", "month"])
    cand = cand[cand["rate"] <= cand["decile"]]
    if cand.empty:
        return cand
    ru = rollup_rating_unit
    unit_rates = frame(
        ctx.conn,
        select(ru.c.unit_id, ru.c.month, func.sum(satisfied_expr(ru)).label("u_sat"), func.sum(ru.c.n).label("u_n"))
        .where(and_(ru.c.unit_id.in_(sorted(set(int(u) for u in cand["unit_id"]))), ru.c.month >= lo, ru.c.month <= hi))
        .group_by(ru.c.unit_id, ru.c.month),
    )
    cand = cand.merge(unit_rates, on=["unit_id", "month"], how="left")
    rest_n = cand["u_n"].astype(float) - cand["n"].astype(float)
    rest_sat = cand["u_sat"].astype(float) - cand["sat"].astype(float)
    cand["p0"] = (rest_sat / rest_n.where(rest_n > 0)).astype(float)
    cand["rest_n"] = rest_n
    lo_lim, _ = funnel_limits(cand["p0"].to_numpy(), cand["n"].to_numpy(dtype=float), float(p["funnel_z"]))
    cand["lower"] = lo_lim
    return cand[(cand["rest_n"] >= min_n) & (cand["rate"] < cand["lower"])]


def evaluate(ctx: ScanContext, p: dict) -> RuleResult:
    result = RuleResult(CODE, coverage=ctx.coverage())
    if not ctx.months:
        return result
    gap, result.evaluated, result.insufficient = _gap_arm(ctx, p)
    sat = _satisfaction_arm(ctx, p)
    ids = sorted(set(int(x) for x in gap.get("official_id", [])) | set(int(x) for x in sat.get("official_id", [])))
    if not ids:
        return result
    lo, hi = month_range(ctx.months, HISTORY - 1)
    hist = _history(ctx, ids, lo, hi)
    by_official = {int(k): g for k, g in hist.groupby("official_id")}
    seen = set()
    max_gap = float(p["max_gap"])
    for r in gap.itertuples(index=False):
        key = (int(r.official_id), int(r.month))
        seen.add(key)
        g = float(r.self_score) - float(r.manager_score)
        rows = _rows(by_official.get(key[0]), key[1])
        result.findings.append(
            Finding(
                rule_code=CODE,
                subject_type="official",
                subject_id=key[0],
                unit_id=int(r.unit_id),
                month=key[1],
                severity=severity_from(g, 20.0, 25.0),
                score=g,
                reason_key="warnings.reason.inflated_gap",
                reason_params={
                    "self_pts": float(r.self_score),
                    "manager_pts": float(r.manager_score),
                    "gap_pts": g,
                    "threshold_pts": max_gap,
                },
                evidence={
                    "values": {
                        "official_id": key[0],
                        "signal": "gap",
                        "self_score": float(r.self_score),
                        "manager_score": float(r.manager_score),
                        "gap": g,
                    },
                    "rows": rows,
                    "chart": {"kind": "gap", "x": "month", "y": "gap", "rule": max_gap},
                },
                threshold=max_gap,
                sample_size=len(rows),
            )
        )
    for r in sat.itertuples(index=False):
        key = (int(r.official_id), int(r.month))
        if key in seen:
            continue
        rows = _rows(by_official.get(key[0]), key[1])
        rate = float(r.rate)
        result.findings.append(
            Finding(
                rule_code=CODE,
                subject_type="official",
                subject_id=key[0],
                unit_id=int(r.unit_id),
                month=key[1],
                severity="medium",
                score=float(r.p0) - rate,
                reason_key="warnings.reason.inflated_satisfaction",
                reason_params={
                    "self_pts": float(r.self_score),
                    "rate_pct": rate,
                    "peer_pct": float(r.p0),
                    "cutoff_pct": float(r.decile),
                    "ratings_n": int(r.n),
                },
                evidence={
                    "values": {
                        "official_id": key[0],
                        "signal": "satisfaction",
                        "self_score": float(r.self_score),
                        "rate": rate,
                        "ratings": int(r.n),
                        "satisfied": int(r.sat),
                    },
                    "rows": rows,
                    # Derived from other officials: shown, but not part of the evidence hash.
                    "context": {
                        "unit_rate_without_official": float(r.p0),
                        "funnel_lower": float(r.lower),
                        "peer_decile": float(r.decile),
                    },
                    "chart": {"kind": "self", "x": "month", "y": "self_score", "rule": float(p["high_self"])},
                },
                threshold=float(p["high_self"]),
                peer_cutoff=float(r.decile),
                sample_size=int(r.n),
            )
        )
    return result


def _rows(hist: pd.DataFrame | None, month: int) -> list[dict]:
    if hist is None:
        return []
    lo = add_months(month, -(HISTORY - 1))
    h = hist[(hist["month"] >= lo) & (hist["month"] <= month)]
    out = []
    for r in h.itertuples(index=False):
        s = None if pd.isna(r.self_score) else float(r.self_score)
        m = None if pd.isna(r.manager_score) else float(r.manager_score)
        out.append(
            {
                "month": int(r.month),
                "self_score": s,
                "manager_score": m,
                "final_score": None if pd.isna(r.final_score) else float(r.final_score),
                "gap": None if s is None or m is None else s - m,
            }
        )
    return out
