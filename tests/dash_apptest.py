"""AppTest helpers shared by the dashboard page tests (fixture: tests/fixture_dashboards.py)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests import fixture_dashboards, fixture_data

ROOT = Path(__file__).resolve().parent.parent
EMAIL = {role: email for email, _n, role, _u in fixture_data.USERS}


def prepare(sqlite_engine, sqlite_url, monkeypatch):
    """Fill the test database with the dashboard fixture and point the app at it."""
    fixture_dashboards.build(sqlite_engine)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.delenv("THUOCDO_ENV", raising=False)
    monkeypatch.chdir(ROOT)
    return sqlite_engine


def open_page(file: str, role: str, params: dict | None = None, lang: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["demo_user_email"] = EMAIL[role]
    if lang:
        at.session_state["lang"] = lang
    for k, v in (params or {}).items():
        at.query_params[k] = v
    if file != "pages/overview.py":
        at.switch_page(file)
    return at.run()


def texts(at: AppTest) -> str:
    parts = [e.value for e in at.markdown] + [e.value for e in at.title] + [e.value for e in at.subheader]
    parts += [str(e.value) for e in at.error] + [str(e.value) for e in at.warning] + [str(e.value) for e in at.info]
    parts += [str(e.value) for e in at.caption]
    return "\n".join(map(str, parts))


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def frame(at: AppTest, key: str | None = None, has: tuple[str, ...] = ()):
    """The DataFrame of the st.dataframe with widget key ``key`` (selectable tables carry it
    in their id) or, for read-only tables, the first one that has all the columns ``has``."""
    for df in at.dataframe:
        if key and df.proto.id.endswith("-" + key):
            return df.value
        if has and set(has) <= set(df.value.columns):
            return df.value
    raise KeyError(key or has)
