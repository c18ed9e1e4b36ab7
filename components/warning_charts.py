"""Charts of the early-warning page: the evidence of a case with its threshold drawn, and
the counts over time. Each builder returns an ``alt.Chart`` (tested as a spec); texts
arrive already translated in ``text`` so the builders stay language-neutral.

Threshold lines are red and dashed (layer named by ``THRESHOLD_MARK`` in the spec's
description), reference levels (a baseline, the peer share) grey.
"""

from __future__ import annotations

import math

import altair as alt
import numpy as np
import pandas as pd

from components.theme import PALETTE

THRESHOLD_COLOR = "#b3261e"
REFERENCE_COLOR = "#757575"
SUBJECT_COLOR = "#1f5fa8"
GRADE_COLORS = {"excellent": "#1f5fa8", "good": "#2e7d32", "completed": "#ef8a17", "not_completed": "#b3261e"}
SEVERITY_COLORS = {"high": "#b3261e", "medium": "#ef8a17", "low": "#546e7a"}
STATE_ORDER = ["open", "closed", "false_positive"]


def _label(values: pd.Series, mapping: dict) -> list:
    """Each value's label from ``mapping``, or the value itself."""
    return [mapping.get(v, v) for v in values]


def month_label(m: int) -> str:
    y, mo = divmod(int(m), 100)
    return f"{mo:02d}/{y}"


def _rule(value: float, text: str, axis: str = "y", color: str = THRESHOLD_COLOR, dash=(6, 4)) -> alt.LayerChart:
    """A horizontal (axis y) or vertical (axis x) line at ``value``, labelled with ``text``."""
    data = pd.DataFrame({"value": [value], "label": [text]})
    enc = {axis: alt.Y("value:Q") if axis == "y" else alt.X("value:Q")}
    line = (
        alt.Chart(data)
        .mark_rule(color=color, strokeDash=list(dash), strokeWidth=2)
        .encode(**enc, tooltip=[alt.Tooltip("label:N", title=" ")])
    )
    if axis == "y":
        label = (
            alt.Chart(data)
            .mark_text(color=color, align="left", baseline="bottom", dx=4, dy=-3, fontSize=11)
            .encode(y=alt.Y("value:Q"), x=alt.value(0), text="label:N")
        )
    else:
        label = (
            alt.Chart(data)
            .mark_text(color=color, align="left", baseline="bottom", dx=4, dy=-4, fontSize=11)
            .encode(x=alt.X("value:Q"), y=alt.value("height"), text="label:N")
        )
    return alt.layer(line, label)


def _parts_scale(df: pd.DataFrame, text: dict, order: list[str], colors: list[str]) -> alt.Scale:
    """Colours fixed per part (baseline, window, month, history) whatever labels show."""
    labels = text.get("parts", {})
    present = [p for p in order if p in set(df["part"])]
    return alt.Scale(domain=[labels.get(p, p) for p in present], range=[colors[order.index(p)] for p in present])


