"""Overview: every unit of the scope at a glance, with a click through to each unit.

URL state: period and org (sidebar), compare (previous | year), sort and measure
(okr | kpi | satisfaction | evaluation), status (a pace status picked on the chart).
Everything shown is assembled once per view state by ``_view`` (cached), so a rerun
only draws.
"""

import pandas as pd
import streamlit as st

from components import charts
from components.auth import require_role
from components.cards import is_missing, metric, url_control
from components.filters import current_org, current_period
from components.i18n import lang as current_lang
from components.i18n import month as fmt_month
from components.i18n import num, pct, t
from components.i18n import period as fmt_period
from components.nav import ROOT, page
from components.tables import download_buttons, percent_column, progress_column, selected_row
from queries import overview as q
from queries.okr import as_of_date, pace_thresholds
from thuocdo.domain.access import Scope
from thuocdo.domain.periods import Period, add_months, first_day

user = require_role("overview")

st.title(t("overview.title"))
period = current_period(user)
if period is None:
    st.info(t("common.no_data"))
    st.stop()
org = current_org(user)
scope = Scope(org["path"], user.scope.pseudonymise) if org is not None else user.scope
scope_name = org["name"] if org else (user.unit_code or t("auth.scope_city"))

PERCENT = {"okr": True, "kpi": True, "satisfaction": True, "evaluation": False}
STATUSES = ("on_track", "at_risk", "off_track", "no_data")
MEASURE_LABEL = {m: t(f"dashboards.measure.{m}") for m in q.MEASURES}

top = st.columns([3, 2])
compare = url_control(
    top[1],
    t("dashboards.compare"),
    "compare",
    ["previous", "year"],
    "previous",
    lambda c: t(f"dashboards.compare.{c}"),
    "ov_compare",
)
before_period = period.previous() if compare == "previous" else period.year_ago()
top[0].caption(
    t("overview.caption", period=fmt_period(period), scope=scope_name)
    + " · "
    + t("dashboards.compared_with", period=fmt_period(before_period))
)
status_filter = st.query_params.get("status")
status_filter = status_filter if status_filter in STATUSES else None


def fmt_value(measure: str, value) -> str:
    """A measure's value as a person reads it."""
    if is_missing(value):
        return "–"
    return pct(value) if PERCENT[measure] else num(value, 1)


