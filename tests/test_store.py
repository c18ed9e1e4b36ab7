"""Schema and migrations on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select

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


def test_refreshing_one_unit_keeps_officials_rated_in_two_units_whole(engine):
    """An official rated in two units in one month: refreshing one unit must neither
    fail on the official rollup's key nor drop the other unit's ratings from it."""
    import datetime as dt

    from sqlalchemy import insert

    from thuocdo.store import schema as s
    from thuocdo.store.rollups import refresh_ratings

    with engine.begin() as conn:
        for uid, code in ((1, "A"), (2, "B")):
            conn.execute(
                insert(s.units).values(
                    id=uid, code=code, name=code, name_norm=code.lower(), kind="ward", path=f"/{uid}/", level=0
                )
            )
        conn.execute(insert(s.officials).values(id=1, code="CB1", full_name="Nguyễn Văn A", gender="M", unit_id=1))
        for i, unit in enumerate((1, 1, 2)):
            conn.execute(
                insert(s.ratings).values(
                    id=i + 1,
                    rated_at=dt.datetime(2026, 10, 5, 9),
                    month=202610,
                    unit_id=unit,
                    official_id=1,
                    channel="kiosk",
                    score=4,
                    scale=4,
                    row_hash=i + 1,
                )
            )
        refresh_ratings(conn)
        refresh_ratings(conn, unit_ids=[2], months=[202610])
        n = conn.execute(select(s.rollup_rating_official.c.n)).scalars().all()
    assert n == [3]
