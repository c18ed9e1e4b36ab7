"""Benchmark: early-warning quality against the demo's ground truth, and scan speed.

``python bench/bench_warnings.py [--scale small] [--seeds 1,2,3] [--url URL] [--runs 3]``

- **quality** — for each seed, seed the demo at ``--scale`` into a temporary SQLite file
  (``python -m thuocdo seed-demo`` does the same), run a full scan, and compare the
  warnings with the ground truth (meta key ``demo_truth``): a warning is a true positive
  when a truth record has its rule, subject and a month range containing the warning's
  month; recall counts the *required* truth records found by at least one warning.
  Figures per rule and seed, and pooled over the seeds.
- **speed** — on ``--url`` (or the last seeded file): a full scan, and the incremental
  scan that follows an import of the latest month for every unit (budget: 10 s and
  2 s at city scale).

``run()`` returns records {engine, scale, kind: scan_full|scan_incremental|quality,
name, median_ms, p95_ms, runs, value} for ``make bench``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from thuocdo.domain.warnings.model import RULE_CODES  # noqa: E402
from thuocdo.domain.warnings.scan import data_months, full_scan, rescan  # noqa: E402
from thuocdo.store.db import get_meta  # noqa: E402
from thuocdo.store.engine import make_engine  # noqa: E402
from thuocdo.store.schema import officials, units, warnings  # noqa: E402

TRUTH_META = "demo_truth"


def _record(
    engine: str, scale: str, kind: str, name: str, ms: list[float] | None = None, value: float | None = None
) -> dict:
    ms = ms or []
    ordered = sorted(ms)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))] if ordered else None
    return {
        "engine": engine,
        "scale": scale,
        "kind": kind,
        "name": name,
        "median_ms": round(statistics.median(ms), 1) if ms else None,
        "p95_ms": round(p95, 1) if p95 is not None else None,
        "runs": len(ms),
        "value": value,
    }


def stored_warnings(engine) -> list[dict]:
    """Every warning with its subject's code (not the ones closed as false positives)."""
    w = warnings
    with engine.connect() as conn:
        ucode = dict(conn.execute(select(units.c.id, units.c.code)).all())
        ocode = dict(conn.execute(select(officials.c.id, officials.c.code)).all())
        rows = conn.execute(select(w.c.rule_code, w.c.subject_type, w.c.subject_id, w.c.month, w.c.status)).all()
    out = []
    for r in rows:
        if r.status in ("false_positive", "cleared"):
            continue
        code = ocode.get(r.subject_id) if r.subject_type == "official" else ucode.get(r.subject_id)
        out.append({"rule": r.rule_code, "subject_type": r.subject_type, "subject_code": code, "month": int(r.month)})
    return out


def score(found: list[dict], truth: list[dict]) -> dict[str, dict]:
    """Per rule: true positives, false positives, required records found / total."""
    by_subject: dict[tuple, list[dict]] = {}
    for t in truth:
        by_subject.setdefault((t["rule"], t["subject_type"], t["subject_code"]), []).append(t)
    out = {code: {"tp": 0, "fp": 0, "found": 0, "required": 0, "missed": [], "false": []} for code in RULE_CODES}
    hit: set[int] = set()
    for f in found:
        recs = by_subject.get((f["rule"], f["subject_type"], f["subject_code"]), [])
        match = [t for t in recs if t["month_from"] <= f["month"] <= t["month_to"]]
        if match:
            out[f["rule"]]["tp"] += 1
            hit.update(id(t) for t in match)
        else:
            out[f["rule"]]["fp"] += 1
            out[f["rule"]]["false"].append(f)
    for t in truth:
        if not t.get("required", True):
            continue
        out[t["rule"]]["required"] += 1
        if id(t) in hit:
            out[t["rule"]]["found"] += 1
        else:
            out[t["rule"]]["missed"].append(t)
    for v in out.values():
        v["recall"] = v["found"] / v["required"] if v["required"] else None
        v["precision"] = v["tp"] / (v["tp"] + v["fp"]) if (v["tp"] + v["fp"]) else None
    return out


def quality_one(scale: str, seed: int, folder: Path) -> tuple[dict, float, str]:
    """Seed ``scale``/``seed`` into a SQLite file in ``folder``, scan, score.

    Returns (scores per rule, full-scan milliseconds, database URL).
    """
    from thuocdo.demo import seed as seed_demo

    url = f"sqlite:///{folder / f'{scale}-{seed}.db'}"
    engine = make_engine(url)
    try:
        seed_demo(engine, scale=scale, seed=seed, force=True)
        t0 = time.perf_counter()
        full_scan(engine, actor="bench")
        ms = (time.perf_counter() - t0) * 1000.0
        with engine.connect() as conn:
            truth = json.loads(get_meta(conn, TRUTH_META) or "[]")
        return score(stored_warnings(engine), truth), ms, url
    finally:
        engine.dispose()


