"""CSV and XLSX exports: formula injection neutralised, Vietnamese intact, the statement included."""

from __future__ import annotations

import csv
import io

import pandas as pd
from openpyxl import load_workbook

from thuocdo.export.tables import to_csv, to_xlsx

STATEMENT = [
    "Thước Đo — Xếp hạng đơn vị",
    "Kỳ: Tháng 10/2026",
    "Mã băm nội dung SHA-256: " + "ab" * 32,
    "Tạo lúc 16:00 23/11/2026",
]
EVIL = ["=1+1", "+SUM(A1:A2)", "-2+3", "@cmd", '\t=HYPERLINK("http://x")', "\r=1", "Phường Hoàn Kiếm"]


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Đơn vị": EVIL,
            "Điểm bình quân": [84.0, 83.5, -5.0, 0.0, 1.0, 2.0, 3.0],
            "=Hạng": [1, 2, 3, 4, 5, 6, 7],
        }
    )


def test_csv_neutralises_and_states(tmp_path):
    data = to_csv(frame(), STATEMENT)
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    lines = text.split("\r\n")
    assert lines[: len(STATEMENT)] == ["# " + s for s in STATEMENT]
    rows = list(csv.reader(io.StringIO(text.split("\r\n", len(STATEMENT))[-1], newline="")))
    assert rows[0] == ["Đơn vị", "Điểm bình quân", "'=Hạng"]
    cells = [r[0] for r in rows[1:] if r]
    assert cells[:6] == ["'" + v for v in EVIL[:6]]
    assert cells[6] == "Phường Hoàn Kiếm"
    for r in rows[1:]:
        if r:
            assert not r[0].startswith(("=", "+", "-", "@", "\t", "\r"))
    assert [r[1] for r in rows[1:4]] == ["84.0", "83.5", "-5.0"]  # numbers stay numbers
    back = pd.read_csv(io.BytesIO(data), comment="#", encoding="utf-8-sig")
    assert len(back) == len(EVIL)


def test_xlsx_neutralises_and_states(tmp_path):
    path = tmp_path / "t.xlsx"
    path.write_bytes(to_xlsx(frame(), STATEMENT, "Số liệu", "Thông tin"))
    wb = load_workbook(path)
    assert wb.sheetnames == ["Số liệu", "Thông tin"]
    ws = wb["Số liệu"]
    assert [c.value for c in ws[1]] == ["Đơn vị", "Điểm bình quân", "'=Hạng"]
    for row in ws.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.coordinate
            if isinstance(cell.value, str):
                assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert ws["A2"].value == "'=1+1" and ws["A8"].value == "Phường Hoàn Kiếm"
    assert ws["B4"].value == -5.0 and isinstance(ws["C2"].value, int)
    info = [r[0].value for r in wb["Thông tin"].iter_rows()]
    assert info == STATEMENT
