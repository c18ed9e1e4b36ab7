"""Rule 7 — consecutive "not completed" annual grades.

Two consecutive years graded "Không hoàn thành nhiệm vụ" start the removal / dismissal
procedure (Law on Cadres and Civil Servants). Test: the official's annual grade is
``not_completed`` in ``years`` consecutive years ending in year ``y``; the warning's
month is December of ``y``. Deterministic; an official graded in ``y`` but not in the
years before counts as insufficient data. Done in SQL (a self-join per earlier year on
the (official, year) key), so a city's annual grades never leave the database.
"""

from __future__ import annotations

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from thuocdo.domain.warnings.model import Coverage, Finding, RuleResult, ScanContext
from thuocdo.domain.warnings.rules._common import frame, unit_clause
from thuocdo.store.schema import annual_grades

CODE = "consecutive_not_completed"


def years_of(months: list[int]) -> list[int]:
    return sorted({m // 100 for m in months})


def _chain(k: int):
    """annual_grades a0 joined with the same official's k - 1 previous years."""
    g0 = aliased(annual_grades, name="a0")
    prev = [aliased(annual_grades, name=f"a{j}") for j in range(1, k)]
    joined = g0
    for j, a in enumerate(prev, start=1):
        joined = joined.join(a, and_(a.c.official_id == g0.c.official_id, a.c.year == g0.c.year - j))
    return g0, prev, joined


def evaluate(ctx: ScanContext, p: dict) -> RuleResult:
    years = years_of(ctx.months)
    result = RuleResult(CODE, coverage=Coverage(frozenset(y * 100 + 12 for y in years), ctx.unit_ids))
    if not years:
        return result
    k = int(p["years"])
    g0, prev, joined = _chain(k)
    where = and_(g0.c.year.in_(years), unit_clause(g0.c.unit_id, ctx.unit_ids))
    total = ctx.conn.execute(select(func.count()).select_from(g0).where(where)).scalar() or 0
    testable = ctx.conn.execute(select(func.count()).select_from(joined).where(where)).scalar() or 0
    result.evaluated = int(testable)
    result.insufficient = int(total) - int(testable)
    nc = [g0.c.grade == "not_completed", *[a.c.grade == "not_completed" for a in prev]]
    hits = frame(
        ctx.conn, select(g0.c.official_id, g0.c.unit_id, g0.c.year).select_from(joined).where(and_(where, *nc))
    )
    if hits.empty:
        return result
    g = annual_grades
    detail = frame(
        ctx.conn,
        select(g.c.official_id, g.c.unit_id, g.c.year, g.c.grade, g.c.score, g.c.policy_code, g.c.disciplined).where(
            and_(
                g.c.official_id.in_(sorted({int(x) for x in hits["official_id"]})),
                g.c.year >= min(years) - (k - 1),
                g.c.year <= max(years),
            )
        ),
    )
    by_key = {(int(r["official_id"]), int(r["year"])): r for r in detail.to_dict("records")}
    for oid, unit_id, y in hits[["official_id", "unit_id", "year"]].itertuples(index=False, name=None):
        oid, y = int(oid), int(y)
        span = [y - j for j in range(k - 1, -1, -1)]
        rows = []
        for s in span:
            r = by_key[(oid, s)]
            score = r["score"]
            rows.append(
                {
                    "year": s,
                    "grade": r["grade"],
                    "score": None if score is None or score != score else float(score),
                    "policy_code": r["policy_code"] if isinstance(r["policy_code"], str) else None,
                    "disciplined": bool(r["disciplined"]),
                    "unit_id": int(r["unit_id"]),
                }
            )
        result.findings.append(
            Finding(
                rule_code=CODE,
                subject_type="official",
                subject_id=oid,
                unit_id=int(unit_id),
                month=y * 100 + 12,
                severity="high",
                score=float(k),
                reason_key="warnings.reason.consecutive_not_completed",
                reason_params={"years_n": k, "first_year": span[0], "last_year": y},
                evidence={
                    "values": {"official_id": oid, "years": span},
                    "rows": rows,
                    "chart": {"kind": "grades", "x": "year", "y": "grade"},
                },
                threshold=float(k),
                sample_size=len(rows),
            )
        )
    return result
