"""A short, bounded soak (bench/soak.py): 5 concurrent websocket sessions in 2 waves for
12 s against a real Streamlit server on loopback — zero errors, memory bounded."""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path

from tests import fixture_dashboards

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("soak", ROOT / "bench" / "soak.py")
soak = importlib.util.module_from_spec(spec)
spec.loader.exec_module(soak)


def test_short_soak(sqlite_engine, sqlite_url, tmp_path):
    fixture_dashboards.build(sqlite_engine)
    sqlite_engine.dispose()
    with soak.server(sqlite_url, log=str(tmp_path / "server.log")) as (base, pid):
        result = asyncio.run(soak.soak(base, pid, sessions=5, seconds=12.0, waves=2))
    log = (tmp_path / "server.log").read_text(errors="replace")
    assert result["errors"] == 0, (result["error_samples"], log[-3000:])
    assert result["sessions_completed"] == 10
    assert result["runs"] >= 30  # sign-in (2 runs) and at least one page each
    # Fresh sessions in the second wave must not keep growing the server: the last third
    # of the samples stays within 50 % of the first third (after the warm-up).
    assert result["rss_growth_ratio"] < 1.5, result["rss_samples_mb"]
    assert "Traceback" not in log, log[-3000:]
