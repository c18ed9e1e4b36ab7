"""thuocdo.store.users: users-table roles and scopes, every change recorded; on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from tests import fixture_data
from thuocdo.store.schema import user_changes, users
from thuocdo.store.users import UserError, save_user

ADMIN = "quantri@hanoi.test"


@pytest.fixture
def db(engine):
    fixture_data.build(engine, demo=False)
    return engine


def _changes(engine, email):
    with engine.connect() as conn:
        rows = conn.execute(
            select(user_changes).where(user_changes.c.user_email == email).order_by(user_changes.c.id)
        ).fetchall()
    out = []
    for r in rows:
        before = json.loads(r.before) if isinstance(r.before, str) else r.before
        after = json.loads(r.after) if isinstance(r.after, str) else r.after
        out.append({"actor": r.actor, "at": r.at, "before": before, "after": after})
    return out


def test_create_update_and_history(db):
    created = save_user(db, ADMIN, " BangBien@HANOI.test ", "Hoàng Văn Bảng", "inspector", None)
    assert created["changed"] and created["before"] is None
    assert created["after"] == {
        "email": "bangbien@hanoi.test",
        "name": "Hoàng Văn Bảng",
        "role": "inspector",
        "unit_code": None,
        "active": True,
    }
    updated = save_user(db, ADMIN, "bangbien@hanoi.test", "Hoàng Văn Bảng", "unit_head", "HN.P.BADINH")
    assert updated["before"]["role"] == "inspector" and updated["after"]["role"] == "unit_head"
    assert updated["after"]["unit_code"] == "HN.P.BADINH"
    same = save_user(db, ADMIN, "bangbien@hanoi.test", "Hoàng Văn Bảng", "unit_head", "HN.P.BADINH")
    assert same["changed"] is False
    locked = save_user(db, ADMIN, "bangbien@hanoi.test", "Hoàng Văn Bảng", "unit_head", "HN.P.BADINH", active=False)
    assert locked["after"]["active"] is False

    history = _changes(db, "bangbien@hanoi.test")
    assert len(history) == 3  # the unchanged save is not recorded
    assert [h["actor"] for h in history] == [ADMIN] * 3
    assert history[0]["before"] is None and history[0]["after"]["role"] == "inspector"
    assert history[1]["before"]["role"] == "inspector" and history[1]["after"]["unit_code"] == "HN.P.BADINH"
    assert history[2]["before"]["active"] is True and history[2]["after"]["active"] is False
    assert all(h["at"] is not None for h in history)
    with db.connect() as conn:
        row = conn.execute(
            select(users.c.role, users.c.active, users.c.is_demo).where(users.c.email == "bangbien@hanoi.test")
        ).one()
    assert (row.role, bool(row.active), bool(row.is_demo)) == ("unit_head", False, False)


@pytest.mark.parametrize(
    "kwargs,key",
    [
        ({"email": "not-an-email"}, "admin.error.email"),
        ({"name": "  "}, "admin.error.name"),
        ({"role": "superuser"}, "admin.error.role"),
        ({"role": "unit_head", "unit_code": None}, "admin.error.unit_required"),
        ({"unit_code": "HN.NOWHERE"}, "admin.error.unit_unknown"),
    ],
)
def test_invalid_changes_are_refused_and_not_recorded(db, kwargs, key):
    args = {"email": "moi@hanoi.test", "name": "Người Mới", "role": "leader", "unit_code": None, **kwargs}
    with pytest.raises(UserError) as err:
        save_user(db, ADMIN, **args)
    assert err.value.key == key
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(user_changes)).scalar() == 0
        assert (
            conn.execute(select(func.count()).select_from(users).where(users.c.email == "moi@hanoi.test")).scalar() == 0
        )


def test_scoped_admin_manages_only_their_subtree(db):
    ward = "/1/3/"
    made = save_user(db, ADMIN, "phuong@hanoi.test", "Cán bộ phường", "unit_head", "HN.P.HOANKIEM.MC", actor_scope=ward)
    assert made["after"]["unit_code"] == "HN.P.HOANKIEM.MC"
    with pytest.raises(UserError) as err:  # a unit of another ward
        save_user(db, ADMIN, "khac@hanoi.test", "Người khác", "unit_head", "HN.P.BADINH", actor_scope=ward)
    assert err.value.key == "admin.error.outside_scope"
    with pytest.raises(UserError):  # city-wide scope from a ward admin
        save_user(db, ADMIN, "thanhpho@hanoi.test", "Toàn thành phố", "leader", None, actor_scope=ward)
    save_user(db, ADMIN, "badinh@hanoi.test", "Ba Đình", "inspector", "HN.P.BADINH")
    with pytest.raises(UserError):  # moving someone from outside into the ward
        save_user(db, ADMIN, "badinh@hanoi.test", "Ba Đình", "inspector", "HN.P.HOANKIEM", actor_scope=ward)


def test_demo_users_and_self_lockout_are_refused(engine):
    fixture_data.build(engine, demo=True)
    with pytest.raises(UserError) as err:
        save_user(engine, ADMIN, "lanhdao@thuocdo.demo", "Lãnh đạo", "admin", None)
    assert err.value.key == "admin.error.demo_user"
    save_user(engine, "root@hanoi.test", ADMIN, "Quản trị", "admin", None)
    with pytest.raises(UserError) as err:
        save_user(engine, ADMIN, ADMIN, "Quản trị", "leader", None)
    assert err.value.key == "admin.error.self"
    with pytest.raises(UserError):
        save_user(engine, ADMIN, ADMIN, "Quản trị", "admin", None, active=False)


def test_command_line_sets_and_lists_users(sqlite_engine, sqlite_url, monkeypatch, capsys):
    from thuocdo.cli import main

    fixture_data.build(sqlite_engine, demo=False)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    assert main(["user", "set", "Root@Hanoi.test", "--name", "Quản trị đầu tiên", "--role", "admin", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] and out["after"]["role"] == "admin" and out["before"] is None
    assert main(["user", "set", "x@hanoi.test", "--name", "X", "--role", "unit_head", "--json"]) == 2
    assert json.loads(capsys.readouterr().out)["error"] == "admin.error.unit_required"
    assert main(["user", "list", "--json"]) == 0
    listed = {u["email"]: u for u in json.loads(capsys.readouterr().out)["users"]}
    assert listed["root@hanoi.test"]["role"] == "admin"
    with sqlite_engine.connect() as conn:
        actor = conn.execute(select(user_changes.c.actor)).scalar_one()
    assert actor.startswith("cli:")


def test_admin_queries_read_users_and_history_in_scope(db, monkeypatch):
    """queries/admin.py on both engines: scope filter, booleans, JSON before/after."""
    from queries import admin as q
    from thuocdo.domain.access import CITY, Scope

    monkeypatch.setenv("DATABASE_URL", db.url.render_as_string(hide_password=False))
    save_user(db, ADMIN, "ward@hanoi.test", "Phường", "unit_head", "HN.P.HOANKIEM.MC")
    save_user(db, ADMIN, "ward@hanoi.test", "Phường", "unit_head", "HN.P.HOANKIEM")
    save_user(db, ADMIN, "city@hanoi.test", "Thành phố", "leader", None, active=False)
    everyone = q.users(CITY)
    assert {"ward@hanoi.test", "city@hanoi.test"} <= set(everyone["email"])
    assert not everyone.set_index("email").loc["city@hanoi.test", "active"]
    ward = q.users(Scope("/1/3/"))
    assert set(ward["email"]) == {"truongdonvi@thuocdo.demo", "ward@hanoi.test"}
    history = q.user_changes(Scope("/1/3/"))
    assert list(history["user_email"]) == ["ward@hanoi.test", "ward@hanoi.test"]
    assert history.iloc[0]["before"]["unit_code"] == "HN.P.HOANKIEM.MC"
    assert history.iloc[0]["after"]["unit_code"] == "HN.P.HOANKIEM"
    assert history.iloc[1]["before"] is None
    assert len(q.user_changes(CITY, "CITY@hanoi.test")) == 1
    row = q.sign_in_user("City@Hanoi.test")
    assert row["role"] == "leader" and row["active"] is False and row["unit_path"] is None
