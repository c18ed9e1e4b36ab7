"""The overview page in AppTest, for every role, on the dashboard fixture."""

from __future__ import annotations

import pytest
from sqlalchemy import insert

from tests.dash_apptest import frame, metrics, open_page, prepare, texts
from thuocdo.domain.access import PAGE_ROLES, ROLES
from thuocdo.store import schema as s


@pytest.fixture
def dash_db(sqlite_engine, sqlite_url, monkeypatch):
    return prepare(sqlite_engine, sqlite_url, monkeypatch)


PAGE = "pages/overview.py"


@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_figures_of_its_scope(dash_db, role):
    at = open_page(PAGE, role, {"period": "2026-10"})
    assert not at.exception, at.exception
    assert "overview" in PAGE_ROLES and role in PAGE_ROLES["overview"]
    m = metrics(at)
    assert m["Đơn vị"] == ("2" if role == "unit_head" else "5")
    ranking = frame(at, "ov_rank_table")
    if role == "unit_head":
        assert ranking["code"].tolist() == ["HN.P.HOANKIEM.MC"]
    else:
        assert set(ranking["code"]) == {"HN.SNV", "HN.P.HOANKIEM", "HN.P.BADINH"}
    assert len(at.get("vega_lite_chart")) >= 5  # status, grades, warnings, ranking, heatmap, trends, structure
    body = texts(at)
    assert "Nguyễn Thị Lan" not in body  # no individual on the overview


def test_leader_headline_with_changes(dash_db):
    at = open_page(PAGE, "leader", {"period": "2026-10"})
    m = {x.label: (x.value, x.delta) for x in at.metric}
    assert m["Tiến độ OKR"] == ("44,0 %", "+26,5 điểm %")  # 0.44 vs 0.175 in September
    assert m["Hoàn thành KPI"] == ("90,0 %", "+1,1 điểm %")
    assert m["Tỷ lệ hài lòng"] == ("95,0 %", "0,0 điểm %")
    assert m["Điểm bình quân"] == ("84,0", "+1,0")
    assert m["Đơn vị đúng tiến độ"][0] == "1"
    assert m["Đơn vị có nguy cơ"][0] == "1"
    assert m["Đơn vị chậm tiến độ"][0] == "1"
    assert m["Cảnh báo đang mở"][0] == "2"
    assert "so với Tháng 09/2026" in texts(at)


def test_compare_with_the_same_period_a_year_before(dash_db):
    at = open_page(PAGE, "leader", {"period": "2026-10", "compare": "year"})
    assert not at.exception
    assert "so với Tháng 10/2025" in texts(at)
    m = {x.label: (x.value, x.delta) for x in at.metric}
    assert m["Tiến độ OKR"][1] == ""  # no OKR a year before: no change shown


def test_sort_in_the_url_orders_the_ranking(dash_db):
    at = open_page(PAGE, "leader", {"period": "2026-10", "sort": "kpi"})
    ranking = frame(at, "ov_rank_table")
    assert ranking["code"].tolist() == ["HN.SNV", "HN.P.HOANKIEM", "HN.P.BADINH"]  # 1.2, 0.875, 0.8
    assert ranking["rank"].tolist() == [1, 2, 3]
    at = open_page(PAGE, "leader", {"period": "2026-10"})
    assert frame(at, "ov_rank_table")["code"].tolist() == ["HN.P.HOANKIEM", "HN.SNV", "HN.P.BADINH"]


def test_sort_control_writes_the_url(dash_db):
    at = open_page(PAGE, "leader", {"period": "2026-10"})
    seg = [w for w in at.get("button_group") if w.key == "ov_sort"][0]
    seg.set_value("satisfaction").run()
    assert not at.exception
    assert at.query_params["sort"] == "satisfaction"


def test_status_filter_from_the_url(dash_db):
    at = open_page(PAGE, "leader", {"period": "2026-10", "status": "off_track"})
    assert not at.exception
    assert frame(at, "ov_rank_table")["code"].tolist() == ["HN.P.BADINH"]
    assert "Đang lọc theo: Chậm tiến độ" in texts(at)
    clear = [b for b in at.button if b.key == "ov_clear_status"][0]
    clear.click().run()
    assert "status" not in at.query_params
    assert len(frame(at, "ov_rank_table")) == 3


def test_ranking_row_drills_to_the_unit(dash_db):
    at = open_page(PAGE, "leader", {"period": "2026-10"})
    at.session_state["ov_rank_table"] = {"selection": {"rows": [2], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Phường Ba Đình"]
    assert at.query_params["unit"] == "HN.P.BADINH"
    assert at.query_params["period"] == "2026-10"


def test_org_narrows_the_view(dash_db):
    at = open_page(PAGE, "leader", {"period": "2026-10", "org": "HN.P.HOANKIEM"})
    assert not at.exception
    assert metrics(at)["Đơn vị"] == "2"
    assert frame(at, "ov_rank_table")["code"].tolist() == ["HN.P.HOANKIEM.MC"]


def test_quarter_period_and_english(dash_db):
    at = open_page(PAGE, "leader", {"period": "2026-Q3"}, lang="en")
    assert not at.exception
    assert "Overview" in [t.value for t in at.title]
    assert "KPI completion" in metrics(at)


def test_imported_766_only_unit_counts_in_kpi(dash_db):
    # A unit whose only KPI is the imported Decision 766 index is ranked like any other.
    with dash_db.begin() as conn:
        conn.execute(insert(s.kpi_values).values(unit_id=2, kpi_id=3, month=202610, target=80, actual=40))
    at = open_page(PAGE, "leader", {"period": "2026-10", "sort": "kpi"})
    ranking = frame(at, "ov_rank_table").set_index("code")
    assert ranking.loc["HN.SNV", "kpi"] == pytest.approx((1.2 + 0.5) / 2)


def test_custom_range_period(dash_db):
    at = open_page(PAGE, "leader", {"period": "2026-08..2026-10"})
    assert not at.exception
    m = {x.label: x.value for x in at.metric}
    assert m["Hoàn thành KPI"] == "88,9 %"  # mean of the 21 KPI values of the three months
    assert "so với 05/2026 – 07/2026" in texts(at)
