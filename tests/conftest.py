"""Shared fixtures: databases built in code, cache clearing, required-vs-optional parts.

Browser and PostgreSQL tests skip on a laptop without Chromium or a PostgreSQL server,
saying so; under ``CI=true`` they are required and a missing part fails the run.
"""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from thuocdo.store.db import init_db  # noqa: E402
from thuocdo.store.engine import make_engine  # noqa: E402

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def require(condition: bool, what: str) -> None:
    """Skip when ``what`` is missing on a developer machine; fail under CI=true."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{what} is required when CI=true")
    pytest.skip(f"{what} is not available on this machine (required under CI=true)")


@pytest.fixture(autouse=True)
def _clear_streamlit_caches():
    """Cached values must not leak from one test into the next."""
    try:
        import streamlit as st
    except ImportError:  # pragma: no cover
        yield
        return
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(autouse=True)
def _appless_v2_navigation(monkeypatch):
    """Run AppTest as a server in its steady state: st.navigation mode, not the legacy
    pages/ router that a fresh server uses until its first session runs app.py (that
    first-request path is covered by the browser smoke test, and components.router
    handles it with one rerun, which would swallow AppTest button clicks)."""
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def sqlite_engine(sqlite_url):
    engine = make_engine(sqlite_url)
    init_db(engine)
    yield engine
    engine.dispose()


def pg_base_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


@pytest.fixture
def pg_url():
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    base = pg_base_url()
    require(base is not None, "PostgreSQL (TEST_DATABASE_URL)")
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))  # identifier made here, not input
    sep = "&" if "?" in base else "?"
    url = f"{base}{sep}options=-csearch_path%3D{schema}"
    yield url
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def pg_engine(pg_url):
    engine = make_engine(pg_url)
    init_db(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request):
    """The same test on the embedded SQLite file and on PostgreSQL."""
    return request.getfixturevalue("sqlite_engine" if request.param == "sqlite" else "pg_engine")


@pytest.fixture
def chromium_path() -> str:
    found = Path(CHROMIUM).exists() or shutil.which("chromium")
    require(bool(found), "Chromium (/usr/bin/chromium)")
    return CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
