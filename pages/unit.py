"""One unit (URL /unit?unit=<code>): OKR with weighted key results and pace, KPIs with
sparklines, trends, its officials, sub-units and warnings. Every unit uses this page.

URL state: unit, period and compare like the overview, objective (a picked objective).
"""

import pandas as pd
import streamlit as st

from components import charts
from components.auth import refuse, require_role
from components.cards import metric, status_badge, url_control
from components.filters import current_period
from components.i18n import month as fmt_month
from components.i18n import num, pct, t
from components.i18n import period as fmt_period
from components.nav import ROOT, page
from components.params import int_id
from components.tables import download_buttons, percent_column, progress_column, selected_row
from queries import kpi as kpi_q
from queries import okr as okr_q
from queries import overview as q
from queries import unit as unit_q
from queries.units import unit_row, units_in_scope
from thuocdo.domain.periods import add_months, first_day

user = require_role("unit")

code = st.query_params.get("unit")
if not code:
    # No unit in the address: offer the units of the scope (the choice goes into the URL).
    st.title(t("dashboards.unit.choose_title"))
    units = units_in_scope(user.scope)
    if units.empty:
        st.info(t("common.no_data"))
        st.stop()
    names = dict(zip(units["code"], units["name"], strict=True))
    choice = st.selectbox(
        t("dashboards.unit.choose"),
        list(units["code"]),
        index=None,
        format_func=lambda c: f"{names[c]} ({c})",
        key="unit_choose",
    )
    if choice:
        params = {"unit": choice}
        if st.query_params.get("period"):
            params["period"] = st.query_params["period"]
        st.switch_page(page("unit"), query_params=params)
    st.stop()

unit = unit_row(user.scope, code)
if unit is None and int_id(code) is not None:
    # Links that name a unit by its numeric id (the issue's ?unit=ID) land here too; the
    # address is rewritten to the code so that bookmarks read the same everywhere.
    units = units_in_scope(user.scope)
    hit = units[units["id"] == int(code)]
    if not hit.empty:
        unit = hit.iloc[0].to_dict()
        code = str(unit["code"])
        st.query_params["unit"] = code
if unit is None:
    refuse(user, "unit", code)
uscope = unit_q.unit_scope(user.scope, unit["path"])
period = current_period(user)
if period is None:
    st.title(unit["name"])
    st.info(t("common.no_data"))
    st.stop()

MEASURE_LABEL = {m: t(f"dashboards.measure.{m}") for m in q.MEASURES}
uid = int(unit["id"])


def keep(**extra) -> dict:
    """Query parameters of this view, for links that keep the period and comparison."""
    params = {"unit": code, "period": period.key()}
    if st.query_params.get("compare"):
        params["compare"] = st.query_params["compare"]
    params.update({k: v for k, v in extra.items() if v})
    return params


# --- header ---------------------------------------------------------------------------------
st.title(unit["name"])
top = st.columns([3, 2])
compare = url_control(
    top[1],
    t("dashboards.compare"),
    "compare",
    ["previous", "year"],
    "previous",
    lambda c: t(f"dashboards.compare.{c}"),
    "unit_compare",
)
before_period = period.previous() if compare == "previous" else period.year_ago()
with top[0]:
    st.caption(
        t("dashboards.unit.caption", code=code, kind=t(f"dashboards.kind.{unit['kind']}"), period=fmt_period(period))
        + " · "
        + t("dashboards.compared_with", period=fmt_period(before_period))
    )
    parent = unit_row(user.scope, unit["parent_code"]) if unit.get("parent_code") else None
    links = st.columns(2)
    links[0].page_link(
        page("overview"),
        label=t("dashboards.unit.to_overview"),
        icon=":material/dashboard:",
        query_params={"period": period.key()},
    )
    if parent is not None:
        links[1].page_link(
            page("unit"),
            label=t("dashboards.unit.to_parent", name=parent["name"]),
            icon=":material/arrow_upward:",
            query_params={"unit": parent["code"], "period": period.key()},
        )

now = q.summary(uscope, period.start, period.end)
before = q.summary(uscope, before_period.start, before_period.end)
head = q.headline(uscope, period.start, period.end)
st.markdown(
    t(
        "dashboards.unit.status_line",
        status=status_badge(now["status"]),
        pace=num(now["okr_pace"], 2),
        n=num(now["n_objectives"]),
    )
)
c = st.columns(5)
metric(c[0], MEASURE_LABEL["okr"], now["okr"], before["okr"], help=t("dashboards.okr_help"))
metric(c[1], t("dashboards.metric.kpi"), now["kpi"], before["kpi"], help=t("dashboards.kpi_help"))
metric(
    c[2],
    MEASURE_LABEL["satisfaction"],
    now["satisfaction"],
    before["satisfaction"],
    help=t("overview.satisfaction_help", n=num(now["rating_n"])),
)
metric(c[3], t("dashboards.metric.evaluation"), now["evaluation"], before["evaluation"], kind="score")
c[4].metric(t("overview.open_warnings"), num(head["open_warnings"]), border=True)

