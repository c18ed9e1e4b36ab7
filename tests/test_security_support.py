"""Helpers shared by the security and failure suites (no tests of its own).

AppTest quirk handled here: AppTest resets ``PagesManager.uses_pages_directory`` before
every run, so a run that asks for a page (``switch_page`` or any rerun after the first)
goes down Streamlit's legacy ``pages/`` route and executes the page file alone, without
``app.py``. A real server runs ``app.py`` on every rerun once ``st.navigation`` has been
called. :func:`through_frame` makes AppTest do the same, so the frame (database
failure handling, sidebar filters reading the hostile URL) is part of what is tested.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, func, select
from streamlit.testing.v1 import AppTest

from tests import fixture_data
from thuocdo.store import schema as s

ROOT = Path(__file__).resolve().parent.parent
EMAIL = {role: email for email, _n, role, _u in fixture_data.USERS}


def through_frame(monkeypatch) -> None:
    """Route every AppTest run through app.py, as a warmed-up server does."""
    import streamlit.runtime.scriptrunner.script_runner as runner

    def run_main(main_script_path) -> None:
        path = str(main_script_path)
        code = compile(Path(path).read_text(encoding="utf-8"), path, "exec")
        exec(code, {"__name__": "__main__", "__file__": path})  # noqa: S102 - the app itself

    monkeypatch.setattr(runner, "_mpa_v1", run_main)


def open_app(file: str | None, role: str | None, params: dict | None = None, run: bool = True) -> AppTest:
    """An AppTest of app.py on ``file`` (None: the default page) as the demo ``role``."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    if role:
        at.session_state["demo_user_email"] = EMAIL[role]
    for k, v in (params or {}).items():
        at.query_params[k] = v
    if file and file != "pages/overview.py":
        at.switch_page(file)
    return at.run() if run else at


def all_text(at: AppTest) -> str:
    """Every piece of text the run put on screen (main and sidebar)."""
    parts: list[str] = []
    for kind in (
        "markdown",
        "title",
        "header",
        "subheader",
        "caption",
        "error",
        "warning",
        "info",
        "success",
        "text",
        "code",
        "latex",
        "exception",
    ):
        for el in getattr(at, kind, []):
            parts.append(str(getattr(el, "value", "")))
    for el in at.metric:
        parts += [str(el.label), str(el.value)]
    return "\n".join(parts)


def table_counts(engine: Engine) -> dict[str, int]:
    """Row count of every table: the database must come out of an attack unchanged."""
    out = {}
    with engine.connect() as conn:
        for name, table in s.metadata.tables.items():
            if name == "access_log":  # refusals are logged on purpose
                continue
            out[name] = conn.execute(select(func.count()).select_from(table)).scalar_one()
    return out
