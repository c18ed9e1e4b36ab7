"""Early warning: the inspection queue, case files with their evidence, the trend of
warnings over time and, for admins, the rule configuration.

Queries: queries.warnings (warnings_queue, warnings_case, warnings_events,
warnings_trend, warnings_by_unit, warnings_assignees, warnings_month_range),
queries.units.units_in_scope. Actions go through thuocdo.domain.warnings.
URL: /warnings, /warnings?warning=<id> opens a case file.
"""

import datetime as dt

import pandas as pd
import streamlit as st

from components.auth import refuse, require_role
from components.filters import current_org, current_period
from components.i18n import date as fmt_date
from components.i18n import datetime as fmt_datetime
from components.i18n import lang, num, pct, t
from components.i18n import month as fmt_month
from components.nav import page
from components.params import int_id
from components.tables import download_buttons, selected_row
from components.warning_charts import evidence_chart, severity_bar, trend_chart
from queries import warnings as q
from queries.db import get_engine
from queries.units import units_in_scope
from thuocdo.domain.periods import add_months
from thuocdo.domain.warnings import (
    OPEN_STATUSES,
    RULE_CODES,
    STATUSES,
    WorkflowError,
    allowed_actions,
    full_scan,
    save_config,
    transition,
)
from thuocdo.domain.warnings.config import PARAMS, ConfigError
from thuocdo.domain.warnings.reasons import render
from thuocdo.domain.warnings.workflow import NOTE_REQUIRED

user = require_role("warnings")

SEVERITIES = ("high", "medium", "low")
AGES = (None, 7, 30, 90, 365)
MAX_ROWS = 500


def rule_name(code: str) -> str:
    return t(f"warnings.rule.{code}")


def reason(row) -> str:
    return render(row["reason_key"], row["reason_params"] or {}, lang())


def chart_text() -> dict:
    return {
        "threshold": t("warnings.chart.threshold"),
        "reference": t("warnings.chart.reference"),
        "month": t("warnings.chart.month"),
        "score": t("warnings.chart.score"),
        "rate": t("warnings.chart.rate"),
        "share": t("warnings.chart.share"),
        "ratings": t("warnings.chart.ratings"),
        "gap": t("warnings.chart.gap"),
        "self": t("warnings.chart.self"),
        "manager": t("warnings.chart.manager"),
        "progress": t("warnings.chart.progress"),
        "count": t("warnings.chart.count"),
        "position": t("warnings.chart.position"),
        "subject": t("warnings.chart.subject"),
        "peers": t("warnings.chart.peers"),
        "allowed": t("warnings.chart.allowed"),
        "whole_unit": t("warnings.chart.whole_unit"),
        "top_share": t("warnings.chart.top_share"),
        "off_hours": t("warnings.chart.off_hours"),
        "rule": t("warnings.chart.rule"),
        "parts": {k: t(f"warnings.chart.part.{k}") for k in ("baseline", "window", "month", "history")},
        "grades": {g: t(f"warnings.grade.{g}") for g in ("excellent", "good", "completed", "not_completed")},
        "sources": {s: t(f"warnings.source.{s}") for s in ("evaluations", "ratings")},
        "items": {k: t(f"warnings.item.{k}") for k in ("key_result", "kpi")},
        "signals": {k: t(f"warnings.signal.{k}") for k in ("burst", "near_all", "off_hours")},
    }


# Evidence figures that are shares (0..1), per rule; other figures are points or counts.
SHARE_VALUES = {
    "satisfaction_drop": {"rate", "baseline_rate", "drop"},
    "dissatisfied_concentration": {"share", "p0", "upper"},
    "inflated_self_assessment": {"rate", "unit_rate_without_official", "funnel_lower", "peer_decile"},
}
SHARE_COLUMNS = {"rate", "ci_low", "ci_high", "share", "top_share", "progress", "elapsed"}
TEXT_COLUMNS = {"year"}


