"""Dashboard rows on top of tests/fixture_data.py: KPIs (incl. an imported 766 index),
OKRs with check-ins, warnings and leaders for the structural targets.

Worked figures (as of 31/10/2026, year objectives elapsed 304/365 = 0.8329):

- O1 (ward Hoàn Kiếm, weight 2): KR1 0→100 at 80 (0.8), KR2 20→10 "down" at 15 (0.5)
  → 0.65, pace 0.780 → on track.
- O2 (ward Ba Đình): KR3 0→100 at 20 → 0.2, pace 0.240 → off track.
- O3 (one-stop desk under Hoàn Kiếm): KR4 0→10 at 4 → 0.4, pace 0.480 → at risk.
- O4 (Sở Nội vụ, Q4 2026, elapsed 31/92): KR5 0→100 at 30, no check-ins → 0.3, pace 0.890.
- Hoàn Kiếm rolled up (pooled, weights 2 and 1): progress 0.5667, pace 0.680 → at risk.
- City: (2·0.65 + 0.2 + 0.4 + 0.3) / 5 = 0.44.

KPI completion in 10/2026: Hoàn Kiếm 1.0, 0.5 (down KPI), 1.0 (766.TONG_SCORE);
desk 1.0; Ba Đình 0.6, 1.0; Sở Nội vụ 1.2 (capped) → city mean 6.3 / 7 = 0.9.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, insert, update

from tests import fixture_data
from thuocdo.store import schema as s

KPIS = [
    # id, code, name, uom, direction, max, parent
    (1, "TTHC.DUNGHAN", "Tỷ lệ hồ sơ giải quyết đúng hạn", "%", "up", 100, None),
    (2, "TTHC.TREHAN", "Số hồ sơ trễ hạn", "hồ sơ", "down", None, None),
    (3, "766.TONG_SCORE", "Chỉ số phục vụ người dân, doanh nghiệp (766)", "điểm", "up", 100, None),
]

# unit -> kpi -> per month (target, actual) for 202608, 202609, 202610
KPI_VALUES = {
    3: {1: [(100, 90), (100, 95), (100, 100)], 2: [(10, 20)] * 3, 3: [(80, 76), (80, 78), (80, 80)]},
    4: {1: [(100, 60)] * 3, 2: [(10, 10)] * 3},
    2: {1: [(100, 130)] * 3},
    5: {1: [(100, 100)] * 3},
}

Y0, Y1 = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
OBJECTIVES = [
    # id, code, unit, title, kind, quarter, start, end, weight
    (1, "OKR26.HK.1", 3, "Cải cách hành chính phường Hoàn Kiếm", "year", None, Y0, Y1, 2.0),
    (2, "OKR26.BD.1", 4, "Chuyển đổi số phường Ba Đình", "year", None, Y0, Y1, 1.0),
    (3, "OKR26.MC.1", 5, "Một cửa không giấy tờ", "year", None, Y0, Y1, 1.0),
    (4, "OKR26Q4.SNV.1", 2, "Hoàn thiện tổ chức bộ máy quý IV", "quarter", 4, dt.date(2026, 10, 1), Y1, 1.0),
]
KEY_RESULTS = [
    # id, code, objective, title, uom, baseline, target, current, direction, weight
    (1, "KR.HK.1", 1, "Tỷ lệ hồ sơ trực tuyến toàn trình", "%", 0, 100, 80, "up", 1.0),
    (2, "KR.HK.2", 1, "Số ngày giải quyết bình quân", "ngày", 20, 10, 15, "down", 1.0),
    (3, "KR.BD.1", 2, "Số thủ tục số hóa", "thủ tục", 0, 100, 20, "up", 1.0),
    (4, "KR.MC.1", 3, "Số quầy tiếp nhận không giấy", "quầy", 0, 10, 4, "up", 1.0),
    (5, "KR.SNV.1", 4, "Đề án vị trí việc làm được duyệt", "%", 0, 100, 30, "up", 1.0),
]
CHECKINS = [
    (1, dt.date(2026, 8, 31), 60),
    (1, dt.date(2026, 9, 30), 70),
    (1, dt.date(2026, 10, 31), 80),
    (2, dt.date(2026, 10, 15), 15),
    (3, dt.date(2026, 10, 31), 20),
    (4, dt.date(2026, 10, 20), 4),
]
WARNINGS = [
    # id, rule, subject type, subject id, unit, month, severity, status
    (1, "satisfaction_drop", "unit", 4, 4, 202610, "high", "new"),
    (2, "falling_results", "official", 1, 3, 202610, "medium", "acknowledged"),
    (3, "missing_data", "unit", 5, 5, 202609, "low", "false_positive"),
]
# official id -> leader attributes (the rest of fixture_data's officials stay staff)
LEADERS = {
    1: dict(
        is_leader=True,
        position_code="secretary",
        position="Bí thư Đảng ủy phường",
        education="thac_si",
        birth_date=dt.date(1995, 1, 1),
        is_local=False,
    ),
    3: dict(is_leader=True, position_code="chair", position="Chủ tịch UBND phường", theory_level="so_cap"),
    4: dict(is_leader=True, position_code="director", position="Giám đốc Sở", education="tien_si"),
}


def build(engine: Engine, demo: bool = True) -> None:
    """fixture_data.build plus the dashboard rows above."""
    fixture_data.build(engine, demo=demo)
    now = dt.datetime(2026, 11, 1, 8, 0)
    with engine.begin() as conn:
        for kid, code, name, uom, direction, mx, parent in KPIS:
            conn.execute(
                insert(s.kpis).values(
                    id=kid,
                    code=code,
                    name=name,
                    unit_of_measure=uom,
                    direction=direction,
                    max_value=mx,
                    parent_code=parent,
                )
            )
        for unit, per_kpi in KPI_VALUES.items():
            for kid, values in per_kpi.items():
                for m, (target, actual) in zip(fixture_data.MONTHS, values, strict=True):
                    conn.execute(
                        insert(s.kpi_values).values(unit_id=unit, kpi_id=kid, month=m, target=target, actual=actual)
                    )
        for oid, code, unit, title, kind, q, start, end, w in OBJECTIVES:
            conn.execute(
                insert(s.objectives).values(
                    id=oid,
                    code=code,
                    unit_id=unit,
                    title=title,
                    period_kind=kind,
                    year=2026,
                    quarter=q,
                    start_date=start,
                    end_date=end,
                    weight=w,
                )
            )
        for kid, code, obj, title, uom, base, target, cur, direction, w in KEY_RESULTS:
            conn.execute(
                insert(s.key_results).values(
                    id=kid,
                    code=code,
                    objective_id=obj,
                    title=title,
                    unit_of_measure=uom,
                    baseline=base,
                    target=target,
                    current=cur,
                    direction=direction,
                    weight=w,
                    due_date=dt.date(2026, 12, 31),
                )
            )
        for kr, day, value in CHECKINS:
            conn.execute(insert(s.kr_checkins).values(key_result_id=kr, checked_at=day, value=value))
        for wid, rule, stype, sid, unit, month, sev, status in WARNINGS:
            conn.execute(
                insert(s.warnings).values(
                    id=wid,
                    rule_code=rule,
                    subject_type=stype,
                    subject_id=sid,
                    unit_id=unit,
                    month=month,
                    severity=sev,
                    reason_key=f"warnings.reason.{rule}",
                    reason_params={},
                    evidence={},
                    evidence_hash=f"h{wid}",
                    status=status,
                    created_at=now,
                    updated_at=now,
                )
            )
        for oid, values in LEADERS.items():
            conn.execute(update(s.officials).where(s.officials.c.id == oid).values(**values))
