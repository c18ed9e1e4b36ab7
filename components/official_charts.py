"""Charts of the official and grades pages; each returns an alt.Chart built from small frames."""

from __future__ import annotations

import altair as alt
import pandas as pd

from thuocdo.domain.grading import GRADES, Policy

GRADE_COLORS = {"excellent": "#1b5e20", "good": "#43a047", "completed": "#ef8a17", "not_completed": "#b3261e"}
SERIES_COLORS = {"final": "#1d1b1a", "manager": "#1f5fa8", "self": "#8d6e63"}


def month_date(m: int) -> str:
    """YYYYMM as the ISO date of the month's first day (Vega-Lite parses it as a date)."""
    return f"{int(m) // 100:04d}-{int(m) % 100:02d}-01"


def band_frame(policy: Policy, labels: dict[str, str], top: float = 100.0) -> pd.DataFrame:
    """The policy's grade bands as rows (grade, label, lo, hi) for a background layer."""
    rows, hi = [], top
    for band in policy.bands:
        lo = max(0.0, band.min_score)
        rows.append({"grade": band.grade, "label": labels.get(band.grade, band.grade), "lo": lo, "hi": hi})
        hi = lo
    return pd.DataFrame(rows)


def score_chart(
    months: pd.DataFrame, policy: Policy, labels: dict[str, str], series: dict[str, str], title: str = ""
) -> alt.Chart:
    """Monthly self / manager / final scores over the policy's grade bands (0–100)."""
    bands = band_frame(policy, labels)
    long = []
    for key, col in (("final", "final_score"), ("manager", "manager_score"), ("self", "self_score")):
        if col not in months:
            continue
        for m, v in zip(months["month"], months[col], strict=True):
            if v is not None and v == v:
                long.append({"month": month_date(m), "series": series[key], "value": float(v)})
    data = pd.DataFrame(long, columns=["month", "series", "value"])
    grade_scale = alt.Scale(domain=[labels[g] for g in GRADES], range=[GRADE_COLORS[g] for g in GRADES])
    band_layer = (
        alt.Chart(bands)
        .mark_rect(opacity=0.10)
        .encode(
            y=alt.Y("lo:Q", scale=alt.Scale(domain=[0, 100]), title=None),
            y2="hi:Q",
            color=alt.Color("label:N", scale=grade_scale, legend=alt.Legend(title=None, orient="bottom")),
            tooltip=[alt.Tooltip("label:N"), alt.Tooltip("lo:Q"), alt.Tooltip("hi:Q")],
        )
    )
    order = [series[k] for k in ("final", "manager", "self")]
    lines = (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X("month:T", title=None, axis=alt.Axis(format="%m/%Y", tickCount="month")),
            y=alt.Y("value:Q", scale=alt.Scale(domain=[0, 100]), title=None),
            stroke=alt.Stroke(
                "series:N",
                scale=alt.Scale(domain=order, range=[SERIES_COLORS[k] for k in ("final", "manager", "self")]),
                legend=alt.Legend(title=None, orient="top"),
            ),
            strokeDash=alt.StrokeDash(
                "series:N", scale=alt.Scale(domain=order, range=[[1, 0], [6, 3], [2, 2]]), legend=None
            ),
            tooltip=[
                alt.Tooltip("month:T", format="%m/%Y"),
                alt.Tooltip("series:N"),
                alt.Tooltip("value:Q", format=".1f"),
            ],
        )
    )
    return alt.layer(band_layer, lines).properties(height=280, title=title)


def tasks_chart(months: pd.DataFrame, labels: dict[str, str]) -> alt.Chart:
    """Tasks on time and late per month (stacked), major errors as points."""
    rows = []
    for r in months.itertuples(index=False):
        for key in ("tasks_on_time", "tasks_late", "major_errors"):
            v = getattr(r, key, None)
            if v is not None and v == v:
                rows.append({"month": month_date(r.month), "kind": labels[key], "value": int(v)})
    data = pd.DataFrame(rows, columns=["month", "kind", "value"])
    domain = [labels[k] for k in ("tasks_on_time", "tasks_late", "major_errors")]
    color = alt.Color(
        "kind:N",
        scale=alt.Scale(domain=domain, range=["#2e7d32", "#ef8a17", "#b3261e"]),
        legend=alt.Legend(title=None, orient="top"),
    )
    base = alt.Chart(data).encode(
        x=alt.X("yearmonth(month):O", title=None, axis=alt.Axis(format="%m/%Y", labelAngle=0))
    )
    bars = (
        base.transform_filter(alt.datum.kind != labels["major_errors"])
        .mark_bar()
        .encode(y=alt.Y("sum(value):Q", title=None), color=color, tooltip=["kind:N", "value:Q"])
    )
    errors = (
        base.transform_filter(alt.datum.kind == labels["major_errors"])
        .mark_point(filled=True, size=70, shape="diamond")
        .encode(y="value:Q", color=color, tooltip=["kind:N", "value:Q"])
    )
    return alt.layer(bars, errors).properties(height=200)