def _with_months(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    if "month" in df:
        df["month_label"] = [month_label(m) for m in df["month"]]
    return df


def evidence_chart(case: dict, text: dict) -> alt.Chart | None:
    """The evidence of one warning as a chart, with the rule's threshold drawn.

    ``case``: a row of ``warnings`` with ``evidence`` decoded (values, rows, chart).
    ``text``: translated labels (keys used: threshold, reference, month, score, rate,
    share, ratings, gap, self, manager, progress, count, day, parts (dict), grades (dict),
    sources (dict), subject, peers, allowed, excellent, position).
    Returns None when the evidence has nothing to plot.
    """
    ev = case.get("evidence") or {}
    spec = ev.get("chart") or {}
    kind = spec.get("kind")
    builder = _BUILDERS.get(kind)
    if builder is None:
        return None
    chart = builder(ev, spec, case, text)
    if chart is None:
        return None
    return chart.properties(height=300, title=text.get("title", ""))


def _line(ev, spec, case, text):
    df = _with_months(ev.get("rows", []))
    if df.empty:
        return None
    df["part_label"] = _label(df["part"], text.get("parts", {}))
    order = list(df["month_label"])
    lo = min(df["final_score"].min(), spec["rule"]) - 3
    hi = max(df["final_score"].max(), spec.get("reference", spec["rule"])) + 3
    y = alt.Y("final_score:Q", title=text["score"], scale=alt.Scale(domain=[lo, hi]))
    base = alt.Chart(df).encode(x=alt.X("month_label:N", sort=order, title=text["month"]), y=y)
    line = base.mark_line(color=SUBJECT_COLOR)
    dots = base.mark_circle(size=90).encode(
        color=alt.Color(
            "part_label:N",
            title=None,
            scale=_parts_scale(df, text, ["baseline", "window"], [SUBJECT_COLOR, THRESHOLD_COLOR]),
        ),
        tooltip=[
            alt.Tooltip("month_label:N", title=text["month"]),
            alt.Tooltip("final_score:Q", title=text["score"], format=".1f"),
        ],
    )
    layers = [line, dots, _rule(spec["rule"], f"{text['threshold']}: {spec['rule']:.1f}")]
    if spec.get("reference") is not None:
        layers.append(
            _rule(
                spec["reference"], f"{text['reference']}: {spec['reference']:.1f}", color=REFERENCE_COLOR, dash=(2, 2)
            )
        )
    return alt.layer(*layers)


def _gap(ev, spec, case, text):
    df = _with_months(ev.get("rows", []))
    if df.empty or "self_score" not in df:
        return None
    order = list(df["month_label"])
    long = df.melt(
        id_vars=["month_label"], value_vars=["self_score", "manager_score"], var_name="who", value_name="score"
    ).dropna()
    long["who_label"] = long["who"].map({"self_score": text["self"], "manager_score": text["manager"]})
    x = alt.X("month_label:N", sort=order, title=text["month"])
    if spec.get("kind") == "self":
        lines = (
            alt.Chart(long)
            .mark_line(point=True)
            .encode(
                x=x,
                y=alt.Y("score:Q", title=text["score"], scale=alt.Scale(zero=False)),
                color=alt.Color("who_label:N", title=None, scale=alt.Scale(range=[SUBJECT_COLOR, REFERENCE_COLOR])),
                tooltip=[
                    alt.Tooltip("who_label:N", title=" "),
                    alt.Tooltip("score:Q", format=".1f", title=text["score"]),
                ],
            )
        )
        return alt.layer(lines, _rule(spec["rule"], f"{text['threshold']}: {spec['rule']:.0f}"))
    bars = (
        alt.Chart(df.dropna(subset=["gap"]))
        .mark_bar(color=SUBJECT_COLOR, opacity=0.8)
        .encode(
            x=x,
            y=alt.Y("gap:Q", title=text["gap"]),
            tooltip=[
                alt.Tooltip("month_label:N", title=text["month"]),
                alt.Tooltip("self_score:Q", title=text["self"], format=".1f"),
                alt.Tooltip("manager_score:Q", title=text["manager"], format=".1f"),
                alt.Tooltip("gap:Q", title=text["gap"], format=".1f"),
            ],
        )
    )
    return alt.layer(bars, _rule(spec["rule"], f"{text['threshold']}: {spec['rule']:.0f}"))


def _rate(ev, spec, case, text):
    df = _with_months(ev.get("rows", []))
    if df.empty:
        return None
    df["part_label"] = _label(df["part"], text.get("parts", {}))
    order = list(df["month_label"])
    lo = max(0.0, min(df["ci_low"].min(), spec["rule"]) - 0.05)
    y_scale = alt.Scale(domain=[lo, 1.0])
    x = alt.X("month_label:N", sort=order, title=text["month"])
    band = (
        alt.Chart(df)
        .mark_rule(color=REFERENCE_COLOR, strokeWidth=3, opacity=0.5)
        .encode(x=x, y=alt.Y("ci_low:Q", scale=y_scale, axis=alt.Axis(format="%"), title=text["rate"]), y2="ci_high:Q")
    )
    dots = (
        alt.Chart(df)
        .mark_circle(size=90)
        .encode(
            x=x,
            y=alt.Y("rate:Q", scale=y_scale),
            color=alt.Color(
                "part_label:N",
                title=None,
                scale=_parts_scale(
                    df, text, ["month", "baseline", "history"], [THRESHOLD_COLOR, SUBJECT_COLOR, "#9e9e9e"]
                ),
            ),
            tooltip=[
                alt.Tooltip("month_label:N", title=text["month"]),
                alt.Tooltip("rate:Q", title=text["rate"], format=".1%"),
                alt.Tooltip("ratings:Q", title=text["ratings"], format=","),
                alt.Tooltip("ci_low:Q", format=".1%", title="95 % –"),
                alt.Tooltip("ci_high:Q", format=".1%", title="95 % +"),
            ],
        )
    )
    layers = [band, dots, _rule(spec["rule"], f"{text['threshold']}: {spec['rule']:.1%}")]
    if spec.get("reference") is not None:
        layers.append(
            _rule(
                spec["reference"], f"{text['reference']}: {spec['reference']:.1%}", color=REFERENCE_COLOR, dash=(2, 2)
            )
        )
    return alt.layer(*layers)


def funnel_curve(p0: float, tau2: float, z: float, n_min: float, n_max: float, points: int = 40) -> pd.DataFrame:
    """The upper funnel limit p0 + z·sqrt(p0(1−p0)/n + τ²) over a log grid of n."""
    n = np.geomspace(max(1.0, n_min), max(n_min + 1.0, n_max), points)
    return pd.DataFrame({"ratings": n, "limit": np.minimum(1.0, p0 + z * np.sqrt(p0 * (1 - p0) / n + tau2))})


def _funnel(ev, spec, case, text):
    ctx = ev.get("context") or {}
    peers = pd.DataFrame(ctx.get("peers") or [])
    if peers.empty:
        return None
    subject = int((ev.get("values") or {}).get("unit_id", -1))
    peers["who"] = np.where(peers["unit_id"] == subject, text["subject"], text["peers"])
    names = text.get("unit_names", {})
    peers["name"] = [names.get(int(u), str(u)) for u in peers["unit_id"]]
    curve = funnel_curve(
        float(spec["p0"]),
        float(spec.get("tau2", 0.0)),
        float(spec["z"]),
        peers["ratings"].min() * 0.8,
        peers["ratings"].max() * 1.25,
    )
    x = alt.X("ratings:Q", scale=alt.Scale(type="log"), title=text["ratings"])
    y_max = min(1.0, max(peers["share"].max(), curve["limit"].max()) * 1.1)
    y = alt.Y("share:Q", axis=alt.Axis(format="%"), title=text["share"], scale=alt.Scale(domain=[0, y_max]))
    dots = (
        alt.Chart(peers)
        .mark_circle(size=80)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "who:N",
                title=None,
                scale=alt.Scale(domain=[text["subject"], text["peers"]], range=[THRESHOLD_COLOR, REFERENCE_COLOR]),
            ),
            tooltip=[
                alt.Tooltip("name:N", title=" "),
                alt.Tooltip("ratings:Q", title=text["ratings"], format=","),
                alt.Tooltip("share:Q", title=text["share"], format=".1%"),
            ],
        )
    )
    limit = (
        alt.Chart(curve)
        .mark_line(color=THRESHOLD_COLOR, strokeDash=[6, 4], strokeWidth=2)
        .encode(
            x=x,
            y=alt.Y("limit:Q", scale=alt.Scale(domain=[0, y_max])),
            tooltip=[alt.Tooltip("limit:Q", format=".1%", title=text["threshold"])],
        )
    )
    return alt.layer(
        limit,
        _rule(float(spec["p0"]), f"{text['reference']}: {float(spec['p0']):.1%}", color=REFERENCE_COLOR, dash=(2, 2)),
        dots,
    )


