"""Readers, value parsers and name normalisation of the importer (no database)."""

from __future__ import annotations

import datetime as dt
import io
import json
import unicodedata

import openpyxl
import pandas as pd
import pytest

from thuocdo.ingest import ImportFailed, read_table
from thuocdo.ingest.normalise import exact_name, normalise_code, normalise_header, normalise_name
from thuocdo.ingest.values import (
    BadValue,
    datetimes,
    numbers,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_month,
    parse_number,
)

VI = 'mã,tên đơn vị,điểm\nP01,Phường Đông Hòa,"87,5"\nX02,Xã Tân Hội,90\n'


def cp1258_bytes(text: str) -> bytes:
    """Vietnamese as Windows-1258 writes it: base letters precomposed, tone marks combining."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = []
    for ch in text:
        d = unicodedata.normalize("NFD", ch)
        base = "".join(c for c in d if c not in tones)
        tone = "".join(c for c in d if c in tones)
        out.append(unicodedata.normalize("NFC", base) + tone)
    return "".join(out).encode("cp1258")


def xlsx_bytes(rows: list[list], sheet: str = "Sheet1", extra_sheets: dict | None = None) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r in rows:
        ws.append(r)
    for name, more in (extra_sheets or {}).items():
        w2 = wb.create_sheet(name)
        for r in more:
            w2.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---- encodings ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encode",
    [
        lambda s: s.encode("utf-8"),
        lambda s: b"\xef\xbb\xbf" + s.encode("utf-8"),
        lambda s: s.encode("utf-16"),  # Excel "Unicode text" (with BOM)
        lambda s: s.encode("utf-16-le"),
        cp1258_bytes,
        lambda s: unicodedata.normalize("NFD", s).encode("utf-8"),  # macOS exports
    ],
    ids=["utf8", "utf8-bom", "utf16", "utf16le-nobom", "cp1258", "utf8-nfd"],
)
def test_every_encoding_reads_the_same_composed_text(encode):
    text = VI.replace(",", "\t") if False else VI
    table = read_table(encode(text), "donvi.csv")
    assert table.columns == ["mã", "tên đơn vị", "điểm"]
    assert table.frame["tên đơn vị"].tolist() == ["Phường Đông Hòa", "Xã Tân Hội"]
    assert all(unicodedata.is_normalized("NFC", v) for v in table.frame["tên đơn vị"])
    assert table.frame["điểm"].tolist() == ["87,5", "90"]
    assert table.row_numbers.tolist() == [2, 3]


def test_cp1258_is_detected_and_composed():
    table = read_table(cp1258_bytes("tên\nNguyễn Thị Hường\n"), "a.txt")
    assert table.encoding == "cp1258"
    assert table.frame.iloc[0, 0] == "Nguyễn Thị Hường"


def test_excel_unicode_text_is_tab_separated_utf16():
    data = "mã\ttên\tđiểm\nA\tPhường Một\t1,5\n".encode("utf-16")
    table = read_table(data, "xuat.txt")
    assert table.delimiter == "\t"
    assert table.frame.to_dict("records") == [{"mã": "A", "tên": "Phường Một", "điểm": "1,5"}]


@pytest.mark.parametrize("sep", [";", "\t", "|", ","])
def test_delimiter_is_sniffed(sep):
    table = read_table(f"a{sep}b{sep}c\n1{sep}2{sep}3\n".encode(), "x.csv")
    assert table.columns == ["a", "b", "c"]
    assert table.frame.iloc[0].tolist() == ["1", "2", "3"]


def test_semicolon_csv_with_decimal_commas_keeps_the_commas():
    table = read_table(b"ma;diem\nA;87,5\nB;1.234,5\n", "x.csv")
    assert table.frame["diem"].tolist() == ["87,5", "1.234,5"]


# ---- shapes ---------------------------------------------------------------------------


def test_blank_rows_are_skipped_and_row_numbers_stay_true():
    table = read_table(b"a,b\n1,2\n\n,\n3,4\n", "x.csv")
    assert table.frame["a"].tolist() == ["1", "3"]
    assert table.row_numbers.tolist() == [2, 5]


def test_a_row_with_extra_cells_is_kept_as_a_bad_row():
    table = read_table(b"a,b\n1,2\n3,4,5\n6,7\n", "x.csv")
    assert table.frame["a"].tolist() == ["1", "6"]
    assert [b.row_number for b in table.bad_rows] == [3]
    assert table.bad_rows[0].key == "import.reason.too_many_cells"
    assert table.n_rows == 3


def test_trailing_empty_cells_are_not_extra_cells():
    table = read_table(b"a,b\n1,2,\n3,4,\n", "x.csv")
    assert table.bad_rows == []
    assert table.frame.to_dict("records") == [{"a": "1", "b": "2"}, {"a": "3", "b": "4"}]


def test_quoted_newlines_and_short_rows():
    table = read_table(b'a,b,c\n"x\ny",2,3\n4,5\n', "x.csv")
    assert table.frame["a"].tolist() == ["x\ny", "4"]
    assert table.frame["c"].tolist() == ["3", ""]


def test_report_title_above_the_header_is_skipped():
    data = "BÁO CÁO KẾT QUẢ THÁNG 10\n\nmã,điểm\nA,1\n".encode()
    table = read_table(data, "x.csv")
    assert table.columns == ["mã", "điểm"]
    assert table.header_row == 3
    assert table.row_numbers.tolist() == [4]


def test_duplicate_and_empty_headers_get_names():
    table = read_table(b"a,a,,b\n1,2,3,4\n", "x.csv")
    assert table.columns == ["a", "a (2)", "Cột 3", "b"]


def test_xlsx_cells_become_text_dates_iso_numbers_plain():
    data = xlsx_bytes(
        [
            ["mã", "ngày", "điểm", "số", "cờ"],
            ["A", dt.datetime(2025, 10, 3, 8, 15), 87.5, 12, True],
            ["B", dt.date(2025, 10, 4), 90.0, None, False],
            [None, None, None, None, None],
        ]
    )
    table = read_table(data, "x.xlsx")
    assert table.format == "xlsx"
    assert table.frame.to_dict("records") == [
        {"mã": "A", "ngày": "2025-10-03 08:15:00", "điểm": "87.5", "số": "12", "cờ": "1"},
        {"mã": "B", "ngày": "2025-10-04 00:00:00", "điểm": "90", "số": "", "cờ": "0"},
    ]


def test_xlsx_sheet_by_name_tolerates_case_and_diacritics():
    data = xlsx_bytes([["a", "b"], [1, 2]], sheet="Bìa", extra_sheets={"Điểm tháng": [["x", "y"], [3, 4]]})
    assert read_table(data, "x.xlsx").sheet == "Bìa"
    assert read_table(data, "x.xlsx", sheet="diem thang").frame["x"].tolist() == ["3"]
    with pytest.raises(ImportFailed) as exc:
        read_table(data, "x.xlsx", sheet="Không có")
    assert "Điểm tháng" in exc.value.text()


def test_json_list_object_and_lines():
    rows = [{"mã": "A", "điểm": 87.5, "cờ": True}, {"mã": "B", "điểm": None, "khác": {"x": 1}}]
    t1 = read_table(json.dumps(rows, ensure_ascii=False).encode(), "x.json")
    assert t1.columns == ["mã", "điểm", "cờ", "khác"]
    assert t1.frame.iloc[0].tolist() == ["A", "87.5", "true", ""]
    t2 = read_table(json.dumps({"rows": rows}).encode(), "x.json")
    assert len(t2.frame) == 2
    lines = b'{"a": 1}\nnot json\n{"a": 2}\n'
    t3 = read_table(lines, "x.jsonl")
    assert t3.frame["a"].tolist() == ["1", "2"]
    assert [b.row_number for b in t3.bad_rows] == [2]
    t4 = read_table(b'[{"a": 1}, 5]', "x.json")
    assert [b.key for b in t4.bad_rows] == ["import.reason.json_not_object"]


@pytest.mark.parametrize(
    ("data", "name", "key"),
    [
        (b"", "x.csv", "import.error.empty"),
        (b"\xef\xbb\xbf  \r\n", "x.csv", "import.error.empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "x.xls", "import.error.xls_old"),
        (b"PK\x03\x04garbage", "x.xlsx", "import.error.xlsx_corrupt"),
        (b"not a zip", "x.xlsx", "import.error.xlsx_corrupt"),
        (b'{"a": ', "x.json", "import.error.json_invalid"),
        (b"42", "x.json", "import.error.json_shape"),
        (b"\x81\x8d\x8f\x90", "x.csv", "import.error.encoding"),
    ],
)
def test_unreadable_files_fail_with_a_reason(data, name, key):
    with pytest.raises(ImportFailed) as exc:
        read_table(data, name)
    assert exc.value.key == key
    assert exc.value.text("vi") and exc.value.text("en")


def test_missing_file_fails(tmp_path):
    with pytest.raises(ImportFailed) as exc:
        read_table(tmp_path / "none.csv")
    assert exc.value.key == "import.error.file_not_found"


def test_preview_limits_rows():
    data = ("a\n" + "\n".join(str(i) for i in range(100))).encode()
    assert len(read_table(data, "x.csv", nrows=5).frame) == 5


# ---- values ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("87,5", 87.5),
        ("87.5", 87.5),
        ("1.234,5", 1234.5),
        ("1,234.5", 1234.5),
        ("1.234.567", 1234567),
        ("1 234", 1234),
        (" 90 ", 90),
        ("-3", -3),
        (",5", 0.5),
    ],
)
def test_numbers_read_decimal_commas_and_grouping(text, value):
    assert parse_number(text) == value


def test_a_single_dot_groups_thousands_only_in_counts():
    assert parse_number("1.234") == 1.234
    assert parse_number("1.234", integer=True) == 1234
    with pytest.raises(BadValue):
        parse_number("1,5", integer=True)


@pytest.mark.parametrize("text", ["abc", "12a", "1,2,3,4x", "--1", "", None, "87%", "1e5x"])
def test_not_numbers(text):
    if text in ("", None):
        assert parse_number(text) is None
    else:
        with pytest.raises(BadValue):
            parse_number(text)


def test_vectorised_numbers_agree_with_the_scalar_parser():
    s = pd.Series(["87,5", "90", "1.234,5", "x", "", "1e3", "-2"], dtype="str")
    out = numbers(s).tolist()
    assert out[:3] == [87.5, 90.0, 1234.5]
    assert pd.isna(out[3]) and pd.isna(out[4])
    assert out[6] == -2.0


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("03/10/2025", dt.datetime(2025, 10, 3)),
        ("3/10/2025 8:15", dt.datetime(2025, 10, 3, 8, 15)),
        ("03-10-2025 08:15:30", dt.datetime(2025, 10, 3, 8, 15, 30)),
        ("2025-10-03", dt.datetime(2025, 10, 3)),
        ("2025-10-03T08:15:30", dt.datetime(2025, 10, 3, 8, 15, 30)),
        ("2025-10-03 08:15:30.123456", dt.datetime(2025, 10, 3, 8, 15, 30)),
        ("20251003", dt.datetime(2025, 10, 3)),
        ("45933", dt.datetime(2025, 10, 3)),  # Excel serial
    ],
)
def test_dates(text, value):
    assert parse_datetime(text) == value


@pytest.mark.parametrize("text", ["31/02/2025", "2025-13-01", "hôm qua", "12", "01/01/1800"])
def test_not_dates(text):
    with pytest.raises(BadValue):
        parse_date(text)


def test_vectorised_datetimes():
    s = pd.Series(
        ["2025-10-03 08:15:00", "03/10/2025 08:15", "03/10/2025", "x", "", "2025-10-03T08:15:00+07:00"], dtype="str"
    )
    out = datetimes(s)
    assert out.iloc[0] == pd.Timestamp("2025-10-03 08:15")
    assert out.iloc[1] == pd.Timestamp("2025-10-03 08:15")
    assert out.iloc[2] == pd.Timestamp("2025-10-03")
    assert pd.isna(out.iloc[3]) and pd.isna(out.iloc[4])
    assert out.iloc[5] == pd.Timestamp("2025-10-03 08:15")


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("2025-10", 202510),
        ("10/2025", 202510),
        ("202510", 202510),
        ("Tháng 10/2025", 202510),
        ("T10/2025", 202510),
        ("thang 10 nam 2025", 202510),
        ("2025-10-15", 202510),
        ("15/10/2025", 202510),
    ],
)
def test_months(text, month):
    assert parse_month(text) == month


@pytest.mark.parametrize("text", ["2025-13", "13/2025", "tháng mười", "202500"])
def test_not_months(text):
    with pytest.raises(BadValue):
        parse_month(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [("có", True), ("Không", False), ("x", True), ("1", True), ("0", False), ("TRUE", True), ("đúng", True)],
)
def test_booleans(text, value):
    assert parse_bool(text) is value


# ---- names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "variant",
    [
        "Phường Hoàn Kiếm",
        "phường hoàn kiếm",
        "UBND Phường Hoàn Kiếm",
        "Ủy ban nhân dân phường Hoàn Kiếm",
        "  Hoàn   Kiếm ",
        "HOAN KIEM",
        unicodedata.normalize("NFD", "Phường Hoàn Kiếm"),
        "P. Hoàn Kiếm".replace("P.", "Phường"),
    ],
)
def test_name_variants_share_one_key(variant):
    assert normalise_name(variant) == "hoan kiem"


def test_prefixes_and_tone_placement():
    assert normalise_name("UBND tỉnh An Giang") == "an giang"
    assert normalise_name("Sở Y tế") == "y te"
    assert normalise_name("TP. Hồ Chí Minh") == "ho chi minh"
    assert normalise_name("Xã Hoà An") == normalise_name("Xã Hòa An")  # old vs new tone placement
    assert normalise_name("Thuỷ Nguyên") == normalise_name("Thủy Nguyên")
    assert normalise_name("Đông Anh") == "dong anh"
    assert normalise_name("Xã") == "xa"  # a bare prefix is a name
    assert normalise_name("Sóc Sơn") == "soc son"  # "so" is not a prefix of "Sóc"


def test_exact_name_keeps_what_matching_ignores():
    assert exact_name("Xã  Tân Hội") == exact_name("xã tân hội")
    assert exact_name("Xã Tân Hội") != exact_name("Phường Tân Hội")
    assert normalise_code(" h01.13 ") == "H01.13"
    assert normalise_header("Mã đơn vị") == "ma_don_vi"


# ---- documentation and catalogues ------------------------------------------------------


def test_every_field_is_documented_and_labelled_in_both_languages():
    from pathlib import Path

    from thuocdo.i18n import catalogue
    from thuocdo.ingest.kinds import HANDLERS

    doc = (Path(__file__).resolve().parent.parent / "docs" / "readme" / "import.md").read_text(encoding="utf-8")
    vi, en = catalogue("vi"), catalogue("en")
    for kind, handler in HANDLERS.items():
        assert f"`{kind}`" in doc
        for f in handler().fields:
            assert f"`{f.name}" in doc, (kind, f.name)
            assert f"import.field.{f.name}" in vi and f"import.field.{f.name}" in en, f.name
    mine = {k for k in vi if k.startswith("import.")}
    assert mine == {k for k in en if k.startswith("import.")}


def test_every_message_key_used_by_the_importer_exists():
    import re
    from pathlib import Path

    from thuocdo.i18n import catalogue

    root = Path(__file__).resolve().parent.parent
    used = set()
    for path in [
        *(root / "thuocdo" / "ingest").rglob("*.py"),
        root / "thuocdo" / "commands" / "import_.py",
        root / "pages" / "import.py",
    ]:
        used |= set(
            re.findall(
                r"\"(import\.(?:reason|value|error|summary|page|file|progress|status)\.[a-z_.]+)\"",
                path.read_text(encoding="utf-8"),
            )
        )
    missing = sorted(k for k in used if k not in catalogue("vi") or k not in catalogue("en"))
    assert not missing, missing
