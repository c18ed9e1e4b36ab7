"""Grades by unit: counts per unit and month or year, the policy setting, officials with grades."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from queries.db import read
from thuocdo.domain.access import Scope
from thuocdo.domain.grading import DEFAULT_ASSIGNMENTS
from thuocdo.store.access_log import pseudonymise

COUNT_COLS = ["n", "n_excellent", "n_good", "n_completed", "n_not_completed"]


def _ints(df: pd.DataFrame, cols) -> pd.DataFrame:
    """Integer count columns (PostgreSQL SUM gives Decimal/int64, SQLite int) without NaN."""
    for c in cols:
        if c in df:
            df[c] = pd.to_numeric(df[c]).fillna(0).astype("int64")
    return df


def _bools(df: pd.DataFrame, cols) -> pd.DataFrame:
    """Boolean columns from SQLite 0/1 or PostgreSQL booleans."""
    for c in cols:
        if c in df:
            df[c] = df[c].fillna(False).astype(bool)
    return df


@st.cache_data(ttl=300, max_entries=512, show_spinner=False)
def unit_month_grades(scope: Scope, start: int, end: int) -> pd.DataFrame:
    """Monthly grade counts per unit (from the evaluation rollup) in [start, end]."""
    df = read("grades_unit_month", scope_path=scope.path_like, start=start, end=end)
    df = _bools(_ints(df, COUNT_COLS), ["outstanding"])
    df["sum_final"] = pd.to_numeric(df["sum_final"]).astype(float)
    return df


@st.cache_data(ttl=300, max_entries=512, show_spinner=False)
def unit_year_grades(scope: Scope, year_from: int, year_to: int) -> pd.DataFrame:
    """Annual grade counts per unit, year and task group ('' when none)."""
    df = read("grades_unit_year", scope_path=scope.path_like, year_from=year_from, year_to=year_to)
    df = _bools(_ints(df, COUNT_COLS), ["outstanding"])
    df["sum_score"] = pd.to_numeric(df["sum_score"]).astype(float)
    return df


@st.cache_data(ttl=300, max_entries=1024, show_spinner=False)
def unit_officials_grades(scope: Scope, unit_id: int, start: int, end: int, year: int) -> pd.DataFrame:
    """Officials of one unit with their mean scores in [start, end] and their grade of ``year``."""
    df = read(
        "grades_officials",
        scope_path=scope.path_like,
        unit_id=int(unit_id),
        start=start,
        end=end,
        year=int(year),
    )
    df = _bools(_ints(df, ["months", "n_excellent", "n_not_completed", "disciplined"]), ["is_leader"])
    df["disciplined"] = df["disciplined"] > 0
    for c in ("mean_score", "mean_self", "mean_manager", "annual_score"):
        df[c] = pd.to_numeric(df[c]).astype(float)
    return pseudonymise(df) if scope.pseudonymise else df


@st.cache_data(ttl=120, max_entries=4, show_spinner=False)
def grading_assignments() -> list[dict]:
    """The ``grading_policy`` setting (policy per period and unit subtree), or the defaults."""
    df = read("grades_setting", key="grading_policy")
    if df.empty:
        return [dict(a) for a in DEFAULT_ASSIGNMENTS]
    value = df.iloc[0]["value"]
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return [dict(a) for a in DEFAULT_ASSIGNMENTS]
    if isinstance(value, dict):
        value = value.get("assignments", [])
    return [dict(a) for a in value if isinstance(a, dict) and "policy" in a] or [dict(a) for a in DEFAULT_ASSIGNMENTS]
