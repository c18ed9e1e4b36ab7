"""Every page, run by AppTest as an anonymous visitor and as each demo role."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from components.nav import PAGES
from tests import fixture_data
from thuocdo.domain.access import PAGE_ROLES, ROLES
from thuocdo.store.schema import access_log

ROOT = Path(__file__).resolve().parent.parent
EXISTING = [(key, file) for key, file, _ in PAGES if (ROOT / file).exists()]
EMAIL = {role: email for email, _n, role, _u in fixture_data.USERS}


@pytest.fixture
def demo_db(sqlite_engine, sqlite_url, monkeypatch):
    fixture_data.build(sqlite_engine)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.delenv("THUOCDO_ENV", raising=False)
    monkeypatch.chdir(ROOT)
    return sqlite_engine


def run_page(file: str, role: str | None = None, params: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if role:
        at.session_state["demo_user_email"] = EMAIL[role]
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.switch_page(file) if file != PAGES[0][1] else None
    return at.run()


def texts(at: AppTest) -> str:
    parts = [e.value for e in at.markdown] + [e.value for e in at.title] + [e.value for e in at.subheader]
    parts += [str(e.value) for e in at.error] + [str(e.value) for e in at.warning] + [str(e.value) for e in at.info]
    parts += [str(e.value) for e in at.caption]
    return "\n".join(map(str, parts))


@pytest.mark.parametrize("key,file", EXISTING)
def test_anonymous_sees_only_the_sign_in(demo_db, key, file):
    at = run_page(file)
    assert not at.exception
    body = texts(at)
    assert "Chọn người dùng trình diễn" in body
    assert "Chế độ trình diễn" in body  # the demo banner is on every page
    assert len(at.metric) == 0  # no figures leak to an anonymous visitor


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key,file", EXISTING)
def test_each_role_opens_or_is_refused(demo_db, key, file, role):
    at = run_page(file, role)
    assert not at.exception, at.exception
    body = texts(at)
    assert "Chế độ trình diễn" in body
    if role in PAGE_ROLES[key]:
        assert "Vai trò của bạn không được mở trang này" not in body
    else:
        assert "Vai trò của bạn không được mở trang này" in body
        with demo_db.connect() as conn:
            rows = conn.execute(select(access_log.c.action, access_log.c.target)).fetchall()
        assert ("refused", key) in [(r.action, r.target) for r in rows]


def test_overview_shows_real_figures(demo_db):
    at = run_page("pages/overview.py", "leader", {"period": "2026-10"})
    assert not at.exception
    values = {m.label: m.value for m in at.metric}
    assert values["Đơn vị"] == "5"
    assert values["Cán bộ"] == "5"
    # 80 ratings in 2026-10: 16 of the 20 per unit are level 4, the rest 3 or 1.
    assert values["Tỷ lệ hài lòng"].endswith("%")


def test_unit_head_sees_only_their_subtree(demo_db):
    at = run_page("pages/overview.py", "unit_head", {"period": "2026-10"})
    values = {m.label: m.value for m in at.metric}
    assert values["Đơn vị"] == "2"  # the ward and its one-stop desk
    assert values["Cán bộ"] == "3"


def test_english_switch(demo_db):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["demo_user_email"] = EMAIL["leader"]
    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception
    assert "Overview" in [t.value for t in at.title]


def test_no_demo_marker_means_no_demo_sign_in(sqlite_engine, sqlite_url, monkeypatch):
    fixture_data.build(sqlite_engine, demo=False)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["demo_user_email"] = EMAIL["leader"]  # even a forged session key
    at.run()
    body = texts(at)
    assert "Chưa cấu hình đăng nhập" in body
    assert len(at.metric) == 0


def test_production_env_disables_demo(demo_db, monkeypatch):
    monkeypatch.setenv("THUOCDO_ENV", "production")
    at = run_page("pages/overview.py", "leader")
    assert "Chưa cấu hình đăng nhập" in texts(at)
    assert len(at.metric) == 0
