"""Ground truth: what a correct early-warning scan must find in the demo data.

Statistical patterns (falling results, inflated self-assessment, satisfaction drop,
dissatisfied concentration, off pace, suspect ratings, missing data) are recorded where
they were planted (:mod:`thuocdo.demo.plants`). Deterministic rules (rotation due,
consecutive "not completed", grade quota) are computed from the final data: the truth is
everything that satisfies the definition, planted or not.

Record: ``{"rule", "subject_type", "subject_code", "month_from", "month_to", "required"}``
(+ ``variant`` for rules planted in more than one way). ``required: false`` marks a
consequence that a correct scan may report but need not (an official-level signal
inside a planted unit-level pattern); recall is measured on required records.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from thuocdo.demo.people import YEAR_DAYS
from thuocdo.demo.plants import Plan, _record
from thuocdo.demo.scales import AS_OF, END_MONTH, Scale
from thuocdo.domain.grading import HN3814, ND335

ROTATION_YEARS = 5.0
RULES = (
    "falling_results",
    "inflated_self_assessment",
    "satisfaction_drop",
    "dissatisfied_concentration",
    "off_pace",
    "rotation_due",
    "consecutive_not_completed",
    "grade_quota",
    "suspect_ratings",
    "missing_data",
)


def rotation_records(officials: pd.DataFrame, scale: Scale) -> list[dict]:
    """Every official of a sensitive unit with >= 5 years in the current position."""
    since = pd.to_datetime(officials["position_since"])
    years = (pd.Timestamp(AS_OF) - since).dt.days / YEAR_DAYS
    due = officials[officials["sensitive"].to_numpy() & (years >= ROTATION_YEARS).to_numpy()]
    out = []
    for o in due.itertuples(index=False):
        reach = pd.Timestamp(o.position_since) + pd.Timedelta(days=int(np.ceil(ROTATION_YEARS * YEAR_DAYS)))
        first = max(reach.year * 100 + reach.month, scale.month_list[0])
        out.append(_record("rotation_due", "official", o.code, first, END_MONTH))
    return out


def consecutive_records(annual: pd.DataFrame, officials: pd.DataFrame) -> list[dict]:
    """Every official graded "not completed" in two consecutive years (one record per pair)."""
    codes = dict(zip(officials["id"], officials["code"], strict=True))
    nc = annual[annual["grade"] == "not_completed"][["official_id", "year"]]
    prev = nc.assign(year=nc["year"] + 1)
    pairs = nc.merge(prev, on=["official_id", "year"])
    return [
        _record("consecutive_not_completed", "official", codes[int(r.official_id)], int(r.year) * 100 + 1, END_MONTH)
        for r in pairs.sort_values(["official_id", "year"]).itertuples(index=False)
    ]


def quota_table(annual: pd.DataFrame, units: pd.DataFrame, policy=HN3814) -> pd.DataFrame:
    """Grade counts per unit-year with the policy's quota check."""
    counts = annual.pivot_table(index=["unit_id", "year"], columns="grade", values="id", aggfunc="count", fill_value=0)
    counts.columns = [f"n_{c}" for c in counts.columns]
    counts = counts.reset_index()
    for g in ("excellent", "good", "completed", "not_completed"):
        if f"n_{g}" not in counts:
            counts[f"n_{g}"] = 0
    counts = counts.merge(units[["id", "code", "outstanding"]].rename(columns={"id": "unit_id"}), on="unit_id")
    return policy.quota_table(counts)


def quota_records(annual: pd.DataFrame, units: pd.DataFrame) -> list[dict]:
    """Unit-years over the "excellent" quota of the policy in force (Hà Nội 3814 before 2026)."""
    t = quota_table(annual, units, HN3814)
    t = t[t["breached"]].sort_values(["unit_id", "year"])
    return [
        _record("grade_quota", "unit", r.code, int(r.year) * 100 + 1, int(r.year) * 100 + 12)
        for r in t.itertuples(index=False)
    ]


def quota_agreement(annual: pd.DataFrame, units: pd.DataFrame) -> bool:
    """True when Decree 335's rule (excellent <= 20 % of good) flags the same unit-years."""
    a = quota_table(annual, units, HN3814)
    b = quota_table(annual, units, ND335)
    return bool((a["breached"].to_numpy() == b["breached"].to_numpy()).all())


def secondary_records(
    plan: Plan, official_rollup: pd.DataFrame, officials: pd.DataFrame, min_n: int = 100
) -> list[dict]:
    """Officials with enough ratings inside a planted drop or concentration of their unit."""
    codes = dict(zip(officials["id"], officials["code"], strict=True))
    out = []
    for rule, cells in (("satisfaction_drop", plan.drops), ("dissatisfied_concentration", plan.concentration)):
        for u, m in sorted(cells):
            rows = official_rollup[
                (official_rollup["unit_id"] == u) & (official_rollup["month"] == m) & (official_rollup["n"] >= min_n)
            ]
            for o in rows["official_id"]:
                out.append(_record(rule, "official", codes[int(o)], m, m, required=False))
    return out


def finalise(records: list[dict]) -> list[dict]:
    """Sorted, with ``required`` set on every record."""
    out = []
    for r in records:
        r = dict(r)
        r.setdefault("required", True)
        out.append(r)
    out.sort(key=lambda r: (r["rule"], r["subject_type"], r["subject_code"], r["month_from"], r["month_to"]))
    return out


def summary(truth: list[dict]) -> dict:
    """Subjects per rule (required records only)."""
    out = {rule: 0 for rule in RULES}
    seen = set()
    for r in truth:
        if r.get("required", True) and (r["rule"], r["subject_code"]) not in seen:
            seen.add((r["rule"], r["subject_code"]))
            out[r["rule"]] += 1
    return out
