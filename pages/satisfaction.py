"""Citizen satisfaction: every rate with its count and 95 % interval, rankings by the lower
bound, data-quality signals beside the figures, and a drill unit -> officials -> ratings.

URL: ?period=&org= (frame), ?unit=<code> (a unit's subtree), ?official=<code, or the
pseudonym for presenters>, ?month=YYYY-MM and ?page=N (the raw ratings of one month).
Queries used: queries.satisfaction (rollups; raw ratings only for one unit/official-month).
"""

import pandas as pd
import streamlit as st

from components import satisfaction_charts as charts
from components.auth import refuse, require_role
from components.filters import current_org, current_period
from components.i18n import datetime as fmt_datetime
from components.i18n import lang
from components.i18n import period as fmt_period
from components.nav import page
from components.official_access import purpose_gate
from queries import satisfaction as q
from queries.units import unit_row, units_in_scope
from thuocdo import i18n as core
from thuocdo.domain.access import Scope
from thuocdo.domain.periods import Period

user = require_role("satisfaction")

SIGNAL_ICON = ":material/report:"
# The language once per run: formatting hundreds of cells through st.session_state each
# time costs more than the queries of a warm rerun.
LANG = lang()


def t(key: str, **params) -> str:
    return core.t(key, LANG, **params)


def num(value, decimals: int = 0) -> str:
    return core.fmt_number(value, LANG, decimals)


def pct(value, decimals: int = 1) -> str:
    return core.fmt_percent(value, LANG, decimals)


def fmt_month(m) -> str:
    return core.fmt_month(int(m), LANG)


# --- small helpers -------------------------------------------------------------------


def keep_params(**extra) -> dict:
    """The shared filters (period, org, lang) plus ``extra``, for drill links."""
    out = {k: st.query_params[k] for k in ("period", "org", "lang") if st.query_params.get(k)}
    out.update({k: v for k, v in extra.items() if v is not None})
    return out


def go(**extra) -> None:
    st.switch_page(page("satisfaction"), query_params=keep_params(**extra))


def interval_text(lo, hi) -> str:
    if lo is None or lo != lo:
        return "–"
    return t("satisfaction.interval", lo=pct(lo), hi=pct(hi))


def range_text(lo, hi) -> str:
    if lo is None or lo != lo:
        return "–"
    return f"{pct(lo)} – {pct(hi)}"


def rate_text(row) -> str:
    return pct(row["rate"]) if bool(row["enough"]) else t("satisfaction.not_enough")


def level_label(scale: int, level: int) -> str:
    cfg = q.scale_config()
    if int(scale) == cfg["levels"]:
        labels = cfg["labels"].get(lang()) or cfg["labels"].get("*") or {}
        if int(level) in labels:
            return labels[int(level)]
    return t(f"satisfaction.level.{int(scale)}.{int(level)}")


def channel_label(code: str) -> str:
    return t(f"satisfaction.channel.{code}") if code in q.CHANNELS else str(code)


def month_param(text: str | None) -> int | None:
    if not text:
        return None
    try:
        p = Period.parse(text)
    except ValueError:
        st.warning(t("satisfaction.bad_month", value=text[:20]))
        return None
    return p.end if p.kind == "month" else None


def ym(m: int) -> str:
    return f"{m // 100:04d}-{m % 100:02d}"


def signal_text(row) -> str:
    """One sentence for a data-quality signal row."""
    key = f"satisfaction.signal.{row['signal']}"
    if row["signal"] == "near_all":
        return t(key, value=pct(row["value"]), threshold=pct(row["threshold"], 0), n=num(row["n"]))
    if row["signal"] == "off_hours":
        return t(key, value=pct(row["value"]), threshold=pct(row["threshold"], 0), n=num(row["n"]))
    if row["signal"] == "burst":
        return t(
            key,
            channel=channel_label(row["channel"]),
            value=num(row["value"]),
            typical=num(row["threshold"] / thresholds["burst_factor"], 1),
        )
    if row["signal"] == "unit_gap":
        return t(key, value=num(row["value"]))
    return t(key, channel=channel_label(row["channel"]), value=num(row["value"]), span=num(row["threshold"]))


def short_signals(sig: pd.DataFrame) -> dict[int, str]:
    """Per unit id, the short labels of its signals (beside the figures in a table)."""
    out: dict[int, str] = {}
    for unit_id, grp in sig.groupby("unit_id"):
        labels = sorted({t(f"satisfaction.signal_short.{s}") for s in grp["signal"]})
        out[int(unit_id)] = "⚠ " + "; ".join(labels)
    return out


