"""A deck: slides (title, key figures, one chart, a table, speaker notes) built from a payload.

The same slides are shown in the app's presentation mode and written to PPTX and PDF,
so what the hall sees and what is sent afterwards agree. Every slide carries the
footer that states the filters, the period, the snapshot hash and the generation time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from thuocdo.domain.periods import Period
from thuocdo.export import charts
from thuocdo.i18n import fmt_datetime, fmt_month, fmt_number, fmt_percent, fmt_period, t

TOPICS = ("overview", "ranking", "okr", "satisfaction", "warnings", "units")
UNIT_PREFIX = "unit:"
MAX_NOTE_ROWS = 60


@dataclass(frozen=True)
class DeckMeta:
    """What every export states: filters, period, snapshot, time of generation."""

    period: str
    scope_label: str
    generated_at: dt.datetime
    content_hash: str
    snapshot_id: int | None = None
    snapshot_at: dt.datetime | None = None
    filters: tuple[tuple[str, str], ...] = ()
    pseudonymised: bool = False
    lang: str = "vi"

    def period_label(self) -> str:
        return fmt_period(Period.parse(self.period), self.lang)

    def source_line(self) -> str:
        """'Ảnh chụp #3 (sha256 1a2b…)' or 'Số liệu trực tiếp (sha256 1a2b…)'."""
        if self.snapshot_id is not None:
            return t("present.meta.snapshot", self.lang, id=self.snapshot_id, hash=self.content_hash[:12])
        return t("present.meta.live", self.lang, hash=self.content_hash[:12])

    def footer(self) -> str:
        parts = [
            t("present.meta.period", self.lang, period=self.period_label()),
            t("present.meta.scope", self.lang, scope=self.scope_label),
            self.source_line(),
            t("present.meta.generated", self.lang, at=fmt_datetime(self.generated_at, self.lang)),
        ]
        return " · ".join(parts)

    def lines(self) -> list[str]:
        """The full statement (for the title slide, notes, CSV/XLSX headers)."""
        out = [
            t("present.meta.period", self.lang, period=self.period_label()),
            t("present.meta.scope", self.lang, scope=self.scope_label),
        ]
        for name, value in self.filters:
            out.append(f"{name}: {value}")
        if self.snapshot_id is not None:
            out.append(
                t(
                    "present.meta.snapshot_full",
                    self.lang,
                    id=self.snapshot_id,
                    at=fmt_datetime(self.snapshot_at, self.lang) if self.snapshot_at else "–",
                )
            )
        else:
            out.append(t("present.meta.live_full", self.lang))
        out.append(t("present.meta.hash", self.lang, hash=self.content_hash))
        out.append(t("present.meta.generated", self.lang, at=fmt_datetime(self.generated_at, self.lang)))
        if self.pseudonymised:
            out.append(t("present.meta.pseudonymised", self.lang))
        return out


@dataclass
class Slide:
    key: str
    title: str
    subtitle: str = ""
    # (label, value) or (label, value, change against the previous period)
    figures: list[tuple] = field(default_factory=list)
    chart: object | None = None  # alt.Chart
    table: pd.DataFrame | None = None
    notes: str = ""
    png: bytes | None = field(default=None, repr=False)

    def chart_png(self, lang: str = "vi") -> bytes | None:
        """The chart as PNG (rendered once, then reused by PPTX and PDF)."""
        if self.chart is None:
            return None
        if self.png is None:
            self.png = charts.to_png(self.chart, lang)
        return self.png


def _delta(now, before, lang: str, scale: float = 1.0, decimals: int = 1, unit: str = "") -> str:
    """'+1,0' / '-2,5 điểm %' against the previous period; '' without both values."""
    if now is None or before is None:
        return ""
    d = round((now - before) * scale, decimals)
    sign = "+" if d > 0 else ""
    return f"{sign}{fmt_number(d, lang, decimals)}{unit}"


def figure_text(fig: tuple) -> str:
    """A figure's value with its change in brackets: '84,0 (+1,0)'."""
    value = fig[1]
    delta = fig[2] if len(fig) > 2 else ""
    return f"{value} ({delta})" if delta else value


