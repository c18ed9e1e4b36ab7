"""What every kind of import shares: its fields, column recognition, per-row problems
and the outcome of each source row.

A kind turns the rows of a table into database rows. Each source row ends as exactly
one of: ``loaded`` (inserted), ``updated`` (an existing natural key got new values —
corrections are allowed and recorded), ``present`` (already in the database with the
same values) or ``refused`` (with the reasons). ``loaded + updated`` are reported as
loaded; the identity loaded + refused + already_present = rows_read always holds.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from thuocdo.ingest import values as V
from thuocdo.ingest.normalise import normalise_header

LOADED, UPDATED, PRESENT, REFUSED = "loaded", "updated", "present", "refused"


@dataclass(frozen=True)
class Field:
    """A canonical field of a kind and the header spellings that name it."""

    name: str
    aliases: tuple[str, ...] = ()
    required: bool = False

    def matches(self, header_norm: str) -> bool:
        return header_norm == self.name or header_norm in self.aliases


# Header spellings shared by several kinds (already normalised: no diacritics, "_").
UNIT_CODE = ("unit_code", "ma_don_vi", "ma_dv", "ma_co_quan", "ma_coquan", "unit_id_code", "don_vi_ma")
UNIT_NAME = ("unit_name", "ten_don_vi", "don_vi", "unit", "ten_co_quan", "ten_coquan", "co_quan", "ten_dv")
OFFICIAL_CODE = ("official_code", "ma_can_bo", "ma_cb", "ma_cong_chuc", "official", "ma_nhan_vien", "can_bo_ma")
MONTH = ("month", "thang", "ky", "ky_danh_gia", "period", "thang_danh_gia", "month_key")


@dataclass
class Problem:
    key: str
    params: dict = field(default_factory=dict)


class Row:
    """One source row while it is checked: typed getters that collect problems."""

    __slots__ = ("values", "problems", "row_number")

    def __init__(self, values: dict[str, str], number: int):
        self.values = values
        self.problems: list[Problem] = []
        self.row_number = number

    def raw(self, name: str) -> str | None:
        return V.clean(self.values.get(name))

    def has(self, name: str) -> bool:
        return self.raw(name) is not None

    def problem(self, key: str, **params) -> None:
        self.problems.append(Problem(key, params))

    def _get(self, name: str, parser: Callable, required: bool):
        raw = self.values.get(name)
        try:
            value = parser(raw)
        except V.BadValue as bad:
            self.problems.append(Problem(bad.key, {"field": name, **bad.params}))
            return None
        if value is None and required:
            self.problems.append(Problem("import.reason.required", {"field": name}))
        return value

    def text(self, name: str, *, required: bool = False, max_len: int | None = 200) -> str | None:
        return self._get(name, lambda v: V.to_text(v, max_len), required)

    def code(self, name: str, *, required: bool = False) -> str | None:
        value = self.text(name, required=required, max_len=64)
        return value.strip() if value else value

    def number(
        self,
        name: str,
        *,
        required: bool = False,
        lo: float | None = None,
        hi: float | None = None,
        integer: bool = False,
    ) -> float | int | None:
        value = self._get(name, lambda v: V.parse_number(v, integer=integer), required)
        if value is None:
            return None
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            self.problems.append(
                Problem(
                    "import.reason.out_of_range", {"field": name, "value": _fmt(value), "lo": _fmt(lo), "hi": _fmt(hi)}
                )
            )
            return None
        return value

    def date(
        self, name: str, *, required: bool = False, lo: dt.date | None = None, hi: dt.date | None = None
    ) -> dt.date | None:
        value = self._get(name, V.parse_date, required)
        if value is None:
            return None
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            self.problems.append(
                Problem(
                    "import.reason.date_out_of_range",
                    {"field": name, "value": value.strftime("%d/%m/%Y"), "lo": _fmt_date(lo), "hi": _fmt_date(hi)},
                )
            )
            return None
        return value

    def month(
        self, name: str, *, required: bool = False, default: int | None = None, latest: int | None = None
    ) -> int | None:
        if self.raw(name) is None and default is not None:
            return default
        value = self._get(name, V.parse_month, required)
        if value is not None and latest is not None and value > latest:
            self.problems.append(
                Problem("import.reason.future_month", {"field": name, "value": f"{value % 100:02d}/{value // 100}"})
            )
            return None
        return value

    def boolean(self, name: str, *, default: bool | None = None) -> bool | None:
        value = self._get(name, V.parse_bool, False)
        return default if value is None else value

    def choice(
        self, name: str, choices: dict[str, str], *, required: bool = False, default: str | None = None
    ) -> str | None:
        value = self._get(
            name, lambda v: V.parse_choice(v, choices, "import.value.not_choice"), required and default is None
        )
        return default if value is None else value


def _fmt(x) -> str:
    if x is None:
        return "…"
    if isinstance(x, float) and x.is_integer():
        x = int(x)
    return str(x).replace(".", ",") if isinstance(x, float) else str(x)


def _fmt_date(d: dt.date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else "…"


@dataclass
class Outcome:
    """What happened to each source row (aligned with the table's rows)."""

    status: np.ndarray  # object array of LOADED / UPDATED / PRESENT / REFUSED
    problems: dict[int, list[Problem]] = field(default_factory=dict)  # row position → problems
    affected: set[tuple[int, int]] = field(default_factory=set)  # (unit_id, month) for rollups
    affected_units: set[int] = field(default_factory=set)
    rollups: tuple[str, ...] = ()  # "ratings", "evaluations"
    created_units: list[dict] = field(default_factory=list)
    created_kpis: list[str] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)  # before/after of updated rows (sample)
    extra: dict = field(default_factory=dict)

    @classmethod
    def empty(cls, n: int) -> Outcome:
        return cls(np.full(n, REFUSED, dtype=object))

    def refuse(self, i: int, problems: list[Problem]) -> None:
        self.status[i] = REFUSED
        self.problems[i] = problems

    def count(self, *statuses: str) -> int:
        return int(np.isin(self.status, list(statuses)).sum())


