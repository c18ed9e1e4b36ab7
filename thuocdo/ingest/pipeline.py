"""One import: read → check → load in one transaction → rollups → warnings.

Each call writes one ``import_batches`` row and its ``import_rejections`` in the same
transaction as the data and the rollup refresh, so a failure or a killed process
leaves the database as it was (a failure is then recorded as a batch with status
``failed`` and no data). Imports are serialised: SQLite by ``BEGIN IMMEDIATE`` (with
retries beyond the busy timeout), PostgreSQL by a transaction-level advisory lock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, insert, select, text, update
from sqlalchemy.exc import OperationalError

from thuocdo.ingest.errors import ImportFailed, message
from thuocdo.ingest.kinds import HANDLERS
from thuocdo.ingest.kinds.base import LOADED, PRESENT, REFUSED, UPDATED, Outcome, PrepOptions, Problem, Stopwatch
from thuocdo.ingest.mapping import KINDS, Mapping, load_mapping
from thuocdo.ingest.readers import RawTable, load_bytes, read_table
from thuocdo.ingest.values import BadValue, parse_month
from thuocdo.store.db import get_setting
from thuocdo.store.engine import is_sqlite
from thuocdo.store.rollups import refresh_evaluations, refresh_ratings
from thuocdo.store.schema import import_batches, import_rejections

# Key of the PostgreSQL advisory lock that serialises imports ("thuocdo" in ASCII).
IMPORT_LOCK_KEY = 0x7468756F63646F
DEFAULT_LOCK_TIMEOUT = 300.0
SAMPLE = 10
CREATED_SHOWN = 20


@dataclass
class Rejection:
    """A refused row: its spreadsheet row number, raw cells and why."""

    row_number: int
    raw: dict
    reason: str
    reason_key: str
    problems: list[Problem] = field(default_factory=list)

    def reason_in(self, lang: str) -> str:
        if not self.problems:
            return self.reason
        return describe(self.problems, lang)


@dataclass
class ImportResult:
    """What one import did; ``loaded`` counts inserted and updated rows."""

    batch_id: int | None
    kind: str
    file_name: str | None
    sha256: str
    status: str
    rows_read: int
    loaded: int
    refused: int
    already_present: int
    updated: int = 0
    seconds: float = 0.0
    sheet: str | None = None
    format: str | None = None
    encoding: str | None = None
    mapping: str | None = None
    period: int | None = None
    ignored_columns: list[str] = field(default_factory=list)
    created_units: list[dict] = field(default_factory=list)
    created_kpis: list[str] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    previous_batches: list[dict] = field(default_factory=list)
    warnings: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return 2 if self.refused else 0

    @property
    def nothing_new(self) -> bool:
        return self.loaded == 0 and self.already_present > 0

    def summary(self, lang: str = "vi") -> str:
        key = "import.summary.nothing_new" if self.nothing_new and not self.refused else "import.summary.done"
        from thuocdo.i18n import fmt_number

        return message(
            key,
            lang,
            batch=self.batch_id,
            rows=fmt_number(self.rows_read, lang),
            loaded=fmt_number(self.loaded, lang),
            updated=fmt_number(self.updated, lang),
            refused=fmt_number(self.refused, lang),
            present=fmt_number(self.already_present, lang),
            seconds=fmt_number(self.seconds, lang, 1),
        )

    def to_dict(self, sample: int = SAMPLE, lang: str = "vi") -> dict:
        return {
            "batch_id": self.batch_id,
            "kind": self.kind,
            "file_name": self.file_name,
            "sha256": self.sha256,
            "status": self.status,
            "rows_read": self.rows_read,
            "loaded": self.loaded,
            "updated": self.updated,
            "refused": self.refused,
            "already_present": self.already_present,
            "seconds": round(self.seconds, 3),
            "sheet": self.sheet,
            "format": self.format,
            "encoding": self.encoding,
            "mapping": self.mapping,
            "period": self.period,
            "ignored_columns": self.ignored_columns,
            "created_units": self.created_units[:CREATED_SHOWN],
            "created_units_count": len(self.created_units),
            "created_kpis": self.created_kpis,
            "previous_batches": self.previous_batches,
            "refused_sample": [
                {"row_number": r.row_number, "reason": r.reason_in(lang), "reason_key": r.reason_key}
                for r in self.rejections[:sample]
            ],
            "warnings": self.warnings,
            "summary": self.summary(lang),
            **self.extra,
        }


def describe(problems: list[Problem], lang: str = "vi") -> str:
    """The reason sentence of a refused row (all its problems, "; "-separated)."""
    parts = []
    for p in problems:
        params = dict(p.params)
        if "field" in params:
            params["field"] = field_label(params["field"], lang)
        parts.append(message(p.key, lang, **params))
    return "; ".join(dict.fromkeys(parts))


def field_label(name: str, lang: str = "vi") -> str:
    label = message(f"import.field.{name}", lang)
    return name if label == f"import.field.{name}" else label


def parse_period(period) -> int | None:
    """``--period``: ``2025-10``, ``10/2025``, ``202510`` → 202510."""
    if period is None or period == "":
        return None
    if isinstance(period, int):
        if 190001 <= period <= 999912 and 1 <= period % 100 <= 12:
            return period
        raise ImportFailed("import.error.period", value=str(period))
    try:
        return parse_month(str(period))
    except BadValue:
        raise ImportFailed("import.error.period", value=str(period)) from None


# ---- transactions ---------------------------------------------------------------------


@contextmanager
def write_transaction(engine: Engine, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> Iterator[Connection]:
    """A transaction that holds the import lock from its first statement to commit."""
    with engine.connect() as conn:
        if is_sqlite(engine):
            # BEGIN IMMEDIATE takes the write lock before any read, so the data we check
            # against cannot change under us; waiting beyond busy_timeout is ours.
            deadline = time.monotonic() + lock_timeout
            while True:
                try:
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                    break
                except OperationalError as exc:
                    conn.rollback()
                    if "locked" not in str(exc) and "busy" not in str(exc):
                        raise
                    if time.monotonic() >= deadline:
                        raise ImportFailed("import.error.busy") from None
                    time.sleep(0.25)
        else:
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK_KEY})
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        conn.commit()


def _record_failed(
    engine: Engine, kind: str, file_name, sha: str, actor: str, started: dt.datetime, error: str, options: dict
) -> int | None:
    """A failed attempt is still a batch (status failed, nothing loaded) for the record."""
    try:
        with engine.begin() as conn:
            res = conn.execute(
                insert(import_batches).values(
                    kind=kind,
                    file_name=(file_name or "")[:500] or None,
                    sha256=sha,
                    actor=actor,
                    started_at=started,
                    finished_at=dt.datetime.now(),
                    rows_read=0,
                    loaded=0,
                    refused=0,
                    already_present=0,
                    status="failed",
                    options={**options, "error": error[:2000]},
                )
            )
            return int(res.inserted_primary_key[0])
    except Exception:  # the database itself may be what failed; the caller still reports
        return None


def _previous(conn: Connection, sha: str, kind: str, batch_id: int, sheet: str | None) -> list[dict]:
    """Earlier batches of the same file (same SHA-256, kind and sheet) that did not fail."""
    rows = conn.execute(
        select(
            import_batches.c.id,
            import_batches.c.started_at,
            import_batches.c.loaded,
            import_batches.c.status,
            import_batches.c.options,
        )
        .where(import_batches.c.sha256 == sha, import_batches.c.kind == kind, import_batches.c.id != batch_id)
        .where(import_batches.c.status != "failed")
        .order_by(import_batches.c.id)
    ).all()
    out = []
    for r in rows:
        opts = r.options if isinstance(r.options, dict) else {}
        if opts.get("sheet") == sheet:
            out.append({"batch_id": r.id, "started_at": str(r.started_at)[:19], "loaded": r.loaded, "status": r.status})
    return out


# ---- the import -----------------------------------------------------------------------


@dataclass
class Context:
    """What the kinds need while loading: the connection, the options, the scale and scope."""

    conn: Connection
    kind: str
    batch_id: int
    mapping: Mapping | None
    period: int | None
    create_units: bool
    actor: str
    now: dt.datetime
    scale: int = 4
    scope_path: str = "/"
    watch: Stopwatch = field(default_factory=Stopwatch)

    @property
    def today(self) -> dt.date:
        return self.now.date()

    @property
    def current_month(self) -> int:
        return self.now.year * 100 + self.now.month

    @property
    def match(self) -> str:
        return self.mapping.match if self.mapping else "auto"


def safe_file_name(name: str | None) -> str | None:
    """Only the base name of an uploaded file, without control characters (it is only
    recorded, never used as a path; PostgreSQL refuses NUL)."""
    if not name:
        return None
    text = "".join(ch for ch in str(name) if ch >= " ")
    base = text.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return base[:500] or None


def import_file(
    engine: Engine,
    source,
    kind: str,
    *,
    file_name: str | None = None,
    sheet: str | None = None,
    mapping=None,
    period=None,
    create_units: bool = False,
    actor: str = "cli",
    header_row: int | None = None,
    progress: Callable[[str], None] | None = None,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    now: dt.datetime | None = None,
    rescan_warnings: bool = True,
    scope_path: str = "/",
) -> ImportResult:
    """Import ``source`` (a path, bytes or a file object) as ``kind``.

    Returns an :class:`ImportResult`; raises :class:`ImportFailed` when nothing could be
    read (unknown format, encoding, sheet, mapping, or missing required columns) — a
    ``failed`` batch is recorded and its id set on the exception as ``batch_id``.
    ``scope_path`` is the importing user's unit subtree (``Scope.unit_path``): rows of
    units outside it are refused, and units are created only inside it.
    """
    t0 = time.perf_counter()
    watch = Stopwatch()
    started = dt.datetime.now()
    now = now or started
    say = progress or (lambda stage: None)
    if kind not in KINDS:
        raise ImportFailed("import.error.kind", kind=kind, kinds=", ".join(KINDS))
    data, name = load_bytes(source)
    file_name = safe_file_name(file_name or name)
    sha = hashlib.sha256(data).hexdigest()
    options: dict = {"create_units": bool(create_units), "scope_path": scope_path or "/"}
    handler = HANDLERS[kind]()
    try:
        m = load_mapping(mapping, engine)
        if m is not None:
            options["mapping"] = m.name
            if m.kind != kind:
                raise ImportFailed("import.error.mapping_kind", mapping_kind=m.kind, kind=kind)
        month = parse_period(period)
        if month is None and m is not None:
            month = m.period
        options["period"] = month
        say("read")
        table = read_table(
            None,
            file_name,
            sheet=sheet or (m.sheet if m else None),
            header_row=header_row or (m.header_row if m else None),
            data=data,
        )
        options.update(
            {"format": table.format, "encoding": table.encoding, "sheet": table.sheet, "header_row": table.header_row}
        )
        if table.n_rows == 0:
            raise ImportFailed("import.error.no_rows")
        watch.lap("read")
        say("check")
        prepared = handler.prepare(table, m, PrepOptions(month, now, m))
        prepared.row_numbers = table.row_numbers
        watch.lap("check")
    except ImportFailed as exc:
        exc.batch_id = _record_failed(engine, kind, file_name, sha, actor, started, exc.text("vi"), options)
        raise

    try:
        say("write")
        with write_transaction(engine, lock_timeout) as conn:
            res = conn.execute(
                insert(import_batches).values(
                    kind=kind,
                    file_name=(file_name or "")[:500] or None,
                    sha256=sha,
                    actor=actor,
                    started_at=started,
                    rows_read=table.n_rows,
                    status="running",
                    options=options,
                )
            )
            batch_id = int(res.inserted_primary_key[0])
            ctx = Context(
                conn=conn,
                kind=kind,
                batch_id=batch_id,
                mapping=m,
                period=month,
                create_units=create_units,
                actor=actor,
                now=now,
                scale=_scale(conn),
                scope_path=scope_path or "/",
                watch=watch,
            )
            watch.lap("lock")
            outcome = handler.load(ctx, prepared)
            watch.lap("load")
            rejections = _rejections(table, outcome)
            if rejections:
                _write_rejections(conn, batch_id, rejections)
            watch.lap("rejections")
            if outcome.rollups:
                say("rollups")
                _refresh(conn, outcome)
                watch.lap("rollups")
            n_loaded = outcome.count(LOADED, UPDATED)
            n_updated = outcome.count(UPDATED)
            n_present = outcome.count(PRESENT)
            n_refused = len(rejections)
            if n_loaded + n_present + n_refused != table.n_rows:  # the promise of the importer
                raise RuntimeError(f"accounting: {n_loaded}+{n_present}+{n_refused} != {table.n_rows}")
            options.update(
                {
                    "updated": n_updated,
                    "ignored_columns": prepared.ignored,
                    "created_units": [u["code"] for u in outcome.created_units],
                    "created_kpis": outcome.created_kpis,
                    "changes": outcome.changes,
                    **outcome.extra,
                }
            )
            conn.execute(
                update(import_batches)
                .where(import_batches.c.id == batch_id)
                .values(
                    finished_at=dt.datetime.now(),
                    loaded=n_loaded,
                    refused=n_refused,
                    already_present=n_present,
                    status="partial" if n_refused else "done",
                    options=options,
                )
            )
            previous = _previous(conn, sha, kind, batch_id, table.sheet)
            watch.lap("batch")
    except ImportFailed as exc:
        exc.batch_id = _record_failed(engine, kind, file_name, sha, actor, started, exc.text("vi"), options)
        raise
    except Exception as exc:
        failed_id = _record_failed(
            engine, kind, file_name, sha, actor, started, f"{type(exc).__name__}: {exc}", options
        )
        low = str(exc).lower()
        if "disk is full" in low or "no space left" in low or "disk full" in low:
            err = ImportFailed("import.error.disk_full")
        else:
            err = ImportFailed("import.error.database", detail=f"{type(exc).__name__}: {str(exc)[:300]}")
        err.batch_id = failed_id
        raise err from exc

    watch.lap("commit")
    warn = {"status": "skipped"}
    if rescan_warnings and kind != "units" and (outcome.affected or outcome.affected_units) and n_loaded:
        say("warnings")
        warn = _rescan(engine, outcome, actor)
        watch.lap("warnings")
    say("done")
    return ImportResult(
        batch_id=batch_id,
        kind=kind,
        file_name=file_name,
        sha256=sha,
        status="partial" if n_refused else "done",
        rows_read=table.n_rows,
        loaded=n_loaded,
        refused=n_refused,
        already_present=n_present,
        updated=n_updated,
        seconds=time.perf_counter() - t0,
        sheet=table.sheet,
        format=table.format,
        encoding=table.encoding,
        mapping=m.name if m else None,
        period=month,
        ignored_columns=prepared.ignored,
        created_units=outcome.created_units,
        created_kpis=outcome.created_kpis,
        rejections=rejections,
        previous_batches=previous,
        warnings=warn,
        extra={**outcome.extra, "timings_ms": watch.wall, "cpu_ms": watch.cpu},
    )


def _scale(conn: Connection) -> int:
    try:
        value = int(get_setting(conn, "satisfaction_scale", 4))
    except (TypeError, ValueError):
        value = 4
    return value if value in (4, 5) else 4


def _rejections(table: RawTable, outcome: Outcome) -> list[Rejection]:
    out: list[Rejection] = []
    cols = table.columns
    frame = table.frame
    refused = [i for i in range(len(outcome.status)) if outcome.status[i] == REFUSED]
    if refused:
        sub = frame.iloc[refused]
        records = sub.to_dict("records")
        for i, rec in zip(refused, records, strict=True):
            probs = outcome.problems.get(i) or [Problem("import.reason.unknown")]
            raw = {c: ("" if rec.get(c) is None else str(rec.get(c))) for c in cols}
            out.append(Rejection(int(table.row_numbers[i]), raw, describe(probs, "vi"), probs[0].key, probs))
    for b in table.bad_rows:
        probs = [Problem(b.key, b.params)]
        out.append(Rejection(b.row_number, {k: str(v) for k, v in b.raw.items()}, describe(probs, "vi"), b.key, probs))
    out.sort(key=lambda r: r.row_number)
    return out


def _write_rejections(conn: Connection, batch_id: int, rejections: list[Rejection]) -> None:
    chunk = 5000
    for start in range(0, len(rejections), chunk):
        conn.execute(
            insert(import_rejections),
            [
                {
                    "batch_id": batch_id,
                    "row_number": r.row_number,
                    "raw": r.raw,
                    "reason": r.reason,
                    "reason_key": r.reason_key,
                }
                for r in rejections[start : start + chunk]
            ],
        )


def _refresh(conn: Connection, outcome: Outcome) -> None:
    unit_ids = sorted({u for u, _ in outcome.affected})
    months = sorted({m for _, m in outcome.affected})
    if not unit_ids:
        return
    if "ratings" in outcome.rollups:
        refresh_ratings(conn, unit_ids, months)
    if "evaluations" in outcome.rollups:
        refresh_evaluations(conn, unit_ids, months)


def _rescan(engine: Engine, outcome: Outcome, actor: str) -> dict:
    """Refresh the early warnings of the affected units and months, when that module exists."""
    try:
        from thuocdo.domain.warnings.scan import rescan
    except ImportError:
        return {"status": "unavailable"}
    unit_ids = sorted({u for u, _ in outcome.affected} | set(outcome.affected_units))
    # No months (an officials import): every month is re-examined for those units.
    months = sorted({m for _, m in outcome.affected}) or None
    try:
        result = rescan(engine, unit_ids=unit_ids, months=months, actor=actor)
    except Exception as exc:  # the import is committed; a failed rescan is reported, not fatal
        return {"status": "error", "error": f"{type(exc).__name__}: {str(exc)[:300]}"}
    if isinstance(result, dict):
        return {"status": "done", **{k: v for k, v in result.items() if isinstance(v, (int, float, str, bool))}}
    return {"status": "done"}
