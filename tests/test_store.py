"""Schema and migrations on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from thuocdo.store.db import current_revision, get_meta, head_revision, init_db, set_meta
from thuocdo.store.schema import metadata


def test_migrations_reach_head_and_match_the_metadata(engine):
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == [], f"schema.py and the migrations differ: {diff}"


def test_every_table_exists(engine):
    tables = set(inspect(engine).get_table_names())
    assert set(metadata.tables) <= tables


def test_init_is_idempotent(engine):
    again = init_db(engine)
    assert again["upgraded"] is False
    assert again["revision"] == head_revision()


def test_meta_roundtrip(engine):
    with engine.begin() as conn:
        set_meta(conn, "k", "một")
        set_meta(conn, "k", "hai")
    with engine.connect() as conn:
        assert get_meta(conn, "k") == "hai"


def test_sqlite_runs_in_wal_mode(sqlite_engine):
    with sqlite_engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
