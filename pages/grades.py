"""Grades by unit: distribution per unit and period, the quota check, the officials with their grades.

Queries: grades_unit_year, grades_unit_month, grades_officials, grades_setting.
URL: ``basis`` (year | month), ``unit`` (unit code whose officials are listed).
"""

import pandas as pd
import streamlit as st

from components.auth import require_role
from components.filters import current_org, current_period
from components.i18n import month as fmt_month
from components.i18n import num, pct, t
from components.i18n import period as fmt_period
from components.nav import page
from components.official_charts import grade_distribution_chart
from components.tables import csv_bytes
from queries.db import get_engine
from queries.grades import grading_assignments, unit_month_grades, unit_officials_grades, unit_year_grades
from thuocdo.domain.access import Scope
from thuocdo.domain.grading import GRADES, POLICIES, get_policy, policy_for
from thuocdo.store.access_log import record_export

user = require_role("grades")
MAX_CHART_UNITS = 25

st.title(t("grades.title"))
period = current_period(user)
if period is None:
    st.info(t("common.no_data"))
    st.stop()
org = current_org(user)
scope = Scope(org["path"], user.scope.pseudonymise) if org else user.scope
assignments = grading_assignments()

BASES = ("year", "month")
basis_param = st.query_params.get("basis")
default_basis = basis_param if basis_param in BASES else ("year" if period.kind == "year" else "month")
basis = (
    st.segmented_control(
        t("grades.basis"),
        BASES,
        default=default_basis,
        format_func=lambda b: t(f"grades.basis.{b}"),
        key=f"grades_basis_{default_basis}",
    )
    or default_basis
)
if basis != st.query_params.get("basis"):
    st.query_params["basis"] = basis

