"""Overview: every unit of the scope at a glance, with a click through to each unit.

URL state: period and org (sidebar), compare (previous | year), sort and measure
(okr | kpi | satisfaction | evaluation), status (a pace status picked on the chart).
"""

import pandas as pd
import streamlit as st

from components import charts
from components.auth import require_role
from components.cards import is_missing, metric, url_control
from components.filters import current_org, current_period
from components.i18n import month as fmt_month
from components.i18n import num, pct, t
from components.i18n import period as fmt_period
from components.nav import ROOT, page
from components.tables import download_buttons, percent_column, progress_column, selected_row
from queries import overview as q
from queries.okr import as_of_date
from thuocdo.domain.access import Scope
from thuocdo.domain.periods import add_months, first_day

user = require_role("overview")

st.title(t("overview.title"))
period = current_period(user)
if period is None:
    st.info(t("common.no_data"))
    st.stop()
org = current_org(user)
scope = Scope(org["path"], user.scope.pseudonymise) if org is not None else user.scope
scope_name = org["name"] if org else (user.unit_code or t("auth.scope_city"))

MEASURE_LABEL = {m: t(f"dashboards.measure.{m}") for m in q.MEASURES}
PERCENT = {"okr": True, "kpi": True, "satisfaction": True, "evaluation": False}
STATUSES = ("on_track", "at_risk", "off_track", "no_data")

top = st.columns([3, 2])
compare = url_control(top[1], t("dashboards.compare"), "compare", ["previous", "year"], "previous",
                      lambda c: t(f"dashboards.compare.{c}"), "ov_compare")
before_period = period.previous() if compare == "previous" else period.year_ago()
top[0].caption(t("overview.caption", period=fmt_period(period), scope=scope_name) + " · "
               + t("dashboards.compared_with", period=fmt_period(before_period)))

status_filter = st.query_params.get("status")
status_filter = status_filter if status_filter in STATUSES else None


def fmt_value(measure: str, value) -> str:
    """A measure's value as a person reads it."""
    if is_missing(value):
        return "–"
    return pct(value) if PERCENT[measure] else num(value, 1)


# --- headline figures ---------------------------------------------------------------
head = q.headline(scope, period.start, period.end)
now = q.summary(scope, period.start, period.end)
before = q.summary(scope, before_period.start, before_period.end)
ids = q.ranked_ids(scope)
ranked = q.unit_measures(scope, period.start, period.end, ids)
ranked_before = q.unit_measures(scope, before_period.start, before_period.end, ids)

row1 = st.columns(5)
row1[0].metric(t("overview.units"), num(head["n_units"]), border=True)
row1[1].metric(t("overview.officials"), num(head["n_officials"]), border=True)
metric(row1[2], t("overview.satisfaction"), now["satisfaction"], before["satisfaction"],
       help=t("overview.satisfaction_help", n=num(now["rating_n"])))
metric(row1[3], t("dashboards.metric.kpi"), now["kpi"], before["kpi"], help=t("dashboards.kpi_help"))
metric(row1[4], t("dashboards.measure.okr"), now["okr"], before["okr"], help=t("dashboards.okr_help"))
row2 = st.columns(5)
metric(row2[0], t("dashboards.metric.evaluation"), now["evaluation"], before["evaluation"], kind="score")
for i, s in enumerate(("on_track", "at_risk", "off_track")):
    metric(row2[1 + i], t(f"dashboards.units.{s}"),
           int((ranked["status"] == s).sum()), int((ranked_before["status"] == s).sum()), kind="count",
           inverse=s != "on_track", help=t("dashboards.units_status_help"))
row2[4].metric(t("overview.open_warnings"), num(head["open_warnings"]), border=True)

# --- status (filters the rest), grades, warnings ------------------------------------
c1, c2, c3 = st.columns(3)
status_counts = (
    ranked.groupby("status").size().reindex(list(STATUSES), fill_value=0).rename("n").reset_index()
)
status_counts = status_counts[status_counts["n"] > 0]
status_counts["label"] = status_counts["status"].map(lambda s: t(f"domain.status.{s}"))
with c1:
    if status_counts.empty:
        st.caption(t("dashboards.no_units"))
    else:
        ev = charts.show(st, "status_bar", status_counts, t("dashboards.status_chart"), status_filter,
                         key=f"ov_status_{status_filter or 'all'}", select=True)
        picked = ev.selection.get(charts.STATUS_PICK) if ev is not None else None
        if picked and picked[0].get("status") != status_filter:
            st.query_params["status"] = picked[0]["status"]
            st.rerun()
    if status_filter:
        if st.button(t("dashboards.clear_filter", status=t(f"domain.status.{status_filter}")), key="ov_clear_status",
                     icon=":material/filter_alt_off:"):
            del st.query_params["status"]
            st.rerun()
    else:
        st.caption(t("dashboards.status_hint"))
