"""Satisfaction queries on real SQLite and PostgreSQL databases, and the data-quality
signals on hand-made rows (built in code, rolled up by the real rollup refresh)."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
from sqlalchemy import insert, text

from queries import satisfaction as q
from tests import fixture_data
from thuocdo.domain import stats
from thuocdo.domain.access import CITY, Scope, pseudonym
from thuocdo.store import schema as s
from thuocdo.store.db import set_setting
from thuocdo.store.rollups import refresh_ratings

WARD = Scope("/1/3/", False)  # Phường Hoàn Kiếm and its one-stop desk
PRESENTER = Scope("/", True)


@pytest.fixture
def db(engine, monkeypatch):
    """The fixture database, with the app's engine pointed at it."""
    fixture_data.build(engine)
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    return engine


def _ratings(conn, rows, start_id=10_000):
    """Insert ratings given as dicts (unit_id, rated_at, score, ...) with sensible defaults."""
    for i, r in enumerate(rows):
        at = r["rated_at"]
        conn.execute(
            insert(s.ratings).values(
                id=start_id + i,
                rated_at=at,
                month=at.year * 100 + at.month,
                unit_id=r["unit_id"],
                official_id=r.get("official_id"),
                service_code=r.get("service_code"),
                channel=r.get("channel", "kiosk"),
                device_id=r.get("device_id"),
                score=r["score"],
                scale=r.get("scale", 4),
                row_hash=start_id + i,
            )
        )


# --- rates, intervals, scope ----------------------------------------------------------


def test_unit_rates_with_wilson_and_level1_share(db):
    frame = q.unit_month(CITY, 202610, 202610)
    by_unit = q.summarise(frame, ["unit_id"], 30).set_index("unit_id")
    # Ba Đình (4): 20 ratings, every fifth is level 1, the rest level 4.
    bd = by_unit.loc[4]
    assert (bd["valid"], bd["satisfied"], bd["s1"]) == (20, 16, 4)
    assert bd["rate"] == pytest.approx(0.8)
    assert bd["dissatisfied"] == pytest.approx(0.2)
    assert (bd["lo"], bd["hi"]) == pytest.approx(stats.wilson_interval(16, 20))
    assert not bd["enough"]  # 20 < 30: not ranked
    hk = by_unit.loc[3]  # two officials x 20, levels 4 and 3: all satisfied
    assert (hk["valid"], hk["rate"], bool(hk["enough"])) == (40, 1.0, True)


def test_ranking_by_lower_bound_and_min_count(db):
    summary = q.summarise(q.unit_month(CITY, 202608, 202610), ["unit_id"], 30)
    ranked = q.rank(summary)
    # Over three months every unit has >= 60 ratings: all ranked, best lower bound first.
    assert ranked["rank"].tolist() == [1, 2, 3]
    assert ranked["lo"].is_monotonic_decreasing
    assert ranked.iloc[-1]["unit_id"] == 4
    one_month = q.rank(q.summarise(q.unit_month(CITY, 202610, 202610), ["unit_id"], 30))
    assert one_month["rank"].isna().sum() == 2  # the two 20-rating units: "not enough data"
    assert one_month.iloc[0]["unit_id"] == 3


def test_min_count_and_scale_settings_are_read(db):
    assert q.min_count() == 30
    assert q.scale_config()["levels"] == 4
    with db.begin() as conn:
        set_setting(conn, "satisfaction_min_n", 10)
        set_setting(conn, "satisfaction_scale", {"levels": 5, "labels": {"5": "Tuyệt vời", "1": "Rất tệ"}})
    q.min_count.clear()
    q.scale_config.clear()
    assert q.min_count() == 10
    cfg = q.scale_config()
    assert cfg["levels"] == 5 and cfg["labels"]["*"][5] == "Tuyệt vời"
    ranked = q.rank(q.summarise(q.unit_month(CITY, 202610, 202610), ["unit_id"], q.min_count()))
    assert ranked["rank"].notna().all()


