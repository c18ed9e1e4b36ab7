"""Grading policies as data: components, bands, deductions, discipline, quota, annual grade.

Two policies are known:

- ``nd335`` — Decree 335/2025/NĐ-CP (in force from 01/01/2026): general criteria 30 +
  task results 70 points; ≥ 90 excellent, 70–< 90 good, 50–< 70 completed, < 50 not
  completed; a major error costs 25 % of the item's quality points, a delay 25 % of its
  progress points; "not completed" whatever the score after a reprimand or worse in the
  year (Art. on the "Không hoàn thành nhiệm vụ" level, case c); "excellent" may not
  exceed 20 % of the number rated "good" in the same unit and task group.
- ``hn3814`` — Hà Nội Decision 3814-QĐ/TU (2018): discipline 20 + tasks 70 + bonus 10;
  A 90–100, B 70–< 90, C 50–< 70, D < 50; A at most 30 % of those graded (40 % in an
  outstanding unit). A/B/C/D are stored as excellent/good/completed/not_completed.

Annual grade (both policies say the monthly results are the main basis of the annual
grade but, in the texts we could read, give no count formula). Chosen here, and kept in
:class:`AnnualRule` so that an organisation can change it: the annual score is the mean
of the monthly final scores; the grade follows the bands; a reprimand or worse in the
year gives "not completed"; a year with at least ``cap_excellent_after`` not-completed
months (default 1) cannot be excellent; a year with at least ``not_completed_after``
not-completed months (default: half the months evaluated) is "not completed"; fewer
than ``min_months`` evaluated months gives no annual grade.

Quotas are integer arithmetic on percentages (``pct``) so that 30 % of 10 is exactly 3,
never 2.9999999.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

GRADES = ("excellent", "good", "completed", "not_completed")
"""Grade codes from best to worst (conventions: stored as these codes)."""

GRADE_RANK = {g: i for i, g in enumerate(GRADES)}

DEFAULT_SWITCH_MONTH = 202601
"""Decree 335 is in force from 01/01/2026; before that Hà Nội used Decision 3814."""


@dataclass(frozen=True)
class Component:
    """One scored part of the monthly evaluation and its maximum points."""

    code: str  # general, discipline, tasks, bonus
    max_points: float

    @property
    def name_key(self) -> str:
        """Catalogue key of the component's name."""
        return f"domain.component.{self.code}"


@dataclass(frozen=True)
class Band:
    """A grade and the lowest score (inclusive) that earns it."""

    grade: str
    min_score: float


@dataclass(frozen=True)
class Quota:
    """Cap on the best grade: ``pct`` % of the count of ``basis`` grades ("good" or "graded")."""

    basis: str  # "good": share of those rated good; "graded": share of everyone graded
    pct: int
    outstanding_pct: int | None = None  # higher cap for an outstanding unit, if the policy has one
    scope_key: str = "domain.quota.scope.unit"


@dataclass(frozen=True)
class QuotaResult:
    """Outcome of a quota check: the most "excellent" allowed, the actual count, breach, excess."""

    allowed_max: int
    actual: int
    breached: bool
    excess: int
    basis_count: int
    pct: int


@dataclass(frozen=True)
class AnnualRule:
    """How the annual grade is derived from monthly results (see the module docstring)."""

    min_months: int = 1
    cap_excellent_after: int | None = 1
    not_completed_after_share: float | None = 0.5


@dataclass(frozen=True)
class TaskItem:
    """One assigned product/work item: its maximum points, share done, major errors, delays."""

    quantity: float
    quality: float
    progress: float
    done: float = 1.0
    major_errors: int = 0
    delays: int = 0
    quality_ok: float | None = None  # share meeting quality requirements; default = done
    on_time: float | None = None  # share delivered on time; default = done


@dataclass(frozen=True)
class TaskPoints:
    """Task-result points earned, by part, already scaled to the tasks component."""

    quantity: float
    quality: float
    progress: float
    max_points: float

    @property
    def total(self) -> float:
        """Quantity + quality + progress points."""
        return self.quantity + self.quality + self.progress


@dataclass(frozen=True)
class AnnualResult:
    """An annual grade with the score and the counts it came from, and why it was capped."""

    score: float
    grade: str | None
    months: int
    not_completed_months: int
    disciplined: bool
    reason: str | None  # None, "disciplined", "not_completed_months", "capped_excellent", "too_few_months"


