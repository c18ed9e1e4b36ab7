"""Scans: warnings stored with their config version, idempotent rescans, clearing,
false positives that stay closed, incremental scans, and the ``scan`` command."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sqlalchemy import delete, func, select, update

from tests.test_warnings_fixtures import World, months
from thuocdo.domain.warnings import full_scan, rescan, save_config, transition
from thuocdo.domain.warnings.config import default_config
from thuocdo.domain.warnings.scan import last_scan
from thuocdo.store import schema as s
from thuocdo.store.rollups import refresh_all

FALL = [80, 81, 79, 80, 80, 79, 81, 80, 75, 70, 65]


def build(engine):
    """One falling official, one unit whose satisfaction drops, a steady unit."""
    w = World(engine)
    u, calm = w.unit("U1"), w.unit("CALM")
    ms = months(202501, len(FALL))
    falls = w.official(u)
    steady = w.official(calm)
    w.evaluations(falls, u, dict(zip(ms, FALL, strict=True)))
    w.evaluations(steady, calm, {m: 80 for m in ms})
    for m in ms:
        w.satisfied(u, m, 300, 0.9 if m != ms[-1] else 0.7)
        w.satisfied(calm, m, 300, 0.88)
    w.refresh()
    return w, u, calm, falls, ms


def rows(engine, **where):
    w = s.warnings
    stmt = select(w).order_by(w.c.id)
    for k, v in where.items():
        stmt = stmt.where(w.c[k] == v)
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(stmt)]


def events(engine, wid):
    e = s.warning_events
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(e).where(e.c.warning_id == wid).order_by(e.c.id))]


def test_full_scan_stores_warnings_with_config_version(engine):
    _, u, _, falls, ms = build(engine)
    out = full_scan(engine)
    assert out["config_version"] == 1
    assert out["rules"]["falling_results"]["created"] == 1
    assert out["rules"]["satisfaction_drop"]["created"] == 1
    fall = rows(engine, rule_code="falling_results")
    assert len(fall) == 1
    r = fall[0]
    assert (r["subject_type"], r["subject_id"], r["unit_id"], r["month"]) == ("official", falls, u, ms[-1])
    assert r["status"] == "new" and r["config_version"] == 1 and len(r["evidence_hash"]) == 64
    assert r["reason_params"]["drop_pts"] == pytest.approx(15.0)
    assert [e["action"] for e in events(engine, r["id"])] == ["created"]
    # Thin data is reported, not fired on: the first months of each series.
    assert out["rules"]["falling_results"]["insufficient"] > 0
    with engine.connect() as conn:
        assert last_scan(conn)["totals"]["created"] == out["totals"]["created"]


def test_rescan_is_idempotent(engine):
    build(engine)
    first = full_scan(engine)
    n = len(rows(engine))
    again = full_scan(engine)
    assert len(rows(engine)) == n
    assert again["totals"]["created"] == 0 and again["totals"]["cleared"] == 0
    assert again["totals"]["unchanged"] == first["totals"]["created"]
    # No new event either.
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(s.warning_events)).scalar() == n


def test_false_positive_is_not_reopened_on_the_same_evidence(engine):
    w, u, _, falls, ms = build(engine)
    full_scan(engine)
    wid = rows(engine, rule_code="falling_results")[0]["id"]
    transition(engine, wid, "false_positive", "kiemtra@x.vn", "inspector", note="Nghỉ ốm có xác nhận")
    out = full_scan(engine)
    assert out["rules"]["falling_results"]["suppressed"] == 1
    assert [r["status"] for r in rows(engine, rule_code="falling_results")] == ["false_positive"]
    # New evidence (a corrected score) makes a new warning; the dismissed one stays closed.
    with engine.begin() as conn:
        conn.execute(
            update(s.evaluations)
            .where(s.evaluations.c.official_id == falls, s.evaluations.c.month == ms[-1])
            .values(final_score=60.0)
        )
        refresh_all(conn)
    out = full_scan(engine)
    got = rows(engine, rule_code="falling_results")
    assert [r["status"] for r in got] == ["false_positive", "new"]
    assert got[0]["evidence_hash"] != got[1]["evidence_hash"]
    assert out["rules"]["falling_results"]["created"] == 1


def test_cleared_when_the_condition_no_longer_holds_and_refired(engine):
    w, u, _, falls, ms = build(engine)
    full_scan(engine)
    wid = rows(engine, rule_code="satisfaction_drop")[0]["id"]
    transition(engine, wid, "acknowledge", "kiemtra@x.vn", "inspector")
    # The month's ratings are re-imported: no drop after all.
    with engine.begin() as conn:
        conn.execute(delete(s.ratings).where(s.ratings.c.unit_id == u, s.ratings.c.month == ms[-1]))
    w.satisfied(u, ms[-1], 300, 0.9)
    w.refresh()
    out = rescan(engine, unit_ids=[u], months=[ms[-1]])
    assert out["rules"]["satisfaction_drop"]["cleared"] == 1
    r = rows(engine, id=wid)[0]
    assert r["status"] == "cleared"
    ev = events(engine, wid)
    assert [e["action"] for e in ev] == ["created", "acknowledge", "cleared"]
    assert ev[-1]["from_status"] == "acknowledged" and ev[-1]["actor"] == "system"
    # The drop comes back: the same row reopens, no duplicate.
    with engine.begin() as conn:
        conn.execute(delete(s.ratings).where(s.ratings.c.unit_id == u, s.ratings.c.month == ms[-1]))
    w.satisfied(u, ms[-1], 300, 0.6)
    w.refresh()
    out = rescan(engine, unit_ids=[u], months=[ms[-1]])
    assert out["rules"]["satisfaction_drop"]["refired"] == 1
    assert [r["status"] for r in rows(engine, rule_code="satisfaction_drop")] == ["new"]
    assert events(engine, wid)[-1]["action"] == "refired"


def test_incremental_scan_only_touches_what_it_examined(engine):
    w, u, calm, falls, ms = build(engine)
    full_scan(engine, period="2025-01..2025-10")
    assert rows(engine, rule_code="falling_results") == []
    # The eleventh month arrives: the import rescans that month.
    out = rescan(engine, unit_ids=[u], months=[ms[-1]])
    assert out["kind"] == "incremental" and out["months"] == [ms[-1], ms[-1]]
    assert {r["rule_code"] for r in rows(engine, status="new")} >= {"falling_results", "satisfaction_drop"}
    # A scan of another unit's months does not clear this unit's official warnings.
    out = rescan(engine, unit_ids=[calm], months=[ms[-1]])
    assert out["rules"]["falling_results"]["cleared"] == 0
    assert len(rows(engine, rule_code="falling_results", status="new")) == 1


def test_a_disabled_rule_does_not_run_and_keeps_its_warnings(engine):
    build(engine)
    full_scan(engine)
    cfg = default_config()
    cfg["rules"]["satisfaction_drop"]["enabled"] = False
    version = save_config(engine, cfg, "admin@x.vn")
    assert version == 2
    out = full_scan(engine)
    assert out["config_version"] == 2
    assert out["rules"]["satisfaction_drop"]["enabled"] is False
    assert out["rules"]["satisfaction_drop"]["fired"] == 0
    assert [r["status"] for r in rows(engine, rule_code="satisfaction_drop")] == ["new"]
    # The falling-results warning is re-produced under version 2 and says so.
    assert rows(engine, rule_code="falling_results")[0]["config_version"] == 2


def test_thresholds_from_the_config_apply(engine):
    build(engine)
    cfg = default_config()
    cfg["rules"]["falling_results"]["min_drop"] = 20
    save_config(engine, cfg, "admin@x.vn")
    out = full_scan(engine)
    assert out["rules"]["falling_results"]["fired"] == 0
    assert out["config_version"] == 1  # the first saved version is the admin's


def test_scan_command_json(sqlite_url, sqlite_engine):
    build(sqlite_engine)
    env = {"DATABASE_URL": sqlite_url, "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "-m", "thuocdo", "scan", "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    payload = json.loads(proc.stdout)
    assert payload["config_version"] == 1
    got = {(x["rule"], x["subject_type"], x["subject_code"], x["period"], x["severity"]) for x in payload["warnings"]}
    assert ("falling_results", "official", "CB00001", "2025-11", "medium") in got
    assert ("satisfaction_drop", "unit", "U1", "2025-11", "high") in got
    one = subprocess.run(
        [sys.executable, "-m", "thuocdo", "scan", "--period", "2025-10", "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    assert json.loads(one.stdout)["months"] == ["2025-10", "2025-10"]
    bad = subprocess.run(
        [sys.executable, "-m", "thuocdo", "scan", "--period", "2025-13"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert bad.returncode == 2 and "2025-13" in bad.stderr
