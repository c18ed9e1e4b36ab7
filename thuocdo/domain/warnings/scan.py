"""The scan: run the rules, then reconcile their findings with the stored warnings.

Reconciliation is what makes a scan idempotent:

- a finding whose warning (same rule, subject and month) is open is updated in place —
  never duplicated; an ``updated`` event is written only when the evidence changed;
- a finding whose warning was closed as a false positive or resolved with the *same*
  evidence hash is suppressed — never reopened; with different evidence it becomes a new
  warning (the facts changed since someone looked);
- a finding whose warning had been ``cleared`` reopens that row (event ``refired``);
- an open warning that the rule re-examined (its coverage) and no longer finds is marked
  ``cleared`` with an event.

The rules read rollups and a few indexed rows; the heavy lifting is SQL and numpy, so a
full city scan stays within seconds.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterable

from sqlalchemy import Connection, Engine, and_, bindparam, func, insert, select, text, union, update

from thuocdo.domain.periods import Period, add_months, last_day
from thuocdo.domain.warnings.config import LoadedConfig, ensure_config
from thuocdo.domain.warnings.model import (
    OPEN_STATUSES,
    RULE_CODES,
    Finding,
    RuleResult,
    ScanContext,
)
from thuocdo.domain.warnings.rules import RULES, lookahead
from thuocdo.store.db import set_meta
from thuocdo.store.schema import kpi_values, rollup_eval_unit, rollup_rating_unit, warning_events, warnings

STATE_RULES = ("rotation_due",)
LAST_SCAN_META = "warnings_last_scan"
_PG_LOCK = 720_061  # any constant: serialises concurrent scans on PostgreSQL


def now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def data_months(conn: Connection) -> list[int]:
    """Every month that has evaluations, ratings or KPI values, ascending."""
    q = union(
        select(rollup_eval_unit.c.month),
        select(rollup_rating_unit.c.month),
        select(kpi_values.c.month),
    )
    return sorted(int(m) for m in conn.execute(q).scalars())


def _months_for(code: str, params: dict, months: list[int], all_months: list[int], incremental: bool) -> list[int]:
    if not months:
        return []
    if code in STATE_RULES and incremental:
        return [max(all_months)] if all_months else []
    if not incremental:
        return months
    ahead = lookahead(code, params)
    last = max(all_months) if all_months else max(months)
    known = set(all_months) | set(months)
    out = set()
    for m in months:
        for j in range(ahead + 1):
            x = add_months(m, j)
            if x <= last and x in known:
                out.add(x)
    return sorted(out)


def run_rules(
    conn: Connection,
    cfg: LoadedConfig,
    months: list[int],
    unit_ids: frozenset[int] | None,
    as_of: dt.date,
    all_months: list[int],
    incremental: bool = False,
    only: Iterable[str] | None = None,
) -> dict[str, RuleResult]:
    """Evaluate every enabled rule (or those in ``only``); no writes."""
    out: dict[str, RuleResult] = {}
    for code in RULE_CODES:
        if only is not None and code not in only:
            continue
        params = cfg.rule(code)
        if not params["enabled"]:
            res = RuleResult(code)
            res.note = "disabled"
            out[code] = res
            continue
        rule_months = _months_for(code, params, months, all_months, incremental)
        ctx = ScanContext(conn=conn, months=rule_months, unit_ids=unit_ids, as_of=as_of, data_months=all_months)
        out[code] = RULES[code](ctx, params)
    return out


def _lock(conn: Connection) -> None:
    """Serialise scans: reconcile reads the stored warnings, then writes.

    PostgreSQL: a transaction-level advisory lock. SQLite: write first (the scan marker),
    so the transaction holds the write lock before it reads; a read-then-write
    transaction could otherwise fail when another writer commits in between.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK})
    else:
        set_meta(conn, LAST_SCAN_META, json.dumps({"running_since": now().isoformat()}))


_FIELDS = ("severity", "score", "reason_key", "reason_params", "threshold", "peer_cutoff", "sample_size", "unit_id")


def _row_values(f: Finding, cfg_version: int) -> dict:
    return {
        "rule_code": f.rule_code,
        "subject_type": f.subject_type,
        "subject_id": int(f.subject_id),
        "unit_id": int(f.unit_id),
        "month": int(f.month),
        "severity": f.severity,
        "score": f.score,
        "reason_key": f.reason_key,
        "reason_params": f.reason_params,
        "evidence": f.evidence,
        "evidence_hash": f.hash,
        "threshold": f.threshold,
        "peer_cutoff": f.peer_cutoff,
        "sample_size": f.sample_size,
        "config_version": cfg_version,
    }


