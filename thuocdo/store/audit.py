"""The access log: who opened or was refused what, when, and for what purpose."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, insert

from thuocdo.store.schema import access_log


def log_access(
    engine: Engine,
    actor: str,
    role: str | None,
    action: str,
    target_type: str | None = None,
    target: str | None = None,
    purpose: str | None = None,
    detail: str | None = None,
) -> None:
    """Append one event to the access log (its own short transaction)."""

    def clean(value: str | None, limit: int) -> str | None:
        # NUL and other control characters come from hostile URLs; PostgreSQL refuses NUL.
        if value is None:
            return None
        text = "".join(ch for ch in str(value) if ch >= " " or ch in "\t\n")
        return text[:limit] or None

    actor, target, purpose, detail = clean(actor, 200), clean(target, 200), clean(purpose, 500), clean(detail, 4000)
    with engine.begin() as conn:
        conn.execute(
            insert(access_log).values(
                at=dt.datetime.now(),
                actor=actor or "anonymous",
                role=role,
                action=action,
                target_type=target_type,
                target=target,
                purpose=purpose,
                detail=detail,
            )
        )
