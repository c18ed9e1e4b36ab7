"""The deck as a 16:9 PowerPoint file: dark-hall theme, Noto Sans, one chart per slide
as a picture, the key figures in large type, the full figures in the speaker notes.

python-pptx's default template is 4:3 and setting 16:9 does not move its placeholders,
so every shape is placed here explicitly ("Title Only" layout, title moved and styled).
"""

from __future__ import annotations

import io
import struct

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from thuocdo.reports.deck import DeckMeta, Slide, figure_text

FONT = "Noto Sans"
BG = RGBColor(0x0F, 0x17, 0x2A)
FG = RGBColor(0xF1, 0xF5, 0xF9)
MUTED = RGBColor(0x94, 0xA3, 0xB8)
ACCENT = RGBColor(0x60, 0xA5, 0xFA)
WIDTH_IN, HEIGHT_IN = 13.333, 7.5
TITLE_ONLY = 5


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG from its header."""
    return struct.unpack(">II", data[16:24])


def _text(frame, text: str, size: int, color=FG, bold: bool = False, align=PP_ALIGN.LEFT) -> None:
    frame.word_wrap = True
    p = frame.paragraphs[0]
    p.alignment = align
    run = p.add_run()
    run.text = text
    f = run.font
    f.name, f.size, f.bold = FONT, Pt(size), bold
    f.color.rgb = color


def _box(slide, left, top, width, height, text, size, color=FG, bold=False, name=None, anchor=MSO_ANCHOR.TOP):
    shape = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    if name:
        shape.name = name
    shape.text_frame.vertical_anchor = anchor
    _text(shape.text_frame, text, size, color, bold)
    return shape


def _figures(slide, items, left, top, width, height, value_size=28, label_size=15) -> None:
    shape = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    shape.name = "Figures"
    tf = shape.text_frame
    tf.word_wrap = True
    first = True
    for fig in items:
        label, value = fig[0], figure_text(fig)
        p = tf.paragraphs[0] if first else tf.add_paragraph()
        first = False
        r = p.add_run()
        r.text = label
        r.font.name, r.font.size, r.font.color.rgb = FONT, Pt(label_size), MUTED
        if value:
            pv = tf.add_paragraph()
            rv = pv.add_run()
            rv.text = value
            rv.font.name, rv.font.size, rv.font.bold, rv.font.color.rgb = FONT, Pt(value_size), True, FG
            pv.space_after = Pt(8)


def render(slides: list[Slide], meta: DeckMeta) -> bytes:
    """The deck as PPTX bytes."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(WIDTH_IN), Inches(HEIGHT_IN)
    prs.core_properties.title = slides[0].title if slides else "Thước Đo"
    prs.core_properties.subject = meta.footer()
    prs.core_properties.author = "Thước Đo"
    layout = prs.slide_layouts[TITLE_ONLY]
    for s in slides:
        slide = prs.slides.add_slide(layout)
        fill = slide.background.fill
        fill.solid()
        fill.fore_color.rgb = BG
        title = slide.shapes.title
        is_title = s.key == "title"
        title.left, title.top = Inches(0.5), Inches(1.6 if is_title else 0.3)
        title.width, title.height = Inches(WIDTH_IN - 1.0), Inches(1.2 if is_title else 0.8)
        title.text_frame.clear()
        title.text_frame.vertical_anchor = MSO_ANCHOR.TOP
        _text(title.text_frame, s.title, 40 if is_title else 34, FG, True)
        if s.subtitle:
            _box(
                slide,
                0.5,
                2.9 if is_title else 1.1,
                WIDTH_IN - 1.0,
                0.5,
                s.subtitle,
                22 if is_title else 17,
                ACCENT if is_title else MUTED,
                name="Subtitle",
            )
        png = s.chart_png(meta.lang)
        if is_title:
            _figures(slide, s.figures, 0.5, 3.6, WIDTH_IN - 1.0, 3.2, value_size=18, label_size=18)
        elif png is not None:
            w_px, h_px = png_size(png)
            box_w, box_h = 8.4, 5.1
            scale = min(box_w / w_px, box_h / h_px)
            pic = slide.shapes.add_picture(
                io.BytesIO(png),
                Inches(0.5),
                Inches(1.75),
                Emu(int(Inches(w_px * scale))),
                Emu(int(Inches(h_px * scale))),
            )
            pic.name = "Chart"
            _figures(slide, s.figures, 9.2, 1.75, WIDTH_IN - 9.7, 5.1)
        else:
            _figures(slide, s.figures, 0.5, 1.9, WIDTH_IN - 1.0, 4.9, value_size=32, label_size=18)
        _box(slide, 0.5, HEIGHT_IN - 0.55, WIDTH_IN - 1.0, 0.4, meta.footer(), 11, MUTED, name="Footer")
        slide.notes_slide.notes_text_frame.text = s.notes
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()
