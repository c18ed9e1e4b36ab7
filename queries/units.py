"""Units and the months that have data, within a scope."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from queries.db import read
from thuocdo.domain.access import Scope


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def months_with_data(scope: Scope) -> list[int]:
    """Months (YYYYMM, newest first) with evaluations, ratings or KPI values in scope."""
    df = read("months_with_data", scope_path=scope.path_like)
    return [int(m) for m in df["month"].tolist()]


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def units_in_scope(scope: Scope) -> pd.DataFrame:
    """Every active unit of the scope's subtree, in tree order."""
    return read("units_in_scope", scope_path=scope.path_like)


def unit_row(scope: Scope, code: str) -> dict | None:
    """The unit with ``code`` if it is inside ``scope``, else None."""
    df = units_in_scope(scope)
    hit = df[df["code"] == code]
    return None if hit.empty else hit.iloc[0].to_dict()
