"""One official: profile, monthly scores, annual grades, ratings vs unit and peers, warnings.

Every function takes the user's scope; a row outside it is never returned. With
``scope.pseudonymise`` names and codes leave this module as pseudonyms (``CB-3F2A9C``)
and the birth date is dropped. ``access_log`` is the admin's view of the access log.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import streamlit as st

from queries.db import get_engine, read
from thuocdo.domain.access import Scope, pseudonym
from thuocdo.domain.warnings.config import load_config
from thuocdo.store.access_log import pseudonymise

MAX_LOG_ROWS = 5000


def _json(value):
    """A JSON column as a Python value (SQLite returns text, PostgreSQL the parsed value)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return {}
    return value if value is not None else {}


def _ref(official: str | int) -> tuple[int, str]:
    """(id, code) bind values for a URL reference that is either a numeric id or a code."""
    text = str(official).strip()[:64]
    # ASCII digits only ("²".isdigit() is true but int() refuses it), and an id must fit
    # the database's 64-bit integer, else the driver raises instead of finding nothing.
    if text.isascii() and text.isdigit() and int(text) < 2**63:
        return int(text), text
    return -1, text


@st.cache_data(ttl=300, max_entries=2048, show_spinner=False)
def official_profile(scope: Scope, official: str | int) -> dict | None:
    """Identity, position and unit of one official (by id or code) if inside ``scope``."""
    oid, code = _ref(official)
    if not code:
        return None
    df = read("official_profile", scope_path=scope.path_like, official_id=oid, official_code=code)
    if df.empty:
        return None
    if scope.pseudonymise:
        df = pseudonymise(df)
    row = df.iloc[0].to_dict()
    row["display_name"] = row["full_name"]
    return row


@st.cache_data(ttl=300, max_entries=2048, show_spinner=False)
def official_months(scope: Scope, official_id: int, start: int, end: int) -> pd.DataFrame:
    """Monthly evaluation rows (components, self/manager/final, grade, tasks) in [start, end]."""
    return read("official_months", scope_path=scope.path_like, official_id=int(official_id), start=start, end=end)


@st.cache_data(ttl=300, max_entries=2048, show_spinner=False)
def official_annual(scope: Scope, official_id: int) -> pd.DataFrame:
    """Annual grades of one official, oldest first."""
    return read("official_annual", scope_path=scope.path_like, official_id=int(official_id))


@st.cache_data(ttl=300, max_entries=2048, show_spinner=False)
def official_ratings(scope: Scope, official_id: int, unit_id: int, start: int, end: int) -> pd.DataFrame:
    """Monthly rating counts (s1..s5, n, scale) of the official and of their unit, in [start, end]."""
    return read(
        "official_ratings_monthly",
        scope_path=scope.path_like,
        official_id=int(official_id),
        unit_id=int(unit_id),
        start=start,
        end=end,
    )


PEER_WINDOW = 3
"""Peers are compared over the last (at most) 3 months of the period: enough ratings and
scores to compare, and a bounded scan (peers of a common position can be thousands)."""

PEER_AUTO_ROWS = 20_000
"""Above this many official-months the page computes the peer comparison only on request,
so a city-wide group ("staff" in every ward) does not slow every official's page."""


@st.cache_data(ttl=600, max_entries=512, show_spinner=False)
def peer_count(scope: Scope, position_code: str | None, unit_kind: str | None) -> int:
    """Number of active officials in a position and kind of unit within ``scope`` (the official included)."""
    if not position_code or not unit_kind:
        return 0
    df = read("official_peer_count", scope_path=scope.path_like, position_code=position_code, unit_kind=unit_kind)
    return int(df.iloc[0]["n"]) if not df.empty else 0


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def peer_ratings(scope: Scope, position_code: str | None, unit_kind: str | None, start: int, end: int) -> pd.DataFrame:
    """Pooled rating counts per scale of everyone in a position and kind of unit (shared by peers).

    The official of the page is included; the page subtracts their own counts.
    """
    if not position_code or not unit_kind:
        return pd.DataFrame(columns=["scale", "s1", "s2", "s3", "s4", "s5", "n", "n_officials"])
    df = read(
        "official_peer_ratings",
        scope_path=scope.path_like,
        position_code=position_code,
        unit_kind=unit_kind,
        start=start,
        end=end,
    )
    for col in ("scale", "s1", "s2", "s3", "s4", "s5", "n", "n_officials"):
        df[col] = pd.to_numeric(df[col]).fillna(0).astype("int64")
    return df


@st.cache_data(ttl=300, max_entries=64, show_spinner=False)
def peer_scores(scope: Scope, position_code: str | None, unit_kind: str | None, start: int, end: int) -> pd.DataFrame:
    """Mean final score per official of a position and kind of unit in [start, end] (shared by peers)."""
    if not position_code or not unit_kind:
        return pd.DataFrame({"official_id": pd.Series(dtype="int64"), "score": pd.Series(dtype=float)})
    df = read(
        "official_peer_scores",
        scope_path=scope.path_like,
        position_code=position_code,
        unit_kind=unit_kind,
        start=start,
        end=end,
    )
    df["official_id"] = pd.to_numeric(df["official_id"]).astype("int64")
    df["score"] = pd.to_numeric(df["score"]).astype(float)
    return df


@st.cache_data(ttl=120, max_entries=2048, show_spinner=False)
def official_warnings(scope: Scope, official_id: int) -> pd.DataFrame:
    """Warnings whose subject is this official, newest month first, with parsed reason params."""
    df = read("official_warnings", scope_path=scope.path_like, official_id=int(official_id))
    if not df.empty:
        df["reason_params"] = df["reason_params"].map(_json)
    return df


@st.cache_data(ttl=300, max_entries=1024, show_spinner=False)
def officials_of_unit(scope: Scope, unit_id: int) -> pd.DataFrame:
    """Active officials of one unit (leaders first) for choosing whose page to open."""
    df = read("official_list", scope_path=scope.path_like, unit_id=int(unit_id))
    return pseudonymise(df) if scope.pseudonymise else df


@st.cache_data(ttl=600, max_entries=4, show_spinner=False)
def rotation_years() -> float:
    """Years in one position after which rotation is due in a sensitive sector (warning config)."""
    with get_engine().connect() as conn:
        cfg = load_config(conn)
    return float(cfg.rule("rotation_due").get("years", 5.0))


def access_log(
    scope: Scope,
    since: dt.date,
    until: dt.date,
    actor: str = "",
    action: str = "",
    target: str = "",
    limit: int = MAX_LOG_ROWS,
) -> pd.DataFrame:
    """The access log between two dates (inclusive), newest first, for the admin page.

    Not cached: an admin must see an access the moment it is logged. Entries about an
    official are kept when the official is inside ``scope``; entries about anything else
    only for a whole-city scope. Filters are exact matches; empty means any.
    """
    df = read(
        "official_access_log",
        scope_path=scope.path_like,
        whole_city=1 if scope.unit_path == "/" else 0,
        since=dt.datetime.combine(since, dt.time.min),
        until=dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min),
        actor=actor or "",
        action=action or "",
        target=target or "",
        row_limit=int(max(1, min(limit, MAX_LOG_ROWS))),
    )
    if scope.pseudonymise and not df.empty:
        known = df["official_code"].notna()
        df.loc[known, "official_name"] = df.loc[known, "official_code"].map(pseudonym)
        df.loc[known, "target"] = df.loc[known, "official_code"].map(pseudonym)
        df.loc[known, "official_code"] = df.loc[known, "official_code"].map(pseudonym)
    return df
