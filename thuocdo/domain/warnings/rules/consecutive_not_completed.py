"""Rule 7 — consecutive "not completed" annual grades.

Two consecutive years graded "Không hoàn thành nhiệm vụ" start the removal / dismissal
procedure (Law on Cadres and Civil Servants). Test: the official's annual grade is
``not_completed`` in ``years`` consecutive years ending in year ``y``; the warning's
month is December of ``y``. Deterministic; an official with a single graded year
counts as insufficient data for the years examined.
"""

from __future__ import annotations

from sqlalchemy import and_, select

from thuocdo.domain.warnings.model import Coverage, Finding, RuleResult, ScanContext
from thuocdo.domain.warnings.rules._common import frame, unit_clause
from thuocdo.store.schema import annual_grades

CODE = "consecutive_not_completed"


def years_of(months: list[int]) -> list[int]:
    return sorted({m // 100 for m in months})


def evaluate(ctx: ScanContext, p: dict) -> RuleResult:
    years = years_of(ctx.months)
    result = RuleResult(CODE, coverage=Coverage(frozenset(y * 100 + 12 for y in years), ctx.unit_ids))
    if not years:
        return result
    k = int(p["years"])
    g = annual_grades
    df = frame(
        ctx.conn,
        select(g.c.official_id, g.c.unit_id, g.c.year, g.c.grade, g.c.score, g.c.policy_code, g.c.disciplined).where(
            and_(g.c.year >= min(years) - (k - 1), g.c.year <= max(years), unit_clause(g.c.unit_id, ctx.unit_ids))
        ),
    )
    if df.empty:
        return result
    # Plain Python over records: one dict per official, no per-group pandas work.
    by_official: dict[int, dict[int, dict]] = {}
    for r in df.to_dict("records"):
        by_official.setdefault(int(r["official_id"]), {})[int(r["year"])] = r
    for oid, by_year in by_official.items():
        for y in years:
            if y not in by_year:
                continue
            span = [y - j for j in range(k - 1, -1, -1)]
            if not all(s in by_year for s in span):
                result.insufficient += 1
                continue
            result.evaluated += 1
            if not all(by_year[s]["grade"] == "not_completed" for s in span):
                continue
            rows = [
                {
                    "year": s,
                    "grade": by_year[s]["grade"],
                    "score": None if by_year[s]["score"] is None or by_year[s]["score"] != by_year[s]["score"] else float(by_year[s]["score"]),
                    "policy_code": by_year[s]["policy_code"],
                    "disciplined": bool(by_year[s]["disciplined"]),
                    "unit_id": int(by_year[s]["unit_id"]),
                }
                for s in span
            ]
            result.findings.append(
                Finding(
                    rule_code=CODE,
                    subject_type="official",
                    subject_id=oid,
                    unit_id=int(by_year[y]["unit_id"]),
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
