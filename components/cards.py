"""Headline cards: a metric with its change against a comparison period, and status badges."""

from __future__ import annotations

import math

import streamlit as st

from components.i18n import num, pct, t

STATUS_BADGE = {"on_track": "green", "at_risk": "orange", "off_track": "red", "no_data": "gray"}


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def change(now, before, kind: str) -> str | None:
    """The change from ``before`` to ``now`` as text: points of percent, score points or a count."""
    if _missing(now) or _missing(before):
        return None
    d = float(now) - float(before)
    sign = "+" if d > 0 else ""
    if kind == "percent":
        return sign + t("dashboards.delta_points", value=num(d * 100, 1))
    if kind == "count":
        return sign + num(d, 0)
    return sign + num(d, 1)


def metric(
    container,
    label: str,
    now,
    before,
    kind: str = "percent",
    help: str | None = None,
    inverse: bool = False,
    decimals: int = 1,
) -> None:
    """One st.metric: the value in the period and its change vs the comparison period."""
    if kind == "percent":
        value = pct(now, decimals)
    elif kind == "count":
        value = num(now, 0)
    else:
        value = num(now, decimals)
    delta = change(now, before, kind)
    container.metric(label, value, delta, delta_color="inverse" if inverse else "normal", help=help, border=True)


def status_badge(status: str) -> str:
    """A coloured Markdown badge for a pace status (text from the catalogue)."""
    return f":{STATUS_BADGE.get(status, 'gray')}-badge[{t('domain.status.' + status)}]"


def is_missing(x) -> bool:
    """True for None or NaN."""
    return _missing(x)


def url_control(
    container, label: str, name: str, options: list[str], default: str, format_func, key: str, kind: str = "segmented"
) -> str:
    """A segmented control or select box whose value lives in the URL parameter ``name``.

    The URL is the source of truth (bookmarks, shared links, the back button): the
    widget is reset to it on every run, and a change writes it back.
    """
    value = st.query_params.get(name, default)
    value = value if value in options else default
    if st.session_state.get(key) != value:
        st.session_state[key] = value

    def _write() -> None:
        chosen = st.session_state.get(key) or default
        if chosen == default:
            if name in st.query_params:
                del st.query_params[name]
        else:
            st.query_params[name] = chosen

    if kind == "segmented":
        container.segmented_control(
            label, options, format_func=format_func, key=key, on_change=_write, selection_mode="single"
        )
    else:
        container.selectbox(label, options, format_func=format_func, key=key, on_change=_write)
    return st.session_state.get(key) or default