def _pct_points(now, before, lang: str) -> str:
    return _delta(now, before, lang, 100, 1, " " + t("present.unit.points_short", lang))


def _ranked(payload: dict) -> list[dict]:
    return [payload["units"][c] for c in payload["ranking"]]


def _warning_subject(w: dict, lang: str) -> str:
    if w.get("subject_type") == "official" and w.get("official_name"):
        return f"{w['official_name']} ({w['unit_name']})"
    return w["unit_name"]


def ranking_table(payload: dict, lang: str) -> pd.DataFrame:
    rows = _ranked(payload)
    return pd.DataFrame(
        {
            t("present.col.rank", lang): [r.get("rank") for r in rows],
            t("present.col.prev_rank", lang): [r.get("prev_rank") for r in rows],
            t("present.col.code", lang): [r["code"] for r in rows],
            t("present.col.unit", lang): [r["name"] for r in rows],
            t("present.col.n_eval", lang): [r["n_eval"] for r in rows],
            t("present.col.avg_final", lang): [r.get("avg_final") for r in rows],
            t("present.col.satisfaction", lang): [r.get("satisfaction") for r in rows],
            t("present.col.n_ratings", lang): [r["n_ratings"] for r in rows],
            t("present.col.okr_progress", lang): [r.get("okr_progress") for r in rows],
            t("present.col.okr_status", lang): [t(f"present.status.{r['okr_status']}", lang) for r in rows],
            t("present.col.open_warnings", lang): [r["open_warnings"] for r in rows],
        }
    )


def warnings_table(payload: dict, lang: str) -> pd.DataFrame:
    items = payload["warnings"]["open"]
    return pd.DataFrame(
        {
            t("present.col.warning_id", lang): [w["id"] for w in items],
            t("present.col.rule", lang): [t(f"present.rule.{w['rule']}", lang) for w in items],
            t("present.col.subject", lang): [_warning_subject(w, lang) for w in items],
            t("present.col.month", lang): [fmt_month(w["month"], lang) for w in items],
            t("present.col.severity", lang): [t(f"present.severity.{w['severity']}", lang) for w in items],
            t("present.col.status", lang): [t(f"present.wstatus.{w['status']}", lang) for w in items],
        }
    )


def trend_table(trend: list[dict], lang: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("present.col.month", lang): [fmt_month(r["month"], lang) for r in trend],
            t("present.col.avg_final", lang): [r.get("avg_final") for r in trend],
            t("present.col.satisfaction", lang): [r.get("satisfaction") for r in trend],
            t("present.col.n_ratings", lang): [r.get("n_ratings") for r in trend],
        }
    )


def _notes(meta: DeckMeta, lines: list[str]) -> str:
    body = [ln for ln in lines if ln]
    if len(body) > MAX_NOTE_ROWS:
        body = body[:MAX_NOTE_ROWS] + [t("present.notes.more", meta.lang, n=len(lines) - MAX_NOTE_ROWS)]
    return "\n".join([*body, "", meta.footer()])


def title_slide(payload: dict, meta: DeckMeta) -> Slide:
    lang = meta.lang
    return Slide(
        key="title",
        title=t("present.deck.title", lang, period=meta.period_label()),
        subtitle=meta.scope_label,
        figures=[(t("present.deck.statement", lang), "")] + [(ln, "") for ln in meta.lines()],
        notes=_notes(meta, meta.lines()),
    )


