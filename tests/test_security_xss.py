"""Script and markup injection through imported text, on every page, chart and export.

Names, titles and notes come from imported files, so they are hostile here: HTML tags,
event handlers, ``javascript:`` links and markdown links/images. Streamlit escapes HTML
unless ``unsafe_allow_html=True``; so the rules are (1) no element that allows HTML ever
carries data, (2) data never becomes a markdown link or image, (3) chart specs carry
the text as data only (no ``href`` channel), (4) exports neutralise formulas.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys

import openpyxl
import pytest
from sqlalchemy import update

from components.nav import PAGES
from tests import fixture_dashboards
from tests.test_security_support import ROOT, open_app, through_frame
from thuocdo.store import schema as s

SCRIPT = "<script>alert('xss-unit')</script>"
IMG = "<img src=x onerror=alert('xss-official')>"
MDLINK = "[bấm vào đây](javascript:alert('xss-md'))"
MDIMG = "![px](http://127.0.0.1:9/pixel.png)"
HREF = "<a href=\"javascript:alert('xss-a')\">O</a>"
FORMULA = '=HYPERLINK("http://127.0.0.1:9/x","bấm")'
HOSTILE = {
    "unit": "Phường Hoàn Kiếm " + SCRIPT,
    "official1": IMG + " Nguyễn Thị Lan",
    "official2": MDLINK + " Trần Văn Hùng",
    "official3": FORMULA,
    "service": MDIMG + " Đăng ký khai sinh",
    "objective": HREF + " Mục tiêu",
    "kpi": "@SUM(1+1)*cmd|' /C calc'!A0",
    "user": "**Lãnh đạo** " + MDLINK,
}
MARKERS = ("<script", "onerror=", "](javascript:", "![px](", 'href="javascript:')
PAGE_ROLE = {"present": "presenter", "import": "admin", "admin": "admin"}
PAGE_PARAMS = {
    "unit": {"unit": "HN.P.HOANKIEM", "period": "2026-10"},
    "official": {"official": "CB0001", "period": "2026-10"},
    "satisfaction": {"unit": "HN.P.HOANKIEM", "period": "2026-10"},
    "grades": {"unit": "HN.P.HOANKIEM", "period": "2026-10"},
}
EXISTING = [(key, file) for key, file, _ in PAGES if (ROOT / file).exists()]


def poison(engine) -> None:
    """Give the fixture rows the names an attacker would put in an imported file."""
    with engine.begin() as conn:
        conn.execute(update(s.units).where(s.units.c.code == "HN.P.HOANKIEM").values(name=HOSTILE["unit"]))
        conn.execute(update(s.officials).where(s.officials.c.code == "CB0001").values(full_name=HOSTILE["official1"]))
        conn.execute(update(s.officials).where(s.officials.c.code == "CB0002").values(full_name=HOSTILE["official2"]))
        conn.execute(update(s.officials).where(s.officials.c.code == "CB0003").values(full_name=HOSTILE["official3"]))
        conn.execute(update(s.services).values(name=HOSTILE["service"]))
        conn.execute(update(s.objectives).values(title=HOSTILE["objective"]))
        conn.execute(update(s.key_results).values(title=HOSTILE["objective"]))
        conn.execute(update(s.kr_checkins).values(note=HOSTILE["official2"]))
        conn.execute(update(s.kpis).values(name=HOSTILE["kpi"]))
        conn.execute(update(s.users).where(s.users.c.role == "leader").values(name=HOSTILE["user"]))


@pytest.fixture
def hostile_db(sqlite_engine, sqlite_url, monkeypatch):
    fixture_dashboards.build(sqlite_engine)
    poison(sqlite_engine)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.delenv("THUOCDO_ENV", raising=False)
    monkeypatch.chdir(ROOT)
    through_frame(monkeypatch)
    return sqlite_engine


def markdown_like(at):
    """Every element whose text Streamlit renders as markdown (main and sidebar)."""
    for kind in ("markdown", "title", "header", "subheader", "caption", "error", "warning", "info", "success"):
        yield from getattr(at, kind)


def charts(at):
    return list(at.get("arrow_vega_lite_chart")) + list(at.get("vega_lite_chart"))


def _channels(spec, out: set[str]) -> None:
    if isinstance(spec, dict):
        for k, v in spec.items():
            if k == "encoding" and isinstance(v, dict):
                out.update(v)
            _channels(v, out)
    elif isinstance(spec, list):
        for v in spec:
            _channels(v, out)


@pytest.mark.parametrize("key,file", EXISTING)
def test_hostile_names_are_text_on_every_page(hostile_db, key, file):
    at = open_app(file, PAGE_ROLE.get(key, "leader"), PAGE_PARAMS.get(key))
    assert not at.exception, at.exception
    for el in markdown_like(at):
        value = str(el.value)
        low = value.lower()
        if getattr(el.proto, "allow_html", False) or getattr(getattr(el.proto, "body", None), "allow_html", False):
            assert not any(m in low for m in MARKERS), f"{key}: data in an HTML-enabled element: {value[:200]}"
        # Rendered as markdown, the name must not become a link or an image.
        assert "](javascript:" not in low, f"{key}: markdown link from data: {value[:200]}"
        assert "![px](" not in low, f"{key}: markdown image from data: {value[:200]}"
    for chart in charts(at):
        spec = json.loads(chart.proto.spec)
        used: set[str] = set()
        _channels(spec, used)
        assert "href" not in used, f"{key}: a chart builds links from data"
        assert '"html"' not in chart.proto.spec


# Literal, reviewed uses only: static CSS/markup written in the code base, never data.
REVIEWED_HTML = {
    ("pages/present.py", "st.html(SLIDE_CSS)"),
}


def test_no_unsafe_html_with_data():
    found = set()
    for path in sorted([*ROOT.glob("*.py"), *ROOT.glob("pages/*.py"), *ROOT.glob("components/*.py")]):
        rel = str(path.relative_to(ROOT))
        for line in path.read_text(encoding="utf-8").splitlines():
            if "unsafe_allow_html=True" in line or re.search(r"\bst\.html\(", line) or "components.v1" in line:
                found.add((rel, line.strip()))
    assert found <= REVIEWED_HTML, f"unreviewed raw HTML: {sorted(found - REVIEWED_HTML)}"


def test_present_html_is_a_literal():
    src = (ROOT / "pages" / "present.py").read_text(encoding="utf-8")
    assert re.search(r'^SLIDE_CSS\s*=\s*"""', src, re.M), "SLIDE_CSS must stay a plain literal (no f-string)"


