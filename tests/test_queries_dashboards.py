"""Dashboard queries against the fixture database, on SQLite and on PostgreSQL.

Expected figures are worked out in tests/fixture_dashboards.py.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import pytest

from queries import kpi as kpi_q
from queries import okr as okr_q
from queries import overview as q
from queries import unit as unit_q
from tests import fixture_dashboards
from thuocdo.domain.access import CITY, Scope, pseudonym
from thuocdo.store.db import set_setting

SQL = Path(__file__).resolve().parent.parent / "queries" / "sql"
WARD = Scope("/1/3/", False)  # the unit head's subtree: the ward and its one-stop desk
AS_OF = dt.date(2026, 10, 31)


@pytest.fixture
def db(engine, monkeypatch):
    fixture_dashboards.build(engine)
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    return engine


def by_code(df, col="objective_code"):
    return {r[col]: r for r in df.to_dict("records")}


def test_objectives_progress_pace_and_status(db):
    objs = by_code(okr_q.objectives(CITY, 202610, 202610))
    assert set(objs) == {"OKR26.HK.1", "OKR26.BD.1", "OKR26.MC.1", "OKR26Q4.SNV.1"}
    hk = objs["OKR26.HK.1"]
    assert hk["progress"] == pytest.approx(0.65)  # KR 0.8 (up) and 0.5 (down), equal weights
    assert hk["elapsed"] == pytest.approx(304 / 365)
    assert hk["pace"] == pytest.approx(0.65 / (304 / 365))
    assert hk["status"] == "on_track"
    assert objs["OKR26.BD.1"]["status"] == "off_track"
    assert objs["OKR26.MC.1"]["status"] == "at_risk"
    snv = objs["OKR26Q4.SNV.1"]
    assert snv["progress"] == pytest.approx(0.3)  # no check-ins: the current value counts
    assert snv["elapsed"] == pytest.approx(31 / 92)


def test_key_results_valued_as_of_the_period_end(db):
    sept = by_code(okr_q.key_results(CITY, 202609, 202609), "code")
    assert sept["KR.HK.1"]["value"] == 70  # the 30/09 check-in, not the later ones
    assert sept["KR.HK.1"]["progress"] == pytest.approx(0.7)
    assert math.isnan(sept["KR.HK.2"]["value"])  # first check-in on 15/10: nothing yet
    assert sept["KR.HK.2"]["progress"] == 0.0
    assert "KR.SNV.1" not in sept  # its objective starts in October
    octo = by_code(okr_q.key_results(CITY, 202610, 202610), "code")
    assert octo["KR.HK.2"]["progress"] == pytest.approx(0.5)  # 20 → 10 "down", now 15


def test_pace_thresholds_come_from_the_setting(db):
    assert okr_q.pace_thresholds() == okr_q.domain.PaceThresholds(0.7, 0.4)
    with db.begin() as conn:
        set_setting(conn, "okr_pace", {"on_track": 0.9, "at_risk": 0.5})
    import streamlit as st

    st.cache_data.clear()
    assert okr_q.pace_thresholds() == okr_q.domain.PaceThresholds(0.9, 0.5)
    objs = by_code(okr_q.objectives(CITY, 202610, 202610))
    assert objs["OKR26.HK.1"]["status"] == "at_risk"  # pace 0.78 is below 0.9 now
    assert objs["OKR26.MC.1"]["status"] == "off_track"  # 0.48 < 0.5


def test_ranking_rolls_units_up_their_subtree(db):
    ids = q.ranked_ids(CITY)
    assert ids == (2, 3, 4)  # the city's children; the desk rolls into its ward
    rows = {r["code"]: r for r in q.unit_measures(CITY, 202610, 202610, ids).to_dict("records")}
    hk = rows["HN.P.HOANKIEM"]
    assert hk["okr"] == pytest.approx((2 * 0.65 + 0.4) / 3)
    assert hk["okr_pace"] == pytest.approx((2 * 0.65 + 0.4) / 3 / (304 / 365))
    assert hk["status"] == "at_risk"
    assert hk["kpi"] == pytest.approx((1.0 + 0.5 + 1.0 + 1.0) / 4)  # incl. 766.TONG_SCORE and the desk
    assert hk["satisfaction"] == pytest.approx(1.0)
    assert hk["evaluation"] == pytest.approx((76 + 80 + 92) / 3)
    assert rows["HN.P.BADINH"]["status"] == "off_track"
    assert rows["HN.P.BADINH"]["satisfaction"] == pytest.approx(16 / 20)
    assert rows["HN.SNV"]["status"] == "on_track"
    assert rows["HN.SNV"]["kpi"] == pytest.approx(1.2)  # 130 % capped at 120 %
    assert math.isnan(rows["HN.SNV"]["satisfaction"])  # no ratings


def test_summary_of_the_whole_scope(db):
    s = q.summary(CITY, 202610, 202610)
    assert s["okr"] == pytest.approx(0.44)
    assert s["kpi"] == pytest.approx(0.9)
    assert s["satisfaction"] == pytest.approx(76 / 80)
    assert s["evaluation"] == pytest.approx(84.0)
    assert (s["n_excellent"], s["n_good"]) == (1, 4)
    sept = q.summary(CITY, 202609, 202609)
    assert sept["okr"] == pytest.approx(2 * 0.35 / 4)  # O4 not started; O2, O3 not checked in yet
    year_ago = q.summary(CITY, 202510, 202510)
    assert math.isnan(year_ago["satisfaction"]) and math.isnan(year_ago["kpi"])


def test_unit_head_scope_sees_only_the_subtree(db):
    assert q.ranked_ids(WARD) == (5,)
    s = q.summary(WARD, 202610, 202610)
    assert s["kpi"] == pytest.approx(0.875)
    assert s["okr"] == pytest.approx((2 * 0.65 + 0.4) / 3)
    assert set(okr_q.objectives(WARD, 202610, 202610)["unit_id"]) == {3, 5}
    assert set(q.unit_month_facts(WARD, 202608, 202610)["unit_id"]) <= {3, 5}
    assert q.warnings_by_severity(WARD).set_index("severity")["n"].to_dict() == {"high": 0, "medium": 1, "low": 0}
    assert set(unit_q.warnings(WARD, "/1/")["unit_code"]) <= {"HN.P.HOANKIEM", "HN.P.HOANKIEM.MC"}


def test_month_measures_and_combined_trend(db):
    grid = q.unit_month_measures(CITY, 202608, 202610, (3, 4))
    hk = grid[grid["code"] == "HN.P.HOANKIEM"].set_index("month")
    assert hk.loc[202608, "okr"] == pytest.approx(0.6 * 2 / 2 / 3)  # KR1 at 60, the rest not checked in
    assert hk.loc[202610, "okr"] == pytest.approx((2 * 0.65 + 0.4) / 3)
    assert hk.loc[202609, "kpi"] == pytest.approx((0.95 + 0.5 + 78 / 80 + 1.0) / 4)
    both = q.combine_groups(grid).set_index("month")
    assert both.loc[202610, "okr"] == pytest.approx((2 * 0.65 + 0.2 + 0.4) / 4)
    assert both.loc[202610, "satisfaction"] == pytest.approx(76 / 80)
    whole = q.unit_month_measures(CITY, 202608, 202610, None).set_index("month")
    assert whole.loc[202610, "okr"] == pytest.approx(0.44)


def test_structure_targets_overall_and_per_unit(db):
    overall = q.structure(CITY, AS_OF, None).set_index("target_code")
    assert overall.loc["young_cadres", "value"] == pytest.approx(1 / 3)
    assert overall.loc["women", "value"] == pytest.approx(2 / 3)
    assert overall.loc["postgraduate", "value"] == pytest.approx(2 / 3)
    assert overall.loc["university_degree", ["numerator", "denominator"]].tolist() == [5, 5]
    assert overall.loc["political_theory", "met"] == False  # noqa: E712 - the chair has only so_cap
    assert overall.loc["non_local_heads", "value"] == pytest.approx(0.5)
    assert bool(overall.loc["non_local_heads", "met"]) is True
    per = q.structure(CITY, AS_OF, (2, 3, 4))
    bd = per[per["unit_id"] == 4].set_index("target_code")
    assert bd.loc["non_local_heads", "value"] == 0.0
    assert bd.loc["women", "value"] == 0.0


def test_kpi_table_of_a_unit_includes_imported_766(db):
    k = kpi_q.unit_kpis(CITY, 3, 202610, 202610, 202511).set_index("code")
    assert list(k.index) == ["766.TONG_SCORE", "TTHC.DUNGHAN", "TTHC.TREHAN"]
    assert k.loc["766.TONG_SCORE", "completion"] == pytest.approx(1.0)
    assert k.loc["TTHC.TREHAN", "completion"] == pytest.approx(0.5)  # "down": 10 ÷ 20
    assert k.loc["TTHC.DUNGHAN", "trend"] == [90.0, 95.0, 100.0]
    quarter = kpi_q.unit_kpis(CITY, 3, 202608, 202610, 202511).set_index("code")
    assert quarter.loc["TTHC.DUNGHAN", "completion_avg"] == pytest.approx(0.95)
    assert quarter.loc["TTHC.DUNGHAN", "month"] == 202610
    monthly = kpi_q.kpi_unit_month(CITY, 202610, 202610).set_index("unit_id")
    assert monthly.loc[3, "kpi_n"] == 3


def test_officials_of_a_unit_and_pseudonyms(db):
    plain = unit_q.officials(CITY, 3, 202610, 202610).set_index("code")
    assert plain.loc["CB0001", "full_name"] == "Nguyễn Thị Lan"
    assert plain.loc["CB0001", "avg_final"] == pytest.approx(76.0)
    assert plain.loc["CB0001", "last_grade"] == "good"
    assert plain.loc["CB0001", "satisfaction"] == pytest.approx(1.0)
    hidden = unit_q.officials(Scope("/", True), 3, 202610, 202610)
    assert "Nguyễn Thị Lan" not in set(hidden["full_name"])
    assert "CB0001" not in set(hidden["code"])
    assert pseudonym("CB0001") in set(hidden["full_name"])


def test_unit_warnings_open_first(db):
    w = unit_q.warnings(CITY, "/1/3/")
    assert w["id"].tolist() == [2, 3]  # open (acknowledged) before the false positive
    assert w["open"].tolist() == [True, False]
    assert q.warnings_by_severity(CITY).set_index("severity")["n"].to_dict() == {"high": 1, "medium": 1, "low": 0}


def test_unit_scope_refuses_paths_outside():
    assert unit_q.unit_scope(WARD, "/1/3/5/") == Scope("/1/3/5/", False)
    with pytest.raises(ValueError):
        unit_q.unit_scope(WARD, "/1/4/")


def test_dashboard_sql_never_reads_raw_ratings_and_binds_scope():
    # unit_path_by_code.sql belongs to sign-in (it resolves a scope, it does not read in one).
    files = [
        p
        for p in SQL.glob("*.sql")
        if p.name.split("_")[0] in ("overview", "unit", "kpi", "okr") and p.name != "unit_path_by_code.sql"
    ]
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\b(FROM|JOIN)\s+ratings\b", text, re.I), path.name
        if path.name != "okr_setting.sql":
            assert ":scope_path" in text, path.name