def overview_slide(payload: dict, meta: DeckMeta) -> Slide:
    lang, o = meta.lang, payload["overview"]
    figs = [
        (
            t("present.fig.avg_final", lang),
            fmt_number(o["avg_final"], lang, 1),
            _delta(o["avg_final"], o["prev_avg_final"], lang),
        ),
        (
            t("present.fig.satisfaction", lang),
            fmt_percent(o["satisfaction"], lang),
            _pct_points(o["satisfaction"], o["prev_satisfaction"], lang),
        ),
        (t("present.fig.n_ratings", lang), fmt_number(o["n_ratings"], lang)),
        (
            t("present.fig.units_officials", lang),
            f"{fmt_number(o['n_units'], lang)} / {fmt_number(o['n_officials'], lang)}",
        ),
        (t("present.fig.okr_on_track", lang), f"{o['okr_on_track']}/{o['okr_units']}"),
        (t("present.fig.open_warnings", lang), fmt_number(o["open_warnings"], lang)),
    ]
    g = o["grades"]
    grade_line = ", ".join(f"{t('domain.grade_short.' + k, lang)}: {fmt_number(v, lang)}" for k, v in g.items())
    lines = [f"{f[0]}: {figure_text(f)}" for f in figs] + [t("present.notes.grades", lang, grades=grade_line)]
    lines += [
        t(
            "present.notes.trend_row",
            lang,
            month=fmt_month(r["month"], lang),
            score=fmt_number(r.get("avg_final"), lang, 1),
            rate=fmt_percent(r.get("satisfaction"), lang),
            n=fmt_number(r.get("n_ratings"), lang),
        )
        for r in payload["trend"]
    ]
    return Slide(
        key="overview",
        title=t("present.topic.overview", lang),
        subtitle=t("present.sub.overview", lang, prev=fmt_period(Period.parse(payload["previous_period"]), lang)),
        figures=figs,
        chart=charts.trend_chart(payload["trend"], lang),
        table=trend_table(payload["trend"], lang),
        notes=_notes(meta, lines),
    )


def ranking_slide(payload: dict, meta: DeckMeta) -> Slide:
    lang = meta.lang
    rows = [r for r in _ranked(payload) if r.get("rank") is not None]
    figs = []
    for r in rows[:3]:
        figs.append((f"{r['rank']}. {r['name']}", fmt_number(r["avg_final"], lang, 1)))
    if len(rows) > 3:
        last = rows[-1]
        figs.append((t("present.fig.last", lang, name=last["name"]), fmt_number(last["avg_final"], lang, 1)))
    lines = []
    for r in rows:
        move = ""
        if r.get("prev_rank") is not None:
            move = t("present.notes.prev_rank", lang, rank=r["prev_rank"])
        lines.append(
            t(
                "present.notes.rank_row",
                lang,
                rank=r["rank"],
                name=r["name"],
                score=fmt_number(r["avg_final"], lang, 1),
                rate=fmt_percent(r.get("satisfaction"), lang),
                move=move,
            )
        )
    return Slide(
        key="ranking",
        title=t("present.topic.ranking", lang),
        subtitle=t("present.sub.ranking", lang, n=len(rows)),
        figures=figs,
        chart=charts.ranking_chart(payload, lang),
        table=ranking_table(payload, lang),
        notes=_notes(meta, lines),
    )


def okr_slide(payload: dict, meta: DeckMeta) -> Slide:
    lang = meta.lang
    rows = [r for r in _ranked(payload) if r.get("okr_progress") is not None]
    counts = {s: sum(1 for r in rows if r["okr_status"] == s) for s in ("on_track", "at_risk", "off_track")}
    figs = [(t(f"present.status.{s}", lang), fmt_number(n, lang)) for s, n in counts.items()]
    lines = [
        t(
            "present.notes.okr_row",
            lang,
            name=r["name"],
            progress=fmt_percent(r["okr_progress"], lang, 0),
            expected=fmt_percent(r.get("okr_expected"), lang, 0),
            status=t(f"present.status.{r['okr_status']}", lang),
            n=r["n_objectives"],
        )
        for r in rows
    ]
    return Slide(
        key="okr",
        title=t("present.topic.okr", lang),
        subtitle=t("present.sub.okr", lang),
        figures=figs,
        chart=charts.okr_chart(payload, lang),
        table=ranking_table(payload, lang),
        notes=_notes(meta, lines or [t("present.chart.no_data", lang)]),
    )


