"""The read side of the early-warning page: queue, case file, history, trends, config.

Queries used (queries/sql/): warnings_queue, warnings_case, warnings_events,
warnings_trend, warnings_by_unit, warnings_assignees, warnings_month_range.
Every function takes the user's scope; the SQL joins ``units`` and filters on its path.
Writes (workflow actions, configuration) go through the core
(:mod:`thuocdo.domain.warnings`), never through SQL here.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import streamlit as st

from queries.db import get_engine, read
from thuocdo.domain.access import Scope, pseudonym
from thuocdo.domain.warnings.config import LoadedConfig, config_history, load_config

TTL = 120
JSON_COLS = ("reason_params", "evidence")


def _json(value):
    """JSON columns arrive as text on SQLite and as objects on PostgreSQL."""
    if isinstance(value, (str, bytes)):
        try:
            return json.loads(value)
        except ValueError:
            return {}
    return value if value is not None else {}


def _decode(df: pd.DataFrame) -> pd.DataFrame:
    for col in JSON_COLS:
        if col in df:
            df[col] = [_json(v) for v in df[col]]
    for col in ("created_at", "updated_at", "at"):
        if col in df:
            df[col] = pd.to_datetime(df[col])
    return df


def _pseudonymise(df: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    if scope.pseudonymise and "subject_name" in df:
        is_off = df["subject_type"] == "official"
        df.loc[is_off, "subject_name"] = [pseudonym(str(c)) for c in df.loc[is_off, "subject_code"]]
    return df


def subtree_like(unit_path: str | None, scope: Scope) -> str:
    """The LIKE pattern of a unit subtree, never wider than the scope."""
    if unit_path and scope.contains_path(unit_path):
        return unit_path + "%"
    return scope.path_like


@st.cache_data(ttl=TTL, max_entries=256, show_spinner=False)
def warning_queue(
    scope: Scope, unit_path: str | None = None, month_from: int = 0, month_to: int = 999912
) -> pd.DataFrame:
    """Every warning in scope (and in ``unit_path``'s subtree) with months in the range.

    Open ones first, then by severity and month; the page filters by rule, severity,
    status, owner and age in memory (a city has a few thousand warnings).
    """
    df = read(
        "warnings_queue",
        scope_path=scope.path_like,
        unit_path=subtree_like(unit_path, scope),
        month_from=int(month_from),
        month_to=int(month_to),
    )
    return _pseudonymise(_decode(df), scope)


def filter_queue(
    df: pd.DataFrame,
    rules=(),
    severities=(),
    statuses=(),
    owner: str | None = None,
    max_age_days: int | None = None,
    today: dt.date | None = None,
) -> pd.DataFrame:
    """Apply the queue's filters; empty selections mean "all". ``owner``: an e-mail, "" (nobody) or None."""
    out = df
    if rules:
        out = out[out["rule_code"].isin(list(rules))]
    if severities:
        out = out[out["severity"].isin(list(severities))]
    if statuses:
        out = out[out["status"].isin(list(statuses))]
    if owner == "":
        out = out[out["assignee"].isna() | (out["assignee"] == "")]
    elif owner:
        out = out[out["assignee"] == owner]
    if max_age_days is not None and not out.empty:
        ref = pd.Timestamp(today or dt.date.today())
        out = out[(ref - out["created_at"]).dt.days <= int(max_age_days)]
    return out


@st.cache_data(ttl=TTL, max_entries=512, show_spinner=False)
def warning_case(scope: Scope, warning_id: int) -> dict | None:
    """One warning with its evidence if it lies inside ``scope``; None otherwise."""
    df = read("warnings_case", scope_path=scope.path_like, warning_id=int(warning_id))
    if df.empty:
        return None
    df = _pseudonymise(_decode(df), scope)
    return df.iloc[0].to_dict()


@st.cache_data(ttl=TTL, max_entries=512, show_spinner=False)
def warning_events(scope: Scope, warning_id: int) -> pd.DataFrame:
    """The event trail of a warning in scope (oldest first)."""
    return _decode(read("warnings_events", scope_path=scope.path_like, warning_id=int(warning_id)))


@st.cache_data(ttl=TTL, max_entries=256, show_spinner=False)
def warning_trend(scope: Scope, unit_path: str | None, month_from: int, month_to: int) -> pd.DataFrame:
    """Counts per month of the facts, rule and state (open / closed / false_positive)."""
    df = read(
        "warnings_trend",
        scope_path=scope.path_like,
        unit_path=subtree_like(unit_path, scope),
        month_from=int(month_from),
        month_to=int(month_to),
    )
    if not df.empty:
        df["n"] = df["n"].astype("int64")
        df["month"] = df["month"].astype("int64")
    return df


@st.cache_data(ttl=TTL, max_entries=256, show_spinner=False)
def warnings_by_unit(
    scope: Scope, unit_path: str | None, recent: tuple[int, int], before: tuple[int, int]
) -> pd.DataFrame:
    """Per unit: warnings in the recent window, in the window before, open now, open and high."""
    df = read(
        "warnings_by_unit",
        scope_path=scope.path_like,
        unit_path=subtree_like(unit_path, scope),
        recent_from=int(recent[0]),
        recent_to=int(recent[1]),
        before_from=int(before[0]),
        before_to=int(before[1]),
    )
    for col in ("recent", "earlier", "open_now", "open_high"):
        if col in df:
            df[col] = df[col].fillna(0).astype("int64")
    return df


@st.cache_data(ttl=TTL, max_entries=64, show_spinner=False)
def month_range(scope: Scope) -> tuple[int, int] | None:
    """(first, last) month of the warnings in scope, or None when there is none."""
    df = read("warnings_month_range", scope_path=scope.path_like)
    if df.empty or pd.isna(df.iloc[0]["first_month"]):
        return None
    return int(df.iloc[0]["first_month"]), int(df.iloc[0]["last_month"])


@st.cache_data(ttl=TTL, max_entries=8, show_spinner=False)
def assignees() -> pd.DataFrame:
    """Active leaders, inspectors and admins (email, name, role, unit_path)."""
    return read("warnings_assignees")


def assignees_for(unit_path: str) -> pd.DataFrame:
    """The people who may act on a warning of the unit at ``unit_path`` (their scope covers it)."""
    df = assignees()
    if df.empty:
        return df
    return df[[unit_path.startswith(p or "/") for p in df["unit_path"]]]


@st.cache_data(ttl=TTL, max_entries=4, show_spinner=False)
def current_config() -> LoadedConfig:
    """The rule configuration in force (version 0 = the built-in defaults)."""
    with get_engine().connect() as conn:
        return load_config(conn)


@st.cache_data(ttl=TTL, max_entries=4, show_spinner=False)
def config_versions() -> pd.DataFrame:
    """Saved configuration versions, newest first."""
    with get_engine().connect() as conn:
        return pd.DataFrame(config_history(conn), columns=["version", "created_at", "created_by", "note"])


def clear() -> None:
    """Forget cached warning data after an action or a scan."""
    for fn in (
        warning_queue,
        warning_case,
        warning_events,
        warning_trend,
        warnings_by_unit,
        month_range,
        current_config,
        config_versions,
    ):
        fn.clear()
