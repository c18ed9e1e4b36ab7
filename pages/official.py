"""One official (?official=ID or code): profile, monthly scores, grades, tasks, ratings, warnings, peers.

Queries: official_profile, official_months, official_annual, official_ratings_monthly,
official_peer_ratings, official_peer_scores, official_warnings, official_list.
"""

import datetime as dt

import pandas as pd
import streamlit as st

from components.auth import require_role
from components.filters import current_period
from components.i18n import date, num, pct, t
from components.i18n import month as fmt_month
from components.nav import page
from components.official_access import purpose_gate, refuse_official
from components.official_charts import peer_bins, peer_histogram, rating_compare_chart, score_chart, tasks_chart
from queries.grades import grading_assignments
from queries.officials import (
    PEER_AUTO_ROWS,
    PEER_WINDOW,
    official_annual,
    official_months,
    official_profile,
    official_ratings,
    official_warnings,
    officials_of_unit,
    peer_count,
    peer_ratings,
    peer_scores,
    rotation_years,
)
from queries.units import units_in_scope
from thuocdo.domain.grading import GRADES, get_policy, policy_for
from thuocdo.domain.periods import add_months, months_between
from thuocdo.domain.stats import satisfied_count, wilson_interval
from thuocdo.i18n import catalogue

user = require_role("official")
MIN_RATINGS = 30  # below this a rate is shown as "not enough data" (satisfaction page uses the same)


def _grade_label(grade, policy_code=None) -> str:
    if grade is None or grade != grade:
        return t("domain.grade.none")
    policy = get_policy(policy_code) if policy_code in ("nd335", "hn3814") else None
    return t(policy.label_key(grade)) if policy else t(f"domain.grade.{grade}")


def _chooser() -> None:
    """No official in the URL: choose a unit, then a person of it."""
    st.title(t("official.title"))
    st.info(t("official.choose_intro"))
    units = units_in_scope(user.scope)
    if units.empty:
        st.info(t("common.no_data"))
        st.stop()
    codes = units["code"].tolist()
    names = dict(zip(units["code"], units["name"], strict=True))
    unit_code = st.selectbox(t("official.choose_unit"), codes, format_func=names.get, key="official_choose_unit")
    unit_id = int(units.loc[units["code"] == unit_code, "id"].iloc[0])
    people = officials_of_unit(user.scope, unit_id)
    if people.empty:
        st.info(t("official.no_officials"))
        st.stop()
    view = pd.DataFrame({t("official.col.name"): people["full_name"], t("official.col.position"): people["position"]})
    event = st.dataframe(
        view,
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key="official_choose_table",
        width="stretch",
    )
    rows = event.selection.rows if event is not None else []
    if rows:
        st.switch_page(page("official"), query_params={"official": str(int(people.iloc[rows[0]]["id"]))})
    st.stop()


ref = st.query_params.get("official")
if not ref:
    _chooser()

profile = official_profile(user.scope, ref)
if profile is None:
    st.title(t("official.title"))
    refuse_official(user, ref)

purpose = purpose_gate(user, profile)
official_id = int(profile["id"])

period = current_period(user)
today = dt.date.today()
end = period.end if period else int(today.strftime("%Y%m"))
start = period.start if period else end
window_start = min(start, add_months(end, -11))  # at least a year of history in the charts
assignments = grading_assignments()
policy = policy_for(end, assignments, profile["unit_path"])
labels = {g: t(policy.label_key(g)) for g in GRADES}

# --- identity and position -----------------------------------------------------------
st.title(profile["display_name"])
st.caption(
    t("official.caption", position=profile.get("position") or "—", unit=profile["unit_name"], policy=t(policy.name_key))
)
st.page_link(
    page("unit"),
    label=t("official.open_unit"),
    icon=":material/account_tree:",
    query_params={"unit": str(profile["unit_code"])},
)