def summary_table(
    summary: pd.DataFrame, name_col: str, signals: dict[int, str] | None = None, name_key: str = "satisfaction.col.name"
) -> pd.DataFrame:
    """The displayed ranking: rank, name, rate (or "not enough data"), interval, count, level-1 share."""
    enough = summary["enough"].astype(bool).tolist()
    ranks = summary["rank"].tolist() if "rank" in summary else [None] * len(summary)
    not_enough = t("satisfaction.not_enough")
    out = {
        t("satisfaction.col.rank"): [str(int(r)) if pd.notna(r) else "—" for r in ranks],
        t(name_key): summary[name_col].tolist(),
        t("satisfaction.col.rate"): [pct(r) if e else not_enough for r, e in zip(summary["rate"], enough, strict=True)],
        t("satisfaction.col.interval"): [
            range_text(lo, hi) for lo, hi in zip(summary["lo"], summary["hi"], strict=True)
        ],
        t("satisfaction.col.n"): [num(v) for v in summary["valid"]],
        t("satisfaction.col.dissatisfied"): [pct(v) for v in summary["dissatisfied"]],
    }
    if signals is not None:
        out[t("satisfaction.col.signals")] = [signals.get(int(u), "") for u in summary["unit_id"]]
    return pd.DataFrame(out)


def picked_row(key: str) -> int | None:
    state = st.session_state.get(key)
    rows = (state or {}).get("selection", {}).get("rows", []) if state else []
    return int(rows[0]) if rows else None


def headline(summary: pd.DataFrame, n_signals: int | None = None) -> None:
    row = summary.iloc[0] if not summary.empty else None
    cols = st.columns(4 if n_signals is not None else 3)
    if row is None or row["valid"] == 0:
        st.info(t("satisfaction.no_ratings"))
        st.stop()
    cols[0].metric(t("satisfaction.rate"), pct(row["rate"]), help=t("satisfaction.rate_help"))
    cols[0].caption(interval_text(row["lo"], row["hi"]))
    cols[1].metric(t("satisfaction.count"), num(row["valid"]))
    cols[1].caption(t("satisfaction.min_n_note", min=num(min_n)))
    cols[2].metric(t("satisfaction.dissatisfied"), pct(row["dissatisfied"]), help=t("satisfaction.dissatisfied_help"))
    cols[2].caption(interval_text(row["dis_lo"], row["dis_hi"]))
    if n_signals is not None:
        cols[3].metric(t("satisfaction.signals"), num(n_signals))
        cols[3].caption(t("satisfaction.signals_note"))
    if not bool(row["enough"]):
        st.warning(t("satisfaction.not_enough_long", n=num(row["valid"]), min=num(min_n)))


def trend_section(by_month: pd.DataFrame, title_key: str = "satisfaction.trend_title") -> None:
    if by_month.empty:
        st.info(t("satisfaction.no_ratings"))
        return
    data = by_month.assign(month_label=by_month["month"].map(lambda m: f"{m % 100:02d}/{m // 100}"))
    st.altair_chart(
        charts.trend_chart(
            data,
            {
                "title": t(title_key),
                "x": t("satisfaction.axis.month"),
                "y": t("satisfaction.rate"),
                "lo": t("satisfaction.lo"),
                "hi": t("satisfaction.hi"),
                "n": t("satisfaction.count"),
                "dis": t("satisfaction.dissatisfied"),
            },
        ),
        width="stretch",
    )
    st.caption(t("satisfaction.trend_note"))


def levels_section(frame: pd.DataFrame) -> None:
    dist = q.level_distribution(frame)
    if dist.empty:
        st.info(t("satisfaction.no_ratings"))
        return
    cfg = q.scale_config()
    scales = sorted(dist["scale"].unique(), key=lambda s: (s != cfg["levels"], s))
    labels = ", ".join(f"{lv} {level_label(cfg['levels'], lv)}" for lv in range(cfg["levels"], 0, -1))
    st.caption(t("satisfaction.scale_note", levels=cfg["levels"], labels=labels))
    for scale in scales:
        part = dist[dist["scale"] == scale].copy()
        part["label"] = [level_label(scale, lv) for lv in part["level"]]
        if len(scales) > 1:
            st.caption(t("satisfaction.scale_part", levels=int(scale), n=num(part["count"].sum())))
        st.altair_chart(
            charts.levels_chart(
                part,
                {
                    "title": t("satisfaction.levels_title"),
                    "x": t("satisfaction.share"),
                    "level": t("satisfaction.level"),
                    "n": t("satisfaction.count"),
                },
            ),
            width="stretch",
            height=charts.levels_height(len(part)),
        )


