"""Rating rollups computed from the rows being imported, for unit-months that had no
ratings before (the usual monthly import).

:func:`thuocdo.store.rollups.refresh_ratings` rebuilds rollups with SQL over the
stored rows: exact in every case, but on SQLite it costs ~15 s of CPU per million rows
(four GROUP BYs with date functions), more than the whole import budget. When none of
the affected unit-months held a rating before, the rollups are a function of the new
rows alone, and pandas computes the same numbers in about a second. The result is
tested equal to ``refresh_ratings`` on both engines (tests/test_ingest_rollups.py);
anything else (months that already had ratings, an official's rollup row that already
exists) goes through ``refresh_ratings``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Connection, delete, insert, select

from thuocdo.store.engine import is_sqlite
from thuocdo.store.rollups import OFFICE_END_HOUR, OFFICE_START_HOUR
from thuocdo.store.schema import (
    ratings,
    rollup_rating_hour,
    rollup_rating_official,
    rollup_rating_service,
    rollup_rating_unit,
)

SCORES = (1, 2, 3, 4, 5)


def _groups(df: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Group number of every row and the key values of each group (in group order)."""
    g = df.groupby(keys, sort=True, observed=True)
    codes = g.ngroup().to_numpy()
    return codes, g.size().reset_index()[keys]


def _score_counts(codes: np.ndarray, scores: np.ndarray, n_groups: int) -> dict[str, np.ndarray]:
    """s1..s5 and n per group in one pass (bincount over group x score)."""
    grid = np.bincount(codes * 6 + scores, minlength=n_groups * 6).reshape(n_groups, 6)
    out = {f"s{s}": grid[:, s] for s in SCORES}
    out["n"] = grid.sum(axis=1)
    return out


