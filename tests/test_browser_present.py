"""Presentation mode in a real browser: freeze a snapshot, move between slides with ← →."""

from __future__ import annotations

import re

import pytest

from tests import fixture_data
from tests.browser import chromium, demo_sign_in, shot, streamlit_server, wait_app_idle
from tests.test_reports import add_present_rows

pytestmark = pytest.mark.browser

SLIDE = ".st-key-present_slide"


def slide_title(page) -> str:
    return page.locator(f"{SLIDE} h2").first.inner_text().strip()


def wait_title(page, text: str) -> None:
    page.wait_for_function(
        "([sel, text]) => { const h = document.querySelector(sel + ' h2'); return h && h.innerText.trim() === text; }",
        arg=[SLIDE, text],
        timeout=90_000,
    )
    wait_app_idle(page, timeout=90_000)  # the rest of the slide (chart, position) renders after its title


def test_presenter_freezes_and_moves_by_keyboard(sqlite_engine, sqlite_url, chromium_path):
    fixture_data.build(sqlite_engine)
    add_present_rows(sqlite_engine)
    with streamlit_server(sqlite_url) as base, chromium(chromium_path, width=1600, height=1400) as page:
        page.goto(base + "/?period=2026-10")
        wait_app_idle(page)
        demo_sign_in(page, "Báo cáo viên")
        page.locator('[data-testid="stSidebarNav"] a', has_text="Trình chiếu").click()
        page.wait_for_selector(SLIDE)
        wait_app_idle(page)
        assert slide_title(page) == "Thước Đo — Báo cáo Tháng 10/2026"
        assert "Số liệu trực tiếp kỳ Tháng 10/2026" in page.inner_text("body")

        # Freeze the period: the page switches to the snapshot, stated with its hash.
        page.get_by_role("button", name=re.compile("Chốt số liệu")).click()
        page.get_by_role("button", name="Chốt ngay").click()
        # Freezing computes every figure once: allow for a busy machine.
        page.wait_for_function("() => location.search.includes('snapshot=1')", timeout=120_000)
        wait_app_idle(page, timeout=120_000)
        assert "Số liệu đã chốt: ảnh chụp #1" in page.inner_text("body")
        page.keyboard.press("Escape")
        page.locator("h1").first.click()  # focus the page, not a widget

        page.keyboard.press("ArrowRight")
        wait_title(page, "Tổng quan")
        assert "slide=2" in page.url
        page.get_by_text("Trang 2/9", exact=False).wait_for()
        page.wait_for_selector(f'{SLIDE} [data-testid="stVegaLiteChart"] svg')
        shot(page, "present-overview")

        page.keyboard.press("ArrowRight")
        wait_title(page, "Xếp hạng đơn vị")
        page.keyboard.press("ArrowLeft")
        wait_title(page, "Tổng quan")
        page.keyboard.press("ArrowLeft")
        wait_title(page, "Thước Đo — Báo cáo Tháng 10/2026")
        page.keyboard.press("ArrowLeft")  # wraps round to the last slide
        wait_title(page, "Phường Hoàn Kiếm")
        page.get_by_text("Trang 9/9", exact=False).wait_for()
        body = page.inner_text("body")
        assert "ảnh chụp số liệu #1" in body.lower()
        shot(page, "present-unit")
