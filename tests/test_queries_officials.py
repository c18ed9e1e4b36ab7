"""Official and grades queries on SQLite and PostgreSQL: scope, pseudonyms, access log."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, select, update

from queries import grades as qg
from queries import officials as qo
from tests import fixture_data
from thuocdo.domain.access import CITY, Scope, pseudonym
from thuocdo.domain.stats import satisfaction_rate
from thuocdo.store import schema as s
from thuocdo.store.access_log import (
    PURPOSES,
    PurposeError,
    purpose_text,
    record_refusal,
    record_view,
    views_of,
)

WARD = Scope("/1/3/", False)  # Phường Hoàn Kiếm and its one-stop desk
PRESENTER = Scope("/", True)


def add_extras(engine) -> None:
    """Annual grades, a warning, positions and task groups on top of the shared fixture."""
    with engine.begin() as conn:
        conn.execute(
            update(s.officials)
            .where(s.officials.c.id.in_([1, 2]))
            .values(position_code="staff", task_group="tn")  # two ward staff: peers of each other
        )
        conn.execute(update(s.officials).where(s.officials.c.id == 3).values(position_code="staff"))
        conn.execute(update(s.units).where(s.units.c.id == 3).values(outstanding=True))
        for oid, unit, year, score, grade in [
            (1, 3, 2025, 91.0, "excellent"),
            (2, 3, 2025, 80.0, "good"),
            (3, 4, 2025, 82.0, "good"),
            (4, 2, 2025, 95.0, "excellent"),
            (5, 5, 2025, 60.0, "completed"),
        ]:
            conn.execute(
                insert(s.annual_grades).values(
                    official_id=oid, unit_id=unit, year=year, score=score, grade=grade, policy_code="hn3814"
                )
            )
        now = dt.datetime(2026, 11, 2, 8, 0)
        conn.execute(
            insert(s.warnings).values(
                rule_code="falling_results",
                subject_type="official",
                subject_id=2,
                unit_id=3,
                month=202610,
                severity="medium",
                reason_key="warnings.reason.falling_results",
                reason_params={"drop": 12.5},
                evidence={"rows": []},
                evidence_hash="x" * 64,
                status="new",
                created_at=now,
                updated_at=now,
            )
        )


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, monkeypatch):
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    engine = request.getfixturevalue("sqlite_engine" if request.param == "sqlite" else "pg_engine")
    fixture_data.build(engine)
    add_extras(engine)
    monkeypatch.setenv("DATABASE_URL", url)
    return engine


def test_profile_by_id_and_code_inside_scope(db):
    p = qo.official_profile(CITY, 2)
    assert p["code"] == "CB0002" and p["full_name"] == "Trần Văn Hùng"
    assert p["unit_code"] == "HN.P.HOANKIEM" and p["unit_kind"] == "ward"
    assert qo.official_profile(CITY, "CB0002")["id"] == 2
    assert qo.official_profile(WARD, "5")["unit_code"] == "HN.P.HOANKIEM.MC"  # the desk is in the subtree


def test_profile_outside_scope_or_unknown_is_none(db):
    assert qo.official_profile(WARD, 3) is None  # Ba Đình: another ward
    assert qo.official_profile(WARD, 4) is None  # Sở Nội vụ
    assert qo.official_profile(CITY, 999) is None
    assert qo.official_profile(CITY, "'; DROP TABLE officials; --") is None
    assert qo.official_profile(CITY, "") is None


def test_presenter_sees_pseudonyms(db):
    p = qo.official_profile(PRESENTER, 1)
    assert p["full_name"] == pseudonym("CB0001") == p["code"]
    assert "birth_date" not in p
    assert p["position"] is None  # a written-out position would name its holder
    assert p["id"] == 1 and p["unit_code"] == "HN.P.HOANKIEM"
    lst = qo.officials_of_unit(PRESENTER, 3)
    assert "Nguyễn Thị Lan" not in lst["full_name"].tolist()
    assert set(lst["full_name"]) == {pseudonym("CB0001"), pseudonym("CB0002")}
    g = qg.unit_officials_grades(PRESENTER, 3, 202608, 202610, 2025)
    assert all(n.startswith("CB-") for n in g["full_name"])


def test_months_annual_and_scope(db):
    m = qo.official_months(CITY, 2, 202601, 202612)
    # Fixture: score = 70 + id·4 + month index → 78, 79, 80 for official 2.
    assert m["month"].tolist() == [202608, 202609, 202610]
    assert m["final_score"].tolist() == [78.0, 79.0, 80.0]
    assert qo.official_months(WARD, 3, 202601, 202612).empty
    a = qo.official_annual(CITY, 1)
    assert a["grade"].tolist() == ["excellent"] and a["year"].tolist() == [2025]


def test_ratings_official_unit_and_peers(db):
    r = qo.official_ratings(CITY, 1, 3, 202608, 202610)
    off = r[r["subject"] == "official"]
    unit = r[r["subject"] == "unit"]
    # Each official of the ward gets 20 ratings a month: 16 level 4 and 4 level 3.
    assert off["n"].astype(int).tolist() == [20, 20, 20]
    assert unit["n"].astype(int).sum() == 120  # two officials × 20 × 3 months
    assert satisfaction_rate(off[["s1", "s2", "s3", "s4", "s5"]].astype(int).sum().to_dict(), 4) == 1.0
    pool = qo.peer_ratings(CITY, "staff", "ward", 202608, 202610)
    # Ward staff: officials 1 and 2 in Hoàn Kiếm and 3 in Ba Đình (the pool includes all).
    assert pool["n_officials"].tolist() == [3] and pool["n"].tolist() == [180]
    # Official 3's ward gives level 1 where the others give level 3: 12 of 60.
    assert pool["s1"].tolist() == [12]
    assert qo.peer_ratings(WARD, "staff", "ward", 202608, 202610)["n_officials"].tolist() == [2]
    assert qo.peer_ratings(CITY, None, "ward", 202608, 202610).empty


def test_peer_scores_per_official(db):
    # Ward staff means over Aug–Oct: official 1 → 75, 2 → 79, 3 → 83.
    df = qo.peer_scores(CITY, "staff", "ward", 202608, 202610).sort_values("official_id")
    assert df["official_id"].tolist() == [1, 2, 3]
    assert df["score"].tolist() == pytest.approx([75.0, 79.0, 83.0])
    assert set(qo.peer_scores(WARD, "staff", "ward", 202608, 202610)["official_id"]) == {1, 2}
    assert qo.peer_scores(CITY, "staff", None, 202608, 202610).empty


def test_warnings_of_official(db):
    w = qo.official_warnings(CITY, 2)
    assert w["rule_code"].tolist() == ["falling_results"]
    assert w.iloc[0]["reason_params"] == {"drop": 12.5}
    assert qo.official_warnings(Scope("/1/4/", False), 2).empty


def test_rotation_years_default(db):
    assert qo.rotation_years() == 5.0


def test_unit_month_grades_and_quota_inputs(db):
    df = qg.unit_month_grades(CITY, 202610, 202610)
    row = df[df["unit_id"] == 3].iloc[0]
    # October: official 1 scores 76, official 2 scores 80 → two "good".
    assert (row["n"], row["n_good"], row["n_excellent"]) == (2, 2, 0)
    assert bool(row["outstanding"]) is True
    assert set(qg.unit_month_grades(WARD, 202608, 202610)["unit_id"]) == {3, 5}


def test_unit_year_grades_by_task_group(db):
    df = qg.unit_year_grades(CITY, 2025, 2025)
    ward = df[df["unit_id"] == 3]
    assert ward["task_group"].tolist() == ["tn"]
    assert (int(ward["n_excellent"].iloc[0]), int(ward["n_good"].iloc[0])) == (1, 1)
    assert df[df["unit_id"] == 2]["task_group"].tolist() == [""]


def test_unit_officials_grades(db):
    g = qg.unit_officials_grades(CITY, 3, 202608, 202610, 2025).set_index("code")
    assert g.loc["CB0001", "months"] == 3 and g.loc["CB0001", "mean_score"] == pytest.approx(75.0)
    assert g.loc["CB0001", "annual_grade"] == "excellent"
    assert not g.loc["CB0002", "disciplined"]
    assert qg.unit_officials_grades(Scope("/1/4/", False), 3, 202608, 202610, 2025).empty


def test_grading_assignments_default_and_setting(db):
    assert [a["policy"] for a in qg.grading_assignments()] == ["hn3814", "nd335"]
    from thuocdo.store.db import set_setting

    with db.begin() as conn:
        set_setting(conn, "grading_policy", [{"policy": "nd335", "from": 202501, "to": None}])
    qg.grading_assignments.clear()
    assert qg.grading_assignments() == [{"policy": "nd335", "from": 202501, "to": None}]


def test_purpose_rules():
    assert purpose_text("inspection") == "inspection"
    assert purpose_text("complaint", " đơn thư số 12 ") == "complaint: đơn thư số 12"
    with pytest.raises(PurposeError):
        purpose_text("other", "")
    with pytest.raises(PurposeError):
        purpose_text("curiosity")
    assert "other" in PURPOSES


def test_access_log_records_and_filters(db):
    record_view(db, "lanhdao@thuocdo.demo", "leader", "CB0002", "periodic_review", "hội nghị tháng 11")
    logged = record_refusal(db, "truongdonvi@thuocdo.demo", "unit_head", "3")
    assert logged == "CB0003"  # an existing official is logged by code
    assert record_refusal(db, "truongdonvi@thuocdo.demo", "unit_head", "99999") == "99999"
    today = dt.date.today()
    log = qo.access_log(CITY, today - dt.timedelta(days=1), today)
    assert log["action"].tolist().count("view_official") == 1
    assert set(log["action"]) == {"view_official", "refused"}
    view = log[log["action"] == "view_official"].iloc[0]
    assert view["purpose"] == "periodic_review: hội nghị tháng 11"
    assert view["official_name"] == "Trần Văn Hùng" and view["unit_code"] == "HN.P.HOANKIEM"
    refused = qo.access_log(CITY, today, today, action="refused")
    assert set(refused["target"]) == {"CB0003", "99999"}
    assert qo.access_log(CITY, today, today, actor="nobody@x").empty
    assert len(qo.access_log(CITY, today, today, target="CB0002")) == 1
    # A unit head's scope keeps only entries about officials in the subtree.
    ward_log = qo.access_log(WARD, today, today)
    assert ward_log["target"].tolist() == ["CB0002"]
    # Presenter scope: pseudonyms only.
    p = qo.access_log(PRESENTER, today, today, action="view_official")
    assert p.iloc[0]["official_name"] == pseudonym("CB0002") and p.iloc[0]["target"] == pseudonym("CB0002")
    assert qo.access_log(CITY, today - dt.timedelta(days=10), today - dt.timedelta(days=5)).empty
    v = views_of(db, "CB0002")
    assert v["actor"].tolist() == ["lanhdao@thuocdo.demo"]
    with db.connect() as conn:
        n = conn.execute(select(s.access_log.c.id)).fetchall()
    assert len(n) == 3


def test_official_months_missing_official(db):
    assert qo.official_months(CITY, 999, 202601, 202612).empty
