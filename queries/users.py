"""Users, demo users and unit paths, for sign-in and scope."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from queries.db import get_engine, read


@st.cache_data(ttl=60, max_entries=8, show_spinner=False)
def demo_mode_marker() -> bool:
    """True when the database was seeded with demo data (meta key 'demo' = '1')."""
    try:
        df = read("meta_value", key="demo")
    except SQLAlchemyError:
        return False
    return not df.empty and df.iloc[0]["value"] == "1"


@st.cache_data(ttl=60, max_entries=8, show_spinner=False)
def demo_users() -> pd.DataFrame:
    """The seeded demo users, one per role, with their scope unit."""
    return read("users_demo")


@st.cache_data(ttl=60, max_entries=512, show_spinner=False)
def user_by_email(email: str) -> dict | None:
    """A user row (role, unit code and path) by e-mail, or None."""
    df = read("user_by_email", email=email.strip().lower())
    return None if df.empty else df.iloc[0].to_dict()


@st.cache_data(ttl=300, max_entries=1024, show_spinner=False)
def unit_path(code: str) -> str | None:
    """The materialised path of a unit code, or None when unknown."""
    df = read("unit_path_by_code", code=code)
    return None if df.empty else str(df.iloc[0]["path"])


def engine():
    return get_engine()
