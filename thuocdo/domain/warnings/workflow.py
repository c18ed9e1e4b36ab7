"""The inspection workflow: who may do what to a warning, and the event trail.

States: ``new`` → ``acknowledged`` → ``verified`` → ``resolved``; ``new`` or
``acknowledged`` → ``false_positive`` (a reason is required); ``resolve`` needs a note.
``assign`` sets the owner of an open warning without changing its state. ``cleared`` is
set by the scan only, when the condition no longer holds. Every change is one row in
``warning_events`` (who, when, from, to, note), written in the same transaction as the
change; a concurrent change of the same warning makes the second one fail cleanly.

Only leaders, inspectors and admins act (:data:`thuocdo.domain.access.WARNING_ACTORS`);
a unit head reads their subtree's warnings only. With a ``scope``, the warning's unit
must lie inside it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, and_, insert, select, update

from thuocdo.domain.access import WARNING_ACTORS, Scope
from thuocdo.store.schema import units, warning_events, warnings

ACTIONS = ("assign", "acknowledge", "verify", "false_positive", "resolve")

# action -> (statuses it may start from, status it leads to; None = unchanged)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "assign": (("new", "acknowledged", "verified"), None),
    "acknowledge": (("new",), "acknowledged"),
    "verify": (("new", "acknowledged"), "verified"),
    "false_positive": (("new", "acknowledged"), "false_positive"),
    "resolve": (("acknowledged", "verified"), "resolved"),
}

NOTE_REQUIRED = ("false_positive", "resolve")
MAX_NOTE = 2000


class WorkflowError(Exception):
    """A refused transition; ``key`` names the message in the catalogues."""

    def __init__(self, key: str, **params):
        super().__init__(key)
        self.key = key
        self.params = params


class NotAllowed(WorkflowError, PermissionError):
    """The role (or scope) may not act on this warning."""


def allowed_actions(status: str, role: str | None) -> list[str]:
    """Actions that ``role`` may take on a warning in ``status`` (empty for readers)."""
    if role not in WARNING_ACTORS:
        return []
    return [a for a in ACTIONS if status in TRANSITIONS[a][0]]


def transition(
    engine: Engine,
    warning_id: int,
    action: str,
    actor: str,
    role: str | None,
    note: str | None = None,
    assignee: str | None = None,
    scope: Scope | None = None,
) -> dict:
    """Apply ``action`` to a warning as ``actor``; return the new state and the event id.

    Raises :class:`NotAllowed` for a role that may not act (or a warning outside
    ``scope``) and :class:`WorkflowError` for an unknown action, a transition the
    current state does not allow, a missing reason/note or assignee, or a concurrent
    change.
    """
    if action not in TRANSITIONS:
        raise WorkflowError("warnings.error.unknown_action", action=action)
    if role not in WARNING_ACTORS:
        raise NotAllowed("warnings.error.not_allowed", role=role or "")
    actor = (actor or "").strip()
    if not actor:
        raise WorkflowError("warnings.error.actor_required")
    note = (note or "").strip() or None
    if note and len(note) > MAX_NOTE:
        raise WorkflowError("warnings.error.note_too_long", max=MAX_NOTE)
    if action in NOTE_REQUIRED and not note:
        raise WorkflowError(f"warnings.error.{action}_note_required")
    if action == "assign":
        assignee = (assignee or "").strip()
        if not assignee:
            raise WorkflowError("warnings.error.assignee_required")
    starts, target = TRANSITIONS[action]
    with engine.connect() as conn:
        row = conn.execute(
            select(warnings.c.status, warnings.c.assignee, units.c.path)
            .select_from(warnings.join(units, units.c.id == warnings.c.unit_id))
            .where(warnings.c.id == int(warning_id))
        ).first()
    if row is None:
        raise WorkflowError("warnings.error.not_found", id=warning_id)
    if scope is not None and not scope.contains_path(row.path):
        raise NotAllowed("warnings.error.out_of_scope", id=warning_id)
    if row.status not in starts:
        raise WorkflowError("warnings.error.bad_transition", action=action, status=row.status)
    new_status = target or row.status
    stamp = dt.datetime.now().replace(microsecond=0)
    values = {"status": new_status, "updated_at": stamp}
    if action == "assign":
        values["assignee"] = assignee
    # The write comes first in its transaction (optimistic: only if the status is still
    # the one read), so a concurrent change fails cleanly instead of being overwritten.
    with engine.begin() as conn:
        res = conn.execute(
            update(warnings)
            .where(and_(warnings.c.id == int(warning_id), warnings.c.status == row.status))
            .values(**values)
        )
        if res.rowcount != 1:
            raise WorkflowError("warnings.error.conflict", id=warning_id)
        event_note = note
        if action == "assign":
            event_note = assignee if not note else f"{assignee} — {note}"
        event_id = conn.execute(
            insert(warning_events)
            .values(
                warning_id=int(warning_id),
                at=stamp,
                actor=actor,
                action=action,
                from_status=row.status,
                to_status=new_status,
                note=event_note,
            )
            .returning(warning_events.c.id)
        ).scalar_one()
    return {
        "warning_id": int(warning_id),
        "action": action,
        "from_status": row.status,
        "status": new_status,
        "assignee": assignee if action == "assign" else row.assignee,
        "event_id": int(event_id),
    }
