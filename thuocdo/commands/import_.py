"""``import``: load a CSV / Excel / JSON table into the database, row by row checked.

Exit code 0 when every row loaded or was already present, 2 when some rows were
refused (the valid ones are loaded), 1 when nothing could be read.
"""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path

from thuocdo.cli import emit
from thuocdo.i18n import fmt_number
from thuocdo.ingest.errors import ImportFailed, message
from thuocdo.ingest.names import KINDS

SHOWN = 10


def register(sub) -> None:
    p = sub.add_parser(
        "import",
        help="nhập bảng CSV/Excel/JSON / import a CSV, Excel or JSON table",
        description="Nhập một bảng dữ liệu, kiểm tra từng dòng / import a table, checking every row.",
    )
    p.add_argument("path", help="tệp .csv, .tsv, .txt, .xlsx, .json / the file")
    p.add_argument("--kind", required=True, choices=KINDS, help="loại dữ liệu / what the table holds")
    p.add_argument("--sheet", help="trang tính Excel / Excel sheet (default: the first or the mapping's)")
    p.add_argument("--mapping", help="ánh xạ: tệp JSON hoặc tên đã lưu / mapping: JSON file or saved name")
    p.add_argument("--period", help="tháng của các dòng không ghi tháng, YYYY-MM / month of rows without one")
    p.add_argument("--create-units", action="store_true", help="tạo đơn vị chưa có / create units that are missing")
    p.add_argument("--actor", default=None, help="người nhập (ghi vào lô) / who imports (recorded)")
    p.add_argument("--header-row", type=int, default=None, help="dòng tiêu đề (1 = dòng đầu) / header row")
    p.add_argument("--rejections-out", default=None, help="ghi dòng bị từ chối ra tệp .csv/.xlsx / write refused rows")
    p.add_argument("--save-mapping", default=None, metavar="NAME", help="lưu ánh xạ với tên này / save the mapping")
    p.add_argument("--lang", choices=("vi", "en"), default="vi", help="ngôn ngữ thông báo / message language")
    p.add_argument("--progress", action="store_true", help="in tiến trình ra stderr / progress on stderr")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def _actor(args) -> str:
    if args.actor:
        return args.actor
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in some containers
        return "cli"


def run(args) -> int:
    # The importer (pandas, pyarrow) loads only when this command runs.
    from sqlalchemy import inspect

    from thuocdo.ingest import import_file, rejections_file, save_mapping
    from thuocdo.ingest.mapping import load_mapping
    from thuocdo.store.engine import database_url, make_engine

    lang = args.lang
    engine = make_engine(database_url())
    try:
        if "import_batches" not in inspect(engine).get_table_names():
            return _fail(args, ImportFailed("import.error.no_schema"), lang)
        if args.save_mapping and args.mapping:
            mapping = load_mapping(args.mapping, engine)
            save_mapping(engine, args.save_mapping, mapping.spec, actor=_actor(args))

        def progress(stage: str) -> None:
            if args.progress:
                sys.stderr.write(message(f"import.progress.{stage}", lang) + "\n")
                sys.stderr.flush()

        try:
            result = import_file(
                engine,
                Path(args.path),
                args.kind,
                file_name=Path(args.path).name,
                sheet=args.sheet,
                mapping=args.mapping,
                period=args.period,
                create_units=args.create_units,
                actor=_actor(args),
                header_row=args.header_row,
                progress=progress,
            )
        except ImportFailed as exc:
            return _fail(args, exc, lang)
        payload = result.to_dict(lang=lang)
        if args.rejections_out and result.rejections:
            out = Path(args.rejections_out)
            fmt = "xlsx" if out.suffix.lower() == ".xlsx" else "csv"
            out.write_bytes(rejections_file(result.rejections, fmt, lang))
            payload["rejections_file"] = str(out)
        emit(args, payload, _human(result, payload, lang))
        return result.exit_code
    finally:
        engine.dispose()


def _fail(args, exc: ImportFailed, lang: str) -> int:
    text = exc.text(lang)
    sys.stderr.write(message("import.summary.failed", lang, error=text) + "\n")
    if args.json:
        payload = {
            "batch_id": getattr(exc, "batch_id", None),
            "status": "failed",
            "rows_read": 0,
            "loaded": 0,
            "refused": 0,
            "already_present": 0,
            "seconds": 0,
            "error": text,
            "error_key": exc.key,
        }
        sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
    return 1


def _human(result, payload: dict, lang: str) -> str:
    lines = [result.summary(lang)]
    if result.previous_batches:
        ids = ", ".join(f"#{b['batch_id']} ({b['started_at']})" for b in result.previous_batches)
        lines.append(message("import.summary.same_file", lang, batches=ids))
    if result.created_units:
        lines.append(message("import.summary.created_units", lang, n=fmt_number(len(result.created_units), lang)))
    if result.created_kpis:
        lines.append(
            message(
                "import.summary.created_kpis", lang, n=len(result.created_kpis), codes=", ".join(result.created_kpis)
            )
        )
    if result.ignored_columns:
        lines.append(message("import.summary.ignored", lang, columns=", ".join(result.ignored_columns)))
    if result.rejections:
        lines.append(message("import.summary.refused_head", lang))
        for r in result.rejections[:SHOWN]:
            lines.append(f"  {r.row_number}: {r.reason_in(lang)}")
        if len(result.rejections) > SHOWN:
            lines.append(message("import.summary.more", lang, n=fmt_number(len(result.rejections) - SHOWN, lang)))
    if payload.get("rejections_file"):
        lines.append(message("import.summary.rejections_written", lang, path=payload["rejections_file"]))
    w = result.warnings or {}
    if w.get("status") == "unavailable":
        lines.append(message("import.summary.warnings_unavailable", lang))
    elif w.get("status") == "error":
        lines.append(message("import.summary.warnings_error", lang, error=w.get("error", "")))
    return "\n".join(lines)
