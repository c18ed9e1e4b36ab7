"""Refused rows and batches as tables and files: to show, fix and import again.

The file of refused rows has the original columns (so it imports again as it is,
after the fixes) followed by two columns the importer ignores: the reason and the
original row number.
"""

from __future__ import annotations

import io
import json

import pandas as pd
from sqlalchemy import Engine, select

from thuocdo.export.safe import safe_frame
from thuocdo.ingest.errors import message
from thuocdo.store.schema import import_batches, import_rejections


def _raw(value) -> dict:
    if isinstance(value, dict):
        return value
    try:
        out = json.loads(value)
    except (TypeError, ValueError):
        return {}
    return out if isinstance(out, dict) else {}


def batch_rejections(engine: Engine, batch_id: int, limit: int | None = None) -> list[dict]:
    """The refused rows of a batch: ``row_number``, ``reason``, ``reason_key``, ``raw``."""
    q = (
        select(
            import_rejections.c.row_number,
            import_rejections.c.reason,
            import_rejections.c.reason_key,
            import_rejections.c.raw,
        )
        .where(import_rejections.c.batch_id == batch_id)
        .order_by(import_rejections.c.row_number, import_rejections.c.id)
    )
    if limit is not None:
        q = q.limit(limit)
    with engine.connect() as conn:
        return [
            {"row_number": r.row_number, "reason": r.reason, "reason_key": r.reason_key, "raw": _raw(r.raw)}
            for r in conn.execute(q)
        ]


def rejections_frame(rejections: list, lang: str = "vi") -> pd.DataFrame:
    """Original columns + reason + row number, one line per refused row.

    ``rejections`` are dicts from :func:`batch_rejections` or
    :class:`~thuocdo.ingest.pipeline.Rejection` objects.
    """
    reason_col = message("import.file.reason_column", lang)
    row_col = message("import.file.row_column", lang)
    cols: dict[str, None] = {}
    records = []
    for r in rejections:
        raw = r["raw"] if isinstance(r, dict) else r.raw
        reason = r["reason"] if isinstance(r, dict) else r.reason_in(lang)
        number = r["row_number"] if isinstance(r, dict) else r.row_number
        for k in raw:
            cols.setdefault(k, None)
        records.append({**raw, reason_col: reason, row_col: number})
    names = [c for c in cols if c not in (reason_col, row_col)] + [reason_col, row_col]
    return pd.DataFrame(records, columns=names)


def rejections_file(rejections: list, fmt: str = "csv", lang: str = "vi") -> bytes:
    """The refused rows as CSV (UTF-8 with BOM, for Excel) or XLSX bytes.

    Cells are formula-safe (``=…`` becomes ``'=…``, as every export of the app); the
    importer drops that apostrophe again, so the fixed file imports as it is.
    """
    frame = safe_frame(rejections_frame(rejections, lang))
    if fmt == "xlsx":
        buf = io.BytesIO()
        with pd.ExcelWriter(buf, engine="openpyxl") as xw:
            frame.to_excel(xw, index=False, sheet_name=message("import.file.sheet", lang)[:31])
        return buf.getvalue()
    if fmt != "csv":
        raise ValueError(f"unknown format {fmt!r}")
    return frame.to_csv(index=False).encode("utf-8-sig")


def recent_batches(engine: Engine, limit: int = 20) -> pd.DataFrame:
    """The latest import batches, newest first."""
    b = import_batches
    q = (
        select(
            b.c.id,
            b.c.kind,
            b.c.file_name,
            b.c.actor,
            b.c.started_at,
            b.c.finished_at,
            b.c.rows_read,
            b.c.loaded,
            b.c.refused,
            b.c.already_present,
            b.c.status,
            b.c.sha256,
        )
        .order_by(b.c.id.desc())
        .limit(limit)
    )
    with engine.connect() as conn:
        res = conn.execute(q)
        return pd.DataFrame(res.fetchall(), columns=list(res.keys()))


def batch_error(engine: Engine, batch_id: int) -> str | None:
    """The error recorded on a failed batch."""
    with engine.connect() as conn:
        options = conn.execute(select(import_batches.c.options).where(import_batches.c.id == batch_id)).scalar()
    if isinstance(options, str):
        options = _raw(options)
    return (options or {}).get("error")
