"""The early-warning page run by AppTest for each role: queue, case file with evidence,
actions and their history, read-only unit heads, refusals by URL, the admin's config."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select, update
from streamlit.testing.v1 import AppTest

from tests import fixture_data
from thuocdo.domain.warnings import full_scan
from thuocdo.store import schema as s
from thuocdo.store.rollups import refresh_all

ROOT = Path(__file__).resolve().parent.parent
PAGE = "pages/warnings.py"
EMAIL = {role: email for email, _n, role, _u in fixture_data.USERS}


@pytest.fixture
def demo_db(sqlite_engine, sqlite_url, monkeypatch):
    """The frame's fixture city plus three planted warnings, scanned."""
    fixture_data.build(sqlite_engine)
    with sqlite_engine.begin() as conn:
        ev = s.evaluations
        # Inflated self-scores: official 1 (ward Hoàn Kiếm, unit 3) and 3 (Ba Đình, unit 4).
        for oid in (1, 3):
            conn.execute(
                update(ev)
                .where(ev.c.official_id == oid, ev.c.month == 202610)
                .values(self_score=ev.c.manager_score + 20)
            )
        # Five years and ten months in post in the sensitive Sở Nội vụ (unit 2).
        conn.execute(update(s.officials).where(s.officials.c.id == 4).values(position_since=dt.date(2021, 1, 1)))
        refresh_all(conn)
    full_scan(sqlite_engine)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.delenv("THUOCDO_ENV", raising=False)
    monkeypatch.chdir(ROOT)
    return sqlite_engine


def warning_ids(engine) -> dict[tuple[str, int], int]:
    w = s.warnings
    with engine.connect() as conn:
        return {(r.rule_code, r.subject_id): r.id for r in conn.execute(select(w.c.id, w.c.rule_code, w.c.subject_id))}


