"""Parsing cell text into typed values: numbers with decimal commas, dates in the
forms Vietnamese offices use, months, booleans, and their vectorised twins.

Scalar parsers return ``None`` for a blank cell and raise :class:`BadValue` (carrying a
message key and its parameters) for text that is not a value of the type.
"""

from __future__ import annotations

import datetime as dt
import math
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from thuocdo.ingest.normalise import fold, nfc


class BadValue(ValueError):
    """A cell that cannot be read as the expected type."""

    def __init__(self, key: str, **params):
        super().__init__(key)
        self.key = key
        self.params = params


def is_blank(v) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, str) and not v.strip()


def clean(v) -> str | None:
    """Cell text trimmed and NFC-composed; None when blank.

    An apostrophe before ``= + - @`` is dropped: it is how exported files (the refused
    rows to fix, spreadsheets) keep such text from being run as a formula.
    """
    if is_blank(v):
        return None
    s = nfc(str(v)).strip().replace("\u00a0", " ")
    if len(s) > 1 and s[0] == "'" and s[1] in "=+-@":
        s = s[1:]
    return s


# ---- numbers -----------------------------------------------------------------------

_NUM_CHARS = re.compile(r"^[+-]?[0-9][0-9.,\s\u00a0']*$|^[+-]?[.,][0-9]+$")


def _canonical_number(s: str, integer: bool) -> str | None:
    """Rewrite '1.234,5' / '1,234.5' / '87,5' / '1 234' into '1234.5' form, or None."""
    s = s.strip().replace("\u00a0", "").replace(" ", "").replace("'", "")
    if s.endswith("%"):
        return None
    if not _NUM_CHARS.match(s):
        return None
    dots, commas = s.count("."), s.count(",")
    if dots and commas:
        # The separator that comes last is the decimal one; the other groups thousands.
        if s.rfind(",") > s.rfind("."):
            s = s.replace(".", "").replace(",", ".")
        else:
            s = s.replace(",", "")
    elif commas:
        if commas > 1:
            s = s.replace(",", "")
        else:
            s = s.replace(",", ".")
    elif dots > 1:
        s = s.replace(".", "")
    elif dots == 1 and integer:
        # For a count "1.234" is one thousand two hundred thirty-four (Vietnamese grouping).
        head, tail = s.split(".")
        if len(tail) == 3 and head.lstrip("+-").isdigit():
            s = head + tail
    return s


def parse_number(v, *, integer: bool = False) -> float | int | None:
    s = clean(v)
    if s is None:
        return None
    canon = _canonical_number(s, integer)
    try:
        x = float(canon) if canon is not None else None
    except ValueError:
        x = None
    if x is None or math.isnan(x) or math.isinf(x):
        raise BadValue("import.value.not_number", value=s)
    if integer:
        if x != int(x):
            raise BadValue("import.value.not_integer", value=s)
        return int(x)
    return x


def _arrow_text(series: pd.Series) -> pa.Array:
    """Trimmed cell text as one Arrow string array (nulls as empty text)."""
    if series.dtype != "str":
        series = series.astype("str")
    a = pa.array(series.array)
    if isinstance(a, pa.ChunkedArray):
        a = a.combine_chunks()
    return pc.utf8_trim_whitespace(pc.fill_null(a, ""))


def numbers(series: pd.Series, *, integer: bool = False) -> pd.Series:
    """Vectorised :func:`parse_number`: float64 with NaN for blank or invalid cells."""
    a = _arrow_text(series)
    filled = pc.not_equal(a, "")
    if not pc.any(filled).as_py():
        return pd.Series(np.nan, index=series.index, dtype="float64")
    plain = pc.match_substring_regex(a, r"^[+-]?\d+(\.\d+)?$")
    values = pc.cast(pc.if_else(plain, a, pa.scalar(None, a.type)), pa.float64()).to_numpy(zero_copy_only=False)
    out = pd.Series(values, index=series.index, dtype="float64")
    rest = np.asarray(pc.and_(filled, pc.invert(plain)).to_numpy(zero_copy_only=False), dtype=bool)
    if rest.any():
        texts = pd.Series(np.asarray(a.to_numpy(zero_copy_only=False), dtype=object)[rest], index=series.index[rest])
        fixed = texts.map(lambda x: _canonical_number(x, integer))
        out.loc[rest] = pd.to_numeric(fixed, errors="coerce").astype("float64")
    return out


# ---- dates and times ---------------------------------------------------------------

_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?:[ T,]+(\d{1,2})[:hg](\d{2})(?::(\d{2}))?(?:\.\d+)?)?$")
_ISO = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$"
)
VN_OFFSET = dt.timedelta(hours=7)  # Asia/Ho_Chi_Minh, no daylight saving
_YMD8 = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
EXCEL_EPOCH = dt.datetime(1899, 12, 30)
MIN_YEAR = 1900


def _excel_serial(s: str) -> dt.datetime | None:
    try:
        x = float(s)
    except ValueError:
        return None
    # 1..2958465 are the serials Excel can show as dates (1900-01-01 .. 9999-12-31);
    # only accept the plausible modern range so that a score is never taken for a date.
    if 20000 <= x <= 80000:
        return EXCEL_EPOCH + dt.timedelta(days=x)
    return None


