"""OKR reads: objectives and key results of a scope, valued as of a date, with pace and status.

The arithmetic (progress, roll-up, pace, status) is thuocdo.domain.okr; this module reads
the small OKR tables and values each key result as of a date: its latest check-in on or
before that date, or its ``current`` value when it has no check-ins at all.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import streamlit as st

from queries.db import read
from thuocdo.domain import okr as domain
from thuocdo.domain.access import Scope
from thuocdo.domain.periods import first_day, last_day, months_between

SETTING_KEY = "okr_pace"


@st.cache_data(ttl=300, max_entries=8, show_spinner=False)
def pace_thresholds() -> domain.PaceThresholds:
    """Pace bands from the ``okr_pace`` setting, 0.7 / 0.4 when unset or invalid."""
    df = read("okr_setting", key=SETTING_KEY)
    if df.empty:
        return domain.PaceThresholds()
    value = df.iloc[0]["value"]
    if isinstance(value, str):  # SQLite hands JSON back as text
        try:
            value = json.loads(value)
        except ValueError:
            return domain.PaceThresholds()
    try:
        return domain.PaceThresholds.from_setting(value if isinstance(value, dict) else None)
    except (TypeError, ValueError):
        return domain.PaceThresholds()


def as_of_date(end_month: int, today: dt.date | None = None) -> dt.date:
    """The date OKRs are valued at for a period ending in ``end_month``: its last day, or today."""
    return min(last_day(end_month), today or dt.date.today())


def _dates(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s.astype(object), errors="coerce").dt.normalize()


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def _okr_rows(scope: Scope, start_date: dt.date, end_date: dt.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Key results (with their objective) overlapping the window, and their check-ins up to its end."""
    kr = read("okr_key_results", scope_path=scope.path_like, start_date=start_date, end_date=end_date)
    ci = read("okr_checkins", scope_path=scope.path_like, start_date=start_date, end_date=end_date)
    for col in ("start_date", "end_date", "due_date"):
        kr[col] = _dates(kr[col])
    for col in ("baseline", "target", "current", "weight", "objective_weight"):
        kr[col] = kr[col].astype(float)
    kr["direction"] = kr["direction"].astype(object)
    ci["checked_at"] = _dates(ci["checked_at"])
    ci["value"] = ci["value"].astype(float)
    return kr, ci


def _value_as_of(kr: pd.DataFrame, ci: pd.DataFrame, as_of: dt.date) -> pd.Series:
    """Each key result's value at ``as_of``: its latest check-in on or before that date; ``current``
    for a key result that has no check-in at all; none (progress 0) when its first check-in is later."""
    ts = pd.Timestamp(as_of)
    upto = ci[ci["checked_at"] <= ts]
    latest = upto.sort_values("checked_at").groupby("key_result_id")["value"].last()
    value = kr["id"].map(latest).astype(float)
    never = kr["n_checkins"].astype("int64") == 0
    return value.where(~never, kr["current"])


def _elapsed(start: pd.Series, end: pd.Series, as_of: dt.date) -> np.ndarray:
    """Share of each objective's own period elapsed at ``as_of`` (0..1), day-inclusive like Period."""
    ts = pd.Timestamp(as_of)
    total = (end - start).dt.days + 1
    done = (ts - start).dt.days + 1
    return np.clip((done / total).to_numpy(dtype=float), 0.0, 1.0)


def _valued(kr_all: pd.DataFrame, ci: pd.DataFrame, start: int, end: int, as_of: dt.date):
    """Key results and objectives active in months start..end, valued at ``as_of``."""
    lo, hi = pd.Timestamp(first_day(start)), pd.Timestamp(last_day(end))
    kr = kr_all[(kr_all["start_date"] <= hi) & (kr_all["end_date"] >= lo)].copy()
    t = pace_thresholds()
    kr["value"] = _value_as_of(kr, ci, as_of)
    kr = domain.kr_progress_frame(kr.assign(current=kr["value"]))
    kr["elapsed"] = _elapsed(kr["start_date"], kr["end_date"], as_of)
    kr["pace"] = domain.pace(kr["progress"].to_numpy(dtype=float), kr["elapsed"].to_numpy(dtype=float))
    kr["status"] = domain.status(kr["pace"].to_numpy(dtype=float), t) if len(kr) else []
    meta = kr.drop_duplicates("objective_id")[
        [
            "objective_id",
            "objective_code",
            "objective_title",
            "unit_id",
            "period_kind",
            "year",
            "quarter",
            "start_date",
            "end_date",
            "objective_weight",
            "owner",
            "elapsed",
        ]
    ]
    obj = domain.objective_progress(kr[["objective_id", "progress", "weight"]])
    obj = meta.merge(obj, on="objective_id", how="left").rename(columns={"objective_weight": "weight"})
    obj["pace"] = domain.pace(obj["progress"].to_numpy(dtype=float), obj["elapsed"].to_numpy(dtype=float))
    obj["status"] = domain.status(obj["pace"].to_numpy(dtype=float), t) if len(obj) else []
    return kr.reset_index(drop=True), obj.reset_index(drop=True)


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def objectives(scope: Scope, start: int, end: int) -> pd.DataFrame:
    """Objectives active in the period with progress, elapsed share, pace and status at its end."""
    kr_all, ci = _okr_rows(scope, first_day(start), last_day(end))
    return _valued(kr_all, ci, start, end, as_of_date(end))[1]


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def key_results(scope: Scope, start: int, end: int) -> pd.DataFrame:
    """Key results of the objectives active in the period, valued at its end, with progress and pace."""
    kr_all, ci = _okr_rows(scope, first_day(start), last_day(end))
    return _valued(kr_all, ci, start, end, as_of_date(end))[0]


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def objective_months(scope: Scope, start: int, end: int) -> pd.DataFrame:
    """Per month of start..end: objectives active that month, valued at its last day (for trends)."""
    kr_all, ci = _okr_rows(scope, first_day(start), last_day(end))
    frames = []
    for m in months_between(start, end):
        if kr_all.empty:
            break
        obj = _valued(kr_all, ci, m, m, as_of_date(m))[1]
        if len(obj):
            frames.append(obj[["objective_id", "unit_id", "weight", "progress", "pace"]].assign(month=m))
    if not frames:
        return pd.DataFrame({"objective_id": [], "unit_id": [], "weight": [], "progress": [], "pace": [], "month": []})
    return pd.concat(frames, ignore_index=True)


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def checkin_series(scope: Scope, objective_id: int, start: int, end: int) -> pd.DataFrame:
    """Check-ins (as progress of each key result) of one objective up to the end of the period."""
    kr_all, ci = _okr_rows(scope, first_day(start), last_day(end))
    kr = kr_all[kr_all["objective_id"] == objective_id]
    c = ci[ci["key_result_id"].isin(kr["id"])].merge(
        kr[["id", "code", "title", "baseline", "target", "direction"]], left_on="key_result_id", right_on="id"
    )
    c = domain.kr_progress_frame(c.assign(current=c["value"]))
    return c[["key_result_id", "code", "title", "checked_at", "value", "progress"]].reset_index(drop=True)