def test_parse_settings_defaults_and_shapes():
    assert q.parse_scale(None) == {"levels": 4, "labels": {}}
    assert q.parse_scale('{"levels": 5}')["levels"] == 5
    assert q.parse_scale({"levels": 7})["levels"] == 4  # unsupported: the default
    both = q.parse_scale({"levels": 4, "labels": {"vi": {"4": "Rất tốt"}, "en": {"4": "Great"}}})
    assert both["labels"]["vi"][4] == "Rất tốt" and both["labels"]["en"][4] == "Great"
    assert q.parse_min_n("50") == 50
    assert q.parse_min_n({"value": 12}) == 12
    assert q.parse_min_n(-3) == q.DEFAULT_MIN_N
    assert q.parse_min_n("x") == q.DEFAULT_MIN_N


def test_scope_limits_every_reader(db):
    ward = q.unit_month(WARD, 202608, 202610)
    assert set(ward["unit_id"]) == {3, 5}
    assert set(q.officials(WARD, 202608, 202610)["official_id"]) == {1, 2, 5}
    assert q.hours(WARD, 202610, 202610)["n"].sum() == 60
    assert q.services(WARD, 202610, 202610)["n"].sum() == 60
    # Raw ratings of a unit outside the scope: nothing, even with its id.
    assert q.raw_ratings(WARD, "unit", 4, 202610).empty
    assert q.raw_ratings(WARD, "official", 3, 202610).empty
    assert len(q.raw_ratings(CITY, "unit", 4, 202610)) == 20


def test_presenter_sees_pseudonyms_never_names(db):
    offs = q.officials(PRESENTER, 202610, 202610)
    names = {n for _, _, n, *_ in fixture_data.OFFICIALS}
    codes = {c for _, c, *_ in fixture_data.OFFICIALS}
    assert not (set(offs["full_name"]) & names)
    assert not (set(offs["official_code"]) & codes)
    rated = codes - {"CB0004"}  # the Sở Nội vụ official has no ratings
    assert set(offs["full_name"]) == {pseudonym(c) for c in rated}
    raw = q.raw_ratings(PRESENTER, "unit", 3, 202610)
    assert not (set(raw["official_name"]) & names)
    assert set(raw["official_name"]) == {pseudonym("CB0001"), pseudonym("CB0002")}


def test_find_official_by_code_or_pseudonym_within_scope(db):
    assert q.find_official(CITY, "CB0003")["official_id"] == 3
    assert q.find_official(WARD, "CB0003") is None  # Ba Đình is outside the ward
    assert q.find_official(WARD, "CB0005")["unit_code"] == "HN.P.HOANKIEM.MC"
    ward_p = Scope("/1/3/", True)
    assert q.find_official(ward_p, pseudonym("CB0001"), ward_p)["official_id"] == 1
    assert q.find_official(ward_p, "CB0001", ward_p) is None  # a presenter's URL never carries codes
    assert q.find_official(ward_p, pseudonym("CB0003"), ward_p) is None


def test_raw_ratings_are_paginated_in_time_order(db):
    first = q.raw_ratings(CITY, "unit", 3, 202610, page=0, size=15)
    second = q.raw_ratings(CITY, "unit", 3, 202610, page=1, size=15)
    last = q.raw_ratings(CITY, "unit", 3, 202610, page=2, size=15)
    assert (len(first), len(second), len(last)) == (15, 15, 10)
    assert not set(first["id"]) & set(second["id"])
    allrows = pd.concat([first, second, last])
    assert list(allrows["rated_at"]) == sorted(allrows["rated_at"])
    off = q.raw_ratings(CITY, "official", 1, 202610)
    assert len(off) == 20 and set(off["official_code"]) == {"CB0001"}
    om = q.official_months(CITY, 1, 202608, 202610)
    assert om.groupby("month")["n"].sum().to_dict() == {202608: 20, 202609: 20, 202610: 20}


