"""Unit page reads: the unit's officials (pseudonymised for presenters) and its warnings."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from queries.db import read
from thuocdo.domain.access import Scope, pseudonym

OPEN_STATUSES = ("new", "acknowledged", "verified")


def unit_scope(scope: Scope, unit_path: str) -> Scope:
    """The scope of one unit's subtree for a user whose scope contains it (ValueError otherwise)."""
    if not scope.contains_path(unit_path):
        raise ValueError("unit outside scope")
    return Scope(unit_path, scope.pseudonymise)


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def officials(scope: Scope, unit_id: int, start: int, end: int) -> pd.DataFrame:
    """The unit's own officials with mean final score, latest grade and satisfaction in the period."""
    df = read("unit_officials", scope_path=scope.path_like, unit_id=unit_id, start=start, end=end)
    df["satisfaction"] = df["rating_sat"].astype(float) / df["rating_n"].astype(float).where(df["rating_n"] > 0)
    df["avg_final"] = df["avg_final"].astype(float)
    if scope.pseudonymise:
        # Presenters see no names and no codes: a stable pseudonym stands for both.
        df["full_name"] = df["code"].map(pseudonym)
        df["position"] = None
        df["code"] = df["full_name"]
    return df


def _params(value) -> dict:
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


@st.cache_data(ttl=120, max_entries=256, show_spinner=False)
def warnings(scope: Scope, unit_path: str) -> pd.DataFrame:
    """Warnings of the unit's subtree (open first, then by severity and month), at most 200."""
    df = read("unit_warnings", scope_path=scope.path_like, unit_path=unit_path + "%")
    df["reason_params"] = df["reason_params"].map(_params)
    df["open"] = df["status"].isin(OPEN_STATUSES)
    return df