MAX_CHANGES = 500


def resolve_columns(
    columns: list[str], fields: tuple[Field, ...], rename: dict[str, str] | None = None
) -> tuple[dict[str, str], list[str]]:
    """Map canonical field → source column. Returns (mapping, ignored columns).

    ``rename`` (from a mapping file) names columns explicitly: {source header: field}.
    Other columns are recognised by their normalised header.
    """
    out: dict[str, str] = {}
    used: set[str] = set()
    names = {f.name for f in fields}
    for src, target in (rename or {}).items():
        hit = find_column(columns, src)
        if hit is not None and target in names and target not in out:
            out[target] = hit
            used.add(hit)
    for f in fields:
        if f.name in out:
            continue
        for col in columns:
            if col in used:
                continue
            if f.matches(normalise_header(col)):
                out[f.name] = col
                used.add(col)
                break
    ignored = [c for c in columns if c not in used]
    return out, ignored


def find_column(columns: list[str], header: str) -> str | None:
    """The column whose header is ``header`` (exactly, else after normalisation)."""
    if header in columns:
        return header
    want = normalise_header(header)
    for c in columns:
        if normalise_header(c) == want:
            return c
    return None


def canonical_frame(
    frame: pd.DataFrame, colmap: dict[str, str], fields: tuple[Field, ...], constants: dict | None = None
) -> pd.DataFrame:
    """A frame with one column per canonical field ("" where the file has none)."""
    data = {}
    n = len(frame)
    for f in fields:
        if f.name in colmap:
            data[f.name] = frame[colmap[f.name]].astype("str").fillna("")
        elif constants and f.name in constants and constants[f.name] is not None:
            data[f.name] = pd.Series([str(constants[f.name])] * n, dtype="str", index=frame.index)
        else:
            data[f.name] = pd.Series([""] * n, dtype="str", index=frame.index)
    return pd.DataFrame(data, index=frame.index)


