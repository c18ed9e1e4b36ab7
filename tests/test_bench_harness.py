"""The city-scale benchmark harness runs end to end on a tiny database and writes
well-formed records (no timing assertions: figures depend on the machine)."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import text

from bench import __main__ as bench_main
from bench.common import KINDS, Record, cached, merge_keys, p95
from tests import fixture_data

ROOT = Path(__file__).resolve().parent.parent
FIELDS = {"engine", "scale", "kind", "name", "median_ms", "p95_ms", "runs", "value"}


def test_harness_runs_end_to_end_and_writes_records(sqlite_engine, sqlite_url, tmp_path, monkeypatch, capsys):
    fixture_data.build(sqlite_engine)
    monkeypatch.delenv("THUOCDO_ENV", raising=False)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.chdir(ROOT)
    out = tmp_path / "latest.json"
    rc = bench_main.main(
        [
            "--url", sqlite_url, "--scales", "1000", "--runs", "1", "--skip", "import,memory",
            "--pages", "/overview,/satisfaction?unit,/official", "--sessions", "3", "--rounds", "1",
            "--results", str(out), "--fresh",
        ]
    )  # fmt: skip
    assert rc == 0
    records = json.loads(out.read_text(encoding="utf-8"))
    assert records, "no record written"
    for r in records:
        assert FIELDS <= set(r), r
        assert r["engine"] == "sqlite" and r["scale"] == 1000
        assert r["kind"] in KINDS
        if r["median_ms"] is not None:
            assert r["runs"] >= 1 and 0 < r["median_ms"] <= r["p95_ms"]
    kinds = {(r["kind"], r["name"]) for r in records}
    for name in ("/overview", "/satisfaction?unit", "/official?official"):
        assert ("page_cold", name) in kinds and ("page_warm", name) in kinds
    pages = [r for r in records if r["kind"].startswith("page_")]
    assert all(r["median_ms"] is not None and "note" not in r for r in pages), pages  # no page failed
    assert ("scan_full", "full_scan") in kinds and ("scan_incremental", "rescan_one_month") in kinds
    conc = next(r for r in records if r["kind"] == "concurrent_p95")
    assert conc["runs"] == 3 and conc["value"] == 0, conc  # three sessions, zero errors
    meta = json.loads(out.with_name("latest.meta.json").read_text(encoding="utf-8"))
    assert meta["budget"]["page_warm"] == 100.0
    assert meta["plans"]["sqlite-1000"]["scans_ratings"] == {}  # the drill-downs use an index
    capsys.readouterr()
    assert bench_main.main(["--report", "--results", str(out)]) == 0
    report = capsys.readouterr().out
    assert "| `/overview` |" in report and "concurrent_p95" in report


def test_results_merge_keeps_earlier_figures_and_replaces_same_ones():
    old = [
        {
            "engine": "sqlite",
            "scale": 1,
            "kind": "page_cold",
            "name": "/a",
            "median_ms": 5.0,
            "p95_ms": 6.0,
            "runs": 2,
            "value": None,
        },
        {
            "engine": "sqlite",
            "scale": 1,
            "kind": "page_cold",
            "name": "/b",
            "median_ms": 7.0,
            "p95_ms": 8.0,
            "runs": 2,
            "value": None,
        },
    ]
    new = [Record("sqlite", 1, "page_cold", "/a", 1.0, 2.0, 3)]
    merged = bench_main.merge(old, new)
    assert merge_keys(merged) == {("sqlite", 1, "page_cold", "/a"), ("sqlite", 1, "page_cold", "/b")}
    assert next(r for r in merged if r.name == "/a").median_ms == 1.0


def test_cache_key_is_scale_seed_and_ratings(sqlite_engine):
    fixture_data.build(sqlite_engine)
    assert not cached(sqlite_engine, 1000, 42, "city")
    with sqlite_engine.begin() as conn:
        conn.execute(text("DELETE FROM meta WHERE key IN ('demo_scale', 'demo_seed', 'demo_ratings')"))
        for k, v in (("demo_scale", "city"), ("demo_seed", "42"), ("demo_ratings", "1000")):
            conn.execute(text("INSERT INTO meta (key, value) VALUES (:k, :v)"), {"k": k, "v": v})
    assert cached(sqlite_engine, 1000, 42, "city")
    assert not cached(sqlite_engine, 1000, 7, "city")
    assert not cached(sqlite_engine, 5000, 42, "city")


def test_p95_is_nearest_rank():
    assert p95([1.0]) == 1.0
    assert p95([float(i) for i in range(1, 21)]) == 19.0
    assert p95([float(i) for i in range(1, 101)]) == 95.0


def _cache_decorators():
    """Every @st.cache_data / @st.cache_resource in the app's read side, with its keywords."""
    import ast

    found = []
    for folder in ("queries", "components", "pages"):
        for path in sorted((ROOT / folder).glob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.FunctionDef):
                    continue
                for dec in node.decorator_list:
                    call = dec if isinstance(dec, ast.Call) else None
                    target = call.func if call else dec
                    if isinstance(target, ast.Attribute) and target.attr in ("cache_data", "cache_resource"):
                        kws = {k.arg for k in call.keywords} if call else set()
                        args = [a.arg for a in node.args.args]
                        found.append((f"{path.name}:{node.name}", target.attr, kws, args))
    return found


def test_shared_caches_are_bounded():
    """st.cache_data is shared by every session of a server: each entry must expire (ttl) and
    each cache must be bounded (max_entries), or memory grows with the number of users."""
    decorators = _cache_decorators()
    assert decorators
    unbounded = [
        name for name, kind, kws, _ in decorators if kind == "cache_data" and not {"ttl", "max_entries"} <= kws
    ]
    assert not unbounded, unbounded
