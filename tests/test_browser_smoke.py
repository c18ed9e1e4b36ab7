"""The app started as `make run` starts it, opened in a real headless Chromium."""

from __future__ import annotations

import pytest

from tests import fixture_data
from tests.browser import chromium, demo_sign_in, shot, streamlit_server, wait_app_idle

pytestmark = pytest.mark.browser


def sidebar_text(page) -> str:
    return page.inner_text('[data-testid="stSidebar"]')


def test_typed_address_first_then_sign_in_then_overview(sqlite_engine, sqlite_url, chromium_path):
    fixture_data.build(sqlite_engine)
    with streamlit_server(sqlite_url) as base, chromium(chromium_path) as page:
        # The very first request of a fresh server is a typed page address: it must
        # run inside the frame (language switch, no raw file names), not as a bare file.
        page.goto(base + "/grades?period=2026-10")
        page.get_by_text("Chọn người dùng trình diễn").wait_for(timeout=60_000)
        wait_app_idle(page)
        side = sidebar_text(page)
        assert "Ngôn ngữ" in side
        assert "app" not in side.split()
        assert "Chế độ trình diễn" in page.inner_text("body")
        shot(page, "smoke-sign-in")
        demo_sign_in(page, "Lãnh đạo")
        page.get_by_text("Đang đăng nhập").wait_for(timeout=60_000)
        assert "/grades" in page.url and "period=2026-10" in page.url  # address kept
        assert "Xếp loại" in sidebar_text(page)

        page.goto(base + "/?period=2026-10")  # a reload: the demo sign-in asks again
        page.get_by_text("Chọn người dùng trình diễn").wait_for(timeout=60_000)
        demo_sign_in(page, "Lãnh đạo")
        page.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)
        body = page.inner_text("body")
        assert "Tổng quan" in body
        assert "Tỷ lệ hài lòng" in body
        shot(page, "smoke-overview")