def satisfaction_slide(payload: dict, meta: DeckMeta) -> Slide:
    lang, o = meta.lang, payload["overview"]
    figs = [
        (
            t("present.fig.satisfaction", lang),
            fmt_percent(o["satisfaction"], lang),
            _pct_points(o["satisfaction"], o["prev_satisfaction"], lang),
        ),
        (t("present.fig.n_ratings", lang), fmt_number(o["n_ratings"], lang)),
        (t("present.fig.dissatisfied", lang), fmt_percent(o["dissatisfied_share"], lang)),
    ]
    rows = sorted((r for r in _ranked(payload) if r.get("satisfaction") is not None), key=lambda r: -r["satisfaction"])
    lines = [f"{f[0]}: {figure_text(f)}" for f in figs] + [
        t(
            "present.notes.sat_row",
            lang,
            name=r["name"],
            rate=fmt_percent(r["satisfaction"], lang),
            n=fmt_number(r["n_ratings"], lang),
            prev=fmt_percent(r.get("prev_satisfaction"), lang),
        )
        for r in rows
    ]
    return Slide(
        key="satisfaction",
        title=t("present.topic.satisfaction", lang),
        subtitle=t("present.sub.satisfaction", lang),
        figures=figs,
        chart=charts.satisfaction_chart(payload, lang),
        table=ranking_table(payload, lang),
        notes=_notes(meta, lines),
    )


def warnings_slide(payload: dict, meta: DeckMeta) -> Slide:
    lang = meta.lang
    by_rule = payload["warnings"]["by_rule"]
    total = sum(r["total"] for r in by_rule)
    high = sum(r["high"] for r in by_rule)
    figs = [
        (t("present.fig.warnings_period", lang), fmt_number(total, lang)),
        (t("present.fig.warnings_high", lang), fmt_number(high, lang)),
        (t("present.fig.open_warnings", lang), fmt_number(len(payload["warnings"]["open"]), lang)),
    ]
    lines = [
        t(
            "present.notes.rule_row",
            lang,
            rule=t(f"present.rule.{r['rule']}", lang),
            total=r["total"],
            high=r["high"],
            open=r["open"],
        )
        for r in by_rule
    ]
    return Slide(
        key="warnings",
        title=t("present.topic.warnings", lang),
        subtitle=t("present.sub.warnings", lang),
        figures=figs,
        chart=charts.warnings_chart(payload, lang),
        table=warnings_table(payload, lang),
        notes=_notes(meta, lines or [t("present.notes.no_warnings", lang)]),
    )


def unit_slide(payload: dict, meta: DeckMeta, code: str) -> Slide | None:
    lang = meta.lang
    u = payload["units"].get(code)
    if u is None:
        return None
    n_ranked = sum(1 for c in payload["ranking"] if payload["units"][c].get("rank") is not None)
    rank = t("present.fig.rank_of", lang, rank=u["rank"], n=n_ranked) if u.get("rank") else "–"
    figs = [
        (
            t("present.fig.avg_final", lang),
            fmt_number(u["avg_final"], lang, 1),
            _delta(u["avg_final"], u["prev_avg_final"], lang),
        ),
        (t("present.fig.rank", lang), rank),
        (
            t("present.fig.satisfaction", lang),
            fmt_percent(u["satisfaction"], lang),
            _pct_points(u["satisfaction"], u["prev_satisfaction"], lang),
        ),
        (
            t("present.fig.okr", lang),
            (fmt_percent(u["okr_progress"], lang, 0) + " · " + t(f"present.status.{u['okr_status']}", lang))
            if u.get("okr_progress") is not None
            else "–",
        ),
        (t("present.fig.open_warnings", lang), fmt_number(u["open_warnings"], lang)),
    ]
    grade_line = ", ".join(
        f"{t('domain.grade_short.' + k, lang)}: {fmt_number(v, lang)}" for k, v in u["grades"].items()
    )
    lines = (
        [f"{f[0]}: {figure_text(f)}" for f in figs]
        + [
            t("present.notes.n_eval", lang, n=fmt_number(u["n_eval"], lang), ratings=fmt_number(u["n_ratings"], lang)),
            t("present.notes.grades", lang, grades=grade_line),
        ]
        + [
            t(
                "present.notes.trend_row",
                lang,
                month=fmt_month(r["month"], lang),
                score=fmt_number(r.get("avg_final"), lang, 1),
                rate=fmt_percent(r.get("satisfaction"), lang),
                n=fmt_number(r.get("n_ratings"), lang),
            )
            for r in u["trend"]
        ]
    )
    return Slide(
        key=UNIT_PREFIX + code,
        title=u["name"],
        subtitle=t("present.sub.unit", lang),
        figures=figs,
        chart=charts.trend_chart(u["trend"], lang),
        table=trend_table(u["trend"], lang),
        notes=_notes(meta, lines),
    )


