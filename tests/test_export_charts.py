"""Deck charts as specs (data, colours, font) and as PNG / SVG through vl-convert."""

from __future__ import annotations

import pytest

from tests import fixture_data
from tests.test_reports import add_present_rows
from thuocdo.domain.access import CITY
from thuocdo.domain.periods import Period
from thuocdo.export import charts
from thuocdo.reports.figures import compute_payload


@pytest.fixture
def payload(sqlite_engine):
    fixture_data.build(sqlite_engine)
    add_present_rows(sqlite_engine)
    return compute_payload(sqlite_engine, CITY, Period.month(202610))


def _data(spec: dict) -> list[dict]:
    return next(iter(spec["datasets"].values()))


def test_chart_specs(payload):
    spec = charts.ranking_chart(payload, "vi").to_dict()
    assert spec["config"]["font"] == "Noto Sans" and spec["config"]["background"] == charts.BG
    rows = _data(spec)
    assert [r["name"] for r in rows] == ["1. Sở Nội vụ", "2. Phường Ba Đình", "3. Phường Hoàn Kiếm"]
    assert rows[0]["label"] == "88,0"
    okr = _data(charts.okr_chart(payload, "vi").to_dict())
    assert {r["name"]: r["status"] for r in okr} == {
        "Sở Nội vụ": "Đúng tiến độ",
        "Phường Hoàn Kiếm": "Có nguy cơ",
        "Phường Ba Đình": "Chậm tiến độ",
    }
    warn = _data(charts.warnings_chart(payload, "en").to_dict())
    assert {(r["name"], r["severity"]) for r in warn} == {("Satisfaction drop", "High"), ("Rotation due", "Low")}
    empty = charts.okr_chart({"ranking": [], "units": {}}, "vi").to_dict()
    assert _data(empty)[0]["text"] == "Chưa có dữ liệu cho kỳ này"


def test_png_and_svg(payload):
    chart = charts.with_statement(
        charts.trend_chart(payload["trend"], "vi"), "Tổng quan", ["Kỳ: Tháng 10/2026 · SHA-256 0123456789ab"]
    )
    png = charts.to_png(chart, "vi", scale=1)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    svg = charts.to_svg(chart, "vi")
    assert svg.startswith("<svg") and "Noto Sans" in svg
    assert "Tổng quan" in svg and "Kỳ: Tháng 10/2026 · SHA-256 0123456789ab" in svg
    assert "Tỷ lệ hài lòng" in svg and "84,0" in svg