def test_raw_ratings_go_through_the_indexes(db):
    sql_unit = (q.read.__globals__["SQL_DIR"] / "satisfaction_ratings_unit.sql").read_text()
    sql_off = (q.read.__globals__["SQL_DIR"] / "satisfaction_ratings_official.sql").read_text()
    params = {"scope_path": "/%", "month": 202610, "limit": 50, "offset": 0}
    with db.connect() as conn:
        if db.dialect.name == "sqlite":
            plan_u = " ".join(
                str(r[-1]) for r in conn.execute(text("EXPLAIN QUERY PLAN " + sql_unit), {**params, "unit_id": 3})
            )
            plan_o = " ".join(
                str(r[-1]) for r in conn.execute(text("EXPLAIN QUERY PLAN " + sql_off), {**params, "official_id": 1})
            )
        else:
            conn.execute(text("SET enable_seqscan = off"))  # tiny tables: ask which index it would use
            plan_u = " ".join(r[0] for r in conn.execute(text("EXPLAIN " + sql_unit), {**params, "unit_id": 3}))
            plan_o = " ".join(r[0] for r in conn.execute(text("EXPLAIN " + sql_off), {**params, "official_id": 1}))
    assert "ix_ratings_unit_month" in plan_u
    assert "ix_ratings_official_month" in plan_o


def test_five_level_rows_count_on_their_own_scale(db):
    with db.begin() as conn:
        # Ba Đình, 2026-10: ten ratings on a 5-level scale: levels 5,5,4,4,3,2,1,1,5,4.
        _ratings(
            conn,
            [
                {"unit_id": 4, "rated_at": dt.datetime(2026, 10, 5, 9, i), "score": sc, "scale": 5, "channel": "online"}
                for i, sc in enumerate([5, 5, 4, 4, 3, 2, 1, 1, 5, 4])
            ],
        )
        refresh_ratings(conn, unit_ids=[4], months=[202610])
    frame = q.unit_month(CITY, 202610, 202610)
    bd = frame[frame["unit_id"] == 4]
    summary = q.summarise(bd, [], 1).iloc[0]
    # 4-level rows: 16 satisfied + 4 level-1 of 20; 5-level: 6 satisfied (4, 5) + 2 level-1 of 10.
    assert (summary["valid"], summary["satisfied"], summary["s1"]) == (30, 22, 6)
    dist = q.level_distribution(bd)
    five = dist[dist["scale"] == 5].set_index("level")["count"].to_dict()
    assert five == {1: 2, 2: 1, 3: 1, 4: 3, 5: 3}
    four = dist[dist["scale"] == 4].set_index("level")["count"].to_dict()
    assert four == {1: 4, 2: 0, 3: 0, 4: 16}
    by_channel = q.summarise(bd, ["channel"], 1).set_index("channel")
    assert by_channel.loc["online", "rate"] == pytest.approx(0.6)
    assert by_channel.loc["online", "dissatisfied"] == pytest.approx(0.2)


def test_services_and_hours(db):
    svc = q.summarise(q.services(CITY, 202610, 202610), ["service_code", "service_name"], 30)
    assert svc.iloc[0]["service_name"] == "Đăng ký khai sinh" and svc.iloc[0]["valid"] == 80
    hrs = q.hours(CITY, 202610, 202610)
    assert hrs["n"].sum() == 80
    top = q.busiest(hrs)
    assert top["total"] == 80 and len(top["hours"]) == 3
    # Fixture times: 9 + k % 8 o'clock, so every hour 9..16 has 10 ratings.
    assert set(hrs["hour"]) == set(range(9, 17))


