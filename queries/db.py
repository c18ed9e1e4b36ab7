"""The app's database engine and the helper that runs one SQL file."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd
import streamlit as st
from sqlalchemy import Engine, text

from thuocdo.store.engine import make_engine

SQL_DIR = Path(__file__).resolve().parent / "sql"


@st.cache_resource(show_spinner=False)
def get_engine() -> Engine:
    """One engine (and connection pool) per server process."""
    return make_engine()


@cache
def sql_text(name: str):
    """The statement in ``queries/sql/<name>.sql`` as a ``text()`` clause."""
    return text((SQL_DIR / f"{name}.sql").read_text(encoding="utf-8"))


def read(name: str, engine: Engine | None = None, **params) -> pd.DataFrame:
    """Run ``queries/sql/<name>.sql`` with bound ``params`` and return a DataFrame."""
    engine = engine or get_engine()
    stmt = sql_text(name)
    # A NUL byte can match nothing, and PostgreSQL refuses it outright: drop it.
    params = {k: (v.replace("\x00", "") if isinstance(v, str) else v) for k, v in params.items()}
    expanding = [k for k, v in params.items() if isinstance(v, (list, tuple, set, frozenset))]
    if expanding:
        from sqlalchemy import bindparam

        stmt = stmt.bindparams(*[bindparam(k, expanding=True) for k in expanding])
        params = {k: (list(v) if k in expanding else v) for k, v in params.items()}
    with engine.connect() as conn:
        result = conn.execute(stmt, params)
        # Plain tuples: pandas probes SQLAlchemy Row objects one by one, at twice the cost.
        return pd.DataFrame([tuple(r) for r in result.fetchall()], columns=list(result.keys()))
