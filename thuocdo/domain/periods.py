"""Periods: month, quarter, half-year, year and custom ranges over YYYYMM months.

A period is written in URLs and on the command line as:
``2026-10`` (month), ``2026-Q3`` (quarter), ``2026-H1`` (half-year), ``2026`` (year),
``2026-01..2026-06`` (custom range of months).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

KINDS = ("month", "quarter", "half", "year", "range")


def month_key(year: int, month: int) -> int:
    return year * 100 + month


def split(m: int) -> tuple[int, int]:
    return m // 100, m % 100


def add_months(m: int, n: int) -> int:
    y, mo = split(m)
    idx = y * 12 + (mo - 1) + n
    return month_key(idx // 12, idx % 12 + 1)


def months_between(start: int, end: int) -> list[int]:
    out, m = [], start
    while m <= end:
        out.append(m)
        m = add_months(m, 1)
    return out


def month_of(d: dt.date | dt.datetime) -> int:
    return month_key(d.year, d.month)


def first_day(m: int) -> dt.date:
    y, mo = split(m)
    return dt.date(y, mo, 1)


def last_day(m: int) -> dt.date:
    y, mo = split(m)
    return dt.date(y, mo, calendar.monthrange(y, mo)[1])


_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_HALF = re.compile(r"^(\d{4})-[Hh]([12])$")
_YEAR = re.compile(r"^(\d{4})$")
_RANGE = re.compile(r"^(\d{4}-\d{1,2})\.\.(\d{4}-\d{1,2})$")


@dataclass(frozen=True, order=True)
class Period:
    """An inclusive range of months with the kind it was chosen as."""

    start: int
    end: int
    kind: str = "month"

    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse a period written as in the module docstring; ValueError when invalid."""
        s = (text or "").strip()
        if m := _MONTH.match(s):
            y, mo = int(m[1]), int(m[2])
            if not 1 <= mo <= 12:
                raise ValueError(f"invalid month: {text!r}")
            return cls(month_key(y, mo), month_key(y, mo), "month")
        if m := _QUARTER.match(s):
            y, q = int(m[1]), int(m[2])
            return cls(month_key(y, 3 * q - 2), month_key(y, 3 * q), "quarter")
        if m := _HALF.match(s):
            y, h = int(m[1]), int(m[2])
            return cls(month_key(y, 6 * h - 5), month_key(y, 6 * h), "half")
        if m := _YEAR.match(s):
            y = int(m[1])
            return cls(month_key(y, 1), month_key(y, 12), "year")
        if m := _RANGE.match(s):
            a, b = cls.parse(m[1]), cls.parse(m[2])
            if a.start > b.end:
                raise ValueError(f"range ends before it starts: {text!r}")
            return cls(a.start, b.end, "range")
        raise ValueError(f"invalid period: {text!r}")

    @classmethod
    def month(cls, m: int) -> Period:
        return cls(m, m, "month")

    @classmethod
    def containing(cls, m: int, kind: str) -> Period:
        """The period of ``kind`` that contains month ``m``."""
        y, mo = split(m)
        if kind == "month":
            return cls.month(m)
        if kind == "quarter":
            q = (mo - 1) // 3 + 1
            return cls(month_key(y, 3 * q - 2), month_key(y, 3 * q), "quarter")
        if kind == "half":
            h = 1 if mo <= 6 else 2
            return cls(month_key(y, 6 * h - 5), month_key(y, 6 * h), "half")
        if kind == "year":
            return cls(month_key(y, 1), month_key(y, 12), "year")
        raise ValueError(kind)

    @property
    def months(self) -> list[int]:
        return months_between(self.start, self.end)

    @property
    def n_months(self) -> int:
        return len(self.months)

    def shift(self, n_months: int) -> Period:
        return Period(add_months(self.start, n_months), add_months(self.end, n_months), self.kind)

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return self.shift(-self.n_months)

    def year_ago(self) -> Period:
        return self.shift(-12)

    def key(self) -> str:
        """The URL form of this period (inverse of :meth:`parse`)."""
        y, mo = split(self.start)
        if self.kind == "month":
            return f"{y:04d}-{mo:02d}"
        if self.kind == "quarter":
            return f"{y:04d}-Q{(mo - 1) // 3 + 1}"
        if self.kind == "half":
            return f"{y:04d}-H{1 if mo <= 6 else 2}"
        if self.kind == "year":
            return f"{y:04d}"
        ey, em = split(self.end)
        return f"{y:04d}-{mo:02d}..{ey:04d}-{em:02d}"

    @property
    def start_date(self) -> dt.date:
        return first_day(self.start)

    @property
    def end_date(self) -> dt.date:
        return last_day(self.end)

    def elapsed_share(self, today: dt.date) -> float:
        """Share of the period elapsed at ``today`` (0..1)."""
        total = (self.end_date - self.start_date).days + 1
        done = (today - self.start_date).days + 1
        return max(0.0, min(1.0, done / total))


def month_label(m: int) -> str:
    """``202610`` -> ``10/2026`` (the same in Vietnamese and English)."""
    y, mo = split(m)
    return f"{mo:02d}/{y:04d}"