def test_funnel_classifies_against_limits():
    summary = pd.DataFrame(
        {
            "unit_id": [1, 2, 3, 4],
            "satisfied": [900, 700, 10, 960],
            "s1": [10, 100, 0, 5],
            "valid": [1000, 1000, 12, 1000],
            "n": [1000, 1000, 12, 1000],
        }
    )
    summary["rate"] = summary["satisfied"] / summary["valid"]
    lo, hi = stats.wilson_interval(summary["satisfied"], summary["valid"])
    summary["lo"], summary["hi"] = lo, hi
    summary["enough"] = summary["valid"] >= 30
    points, curves, p0 = q.funnel(summary)
    assert p0 == pytest.approx((900 + 700 + 10 + 960) / 3012)
    band = dict(zip(points["unit_id"], points["band"], strict=True))
    assert band[2] == "low99"  # 70 % of 1,000 against ~85 %: far below
    assert band[4] == "high99"
    assert band[3] == "insufficient"  # 12 ratings: not judged
    lo95, hi95 = stats.funnel_limits(p0, 1000.0)
    row1 = points[points["unit_id"] == 1].iloc[0]
    assert (row1["lo95"], row1["hi95"]) == pytest.approx((lo95, hi95))
    assert (curves["hi998"] >= curves["hi95"]).all() and curves["n"].is_monotonic_increasing


# --- data-quality signals on hand-made rows -----------------------------------------


def _frame(rows):
    """Unit x month x channel rows as the rollup gives them (scale 4)."""
    base = {"scale": 4, "s1": 0, "s2": 0, "s3": 0, "s5": 0, "n_off_hours": 0, "n_devices": 1, "max_device_day": 0}
    out = []
    for r in rows:
        row = {**base, **r}
        row.setdefault("s4", row["n"] - row["s1"] - row["s2"] - row["s3"])
        out.append(row)
    return pd.DataFrame(out)


def test_signal_near_all_needs_volume():
    df = _frame(
        [
            {"unit_id": 1, "month": 202610, "channel": "kiosk", "n": 600, "s1": 1, "s3": 0},  # 599/600
            {"unit_id": 2, "month": 202610, "channel": "kiosk", "n": 200},  # 100 % but only 200
            {"unit_id": 3, "month": 202610, "channel": "kiosk", "n": 600, "s2": 30},  # 95 %
        ]
    )
    sig = q.quality_signals(df, [202610])
    assert sig[sig["signal"] == "near_all"]["unit_id"].tolist() == [1]


def test_signal_off_hours_share_and_minimum():
    df = _frame(
        [
            {"unit_id": 1, "month": 202610, "channel": "kiosk", "n": 200, "n_off_hours": 50},  # 25 %
            {"unit_id": 2, "month": 202610, "channel": "kiosk", "n": 200, "n_off_hours": 30},  # 15 %
            {"unit_id": 3, "month": 202610, "channel": "kiosk", "n": 50, "n_off_hours": 40},  # too few
        ]
    )
    sig = q.quality_signals(df, [202610])
    off = sig[sig["signal"] == "off_hours"]
    assert off["unit_id"].tolist() == [1]
    assert off.iloc[0]["value"] == pytest.approx(0.25)


def test_signal_burst_against_typical_device_day():
    df = _frame(
        [
            # 2 devices, 1,000 ratings in 2026-10 (26 office days): ~19/device/day; one day of 300.
            {"unit_id": 1, "month": 202610, "channel": "tablet", "n": 1000, "n_devices": 2, "max_device_day": 300},
            # Busy desk: 10 devices x 55/day; busiest device-day 60: normal.
            {"unit_id": 2, "month": 202610, "channel": "kiosk", "n": 14300, "n_devices": 10, "max_device_day": 60},
            # 160 in a day, but the channel's devices average 120/day: not 5x.
            {"unit_id": 3, "month": 202610, "channel": "kiosk", "n": 3120, "n_devices": 1, "max_device_day": 160},
        ]
    )
    sig = q.quality_signals(df, [202610])
    burst = sig[sig["signal"] == "burst"]
    assert burst["unit_id"].tolist() == [1]
    assert burst.iloc[0]["channel"] == "tablet"
    assert q.working_days(202610) == 27  # October 2026: 31 days, 4 Sundays
    assert q.working_days(202602) == 24