def speed(url: str, scale: str, runs: int = 3) -> list[dict]:
    """Full scan and post-import incremental scan timings on the database at ``url``."""
    engine = make_engine(url)
    try:
        name = engine.dialect.name
        full_ms, inc_ms = [], []
        for _ in range(runs):
            t0 = time.perf_counter()
            full_scan(engine, actor="bench")
            full_ms.append((time.perf_counter() - t0) * 1000.0)
        with engine.connect() as conn:
            last = data_months(conn)[-1]
            unit_ids = [int(u) for u in conn.execute(select(units.c.id)).scalars()]
        for _ in range(runs):
            t0 = time.perf_counter()
            rescan(engine, unit_ids=unit_ids, months=[last], actor="bench")
            inc_ms.append((time.perf_counter() - t0) * 1000.0)
        return [
            _record(name, scale, "scan_full", "full_scan", full_ms),
            _record(name, scale, "scan_incremental", "rescan_one_month", inc_ms),
        ]
    finally:
        engine.dispose()


def run(
    url: str | None = None,
    scale: str = "small",
    seeds: tuple[int, ...] = (1, 2, 3),
    runs: int = 3,
    quality: bool = True,
    details: bool = False,
) -> list[dict]:
    """Quality on fresh demo databases (one per seed) and speed on ``url`` (or the last one)."""
    with tempfile.TemporaryDirectory(prefix="thuocdo-bench-warnings-") as tmp:
        return _run(url, scale, seeds, runs, quality, details, Path(tmp))


def _run(url, scale, seeds, runs, quality, details, folder: Path) -> list[dict]:
    records: list[dict] = []
    last_url = None
    if quality:
        pooled = {code: {"tp": 0, "fp": 0, "found": 0, "required": 0} for code in RULE_CODES}
        for s in seeds:
            res, ms, last_url = quality_one(scale, s, folder)
            if details:
                print(f"seed {s}: full scan {ms:.0f} ms")
                for code, v in res.items():
                    for m in v["missed"]:
                        print(f"  MISSED {code}: {m}")
                    for f in v["false"]:
                        print(f"  FALSE  {code}: {f}")
            for code, v in res.items():
                for k in pooled[code]:
                    pooled[code][k] += v[k]
                records.append(_record("sqlite", scale, "quality", f"{code}.recall.seed{s}", value=v["recall"]))
                records.append(_record("sqlite", scale, "quality", f"{code}.precision.seed{s}", value=v["precision"]))
        for code, v in pooled.items():
            rec = v["found"] / v["required"] if v["required"] else None
            prec = v["tp"] / (v["tp"] + v["fp"]) if (v["tp"] + v["fp"]) else None
            records.append(_record("sqlite", scale, "quality", f"{code}.recall", value=rec))
            records.append(_record("sqlite", scale, "quality", f"{code}.precision", value=prec))
    target = url or last_url
    if target:
        records += speed(target, scale, runs)
    return records


def table(records: list[dict]) -> str:
    lines = []
    pooled = {r["name"]: r["value"] for r in records if r["kind"] == "quality" and ".seed" not in r["name"]}
    if pooled:
        lines.append(f"{'rule':<28} {'recall':>8} {'precision':>10}")
        for code in RULE_CODES:
            rec, prec = pooled.get(f"{code}.recall"), pooled.get(f"{code}.precision")
            lines.append(f"{code:<28} {_pct(rec):>8} {_pct(prec):>10}")
    for r in records:
        if r["kind"] != "quality":
            lines.append(
                f"{r['engine']:<10} {r['scale']:<8} {r['kind']:<17} {r['name']:<18} median {r['median_ms']:>9.1f} ms   p95 {r['p95_ms']:>9.1f} ms   ({r['runs']} runs)"
            )
    return "\n".join(lines)


def _pct(x) -> str:
    return "–" if x is None else f"{100 * x:.1f} %"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", default=None, help="database to time (default: the last seeded quality database)")
    ap.add_argument("--scale", default="small", help="demo scale for the quality runs (small, district, city)")
    ap.add_argument("--seeds", default="1,2,3", help="comma-separated seeds for the quality runs")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-quality", action="store_true", help="only time the scans at --url")
    ap.add_argument("--details", action="store_true", help="list missed and false warnings per seed")
    args = ap.parse_args()
    seeds = tuple(int(s) for s in args.seeds.split(",") if s.strip())
    records = run(args.url, args.scale, seeds, args.runs, quality=not args.no_quality, details=args.details)
    print(table(records))


if __name__ == "__main__":
    main()
