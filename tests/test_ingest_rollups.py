"""The importer's in-memory rating rollups equal ``refresh_ratings`` (SQLite and PostgreSQL)."""

from __future__ import annotations

import random

from sqlalchemy import select

from tests.data_ingest.helpers import imp, seed
from thuocdo.store.rollups import refresh_ratings
from thuocdo.store.schema import rollup_rating_hour, rollup_rating_official, rollup_rating_service, rollup_rating_unit

TABLES = (rollup_rating_unit, rollup_rating_official, rollup_rating_service, rollup_rating_hour)
UNITS = ("VD.P01", "VD.X02", "VD.STC", "VD.SNV")
OFFICIALS = ("", "", "VD0001", "VD0002", "VD0003", "VD0004", "VD0005")


def snapshot(engine) -> dict:
    with engine.connect() as conn:
        return {t.name: sorted(tuple(r) for r in conn.execute(select(t))) for t in TABLES}


def varied(seed_: int, n: int, months=(9, 10), prefix="V") -> str:
    rnd = random.Random(seed_)
    lines = ["rating_id,rated_at,unit_code,official_code,service_code,channel,device_id,score,scale\n"]
    for i in range(n):
        m = rnd.choice(months)
        day = rnd.randint(1, 28)
        hour = rnd.choice([5, 6, 7, 8, 9, 12, 16, 17, 18, 19, 22])  # inside and outside office hours
        scale = rnd.choice([4, 4, 4, 5])
        lines.append(
            f"{prefix}{i},2025-{m:02d}-{day:02d} {hour:02d}:{rnd.randint(0, 59):02d}:{rnd.randint(0, 59):02d},"
            f"{rnd.choice(UNITS)},{rnd.choice(OFFICIALS)},{rnd.choice(['', '1.004227', '2.000889'])},"
            f"{rnd.choice(['kiosk', 'tablet', 'online', 'sms'])},{rnd.choice(['', 'D1', 'D2', 'D3'])},{rnd.randint(1, scale)},{scale}\n"
        )
    return "".join(lines)


def test_frame_rollups_equal_the_sql_refresh(engine):
    seed(engine)
    r = imp(engine, varied(1, 3000), "ratings")
    assert r.refused == 0 and r.extra["rollups"] == "frame"
    fast = snapshot(engine)
    assert all(fast.values())
    with engine.begin() as conn:
        refresh_ratings(conn)
    assert snapshot(engine) == fast


def test_months_that_had_ratings_go_through_the_sql_refresh(engine):
    seed(engine)
    imp(engine, varied(2, 500, months=(9,)), "ratings")
    r = imp(engine, varied(3, 500, months=(9, 10), prefix="W"), "ratings")
    assert r.extra["rollups"] == "sql"
    after = snapshot(engine)
    with engine.begin() as conn:
        refresh_ratings(conn)
    assert snapshot(engine) == after


def test_an_official_rated_in_two_units_in_one_month(engine):
    seed(engine)
    head = "rated_at,unit_code,official_code,channel,score\n"
    imp(engine, head + "2025-10-01 08:00:00,VD.STC,VD0001,kiosk,4\n", "ratings")
    # The same official, the same month, another unit that had no ratings yet.
    r = imp(engine, head + "2025-10-02 08:00:00,VD.SNV,VD0001,kiosk,3\n", "ratings")
    assert r.loaded == 1 and r.extra["rollups"] == "sql"
    after = snapshot(engine)
    with engine.begin() as conn:
        refresh_ratings(conn)
    assert snapshot(engine) == after
    off = [row for row in after["rollup_rating_official"]]
    assert len(off) == 1 and off[0][-1] == 2  # one row, both ratings
