"""Benchmark: the satisfaction page's queries, cold (caches cleared) and warm, at a database.

``python bench/bench_satisfaction.py [--url DATABASE_URL] [--scale NAME] [--runs R]`` prints
one line per figure; ``run()`` returns records {engine, scale, kind, name, median_ms,
p95_ms, runs} for ``make bench``. Budget (DESIGN.md): a warm rerun <= 100 ms, a cold page
<= 300 ms median. Page figures (AppTest, frame included) need a demo-seeded database.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from queries import satisfaction as q  # noqa: E402
from queries.units import months_with_data  # noqa: E402
from thuocdo.domain.access import CITY  # noqa: E402
from thuocdo.store.engine import database_url, make_engine  # noqa: E402


def _time(fn, runs: int, before=None) -> list[float]:
    out = []
    for _ in range(runs):
        if before:
            before()
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _record(engine: str, scale: str, kind: str, name: str, ms: list[float]) -> dict:
    ordered = sorted(ms)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {
        "engine": engine,
        "scale": scale,
        "kind": kind,
        "name": name,
        "median_ms": round(statistics.median(ms), 1),
        "p95_ms": round(p95, 1),
        "runs": len(ms),
    }


def _page_figures(engine_name: str, scale: str, runs: int, period: str) -> list[dict]:
    from sqlalchemy import text
    from streamlit.testing.v1 import AppTest

    with make_engine().connect() as conn:
        row = conn.execute(text("SELECT email FROM users WHERE role = 'leader' AND is_demo = TRUE LIMIT 1")).first()
    if row is None:
        return []
    os.chdir(ROOT)

    def new_app():
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.session_state["demo_user_email"] = row[0]
        at.query_params["period"] = period
        at.switch_page("pages/satisfaction.py")
        return at

    cold = []
    for _ in range(runs):
        st.cache_data.clear()
        at = new_app()
        t0 = time.perf_counter()
        at.run()
        cold.append((time.perf_counter() - t0) * 1000)
    warm = _time(at.run, runs)
    return [
        _record(engine_name, scale, "page_cold", "satisfaction", cold),
        _record(engine_name, scale, "page_warm", "satisfaction", warm),
    ]


def run(url: str | None = None, scale: str = "unknown", runs: int = 5, pages: bool = True) -> list[dict]:
    """Time every satisfaction query (cold and warm) and, optionally, the whole page."""
    if url:
        os.environ["DATABASE_URL"] = url
    engine_name = make_engine(database_url()).dialect.name
    months = months_with_data(CITY)
    if not months:
        return []
    end = months[0]
    start_year = end - end % 100 + 1  # January of the latest year: a year-to-date view
    first = q.read_start(start_year, end)
    calls = {
        "unit_month": lambda: q.unit_month(CITY, first, end),
        "services": lambda: q.services(CITY, start_year, end),
        "hours": lambda: q.hours(CITY, start_year, end),
        "officials_unit": None,
        "raw_ratings_unit": None,
    }
    frame = q.unit_month(CITY, end, end)
    busiest = frame.groupby("unit_id")["n"].sum().sort_values().index
    if len(busiest):
        unit_id = int(busiest[-1])
        from queries.units import units_in_scope
        from thuocdo.domain.access import Scope

        units = units_in_scope(CITY).set_index("id")
        unit_scope = Scope(str(units.loc[unit_id, "path"]), False)
        calls["officials_unit"] = lambda: q.officials(unit_scope, start_year, end)
        calls["raw_ratings_unit"] = lambda: q.raw_ratings(CITY, "unit", unit_id, end, 0)
    records = []
    for name, fn in calls.items():
        if fn is None:
            continue
        records.append(_record(engine_name, scale, "query_cold", name, _time(fn, runs, before=st.cache_data.clear)))
        fn()
        records.append(_record(engine_name, scale, "query_warm", name, _time(fn, runs)))
    st.cache_data.clear()
    summary = lambda: q.quality_signals(q.unit_month(CITY, first, end), list(range(start_year, end + 1)))  # noqa: E731
    records.append(_record(engine_name, scale, "compute_warm", "signals", _time(summary, runs)))
    if pages:
        period = f"{end // 100}-{end % 100:02d}"
        records += _page_figures(engine_name, scale, runs, period)
    return records


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", default=None, help="DATABASE_URL (default: the environment / embedded default)")
    ap.add_argument("--scale", default="unknown", help="label for the records (e.g. small, city)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-page", action="store_true", help="skip the AppTest page figures")
    args = ap.parse_args()
    for r in run(args.url, args.scale, args.runs, pages=not args.no_page):
        print(
            f"{r['engine']:<10} {r['scale']:<8} {r['kind']:<13} {r['name']:<18} median {r['median_ms']:>8.1f} ms   p95 {r['p95_ms']:>8.1f} ms   ({r['runs']} runs)"
        )


if __name__ == "__main__":
    main()