def channel_section(frame: pd.DataFrame) -> None:
    by_channel = q.summarise(frame, ["channel"], min_n)
    if by_channel.empty:
        st.info(t("satisfaction.no_ratings"))
        return
    by_channel["label"] = by_channel["channel"].map(channel_label)
    table = summary_table(q.rank(by_channel), "label", name_key="satisfaction.col.channel")
    st.dataframe(table, hide_index=True, width="stretch")
    st.altair_chart(
        charts.interval_chart(
            by_channel,
            {
                "title": t("satisfaction.channel_title"),
                "x": t("satisfaction.rate"),
                "label": t("satisfaction.col.channel"),
                "lo": t("satisfaction.lo"),
                "hi": t("satisfaction.hi"),
                "n": t("satisfaction.count"),
            },
        ),
        width="stretch",
        height=charts.interval_height(len(by_channel)),
    )


def services_section(scope: Scope) -> None:
    svc = q.services(scope, period.start, period.end)
    summary = q.summarise(svc, ["service_code", "service_name"], min_n)
    if summary.empty:
        st.info(t("satisfaction.no_services"))
        return
    worst = q.rank(summary, ascending=True)
    st.caption(t("satisfaction.services_note", min=num(min_n)))
    ranked = worst[worst["enough"].astype(bool)].head(10)
    if not ranked.empty:
        st.altair_chart(
            charts.interval_chart(
                ranked.assign(label=ranked["service_name"]),
                {
                    "title": t("satisfaction.services_title"),
                    "x": t("satisfaction.rate"),
                    "label": t("satisfaction.col.service"),
                    "lo": t("satisfaction.lo"),
                    "hi": t("satisfaction.hi"),
                    "n": t("satisfaction.count"),
                },
            ),
            width="stretch",
            height=charts.interval_height(len(ranked)),
        )
    st.dataframe(
        summary_table(worst, "service_name", name_key="satisfaction.col.service"), hide_index=True, width="stretch"
    )


def hours_section(scope: Scope) -> None:
    hrs = q.hours(scope, period.start, period.end)
    if hrs.empty:
        st.info(t("satisfaction.no_ratings"))
        return
    hrs = hrs.assign(day_label=hrs["dow"].map(lambda d: t(f"satisfaction.dow.{int(d)}")))
    st.altair_chart(
        charts.hours_chart(
            hrs,
            {
                "title": t("satisfaction.hours_title"),
                "x": t("satisfaction.axis.hour"),
                "y": t("satisfaction.axis.dow"),
                "n": t("satisfaction.count"),
            },
        ),
        width="stretch",
        height=charts.HOURS_HEIGHT,
    )
    top = q.busiest(hrs)
    days = ", ".join(f"{t(f'satisfaction.dow.{d}')} ({pct(v / top['total'])})" for d, v in top["days"])
    hours_txt = ", ".join(f"{h}:00–{h}:59 ({pct(v / top['total'])})" for h, v in top["hours"])
    st.markdown(t("satisfaction.busiest", days=days, hours=hours_txt))


def signals_section(sig: pd.DataFrame, names: dict[int, str]) -> None:
    st.caption(t("satisfaction.signals_intro"))
    if sig.empty:
        st.success(t("satisfaction.signals_none"))
        return
    rows = [
        {
            t("satisfaction.col.unit"): names.get(int(r["unit_id"]), str(r["unit_id"])),
            t("satisfaction.col.month"): fmt_month(r["month"]),
            t("satisfaction.col.signal"): t(f"satisfaction.signal_short.{r['signal']}"),
            t("satisfaction.col.detail"): signal_text(r),
        }
        for _, r in sig.iterrows()
    ]
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        width="stretch",
        column_config={t("satisfaction.col.detail"): st.column_config.TextColumn(width="large")},
    )