def parse_datetime(v) -> dt.datetime | None:
    """ISO (``2025-10-03 08:15``), ``03/10/2025 08:15``, ``20251003`` or an Excel serial."""
    if isinstance(v, dt.datetime):
        return v
    if isinstance(v, dt.date):
        return dt.datetime(v.year, v.month, v.day)
    s = clean(v)
    if s is None:
        return None
    parts, shift = None, None
    if m := _ISO.match(s):
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
        parts = (y, mo, d, m[4], m[5], m[6])
        if m[7]:
            # Times with an offset are stored as Vietnamese wall-clock time.
            tz = m[7]
            off = (
                dt.timedelta(0)
                if tz == "Z"
                else dt.timedelta(hours=int(tz[1:3]), minutes=int(tz[-2:])) * (1 if tz[0] == "+" else -1)
            )
            shift = VN_OFFSET - off
    elif m := _DMY.match(s):
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
        parts = (y, mo, d, m[4], m[5], m[6])
    elif m := _YMD8.match(s):
        parts = (int(m[1]), int(m[2]), int(m[3]), None, None, None)
    if parts is None:
        serial = _excel_serial(s)
        if serial is not None:
            return serial.replace(microsecond=0)
        raise BadValue("import.value.not_date", value=s)
    y, mo, d, hh, mm, ss = parts
    try:
        out = dt.datetime(y, mo, d, int(hh or 0), int(mm or 0), int(ss or 0))
    except ValueError:
        raise BadValue("import.value.not_date", value=s) from None
    if y < MIN_YEAR:
        raise BadValue("import.value.not_date", value=s)
    if shift:
        out = out + shift
    return out


def parse_date(v) -> dt.date | None:
    x = parse_datetime(v)
    return x.date() if x is not None else None


# Arrow parses these forms in C; anything else (fractions of a second, time zones, Excel
# serials, "20251003", one-digit days) goes through parse_datetime row by row.
_ARROW_FORMS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
)


def datetimes(series: pd.Series) -> pd.Series:
    """Vectorised :func:`parse_datetime`: datetime64[s] with NaT for blank or invalid cells."""
    a = _arrow_text(series)
    filled = pc.not_equal(a, "")
    out = pa.nulls(len(a), pa.timestamp("s"))
    for fmt in _ARROW_FORMS:
        todo = pc.and_(filled, pc.is_null(out))
        if not pc.any(todo).as_py():
            break
        out = pc.coalesce(out, pc.strptime(a, format=fmt, unit="s", error_is_null=True))
    result = pd.Series(out.to_numpy(zero_copy_only=False), index=series.index).astype("datetime64[s]")
    rest = np.asarray(pc.and_(filled, pc.is_null(out)).to_numpy(zero_copy_only=False), dtype=bool)
    if rest.any():

        def one(x):
            try:
                return parse_datetime(x)
            except (BadValue, OverflowError):
                return None

        texts = np.asarray(a.to_numpy(zero_copy_only=False), dtype=object)[rest]
        parsed = [one(x) for x in texts]
        result.loc[rest] = (
            pd.to_datetime(pd.Series(parsed, dtype=object), errors="coerce").astype("datetime64[s]").to_numpy()
        )
    # Years before 1900 are typing errors, not ratings.
    return result.where(result.dt.year >= MIN_YEAR)


# ---- months ------------------------------------------------------------------------

_MONTH_FORMS = (
    re.compile(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})$"),
    re.compile(r"^(?P<m>\d{1,2})[-/.](?P<y>\d{4})$"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})$"),
    re.compile(r"^(?:thang|t|th)\s*(?P<m>\d{1,2})\s*(?:nam|[-/.\s])\s*(?P<y>\d{4})$"),
)


def parse_month(v) -> int | None:
    """A month as ``YYYYMM``: ``2025-10``, ``10/2025``, ``202510``, ``Tháng 10/2025``,
    ``T10/2025`` or any date (the month it falls in)."""
    if isinstance(v, (dt.date, dt.datetime)):
        return v.year * 100 + v.month
    s = clean(v)
    if s is None:
        return None
    if s.endswith(".0") and s[:-2].isdigit():
        s = s[:-2]
    folded = fold(s)
    for form in _MONTH_FORMS:
        m = form.match(s) or form.match(folded)
        if m:
            y, mo = int(m["y"]), int(m["m"])
            if 1 <= mo <= 12 and y >= MIN_YEAR:
                return y * 100 + mo
            raise BadValue("import.value.not_month", value=s)
    try:
        d = parse_datetime(s)
    except BadValue:
        raise BadValue("import.value.not_month", value=s) from None
    return d.year * 100 + d.month


# ---- booleans and choices ----------------------------------------------------------

# Folded: "có", "đúng", "x" (a ticked box), "1"; "không", "sai", "0", "-".
_TRUE = {"1", "x", "true", "t", "yes", "y", "co", "dung", "1 0"}
_FALSE = {"0", "false", "f", "no", "n", "khong", "k", "sai", "0 0", "-"}


def parse_bool(v) -> bool | None:
    s = clean(v)
    if s is None:
        return None
    f = fold(s)
    if f in _TRUE:
        return True
    if f in _FALSE:
        return False
    raise BadValue("import.value.not_bool", value=s)


def parse_choice(v, choices: dict[str, str], key: str) -> str | None:
    """Map text onto a code through ``choices`` (folded text → code); codes map to themselves."""
    s = clean(v)
    if s is None:
        return None
    f = fold(s)
    if f in choices:
        return choices[f]
    f2 = f.replace(" ", "_")
    if f2 in choices.values():
        return f2
    raise BadValue(key, value=s, allowed=", ".join(sorted(set(choices.values()))))


def to_text(v, max_len: int | None = None) -> str | None:
    s = clean(v)
    if s is None:
        return None
    if max_len is not None and len(s) > max_len:
        raise BadValue("import.value.too_long", value=s[:40] + "…", max=max_len)
    return s
