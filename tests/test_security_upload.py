"""Uploaded file names and sizes: a name is only a label, never a path; size is capped."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from sqlalchemy import select

from tests import fixture_data
from thuocdo.ingest import import_file
from thuocdo.store.schema import import_batches

ROOT = Path(__file__).resolve().parent.parent
DATA = (
    b"rating_id,rated_at,unit_code,official_code,service_code,channel,device_id,score\n"
    b"X1,01/10/2026 08:00:00,HN.P.HOANKIEM,CB0001,KS01,kiosk,K-3,4\n"
)
NAMES = {
    "../../pwned.csv": "pwned.csv",
    "..\\..\\windows\\win.ini.csv": "win.ini.csv",
    "/etc/passwd": "passwd",
    "a\x00b.csv": "ab.csv",
}


def _import_all(engine, tmp_path, monkeypatch) -> list[str]:
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    before = {p for p in tmp_path.rglob("*")}
    for i, name in enumerate(NAMES):
        import_file(engine, DATA.replace(b"X1", f"X{i}".encode()), "ratings", file_name=name, actor="test")
    after = {p for p in tmp_path.rglob("*")}
    assert after == before, f"the import wrote files: {after - before}"
    assert not Path("/etc/pwned.csv").exists() and not (tmp_path / "pwned.csv").exists()
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(select(import_batches.c.file_name).order_by(import_batches.c.id))]


def test_traversal_names_never_touch_the_filesystem(sqlite_engine, tmp_path, monkeypatch):
    fixture_data.build(sqlite_engine, demo=False)
    stored = _import_all(sqlite_engine, tmp_path, monkeypatch)
    assert len(stored) == len(NAMES)


def test_only_the_base_name_is_recorded(sqlite_engine, tmp_path, monkeypatch):
    fixture_data.build(sqlite_engine, demo=False)
    stored = _import_all(sqlite_engine, tmp_path, monkeypatch)
    assert stored == list(NAMES.values())


def test_upload_size_is_capped_in_the_server_config():
    """Streamlit refuses larger uploads itself (HTTP 413) before any of our code runs."""
    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    limit = cfg["server"]["maxUploadSize"]
    assert isinstance(limit, int) and 1 <= limit <= 200
    # The same limit can be set per deployment without editing the file.
    assert (
        os.environ.get("STREAMLIT_SERVER_MAX_UPLOAD_SIZE") in (None, "")
        or int(os.environ["STREAMLIT_SERVER_MAX_UPLOAD_SIZE"]) > 0
    )
