"""The satisfaction page run by AppTest for each role: figures, drill state in the URL,
scope refusals, pseudonyms for presenters, the minimum count and the configured scale."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import insert, select
from streamlit.testing.v1 import AppTest

from tests import fixture_data
from thuocdo.domain.access import pseudonym
from thuocdo.store import schema as s
from thuocdo.store.db import set_setting
from thuocdo.store.rollups import refresh_ratings
from thuocdo.store.schema import access_log

ROOT = Path(__file__).resolve().parent.parent
PAGE = "pages/satisfaction.py"
EMAIL = {role: email for email, _n, role, _u in fixture_data.USERS}
NAMES = [name for _i, _c, name, _g, _u in fixture_data.OFFICIALS]


@pytest.fixture
def demo_db(sqlite_engine, sqlite_url, monkeypatch):
    fixture_data.build(sqlite_engine)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.delenv("THUOCDO_ENV", raising=False)
    monkeypatch.chdir(ROOT)
    return sqlite_engine


def run(role: str, params: dict | None = None, state: dict | None = None, at: AppTest | None = None) -> AppTest:
    if at is None:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.session_state["demo_user_email"] = EMAIL[role]
        for k, v in (state or {}).items():
            at.session_state[k] = v
        for k, v in (params or {}).items():
            at.query_params[k] = v
        at.switch_page(PAGE)
    return at.run()


def open_tab(at: AppTest, key: str, label: str) -> AppTest:
    """Switch the page's tabs (only the open tab runs) and rerun."""
    at.session_state[key] = label
    return at.run()


def body(at: AppTest) -> str:
    parts = [e.value for e in at.markdown] + [e.value for e in at.title] + [e.value for e in at.caption]
    parts += [str(e.value) for e in at.error] + [str(e.value) for e in at.warning] + [str(e.value) for e in at.info]
    parts += [str(e.value) for e in at.success]
    for df in at.dataframe:
        parts.append(df.value.to_csv())
    return "\n".join(map(str, parts))


def metrics(at: AppTest) -> dict:
    return {m.label: m.value for m in at.metric}


def table_with(at: AppTest, column: str):
    for df in at.dataframe:
        if column in df.value.columns:
            return df.value
    raise AssertionError(f"no table with column {column!r}")


def test_leader_sees_rates_counts_intervals_and_rankings(demo_db):
    at = run("leader", {"period": "2026-10"})
    assert not at.exception, at.exception
    m = metrics(at)
    assert m["Tỷ lệ hài lòng"] == "95,0 %"  # 76 of 80 (the 4 level-1 ratings are in Ba Đình)
    assert m["Số lượt đánh giá"] == "80"
    assert m["Tỷ lệ Không hài lòng"] == "5,0 %"
    text = body(at)
    assert "Khoảng tin cậy 95 %: 87,8 % – 98,0 %" in text
    units = table_with(at, "Đơn vị")
    first = units.iloc[0]
    assert (first["Hạng"], first["Đơn vị"], first["Tỷ lệ hài lòng"], first["Số lượt"]) == (
        "1",
        "Phường Hoàn Kiếm",
        "100,0 %",
        "40",
    )
    # 20 ratings < 30: shown, not ranked.
    bd = units[units["Đơn vị"] == "Phường Ba Đình"].iloc[0]
    assert (bd["Hạng"], bd["Tỷ lệ hài lòng"], bd["Không hài lòng"]) == ("—", "Không đủ dữ liệu", "20,0 %")
    assert bd["Khoảng tin cậy 95 %"] == "58,4 % – 91,9 %"
    assert "Đăng ký khai sinh" not in text  # only the open tab runs
    assert "Đăng ký khai sinh" in body(open_tab(at, "sat_tabs_all", "Dịch vụ, thủ tục"))
    channels = table_with(open_tab(at, "sat_tabs_all", "Kênh đánh giá"), "Kênh")
    assert channels.iloc[0].to_dict() == {
        "Hạng": "1",
        "Kênh": "Ki-ốt",
        "Tỷ lệ hài lòng": "95,0 %",
        "Khoảng tin cậy 95 %": "87,8 % – 98,0 %",
        "Số lượt": "80",
        "Không hài lòng": "5,0 %",
    }
    assert "Ngày đông nhất" in body(open_tab(at, "sat_tabs_all", "Giờ và ngày"))
    assert "Không có tín hiệu bất thường" in body(open_tab(at, "sat_tabs_all", "Chất lượng dữ liệu"))
    at = open_tab(at, "sat_tabs_all", "Xu hướng")
    assert not at.exception
    text = body(at)
    assert "Tháng ít lượt đánh giá có khoảng tin cậy rộng" in text  # trend with its band
    assert "Ô màu xám: dưới 30 lượt đánh giá" in text  # heatmap units x months


