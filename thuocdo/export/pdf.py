"""The deck as a 16:9 PDF (fpdf2): the same slides as the PPTX, one page each, Noto Sans
embedded so that Vietnamese diacritics survive printing and text extraction.
"""

from __future__ import annotations

import io
from pathlib import Path

from fpdf import FPDF

from thuocdo.export.pptx import png_size
from thuocdo.reports.deck import DeckMeta, Slide, figure_text

FONT_DIR = Path("/usr/share/fonts/truetype/noto")
REGULAR = FONT_DIR / "NotoSans-Regular.ttf"
BOLD = FONT_DIR / "NotoSans-Bold.ttf"
W, H = 960 * 25.4 / 72, 540 * 25.4 / 72  # mm: 13.333 x 7.5 in, 960 x 540 pt
BG = (0x0F, 0x17, 0x2A)
FG = (0xF1, 0xF5, 0xF9)
MUTED = (0x94, 0xA3, 0xB8)
ACCENT = (0x60, 0xA5, 0xFA)
MM_PER_IN = 25.4


def _font_paths() -> tuple[Path, Path]:
    if REGULAR.exists() and BOLD.exists():
        return REGULAR, BOLD
    found = sorted(Path("/usr/share/fonts").rglob("NotoSans-Regular.ttf"))
    if not found:
        raise FileNotFoundError("Noto Sans is needed for Vietnamese PDFs: apt-get install fonts-noto-core")
    reg = found[0]
    return reg, reg.with_name("NotoSans-Bold.ttf")


def _write(pdf: FPDF, x, y, w, text, size, color=FG, bold=False, line=None) -> float:
    pdf.set_font("Noto", "B" if bold else "", size)
    pdf.set_text_color(*color)
    pdf.set_xy(x, y)
    pdf.multi_cell(w, line or size * 0.5, text)
    return pdf.get_y()


def _figures(pdf: FPDF, items, x, y, w, value_size=22, label_size=12, bottom=H - 16) -> None:
    for fig in items:
        label, value = fig[0], figure_text(fig)
        if y > bottom:
            break
        y = _write(pdf, x, y, w, label, label_size, MUTED)
        if value:
            y = _write(pdf, x, y, w, value, value_size, FG, bold=True) + 3


def render(slides: list[Slide], meta: DeckMeta) -> bytes:
    """The deck as PDF bytes."""
    pdf = FPDF(orientation="L", unit="mm", format=(H, W))
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    reg, bold = _font_paths()
    pdf.add_font("Noto", "", str(reg))
    pdf.add_font("Noto", "B", str(bold))
    pdf.set_title(slides[0].title if slides else "Thước Đo")
    pdf.set_subject(meta.footer())
    pdf.set_creator("Thước Đo")
    for s in slides:
        pdf.add_page()
        pdf.set_fill_color(*BG)
        pdf.rect(0, 0, W, H, "F")
        is_title = s.key == "title"
        margin = 12.7
        top = 40 if is_title else 8
        y = _write(pdf, margin, top, W - 2 * margin, s.title, 30 if is_title else 26, FG, bold=True)
        if s.subtitle:
            y = _write(
                pdf, margin, y + 1, W - 2 * margin, s.subtitle, 16 if is_title else 13, ACCENT if is_title else MUTED
            )
        png = s.chart_png(meta.lang)
        body_top = max(y + 4, 44.5) if not is_title else y + 6
        if is_title:
            _figures(pdf, s.figures, margin, body_top, W - 2 * margin, value_size=14, label_size=14)
        elif png is not None:
            w_px, h_px = png_size(png)
            box_w, box_h = 8.4 * MM_PER_IN, H - body_top - 16
            scale = min(box_w / w_px, box_h / h_px)
            pdf.image(io.BytesIO(png), x=margin, y=body_top, w=w_px * scale, h=h_px * scale)
            _figures(pdf, s.figures, 9.2 * MM_PER_IN, body_top, W - 9.2 * MM_PER_IN - margin)
        else:
            _figures(pdf, s.figures, margin, body_top, W - 2 * margin, value_size=24, label_size=14)
        _write(pdf, margin, H - 12, W - 2 * margin, meta.footer(), 10, MUTED)
    return bytes(pdf.output())
