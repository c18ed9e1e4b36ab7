"""Benchmark: every page's server-side time, cold and warm, through AppTest of app.py.

A demo user is signed in (session state ``demo_user_email``, as the frame's demo sign-in
does), the page is opened at its address with realistic parameters (the latest month,
the featured ward, its most-rated official, a warning's case file), and the script run
is timed in-process: that is the server's share of a page view.

- cold: ``st.cache_data`` cleared before each run, a fresh session (the engine and its
  connection pool stay: they live in ``st.cache_resource`` for the server's lifetime);
- warm: a rerun of the same session (what a click on a widget costs).

``python -m bench.bench_pages --url URL [--runs 5]`` prints the figures.
"""

from __future__ import annotations

import argparse
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text

from bench.common import ROOT, Record, log, median, timing_record
from thuocdo.store.engine import make_engine

LEADER, ADMIN, PRESENTER, UNIT_HEAD = "leader", "admin", "presenter", "unit_head"
SLOW_MS = 20_000.0  # a page this slow is timed once, not ``runs`` times


@dataclass
class PageCase:
    """One page address: file, who opens it, URL parameters."""

    name: str
    file: str
    role: str
    email: str = ""
    params: dict = field(default_factory=dict)


def _one(conn, sql: str, **params):
    row = conn.execute(text(sql), params).first()
    return row[0] if row else None


