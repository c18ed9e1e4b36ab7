"""The deck as PDF: rendered to PNG pages with pdftoppm, text extracted with pdftotext."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests import fixture_data
from tests.conftest import require
from tests.test_reports import add_present_rows
from thuocdo.domain.access import CITY
from thuocdo.export import pdf
from thuocdo.reports.service import make_deck, write_deck


@pytest.fixture
def deck_pdf(sqlite_engine, tmp_path):
    require(shutil.which("pdftoppm") is not None and shutil.which("pdftotext") is not None, "poppler-utils")
    fixture_data.build(sqlite_engine)
    add_present_rows(sqlite_engine)
    deck = make_deck(sqlite_engine, CITY)
    out = write_deck(deck, tmp_path / "hoi-nghi.pdf")
    return deck, out


def test_pdf_pages_render(deck_pdf, tmp_path):
    deck, out = deck_pdf
    assert out.read_bytes().startswith(b"%PDF")
    subprocess.run(["pdftoppm", "-png", "-r", "30", str(out), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == len(deck.slides) == 9
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+9\n", info)
    assert re.search(r"Page size:\s+960(\.0+)? x 540(\.0+)? pts", info)  # 13.333 x 7.5 in: 16:9


def test_pdf_text_keeps_vietnamese(deck_pdf, tmp_path):
    deck, out = deck_pdf
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")
    for phrase in (
        "Thước Đo — Báo cáo Tháng 10/2026",
        "Mức độ hài lòng của người dân",
        "Tóm tắt cảnh báo sớm",
        "Phường Hoàn Kiếm",
        "Điểm bình quân",
        "Tỷ lệ hài lòng",
        "Cảnh báo đang mở",
        "Đúng tiến độ",
    ):
        assert phrase in text, phrase
    assert deck.meta.content_hash in pages[0]  # the full hash on the title page
    for page in pages[:9]:
        assert "Kỳ: Tháng 10/2026" in page and deck.meta.content_hash[:12] in page


def test_pdf_refuses_other_formats(deck_pdf, tmp_path):
    from thuocdo.reports.service import ReportError

    deck, _ = deck_pdf
    with pytest.raises(ReportError):
        write_deck(deck, tmp_path / "x.docx")
    assert pdf.render(deck.slides[:1], deck.meta).startswith(b"%PDF")