years = (period.start // 100, period.end // 100)
if basis == "year":
    st.caption(t("grades.caption_year", years=f"{years[0]}" if years[0] == years[1] else f"{years[0]}–{years[1]}"))
else:
    st.caption(t("grades.caption_month", period=fmt_period(period)))


def _policy_code(month: int, path: str) -> str:
    return policy_for(month, assignments, path).code


# --- quota rows: one per unit-period (and task group under Decree 335) --------------------
if basis == "year":
    raw = unit_year_grades(scope, *years)
    if raw.empty:
        st.info(t("grades.no_annual"))
        st.stop()
    raw["policy_code"] = [_policy_code(y * 100 + 12, p) for y, p in zip(raw["year"], raw["path"], strict=True)]
    keys = ["unit_id", "unit_code", "unit_name", "path", "level", "outstanding", "year", "policy_code"]
    parts = []
    for code, grp in raw.groupby("policy_code"):
        if code != "nd335":  # 3814 counts everyone graded in the unit: task groups pooled
            grp = grp.groupby(keys, as_index=False)[
                ["n", "n_excellent", "n_good", "n_completed", "n_not_completed"]
            ].sum()
            grp["task_group"] = ""
        parts.append(get_policy(code).quota_table(grp))
    quota = pd.concat(parts, ignore_index=True)
    quota["when"] = quota["year"].astype(int).astype(str)
else:
    raw = unit_month_grades(scope, period.start, period.end)
    if raw.empty:
        st.info(t("common.no_data"))
        st.stop()
    raw["policy_code"] = [_policy_code(m, p) for m, p in zip(raw["month"], raw["path"], strict=True)]
    raw["task_group"] = ""
    quota = pd.concat([POLICIES[c].quota_table(g) for c, g in raw.groupby("policy_code")], ignore_index=True)
    quota["when"] = quota["month"].map(lambda m: fmt_month(int(m)))

policies_used = sorted(quota["policy_code"].unique())
for code in policies_used:
    p = get_policy(code)
    rule = t(
        f"domain.quota.rule.{p.quota.basis}",
        pct=p.quota.pct,
        scope=t(p.quota.scope_key),
    )
    extra = t("grades.outstanding_rule", pct=p.quota.outstanding_pct) if p.quota.outstanding_pct else ""
    st.caption(f"**{t(p.name_key)}** — {rule}. {extra}")

# --- headline ---------------------------------------------------------------------------
totals = quota[["n_excellent", "n_good", "n_completed", "n_not_completed"]].sum()
graded = int(totals.sum())
breached = quota[quota["breached"]]
c = st.columns(5)
c[0].metric(t("grades.graded"), num(graded))
for i, g in enumerate(GRADES):
    share = totals[f"n_{g}"] / graded if graded else None
    c[i + 1].metric(
        t(f"domain.grade_short.{g}"), num(int(totals[f"n_{g}"])), help=pct(share) if share is not None else None
    )
if len(breached):
    st.warning(t("grades.breaches", n=num(len(breached)), units=num(breached["unit_id"].nunique())))
else:
    st.success(t("grades.no_breach"))

# --- distribution per unit ----------------------------------------------------------------
st.subheader(t("grades.distribution_title"))
per_unit = quota.groupby(["unit_id", "unit_code", "unit_name", "path"], as_index=False)[
    ["n_excellent", "n_good", "n_completed", "n_not_completed", "excess"]
].sum()
per_unit["n"] = per_unit[[f"n_{g}" for g in GRADES]].sum(axis=1)
per_unit["share_excellent"] = per_unit["n_excellent"] / per_unit["n"].where(per_unit["n"] > 0)
per_unit = per_unit.sort_values(["excess", "share_excellent"], ascending=[False, False])
top = per_unit.head(MAX_CHART_UNITS)
label_policy = get_policy(policies_used[-1])
grade_labels = {g: t(label_policy.label_key(g)) for g in GRADES}
long = top.melt(id_vars=["unit_name"], value_vars=[f"n_{g}" for g in GRADES], var_name="col", value_name="count")
long["grade"] = long["col"].str.slice(2)
st.altair_chart(grade_distribution_chart(long, grade_labels, t("grades.share")), width="stretch")
if len(per_unit) > MAX_CHART_UNITS:
    st.caption(t("grades.chart_truncated", shown=num(MAX_CHART_UNITS), total=num(len(per_unit))))

# --- quota table ------------------------------------------------------------------------
st.subheader(t("grades.quota_title"))
only_breached = st.toggle(t("grades.only_breached"), value=bool(len(breached)), key="grades_only_breached")
qt = quota[quota["breached"]] if only_breached else quota
qt = qt.sort_values(["excess", "path", "when"], ascending=[False, True, True]).reset_index(drop=True)
table = pd.DataFrame(
    {
        t("grades.col.unit"): qt["unit_name"],
        t("grades.col.when"): qt["when"],
        t("grades.col.task_group"): qt["task_group"].replace("", "—"),
        t("grades.col.policy"): qt["policy_code"].map(lambda p: t(f"domain.policy.{p}")),
        t("grades.col.graded"): qt[[f"n_{g}" for g in GRADES]].sum(axis=1),
        t("domain.grade_short.excellent"): qt["n_excellent"],
        t("domain.grade_short.good"): qt["n_good"],
        t("grades.col.allowed"): qt["allowed_max"],
        t("grades.col.excess"): qt["excess"],
        t("grades.col.status"): qt["breached"].map(lambda b: t("grades.breached") if b else t("grades.within")),
    }
)
event = st.dataframe(
    table, hide_index=True, on_select="rerun", selection_mode="single-row", key="grades_quota", width="stretch"
)
st.download_button(
    t("common.download_csv"),
    csv_bytes(table),  # formula-safe: names come from imported files
    file_name=f"xep-loai-han-muc-{period.key()}.csv",
    mime="text/csv",
    key="grades_quota_csv",
)
picked = event.selection.rows if event is not None else []
# Apply a row click once: afterwards the unit picker below may change the unit freely.
if picked and picked[0] < len(qt) and st.session_state.get("_grades_quota_applied") != picked[0]:
    st.session_state["_grades_quota_applied"] = picked[0]
    st.query_params["unit"] = str(qt.iloc[picked[0]]["unit_code"])
elif not picked:
    st.session_state.pop("_grades_quota_applied", None)

# --- officials of one unit ------------------------------------------------------------------
st.subheader(t("grades.officials_title"))
units = per_unit.sort_values("path")
codes = units["unit_code"].tolist()
names = dict(zip(units["unit_code"], units["unit_name"], strict=True))
wanted = st.query_params.get("unit")
index = codes.index(wanted) if wanted in codes else 0
unit_code = st.selectbox(t("grades.col.unit"), codes, index=index, format_func=names.get, key=f"grades_unit_{wanted}")
if unit_code != wanted:
    st.query_params["unit"] = unit_code
unit_id = int(units.loc[units["unit_code"] == unit_code, "unit_id"].iloc[0])
year = years[1]
people = unit_officials_grades(scope, unit_id, period.start, period.end, year)
if people.empty:
    st.info(t("official.no_officials"))
    st.stop()
unit_path = str(units.loc[units["unit_code"] == unit_code, "path"].iloc[0])
policy = policy_for(period.end, assignments, unit_path)
people["period_grade"] = policy.grade_series(people["mean_score"], people["disciplined"])
annual_policy = policy_for(year * 100 + 12, assignments, unit_path)
people = people.sort_values("mean_score", ascending=False, na_position="last").reset_index(drop=True)
view = pd.DataFrame(
    {
        t("official.col.name"): people["full_name"],
        t("official.col.position"): people["position"].fillna("—"),
        t("grades.col.months"): people["months"],
        t("grades.col.mean_score"): people["mean_score"].round(1),
        t("grades.col.self_minus_manager"): (people["mean_self"] - people["mean_manager"]).round(1),
        t("grades.col.period_grade"): people["period_grade"].map(
            lambda g: t(policy.label_key(g)) if g else t("domain.grade.none")
        ),
        t("grades.col.annual_grade", year=year): people["annual_grade"].map(
            lambda g: t(annual_policy.label_key(g)) if isinstance(g, str) and g else t("domain.grade.none")
        ),
        t("grades.col.not_completed_months"): people["n_not_completed"],
    }
)
st.caption(t("grades.officials_help"))
chosen = st.dataframe(
    view, hide_index=True, on_select="rerun", selection_mode="single-row", key="grades_officials", width="stretch"
)
st.download_button(
    t("common.download_csv"),
    csv_bytes(view),
    file_name=f"xep-loai-{unit_code}-{period.key()}.csv",
    mime="text/csv",
    key="grades_officials_csv",
    # A list of named people with their grades is personal data: its download is logged.
    on_click=record_export,
    args=(get_engine(), user.email, user.role, "unit", unit_code, f"grades officials csv {period.key()}"),
)
rows = chosen.selection.rows if chosen is not None else []
if rows:
    st.switch_page(page("official"), query_params={"official": str(int(people.iloc[rows[0]]["id"]))})