def _labels(df: pd.DataFrame, col: str, prefix: str) -> pd.Series:
    return df[col].map(lambda v: t(f"{prefix}.{v}"))


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def _figures(scope: Scope, period: Period, before: Period, status: str | None, lang: str) -> dict:
    """Headline figures, the status / grade / warning charts and the ranked units."""
    ids = q.ranked_ids(scope)
    ranked = q.unit_measures(scope, period.start, period.end, ids)
    ranked_before = q.unit_measures(scope, before.start, before.end, ids)
    now = q.summary(scope, period.start, period.end)
    out = {
        "head": q.headline(scope, period.start, period.end),
        "now": now,
        "before": q.summary(scope, before.start, before.end),
        "status_n": {
            s: (int((ranked["status"] == s).sum()), int((ranked_before["status"] == s).sum())) for s in STATUSES
        },
        "ranked": ranked,
        "ranked_before": ranked_before,
    }
    counts = ranked.groupby("status").size().reindex(list(STATUSES), fill_value=0).rename("n").reset_index()
    counts = counts[counts["n"] > 0]
    counts["label"] = _labels(counts, "status", "domain.status")
    out["status_spec"] = (
        charts.spec("status_bar", counts, t("dashboards.status_chart"), status, arrow=True) if len(counts) else None
    )
    grades = q.grade_counts(now)
    grades["label"] = _labels(grades, "grade", "domain.grade_short")
    grades["share_text"] = grades["share"].map(pct)
    out["grade_spec"] = (
        charts.spec("grade_bar", grades, t("dashboards.grade_chart"), arrow=True) if grades["n"].sum() else None
    )
    sev = q.warnings_by_severity(scope)
    sev["label"] = _labels(sev, "severity", "dashboards.severity")
    out["severity_spec"] = charts.spec("severity_bar", sev, t("dashboards.warning_chart"), arrow=True)
    return out


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def _ranking(scope: Scope, period: Period, before: Period, status: str | None, sort: str, lang: str) -> dict:
    """The ranking table (sorted, with the change of the sort measure) and its bar chart."""
    fig = _figures(scope, period, before, status, lang)
    ranked, ranked_before = fig["ranked"], fig["ranked_before"]
    shown = ranked if status is None else ranked[ranked["status"] == status]
    if shown.empty:
        return {"table": shown, "bars_spec": None}
    prev_value = ranked_before.set_index("unit_id")[sort]
    table = (
        shown.assign(
            change=shown[sort] - shown["unit_id"].map(prev_value),
            status_label=_labels(shown, "status", "domain.status"),
        )
        .sort_values(sort, ascending=False, na_position="last")
        .reset_index(drop=True)
    )
    table.insert(0, "rank", range(1, len(table) + 1))
    table = table[
        ["rank", "code", "name", "okr", "status_label", "kpi", "satisfaction", "evaluation", "change", "status"]
    ]
    bars = table.dropna(subset=[sort])[["code", "name", sort, "status"]].rename(columns={sort: "value"})
    bars["value_text"] = bars["value"].map(lambda v: fmt_value(sort, v))
    spec = charts.spec("ranking_bar", bars, MEASURE_LABEL[sort], PERCENT[sort], arrow=True) if len(bars) else None
    return {"table": table, "bars_spec": spec}


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def _over_time(scope: Scope, period: Period, before: Period, status: str | None, measure: str, lang: str) -> dict:
    """Heatmap of the shown units x months, and the trend lines of the view."""
    fig = _figures(scope, period, before, status, lang)
    ranked = fig["ranked"]
    shown_ids = tuple(int(i) for i in (ranked if status is None else ranked[ranked["status"] == status])["unit_id"])
    start = min(period.start, add_months(period.end, -11))
    out = {"start": start, "heatmap_spec": None, "trend_spec": None, "score_spec": None}
    grid = q.unit_month_measures(scope, start, period.end, shown_ids) if shown_ids else pd.DataFrame()
    # OKR cells show the pace (progress ÷ time elapsed), coloured between the status bands:
    # raw progress would paint every January red for objectives of the year.
    column = "okr_pace" if measure == "okr" else measure
    if not grid.empty and grid[column].notna().any():
        cells = grid.dropna(subset=[column])[["code", "name", "month", column]].rename(columns={column: "value"})
        cells["month_label"] = cells["month"].map(lambda m: f"{m % 100:02d}/{m // 100}")
        if measure == "okr":
            bands = pace_thresholds()
            cells["value_text"] = cells["value"].map(lambda v: num(v, 2))
            title, percent, domain = t("dashboards.heatmap_pace"), False, (bands.at_risk, bands.on_track)
        else:
            cells["value_text"] = cells["value"].map(lambda v: fmt_value(measure, v))
            title = t("dashboards.heatmap_title", measure=MEASURE_LABEL[measure])
            percent, domain = PERCENT[measure], None
        months = [f"{m % 100:02d}/{m // 100}" for m in sorted(cells["month"].unique())]
        out["heatmap_spec"] = charts.spec("heatmap", cells, title, percent, months, domain, arrow=True)
    # A status filter narrows the trends to the units that carry that status.
    trend = q.combine_groups(grid) if status else q.unit_month_measures(scope, start, period.end, None)
    if trend.empty:
        return out
    long = trend.melt(
        id_vars=["month"], value_vars=["okr", "kpi", "satisfaction"], var_name="measure", value_name="value"
    ).dropna(subset=["value"])
    if len(long):
        long["measure_label"] = long["measure"].map(MEASURE_LABEL)
        long["month_date"] = long["month"].map(lambda m: pd.Timestamp(first_day(int(m))))
        long["value_text"] = long["value"].map(pct)
        out["trend_spec"] = charts.spec("trend_lines", long, t("dashboards.trend_percent"), True, arrow=True)
    score = trend.dropna(subset=["evaluation"])[["month", "evaluation"]].rename(columns={"evaluation": "value"})
    if len(score):
        score["measure_label"] = MEASURE_LABEL["evaluation"]
        score["month_date"] = score["month"].map(lambda m: pd.Timestamp(first_day(int(m))))
        score["value_text"] = score["value"].map(lambda v: num(v, 1))
        out["score_spec"] = charts.spec("trend_lines", score, t("dashboards.trend_score"), False, arrow=True)
    return out