def _bars(ev, spec, case, text):
    items = pd.DataFrame((ev.get("values") or {}).get("items") or [])
    if items.empty:
        return None
    items["kind_label"] = _label(items["kind"], text.get("items", {}))
    bars = (
        alt.Chart(items)
        .mark_bar(color=SUBJECT_COLOR, size=22)
        .encode(
            y=alt.Y("code:N", sort="x", title=None, axis=alt.Axis(labelLimit=320)),
            x=alt.X(
                "projected_progress:Q",
                axis=alt.Axis(format="%"),
                title=text["progress"],
                scale=alt.Scale(domain=[0, max(1.1, float(items["projected_progress"].max()))]),
            ),
            tooltip=[
                alt.Tooltip("code:N", title=" "),
                alt.Tooltip("kind_label:N", title=" "),
                alt.Tooltip("projected_progress:Q", title=text["progress"], format=".1%"),
            ],
        )
    )
    return alt.layer(bars, _rule(spec["rule"], f"{text['threshold']}: {spec['rule']:.0%}", axis="x"))


def _tenure(ev, spec, case, text):
    rows = pd.DataFrame(ev.get("rows") or [])
    values = ev.get("values") or {}
    ctx = ev.get("context") or {}
    if rows.empty:
        return None
    as_of = ctx.get("as_of") or values.get("due_date")
    rows["start"] = pd.to_datetime(rows["start_date"])
    rows["end"] = pd.to_datetime(rows["end_date"].fillna(as_of) if "end_date" in rows else as_of)
    rows["label"] = (
        rows["position"].fillna(rows["position_code"]).astype(str) + " (" + rows["start"].dt.strftime("%d/%m/%Y") + ")"
    )
    bars = (
        alt.Chart(rows)
        .mark_bar(color=SUBJECT_COLOR, height=18)
        .encode(
            x=alt.X("start:T", title=None),
            x2="end:T",
            y=alt.Y("label:N", title=text["position"], sort=list(rows["label"])),
            tooltip=[
                alt.Tooltip("label:N", title=" "),
                alt.Tooltip("start:T", format="%d/%m/%Y"),
                alt.Tooltip("end:T", format="%d/%m/%Y"),
            ],
        )
    )
    due = pd.DataFrame(
        {"due": [pd.Timestamp(values.get("due_date"))], "label": [f"{text['threshold']}: {spec['rule']:g}"]}
    )
    rule = (
        alt.Chart(due)
        .mark_rule(color=THRESHOLD_COLOR, strokeDash=[6, 4], strokeWidth=2)
        .encode(x="due:T", tooltip=[alt.Tooltip("label:N", title=" ")])
    )
    return alt.layer(bars, rule)


