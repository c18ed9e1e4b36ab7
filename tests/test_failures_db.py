"""The database goes away: at start, in the middle of a session, and comes back.

The app must show the Vietnamese "database unavailable" message (app.db_unavailable),
never a stack trace, and work again as soon as the database returns — without a
restart of the server (no dead engine kept in st.cache_resource).

PostgreSQL cases run on a throwaway cluster of their own (scripts/pg_test_cluster.sh
with PGTEST_DIR/PGTEST_PORT), never on the shared test cluster, because they stop it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests import fixture_data
from tests.conftest import require
from tests.test_security_support import through_frame
from thuocdo.store.db import init_db
from thuocdo.store.engine import make_engine

ROOT = Path(__file__).resolve().parent.parent
LEADER = "lanhdao@thuocdo.demo"
UNAVAILABLE = "Không kết nối được cơ sở dữ liệu"
PG_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def shown(at: AppTest) -> str:
    parts = [str(e.value) for e in at.error] + [e.value for e in at.title] + [e.value for e in at.markdown]
    return "\n".join(parts)


def open_overview(url: str, monkeypatch) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("THUOCDO_ENV", raising=False)
    monkeypatch.chdir(ROOT)
    through_frame(monkeypatch)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["demo_user_email"] = LEADER
    at.query_params["period"] = "2026-10"
    return at


def assert_unavailable(at: AppTest) -> None:
    assert not at.exception, at.exception  # no stack trace reaches the user
    assert UNAVAILABLE in shown(at)
    assert len(at.metric) == 0
    assert any(b.label == "Thử lại" for b in at.button)


def test_closed_port_at_start(monkeypatch):
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/thuocdo?connect_timeout=3"
    at = open_overview(url, monkeypatch).run()
    assert_unavailable(at)
    # The retry button re-runs and still says the same, calmly.
    at.button(key="db_retry").click().run()
    assert_unavailable(at)


def test_sqlite_file_that_is_not_a_database(tmp_path, monkeypatch):
    bad = tmp_path / "broken.db"
    bad.write_bytes(b"this is not an SQLite database file at all" * 200)
    at = open_overview(f"sqlite:///{bad}", monkeypatch).run()
    assert_unavailable(at)


def test_sqlite_file_missing_its_tables(tmp_path, monkeypatch):
    # An empty file (wrong path in DATABASE_URL): no table at all.
    at = open_overview(f"sqlite:///{tmp_path / 'empty.db'}", monkeypatch).run()
    assert not at.exception, at.exception
    assert len(at.metric) == 0


# ---- a PostgreSQL cluster of our own, stopped and started under a live session -------


class Cluster:
    def __init__(self, directory: Path, port: int):
        self.dir, self.port = directory, port
        self.bin = PG_BIN[-1]

    def _as_pg(self, cmd: str) -> None:
        full = ["su", "postgres", "-s", "/bin/bash", "-c", cmd] if os.geteuid() == 0 else ["bash", "-c", cmd]
        subprocess.run(full, check=True, capture_output=True, timeout=60)

    def create(self) -> str:
        env = {**os.environ, "PGTEST_DIR": str(self.dir), "PGTEST_PORT": str(self.port)}
        out = subprocess.run(
            [str(ROOT / "scripts" / "pg_test_cluster.sh"), "start"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return out.stdout.strip().splitlines()[-1]

    def stop(self) -> None:
        self._as_pg(f"{self.bin}/pg_ctl -D {self.dir}/data -m immediate -w stop")

    def start(self) -> None:
        opts = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off"
        self._as_pg(f'{self.bin}/pg_ctl -D {self.dir}/data -l {self.dir}/server.log -w -o "{opts}" start')

    def destroy(self) -> None:
        env = {**os.environ, "PGTEST_DIR": str(self.dir), "PGTEST_PORT": str(self.port)}
        subprocess.run([str(ROOT / "scripts" / "pg_test_cluster.sh"), "stop"], env=env, capture_output=True, timeout=60)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def own_cluster():
    require(bool(PG_BIN), "PostgreSQL server binaries (/usr/lib/postgresql)")
    cluster = Cluster(Path(f"/tmp/thuocdo-pgrel-{os.getpid()}"), free_port())
    try:
        url = cluster.create()
    except subprocess.CalledProcessError as exc:  # pragma: no cover - machine without initdb rights
        cluster.destroy()
        require(False, f"a throwaway PostgreSQL cluster ({exc.stderr[-200:]})")
    engine = make_engine(url)
    init_db(engine)
    fixture_data.build(engine)
    engine.dispose()
    yield cluster, url
    cluster.destroy()


def test_postgres_stops_mid_session_and_comes_back(own_cluster, monkeypatch):
    cluster, url = own_cluster
    at = open_overview(url, monkeypatch).run()
    assert not at.exception, at.exception
    assert {m.label: m.value for m in at.metric}["Đơn vị"] == "5"

    cluster.stop()
    try:
        at.run()
        assert_unavailable(at)
        at.button(key="db_retry").click().run()  # still down: same message, no trace
        assert_unavailable(at)
    finally:
        cluster.start()

    # Back: the same session recovers on the next run, no server restart.
    at.button(key="db_retry").click().run()
    assert not at.exception, at.exception
    assert UNAVAILABLE not in shown(at)
    assert {m.label: m.value for m in at.metric}["Đơn vị"] == "5"


def test_postgres_down_at_start_then_up(own_cluster, monkeypatch):
    cluster, url = own_cluster
    cluster.stop()
    try:
        at = open_overview(url, monkeypatch).run()
        assert_unavailable(at)
        # Not "sign-in is not configured": the demo marker was not read as absent.
        assert "Chưa cấu hình đăng nhập" not in shown(at)
    finally:
        cluster.start()
    at.run()
    assert not at.exception, at.exception
    assert {m.label: m.value for m in at.metric}["Đơn vị"] == "5"
