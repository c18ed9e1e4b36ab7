"""One call from "a scope, a period or a snapshot, topics, units" to slides and files.

Used by the command line and the presentation page alike, so both state the same
filters, period, snapshot hash and generation time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select

from thuocdo.domain.access import Scope
from thuocdo.domain.periods import Period
from thuocdo.i18n import fmt_datetime, fmt_period, t
from thuocdo.reports.deck import TOPICS, DeckMeta, Slide, build_deck
from thuocdo.reports.figures import compute_payload, content_hash, for_viewer, latest_month, now
from thuocdo.reports.snapshots import get_snapshot, previous_snapshot, what_changed
from thuocdo.store.schema import units


class ReportError(ValueError):
    """A request that cannot be served (message key and parameters for the catalogue)."""

    def __init__(self, key: str, **params):
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass
class Deck:
    slides: list[Slide]
    meta: DeckMeta
    payload: dict
    snapshot: dict | None
    changes: dict | None = None


def scope_label(engine: Engine, scope: Scope, lang: str = "vi") -> str:
    """The name of the scope's root unit, or 'whole city'."""
    if scope.unit_path in ("", "/"):
        return t("present.scope.city", lang)
    with engine.connect() as conn:
        name = conn.execute(select(units.c.name).where(units.c.path == scope.unit_path)).scalar()
    return name or scope.unit_path


def scope_of_unit(engine: Engine, code: str, pseudonymise: bool = False) -> Scope | None:
    """The subtree scope of the unit with ``code`` (None when unknown)."""
    with engine.connect() as conn:
        path = conn.execute(select(units.c.path).where(units.c.code == code)).scalar()
    return Scope(path, pseudonymise) if path else None


def base_label(row: dict, lang: str) -> str:
    return t(
        "present.changes.base_label",
        lang,
        id=row["id"],
        period=fmt_period(Period.parse(row["period"]), lang),
        at=fmt_datetime(row["created_at"], lang),
    )


def make_deck(
    engine: Engine,
    scope: Scope,
    period: Period | None = None,
    snapshot_id: int | None = None,
    topics: tuple[str, ...] | list[str] = TOPICS,
    unit_codes: list[str] | None = None,
    lang: str = "vi",
    with_changes: bool = False,
) -> Deck:
    """Figures (live for ``period`` or frozen in ``snapshot_id``) turned into slides."""
    snap = None
    if snapshot_id is not None:
        snap = get_snapshot(engine, snapshot_id, scope)
        if snap is None:
            raise ReportError("present.error.snapshot_unknown", id=snapshot_id)
        payload, digest = snap["payload"], snap["content_hash"]
    else:
        if period is None:
            latest = latest_month(engine, scope)
            if latest is None:
                raise ReportError("present.error.no_data")
            period = Period.month(latest)
        payload = compute_payload(engine, scope, period)
        digest = content_hash(payload)
    base = None
    if with_changes:
        base = previous_snapshot(engine, scope, before_id=snap["id"] if snap else None)
    label = scope_label(engine, Scope(payload["scope_path"] or "/", scope.pseudonymise), lang)
    return deck_from(payload, digest, snap, scope, label, topics, unit_codes, lang, base)


def deck_from(
    payload: dict,
    digest: str,
    snap: dict | None,
    scope: Scope,
    label: str,
    topics: tuple[str, ...] | list[str] = TOPICS,
    unit_codes: list[str] | None = None,
    lang: str = "vi",
    base: dict | None = None,
    title: bool = True,
) -> Deck:
    """Slides from an already loaded payload (live or frozen), seen by ``scope``."""
    viewer = for_viewer(payload, scope)
    topics = [tp for tp in TOPICS if tp in topics]
    codes = [c for c in unit_codes if c in viewer["units"]] if unit_codes is not None else None
    filters = [
        (t("present.meta.filter_topics", lang), ", ".join(t(f"present.topic.{tp}", lang) for tp in topics) or "–"),
    ]
    if "units" in topics:
        names = (
            [viewer["units"][c]["name"] for c in codes]
            if codes is not None
            else [t("present.meta.filter_all_units", lang)]
        )
        filters.append((t("present.meta.filter_units", lang), ", ".join(names) or "–"))
    meta = DeckMeta(
        period=payload["period"],
        scope_label=label,
        generated_at=now(),
        content_hash=digest,
        snapshot_id=snap["id"] if snap else None,
        snapshot_at=snap["created_at"] if snap else None,
        filters=tuple(filters),
        pseudonymised=scope.pseudonymise,
        lang=lang,
    )
    changes = None
    change_slide = None
    if base is not None:
        changes = what_changed(for_viewer(base["payload"], scope), viewer)
        change_slide = (changes, base_label(base, lang))
    slides = build_deck(viewer, meta, topics, codes, change_slide, title=title)
    return Deck(slides, meta, viewer, snap, changes)


def write_deck(deck: Deck, out: Path) -> Path:
    """Write ``deck`` as PPTX or PDF according to the file's extension."""
    suffix = out.suffix.lower()
    if suffix == ".pptx":
        from thuocdo.export import pptx

        data = pptx.render(deck.slides, deck.meta)
    elif suffix == ".pdf":
        from thuocdo.export import pdf

        data = pdf.render(deck.slides, deck.meta)
    else:
        raise ReportError("present.error.format", suffix=suffix or "–")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return out