def reconcile(conn: Connection, results: dict[str, RuleResult], cfg_version: int, actor: str = "system") -> dict:
    """Write the findings of ``results`` into ``warnings`` idempotently; return counts."""
    ran = [c for c, r in results.items() if r.note != "disabled"]
    stats = {
        c: {"created": 0, "updated": 0, "unchanged": 0, "refired": 0, "suppressed": 0, "cleared": 0} for c in results
    }
    actions: list[dict] = []
    if not ran:
        return {"rules": stats, "findings": actions}
    w = warnings
    existing = conn.execute(
        select(
            w.c.id,
            w.c.rule_code,
            w.c.subject_type,
            w.c.subject_id,
            w.c.unit_id,
            w.c.month,
            w.c.status,
            w.c.evidence_hash,
            w.c.severity,
            w.c.score,
            w.c.reason_key,
            w.c.reason_params,
            w.c.threshold,
            w.c.peer_cutoff,
            w.c.sample_size,
            w.c.config_version,
        ).where(w.c.rule_code.in_(ran))
    ).all()
    by_key: dict[tuple, list] = {}
    closed_hashes: set[tuple] = set()
    for r in existing:
        by_key.setdefault((r.rule_code, r.subject_type, int(r.subject_id), int(r.month)), []).append(r)
        if r.status in ("false_positive", "resolved"):
            # Per subject, not per month: the evidence names its months, so the same hash
            # is the same facts even if the warning's month moved (e.g. older data arrived).
            closed_hashes.add((r.rule_code, r.subject_type, int(r.subject_id), r.evidence_hash))

    stamp = now()
    inserts: list[dict] = []
    insert_findings: list[Finding] = []
    updates: list[dict] = []
    events: list[dict] = []
    seen_open: set[int] = set()
    done_keys: set[tuple] = set()
    for code in ran:
        for f in results[code].findings:
            if f.key in done_keys:
                continue  # a rule reports a subject-month once; guard against doubles
            done_keys.add(f.key)
            rows = by_key.get(f.key, [])
            h = f.hash
            open_row = next((r for r in rows if r.status in OPEN_STATUSES), None)
            vals = _row_values(f, cfg_version)
            if open_row is not None:
                seen_open.add(int(open_row.id))
                changed = (
                    open_row.evidence_hash != h
                    or any(_differs(getattr(open_row, k), vals[k]) for k in _FIELDS)
                    or open_row.config_version != cfg_version
                )
                if changed:
                    updates.append({"_id": int(open_row.id), **_update_values(vals, stamp)})
                    if open_row.evidence_hash != h:
                        events.append(
                            _event(int(open_row.id), stamp, actor, "updated", open_row.status, open_row.status)
                        )
                    stats[code]["updated"] += 1
                    actions.append(_action(f, int(open_row.id), open_row.status, "updated"))
                else:
                    stats[code]["unchanged"] += 1
                    actions.append(_action(f, int(open_row.id), open_row.status, "unchanged"))
                continue
            if (f.rule_code, f.subject_type, int(f.subject_id), h) in closed_hashes:
                stats[code]["suppressed"] += 1
                continue
            cleared = sorted((r for r in rows if r.status == "cleared"), key=lambda r: r.id)
            if cleared:
                row = cleared[-1]
                updates.append({"_id": int(row.id), **_update_values(vals, stamp), "status": "new"})
                events.append(_event(int(row.id), stamp, actor, "refired", "cleared", "new"))
                stats[code]["refired"] += 1
                actions.append(_action(f, int(row.id), "new", "refired"))
                continue
            inserts.append({**vals, "status": "new", "created_at": stamp, "updated_at": stamp})
            insert_findings.append(f)
            stats[code]["created"] += 1

    clears: list[int] = []
    for code in ran:
        cov = results[code].coverage
        for key, rows in by_key.items():
            if key[0] != code:
                continue
            for r in rows:
                if r.status in OPEN_STATUSES and int(r.id) not in seen_open and cov.contains(r.month, r.unit_id):
                    clears.append(int(r.id))
                    events.append(_event(int(r.id), stamp, actor, "cleared", r.status, "cleared"))
                    stats[code]["cleared"] += 1

    if inserts:
        ids = conn.execute(insert(w).returning(w.c.id, sort_by_parameter_order=True), inserts).scalars().all()
        for wid, f in zip(ids, insert_findings, strict=True):
            events.append(_event(int(wid), stamp, actor, "created", None, "new"))
            actions.append(_action(f, int(wid), "new", "created"))
    if updates:
        cols = [k for k in updates[0] if k != "_id"]
        plain = [u for u in updates if "status" not in u]
        refire = [u for u in updates if "status" in u]
        for batch, names in (
            (plain, [c for c in cols if c != "status"]),
            (refire, [c for c in cols if c != "status"] + ["status"]),
        ):
            if batch:
                stmt = update(w).where(w.c.id == bindparam("_id")).values({c: bindparam(c) for c in names})
                conn.execute(stmt, [{k: u[k] for k in ["_id", *names]} for u in batch])
    if clears:
        conn.execute(
            update(w)
            .where(and_(w.c.id.in_(clears), w.c.status.in_(OPEN_STATUSES)))
            .values(status="cleared", updated_at=stamp)
        )
    if events:
        conn.execute(insert(warning_events), events)
    return {"rules": stats, "findings": actions}


