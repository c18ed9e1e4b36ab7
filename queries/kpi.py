"""KPI reads: direction-aware completion per unit and month, and one unit's KPI table.

Completion comes from thuocdo.domain.okr.kpi_completion (up: actual ÷ target, down:
target ÷ actual, capped at 120 %). Imported indices such as Decision 766 (``766.*``) are
ordinary rows of kpis / kpi_values and are treated like any other KPI.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from queries.db import read
from thuocdo.domain.access import Scope
from thuocdo.domain.okr import kpi_completion


def _completion(df: pd.DataFrame) -> pd.Series:
    if df.empty:
        return pd.Series([], dtype=float)
    return pd.Series(
        kpi_completion(
            df["actual"].astype(float).to_numpy(),
            df["target"].astype(float).to_numpy(),
            df["direction"].astype(object).fillna("up").to_numpy(),
        ),
        index=df.index,
        dtype=float,
    )


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def kpi_unit_month(scope: Scope, start: int, end: int) -> pd.DataFrame:
    """Per unit and month: number of KPI values with a completion (kpi_n) and their sum (kpi_sum)."""
    df = read("kpi_values_window", scope_path=scope.path_like, start=start, end=end)
    df["completion"] = _completion(df)
    ok = df[df["completion"].notna()]
    out = ok.groupby(["unit_id", "month"], as_index=False).agg(
        kpi_n=("completion", "size"), kpi_sum=("completion", "sum")
    )
    return out.astype({"unit_id": "int64", "month": "int64", "kpi_n": "int64", "kpi_sum": float})


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def unit_kpis(scope: Scope, unit_id: int, start: int, end: int, spark_start: int) -> pd.DataFrame:
    """One unit's KPIs: latest target and actual in the period, completion, period mean, sparkline values."""
    df = read("kpi_unit_values", scope_path=scope.path_like, unit_id=unit_id, start=min(start, spark_start), end=end)
    cols = [
        "kpi_id",
        "code",
        "name",
        "name_en",
        "unit_of_measure",
        "direction",
        "parent_code",
        "month",
        "target",
        "actual",
        "completion",
        "completion_avg",
        "trend",
    ]
    if df.empty:
        return pd.DataFrame({c: [] for c in cols})
    df["completion"] = _completion(df)
    in_period = df[(df["month"] >= start) & (df["month"] <= end)]
    latest = in_period.sort_values("month").groupby("kpi_id", as_index=False).last()
    avg = in_period.groupby("kpi_id")["completion"].mean()
    spark = (
        df[df["month"] >= spark_start]
        .sort_values("month")
        .groupby("kpi_id")["actual"]
        .apply(lambda s: [None if pd.isna(v) else float(v) for v in s])
    )
    latest["completion_avg"] = latest["kpi_id"].map(avg).astype(float)
    latest["trend"] = latest["kpi_id"].map(spark)
    return latest[cols].sort_values("code").reset_index(drop=True)
