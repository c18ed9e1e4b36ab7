"""Browser journey: satisfaction page -> click a unit -> its officials -> one official's ratings."""

from __future__ import annotations

import re

import pytest

from tests import fixture_data
from tests.browser import chromium, demo_sign_in, shot, streamlit_server, wait_app_idle

pytestmark = pytest.mark.browser


def _click_first_row(page, grid) -> None:
    """Select the first data row of a canvas grid by clicking its row-marker column."""
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.move(box["x"] + 60, box["y"] + 35 + 17)
    page.wait_for_timeout(200)
    page.mouse.click(box["x"] + 15, box["y"] + 35 + 17)


def test_satisfaction_drill_unit_official_ratings(sqlite_engine, sqlite_url, chromium_path):
    fixture_data.build(sqlite_engine)
    with streamlit_server(sqlite_url) as base, chromium(chromium_path) as page:
        page.goto(base + "/?period=2026-10")
        wait_app_idle(page)
        demo_sign_in(page, "Lãnh đạo")
        page.wait_for_selector('[data-testid="stMetric"]')
        # Into the satisfaction page through the menu, as a reader would.
        page.locator('[data-testid="stSidebarNav"] a', has_text="Sự hài lòng").click()
        page.wait_for_url(re.compile(r"/satisfaction"))
        page.wait_for_selector("h1:has-text('Sự hài lòng của người dân')")
        page.wait_for_selector('[data-testid="stMetric"]')
        wait_app_idle(page)
        main = page.locator('[data-testid="stMain"]')
        text = main.inner_text()
        assert "Sự hài lòng của người dân" in text
        assert "Tỷ lệ hài lòng" in text and "95,0 %" in text
        assert "Khoảng tin cậy 95 %" in text
        page.wait_for_selector('[data-testid="stVegaLiteChart"]')
        shot(page, "satisfaction-overview")

        # Units tab: the ranking grid; its first row is the best-ranked unit, Phường Hoàn Kiếm.
        _click_first_row(page, main.locator('[data-testid="stDataFrame"]').first)
        page.wait_for_url(re.compile(r"unit=HN\.P\.HOANKIEM"))
        page.wait_for_selector("h1:has-text('Phường Hoàn Kiếm')")
        wait_app_idle(page)
        text = main.inner_text()
        assert "Sự hài lòng — Phường Hoàn Kiếm" in text
        shot(page, "satisfaction-unit")

        # Officials tab (first in a unit): select the first official.
        _click_first_row(page, main.locator('[data-testid="stDataFrame"]').first)
        page.wait_for_url(re.compile(r"official=CB000"))
        wait_app_idle(page)
        # Individual data: the purpose is asked and logged first.
        main.locator('[data-testid="stRadio"] [role="radiogroup"] label').first.click()
        shot(page, "satisfaction-official-purpose")
        main.locator('[data-testid="stFormSubmitButton"] button').click()
        page.wait_for_selector("text=/lượt đánh giá · trang 1\\/1/")
        wait_app_idle(page)
        text = main.inner_text()
        assert "Đánh giá của người dân về cán bộ" in text
        assert "20 lượt đánh giá · trang 1/1" in text
        assert "unit=HN.P.HOANKIEM" in page.url
        shot(page, "satisfaction-official-ratings")