def _grades(ev, spec, case, text):
    rows = pd.DataFrame(ev.get("rows") or [])
    if rows.empty:
        return None
    rows["grade_label"] = _label(rows["grade"], text.get("grades", {}))
    rows["year_label"] = rows["year"].astype(str)
    return (
        alt.Chart(rows)
        .mark_bar(size=40)
        .encode(
            x=alt.X("year_label:N", title=None),
            y=alt.Y("score:Q", title=text["score"], scale=alt.Scale(domain=[0, 100])),
            color=alt.Color("grade_label:N", title=None, scale=alt.Scale(range=[GRADE_COLORS["not_completed"]])),
            tooltip=[
                alt.Tooltip("year_label:N", title=" "),
                alt.Tooltip("grade_label:N", title=" "),
                alt.Tooltip("score:Q", format=".1f"),
            ],
        )
    )


def _quota(ev, spec, case, text):
    rows = pd.DataFrame(ev.get("rows") or [])
    if rows.empty:
        return None
    rows["group"] = rows["task_group"].fillna(text.get("whole_unit", "")).astype(str)
    long = rows.melt(
        id_vars=["group", "allowed"], value_vars=["excellent", "good"], var_name="grade", value_name="count"
    )
    long["grade_label"] = _label(long["grade"], text.get("grades", {}))
    bars = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("grade_label:N", title=None, sort=[text.get("grades", {}).get("excellent", "excellent")]),
            y=alt.Y("count:Q", title=text["count"]),
            color=alt.Color(
                "grade:N",
                legend=None,
                scale=alt.Scale(domain=["excellent", "good"], range=[GRADE_COLORS["excellent"], GRADE_COLORS["good"]]),
            ),
            column=alt.Column("group:N", title=None) if len(rows) > 1 else alt.Undefined,
            tooltip=[alt.Tooltip("grade_label:N", title=" "), alt.Tooltip("count:Q", title=text["count"])],
        )
    )
    if len(rows) > 1:
        return bars
    allowed = float(rows["allowed"].iloc[0])
    return alt.layer(bars, _rule(allowed, f"{text['allowed']}: {allowed:g}"))


def _device_days(ev, spec, case, text):
    rows = pd.DataFrame(ev.get("rows") or [])
    if rows.empty:
        return None
    rows["label"] = rows["device_id"].astype(str) + " · " + rows["day"].astype(str)
    bars = (
        alt.Chart(rows)
        .mark_bar(color=SUBJECT_COLOR)
        .encode(
            y=alt.Y("label:N", sort="-x", title=None, axis=alt.Axis(labelLimit=320)),
            x=alt.X("ratings:Q", title=text["ratings"]),
            tooltip=[
                alt.Tooltip("label:N", title=" "),
                alt.Tooltip("ratings:Q", title=text["ratings"]),
                alt.Tooltip("top_share:Q", format=".0%", title=text.get("top_share", "")),
                alt.Tooltip("off_hours:Q", title=text.get("off_hours", "")),
            ],
        )
    )
    return alt.layer(bars, _rule(float(spec["rule"]), f"{text['threshold']}: {float(spec['rule']):.0f}", axis="x"))


