"""Chart builders: each returns an alt.Chart built from already-aggregated rows.

Texts (titles, labels, formatted values) arrive in the data or as arguments so that the
builders stay language-neutral; clickable charts carry a named point selection whose
fields are what a page needs to act (a unit code, a month, a status).
"""

from __future__ import annotations

import sys

import altair as alt
import pandas as pd
import streamlit as st

from components.theme import PALETTE, STATUS_COLORS

STATUS_ORDER = ["on_track", "at_risk", "off_track", "no_data"]
GRADE_COLORS = {"excellent": "#1f5fa8", "good": "#2e7d32", "completed": "#ef8a17", "not_completed": "#b3261e"}
SEVERITY_COLORS = {"high": "#b3261e", "medium": "#ef8a17", "low": "#546e7a"}

# Selection names the pages read from the chart event.
UNIT_PICK = "unit_pick"
CELL_PICK = "cell_pick"
STATUS_PICK = "status_pick"
OBJECTIVE_PICK = "objective_pick"


def _scale(mapping: dict[str, str], order: list[str]) -> alt.Scale:
    return alt.Scale(domain=order, range=[mapping[k] for k in order])


def status_bar(df: pd.DataFrame, title: str, chosen: str | None = None) -> alt.Chart:
    """Units per pace status (status, label, n); clicking a bar picks that status."""
    pick = alt.selection_point(name=STATUS_PICK, fields=["status"], on="click")
    order = [s for s in STATUS_ORDER if s in set(df["status"])]
    data = df.assign(chosen=(df["status"] == chosen) if chosen else True)
    return (
        alt.Chart(data, title=title)
        .mark_bar(cursor="pointer")
        .encode(
            y=alt.Y(
                "label:N",
                sort=list(data.sort_values("status", key=lambda s: s.map(STATUS_ORDER.index))["label"]),
                title=None,
            ),
            x=alt.X("n:Q", title=None, axis=alt.Axis(tickMinStep=1, format="d")),
            color=alt.Color("status:N", scale=_scale(STATUS_COLORS, order), legend=None),
            opacity=alt.condition("datum.chosen", alt.value(1.0), alt.value(0.35)),
            tooltip=[alt.Tooltip("label:N", title=" "), alt.Tooltip("n:Q", title="#")],
        )
        .add_params(pick)
        .properties(height=150)
    )


def grade_bar(df: pd.DataFrame, title: str) -> alt.Chart:
    """Distribution of grades (grade, label, n, share_text)."""
    order = [g for g in GRADE_COLORS if g in set(df["grade"])]
    return (
        alt.Chart(df, title=title)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", sort=list(df["label"]), title=None),
            x=alt.X("n:Q", title=None, axis=alt.Axis(tickMinStep=1, format="d")),
            color=alt.Color("grade:N", scale=_scale(GRADE_COLORS, order), legend=None),
            tooltip=[
                alt.Tooltip("label:N", title=" "),
                alt.Tooltip("n:Q", title="#"),
                alt.Tooltip("share_text:N", title="%"),
            ],
        )
        .properties(height=150)
    )


def severity_bar(df: pd.DataFrame, title: str) -> alt.Chart:
    """Open warnings per severity (severity, label, n)."""
    order = [s for s in SEVERITY_COLORS if s in set(df["severity"])]
    return (
        alt.Chart(df, title=title)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", sort=list(df["label"]), title=None),
            x=alt.X("n:Q", title=None, axis=alt.Axis(tickMinStep=1, format="d")),
            color=alt.Color("severity:N", scale=_scale(SEVERITY_COLORS, order), legend=None),
            tooltip=[alt.Tooltip("label:N", title=" "), alt.Tooltip("n:Q", title="#")],
        )
        .properties(height=150)
    )