@dataclass
class Prepared:
    """A table read as one kind: canonical columns, and each row checked without the database."""

    frame: pd.DataFrame
    colmap: dict[str, str]
    ignored: list[str]
    rows: list[Row] = field(default_factory=list)
    records: list = field(default_factory=list)  # typed record per row (None when refused)
    extra: dict = field(default_factory=dict)
    row_numbers: np.ndarray | None = None  # spreadsheet row number of each row


@dataclass
class PrepOptions:
    period: int | None
    now: dt.datetime
    mapping: object | None = None

    @property
    def today(self) -> dt.date:
        return self.now.date()

    @property
    def current_month(self) -> int:
        return self.now.year * 100 + self.now.month


class Kind:
    """Base of the kinds of import. Subclasses set ``name``, ``fields`` and
    ``required`` (groups of alternative fields, one of each group must be present)
    and implement ``parse`` (one row, no database) and ``load``."""

    name = ""
    fields: tuple[Field, ...] = ()
    required: tuple[tuple[str, ...], ...] = ()

    def columns(self, table, mapping) -> tuple[dict[str, str], list[str]]:
        return resolve_columns(table.columns, self.fields, mapping.renames() if mapping else None)

    def check_columns(self, colmap: dict[str, str], table, mapping, period: int | None, required=None) -> None:
        from thuocdo.ingest.errors import ImportFailed
        from thuocdo.ingest.pipeline import field_label

        constants = mapping.constants if mapping else {}
        missing = []
        for group in required or self.required:
            ok = any(f in colmap or f in constants or (f == "month" and period is not None) for f in group)
            if not ok:
                missing.append(" / ".join(f"{field_label(f)} ({f})" for f in group))
        if missing:
            raise ImportFailed(
                "import.error.missing_columns", missing="; ".join(missing), found=", ".join(table.columns[:30])
            )

    def prepare(self, table, mapping, opts: PrepOptions) -> Prepared:
        colmap, ignored = self.columns(table, mapping)
        self.check_columns(colmap, table, mapping, opts.period)
        frame = canonical_frame(table.frame, colmap, self.fields, mapping.constants if mapping else None)
        rows, records = [], []
        for i, values in enumerate(frame.to_dict("records")):
            row = Row(values, int(table.row_numbers[i]))
            rec = self.parse(row, opts)
            rows.append(row)
            records.append(None if row.problems else rec)
        return Prepared(frame, colmap, ignored, rows, records)

    def parse(self, row: Row, opts: PrepOptions):  # pragma: no cover - abstract
        raise NotImplementedError

    def load(self, ctx, prepared: Prepared) -> Outcome:  # pragma: no cover - abstract
        raise NotImplementedError


class Stopwatch:
    """Wall and CPU milliseconds per stage (reported by the bench and kept in the batch)."""

    def __init__(self):
        self.wall: dict[str, int] = {}
        self.cpu: dict[str, int] = {}
        self._t, self._c = time.perf_counter(), time.process_time()

    def lap(self, stage: str) -> None:
        t, c = time.perf_counter(), time.process_time()
        self.wall[stage] = self.wall.get(stage, 0) + round((t - self._t) * 1000)
        self.cpu[stage] = self.cpu.get(stage, 0) + round((c - self._c) * 1000)
        self._t, self._c = t, c


def chunks(seq, size: int = 2000):
    seq = list(seq)
    for i in range(0, len(seq), size):
        yield seq[i : i + size]


def same(a, b) -> bool:
    """Equal as stored values (floats to 1e-9, dates by day, None only equals None)."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        try:
            return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)))
        except (TypeError, ValueError):
            return False
    if isinstance(a, dt.datetime) and not isinstance(b, dt.datetime):
        a = a.date()
    if isinstance(b, dt.datetime) and not isinstance(a, dt.datetime):
        b = b.date()
    return a == b


def duplicate_problem(first_row: int) -> Problem:
    return Problem("import.reason.duplicate_in_file", {"row": first_row})