@dataclass(frozen=True)
class Policy:
    """A grading policy: components, bands, deductions, discipline rule, quota, annual rule."""

    code: str
    source: str
    components: tuple[Component, ...]
    bands: tuple[Band, ...]
    quota: Quota
    label_prefix: str  # catalogue prefix of the grade labels shown under this policy
    error_deduction: float = 0.25
    delay_deduction: float = 0.25
    disciplined_not_completed: bool = True
    annual: AnnualRule = field(default_factory=AnnualRule)

    @property
    def name_key(self) -> str:
        """Catalogue key of the policy's name."""
        return f"domain.policy.{self.code}"

    @property
    def max_score(self) -> float:
        """Sum of the components' maximum points (100 for both known policies)."""
        return float(sum(c.max_points for c in self.components))

    def component(self, code: str) -> Component:
        """The component with this code (KeyError when the policy has none)."""
        for c in self.components:
            if c.code == code:
                return c
        raise KeyError(code)

    def label_key(self, grade: str) -> str:
        """Catalogue key of a grade's label under this policy (e.g. "Loại A" for hn3814)."""
        return f"{self.label_prefix}.{grade}"

    def grade(self, score: float | None, disciplined: bool = False) -> str | None:
        """Grade code for a score; "not_completed" when disciplined; None for a missing score."""
        if disciplined and self.disciplined_not_completed:
            return "not_completed"
        if score is None or (isinstance(score, float) and math.isnan(score)):
            return None
        for band in self.bands:
            if score >= band.min_score:
                return band.grade
        return self.bands[-1].grade

    def grade_series(self, scores, disciplined=None) -> pd.Series:
        """Vectorised :meth:`grade` over a Series of scores (and optional disciplined flags)."""
        s = pd.Series(scores, dtype=float)
        conds = [s >= b.min_score for b in self.bands[:-1]]
        out = pd.Series(
            np.select(conds, [b.grade for b in self.bands[:-1]], default=self.bands[-1].grade),
            index=s.index,
            dtype=object,
        )
        out = out.where(s.notna(), None)
        if disciplined is not None and self.disciplined_not_completed:
            d = pd.Series(disciplined, index=s.index).fillna(False).astype(bool)
            out = out.where(~d, "not_completed")
        return out

    def total_score(self, **points: float) -> float:
        """Sum of component points, each clipped to [0, its maximum]; unknown names raise."""
        total = 0.0
        for code, value in points.items():
            comp = self.component(code)
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            total += min(max(float(value), 0.0), comp.max_points)
        return total

    def task_points(self, items: Iterable[TaskItem | Mapping]) -> TaskPoints:
        """Task-result points of :func:`task_points` scaled to this policy's tasks component."""
        return task_points(
            items,
            max_points=self.component("tasks").max_points,
            error_deduction=self.error_deduction,
            delay_deduction=self.delay_deduction,
        )

    def quota_check(self, counts_by_grade: Mapping[str, int], outstanding: bool = False) -> QuotaResult:
        """Check the cap on "excellent" for one unit (and task group) in one period."""
        q = self.quota
        pct = q.outstanding_pct if (outstanding and q.outstanding_pct is not None) else q.pct
        if q.basis == "good":
            basis = int(counts_by_grade.get("good", 0) or 0)
        else:
            basis = int(sum(int(counts_by_grade.get(g, 0) or 0) for g in GRADES))
        allowed = basis * pct // 100  # "not more than pct %": round down, exactly
        actual = int(counts_by_grade.get("excellent", 0) or 0)
        excess = max(0, actual - allowed)
        return QuotaResult(allowed, actual, excess > 0, excess, basis, pct)

    def quota_table(self, df: pd.DataFrame, outstanding_col: str = "outstanding") -> pd.DataFrame:
        """Vectorised quota check over rows with n_excellent, n_good, n_completed, n_not_completed."""
        out = df.copy()
        counts = {g: out[f"n_{g}"].fillna(0).astype("int64") if f"n_{g}" in out else 0 for g in GRADES}
        q = self.quota
        if outstanding_col in out and q.outstanding_pct is not None:
            pct = np.where(out[outstanding_col].fillna(False).astype(bool), q.outstanding_pct, q.pct)
        else:
            pct = np.full(len(out), q.pct)
        basis = counts["good"] if q.basis == "good" else sum(counts[g] for g in GRADES)
        basis = np.asarray(basis, dtype="int64") * np.ones(len(out), dtype="int64")
        out["quota_pct"] = pct.astype("int64")
        out["basis_count"] = basis
        out["allowed_max"] = basis * out["quota_pct"].to_numpy() // 100
        actual = np.asarray(counts["excellent"], dtype="int64") * np.ones(len(out), dtype="int64")
        out["excess"] = np.maximum(0, actual - out["allowed_max"].to_numpy())
        out["breached"] = out["excess"] > 0
        return out

    def annual_grade(
        self,
        monthly_scores: Sequence[float],
        monthly_grades: Sequence[str | None] | None = None,
        disciplined: bool = False,
    ) -> AnnualResult:
        """Annual score and grade from the monthly final scores (and grades) of one year."""
        scores = [float(s) for s in monthly_scores if s is not None and not (isinstance(s, float) and math.isnan(s))]
        if monthly_grades is None:
            monthly_grades = [self.grade(s) for s in scores]
        n_nc = sum(1 for g in monthly_grades if g == "not_completed")
        n = len(scores)
        rule = self.annual
        if disciplined and self.disciplined_not_completed:
            score = sum(scores) / n if n else math.nan
            return AnnualResult(score, "not_completed", n, n_nc, True, "disciplined")
        if n < max(1, rule.min_months):
            return AnnualResult(math.nan, None, n, n_nc, False, "too_few_months")
        score = sum(scores) / n
        grade = self.grade(score)
        reason = None
        if rule.not_completed_after_share is not None and n_nc >= max(1, math.ceil(rule.not_completed_after_share * n)):
            if grade != "not_completed":
                grade, reason = "not_completed", "not_completed_months"
        elif rule.cap_excellent_after is not None and n_nc >= rule.cap_excellent_after and grade == "excellent":
            grade, reason = "good", "capped_excellent"
        return AnnualResult(score, grade, n, n_nc, False, reason)

    def annual_grades(self, monthly: pd.DataFrame) -> pd.DataFrame:
        """Annual grades for every official-year of a frame of monthly evaluations.

        Input columns: official_id, month (YYYYMM), final_score, and optionally grade,
        disciplined, unit_id (the unit of the latest month is kept). Output: official_id,
        year, unit_id, score, grade, months, not_completed_months, disciplined, reason.
        """
        df = monthly.loc[monthly["final_score"].notna()].copy()
        df["year"] = (df["month"] // 100).astype("int64")
        if "grade" not in df:
            df["grade"] = self.grade_series(df["final_score"])
        if "disciplined" not in df:
            df["disciplined"] = False
        df["_nc"] = (df["grade"] == "not_completed").astype("int64")
        df["_disc"] = df["disciplined"].fillna(False).astype(bool)
        df = df.sort_values(["official_id", "month"])
        agg = {
            "score": ("final_score", "mean"),
            "months": ("final_score", "size"),
            "not_completed_months": ("_nc", "sum"),
            "disciplined": ("_disc", "any"),
        }
        if "unit_id" in df:
            agg["unit_id"] = ("unit_id", "last")
        g = df.groupby(["official_id", "year"], as_index=False).agg(**agg)
        rule = self.annual
        grade = self.grade_series(g["score"])
        reason = pd.Series(None, index=g.index, dtype=object)
        too_few = g["months"] < max(1, rule.min_months)
        if rule.not_completed_after_share is not None:
            need = np.maximum(1, np.ceil(rule.not_completed_after_share * g["months"]))
            nc = (g["not_completed_months"] >= need) & (grade != "not_completed")
            grade, reason = grade.where(~nc, "not_completed"), reason.where(~nc, "not_completed_months")
        else:
            nc = pd.Series(False, index=g.index)
        if rule.cap_excellent_after is not None:
            cap = ~nc & (g["not_completed_months"] >= rule.cap_excellent_after) & (grade == "excellent")
            grade, reason = grade.where(~cap, "good"), reason.where(~cap, "capped_excellent")
        grade, reason = grade.where(~too_few, None), reason.where(~too_few, "too_few_months")
        if self.disciplined_not_completed:
            d = g["disciplined"]
            grade, reason = grade.where(~d, "not_completed"), reason.where(~d, "disciplined")
            too_few = too_few & ~d
        g["score"] = g["score"].where(~too_few)
        g["grade"] = grade
        g["reason"] = reason
        g["policy_code"] = self.code
        return g


def _item(obj: TaskItem | Mapping) -> TaskItem:
    """A :class:`TaskItem` from itself or from a mapping with the same field names."""
    if isinstance(obj, TaskItem):
        return obj
    return TaskItem(**{k: obj[k] for k in TaskItem.__dataclass_fields__ if k in obj})


def task_points(
    items: Iterable[TaskItem | Mapping],
    max_points: float = 70.0,
    error_deduction: float = 0.25,
    delay_deduction: float = 0.25,
) -> TaskPoints:
    """Decree 335 task-result points: quantity, quality (−25 %/major error), progress (−25 %/delay).

    Per item: quantity = quantity_max × done; quality = max(0, quality_max × quality_ok −
    error_deduction × quality_max × major_errors); progress = max(0, progress_max × on_time
    − delay_deduction × progress_max × delays). The sums are scaled so that the items'
    maximum points together are worth ``max_points`` (70 under Decree 335).
    """
    items = [_item(i) for i in items]
    full = sum(i.quantity + i.quality + i.progress for i in items)
    if full <= 0:
        return TaskPoints(0.0, 0.0, 0.0, max_points)
    q_sum = ql_sum = pr_sum = 0.0
    for i in items:
        done = min(max(float(i.done), 0.0), 1.0)
        ok = done if i.quality_ok is None else min(max(float(i.quality_ok), 0.0), 1.0)
        on_time = done if i.on_time is None else min(max(float(i.on_time), 0.0), 1.0)
        q_sum += i.quantity * done
        ql_sum += max(0.0, i.quality * ok - error_deduction * i.quality * int(i.major_errors))
        pr_sum += max(0.0, i.progress * on_time - delay_deduction * i.progress * int(i.delays))
    k = max_points / full
    return TaskPoints(q_sum * k, ql_sum * k, pr_sum * k, max_points)


_BANDS = (
    Band("excellent", 90.0),
    Band("good", 70.0),
    Band("completed", 50.0),
    Band("not_completed", -math.inf),
)

ND335 = Policy(
    code="nd335",
    source="Nghị định 335/2025/NĐ-CP (hiệu lực 01/01/2026)",
    components=(Component("general", 30.0), Component("tasks", 70.0)),
    bands=_BANDS,
    quota=Quota(basis="good", pct=20, outstanding_pct=None, scope_key="domain.quota.scope.unit_task_group"),
    label_prefix="domain.grade",
)

HN3814 = Policy(
    code="hn3814",
    source="Quyết định 3814-QĐ/TU (2018) của Thành ủy Hà Nội",
    components=(Component("discipline", 20.0), Component("tasks", 70.0), Component("bonus", 10.0)),
    bands=_BANDS,
    quota=Quota(basis="graded", pct=30, outstanding_pct=40),
    label_prefix="domain.grade_letter",
)

POLICIES: dict[str, Policy] = {ND335.code: ND335, HN3814.code: HN3814}

DEFAULT_ASSIGNMENTS: tuple[dict, ...] = (
    {"policy": "hn3814", "from": None, "to": 202512},
    {"policy": "nd335", "from": DEFAULT_SWITCH_MONTH, "to": None},
)
"""Default value of the ``grading_policy`` setting: 3814 until 12/2025, Decree 335 after."""


def get_policy(code: str) -> Policy:
    """The policy with this code (KeyError with the known codes when unknown)."""
    try:
        return POLICIES[code]
    except KeyError:
        raise KeyError(f"unknown grading policy {code!r}; known: {sorted(POLICIES)}") from None


def policy_for(month: int, assignments: Sequence[Mapping] | None = None, unit_path: str | None = None) -> Policy:
    """The policy in force in ``month`` (YYYYMM) for a unit, from the ``grading_policy`` setting.

    ``assignments`` is a list of {"policy": code, "from": YYYYMM|None, "to": YYYYMM|None,
    optional "unit_path": "/1/7/"}; an entry with a unit path applies to that subtree and
    wins over a broader one (the longest matching path wins; later entries win ties).
    With no matching entry the defaults apply (hn3814 before 2026-01, nd335 from then).
    """
    best: tuple[int, int, str] | None = None
    for idx, a in enumerate(assignments or ()):
        lo, hi = a.get("from"), a.get("to")
        if lo is not None and month < int(lo):
            continue
        if hi is not None and month > int(hi):
            continue
        path = a.get("unit_path") or "/"
        if unit_path is not None and not unit_path.startswith(path):
            continue
        if unit_path is None and path != "/":
            continue
        rank = (len(path), idx, a["policy"])
        if best is None or rank[:2] > best[:2]:
            best = rank
    if best is not None:
        return get_policy(best[2])
    return ND335 if month >= DEFAULT_SWITCH_MONTH else HN3814


def quota_check(
    counts_by_grade: Mapping[str, int], outstanding: bool = False, policy: str | Policy = "nd335"
) -> QuotaResult:
    """Quota check of one unit's grade counts under ``policy`` (code or :class:`Policy`)."""
    p = policy if isinstance(policy, Policy) else get_policy(policy)
    return p.quota_check(counts_by_grade, outstanding=outstanding)


def grade_rank(grade: str | None) -> int:
    """0 for excellent … 3 for not_completed, 4 for no grade (for sorting best first)."""
    return GRADE_RANK.get(grade, len(GRADES))
