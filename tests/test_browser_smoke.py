"""The app started as `make run` starts it, opened in a real headless Chromium."""

from __future__ import annotations

import pytest

from tests import fixture_data
from tests.browser import chromium, demo_sign_in, shot, streamlit_server, wait_app_idle

pytestmark = pytest.mark.browser


def test_first_page_signs_in_and_shows_figures(sqlite_engine, sqlite_url, chromium_path):
    fixture_data.build(sqlite_engine)
    with streamlit_server(sqlite_url) as base, chromium(chromium_path) as page:
        page.goto(base + "/?period=2026-10")
        wait_app_idle(page)
        body = page.inner_text("body")
        assert "Chọn người dùng trình diễn" in body
        assert "Chế độ trình diễn" in body
        shot(page, "smoke-sign-in")
        demo_sign_in(page, "Lãnh đạo")
        page.wait_for_selector('[data-testid="stMetric"]')
        body = page.inner_text("body")
        assert "Tổng quan" in body
        assert "Tỷ lệ hài lòng" in body
        assert "period=2026-10" in page.url  # the address survives the sign-in
        shot(page, "smoke-overview")