def fmt_value(key: str, v, rule: str = ""):
    """One evidence figure, formatted by what its name says it is."""
    if v is None or (isinstance(v, float) and v != v):
        return "–"
    if isinstance(v, list):
        return ", ".join(fmt_value(key, x, rule) for x in v)
    if isinstance(v, bool):
        return t("warnings.yes") if v else t("warnings.no")
    if key.endswith("months") or key.endswith("month"):
        if isinstance(v, int) and 190001 <= v <= 299912:
            return fmt_month(v)
    if key in ("year", "years"):
        return str(v)
    if (key.endswith("_date") or key.endswith("_day") or key == "as_of") and isinstance(v, str):
        return fmt_date(v)
    if key == "tau2":
        return num(v, 6)
    if key in SHARE_VALUES.get(rule, ()):
        return pct(v)
    if key == "p_value":
        return ("< " + num(0.001, 3)) if v < 0.001 else num(v, 3)
    if isinstance(v, float):
        return num(v, 3 if abs(v) < 1 else 1)
    if isinstance(v, int):
        return num(v)
    if isinstance(v, str):
        label = f"warnings.value.{v}"
        text = t(label)
        return v if text == label else text
    return str(v)


def evidence_frame(rows: list[dict], unit_names: dict[int, str]) -> tuple[pd.DataFrame, dict]:
    """The evidence rows with translated headers and readable months, units and codes,
    and the column formats (shares as percentages, numbers in the reader's locale)."""
    df = pd.DataFrame(rows)
    if df.empty:
        return df, {}
    if "month" in df:
        df["month"] = [fmt_month(int(m)) for m in df["month"]]
    if "unit_id" in df:
        df["unit_id"] = [unit_names.get(int(u), str(u)) for u in df["unit_id"]]
    for col in ("part", "kind", "grade"):
        if col in df:
            df[col] = [t(f"warnings.value.{v}") if isinstance(v, str) else v for v in df[col]]
    for col in ("start_date", "end_date", "last_checkin", "day"):
        if col in df:
            df[col] = [fmt_date(v) if isinstance(v, str) and v else "" for v in df[col]]
    for col in TEXT_COLUMNS & set(df.columns):
        df[col] = df[col].astype(str)
    config = {}
    for col in df.columns:
        label = t(f"warnings.col.{col}")
        if col in SHARE_COLUMNS:
            config[label] = st.column_config.NumberColumn(label, format="percent")
        elif pd.api.types.is_numeric_dtype(df[col]) and not pd.api.types.is_bool_dtype(df[col]):
            config[label] = st.column_config.NumberColumn(label, format="localized")
    return df.rename(columns={c: t(f"warnings.col.{c}") for c in df.columns}), config


def threshold_text(case: dict) -> str:
    th = case.get("threshold")
    if th is None or th != th:
        return "–"
    if case["rule_code"] in ("satisfaction_drop", "dissatisfied_concentration", "off_pace", "grade_quota") or (
        case["rule_code"] == "suspect_ratings" and th < 1
    ):
        return pct(th)
    return num(th, 1 if th != int(th) else 0)


def cutoff_text(case: dict) -> str:
    v = case.get("peer_cutoff")
    if v is None or v != v:
        return "–"
    if case["rule_code"] in ("satisfaction_drop", "dissatisfied_concentration") or (
        case["rule_code"] == "inflated_self_assessment"
    ):
        return pct(v)
    return num(v, 1 if v != int(v) else 0)