since = profile.get("position_since")
since = pd.Timestamp(since).date() if since is not None and not pd.isna(since) else None
months_all = official_months(user.scope, official_id, window_start, end)
in_period = months_all[(months_all["month"] >= start) & (months_all["month"] <= end)]
annual = official_annual(user.scope, official_id)

c = st.columns(4)
if since:
    days = (today - since).days
    c[0].metric(
        t("official.time_in_position"),
        t("official.years", n=num(days / 365.25, 1)),
        help=t("official.since", date=date(since)),
    )
else:
    c[0].metric(t("official.time_in_position"), "—")
if bool(profile.get("unit_sensitive")) and since:
    years = rotation_years()
    whole, frac = int(years), years - int(years)
    due = since.replace(year=since.year + whole) + dt.timedelta(days=round(frac * 365.25))
    overdue = due <= today
    c[1].metric(
        t("official.rotation_due"),
        date(due),
        delta=t("official.rotation_overdue") if overdue else None,
        delta_color="inverse" if overdue else "off",
        help=t("official.rotation_help", years=num(years, 1)),
    )
else:
    c[1].metric(t("official.rotation_due"), t("official.rotation_not_required"))
if not in_period.empty:
    last = in_period.iloc[-1]
    c[2].metric(
        t("official.latest_score", month=fmt_month(int(last["month"]))),
        num(last["final_score"], 1),
        help=_grade_label(last["grade"], last.get("policy_code")),
    )
    c[2].caption(_grade_label(last["grade"], last.get("policy_code")))
else:
    c[2].metric(t("official.latest_score", month=fmt_month(end)), "—")
if not annual.empty:
    a = annual.iloc[-1]
    c[3].metric(t("official.annual_grade", year=int(a["year"])), _grade_label(a["grade"], a["policy_code"]))