def ranking_bar(df: pd.DataFrame, title: str, percent: bool) -> alt.Chart:
    """Units ranked by one measure (code, name, value, value_text, status); a click picks the unit."""
    pick = alt.selection_point(name=UNIT_PICK, fields=["code"], on="click")
    order = [s for s in STATUS_ORDER if s in set(df["status"])] or ["no_data"]
    fmt = ".0%" if percent else ".0f"
    return (
        alt.Chart(df, title=title)
        .mark_bar(cursor="pointer")
        .encode(
            y=alt.Y("name:N", sort=list(df["name"]), title=None, axis=alt.Axis(labelLimit=260)),
            x=alt.X("value:Q", title=None, axis=alt.Axis(format=fmt)),
            color=alt.Color("status:N", scale=_scale(STATUS_COLORS, order), legend=None),
            tooltip=[alt.Tooltip("name:N", title=" "), alt.Tooltip("value_text:N", title="=")],
        )
        .add_params(pick)
        .properties(height=max(120, 24 * len(df)))
    )


def heatmap(
    df: pd.DataFrame, title: str, percent: bool, months: list[str], domain: tuple[float, float] | None = None
) -> alt.Chart:
    """Units x months (code, name, month, month_label, value, value_text); a click picks a cell.

    Colours run red → green over ``domain`` (default 40-100 % for shares, 50-100 for scores).
    """
    pick = alt.selection_point(name=CELL_PICK, fields=["code", "month"], on="click")
    lo_hi = list(domain) if domain else ([0.4, 1.0] if percent else [50, 100])
    scale = alt.Scale(scheme="redyellowgreen", domain=lo_hi, clamp=True)
    legend_format = ".0%" if percent else (".2f" if domain else ".0f")
    names = list(dict.fromkeys(df["name"]))
    return (
        alt.Chart(df, title=title)
        .mark_rect(cursor="pointer", stroke="white", strokeWidth=1)
        .encode(
            x=alt.X("month_label:O", sort=months, title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("name:N", sort=names, title=None, axis=alt.Axis(labelLimit=260)),
            color=alt.Color("value:Q", scale=scale, legend=alt.Legend(format=legend_format, title=None)),
            tooltip=[
                alt.Tooltip("name:N", title=" "),
                alt.Tooltip("month_label:O", title="  "),
                alt.Tooltip("value_text:N", title="="),
            ],
        )
        .add_params(pick)
        .properties(height=max(120, 26 * len(names)))
    )


def trend_lines(df: pd.DataFrame, title: str, percent: bool) -> alt.Chart:
    """Monthly lines per measure (month_date, measure_label, value, value_text)."""
    return (
        alt.Chart(df, title=title)
        .mark_line(point=True)
        .encode(
            x=alt.X("month_date:T", title=None, axis=alt.Axis(format="%m/%Y", tickCount="month")),
            y=alt.Y("value:Q", title=None, axis=alt.Axis(format=".0%" if percent else ".0f")),
            color=alt.Color(
                "measure_label:N", title=None, scale=alt.Scale(range=PALETTE[1:]), legend=alt.Legend(orient="bottom")
            ),
            tooltip=[
                alt.Tooltip("measure_label:N", title=" "),
                alt.Tooltip("month_date:T", format="%m/%Y", title="  "),
                alt.Tooltip("value_text:N", title="="),
            ],
        )
        .properties(height=240)
    )


def structure_chart(df: pd.DataFrame, title: str) -> alt.Chart:
    """Structural targets (label, value, threshold, met_label, value_text, threshold_text):
    a bar per target and a tick at its threshold."""
    data = df.assign(value=df["value"].fillna(0.0))
    base = alt.Chart(data, title=title).encode(
        y=alt.Y("label:N", sort=list(data["label"]), title=None, axis=alt.Axis(labelLimit=320))
    )
    tooltip = [
        alt.Tooltip("label:N", title=" "),
        alt.Tooltip("value_text:N", title="="),
        alt.Tooltip("threshold_text:N", title="≥"),
        alt.Tooltip("met_label:N", title="  "),
    ]
    bars = base.mark_bar().encode(
        x=alt.X("value:Q", title=None, scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format=".0%")),
        color=alt.Color(
            "met:N", scale=alt.Scale(domain=["yes", "no", "na"], range=["#2e7d32", "#b3261e", "#9e9e9e"]), legend=None
        ),
        tooltip=tooltip,
    )
    ticks = base.mark_tick(color="#222", thickness=3, size=22).encode(x="threshold:Q", tooltip=tooltip)
    return alt.layer(bars, ticks).properties(height=max(120, 32 * len(data)))


