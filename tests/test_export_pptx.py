"""The deck as PPTX, read back with python-pptx: 16:9, titles, pictures, notes with figures."""

from __future__ import annotations

import io

import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.util import Inches

from tests import fixture_data
from tests.test_reports import add_present_rows
from thuocdo.domain.access import CITY, Scope
from thuocdo.domain.periods import Period
from thuocdo.export import pptx
from thuocdo.reports.service import make_deck
from thuocdo.reports.snapshots import create_snapshot

TITLES = [
    "Thước Đo — Báo cáo Tháng 10/2026",
    "Tổng quan",
    "Xếp hạng đơn vị",
    "Tiến độ OKR",
    "Mức độ hài lòng của người dân",
    "Tóm tắt cảnh báo sớm",
    "Sở Nội vụ",
    "Phường Ba Đình",
    "Phường Hoàn Kiếm",
]


@pytest.fixture
def present_db(engine):
    fixture_data.build(engine)
    add_present_rows(engine)
    return engine


def all_text(prs) -> str:
    parts = []
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
        parts.append(slide.notes_slide.notes_text_frame.text)
    return "\n".join(parts)


def test_pptx_reads_back(present_db):
    deck = make_deck(present_db, CITY)  # default: the latest month with data
    prs = Presentation(io.BytesIO(pptx.render(deck.slides, deck.meta)))
    assert (prs.slide_width, prs.slide_height) == (Inches(13.333), Inches(7.5))
    assert abs(prs.slide_width / prs.slide_height - 16 / 9) < 0.001
    assert [s.shapes.title.text for s in prs.slides] == TITLES
    for i, slide in enumerate(prs.slides):
        pictures = [sh for sh in slide.shapes if sh.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pictures) == (0 if i == 0 else 1), slide.shapes.title.text
        for pic in pictures:  # inside the slide
            assert pic.left + pic.width <= prs.slide_width and pic.top + pic.height <= prs.slide_height
            assert pic.image.content_type == "image/png"
        footer = next(sh for sh in slide.shapes if sh.name == "Footer").text_frame.text
        assert deck.meta.content_hash[:12] in footer and "Kỳ: Tháng 10/2026" in footer
        run = slide.shapes.title.text_frame.paragraphs[0].runs[0]
        assert run.font.name == "Noto Sans"
    notes = [s.notes_slide.notes_text_frame.text for s in prs.slides]
    assert "Mã băm nội dung SHA-256: " + deck.meta.content_hash in notes[0]
    assert "Điểm bình quân: 84,0 (+1,0)" in notes[1]
    assert "Tháng 09/2026: điểm bình quân 83,0; hài lòng 95,0 %" in notes[1]
    assert "1. Sở Nội vụ: 88,0 điểm" in notes[2]
    assert "Phường Ba Đình: tiến độ 20 %" in notes[3] and "Chậm tiến độ" in notes[3]
    assert "Hài lòng giảm mạnh: 1 cảnh báo, 1 mức cao, 1 đang mở" in notes[5]
    assert "Xếp hạng: 3/3" in notes[8]
    assert all(deck.meta.content_hash[:12] in n for n in notes)


def test_pptx_from_a_snapshot_in_english_for_a_presenter(present_db):
    presenter = Scope("/", True)
    snap = create_snapshot(present_db, CITY, Period.month(202610), actor="lanhdao@thuocdo.demo")
    deck = make_deck(
        present_db,
        presenter,
        snapshot_id=snap["id"],
        topics=["warnings", "units"],
        unit_codes=["HN.P.HOANKIEM"],
        lang="en",
    )
    prs = Presentation(io.BytesIO(pptx.render(deck.slides, deck.meta)))
    assert [s.shapes.title.text for s in prs.slides] == [
        "Thước Đo — Report, Oct 2026",
        "Early-warning summary",
        "Phường Hoàn Kiếm",
    ]
    text = all_text(prs)
    assert f"Snapshot #{snap['id']}" in text and snap["content_hash"] in text
    assert "Individuals' names replaced by pseudonyms" in text
    assert "Nguyễn Thị Lan" not in text
    assert "Topics: Early-warning summary, One slide per unit" in text
