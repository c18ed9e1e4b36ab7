"""Headline figures for the overview page."""

from __future__ import annotations

import streamlit as st

from queries.db import read
from thuocdo.domain.access import Scope


@st.cache_data(ttl=300, max_entries=512, show_spinner=False)
def headline(scope: Scope, start: int, end: int) -> dict:
    """Counts, mean final score, satisfaction rate and open warnings in scope and period."""
    df = read("overview_headline", scope_path=scope.path_like, start=start, end=end)
    return df.iloc[0].to_dict()