def objective_chart(df: pd.DataFrame, title: str, chosen: str | None = None) -> alt.LayerChart:
    """Objectives' progress (code, label, progress, elapsed, status, progress_text, pace_text, status_label)
    with a tick at the elapsed share of each period; a click picks the objective."""
    pick = alt.selection_point(name=OBJECTIVE_PICK, fields=["code"], on="click")
    order = [s for s in STATUS_ORDER if s in set(df["status"])] or ["no_data"]
    data = df.assign(chosen=(df["code"] == chosen) if chosen else True)
    base = alt.Chart(data, title=title).encode(
        y=alt.Y("label:N", sort=list(data["label"]), title=None, axis=alt.Axis(labelLimit=360))
    )
    tooltip = [
        alt.Tooltip("label:N", title=" "),
        alt.Tooltip("progress_text:N", title="%"),
        alt.Tooltip("pace_text:N", title="÷"),
        alt.Tooltip("status_label:N", title="  "),
    ]
    bars = (
        base.mark_bar(cursor="pointer")
        .encode(
            x=alt.X("progress:Q", title=None, scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format=".0%")),
            color=alt.Color("status:N", scale=_scale(STATUS_COLORS, order), legend=None),
            opacity=alt.condition("datum.chosen", alt.value(1.0), alt.value(0.4)),
            tooltip=tooltip,
        )
        .add_params(pick)
    )
    ticks = base.mark_tick(color="#222", thickness=2, size=22).encode(x="elapsed:Q", tooltip=tooltip)
    return alt.layer(bars, ticks).properties(height=max(90, 34 * len(data)))


def checkin_lines(df: pd.DataFrame, title: str) -> alt.Chart:
    """Progress of each key result at its check-ins (checked_at, label, progress, value_text)."""
    return (
        alt.Chart(df, title=title)
        .mark_line(point=True)
        .encode(
            x=alt.X("checked_at:T", title=None, axis=alt.Axis(format="%d/%m/%Y")),
            y=alt.Y("progress:Q", title=None, scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format=".0%")),
            color=alt.Color("label:N", title=None, legend=alt.Legend(orient="bottom", labelLimit=400)),
            tooltip=[
                alt.Tooltip("label:N", title=" "),
                alt.Tooltip("checked_at:T", format="%d/%m/%Y", title="  "),
                alt.Tooltip("value_text:N", title="="),
            ],
        )
        .properties(height=220)
    )


def spec(builder: str, data: pd.DataFrame, *args, arrow: bool = False) -> dict:
    """The Vega-Lite spec of ``builder(data, *args)`` (build it inside a cached view: ~50 ms each).

    With ``arrow`` the datasets are stored as the Arrow bytes Streamlit sends to the browser,
    so that drawing a cached spec does not convert them again on every rerun.
    """
    out = getattr(sys.modules[__name__], builder)(data, *args).to_dict()
    if arrow and "datasets" in out:
        from streamlit import dataframe_util

        out["datasets"] = {
            name: dataframe_util.convert_anything_to_arrow_bytes(pd.DataFrame(rows))
            for name, rows in out["datasets"].items()
        }
    return out


def render(container, chart_spec: dict, key: str | None = None, select: bool = False):
    """Draw a spec from :func:`spec`; with ``select`` the click event is returned."""
    if select:
        return container.vega_lite_chart(chart_spec, on_select="rerun", key=key, theme=None, width="stretch")
    container.vega_lite_chart(chart_spec, theme=None, width="stretch")
    return None


@st.cache_data(ttl=600, max_entries=512, show_spinner=False)
def _cached_spec(builder: str, data: pd.DataFrame, args: tuple) -> dict:
    return spec(builder, data, *args)


def show(container, builder: str, data: pd.DataFrame, *args, key: str | None = None, select: bool = False):
    """Build (cached by the rows) and draw ``builder(data, *args)``; with ``select`` return the event."""
    return render(container, _cached_spec(builder, data, tuple(args)), key=key, select=select)
