"""Rule 10 — missing data: a unit that usually reports has not reported this month.

Two sources, checked separately: monthly evaluations and citizen ratings. Test (per
unit, source and month ``t``): the unit reported that source in each of the
``prior_months`` months before ``t`` and has nothing for ``t``, while the source as a
whole already has data for ``t`` (a month not yet imported for anyone is not "missing"
for one unit). A unit with only part of that history cannot be judged: insufficient
data. A unit that never reports a source (no kiosk, no staff evaluated) is not tested.
"""

from __future__ import annotations

from sqlalchemy import and_, func, select

from thuocdo.domain.periods import add_months
from thuocdo.domain.warnings.model import Coverage, Finding, RuleResult, ScanContext
from thuocdo.domain.warnings.rules._common import frame, month_range
from thuocdo.store.schema import rollup_eval_unit, rollup_rating_unit, units

CODE = "missing_data"
SOURCES = ("evaluations", "ratings")


def _counts(ctx: ScanContext, table, lo: int, hi: int) -> dict[int, dict[int, int]]:
    df = frame(
        ctx.conn,
        select(table.c.unit_id, table.c.month, func.sum(table.c.n).label("n"))
        .where(and_(table.c.month >= lo, table.c.month <= hi))
        .group_by(table.c.unit_id, table.c.month),
    )
    out: dict[int, dict[int, int]] = {}
    for r in df.itertuples(index=False):
        if int(r.n or 0) > 0:
            out.setdefault(int(r.unit_id), {})[int(r.month)] = int(r.n)
    return out


def evaluate(ctx: ScanContext, p: dict) -> RuleResult:
    result = RuleResult(CODE, coverage=Coverage(ctx.month_set, None))
    if not ctx.months:
        return result
    k = int(p["prior_months"])
    lo, hi = month_range(ctx.months, k)
    data = {
        "evaluations": _counts(ctx, rollup_eval_unit, lo, hi),
        "ratings": _counts(ctx, rollup_rating_unit, lo, hi),
    }
    last = {
        "evaluations": ctx.conn.execute(select(func.max(rollup_eval_unit.c.month))).scalar(),
        "ratings": ctx.conn.execute(select(func.max(rollup_rating_unit.c.month))).scalar(),
    }
    active = {int(u) for u in ctx.conn.execute(select(units.c.id).where(units.c.active.is_(True))).scalars()}
    for t in ctx.months:
        prior = [add_months(t, -j) for j in range(1, k + 1)]
        unit_ids = sorted(set().union(*(set(d) for d in data.values())) & active)
        for unit_id in unit_ids:
            missing, tested, thin = [], False, False
            for source in SOURCES:
                if last[source] is None or t > int(last[source]):
                    continue
                months = data[source].get(unit_id, {})
                had = [m for m in prior if m in months]
                if not had:
                    continue
                if len(had) < k:
                    thin = thin or t not in months
                    continue
                tested = True
                if t not in months:
                    missing.append(source)
            if tested:
                result.evaluated += 1
            elif thin:
                result.insufficient += 1
            if missing:
                rows = [
                    {"month": m, **{s: data[s].get(unit_id, {}).get(m, 0) for s in SOURCES}}
                    for m in sorted(prior) + [t]
                ]
                result.findings.append(
                    Finding(
                        rule_code=CODE,
                        subject_type="unit",
                        subject_id=unit_id,
                        unit_id=unit_id,
                        month=int(t),
                        severity="high" if len(missing) == len(SOURCES) else "medium",
                        score=float(len(missing)),
                        reason_key="warnings.reason.missing_" + ("both" if len(missing) == 2 else missing[0]),
                        reason_params={"prior_n": k},
                        evidence={
                            "values": {"unit_id": unit_id, "missing": missing},
                            "rows": rows,
                            "chart": {"kind": "reporting", "x": "month"},
                        },
                        threshold=float(k),
                        sample_size=len(rows),
                    )
                )
    return result