grades = q.grade_counts(now)
grades["label"] = grades["grade"].map(lambda g: t(f"domain.grade_short.{g}"))
grades["share_text"] = grades["share"].map(pct)
with c2:
    if grades["n"].sum() == 0:
        st.caption(t("dashboards.no_grades"))
    else:
        charts.show(st, "grade_bar", grades, t("dashboards.grade_chart"))
sev = q.warnings_by_severity(scope)
sev["label"] = sev["severity"].map(lambda s: t(f"dashboards.severity.{s}"))
with c3:
    charts.show(st, "severity_bar", sev, t("dashboards.warning_chart"))
    if (ROOT / page("warnings")).exists() and user.may_open("warnings"):
        st.page_link(page("warnings"), label=t("dashboards.to_warnings"), icon=":material/notification_important:")

shown = ranked if status_filter is None else ranked[ranked["status"] == status_filter]
shown_ids = tuple(int(i) for i in shown["unit_id"])

# --- ranking ---------------------------------------------------------------------------
st.subheader(t("dashboards.ranking"))
ctl = st.columns([3, 2])
sort = url_control(ctl[0], t("dashboards.sort_by"), "sort", list(q.MEASURES), "okr", MEASURE_LABEL.get, "ov_sort")
if status_filter:
    ctl[1].info(t("dashboards.filtered_by", status=t(f"domain.status.{status_filter}")), icon=":material/filter_alt:")


def drill(code: str, month: int | None = None) -> None:
    """Open the unit page for ``code`` (keeping the period, or the month of a heatmap cell)."""
    params = {"unit": code, "period": period.key() if month is None else f"{month // 100:04d}-{month % 100:02d}"}
    st.switch_page(page("unit"), query_params=params)


if shown.empty:
    st.caption(t("dashboards.no_units"))
else:
    prev_value = ranked_before.set_index("unit_id")[sort]
    table = shown.assign(
        change=shown[sort] - shown["unit_id"].map(prev_value),
        status_label=shown["status"].map(lambda s: t(f"domain.status.{s}")),
    ).sort_values(sort, ascending=False, na_position="last").reset_index(drop=True)
    table.insert(0, "rank", range(1, len(table) + 1))
    cols = ["rank", "code", "name", "okr", "status_label", "kpi", "satisfaction", "evaluation", "change"]
    change_label = t("dashboards.change_of", measure=MEASURE_LABEL[sort])
    view = table[cols]
    left, right = st.container(), st.container()
    with left:
        sel = st.dataframe(
            view, hide_index=True, on_select="rerun", selection_mode="single-row", key="ov_rank_table",
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
                    change_label, format="percent" if PERCENT[sort] else "%+.1f",
                    help=t("dashboards.compared_with", period=fmt_period(before_period)),
                ),
            },
        )
        st.caption(t("dashboards.ranking_hint"))
        row = selected_row(sel)
        if row is not None and row < len(table):
            drill(str(table.iloc[row]["code"]))
    with right:
        bars = table.dropna(subset=[sort])[["code", "name", sort, "status"]].rename(columns={sort: "value"})
        if bars.empty:
            st.caption(t("dashboards.no_values", measure=MEASURE_LABEL[sort]))
        else:
            bars["value_text"] = bars["value"].map(lambda v: fmt_value(sort, v))
            ev = charts.show(st, "ranking_bar", bars, MEASURE_LABEL[sort], PERCENT[sort], key="ov_rank_chart",
                             select=True)
            picked = ev.selection.get(charts.UNIT_PICK) if ev is not None else None
            if picked:
                drill(str(picked[0]["code"]))
    download_buttons(
        view.rename(columns={"rank": "#", "code": t("dashboards.col.code"), "name": t("dashboards.col.unit"),
                             "okr": MEASURE_LABEL["okr"], "status_label": t("dashboards.col.status"),
                             "kpi": MEASURE_LABEL["kpi"], "satisfaction": MEASURE_LABEL["satisfaction"],
                             "evaluation": MEASURE_LABEL["evaluation"], "change": change_label}),
        f"xep-hang-{period.key()}", "ov_rank_dl",
    )

# --- heatmap and trends ------------------------------------------------------------------
window_start = min(period.start, add_months(period.end, -11))
st.subheader(t("dashboards.heatmap"))
measure = url_control(st, t("dashboards.measure"), "measure", list(q.MEASURES), "okr", MEASURE_LABEL.get,
                      "ov_measure")
grid = q.unit_month_measures(scope, window_start, period.end, shown_ids) if shown_ids else pd.DataFrame()
if grid.empty or grid[measure].isna().all():
    st.caption(t("dashboards.no_values", measure=MEASURE_LABEL[measure]))
