"""Small helpers shared by the rules: filters, reading frames, satisfied counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Connection, case, literal, true

from thuocdo.domain.periods import add_months


def unit_clause(col, unit_ids):
    """``col IN (:ids)`` when a unit filter is given, else TRUE."""
    if unit_ids is None:
        return true()
    ids = sorted(int(u) for u in unit_ids)
    if not ids:
        return literal(False)
    return col.in_(ids)


def frame(conn: Connection, stmt) -> pd.DataFrame:
    """Run a SQLAlchemy statement and return its rows as a DataFrame.

    Rows are read from the DB-API cursor as plain tuples: building a frame from
    SQLAlchemy ``Row`` objects costs a failed attribute lookup per row (seconds for the
    two million evaluations of a city). Dates therefore arrive as the driver gives them
    (ISO text on SQLite), and the rules parse them with ``pd.to_datetime``.
    """
    result = conn.execute(stmt)
    cols = list(result.keys())
    cursor = result.cursor
    try:
        rows = cursor.fetchall() if cursor is not None else []
    finally:
        result.close()
    return pd.DataFrame.from_records(rows, columns=cols) if rows else pd.DataFrame(columns=cols)


def satisfied_expr(t):
    """Ratings in the top two levels of the row's scale (3-4 of 4, 4-5 of 5)."""
    return case((t.c.scale >= 5, t.c.s4 + t.c.s5), else_=t.c.s3 + t.c.s4)


def top_expr(t):
    """Ratings at the top level of the row's scale."""
    return case((t.c.scale >= 5, t.c.s5), else_=t.c.s4)


def month_range(months: list[int], back: int, forward: int = 0) -> tuple[int, int]:
    """The inclusive month range that ``months`` need with ``back`` months of history."""
    return add_months(min(months), -back), add_months(max(months), forward)


def month_index(months) -> np.ndarray:
    """YYYYMM -> a running month number (year * 12 + month - 1), vectorised."""
    m = np.asarray(months, dtype="int64")
    return (m // 100) * 12 + (m % 100) - 1


def index_month(idx) -> np.ndarray:
    """Inverse of :func:`month_index`."""
    i = np.asarray(idx, dtype="int64")
    return (i // 12) * 100 + (i % 12) + 1


def ints(values) -> list[int]:
    return [int(v) for v in values]
