"""Rule 9 — suspect ratings: data that a leader should not trust blindly.

Three signals per unit and month (any one fires the warning; all that hold are listed):

- **Burst**: one device gave at least ``burst_min`` ratings in one day AND at least
  ``burst_factor`` times the unit's median device-day that month. The rollup's busiest
  device-day picks candidates; the raw ratings of those unit-months only (through the
  (unit, month) index) give the median and the rows for the case file.
- **Near-all satisfied**: at least ``near_all_min_n`` ratings and a satisfied rate of
  at least ``near_all_rate`` (99 %). Real units sit at 80–95 %; with 500 ratings a true
  95 % reaches 99 % by chance about once in 100,000.
- **Off hours**: at a kiosk or tablet (devices in an office; online and SMS ratings come
  at any hour), more than ``off_hours_share`` of at least ``off_hours_min_n`` ratings
  fall outside office hours (Mon–Sat 07:00–17:59).
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import and_, case, extract, func, or_, select

from thuocdo.domain.warnings.model import Coverage, Finding, RuleResult, ScanContext
from thuocdo.domain.warnings.rules._common import frame, satisfied_expr
from thuocdo.store.rollups import OFFICE_END_HOUR, OFFICE_START_HOUR
from thuocdo.store.schema import ratings, rollup_rating_unit

CODE = "suspect_ratings"
OFFICE_CHANNELS = ("kiosk", "tablet")
TOP_DEVICE_DAYS = 10


def _month_summary(ctx: ScanContext):
    r = rollup_rating_unit
    office = r.c.channel.in_(OFFICE_CHANNELS)
    stmt = (
        select(
            r.c.unit_id,
            r.c.month,
            func.sum(r.c.n).label("n"),
            func.sum(satisfied_expr(r)).label("sat"),
            func.sum(case((office, r.c.n), else_=0)).label("n_office"),
            func.sum(case((office, r.c.n_off_hours), else_=0)).label("off_office"),
            func.max(r.c.max_device_day).label("max_device_day"),
        )
        .where(and_(r.c.month >= min(ctx.months), r.c.month <= max(ctx.months)))
        .group_by(r.c.unit_id, r.c.month)
    )
    df = frame(ctx.conn, stmt)
    return df[df["month"].isin(ctx.months)] if not df.empty else df


def _device_days(ctx: ScanContext, unit_id: int, month: int):
    r = ratings
    hour = extract("hour", r.c.rated_at)
    off = or_(hour < OFFICE_START_HOUR, hour >= OFFICE_END_HOUR, extract("dow", r.c.rated_at) == 0)
    day = func.date(r.c.rated_at)
    stmt = (
        select(
            r.c.device_id,
            r.c.channel,
            day.label("day"),
            func.count().label("n"),
            func.sum(case((r.c.score == r.c.scale, 1), else_=0)).label("top"),
            func.sum(case((off, 1), else_=0)).label("off_hours"),
        )
        .where(and_(r.c.unit_id == unit_id, r.c.month == month, r.c.device_id.is_not(None)))
        .group_by(r.c.device_id, r.c.channel, day)
    )
    return frame(ctx.conn, stmt)


def evaluate(ctx: ScanContext, p: dict) -> RuleResult:
    result = RuleResult(CODE, coverage=Coverage(ctx.month_set, None))
    if not ctx.months:
        return result
    df = _month_summary(ctx)
    if df.empty:
        return result
    burst_min = int(p["burst_min"])
    factor = float(p["burst_factor"])
    for r in df.itertuples(index=False):
        n = int(r.n)
        n_office = int(r.n_office or 0)
        share_testable = n >= int(p["near_all_min_n"]) or n_office >= int(p["off_hours_min_n"])
        if share_testable or int(r.max_device_day or 0) >= burst_min:
            result.evaluated += 1
        else:
            result.insufficient += 1
        signals = []
        values = {
            "unit_id": int(r.unit_id),
            "ratings": n,
            "satisfied": int(r.sat),
            "office_ratings": n_office,
            "office_off_hours": int(r.off_office or 0),
        }
        rows = []
        if int(r.max_device_day or 0) >= burst_min:
            dd = _device_days(ctx, int(r.unit_id), int(r.month))
            if not dd.empty:
                counts = dd["n"].to_numpy(dtype=float)
                median = float(np.median(counts))
                top = dd.sort_values(["n", "device_id"], ascending=[False, True]).iloc[0]
                values.update(
                    {"max_device_day": int(top["n"]), "median_device_day": median, "device_days": int(len(dd))}
                )
                if top["n"] >= burst_min and top["n"] >= factor * median:
                    signals.append("burst")
                    values.update({"burst_device": str(top["device_id"]), "burst_day": str(top["day"])[:10]})
                for x in (
                    dd.sort_values(["n", "device_id"], ascending=[False, True])
                    .head(TOP_DEVICE_DAYS)
                    .itertuples(index=False)
                ):
                    rows.append(
                        {
                            "device_id": str(x.device_id),
                            "channel": str(x.channel),
                            "day": str(x.day)[:10],
                            "ratings": int(x.n),
                            "top_share": int(x.top) / int(x.n),
                            "off_hours": int(x.off_hours),
                        }
                    )
        if n >= int(p["near_all_min_n"]) and int(r.sat) / n >= float(p["near_all_rate"]):
            signals.append("near_all")
        if n_office >= int(p["off_hours_min_n"]) and int(r.off_office or 0) / n_office > float(p["off_hours_share"]):
            signals.append("off_hours")
        if not signals:
            continue
        result.findings.append(_finding(int(r.unit_id), int(r.month), signals, values, rows, p))
    return result


def _finding(unit_id, month, signals, values, rows, p) -> Finding:
    values["signals"] = signals
    n = values["ratings"]
    sat_rate = values["satisfied"] / n if n else None
    off_share = values["office_off_hours"] / values["office_ratings"] if values["office_ratings"] else None
    primary = signals[0]
    if primary == "burst":
        ratio = values["max_device_day"] / max(values["median_device_day"], 1.0)
        severity = "high" if ratio >= 2 * float(p["burst_factor"]) else "medium"
        score = ratio
        threshold = float(p["burst_min"])
        cutoff = float(p["burst_factor"]) * values["median_device_day"]
    elif primary == "near_all":
        severity, score, threshold, cutoff = "medium", sat_rate, float(p["near_all_rate"]), None
    else:
        severity = "high" if off_share > 0.5 else "medium"
        score, threshold, cutoff = off_share, float(p["off_hours_share"]), None
    if len(signals) > 1:
        severity = "high"
    if primary == "burst":
        chart = {"kind": "device_days", "x": "day", "y": "ratings", "rule": max(threshold, cutoff)}
    else:
        chart = {"kind": "share", "signal": primary, "value": score, "rule": threshold}
    return Finding(
        rule_code=CODE,
        subject_type="unit",
        subject_id=unit_id,
        unit_id=unit_id,
        month=month,
        severity=severity,
        score=score,
        reason_key=f"warnings.reason.suspect_{primary}",
        reason_params={
            "device": values.get("burst_device", ""),
            "day_date": values.get("burst_day"),
            "device_day_n": values.get("max_device_day", 0),
            "median_n": values.get("median_device_day", 0),
            "ratings_n": n,
            "rate_pct": sat_rate,
            "off_pct": off_share,
            "threshold_pct": threshold if primary != "burst" else None,
            "signals_n": len(signals),
        },
        evidence={"values": values, "rows": rows, "chart": chart},
        threshold=threshold,
        peer_cutoff=cutoff,
        sample_size=n,
    )
