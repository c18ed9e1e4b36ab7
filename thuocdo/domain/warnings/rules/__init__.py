"""The ten early-warning rules, one module each; :data:`RULES` maps code -> evaluate."""

from __future__ import annotations

from collections.abc import Callable

from thuocdo.domain.warnings.model import RULE_CODES, RuleResult, ScanContext
from thuocdo.domain.warnings.rules import (
    consecutive_not_completed,
    dissatisfied_concentration,
    falling_results,
    grade_quota,
    inflated_self_assessment,
    missing_data,
    off_pace,
    rotation_due,
    satisfaction_drop,
    suspect_ratings,
)

Rule = Callable[[ScanContext, dict], RuleResult]

RULES: dict[str, Rule] = {
    "falling_results": falling_results.evaluate,
    "inflated_self_assessment": inflated_self_assessment.evaluate,
    "satisfaction_drop": satisfaction_drop.evaluate,
    "dissatisfied_concentration": dissatisfied_concentration.evaluate,
    "off_pace": off_pace.evaluate,
    "rotation_due": rotation_due.evaluate,
    "consecutive_not_completed": consecutive_not_completed.evaluate,
    "grade_quota": grade_quota.evaluate,
    "suspect_ratings": suspect_ratings.evaluate,
    "missing_data": missing_data.evaluate,
}
assert tuple(RULES) == RULE_CODES


def lookahead(code: str, params: dict) -> int:
    """How many later months a change in month m can affect for this rule.

    An import of month m changes the verdict of m itself and of the months whose
    baseline or window includes m; the incremental scan re-examines those too.
    """
    if code == "falling_results":
        return int(params["window"]) + max(int(params["baseline_months"]), falling_results.NOISE_MONTHS)
    if code == "satisfaction_drop":
        return int(params["baseline_months"])
    if code == "missing_data":
        return int(params["prior_months"])
    if code == "off_pace":
        # A check-in stays the latest one (and so drives the projection) until the next.
        return max(int(params["kpi_months"]) - 1, 12)
    return 0
