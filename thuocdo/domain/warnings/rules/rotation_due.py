"""Rule 6 — rotation due: too long in the same post in a sensitive sector.

Decree 59/2019/NĐ-CP requires periodic rotation of officials who hold certain posts in
sensitive sectors. Test: an active official of a unit flagged ``sensitive`` has held the
same post for at least ``years`` years on the scan's "as of" date. Time in post counts
from ``officials.position_since`` (the date in the current position), else from the
open row of the position history. Deterministic: no sample involved; an official
without a known start date counts as insufficient data. The history rows are the
evidence.

The warning's month is the month the post became due for rotation — or the first month
with data, when it became due before the data begin (a warning dated years before any
figure in the system could not be shown in any period) — so the same fact never yields
a second warning in a later month.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
from sqlalchemy import and_, func, select

from thuocdo.domain.periods import month_of
from thuocdo.domain.warnings.model import Coverage, Finding, RuleResult, ScanContext, severity_from
from thuocdo.domain.warnings.rules._common import frame, unit_clause
from thuocdo.store.schema import officials, position_history, units

CODE = "rotation_due"
YEAR_DAYS = 365.25


def due_date(start: dt.date, years: float) -> dt.date:
    """The day ``years`` years (of 365.25 days) after ``start``: when rotation falls due."""
    return start + dt.timedelta(days=math.ceil(years * YEAR_DAYS))


def _as_date(v) -> dt.date | None:
    if v is None or (isinstance(v, float) and v != v) or v is pd.NaT:
        return None
    if isinstance(v, pd.Timestamp):
        return v.date()
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    return dt.date.fromisoformat(str(v)[:10])


def evaluate(ctx: ScanContext, p: dict) -> RuleResult:
    result = RuleResult(CODE, coverage=Coverage(None, ctx.unit_ids, max(ctx.months) if ctx.months else None))
    if not ctx.months:
        return result
    years = float(p["years"])
    o, u, ph = officials, units, position_history
    offs = frame(
        ctx.conn,
        select(
            o.c.id,
            o.c.unit_id,
            o.c.position,
            o.c.position_code,
            o.c.position_since,
            u.c.sector,
        )
        .select_from(o.join(u, u.c.id == o.c.unit_id))
        .where(and_(o.c.active.is_(True), u.c.sensitive.is_(True), unit_clause(o.c.unit_id, ctx.unit_ids))),
    )
    if offs.empty:
        return result
    # Start of the current post: position_since, else the open history row (vectorised).
    start = pd.to_datetime(offs["position_since"], errors="coerce")
    if start.isna().any():
        open_rows = frame(
            ctx.conn,
            select(ph.c.official_id, func.max(ph.c.start_date).label("start_date"))
            .where(and_(ph.c.official_id.in_([int(x) for x in offs.loc[start.isna(), "id"]]), ph.c.end_date.is_(None)))
            .group_by(ph.c.official_id),
        )
        fallback = dict(
            zip(open_rows["official_id"].astype("int64"), pd.to_datetime(open_rows["start_date"]), strict=True)
        )
        start = start.where(start.notna(), offs["id"].astype("int64").map(fallback))
    as_of = ctx.as_of
    as_of_ts = pd.Timestamp(as_of)
    known = start.notna() & (start <= as_of_ts)
    result.evaluated = int(known.sum())
    result.insufficient = int((~known).sum())
    due_ts = start + pd.Timedelta(days=math.ceil(years * YEAR_DAYS))
    hit = offs[known & (due_ts <= as_of_ts)]
    if hit.empty:
        return result
    hist = frame(
        ctx.conn,
        select(ph.c.official_id, ph.c.unit_id, ph.c.position, ph.c.position_code, ph.c.start_date, ph.c.end_date)
        .where(ph.c.official_id.in_([int(x) for x in hit["id"]]))
        .order_by(ph.c.official_id, ph.c.start_date),
    )
    by_official: dict[int, list[dict]] = {}
    for r in hist.to_dict("records"):
        by_official.setdefault(int(r["official_id"]), []).append(
            {
                "position": r["position"],
                "position_code": r["position_code"],
                "unit_id": int(r["unit_id"]),
                "start_date": _as_date(r["start_date"]),
                "end_date": _as_date(r["end_date"]),
            }
        )
    first = min(ctx.data_months) if ctx.data_months else None
    for idx, r in hit.iterrows():
        oid = int(r["id"])
        begun = start.loc[idx].date()
        due = due_date(begun, years)
        held = (as_of - begun).days / YEAR_DAYS
        rows = by_official.get(oid) or [
            {
                "position": r["position"],
                "position_code": r["position_code"],
                "unit_id": int(r["unit_id"]),
                "start_date": begun,
                "end_date": None,
            }
        ]
        result.findings.append(
            Finding(
                rule_code=CODE,
                subject_type="official",
                subject_id=oid,
                unit_id=int(r["unit_id"]),
                month=max(month_of(due), first) if first else month_of(due),
                severity=severity_from(held - years, 1.0, 2.0),
                score=held,
                reason_key="warnings.reason.rotation_due",
                reason_params={
                    "years_n": int(held),
                    "threshold_n": years,
                    "since_date": begun,
                    "due_date": due,
                    "sector": r["sector"] if isinstance(r["sector"], str) else "",
                },
                evidence={
                    # The years held grow every day; the facts are the start and due dates.
                    "values": {
                        "official_id": oid,
                        "start_date": begun,
                        "due_date": due,
                        "position_code": r["position_code"],
                    },
                    "rows": rows,
                    "context": {"as_of": as_of, "years_held": held},
                    "chart": {"kind": "tenure", "rule": years},
                },
                threshold=years,
                sample_size=len(rows),
            )
        )
    return result
