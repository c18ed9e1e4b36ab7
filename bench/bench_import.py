"""Benchmark: import 1M citizen ratings from CSV into a fresh SQLite database —
read, validated, loaded, rolled up (budget: ≤ 20 s on the 2-core machine).

``python bench/bench_import.py [--rows N] [--runs R]`` prints the figures; ``run()``
returns benchmark records for ``make bench``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from thuocdo.ingest import import_file  # noqa: E402
from thuocdo.store.db import init_db  # noqa: E402
from thuocdo.store.engine import make_engine  # noqa: E402

N_UNITS = 30
N_OFFICIALS = 600
N_DEVICES = 90
SEED = 20251031
BUDGET_S = 20.0


def write_fixture(folder: Path, rows: int, seed: int = SEED) -> tuple[Path, Path, Path]:
    """Deterministic units, officials and ratings files (ratings: ``rows`` lines)."""
    rng = np.random.default_rng(seed)
    units = pd.DataFrame(
        {
            "code": [f"B{i:03d}" for i in range(N_UNITS + 1)],
            "name": ["Thành phố thử nghiệm"] + [f"Phường Thử Nghiệm {i}" for i in range(1, N_UNITS + 1)],
            "kind": ["city"] + ["ward"] * N_UNITS,
            "parent_code": [""] + ["B000"] * N_UNITS,
        }
    )
    officials = pd.DataFrame(
        {
            "code": [f"CB{i:05d}" for i in range(N_OFFICIALS)],
            "full_name": [f"Cán bộ {i}" for i in range(N_OFFICIALS)],
            "gender": rng.choice(["Nam", "Nữ"], N_OFFICIALS),
            "unit_code": [f"B{1 + i % N_UNITS:03d}" for i in range(N_OFFICIALS)],
        }
    )
    unit_of = rng.integers(1, N_UNITS + 1, rows)
    official = np.where(rng.random(rows) < 0.7, rng.integers(0, N_OFFICIALS, rows), -1)
    # Rated during office hours of October 2025, to the second.
    day = rng.integers(1, 32, rows)
    seconds = rng.integers(7 * 3600, 18 * 3600, rows)
    ts = pd.to_datetime("2025-10-01") + pd.to_timedelta(day - 1, unit="D") + pd.to_timedelta(seconds, unit="s")
    score = rng.choice([1, 2, 3, 4], rows, p=[0.03, 0.09, 0.38, 0.50])
    channel = rng.choice(["kiosk", "tablet", "online", "sms"], rows, p=[0.5, 0.2, 0.25, 0.05])
    device = rng.integers(0, N_DEVICES, rows)
    ratings = pd.DataFrame(
        {
            "rating_id": np.arange(1, rows + 1),
            "rated_at": ts.strftime("%Y-%m-%d %H:%M:%S"),
            "unit_code": [f"B{u:03d}" for u in unit_of],
            "official_code": [f"CB{o:05d}" if o >= 0 else "" for o in official],
            "service_code": [f"TTHC{int(x):03d}" for x in rng.integers(0, 40, rows)],
            "channel": channel,
            "device_id": [f"D{d:03d}" for d in device],
            "score": score,
        }
    )
    paths = folder / "units.csv", folder / "officials.csv", folder / "ratings.csv"
    units.to_csv(paths[0], index=False)
    officials.to_csv(paths[1], index=False)
    ratings.to_csv(paths[2], index=False)
    return paths


def one_run(folder: Path, paths, run: int) -> dict:
    db = folder / f"bench_{run}.db"
    engine = make_engine(f"sqlite:///{db}")
    init_db(engine)
    import_file(engine, paths[0], "units", actor="bench", rescan_warnings=False)
    import_file(engine, paths[1], "officials", actor="bench", rescan_warnings=False)
    t0 = time.perf_counter()
    result = import_file(
        engine, paths[2], "ratings", actor="bench", rescan_warnings=False, now=dt.datetime(2025, 11, 15)
    )
    seconds = time.perf_counter() - t0
    engine.dispose()
    if result.loaded != result.rows_read:
        raise RuntimeError(f"bench import refused rows: {result.to_dict()}")
    return {
        "seconds": seconds,
        "rows": result.rows_read,
        "wall": result.extra["timings_ms"],
        "cpu": result.extra["cpu_ms"],
    }


def run(records: list | None = None, rows: int = 1_000_000, runs: int = 1) -> list:
    """Run the benchmark; append one record to ``records`` (a new list by default)."""
    records = [] if records is None else records
    with tempfile.TemporaryDirectory(prefix="thuocdo-bench-import-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        paths = write_fixture(folder, rows)
        print(
            f"fixture: {rows:,} ratings written in {time.perf_counter() - t0:.1f} s ({paths[2].stat().st_size / 1e6:.0f} MB)"
        )
        times = []
        for i in range(runs):
            out = one_run(folder, paths, i)
            times.append(out["seconds"])
            cpu = sum(out["cpu"].values()) / 1000
            print(
                f"run {i + 1}: {out['rows']:,} ratings in {out['seconds']:.2f} s = {out['rows'] / out['seconds']:,.0f} rows/s (CPU {cpu:.1f} s)"
            )
            print(
                "  stages (wall ms / cpu ms): "
                + ", ".join(f"{k} {out['wall'][k]}/{out['cpu'].get(k, 0)}" for k in out["wall"])
            )
    med = statistics.median(times)
    p95 = sorted(times)[max(0, int(round(0.95 * len(times))) - 1)]
    verdict = "within" if med <= BUDGET_S * rows / 1_000_000 else "OVER"
    print(f"median {med:.2f} s, p95 {p95:.2f} s — {verdict} the budget of {BUDGET_S:.0f} s per 1M ratings")
    records.append(
        {
            "engine": "sqlite",
            "scale": rows,
            "kind": "import",
            "name": "ratings_csv",
            "median_ms": round(med * 1000, 1),
            "p95_ms": round(p95 * 1000, 1),
            "runs": runs,
            "value": round(rows / med),
        }
    )
    return records


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--runs", type=int, default=1)
    args = p.parse_args(argv)
    run(rows=args.rows, runs=args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
