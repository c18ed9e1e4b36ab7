"""City-scale benchmark: ``make bench`` = ``python -m bench``.

For each engine (SQLite, PostgreSQL) and each scale (ratings: 1M, 5M, 20M; ~170 units,
60,000 officials, 36 months) it builds or reuses the demo database, then measures:
the full and incremental warning scans (bench_warnings), every page cold and warm
(bench_pages), and at the largest scale the memory of a real server with 10 browser
sessions and the first page after start (bench_memory) and 20 simultaneous sessions
(bench_concurrency); once, the import throughput (bench_import, SQLite). Figures go to
``bench/results/latest.json`` (merged with earlier figures unless ``--fresh``) and a
short table with the budget of DESIGN.md is printed.

    python -m bench                              # everything (long: builds take minutes)
    python -m bench --quick                      # 1M ratings, SQLite only
    python -m bench --scales 1000000,5000000 --engines sqlite,postgresql
    python -m bench --url sqlite:///data/x.db    # one existing database, no build
    python -m bench --build-only                 # just build/refresh the cached databases
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import DEFAULT_SCALES, DEFAULT_SEED, RESULTS, Record, ensure_database, log, write_results  # noqa: E402

BUDGET = {
    "page_warm": 100.0,
    "page_cold": 300.0,
    "cold_ratio": 1.5,
    "first_page": 3000.0,
    "scan_full": 10_000.0,
    "scan_incremental": 2_000.0,
    "memory_mb": 600.0,
    "import_per_1m": 20_000.0,
}


def _as_record(d: dict, engine: str | None = None, scale: int | None = None) -> Record:
    """A record dict from another bench module, normalised to the common contract."""
    try:
        sc = int(d.get("scale")) if scale is None else scale
    except (TypeError, ValueError):
        sc = scale or 0
    return Record(
        engine=engine or d.get("engine", "sqlite"),
        scale=sc,
        kind=d["kind"],
        name=d["name"],
        median_ms=d.get("median_ms"),
        p95_ms=d.get("p95_ms"),
        runs=int(d.get("runs") or 0),
        value=d.get("value"),
    )


def _failed(engine: str, scale: int, kind: str, name: str, exc: BaseException) -> Record:
    """A figure that could not be measured: recorded, never a crash of the whole bench."""
    log(f"FAILED {engine} {scale:,} {kind} {name}: {exc!r}")
    traceback.print_exc(limit=3)
    return Record(engine, scale, kind, name, note=f"not measured: {exc!r}"[:500])


def run_scans(url: str, engine: str, scale: int, runs: int) -> list[Record]:
    try:
        from bench import bench_warnings
    except Exception as exc:  # noqa: BLE001 - a missing module is a finding
        return [_failed(engine, scale, "scan_full", "full_scan", exc)]
    try:
        out = bench_warnings.speed(url, str(scale), runs)
        recs = [_as_record(d, engine, scale) for d in out]
        for r in recs:
            log(f"{engine} {scale:,} {r.kind}: median {r.median_ms} ms ({r.runs} runs)")
        return recs
    except Exception as exc:  # noqa: BLE001
        return [_failed(engine, scale, "scan_full", "full_scan", exc)]


def run_import(rows: int, runs: int) -> list[Record]:
    try:
        from bench import bench_import

        out = bench_import.run(rows=rows, runs=runs)
        return [_as_record(d, "sqlite", rows) for d in out]
    except Exception as exc:  # noqa: BLE001
        return [_failed("sqlite", rows, "import", "ratings_csv", exc)]


def run_pages(url: str, engine: str, scale: int, runs: int, only: tuple[str, ...] = ()) -> list[Record]:
    try:
        from bench.bench_pages import bench_pages

        return bench_pages(url, engine, scale, runs=runs, warm_runs=runs, only=only)
    except Exception as exc:  # noqa: BLE001
        return [_failed(engine, scale, "page_cold", "all_pages", exc)]


def run_concurrency(url: str, engine: str, scale: int, sessions: int, rounds: int) -> list[Record]:
    try:
        from bench.bench_concurrency import bench_concurrent

        return bench_concurrent(url, engine, scale, sessions=sessions, rounds=rounds)
    except Exception as exc:  # noqa: BLE001
        return [_failed(engine, scale, "concurrent_p95", f"{sessions}_sessions", exc)]


def run_memory(url: str, engine: str, scale: int, sessions: int) -> list[Record]:
    try:
        from bench.bench_memory import bench_memory

        return bench_memory(url, engine, scale, sessions=sessions)
    except Exception as exc:  # noqa: BLE001
        return [_failed(engine, scale, "memory_mb", f"{sessions}_sessions", exc)]


PG_SETTINGS = (
    "server_version", "shared_buffers", "work_mem", "effective_cache_size", "maintenance_work_mem",
    "random_page_cost", "max_connections", "fsync", "synchronous_commit", "full_page_writes", "jit",
    "max_parallel_workers_per_gather",
)  # fmt: skip


def pg_settings(url: str) -> dict:
    """The PostgreSQL settings the figures were measured with (for the README)."""
    from sqlalchemy import text

    from thuocdo.store.engine import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {k: conn.execute(text("SELECT current_setting(:k)"), {"k": k}).scalar() for k in PG_SETTINGS}
    except Exception as exc:  # noqa: BLE001
        return {"error": repr(exc)[:200]}
    finally:
        engine.dispose()


def run_plans(url: str, engine: str, scale: int) -> dict:
    """EXPLAIN every page query on this database: which read raw ratings and how."""
    try:
        from bench.bench_pages import check_plans

        plans = check_plans(url)
    except Exception as exc:  # noqa: BLE001
        log(f"FAILED plans {engine} {scale:,}: {exc!r}")
        return {"error": repr(exc)[:300]}
    raw = {k: v for k, v in plans.items() if v.get("raw")}
    bad = {
        k: v.get("scans_ratings") or v.get("error") for k, v in raw.items() if v.get("scans_ratings") or v.get("error")
    }
    errors = {k: v["error"] for k, v in plans.items() if v.get("error")}
    if bad:
        log(f"{engine} {scale:,}: page queries that SCAN ratings: {bad}")
    else:
        log(
            f"{engine} {scale:,}: no page query scans ratings ({len(raw)} drill-downs use an index, {len(plans)} files planned)"
        )
    return {
        "files": len(plans),
        "raw_files": {k: v.get("plan") for k, v in raw.items()},
        "scans_ratings": bad,
        "plan_errors": errors,
    }


# --------------------------------------------------------------------------- output


def add_ratios(records: list[Record]) -> None:
    """Cold-page ratio largest/smallest scale per engine and page, into the larger record."""
    for r in records:  # ratios written by an earlier run may be against other scales
        for k in [k for k in r.extra if "ratio_vs_" in k]:
            del r.extra[k]
    cold = [r for r in records if r.kind == "page_cold" and r.median_ms]
    for engine in {r.engine for r in cold}:
        mine = [r for r in cold if r.engine == engine]
        scales = sorted({r.scale for r in mine})
        if len(scales) < 2:
            continue
        lo, hi = scales[0], scales[-1]
        base = {r.name: r for r in mine if r.scale == lo}
        for r in mine:
            b = base.get(r.name)
            if r.scale == hi and b is not None and b.median_ms:
                r.extra[f"ratio_vs_{lo}"] = round(r.median_ms / b.median_ms, 2)
                # CPU of the app process: on a shared machine the fairer reading of "no slower".
                cpu, cpu_lo = r.extra.get("cpu_median_ms"), b.extra.get("cpu_median_ms")
                if cpu and cpu_lo:
                    r.extra[f"cpu_ratio_vs_{lo}"] = round(cpu / cpu_lo, 2)


def merge(old: list[dict], new: list[Record]) -> list[Record]:
    """Earlier figures stay unless this run measured the same (engine, scale, kind, name)."""
    keys = {(r.engine, r.scale, r.kind, r.name) for r in new}
    kept = []
    for d in old:
        if (d.get("engine"), d.get("scale"), d.get("kind"), d.get("name")) in keys:
            continue
        r = _as_record(d)
        r.note, r.extra = d.get("note"), d.get("extra") or {}
        kept.append(r)
    return kept + new


def _fmt(x, unit: str = "") -> str:
    if x is None:
        return "–"
    return f"{x:,.0f}{unit}" if abs(x) >= 100 else f"{x:,.1f}{unit}"


def table(records: list[Record]) -> str:
    """The short table: pages cold/warm per engine and scale, then the other figures."""
    lines = []
    pages = [r for r in records if r.kind in ("page_cold", "page_warm")]
    combos = sorted({(r.engine, r.scale) for r in pages})
    names = list(dict.fromkeys(r.name for r in pages))
    if combos:
        head = f"{'page':<26}" + "".join(f"{e[:6]} {s // 1_000_000 or s}M cold/warm".rjust(28) for e, s in combos)
        lines += [head, "-" * len(head)]
        by = {(r.engine, r.scale, r.kind, r.name): r for r in pages}
        for n in names:
            cells = []
            for e, s in combos:
                c, w = by.get((e, s, "page_cold", n)), by.get((e, s, "page_warm", n))
                cm, wm = (c.median_ms if c else None), (w.median_ms if w else None)
                flag = ""
                if (cm is not None and cm > BUDGET["page_cold"]) or (wm is not None and wm > BUDGET["page_warm"]):
                    flag = " !"
                if c and c.note and not cm:
                    cells.append("ERROR".rjust(28))
                    continue
                cells.append(f"{_fmt(cm)} / {_fmt(wm)} ms{flag}".rjust(28))
            lines.append(f"{n:<26}" + "".join(cells))
        ratio_lines = []
        for r in records:
            for k, v in r.extra.items() if r.kind == "page_cold" else ():
                if k.startswith("ratio_vs_"):
                    cpu = r.extra.get("cpu_" + k)
                    ratio_lines.append(
                        f"  {r.engine} {r.name}: {v:.2f}x wall{' !' if v > BUDGET['cold_ratio'] else ''}"
                        + (f", {cpu:.2f}x CPU{' !' if cpu > BUDGET['cold_ratio'] else ''}" if cpu else "")
                    )
        if ratio_lines:
            lines.append(f"cold ratio largest/smallest scale (budget <= {BUDGET['cold_ratio']}x):")
            lines += ratio_lines
    others = [r for r in records if r.kind not in ("page_cold", "page_warm")]
    if others:
        lines.append("")
        for r in others:
            fig = (
                f"value {_fmt(r.value)}"
                if r.kind == "memory_mb"
                else f"median {_fmt(r.median_ms, ' ms')} p95 {_fmt(r.p95_ms, ' ms')}"
            )
            if r.kind == "import" and r.value:
                fig += f"  ({_fmt(r.value)} rows/s)"
            if r.kind == "concurrent_p95":
                fig += f"  errors {int(r.value or 0)}"
            note = f"  [{r.note[:80]}]" if r.note else ""
            lines.append(f"{r.engine:<11}{r.scale:>11,} {r.kind:<17} {r.name:<32} {fig}{note}")
    return "\n".join(lines)


def markdown(records: list[Record]) -> str:
    """The README table: per page, cold / warm median (CPU of the app process in brackets)."""
    pages = [r for r in records if r.kind in ("page_cold", "page_warm")]
    combos = sorted({(r.engine, r.scale) for r in pages})
    by = {(r.engine, r.scale, r.kind, r.name): r for r in pages}
    names = list(dict.fromkeys(r.name for r in pages))
    out = [
        "| page | " + " | ".join(f"{e} {s / 1e6:g}M cold / warm ms" for e, s in combos) + " |",
        "|---|" + "---|" * len(combos),
    ]
    for n in names:
        cells = []
        for e, s in combos:
            c, w = by.get((e, s, "page_cold", n)), by.get((e, s, "page_warm", n))
            if not c or c.median_ms is None:
                cells.append("error" if c and c.note else "–")
                continue
            cc, wc = c.extra.get("cpu_median_ms"), (w.extra.get("cpu_median_ms") if w else None)
            cells.append(f"{_fmt(c.median_ms)} ({_fmt(cc)}) / {_fmt(w.median_ms if w else None)} ({_fmt(wc)})")
        out.append(f"| `{n}` | " + " | ".join(cells) + " |")
    ratios = [r for r in pages if r.kind == "page_cold" and any(k.startswith("ratio_vs_") for k in r.extra)]
    if ratios:
        out += ["", "| engine | page | cold ratio largest / smallest scale: wall | CPU |", "|---|---|---|---|"]
        for r in ratios:
            k = next(k for k in r.extra if k.startswith("ratio_vs_"))
            out.append(
                f"| {r.engine} | `{r.name}` | {r.extra[k]:.2f}× | {r.extra.get('cpu_' + k, float('nan')):.2f}× |"
            )
    others = [r for r in records if r.kind not in ("page_cold", "page_warm")]
    if others:
        out += [
            "",
            "| engine | ratings | figure | name | median | p95 | runs | value |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in others:
            out.append(
                f"| {r.engine} | {r.scale:,} | {r.kind} | {r.name} | {_fmt(r.median_ms, ' ms')} | {_fmt(r.p95_ms, ' ms')} "
                f"| {r.runs} | {_fmt(r.value)} |"
            )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    ap.add_argument(
        "--scales", default=",".join(str(s) for s in DEFAULT_SCALES), help="ratings counts, comma-separated"
    )
    ap.add_argument("--engines", default="sqlite,postgresql")
    ap.add_argument("--quick", action="store_true", help="1M ratings on SQLite only, fewer runs")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--demo-scale", default="city", help="demo scale the databases are built with (city)")
    ap.add_argument("--url", default=None, help="bench this existing database only (no build)")
    ap.add_argument("--data-dir", type=Path, default=None, help="where the SQLite bench files live (data/bench)")
    ap.add_argument("--results", type=Path, default=RESULTS)
    ap.add_argument("--fresh", action="store_true", help="do not keep earlier figures in the results file")
    ap.add_argument("--runs", type=int, default=5, help="runs per page and per scan")
    ap.add_argument("--skip", default="", help="comma-separated: import,scan,pages,plans,concurrency,memory")
    ap.add_argument("--import-rows", type=int, default=1_000_000)
    ap.add_argument("--sessions", type=int, default=20, help="simultaneous sessions")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of simultaneous sessions")
    ap.add_argument("--memory-sessions", type=int, default=10)
    ap.add_argument(
        "--pages", default="", help="only the page addresses starting so, comma-separated (/overview,/unit)"
    )
    ap.add_argument("--build-only", action="store_true")
    ap.add_argument("--report", action="store_true", help="print the results file as Markdown tables; run nothing")
    args = ap.parse_args(argv)
    if args.report:
        loaded = merge(json.loads(args.results.read_text(encoding="utf-8")), [])
        add_ratios(loaded)
        print(markdown(loaded))
        return 0

    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    scales = [int(s) for s in args.scales.split(",") if s.strip()]
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    only = tuple(p.strip() for p in args.pages.split(",") if p.strip())
    if args.quick:
        # A fast check: the smallest scale, SQLite, fewer runs; every kind of figure still measured.
        scales, engines, args.runs = [min(scales) if scales else 1_000_000], ["sqlite"], min(args.runs, 3)
        args.rounds, args.import_rows = 1, min(args.import_rows, 200_000)
    started = time.time()
    records: list[Record] = []

    targets: list[tuple[str, int, str]] = []
    if args.url:
        engine = "postgresql" if args.url.startswith("postgres") else "sqlite"
        targets.append((engine, scales[0] if len(scales) == 1 else 0, args.url))
    else:
        for engine in engines:
            for n in scales:
                try:
                    url, info = ensure_database(engine, n, args.seed, args.demo_scale, args.data_dir)
                    targets.append((engine, n, url))
                except Exception as exc:  # noqa: BLE001 - e.g. no PostgreSQL server: say so, go on
                    records.append(_failed(engine, n, "page_cold", "build", exc))
    if args.build_only:
        return 0

    largest = {e: max((n for en, n, _ in targets if en == e), default=0) for e in engines}
    plans: dict[str, dict] = {}
    pg = next((url for e, _n, url in targets if e == "postgresql"), None)
    settings = pg_settings(pg) if pg else None
    if "import" not in skip:
        records += run_import(args.import_rows, 1)
    for engine, n, url in targets:
        log(f"=== {engine} {n:,} ratings")
        if "scan" not in skip:
            records += run_scans(url, engine, n, args.runs)
        if "pages" not in skip:
            records += run_pages(url, engine, n, args.runs, only)
        if "plans" not in skip:
            plans[f"{engine}-{n}"] = run_plans(url, engine, n)
        if n == largest.get(engine, n) or args.url:
            if "concurrency" not in skip:
                records += run_concurrency(url, engine, n, args.sessions, args.rounds)
            if "memory" not in skip:
                records += run_memory(url, engine, n, args.memory_sessions)

    args.results.parent.mkdir(parents=True, exist_ok=True)
    # Several bench processes (one per engine, say) may finish at once: merge under a lock.
    with open(args.results.with_name(args.results.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        old = []
        meta_path = args.results.with_name(args.results.stem + ".meta.json")
        if not args.fresh and meta_path.exists():
            try:
                plans = {**json.loads(meta_path.read_text(encoding="utf-8")).get("plans", {}), **plans}
            except (OSError, ValueError):
                pass
        if not args.fresh and args.results.exists():
            try:
                old = json.loads(args.results.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                old = []
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        for r in records:
            r.extra.setdefault("measured_at", stamp)
            r.extra.setdefault("load1", round(os.getloadavg()[0], 1))
        all_records = merge(old, records)
        add_ratios(all_records)
        meta = {
            "written_at": stamp,
            "seconds": round(time.time() - started, 1),
            "argv": sys.argv[1:] if argv is None else argv,
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "load_avg_at_end": os.getloadavg(),
            },
            "budget": BUDGET,
            "plans": plans,
            "postgresql_settings": settings,
        }
        path = write_results(all_records, args.results, meta)
    print()
    print(table(all_records))
    print(f"\nwritten: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
