"""Presentation mode for review conferences: slides, frozen snapshots, what changed, exports."""

import time

import streamlit as st

from components.auth import refuse, require_role
from components.filters import current_org, current_period
from components.i18n import datetime as fmt_datetime
from components.i18n import lang, num, t
from components.i18n import period as fmt_period
from components.params import int_id
from queries.db import get_engine
from queries.present import last_snapshot_before, live_payload, scope_name, snapshot_list, snapshot_row
from thuocdo.domain.access import Scope
from thuocdo.domain.periods import Period
from thuocdo.export import charts
from thuocdo.export.tables import to_csv, to_xlsx
from thuocdo.reports.deck import TOPICS, changes_table
from thuocdo.reports.service import deck_from
from thuocdo.reports.snapshots import create_snapshot
from thuocdo.store.audit import log_access

user = require_role("present")

TV_INTERVALS = (10, 15, 30, 60)
# Static styling of the slide container (no data in it): a dark hall, large type, 16:9.
SLIDE_CSS = """<style>
.st-key-present_slide {background:#0f172a; border-radius:14px; padding:26px 36px 14px;
  min-height:min(56.25vw, 82vh); gap:0.6rem;}
.st-key-present_slide h1, .st-key-present_slide h2, .st-key-present_slide h3,
.st-key-present_slide .stMarkdown p, .st-key-present_slide li {color:#f1f5f9 !important;}
.st-key-present_slide h2 {font-size:2.5rem; padding-top:0;}
.st-key-present_slide [data-testid="stMetricValue"] {color:#f1f5f9; font-size:2.1rem; font-weight:700;}
.st-key-present_slide [data-testid="stMetricLabel"] p {color:#cbd5e1 !important; font-size:1.15rem;}
.st-key-present_slide [data-testid="stCaptionContainer"],
.st-key-present_slide [data-testid="stCaptionContainer"] p {color:#cbd5e1 !important; opacity:1; font-size:1.05rem;}
.st-key-present_slide .stMarkdown p {font-size:1.35rem;}
</style>"""

L = lang()
org = current_org(user)
scope = Scope(org["path"], user.scope.pseudonymise) if org else user.scope

# --- where the figures come from: a frozen snapshot (?snapshot=) or live rollups -----
raw_snap = st.query_params.get("snapshot")
snap = None
if raw_snap:
    snap_id = int_id(raw_snap)
    snap = snapshot_row(scope, snap_id) if snap_id is not None else None
    if snap is None:
        refuse(user, "snapshot", raw_snap)
    payload, digest = snap["payload"], snap["content_hash"]
    period = Period.parse(snap["period"])
    source_scope = Scope(snap["filters"].get("scope_path") or "/", scope.pseudonymise)
else:
    period = current_period(user)
    if period is None:
        st.title(t("present.title"))
        st.info(t("common.no_data"))
        st.stop()
    payload, digest = live_payload(scope, period.key())
    source_scope = scope

st.title(t("present.title"))
if snap:
    if not snap["verified"]:
        st.error(t("present.snapshot.tampered", id=snap["id"]))
    st.caption(
        t(
            "present.source.snapshot",
            id=snap["id"],
            title=snap["title"],
            at=fmt_datetime(snap["created_at"]),
            by=snap["created_by"] or "–",
            hash=digest,
        )
    )
else:
    st.caption(t("present.source.live", period=fmt_period(period), hash=digest))

# --- choices: snapshot, topics, units ------------------------------------------------
snaps = snapshot_list(scope)
snap_ids = [None] + [int(i) for i in snaps["id"].tolist()]
labels = {None: t("present.snapshot.live")}
for r in snaps.itertuples(index=False):
    labels[int(r.id)] = t(
        "present.snapshot.option",
        id=r.id,
        title=r.title,
        period=fmt_period(Period.parse(r.period)),
        at=fmt_datetime(r.created_at),
    )


def _choose_snapshot(key: str) -> None:
    chosen = st.session_state.get(key)
    st.query_params.pop("slide", None)
    if chosen is None:
        st.query_params.pop("snapshot", None)
    else:
        st.query_params["snapshot"] = str(chosen)


current_id = snap["id"] if snap else None
c1, c2, c3 = st.columns([2, 3, 3])
c1.selectbox(
    t("present.snapshot.choose"),
    snap_ids,
    index=snap_ids.index(current_id) if current_id in snap_ids else 0,
    format_func=lambda i: labels.get(i, str(i)),
    key=f"present_snapshot_pick_{current_id}",
    on_change=_choose_snapshot,
    args=(f"present_snapshot_pick_{current_id}",),
)
topics = c2.multiselect(
    t("present.topics"),
    list(TOPICS),
    default=list(TOPICS),
    format_func=lambda tp: t(f"present.topic.{tp}"),
    key="present_topics",
)
units = payload["units"]
unit_options = list(payload["ranking"]) + sorted(c for c in units if c not in payload["ranking"])
chosen_units = c3.multiselect(
    t("present.units"),
    unit_options,
    default=list(payload["ranking"]),
    format_func=lambda c: units[c]["name"],
    key=f"present_units_{digest[:10]}",
    disabled="units" not in topics,
)