def rating_compare_chart(df: pd.DataFrame) -> alt.Chart:
    """Satisfaction rate with its 95 % Wilson interval for the official, unit and peers."""
    data = df[["label", "rate", "lo", "hi", "n"]].dropna(subset=["rate"])
    base = alt.Chart(data).encode(y=alt.Y("label:N", title=None, sort=None))
    rule = base.mark_rule(strokeWidth=3, color="#9e9e9e").encode(
        x=alt.X("lo:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%"), title=None), x2="hi:Q"
    )
    point = base.mark_point(filled=True, size=120, color="#1f5fa8").encode(
        x="rate:Q",
        tooltip=[
            alt.Tooltip("label:N"),
            alt.Tooltip("rate:Q", format=".1%"),
            alt.Tooltip("lo:Q", format=".1%"),
            alt.Tooltip("hi:Q", format=".1%"),
            alt.Tooltip("n:Q", format=","),
        ],
    )
    return alt.layer(rule, point).properties(height=40 * max(1, len(data)) + 30)


BIN_EDGES = (0, 50, 55, 60, 65, 70, 75, 80, 85, 90, 95)


def peer_bins(scores: pd.Series) -> pd.DataFrame:
    """Counts of scores in bins (< 50, then 5-point bins to 100) as rows (bin, n)."""
    s = pd.Series(scores, dtype=float).dropna().clip(0, 100)
    edges = list(BIN_EDGES)
    idx = pd.Series(edges).searchsorted(s, side="right") - 1
    counts = pd.Series(idx).value_counts()
    rows = [{"bin": edges[i], "n": int(counts.get(i, 0))} for i in range(len(edges)) if counts.get(i, 0)]
    return pd.DataFrame(rows, columns=["bin", "n"])


def peer_histogram(bins: pd.DataFrame, mine: float | None, count_title: str) -> alt.Chart:
    """Peers' mean final scores in 5-point bins, with a rule at this official's mean."""
    data = bins.assign(
        bin_end=bins["bin"].where(bins["bin"] >= 50, 45) + 5, bin_start=bins["bin"].where(bins["bin"] >= 50, 0)
    )
    bars = (
        alt.Chart(data)
        .mark_bar(color="#90a4ae")
        .encode(
            x=alt.X("bin_start:Q", scale=alt.Scale(domain=[0, 100]), title=None),
            x2="bin_end:Q",
            y=alt.Y("n:Q", title=count_title),
            tooltip=[alt.Tooltip("bin_start:Q"), alt.Tooltip("bin_end:Q"), alt.Tooltip("n:Q")],
        )
    )
    if mine is None or mine != mine:
        return bars.properties(height=180)
    rule = alt.Chart(pd.DataFrame({"mine": [float(mine)]})).mark_rule(color="#b3261e", strokeWidth=3).encode(x="mine:Q")
    return alt.layer(bars, rule).properties(height=180)


def grade_distribution_chart(df: pd.DataFrame, labels: dict[str, str], count_title: str) -> alt.Chart:
    """Stacked horizontal bars of grade counts per unit (rows: unit_name, grade, count)."""
    domain = [labels[g] for g in GRADES]
    data = df.assign(label=df["grade"].map(labels), order=df["grade"].map({g: i for i, g in enumerate(GRADES)}))
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("unit_name:N", title=None, sort=None),
            x=alt.X("count:Q", stack="normalize", axis=alt.Axis(format="%"), title=count_title),
            color=alt.Color(
                "label:N",
                scale=alt.Scale(domain=domain, range=[GRADE_COLORS[g] for g in GRADES]),
                legend=alt.Legend(title=None, orient="top"),
            ),
            order=alt.Order("order:Q"),
            tooltip=[alt.Tooltip("unit_name:N"), alt.Tooltip("label:N"), alt.Tooltip("count:Q")],
        )
        .properties(height=max(120, 22 * data["unit_name"].nunique()))
    )