@st.cache_data(ttl=300, max_entries=128, show_spinner=False)
def _structure(scope: Scope, period: Period, before: Period, status: str | None, lang: str) -> dict:
    """Structural targets: the chart of the whole view and the table per shown unit."""
    as_of = as_of_date(period.end)
    out = {"as_of": as_of, "spec": None, "table": None}
    overall = q.structure(scope, as_of, None)
    if len(overall) and overall["denominator"].sum() > 0:
        lab = overall.copy()
        lab["label"] = _labels(lab, "target_code", "domain.structure")
        lab["value_text"] = lab["value"].map(lambda v: pct(v, 1))
        lab["threshold_text"] = lab["threshold"].map(lambda v: pct(v, 0))
        lab["met"] = lab["met"].map(lambda m: "na" if pd.isna(m) else ("yes" if m else "no")).astype(object)
        lab["met_label"] = lab["met"].map(
            {
                "yes": t("domain.structure.met"),
                "no": t("domain.structure.not_met"),
                "na": t("domain.stats.not_enough_data"),
            }
        )
        out["spec"] = charts.spec("structure_chart", lab, t("dashboards.structure_overall"), arrow=True)
    ranked = _figures(scope, period, before, status, lang)["ranked"]
    shown = ranked if status is None else ranked[ranked["status"] == status]
    ids = tuple(int(i) for i in shown["unit_id"])
    per = q.structure(scope, as_of, ids) if ids else pd.DataFrame()
    if len(per):
        names = q.tree(scope).set_index("id")["name"]
        cell = per.apply(
            lambda r: "" if pd.isna(r["value"]) else ("✓ " if r["met"] else "✗ ") + pct(r["value"], 0), axis=1
        )
        pv = per.assign(cell=cell).pivot(index="unit_id", columns="target_code", values="cell")
        order = [tg.code for tg in q.TARGETS if tg.code in pv.columns]
        pv = pv[order]
        pv.insert(0, "unit", [names.get(i, str(i)) for i in pv.index])
        out["table"] = pv.reset_index(drop=True)
        out["order"] = order
    return out


lang_now = current_lang()
fig = _figures(scope, period, before_period, status_filter, lang_now)
head, now, before = fig["head"], fig["now"], fig["before"]

# --- headline figures ---------------------------------------------------------------
row1 = st.columns(5)
row1[0].metric(t("overview.units"), num(head["n_units"]), border=True)
row1[1].metric(t("overview.officials"), num(head["n_officials"]), border=True)
metric(
    row1[2],
    t("overview.satisfaction"),
    now["satisfaction"],
    before["satisfaction"],
    help=t("overview.satisfaction_help", n=num(now["rating_n"])),
)
metric(row1[3], t("dashboards.metric.kpi"), now["kpi"], before["kpi"], help=t("dashboards.kpi_help"))
metric(row1[4], MEASURE_LABEL["okr"], now["okr"], before["okr"], help=t("dashboards.okr_help"))
row2 = st.columns(5)
metric(row2[0], t("dashboards.metric.evaluation"), now["evaluation"], before["evaluation"], kind="score")
for i, s in enumerate(("on_track", "at_risk", "off_track")):
    n_now, n_before = fig["status_n"][s]
    metric(
        row2[1 + i],
        t(f"dashboards.units.{s}"),
        n_now,
        n_before,
        kind="count",
        inverse=s != "on_track",
        help=t("dashboards.units_status_help"),
    )
row2[4].metric(t("overview.open_warnings"), num(head["open_warnings"]), border=True)

# --- status (a click filters the rest of the page), grades, warnings -----------------------
c1, c2, c3 = st.columns(3)
with c1:
    if fig["status_spec"] is None:
        st.caption(t("dashboards.no_units"))
    else:
        ev = charts.render(st, fig["status_spec"], key=f"ov_status_{status_filter or 'all'}", select=True)
        picked = ev.selection.get(charts.STATUS_PICK) if ev is not None else None
        if picked and picked[0].get("status") != status_filter:
            st.query_params["status"] = picked[0]["status"]
            st.rerun()
    if status_filter:
        # A callback runs before the next run: the page is then drawn without the filter.
        st.button(
            t("dashboards.clear_filter", status=t(f"domain.status.{status_filter}")),
            key="ov_clear_status",
            icon=":material/filter_alt_off:",
            on_click=lambda: st.query_params.pop("status", None),
        )
    else:
        st.caption(t("dashboards.status_hint"))
with c2:
    if fig["grade_spec"] is None:
        st.caption(t("dashboards.no_grades"))
    else:
        charts.render(st, fig["grade_spec"])
with c3:
    charts.render(st, fig["severity_spec"])
    if (ROOT / page("warnings")).exists() and user.may_open("warnings"):
        st.page_link(page("warnings"), label=t("dashboards.to_warnings"), icon=":material/notification_important:")


def drill(code: str, month: int | None = None) -> None:
    """Open the unit page for ``code`` (keeping the period, or the month of a heatmap cell)."""
    params = {"unit": code, "period": period.key() if month is None else f"{month // 100:04d}-{month % 100:02d}"}
    st.switch_page(page("unit"), query_params=params)


# --- ranking ---------------------------------------------------------------------------
st.subheader(t("dashboards.ranking"))
ctl = st.columns([3, 2])
sort = url_control(ctl[0], t("dashboards.sort_by"), "sort", list(q.MEASURES), "okr", MEASURE_LABEL.get, "ov_sort")
if status_filter:
    ctl[1].info(t("dashboards.filtered_by", status=t(f"domain.status.{status_filter}")), icon=":material/filter_alt:")
