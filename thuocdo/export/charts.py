"""Deck charts (Altair) in a dark-hall theme, and their PNG / SVG rendering via vl-convert.

Every chart carries its own configuration (font, colours, sizes), so it looks the same
in the browser, in a PNG on a slide and in an SVG download, whatever Altair theme is
enabled. Value labels are pre-formatted strings in the deck's language (1.234,5 in
Vietnamese), because the browser's Vega has no Vietnamese number locale.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import altair as alt
import pandas as pd

from thuocdo.i18n import fmt_month, fmt_number, fmt_percent, t

FONT = "Noto Sans"
FONT_DIRS = (Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/truetype"))
BG = "#0f172a"
FG = "#f1f5f9"
MUTED = "#94a3b8"
GRID = "#334155"
ACCENT = "#60a5fa"
ACCENT_2 = "#fbbf24"
STATUS = {"on_track": "#4ade80", "at_risk": "#fbbf24", "off_track": "#f87171", "no_data": "#94a3b8"}
SEVERITY = {"high": "#f87171", "medium": "#fbbf24", "low": "#93c5fd"}
WIDTH, HEIGHT = 700, 420
MAX_BARS = 15

VI_LOCALE = {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", " ₫"]}
EN_LOCALE = {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["$", ""]}


def _config(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    return (
        chart.configure(font=FONT, background=BG)
        .configure_view(stroke=None)
        .configure_axis(
            labelFont=FONT,
            titleFont=FONT,
            labelFontSize=18,
            titleFontSize=17,
            labelColor=FG,
            titleColor=MUTED,
            gridColor=GRID,
            domainColor=GRID,
            tickColor=GRID,
            labelLimit=340,
        )
        .configure_legend(
            labelFont=FONT,
            titleFont=FONT,
            labelFontSize=16,
            titleFontSize=16,
            labelColor=FG,
            titleColor=MUTED,
            orient="bottom",
            labelLimit=400,
        )
        .configure_title(font=FONT, fontSize=20, color=FG, anchor="start")
        .configure_text(font=FONT, fontSize=16, color=FG)
    )


def _empty(lang: str) -> alt.TopLevelMixin:
    df = pd.DataFrame({"text": [t("present.chart.no_data", lang)]})
    return _config(
        alt.Chart(df).mark_text(fontSize=24, color=MUTED).encode(text="text:N").properties(width=WIDTH, height=HEIGHT)
    )


def _hbar(
    df: pd.DataFrame,
    value: str,
    label: str,
    title: str,
    axis_format: str,
    domain=None,
    color=None,
    color_field: str | None = None,
    color_scale: alt.Scale | None = None,
    legend_title: str | None = None,
):
    """Horizontal bars of ``value`` per ``name`` in the given order, with value labels."""
    order = df["name"].tolist()
    height = max(200, min(HEIGHT, 56 * len(df)))
    x = alt.X(
        f"{value}:Q",
        title=title,
        axis=alt.Axis(format=axis_format, tickCount=5),
        scale=alt.Scale(domain=domain) if domain else alt.Undefined,
    )
    y = alt.Y("name:N", sort=order, title=None)
    base = alt.Chart(df).encode(x=x, y=y)
    if color_field:
        bars = base.mark_bar(cornerRadiusEnd=3).encode(
            color=alt.Color(f"{color_field}:N", scale=color_scale, title=legend_title)
        )
    else:
        bars = base.mark_bar(cornerRadiusEnd=3, color=color or ACCENT)
    labels = base.mark_text(align="left", dx=6, color=FG, fontSize=18).encode(text=f"{label}:N")
    return (bars + labels).properties(width=WIDTH - 280, height=height)


def _top_bottom(df: pd.DataFrame) -> pd.DataFrame:
    """Long lists keep their first 10 and last 5 rows, so a slide stays readable."""
    if len(df) <= MAX_BARS:
        return df
    return pd.concat([df.head(10), df.tail(MAX_BARS - 10)])


def ranking_chart(payload: dict, lang: str) -> alt.TopLevelMixin:
    """Mean final score of the ranked units, best first."""
    rows = [payload["units"][c] for c in payload["ranking"] if payload["units"][c].get("avg_final") is not None]
    if not rows:
        return _empty(lang)
    df = pd.DataFrame(
        {
            "name": [f"{r['rank']}. {r['name']}" for r in rows],
            "score": [r["avg_final"] for r in rows],
            "label": [fmt_number(r["avg_final"], lang, 1) for r in rows],
        }
    )
    df = _top_bottom(df)
    return _config(_hbar(df, "score", "label", t("present.chart.avg_final", lang), ",.0f", domain=[0, 100]))


def okr_chart(payload: dict, lang: str) -> alt.TopLevelMixin:
    """OKR progress of the ranked units, coloured by pace status."""
    rows = [payload["units"][c] for c in payload["ranking"] if payload["units"][c].get("okr_progress") is not None]
    if not rows:
        return _empty(lang)
    rows.sort(key=lambda r: -(r["okr_progress"] or 0))
    statuses = ["on_track", "at_risk", "off_track", "no_data"]
    df = pd.DataFrame(
        {
            "name": [r["name"] for r in rows],
            "progress": [r["okr_progress"] for r in rows],
            "label": [fmt_percent(r["okr_progress"], lang, 0) for r in rows],
            "status": [t(f"present.status.{r['okr_status']}", lang) for r in rows],
        }
    )
    df = _top_bottom(df)
    scale = alt.Scale(domain=[t(f"present.status.{s}", lang) for s in statuses], range=[STATUS[s] for s in statuses])
    return _config(
        _hbar(
            df,
            "progress",
            "label",
            t("present.chart.okr_progress", lang),
            ".0%",
            domain=[0, 1],
            color_field="status",
            color_scale=scale,
            legend_title=t("present.chart.status", lang),
        )
    )


def satisfaction_chart(payload: dict, lang: str) -> alt.TopLevelMixin:
    """Satisfaction rate of the ranked units, highest first."""
    rows = [payload["units"][c] for c in payload["ranking"] if payload["units"][c].get("satisfaction") is not None]
    if not rows:
        return _empty(lang)
    rows.sort(key=lambda r: (-(r["satisfaction"] or 0), r["code"]))
    df = pd.DataFrame(
        {
            "name": [r["name"] for r in rows],
            "rate": [r["satisfaction"] for r in rows],
            "label": [
                f"{fmt_percent(r['satisfaction'], lang, 1)} · n={fmt_number(r['n_ratings'], lang)}" for r in rows
            ],
        }
    )
    df = _top_bottom(df)
    return _config(
        _hbar(df, "rate", "label", t("present.chart.satisfaction", lang), ".0%", domain=[0, 1], color="#34d399")
    )


def warnings_chart(payload: dict, lang: str) -> alt.TopLevelMixin:
    """Warnings of the period per rule, stacked by severity."""
    rows = payload["warnings"]["by_rule"]
    if not rows:
        return _empty(lang)
    recs = []
    order = []
    for r in rows:
        name = t(f"present.rule.{r['rule']}", lang)
        order.append(name)
        for sev in ("high", "medium", "low"):
            if r.get(sev):
                recs.append({"name": name, "severity": t(f"present.severity.{sev}", lang), "n": r[sev], "sev": sev})
    df = pd.DataFrame(recs)
    sev_names = [t(f"present.severity.{s}", lang) for s in ("high", "medium", "low")]
    totals = pd.DataFrame(
        {"name": order, "total": [r["total"] for r in rows], "label": [fmt_number(r["total"], lang) for r in rows]}
    )
    height = max(200, min(HEIGHT, 56 * len(order)))
    top = max(r["total"] for r in rows)
    step = max(1, -(-top // 5))
    ticks = list(range(0, top + step + 1, step))
    bars = (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X(
                "sum(n):Q",
                title=t("present.chart.n_warnings", lang),
                axis=alt.Axis(format="d", values=ticks),
                scale=alt.Scale(domain=[0, ticks[-1]], nice=False),
            ),
            y=alt.Y("name:N", sort=order, title=None),
            color=alt.Color(
                "severity:N",
                scale=alt.Scale(domain=sev_names, range=[SEVERITY[s] for s in ("high", "medium", "low")]),
                title=t("present.chart.severity", lang),
            ),
            order=alt.Order("sev:N"),
        )
    )
    labels = (
        alt.Chart(totals)
        .mark_text(align="left", dx=6, color=FG, fontSize=18)
        .encode(x="total:Q", y=alt.Y("name:N", sort=order), text="label:N")
    )
    return _config((bars + labels).properties(width=WIDTH - 300, height=height))


def trend_chart(trend: list[dict], lang: str, title_key: str = "present.chart.trend") -> alt.TopLevelMixin:
    """Mean final score (bars, left axis) and satisfaction rate (line, right axis) by month."""
    rows = [r for r in trend if r.get("avg_final") is not None or r.get("satisfaction") is not None]
    if not rows:
        return _empty(lang)
    df = pd.DataFrame(
        {
            "month": [fmt_month(r["month"], lang).replace("Tháng ", "") for r in rows],
            "score": [r.get("avg_final") for r in rows],
            "rate": [r.get("satisfaction") for r in rows],
            "score_label": [fmt_number(r.get("avg_final"), lang, 1) for r in rows],
        }
    )
    order = df["month"].tolist()
    x = alt.X("month:N", sort=order, title=None, axis=alt.Axis(labelAngle=-40 if len(order) > 6 else 0))
    bars = (
        alt.Chart(df)
        .mark_bar(color=ACCENT, opacity=0.85)
        .encode(x=x, y=alt.Y("score:Q", title=t("present.chart.avg_final", lang), scale=alt.Scale(domain=[0, 100])))
    )
    # Value labels only while they fit above their bars; a year of months keeps the axis.
    label_size = 16 if len(order) <= 6 else 13
    labels = (
        alt.Chart(df).mark_text(dy=-12, color=FG, fontSize=label_size).encode(x=x, y="score:Q", text="score_label:N")
    )
    line = (
        alt.Chart(df)
        .mark_line(color=ACCENT_2, strokeWidth=4, point=alt.OverlayMarkDef(size=90, color=ACCENT_2))
        .encode(
            x=x,
            y=alt.Y(
                "rate:Q",
                title=t("present.chart.satisfaction", lang),
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format=".0%", titleColor=ACCENT_2),
            ),
        )
    )
    layers = bars + labels if len(order) <= 9 else bars
    chart = alt.layer(layers, line).resolve_scale(y="independent")
    return _config(chart.properties(width=WIDTH - 120, height=HEIGHT - 60))


def with_statement(chart, title: str, lines: list[str]) -> alt.TopLevelMixin:
    """The chart titled, with the export statement (filters, period, hash, time) under the title."""
    return chart.properties(
        title=alt.TitleParams(
            text=title,
            subtitle=lines,
            subtitleColor=MUTED,
            subtitleFont=FONT,
            subtitleFontSize=13,
            font=FONT,
            fontSize=22,
            color=FG,
            anchor="start",
            offset=14,
        )
    )


@lru_cache(maxsize=1)
def _fonts_registered() -> bool:
    import vl_convert as vlc

    for d in FONT_DIRS:
        if d.is_dir():
            vlc.register_font_directory(str(d))
            return True
    return False


def _spec(chart) -> dict:
    return chart if isinstance(chart, dict) else chart.to_dict()


def to_png(chart, lang: str = "vi", scale: float = 2.0) -> bytes:
    """The chart as PNG bytes (Noto Sans, the deck's number locale)."""
    import vl_convert as vlc

    _fonts_registered()
    return vlc.vegalite_to_png(_spec(chart), scale=scale, format_locale=VI_LOCALE if lang == "vi" else EN_LOCALE)


def to_svg(chart, lang: str = "vi") -> str:
    """The chart as SVG text."""
    import vl_convert as vlc

    _fonts_registered()
    return vlc.vegalite_to_svg(_spec(chart), format_locale=VI_LOCALE if lang == "vi" else EN_LOCALE)