def _differs(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is not b
        return abs(float(a) - float(b)) > 1e-9
    if isinstance(a, dict) or isinstance(b, dict):
        return json.dumps(a, sort_keys=True, default=str) != json.dumps(b, sort_keys=True, default=str)
    return a != b


def _update_values(vals: dict, stamp: dt.datetime) -> dict:
    out = {k: vals[k] for k in (*_FIELDS, "evidence", "evidence_hash", "config_version")}
    out["updated_at"] = stamp
    return out


def _event(wid: int, stamp: dt.datetime, actor: str, action: str, before, after) -> dict:
    return {
        "warning_id": wid,
        "at": stamp,
        "actor": actor,
        "action": action,
        "from_status": before,
        "to_status": after,
        "note": None,
    }


def _action(f: Finding, wid: int, status: str, action: str) -> dict:
    return {
        "warning_id": wid,
        "rule": f.rule_code,
        "subject_type": f.subject_type,
        "subject_id": int(f.subject_id),
        "unit_id": int(f.unit_id),
        "month": int(f.month),
        "severity": f.severity,
        "status": status,
        "action": action,
    }


def _summary(
    results: dict[str, RuleResult], rec: dict, cfg: LoadedConfig, months, as_of, started: float, kind: str
) -> dict:
    rules = {}
    for code, r in results.items():
        rules[code] = {
            "enabled": r.note != "disabled",
            "evaluated": r.evaluated,
            "insufficient": r.insufficient,
            "fired": len(r.findings),
            **rec["rules"].get(code, {}),
        }
    totals: dict[str, int] = {}
    for v in rules.values():
        for k, x in v.items():
            if isinstance(x, bool):
                continue
            totals[k] = totals.get(k, 0) + int(x)
    return {
        "kind": kind,
        "config_version": cfg.version,
        "months": [min(months), max(months)] if months else [],
        "n_months": len(months),
        "as_of": as_of.isoformat() if as_of else None,
        "rules": rules,
        "totals": totals,
        "findings": rec["findings"],
        "elapsed_ms": round((time.perf_counter() - started) * 1000.0, 1),
    }


def _scan(
    engine: Engine,
    months: list[int] | None,
    unit_ids: Iterable[int] | None,
    actor: str,
    as_of: dt.date | None,
    incremental: bool,
    kind: str,
) -> dict:
    started = time.perf_counter()
    cfg = ensure_config(engine)
    units = frozenset(int(u) for u in unit_ids) if unit_ids is not None else None
    with engine.connect() as conn:
        all_months = data_months(conn)
        if months is None:
            months = list(all_months)
        months = sorted(set(int(m) for m in months))
        if as_of is None:
            anchor = max(all_months) if incremental and all_months else (max(months) if months else None)
            as_of = last_day(anchor) if anchor else dt.date.today()
        results = run_rules(conn, cfg, months, units, as_of, all_months, incremental=incremental)
    with engine.begin() as conn:
        _lock(conn)
        rec = reconcile(conn, results, cfg.version, actor)
        summary = _summary(results, rec, cfg, months, as_of, started, kind)
        brief = {k: summary[k] for k in ("kind", "config_version", "months", "as_of", "totals", "elapsed_ms")}
        brief["at"] = now().isoformat()
        set_meta(conn, LAST_SCAN_META, json.dumps(brief, ensure_ascii=False))
    return summary


def full_scan(
    engine: Engine, period: Period | str | None = None, actor: str = "system", as_of: dt.date | None = None
) -> dict:
    """Scan every month with data (or the months of ``period``) for every unit.

    ``as_of`` (for tenure and pace) defaults to the last day of the last month scanned.
    """
    if isinstance(period, str):
        period = Period.parse(period)
    months = period.months if period is not None else None
    return _scan(engine, months, None, actor, as_of, incremental=False, kind="full")


def rescan(
    engine: Engine, unit_ids: Iterable[int] | None = None, months: Iterable[int] | None = None, actor: str = "system"
) -> dict:
    """Incremental scan after an import of ``months`` for ``unit_ids`` (None = all).

    Re-examines the imported months and the later months whose baseline or window
    contains them; unit rules (cheap, peer-based) look at every unit of those months,
    official rules only at officials of ``unit_ids``.
    """
    m = sorted(set(int(x) for x in months)) if months is not None else None
    return _scan(engine, m, unit_ids, actor, None, incremental=m is not None, kind="incremental")


def last_scan(conn: Connection) -> dict | None:
    """The brief summary of the last scan, or None."""
    from thuocdo.store.db import get_meta

    raw = get_meta(conn, LAST_SCAN_META)
    return json.loads(raw) if raw else None


def open_count(conn: Connection) -> int:
    return int(
        conn.execute(select(func.count()).select_from(warnings).where(warnings.c.status.in_(OPEN_STATUSES))).scalar()
        or 0
    )


__all__ = ["full_scan", "rescan", "reconcile", "run_rules", "data_months", "last_scan", "open_count"]