def test_minimum_count_setting_changes_the_ranking(demo_db):
    with demo_db.begin() as conn:
        set_setting(conn, "satisfaction_min_n", 10)
    at = run("leader", {"period": "2026-10"})
    units = table_with(at, "Đơn vị")
    assert "—" not in units["Hạng"].tolist()
    assert "Xếp hạng khi có từ 10 lượt trở lên" in body(at)


def test_configured_five_level_scale_labels(demo_db):
    with demo_db.begin() as conn:
        set_setting(conn, "satisfaction_scale", {"levels": 5, "labels": {"5": "Rất hài lòng", "2": "Chưa hài lòng"}})
        for i, sc in enumerate([5, 4, 2, 1, 5]):
            conn.execute(
                insert(s.ratings).values(
                    id=50_000 + i,
                    rated_at=dt.datetime(2026, 10, 6, 10, i),
                    month=202610,
                    unit_id=4,
                    channel="sms",
                    score=sc,
                    scale=5,
                    row_hash=50_000 + i,
                )
            )
        refresh_ratings(conn, unit_ids=[4], months=[202610])
    at = run("leader", {"period": "2026-10"}, state={"sat_tabs_all": "Mức đánh giá"})
    assert not at.exception
    text = body(at)
    assert "Thang đánh giá đang dùng: 5 mức" in text
    assert "Thang 4 mức: 80 lượt" in text and "Thang 5 mức: 5 lượt" in text
    # 76 + 3 satisfied of 85.
    assert metrics(at)["Số lượt đánh giá"] == "85"


