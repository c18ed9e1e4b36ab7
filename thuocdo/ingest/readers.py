"""Readers: CSV/TSV/TXT (UTF-8 with or without BOM, UTF-16, Windows-1258), Excel
``.xlsx`` and JSON into one shape, a table of text cells with their row numbers.

Every cell becomes text (Excel dates as ISO, numbers in plain ``87.5`` form) so that
validation sees one representation whatever the source. Row numbers are the ones a
person sees when opening the file in a spreadsheet: the header is row 1 (or the row
it is on), the first data row the next one. Blank rows are skipped and not counted.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from thuocdo.ingest.errors import ImportFailed
from thuocdo.ingest.normalise import fold, nfc

TEXT_EXTS = {".csv", ".tsv", ".txt", ".tab"}
JSON_EXTS = {".json", ".jsonl", ".ndjson"}
EXCEL_EXTS = {".xlsx", ".xlsm"}
DELIMITERS = (",", ";", "\t", "|")
# UTF-8 lead bytes of U+0300..U+036F (combining diacritics): decomposed Vietnamese.


@dataclass
class BadRow:
    """A row that could not even be split into columns (kept as a rejection)."""

    row_number: int
    raw: dict
    key: str
    params: dict = field(default_factory=dict)


@dataclass
class RawTable:
    """Text cells of one sheet or file, with the spreadsheet row number of each row."""

    frame: pd.DataFrame
    row_numbers: np.ndarray
    bad_rows: list[BadRow] = field(default_factory=list)
    format: str = "csv"
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    header_row: int = 1

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.frame.columns]

    @property
    def n_rows(self) -> int:
        return len(self.frame) + len(self.bad_rows)


def load_bytes(source) -> tuple[bytes, str | None]:
    """The bytes of ``source`` (a path, bytes, or a file-like object) and its name."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), None
    if hasattr(source, "read"):
        data = source.read()
        name = getattr(source, "name", None)
        return (data.encode("utf-8") if isinstance(data, str) else bytes(data)), name
    path = Path(source)
    try:
        return path.read_bytes(), path.name
    except FileNotFoundError:
        raise ImportFailed("import.error.file_not_found", path=str(source)) from None
    except IsADirectoryError:
        raise ImportFailed("import.error.file_not_found", path=str(source)) from None
    except OSError as exc:
        raise ImportFailed("import.error.file_unreadable", path=str(source), detail=str(exc)) from None


def detect_format(data: bytes, file_name: str | None) -> str:
    ext = Path(file_name or "").suffix.lower()
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        # The old binary .xls: openpyxl cannot read it; say how to convert.
        raise ImportFailed("import.error.xls_old")
    if ext in EXCEL_EXTS:
        raise ImportFailed("import.error.xlsx_corrupt")
    if ext in JSON_EXTS:
        return "json"
    if ext in TEXT_EXTS:
        return "csv"
    head = data[:64].lstrip(b"\xef\xbb\xbf").lstrip()
    if head[:1] in (b"[", b"{"):
        return "json"
    return "csv"


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode text bytes, returning (text NFC-composed, encoding name)."""
    if data.startswith(codecs.BOM_UTF8):
        text, enc = data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    elif data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        try:
            text, enc = data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise ImportFailed("import.error.encoding") from None
    elif len(data) >= 4 and data[1:4:2] == b"\x00\x00" and data[0:4:2] != b"\x00\x00":
        text, enc = _decode_or_fail(data, "utf-16-le"), "utf-16-le"
    elif len(data) >= 4 and data[0:4:2] == b"\x00\x00" and data[1:4:2] != b"\x00\x00":
        text, enc = _decode_or_fail(data, "utf-16-be"), "utf-16-be"
    else:
        try:
            text, enc = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            try:
                # Windows-1258: Vietnamese Windows' ANSI code page (tone marks combining).
                text, enc = data.decode("cp1258"), "cp1258"
            except UnicodeDecodeError:
                raise ImportFailed("import.error.encoding") from None
    if "\x00" in text:
        text = text.replace("\x00", "")
    # Bytes 0xCC/0xCD lead every UTF-8 character in U+0300..U+037F (combining marks):
    # two memchr scans instead of a regex over the whole file.
    if enc != "utf-8" or b"\xcc" in data or b"\xcd" in data:
        text = unicodedata.normalize("NFC", text)
    return text, enc


def _decode_or_fail(data: bytes, enc: str) -> str:
    try:
        return data.decode(enc)
    except UnicodeDecodeError:
        raise ImportFailed("import.error.encoding") from None


def _same_utf8(data: bytes, enc: str) -> bytes | None:
    """The file's bytes when decoding changed nothing (UTF-8, already composed, no NUL)."""
    if enc not in ("utf-8", "utf-8-sig") or b"\xcc" in data or b"\xcd" in data or b"\x00" in data:
        return None
    return data[3:] if enc == "utf-8-sig" else data