else:
    c[3].metric(t("official.annual_grade", year=end // 100 - 1), "—")

with st.expander(t("official.details")):
    edu = profile.get("education")
    theory = profile.get("theory_level")
    st.markdown(
        "\n".join(
            [
                f"- {t('official.education')}: {t('official.edu.' + edu) if edu else '—'}",
                f"- {t('official.theory')}: {t('official.theory.' + theory) if theory else t('official.theory.none')}",
                f"- {t('official.leader')}: {t('official.yes') if profile.get('is_leader') else t('official.no')}",
                f"- {t('official.succession')}: {t('official.yes') if profile.get('in_succession_plan') else t('official.no')}",
                f"- {t('official.task_group')}: {profile.get('task_group') or '—'}",
            ]
        )
    )

# --- monthly scores -----------------------------------------------------------------
st.subheader(t("official.scores_title"))
if months_all.empty:
    st.info(t("official.no_scores"))
else:
    series = {k: t(f"official.series.{k}") for k in ("final", "manager", "self")}
    st.altair_chart(score_chart(months_all, policy, labels, series), width="stretch")
    comp = {c.code: c for c in policy.components}
    table = pd.DataFrame({t("official.col.month"): [fmt_month(int(m)) for m in months_all["month"]]})
    for code, col in (
        ("general", "general_points"),
        ("discipline", "general_points"),
        ("tasks", "task_points"),
        ("bonus", "bonus_points"),
    ):
        if code in comp:
            table[f"{t(comp[code].name_key)} ({num(comp[code].max_points)})"] = months_all[col].map(lambda v: num(v, 1))
    table[series["self"]] = months_all["self_score"].map(lambda v: num(v, 1))
    table[series["manager"]] = months_all["manager_score"].map(lambda v: num(v, 1))
    table[series["final"]] = months_all["final_score"].map(lambda v: num(v, 1))
    table[t("official.col.grade")] = [
        _grade_label(g, p) for g, p in zip(months_all["grade"], months_all["policy_code"], strict=True)
    ]
    table[t("official.col.disciplined")] = months_all["disciplined"].map(lambda v: t("official.yes") if bool(v) else "")
    st.dataframe(table.iloc[::-1], hide_index=True, width="stretch")

st.subheader(t("official.annual_title"))
if annual.empty:
    st.info(t("official.no_annual"))
else:
    st.dataframe(
        pd.DataFrame(
            {
                t("official.col.year"): annual["year"].astype(int).astype(str),
                t("official.col.score"): annual["score"].map(lambda v: num(v, 1)),
                t("official.col.grade"): [
                    _grade_label(g, p) for g, p in zip(annual["grade"], annual["policy_code"], strict=True)
                ],
                t("official.col.policy"): annual["policy_code"].map(lambda p: t(f"domain.policy.{p}") if p else "—"),
            }
        ).iloc[::-1],
        hide_index=True,
        width="stretch",
    )

# --- tasks --------------------------------------------------------------------------
st.subheader(t("official.tasks_title", period=t("official.in_period")))
if in_period.empty:
    st.info(t("official.no_scores"))
else:
    assigned = int(pd.to_numeric(in_period["tasks_assigned"]).fillna(0).sum())
    on_time = int(pd.to_numeric(in_period["tasks_on_time"]).fillna(0).sum())
    late = int(pd.to_numeric(in_period["tasks_late"]).fillna(0).sum())
    errors = int(pd.to_numeric(in_period["major_errors"]).fillna(0).sum())
    tc = st.columns(4)
    tc[0].metric(t("official.tasks_assigned"), num(assigned))
    tc[1].metric(t("official.tasks_on_time"), num(on_time), help=pct(on_time / assigned) if assigned else None)
    tc[2].metric(t("official.tasks_late"), num(late))
    tc[3].metric(t("official.major_errors"), num(errors))
    task_labels = {k: t(f"official.{k}") for k in ("tasks_on_time", "tasks_late", "major_errors")}
    st.altair_chart(tasks_chart(months_all, task_labels), width="stretch")

# --- citizen ratings ----------------------------------------------------------------
cols = ["s1", "s2", "s3", "s4", "s5"]


def _rate_row(label: str, df: pd.DataFrame) -> dict:
    """Pooled satisfied count and valid ratings over months and scales, with the Wilson interval."""
    k = n = 0
    if not df.empty:
        counts = df[[*cols, "scale"]].apply(pd.to_numeric).fillna(0)
        k = int(satisfied_count(counts, "scale").sum())
        valid = counts["s1"] + counts["s2"] + counts["s3"] + counts["s4"] + counts["s5"].where(counts["scale"] >= 5, 0)
        n = int(valid.sum())
    lo, hi = wilson_interval(k, n)
    return {"label": label, "n": n, "rate": k / n if n else float("nan"), "lo": lo, "hi": hi}


def _rates_table(rows: list[dict]) -> None:
    """A table of rates with counts and intervals ("not enough data" below the minimum) and its chart."""
    rates = pd.DataFrame(rows)
    enough = rates["n"] >= MIN_RATINGS
    st.dataframe(
        pd.DataFrame(
            {
                t("official.col.subject"): rates["label"],
                t("official.col.n"): rates["n"].map(num),
                t("official.col.rate"): [
                    pct(r) if ok else t("domain.stats.not_enough_data")
                    for r, ok in zip(rates["rate"], enough, strict=True)
                ],
                t("official.col.interval"): [
                    f"{pct(lo)} – {pct(hi)}" if ok else "—"
                    for lo, hi, ok in zip(rates["lo"], rates["hi"], enough, strict=True)
                ],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    if enough.any():
        st.altair_chart(rating_compare_chart(rates[enough]), width="stretch")


st.subheader(t("official.ratings_title"))
ratings = official_ratings(user.scope, official_id, int(profile["unit_id"]), window_start, end)
in_p = ratings[(ratings["month"] >= start) & (ratings["month"] <= end)]
_rates_table(
    [
        _rate_row(t("official.ratings_self"), in_p[in_p["subject"] == "official"]),
        _rate_row(t("official.ratings_unit"), in_p[in_p["subject"] == "unit"]),
    ]
)
st.caption(t("official.ratings_help", n=num(MIN_RATINGS)))

# --- warnings -----------------------------------------------------------------------
st.subheader(t("official.warnings_title"))
warns = official_warnings(user.scope, official_id)
if warns.empty:
    st.info(t("official.no_warnings"))
else:
    known = catalogue("vi")

    def _reason(key, params):
        # Reason texts belong to the warnings catalogue; show nothing rather than a raw key.
        return t(key, **(params or {})) if key in known else "—"

    st.dataframe(
        pd.DataFrame(
            {
                t("official.col.month"): warns["month"].map(lambda m: fmt_month(int(m))),
                t("official.col.rule"): warns["rule_code"].map(lambda r: t(f"official.rule.{r}")),
                t("official.col.severity"): warns["severity"].map(lambda s: t(f"official.severity.{s}")),
                t("official.col.status"): warns["status"].map(lambda s: t(f"official.wstatus.{s}")),
                t("official.col.reason"): [
                    _reason(k, p) for k, p in zip(warns["reason_key"], warns["reason_params"], strict=True)
                ],
            }
        ),
        hide_index=True,
        width="stretch",
    )

# --- peers --------------------------------------------------------------------------
st.subheader(t("official.peers_title"))
position_code, unit_kind = profile.get("position_code"), profile.get("unit_kind")
peer_start = max(start, add_months(end, -(PEER_WINDOW - 1)))
group = peer_count(user.scope, position_code, unit_kind)
if group <= 1:
    st.info(t("official.no_peers"))
else:
    st.caption(t("official.peers_window", start=fmt_month(peer_start), end=fmt_month(end)))
    n_months = len(months_between(peer_start, end))
    asked = st.session_state.setdefault("official_peers_asked", set())
    ready = group * n_months <= PEER_AUTO_ROWS or official_id in asked
    if not ready:
        if st.button(t("official.peers_compute", n=num(group - 1)), key="official_peers_compute"):
            asked.add(official_id)
            st.rerun()
    else:
        scores = peer_scores(user.scope, position_code, unit_kind, peer_start, end)
        others = scores.loc[scores["official_id"] != official_id, "score"]
        mine_rows = months_all[(months_all["month"] >= peer_start) & (months_all["month"] <= end)]
        mine = float(pd.to_numeric(mine_rows["final_score"]).mean()) if not mine_rows.empty else None
        if others.empty:
            st.info(t("official.no_peers"))
        else:
            below = int((others < mine).sum()) if mine is not None else 0
            st.write(
                t(
                    "official.peers_summary",
                    mine=num(mine, 1) if mine is not None else "—",
                    mean=num(others.mean(), 1),
                    below=num(below),
                    total=num(len(others)),
                )
            )
            st.altair_chart(peer_histogram(peer_bins(others), mine, t("official.peers_count")), width="stretch")
        # Ratings over the same window: the pool includes this official, whose own counts come out.
        pool = peer_ratings(user.scope, position_code, unit_kind, peer_start, end)
        own = ratings[(ratings["subject"] == "official") & (ratings["month"] >= peer_start)]
        peers = pool.copy()
        if not own.empty and not peers.empty:
            own_by_scale = own.groupby("scale")[cols].sum()
            for i, r in peers.iterrows():
                if r["scale"] in own_by_scale.index:
                    for c_ in cols:
                        peers.loc[i, c_] = r[c_] - int(own_by_scale.loc[r["scale"], c_])
        n_rated = int(peers["n_officials"].max()) - (0 if own.empty else 1) if not peers.empty else 0
        _rates_table(
            [
                _rate_row(t("official.ratings_self"), own),
                _rate_row(t("official.ratings_peers", n=num(max(0, n_rated))), peers),
            ]
        )

st.divider()
code, _, note = purpose.partition(": ")
st.caption(t("official.logged", purpose=t(f"official.purpose.{code}") + (f" — {note}" if note else "")))
