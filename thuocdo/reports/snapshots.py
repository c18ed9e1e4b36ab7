"""Frozen snapshots of a period's figures, and "what changed since the last snapshot".

A snapshot stores the whole payload of :func:`thuocdo.reports.figures.compute_payload`
(the data behind every chart), the filters it was made with, the grading policy and
warning-configuration version in force, the SHA-256 of its canonical JSON, who made it
and when. A deck drawn from a snapshot reads only that row, so new imports never move
its numbers; :func:`verify` recomputes the hash to prove the row was not edited.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, desc, insert, select

from thuocdo.domain.access import Scope
from thuocdo.domain.periods import Period
from thuocdo.domain.warnings.config import load_config
from thuocdo.reports.figures import compute_payload, content_hash, run_sql
from thuocdo.store.schema import snapshots

TITLE_MAX = 300


def _policy_code(conn, scope: Scope, period: Period) -> str | None:
    """The grading policy of the period's evaluations (the most used one when mixed)."""
    df = run_sql(conn, "report_policy_codes", scope_path=scope.path_like, start=period.start, end=period.end)
    if df.empty:
        return None
    codes = df["policy_code"].tolist()
    return codes[0] if len(codes) == 1 else "+".join([codes[0], *sorted(codes[1:])])[:32]


def create_snapshot(
    engine: Engine,
    scope: Scope,
    period: Period,
    actor: str,
    title: str | None = None,
    filters: dict | None = None,
) -> dict:
    """Freeze the figures of ``period`` in ``scope``; return the stored row as a dict."""
    payload = compute_payload(engine, scope, period)
    digest = content_hash(payload)
    all_filters = {
        **(filters or {}),
        "period": period.key(),
        "scope_path": scope.unit_path,
        "pseudonymise": scope.pseudonymise,
    }
    created = dt.datetime.now().replace(microsecond=0)
    with engine.begin() as conn:
        policy = _policy_code(conn, scope, period)
        config_version = load_config(conn).version
        result = conn.execute(
            insert(snapshots)
            .values(
                title=(title or period.key())[:TITLE_MAX],
                period=period.key(),
                filters=all_filters,
                payload=payload,
                content_hash=digest,
                policy_code=policy,
                warning_config_version=config_version,
                created_at=created,
                created_by=actor,
            )
            .returning(snapshots.c.id)
        )
        snap_id = int(result.scalar_one())
    return get_snapshot(engine, snap_id, scope)


def _row(r) -> dict:
    d = dict(r._mapping)
    d["id"] = int(d["id"])
    return d


def visible(row: dict, scope: Scope) -> bool:
    """A snapshot is visible to a scope that contains the subtree it was taken of."""
    path = (row.get("filters") or {}).get("scope_path") or "/"
    return path.startswith(scope.unit_path)


def list_snapshots(engine: Engine, scope: Scope, period: str | None = None) -> list[dict]:
    """Snapshots visible to ``scope`` (newest first), without their payloads."""
    cols = [c for c in snapshots.c if c.name != "payload"]
    stmt = select(*cols).order_by(desc(snapshots.c.created_at), desc(snapshots.c.id))
    if period:
        stmt = stmt.where(snapshots.c.period == period)
    with engine.connect() as conn:
        rows = [_row(r) for r in conn.execute(stmt)]
    return [r for r in rows if visible(r, scope)]


def get_snapshot(engine: Engine, snap_id: int, scope: Scope) -> dict | None:
    """One snapshot with its payload, or None when unknown or outside ``scope``."""
    with engine.connect() as conn:
        r = conn.execute(select(snapshots).where(snapshots.c.id == int(snap_id))).first()
    if r is None:
        return None
    row = _row(r)
    return row if visible(row, scope) else None


def verify(row: dict) -> bool:
    """True when the stored payload still hashes to the stored content hash."""
    return content_hash(row["payload"]) == row["content_hash"]


def previous_snapshot(engine: Engine, scope: Scope, before_id: int | None = None) -> dict | None:
    """The newest snapshot visible to ``scope`` (older than ``before_id`` when given)."""
    for row in list_snapshots(engine, scope):
        if before_id is None or row["id"] < int(before_id):
            return get_snapshot(engine, row["id"], scope)
    return None


def what_changed(base: dict, current: dict) -> dict:
    """Differences from payload ``base`` (the last snapshot) to payload ``current``.

    ``moved_up`` / ``moved_down``: ranked units whose rank improved / worsened (a smaller
    number is better), with both ranks and both mean scores; ``entered``: ranked now but
    not then. ``new_warnings``: open now and not open then; ``closed_warnings``: open then,
    not open now (resolved, dismissed or cleared since).
    """
    b_units, c_units = base.get("units", {}), current.get("units", {})
    up, down, entered = [], [], []
    for code in current.get("ranking", []):
        now_rank = c_units.get(code, {}).get("rank")
        if now_rank is None:
            continue
        then = b_units.get(code, {})
        then_rank = then.get("rank") if code in base.get("ranking", []) else None
        item = {
            "code": code,
            "name": c_units[code]["name"],
            "rank": now_rank,
            "base_rank": then_rank,
            "avg_final": c_units[code].get("avg_final"),
            "base_avg_final": then.get("avg_final"),
        }
        if then_rank is None:
            entered.append(item)
        elif now_rank < then_rank:
            up.append({**item, "delta": then_rank - now_rank})
        elif now_rank > then_rank:
            down.append({**item, "delta": now_rank - then_rank})
    b_open = {w["id"]: w for w in base.get("warnings", {}).get("open", [])}
    c_open = {w["id"]: w for w in current.get("warnings", {}).get("open", [])}
    return {
        "base_period": base.get("period"),
        "period": current.get("period"),
        "moved_up": sorted(up, key=lambda d: (-d["delta"], d["code"])),
        "moved_down": sorted(down, key=lambda d: (-d["delta"], d["code"])),
        "entered": entered,
        "new_warnings": [c_open[i] for i in sorted(set(c_open) - set(b_open))],
        "closed_warnings": [b_open[i] for i in sorted(set(b_open) - set(c_open))],
    }
