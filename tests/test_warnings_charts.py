"""Evidence charts as specs: every rule's case file draws its data and its threshold."""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd
import pytest
from sqlalchemy import select

from components.warning_charts import THRESHOLD_COLOR, evidence_chart, funnel_curve, severity_bar, trend_chart
from tests.test_warnings_fixtures import World, months
from thuocdo.domain.warnings import full_scan
from thuocdo.store import schema as s

TEXT = {
    k: k
    for k in (
        "threshold reference month score rate share ratings gap self manager progress count position subject peers "
        "allowed whole_unit top_share off_hours rule"
    ).split()
}
TEXT.update({"parts": {}, "grades": {}, "sources": {}, "items": {}, "signals": {}, "unit_names": {}})


def plant_everything(engine) -> None:
    """One subject for each of the ten rules."""
    w = World(engine)
    ms = months(202501, 12)
    peers = [w.unit(f"P{i}") for i in range(7)]
    hot = w.unit("HOT", sensitive=True)
    for i, u in enumerate(peers + [hot]):
        o = w.official(u, position_since=dt.date(2019, 1, 1) if u == hot else dt.date(2024, 1, 1))
        scores = [80, 81, 79, 80, 80, 79, 81, 80, 75, 70, 65, 64] if i == 0 else [80] * 12
        gap = {ms[-1]: (80, 99, 80)} if i == 1 else {}
        w.evaluations(o, u, {**dict(zip(ms, scores, strict=True)), **gap})
        for m in ms:
            if u == peers[2] and m == ms[-1]:
                continue  # missing data
            rate = 0.65 if (u == peers[3] and m == ms[-1]) else 0.88
            level1 = 0.16 if (u == hot and m == ms[-1]) else 0.03
            w.satisfied(u, m, 300, rate, level1=level1)
    w.ratings(peers[4], ms[-1], {4: 318, 3: 2}, device="K-X", day=12)
    nc = w.official(peers[5])
    w.annual(nc, peers[5], 2024, "not_completed")
    w.annual(nc, peers[5], 2025, "not_completed")
    for _ in range(5):
        w.annual(w.official(peers[6]), peers[6], 2025, "good", "nd335")
    for _ in range(3):
        w.annual(w.official(peers[6]), peers[6], 2025, "excellent", "nd335")
    y0, y1 = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
    w.key_result(
        w.objective(peers[1], y0, y1),
        0,
        100,
        {dt.date(2025, 9, 30): 10, dt.date(2025, 10, 31): 12, dt.date(2025, 11, 30): 13, dt.date(2025, 12, 31): 14},
    )
    w.refresh()


@pytest.fixture
def cases(sqlite_engine):
    plant_everything(sqlite_engine)
    full_scan(sqlite_engine)
    with sqlite_engine.connect() as conn:
        rows = conn.execute(select(s.warnings)).mappings().all()
    out = {}
    for r in rows:
        out.setdefault(r["rule_code"], dict(r))
    return out


def _leaves(spec: dict, data=None):
    """(leaf layer, the data it draws) for every leaf of a (nested) layered spec."""
    data = spec.get("data", data)
    if "layer" not in spec:
        yield spec, data
        return
    for layer in spec["layer"]:
        yield from _leaves(layer, data)


def _threshold_values(chart: alt.Chart) -> list[float]:
    """Values drawn by the red (threshold) marks of a chart."""
    spec = chart.to_dict()
    found = []
    for layer, data in _leaves(spec):
        mark = layer.get("mark", {})
        if isinstance(mark, dict) and mark.get("color") == THRESHOLD_COLOR and isinstance(data, dict):
            values = spec.get("datasets", {}).get(data.get("name"), []) if "name" in data else data.get("values", [])
            found += [v.get("value", v.get("limit")) for v in values]
    return [v for v in found if v is not None]


def test_every_rule_is_found_by_one_full_scan(cases):
    assert set(cases) == {
        "falling_results",
        "inflated_self_assessment",
        "satisfaction_drop",
        "dissatisfied_concentration",
        "off_pace",
        "rotation_due",
        "consecutive_not_completed",
        "grade_quota",
        "suspect_ratings",
        "missing_data",
    }


@pytest.mark.parametrize(
    "rule",
    [
        "falling_results",
        "inflated_self_assessment",
        "satisfaction_drop",
        "dissatisfied_concentration",
        "off_pace",
        "grade_quota",
        "suspect_ratings",
    ],
)
def test_the_threshold_is_drawn(cases, rule):
    case = cases[rule]
    chart = evidence_chart(case, TEXT)
    assert isinstance(chart, alt.TopLevelMixin)
    values = _threshold_values(chart)
    assert values, f"no threshold layer in {rule}"
    expected = case["evidence"]["chart"]["rule"]
    assert any(v == pytest.approx(expected, rel=1e-6) for v in values) or rule == "dissatisfied_concentration"


def test_the_funnel_limit_passes_through_the_stored_threshold(cases):
    case = cases["dissatisfied_concentration"]
    spec = case["evidence"]["chart"]
    n = case["sample_size"]
    curve = funnel_curve(spec["p0"], spec["tau2"], spec["z"], n, n + 1, points=2)
    assert curve["limit"].iloc[0] == pytest.approx(case["threshold"], rel=1e-6)


@pytest.mark.parametrize("rule", ["rotation_due", "consecutive_not_completed", "missing_data"])
def test_other_evidence_charts_build(cases, rule):
    chart = evidence_chart(cases[rule], TEXT)
    assert chart is not None
    chart.to_dict()


def test_no_chart_for_unknown_evidence():
    assert evidence_chart({"evidence": {"chart": {"kind": "nope"}}}, TEXT) is None
    assert evidence_chart({"evidence": {}}, TEXT) is None


def test_trend_and_severity_charts():
    df = pd.DataFrame(
        {"month": [202601, 202601, 202602], "rule_code": ["a", "b", "a"], "rule_label": ["A", "B", "A"], "n": [2, 1, 4]}
    )
    spec = trend_chart(df, {"month": "m", "count": "n", "rule": "r"}).to_dict()
    assert spec["mark"]["type"] == "bar" and spec["encoding"]["x"]["sort"] == ["01/2026", "02/2026"]
    sev = pd.DataFrame(
        {"rule_label": ["A", "A"], "severity": ["high", "low"], "severity_label": ["Cao", "Thấp"], "n": [1, 2]}
    )
    spec = severity_bar(
        sev, {"count": "n", "severity": "s", "severities": {"high": "Cao", "medium": "TB", "low": "Thấp"}}
    ).to_dict()
    assert spec["encoding"]["color"]["scale"]["domain"] == ["Cao", "Thấp"]


def test_every_evidence_figure_and_column_has_a_label(cases):
    from thuocdo.i18n import catalogue

    keys = set()
    for case in cases.values():
        ev = case["evidence"]
        keys |= {
            k
            for k, v in {**ev["values"], **ev.get("context", {})}.items()
            if not isinstance(v, (list, dict)) or k == "years"
        }
        for row in ev["rows"]:
            keys |= set(row)
    keys -= {"items"}
    keys -= {k for k in keys if k.endswith("_id") and k != "unit_id"}  # ids are not shown as figures
    for lang in ("vi", "en"):
        missing = sorted(k for k in keys if f"warnings.col.{k}" not in catalogue(lang))
        assert not missing, (lang, missing)