def compute(rows: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The four rating rollups of ``rows`` (columns of the ratings table; ``rated_at``
    as datetime64), with the same rules as ``refresh_ratings``."""
    df = rows[
        ["rated_at", "month", "unit_id", "official_id", "service_code", "channel", "device_id", "score", "scale"]
    ].copy()
    ts = pd.to_datetime(df["rated_at"])
    df["hour"] = ts.dt.hour.astype("int64")
    df["dow"] = ts.dt.day_of_week.astype("int64")  # 0 = Monday, as the rollup stores it
    score = df["score"].to_numpy(dtype="int64")
    off = ((df["hour"] < OFFICE_START_HOUR) | (df["hour"] >= OFFICE_END_HOUR) | (df["dow"] == 6)).to_numpy()
    key = ["unit_id", "month", "channel", "scale"]

    codes, unit = _groups(df, key)
    n_groups = len(unit)
    for col, values in _score_counts(codes, score, n_groups).items():
        unit[col] = values
    unit["n_off_hours"] = np.bincount(codes, weights=off, minlength=n_groups).astype("int64")
    has_dev = df["device_id"].notna().to_numpy()
    unit["n_devices"] = 0
    unit["max_device_day"] = 0
    if has_dev.any():
        dev_codes, _ = pd.factorize(df["device_id"])
        day = (ts.to_numpy(dtype="datetime64[D]") - np.datetime64("1970-01-01", "D")).astype("int64")
        pair = pd.DataFrame({"g": codes[has_dev], "d": dev_codes[has_dev], "day": day[has_dev]})
        distinct = pair[["g", "d"]].drop_duplicates()
        unit["n_devices"] = np.bincount(distinct["g"].to_numpy(), minlength=n_groups)
        per_day = pair.groupby(["g", "d", "day"], sort=False).size()
        burst = per_day.groupby(level="g").max()
        most = np.zeros(n_groups, dtype="int64")
        most[burst.index.to_numpy()] = burst.to_numpy()
        unit["max_device_day"] = most

    has_off = df["official_id"].notna().to_numpy()
    odf = df.loc[has_off]
    if len(odf):
        ocodes, official = _groups(odf, ["official_id", "month", "scale"])
        for col, values in _score_counts(ocodes, score[has_off], len(official)).items():
            official[col] = values
        first = np.full(len(official), np.iinfo("int64").max, dtype="int64")
        np.minimum.at(first, ocodes, odf["unit_id"].to_numpy(dtype="int64"))
        official["unit_id"] = first
    else:
        official = pd.DataFrame(columns=["official_id", "month", "scale", "unit_id", "s1", "s2", "s3", "s4", "s5", "n"])

    has_svc = df["service_code"].notna().to_numpy()
    sdf = df.loc[has_svc]
    if len(sdf):
        scodes, service = _groups(sdf, ["unit_id", "service_code", "month", "scale"])
        for col, values in _score_counts(scodes, score[has_svc], len(service)).items():
            service[col] = values
    else:
        service = pd.DataFrame(columns=["unit_id", "service_code", "month", "scale", "s1", "s2", "s3", "s4", "s5", "n"])

    hcodes, hour = _groups(df, ["unit_id", "month", "dow", "hour"])
    hour["n"] = np.bincount(hcodes, minlength=len(hour))
    return {"unit": unit, "official": official, "service": service, "hour": hour}


TABLES = {
    "unit": rollup_rating_unit,
    "official": rollup_rating_official,
    "service": rollup_rating_service,
    "hour": rollup_rating_hour,
}


def had_ratings(conn: Connection, unit_ids: list[int], months: list[int], batch_id: int | None = None) -> bool:
    """True when any of these unit-months holds a rating (of another batch than ``batch_id``)."""
    q = select(ratings.c.id).where(ratings.c.unit_id.in_(unit_ids), ratings.c.month.in_(months))
    if batch_id is not None:
        q = q.where((ratings.c.batch_id != batch_id) | ratings.c.batch_id.is_(None))
    return conn.execute(q.limit(1)).first() is not None


def official_neighbours(conn: Connection, rows: pd.DataFrame) -> set[int]:
    """Units outside ``rows`` whose rollups hold an official of ``rows`` in the same month.

    An official rated in two units in one month has one rollup row (under the first
    unit); refreshing only the new unit would collide with it, so those units are
    refreshed too.
    """
    off = rows.loc[rows["official_id"].notna(), ["official_id", "month"]].drop_duplicates()
    if off.empty:
        return set()
    mine = {int(u) for u in rows["unit_id"].unique()}
    months = sorted({int(m) for m in off["month"]})
    out: set[int] = set()
    ids = sorted({int(o) for o in off["official_id"]})
    for i in range(0, len(ids), 1000):
        res = conn.execute(
            select(rollup_rating_official.c.unit_id)
            .where(
                rollup_rating_official.c.official_id.in_(ids[i : i + 1000]), rollup_rating_official.c.month.in_(months)
            )
            .distinct()
        )
        out.update(int(u) for (u,) in res if int(u) not in mine)
    return out


def write_fresh(
    conn: Connection, rows: pd.DataFrame, batch_id: int, fresh: bool | None = None
) -> tuple[bool, set[int]]:
    """Write the rollups of ``rows`` if their unit-months had no ratings before.

    Returns (True, set()) when done; else (False, units the SQL refresh must include
    besides those of ``rows``) and writes nothing. Called inside the import
    transaction, after the rows are in. ``fresh``: the caller already knows whether the
    unit-months had ratings before (asked before inserting, when it is one index probe).
    """
    unit_ids = sorted({int(u) for u in rows["unit_id"].unique()})
    months = sorted({int(m) for m in rows["month"].unique()})
    neighbours = official_neighbours(conn, rows)
    if fresh is None:
        fresh = bool(unit_ids) and not had_ratings(conn, unit_ids, months, batch_id)
    if not unit_ids or neighbours or not fresh:
        return False, neighbours
    parts = compute(rows)
    # The same delete as refresh_ratings, then the new rows.
    for tbl in TABLES.values():
        conn.execute(delete(tbl).where(tbl.c.unit_id.in_(unit_ids), tbl.c.month.in_(months)))
    for name, tbl in TABLES.items():
        frame = parts[name]
        if len(frame):
            _insert(conn, tbl, frame)
    return True, set()


def _insert(conn: Connection, table, frame: pd.DataFrame) -> None:
    cols = [c.name for c in table.columns]
    data = frame[cols]
    values = [_py(data[c]) for c in cols]
    rows = list(zip(*values, strict=True))
    if is_sqlite(conn.engine):
        stmt = insert(table).compile(dialect=conn.dialect, column_keys=cols)
        order = [cols.index(k) for k in stmt.positiontup]
        conn.exec_driver_sql(str(stmt), [tuple(r[i] for i in order) for r in rows])
    else:
        conn.execute(insert(table), [dict(zip(cols, r, strict=True)) for r in rows])


def _py(col: pd.Series) -> list:
    """Python values for the drivers: counts and keys as int, text as str, NA as None."""
    if col.dtype.kind in "iufb":
        return [int(v) for v in col.to_numpy(dtype="int64")]
    return [
        None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else str(v)
        for v in col.astype(object).tolist()
    ]