def test_every_export_goes_through_the_formula_guard():
    """No page or component writes CSV/Excel itself: they call the safe helpers."""
    offenders = []
    for path in sorted([*ROOT.glob("pages/*.py"), *ROOT.glob("components/*.py")]):
        if path.name == "tables.py":
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\.to_csv\(|\.to_excel\(|ExcelWriter\(", line):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not offenders, offenders


def _cells_csv(data: bytes) -> list[str]:
    return [c for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for c in row]


def test_exported_tables_neutralise_formulas(hostile_db, sqlite_url, tmp_path):
    """End to end: the CLI table export (CSV and XLSX) of poisoned names."""
    import os

    env = {**os.environ, "DATABASE_URL": sqlite_url}
    cells: list[str] = []
    for table in ("ranking", "warnings"):
        for ext in ("csv", "xlsx"):
            out = tmp_path / f"{table}.{ext}"
            r = subprocess.run(
                [sys.executable, "-m", "thuocdo", "export", "table", table, "--period", "2026-10", "--out", str(out)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert r.returncode == 0, r.stderr[-2000:]
            if ext == "csv":
                cells += _cells_csv(out.read_bytes())
            else:
                wb = openpyxl.load_workbook(out)
                for ws in wb.worksheets:
                    for row in ws.iter_rows(values_only=True):
                        for c in row:
                            if isinstance(c, str):
                                cells.append(c)
                            # openpyxl reads a cell that starts with "=" as a formula: there must be none.
                for ws in wb.worksheets:
                    for row in ws.iter_rows():
                        for c in row:
                            assert c.data_type != "f", f"formula cell {c.coordinate}: {c.value}"
    texts = [c for c in cells if isinstance(c, str)]
    assert any("HYPERLINK" in c for c in texts) or any("Hoàn Kiếm" in c for c in texts)
    for c in texts:
        assert not c.startswith(("=", "+", "@", "\t", "\r")), c
        if c.startswith("-"):
            assert re.fullmatch(r"-[\d.,\s%]*", c), c  # a negative number, not a formula


def test_safe_helpers_on_hostile_frame():
    import pandas as pd

    from components.tables import csv_bytes, xlsx_bytes

    df = pd.DataFrame(
        {
            "name": [HOSTILE["official3"], HOSTILE["kpi"], "+1+1", "-2+3", "\tcmd", "bình thường"],
            "n": [1, 2, 3, 4, 5, 6],
        }
    )
    for c in _cells_csv(csv_bytes(df)):
        assert not c.startswith(("=", "+", "@", "-", "\t", "\r")), c
    ws = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(df))).active
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    assert ws["B2"].value == 1  # numbers stay numbers