def sniff_delimiter(text: str, ext: str = "") -> str:
    if ext in (".tsv", ".tab"):
        return "\t"
    for line in text[:65536].splitlines()[:20]:
        if not line.strip():
            continue
        counts = {d: _count_outside_quotes(line, d) for d in DELIMITERS}
        best = max(DELIMITERS, key=lambda d: (counts[d], d == ","))
        return best if counts[best] > 0 else ","
    return ","


def _count_outside_quotes(line: str, delim: str) -> int:
    n, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == delim and not quoted:
            n += 1
    return n


def _unique_headers(cells: list) -> list[str]:
    out, seen = [], {}
    for i, c in enumerate(cells):
        name = nfc(str(c)).strip() if c is not None and str(c).strip() else f"Cột {i + 1}"
        base, k = name, 1
        while name in seen:
            k += 1
            name = f"{base} ({k})"
        seen[name] = True
        out.append(name)
    return out


def _auto_header(rows: list[list[str]]) -> int:
    """Index of the header among the first rows: the first with two or more cells
    (report titles above a table are usually one merged cell)."""
    for i, row in enumerate(rows[:30]):
        if sum(1 for c in row if c.strip()) >= 2:
            return i
    for i, row in enumerate(rows[:30]):
        if any(c.strip() for c in row):
            return i
    return 0


def _from_rows(
    rows: list[list[str]], header_row: int | None, first_row_number: int = 1
) -> tuple[pd.DataFrame, np.ndarray, list[BadRow], int]:
    """Build the table from rows of text cells (row i has number first_row_number + i)."""
    if not rows:
        raise ImportFailed("import.error.empty")
    h = (header_row - first_row_number) if header_row else _auto_header(rows)
    if h < 0 or h >= len(rows):
        raise ImportFailed("import.error.header_row", row=header_row)
    header = rows[h]
    while header and not str(header[-1]).strip():
        header = header[:-1]
    if not header:
        raise ImportFailed("import.error.no_header")
    cols = _unique_headers(header)
    width = len(cols)
    data, numbers, bad = [], [], []
    for i in range(h + 1, len(rows)):
        row = rows[i]
        if not any(str(c).strip() for c in row):
            continue
        number = first_row_number + i
        if len(row) > width:
            extra = row[width:]
            if any(str(c).strip() for c in extra):
                raw = {cols[j] if j < width else f"Cột {j + 1}": row[j] for j in range(len(row))}
                bad.append(BadRow(number, raw, "import.reason.too_many_cells", {"n": len(row), "width": width}))
                continue
            row = row[:width]
        elif len(row) < width:
            row = list(row) + [""] * (width - len(row))
        data.append(row)
        numbers.append(number)
    frame = (
        pd.DataFrame(data, columns=cols, dtype="str")
        if data
        else pd.DataFrame({c: pd.Series([], dtype="str") for c in cols})
    )
    return frame, np.asarray(numbers, dtype=np.int64), bad, first_row_number + h


