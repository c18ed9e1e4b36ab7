"""The official page with AppTest: purpose gate and logging, refusals by URL, pseudonyms, roles."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from tests import fixture_data
from tests.test_queries_officials import add_extras
from thuocdo.domain.access import PAGE_ROLES, ROLES, pseudonym
from thuocdo.store.schema import access_log

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


def open_official(role: str, ref: str | None, period: str = "2026-10") -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["demo_user_email"] = EMAIL[role]
    at.query_params["period"] = period
    if ref is not None:
        at.query_params["official"] = ref
    at.switch_page("pages/official.py")
    return at.run()


def give_purpose(at: AppTest, code: str = "periodic_review", note: str = "") -> AppTest:
    at.radio(key="official_purpose_choice").set_value(code)
    at.text_input(key="official_purpose_note").set_value(note)
    submit = [b for b in at.button if b.label.startswith("Xác nhận")]
    submit[0].click()
    return at.run()


def text(at: AppTest) -> str:
    parts = [e.value for e in at.markdown] + [e.value for e in at.title] + [e.value for e in at.subheader]
    parts += [str(e.value) for e in at.error] + [str(e.value) for e in at.warning] + [str(e.value) for e in at.info]
    parts += [str(e.value) for e in at.caption] + [m.label + " " + str(m.value) for m in at.metric]
    return "\n".join(map(str, parts))


def log_rows(engine):
    with engine.connect() as conn:
        return conn.execute(
            select(access_log.c.actor, access_log.c.action, access_log.c.target, access_log.c.purpose).order_by(
                access_log.c.id
            )
        ).fetchall()


def test_purpose_is_asked_before_anything_is_shown(demo_db):
    at = open_official("leader", "2")
    assert not at.exception, at.exception
    body = text(at)
    assert "Mục đích xem hồ sơ" in body
    assert len(at.metric) == 0 and len(at.dataframe) == 0  # nothing about the person yet
    assert [r for r in log_rows(demo_db) if r.action == "view_official"] == []


def test_purpose_recorded_once_per_session(demo_db):
    at = open_official("leader", "2")
    at = give_purpose(at, "inspection", "kiểm tra theo kế hoạch")
    assert not at.exception, at.exception
    body = text(at)
    assert "Trần Văn Hùng" in [t.value for t in at.title]
    assert "Kiểm tra, giám sát — kiểm tra theo kế hoạch" in body
    assert "Điểm đánh giá hằng tháng" in body
    views = [r for r in log_rows(demo_db) if r.action == "view_official"]
    assert [(r.actor, r.target, r.purpose) for r in views] == [
        ("lanhdao@thuocdo.demo", "CB0002", "inspection: kiểm tra theo kế hoạch")
    ]
    at.run()  # a rerun in the same session does not ask again nor log again
    assert "Mục đích xem hồ sơ" not in text(at)
    assert len([r for r in log_rows(demo_db) if r.action == "view_official"]) == 1


def test_profile_shows_scores_ratings_warnings_and_peers(demo_db):
    at = give_purpose(open_official("leader", "2"))
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Điểm Tháng 10/2026"] == "80,0"  # fixture: 70 + 2·4 + 2
    assert metrics["Xếp loại năm 2025"] == "Loại B"  # 2025 graded under 3814
    assert metrics["Được giao"] == "10" and metrics["Đúng hạn"] == "9"
    tables = [d.value for d in at.dataframe]
    rate_tables = [df for df in tables if "Tỷ lệ hài lòng" in df.columns]
    ratings = rate_tables[0]
    assert ratings.iloc[0]["Số đánh giá"] == "20"
    assert ratings.iloc[0]["Tỷ lệ hài lòng"] == "Chưa đủ dữ liệu"  # 20 < 30 ratings in one month
    assert ratings.iloc[1]["Số đánh giá"] == "40"  # the ward: two officials × 20
    warns = next(df for df in tables if "Loại cảnh báo" in df.columns)
    assert warns.iloc[0]["Loại cảnh báo"] == "Kết quả giảm sút"
    # Peers in the period (October): official 2 (80) vs official 1 (76) and official 3 (84).
    assert "cao hơn 1 trên 2 người" in text(at)
    peer_rates = rate_tables[1]
    assert peer_rates["Số đánh giá"].tolist() == ["20", "40"]  # own 20; peers 2 × 20
    assert peer_rates.iloc[1]["Đối tượng"] == "Cán bộ cùng vị trí (2 người)"
    # Peers: 16 of 20 at level 4 each; official 1's other 4 are level 3 (satisfied), official
    # 3's are level 1 → (20 + 16) / 40 = 90 %.
    assert peer_rates.iloc[1]["Tỷ lệ hài lòng"] == "90,0 %"


def test_large_peer_group_is_computed_on_request(demo_db, monkeypatch):
    import queries.officials

    monkeypatch.setattr(queries.officials, "PEER_AUTO_ROWS", 1)
    at = give_purpose(open_official("leader", "2"))
    assert "cao hơn" not in text(at)
    at.button(key="official_peers_compute").click()
    at.run()
    assert not at.exception, at.exception
    assert "cao hơn 1 trên 2 người" in text(at)


def test_unit_head_refused_outside_subtree_and_logged(demo_db):
    at = open_official("unit_head", "3")  # Ba Đình: not in the Hoàn Kiếm subtree
    assert not at.exception
    body = text(at)
    assert "Không có quyền xem hồ sơ cán bộ này" in body
    assert "Lê Minh Đức" not in body and "Mục đích xem hồ sơ" not in body
    refused = [r for r in log_rows(demo_db) if r.action == "refused"]
    assert [(r.actor, r.target) for r in refused] == [("truongdonvi@thuocdo.demo", "CB0003")]


def test_unit_head_opens_own_subtree(demo_db):
    at = give_purpose(open_official("unit_head", "CB0005"))  # the ward's one-stop desk, by code
    assert not at.exception, at.exception
    assert "Vũ Quang Huy" in [t.value for t in at.title]


def test_unknown_official_refused(demo_db):
    at = open_official("leader", "999999")
    assert "Không có quyền xem hồ sơ cán bộ này" in text(at)
    assert [(r.action, r.target) for r in log_rows(demo_db)] == [("refused", "999999")]


def test_presenter_sees_a_pseudonym_only(demo_db):
    at = give_purpose(open_official("presenter", "1"))
    assert not at.exception, at.exception
    body = text(at)
    assert pseudonym("CB0001") in [t.value for t in at.title]
    assert "Nguyễn Thị Lan" not in body and "CB0001" not in body
    # The log still names the real official so the admin can answer "who looked at me".
    assert [(r.action, r.target) for r in log_rows(demo_db)] == [("view_official", "CB0001")]


def test_other_purpose_needs_a_note(demo_db):
    at = give_purpose(open_official("inspector", "2"), "other", "")
    assert "ghi rõ mục đích" in text(at)
    assert log_rows(demo_db) == []
    at = give_purpose(at, "other", "xác minh đơn tố cáo")
    assert "Trần Văn Hùng" in [t.value for t in at.title]


@pytest.mark.parametrize("role", ROLES)
def test_each_role(demo_db, role):
    assert role in PAGE_ROLES["official"]  # every role may open the page, within its scope
    at = open_official(role, "1")
    assert not at.exception, at.exception
    assert "Mục đích xem hồ sơ" in text(at)
    at = give_purpose(at)
    assert not at.exception, at.exception
    assert "Điểm đánh giá hằng tháng" in text(at)


def test_without_parameter_a_chooser_lists_officials_in_scope(demo_db):
    at = open_official("unit_head", None)
    assert not at.exception, at.exception
    units = at.selectbox(key="official_choose_unit").options
    assert len(units) == 2  # the ward and its desk only
    names = at.dataframe[0].value["Họ và tên"].tolist()
    assert set(names) == {"Nguyễn Thị Lan", "Trần Văn Hùng"}
    at.session_state["official_choose_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception, at.exception
    assert "Mục đích xem hồ sơ" in text(at)  # drilled to the official: purpose first


def test_score_chart_spec_draws_policy_bands_and_three_series():
    import pandas as pd

    from components.official_charts import band_frame, score_chart
    from thuocdo.domain.grading import GRADES, HN3814

    labels = {g: f"L-{g}" for g in GRADES}
    months = pd.DataFrame(
        {
            "month": [202609, 202610],
            "final_score": [80.0, 91.0],
            "manager_score": [80.0, 90.0],
            "self_score": [85.0, None],
        }
    )
    bands = band_frame(HN3814, labels)
    assert bands[["grade", "lo", "hi"]].values.tolist() == [
        ["excellent", 90.0, 100.0],
        ["good", 70.0, 90.0],
        ["completed", 50.0, 70.0],
        ["not_completed", 0.0, 50.0],
    ]
    spec = score_chart(months, HN3814, labels, {"final": "F", "manager": "M", "self": "S"}).to_dict()
    datasets = list(spec["datasets"].values())
    lines = next(d for d in datasets if d and "series" in d[0])
    assert len(lines) == 5  # the missing self-score is left out, not drawn as 0
    assert {r["series"] for r in lines} == {"F", "M", "S"}
    assert lines[0]["month"] == "2026-09-01"


def test_distribution_and_peer_charts_spec():
    import pandas as pd

    from components.official_charts import grade_distribution_chart, peer_bins, peer_histogram
    from thuocdo.domain.grading import GRADES

    labels = {g: g.upper() for g in GRADES}
    df = pd.DataFrame({"unit_name": ["A", "A"], "grade": ["excellent", "good"], "count": [1, 4]})
    spec = grade_distribution_chart(df, labels, "share").to_dict()
    assert spec["encoding"]["x"]["stack"] == "normalize"
    assert spec["encoding"]["color"]["scale"]["domain"] == [labels[g] for g in GRADES]
    bins = peer_bins(pd.Series([40.0, 75.0, 79.9, 80.0, 84.0, 100.0, None]))
    # < 50 → bin 0; 75 and 79.9 → 75; 80 and 84 → 80; 100 → 95 (the top bin is closed).
    assert bins.values.tolist() == [[0, 1], [75, 2], [80, 2], [95, 1]]
    hist = peer_histogram(bins, 79.0, "n").to_dict()
    rule = next(d for d in hist["datasets"].values() if d and "mine" in d[0])
    assert rule == [{"mine": 79.0}]
    bars = next(d for d in hist["datasets"].values() if d and "bin" in d[0])
    assert [(r["bin_start"], r["bin_end"]) for r in bars] == [(0, 50), (75, 80), (80, 85), (95, 100)]


def test_peers_window_is_the_last_three_months_of_a_longer_period(demo_db):
    at = give_purpose(open_official("leader", "2", period="2026-01..2026-10"))
    assert not at.exception, at.exception
    assert "Tháng 08/2026 – Tháng 10/2026" in text(at)
    rate_tables = [d.value for d in at.dataframe if "Tỷ lệ hài lòng" in d.value.columns]
    assert rate_tables[0]["Số đánh giá"].tolist() == ["60", "120"]  # the whole period: Aug–Oct data
    assert rate_tables[1]["Số đánh giá"].tolist() == ["60", "120"]  # own 3 × 20; peers 2 × 3 × 20
    assert "cao hơn 1 trên 2 người" in text(at)  # means 79 vs 75 and 83
