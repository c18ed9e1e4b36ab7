"""`python -m thuocdo export ...`: deck (default period), snapshot, deck from a snapshot, table."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout

from openpyxl import load_workbook
from pptx import Presentation

from tests import fixture_data
from tests.test_reports import add_present_rows
from thuocdo.cli import main


def run(*argv) -> tuple[int, dict]:
    buf = io.StringIO()
    with redirect_stdout(buf):
        rc = main(list(argv))
    return rc, json.loads(buf.getvalue())


def test_cli_exports(sqlite_engine, sqlite_url, tmp_path, monkeypatch):
    fixture_data.build(sqlite_engine)
    add_present_rows(sqlite_engine)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)

    rc, snap = run("export", "snapshot", "--title", "Sơ kết", "--json")
    assert rc == 0 and snap["period"] == "2026-10" and len(snap["content_hash"]) == 64

    out = tmp_path / "hoi-nghi.pptx"
    rc, res = run(
        "export",
        "deck",
        "--snapshot",
        str(snap["id"]),
        "--topics",
        "overview,units",
        "--units",
        "HN.SNV",
        "--out",
        str(out),
        "--json",
    )
    assert rc == 0 and res["content_hash"] == snap["content_hash"] and res["snapshot_id"] == snap["id"]
    prs = Presentation(str(out))
    assert [s.shapes.title.text for s in prs.slides] == ["Thước Đo — Báo cáo Tháng 10/2026", "Tổng quan", "Sở Nội vụ"]

    xlsx = tmp_path / "canh-bao.xlsx"
    rc, res = run("export", "table", "warnings", "--pseudonymise", "--out", str(xlsx), "--json")
    assert rc == 0 and res["rows"] == 2
    wb = load_workbook(xlsx)
    cells = [c.value for row in wb.active.iter_rows() for c in row]
    assert "Nguyễn Thị Lan (Phường Hoàn Kiếm)" not in cells
    assert any(isinstance(v, str) and v.startswith("CB-") for v in cells)
    info = [r[0].value for r in wb["Thông tin"].iter_rows()]
    assert any(v.startswith("Mã băm nội dung SHA-256: ") for v in info)

    rc, res = run("export", "deck", "--snapshot", "999", "--out", str(tmp_path / "x.pdf"), "--json")
    assert rc == 2 and res["error"] == "present.error.snapshot_unknown"
    rc, res = run("export", "deck", "--unit", "KHONG.CO", "--out", str(tmp_path / "x.pdf"), "--json")
    assert rc == 2 and res["error"] == "present.error.unit_unknown"
