"""Tables as CSV and XLSX, formula injection neutralised, with the export statement.

Both formats state what they hold (filters, period, snapshot hash, generation time):
the CSV in ``#`` comment lines before the header (``pandas.read_csv(comment="#")``
reads the table back), the workbook on a second sheet, so the data sheet stays a clean
table.
"""

from __future__ import annotations

import csv
import io

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from thuocdo.export.safe import neutralise, safe_frame

MAX_SHEET_TITLE = 31
INVALID_SHEET_CHARS = set("[]:*?/\\")


def _sheet_title(text: str, fallback: str) -> str:
    cleaned = "".join(c for c in (text or "") if c not in INVALID_SHEET_CHARS).strip()
    return (cleaned or fallback)[:MAX_SHEET_TITLE]


def to_csv(df: pd.DataFrame, statement: list[str] | None = None) -> bytes:
    """UTF-8 CSV (with BOM, so Excel shows Vietnamese correctly) of a neutralised ``df``."""
    buf = io.StringIO()
    for line in statement or []:
        buf.write("# " + " ".join(line.splitlines()) + "\r\n")
    # CRLF (RFC 4180) also makes the writer quote any field holding a bare CR or LF.
    safe_frame(df).to_csv(buf, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(
    df: pd.DataFrame,
    statement: list[str] | None = None,
    data_sheet: str = "Số liệu",
    info_sheet: str = "Thông tin",
) -> bytes:
    """An XLSX workbook: the neutralised table, and a sheet with the export statement."""
    wb = Workbook()
    ws = wb.active
    ws.title = _sheet_title(data_sheet, "Data")
    safe = safe_frame(df)
    ws.append([str(c) for c in safe.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in safe.itertuples(index=False):
        ws.append([_cell(v) for v in row])
    # Text that still looked like a formula would have been neutralised above; keep
    # every string a string so openpyxl never writes a formula cell.
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    for i, col in enumerate(safe.columns, start=1):
        width = max([len(str(col))] + [len(str(v)) for v in safe.iloc[:200, i - 1].tolist()]) + 2
        ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, width))
    ws.freeze_panes = "A2"
    info = wb.create_sheet(_sheet_title(info_sheet, "About"))
    for line in statement or []:
        info.append([neutralise(line)])
    info.column_dimensions["A"].width = 100
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell(v):
    if v is None:
        return None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(v, "item"):  # numpy scalar -> Python
        return v.item()
    return v
