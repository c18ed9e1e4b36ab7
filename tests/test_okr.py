"""OKR and KPI arithmetic: progress, roll-ups, pace, status, projection, completion."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from thuocdo.domain.okr import (
    KPI_COMPLETION_CAP,
    PaceThresholds,
    ancestors,
    kpi_completion,
    kr_progress,
    kr_progress_frame,
    kr_progress_raw,
    objective_progress,
    pace,
    project_krs,
    project_value,
    projected_miss,
    rollup_units,
    status,
    unit_progress,
    weighted_mean,
)


def test_kr_progress_up_and_down():
    # Up: baseline 40, target 80, current 70 → (70 − 40) / (80 − 40) = 0.75.
    assert kr_progress(40, 80, 70, "up") == pytest.approx(0.75)
    # Down: processing days from 10 to 4, now 7 → (10 − 7) / (10 − 4) = 0.5.
    assert kr_progress(10, 4, 7, "down") == pytest.approx(0.5)
    # Overshoot and regression are reported raw and clipped.
    assert kr_progress_raw(40, 80, 90) == pytest.approx(1.25) and kr_progress(40, 80, 90) == 1.0
    assert kr_progress_raw(10, 4, 12, "down") == pytest.approx(-1 / 3) and kr_progress(10, 4, 12, "down") == 0.0


def test_kr_progress_guards():
    assert math.isnan(kr_progress_raw(0, 10, None)) and kr_progress(0, 10, None) == 0.0
    # Target equal to the baseline: met or not.
    assert kr_progress(5, 5, 5) == 1.0 and kr_progress(5, 5, 4) == 0.0
    assert kr_progress(5, 5, 4, "down") == 1.0
    # Missing baseline counts from zero.
    assert kr_progress(None, 200, 50) == pytest.approx(0.25)


def test_kr_progress_frame_matches_scalar():
    df = pd.DataFrame(
        {
            "baseline": [40, 10, 40, 5, 0, 0],
            "target": [80, 4, 80, 5, 10, 10],
            "current": [70, 7, 90, 4, None, 20],
            "direction": ["up", "down", "up", "down", "up", "up"],
        }
    )
    out = kr_progress_frame(df)
    for i, r in df.iterrows():
        assert out["progress"].iloc[i] == pytest.approx(
            kr_progress(r.baseline, r.target, None if pd.isna(r.current) else r.current, r.direction)
        )
    assert math.isnan(out["progress_raw"].iloc[4])
    assert out["progress_raw"].iloc[5] == pytest.approx(2.0)


def test_objective_and_unit_weighted_means():
    # Objective 1: KRs 0.75 (weight 2) and 0.5 (weight 1) → (1.5 + 0.5) / 3 = 0.6667.
    # Objective 2: one KR at 1.0 (raw 1.25, clipped).
    kr = pd.DataFrame(
        {
            "objective_id": [1, 1, 2],
            "baseline": [40, 10, 40],
            "target": [80, 4, 80],
            "current": [70, 7, 90],
            "direction": ["up", "down", "up"],
            "weight": [2.0, 1.0, 1.0],
        }
    )
    obj = objective_progress(kr).set_index("objective_id")
    assert obj.loc[1, "progress"] == pytest.approx(2 / 3)
    assert obj.loc[2, "progress"] == 1.0 and obj.loc[1, "n_krs"] == 2
    # Unit 7 holds both, weights 3 and 1 → (3·0.6667 + 1·1.0) / 4 = 0.75.
    objs = pd.DataFrame({"objective_id": [1, 2], "unit_id": [7, 7], "weight": [3.0, 1.0], "progress": [2 / 3, 1.0]})
    u = unit_progress(objs).set_index("unit_id")
    assert u.loc[7, "progress"] == pytest.approx(0.75) and u.loc[7, "n_objectives"] == 2


def test_weighted_mean_ignores_nan_and_zero_weights():
    assert weighted_mean([0.5, math.nan, 1.0], [1, 5, 0]) == 0.5
    assert math.isnan(weighted_mean([], []))


UNITS = pd.DataFrame({"id": [1, 2, 3, 4, 5], "parent_id": [None, 1, 1, 2, 2]})
# Tree: 1 (city) ─ 2 (department) ─ 4, 5 (its offices)
#                └ 3 (ward)
OBJ = pd.DataFrame(
    {
        "unit_id": [2, 3, 4, 4, 5],
        "weight": [1.0, 1.0, 1.0, 3.0, 1.0],
        "progress": [0.9, 0.2, 0.5, 0.7, 0.1],
    }
)


def test_ancestors_pairs():
    anc = ancestors(UNITS)
    assert sorted(anc.loc[anc["unit_id"] == 4, "ancestor_id"]) == [1, 2, 4]
    assert len(anc) == 1 + 2 + 2 + 3 + 3


def test_rollup_pooled_by_weight():
    # Unit 4 own: (0.5·1 + 0.7·3) / 4 = 0.65.
    # Unit 2 subtree (2, 4, 5): (0.9 + 0.5 + 2.1 + 0.1) / (1 + 1 + 3 + 1) = 3.6 / 6 = 0.6.
    # Unit 1 subtree (all): (3.6 + 0.2) / 7 = 0.542857.
    r = rollup_units(OBJ, UNITS).set_index("id")
    assert r.loc[4, "own_progress"] == pytest.approx(0.65) and r.loc[4, "progress"] == pytest.approx(0.65)
    assert r.loc[2, "own_progress"] == pytest.approx(0.9)
    assert r.loc[2, "progress"] == pytest.approx(0.6) and r.loc[2, "n_objectives"] == 4
    assert r.loc[1, "progress"] == pytest.approx(3.8 / 7) and r.loc[1, "n_objectives"] == 5
    assert math.isnan(r.loc[1, "own_progress"]) and r.loc[1, "own_objectives"] == 0


def test_rollup_equal_votes():
    # Unit 2: own 0.9, child 4 = 0.65, child 5 = 0.1 → (0.9 + 0.65 + 0.1) / 3 = 0.55.
    # Unit 1: no own objectives; children 2 = 0.55 and 3 = 0.2 → 0.375.
    r = rollup_units(OBJ, UNITS, method="equal").set_index("id")
    assert r.loc[2, "progress"] == pytest.approx(0.55)
    assert r.loc[1, "progress"] == pytest.approx(0.375)
    with pytest.raises(ValueError):
        rollup_units(OBJ, UNITS, method="median")


def test_rollup_unit_without_objectives_is_nan():
    units = pd.DataFrame({"id": [1, 2], "parent_id": [None, 1]})
    r = rollup_units(pd.DataFrame({"unit_id": [1], "weight": [1.0], "progress": [0.4]}), units).set_index("id")
    assert math.isnan(r.loc[2, "progress"]) and r.loc[1, "progress"] == pytest.approx(0.4)


def test_pace_and_status():
    # Half-way through the year with 40 % progress: pace 0.8 → on track;
    # 25 % → pace 0.5 → at risk; 10 % → 0.2 → off track.
    assert pace(0.4, 0.5) == pytest.approx(0.8) and status(0.8) == "on_track"
    assert status(pace(0.25, 0.5)) == "at_risk"
    assert status(pace(0.1, 0.5)) == "off_track"
    assert math.isnan(pace(0.3, 0.0)) and status(math.nan) == "no_data"
    assert status(0.7) == "on_track" and status(0.4) == "at_risk"  # edges inclusive
    arr = status(pace(np.array([0.4, 0.25, 0.1, 0.1]), np.array([0.5, 0.5, 0.5, 0.0])))
    assert list(arr) == ["on_track", "at_risk", "off_track", "no_data"]


def test_configurable_thresholds():
    strict = PaceThresholds.from_setting({"on_track": 0.9, "at_risk": 0.6})
    assert status(0.8, strict) == "at_risk" and status(0.5, strict) == "off_track"
    assert PaceThresholds.from_setting(None) == PaceThresholds()
    with pytest.raises(ValueError):
        PaceThresholds.from_setting({"on_track": 0.3, "at_risk": 0.5})


def test_project_value_linear():
    # Baseline 0 on 1 Jan; 30 on 31 Mar (89 days later) → 30/89 a day;
    # on 31 Dec (275 days after 31 Mar): 30 + 275·30/89 = 122.70.
    start, end = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    got = project_value([(dt.date(2026, 3, 31), 30.0)], end, baseline=0.0, period_start=start)
    assert got == pytest.approx(30 + 275 * 30 / 89)
    # Without a baseline: from the first to the latest check-in.
    pts = [(dt.date(2026, 2, 1), 10.0), (dt.date(2026, 4, 1), 16.0)]  # 59 days, +6
    assert project_value(pts, dt.date(2026, 5, 31), None) == pytest.approx(16 + 60 * 6 / 59)
    assert math.isnan(project_value([], end, 0.0, start))
    assert math.isnan(project_value([(dt.date(2026, 2, 1), 5.0)], end))  # one point, no line
    assert project_value(pts, dt.date(2026, 3, 1), None) == 16.0  # period already over


def test_projected_miss():
    # Target 100 from baseline 0; projected 85 → progress 0.85 < 0.9 → miss.
    assert projected_miss(85, 100, "up", baseline=0) is True
    assert projected_miss(95, 100, "up", baseline=0) is False
    # Down: from 10 days to 4; projected 5.5 → (10 − 5.5)/6 = 0.75 → miss.
    assert projected_miss(5.5, 4, "down", baseline=10) is True
    # No baseline: relative to the target (down 4 → 4.5 is 12.5 % over).
    assert projected_miss(4.5, 4, "down") is True and projected_miss(4.2, 4, "down") is False
    assert projected_miss(math.nan, 4) is False


def test_project_krs_vectorised():
    kr = pd.DataFrame(
        {
            "id": [1, 2, 3],
            "baseline": [0.0, 0.0, 10.0],
            "target": [100.0, 100.0, 4.0],
            "direction": ["up", "up", "down"],
            "start_date": [dt.date(2026, 1, 1)] * 3,
            "end_date": [dt.date(2026, 12, 31)] * 3,
        }
    )
    ch = pd.DataFrame(
        {
            "key_result_id": [1, 1, 2, 3],
            "checked_at": [dt.date(2026, 3, 1), dt.date(2026, 7, 2), dt.date(2026, 7, 2), dt.date(2026, 7, 2)],
            "value": [20.0, 50.0, 20.0, 7.0],
        }
    )
    out = project_krs(kr, ch).set_index("id")
    for kid in (1, 2, 3):
        r = kr.set_index("id").loc[kid]
        pts = [(d, v) for k, d, v in ch.itertuples(index=False) if k == kid]
        expected = project_value(pts, r.end_date, r.baseline, r.start_date)
        assert out.loc[kid, "projected"] == pytest.approx(expected)
    assert not out.loc[1, "miss"]  # ~100 by December
    assert out.loc[2, "miss"]  # ~40 by December
    # Down 10 → 7 in the 182 days to 2 July; 182 days remain → 7 − 3 = 4.0: on target.
    assert out.loc[3, "projected"] == pytest.approx(4.0)
    assert not out.loc[3, "miss"]


def test_kpi_completion_direction_aware():
    assert kpi_completion(90, 100, "up") == pytest.approx(0.9)
    # Down: target 5 days, actual 4 → 5/4 = 1.25 → capped at 1.2; actual 10 → 0.5.
    assert kpi_completion(4, 5, "down") == KPI_COMPLETION_CAP
    assert kpi_completion(10, 5, "down") == pytest.approx(0.5)
    assert kpi_completion(150, 100, "up") == KPI_COMPLETION_CAP
    assert kpi_completion(150, 100, "up", cap=2.0) == pytest.approx(1.5)


def test_kpi_completion_guards_zeros():
    assert math.isnan(kpi_completion(5, 0, "up"))  # no target: no completion
    assert kpi_completion(0, 3, "down") == KPI_COMPLETION_CAP  # zero complaints: best
    assert kpi_completion(2, 0, "down") == 0.0  # target zero, some happened
    assert math.isnan(kpi_completion(-1, 5, "up"))
    arr = kpi_completion(np.array([90.0, 4.0, np.nan]), np.array([100.0, 5.0, 10.0]), np.array(["up", "down", "up"]))
    assert arr[0] == pytest.approx(0.9) and arr[1] == KPI_COMPLETION_CAP and math.isnan(arr[2])
