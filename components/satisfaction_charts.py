"""Charts of the satisfaction page. Each builder takes an aggregated frame and the texts
to show (already translated), and returns an ``alt.Chart`` — tested as a spec.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from components.theme import PALETTE

# Funnel bands: outside the 99.8 % / 95 % limits above or below, within, or too few ratings.
BAND_ORDER = ["high99", "high95", "within", "low95", "low99", "insufficient"]
BAND_COLORS = ["#1b5e20", "#66bb6a", "#1f5fa8", "#ef8a17", "#b3261e", "#bdbdbd"]
# Level colours from "Không hài lòng" (red) to "Rất hài lòng" (green), for 4 and 5 levels.
LEVEL_COLORS = {
    4: ["#b3261e", "#ef8a17", "#7cb342", "#2e7d32"],
    5: ["#b3261e", "#ef8a17", "#9e9e9e", "#7cb342", "#2e7d32"],
}
PCT = ".1%"


def funnel_chart(
    points: pd.DataFrame, curves: pd.DataFrame, p0: float, text: dict, select_name: str = "funnel_pick"
) -> alt.Chart:
    """Rate against number of ratings, with 95 % and 99.8 % control limits around ``p0``.

    ``points``: code, name, valid, rate, lo, hi, band, band_label. ``curves``: n, lo95,
    hi95, lo998, hi998. A click selects a point (selection ``select_name`` on ``code``).
    """
    pick = alt.selection_point(name=select_name, fields=["code"], on="click")
    x = alt.X("valid:Q", scale=alt.Scale(type="log"), title=text["x"])
    y_scale = alt.Scale(zero=False, domain=[_floor(points, None), 1.0], clamp=True)
    long = (
        curves.melt("n", var_name="limit", value_name="value")
        if not curves.empty
        else pd.DataFrame(columns=["n", "limit", "value"])
    )
    long["kind"] = long["limit"].map(lambda s: "998" if s.endswith("998") else "95")
    limits = (
        alt.Chart(long)
        .mark_line(strokeWidth=1.2)
        .encode(
            x=alt.X("n:Q", scale=alt.Scale(type="log"), title=text["x"]),
            y=alt.Y("value:Q", scale=y_scale, axis=alt.Axis(format="%"), title=text["y"]),
            detail="limit:N",
            strokeDash=alt.StrokeDash(
                "kind:N",
                scale=alt.Scale(domain=["95", "998"], range=[[5, 3], [1, 0]]),
                legend=alt.Legend(
                    title=text["limits"],
                    labelLimit=320,
                    labelExpr=f"datum.value == '95' ? '{_q(text['l95'])}' : '{_q(text['l998'])}'",
                ),
            ),
            color=alt.value("#757575"),
        )
    )
    centre = alt.Chart(pd.DataFrame({"p0": [p0]})).mark_rule(color="#424242").encode(y=alt.Y("p0:Q", scale=y_scale))
    dots = (
        alt.Chart(points)
        .mark_circle(size=80, opacity=0.9, stroke="white", strokeWidth=0.5)
        .encode(
            x=x,
            y=alt.Y("rate:Q", scale=y_scale, axis=alt.Axis(format="%"), title=text["y"]),
            color=alt.Color(
                "band:N",
                scale=alt.Scale(domain=BAND_ORDER, range=BAND_COLORS),
                legend=alt.Legend(title=text["band"], labelExpr=_label_expr(text["bands"]), labelLimit=320),
            ),
            tooltip=[
                alt.Tooltip("name:N", title=text["name"]),
                alt.Tooltip("valid:Q", title=text["x"], format=","),
                alt.Tooltip("rate:Q", title=text["y"], format=PCT),
                alt.Tooltip("lo:Q", title=text["lo"], format=PCT),
                alt.Tooltip("hi:Q", title=text["hi"], format=PCT),
                alt.Tooltip("band_label:N", title=text["band"]),
            ],
        )
        .add_params(pick)
    )
    return alt.layer(limits, centre, dots).properties(height=380, title=text.get("title", ""))


def heatmap_chart(df: pd.DataFrame, text: dict, order: list[str] | None = None) -> alt.Chart:
    """Units x months, coloured by rate; cells below the minimum count are grey.

    ``df``: name, month_label, month, rate, valid, enough, rate_text.
    """
    data = df.assign(shown=df["rate"].where(df["enough"].astype(bool)))
    height = heatmap_height(data["name"].nunique()) - 90
    base = alt.Chart(data).encode(
        x=alt.X("month_label:O", title=text["x"], sort=alt.SortField("month")),
        y=alt.Y(
            "name:N", title=text["y"], sort=order or "ascending", axis=alt.Axis(labelLimit=260, labelOverlap=False)
        ),
        tooltip=[
            alt.Tooltip("name:N", title=text["y"]),
            alt.Tooltip("month_label:N", title=text["x"]),
            alt.Tooltip("rate_text:N", title=text["rate"]),
            alt.Tooltip("valid:Q", title=text["n"], format=","),
        ],
    )
    cells = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.condition(
            "isValid(datum.shown)",
            alt.Color(
                "shown:Q",
                title=text["rate"],
                scale=alt.Scale(scheme="redyellowgreen", domain=[0.6, 1.0], clamp=True),
                legend=alt.Legend(format="%"),
            ),
            alt.value("#e0e0e0"),
        )
    )
    return cells.properties(height=height, title=text.get("title", ""))


HOURS_HEIGHT = 330


def interval_height(n_rows: int) -> int:
    """Pixel height of an interval chart (36 px a row plus the axes)."""
    return 90 + 36 * max(2, int(n_rows))


def levels_height(n_rows: int) -> int:
    """Pixel height of the level distribution (40 px a level plus the axes)."""
    return 90 + 40 * max(4, int(n_rows))


def heatmap_height(n_rows: int) -> int:
    """Pixel height of the heatmap: 22 px a row plus the axes.

    Discrete (band) charts are given this height in st.altair_chart too: left to
    "content", Streamlit drew them squeezed and dropped axis labels.
    """
    return 90 + 22 * max(3, int(n_rows))


def levels_chart(df: pd.DataFrame, text: dict) -> alt.Chart:
    """Share of each level, one bar per level (``df``: level, label, count, share, scale_label)."""
    scale = int(df["scale"].max()) if not df.empty else 4
    colors = LEVEL_COLORS.get(scale, LEVEL_COLORS[4])
    order = df.sort_values("level", ascending=False)["label"].tolist()
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=260)),
            x=alt.X("share:Q", axis=alt.Axis(format="%"), title=text["x"]),
            color=alt.Color("level:O", scale=alt.Scale(domain=list(range(1, scale + 1)), range=colors), legend=None),
            tooltip=[
                alt.Tooltip("label:N", title=text["level"]),
                alt.Tooltip("count:Q", title=text["n"], format=","),
                alt.Tooltip("share:Q", title=text["x"], format=PCT),
            ],
        )
        .properties(height=levels_height(len(df)) - 90, title=text.get("title", ""))
    )


def trend_chart(df: pd.DataFrame, text: dict) -> alt.Chart:
    """Monthly rate with its 95 % Wilson band (``df``: month_label, month, rate, lo, hi, valid, dissatisfied)."""
    x = alt.X("month_label:O", sort=alt.SortField("month"), title=text["x"])
    y_scale = alt.Scale(zero=False, domain=[_floor(df, None), 1.0], clamp=True)
    band = (
        alt.Chart(df)
        .mark_area(opacity=0.25, color=PALETTE[1])
        .encode(x=x, y=alt.Y("lo:Q", scale=y_scale, axis=alt.Axis(format="%"), title=text["y"]), y2="hi:Q")
    )
    line = (
        alt.Chart(df)
        .mark_line(point=True, color=PALETTE[1])
        .encode(
            x=x,
            y=alt.Y("rate:Q", scale=y_scale),
            tooltip=[
                alt.Tooltip("month_label:N", title=text["x"]),
                alt.Tooltip("rate:Q", title=text["y"], format=PCT),
                alt.Tooltip("lo:Q", title=text["lo"], format=PCT),
                alt.Tooltip("hi:Q", title=text["hi"], format=PCT),
                alt.Tooltip("valid:Q", title=text["n"], format=","),
                alt.Tooltip("dissatisfied:Q", title=text["dis"], format=PCT),
            ],
        )
    )
    return alt.layer(band, line).properties(height=280, title=text.get("title", ""))


def hours_chart(df: pd.DataFrame, text: dict) -> alt.Chart:
    """Ratings per weekday x hour (``df``: dow, day_label, hour, n)."""
    days = df.sort_values("dow")["day_label"].drop_duplicates().tolist()
    return (
        alt.Chart(df)
        .mark_rect(stroke="white", strokeWidth=1)
        .encode(
            x=alt.X("hour:O", title=text["x"]),
            y=alt.Y("day_label:N", sort=days, title=text["y"], axis=alt.Axis(labelLimit=160)),
            color=alt.Color("n:Q", title=text["n"], scale=alt.Scale(scheme="blues")),
            tooltip=[
                alt.Tooltip("day_label:N", title=text["y"]),
                alt.Tooltip("hour:O", title=text["x"]),
                alt.Tooltip("n:Q", title=text["n"], format=","),
            ],
        )
        .properties(height=HOURS_HEIGHT - 90, title=text.get("title", ""))
    )


def interval_chart(df: pd.DataFrame, text: dict) -> alt.Chart:
    """Rate with its 95 % interval per category (``df``: label, rate, lo, hi, valid), e.g. channels."""
    y = alt.Y("label:N", title=None, sort=None, axis=alt.Axis(labelLimit=260))
    x_scale = alt.Scale(zero=False, domain=[_floor(df, None), 1.0], clamp=True)
    bars = (
        alt.Chart(df)
        .mark_rule(strokeWidth=3, color="#90a4ae")
        .encode(y=y, x=alt.X("lo:Q", scale=x_scale, axis=alt.Axis(format="%"), title=text["x"]), x2="hi:Q")
    )
    dots = (
        alt.Chart(df)
        .mark_point(filled=True, size=90, color=PALETTE[1])
        .encode(
            y=y,
            x=alt.X("rate:Q", scale=x_scale),
            tooltip=[
                alt.Tooltip("label:N", title=text["label"]),
                alt.Tooltip("rate:Q", title=text["x"], format=PCT),
                alt.Tooltip("lo:Q", title=text["lo"], format=PCT),
                alt.Tooltip("hi:Q", title=text["hi"], format=PCT),
                alt.Tooltip("valid:Q", title=text["n"], format=","),
            ],
        )
    )
    return alt.layer(bars, dots).properties(height=interval_height(len(df)) - 90, title=text.get("title", ""))


def _floor(points: pd.DataFrame, curves: pd.DataFrame | None) -> float:
    """A lower y-limit that shows every point and interval, rounded down to 10 %."""
    vals = []
    for frame, cols in ((points, ("rate", "lo")), (curves, ("lo95",))):
        if frame is None or frame.empty:
            continue
        for c in cols:
            if c in frame:
                vals.extend(pd.to_numeric(frame[c], errors="coerce").dropna().tolist())
    low = min(vals) if vals else 0.0
    return max(0.0, int(low * 10) / 10.0)


def _q(s: str) -> str:
    return str(s).replace("\\", "\\\\").replace("'", "\\'")


def _label_expr(mapping: dict) -> str:
    """A Vega labelExpr that shows translated legend labels for coded values."""
    expr = "datum.value"
    for code, label in reversed(list(mapping.items())):
        expr = f"datum.value == '{_q(code)}' ? '{_q(label)}' : ({expr})"
    return expr