def heatmap_section(window_frame: pd.DataFrame, units: pd.DataFrame) -> None:
    cells = q.summarise(window_frame, ["unit_id", "month"], min_n)
    if cells.empty:
        return
    names = dict(zip(units["id"], units["name"], strict=True))
    cells = cells[cells["unit_id"].isin(names)]
    cells = cells.assign(
        name=cells["unit_id"].map(names),
        month_label=cells["month"].map(lambda m: f"{m % 100:02d}/{m // 100}"),
        rate_text=[
            pct(r) if e else t("satisfaction.not_enough") for r, e in zip(cells["rate"], cells["enough"], strict=True)
        ],
    )
    order = [names[i] for i in units["id"] if i in set(cells["unit_id"])]
    st.altair_chart(
        charts.heatmap_chart(
            cells,
            {
                "title": t("satisfaction.heatmap_title"),
                "x": t("satisfaction.axis.month"),
                "y": t("satisfaction.col.name"),
                "rate": t("satisfaction.rate"),
                "n": t("satisfaction.count"),
            },
            order=order,
        ),
        width="stretch",
        height=charts.heatmap_height(len(order)),
    )
    st.caption(t("satisfaction.heatmap_note", min=num(min_n)))


def units_section(period_frame: pd.DataFrame, units: pd.DataFrame, sig: pd.DataFrame, key: str) -> None:
    """Units ranked by the Wilson lower bound, a funnel plot, and the drill to one unit."""
    summary = q.summarise(period_frame, ["unit_id"], min_n)
    info = units.set_index("id")
    summary = summary[summary["unit_id"].isin(info.index)]
    if summary.empty:
        st.info(t("satisfaction.no_ratings"))
        return
    summary["name"] = summary["unit_id"].map(info["name"])
    summary["code"] = summary["unit_id"].map(info["code"])
    ranked = q.rank(summary)
    st.caption(t("satisfaction.rank_note", min=num(min_n)))
    st.dataframe(
        summary_table(ranked, "name", short_signals(sig), "satisfaction.col.unit"),
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key=key,
    )
    picked = picked_row(key)
    if picked is not None and picked < len(ranked) and ranked.iloc[picked]["code"] != unit_code:
        go(unit=ranked.iloc[picked]["code"])
    st.caption(t("satisfaction.pick_unit"))
    points, curves, p0 = q.funnel(ranked)
    if len(points) >= 2:
        points["band_label"] = points["band"].map(lambda b: t(f"satisfaction.band.{b}"))
        bands = {b: t(f"satisfaction.band.{b}") for b in charts.BAND_ORDER}
        event = st.altair_chart(
            charts.funnel_chart(
                points,
                curves,
                p0,
                {
                    "title": t("satisfaction.funnel_title"),
                    "x": t("satisfaction.count"),
                    "y": t("satisfaction.rate"),
                    "limits": t("satisfaction.limits"),
                    "l95": t("satisfaction.limit95"),
                    "l998": t("satisfaction.limit998"),
                    "band": t("satisfaction.band_title"),
                    "bands": bands,
                    "name": t("satisfaction.col.name"),
                    "lo": t("satisfaction.lo"),
                    "hi": t("satisfaction.hi"),
                },
            ),
            width="stretch",
            on_select="rerun",
            key=key + "_funnel",
        )
        chosen = (event.selection.get("funnel_pick") if event and event.selection else None) or []
        if chosen and chosen[0].get("code") and chosen[0]["code"] != unit_code:
            go(unit=chosen[0]["code"])
        st.caption(t("satisfaction.funnel_note", p0=pct(p0)))