def _freeze(freeze_period: Period, filters: dict) -> None:
    """Freeze the period's figures and switch the page to the new snapshot.

    A callback (run before the script) so the click is never lost to a rerun.
    """
    title = (st.session_state.get("present_snapshot_title") or "").strip()
    row = create_snapshot(get_engine(), scope, freeze_period, actor=user.email, title=title or None, filters=filters)
    log_access(get_engine(), user.email, user.role, "snapshot", "snapshot", str(row["id"]), detail=row["content_hash"])
    snapshot_list.clear()
    last_snapshot_before.clear()
    st.query_params["snapshot"] = str(row["id"])
    st.query_params.pop("slide", None)


if not snap:
    with st.popover(t("present.snapshot.create"), icon=":material/lock:"):
        st.caption(t("present.snapshot.create_help", period=fmt_period(period)))
        st.text_input(
            t("present.snapshot.title"),
            value=t("present.snapshot.default_title", period=fmt_period(period)),
            max_chars=200,
            key="present_snapshot_title",
        )
        st.button(
            t("present.snapshot.freeze"),
            type="primary",
            key="present_freeze",
            on_click=_freeze,
            args=(period, {"topics": topics, "units": chosen_units, "org": org["code"] if org else None}),
        )

base = last_snapshot_before(scope, current_id)
show_changes = base is not None and st.toggle(t("present.changes.include"), value=False, key="present_changes_slide")
deck = deck_from(
    payload,
    digest,
    snap,
    scope,
    scope_name(source_scope, L),
    topics,
    chosen_units,
    L,
    base if base is not None else None,
    title=True,
)
slides = deck.slides if show_changes else [s for s in deck.slides if s.key != "changes"]
n = len(slides)


def _metric(where, fig) -> None:
    delta = fig[2] if len(fig) > 2 and fig[2] else None
    flat = delta is not None and not delta.lstrip("+-").lstrip("0,.").strip(" điểm%pt")  # a zero change
    where.metric(fig[0], fig[1], delta, delta_color="off" if flat else "normal", delta_arrow="off" if flat else "auto")


def render_slide(slide) -> None:
    """One slide in the dark-hall container: title, chart, key figures, footer."""
    with st.container(key="present_slide"):
        st.header(slide.title, anchor=False)
        if slide.subtitle:
            st.caption(slide.subtitle)
        if slide.key == "title":
            for fig in slide.figures:
                st.markdown(fig[0])
        elif slide.chart is not None:
            left, right = st.columns([2.6, 1], gap="large")
            with left:
                st.altair_chart(slide.chart, theme=None, width="stretch")
            with right:
                for fig in slide.figures:
                    _metric(st, fig)
        else:
            cols = st.columns(max(1, min(4, len(slide.figures))))
            for i, fig in enumerate(slide.figures):
                _metric(cols[i % len(cols)], fig)
            if slide.table is not None and not slide.table.empty:
                st.dataframe(slide.table, hide_index=True, width="stretch")
        st.caption(deck.meta.footer())


def _slide_index() -> int:
    try:
        i = int(st.query_params.get("slide", "1"))
    except ValueError:
        i = 1
    return max(1, min(n, i))


def _go(step: int) -> None:
    st.query_params["slide"] = str((_slide_index() - 1 + step) % n + 1)


tab_show, tab_changes, tab_export = st.tabs([t("present.tab.show"), t("present.tab.changes"), t("present.tab.export")])

