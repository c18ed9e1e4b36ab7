"""Access to individuals' data: purposes, the view/refusal records, and pseudonymised frames.

Personal Data Protection Law 91/2025/QH15 asks for purpose limitation, minimisation and
logging. Every page that shows one official calls :func:`record_view` with the purpose
the user chose (once per session per official), and :func:`record_refusal` when a URL
names someone outside the user's scope. Rows go to ``access_log`` through
:func:`thuocdo.store.audit.log_access` so there is one writer of that table.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Engine, and_, or_, select

from thuocdo.domain.access import pseudonym
from thuocdo.store.audit import log_access
from thuocdo.store.schema import access_log, officials

PURPOSES = ("periodic_review", "appointment_planning", "inspection", "complaint", "reward_discipline", "other")
"""Purpose codes offered when opening an official's page (labels: ``official.purpose.<code>``)."""

VIEW_ACTION = "view_official"
REFUSED_ACTION = "refused"
TARGET_OFFICIAL = "official"
MAX_PURPOSE = 500


class PurposeError(ValueError):
    """A purpose that cannot be recorded: unknown code, or "other" without an explanation."""


def purpose_text(code: str, note: str | None = None) -> str:
    """The stored purpose: the code, plus the user's note when given ("other: …")."""
    if code not in PURPOSES:
        raise PurposeError(f"unknown purpose {code!r}")
    note = (note or "").strip()
    if code == "other" and len(note) < 5:
        raise PurposeError("purpose 'other' needs an explanation of at least 5 characters")
    text = f"{code}: {note}" if note else code
    return text[:MAX_PURPOSE]


def record_view(
    engine: Engine,
    actor: str,
    role: str | None,
    official_code: str,
    purpose_code: str,
    note: str | None = None,
) -> str:
    """Record that ``actor`` opened an official's page for a purpose; return the stored purpose.

    The target is the official's code (stable across re-imports, unlike the row id).
    """
    text = purpose_text(purpose_code, note)
    log_access(engine, actor, role, VIEW_ACTION, TARGET_OFFICIAL, official_code, purpose=text)
    return text


def official_code_for(engine: Engine, ref: str) -> str | None:
    """The code of the official a URL value names (id or code), for the log only; None if unknown."""
    ref = str(ref or "").strip()[:64]
    if not ref:
        return None
    cond = officials.c.code == ref
    # ASCII digits that fit a 64-bit id only: "²" or a 30-digit number name nobody.
    if ref.isascii() and ref.isdigit() and int(ref) < 2**63:
        cond = or_(cond, officials.c.id == int(ref))
    with engine.connect() as conn:
        row = conn.execute(select(officials.c.code).where(cond).limit(1)).first()
    return row[0] if row else None


def record_refusal(engine: Engine, actor: str, role: str | None, ref: str, reason: str = "outside_scope") -> str:
    """Record a refused request for an official (outside the user's scope, or unknown).

    An existing official is logged by code so the admin view can tie the attempt to the
    person; an unknown value is logged as typed (truncated). Returns the logged target.
    """
    code = official_code_for(engine, ref)
    target = code if code else str(ref)[:200]
    log_access(engine, actor, role, REFUSED_ACTION, TARGET_OFFICIAL, target, detail=reason if code else "unknown")
    return target


EXPORT_ACTION = "export"


def record_export(engine: Engine, actor: str, role: str | None, target_type: str, target: str, detail: str) -> None:
    """Record a download of personal data (e.g. a unit's officials with their grades)."""
    log_access(engine, actor, role, EXPORT_ACTION, target_type, target, detail=detail)


def views_of(engine: Engine, official_code: str, since: dt.datetime | None = None) -> pd.DataFrame:
    """Who opened this official's page and why, newest first (for the official's own record)."""
    cond = and_(
        access_log.c.action == VIEW_ACTION,
        access_log.c.target_type == TARGET_OFFICIAL,
        access_log.c.target == official_code,
    )
    if since is not None:
        cond = and_(cond, access_log.c.at >= since)
    stmt = (
        select(access_log.c.at, access_log.c.actor, access_log.c.role, access_log.c.purpose)
        .where(cond)
        .order_by(access_log.c.at.desc(), access_log.c.id.desc())
    )
    with engine.connect() as conn:
        result = conn.execute(stmt)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def pseudonymise(
    df: pd.DataFrame,
    code_col: str = "code",
    name_col: str = "full_name",
    drop=("birth_date",),
    blank=("position",),
) -> pd.DataFrame:
    """Replace names and codes with stable pseudonyms, drop birth dates, blank free-text positions.

    A position written out ("Chủ tịch UBND phường X") names its holder as surely as a
    name does, so it is blanked too; the position code stays for peer comparison.
    """
    out = df.drop(columns=[c for c in drop if c in df])
    if out.empty or code_col not in out:
        return out
    out = out.copy()
    aliases = out[code_col].astype(str).map(pseudonym)
    if name_col in out:
        out[name_col] = aliases
    out[code_col] = aliases
    for col in blank:
        if col in out:
            out[col] = None
    return out