def read_csv_text(
    text: str, delimiter: str, header_row: int | None, raw: bytes | None = None
) -> tuple[pd.DataFrame, np.ndarray, list[BadRow], int]:
    """Arrow's parser for clean files, else pandas' C parser; ragged or badly quoted files
    go row by row. ``raw``: the file's UTF-8 bytes when they are exactly ``text``."""
    # Old Mac files end lines with a lone CR; one convention keeps both parsers in step.
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        raw = None
    head = text[:200_000]
    head_lines = _csv_rows("\n".join(head.split("\n", 40)[:40]), delimiter)
    if header_row is None:
        header_row = _auto_header(head_lines) + 1 if head_lines else 1
    if header_row <= len(head_lines) and "\n\n" not in text:
        fast = _read_arrow(text, delimiter, header_row, head_lines[header_row - 1], raw)
        if fast is not None:
            return fast
    try:
        with warnings.catch_warnings():
            # A row longer than the header makes pandas drop or shift cells: go slow instead.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.StringIO(text),
                sep=delimiter,
                dtype="str",
                keep_default_na=False,
                na_filter=False,
                skip_blank_lines=False,
                skiprows=header_row - 1,
                header=0,
                engine="c",
                quotechar='"',
                doublequote=True,
                on_bad_lines="error",
                index_col=False,
            )
    except (pd.errors.ParserError, pd.errors.ParserWarning, pd.errors.EmptyDataError, ValueError, csv.Error):
        frame = None
    if frame is not None and _clean_frame(frame):
        header = list(frame.columns)
        cols = _unique_headers(["" if str(c).startswith("Unnamed: ") else c for c in header])
        while cols and cols[-1].startswith("Cột ") and frame[frame.columns[len(cols) - 1]].eq("").all():
            cols.pop()
            frame = frame.iloc[:, : len(cols)]
        frame.columns = cols
        frame = frame.fillna("")
        numbers = np.arange(len(frame), dtype=np.int64) + header_row + 1
        blank = frame.eq("").all(axis=1).to_numpy() if len(frame.columns) else np.ones(len(frame), bool)
        if blank.any():
            frame = frame.loc[~blank].reset_index(drop=True)
            numbers = numbers[~blank]
        return frame.astype("str"), numbers, [], header_row
    return _from_rows(_csv_rows(text, delimiter), header_row)


def _read_arrow(text: str, delimiter: str, header_row: int, header: list[str], raw: bytes | None = None):
    """Arrow's CSV reader for the common clean file (10x less CPU than pandas' parser on a
    million ratings); None when the file is not that clean, and the careful path reads it."""
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:  # pragma: no cover - pyarrow ships with the requirements
        return None
    width = len(header)
    if width == 0:
        return None
    names = [f"c{i}" for i in range(width)]
    try:
        table = pacsv.read_csv(
            io.BytesIO(raw if raw is not None else text.encode("utf-8")),
            read_options=pacsv.ReadOptions(skip_rows=header_row, column_names=names),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values='"' in text),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError):
        return None
    import pyarrow.compute as pc

    numbers = np.arange(table.num_rows, dtype=np.int64) + header_row + 1
    if table.num_rows and table.num_columns:
        # Rows whose every cell is empty are not rows (",,,," lines); one C pass per column.
        blank = None
        for col in table.columns:
            e = pc.equal(col, "")
            blank = e if blank is None else pc.and_(blank, e)
        mask = np.asarray(blank.to_numpy(zero_copy_only=False), dtype=bool)
        if mask.any():
            table = table.filter(pa.array(~mask))
            numbers = numbers[~mask]
    frame = table.to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow", na_value=np.nan)}.get)
    cols = _unique_headers(header)
    while (
        len(cols) > 1
        and cols[-1].startswith("Cột ")
        and not str(header[len(cols) - 1]).strip()
        and frame.iloc[:, len(cols) - 1].eq("").all()
    ):
        cols.pop()
    frame = frame.iloc[:, : len(cols)]
    frame.columns = cols
    return frame, numbers, [], header_row


def _csv_rows(text: str, delimiter: str) -> list[list[str]]:
    csv.field_size_limit(1 << 30)
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        # Beyond repair as CSV: split plainly so that every line still becomes a row.
        return [line.split(delimiter) for line in text.split("\n")]


def _clean_frame(frame: pd.DataFrame) -> bool:
    # pandas mangles duplicate headers ("x.1"); the slow path names them "x (2)" instead.
    cols = [str(c) for c in frame.columns]
    return not any(re.search(r"\.\d+$", c) and c.rsplit(".", 1)[0] in cols for c in cols)


def _excel_cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, dt.time):
        return v.isoformat()
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            return ""
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    return nfc(str(v))


def _pick_sheet(names: list[str], wanted: str | None) -> str:
    if not names:
        raise ImportFailed("import.error.no_sheet", sheets="")
    if wanted is None:
        return names[0]
    for n in names:
        if n == wanted or nfc(n) == nfc(wanted):
            return n
    for n in names:
        if fold(n) == fold(wanted):
            return n
    raise ImportFailed("import.error.no_sheet", sheet=wanted, sheets=", ".join(names))


