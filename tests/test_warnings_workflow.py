"""The inspection workflow: transitions, who may make them, notes, scope, the event trail."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.test_warnings_fixtures import World
from thuocdo.domain.access import Scope
from thuocdo.domain.warnings import NotAllowed, WorkflowError, allowed_actions, full_scan, transition
from thuocdo.store import schema as s


@pytest.fixture
def warning_id(engine):
    """One stored 'new' warning (a unit that stopped reporting) in unit /1/2/."""
    w = World(engine)
    u, other = w.unit("U1"), w.unit("U2")
    for uid in (u, other):
        o = w.official(uid)
        w.evaluations(o, uid, {m: 80 for m in (202601, 202602, 202603, 202604) if uid == other or m < 202604})
    w.refresh()
    full_scan(engine)
    with engine.connect() as conn:
        return conn.execute(select(s.warnings.c.id).where(s.warnings.c.unit_id == u)).scalar_one()


def status_of(engine, wid):
    with engine.connect() as conn:
        return conn.execute(select(s.warnings.c.status, s.warnings.c.assignee).where(s.warnings.c.id == wid)).one()


def trail(engine, wid):
    e = s.warning_events
    with engine.connect() as conn:
        return conn.execute(
            select(e.c.action, e.c.actor, e.c.from_status, e.c.to_status, e.c.note)
            .where(e.c.warning_id == wid)
            .order_by(e.c.id)
        ).all()


def test_the_full_path_with_history(engine, warning_id):
    wid = warning_id
    r = transition(engine, wid, "assign", "lanhdao@x.vn", "leader", assignee="kiemtra@x.vn", note="Ưu tiên")
    assert r["status"] == "new" and r["assignee"] == "kiemtra@x.vn"
    transition(engine, wid, "acknowledge", "kiemtra@x.vn", "inspector")
    transition(engine, wid, "verify", "kiemtra@x.vn", "inspector", note="Đã đối chiếu sổ sách")
    r = transition(engine, wid, "resolve", "kiemtra@x.vn", "inspector", note="Đơn vị đã nộp bổ sung")
    assert r["status"] == "resolved" and r["from_status"] == "verified"
    assert status_of(engine, wid) == ("resolved", "kiemtra@x.vn")
    t = trail(engine, wid)
    assert [x.action for x in t] == ["created", "assign", "acknowledge", "verify", "resolve"]
    assert t[1].note == "kiemtra@x.vn — Ưu tiên" and t[1].actor == "lanhdao@x.vn"
    assert (t[3].from_status, t[3].to_status) == ("acknowledged", "verified")
    assert t[4].note == "Đơn vị đã nộp bổ sung"


def test_notes_are_required_where_the_rules_say(engine, warning_id):
    with pytest.raises(WorkflowError) as e:
        transition(engine, warning_id, "false_positive", "kiemtra@x.vn", "inspector", note="  ")
    assert e.value.key == "warnings.error.false_positive_note_required"
    transition(engine, warning_id, "acknowledge", "kiemtra@x.vn", "inspector")
    with pytest.raises(WorkflowError) as e:
        transition(engine, warning_id, "resolve", "kiemtra@x.vn", "inspector")
    assert e.value.key == "warnings.error.resolve_note_required"
    with pytest.raises(WorkflowError) as e:
        transition(engine, warning_id, "assign", "kiemtra@x.vn", "inspector")
    assert e.value.key == "warnings.error.assignee_required"
    transition(engine, warning_id, "false_positive", "kiemtra@x.vn", "inspector", note="Đơn vị sáp nhập")
    assert status_of(engine, warning_id).status == "false_positive"


@pytest.mark.parametrize("role", ["unit_head", "presenter", None])
def test_readers_may_not_act(engine, warning_id, role):
    with pytest.raises(NotAllowed):
        transition(engine, warning_id, "acknowledge", "someone@x.vn", role)
    assert status_of(engine, warning_id).status == "new"
    assert [x.action for x in trail(engine, warning_id)] == ["created"]
    assert allowed_actions("new", role) == []


@pytest.mark.parametrize("role", ["leader", "inspector", "admin"])
def test_actors_may_act(engine, warning_id, role):
    assert "acknowledge" in allowed_actions("new", role)
    transition(engine, warning_id, "acknowledge", f"{role}@x.vn", role)
    assert status_of(engine, warning_id).status == "acknowledged"


def test_illegal_transitions_are_refused(engine, warning_id):
    with pytest.raises(WorkflowError) as e:
        transition(engine, warning_id, "resolve", "kiemtra@x.vn", "inspector", note="x")
    assert e.value.key == "warnings.error.bad_transition"
    transition(engine, warning_id, "false_positive", "kiemtra@x.vn", "inspector", note="Sai nguồn")
    for action in ("acknowledge", "verify", "assign", "false_positive"):
        with pytest.raises(WorkflowError):
            transition(engine, warning_id, action, "kiemtra@x.vn", "inspector", note="x", assignee="a@x.vn")
    with pytest.raises(WorkflowError) as e:
        transition(engine, warning_id, "delete", "kiemtra@x.vn", "inspector")
    assert e.value.key == "warnings.error.unknown_action"
    with pytest.raises(WorkflowError) as e:
        transition(engine, 999999, "acknowledge", "kiemtra@x.vn", "inspector")
    assert e.value.key == "warnings.error.not_found"
    assert allowed_actions("false_positive", "inspector") == []
    assert allowed_actions("verified", "inspector") == ["assign", "resolve"]


def test_scope_is_enforced(engine, warning_id):
    with pytest.raises(NotAllowed) as e:
        transition(engine, warning_id, "acknowledge", "x@x.vn", "inspector", scope=Scope("/1/3/"))
    assert e.value.key == "warnings.error.out_of_scope"
    transition(engine, warning_id, "acknowledge", "x@x.vn", "inspector", scope=Scope("/1/2/"))
    assert status_of(engine, warning_id).status == "acknowledged"