# --- OKR ------------------------------------------------------------------------------------
st.subheader(t("dashboards.unit.okr"))
objs = okr_q.objectives(uscope, period.start, period.end)
krs = okr_q.key_results(uscope, period.start, period.end)
own = objs[objs["unit_id"] == uid].reset_index(drop=True)
if own.empty:
    st.caption(t("dashboards.unit.no_objectives"))
else:
    picked_code = st.query_params.get("objective")
    picked_code = picked_code if picked_code in set(own["objective_code"]) else None
    thresholds = okr_q.pace_thresholds()
    od = pd.DataFrame(
        {
            "code": own["objective_code"],
            "label": own["objective_title"]
            + " ("
            + own["weight"].map(lambda w: t("dashboards.weight", w=num(w, 1)))
            + ")",
            "progress": own["progress"].astype(float),
            "elapsed": own["elapsed"].astype(float),
            "status": own["status"].astype(object),
            "progress_text": own["progress"].map(pct),
            "pace_text": own["pace"].map(lambda v: num(v, 2)),
            "status_label": own["status"].map(lambda s: t(f"domain.status.{s}")),
        }
    )
    ev = charts.show(
        st,
        "objective_chart",
        od,
        t("dashboards.unit.objectives_chart"),
        picked_code,
        key=f"unit_obj_{picked_code or 'all'}",
        select=True,
    )
    st.caption(t("dashboards.unit.pace_rule", on=num(thresholds.on_track, 2), risk=num(thresholds.at_risk, 2)))
    picked = ev.selection.get(charts.OBJECTIVE_PICK) if ev is not None else None
    if picked and picked[0].get("code") != picked_code:
        # A new history entry, so that the browser's back button returns to the whole unit.
        st.switch_page(page("unit"), query_params=keep(objective=picked[0]["code"]))
    if picked_code:
        st.button(
            t("dashboards.unit.all_objectives"),
            key="unit_all_obj",
            icon=":material/close:",
            on_click=lambda: st.query_params.pop("objective", None),
        )
    for row in own.itertuples(index=False):
        if picked_code and row.objective_code != picked_code:
            continue
        with st.container(border=True):
            st.markdown(f"**{row.objective_title}** · {status_badge(row.status)}")
            st.progress(
                min(1.0, max(0.0, float(row.progress))),
                text=t(
                    "dashboards.unit.objective_line",
                    progress=pct(row.progress),
                    pace=num(row.pace, 2),
                    elapsed=pct(row.elapsed),
                    start=row.start_date.strftime("%d/%m/%Y"),
                    end=row.end_date.strftime("%d/%m/%Y"),
                ),
            )
            mine = krs[krs["objective_id"] == row.objective_id]
            kt = pd.DataFrame(
                {
                    "title": mine["title"],
                    "weight": mine["weight"],
                    "direction": mine["direction"].map(lambda d: t(f"domain.direction.{d}")),
                    "baseline": mine["baseline"],
                    "target": mine["target"],
                    "value": mine["value"],
                    "uom": mine["unit_of_measure"],
                    "progress": mine["progress"],
                    "status": mine["status"].map(lambda s: t(f"domain.status.{s}")),
                }
            )
            st.dataframe(
                kt,
                hide_index=True,
                width="stretch",
                key=f"unit_kr_{row.objective_id}",
                column_config={
                    "title": st.column_config.TextColumn(t("dashboards.kr.title"), width="large"),
                    "weight": st.column_config.NumberColumn(t("dashboards.kr.weight"), format="%.1f"),
                    "direction": st.column_config.TextColumn(t("dashboards.kr.direction")),
                    "baseline": st.column_config.NumberColumn(t("dashboards.kr.baseline"), format="localized"),
                    "target": st.column_config.NumberColumn(t("dashboards.kr.target"), format="localized"),
                    "value": st.column_config.NumberColumn(t("dashboards.kr.value"), format="localized"),
                    "uom": st.column_config.TextColumn(t("dashboards.kr.uom")),
                    "progress": progress_column(t("dashboards.kr.progress")),
                    "status": st.column_config.TextColumn(t("dashboards.col.status")),
                },
            )
    if picked_code:
        oid = int(own.loc[own["objective_code"] == picked_code, "objective_id"].iloc[0])
        series = okr_q.checkin_series(uscope, oid, period.start, period.end)
        if series.empty:
            st.caption(t("dashboards.unit.no_checkins"))
        else:
            series["label"] = series["title"]
            series["value_text"] = series["value"].map(lambda v: num(v, 1)) + " · " + series["progress"].map(pct)
            charts.show(st, "checkin_lines", series, t("dashboards.unit.checkins"))

