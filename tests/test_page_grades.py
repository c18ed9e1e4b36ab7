"""The grades page with AppTest: distribution, quota check under each policy, officials, drill."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests import fixture_data
from tests.test_queries_officials import add_extras
from thuocdo.domain.access import ROLES, pseudonym
from thuocdo.store.db import set_setting

ROOT = Path(__file__).resolve().parent.parent
EMAIL = {role: email for email, _n, role, _u in fixture_data.USERS}


@pytest.fixture
def demo_db(sqlite_engine, sqlite_url, monkeypatch):
    fixture_data.build(sqlite_engine)
    add_extras(sqlite_engine)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.delenv("THUOCDO_ENV", raising=False)
    monkeypatch.chdir(ROOT)
    return sqlite_engine


def open_grades(role: str, **params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["demo_user_email"] = EMAIL[role]
    for k, v in params.items():
        at.query_params[k] = v
    at.switch_page("pages/grades.py")
    return at.run()


def text(at: AppTest) -> str:
    parts = [e.value for e in at.markdown] + [e.value for e in at.title] + [e.value for e in at.subheader]
    parts += [str(e.value) for e in at.error] + [str(e.value) for e in at.warning] + [str(e.value) for e in at.info]
    parts += [str(e.value) for e in at.success] + [str(e.value) for e in at.caption]
    return "\n".join(map(str, parts))


def quota_table(at: AppTest):
    return next(d.value for d in at.dataframe if "Xuất sắc tối đa" in d.value.columns)


def test_monthly_basis_counts_and_no_breach(demo_db):
    at = open_grades("leader", period="2026-10", basis="month")
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    # October 2026: scores 76, 80, 84, 88, 92 → one excellent (official 5), four good.
    assert metrics["Số lượt xếp loại"] == "5"
    assert metrics["Xuất sắc"] == "1" and metrics["Tốt"] == "4"
    # Decree 335 (2026): the desk has 1 excellent and 0 good → 20 % of 0 = 0 allowed.
    assert "1 trường hợp vượt tỷ lệ" in text(at)
    q = quota_table(at)
    assert q.iloc[0]["Đơn vị"] == "Bộ phận Một cửa phường Hoàn Kiếm" and q.iloc[0]["Vượt"] == 1


def test_annual_basis_under_3814(demo_db):
    at = open_grades("leader", period="2025", basis="year")
    assert not at.exception, at.exception
    body = text(at)
    assert "Quyết định 3814-QĐ/TU (Hà Nội)" in body
    # 2025 (3814, A ≤ 30 % of graded): Sở Nội vụ 1 A of 1 graded → 0 allowed;
    # Hoàn Kiếm (outstanding, 40 %) 1 A of 2 → 0 allowed. Two breaches in two units.
    assert "2 trường hợp vượt tỷ lệ xếp loại xuất sắc tại 2 đơn vị" in body
    q = quota_table(at)
    assert set(q["Đơn vị"]) == {"Sở Nội vụ", "Phường Hoàn Kiếm"}


def test_annual_basis_under_decree_335_by_task_group(demo_db):
    with demo_db.begin() as conn:
        set_setting(conn, "grading_policy", [{"policy": "nd335", "from": 202401, "to": None}])
    at = open_grades("leader", period="2025", basis="year")
    assert not at.exception, at.exception
    q = quota_table(at)
    ward = q[q["Đơn vị"] == "Phường Hoàn Kiếm"].iloc[0]
    assert ward["Nhóm nhiệm vụ"] == "tn" and ward["Xuất sắc tối đa"] == 0  # 20 % of 1 good
    assert "Nghị định 335/2025/NĐ-CP" in text(at)


def test_officials_table_and_drill_to_official(demo_db):
    at = open_grades("leader", period="2026-10", basis="month", unit="HN.P.HOANKIEM")
    people = next(d.value for d in at.dataframe if "Điểm bình quân" in d.value.columns)
    assert people["Họ và tên"].tolist() == ["Trần Văn Hùng", "Nguyễn Thị Lan"]  # 80 before 76
    assert people["Xếp loại theo điểm kỳ"].tolist() == ["Hoàn thành tốt nhiệm vụ"] * 2
    assert people["Xếp loại năm 2026"].tolist() == ["Chưa xếp loại"] * 2
    at.session_state["grades_officials"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception, at.exception
    assert "Mục đích xem hồ sơ" in text(at)


def test_quota_row_selection_lists_that_units_officials(demo_db):
    at = open_grades("leader", period="2026-10", basis="month")
    at.session_state["grades_quota"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception, at.exception
    assert at.query_params["unit"] == "HN.P.HOANKIEM.MC"
    people = next(d.value for d in at.dataframe if "Điểm bình quân" in d.value.columns)
    assert people["Họ và tên"].tolist() == ["Vũ Quang Huy"]


def test_unit_head_sees_only_their_subtree(demo_db):
    at = open_grades("unit_head", period="2026-10", basis="month")
    assert not at.exception, at.exception
    q = quota_table(at)
    assert set(q["Đơn vị"]) <= {"Phường Hoàn Kiếm", "Bộ phận Một cửa phường Hoàn Kiếm"}
    unit_box = next(b for b in at.selectbox if str(b.key).startswith("grades_unit_"))
    assert unit_box.options == ["Phường Hoàn Kiếm", "Bộ phận Một cửa phường Hoàn Kiếm"]


def test_presenter_sees_pseudonyms(demo_db):
    at = open_grades("presenter", period="2026-10", basis="month", unit="HN.P.HOANKIEM")
    assert not at.exception, at.exception
    people = next(d.value for d in at.dataframe if "Điểm bình quân" in d.value.columns)
    assert set(people["Họ và tên"]) == {pseudonym("CB0001"), pseudonym("CB0002")}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_the_page(demo_db, role):
    at = open_grades(role, period="2026-10")
    assert not at.exception, at.exception
    assert "Xếp loại theo đơn vị" in [t.value for t in at.title]


def test_year_without_annual_grades_says_so(demo_db):
    at = open_grades("leader", period="2024", basis="year")
    assert not at.exception
    assert "Chưa có xếp loại năm" in text(at)


def test_officials_csv_download_is_logged(demo_db):
    from sqlalchemy import select

    from thuocdo.store.schema import access_log

    at = open_grades("leader", period="2026-10", basis="month", unit="HN.P.HOANKIEM")
    csv = [b for b in at.get("download_button") if b.proto.id and "grades_officials_csv" in b.proto.id]
    assert csv, "the officials CSV button is there"
    from thuocdo.store.access_log import record_export

    # AppTest cannot press a download button; its on_click is the function called here.
    record_export(demo_db, EMAIL["leader"], "leader", "unit", "HN.P.HOANKIEM", "grades officials csv 2026-10")
    with demo_db.connect() as conn:
        rows = conn.execute(select(access_log.c.action, access_log.c.target)).fetchall()
    assert ("export", "HN.P.HOANKIEM") in [(r.action, r.target) for r in rows]
