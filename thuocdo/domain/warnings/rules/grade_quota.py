"""Rule 8 — grade quota breached: too many "excellent" annual grades in a unit.

The cap depends on the grading policy in force (:mod:`thuocdo.domain.grading`):
Decree 335 — "excellent" at most 20 % of those rated "good"; Hà Nội 3814 — A at most
30 % of those graded (40 % in an outstanding unit). The policy of a unit-year is the one
its annual grades were graded under (``policy_code``), else the policy assigned to the
unit for December of that year (setting ``grading_policy``). Deterministic integer
arithmetic (the policy's own :meth:`~thuocdo.domain.grading.Policy.quota_check`).

Decree 335 counts the quota per unit *and task group*; the demo data and most imports
carry no task groups, so the check is per unit unless ``by_task_group`` is on.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import and_, func, literal, select

from thuocdo.domain.grading import get_policy, policy_for
from thuocdo.domain.warnings.model import Coverage, Finding, RuleResult, ScanContext, severity_from
from thuocdo.domain.warnings.rules._common import frame, unit_clause
from thuocdo.domain.warnings.rules.consecutive_not_completed import years_of
from thuocdo.store.db import get_setting
from thuocdo.store.schema import annual_grades, officials, units

CODE = "grade_quota"


def evaluate(ctx: ScanContext, p: dict) -> RuleResult:
    years = years_of(ctx.months)
    result = RuleResult(CODE, coverage=Coverage(frozenset(y * 100 + 12 for y in years), ctx.unit_ids))
    if not years:
        return result
    g, o, u = annual_grades, officials, units
    by_group = bool(p["by_task_group"])
    group_col = o.c.task_group if by_group else literal("").label("task_group")
    # Counted in SQL: one row per unit, year, (task group,) grade and policy.
    df = frame(
        ctx.conn,
        select(
            g.c.unit_id, g.c.year, group_col.label("task_group"), g.c.grade, g.c.policy_code, func.count().label("n")
        )
        .select_from(g.join(o, o.c.id == g.c.official_id))
        .where(and_(g.c.year >= min(years), g.c.year <= max(years), unit_clause(g.c.unit_id, ctx.unit_ids)))
        .group_by(g.c.unit_id, g.c.year, *([o.c.task_group] if by_group else []), g.c.grade, g.c.policy_code),
    )
    if df.empty:
        return result
    unit_rows = ctx.conn.execute(
        select(u.c.id, u.c.path, u.c.outstanding).where(u.c.id.in_(sorted({int(x) for x in df["unit_id"]})))
    ).all()
    meta = {int(r.id): (str(r.path), bool(r.outstanding)) for r in unit_rows}
    assignments = get_setting(ctx.conn, "grading_policy", None)
    counts: dict[tuple, dict] = {}
    policies: dict[tuple, Counter] = {}
    for unit_id, year, group, grade, pcode, n in df[
        ["unit_id", "year", "task_group", "grade", "policy_code", "n"]
    ].itertuples(index=False, name=None):
        key = (int(unit_id), int(year))
        group = group if isinstance(group, str) else ""
        counts.setdefault(key, {}).setdefault(group, Counter())[grade] += int(n)
        if isinstance(pcode, str) and pcode:
            policies.setdefault(key, Counter())[pcode] += int(n)
    for (unit_id, year), groups in sorted(counts.items()):
        if year not in years:
            continue
        path, outstanding = meta[unit_id]
        policy = None
        if (unit_id, year) in policies:
            try:
                policy = get_policy(policies[(unit_id, year)].most_common(1)[0][0])
            except KeyError:
                policy = None
        if policy is None:
            policy = policy_for(year * 100 + 12, assignments, path)
        result.evaluated += 1
        breaches = []
        rows = []
        n_graded = 0
        for group, cnt in sorted(groups.items()):
            q = policy.quota_check(dict(cnt), outstanding=outstanding)
            n_graded += sum(cnt.values())
            rows.append(
                {
                    "task_group": group or None,
                    "excellent": cnt.get("excellent", 0),
                    "good": cnt.get("good", 0),
                    "completed": cnt.get("completed", 0),
                    "not_completed": cnt.get("not_completed", 0),
                    "basis": q.basis_count,
                    "allowed": q.allowed_max,
                    "excess": q.excess,
                }
            )
            if q.breached:
                breaches.append(q)
        if not breaches:
            continue
        actual = sum(b.actual for b in breaches)
        allowed = sum(b.allowed_max for b in breaches)
        excess = sum(b.excess for b in breaches)
        basis = sum(b.basis_count for b in breaches)
        pct = breaches[0].pct
        result.findings.append(
            Finding(
                rule_code=CODE,
                subject_type="unit",
                subject_id=int(unit_id),
                unit_id=int(unit_id),
                month=int(year) * 100 + 12,
                severity=severity_from(excess / max(1, allowed) if allowed else float(excess), 0.5, 1.0),
                score=float(excess),
                reason_key=f"warnings.reason.grade_quota_{policy.quota.basis}",
                reason_params={
                    "excellent_n": actual,
                    "allowed_n": allowed,
                    "basis_n": basis,
                    "quota_pct": pct / 100.0,
                    "year": int(year),
                    "policy": policy.code,
                },
                evidence={
                    "values": {
                        "unit_id": int(unit_id),
                        "year": int(year),
                        "policy": policy.code,
                        "outstanding": outstanding,
                    },
                    "rows": rows,
                    "chart": {"kind": "quota", "x": "grade", "y": "count", "rule": allowed},
                },
                threshold=pct / 100.0,
                peer_cutoff=float(allowed),
                sample_size=n_graded,
            )
        )
    return result