with tab_show:
    st.html(SLIDE_CSS)
    if n == 0:
        st.info(t("present.no_slides"))
    else:
        t1, t2 = st.columns([1, 3])
        tv = t1.toggle(t("present.tv"), key="present_tv", help=t("present.tv_help"))
        if tv:
            interval = t2.select_slider(
                t("present.tv_interval"),
                TV_INTERVALS,
                value=15,
                format_func=lambda s: t("present.seconds", n=s),
                key="present_tv_interval",
            )
            started = st.session_state.setdefault("present_tv_started", time.time())
            first = _slide_index() - 1

            @st.fragment(run_every=interval)
            def tv_slide() -> None:
                idx = (first + int((time.time() - started) // interval)) % n
                render_slide(slides[idx])
                st.caption(t("present.position", i=idx + 1, n=n))

            tv_slide()
        else:
            st.session_state.pop("present_tv_started", None)
            idx = _slide_index() - 1
            render_slide(slides[idx])
            with st.container(horizontal=True, vertical_alignment="center"):
                st.button(
                    t("present.prev"),
                    key="present_prev",
                    on_click=_go,
                    args=(-1,),
                    shortcut="Left",
                    icon=":material/arrow_back:",
                )
                st.button(
                    t("present.next"),
                    key="present_next",
                    on_click=_go,
                    args=(1,),
                    shortcut="Right",
                    icon=":material/arrow_forward:",
                )
                st.caption(t("present.position_keys", i=idx + 1, n=n))

with tab_changes:
    if base is None:
        st.info(t("present.changes.no_base"))
    else:
        ch = deck.changes
        st.subheader(t("present.changes.title"), anchor=False)
        st.caption(
            t(
                "present.changes.since",
                base=t(
                    "present.changes.base_label",
                    id=base["id"],
                    period=fmt_period(Period.parse(base["period"])),
                    at=fmt_datetime(base["created_at"]),
                ),
            )
        )
        m = st.columns(4)
        for col, key in zip(m, ("moved_up", "moved_down", "new_warnings", "closed_warnings"), strict=True):
            col.metric(t(f"present.changes.{key}"), num(len(ch[key])))
        table = changes_table(ch, L)
        if table.empty:
            st.info(t("present.changes.none"))
        else:
            st.dataframe(table, hide_index=True, width="stretch")

with tab_export:
    st.caption(t("present.export.statement"))
    for line in deck.meta.lines():
        st.markdown(f"- {line}")
    stem = f"thuoc-do-{payload['period']}-{digest[:8]}"

    def _log(kind: str, detail: str) -> None:
        log_access(get_engine(), user.email, user.role, "export", kind, payload["period"], detail=f"{detail} {digest}")

    def _pptx() -> bytes:
        from thuocdo.export import pptx

        _log("deck", "pptx")
        return pptx.render(slides, deck.meta)

    def _pdf() -> bytes:
        from thuocdo.export import pdf

        _log("deck", "pdf")
        return pdf.render(slides, deck.meta)

    d1, d2 = st.columns(2)
    d1.download_button(
        t("present.export.pptx"),
        _pptx,
        f"{stem}.pptx",
        key="present_dl_pptx",
        icon=":material/slideshow:",
        mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
        on_click="ignore",
    )
    d2.download_button(
        t("present.export.pdf"),
        _pdf,
        f"{stem}.pdf",
        key="present_dl_pdf",
        icon=":material/picture_as_pdf:",
        mime="application/pdf",
        on_click="ignore",
    )

    with_chart = [s for s in slides if s.chart is not None]
    with_table = [s for s in slides if s.table is not None]
    if with_chart:
        pick = st.selectbox(
            t("present.export.chart"),
            range(len(with_chart)),
            format_func=lambda i: with_chart[i].title,
            key="present_pick_chart",
        )
        sc = with_chart[pick]
        stated = charts.with_statement(sc.chart, sc.title, [deck.meta.footer()])
        slug = sc.key.replace(":", "-").replace(".", "-").lower()

        def _png() -> bytes:
            _log("chart", f"png {sc.key}")
            return charts.to_png(stated, L)

        def _svg() -> str:
            _log("chart", f"svg {sc.key}")
            return charts.to_svg(stated, L)

        e1, e2 = st.columns(2)
        e1.download_button(
            t("present.export.png"),
            _png,
            f"{stem}-{slug}.png",
            mime="image/png",
            key="present_dl_png",
            icon=":material/image:",
            on_click="ignore",
        )
        e2.download_button(
            t("present.export.svg"),
            _svg,
            f"{stem}-{slug}.svg",
            mime="image/svg+xml",
            key="present_dl_svg",
            icon=":material/image:",
            on_click="ignore",
        )
    if with_table:
        pick_t = st.selectbox(
            t("present.export.table"),
            range(len(with_table)),
            format_func=lambda i: with_table[i].title,
            key="present_pick_table",
        )
        st_ = with_table[pick_t]
        statement = [t("present.table.title", topic=st_.title), *deck.meta.lines()]
        slug_t = st_.key.replace(":", "-").replace(".", "-").lower()

        def _csv() -> bytes:
            _log("table", f"csv {st_.key}")
            return to_csv(st_.table, statement)

        def _xlsx() -> bytes:
            _log("table", f"xlsx {st_.key}")
            return to_xlsx(st_.table, statement, t("present.table.sheet_data"), t("present.table.sheet_info"))

        f1, f2 = st.columns(2)
        f1.download_button(
            t("present.export.csv"),
            _csv,
            f"{stem}-{slug_t}.csv",
            mime="text/csv",
            key="present_dl_csv",
            icon=":material/table:",
            on_click="ignore",
        )
        f2.download_button(
            t("present.export.xlsx"),
            _xlsx,
            f"{stem}-{slug_t}.xlsx",
            key="present_dl_xlsx",
            icon=":material/table:",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            on_click="ignore",
        )