# --- KPI -------------------------------------------------------------------------------------
st.subheader(t("dashboards.unit.kpi"))
spark_start = add_months(period.end, -11)
kpis = kpi_q.unit_kpis(uscope, uid, period.start, period.end, spark_start)
if kpis.empty:
    st.caption(t("dashboards.unit.no_kpis"))
else:
    kview = pd.DataFrame(
        {
            "code": kpis["code"],
            "name": kpis["name"],
            "uom": kpis["unit_of_measure"],
            "direction": kpis["direction"].map(lambda d: t(f"domain.direction.{d}")),
            "month": kpis["month"].map(fmt_month),
            "target": kpis["target"].astype(float),
            "actual": kpis["actual"].astype(float),
            "completion": kpis["completion"].astype(float),
            "completion_avg": kpis["completion_avg"].astype(float),
            "trend": kpis["trend"],
        }
    )
    st.dataframe(
        kview,
        hide_index=True,
        width="stretch",
        key="unit_kpis",
        column_config={
            "code": st.column_config.TextColumn(t("dashboards.col.code")),
            "name": st.column_config.TextColumn(t("dashboards.kpi.name"), width="large"),
            "uom": st.column_config.TextColumn(t("dashboards.kr.uom")),
            "direction": st.column_config.TextColumn(t("dashboards.kr.direction")),
            "month": st.column_config.TextColumn(t("dashboards.kpi.month")),
            "target": st.column_config.NumberColumn(t("dashboards.kr.target"), format="localized"),
            "actual": st.column_config.NumberColumn(t("dashboards.kpi.actual"), format="localized"),
            "completion": progress_column(t("dashboards.kpi.completion"), t("dashboards.kpi_help"), max_value=1.2),
            "completion_avg": percent_column(t("dashboards.kpi.completion_avg")),
            "trend": st.column_config.LineChartColumn(t("dashboards.kpi.trend", start=fmt_month(spark_start))),
        },
    )
    download_buttons(kview.drop(columns="trend"), f"kpi-{code}-{period.key()}", "unit_kpi_dl")

# --- trends ------------------------------------------------------------------------------------
st.subheader(t("dashboards.trends"))
window_start = min(period.start, add_months(period.end, -11))
trend = q.unit_month_measures(uscope, window_start, period.end, None)
if trend.empty:
    st.caption(t("common.no_data"))
else:
    long = trend.melt(
        id_vars=["month"], value_vars=["okr", "kpi", "satisfaction"], var_name="measure", value_name="value"
    ).dropna(subset=["value"])
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

# --- officials --------------------------------------------------------------------------------------
st.subheader(t("dashboards.unit.officials"))
o1, o2 = st.columns([2, 3])
grades = q.grade_counts(now)
grades["label"] = grades["grade"].map(lambda g: t(f"domain.grade_short.{g}"))
grades["share_text"] = grades["share"].map(pct)
with o1:
    st.metric(t("overview.officials"), num(head["n_officials"]), border=True)
    if grades["n"].sum():
        charts.show(st, "grade_bar", grades, t("dashboards.grade_chart"))
    else:
        st.caption(t("dashboards.no_grades"))
people = unit_q.officials(uscope, uid, period.start, period.end)
with o2:
    if people.empty:
        st.caption(t("dashboards.unit.no_officials"))
    else:
        link = (ROOT / page("official")).exists() and user.may_open("official") and not uscope.pseudonymise
        pv = pd.DataFrame(
            {
                "name": people["full_name"],
                "position": people["position"],
                "avg_final": people["avg_final"],
                "last_grade": people["last_grade"].map(
                    lambda g: t(f"domain.grade_short.{g}") if isinstance(g, str) else "–"
                ),
                "satisfaction": people["satisfaction"],
                "rating_n": people["rating_n"],
            }
        )
        config = {
            "name": st.column_config.TextColumn(t("dashboards.official.name")),
            "position": st.column_config.TextColumn(t("dashboards.official.position")),
            "avg_final": st.column_config.NumberColumn(MEASURE_LABEL["evaluation"], format="%.1f"),
            "last_grade": st.column_config.TextColumn(t("dashboards.official.grade")),
            "satisfaction": percent_column(MEASURE_LABEL["satisfaction"]),
            "rating_n": st.column_config.NumberColumn(t("dashboards.official.ratings"), format="localized"),
        }
        if uscope.pseudonymise:
            pv = pv.drop(columns="position")
            st.caption(t("dashboards.official.pseudonymised"))
        if link:
            pv["link"] = "/official?official=" + people["code"].astype(str)
            config["link"] = st.column_config.LinkColumn(
                t("dashboards.official.open"), display_text=t("dashboards.official.open_text")
            )
        sel = st.dataframe(
            pv,
            hide_index=True,
            width="stretch",
            column_config=config,
            on_select="rerun" if link else "ignore",
            selection_mode="single-row",
            key="unit_people",
        )
        row = selected_row(sel) if link else None
        if row is not None and row < len(people):
            st.switch_page(page("official"), query_params={"official": str(people.iloc[row]["code"])})

