"""Leader's journey in a real browser: overview → a unit in the ranking → an objective → back."""

from __future__ import annotations

import re

import pytest

from tests import fixture_dashboards
from tests.browser import chromium, shot, streamlit_server
from tests.browser import wait_app_idle as _idle

pytestmark = pytest.mark.browser
SLOW = 120_000  # the machine is shared: allow a slow first run of each page


def wait_app_idle(page) -> None:
    _idle(page, timeout=SLOW)


def demo_sign_in(page, role_label: str) -> None:
    card = page.locator('[data-testid="stHorizontalBlock"]', has_text=role_label).first
    card.get_by_role("button").click()
    wait_app_idle(page)


def click_mark(page, label_part: str, chart_index: int | None = None) -> None:
    """Click the first SVG mark whose aria-label mentions ``label_part``."""
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    scope = charts.nth(chart_index) if chart_index is not None else page
    mark = scope.locator(f'path[role="graphics-symbol"][aria-label*="{label_part}"]').first
    mark.scroll_into_view_if_needed()
    box = mark.bounding_box()
    # Vega listens on the whole SVG and finds the mark under the pointer: click its centre.
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def wait_url(page, pattern: str) -> None:
    page.wait_for_url(re.compile(pattern), timeout=SLOW)
    wait_app_idle(page)


def test_overview_to_unit_to_objective_and_back(sqlite_engine, sqlite_url, chromium_path):
    fixture_dashboards.build(sqlite_engine)
    with streamlit_server(sqlite_url) as base, chromium(chromium_path, height=2600) as page:
        page.set_default_timeout(SLOW)
        page.goto(base + "/?period=2026-10")
        wait_app_idle(page)
        demo_sign_in(page, "Lãnh đạo")
        page.wait_for_selector('[data-testid="stVegaLiteChart"] svg')
        wait_app_idle(page)
        body = page.inner_text("body")
        assert "Xếp hạng đơn vị" in body and "Tiến độ OKR" in body
        assert "44,0 %" in body
        shot(page, "dashboards-1-overview")

        # A click on the status chart filters the ranking (and the rest) through the URL.
        click_mark(page, "Chậm tiến độ", chart_index=0)
        wait_url(page, r"status=off_track")
        page.wait_for_selector("text=Đang lọc theo: Chậm tiến độ")
        wait_app_idle(page)
        ranking_chart = page.locator('[data-testid="stVegaLiteChart"]').nth(3)
        assert ranking_chart.locator('path[role="graphics-symbol"][aria-label*="Phường Ba Đình"]').count() == 1
        assert ranking_chart.locator('path[role="graphics-symbol"][aria-label*="Phường Hoàn Kiếm"]').count() == 0
        shot(page, "dashboards-1b-filtered")
        page.get_by_role("button", name="Bỏ lọc: Chậm tiến độ").click()
        page.wait_for_function("() => !location.search.includes('status=')", timeout=SLOW)
        wait_app_idle(page)

        # The ranking bar chart: one bar per unit, named in its aria-label.
        ranking = page.locator('[data-testid="stVegaLiteChart"]', has=page.locator('[aria-label*="Phường Ba Đình"]'))
        assert ranking.count() >= 1
        click_mark(page, "Phường Hoàn Kiếm")
        wait_url(page, r"/unit\?.*unit=HN\.P\.HOANKIEM")
        page.wait_for_selector('h1:has-text("Phường Hoàn Kiếm")')
        wait_app_idle(page)
        assert "period=2026-10" in page.url
        body = page.inner_text("body")
        assert "Mục tiêu và kết quả then chốt" in body and "Chỉ số KPI" in body  # tables are canvas
        shot(page, "dashboards-2-unit")

        click_mark(page, "Cải cách hành chính")
        wait_url(page, r"objective=OKR26\.HK\.1")
        page.wait_for_selector("text=Tiến độ các kết quả then chốt qua các lần cập nhật")
        wait_app_idle(page)
        body = page.inner_text("body")
        assert "Xem tất cả mục tiêu" in body
        assert "Một cửa không giấy tờ" not in page.locator('[data-testid="stMarkdown"]').all_inner_texts()
        shot(page, "dashboards-3-objective")

        page.go_back()
        page.wait_for_function("() => !location.search.includes('objective=')", timeout=SLOW)
        wait_app_idle(page)
        assert "unit=HN.P.HOANKIEM" in page.url
        page.wait_for_selector('h1:has-text("Phường Hoàn Kiếm")')
        assert "Xem tất cả mục tiêu" not in page.inner_text("body")
        shot(page, "dashboards-4-back-to-unit")

        page.go_back()
        # Streamlit's switch_page leaves an extra history entry (the old path with the new
        # parameters); what matters is that back leaves the unit page for the overview.
        page.wait_for_function("() => location.pathname === '/'", timeout=SLOW)
        wait_app_idle(page)
        page.wait_for_selector('h1:has-text("Tổng quan")')
        shot(page, "dashboards-5-back-to-overview")