# --- the case file -----------------------------------------------------------------------
def show_case(raw: str) -> None:
    wid = int_id(raw)
    if wid is None:
        refuse(user, "warning", raw)
    case = q.warning_case(user.scope, wid)
    if case is None:
        st.title(t("warnings.title"))
        refuse(user, "warning", raw)
    keep = {k: v for k, v in st.query_params.to_dict().items() if k != "warning"}
    st.page_link(page("warnings"), label=t("warnings.case.back"), icon=":material/arrow_back:", query_params=keep)
    subject = case["subject_name"] or case["subject_code"] or "–"
    st.title(f"{rule_name(case['rule_code'])} — {subject}")
    st.caption(
        t(
            "warnings.case.caption",
            id=case["id"],
            month=fmt_month(int(case["month"])),
            unit=case["unit_name"],
            created=fmt_datetime(case["created_at"]),
            version=case["config_version"] or "–",
        )
    )
    sev = case["severity"]
    status = case["status"]
    badges = st.columns(4)
    badges[0].metric(t("warnings.col.severity"), t(f"warnings.severity.{sev}"))
    badges[1].metric(t("warnings.col.status"), t(f"warnings.status.{status}"))
    badges[2].metric(t("warnings.col.assignee"), case["assignee"] or t("warnings.nobody"))
    badges[3].metric(
        t("warnings.col.sample_size"), num(case["sample_size"]) if case["sample_size"] is not None else "–"
    )
    (st.error if sev == "high" else st.warning if sev == "medium" else st.info)(reason(case), icon=":material/report:")
    st.caption(t(f"warnings.rule_help.{case['rule_code']}"))

    m = st.columns(3)
    m[0].metric(t("warnings.case.threshold"), threshold_text(case))
    m[1].metric(t("warnings.case.peer_cutoff"), cutoff_text(case))
    m[2].metric(t("warnings.case.config_version"), str(case["config_version"] or "–"))

    links = st.columns(2)
    links[0].page_link(
        page("unit"),
        label=t("warnings.case.to_unit", unit=case["unit_name"]),
        icon=":material/account_tree:",
        query_params={"unit": case["unit_code"]},
    )
    if case["subject_type"] == "official" and case["subject_code"]:
        links[1].page_link(
            page("official"),
            label=t("warnings.case.to_official", name=subject),
            icon=":material/badge:",
            query_params={"official": case["subject_code"]},
        )

    names = {int(r.id): r.name for r in units_in_scope(user.scope).itertuples(index=False)}
    text = chart_text()
    text["unit_names"] = names
    text["title"] = t("warnings.case.chart_title")
    chart = evidence_chart(case, text)
    if chart is not None:
        st.altair_chart(chart, width="stretch")
    ev = case["evidence"] or {}
    st.subheader(t("warnings.case.evidence"))
    values = ev.get("values") or {}
    context = {k: v for k, v in (ev.get("context") or {}).items() if not isinstance(v, (list, dict))}
    shown = {k: v for k, v in {**values, **context}.items() if not k.endswith("_id") and k != "items"}
    if shown:
        st.dataframe(
            pd.DataFrame(
                {
                    t("warnings.case.figure"): [t(f"warnings.col.{k}") for k in shown],
                    t("warnings.case.value"): [fmt_value(k, v, case["rule_code"]) for k, v in shown.items()],
                }
            ),
            hide_index=True,
            width="stretch",
        )
    rows, formats = evidence_frame(ev.get("rows") or [], names)
    if not rows.empty:
        st.caption(t("warnings.case.rows", n=len(rows)))
        st.dataframe(rows, hide_index=True, width="stretch", column_config=formats)
    st.caption(t("warnings.case.hash", hash=(case["evidence_hash"] or "")[:16]))

    st.subheader(t("warnings.case.actions"))
    actions = allowed_actions(status, user.role)
    if not user.may_act_on_warnings:
        st.info(t("warnings.case.read_only"), icon=":material/visibility:")
    elif not actions:
        st.caption(t("warnings.case.closed", status=t(f"warnings.status.{status}")))
    else:
        action = st.radio(
            t("warnings.case.action"),
            actions,
            format_func=lambda a: t(f"warnings.action.{a}"),
            horizontal=True,
            key=f"act_{wid}",
        )
        assignee = None
        if action == "assign":
            people = q.assignees_for(case["unit_path"])
            options = list(people["email"]) if not people.empty else []
            labels = (
                {r.email: f"{r.name} ({t('role.' + r.role)})" for r in people.itertuples(index=False)}
                if options
                else {}
            )
            assignee = st.selectbox(
                t("warnings.case.assignee"), options, format_func=lambda e: labels.get(e, e), key=f"who_{wid}"
            )
        label = t("warnings.case.note_required") if action in NOTE_REQUIRED else t("warnings.case.note")
        note = st.text_area(label, key=f"note_{wid}", max_chars=2000)
        if st.button(t(f"warnings.action.{action}"), type="primary", key=f"do_{wid}"):
            try:
                transition(
                    get_engine(), wid, action, user.email, user.role, note=note, assignee=assignee, scope=user.scope
                )
            except WorkflowError as e:
                params = dict(e.params)
                if "action" in params:
                    params["action"] = t(f"warnings.action.{params['action']}")
                if "status" in params:
                    params["status"] = t(f"warnings.status.{params['status']}")
                st.error(t(e.key, **params))
            else:
                q.clear()
                st.session_state["warnings_flash"] = t("warnings.case.done", action=t(f"warnings.action.{action}"))
                st.rerun()
    flash = st.session_state.pop("warnings_flash", None)
    if flash:
        st.success(flash)

    st.subheader(t("warnings.case.history"))
    events = q.warning_events(user.scope, wid)
    if events.empty:
        st.caption(t("warnings.case.no_history"))
    else:
        hist = pd.DataFrame(
            {
                t("warnings.col.at"): [fmt_datetime(x) for x in events["at"]],
                t("warnings.col.actor"): [
                    t("warnings.system") if a in ("system", "cli") else a for a in events["actor"]
                ],
                t("warnings.col.action"): [t(f"warnings.action.{a}") for a in events["action"]],
                t("warnings.col.change"): [
                    f"{t(f'warnings.status.{a}') if a else '–'} → {t(f'warnings.status.{b}') if b else '–'}"
                    for a, b in zip(events["from_status"], events["to_status"], strict=True)
                ],
                t("warnings.col.note"): [n or "" for n in events["note"]],
            }
        )
        st.dataframe(hist, hide_index=True, width="stretch")


