"""Cached reads for the presentation page: live deck figures, snapshots, the last snapshot."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from queries.db import get_engine
from thuocdo.domain.access import Scope
from thuocdo.domain.periods import Period
from thuocdo.reports import figures, snapshots
from thuocdo.reports.service import scope_label


@st.cache_data(ttl=300, max_entries=64, show_spinner=False)
def live_payload(scope: Scope, period_key: str) -> tuple[dict, str]:
    """Deck figures of ``period_key`` in ``scope`` (pseudonymised for presenters) and their hash.

    The hash is that of the figures as computed, so it matches a snapshot frozen from them.
    """
    payload = figures.compute_payload(get_engine(), scope, Period.parse(period_key))
    return figures.for_viewer(payload, scope), figures.content_hash(payload)


@st.cache_data(ttl=60, max_entries=64, show_spinner=False)
def snapshot_list(scope: Scope) -> pd.DataFrame:
    """Snapshots visible to ``scope``, newest first (no payloads)."""
    rows = snapshots.list_snapshots(get_engine(), scope)
    cols = [
        "id",
        "title",
        "period",
        "content_hash",
        "policy_code",
        "warning_config_version",
        "created_at",
        "created_by",
    ]
    return pd.DataFrame([{c: r[c] for c in cols} for r in rows], columns=cols)


@st.cache_data(ttl=3600, max_entries=64, show_spinner=False)
def snapshot_row(scope: Scope, snap_id: int) -> dict | None:
    """One snapshot with its payload (frozen, so cached long), or None outside ``scope``."""
    return _viewer_row(snapshots.get_snapshot(get_engine(), int(snap_id), scope), scope)


@st.cache_data(ttl=60, max_entries=64, show_spinner=False)
def last_snapshot_before(scope: Scope, before_id: int | None) -> dict | None:
    """The newest snapshot visible to ``scope`` (older than ``before_id`` when given)."""
    return _viewer_row(snapshots.previous_snapshot(get_engine(), scope, before_id), scope)


def _viewer_row(row: dict | None, scope: Scope) -> dict | None:
    """A snapshot row whose payload is pseudonymised for presenters (its hash is kept),
    with ``verified``: the stored payload still hashes to the stored content hash."""
    if row is None:
        return None
    return {**row, "verified": snapshots.verify(row), "payload": figures.for_viewer(row["payload"], scope)}


@st.cache_data(ttl=3600, max_entries=64, show_spinner=False)
def scope_name(scope: Scope, lang: str) -> str:
    """The name of the scope's root unit, or 'whole city'."""
    return scope_label(get_engine(), scope, lang)