else:
    cells = grid.dropna(subset=[measure])[["code", "name", "month", measure]].rename(columns={measure: "value"})
    cells["month_label"] = cells["month"].map(lambda m: f"{m % 100:02d}/{m // 100}")
    cells["value_text"] = cells["value"].map(lambda v: fmt_value(measure, v))
    month_labels = [f"{m % 100:02d}/{m // 100}" for m in sorted(cells["month"].unique())]
    ev = charts.show(st, "heatmap", cells, t("dashboards.heatmap_title", measure=MEASURE_LABEL[measure]),
                     PERCENT[measure], month_labels, key="ov_heatmap", select=True)
    st.caption(t("dashboards.heatmap_hint"))
    picked = ev.selection.get(charts.CELL_PICK) if ev is not None else None
    if picked:
        drill(str(picked[0]["code"]), int(picked[0]["month"]))

st.subheader(t("dashboards.trends"))
if status_filter:
    parts = q.unit_month_measures(scope, window_start, period.end, shown_ids) if shown_ids else pd.DataFrame()
    trend = q.combine_groups(parts)
else:
    trend = q.unit_month_measures(scope, window_start, period.end, None)
if trend.empty:
    st.caption(t("common.no_data"))
else:
    long = trend.melt(id_vars=["month"], value_vars=["okr", "kpi", "satisfaction"], var_name="measure",
                      value_name="value").dropna(subset=["value"])
    long["measure_label"] = long["measure"].map(MEASURE_LABEL)
    long["month_date"] = long["month"].map(lambda m: pd.Timestamp(first_day(int(m))))
    long["value_text"] = long["value"].map(pct)
    t1, t2 = st.columns([3, 2])
    if not long.empty:
        charts.show(t1, "trend_lines", long, t("dashboards.trend_percent"), True)
    ev_line = trend.dropna(subset=["evaluation"])[["month", "evaluation"]].rename(columns={"evaluation": "value"})
    if not ev_line.empty:
        ev_line["measure"] = "evaluation"
        ev_line["measure_label"] = MEASURE_LABEL["evaluation"]
        ev_line["month_date"] = ev_line["month"].map(lambda m: pd.Timestamp(first_day(int(m))))
        ev_line["value_text"] = ev_line["value"].map(lambda v: num(v, 1))
        charts.show(t2, "trend_lines", ev_line, t("dashboards.trend_score"), False)
    st.caption(t("dashboards.trend_window", start=fmt_month(window_start), end=fmt_month(period.end)))

# --- structural targets ----------------------------------------------------------------------
st.subheader(t("dashboards.structure"))
as_of = as_of_date(period.end)
st.caption(t("dashboards.structure_caption", date=as_of.strftime("%d/%m/%Y")))
overall = q.structure(scope, as_of, None)


def structure_labels(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out["label"] = out["target_code"].map(lambda c: t(f"domain.structure.{c}"))
    out["value_text"] = out["value"].map(lambda v: pct(v, 1))
    out["threshold_text"] = out["threshold"].map(lambda v: pct(v, 0))
    out["met"] = out["met"].map(lambda m: "na" if pd.isna(m) else ("yes" if m else "no")).astype(object)
    out["met_label"] = out["met"].map(
        {"yes": t("domain.structure.met"), "no": t("domain.structure.not_met"), "na": t("domain.stats.not_enough_data")}
    )
    return out


s1, s2 = st.container(), st.container()
if overall.empty or overall["denominator"].sum() == 0:
    s1.caption(t("common.no_data"))
else:
    lab = structure_labels(overall)
    charts.show(s1, "structure_chart", lab, t("dashboards.structure_overall"))
    s1.caption(t("dashboards.structure_ticks"))
per_unit = q.structure(scope, as_of, shown_ids) if shown_ids else pd.DataFrame()
if not per_unit.empty:
    names = q.tree(scope).set_index("id")["name"]
    pv = per_unit.pivot(index="unit_id", columns="target_code", values="value")
    order = [c for c in [tg.code for tg in q.TARGETS] if c in pv.columns]
    pv = pv[order]
    thresholds = {tg.code: tg.threshold for tg in q.TARGETS}
    pv.index = [names.get(i, str(i)) for i in pv.index]
    pv.index.name = t("dashboards.col.unit")
    labels = {c: t(f"dashboards.structure_short.{c}") for c in order}

    def colour(col: pd.Series) -> list[str]:
        thr = thresholds[col.name]
        return ["" if pd.isna(v) else ("background-color: #e8f5e9" if v >= thr - 1e-9 else "background-color: #fdecea")
                for v in col]

    styled = pv.style.apply(colour).format(lambda v: pct(v, 0))
    s2.dataframe(styled, width="stretch",
                 column_config={c: st.column_config.Column(labels[c], help=t(f"domain.structure.{c}")) for c in order})
    s2.caption(t("dashboards.structure_table_hint"))
