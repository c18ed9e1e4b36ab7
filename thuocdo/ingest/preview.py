"""What the page shows before an import: the fields of a kind, the columns that a
table's headers already name, and the first rows as the importer will read them —
with the problems that can be seen without the database."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from thuocdo.ingest.errors import ImportFailed
from thuocdo.ingest.kinds import HANDLERS
from thuocdo.ingest.kinds.base import PrepOptions, Problem, resolve_columns
from thuocdo.ingest.mapping import Mapping, load_mapping
from thuocdo.ingest.pipeline import describe
from thuocdo.ingest.readers import RawTable


def fields(kind: str) -> list[dict]:
    """The canonical fields of ``kind``: name and whether a column for it is required
    (``group``: the fields of which one must be present)."""
    handler = HANDLERS[kind]()
    required = {f: group for group in handler.required for f in group}
    return [
        {"name": f.name, "required": f.name in required, "group": list(required.get(f.name, ()))}
        for f in handler.fields
    ]


def suggest_columns(kind: str, columns: list[str]) -> dict[str, str]:
    """Field → column for the headers the importer recognises by itself."""
    colmap, _ = resolve_columns(columns, HANDLERS[kind]().fields)
    return colmap


def preview(
    table: RawTable, kind: str, mapping=None, period=None, lang: str = "vi", now: dt.datetime | None = None
) -> tuple[pd.DataFrame, str | None]:
    """The first rows of ``table`` read as ``kind`` (canonical columns; a wide KPI table
    as one line per value) with an "issues" column, or (empty frame, error message)."""
    m: Mapping | None = load_mapping(mapping) if mapping is not None else None
    opts = PrepOptions(period=_period(period, m), now=now or dt.datetime.now(), mapping=m)
    handler = HANDLERS[kind]()
    try:
        prepared = handler.prepare(table, m, opts)
    except ImportFailed as exc:
        return pd.DataFrame(), exc.text(lang)
    numbers = list(table.row_numbers)
    if kind == "kpi" and m is not None and m.indicators:
        lines = []
        for number, row, rec in zip(numbers, prepared.rows, prepared.records, strict=True):
            issues = describe(row.problems, lang) if row.problems else ""
            base = {
                "row": number,
                "unit_code": row.values.get("unit_code", ""),
                "unit_name": row.values.get("unit_name", ""),
                "month": rec.month if rec else row.values.get("month", ""),
            }
            if rec is None or not rec.values:
                lines.append({**base, "kpi_code": "", "actual": None, "target": None, "issues": issues})
            for v in rec.values if rec else []:
                lines.append({**base, "kpi_code": v.code, "actual": v.actual, "target": v.target, "issues": issues})
        return pd.DataFrame(lines), None
    frame = prepared.frame.copy()
    used = [c for c in frame.columns if c in prepared.colmap or (m is not None and c in m.constants) or c == "month"]
    frame = frame[used]
    if prepared.rows:
        frame["issues"] = [describe(r.problems, lang) if r.problems else "" for r in prepared.rows]
    elif "checks" in prepared.extra:
        issues = []
        for i in range(len(frame)):
            probs = [
                Problem(key, {"field": fld, "value": str(prepared.frame[fld].iloc[i])[:40], "scale": 4})
                for mask, key, fld in prepared.extra["checks"]
                if mask[i]
            ]
            issues.append(describe(probs, lang) if probs else "")
        frame["issues"] = issues
    frame.insert(0, "row", numbers[: len(frame)])
    return frame, None


def _period(period, m: Mapping | None):
    from thuocdo.ingest.pipeline import parse_period

    try:
        value = parse_period(period)
    except ImportFailed:
        value = None
    return value if value is not None else (m.period if m else None)
