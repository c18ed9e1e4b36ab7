"""What a rule returns: findings (candidate warnings), with their evidence, and counts.

A :class:`Finding` is a warning before it is stored: the scan compares findings with
the rows already in ``warnings`` (see :mod:`thuocdo.domain.warnings.scan`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from dataclasses import dataclass, field

from sqlalchemy import Connection

RULE_CODES = (
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

SUBJECT_OF_RULE = {
    "falling_results": "official",
    "inflated_self_assessment": "official",
    "satisfaction_drop": "unit",
    "dissatisfied_concentration": "unit",
    "off_pace": "unit",
    "rotation_due": "official",
    "consecutive_not_completed": "official",
    "grade_quota": "unit",
    "suspect_ratings": "unit",
    "missing_data": "unit",
}

SEVERITIES = ("low", "medium", "high")
OPEN_STATUSES = ("new", "acknowledged", "verified")
CLOSED_STATUSES = ("false_positive", "resolved", "cleared")
STATUSES = OPEN_STATUSES + CLOSED_STATUSES


def _clean(value):
    """JSON-safe, canonical value: floats to 10 significant digits, dates as ISO text."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        # Ten significant digits: stable under floating-point noise, precise for tiny
        # figures (a between-unit variance of 1e-5) as for large ones.
        r = float(f"{value:.10g}")
        return int(r) if r == int(r) and abs(r) < 1e15 else r
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    # numpy scalars and anything else with a float/int view
    if hasattr(value, "item"):
        return _clean(value.item())
    return str(value)


def clean_json(value):
    """The canonical JSON form used for evidence and reason parameters."""
    return _clean(value)


def evidence_hash(evidence: dict) -> str:
    """A stable hash of the facts behind a warning (not of thresholds or wording).

    Only the ``values`` and ``rows`` parts are hashed: a changed threshold or a
    re-worded reason does not make a dismissed warning "new evidence".
    """
    facts = {"values": evidence.get("values", {}), "rows": evidence.get("rows", [])}
    text = json.dumps(_clean(facts), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class Finding:
    """One warning as a rule produced it."""

    rule_code: str
    subject_type: str  # unit / official
    subject_id: int
    unit_id: int
    month: int
    severity: str
    score: float
    reason_key: str
    reason_params: dict
    evidence: dict
    threshold: float | None = None
    peer_cutoff: float | None = None
    sample_size: int | None = None

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}")
        self.reason_params = clean_json(self.reason_params)
        self.evidence = clean_json(self.evidence)
        self.score = None if self.score is None else _clean(float(self.score))
        self.threshold = None if self.threshold is None else float(self.threshold)
        self.peer_cutoff = None if self.peer_cutoff is None or math.isnan(self.peer_cutoff) else float(self.peer_cutoff)
        self.sample_size = None if self.sample_size is None else int(self.sample_size)

    @property
    def key(self) -> tuple[str, str, int, int]:
        return (self.rule_code, self.subject_type, int(self.subject_id), int(self.month))

    @property
    def hash(self) -> str:
        return evidence_hash(self.evidence)


@dataclass(frozen=True)
class Coverage:
    """What a rule looked at, so that the scan clears only what was re-examined.

    ``months`` None means every month (up to ``max_month`` when given); ``unit_ids``
    None means every unit.
    """

    months: frozenset[int] | None
    unit_ids: frozenset[int] | None
    max_month: int | None = None

    def contains(self, month: int, unit_id: int) -> bool:
        if self.months is not None and int(month) not in self.months:
            return False
        if self.max_month is not None and int(month) > self.max_month:
            return False
        if self.unit_ids is not None and int(unit_id) not in self.unit_ids:
            return False
        return True


@dataclass
class RuleResult:
    """Findings of one rule plus how much it could and could not examine."""

    rule_code: str
    findings: list[Finding] = field(default_factory=list)
    evaluated: int = 0  # subject-periods with enough data to test
    insufficient: int = 0  # subject-periods skipped because the data were too thin
    coverage: Coverage = field(default_factory=lambda: Coverage(frozenset(), frozenset()))
    note: str | None = None  # e.g. "disabled", "no grading policy"


@dataclass
class ScanContext:
    """Everything a rule needs: a connection, the months and units to examine, a date."""

    conn: Connection
    months: list[int]  # months to examine, ascending (may be empty)
    unit_ids: frozenset[int] | None  # None = every unit
    as_of: dt.date  # "today" for tenure and pace
    data_months: list[int]  # every month that has any data, ascending

    @property
    def month_set(self) -> frozenset[int]:
        return frozenset(self.months)

    def coverage(self, months=None) -> Coverage:
        m = self.month_set if months is None else frozenset(months)
        return Coverage(m, self.unit_ids)


def severity_from(value: float, medium: float, high: float) -> str:
    """'high' at or above ``high``, 'medium' at or above ``medium``, else 'low'."""
    if value >= high:
        return "high"
    if value >= medium:
        return "medium"
    return "low"
