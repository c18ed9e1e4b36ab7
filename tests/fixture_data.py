"""A small hand-made database, built in code, for frame and query tests."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, insert

from thuocdo.store import schema as s
from thuocdo.store.db import set_meta
from thuocdo.store.rollups import refresh_all

UNITS = [
    # id, code, name, kind, parent, path, level, sector, sensitive
    (1, "HN", "Thành phố Hà Nội", "city", None, "/1/", 0, None, False),
    (2, "HN.SNV", "Sở Nội vụ", "department", 1, "/1/2/", 1, "to_chuc", True),
    (3, "HN.P.HOANKIEM", "Phường Hoàn Kiếm", "ward", 1, "/1/3/", 1, "hanh_chinh", False),
    (4, "HN.P.BADINH", "Phường Ba Đình", "ward", 1, "/1/4/", 1, "hanh_chinh", False),
    (5, "HN.P.HOANKIEM.MC", "Bộ phận Một cửa phường Hoàn Kiếm", "other", 3, "/1/3/5/", 2, "hanh_chinh", False),
]

OFFICIALS = [
    # id, code, name, gender, unit
    (1, "CB0001", "Nguyễn Thị Lan", "F", 3),
    (2, "CB0002", "Trần Văn Hùng", "M", 3),
    (3, "CB0003", "Lê Minh Đức", "M", 4),
    (4, "CB0004", "Phạm Thu Hà", "F", 2),
    (5, "CB0005", "Vũ Quang Huy", "M", 5),
]

USERS = [
    ("lanhdao@thuocdo.demo", "Lãnh đạo Thành ủy", "leader", None),
    ("kiemtra@thuocdo.demo", "Ủy ban Kiểm tra", "inspector", None),
    ("truongdonvi@thuocdo.demo", "Chủ tịch UBND phường Hoàn Kiếm", "unit_head", 3),
    ("baocao@thuocdo.demo", "Báo cáo viên", "presenter", None),
    ("quantri@thuocdo.demo", "Quản trị viên", "admin", None),
]

MONTHS = [202608, 202609, 202610]


def build(engine: Engine, demo: bool = True) -> None:
    """Fill an empty, migrated database with the fixture rows and their rollups."""
    with engine.begin() as conn:
        for uid, code, name, kind, parent, path, level, sector, sensitive in UNITS:
            conn.execute(
                insert(s.units).values(
                    id=uid,
                    code=code,
                    name=name,
                    name_norm=name.lower(),
                    kind=kind,
                    parent_id=parent,
                    path=path,
                    level=level,
                    sector=sector,
                    sensitive=sensitive,
                )
            )
        for oid, code, name, gender, unit in OFFICIALS:
            conn.execute(
                insert(s.officials).values(
                    id=oid,
                    code=code,
                    full_name=name,
                    gender=gender,
                    unit_id=unit,
                    birth_date=dt.date(1985, 1, 1),
                    position="Chuyên viên",
                    position_code="staff",
                    position_since=dt.date(2021, 1, 1),
                    education="dai_hoc",
                    theory_level="trung_cap",
                    is_local=True,
                )
            )
        for i, m in enumerate(MONTHS):
            for oid, _code, _name, _g, unit in OFFICIALS:
                score = 70 + oid * 4 + i
                grade = "excellent" if score >= 90 else "good" if score >= 70 else "completed"
                conn.execute(
                    insert(s.evaluations).values(
                        official_id=oid,
                        unit_id=unit,
                        month=m,
                        general_points=25,
                        task_points=score - 25,
                        bonus_points=0,
                        self_score=score + 3,
                        manager_score=score,
                        final_score=score,
                        grade=grade,
                        tasks_assigned=10,
                        tasks_on_time=9,
                        tasks_late=1,
                        major_errors=0,
                        policy_code="nd335",
                    )
                )
        rid = 0
        for m in MONTHS:
            y, mo = divmod(m, 100)
            for unit, official in ((3, 1), (3, 2), (4, 3), (5, 5)):
                for k in range(20):
                    rid += 1
                    score = 4 if k % 5 else (1 if unit == 4 else 3)
                    conn.execute(
                        insert(s.ratings).values(
                            id=rid,
                            rated_at=dt.datetime(y, mo, 1 + k % 20, 9 + k % 8, 15),
                            month=m,
                            unit_id=unit,
                            official_id=official,
                            service_code="KS01",
                            channel="kiosk",
                            device_id=f"K-{unit}",
                            score=score,
                            scale=4,
                            row_hash=rid,
                        )
                    )
        conn.execute(insert(s.services).values(code="KS01", name="Đăng ký khai sinh", sector="tu_phap"))
        for email, name, role, unit in USERS:
            conn.execute(
                insert(s.users).values(email=email, name=name, role=role, unit_id=unit, is_demo=demo, active=True)
            )
        refresh_all(conn)
        if demo:
            set_meta(conn, "demo", "1")
