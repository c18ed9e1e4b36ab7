"""Satisfaction chart builders, tested as Vega-Lite specs (data and encodings), not pixels."""

from __future__ import annotations

import pandas as pd

from components import satisfaction_charts as charts
from queries import satisfaction as q
from thuocdo.domain import stats

TEXT = {
    "title": "T",
    "x": "Số lượt",
    "y": "Tỷ lệ hài lòng",
    "limits": "Giới hạn",
    "l95": "95 %",
    "l998": "99,8 %",
    "band": "So với mức chung",
    "bands": {b: b.upper() for b in charts.BAND_ORDER},
    "name": "Tên",
    "lo": "Cận dưới",
    "hi": "Cận trên",
    "rate": "Tỷ lệ",
    "n": "Số lượt",
    "level": "Mức",
    "dis": "Không hài lòng",
    "label": "Kênh",
}


def _summary():
    df = pd.DataFrame(
        {
            "unit_id": [1, 2, 3],
            "code": ["A", "B", "C"],
            "name": ["Phường Á", "Phường Bờ", "Xã Cờ"],
            "satisfied": [850, 60, 5],
            "s1": [20, 10, 1],
            "valid": [1000, 100, 8],
            "n": [1000, 100, 8],
        }
    )
    df["rate"] = df["satisfied"] / df["valid"]
    df["lo"], df["hi"] = stats.wilson_interval(df["satisfied"], df["valid"])
    df["enough"] = df["valid"] >= 30
    return df


def _spec(chart):
    return chart.to_dict()


def _layers(spec):
    return spec.get("layer", [spec])


def _datasets(spec):
    return spec.get("datasets", {})


def test_funnel_has_points_limits_centre_and_a_named_click_selection():
    points, curves, p0 = q.funnel(_summary())
    points["band_label"] = points["band"]
    spec = _spec(charts.funnel_chart(points, curves, p0, TEXT))
    layers = _layers(spec)
    assert [lyr["mark"]["type"] if isinstance(lyr["mark"], dict) else lyr["mark"] for lyr in layers] == [
        "line",
        "rule",
        "circle",
    ]
    dots = layers[2]
    assert dots["encoding"]["x"]["scale"]["type"] == "log"
    assert dots["encoding"]["x"]["field"] == "valid"
    assert dots["encoding"]["color"]["scale"]["domain"] == charts.BAND_ORDER
    params = dots.get("params") or spec.get("params")  # Altair lifts layer params to the top
    assert params[0]["name"] == "funnel_pick"
    assert params[0]["select"]["fields"] == ["code"]
    rows = [r for d in _datasets(spec).values() for r in d]
    assert {r["name"] for r in rows if "name" in r} == {"Phường Á", "Phường Bờ", "Xã Cờ"}
    # Only the aggregated points and 60-odd curve points travel to the browser.
    assert len(rows) < 3 + 4 * 60 + 2
    centre = [r for d in _datasets(spec).values() for r in d if "p0" in r]
    assert centre[0]["p0"] == (850 + 60 + 5) / 1108


def test_heatmap_greys_out_cells_without_enough_data():
    cells = pd.DataFrame(
        {
            "name": ["A", "A", "B"],
            "month": [202609, 202610, 202610],
            "month_label": ["09/2026", "10/2026", "10/2026"],
            "rate": [0.9, 0.8, 0.5],
            "valid": [100, 100, 5],
            "enough": [True, True, False],
            "rate_text": ["90 %", "80 %", "—"],
        }
    )
    spec = _spec(charts.heatmap_chart(cells, TEXT, order=["B", "A"]))
    enc = spec["encoding"] if "encoding" in spec else _layers(spec)[0]["encoding"]
    assert enc["color"]["condition"]["test"] == "isValid(datum.shown)"
    assert enc["color"]["value"] == "#e0e0e0"
    assert enc["y"]["sort"] == ["B", "A"]
    rows = next(iter(_datasets(spec).values()))
    shown = {(r["name"], r["month"]): r["shown"] for r in rows}
    assert shown[("B", 202610)] is None  # below the minimum: no colour
    assert shown[("A", 202610)] == 0.8


def test_levels_chart_colours_follow_the_scale():
    four = pd.DataFrame(
        {
            "scale": 4,
            "level": [1, 2, 3, 4],
            "label": ["KHL", "BT", "HL", "RHL"],
            "count": [1, 2, 3, 4],
            "share": [0.1, 0.2, 0.3, 0.4],
        }
    )
    spec = _spec(charts.levels_chart(four, TEXT))
    assert spec["encoding"]["color"]["scale"]["range"] == charts.LEVEL_COLORS[4]
    assert spec["encoding"]["y"]["sort"] == ["RHL", "HL", "BT", "KHL"]
    five = pd.DataFrame(
        {"scale": 5, "level": [1, 2, 3, 4, 5], "label": list("abcde"), "count": [1] * 5, "share": [0.2] * 5}
    )
    assert _spec(charts.levels_chart(five, TEXT))["encoding"]["color"]["scale"]["domain"] == [1, 2, 3, 4, 5]


def test_trend_draws_the_wilson_band_under_the_line():
    df = pd.DataFrame(
        {
            "month": [202609, 202610],
            "month_label": ["a", "b"],
            "rate": [0.8, 0.9],
            "lo": [0.7, 0.85],
            "hi": [0.88, 0.94],
            "valid": [50, 400],
            "dissatisfied": [0.05, 0.02],
        }
    )
    spec = _spec(charts.trend_chart(df, TEXT))
    band, line = _layers(spec)
    assert (
        band["mark"]["type"] == "area"
        and band["encoding"]["y"]["field"] == "lo"
        and band["encoding"]["y2"]["field"] == "hi"
    )
    assert line["encoding"]["y"]["field"] == "rate"
    assert line["encoding"]["x"]["sort"] == {"field": "month"}


def test_hours_heatmap_and_interval_chart():
    hrs = pd.DataFrame(
        {"dow": [0, 0, 5], "day_label": ["Thứ Hai", "Thứ Hai", "Thứ Bảy"], "hour": [8, 9, 8], "n": [10, 20, 5]}
    )
    spec = _spec(charts.hours_chart(hrs, TEXT))
    assert spec["mark"]["type"] == "rect"
    assert spec["encoding"]["y"]["sort"] == ["Thứ Hai", "Thứ Bảy"]
    ch = _summary().assign(label=["Ki-ốt", "SMS", "Trực tuyến"])
    spec = _spec(charts.interval_chart(ch, TEXT))
    rule, dots = _layers(spec)
    assert rule["encoding"]["x"]["field"] == "lo" and rule["encoding"]["x2"]["field"] == "hi"
    assert dots["encoding"]["x"]["field"] == "rate"