def raw_section(
    kind: str, subject_id: int, months_n: dict[int, int], default_month: int, unit_code: str, official_token: str | None
) -> None:
    """One page of the raw ratings of one unit or official in one month (state in the URL)."""
    if not months_n:
        st.info(t("satisfaction.no_ratings"))
        return
    months = sorted(months_n, reverse=True)
    month = month_param(st.query_params.get("month")) or default_month
    if month not in months_n:
        month = months[0]
    chosen = st.selectbox(
        t("satisfaction.raw_month"),
        months,
        index=months.index(month),
        format_func=fmt_month,
        key=f"raw_month_{kind}_{month}",
    )
    if chosen != month:
        go(unit=unit_code, official=official_token, month=ym(chosen))
    total = months_n[month]
    pages = max(1, -(-total // q.RAW_PAGE_SIZE))
    try:
        page_no = min(max(1, int(st.query_params.get("page", "1"))), pages)
    except ValueError:
        page_no = 1
    df = q.raw_ratings(view_scope, kind, subject_id, month, page_no - 1)
    st.caption(t("satisfaction.raw_caption", n=num(total), page=num(page_no), pages=num(pages)))
    shown = pd.DataFrame(
        {
            t("satisfaction.col.time"): df["rated_at"].map(fmt_datetime),
            t("satisfaction.col.channel"): df["channel"].map(channel_label),
            t("satisfaction.col.device"): df["device_id"].fillna("—"),
            t("satisfaction.col.service"): df["service_name"].fillna("—"),
            t("satisfaction.col.official"): df["official_name"].fillna("—"),
            t("satisfaction.col.score"): [
                f"{s} · {level_label(sc, s)}" for s, sc in zip(df["score"], df["scale"], strict=True)
            ],
        }
    )
    if kind == "official":  # one official: the column would repeat the title
        shown = shown.drop(columns=[t("satisfaction.col.official")])
    st.dataframe(shown, hide_index=True, width="stretch")
    pager = st.container(horizontal=True)
    if pager.button(t("satisfaction.prev_page"), disabled=page_no <= 1, key="raw_prev", icon=":material/chevron_left:"):
        go(unit=unit_code, official=official_token, month=ym(month), page=str(page_no - 1))
    if pager.button(
        t("satisfaction.next_page"), disabled=page_no >= pages, key="raw_next", icon=":material/chevron_right:"
    ):
        go(unit=unit_code, official=official_token, month=ym(month), page=str(page_no + 1))


# --- where are we --------------------------------------------------------------------

period = current_period(user)
if period is None:
    st.title(t("satisfaction.title"))
    st.info(t("common.no_data"))
    st.stop()
pseud = user.scope.pseudonymise
org = current_org(user)
base_scope = Scope(org["path"], pseud) if org is not None else user.scope

unit_code = st.query_params.get("unit")
official_token = st.query_params.get("official")
unit = None
if unit_code:
    unit = unit_row(user.scope, unit_code)
    if unit is None:
        refuse(user, "unit", unit_code)
official = None
if official_token:
    search_scope = Scope(unit["path"], pseud) if unit is not None else user.scope
    official = q.find_official(search_scope, official_token, search_scope if unit is not None else None)
    if official is None:
        refuse(user, "official", official_token)
    if unit is None:
        unit = unit_row(user.scope, official["unit_code"])
        unit_code = unit["code"] if unit else None
view_scope = Scope(unit["path"], pseud) if unit is not None else base_scope

min_n = q.min_count()
thresholds = q.quality_thresholds()
first = q.read_start(period.start, period.end)
win_start = q.window_start(period.start, period.end)
frame = q.unit_month(view_scope, first, period.end)
period_frame = frame[frame["month"].between(period.start, period.end)]
window_frame = frame[frame["month"] >= win_start]
units = units_in_scope(view_scope)
signals = q.scope_signals(view_scope, period.start, period.end)
unit_names = dict(zip(units["id"], units["name"], strict=True))

# --- breadcrumb ----------------------------------------------------------------------

if unit is not None:
    crumbs = st.container(horizontal=True)
    crumbs.page_link(
        page("satisfaction"),
        label=t("satisfaction.crumb_all"),
        icon=":material/arrow_back:",
        query_params=keep_params(),
        width="content",
    )
    if official is not None:
        crumbs.page_link(
            page("satisfaction"),
            label=unit["name"],
            icon=":material/arrow_back:",
            query_params=keep_params(unit=unit["code"]),
            width="content",
        )

# --- one official ----------------------------------------------------------------------

if official is not None:
    display = official["full_name"]
    st.title(t("satisfaction.official_title", name=display))
    st.caption(t("satisfaction.caption", period=fmt_period(period), scope=official["unit_name"]))
    purpose_gate(user, {"id": int(official["official_id"]), "display_name": display})
    om = q.official_months(view_scope, int(official["official_id"]), first, period.end)
    headline(q.summarise(om[om["month"].between(period.start, period.end)], [], min_n))
    labels = [t("satisfaction.tab.ratings"), t("satisfaction.tab.trend"), t("satisfaction.tab.levels")]
    tabs = st.tabs(labels, default=labels[0], key=f"sat_tabs_official_{official_token}", on_change="rerun")
    if tabs[0].open is not False:
        with tabs[0]:
            months_n = {int(m): int(v) for m, v in om.groupby("month")["n"].sum().items() if v > 0}
            raw_section("official", int(official["official_id"]), months_n, period.end, unit["code"], official_token)
    if tabs[1].open is not False:
        with tabs[1]:
            trend_section(q.summarise(om[om["month"] >= win_start], ["month"], min_n))
    if tabs[2].open is not False:
        with tabs[2]:
            levels_section(om[om["month"].between(period.start, period.end)])
    st.stop()

# --- the whole scope, or one unit's subtree ------------------------------------------

if unit is not None:
    st.title(t("satisfaction.unit_title", name=unit["name"]))
    scope_name = unit["name"]
else:
    st.title(t("satisfaction.title"))
    scope_name = org["name"] if org else (user.unit_code or t("auth.scope_city"))
st.caption(t("satisfaction.caption", period=fmt_period(period), scope=scope_name))

headline(q.summarise(period_frame, [], min_n), len(signals))
if not signals.empty:
    st.warning(t("satisfaction.signals_banner", n=num(len(signals))), icon=SIGNAL_ICON)

tab_keys = []
if unit is not None:
    tab_keys.append("officials")
if unit is None or len(units) > 1:
    tab_keys.append("units")
tab_keys += ["trend", "channels", "services", "levels", "hours", "quality"]
if unit is not None:
    tab_keys.append("ratings")
# Tabs keyed per view, so that a drill opens on its first tab (the officials of a unit).
labels = [t(f"satisfaction.tab.{k}") for k in tab_keys]
# Only the open tab runs (on_change="rerun"): a rerun builds one tab's charts, not seven.
tabs = dict(
    zip(
        tab_keys,
        st.tabs(labels, default=labels[0], key=f"sat_tabs_{unit_code or 'all'}", on_change="rerun"),
        strict=True,
    )
)

if "officials" in tabs and tabs["officials"].open is not False:
    with tabs["officials"]:
        offs = q.officials(view_scope, period.start, period.end)
        summary = q.summarise(offs, ["official_id", "official_code", "full_name", "unit_name"], min_n)
        if summary.empty:
            st.info(t("satisfaction.no_official_ratings"))
        else:
            ranked = q.rank(summary)
            st.caption(t("satisfaction.rank_note", min=num(min_n)))
            table = summary_table(ranked, "full_name", name_key="satisfaction.col.official")
            table.insert(2, t("satisfaction.col.unit"), ranked["unit_name"].tolist())
            officials_key = f"sat_officials_{unit_code}"
            st.dataframe(
                table,
                hide_index=True,
                width="stretch",
                on_select="rerun",
                selection_mode="single-row",
                key=officials_key,
            )
            picked = picked_row(officials_key)
            if picked is not None and picked < len(ranked):
                go(unit=unit["code"], official=ranked.iloc[picked]["official_code"])
            st.caption(t("satisfaction.pick_official"))
            if pseud:
                st.caption(t("satisfaction.pseudonym_note"))

if "units" in tabs and tabs["units"].open is not False:
    with tabs["units"]:
        # One key per view: a selection must not follow the reader into the next view.
        units_section(period_frame, units, signals, f"sat_units_{unit_code or 'all'}")

if tabs["trend"].open is not False:
    with tabs["trend"]:
        trend_section(q.summarise(window_frame, ["month"], min_n))
        if len(units) > 1:
            heatmap_section(window_frame, units)

if tabs["channels"].open is not False:
    with tabs["channels"]:
        channel_section(period_frame)

if tabs["services"].open is not False:
    with tabs["services"]:
        services_section(view_scope)

if tabs["levels"].open is not False:
    with tabs["levels"]:
        levels_section(period_frame)

if tabs["hours"].open is not False:
    with tabs["hours"]:
        hours_section(view_scope)

if tabs["quality"].open is not False:
    with tabs["quality"]:
        signals_section(signals, unit_names)

if "ratings" in tabs and tabs["ratings"].open is not False:
    with tabs["ratings"]:
        own = frame[frame["unit_id"] == int(unit["id"])]
        months_n = {int(m): int(v) for m, v in own.groupby("month")["n"].sum().items() if v > 0}
        st.caption(t("satisfaction.raw_unit_note"))
        raw_section("unit", int(unit["id"]), months_n, period.end, unit["code"], None)
