"""Another unit's data through a typed URL, and the demo door in production.

The unit head of HN.P.HOANKIEM (and its one-stop desk) types the address of every
templated page with something outside that subtree: each is refused with the Vietnamese
message, logged in access_log, and none of the other unit's names or figures appear.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests import fixture_dashboards, fixture_data
from tests.test_security_support import EMAIL, ROOT, all_text, open_app, through_frame
from thuocdo.store.schema import access_log

# Names that belong to units outside the unit head's subtree.
OUTSIDE_NAMES = ("Ba Đình", "Lê Minh Đức", "Phạm Thu Hà", "Sở Nội vụ")
REFUSED_TEXTS = ("Không có quyền xem nội dung này", "không có quyền", "Không có quyền")

CASES = [
    # page file, params, logged (target_type, target) or None when the page falls back silently
    ("pages/unit.py", {"unit": "HN.P.BADINH"}, ("unit", "HN.P.BADINH")),
    ("pages/unit.py", {"unit": "4"}, ("unit", "4")),
    ("pages/unit.py", {"unit": "HN"}, ("unit", "HN")),
    ("pages/official.py", {"official": "CB0003"}, ("official", "CB0003")),
    ("pages/official.py", {"official": "4"}, ("official", "CB0004")),
    ("pages/satisfaction.py", {"unit": "HN.P.BADINH", "official": "CB0003"}, ("unit", "HN.P.BADINH")),
    ("pages/satisfaction.py", {"unit": "HN.P.HOANKIEM", "official": "CB0003"}, ("official", None)),
    ("pages/warnings.py", {"warning": "1"}, ("warning", "1")),
    ("pages/grades.py", {"unit": "HN.P.BADINH"}, None),
    ("pages/overview.py", {"org": "HN.SNV"}, None),
]


@pytest.fixture
def dash_db(sqlite_engine, sqlite_url, monkeypatch):
    fixture_dashboards.build(sqlite_engine)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.delenv("THUOCDO_ENV", raising=False)
    monkeypatch.chdir(ROOT)
    through_frame(monkeypatch)
    return sqlite_engine


def refusals(engine) -> list[tuple]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(access_log.c.actor, access_log.c.action, access_log.c.target_type, access_log.c.target)
        ).fetchall()
    return [tuple(r) for r in rows if r.action == "refused"]


@pytest.mark.parametrize("file,params,logged", CASES, ids=[f"{c[0][6:-3]}-{'-'.join(c[1].values())}" for c in CASES])
def test_unit_head_cannot_reach_another_unit(dash_db, file, params, logged):
    at = open_app(file, "unit_head", {**params, "period": "2026-10"})
    assert not at.exception, at.exception
    body = all_text(at)
    for name in OUTSIDE_NAMES:
        assert name not in body, f"{name} leaked on {file} {params}"
    for df in at.dataframe:
        flat = df.value.astype(str).to_string()
        assert not any(name in flat for name in OUTSIDE_NAMES), f"table leaked on {file} {params}"
    if logged is None:
        return
    assert any(s in body for s in REFUSED_TEXTS), body[:500]
    rows = refusals(dash_db)
    ttype, target = logged
    assert any(r[0] == EMAIL["unit_head"] and r[2] == ttype and (target is None or r[3] == target) for r in rows), rows


def test_forged_session_key_with_auth_configured(dash_db):
    """[auth] present: demo mode is off, a session key naming a demo user is ignored."""
    at = open_app("pages/official.py", "leader", {"official": "CB0001"}, run=False)
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "x" * 64,
        "client_id": "thuocdo",
        "client_secret": "secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
    }
    at.run()
    assert not at.exception, at.exception
    body = all_text(at)
    assert "Chế độ trình diễn" not in body
    assert "Nguyễn Thị Lan" not in body and len(at.metric) == 0


def test_identity_provider_naming_a_demo_account_is_refused(dash_db):
    """Even signed in through OIDC, a demo account's e-mail opens nothing."""
    at = open_app("pages/overview.py", None, run=False)
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "x" * 64,
        "client_id": "thuocdo",
        "client_secret": "secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
    }
    at.user = {"is_logged_in": True, "email": EMAIL["leader"], "name": "Kẻ mạo danh", "thuocdo_role": "leader"}
    at.run()
    assert not at.exception, at.exception
    assert len(at.metric) == 0
    assert "chưa được cấp quyền" in all_text(at)


@pytest.mark.parametrize("env,demo", [("production", True), ("", False)], ids=["production-env", "no-demo-marker"])
def test_no_demo_sign_in_in_production(sqlite_engine, sqlite_url, monkeypatch, env, demo):
    fixture_data.build(sqlite_engine, demo=demo)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("THUOCDO_ENV", env)
    monkeypatch.chdir(ROOT)
    through_frame(monkeypatch)
    at = open_app("pages/official.py", "leader", {"official": "CB0001"})  # forged session key
    assert not at.exception, at.exception
    body = all_text(at)
    assert "Chưa cấu hình đăng nhập" in body
    assert "Nguyễn Thị Lan" not in body and len(at.metric) == 0
