"""The presentation page under AppTest: slides, keyboard buttons, snapshots, changes, privacy."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import insert, select
from streamlit.testing.v1 import AppTest

from tests import fixture_data
from tests.test_reports import add_present_rows
from thuocdo.domain.access import CITY, pseudonym
from thuocdo.domain.periods import Period
from thuocdo.reports.snapshots import create_snapshot
from thuocdo.store import schema as s

ROOT = Path(__file__).resolve().parent.parent
EMAIL = {role: email for email, _n, role, _u in fixture_data.USERS}


@pytest.fixture
def present_app(sqlite_engine, sqlite_url, monkeypatch):
    fixture_data.build(sqlite_engine)
    add_present_rows(sqlite_engine)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.delenv("THUOCDO_ENV", raising=False)
    monkeypatch.chdir(ROOT)
    return sqlite_engine


def open_present(role: str, params: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.session_state["demo_user_email"] = EMAIL[role]
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.switch_page("pages/present.py")
    return at.run()


def captions(at: AppTest) -> str:
    return "\n".join(str(c.value) for c in at.caption)


def button(at: AppTest, key: str):
    return next(b for b in at.button if b.key == key)


def test_slides_and_prev_next(present_app):
    at = open_present("presenter", {"period": "2026-10"})
    assert not at.exception, at.exception
    assert [h.value for h in at.header] == ["Thước Đo — Báo cáo Tháng 10/2026"]
    assert "Trang 1/9" in captions(at)
    assert "SHA-256" in captions(at) and "Số liệu trực tiếp kỳ Tháng 10/2026" in captions(at)
    at = button(at, "present_next").click().run()
    assert [h.value for h in at.header] == ["Tổng quan"]
    assert at.query_params["slide"] in ("2", ["2"])
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Điểm bình quân"] == "84,0"
    assert metrics["Cảnh báo đang mở"] == "2"
    at = button(at, "present_next").click().run()
    assert [h.value for h in at.header] == ["Xếp hạng đơn vị"]
    at = button(at, "present_prev").click().run()
    at = button(at, "present_prev").click().run()
    at = button(at, "present_prev").click().run()  # wraps to the last unit slide
    assert [h.value for h in at.header] == ["Phường Hoàn Kiếm"]
    assert "Trang 9/9" in captions(at)


def test_topics_and_units_choose_the_slides(present_app):
    at = open_present("leader", {"period": "2026-10"})
    at.multiselect(key="present_topics").set_value(["ranking", "units"]).run()
    units_key = next(m.key for m in at.multiselect if m.key.startswith("present_units_"))
    at.multiselect(key=units_key).set_value(["HN.P.BADINH"]).run()
    assert not at.exception
    assert "Trang 1/3" in captions(at)
    at.query_params["slide"] = "3"
    at.run()
    assert [h.value for h in at.header] == ["Phường Ba Đình"]


def test_freeze_a_snapshot_and_read_it_back(present_app):
    at = open_present("presenter", {"period": "2026-10"})
    at.text_input(key="present_snapshot_title").set_value("Sơ kết tháng 10").run()
    at = button(at, "present_freeze").click().run()
    assert not at.exception, at.exception
    with present_app.connect() as conn:
        row = conn.execute(select(s.snapshots)).one()
        log = conn.execute(select(s.access_log.c.action, s.access_log.c.target)).all()
    assert row.title == "Sơ kết tháng 10" and row.created_by == EMAIL["presenter"]
    assert row.filters["pseudonymise"] is True and row.period == "2026-10"
    assert ("snapshot", str(row.id)) in [(r.action, r.target) for r in log]
    at = open_present("presenter", {"snapshot": str(row.id)})
    assert not at.exception
    assert f"Số liệu đã chốt: ảnh chụp #{row.id}" in captions(at)
    assert row.content_hash in captions(at)


def test_unknown_snapshot_is_refused_and_logged(present_app):
    at = open_present("leader", {"snapshot": "999"})
    assert any("không" in str(e.value).lower() for e in at.error)
    assert len(at.header) == 0
    with present_app.connect() as conn:
        rows = conn.execute(select(s.access_log.c.action, s.access_log.c.target_type, s.access_log.c.target)).all()
    assert ("refused", "snapshot", "999") in [tuple(r) for r in rows]


@pytest.mark.parametrize("role,shows_name", [("presenter", False), ("leader", True)])
def test_what_changed_pseudonymises_for_presenters(present_app, role, shows_name):
    create_snapshot(present_app, CITY, Period.month(202610), actor="lanhdao@thuocdo.demo")
    now = dt.datetime(2026, 11, 1)
    with present_app.begin() as conn:
        conn.execute(
            insert(s.warnings).values(
                id=20,
                rule_code="inflated_self_assessment",
                subject_type="official",
                subject_id=3,
                unit_id=4,
                month=202610,
                severity="high",
                reason_key="x",
                reason_params={},
                evidence={},
                evidence_hash="h20",
                status="new",
                created_at=now,
                updated_at=now,
            )
        )
    at = open_present(role, {"period": "2026-10"})
    assert not at.exception
    table = at.dataframe[0].value
    text = " ".join(str(v) for v in table.to_numpy().ravel())
    assert ("Lê Minh Đức" in text) is shows_name
    assert (pseudonym("CB0003") in text) is (not shows_name)
    assert {m.label: m.value for m in at.metric}["Cảnh báo mới"] == "1"


def test_tv_mode_runs_and_unit_head_is_refused(present_app):
    at = open_present("presenter", {"period": "2026-10"})
    at.toggle(key="present_tv").set_value(True).run()
    assert not at.exception
    assert "Trang 1/9" in captions(at)
    assert [h.value for h in at.header] == ["Thước Đo — Báo cáo Tháng 10/2026"]
    refused = open_present("unit_head", {"period": "2026-10"})
    assert "Vai trò của bạn không được mở trang này" in "\n".join(str(e.value) for e in refused.error)


def test_english_deck_text(present_app):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.session_state["demo_user_email"] = EMAIL["leader"]
    at.session_state["lang"] = "en"
    at.query_params["period"] = "2026-10"
    at.switch_page("pages/present.py")
    at.run()
    assert not at.exception
    assert [h.value for h in at.header] == ["Thước Đo — Report, Oct 2026"]
    assert "Slide 1/9" in captions(at)


def test_an_edited_snapshot_is_flagged(present_app):
    snap = create_snapshot(present_app, CITY, Period.month(202610), actor="lanhdao@thuocdo.demo")
    at = open_present("leader", {"snapshot": str(snap["id"])})
    assert not at.error
    payload = dict(snap["payload"])
    payload["overview"] = {**payload["overview"], "avg_final": 99.0}
    with present_app.begin() as conn:
        conn.execute(s.snapshots.update().where(s.snapshots.c.id == snap["id"]).values(payload=payload))
    st.cache_data.clear()  # a frozen snapshot is cached for an hour; the next server start re-checks it
    at = open_present("leader", {"snapshot": str(snap["id"])})
    assert any("không còn khớp với mã băm" in str(e.value) for e in at.error)
