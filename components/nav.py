"""The page registry: addresses, files, icons; only pages that exist are listed."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from components.i18n import t
from thuocdo.domain.access import User

ROOT = Path(__file__).resolve().parent.parent

# (page key = URL path, file, icon). The first is the default page, served at "/".
PAGES = (
    ("overview", "pages/overview.py", ":material/dashboard:"),
    ("unit", "pages/unit.py", ":material/account_tree:"),
    ("satisfaction", "pages/satisfaction.py", ":material/sentiment_satisfied:"),
    ("warnings", "pages/warnings.py", ":material/notification_important:"),
    ("official", "pages/official.py", ":material/badge:"),
    ("grades", "pages/grades.py", ":material/grading:"),
    ("present", "pages/present.py", ":material/slideshow:"),
    ("import", "pages/import.py", ":material/upload_file:"),
    ("admin", "pages/admin.py", ":material/admin_panel_settings:"),
)

# Pages reached by drill-down with a parameter; listed in the menu only when useful.
TEMPLATED = {"unit", "official"}


def build_pages(user: User | None) -> dict[str, st.Page]:
    """st.Page objects for every existing page; those the user may not open are hidden."""
    pages: dict[str, st.Page] = {}
    for i, (key, file, icon) in enumerate(PAGES):
        if not (ROOT / file).exists():
            continue
        visible = user is not None and user.may_open(key)
        pages[key] = st.Page(
            str(ROOT / file),
            title=t(f"nav.{key}"),
            icon=icon,
            url_path=key,
            default=i == 0,
            visibility="visible" if visible else "hidden",
        )
    return pages


def page(key: str) -> str:
    """The file of page ``key`` for st.switch_page / st.page_link."""
    for k, file, _ in PAGES:
        if k == key:
            return file
    raise KeyError(key)
