"""The unit page in AppTest, for every role, on the dashboard fixture."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.dash_apptest import frame, metrics, open_page, prepare, texts
from thuocdo.domain.access import ROLES, pseudonym
from thuocdo.store.schema import access_log


@pytest.fixture
def dash_db(sqlite_engine, sqlite_url, monkeypatch):
    return prepare(sqlite_engine, sqlite_url, monkeypatch)


PAGE = "pages/unit.py"
WARD = {"unit": "HN.P.HOANKIEM", "period": "2026-10"}


def refused(db, target: str) -> bool:
    with db.connect() as conn:
        rows = conn.execute(select(access_log.c.action, access_log.c.target_type, access_log.c.target)).fetchall()
    return ("refused", "unit", target) in [tuple(r) for r in rows]


@pytest.mark.parametrize("role", ROLES)
def test_every_role_opens_a_unit_in_scope(dash_db, role):
    at = open_page(PAGE, role, WARD)
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Phường Hoàn Kiếm"]
    m = metrics(at)
    assert m["Tiến độ OKR"] == "56,7 %"
    assert "Có nguy cơ chậm" in texts(at) and "nhịp 0,68" in texts(at)
    assert m["Hoàn thành KPI"] == "87,5 %"
    kpis = frame(at, has=("code", "completion_avg", "trend"))
    assert "766.TONG_SCORE" in set(kpis["code"])  # the imported index, like any KPI
    body = texts(at)
    people = frame(at, has=("name", "avg_final", "last_grade"))
    if role == "presenter":
        assert "Nguyễn Thị Lan" not in set(people["name"])
        assert pseudonym("CB0001") in set(people["name"])
        assert "Đang mở: 1 cảnh báo." in body  # a count, not the case files
    else:
        assert "Nguyễn Thị Lan" in set(people["name"])
        warns = frame(at, has=("id", "severity", "rule"))
        assert warns["id"].tolist() == [2, 3]


def test_objectives_with_weighted_key_results(dash_db):
    at = open_page(PAGE, "leader", WARD)
    krs = frame(at, has=("title", "weight", "baseline"))
    assert krs["title"].tolist() == ["Tỷ lệ hồ sơ trực tuyến toàn trình", "Số ngày giải quyết bình quân"]
    assert krs["progress"].tolist() == pytest.approx([0.8, 0.5])
    assert krs["direction"].tolist() == ["Càng cao càng tốt", "Càng thấp càng tốt"]
    assert [p.value for p in at.get("progress")] == [65]
    assert "Đúng tiến độ khi nhịp ≥ 0,70" in texts(at)


def test_a_picked_objective_shows_its_check_ins(dash_db):
    at = open_page(PAGE, "leader", {**WARD, "objective": "OKR26.HK.1"})
    assert not at.exception
    assert any(b.key == "unit_all_obj" for b in at.button)
    assert len(at.get("vega_lite_chart")) >= 3  # objectives, check-ins, trends
    at.button(key="unit_all_obj").click().run()
    assert "objective" not in at.query_params
    assert at.query_params["unit"] == "HN.P.HOANKIEM"


def test_sub_unit_row_drills_down(dash_db):
    at = open_page(PAGE, "unit_head", WARD)
    sub = frame(at, "unit_sub")
    assert sub["code"].tolist() == ["HN.P.HOANKIEM.MC"]
    at.session_state["unit_sub"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Bộ phận Một cửa phường Hoàn Kiếm"]
    assert at.query_params["unit"] == "HN.P.HOANKIEM.MC"


def test_unit_head_is_refused_a_unit_outside_the_subtree(dash_db):
    at = open_page(PAGE, "unit_head", {"unit": "HN.P.BADINH", "period": "2026-10"})
    assert not at.exception
    assert len(at.metric) == 0
    assert "Phường Ba Đình" not in texts(at)
    assert refused(dash_db, "HN.P.BADINH")


def test_unknown_unit_is_refused(dash_db):
    at = open_page(PAGE, "leader", {"unit": "KHONG.CO", "period": "2026-10"})
    assert len(at.metric) == 0
    assert refused(dash_db, "KHONG.CO")


def test_no_unit_in_the_url_offers_a_choice(dash_db):
    at = open_page(PAGE, "unit_head", {"period": "2026-10"})
    assert not at.exception
    box = at.selectbox(key="unit_choose")
    assert box.options == ["Phường Hoàn Kiếm (HN.P.HOANKIEM)", "Bộ phận Một cửa phường Hoàn Kiếm (HN.P.HOANKIEM.MC)"]
    box.select("HN.P.HOANKIEM.MC").run()
    assert [t.value for t in at.title] == ["Bộ phận Một cửa phường Hoàn Kiếm"]


def test_quarter_and_comparison_with_a_year_before(dash_db):
    at = open_page(PAGE, "leader", {"unit": "HN.P.BADINH", "period": "2026-Q3", "compare": "year"})
    assert not at.exception
    assert "so với Quý 3/2025" in texts(at)
    kpis = frame(at, has=("code", "completion_avg", "trend")).set_index("code")
    assert kpis.loc["TTHC.DUNGHAN", "completion_avg"] == pytest.approx(0.6)


def test_a_numeric_unit_id_is_accepted_within_scope(dash_db):
    at = open_page(PAGE, "unit_head", {"unit": "5", "period": "2026-10"})
    assert [t.value for t in at.title] == ["Bộ phận Một cửa phường Hoàn Kiếm"]
    assert at.query_params["unit"] == "HN.P.HOANKIEM.MC"
    at = open_page(PAGE, "unit_head", {"unit": "4", "period": "2026-10"})  # Ba Đình: outside
    assert len(at.metric) == 0
    assert refused(dash_db, "4")
