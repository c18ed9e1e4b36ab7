"""Property tests: random malformed files never crash the importer and never lose a row
(loaded + refused + already_present = rows_read, and what is loaded is in the database)."""

from __future__ import annotations

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.data_ingest.helpers import NOW, seed
from thuocdo.ingest import ImportFailed, import_file
from thuocdo.store.schema import evaluations, import_batches, ratings

KINDS = ("units", "officials", "evaluations", "ratings", "kpi", "okr")
HEADERS = {
    "units": ["code", "name", "kind", "parent_code", "sensitive"],
    "officials": ["code", "full_name", "gender", "unit_code", "birth_date", "position"],
    "evaluations": ["official_code", "month", "final_score", "self_score", "grade", "tasks_assigned"],
    "ratings": ["rated_at", "unit_code", "official_code", "channel", "score", "device_id"],
    "kpi": ["unit_code", "kpi_code", "kpi_name", "month", "actual", "target"],
    "okr": [
        "objective_code",
        "objective_title",
        "unit_code",
        "period",
        "kr_code",
        "kr_title",
        "target",
        "checked_at",
        "value",
    ],
}
# Cells that are sometimes right and often wrong for some field.
CELLS = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "VD.P01",
            "VD.X02",
            "VD0001",
            "VD0004",
            "Phường Đông Hòa",
            "Xã Tân Hội",
            "2025-10",
            "10/2025",
            "2025-13",
            "01/10/2025 08:00",
            "2025-10-01T08:00:00",
            "31/02/2025",
            "87,5",
            "1.234,5",
            "100",
            "-1",
            "101",
            "4",
            "0",
            "Hài lòng",
            "kiosk",
            "fax",
            "Nữ",
            "Nam",
            "good",
            "B",
            "2025",
            "2025-Q4",
            "O1",
            "O1.KR1",
            "abc",
            '"',
            ";",
            "\t",
            "x" * 300,
            "NaN",
            "None",
            "null",
            "1e400",
            "\u0301",
            "Ho\u0300a",
        ]
    ),
    st.text(max_size=12),
)


@st.composite
def tables(draw):
    kind = draw(st.sampled_from(KINDS))
    header = list(HEADERS[kind])
    if draw(st.booleans()):
        header = draw(st.permutations(header))
    if draw(st.integers(0, 4)) == 0:
        header = header + [draw(st.text(min_size=1, max_size=8))]
    n = draw(st.integers(1, 12))
    rows = []
    for _ in range(n):
        width = len(header) + draw(st.sampled_from([0, 0, 0, -1, 1, 2]))
        rows.append([draw(CELLS) for _ in range(max(0, width))])
    return kind, header, rows


def serialise(header, rows, delimiter: str, encoding: str) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    w.writerow(header)
    for r in rows:
        w.writerow(r)
    text = buf.getvalue()
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode("utf-8")


def check(engine, data: bytes, kind: str, name: str) -> None:
    with engine.connect() as conn:
        n_batches = conn.execute(select(func.count()).select_from(import_batches)).scalar()
    try:
        r = import_file(engine, data, kind, file_name=name, now=NOW, rescan_warnings=False)
    except ImportFailed as exc:
        assert exc.text("vi") and exc.text("en")
        with engine.connect() as conn:
            failed = conn.execute(select(import_batches).where(import_batches.c.id == exc.batch_id)).mappings().one()
        assert failed["status"] == "failed" and failed["loaded"] == 0
        return
    assert r.loaded + r.refused + r.already_present == r.rows_read
    assert r.refused == len(r.rejections)
    assert all(x.reason and x.reason_key for x in r.rejections)
    with engine.connect() as conn:
        b = conn.execute(select(import_batches).where(import_batches.c.id == r.batch_id)).mappings().one()
        assert (b["rows_read"], b["loaded"], b["refused"], b["already_present"]) == (
            r.rows_read,
            r.loaded,
            r.refused,
            r.already_present,
        )
        assert conn.execute(select(func.count()).select_from(import_batches)).scalar() == n_batches + 1
        if kind == "evaluations":
            assert (
                conn.execute(
                    select(func.count()).select_from(evaluations).where(evaluations.c.batch_id == r.batch_id)
                ).scalar()
                == r.loaded
            )
        if kind == "ratings":
            assert (
                conn.execute(select(func.count()).select_from(ratings).where(ratings.c.batch_id == r.batch_id)).scalar()
                == r.loaded
            )


PROPS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@PROPS
@given(
    table=tables(),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1258"]),
)
def test_random_malformed_tables_never_crash_and_never_lose_a_row(sqlite_engine, table, delimiter, encoding):
    if not _seeded(sqlite_engine):
        seed(sqlite_engine)
    kind, header, rows = table
    check(sqlite_engine, serialise(header, rows, delimiter, encoding), kind, "ngau_nhien.csv")


@PROPS
@given(
    data=st.binary(max_size=400),
    kind=st.sampled_from(KINDS),
    name=st.sampled_from(["x.csv", "x.json", "x.xlsx", "x.txt", "x"]),
)
def test_random_bytes_never_crash(sqlite_engine, data, kind, name):
    check(sqlite_engine, data, kind, name)


@PROPS
@given(
    records=st.lists(
        st.dictionaries(
            st.sampled_from(HEADERS["ratings"] + ["x"]),
            st.one_of(st.none(), st.integers(), st.floats(), st.booleans(), CELLS, st.lists(st.integers(), max_size=2)),
            max_size=7,
        ),
        max_size=8,
    )
)
def test_random_json_records_never_crash(sqlite_engine, records):
    import json

    if not _seeded(sqlite_engine):
        seed(sqlite_engine)
    check(sqlite_engine, json.dumps(records, ensure_ascii=False, allow_nan=True).encode(), "ratings", "x.json")


def _seeded(engine) -> bool:
    from thuocdo.store.schema import units

    with engine.connect() as conn:
        return conn.execute(select(units.c.id).limit(1)).first() is not None
