"""Citizen ratings: identity hash, duplicates, text levels, rollups, devices — on both engines."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.data_ingest.helpers import count, identity, imp, seed
from thuocdo.ingest.kinds.ratings import _hash63
from thuocdo.store.schema import (
    devices,
    import_batches,
    ratings,
    rollup_rating_hour,
    rollup_rating_official,
    rollup_rating_unit,
    units,
)

HEAD = "rating_id,rated_at,unit_code,official_code,service_code,channel,device_id,score\n"


def test_ratings_load_roll_up_and_register_devices(engine):
    seed(engine)
    body = HEAD + "".join(
        f"R{i},2025-10-{1 + i % 28:02d} {8 + i % 9:02d}:{i % 60:02d}:00,VD.P01,VD0004,1.004227,kiosk,K{i % 3},{1 + i % 4}\n"
        for i in range(200)
    )
    r = imp(engine, body, "ratings")
    assert (r.loaded, r.refused) == (200, 0)
    with engine.connect() as conn:
        roll = (
            conn.execute(
                select(rollup_rating_unit)
                .join(units, units.c.id == rollup_rating_unit.c.unit_id)
                .where(units.c.code == "VD.P01")
            )
            .mappings()
            .all()
        )
        assert len(roll) == 1 and roll[0]["n"] == 200 and roll[0]["month"] == 202510
        assert [roll[0][f"s{i}"] for i in range(1, 5)] == [50, 50, 50, 50]
        assert roll[0]["n_devices"] == 3
        assert conn.execute(select(func.sum(rollup_rating_official.c.n))).scalar() == 200
        assert conn.execute(select(func.sum(rollup_rating_hour.c.n))).scalar() == 200
        assert sorted(d for (d,) in conn.execute(select(devices.c.code))) == ["K0", "K1", "K2"]
        hashes = [h for (h,) in conn.execute(select(ratings.c.row_hash))]
    assert len(set(hashes)) == 200 and all(0 <= h < 2**63 for h in hashes)

    again = imp(engine, body, "ratings")
    assert (again.loaded, again.already_present, again.refused) == (0, 200, 0)
    assert count(engine, ratings) == 200

    # Half of the file again plus new rows: only the new ones load.
    more = HEAD + "".join(body.splitlines(keepends=True)[1:101]) + "R900,2025-10-30 09:00:00,VD.P01,,,online,,4\n"
    third = imp(engine, more, "ratings")
    assert (third.loaded, third.already_present) == (1, 100)


def test_identity_hash_is_stable_across_spellings_of_the_same_row(sqlite_engine):
    seed(sqlite_engine)
    a = imp(sqlite_engine, "rated_at,unit_code,channel,score\n01/10/2025 08:05:12,VD.P01,kiosk,4\n", "ratings")
    b = imp(
        sqlite_engine,
        "thời gian,đơn vị,kênh,mức độ\n2025-10-01T08:05:12,Phường Đông Hòa,Ki-ốt,Rất hài lòng\n".replace(
            "đơn vị", "tên đơn vị"
        ),
        "ratings",
    )
    assert a.loaded == 1 and (b.loaded, b.already_present) == (0, 1)
    # The hash itself is a fixed function of the text (a re-import next year finds the same value).
    assert _hash63("2025-10-01T08:05:12|1|||kiosk||4|4|") == _hash63("2025-10-01T08:05:12|1|||kiosk||4|4|")
    assert _hash63("a") != _hash63("b")


def test_bad_ratings_are_refused_each_with_its_reason(engine):
    seed(engine)
    body = HEAD + (
        "A1,2025-10-01 08:00:00,VD.P01,,,kiosk,,4\n"  # 2 ok
        "A2,2025-10-01 08:00:00,VD.P01,,,kiosk,,7\n"  # 3 out of the 1–4 scale
        "A3,hôm qua,VD.P01,,,kiosk,,3\n"  # 4 not a date
        "A4,,VD.P01,,,kiosk,,3\n"  # 5 no time
        "A5,2025-10-01 08:00:00,KHONG,,,kiosk,,3\n"  # 6 unknown unit
        "A6,2025-10-01 08:00:00,VD.P01,VD9999,,kiosk,,3\n"  # 7 unknown official
        "A7,2025-10-01 08:00:00,VD.P01,,,fax,,3\n"  # 8 unknown channel
        "A8,2025-10-01 08:00:00,VD.P01,,,kiosk,,tuyệt vời\n"  # 9 not a level
        "A1,2025-10-01 08:00:00,VD.P01,,,kiosk,,4\n"  # 10 duplicate of row 2
        "A9,2030-01-01 08:00:00,VD.P01,,,kiosk,,4\n"  # 11 in the future
        "A10,2025-10-01 08:00:00,,,,kiosk,,4\n"  # 12 no unit
        "A11,2025-10-01 08:00:00,VD.P01,,,kiosk,,\n"  # 13 no score
        'A12,2025-10-01 08:00:00,VD.P01,,,kiosk,,"2,5"\n'  # 14 not a whole level
        "A13,01/10/2025 08:00,VD.X02,VD0005,,Máy tính bảng,T1,Bình thường\n"  # 15 ok
    )
    r = imp(engine, body, "ratings")
    assert identity(r) and (r.rows_read, r.loaded, r.refused) == (14, 2, 12)
    got = {x.row_number: x.reason_key for x in r.rejections}
    assert got == {
        3: "import.reason.score_range",
        4: "import.value.not_date",
        5: "import.reason.required",
        6: "import.reason.unit_unknown_code",
        7: "import.reason.official_unknown",
        8: "import.reason.channel",
        9: "import.reason.score_text",
        10: "import.reason.duplicate_in_file",
        11: "import.reason.future_time",
        12: "import.reason.unit_required",
        13: "import.reason.required",
        14: "import.reason.score_range",
    }
    reasons = {x.row_number: x.reason for x in r.rejections}
    assert "1–4" in reasons[3] and "dòng 2" in reasons[10] and "VD9999" in reasons[7]
    assert r.rejections[0].raw == {
        "rating_id": "A2",
        "rated_at": "2025-10-01 08:00:00",
        "unit_code": "VD.P01",
        "official_code": "",
        "service_code": "",
        "channel": "kiosk",
        "device_id": "",
        "score": "7",
    }
    with engine.connect() as conn:
        b = conn.execute(select(import_batches).where(import_batches.c.id == r.batch_id)).mappings().one()
        tablet = conn.execute(select(ratings.c.channel, ratings.c.score).where(ratings.c.device_id == "T1")).one()
    assert (b["rows_read"], b["loaded"], b["refused"]) == (14, 2, 12)
    assert tuple(tablet) == ("tablet", 2)


def test_kiosk_export_without_a_channel_column_uses_a_mapping_constant(engine):
    seed(engine)
    data = "Thời gian;Đơn vị;Mức độ hài lòng\n01/10/2025 08:00;Phường Đông Hòa;Hài lòng\n".encode("utf-16")
    from thuocdo.ingest import ImportFailed

    with pytest.raises(ImportFailed) as exc:
        imp(engine, data, "ratings", name="kiosk.txt")
    assert exc.value.key == "import.error.missing_columns" and "Kênh" in exc.value.text()
    r = imp(
        engine,
        data,
        "ratings",
        name="kiosk.txt",
        mapping={"kind": "ratings", "columns": {"Đơn vị": "unit_name"}, "constants": {"channel": "kiosk"}},
    )
    assert r.loaded == 1


def test_big_ratings_file_takes_the_bulk_path(engine):
    """Over 100 000 new rows into an empty table the indexes are rebuilt once (SQLite) or
    COPY is used (PostgreSQL); the result must be the same rows and rollups."""
    seed(engine)
    n = 100_500
    lines = [HEAD]
    for i in range(n):
        lines.append(
            f"B{i},2025-09-{1 + i % 30:02d} {7 + i % 11:02d}:{i % 60:02d}:{(i // 60) % 60:02d},{'VD.P01' if i % 2 else 'VD.X02'},,,kiosk,K{i % 7},{1 + i % 4}\n"
        )
    r = imp(engine, "".join(lines), "ratings")
    assert (r.loaded, r.refused) == (n, 0)
    with engine.connect() as conn:
        assert conn.execute(select(func.sum(rollup_rating_unit.c.n))).scalar() == n
        idx = {i["name"] for i in __import__("sqlalchemy").inspect(conn).get_indexes("ratings")}
    assert {"ix_ratings_unit_month", "ix_ratings_official_month", "ux_ratings_row_hash"} <= idx
    again = imp(engine, "".join(lines[:1001]), "ratings")
    assert again.already_present == 1000
