"""No page query scans the ratings table: the few that read raw ratings (drill-downs)
reach them through an index, on SQLite and on PostgreSQL.

SQLite: EXPLAIN QUERY PLAN must show ``SEARCH r USING INDEX``. PostgreSQL: the generic
plan with sequential scans disabled must not contain ``Seq Scan on ratings`` (with
``enable_seqscan = off`` the planner still falls back to a scan when no index can serve
the predicate, so this asserts the index exists and matches, whatever the table's size).
"""

from __future__ import annotations

import pytest

from bench.bench_pages import explain, raw_scans, sql_files
from tests import fixture_data

RAW = sql_files(only_raw=True)


def test_the_raw_drill_downs_are_found():
    # If this list grows, each new file is checked below; it must never be empty by accident.
    assert {p.name for p in RAW} >= {"satisfaction_ratings_unit.sql", "satisfaction_ratings_official.sql"}


@pytest.mark.parametrize("path", RAW, ids=lambda p: p.stem)
def test_raw_rating_queries_use_an_index(engine, path):
    fixture_data.build(engine)
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = explain(conn, path)
        conn.rollback()
    assert not raw_scans(plan, engine.dialect.name), plan
    text = "\n".join(plan)
    if engine.dialect.name == "sqlite":
        assert "SEARCH r USING INDEX ix_ratings_" in text, plan
    else:
        assert "ix_ratings_" in text, plan


def test_every_page_query_can_be_planned(sqlite_engine):
    """Each queries/sql file parses and plans with its parameters (no stale column)."""
    fixture_data.build(sqlite_engine)
    failed = {}
    for path in sql_files():
        with sqlite_engine.connect() as conn:
            try:
                explain(conn, path)
            except Exception as exc:  # noqa: BLE001 - collected to name every broken file
                failed[path.name] = repr(exc)[:200]
    assert not failed, failed
