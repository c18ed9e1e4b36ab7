"""Shared helpers of the importer tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import func, select

from thuocdo.ingest import import_file

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
MAPPINGS = EXAMPLES / "mappings"
REAL = ROOT.parent / "shared" / "data" / "real" / "bao_cao_T10_2025.xlsx"
# A fixed "now" so that the example months (2025) are never in the future.
NOW = dt.datetime(2025, 11, 15, 12, 0)


def imp(engine, data, kind: str, name: str = "t.csv", **kw):
    """Import ``data`` (text, bytes or a path) as ``kind`` without the warnings rescan."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    kw.setdefault("rescan_warnings", False)
    kw.setdefault("now", NOW)
    if isinstance(data, Path):
        return import_file(engine, data, kind, **kw)
    return import_file(engine, data, kind, file_name=name, **kw)


def seed(engine, *kinds: str) -> None:
    """Load the example files of ``kinds`` (default: units and officials)."""
    for kind in kinds or ("units", "officials"):
        r = imp(engine, EXAMPLES / f"{kind}.csv", kind)
        assert r.refused == 0, r.to_dict()


def count(engine, table, *where) -> int:
    with engine.connect() as conn:
        q = select(func.count()).select_from(table)
        for w in where:
            q = q.where(w)
        return int(conn.execute(q).scalar())


def identity(r) -> bool:
    return r.loaded + r.refused + r.already_present == r.rows_read
