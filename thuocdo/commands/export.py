"""``export``: the review-conference deck (PPTX / PDF), a frozen snapshot, a table (CSV / XLSX).

python -m thuocdo export deck [--period 2026-10 | --snapshot 3] --out hoi-nghi.pptx
python -m thuocdo export snapshot [--period 2026-10] [--title "Sơ kết quý III"]
python -m thuocdo export table ranking --out xep-hang.xlsx
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from thuocdo.cli import emit
from thuocdo.domain.access import CITY, Scope
from thuocdo.domain.periods import Period
from thuocdo.i18n import LANGS, t
from thuocdo.reports.deck import TOPICS, changes_table, ranking_table, trend_table, warnings_table
from thuocdo.reports.service import ReportError, make_deck, scope_of_unit, write_deck
from thuocdo.reports.snapshots import create_snapshot
from thuocdo.store.audit import log_access
from thuocdo.store.engine import make_engine

TABLES = ("overview", "ranking", "warnings", "changes")
ACTOR = "cli"


def _period(text: str) -> Period:
    try:
        return Period.parse(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"kỳ không hợp lệ / invalid period: {text!r} (YYYY-MM, YYYY-Qn, YYYY)"
        ) from None


def _list(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def _common(p) -> None:
    p.add_argument(
        "--period",
        type=_period,
        default=None,
        help="kỳ, ví dụ 2026-10 hoặc 2026-Q3 (mặc định: tháng mới nhất có dữ liệu) / period",
    )
    p.add_argument(
        "--unit", default=None, help="mã đơn vị gốc của phạm vi (mặc định: toàn thành phố) / scope root unit code"
    )
    p.add_argument(
        "--pseudonymise", action="store_true", help="thay tên cá nhân bằng bí danh / pseudonymise individuals"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")


def register(sub) -> None:
    p = sub.add_parser("export", help="xuất bộ trình chiếu, ảnh chụp số liệu, bảng / export deck, snapshot, table")
    inner = p.add_subparsers(dest="export_kind", required=True, metavar="KIND")

    d = inner.add_parser("deck", help="bộ trình chiếu PPTX hoặc PDF / the deck as PPTX or PDF")
    _common(d)
    d.add_argument("--snapshot", type=int, default=None, help="số ảnh chụp số liệu đã chốt / frozen snapshot id")
    d.add_argument("--out", required=True, type=Path, help="FILE.pptx hoặc FILE.pdf")
    d.add_argument(
        "--topics", type=_list, default=list(TOPICS), help="chủ đề, cách nhau bởi dấu phẩy: " + ",".join(TOPICS)
    )
    d.add_argument("--units", type=_list, default=None, help="mã đơn vị có trang riêng (mặc định: các đơn vị xếp hạng)")
    d.add_argument("--lang", choices=LANGS, default="vi", help="ngôn ngữ / language (vi, en)")
    d.add_argument("--changes", action="store_true", help='thêm trang "thay đổi từ lần chốt trước" / add what changed')
    d.set_defaults(func=run_deck)

    s = inner.add_parser("snapshot", help="chốt số liệu của một kỳ / freeze a period's figures")
    _common(s)
    s.add_argument("--title", default=None, help="tên ảnh chụp / title")
    s.add_argument("--actor", default=ACTOR, help="người chốt / who freezes it")
    s.set_defaults(func=run_snapshot)

    tb = inner.add_parser("table", help="một bảng số liệu ra CSV hoặc XLSX / a table as CSV or XLSX")
    _common(tb)
    tb.add_argument("topic", choices=TABLES)
    tb.add_argument("--snapshot", type=int, default=None, help="số ảnh chụp số liệu / snapshot id")
    tb.add_argument("--out", required=True, type=Path, help="FILE.csv hoặc FILE.xlsx")
    tb.add_argument("--lang", choices=LANGS, default="vi")
    tb.set_defaults(func=run_table)


def _scope(engine, args) -> Scope:
    if args.unit:
        scope = scope_of_unit(engine, args.unit, args.pseudonymise)
        if scope is None:
            raise ReportError("present.error.unit_unknown", code=args.unit)
        return scope
    return Scope(CITY.unit_path, bool(args.pseudonymise))


def _fail(args, err: ReportError) -> int:
    msg = t(err.key, getattr(args, "lang", "vi"), **err.params)
    if getattr(args, "json", False):
        emit(args, {"ok": False, "error": err.key, "message": msg})
    else:
        sys.stderr.write(msg + "\n")
    return 2


def run_deck(args) -> int:
    unknown = [tp for tp in args.topics if tp not in TOPICS]
    if unknown:
        return _fail(args, ReportError("present.error.topic", topic=",".join(unknown)))
    engine = make_engine()
    try:
        scope = _scope(engine, args)
        deck = make_deck(engine, scope, args.period, args.snapshot, args.topics, args.units, args.lang, args.changes)
        out = write_deck(deck, args.out)
        log_access(
            engine, ACTOR, None, "export", "deck", deck.payload["period"], detail=f"{out.name} {deck.meta.content_hash}"
        )
    except ReportError as err:
        return _fail(args, err)
    finally:
        engine.dispose()
    payload = {
        "ok": True,
        "out": str(out),
        "format": out.suffix.lower().lstrip("."),
        "period": deck.payload["period"],
        "snapshot_id": deck.meta.snapshot_id,
        "content_hash": deck.meta.content_hash,
        "slides": len(deck.slides),
        "titles": [s.title for s in deck.slides],
        "generated_at": deck.meta.generated_at.isoformat(),
    }
    emit(
        args,
        payload,
        t("present.cli.deck_written", args.lang, out=out, n=len(deck.slides), hash=deck.meta.content_hash[:12]),
    )
    return 0


def run_snapshot(args) -> int:
    engine = make_engine()
    try:
        scope = _scope(engine, args)
        period = args.period
        if period is None:
            from thuocdo.reports.figures import latest_month

            latest = latest_month(engine, scope)
            if latest is None:
                raise ReportError("present.error.no_data")
            period = Period.month(latest)
        row = create_snapshot(engine, scope, period, actor=args.actor, title=args.title, filters={"source": "cli"})
    except ReportError as err:
        return _fail(args, err)
    finally:
        engine.dispose()
    payload = {
        "ok": True,
        "id": row["id"],
        "period": row["period"],
        "content_hash": row["content_hash"],
        "policy_code": row["policy_code"],
        "warning_config_version": row["warning_config_version"],
        "created_at": row["created_at"].isoformat() if row["created_at"] else None,
        "created_by": row["created_by"],
    }
    emit(
        args,
        payload,
        t("present.cli.snapshot_made", "vi", id=row["id"], period=row["period"], hash=row["content_hash"][:12]),
    )
    return 0


def run_table(args) -> int:
    from thuocdo.export.tables import to_csv, to_xlsx

    engine = make_engine()
    try:
        scope = _scope(engine, args)
        deck = make_deck(
            engine, scope, args.period, args.snapshot, ["overview"], [], args.lang, with_changes=args.topic == "changes"
        )
        lang = args.lang
        if args.topic == "overview":
            df = trend_table(deck.payload["trend"], lang)
        elif args.topic == "ranking":
            df = ranking_table(deck.payload, lang)
        elif args.topic == "warnings":
            df = warnings_table(deck.payload, lang)
        else:
            if deck.changes is None:
                raise ReportError("present.changes.no_base")
            df = changes_table(deck.changes, lang)
        meta = replace(deck.meta, filters=())  # the deck's topic list says nothing about one table
        statement = [t("present.table.title", lang, topic=t(f"present.tables.{args.topic}", lang)), *meta.lines()]
        suffix = args.out.suffix.lower()
        if suffix == ".csv":
            data = to_csv(df, statement)
        elif suffix == ".xlsx":
            data = to_xlsx(df, statement, t("present.table.sheet_data", lang), t("present.table.sheet_info", lang))
        else:
            raise ReportError("present.error.format", suffix=suffix or "–")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_bytes(data)
        log_access(
            engine, ACTOR, None, "export", "table", args.topic, detail=f"{args.out.name} {deck.meta.content_hash}"
        )
    except ReportError as err:
        return _fail(args, err)
    finally:
        engine.dispose()
    emit(
        args,
        {"ok": True, "out": str(args.out), "rows": len(df), "content_hash": deck.meta.content_hash},
        t("present.cli.table_written", args.lang, out=args.out, n=len(df)),
    )
    return 0