def page_cases(url: str) -> list[PageCase]:
    """The page addresses to time, with parameters read from the database at ``url``."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            month = _one(conn, "SELECT MAX(month) FROM rollup_eval_unit")
            users: dict[str, str] = {}
            for role, email in conn.execute(
                text("SELECT role, email FROM users WHERE is_demo = :t ORDER BY id"), {"t": True}
            ):
                users.setdefault(role, email)
            unit = _one(conn, "SELECT code FROM units WHERE code = :c", c="HN.P.HOANKIEM") or _one(
                conn, "SELECT code FROM units WHERE parent_id IS NOT NULL ORDER BY id LIMIT 1"
            )
            unit_id = _one(conn, "SELECT id FROM units WHERE code = :c", c=unit)
            # The unit's most-rated official in the latest month: the heaviest drill-down.
            official = _one(
                conn,
                "SELECT o.code FROM rollup_rating_official r JOIN officials o ON o.id = r.official_id "
                "WHERE o.unit_id = :u AND r.month = :m ORDER BY r.n DESC LIMIT 1",
                u=unit_id,
                m=month,
            ) or _one(conn, "SELECT code FROM officials WHERE unit_id = :u ORDER BY id LIMIT 1", u=unit_id)
            warning = _one(conn, "SELECT id FROM warnings ORDER BY severity DESC, id LIMIT 1")
    finally:
        engine.dispose()
    if month is None:
        raise RuntimeError(f"no evaluations in {url}: not a demo database")
    period = f"{str(month)[:4]}-{str(month)[4:]}"
    cases = [
        PageCase("/overview", "pages/overview.py", LEADER, {"period": period}),
        PageCase("/unit?unit", "pages/unit.py", LEADER, {"unit": unit, "period": period}),
        PageCase("/satisfaction", "pages/satisfaction.py", LEADER, {"period": period}),
        PageCase("/satisfaction?unit", "pages/satisfaction.py", LEADER, {"period": period, "unit": unit}),
        PageCase(
            "/satisfaction?official",
            "pages/satisfaction.py",
            LEADER,
            {"period": period, "unit": unit, "official": official},
        ),
        PageCase("/warnings", "pages/warnings.py", LEADER, {"period": period}),
        PageCase("/official?official", "pages/official.py", LEADER, {"official": official, "period": period}),
        PageCase("/grades", "pages/grades.py", LEADER, {"period": period}),
        PageCase("/grades?unit", "pages/grades.py", LEADER, {"period": period, "unit": unit}),
        PageCase("/present", "pages/present.py", PRESENTER, {"period": period}),
        PageCase("/admin", "pages/admin.py", ADMIN, {}),
        PageCase("/overview (unit head)", "pages/overview.py", UNIT_HEAD, {"period": period}),
    ]
    if warning is not None:
        cases.insert(6, PageCase("/warnings?warning", "pages/warnings.py", LEADER, {"warning": str(warning)}))
    out = []
    for c in cases:
        if (ROOT / c.file).exists() and c.role in users:
            c.email = users[c.role]
            out.append(c)
    return out


class PageError(RuntimeError):
    pass


def new_session(case: PageCase):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.session_state["demo_user_email"] = case.email
    for k, v in case.params.items():
        at.query_params[k] = v
    if case.file != "pages/overview.py":
        at.switch_page(case.file)
    return at


def run_timed(at) -> float:
    """Run (or rerun) the session; milliseconds; raise PageError when the page failed."""
    return run_timed_cpu(at)[0]


def run_timed_cpu(at) -> tuple[float, float]:
    """Wall and process-CPU milliseconds of one run (CPU: this process only, so SQLite's
    work is in it and PostgreSQL's is not; on a shared machine it shows what is ours)."""
    c0, t0 = time.process_time(), time.perf_counter()
    at.run()
    ms = (time.perf_counter() - t0) * 1000.0
    cpu = (time.process_time() - c0) * 1000.0
    if at.exception:
        raise PageError("; ".join(str(e.value)[:300] for e in at.exception))
    return ms, cpu


def use_database(url: str) -> None:
    """Point the app (in this process) at ``url``: env var plus a fresh engine resource."""
    import streamlit as st
    import streamlit.logger

    # AppTest outside `streamlit run` warns on every call; the bench output is the figures.
    streamlit.logger.set_log_level("error")
    os.environ["DATABASE_URL"] = url
    os.chdir(ROOT)
    st.cache_resource.clear()
    st.cache_data.clear()


def clear_data_caches() -> None:
    import streamlit as st

    st.cache_data.clear()


def bench_pages(
    url: str, engine_name: str, scale: int, runs: int = 5, warm_runs: int = 5, only: tuple[str, ...] = ()
) -> list[Record]:
    """Cold and warm figures for every page case at ``url`` (``only``: names starting so)."""
    use_database(url)
    cases = [c for c in page_cases(url) if not only or c.name.startswith(only)]
    records: list[Record] = []
    # The first run in a process pays the imports and the engine: not a page's cost.
    try:
        run_timed(new_session(cases[0]))
    except Exception as exc:  # noqa: BLE001 - recorded with the page below
        log(f"warm-up failed: {exc}")
    for case in cases:
        cold, warm, errors, cold_cpu, warm_cpu = [], [], [], [], []
        for _ in range(runs):
            clear_data_caches()
            try:
                at = new_session(case)
                ms, cpu = run_timed_cpu(at)
                cold.append(ms)
                cold_cpu.append(cpu)
            except Exception as exc:  # noqa: BLE001 - a broken page is a finding, not a crash
                errors.append(str(exc)[:500])
                continue
            if ms > SLOW_MS:
                break  # far over budget: one run says it; more would cost minutes
        if cold:
            try:
                run_timed(at)  # first rerun fills any cache the first run only declared
                for _ in range(warm_runs if cold[-1] <= SLOW_MS else 1):
                    ms, cpu = run_timed_cpu(at)
                    warm.append(ms)
                    warm_cpu.append(cpu)
            except Exception as exc:  # noqa: BLE001
                errors.append(str(exc)[:500])
        note = f"errors: {errors[0]}" if errors else None
        extra = {"params": case.params, "errors": len(errors)}
        records.append(
            timing_record(
                engine_name,
                scale,
                "page_cold",
                case.name,
                cold,
                note=note,
                extra={**extra, "cpu_median_ms": median(cold_cpu)},
            )
        )
        records.append(
            timing_record(
                engine_name,
                scale,
                "page_warm",
                case.name,
                warm,
                note=note,
                extra={**extra, "cpu_median_ms": median(warm_cpu)},
            )
        )
        log(
            f"{engine_name} {scale:,} {case.name:<24} cold {records[-2].median_ms} ms, warm {records[-1].median_ms} ms"
            + (f"  ERRORS {len(errors)}: {errors[0][:160]}" if errors else "")
        )
    return records


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--scale", type=int, default=0)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)
    name = "postgresql" if args.url.startswith("postgres") else "sqlite"
    recs = bench_pages(args.url, name, args.scale, args.runs, args.runs)
    for r in recs:
        print(r.to_json())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


# --------------------------------------------------------------------------- plans

SQL_DIR = ROOT / "queries" / "sql"
PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
EXPANDING = re.compile(r"\bIN\s*\(?\s*:([A-Za-z_]\w*)", re.IGNORECASE)
RAW = re.compile(r"\bratings\b", re.IGNORECASE)


def sql_files(only_raw: bool = False) -> list[Path]:
    """Every page query file; ``only_raw``: those that read the ``ratings`` table itself."""
    files = sorted(SQL_DIR.glob("*.sql"))
    return [f for f in files if not only_raw or RAW.search(_strip_comments(f.read_text(encoding="utf-8")))]


def _strip_comments(sql: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in sql.splitlines())


def explain(conn, path: Path) -> list[str]:
    """The plan of one query file as lines, on SQLite or PostgreSQL.

    SQLite: EXPLAIN QUERY PLAN with every parameter NULL (its plans do not depend on the
    values). PostgreSQL 15 has no EXPLAIN (GENERIC_PLAN): the file is PREPAREd with $n
    placeholders and explained under plan_cache_mode = force_generic_plan, so a NULL
    parameter cannot fold the query away and hide a scan.
    """
    from sqlalchemy import bindparam

    sql = path.read_text(encoding="utf-8").strip().rstrip(";")
    names = list(dict.fromkeys(PARAM.findall(_strip_comments(sql))))
    expanding = set(EXPANDING.findall(sql))
    if conn.dialect.name == "sqlite":
        stmt = text("EXPLAIN QUERY PLAN " + sql)
        if expanding:
            stmt = stmt.bindparams(*[bindparam(n, expanding=True) for n in expanding])
        params = {n: ([None] if n in expanding else None) for n in names}
        return [str(r[-1]) for r in conn.execute(stmt, params)]
    # $n placeholders in the file's own order; a list parameter becomes = ANY($n) of an array.
    numbered = sql
    for i, n in enumerate(names, start=1):
        if n in expanding:
            numbered = re.sub(rf"\bIN\s*\(?\s*:{n}\b\s*\)?", f"= ANY(${i})", numbered, flags=re.IGNORECASE)
        numbered = re.sub(rf"(?<![:\w]):{n}\b", f"${i}", numbered)
    conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
    conn.exec_driver_sql("PREPARE bench_plan AS " + numbered)
    try:
        args = ", ".join("NULL" for _ in names)
        rows = conn.exec_driver_sql("EXPLAIN EXECUTE bench_plan" + (f"({args})" if names else "")).all()
        return [str(r[0]) for r in rows]
    finally:
        conn.exec_driver_sql("DEALLOCATE bench_plan")


def raw_scans(plan: list[str], dialect: str) -> list[str]:
    """Plan lines that read the whole ratings table (not through an index)."""
    if dialect == "sqlite":
        # "SCAN ratings" / "SCAN r" (alias) without "USING ... INDEX" is a full scan.
        return [
            line
            for line in plan
            if line.startswith("SCAN ")
            and "INDEX" not in line
            and re.search(r"\b(ratings|r)\b", line.split(" USING")[0])
        ]
    return [line for line in plan if "Seq Scan on ratings" in line]


def check_plans(url: str) -> dict[str, dict]:
    """Plan of every page query at ``url``: {file: {"raw": bool, "scans_ratings": [...], "error": ...}}."""
    engine = make_engine(url)
    out: dict[str, dict] = {}
    raw_files = {p.name for p in sql_files(only_raw=True)}
    try:
        for path in sql_files():
            with engine.connect() as conn:
                try:
                    plan = explain(conn, path)
                    scans = raw_scans(plan, engine.dialect.name) if path.name in raw_files else []
                    out[path.name] = {"raw": path.name in raw_files, "scans_ratings": scans, "plan": plan}
                except Exception as exc:  # noqa: BLE001 - a query the planner refuses is reported
                    out[path.name] = {"raw": path.name in raw_files, "error": repr(exc)[:300]}
                finally:
                    conn.rollback()
    finally:
        engine.dispose()
    return out