def test_signal_channel_gap():
    months = [202604, 202605, 202606, 202607, 202608, 202609, 202610]
    rows = []
    for m in months:
        rows.append({"unit_id": 1, "month": m, "channel": "kiosk", "n": 100})
        if m != 202609:
            rows.append({"unit_id": 1, "month": m, "channel": "sms", "n": 40})  # gap in September
        if m >= 202609:
            rows.append({"unit_id": 2, "month": m, "channel": "online", "n": 30})  # new channel: no history
        if m == 202605:
            rows.append({"unit_id": 2, "month": m, "channel": "sms", "n": 3})  # one-off: not "normal"
    df = _frame(rows)
    sig = q.quality_signals(df, [202609, 202610])
    gaps = sig[sig["signal"] == "channel_gap"]
    assert gaps[["unit_id", "month", "channel"]].values.tolist() == [[1, 202609, "sms"]]
    # A month not yet loaded anywhere is not a gap.
    later = q.quality_signals(df, [202611], data_months=months)
    assert later[later["signal"] == "channel_gap"].empty


def test_no_signals_on_calm_data(db):
    frame = q.unit_month(CITY, q.read_start(202610, 202610), 202610)
    assert q.quality_signals(frame, [202610]).empty


def test_signals_from_real_rollups(db):
    """A planted burst, off-hours ratings and a near-100 % flood, through refresh_ratings."""
    rows = []
    # Ba Đình (4), October 2026, tablet T-9: 320 ratings on one Sunday evening, all level 4.
    for i in range(320):
        rows.append(
            {
                "unit_id": 4,
                "rated_at": dt.datetime(2026, 10, 11, 19, 0) + dt.timedelta(seconds=20 * i),
                "score": 4,
                "channel": "tablet",
                "device_id": "T-9",
            }
        )
    # Hoàn Kiếm (3): 600 level-4 kiosk ratings spread over office hours.
    for i in range(600):
        day = 1 + i % 26
        rows.append(
            {
                "unit_id": 3,
                "rated_at": dt.datetime(2026, 10, day, 8 + i % 9, i % 60),
                "score": 4,
                "channel": "kiosk",
                "device_id": f"K-3-{i % 20}",
            }
        )
    with db.begin() as conn:
        _ratings(conn, rows)
        refresh_ratings(conn, unit_ids=[3, 4], months=[202610])
    frame = q.unit_month(CITY, q.read_start(202610, 202610), 202610)
    sig = q.quality_signals(frame, [202610], q.quality_thresholds())
    got = {(r.unit_id, r.signal) for r in sig.itertuples()}
    assert (4, "burst") in got
    assert (4, "off_hours") in got  # 320 of 340 outside office hours
    assert (3, "near_all") in got  # 640 ratings, 100 % satisfied
    assert (3, "burst") not in got and (3, "off_hours") not in got
    burst = sig[(sig["unit_id"] == 4) & (sig["signal"] == "burst")].iloc[0]
    assert burst["value"] == 320 and burst["channel"] == "tablet"
    assert not math.isnan(burst["threshold"])


def test_a_silent_unit_is_one_signal_not_one_per_channel():
    months = [202606, 202607, 202608, 202609, 202610]
    rows = []
    for m in months:
        rows.append({"unit_id": 2, "month": m, "channel": "kiosk", "n": 80})  # keeps the month "loaded"
        if m != 202610:
            rows += [{"unit_id": 1, "month": m, "channel": c, "n": 50} for c in ("kiosk", "sms", "online")]
    sig = q.quality_signals(_frame(rows), [202610])
    assert sig[["unit_id", "month", "signal", "value"]].values.tolist() == [[1, 202610, "unit_gap", 3.0]]
