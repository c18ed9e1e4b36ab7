"""Users of the users-table sign-in path: roles and unit scopes, every change recorded.

When the identity provider sends no role claim, the role and the scope unit come from
the ``users`` table by e-mail. Only :func:`save_user` writes that table, and it writes
one ``user_changes`` row (who, when, before, after) in the same transaction, so the
history cannot miss a change. An administrator whose own scope is a unit subtree may
only manage users inside that subtree.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import Connection, Engine, insert, select, update

from thuocdo.domain.access import ROLES
from thuocdo.store.schema import units, user_changes, users

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Roles whose scope must be a unit (a unit head of "the whole city" makes no sense).
UNIT_ROLES = ("unit_head",)


class UserError(ValueError):
    """A change that cannot be saved; ``key`` names the message in locales/*/admin.json."""

    def __init__(self, key: str, **params):
        super().__init__(key)
        self.key = key
        self.params = params


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def snapshot(conn: Connection, email: str) -> dict | None:
    """The stored user as the change history records it, or None."""
    row = conn.execute(
        select(users.c.email, users.c.name, users.c.role, users.c.active, users.c.is_demo, units.c.code, units.c.path)
        .select_from(users.outerjoin(units, units.c.id == users.c.unit_id))
        .where(users.c.email == normalise_email(email))
    ).first()
    if row is None:
        return None
    return {
        "email": row.email,
        "name": row.name,
        "role": row.role,
        "unit_code": row.code,
        "active": bool(row.active),
        "_path": row.path or "/",
        "_demo": bool(row.is_demo),
    }


def _public(snap: dict | None) -> dict | None:
    return None if snap is None else {k: v for k, v in snap.items() if not k.startswith("_")}


def _within(path: str, actor_scope: str) -> bool:
    return (path or "/").startswith(actor_scope or "/")


def save_user(
    engine: Engine,
    actor: str,
    email: str,
    name: str,
    role: str | None,
    unit_code: str | None,
    active: bool = True,
    actor_scope: str = "/",
) -> dict:
    """Create or update one user; record the change. Returns {"changed", "before", "after"}.

    ``role`` None keeps the person known but without access. ``actor_scope`` is the
    acting administrator's unit path: both the user's old and new scope must lie inside it.
    """
    email = normalise_email(email)
    name = (name or "").strip()
    unit_code = (unit_code or "").strip() or None
    if not EMAIL.match(email) or len(email) > 200:
        raise UserError("admin.error.email")
    if not name or len(name) > 200:
        raise UserError("admin.error.name")
    if role is not None and role not in ROLES:
        raise UserError("admin.error.role")
    if role in UNIT_ROLES and unit_code is None:
        raise UserError("admin.error.unit_required")
    if not actor:
        raise UserError("admin.error.actor")
    with engine.begin() as conn:
        unit_id, unit_path = None, "/"
        if unit_code is not None:
            found = conn.execute(select(units.c.id, units.c.path).where(units.c.code == unit_code)).first()
            if found is None:
                raise UserError("admin.error.unit_unknown", unit=unit_code)
            unit_id, unit_path = found.id, found.path
        if not _within(unit_path, actor_scope):
            raise UserError("admin.error.outside_scope")
        before = snapshot(conn, email)
        if before is not None and not _within(before["_path"], actor_scope):
            raise UserError("admin.error.outside_scope")
        if before is not None and before["_demo"]:
            raise UserError("admin.error.demo_user")
        if before is not None and before["email"] == normalise_email(actor) and (role != "admin" or not active):
            # An administrator cannot lock themselves out by mistake.
            raise UserError("admin.error.self")
        values = {"name": name, "role": role, "unit_id": unit_id, "active": bool(active)}
        if before is None:
            conn.execute(insert(users).values(email=email, is_demo=False, created_at=dt.datetime.now(), **values))
        else:
            conn.execute(update(users).where(users.c.email == email).values(**values))
        after = snapshot(conn, email)
        changed = _public(before) != _public(after)
        if changed:
            conn.execute(
                insert(user_changes).values(
                    at=dt.datetime.now(),
                    actor=normalise_email(actor),
                    user_email=email,
                    before=_public(before),
                    after=_public(after),
                )
            )
    return {"changed": changed, "before": _public(before), "after": _public(after)}
