"""Users, their change history and the sign-in lookup, for the admin page and the login."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from queries.db import read
from thuocdo.domain.access import Scope

MAX_CHANGES = 2000


def _json(value):
    """A JSON column as a Python value (SQLite returns text, PostgreSQL the parsed value)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def _bools(df: pd.DataFrame, cols) -> pd.DataFrame:
    for col in cols:
        if col in df:
            df[col] = df[col].map(lambda v: bool(v) if v is not None and v == v else False).astype(bool)
    return df


@st.cache_data(ttl=30, max_entries=64, show_spinner=False)
def users(scope: Scope) -> pd.DataFrame:
    """Users whose scope unit lies inside ``scope`` (city-wide users only for a city scope)."""
    return _bools(read("admin_users", scope_path=scope.path_like), ["active", "is_demo"])


def user_changes(scope: Scope, email: str = "") -> pd.DataFrame:
    """Recorded changes (who, when, before, after) of users inside ``scope``, newest first.

    Not cached: the admin must see their own change at once.
    """
    df = read(
        "admin_user_changes",
        scope_path=scope.path_like,
        email=(email or "").strip().lower(),
        row_limit=MAX_CHANGES,
    )
    for col in ("before", "after"):
        df[col] = df[col].map(_json)
    return df


@st.cache_data(ttl=60, max_entries=1024, show_spinner=False)
def sign_in_user(email: str) -> dict | None:
    """The users-table row of the person signing in (role, unit, active), or None."""
    df = read("admin_sign_in_user", email=(email or "").strip().lower())
    if df.empty:
        return None
    row = df.iloc[0].to_dict()
    row["active"] = bool(row["active"])
    row["is_demo"] = bool(row["is_demo"])
    return row


@st.cache_data(ttl=30, max_entries=8, show_spinner=False)
def access_log_facets(scope: Scope) -> pd.DataFrame:
    """Distinct (actor, action) pairs of the access log, for its filters; city scope only."""
    return read("admin_access_log_facets", whole_city=1 if scope.unit_path == "/" else 0)