rank = _ranking(scope, period, before_period, status_filter, sort, lang_now)
table = rank["table"]
if table.empty:
    st.caption(t("dashboards.no_units"))
else:
    view = table.drop(columns="status")
    change_label = t("dashboards.change_of", measure=MEASURE_LABEL[sort])
    sel = st.dataframe(
        view,
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key="ov_rank_table",
        width="stretch",
        column_config={
            "rank": st.column_config.NumberColumn("#", width="small"),
            "code": st.column_config.TextColumn(t("dashboards.col.code")),
            "name": st.column_config.TextColumn(t("dashboards.col.unit"), width="medium"),
            "okr": progress_column(MEASURE_LABEL["okr"]),
            "status_label": st.column_config.TextColumn(t("dashboards.col.status")),
            "kpi": percent_column(MEASURE_LABEL["kpi"]),
            "satisfaction": percent_column(MEASURE_LABEL["satisfaction"]),
            "evaluation": st.column_config.NumberColumn(MEASURE_LABEL["evaluation"], format="%.1f"),
            "change": st.column_config.NumberColumn(
                change_label,
                format="percent" if PERCENT[sort] else "%+.1f",
                help=t("dashboards.compared_with", period=fmt_period(before_period)),
            ),
        },
    )
    st.caption(t("dashboards.ranking_hint"))
    row = selected_row(sel)
    if row is not None and row < len(table):
        drill(str(table.iloc[row]["code"]))
    if rank["bars_spec"] is None:
        st.caption(t("dashboards.no_values", measure=MEASURE_LABEL[sort]))
    else:
        ev = charts.render(st, rank["bars_spec"], key="ov_rank_chart", select=True)
        picked = ev.selection.get(charts.UNIT_PICK) if ev is not None else None
        if picked:
            drill(str(picked[0]["code"]))
    download_buttons(
        view.rename(
            columns={
                "rank": "#",
                "code": t("dashboards.col.code"),
                "name": t("dashboards.col.unit"),
                "okr": MEASURE_LABEL["okr"],
                "status_label": t("dashboards.col.status"),
                "kpi": MEASURE_LABEL["kpi"],
                "satisfaction": MEASURE_LABEL["satisfaction"],
                "evaluation": MEASURE_LABEL["evaluation"],
                "change": change_label,
            }
        ),
        f"xep-hang-{period.key()}",
        "ov_rank_dl",
    )

# --- heatmap and trends ------------------------------------------------------------------
st.subheader(t("dashboards.heatmap"))
measure = url_control(st, t("dashboards.measure"), "measure", list(q.MEASURES), "okr", MEASURE_LABEL.get, "ov_measure")
over = _over_time(scope, period, before_period, status_filter, measure, lang_now)
if over["heatmap_spec"] is None:
    st.caption(t("dashboards.no_values", measure=MEASURE_LABEL[measure]))
else:
    ev = charts.render(st, over["heatmap_spec"], key="ov_heatmap", select=True)
    st.caption(t("dashboards.heatmap_hint"))
    picked = ev.selection.get(charts.CELL_PICK) if ev is not None else None
    if picked:
        drill(str(picked[0]["code"]), int(picked[0]["month"]))

st.subheader(t("dashboards.trends"))
if over["trend_spec"] is None and over["score_spec"] is None:
    st.caption(t("common.no_data"))
else:
    t1, t2 = st.columns([3, 2])
    if over["trend_spec"] is not None:
        charts.render(t1, over["trend_spec"])
    if over["score_spec"] is not None:
        charts.render(t2, over["score_spec"])
    st.caption(t("dashboards.trend_window", start=fmt_month(over["start"]), end=fmt_month(period.end)))

# --- structural targets ----------------------------------------------------------------------
st.subheader(t("dashboards.structure"))
structure = _structure(scope, period, before_period, status_filter, lang_now)
st.caption(t("dashboards.structure_caption", date=structure["as_of"].strftime("%d/%m/%Y")))
if structure["spec"] is None:
    st.caption(t("common.no_data"))
else:
    charts.render(st, structure["spec"])
    st.caption(t("dashboards.structure_ticks"))
if structure["table"] is not None:
    config = {"unit": st.column_config.TextColumn(t("dashboards.col.unit"), width="medium")}
    for c in structure["order"]:
        config[c] = st.column_config.TextColumn(t(f"dashboards.structure_short.{c}"), help=t(f"domain.structure.{c}"))
    st.dataframe(structure["table"], hide_index=True, width="stretch", column_config=config)
    st.caption(t("dashboards.structure_table_hint"))
