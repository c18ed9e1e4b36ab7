"""Formula-safe exports (thuocdo/export/safe.py) and the table download helpers."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd

from components.tables import csv_bytes, xlsx_bytes
from thuocdo.export.safe import neutralise, safe_frame


def test_neutralise_only_formula_like_text():
    assert neutralise('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert [neutralise(v) for v in ("+1", "-2", "@SUM(A1)", "\tx")] == ["'+1", "'-2", "'@SUM(A1)", "'\tx"]
    assert neutralise("Phường Hoàn Kiếm") == "Phường Hoàn Kiếm"
    assert neutralise(-5) == -5 and neutralise(None) is None


def test_safe_frame_keeps_numbers_and_headers_safe():
    df = pd.DataFrame({"=cột": ["=1+1", "ok", None], "n": [-1, 2, 3]})
    out = safe_frame(df)
    assert list(out.columns) == ["'=cột", "n"]
    assert out["'=cột"].tolist()[:2] == ["'=1+1", "ok"]
    assert out["n"].tolist() == [-1, 2, 3]
    assert df["=cột"][0] == "=1+1"  # the input is untouched


def test_csv_and_xlsx_downloads_are_neutralised():
    df = pd.DataFrame({"Đơn vị": ["=cmd|' /C calc'!A0", "Phường Ba Đình"], "Điểm": [84.0, -1.5]})
    text = csv_bytes(df).decode("utf-8-sig")
    assert "'=cmd" in text and "Phường Ba Đình" in text and "-1.5" in text
    ws = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(df))).active
    assert ws["A2"].value == "'=cmd|' /C calc'!A0"
    assert ws["A2"].data_type == "s"
    assert ws["B3"].value == -1.5
