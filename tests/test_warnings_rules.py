"""Each early-warning rule on hand-made data: it fires, it does not, and thin data.

Every test runs on a SQLite file and on PostgreSQL (the ``engine`` fixture).
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.test_warnings_fixtures import World, months
from thuocdo.domain.periods import last_day
from thuocdo.domain.warnings.config import default_config
from thuocdo.domain.warnings.model import ScanContext
from thuocdo.domain.warnings.rules import RULES
from thuocdo.domain.warnings.scan import data_months


def run(engine, code, at=None, params=None, unit_ids=None, as_of=None):
    """Evaluate one rule with its default parameters (overridden by ``params``)."""
    p = {**default_config()["rules"][code], **(params or {})}
    with engine.connect() as conn:
        allm = data_months(conn)
        ms = at if at is not None else allm
        ctx = ScanContext(conn, sorted(ms), unit_ids, as_of or last_day(max(ms)), allm)
        return RULES[code](ctx, p)


def subjects(result):
    return {(f.subject_id, f.month) for f in result.findings}


# --- 1. falling results -------------------------------------------------------------------
def test_falling_results(engine):
    w = World(engine)
    u = w.unit("U1")
    ms = months(202501, 12)
    falls = w.official(u)
    steady = w.official(u)
    short = w.official(u)
    noisy = w.official(u)
    w.evaluations(falls, u, dict(zip(ms, [80, 81, 79, 80, 80, 79, 81, 80, 75, 70, 65, 64], strict=True)))
    w.evaluations(steady, u, dict(zip(ms, [80, 81, 79, 80, 82, 79, 81, 80, 79, 78, 77, 79], strict=True)))
    w.evaluations(short, u, dict(zip(ms[-3:], [90, 70, 50], strict=True)))
    # Scores that swing by ~8 points every month: a 10-point dip is within its noise.
    w.evaluations(noisy, u, dict(zip(ms, [80, 88, 71, 84, 92, 75, 83, 70, 68, 67, 66, 69], strict=True)))
    w.refresh()

    res = run(engine, "falling_results")
    assert subjects(res) == {(falls, 202511)}  # once per episode: not again in 202512
    f = res.findings[0]
    assert f.unit_id == u and f.subject_type == "official"
    assert f.evidence["values"]["baseline"] == pytest.approx(80.0)
    assert f.evidence["values"]["drop"] == pytest.approx(15.0)
    assert [r["month"] for r in f.evidence["rows"]] == ms[5:11]
    assert f.threshold == 10.0 and f.sample_size == 6
    assert f.severity == "medium"
    # Each 12-month series is testable from its 4th month; the short one (3 months) never.
    assert (res.evaluated, res.insufficient) == (27, 12)
    # Without the noise guard the zig-zag official would have been flagged.
    loose = run(engine, "falling_results", params={"noise_z": 0})
    assert noisy in {sid for sid, _ in subjects(loose)}


# --- 2. inflated self-assessment ---------------------------------------------------------------
def test_inflated_self_assessment(engine):
    w = World(engine)
    u, v = w.unit("U1"), w.unit("U2")
    gap = w.official(u)
    fair = w.official(u)
    blank = w.official(u)
    w.evaluations(gap, u, {202603: (78, 95, 75), 202604: (80, 90, 80)})
    w.evaluations(fair, u, {202603: (80, 85, 80)})
    w.evaluations(blank, u, {202603: (80, None, 80)})
    # Signal B: self 92 while citizens are far less satisfied than with the colleagues.
    low = w.official(u)
    other = w.official(u)
    third = w.official(v)
    thin = w.official(v)
    w.evaluations(low, u, {202603: (85, 92, 85)})
    w.evaluations(other, u, {202603: (85, 86, 85)})
    w.evaluations(third, v, {202603: (85, 86, 85)})
    w.evaluations(thin, v, {202603: (85, 95, 85)})
    w.satisfied(u, 202603, 40, 0.5, official_id=low)
    w.satisfied(u, 202603, 200, 0.9, official_id=other)
    w.satisfied(v, 202603, 200, 0.85, official_id=third)
    w.satisfied(v, 202603, 20, 0.3, official_id=thin)  # too few ratings to test
    w.refresh()

    res = run(engine, "inflated_self_assessment", at=[202603])
    assert subjects(res) == {(gap, 202603), (low, 202603)}
    by = {f.subject_id: f for f in res.findings}
    assert by[gap].reason_key == "warnings.reason.inflated_gap"
    assert by[gap].evidence["values"]["gap"] == pytest.approx(20.0)
    assert by[gap].severity == "medium"
    assert by[low].reason_key == "warnings.reason.inflated_satisfaction"
    assert by[low].sample_size == 40
    assert by[low].evidence["context"]["unit_rate_without_official"] == pytest.approx(0.9)
    assert res.insufficient == 1  # the evaluation without a self-score


# --- 3. satisfaction drop -------------------------------------------------------------------
def test_satisfaction_drop(engine):
    w = World(engine)
    drop, small, thin, weak = (w.unit(c) for c in ("DROP", "SMALL", "THIN", "WEAK"))
    base = months(202601, 3)
    for m in base:
        w.satisfied(drop, m, 300, 0.9)
        w.satisfied(small, m, 300, 0.9)
        w.satisfied(thin, m, 300, 0.9)
        w.satisfied(weak, m, 40, 0.9)
    w.satisfied(drop, 202604, 300, 0.7)
    w.satisfied(small, 202604, 300, 0.85)  # 5 points: not a drop that matters
    w.satisfied(thin, 202604, 50, 0.5)  # 50 ratings: too few to judge
    w.satisfied(weak, 202604, 100, 0.78)  # 12 points but not significant at 1 %
    w.refresh()

    res = run(engine, "satisfaction_drop", at=[202604])
    assert subjects(res) == {(drop, 202604)}
    f = res.findings[0]
    assert f.evidence["values"]["rate"] == pytest.approx(0.7)
    assert f.evidence["values"]["baseline_rate"] == pytest.approx(0.9)
    assert f.evidence["values"]["p_value"] < 0.01
    assert f.severity == "high" and f.sample_size == 300
    assert res.insufficient == 1 and res.evaluated == 3
    # The same 12-point drop on more ratings is significant.
    loose = run(engine, "satisfaction_drop", at=[202604], params={"alpha": 0.05})
    assert (weak, 202604) in subjects(loose)


# --- 4. "không hài lòng" concentration ---------------------------------------------------------
def test_dissatisfied_concentration(engine):
    w = World(engine)
    shares = [0.02, 0.03, 0.04, 0.02, 0.03, 0.04, 0.03, 0.03]
    normal = [w.unit(f"N{i}") for i in range(len(shares))]
    hot, tiny = w.unit("HOT"), w.unit("TINY")
    for uid, sh in zip(normal, shares, strict=True):
        w.satisfied(uid, 202605, 300, 0.85, level1=sh)
    w.satisfied(hot, 202605, 300, 0.75, level1=0.15)
    w.satisfied(tiny, 202605, 50, 0.6, level1=0.2)
    # Another month with only two units: too few peers to draw a funnel.
    w.satisfied(normal[0], 202606, 300, 0.85, level1=0.2)
    w.satisfied(normal[1], 202606, 300, 0.85, level1=0.02)
    w.refresh()

    res = run(engine, "dissatisfied_concentration", at=[202605, 202606])
    assert subjects(res) == {(hot, 202605)}
    f = res.findings[0]
    assert f.evidence["values"]["share"] == pytest.approx(0.15)
    assert f.peer_cutoff == pytest.approx(0.03)
    assert f.threshold < 0.1
    assert len(f.evidence["context"]["peers"]) == 9
    assert res.insufficient == 1 + 2  # TINY in 05; both units of 06


# --- 5. OKR / KPI off pace --------------------------------------------------------------------
def test_off_pace(engine):
    w = World(engine)
    behind, fine, early, kpi_low, kpi_ok, kpi_short = (
        w.unit(c) for c in ("BEH", "FINE", "EARLY", "KLOW", "KOK", "KSHORT")
    )
    y0, y1 = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    w.key_result(w.objective(behind, y0, y1), 0, 100, {dt.date(2026, 3, 31): 7.5, dt.date(2026, 6, 30): 15})
    w.key_result(w.objective(fine, y0, y1), 0, 100, {dt.date(2026, 3, 31): 25, dt.date(2026, 6, 30): 50})
    w.key_result(w.objective(early, y0, y1), 0, 100, {dt.date(2026, 6, 30): 10})  # one check-in
    # A whole count: 5 of 17 at the end of April projects to 89 % of the target, but it may
    # be a rounded 5.4 (which projects to 97 %): not a miss.
    rounded = w.unit("ROUND")
    w.key_result(w.objective(rounded, y0, y1), 0, 17, {dt.date(2026, 3, 31): 4, dt.date(2026, 4, 30): 5})
    k = w.kpi("K1")
    w.kpi_values(kpi_low, k, {m: (100.0, 70.0) for m in months(202604, 3)})
    w.kpi_values(kpi_ok, k, {m: (100.0, 98.0) for m in months(202604, 3)})
    w.kpi_values(kpi_short, k, {m: (100.0, 60.0) for m in months(202605, 2)})
    down = w.kpi("K2", direction="down")
    w.kpi_values(kpi_ok, down, {m: (10.0, 9.0) for m in months(202604, 3)})  # below a "down" target is good
    w.refresh()

    res = run(engine, "off_pace", at=[202606])
    assert subjects(res) == {(behind, 202606), (kpi_low, 202606)}
    by = {f.subject_id: f for f in res.findings}
    kr = by[behind]
    assert kr.reason_key == "warnings.reason.off_pace_kr"
    row = kr.evidence["rows"][0]
    assert row["kind"] == "key_result" and row["progress"] == pytest.approx(0.30, abs=0.01)
    assert kr.evidence["values"]["items"][0]["projected_progress"] == pytest.approx(0.30, abs=0.01)
    assert kr.severity == "high"
    assert by[kpi_low].reason_key == "warnings.reason.off_pace_kpi"
    assert by[kpi_low].evidence["values"]["items"][0]["projected_progress"] == pytest.approx(0.7)
    assert res.insufficient == 2  # EARLY (one check-in) and KSHORT (two months)
    april = run(engine, "off_pace", at=[202604])
    assert rounded not in {sid for sid, _ in subjects(april)}
    strict = run(engine, "off_pace", at=[202604], params={"max_miss": 0.0})
    assert rounded in {sid for sid, _ in subjects(strict)}


# --- 6. rotation due ----------------------------------------------------------------------------
def test_rotation_due(engine):
    w = World(engine)
    sens, plain = w.unit("SENS", sensitive=True), w.unit("PLAIN")
    long_ = w.official(sens, position_since=dt.date(2020, 1, 1))
    recent = w.official(sens, position_since=dt.date(2023, 1, 1))
    unknown = w.official(sens, position_since=None)
    w.official(plain, position_since=dt.date(2010, 1, 1))
    from_history = w.official(
        sens,
        position_since=None,
        history=[(dt.date(2015, 6, 1), dt.date(2019, 5, 31), "staff"), (dt.date(2019, 6, 1), None, "head")],
    )
    moved = w.official(
        sens,
        position_since=dt.date(2024, 1, 1),
        history=[(dt.date(2015, 1, 1), dt.date(2023, 12, 31), "deputy_head"), (dt.date(2024, 1, 1), None, "head")],
    )
    veteran = w.official(sens, position_since=dt.date(2015, 3, 1))
    w.evaluations(recent, sens, {202401: 80, 202610: 80})
    w.refresh()

    res = run(engine, "rotation_due", at=[202610])
    # Dated when the post became due, or when the data begin (01/2024) if that was earlier.
    assert subjects(res) == {(long_, 202501), (from_history, 202406), (veteran, 202401)}
    assert {f.reason_params["due_date"] for f in res.findings} == {"2025-01-01", "2024-06-01", "2020-03-01"}
    by = {f.subject_id: f for f in res.findings}
    assert by[long_].evidence["values"]["start_date"] == "2020-01-01"
    assert by[long_].severity == "medium"  # 6.8 years: 1.8 over the threshold
    assert by[from_history].evidence["values"]["start_date"] == "2019-06-01"
    assert len(by[from_history].evidence["rows"]) == 2
    assert res.insufficient == 1 and res.evaluated == 5
    assert moved not in {f.subject_id for f in res.findings} and unknown not in by
    stricter = run(engine, "rotation_due", at=[202610], params={"years": 3})
    assert recent in {f.subject_id for f in stricter.findings}


# --- 7. consecutive "not completed" -------------------------------------------------------------
def test_consecutive_not_completed(engine):
    w = World(engine)
    u = w.unit("U")
    twice, once, single = w.official(u), w.official(u), w.official(u)
    w.annual(twice, u, 2024, "not_completed")
    w.annual(twice, u, 2025, "not_completed")
    w.annual(once, u, 2024, "not_completed")
    w.annual(once, u, 2025, "good")
    w.annual(single, u, 2025, "not_completed")
    w.evaluations(once, u, {202512: 80})
    w.refresh()

    res = run(engine, "consecutive_not_completed", at=[202512])
    assert subjects(res) == {(twice, 202512)}
    assert [r["year"] for r in res.findings[0].evidence["rows"]] == [2024, 2025]
    assert res.findings[0].severity == "high"
    assert res.insufficient == 1 and res.evaluated == 2


# --- 8. grade quota -----------------------------------------------------------------------------
def test_grade_quota(engine):
    w = World(engine)
    over, within, a_over, a_out = w.unit("OVER"), w.unit("WITHIN"), w.unit("AOVER"), w.unit("AOUT", outstanding=True)

    def grades(unit, year, counts, policy=None):
        for grade, n in counts.items():
            for _ in range(n):
                w.annual(w.official(unit), unit, year, grade, policy)

    grades(over, 2026, {"good": 10, "excellent": 3})  # Decree 335: at most 2 of 10 "good"
    grades(within, 2026, {"good": 10, "excellent": 2})
    grades(a_over, 2025, {"good": 6, "excellent": 4})  # 3814: A at most 30 % of 10 graded
    grades(a_out, 2025, {"good": 6, "excellent": 4})  # outstanding unit: 40 %
    # Decree 335 counts per task group: 2 "excellent" of 5 "good" in group A breaches it,
    # though the unit as a whole (2 of 15) does not.
    groups = w.unit("GROUPS")
    for group, counts in (("A", {"good": 5, "excellent": 2}), ("B", {"good": 10})):
        for grade, n in counts.items():
            for _ in range(n):
                w.annual(w.official(groups, task_group=group), groups, 2026, grade, "nd335")
    w.evaluations(w.official(within), within, {202512: 80})
    w.refresh()

    per_group = run(engine, "grade_quota", at=[202612], params={"by_task_group": True})
    assert (groups, 202612) in subjects(per_group)
    assert {
        r["task_group"] for r in next(f for f in per_group.findings if f.subject_id == groups).evidence["rows"]
    } == {"A", "B"}

    res = run(engine, "grade_quota", at=[202512, 202612])
    assert subjects(res) == {(over, 202612), (a_over, 202512)}
    by = {f.subject_id: f for f in res.findings}
    assert by[over].reason_key == "warnings.reason.grade_quota_good"
    assert by[over].evidence["values"]["policy"] == "nd335"
    assert by[over].evidence["rows"][0]["allowed"] == 2
    assert by[a_over].reason_key == "warnings.reason.grade_quota_graded"
    assert by[a_over].evidence["rows"][0]["allowed"] == 3
    assert res.evaluated == 5


# --- 9. suspect ratings -------------------------------------------------------------------------
def test_suspect_ratings(engine):
    w = World(engine)
    burst, allsat, night, normal, few = (w.unit(c) for c in ("BURST", "ALL", "NIGHT", "NORM", "FEW"))
    m = 202607
    w.satisfied(burst, m, 300, 0.85)
    w.ratings(burst, m, {4: 316, 3: 4}, device="K-X", day=14, hour=None)
    w.ratings(allsat, m, {4: 400, 3: 200})
    w.satisfied(night, m, 140, 0.85)
    w.ratings(night, m, {4: 60}, hour=20)
    w.satisfied(normal, m, 300, 0.85)
    w.satisfied(few, m, 50, 0.85)
    w.refresh()

    res = run(engine, "suspect_ratings", at=[m])
    assert subjects(res) == {(burst, m), (allsat, m), (night, m)}
    by = {f.subject_id: f for f in res.findings}
    assert by[burst].reason_key == "warnings.reason.suspect_burst"
    assert by[burst].evidence["values"]["burst_device"] == "K-X"
    assert by[burst].evidence["rows"][0]["ratings"] == 320
    assert by[allsat].reason_key == "warnings.reason.suspect_near_all"
    assert by[night].reason_key == "warnings.reason.suspect_off_hours"
    assert by[night].evidence["values"]["office_off_hours"] == 60
    assert res.insufficient == 1  # FEW: 50 ratings


# --- 10. missing data ---------------------------------------------------------------------------
def test_missing_data(engine):
    w = World(engine)
    gone, no_ratings, new, regular = w.unit("GONE"), w.unit("NORAT"), w.unit("NEW"), w.unit("REG")
    ms = months(202601, 5)
    for uid in (gone, no_ratings, regular):
        o = w.official(uid)
        w.evaluations(o, uid, {m: 80 for m in (ms if uid != gone else ms[:4])})
        for m in ms if uid == regular else ms[:4]:
            w.satisfied(uid, m, 20, 0.9)
    o = w.official(new)
    w.evaluations(o, new, {m: 80 for m in ms[2:4]})  # reported only twice before, then nothing
    w.refresh()

    res = run(engine, "missing_data", at=[ms[4]])
    assert subjects(res) == {(gone, ms[4]), (no_ratings, ms[4])}
    by = {f.subject_id: f for f in res.findings}
    assert by[gone].reason_key == "warnings.reason.missing_both" and by[gone].severity == "high"
    assert by[no_ratings].reason_key == "warnings.reason.missing_ratings"
    assert res.insufficient == 1
    # A month nobody has reported yet is not "missing" for one unit.
    later = run(engine, "missing_data", at=[202606])
    assert later.findings == []


@pytest.mark.parametrize("code", list(RULES))
def test_every_rule_is_quiet_on_an_empty_database(sqlite_engine, code):
    with sqlite_engine.connect() as conn:
        ctx = ScanContext(conn, [202601], None, dt.date(2026, 1, 31), [])
        res = RULES[code](ctx, default_config()["rules"][code])
    assert res.findings == [] and res.evaluated == 0