def excel_sheets(data: bytes) -> list[str]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise ImportFailed("import.error.xlsx_corrupt") from None
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def read_xlsx(data: bytes, sheet: str | None, header_row: int | None, nrows: int | None = None):
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise ImportFailed("import.error.xlsx_corrupt") from None
    try:
        names = list(wb.sheetnames)
        name = _pick_sheet(names, sheet)
        ws = wb[name]
        rows = []
        limit = None if nrows is None else (header_row or 30) + nrows
        for i, row in enumerate(ws.iter_rows(values_only=True)):
            rows.append([_excel_cell(v) for v in row])
            if limit is not None and i + 1 >= limit:
                break
    except ImportFailed:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        raise ImportFailed("import.error.xlsx_corrupt_detail", detail=str(exc)[:200]) from None
    finally:
        wb.close()
    frame, numbers, bad, h = _from_rows(rows, header_row)
    return frame, numbers, bad, h, name, names


def read_json(text: str):
    text = text.strip()
    if not text:
        raise ImportFailed("import.error.empty")
    records = None
    try:
        doc = json.loads(text)
        if isinstance(doc, dict):
            for key in ("rows", "records", "data", "items"):
                if isinstance(doc.get(key), list):
                    records = doc[key]
                    break
            else:
                records = [doc]
        elif isinstance(doc, list):
            records = doc
        else:
            raise ImportFailed("import.error.json_shape")
        numbers_list = list(range(1, len(records) + 1))
        bad_lines = []
    except json.JSONDecodeError:
        # JSON Lines: one record per line; a broken line is one refused row.
        records, numbers_list, bad_lines = [], [], []
        lines = text.splitlines()
        if len(lines) < 2:
            raise ImportFailed("import.error.json_invalid") from None
        for i, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
                numbers_list.append(i)
            except json.JSONDecodeError:
                bad_lines.append(BadRow(i, {"json": line[:500]}, "import.reason.json_line"))
        if not records and bad_lines and len(bad_lines) == len([ln for ln in lines if ln.strip()]):
            raise ImportFailed("import.error.json_invalid") from None
    cols: dict[str, None] = {}
    for r in records:
        if isinstance(r, dict):
            for k in r:
                cols.setdefault(nfc(str(k)).strip(), None)
    if not cols and records:
        raise ImportFailed("import.error.json_shape")
    names = list(cols)
    data, numbers, bad = [], [], list(bad_lines)
    for n, r in zip(numbers_list, records, strict=True):
        if not isinstance(r, dict):
            bad.append(BadRow(n, {"json": json.dumps(r, ensure_ascii=False)[:500]}, "import.reason.json_not_object"))
            continue
        norm = {nfc(str(k)).strip(): v for k, v in r.items()}
        row = [_json_cell(norm.get(c)) for c in names]
        if not any(c.strip() for c in row):
            continue
        data.append(row)
        numbers.append(n)
    frame = (
        pd.DataFrame(data, columns=names, dtype="str")
        if data
        else pd.DataFrame({c: pd.Series([], dtype="str") for c in names})
    )
    return frame, np.asarray(numbers, dtype=np.int64), bad


def _json_cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if v != v:
            return ""
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    return nfc(str(v))


def read_table(
    source,
    file_name: str | None = None,
    *,
    sheet: str | None = None,
    header_row: int | None = None,
    nrows: int | None = None,
    data: bytes | None = None,
) -> RawTable:
    """Read ``source`` (path, bytes or file object) into a :class:`RawTable`.

    ``sheet`` picks an Excel sheet (default: the first), ``header_row`` the row that
    holds the column names (1-based; default: the first row with two or more cells),
    ``nrows`` limits the data rows (for a preview). Raises :class:`ImportFailed` when
    nothing can be read.
    """
    if data is None:
        data, name = load_bytes(source)
        file_name = file_name or name
    if not data or not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise ImportFailed("import.error.empty")
    fmt = detect_format(data, file_name)
    ext = Path(file_name or "").suffix.lower()
    if fmt == "xlsx":
        frame, numbers, bad, h, name, names = read_xlsx(data, sheet, header_row, nrows)
        table = RawTable(frame, numbers, bad, "xlsx", None, None, name, names, h)
    else:
        text, enc = decode_text(data)
        if fmt == "json":
            frame, numbers, bad = read_json(text)
            table = RawTable(frame, numbers, bad, "json", enc, None, None, [], 0)
        else:
            delim = sniff_delimiter(text, ext)
            frame, numbers, bad, h = read_csv_text(text, delim, header_row, _same_utf8(data, enc))
            table = RawTable(frame, numbers, bad, "csv", enc, delim, None, [], h)
    if nrows is not None and len(table.frame) > nrows:
        table.frame = table.frame.iloc[:nrows].reset_index(drop=True)
        table.row_numbers = table.row_numbers[:nrows]
    return table
