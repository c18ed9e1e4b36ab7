"""Grading policies: worked examples of the arithmetic, quotas, discipline, annual grades."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from thuocdo.domain.grading import (
    GRADES,
    HN3814,
    ND335,
    POLICIES,
    TaskItem,
    get_policy,
    grade_rank,
    policy_for,
    quota_check,
    task_points,
)
from thuocdo.i18n import t


def test_registry_and_components():
    assert set(POLICIES) == {"nd335", "hn3814"}
    assert ND335.max_score == 100 and HN3814.max_score == 100
    assert [(c.code, c.max_points) for c in ND335.components] == [("general", 30), ("tasks", 70)]
    assert [(c.code, c.max_points) for c in HN3814.components] == [("discipline", 20), ("tasks", 70), ("bonus", 10)]
    with pytest.raises(KeyError):
        get_policy("nd90")


@pytest.mark.parametrize(
    "score,grade",
    [
        (100, "excellent"),
        (90, "excellent"),
        (89.99, "good"),
        (70, "good"),
        (69.9, "completed"),
        (50, "completed"),
        (49.99, "not_completed"),
        (0, "not_completed"),
    ],
)
def test_bands_are_inclusive_at_the_lower_edge(score, grade):
    assert ND335.grade(score) == grade
    assert HN3814.grade(score) == grade  # A/B/C/D map to the same codes


def test_missing_score_has_no_grade():
    assert ND335.grade(None) is None
    assert ND335.grade(math.nan) is None


def test_disciplined_is_not_completed_whatever_the_score():
    # Decree 335, level "Không hoàn thành nhiệm vụ", case c: reprimand or worse in the year.
    assert ND335.grade(98, disciplined=True) == "not_completed"
    assert HN3814.grade(95, disciplined=True) == "not_completed"


def test_grade_series_matches_scalar():
    scores = pd.Series([95.0, 89.5, 70.0, 55.0, 10.0, None])
    disc = pd.Series([False, True, False, False, False, False])
    got = ND335.grade_series(scores, disc)
    assert list(got) == ["excellent", "not_completed", "good", "completed", "not_completed", None]


def test_labels_per_policy():
    assert t(ND335.label_key("excellent"), "vi") == "Hoàn thành xuất sắc nhiệm vụ"
    assert t(ND335.label_key("good"), "vi") == "Hoàn thành tốt nhiệm vụ"
    assert t(ND335.label_key("completed"), "vi") == "Hoàn thành nhiệm vụ"
    assert t(ND335.label_key("not_completed"), "vi") == "Không hoàn thành nhiệm vụ"
    assert [t(HN3814.label_key(g), "vi") for g in GRADES] == ["Loại A", "Loại B", "Loại C", "Loại D"]
    assert t(ND335.name_key, "vi") == "Nghị định 335/2025/NĐ-CP"


def test_total_score_clips_each_component():
    # 3814: discipline 20 (given 22 → 20) + tasks 63 + bonus 10 (given 12 → 10) = 93.
    assert HN3814.total_score(discipline=22, tasks=63, bonus=12) == 93
    assert ND335.total_score(general=28, tasks=65.5) == 93.5
    with pytest.raises(KeyError):
        ND335.total_score(bonus=5)  # Decree 335 has no bonus component


def test_task_points_worked_example_decree_335():
    # Two items whose maximum points add up to the 70 task points:
    # item A: quantity 20, quality 10, progress 10 (= 40); done 100 %, 1 major error,
    #   0 delays → quantity 20; quality 10 − 25 %·10 = 7.5; progress 10.  A = 37.5
    # item B: quantity 15, quality 7.5, progress 7.5 (= 30); done 80 %, 0 errors,
    #   2 delays → quantity 15·0.8 = 12; quality 7.5·0.8 = 6;
    #   progress 7.5·0.8 − 2·25 %·7.5 = 6 − 3.75 = 2.25.  B = 20.25
    # total = 37.5 + 20.25 = 57.75 of 70.
    items = [
        TaskItem(quantity=20, quality=10, progress=10, done=1.0, major_errors=1),
        {"quantity": 15, "quality": 7.5, "progress": 7.5, "done": 0.8, "delays": 2},
    ]
    tp = ND335.task_points(items)
    assert tp.quantity == pytest.approx(32.0)
    assert tp.quality == pytest.approx(13.5)
    assert tp.progress == pytest.approx(12.25)
    assert tp.total == pytest.approx(57.75)
    # With general criteria 27/30 the month scores 84.75: "good".
    total = ND335.total_score(general=27, tasks=tp.total)
    assert total == pytest.approx(84.75)
    assert ND335.grade(total) == "good"


def test_task_points_scaled_to_70_and_floored_at_zero():
    # Items given in percentages (each 100 points: 40 quantity, 30 quality, 30 progress);
    # one item, all done, 5 major errors: quality 30 − 5·7.5 < 0 → 0 (never negative).
    # Earned 40 + 0 + 30 = 70 of 100 → scaled to 70 · 70/100 = 49.
    tp = task_points([TaskItem(40, 30, 30, done=1.0, major_errors=5)], max_points=70)
    assert tp.quality == 0.0
    assert tp.total == pytest.approx(49.0)
    assert task_points([]).total == 0.0


def test_task_points_separate_quality_and_on_time_shares():
    # All done (quantity 40), 90 % met the quality bar (30·0.9 = 27), half on time
    # (30·0.5 = 15): 82 of 100 → 57.4 of 70.
    tp = task_points([TaskItem(40, 30, 30, done=1.0, quality_ok=0.9, on_time=0.5)], max_points=70)
    assert tp.total == pytest.approx(57.4)


def test_quota_decree_335_counts_good():
    # 20 % of 12 "good" = 2.4 → at most 2 excellent (never more than 20 %).
    r = ND335.quota_check({"excellent": 3, "good": 12, "completed": 4})
    assert (r.allowed_max, r.actual, r.breached, r.excess, r.basis_count, r.pct) == (2, 3, True, 1, 12, 20)
    ok = ND335.quota_check({"excellent": 2, "good": 10})
    assert ok.allowed_max == 2 and not ok.breached and ok.excess == 0
    # An outstanding unit has no special rate in Decree 335 as stored here.
    assert ND335.quota_check({"excellent": 3, "good": 12}, outstanding=True).allowed_max == 2


def test_quota_hn3814_counts_everyone_graded():
    # 30 % of 10 graded = exactly 3 (integer arithmetic, not 2.999…); 40 % if outstanding.
    counts = {"excellent": 4, "good": 4, "completed": 1, "not_completed": 1}
    r = quota_check(counts, policy="hn3814")
    assert (r.allowed_max, r.actual, r.breached, r.excess) == (3, 4, True, 1)
    r2 = quota_check(counts, outstanding=True, policy=HN3814)
    assert (r2.allowed_max, r2.breached) == (4, False)
    # 29 % of 100 would be 28.999… in floating point; the check uses integers.
    assert quota_check({"excellent": 30, "good": 70}, policy="hn3814").allowed_max == 30


def test_quota_table_vectorised():
    df = pd.DataFrame(
        {
            "unit_id": [1, 2, 3],
            "n_excellent": [3, 4, 0],
            "n_good": [12, 4, 0],
            "n_completed": [4, 1, 0],
            "n_not_completed": [0, 1, 0],
            "outstanding": [False, True, False],
        }
    )
    nd = ND335.quota_table(df)
    assert list(nd["allowed_max"]) == [2, 0, 0]
    assert list(nd["breached"]) == [True, True, False]
    hn = HN3814.quota_table(df)
    # unit 1: 30 % of 19 = 5.7 → 5; unit 2 (outstanding): 40 % of 10 = 4; unit 3: 0.
    assert list(hn["allowed_max"]) == [5, 4, 0]
    assert list(hn["excess"]) == [0, 0, 0]


def test_policy_for_defaults_and_assignments():
    assert policy_for(202512).code == "hn3814"
    assert policy_for(202601).code == "nd335"
    assignments = [
        {"policy": "hn3814", "from": None, "to": 202606},
        {"policy": "nd335", "from": 202607, "to": None},
        {"policy": "hn3814", "from": 202601, "to": 202612, "unit_path": "/1/7/"},
    ]
    assert policy_for(202603, assignments).code == "hn3814"
    assert policy_for(202608, assignments).code == "nd335"
    # A unit-specific entry wins in its subtree, not elsewhere.
    assert policy_for(202608, assignments, unit_path="/1/7/42/").code == "hn3814"
    assert policy_for(202608, assignments, unit_path="/1/8/").code == "nd335"
    assert policy_for(202701, assignments, unit_path="/1/7/42/").code == "nd335"
    # Nothing matches → the built-in defaults.
    assert policy_for(202001, [{"policy": "nd335", "from": 202601, "to": None}]).code == "hn3814"


def test_annual_grade_mean_of_months():
    # Twelve months: ten at 92 and two at 86 → mean (920 + 172) / 12 = 91.0 → excellent.
    r = ND335.annual_grade([92] * 10 + [86] * 2)
    assert r.score == pytest.approx(91.0) and r.grade == "excellent" and r.reason is None


def test_annual_grade_capped_after_a_not_completed_month():
    # Eleven months at 96 and one at 45 (not completed): mean (1056 + 45) / 12 = 91.75
    # would be excellent, but a year with a not-completed month is capped at "good".
    r = ND335.annual_grade([96] * 11 + [45])
    assert r.score == pytest.approx(91.75)
    assert (r.grade, r.reason, r.not_completed_months) == ("good", "capped_excellent", 1)


def test_annual_grade_half_the_months_not_completed():
    # Six months at 48, six at 75: mean 61.5 ("completed") but 6 of 12 months are
    # not completed (≥ half) → the year is "not completed".
    r = HN3814.annual_grade([48] * 6 + [75] * 6)
    assert r.score == pytest.approx(61.5)
    assert (r.grade, r.reason) == ("not_completed", "not_completed_months")


def test_annual_grade_disciplined_and_empty():
    r = ND335.annual_grade([95] * 12, disciplined=True)
    assert (r.grade, r.reason) == ("not_completed", "disciplined")
    empty = ND335.annual_grade([])
    assert empty.grade is None and empty.reason == "too_few_months"


def test_annual_grades_frame_matches_scalar():
    rows = []
    for m in range(1, 13):
        rows.append({"official_id": 1, "unit_id": 5, "month": 202600 + m, "final_score": 92.0 if m <= 10 else 86.0})
        rows.append({"official_id": 2, "unit_id": 5, "month": 202600 + m, "final_score": 45.0 if m == 12 else 96.0})
        rows.append({"official_id": 3, "unit_id": 6, "month": 202600 + m, "final_score": 95.0, "disciplined": m == 4})
        rows.append({"official_id": 4, "unit_id": 6, "month": 202600 + m, "final_score": 48.0 if m <= 6 else 75.0})
    rows.append({"official_id": 1, "unit_id": 5, "month": 202512, "final_score": 70.0})
    df = pd.DataFrame(rows)
    df["disciplined"] = df["disciplined"].fillna(False).astype(bool)
    out = ND335.annual_grades(df).set_index(["official_id", "year"])
    assert out.loc[(1, 2026), "grade"] == "excellent"
    assert out.loc[(1, 2026), "score"] == pytest.approx(91.0)
    assert out.loc[(1, 2025), "grade"] == "good" and out.loc[(1, 2025), "months"] == 1
    assert (out.loc[(2, 2026), "grade"], out.loc[(2, 2026), "reason"]) == ("good", "capped_excellent")
    assert (out.loc[(3, 2026), "grade"], out.loc[(3, 2026), "reason"]) == ("not_completed", "disciplined")
    assert (out.loc[(4, 2026), "grade"], out.loc[(4, 2026), "reason"]) == ("not_completed", "not_completed_months")
    assert out.loc[(3, 2026), "unit_id"] == 6 and out.loc[(1, 2026), "policy_code"] == "nd335"


def test_grade_rank_orders_best_first():
    assert sorted(["good", None, "excellent", "not_completed"], key=grade_rank) == [
        "excellent",
        "good",
        "not_completed",
        None,
    ]
