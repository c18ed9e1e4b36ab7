"""The one engine factory: it alone knows where the database is."""

from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event

DEFAULT_URL = "sqlite:///data/thuocdo.db"
SECRETS_FILE = Path(".streamlit") / "secrets.toml"


def database_url() -> str:
    """Return the database URL: environment, then secrets, then the embedded default."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return url
    if SECRETS_FILE.exists():
        try:
            secrets = tomllib.loads(SECRETS_FILE.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            secrets = {}
        url = str(secrets.get("DATABASE_URL", "") or "").strip()
        if url:
            return url
    return DEFAULT_URL


def _normalise(url: str) -> str:
    # psycopg 3 is the installed driver; accept the common spellings of a PG URL.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets the app read while a command-line import writes.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA cache_size=-65536")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.close()


def make_engine(url: str | None = None, **kwargs) -> Engine:
    """Create an engine for ``url`` (default: :func:`database_url`)."""
    url = _normalise(url or database_url())
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:" and not path.startswith("file:"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 5)
    kwargs.setdefault("max_overflow", 10)
    return create_engine(url, **kwargs)


@lru_cache(maxsize=4)
def shared_engine(url: str | None = None) -> Engine:
    """A process-wide engine per URL, for the command line and the app."""
    return make_engine(url)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
