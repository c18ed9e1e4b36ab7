"""Chart builders, tested as Vega-Lite specs (data and encodings), not as pixels."""

from __future__ import annotations

import altair as alt
import pandas as pd
import pytest

from components import charts
from components.theme import STATUS_COLORS


def spec(chart) -> dict:
    return chart.to_dict()


def params(d: dict) -> list[dict]:
    out = list(d.get("params", []))
    for layer in d.get("layer", []):
        out += layer.get("params", [])
    return out


def values(d: dict) -> list[dict]:
    data = d.get("data", {})
    if "values" in data:
        return data["values"]
    name = data.get("name")
    return d["datasets"][name]


def test_status_bar_picks_a_status_and_dims_the_others():
    df = pd.DataFrame({"status": ["off_track", "on_track"], "label": ["Chậm", "Đúng"], "n": [2, 5]})
    d = spec(charts.status_bar(df, "Đơn vị theo tiến độ", chosen="on_track"))
    (p,) = params(d)
    assert p["name"] == charts.STATUS_PICK and p["select"]["fields"] == ["status"]
    assert d["encoding"]["color"]["scale"]["domain"] == ["on_track", "off_track"]
    assert d["encoding"]["color"]["scale"]["range"] == [STATUS_COLORS["on_track"], STATUS_COLORS["off_track"]]
    assert d["encoding"]["y"]["sort"] == ["Đúng", "Chậm"]  # status order, not data order
    rows = values(d)
    assert [r["chosen"] for r in rows] == [False, True]
    assert d["encoding"]["opacity"]["condition"]["test"] == "datum.chosen"


def test_ranking_bar_is_clickable_by_unit_code_and_keeps_the_order():
    df = pd.DataFrame(
        {
            "code": ["B", "A"],
            "name": ["Phường B", "Phường A"],
            "value": [0.9, 0.5],
            "value_text": ["90,0 %", "50,0 %"],
            "status": ["on_track", "at_risk"],
        }
    )
    d = spec(charts.ranking_bar(df, "Tiến độ OKR", percent=True))
    (p,) = params(d)
    assert p["name"] == charts.UNIT_PICK and p["select"]["fields"] == ["code"]
    assert d["encoding"]["y"]["sort"] == ["Phường B", "Phường A"]
    assert d["encoding"]["x"]["axis"]["format"] == ".0%"
    assert d["mark"]["cursor"] == "pointer"
    assert len(values(d)) == 2


def test_heatmap_cells_carry_unit_and_month():
    df = pd.DataFrame(
        {
            "code": ["A", "A", "B"],
            "name": ["Phường A", "Phường A", "Phường B"],
            "month": [202609, 202610, 202610],
            "month_label": ["09/2026", "10/2026", "10/2026"],
            "value": [0.7, 0.8, 0.4],
            "value_text": ["", "", ""],
        }
    )
    d = spec(charts.heatmap(df, "OKR", True, ["09/2026", "10/2026"]))
    (p,) = params(d)
    assert p["name"] == charts.CELL_PICK and p["select"]["fields"] == ["code", "month"]
    assert d["encoding"]["x"]["sort"] == ["09/2026", "10/2026"]
    assert d["encoding"]["y"]["sort"] == ["Phường A", "Phường B"]
    assert d["encoding"]["color"]["scale"]["domain"] == [0.4, 1.0]
    score = spec(charts.heatmap(df.assign(value=[80, 85, 60]), "Điểm", False, ["09/2026", "10/2026"]))
    assert score["encoding"]["color"]["scale"]["domain"] == [50, 100]
    pace = spec(charts.heatmap(df, "Nhịp", False, ["09/2026", "10/2026"], (0.4, 0.7)))
    assert pace["encoding"]["color"]["scale"]["domain"] == [0.4, 0.7]
    assert pace["encoding"]["color"]["legend"]["format"] == ".2f"


def test_trend_lines_by_measure():
    df = pd.DataFrame(
        {
            "month_date": pd.to_datetime(["2026-09-01", "2026-10-01"]),
            "measure_label": ["KPI", "KPI"],
            "value": [0.8, 0.9],
            "value_text": ["80 %", "90 %"],
        }
    )
    d = spec(charts.trend_lines(df, "Xu hướng", True))
    assert d["mark"]["type"] == "line" and d["mark"]["point"] is True
    assert d["encoding"]["x"]["type"] == "temporal"
    assert d["encoding"]["color"]["field"] == "measure_label"


def test_structure_chart_draws_threshold_ticks():
    df = pd.DataFrame(
        {
            "label": ["Cán bộ nữ", "Đại học"],
            "value": [0.2, None],
            "threshold": [0.15, 1.0],
            "met": ["yes", "na"],
            "met_label": ["Đạt", "Chưa đủ dữ liệu"],
            "value_text": ["20 %", "–"],
            "threshold_text": ["15 %", "100 %"],
        }
    )
    d = spec(charts.structure_chart(df, "Cơ cấu"))
    bars, ticks = d["layer"]
    assert bars["mark"]["type"] == "bar" and ticks["mark"]["type"] == "tick"
    assert ticks["encoding"]["x"]["field"] == "threshold"
    assert bars["encoding"]["x"]["scale"]["domain"] == [0, 1]
    assert [r["value"] for r in values(d)] == [0.2, 0.0]  # a target with nobody in it draws no bar


def test_objective_chart_picks_by_code_with_elapsed_ticks():
    df = pd.DataFrame(
        {
            "code": ["O1", "O2"],
            "label": ["Mục tiêu 1", "Mục tiêu 2"],
            "progress": [0.65, 0.2],
            "elapsed": [0.83, 0.83],
            "status": ["on_track", "off_track"],
            "progress_text": ["", ""],
            "pace_text": ["", ""],
            "status_label": ["", ""],
        }
    )
    chart = charts.objective_chart(df, "Mục tiêu", chosen="O2")
    assert isinstance(chart, alt.LayerChart)
    d = spec(chart)
    (p,) = params(d)
    assert p["name"] == charts.OBJECTIVE_PICK and p["select"]["fields"] == ["code"]
    assert d["layer"][1]["encoding"]["x"]["field"] == "elapsed"
    assert [r["chosen"] for r in values(d)] == [False, True]


@pytest.mark.parametrize("builder", ["grade_bar", "severity_bar"])
def test_count_bars(builder):
    if builder == "grade_bar":
        df = pd.DataFrame(
            {"grade": ["excellent", "good"], "label": ["Xuất sắc", "Tốt"], "n": [1, 4], "share_text": ["20 %", "80 %"]}
        )
        key = "grade"
    else:
        df = pd.DataFrame({"severity": ["high", "low"], "label": ["Cao", "Thấp"], "n": [1, 0]})
        key = "severity"
    d = spec(getattr(charts, builder)(df, "t"))
    assert d["encoding"]["color"]["field"] == key
    assert d["encoding"]["x"]["axis"]["format"] == "d"
    assert not params(d)  # plain charts: nothing to click


def test_checkin_lines():
    df = pd.DataFrame(
        {
            "checked_at": pd.to_datetime(["2026-08-31", "2026-09-30"]),
            "label": ["KR", "KR"],
            "progress": [0.6, 0.7],
            "value_text": ["60", "70"],
        }
    )
    d = spec(charts.checkin_lines(df, "Cập nhật"))
    assert d["encoding"]["y"]["scale"]["domain"] == [0, 1]
    assert len(values(d)) == 2