# --- the queue ----------------------------------------------------------------------------
def show_queue(org_path: str | None) -> None:
    period = current_period(user)
    only_period = st.toggle(t("warnings.queue.only_period"), value=False, key="wq_only_period", disabled=period is None)
    lo, hi = (period.start, period.end) if (only_period and period) else (0, 999912)
    df = q.warning_queue(user.scope, org_path, lo, hi)
    c = st.columns([2, 1.3, 1.6, 1.6, 1.2])
    rules = c[0].multiselect(
        t("warnings.col.rule"), RULE_CODES, format_func=rule_name, key="wq_rules", placeholder=t("warnings.all")
    )
    sevs = c[1].multiselect(
        t("warnings.col.severity"),
        SEVERITIES,
        format_func=lambda s: t(f"warnings.severity.{s}"),
        key="wq_sev",
        placeholder=t("warnings.all"),
    )
    stats = c[2].multiselect(
        t("warnings.col.status"),
        STATUSES,
        default=list(OPEN_STATUSES),
        format_func=lambda s: t(f"warnings.status.{s}"),
        key="wq_status",
        placeholder=t("warnings.all"),
    )
    owners = ["*", "", user.email] + sorted(
        {a for a in df.get("assignee", pd.Series(dtype=object)).dropna() if a and a != user.email}
    )
    owner_labels = {"*": t("warnings.all"), "": t("warnings.nobody"), user.email: t("warnings.queue.me")}
    owner = c[3].selectbox(
        t("warnings.col.assignee"), owners, format_func=lambda o: owner_labels.get(o, o), key="wq_owner"
    )
    age = c[4].selectbox(
        t("warnings.queue.age"),
        AGES,
        format_func=lambda a: t("warnings.all") if a is None else t("warnings.queue.age_days", n=a),
        key="wq_age",
    )
    shown = q.filter_queue(df, rules, sevs, stats, None if owner == "*" else owner, age)

    open_ = df[df["status"].isin(OPEN_STATUSES)] if not df.empty else df
    m = st.columns(4)
    m[0].metric(t("warnings.queue.shown"), num(len(shown)))
    m[1].metric(t("warnings.queue.open"), num(len(open_)))
    m[2].metric(t("warnings.queue.open_high"), num(int((open_["severity"] == "high").sum()) if not open_.empty else 0))
    m[3].metric(
        t("warnings.queue.unassigned"),
        num(int((open_["assignee"].isna() | (open_["assignee"] == "")).sum()) if not open_.empty else 0),
    )

    if shown.empty:
        st.info(t("warnings.queue.empty"))
        return
    top = shown.head(MAX_ROWS)
    now = pd.Timestamp(dt.datetime.now())
    table = pd.DataFrame(
        {
            "id": top["id"].astype("int64"),
            t("warnings.col.severity"): [t(f"warnings.severity.{s}") for s in top["severity"]],
            t("warnings.col.rule"): [rule_name(r) for r in top["rule_code"]],
            t("warnings.col.subject"): top["subject_name"].fillna("–"),
            t("warnings.col.unit"): top["unit_name"],
            t("warnings.col.month"): [fmt_month(int(x)) for x in top["month"]],
            t("warnings.col.status"): [t(f"warnings.status.{s}") for s in top["status"]],
            t("warnings.col.assignee"): top["assignee"].fillna(""),
            t("warnings.col.age"): (now - top["created_at"]).dt.days.astype("int64"),
            t("warnings.col.reason"): [reason(r) for r in top.to_dict("records")],
        }
    )
    if len(shown) > MAX_ROWS:
        st.caption(t("warnings.queue.truncated", n=num(MAX_ROWS), total=num(len(shown))))
    st.caption(t("warnings.queue.pick"))
    event = st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key=f"wq_table_{st.session_state.get('wq_nonce', 0)}",
        column_config={"id": st.column_config.NumberColumn("#", format="%d", width="small")},
    )
    picked = selected_row(event)
    if picked is not None:
        # A new table key next time: back in the queue, the old selection must not reopen it.
        st.session_state["wq_nonce"] = st.session_state.get("wq_nonce", 0) + 1
        st.query_params["warning"] = str(int(table.iloc[picked]["id"]))
        st.rerun()
    download_buttons(table, "canh-bao", key="wq_dl")