# --- sub-units ----------------------------------------------------------------------------------------
children = units_in_scope(uscope)
children = children[children["parent_code"] == code]
if not children.empty:
    st.subheader(t("dashboards.unit.subunits"))
    child_ids = tuple(int(i) for i in children["id"])
    sub = q.unit_measures(uscope, period.start, period.end, child_ids).reset_index(drop=True)
    sub_view = pd.DataFrame(
        {
            "code": sub["code"],
            "name": sub["name"],
            "okr": sub["okr"],
            "status": sub["status"].map(lambda s: t(f"domain.status.{s}")),
            "kpi": sub["kpi"],
            "satisfaction": sub["satisfaction"],
            "evaluation": sub["evaluation"],
        }
    )
    sel = st.dataframe(
        sub_view,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="unit_sub",
        column_config={
            "code": st.column_config.TextColumn(t("dashboards.col.code")),
            "name": st.column_config.TextColumn(t("dashboards.col.unit"), width="medium"),
            "okr": progress_column(MEASURE_LABEL["okr"]),
            "status": st.column_config.TextColumn(t("dashboards.col.status")),
            "kpi": percent_column(MEASURE_LABEL["kpi"]),
            "satisfaction": percent_column(MEASURE_LABEL["satisfaction"]),
            "evaluation": st.column_config.NumberColumn(MEASURE_LABEL["evaluation"], format="%.1f"),
        },
    )
    st.caption(t("dashboards.ranking_hint"))
    row = selected_row(sel)
    if row is not None and row < len(sub):
        st.switch_page(page("unit"), query_params={"unit": str(sub.iloc[row]["code"]), "period": period.key()})

# --- warnings ------------------------------------------------------------------------------------------
st.subheader(t("dashboards.unit.warnings"))
warns = unit_q.warnings(user.scope, unit["path"])
if not user.may_open("warnings"):
    # Presenters see how many, not the case files.
    st.caption(t("dashboards.unit.warnings_count", n=num(int(warns["open"].sum()) if len(warns) else 0)))
elif warns.empty:
    st.caption(t("dashboards.unit.no_warnings"))
else:

    def reason(r) -> str:
        text = t(r["reason_key"], **r["reason_params"])
        return "" if text == r["reason_key"] else text

    wv = pd.DataFrame(
        {
            "id": warns["id"],
            "severity": warns["severity"].map(lambda s: t(f"dashboards.severity.{s}")),
            "rule": warns["rule_code"].map(lambda c: t(f"dashboards.rule.{c}")),
            "unit": warns["unit_name"],
            "month": warns["month"].map(fmt_month),
            "status": warns["status"].map(lambda s: t(f"dashboards.wstatus.{s}")),
            "reason": warns.apply(reason, axis=1),
        }
    )
    config = {
        "id": st.column_config.NumberColumn("#", format="%d"),
        "severity": st.column_config.TextColumn(t("dashboards.warning.severity")),
        "rule": st.column_config.TextColumn(t("dashboards.warning.rule")),
        "unit": st.column_config.TextColumn(t("dashboards.col.unit")),
        "month": st.column_config.TextColumn(t("dashboards.kpi.month")),
        "status": st.column_config.TextColumn(t("dashboards.col.status")),
        "reason": st.column_config.TextColumn(t("dashboards.warning.reason"), width="large"),
    }
    if (ROOT / page("warnings")).exists():
        wv["link"] = "/warnings?warning=" + warns["id"].astype(str)
        config["link"] = st.column_config.LinkColumn(
            t("dashboards.warning.open"), display_text=t("dashboards.official.open_text")
        )
    st.dataframe(wv, hide_index=True, width="stretch", column_config=config, key="unit_warnings")
    st.caption(t("dashboards.unit.warnings_hint", open=num(int(warns["open"].sum())), total=num(len(warns))))
