"""Shared pieces of the city-scale benchmark: the data cache, timing, records.

City-scale databases are expensive (minutes each), so they are built once and reused:
a SQLite file ``data/bench/city-<N>.db`` or a PostgreSQL database ``thuocdo_bench_<N>``
counts as cached when its ``meta`` table says demo scale ``city``, the same seed and
``N`` ratings, and its Alembic revision is the current head (so a new migration, e.g.
an index, invalidates nothing silently: the database is upgraded in place, which is
what an operator would do too).
"""

from __future__ import annotations

import json
import math
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import make_url

from thuocdo.store.db import current_revision, head_revision, init_db
from thuocdo.store.engine import make_engine

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "data" / "bench"
RESULTS = ROOT / "bench" / "results" / "latest.json"
DEFAULT_SCALES = (1_000_000, 5_000_000, 20_000_000)
DEFAULT_SEED = 42
KINDS = (
    "page_cold",
    "page_warm",
    "first_page",
    "import",
    "scan_full",
    "scan_incremental",
    "memory_mb",
    "concurrent_p95",
)


@dataclass
class Record:
    """One figure of the benchmark (the JSON contract of bench/results/latest.json)."""

    engine: str
    scale: int
    kind: str
    name: str
    median_ms: float | None = None
    p95_ms: float | None = None
    runs: int = 0
    value: float | None = None
    note: str | None = None
    extra: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        d = asdict(self)
        if not d["extra"]:
            d.pop("extra")
        if d["note"] is None:
            d.pop("note")
        return d


def timing_record(engine: str, scale: int, kind: str, name: str, times_ms: list[float], **kw) -> Record:
    """A record from a list of wall times in milliseconds (with the machine's load then)."""
    rec = Record(engine, scale, kind, name, median_ms=median(times_ms), p95_ms=p95(times_ms), runs=len(times_ms), **kw)
    rec.extra.setdefault("load1", round(os.getloadavg()[0], 1))
    return rec


def median(xs: list[float]) -> float | None:
    return round(statistics.median(xs), 1) if xs else None


def p95(xs: list[float]) -> float | None:
    if not xs:
        return None
    s = sorted(xs)
    # Nearest-rank p95: with few runs it is the slowest, which is the honest reading.
    k = max(0, min(len(s) - 1, math.ceil(0.95 * len(s)) - 1))
    return round(s[k], 1)


def merge_keys(records: list[Record]) -> set[tuple]:
    return {(r.engine, r.scale, r.kind, r.name) for r in records}


class Timer:
    def __enter__(self):
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.ms = (time.perf_counter() - self.t0) * 1000.0


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --------------------------------------------------------------------------- databases


def pg_server_url() -> str | None:
    """The PostgreSQL server for the bench: BENCH_DATABASE_URL, else TEST_DATABASE_URL's server."""
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    return url or None


def sqlite_path(n: int, data_dir: Path | None = None) -> Path:
    return (data_dir or DATA_DIR) / f"city-{n}.db"


def db_url(engine_name: str, n: int, data_dir: Path | None = None, prefix: str = "thuocdo_bench") -> str:
    """The URL of the bench database for ``engine_name`` at ``n`` ratings."""
    if engine_name == "sqlite":
        return f"sqlite:///{sqlite_path(n, data_dir)}"
    server = pg_server_url()
    if not server:
        raise RuntimeError("no PostgreSQL server: set BENCH_DATABASE_URL or TEST_DATABASE_URL")
    url = make_url(server.replace("postgresql://", "postgresql+psycopg://", 1))
    return url.set(database=f"{prefix}_{n}").render_as_string(hide_password=False)


def cached(engine: Engine, n: int, seed: int, scale: str) -> bool:
    """True when the database already holds the demo of this scale, seed and ratings count."""
    try:
        if "meta" not in inspect(engine).get_table_names():
            return False
        with engine.connect() as conn:
            rows = dict(
                conn.execute(
                    text("SELECT key, value FROM meta WHERE key IN ('demo_scale', 'demo_seed', 'demo_ratings')")
                ).all()
            )
    except Exception:  # noqa: BLE001 - an unreadable file is simply not a cache hit
        return False
    return rows == {"demo_scale": scale, "demo_seed": str(seed), "demo_ratings": str(n)}


def _create_pg_database(url: str, drop: bool) -> None:
    u = make_url(url)
    admin = make_engine(u.set(database="postgres").render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": u.database}).first()
            if exists and drop:
                # Identifier, not a value: it comes from our own fixed prefix and an integer.
                conn.exec_driver_sql(f'DROP DATABASE "{u.database}" WITH (FORCE)')
                exists = None
            if not exists:
                conn.exec_driver_sql(f'CREATE DATABASE "{u.database}"')
    finally:
        admin.dispose()


def ensure_database(
    engine_name: str,
    n: int,
    seed: int = DEFAULT_SEED,
    scale: str = "city",
    data_dir: Path | None = None,
    prefix: str = "thuocdo_bench",
    say: Callable[[str], None] = log,
) -> tuple[str, dict]:
    """Build or reuse the bench database; return its URL and what was done."""
    from thuocdo.demo import seed as demo_seed

    url = db_url(engine_name, n, data_dir, prefix)
    if engine_name == "postgresql":
        _create_pg_database(url, drop=False)
    else:
        sqlite_path(n, data_dir).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    try:
        if cached(engine, n, seed, scale):
            info = {"built": False}
            if current_revision(engine) != head_revision():
                say(f"{engine_name} {n:,}: upgrading schema to {head_revision()}")
                init_db(engine)
                info["upgraded"] = True
            say(f"{engine_name} {n:,}: reusing cached database")
            return url, info
    finally:
        engine.dispose()

    say(f"{engine_name} {n:,}: building (scale {scale}, seed {seed}) - this takes minutes")
    t0 = time.perf_counter()
    if engine_name == "postgresql":
        _create_pg_database(url, drop=True)
        engine = make_engine(url)
        try:
            result = demo_seed(engine, scale=scale, seed=seed, ratings=n, log=lambda m: say(f"  {m}"))
        finally:
            engine.dispose()
    else:
        # Build beside the target and rename at the end, so a killed build never looks cached.
        final = sqlite_path(n, data_dir)
        tmp = final.with_name(final.name + ".building")
        for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            p.unlink(missing_ok=True)
        engine = make_engine(f"sqlite:///{tmp}")
        try:
            result = demo_seed(engine, scale=scale, seed=seed, ratings=n, log=lambda m: say(f"  {m}"))
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            engine.dispose()
        for p in (final, Path(f"{final}-wal"), Path(f"{final}-shm")):
            p.unlink(missing_ok=True)
        tmp.rename(final)
        for suffix in ("-wal", "-shm"):
            Path(f"{tmp}{suffix}").unlink(missing_ok=True)
        truth = Path(f"{tmp}.truth.json")
        if truth.exists():
            truth.rename(Path(f"{final}.truth.json"))
    seconds = time.perf_counter() - t0
    say(f"{engine_name} {n:,}: built in {seconds:.0f} s")
    return url, {"built": True, "seconds": round(seconds, 1), "counts": result.get("counts")}


def write_results(records: list[Record], path: Path = RESULTS, meta: dict | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = [r.to_json() for r in records]
    path.write_text(json.dumps(body, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if meta is not None:
        path.with_name(path.stem + ".meta.json").write_text(
            json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
    return path
