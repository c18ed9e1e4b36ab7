"""``python -m thuocdo import``: exit codes, one JSON object, messages, and processes that
overlap or are killed midway (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from tests.data_ingest.helpers import EXAMPLES, ROOT, seed
from thuocdo.store.schema import import_batches, ratings, rollup_rating_unit

PY = sys.executable


def cli(url: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(
        [PY, "-m", "thuocdo", "import", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def url_of(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def ratings_file(path: Path, n: int, prefix: str = "R", month: int = 10) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        fh.write("rating_id,rated_at,unit_code,channel,device_id,score\n")
        for i in range(n):
            fh.write(
                f"{prefix}{i},2025-{month:02d}-{1 + i % 28:02d} {7 + i % 11:02d}:{i % 60:02d}:{(i // 60) % 60:02d},{'VD.P01' if i % 2 else 'VD.X02'},kiosk,K{i % 5},{1 + i % 4}\n"
            )
    return path


def test_exit_codes_and_one_json_object(sqlite_engine, tmp_path):
    url = url_of(sqlite_engine)
    seed(sqlite_engine)
    ok = cli(url, str(EXAMPLES / "evaluations.csv"), "--kind", "evaluations", "--json")
    assert ok.returncode == 0, ok.stderr
    payload = json.loads(ok.stdout)
    assert len(ok.stdout.strip().splitlines()) == 1
    for key in ("batch_id", "rows_read", "loaded", "refused", "already_present", "seconds"):
        assert key in payload
    assert (payload["rows_read"], payload["loaded"]) == (7, 7)

    again = cli(url, str(EXAMPLES / "evaluations.csv"), "--kind", "evaluations")
    assert again.returncode == 0 and "không có gì mới" in again.stdout and "đã được nhập ở lô" in again.stdout

    bad = tmp_path / "bad.csv"
    bad.write_text("official_code,month,final_score\nVD0001,2025-08,80\nVD0002,2025-08,abc\n", encoding="utf-8")
    out = tmp_path / "tu_choi.xlsx"
    partial = cli(url, str(bad), "--kind", "evaluations", "--json", "--rejections-out", str(out))
    assert partial.returncode == 2
    p = json.loads(partial.stdout)
    assert (p["loaded"], p["refused"]) == (1, 1) and p["refused_sample"][0]["row_number"] == 3
    assert "không phải là số" in p["refused_sample"][0]["reason"] and out.exists()

    human = cli(url, str(bad), "--kind", "evaluations", "--lang", "en")
    assert human.returncode == 2 and "is not a number" in human.stdout and "3:" in human.stdout

    missing = cli(url, str(tmp_path / "khong_co.csv"), "--kind", "ratings", "--json")
    assert missing.returncode == 1
    assert "Không tìm thấy tệp" in missing.stderr
    assert json.loads(missing.stdout)["status"] == "failed"

    cols = tmp_path / "cols.csv"
    cols.write_text("a,b\n1,2\n", encoding="utf-8")
    nothing = cli(url, str(cols), "--kind", "ratings")
    assert nothing.returncode == 1 and "Thiếu cột bắt buộc" in nothing.stderr and nothing.stdout == ""

    period = cli(url, str(bad), "--kind", "evaluations", "--period", "tháng mười")
    assert period.returncode == 1 and "Kỳ «tháng mười» không hợp lệ" in period.stderr


def test_mapping_saved_from_the_command_line(sqlite_engine, tmp_path):
    url = url_of(sqlite_engine)
    seed(sqlite_engine)
    m = tmp_path / "bang.json"
    m.write_text(
        json.dumps({"kind": "evaluations", "columns": {"Mã": "official_code", "Điểm": "final_score"}}), encoding="utf-8"
    )
    f = tmp_path / "bang.csv"
    f.write_text("Mã,Điểm\nVD0003,77\n", encoding="utf-8")
    first = cli(
        url,
        str(f),
        "--kind",
        "evaluations",
        "--mapping",
        str(m),
        "--period",
        "2025-08",
        "--save-mapping",
        "bang_so",
        "--json",
    )
    assert first.returncode == 0, first.stderr
    second = cli(url, str(f), "--kind", "evaluations", "--mapping", "bang_so", "--period", "2025-08", "--json")
    assert json.loads(second.stdout)["already_present"] == 1


def test_database_without_schema_says_so(tmp_path):
    r = cli(f"sqlite:///{tmp_path / 'empty.db'}", str(EXAMPLES / "units.csv"), "--kind", "units")
    assert r.returncode == 1 and "python -m thuocdo init" in r.stderr


# ---- killed and overlapping processes -----------------------------------------------------------


def test_a_killed_import_leaves_nothing_behind(engine, tmp_path):
    url = url_of(engine)
    seed(engine)
    n_batches = _count(engine, import_batches)
    big = ratings_file(tmp_path / "big.csv", 150_000)
    env = {**os.environ, "DATABASE_URL": url}
    proc = subprocess.Popen(
        [PY, "-m", "thuocdo", "import", str(big), "--kind", "ratings", "--progress", "--json"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        seen = ""
        while "Đang ghi" not in seen and time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            seen += line
        assert "Đang ghi" in seen, seen
        time.sleep(1.0)  # well inside the transaction: 150 000 rows take seconds to write
        assert proc.poll() is None, "the import finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    assert _count(engine, ratings) == 0 and _count(engine, rollup_rating_unit) == 0
    assert _count(engine, import_batches) == n_batches  # no batch, not even a "running" one
    # The database is usable afterwards and the same file loads whole.
    done = cli(url, str(big), "--kind", "ratings", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["loaded"] == 150_000 == _count(engine, ratings)


def test_overlapping_imports_both_finish_and_never_double_count(engine, tmp_path):
    url = url_of(engine)
    seed(engine)
    a = ratings_file(tmp_path / "a.csv", 40_000, "A", 9)
    b = ratings_file(tmp_path / "b.csv", 40_000, "B", 10)
    env = {**os.environ, "DATABASE_URL": url}
    procs = [
        subprocess.Popen(
            [PY, "-m", "thuocdo", "import", str(p), "--kind", "ratings", "--json"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for p in (a, b, a)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (_out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
    results = [json.loads(o) for o, _ in outs]
    assert sorted((r["loaded"], r["already_present"]) for r in results) == [(0, 40_000), (40_000, 0), (40_000, 0)]
    assert _count(engine, ratings) == 80_000
    with engine.connect() as conn:
        assert conn.execute(select(func.sum(rollup_rating_unit.c.n))).scalar() == 80_000


def _count(engine, table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar())
