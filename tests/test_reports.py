"""Deck figures from the rollups, snapshots (frozen, hashed), and "what changed"."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, select, update

from tests import fixture_data
from thuocdo.domain.access import CITY, Scope
from thuocdo.domain.periods import Period
from thuocdo.reports.figures import canonical_json, compute_payload, content_hash, for_viewer, latest_month
from thuocdo.reports.snapshots import (
    create_snapshot,
    get_snapshot,
    list_snapshots,
    previous_snapshot,
    verify,
    what_changed,
)
from thuocdo.store import schema as s
from thuocdo.store.rollups import refresh_evaluations, refresh_ratings

OCT = Period.month(202610)
NOW = dt.datetime(2026, 10, 20, 9, 0)


def add_present_rows(engine) -> None:
    """OKRs with check-ins and warnings on top of the fixture, for deck figures."""
    with engine.begin() as conn:
        # Sở Nội vụ on pace, Hoàn Kiếm's one-stop shop behind, Ba Đình far behind.
        for oid, unit, weight in ((1, 2, 1.0), (2, 5, 1.0), (3, 4, 2.0)):
            conn.execute(
                insert(s.objectives).values(
                    id=oid,
                    code=f"OBJ{oid}",
                    unit_id=unit,
                    title=f"Mục tiêu {oid}",
                    period_kind="year",
                    year=2026,
                    start_date=dt.date(2026, 1, 1),
                    end_date=dt.date(2026, 12, 31),
                    weight=weight,
                )
            )
        krs = [  # id, objective, baseline, target, check-in value by 2026-10-15, later value
            (1, 1, 0.0, 100.0, 85.0, 95.0),
            (2, 2, 0.0, 100.0, 50.0, 60.0),
            (3, 3, 0.0, 100.0, 20.0, 90.0),
        ]
        for kid, obj, base, target, value, later in krs:
            conn.execute(
                insert(s.key_results).values(
                    id=kid,
                    code=f"KR{kid}",
                    objective_id=obj,
                    title=f"Kết quả {kid}",
                    baseline=base,
                    target=target,
                    current=later,
                    direction="up",
                    weight=1.0,
                )
            )
            conn.execute(insert(s.kr_checkins).values(key_result_id=kid, checked_at=dt.date(2026, 10, 15), value=value))
            conn.execute(insert(s.kr_checkins).values(key_result_id=kid, checked_at=dt.date(2026, 11, 15), value=later))
        warnings = [  # id, rule, subject type, subject id, unit, month, severity, status
            (1, "satisfaction_drop", "unit", 4, 4, 202610, "high", "new"),
            (2, "falling_results", "official", 1, 3, 202609, "medium", "acknowledged"),
            (3, "rotation_due", "official", 3, 4, 202610, "low", "resolved"),
        ]
        for wid, rule, st, sid, unit, month, sev, status in warnings:
            conn.execute(
                insert(s.warnings).values(
                    id=wid,
                    rule_code=rule,
                    subject_type=st,
                    subject_id=sid,
                    unit_id=unit,
                    month=month,
                    severity=sev,
                    reason_key=f"warnings.reason.{rule}",
                    reason_params={},
                    evidence={},
                    evidence_hash=f"h{wid}",
                    status=status,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )


@pytest.fixture
def present_db(engine):
    fixture_data.build(engine)
    add_present_rows(engine)
    return engine


def test_payload_figures(present_db):
    p = compute_payload(present_db, CITY, OCT)
    o = p["overview"]
    assert (o["n_units"], o["n_officials"], o["n_eval"], o["n_ratings"]) == (5, 5, 5, 80)
    # Scores 74+i, 78+i, ... 90+i with i = 2 in October: mean 84; September 83.
    assert o["avg_final"] == 84.0 and o["prev_avg_final"] == 83.0
    assert o["grades"] == {"excellent": 1, "good": 4, "completed": 0, "not_completed": 0}
    # Ba Đình: level 1 every fifth rating; elsewhere level 3: satisfied 76 of 80.
    assert o["satisfaction"] == pytest.approx(76 / 80)
    assert o["open_warnings"] == 2
    # Peers are the city's children with data, best mean score first.
    assert p["ranking"] == ["HN.SNV", "HN.P.BADINH", "HN.P.HOANKIEM"]
    hk = p["units"]["HN.P.HOANKIEM"]
    # The ward's figures include its one-stop shop (official 5, score 92 in October).
    assert hk["n_eval"] == 3 and hk["avg_final"] == pytest.approx((76 + 80 + 92) / 3, abs=1e-6)
    assert hk["rank"] == 3 and hk["prev_rank"] == 3
    assert hk["open_warnings"] == 1  # the falling-results warning on official 1
    # OKR as of 31/10: check-ins of 15/10 count, those of 15/11 do not.
    assert p["units"]["HN.SNV"]["okr_progress"] == pytest.approx(0.85)
    assert p["units"]["HN.SNV"]["okr_status"] == "on_track"
    assert p["units"]["HN.P.BADINH"]["okr_progress"] == pytest.approx(0.20)
    assert p["units"]["HN.P.BADINH"]["okr_status"] == "off_track"
    assert p["units"]["HN.P.HOANKIEM"]["okr_progress"] == pytest.approx(0.50)
    assert p["units"]["HN.P.HOANKIEM"]["okr_status"] == "at_risk"
    rules = {r["rule"]: r for r in p["warnings"]["by_rule"]}
    assert rules["satisfaction_drop"]["high"] == 1 and rules["satisfaction_drop"]["open"] == 1
    assert rules["rotation_due"]["open"] == 0  # resolved
    assert "falling_results" not in rules  # raised in September
    assert [w["id"] for w in p["warnings"]["open"]] == [1, 2]
    assert [t["month"] for t in p["trend"]] == [202608, 202609, 202610]
    assert latest_month(present_db, CITY) == 202610


def test_payload_respects_scope(present_db):
    ward = Scope("/1/3/", False)
    p = compute_payload(present_db, ward, OCT)
    assert set(p["units"]) == {"HN.P.HOANKIEM", "HN.P.HOANKIEM.MC"}
    assert p["overview"]["n_officials"] == 3
    assert [w["id"] for w in p["warnings"]["open"]] == [2]
    assert "Ba Đình" not in canonical_json(p)


def test_presenter_sees_pseudonyms(present_db):
    p = compute_payload(present_db, CITY, OCT)
    assert any(w["official_name"] == "Nguyễn Thị Lan" for w in p["warnings"]["open"])
    shown = for_viewer(p, Scope("/", True))
    text = canonical_json(shown)
    assert "Nguyễn Thị Lan" not in text and "CB0001" not in text
    assert any((w["official_name"] or "").startswith("CB-") for w in shown["warnings"]["open"])
    assert for_viewer(p, CITY) is p


def test_hash_is_stable_and_content_addressed(present_db):
    a = compute_payload(present_db, CITY, OCT)
    b = compute_payload(present_db, CITY, OCT)
    assert content_hash(a) == content_hash(b)
    assert len(content_hash(a)) == 64
    b["overview"]["avg_final"] = 84.1
    assert content_hash(a) != content_hash(b)


def test_snapshot_is_unchanged_after_a_new_import(present_db):
    snap = create_snapshot(
        present_db,
        CITY,
        OCT,
        actor="baocao@thuocdo.demo",
        title="Sơ kết tháng 10",
        filters={"topics": ["overview", "ranking"]},
    )
    assert verify(snap)
    assert snap["created_by"] == "baocao@thuocdo.demo"
    assert snap["policy_code"] == "nd335"
    assert snap["warning_config_version"] == 0  # the built-in defaults, never saved
    assert snap["filters"]["period"] == "2026-10" and snap["filters"]["topics"] == ["overview", "ranking"]
    frozen_json = canonical_json(snap["payload"])

    # A new import: late evaluations for October and a burst of low ratings, rollups refreshed.
    with present_db.begin() as conn:
        conn.execute(
            update(s.evaluations)
            .where(s.evaluations.c.official_id == 4, s.evaluations.c.month == 202610)
            .values(final_score=40.0, grade="not_completed")
        )
        for k in range(40):
            conn.execute(
                insert(s.ratings).values(
                    id=100_000 + k,
                    rated_at=dt.datetime(2026, 10, 25, 10, k % 60),
                    month=202610,
                    unit_id=2,
                    channel="online",
                    score=1,
                    scale=4,
                    row_hash=10_000 + k,
                )
            )
        conn.execute(update(s.warnings).where(s.warnings.c.id == 1).values(status="resolved"))
        refresh_evaluations(conn, [2], [202610])
        refresh_ratings(conn, [2], [202610])

    live = compute_payload(present_db, CITY, OCT)
    assert live["overview"]["n_ratings"] == 120
    assert live["units"]["HN.SNV"]["avg_final"] == 40.0
    again = get_snapshot(present_db, snap["id"], CITY)
    assert canonical_json(again["payload"]) == frozen_json
    assert again["content_hash"] == snap["content_hash"] and verify(again)
    assert again["payload"]["overview"]["n_ratings"] == 80

    changes = what_changed(again["payload"], live)
    assert [d["code"] for d in changes["moved_down"]] == ["HN.SNV"]
    assert {d["code"] for d in changes["moved_up"]} == {"HN.P.BADINH", "HN.P.HOANKIEM"}
    assert [w["id"] for w in changes["closed_warnings"]] == [1]
    assert changes["new_warnings"] == []


def test_new_warning_appears_in_changes(present_db):
    base = create_snapshot(present_db, CITY, OCT, actor="a")
    with present_db.begin() as conn:
        conn.execute(
            insert(s.warnings).values(
                id=9,
                rule_code="missing_data",
                subject_type="unit",
                subject_id=2,
                unit_id=2,
                month=202610,
                severity="medium",
                reason_key="x",
                reason_params={},
                evidence={},
                evidence_hash="h9",
                status="new",
                created_at=NOW,
                updated_at=NOW,
            )
        )
    changes = what_changed(base["payload"], compute_payload(present_db, CITY, OCT))
    assert [w["id"] for w in changes["new_warnings"]] == [9]
    assert changes["moved_up"] == changes["moved_down"] == []


def test_snapshots_listed_by_scope(present_db):
    city = create_snapshot(present_db, CITY, OCT, actor="a")
    ward = create_snapshot(present_db, Scope("/1/3/", False), OCT, actor="b")
    assert [r["id"] for r in list_snapshots(present_db, CITY)] == [ward["id"], city["id"]]
    assert [r["id"] for r in list_snapshots(present_db, Scope("/1/3/", False))] == [ward["id"]]
    assert get_snapshot(present_db, city["id"], Scope("/1/3/", False)) is None
    assert get_snapshot(present_db, 999, CITY) is None
    assert previous_snapshot(present_db, CITY, before_id=ward["id"])["id"] == city["id"]
    assert "payload" not in list_snapshots(present_db, CITY)[0]
    with present_db.connect() as conn:
        assert conn.execute(select(s.snapshots.c.content_hash)).scalars().all()