def test_drill_unit_then_official_then_ratings_in_the_url(demo_db):
    at = run("leader", {"period": "2026-10"})
    at.session_state["sat_units_all"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at = run("leader", at=at)
    assert not at.exception, at.exception
    assert at.query_params["unit"] == ["HN.P.HOANKIEM"] or at.query_params["unit"] == "HN.P.HOANKIEM"
    assert "Sự hài lòng — Phường Hoàn Kiếm" in [t.value for t in at.title]
    officials = table_with(at, "Cán bộ")
    assert set(officials["Cán bộ"]) == {"Nguyễn Thị Lan", "Trần Văn Hùng", "Vũ Quang Huy"}

    at = run(
        "leader",
        {"period": "2026-10", "unit": "HN.P.HOANKIEM", "official": "CB0001", "month": "2026-09"},
        state={"official_purposes": {1: "inspection"}},
    )
    assert not at.exception, at.exception
    assert "Đánh giá của người dân về cán bộ Nguyễn Thị Lan" in [t.value for t in at.title]
    ratings = table_with(at, "Thời điểm")
    assert len(ratings) == 20
    assert ratings["Thời điểm"].iloc[0].endswith("/09/2026")
    assert "20 lượt đánh giá · trang 1/1" in body(at)


def test_official_drill_asks_for_a_purpose_first(demo_db):
    at = run("leader", {"period": "2026-10", "unit": "HN.P.HOANKIEM", "official": "CB0001"})
    assert not at.exception
    assert not [df for df in at.dataframe if "Thời điểm" in df.value.columns]  # no rows before a purpose
    assert len(at.radio) == 1


def test_unit_head_only_their_subtree_and_refusals_are_logged(demo_db):
    at = run("unit_head", {"period": "2026-10"})
    assert not at.exception
    units = table_with(at, "Đơn vị")
    assert set(units["Đơn vị"]) == {"Phường Hoàn Kiếm", "Bộ phận Một cửa phường Hoàn Kiếm"}
    assert metrics(at)["Số lượt đánh giá"] == "60"

    at = run("unit_head", {"period": "2026-10", "unit": "HN.P.BADINH"})
    assert "Không có quyền xem nội dung này" in body(at)
    assert len(at.metric) == 0
    at = run("unit_head", {"period": "2026-10", "unit": "HN.P.HOANKIEM", "official": "CB0003"})
    assert "Không có quyền xem nội dung này" in body(at)
    assert not at.dataframe
    with demo_db.connect() as conn:
        rows = conn.execute(select(access_log.c.action, access_log.c.target_type, access_log.c.target)).fetchall()
    got = {(r.action, r.target_type, r.target) for r in rows}
    assert ("refused", "unit", "HN.P.BADINH") in got
    assert ("refused", "official", "CB0003") in got


def test_unknown_unit_is_refused_for_a_leader_too(demo_db):
    at = run("leader", {"unit": "KHONG.TON.TAI"})
    assert "Không có quyền xem nội dung này" in body(at)


def test_presenter_sees_pseudonyms_never_names(demo_db):
    at = run("presenter", {"period": "2026-10", "unit": "HN.P.HOANKIEM"})
    assert not at.exception
    text = body(at)
    for name in NAMES:
        assert name not in text
    officials = table_with(at, "Cán bộ")
    assert set(officials["Cán bộ"]) == {pseudonym("CB0001"), pseudonym("CB0002"), pseudonym("CB0005")}
    assert "bí danh" in text
    # The pseudonym is the presenter's handle in the URL; the real code is refused.
    token = pseudonym("CB0001")
    at = run(
        "presenter",
        {"period": "2026-10", "unit": "HN.P.HOANKIEM", "official": token},
        state={"official_purposes": {1: "periodic_review"}},
    )
    assert not at.exception, at.exception
    text = body(at)
    assert token in text and "Nguyễn Thị Lan" not in text
    assert len(table_with(at, "Thời điểm")) == 20
    at = run("presenter", {"period": "2026-10", "unit": "HN.P.HOANKIEM", "official": "CB0001"})
    assert "Không có quyền xem nội dung này" in body(at)


def test_raw_ratings_paginate_through_the_url(demo_db):
    with demo_db.begin() as conn:
        for i in range(70):
            conn.execute(
                insert(s.ratings).values(
                    id=60_000 + i,
                    rated_at=dt.datetime(2026, 10, 7, 8, 0) + dt.timedelta(minutes=i),
                    month=202610,
                    unit_id=4,
                    official_id=3,
                    channel="tablet",
                    device_id="T-4",
                    score=4,
                    scale=4,
                    row_hash=60_000 + i,
                )
            )
        refresh_ratings(conn, unit_ids=[4], months=[202610])
    params = {"period": "2026-10", "unit": "HN.P.BADINH", "month": "2026-10"}
    at = run("leader", params, state={"sat_tabs_HN.P.BADINH": "Các lượt đánh giá"})
    assert not at.exception, at.exception
    assert "90 lượt đánh giá · trang 1/2" in body(at)
    assert len(table_with(at, "Thời điểm")) == 50
    at.button(key="raw_next").click()
    at = run("leader", at=at)
    assert not at.exception, at.exception
    assert "90 lượt đánh giá · trang 2/2" in body(at)
    assert len(table_with(at, "Thời điểm")) == 40


def test_signals_are_shown_beside_the_figures(demo_db):
    with demo_db.begin() as conn:
        for i in range(320):  # one tablet, one Sunday evening, all top level
            conn.execute(
                insert(s.ratings).values(
                    id=70_000 + i,
                    rated_at=dt.datetime(2026, 10, 11, 19, 0) + dt.timedelta(seconds=20 * i),
                    month=202610,
                    unit_id=4,
                    channel="tablet",
                    device_id="T-9",
                    score=4,
                    scale=4,
                    row_hash=70_000 + i,
                )
            )
        refresh_ratings(conn, unit_ids=[4], months=[202610])
    at = run("leader", {"period": "2026-10"})
    assert not at.exception
    assert metrics(at)["Tín hiệu chất lượng dữ liệu"] == "2"
    units = table_with(at, "Đơn vị")
    bd = units[units["Đơn vị"] == "Phường Ba Đình"].iloc[0]
    assert "Dồn từ một thiết bị" in bd["Tín hiệu dữ liệu"] and "Ngoài giờ hành chính" in bd["Tín hiệu dữ liệu"]
    assert "Có 2 tín hiệu chất lượng dữ liệu" in body(at)
    assert "một thiết bị ghi 320 lượt trong một ngày" in body(open_tab(at, "sat_tabs_all", "Chất lượng dữ liệu"))


def test_english(demo_db):
    at = run("leader", {"period": "2026-10"}, state={"lang": "en"})
    assert not at.exception
    assert "Citizen satisfaction" in [t.value for t in at.title]
    assert metrics(at)["Satisfaction rate"] == "95.0%"