def run(role: str, params: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["demo_user_email"] = EMAIL[role]
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.switch_page(PAGE)
    return at.run()


def body(at: AppTest) -> str:
    parts = [e.value for e in at.markdown] + [e.value for e in at.title] + [e.value for e in at.caption]
    parts += [str(e.value) for e in at.error] + [str(e.value) for e in at.warning] + [str(e.value) for e in at.info]
    parts += [str(e.value) for e in at.success] + [str(e.value) for e in at.subheader]
    for df in at.dataframe:
        parts.append(df.value.to_csv())
    return "\n".join(map(str, parts))


def queue(at: AppTest):
    for df in at.dataframe:
        if "Quy tắc" in df.value.columns and "Lý do" in df.value.columns:
            return df.value
    raise AssertionError("no queue table")


def test_scan_planted_the_fixture_warnings(demo_db):
    ids = warning_ids(demo_db)
    assert ("inflated_self_assessment", 1) in ids and ("inflated_self_assessment", 3) in ids
    assert ("rotation_due", 4) in ids


@pytest.mark.parametrize("role", ["leader", "inspector", "admin"])
def test_city_roles_see_the_whole_queue(demo_db, role):
    at = run(role)
    assert not at.exception, at.exception
    q = queue(at)
    assert set(q["Quy tắc"]) >= {"Tự đánh giá cao bất thường", "Đến hạn chuyển đổi vị trí"}
    assert {"Phường Hoàn Kiếm", "Phường Ba Đình", "Sở Nội vụ"} <= set(q["Đơn vị"])
    assert any("cao hơn điểm của cấp quản lý" in r for r in q["Lý do"])
    tabs = [t.label for t in at.tabs]
    assert ("Cấu hình quy tắc" in tabs) == (role == "admin")


def test_unit_head_sees_only_the_subtree_read_only(demo_db):
    at = run("unit_head")
    assert not at.exception, at.exception
    q = queue(at)
    assert set(q["Đơn vị"]) == {"Phường Hoàn Kiếm"}
    ids = warning_ids(demo_db)
    own = run("unit_head", {"warning": str(ids[("inflated_self_assessment", 1)])})
    assert not own.exception
    assert "chỉ được xem cảnh báo" in body(own)
    assert len(own.radio) == 0 and not [b for b in own.button if b.label == "Tiếp nhận"]


def test_a_warning_outside_the_scope_is_refused_and_logged(demo_db):
    ids = warning_ids(demo_db)
    target = ids[("inflated_self_assessment", 3)]
    at = run("unit_head", {"warning": str(target)})
    assert not at.exception
    assert "Nguyễn" not in body(at) and "Lê Minh Đức" not in body(at)
    assert at.error
    with demo_db.connect() as conn:
        rows = conn.execute(select(s.access_log.c.action, s.access_log.c.target_type, s.access_log.c.target)).all()
    assert ("refused", "warning", str(target)) in [tuple(r) for r in rows]
    bad = run("inspector", {"warning": "abc"})
    assert not bad.exception and bad.error


def test_case_file_shows_reason_evidence_chart_and_links(demo_db):
    ids = warning_ids(demo_db)
    at = run("inspector", {"warning": str(ids[("inflated_self_assessment", 1)])})
    assert not at.exception, at.exception
    text = body(at)
    assert "Tự đánh giá cao bất thường — Nguyễn Thị Lan" in [t.value for t in at.title]
    assert "Điểm tự đánh giá 96,0 cao hơn điểm của cấp quản lý (76,0) 20,0 điểm (ngưỡng 15,0 điểm)." in text
    assert "Chứng cứ" in text and "Lịch sử xử lý" in text
    assert len(at.get("vega_lite_chart")) == 1
    links = at.get("page_link")
    assert any("Phường Hoàn Kiếm" in str(getattr(x, "proto", x)) for x in links)
    assert any("Nguyễn Thị Lan" in str(getattr(x, "proto", x)) for x in links)


def test_actions_change_the_state_and_write_history(demo_db):
    ids = warning_ids(demo_db)
    wid = ids[("inflated_self_assessment", 1)]
    at = run("inspector", {"warning": str(wid)})
    at.radio[0].set_value("acknowledge")
    at.button(key=f"do_{wid}").click()
    at.run()
    assert not at.exception, at.exception
    assert "Đã ghi nhận: Tiếp nhận." in body(at)
    assert "Đã tiếp nhận" in body(at)  # the history and the status
    # A false positive needs a reason.
    at.radio[0].set_value("false_positive")
    at.run()
    at.button(key=f"do_{wid}").click()
    at.run()
    assert "Cần ghi rõ lý do" in body(at)
    at.text_area(key=f"note_{wid}").input("Cán bộ tự chấm theo mẫu cũ, đã hướng dẫn lại")
    at.button(key=f"do_{wid}").click()
    at.run()
    assert not at.exception
    with demo_db.connect() as conn:
        status = conn.execute(select(s.warnings.c.status).where(s.warnings.c.id == wid)).scalar_one()
        trail = conn.execute(
            select(s.warning_events.c.action, s.warning_events.c.actor, s.warning_events.c.note)
            .where(s.warning_events.c.warning_id == wid)
            .order_by(s.warning_events.c.id)
        ).all()
    assert status == "false_positive"
    assert [r.action for r in trail] == ["created", "acknowledge", "false_positive"]
    assert trail[-1].actor == EMAIL["inspector"] and trail[-1].note.startswith("Cán bộ tự chấm")


def test_assign_to_an_inspector(demo_db):
    ids = warning_ids(demo_db)
    wid = ids[("rotation_due", 4)]
    at = run("leader", {"warning": str(wid)})
    at.radio[0].set_value("assign")
    at.run()
    at.selectbox(key=f"who_{wid}").set_value(EMAIL["inspector"])
    at.button(key=f"do_{wid}").click()
    at.run()
    assert not at.exception, at.exception
    with demo_db.connect() as conn:
        assert (
            conn.execute(select(s.warnings.c.assignee).where(s.warnings.c.id == wid)).scalar_one() == EMAIL["inspector"]
        )


def test_admin_saves_a_new_configuration_version(demo_db):
    at = run("admin")
    assert not at.exception
    at.number_input(key="cfg_1_rotation_due_years").set_value(6.0)
    at.text_input(key="cfg_1_note").input("Theo hướng dẫn mới")
    at.button(key="cfg_save").click()
    at.run()
    assert not at.exception, at.exception
    assert "Đã lưu cấu hình phiên bản 2" in body(at)
    with demo_db.connect() as conn:
        rows = conn.execute(
            select(s.warning_configs.c.version, s.warning_configs.c.config, s.warning_configs.c.created_by)
        ).all()
    latest = max(rows, key=lambda r: r.version)
    assert latest.config["rules"]["rotation_due"]["years"] == 6.0 and latest.created_by == EMAIL["admin"]
    at.button(key="cfg_rescan").click()
    at.run()
    assert not at.exception
    assert "Đã quét xong" in body(at)
    with demo_db.connect() as conn:
        status = conn.execute(select(s.warnings.c.status).where(s.warnings.c.rule_code == "rotation_due")).scalar_one()
    assert status == "cleared"  # 5.8 years no longer reaches 6


def test_trend_tab_counts(demo_db):
    at = run("leader")
    assert not at.exception
    assert (
        "Cảnh báo theo tháng và quy tắc" in str([c.proto for c in at.get("vega_lite_chart")])
        or len(at.get("vega_lite_chart")) >= 1
    )
    assert "Theo đơn vị" in body(at)


def test_presenter_is_refused(demo_db):
    at = run("presenter")
    assert not at.exception
    assert "Vai trò của bạn không được mở trang này" in body(at)


def test_picking_a_row_opens_its_case_file(demo_db):
    at = run("inspector")
    first_id = int(queue(at).iloc[0]["id"])
    at.session_state["wq_table_0"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception, at.exception
    assert at.query_params["warning"] in ([str(first_id)], str(first_id))
    assert "Lịch sử xử lý" in body(at)
    # The way back is a link to the queue that keeps the other parameters.
    back = [x for x in at.get("page_link") if "Về hàng đợi" in str(x.proto)]
    assert back and "warning" not in str(back[0].proto.query_string if hasattr(back[0].proto, "query_string") else "")
    # The pick is not remembered: the queue, opened again, shows no case.
    again = run("inspector")
    assert not again.exception and queue(again) is not None


def test_queue_filters(demo_db):
    at = run("leader")
    at.multiselect(key="wq_rules").set_value(["rotation_due"])
    at.run()
    assert set(queue(at)["Quy tắc"]) == {"Đến hạn chuyển đổi vị trí"}
    at.multiselect(key="wq_rules").set_value([])
    at.selectbox(key="wq_owner").set_value("")
    at.multiselect(key="wq_sev").set_value(["high"])
    at.run()
    assert not at.exception
    assert "Không có cảnh báo nào phù hợp." in body(at) or set(queue(at)["Mức độ"]) == {"Cao"}


@pytest.fixture
def every_rule_db(sqlite_engine, sqlite_url, monkeypatch):
    """One warning of each of the ten rules, and the demo inspector and unit head."""
    from sqlalchemy import insert

    from tests.test_warnings_charts import plant_everything
    from thuocdo.store.db import set_meta

    plant_everything(sqlite_engine)
    with sqlite_engine.begin() as conn:
        conn.execute(
            insert(s.users).values(
                email=EMAIL["inspector"], name="Ủy ban Kiểm tra", role="inspector", is_demo=True, active=True
            )
        )
        set_meta(conn, "demo", "1")
    full_scan(sqlite_engine)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.delenv("THUOCDO_ENV", raising=False)
    monkeypatch.chdir(ROOT)
    return sqlite_engine


def test_every_rule_opens_as_a_case_file(every_rule_db):
    with every_rule_db.connect() as conn:
        first = dict(
            conn.execute(select(s.warnings.c.rule_code, s.warnings.c.id).order_by(s.warnings.c.id.desc())).all()
        )
    assert len(first) == 10
    for rule, wid in sorted(first.items()):
        at = run("inspector", {"warning": str(wid)})
        assert not at.exception, (rule, at.exception)
        assert "Chứng cứ" in body(at), rule
        assert len(at.get("vega_lite_chart")) == 1, rule
    # and both languages render the queue
    at = run("inspector", {"lang": "en"})
    assert not at.exception