# --- trends -------------------------------------------------------------------------------
def show_trends(org_path: str | None) -> None:
    rng = q.month_range(user.scope)
    if rng is None:
        st.info(t("warnings.queue.empty"))
        return
    period = current_period(user)
    end = min(rng[1], period.end) if period else rng[1]
    start = max(rng[0], add_months(end, -11))
    trend = q.warning_trend(user.scope, org_path, start, end)
    if trend.empty:
        st.info(t("warnings.trend.none"))
        return
    recent = (add_months(end, -2), end)
    before = (add_months(end, -5), add_months(end, -3))
    real = trend[trend["state"] != "false_positive"]
    n_recent = int(real.loc[real["month"].between(*recent), "n"].sum())
    n_before = int(real.loc[real["month"].between(*before), "n"].sum())
    c = st.columns(3)
    c[0].metric(
        t("warnings.trend.recent", a=fmt_month(recent[0]), b=fmt_month(recent[1])),
        num(n_recent),
        delta=num(n_recent - n_before),
        delta_color="inverse",
    )
    c[1].metric(t("warnings.trend.before", a=fmt_month(before[0]), b=fmt_month(before[1])), num(n_before))
    fp = int(trend.loc[trend["state"] == "false_positive", "n"].sum())
    c[2].metric(t("warnings.trend.false_positive"), pct(fp / max(1, int(trend["n"].sum()))))
    verdict = "better" if n_recent < n_before else ("worse" if n_recent > n_before else "same")
    st.caption(t(f"warnings.trend.verdict_{verdict}"))
    data = real.assign(rule_label=[rule_name(r) for r in real["rule_code"]])
    st.altair_chart(
        trend_chart(
            data,
            {
                "title": t("warnings.trend.title"),
                "month": t("warnings.chart.month"),
                "count": t("warnings.chart.count"),
                "rule": t("warnings.col.rule"),
            },
        ),
        width="stretch",
    )
    queue = q.warning_queue(user.scope, org_path, 0, 999912)
    open_ = queue[queue["status"].isin(OPEN_STATUSES)]
    if not open_.empty:
        sev = open_.groupby(["rule_code", "severity"]).size().reset_index(name="n")
        sev["rule_label"] = [rule_name(r) for r in sev["rule_code"]]
        sev["severity_label"] = [t(f"warnings.severity.{s}") for s in sev["severity"]]
        st.altair_chart(
            severity_bar(
                sev,
                {
                    "title": t("warnings.trend.open_by_rule"),
                    "count": t("warnings.chart.count"),
                    "severity": t("warnings.col.severity"),
                    "severities": {s: t(f"warnings.severity.{s}") for s in SEVERITIES},
                },
            ),
            width="stretch",
        )
    units = q.warnings_by_unit(user.scope, org_path, recent, before)
    if not units.empty:
        st.subheader(t("warnings.trend.by_unit"))
        table = pd.DataFrame(
            {
                t("warnings.col.unit"): units["unit_name"],
                t("warnings.trend.col_recent"): units["recent"],
                t("warnings.trend.col_before"): units["earlier"],
                t("warnings.trend.col_change"): units["recent"] - units["earlier"],
                t("warnings.trend.col_open"): units["open_now"],
                t("warnings.trend.col_open_high"): units["open_high"],
            }
        )
        st.dataframe(table, hide_index=True, width="stretch")
        download_buttons(table, "canh-bao-theo-don-vi", key="wu_dl")