def _share(ev, spec, case, text):
    value = spec.get("value")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    df = pd.DataFrame({"label": [text.get("signals", {}).get(spec.get("signal"), "")], "value": [float(value)]})
    bars = (
        alt.Chart(df)
        .mark_bar(color=SUBJECT_COLOR, size=40)
        .encode(
            y=alt.Y("label:N", title=None),
            x=alt.X("value:Q", axis=alt.Axis(format="%"), title=text["share"], scale=alt.Scale(domain=[0, 1])),
            tooltip=[alt.Tooltip("value:Q", format=".1%", title=text["share"])],
        )
    )
    return alt.layer(bars, _rule(float(spec["rule"]), f"{text['threshold']}: {float(spec['rule']):.0%}", axis="x"))


def _reporting(ev, spec, case, text):
    rows = _with_months(ev.get("rows") or [])
    if rows.empty:
        return None
    sources = text.get("sources", {})
    long = rows.melt(
        id_vars=["month", "month_label"],
        value_vars=[c for c in ("evaluations", "ratings") if c in rows],
        var_name="source",
        value_name="count",
    )
    long["source_label"] = _label(long["source"], sources)
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("month_label:N", sort=list(rows["month_label"]), title=text["month"]),
            xOffset="source_label:N",
            y=alt.Y("count:Q", title=text["count"]),
            color=alt.Color("source_label:N", title=None, scale=alt.Scale(range=[SUBJECT_COLOR, PALETTE[2]])),
            tooltip=[
                alt.Tooltip("month_label:N", title=text["month"]),
                alt.Tooltip("source_label:N", title=" "),
                alt.Tooltip("count:Q", format=","),
            ],
        )
    )


_BUILDERS = {
    "line": _line,
    "gap": _gap,
    "self": _gap,
    "rate": _rate,
    "funnel": _funnel,
    "bars": _bars,
    "tenure": _tenure,
    "grades": _grades,
    "quota": _quota,
    "device_days": _device_days,
    "share": _share,
    "reporting": _reporting,
}


def trend_chart(df: pd.DataFrame, text: dict) -> alt.Chart:
    """Warnings per month of the facts, stacked by rule (month, rule_code, rule_label, n)."""
    data = df.copy()
    data["month_label"] = [month_label(m) for m in data["month"]]
    order = [month_label(m) for m in sorted(set(data["month"]))]
    return (
        alt.Chart(data, title=text.get("title", ""))
        .mark_bar()
        .encode(
            x=alt.X("month_label:N", sort=order, title=text["month"]),
            y=alt.Y("sum(n):Q", title=text["count"], axis=alt.Axis(tickMinStep=1, format="d")),
            color=alt.Color(
                "rule_label:N", title=text["rule"], scale=alt.Scale(range=PALETTE + ["#c0ca33", "#5d4037"])
            ),
            tooltip=[
                alt.Tooltip("month_label:N", title=text["month"]),
                alt.Tooltip("rule_label:N", title=text["rule"]),
                alt.Tooltip("sum(n):Q", title=text["count"]),
            ],
        )
        .properties(height=320)
    )


def severity_bar(df: pd.DataFrame, text: dict) -> alt.Chart:
    """Open warnings per rule, coloured by severity (rule_label, severity, severity_label, n)."""
    order = [s for s in ("high", "medium", "low") if s in set(df["severity"])]
    return (
        alt.Chart(df, title=text.get("title", ""))
        .mark_bar()
        .encode(
            y=alt.Y("rule_label:N", title=None, sort="-x", axis=alt.Axis(labelLimit=320)),
            x=alt.X("sum(n):Q", title=text["count"], axis=alt.Axis(tickMinStep=1, format="d")),
            color=alt.Color(
                "severity_label:N",
                title=text["severity"],
                scale=alt.Scale(
                    domain=[text["severities"][s] for s in order], range=[SEVERITY_COLORS[s] for s in order]
                ),
            ),
            tooltip=[
                alt.Tooltip("rule_label:N", title=" "),
                alt.Tooltip("severity_label:N", title=" "),
                alt.Tooltip("sum(n):Q", title=text["count"]),
            ],
        )
        .properties(height=max(120, 34 * df["rule_label"].nunique()))
    )