def changes_slide(changes: dict, meta: DeckMeta, base_label: str) -> Slide:
    """'What changed since the last snapshot' as one slide (figures and notes only)."""
    lang = meta.lang
    figs = [
        (t("present.changes.moved_up", lang), fmt_number(len(changes["moved_up"]), lang)),
        (t("present.changes.moved_down", lang), fmt_number(len(changes["moved_down"]), lang)),
        (t("present.changes.new_warnings", lang), fmt_number(len(changes["new_warnings"]), lang)),
        (t("present.changes.closed_warnings", lang), fmt_number(len(changes["closed_warnings"]), lang)),
    ]
    lines = [
        t("present.changes.move_row", lang, name=d["name"], base=d["base_rank"], rank=d["rank"])
        for d in changes["moved_up"] + changes["moved_down"]
    ]
    return Slide(
        key="changes",
        title=t("present.changes.title", lang),
        subtitle=t("present.changes.since", lang, base=base_label),
        figures=figs,
        table=changes_table(changes, lang),
        notes=_notes(meta, lines or [t("present.changes.none", lang)]),
    )


def changes_table(changes: dict, lang: str) -> pd.DataFrame:
    rows = []
    for kind in ("moved_up", "moved_down", "entered"):
        for d in changes[kind]:
            rows.append(
                {
                    t("present.col.change", lang): t(f"present.changes.{kind}", lang),
                    t("present.col.unit", lang): d["name"],
                    t("present.col.prev_rank", lang): d.get("base_rank"),
                    t("present.col.rank", lang): d.get("rank"),
                }
            )
    for kind in ("new_warnings", "closed_warnings"):
        for w in changes[kind]:
            rows.append(
                {
                    t("present.col.change", lang): t(f"present.changes.{kind}", lang),
                    t(
                        "present.col.unit", lang
                    ): f"#{w['id']} {t('present.rule.' + w['rule'], lang)} — {_warning_subject(w, lang)}",
                    t("present.col.prev_rank", lang): None,
                    t("present.col.rank", lang): None,
                }
            )
    cols = [t(f"present.col.{c}", lang) for c in ("change", "unit", "prev_rank", "rank")]
    return pd.DataFrame(rows, columns=cols)


def default_units(payload: dict) -> list[str]:
    """The units that get their own slide when none are chosen: the ranked ones, in rank order."""
    return list(payload["ranking"])


def build_deck(
    payload: dict,
    meta: DeckMeta,
    topics: tuple[str, ...] | list[str] = TOPICS,
    units: list[str] | None = None,
    changes: tuple[dict, str] | None = None,
    title: bool = True,
) -> list[Slide]:
    """The slides for ``topics`` (in the canonical order) and one per unit in ``units``."""
    builders = {
        "overview": overview_slide,
        "ranking": ranking_slide,
        "okr": okr_slide,
        "satisfaction": satisfaction_slide,
        "warnings": warnings_slide,
    }
    slides = [title_slide(payload, meta)] if title else []
    for topic in TOPICS:
        if topic not in topics:
            continue
        if topic == "units":
            for code in units if units is not None else default_units(payload):
                s = unit_slide(payload, meta, code)
                if s is not None:
                    slides.append(s)
        else:
            slides.append(builders[topic](payload, meta))
    if changes is not None:
        slides.append(changes_slide(changes[0], meta, changes[1]))
    return slides