# --- configuration (admins) ---------------------------------------------------------------
def show_config() -> None:
    loaded = q.current_config()
    if loaded.version:
        st.caption(
            t(
                "warnings.config.current",
                version=loaded.version,
                by=loaded.created_by or "–",
                at=fmt_datetime(loaded.created_at),
            )
        )
    else:
        st.caption(t("warnings.config.defaults"))
    new = {"rules": {}}
    v = loaded.version
    for code in RULE_CODES:
        rule = loaded.rule(code)
        with st.expander(f"{rule_name(code)}" + ("" if rule["enabled"] else f" — {t('warnings.config.off')}")):
            st.caption(t(f"warnings.rule_help.{code}"))
            vals = {
                "enabled": st.toggle(
                    t("warnings.config.enabled"), value=bool(rule["enabled"]), key=f"cfg_{v}_{code}_enabled"
                )
            }
            for p in PARAMS[code]:
                key = f"cfg_{v}_{code}_{p.name}"
                label = t(f"warnings.param.{code}.{p.name}")
                if p.kind == "bool":
                    vals[p.name] = st.checkbox(label, value=bool(rule[p.name]), key=key)
                elif p.kind == "int":
                    vals[p.name] = st.number_input(
                        label, min_value=int(p.lo), max_value=int(p.hi), value=int(rule[p.name]), step=1, key=key
                    )
                else:
                    step = 0.01 if p.kind == "share" else 0.5
                    vals[p.name] = st.number_input(
                        label,
                        min_value=float(p.lo),
                        max_value=float(p.hi),
                        value=float(rule[p.name]),
                        step=step,
                        format="%.4g",
                        key=key,
                    )
            new["rules"][code] = vals
    note = st.text_input(t("warnings.config.note"), key=f"cfg_{v}_note", max_chars=500)
    c = st.columns(2)
    if c[0].button(t("warnings.config.save"), type="primary", key="cfg_save"):
        try:
            version = save_config(get_engine(), new, user.email, note=note or None)
        except ConfigError as e:
            st.error(t(e.key, **e.params))
        else:
            q.clear()
            st.session_state["warnings_cfg_flash"] = t("warnings.config.saved", version=version)
            st.rerun()
    if c[1].button(t("warnings.config.rescan"), key="cfg_rescan", icon=":material/refresh:"):
        with st.spinner(t("warnings.config.scanning")):
            out = full_scan(get_engine(), actor=user.email)
        q.clear()
        tot = out["totals"]
        st.session_state["warnings_cfg_flash"] = t(
            "warnings.config.scanned",
            fired=num(tot.get("fired", 0)),
            created=num(tot.get("created", 0)),
            cleared=num(tot.get("cleared", 0)),
            insufficient=num(tot.get("insufficient", 0)),
            ms=num(out["elapsed_ms"]),
        )
        st.rerun()
    flash = st.session_state.pop("warnings_cfg_flash", None)
    if flash:
        st.success(flash)
    hist = q.config_versions()
    if not hist.empty:
        st.subheader(t("warnings.config.history"))
        st.dataframe(
            pd.DataFrame(
                {
                    t("warnings.config.version"): hist["version"],
                    t("warnings.col.at"): [fmt_datetime(x) for x in hist["created_at"]],
                    t("warnings.col.actor"): hist["created_by"],
                    t("warnings.col.note"): hist["note"].fillna(""),
                }
            ),
            hide_index=True,
            width="stretch",
        )


# --- page ---------------------------------------------------------------------------------
raw_id = st.query_params.get("warning")
if raw_id:
    show_case(raw_id)
    st.stop()

st.title(t("warnings.title"))
org = current_org(user)
org_path = org["path"] if org else None
st.caption(t("warnings.caption", scope=org["name"] if org else (user.unit_code or t("auth.scope_city"))))
labels = [t("warnings.tab.queue"), t("warnings.tab.trend")]
if user.role == "admin":
    labels.append(t("warnings.tab.config"))
tabs = st.tabs(labels)
with tabs[0]:
    show_queue(org_path)
with tabs[1]:
    show_trends(org_path)
if user.role == "admin":
    with tabs[2]:
        show_config()
