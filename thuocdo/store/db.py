"""Create or upgrade the schema, and small helpers for meta facts and settings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, delete, insert, inspect, select, update

from thuocdo.store.schema import meta, settings

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def init_db(engine: Engine) -> dict:
    """Create the schema or upgrade it to the newest migration; say what was done."""
    before = current_revision(engine)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    after = current_revision(engine)
    return {"revision_before": before, "revision": after, "upgraded": before != after}


def is_empty(engine: Engine) -> bool:
    """True when there is no schema or no unit at all."""
    if "units" not in inspect(engine).get_table_names():
        return True
    from thuocdo.store.schema import units

    with engine.connect() as conn:
        return conn.execute(select(units.c.id).limit(1)).first() is None


def get_meta(conn: Connection, key: str, default: str | None = None) -> str | None:
    row = conn.execute(select(meta.c.value).where(meta.c.key == key)).first()
    return row[0] if row else default


def set_meta(conn: Connection, key: str, value: str) -> None:
    conn.execute(delete(meta).where(meta.c.key == key))
    conn.execute(insert(meta).values(key=key, value=value))


def get_setting(conn: Connection, key: str, default=None):
    row = conn.execute(select(settings.c.value).where(settings.c.key == key)).first()
    return row[0] if row else default


def set_setting(conn: Connection, key: str, value, actor: str = "system") -> None:
    now = dt.datetime.now()
    found = conn.execute(select(settings.c.key).where(settings.c.key == key)).first()
    if found:
        conn.execute(
            update(settings).where(settings.c.key == key).values(value=value, updated_at=now, updated_by=actor)
        )
    else:
        conn.execute(insert(settings).values(key=key, value=value, updated_at=now, updated_by=actor))
