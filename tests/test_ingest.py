"""The importer end to end on SQLite and PostgreSQL: every kind, the real 766 file,
refused rows, corrections, idempotency, failures that leave nothing behind."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text, update

from tests.data_ingest.helpers import EXAMPLES, MAPPINGS, REAL, count, identity, imp, seed
from thuocdo.ingest import ImportFailed, batch_rejections, list_mappings, load_mapping, rejections_file, save_mapping
from thuocdo.ingest.normalise import normalise_name
from thuocdo.store.db import set_setting
from thuocdo.store.schema import (
    evaluations,
    import_batches,
    import_rejections,
    key_results,
    kpi_values,
    kpis,
    kr_checkins,
    objectives,
    officials,
    ratings,
    rollup_eval_unit,
    rollup_rating_unit,
    units,
)

KINDS = ("units", "officials", "evaluations", "ratings", "kpi", "okr")


def test_every_example_imports_then_again_loads_nothing_new(engine):
    first = {k: imp(engine, EXAMPLES / f"{k}.csv", k) for k in KINDS}
    for k, r in first.items():
        assert r.refused == 0, (k, [x.reason for x in r.rejections])
        assert r.loaded == r.rows_read > 0, k
        assert identity(r)
        assert r.status == "done"
    assert count(engine, units) == 5
    assert count(engine, officials) == 5
    assert count(engine, evaluations) == 7
    assert count(engine, ratings) == 7
    assert count(engine, kpi_values) == 5
    assert count(engine, objectives) == 2 and count(engine, key_results) == 3 and count(engine, kr_checkins) == 5
    assert count(engine, rollup_eval_unit) > 0 and count(engine, rollup_rating_unit) > 0

    again = {k: imp(engine, EXAMPLES / f"{k}.csv", k) for k in KINDS}
    for k, r in again.items():
        assert (r.loaded, r.refused, r.already_present) == (0, 0, r.rows_read), k
        assert r.nothing_new
        assert r.previous_batches and r.previous_batches[0]["batch_id"] == first[k].batch_id
        assert "không có gì mới" in r.summary("vi")
    assert count(engine, ratings) == 7 and count(engine, evaluations) == 7 and count(engine, kr_checkins) == 5

    with engine.connect() as conn:
        batches = conn.execute(select(import_batches).order_by(import_batches.c.id)).mappings().all()
    assert len(batches) == 12
    for b in batches:
        assert b["loaded"] + b["refused"] + b["already_present"] == b["rows_read"]
        assert b["status"] == "done" and len(b["sha256"]) == 64 and b["finished_at"] is not None


def test_example_values_are_typed_and_derived(engine):
    seed(engine, "units", "officials", "evaluations", "ratings", "okr")
    with engine.connect() as conn:
        ev = conn.execute(
            select(evaluations.c.final_score, evaluations.c.grade, evaluations.c.policy_code)
            .join(officials, officials.c.id == evaluations.c.official_id)
            .where(officials.c.code == "VD0005", evaluations.c.month == 202509)
        ).one()
        assert ev.final_score == 65.5 and ev.grade == "completed"
        derived = conn.execute(
            select(evaluations.c.grade, evaluations.c.policy_code)
            .join(officials, officials.c.id == evaluations.c.official_id)
            .where(officials.c.code == "VD0002", evaluations.c.month == 202509)
        ).one()
        assert derived.grade == "good" and derived.policy_code  # 82 points, grade from the policy
        off = conn.execute(select(officials).where(officials.c.code == "VD0001")).mappings().one()
        assert off["gender"] == "M" and off["education"] == "thac_si" and off["theory_level"] == "cao_cap"
        assert off["position_code"] == "director" and off["is_leader"] is True
        assert str(off["birth_date"]) == "1975-03-12"
        scores = dict(
            conn.execute(select(ratings.c.device_id, ratings.c.score).where(ratings.c.device_id == "TAB-X02-1")).all()
        )
        assert scores == {"TAB-X02-1": 4} or set(scores.values()) <= {3, 4}
        words = sorted(
            r[0]
            for r in conn.execute(
                select(ratings.c.score).where(ratings.c.unit_id.in_(select(units.c.id).where(units.c.code == "VD.X02")))
            )
        )
        assert words == [3, 4]  # "Hài lòng", "Rất hài lòng" on the 4-level scale
        kr = conn.execute(select(key_results).where(key_results.c.code == "VD.O1.KR1")).mappings().one()
        assert kr["current"] == 70.0 and kr["baseline"] == 40.0 and kr["weight"] == 2.0
        o2 = conn.execute(select(objectives).where(objectives.c.code == "VD.O2")).mappings().one()
        assert (o2["period_kind"], o2["quarter"], str(o2["start_date"]), str(o2["end_date"])) == (
            "quarter",
            4,
            "2025-10-01",
            "2025-12-31",
        )
        tree = {r.code: r for r in conn.execute(select(units.c.code, units.c.path, units.c.level, units.c.name_norm))}
        assert tree["VD.P01"].path.startswith(tree["VD"].path) and tree["VD.P01"].level == 1
        assert tree["VD.P01"].name_norm == normalise_name("Phường Đông Hòa") == "dong hoa"


# ---- the real file ----------------------------------------------------------------------


@pytest.mark.skipif(not REAL.exists(), reason="the real 766 file is not beside the repository")
def test_real_766_file_imports_as_kpi_values_on_all_three_sheets(engine):
    results = {}
    for name, sheet, n in (
        ("766_tinh", "Điểm tháng", 34),
        ("766_so_ban", "Sở Ban", 15),
        ("766_xa_phuong", "Xã Phường", 102),
    ):
        r = imp(engine, REAL, "kpi", mapping=str(MAPPINGS / f"{name}.json"), create_units=True)
        assert (r.rows_read, r.loaded, r.refused, r.already_present) == (n, n, 0, 0), [x.reason for x in r.rejections]
        assert r.sheet == sheet and r.period == 202510
        results[name] = r
    assert sorted(results["766_tinh"].created_kpis) == sorted(
        ["766.TONG_SCORE", "766.CKMB", "766.TDGQ", "766.CLGQ", "766.TTTT", "766.MDHL", "766.MDSH"]
    )
    with engine.connect() as conn:
        assert conn.execute(select(kpi_values.c.id).where(kpi_values.c.month != 202510)).first() is None
        assert count(engine, kpi_values) == (34 + 15 + 102) * 7
        by = {
            r.code: r
            for r in conn.execute(
                select(units.c.id, units.c.code, units.c.name, units.c.kind, units.c.parent_id, units.c.path)
            )
        }
        root, an_giang = by["766.VN"], by["H01"]
        assert root.parent_id is None and an_giang.parent_id == root.id
        provinces = [u for u in by.values() if u.parent_id == root.id]
        assert len(provinces) == 34 and all(u.kind == "province" for u in provinces)
        below = [u for u in by.values() if u.parent_id == an_giang.id]
        assert len(below) == 15 + 102
        assert by["H01.113"].kind == "ward" and by["H01.187"].kind == "commune" and by["H01.01"].kind == "department"
        assert by["H01.08"].kind == "agency"  # Thanh tra tỉnh
        assert by["H01.187"].path == f"/{root.id}/{an_giang.id}/{by['H01.187'].id}/"
        code = {k.code: k.id for k in conn.execute(select(kpis.c.id, kpis.c.code))}
        vals = {
            (u, k): a
            for u, k, a in conn.execute(select(kpi_values.c.unit_id, kpi_values.c.kpi_id, kpi_values.c.actual))
        }
    # Bắc Ninh (H05) in October 2025: the values of the sheet, stored as numbers.
    bn = by["H05"].id
    assert vals[(bn, code["766.TONG_SCORE"])] == pytest.approx(91.52)
    assert vals[(bn, code["766.TDGQ"])] == pytest.approx(19.38)
    assert vals[(bn, code["766.CKMB"])] == pytest.approx(18.0)
    for u in by.values():
        if (u.id, code["766.TONG_SCORE"]) in vals:
            parts = sum(
                vals[(u.id, code[c])] for c in ("766.CKMB", "766.TDGQ", "766.CLGQ", "766.TTTT", "766.MDHL", "766.MDSH")
            )
            assert parts == pytest.approx(vals[(u.id, code["766.TONG_SCORE"])], abs=0.02)

    again = imp(engine, REAL, "kpi", mapping="766_tinh", create_units=True)  # by example name
    assert (again.loaded, again.already_present, again.created_units) == (0, 34, [])
    assert again.previous_batches[0]["batch_id"] == results["766_tinh"].batch_id


@pytest.mark.skipif(not REAL.exists(), reason="the real 766 file is not beside the repository")
def test_real_file_without_create_units_refuses_unknown_provinces_and_says_how(sqlite_engine):
    r = imp(sqlite_engine, REAL, "kpi", mapping="766_tinh")
    assert (r.loaded, r.refused) == (0, 34)
    assert r.rejections[0].reason_key == "import.reason.unit_unknown_code"
    assert r.rejections[0].raw["MA_COQUAN"] == "H05" and r.rejections[0].row_number == 2
    assert count(sqlite_engine, units) == 0 and count(sqlite_engine, kpis) == 7  # the catalogue is not per unit


# ---- refused rows ---------------------------------------------------------------------------

BAD_EVALUATIONS = """official_code,month,self_score,manager_score,final_score,grade,tasks_assigned,tasks_on_time,tasks_late
VD0001,2025-09,90,88,88,good,10,9,1
VD0002,2025-09,90,88,abc,,,,
VD0003,2025-09,90,88,101,,,,
VD9999,2025-09,90,88,80,,,,
,2025-09,90,88,80,,,,
VD0004,2026-01,90,88,80,,,,
VD0004,2025-13,90,88,80,,,,
VD0005,2025-09,90,88,80,rất tốt,,,
VD0005,2025-08,90,88,80,,5,4,3
VD0001,2025-09,91,88,89,good,,,
VD0002,09/2025,"90,5","88,0","87,5",B,"1.000",900,50
"""


def test_every_bad_row_is_refused_with_its_row_number_raw_values_and_reason(engine):
    seed(engine)
    r = imp(engine, BAD_EVALUATIONS, "evaluations", name="danh_gia.csv")
    assert identity(r) and r.rows_read == 11
    assert (r.loaded, r.refused) == (2, 9)
    assert r.status == "partial" and r.exit_code == 2
    by_row = {x.row_number: x for x in r.rejections}
    expected = {
        3: "import.value.not_number",
        4: "import.reason.out_of_range",
        5: "import.reason.official_unknown",
        6: "import.reason.required",
        7: "import.reason.future_month",
        8: "import.value.not_month",
        9: "import.value.not_choice",
        10: "import.reason.tasks_sum",
        11: "import.reason.duplicate_in_file",
    }
    assert {n: x.reason_key for n, x in by_row.items()} == expected
    assert by_row[3].raw["final_score"] == "abc"
    assert "«Điểm cuối cùng»" in by_row[3].reason and "abc" in by_row[3].reason
    assert "101" in by_row[4].reason and "0–100" in by_row[4].reason
    assert "VD9999" in by_row[5].reason
    assert "dòng 2" in by_row[11].reason
    assert "row 2" in by_row[11].reason_in("en")
    stored = batch_rejections(engine, r.batch_id)
    assert [s["row_number"] for s in stored] == sorted(expected)
    assert stored[0]["raw"]["final_score"] == "abc" and stored[0]["reason"] == by_row[3].reason
    with engine.connect() as conn:
        b = conn.execute(select(import_batches).where(import_batches.c.id == r.batch_id)).mappings().one()
    assert (b["rows_read"], b["loaded"], b["refused"], b["already_present"], b["status"]) == (11, 2, 9, 0, "partial")
    # The last row reads decimal commas, "09/2025", grade "B" and "1.000" tasks.
    with engine.connect() as conn:
        row = (
            conn.execute(
                select(evaluations)
                .join(officials, officials.c.id == evaluations.c.official_id)
                .where(officials.c.code == "VD0002")
            )
            .mappings()
            .one()
        )
    assert (row["self_score"], row["final_score"], row["grade"], row["tasks_assigned"]) == (90.5, 87.5, "good", 1000)


def test_refused_rows_file_imports_again_after_the_fix(engine):
    seed(engine)
    r = imp(
        engine,
        "official_code,month,final_score\nVD0001,2025-09,88\nVD0002,2025-09,tám mươi\nVD0003,2025-09,-1\n",
        "evaluations",
    )
    assert (r.loaded, r.refused) == (1, 2)
    for fmt in ("csv", "xlsx"):
        data = rejections_file(batch_rejections(engine, r.batch_id), fmt)
        from thuocdo.ingest import read_table

        table = read_table(data, f"tu_choi.{fmt}")
        assert table.columns == ["official_code", "month", "final_score", "Lý do từ chối", "Dòng gốc"]
        assert table.frame["Dòng gốc"].tolist() == ["3", "4"]
    fixed = rejections_file(r.rejections, "csv").decode("utf-8-sig").replace("tám mươi", "80").replace(",'-1,", ",75,")
    again = imp(engine, fixed, "evaluations", name="tu_choi_da_sua.csv")
    assert (again.loaded, again.refused) == (2, 0)
    assert set(again.ignored_columns) == {"Lý do từ chối", "Dòng gốc"}


def test_missing_required_columns_read_nothing_and_record_a_failed_batch(engine):
    seed(engine)
    with pytest.raises(ImportFailed) as exc:
        imp(engine, "ma_can_bo,ghi_chu\nVD0001,x\n", "evaluations")
    assert exc.value.key == "import.error.missing_columns"
    assert "Tháng" in exc.value.text() and "Điểm cuối cùng" in exc.value.text()
    with engine.connect() as conn:
        b = conn.execute(select(import_batches).where(import_batches.c.id == exc.value.batch_id)).mappings().one()
    assert b["status"] == "failed" and b["loaded"] == 0 and "Thiếu cột" in b["options"]["error"]
    assert count(engine, evaluations) == 0


def test_header_only_file_reads_nothing(sqlite_engine):
    with pytest.raises(ImportFailed) as exc:
        imp(sqlite_engine, "code,name\n", "units")
    assert exc.value.key == "import.error.no_rows"


# ---- corrections, duplicates against the database --------------------------------------------


def test_a_changed_value_is_a_correction_recorded_with_before_and_after(engine):
    seed(engine, "units", "officials", "evaluations")
    with engine.connect() as conn:
        before = conn.execute(
            select(rollup_eval_unit.c.sum_final)
            .join(units, units.c.id == rollup_eval_unit.c.unit_id)
            .where(units.c.code == "VD.STC", rollup_eval_unit.c.month == 202510)
        ).scalar()
    r = imp(
        engine, "official_code,month,final_score,grade\nVD0001,2025-10,80,good\nVD0002,2025-10,84,good\n", "evaluations"
    )
    assert (r.loaded, r.updated, r.already_present, r.refused) == (1, 1, 1, 0)
    with engine.connect() as conn:
        b = conn.execute(select(import_batches.c.options).where(import_batches.c.id == r.batch_id)).scalar()
        after = conn.execute(
            select(rollup_eval_unit.c.sum_final)
            .join(units, units.c.id == rollup_eval_unit.c.unit_id)
            .where(units.c.code == "VD.STC", rollup_eval_unit.c.month == 202510)
        ).scalar()
    change = b["changes"][0]
    assert change["before"] == {"final_score": 90.0, "grade": "excellent"} and change["after"] == {
        "final_score": 80.0,
        "grade": "good",
    }
    assert b["updated"] == 1
    assert after == pytest.approx(before - 10)  # the rollup followed the correction


def test_official_update_changes_only_given_fields(engine):
    seed(engine)
    r = imp(
        engine,
        "code,full_name,gender,unit_code,position\nVD0002,Trần Thị Bình,Nữ,VD.SNV,Phó Trưởng phòng\n",
        "officials",
    )
    assert r.updated == 1
    with engine.connect() as conn:
        o = conn.execute(select(officials).where(officials.c.code == "VD0002")).mappings().one()
        snv = conn.execute(select(units.c.id).where(units.c.code == "VD.SNV")).scalar()
    assert o["unit_id"] == snv and o["position_code"] == "deputy_head" and o["is_leader"] is True
    assert o["in_succession_plan"] is True and o["education"] == "dai_hoc"  # untouched


def test_kpi_correction_and_range_against_the_catalogue(engine):
    seed(engine, "units", "kpi")
    r = imp(
        engine,
        'unit_code,kpi_code,month,actual\nVD.P01,VD.HS_DUNG_HAN,2025-10,"96,4"\nVD.X02,VD.HS_DUNG_HAN,2025-10,95\nVD.X02,VD.HS_DUNG_HAN,2025-09,120\nVD.X02,KHONG_CO,2025-09,1\n',
        "kpi",
    )
    assert (r.already_present, r.updated, r.refused) == (1, 1, 2)
    keys = sorted(x.reason_key for x in r.rejections)
    assert keys == ["import.reason.kpi_out_of_range", "import.reason.kpi_unknown"]


def test_units_file_moves_a_subtree_and_refuses_cycles(engine):
    seed(engine, "units")
    r = imp(
        engine,
        "code,name,kind,parent_code\nVD.Q,Quận Mới,other,VD\nVD.P01,Phường Đông Hòa,ward,VD.Q\nVD.Q,Quận Mới,other,VD.P01\n",
        "units",
    )
    # Row 4 repeats VD.Q (duplicate in the file); the move of VD.P01 under VD.Q works.
    assert (r.loaded, r.refused) == (2, 1)
    with engine.connect() as conn:
        p = {u.code: u for u in conn.execute(select(units.c.code, units.c.path, units.c.level, units.c.id))}
    assert p["VD.P01"].path == p["VD.Q"].path + f"{p['VD.P01'].id}/" and p["VD.P01"].level == 2
    cyc = imp(engine, "code,name,parent_code\nVD.Q,Quận Mới,VD.P01\n", "units")
    assert cyc.refused == 1 and cyc.rejections[0].reason_key == "import.reason.unit_cycle"


def test_units_parents_may_come_after_children(sqlite_engine):
    r = imp(sqlite_engine, "code,name,parent_code\nC,Con,B\nB,Cha,A\nA,Gốc,\nX,Mồ côi,Z\n", "units")
    assert (r.loaded, r.refused) == (3, 1)
    assert r.rejections[0].reason_key == "import.reason.parent_unknown"


# ---- unit matching ---------------------------------------------------------------------------------

MATCH_UNITS = "code,name,kind,parent_code\nHN,Thành phố Hà Nội,city,\nHN.P1,Phường Tân Hội,ward,HN\nHN.X1,Xã Tân Hội,commune,HN\nHN.X2,Xã Đông Anh,commune,HN\nHN.SYT,Sở Y tế,department,HN\n"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Xã Đông Anh", "HN.X2"),
        ("UBND xã Đông Anh", "HN.X2"),
        ("xa dong anh", "HN.X2"),
        ("  ĐÔNG   ANH ", "HN.X2"),
        ("Đông Anh", "HN.X2"),
        ("Sở Y tế", "HN.SYT"),
        ("Y Tế", "HN.SYT"),
        ("Phường Tân Hội", "HN.P1"),  # the full spelling chooses between two "Tân Hội"
        ("UBND Xã Tân Hội", "HN.X1"),
    ],
)
def test_units_match_by_name_tolerantly(sqlite_engine, name, code):
    import unicodedata

    imp(sqlite_engine, MATCH_UNITS, "units")
    for variant in (name, unicodedata.normalize("NFD", name)):
        r = imp(sqlite_engine, f"unit_name,kpi_code,kpi_name,month,actual\n{variant},K1,Chỉ tiêu 1,2025-10,5\n", "kpi")
        assert r.refused == 0, r.rejections[0].reason
        with sqlite_engine.connect() as conn:
            got = conn.execute(
                text("SELECT u.code FROM kpi_values v JOIN units u ON u.id = v.unit_id WHERE v.batch_id = :b"),
                {"b": r.batch_id},
            ).scalar()
        assert got in (code, None)  # None: the value was already present from the NFC round


def test_ambiguous_and_unknown_names_are_refused_never_guessed(sqlite_engine):
    imp(sqlite_engine, MATCH_UNITS, "units")
    body = (
        "unit_name,kpi_code,kpi_name,month,actual\n"
        "Tân Hội,K1,Chỉ tiêu,2025-10,5\n"  # a ward and a commune share the name
        "tan hoi,K1,Chỉ tiêu,2025-10,5\n"  # no diacritics: still two candidates
        "Đông Ánh,K1,Chỉ tiêu,2025-10,5\n"  # other diacritics than "Đông Anh": not the same name
        "dong anh,K1,Chỉ tiêu,2025-10,5\n"  # no diacritics at all: the one "Đông Anh"
        "Nơi Nào Đó,K1,Chỉ tiêu,2025-10,5\n"  # unknown: created, because asked
    )
    r = imp(sqlite_engine, body, "kpi", create_units=True)
    keys = [x.reason_key for x in r.rejections]
    assert keys == ["import.reason.unit_ambiguous", "import.reason.unit_ambiguous", "import.reason.unit_diacritics"]
    amb = r.rejections[0]
    assert "HN.P1 – Phường Tân Hội" in amb.reason and "HN.X1 – Xã Tân Hội" in amb.reason
    assert "HN.X2 – Xã Đông Anh" in r.rejections[2].reason
    assert r.loaded == 2 and [u["name"] for u in r.created_units] == ["Nơi Nào Đó"]
    assert count(sqlite_engine, units, units.c.name == "Tân Hội") == 0  # never created when ambiguous
    assert count(sqlite_engine, units, units.c.name == "Đông Ánh") == 0


def test_unknown_units_are_created_only_when_asked(sqlite_engine):
    imp(sqlite_engine, MATCH_UNITS, "units")
    body = "unit_code,unit_name,kpi_code,kpi_name,month,actual\nNEW1,Phường Mới Lập,K1,Chỉ tiêu,2025-10,5\n"
    r = imp(sqlite_engine, body, "kpi")
    assert r.refused == 1 and r.rejections[0].reason_key == "import.reason.unit_unknown_code"
    r = imp(sqlite_engine, body, "kpi", create_units=True)
    assert r.loaded == 1 and [u["code"] for u in r.created_units] == ["NEW1"]
    with sqlite_engine.connect() as conn:
        new = conn.execute(select(units).where(units.c.code == "NEW1")).mappings().one()
        root = conn.execute(select(units).where(units.c.code == "HN")).mappings().one()
    assert (
        new["parent_id"] == root["id"]
        and new["path"] == f"{root['path']}{new['id']}/"
        and new["name_norm"] == "moi lap"
    )


def test_unknown_code_suggests_units_with_a_close_name(sqlite_engine):
    imp(sqlite_engine, MATCH_UNITS, "units")
    r = imp(
        sqlite_engine,
        "unit_code,unit_name,kpi_code,kpi_name,month,actual\nZZ9,Xã Đông Anh,K1,Chỉ tiêu,2025-10,5\n",
        "kpi",
    )
    assert r.rejections[0].reason_key == "import.reason.unit_unknown_code_hint"
    assert "HN.X2 – Xã Đông Anh" in r.rejections[0].reason


# ---- mappings --------------------------------------------------------------------------------------


def test_mapping_saved_under_a_name_and_reused(engine):
    seed(engine)
    spec = {
        "kind": "evaluations",
        "columns": {"Mã CB": "official_code", "Điểm chính thức": "final_score"},
        "period": "2025-09",
        "description": "Bảng điểm của Sở",
    }
    save_mapping(engine, "bang_diem_so", spec, actor="admin@vd")
    assert [m["name"] for m in list_mappings(engine, "evaluations")] == ["bang_diem_so"]
    assert load_mapping("bang_diem_so", engine).period == 202509
    r = imp(engine, 'Mã CB;Điểm chính thức;Ghi chú\nVD0001;"91,5";tốt\n', "evaluations", mapping="bang_diem_so")
    assert r.loaded == 1 and r.period == 202509 and r.ignored_columns == ["Ghi chú"]
    # --period wins over the mapping's period.
    r = imp(engine, "Mã CB;Điểm chính thức\nVD0001;90\n", "evaluations", mapping="bang_diem_so", period="2025-10")
    assert r.loaded == 1 and r.period == 202510
    with pytest.raises(ImportFailed) as exc:
        imp(engine, "a\n1\n", "ratings", mapping="bang_diem_so")
    assert exc.value.key == "import.error.mapping_kind"


@pytest.mark.parametrize(
    "spec",
    [
        [],
        {"kind": "nope"},
        {"kind": "kpi", "indicators": {"A": {}}},
        {"kind": "kpi", "unit": {"match": "guess"}},
        {"kind": "units", "x": 1},
        {"kind": "kpi", "period": "10-2025x"},
    ],
)
def test_invalid_mappings_are_refused(sqlite_engine, spec):
    with pytest.raises(ImportFailed) as exc:
        save_mapping(sqlite_engine, "m", spec)
    assert exc.value.key == "import.error.mapping_invalid"


def test_wide_table_with_a_bad_cell_refuses_the_whole_row(engine):
    seed(engine, "units")
    mapping = {
        "kind": "kpi",
        "unit": {"name": "Đơn vị", "match": "name"},
        "period": "2025-10",
        "indicators": {
            "Điểm A": {"code": "A", "name": "Chỉ tiêu A", "max": 10},
            "Điểm B": {"code": "B", "name": "Chỉ tiêu B"},
        },
    }
    data = 'Đơn vị,Điểm A,Điểm B\nPhường Đông Hòa,"7,5",3\nXã Tân Hội,x,4\nSở Tài chính,11,1\nSở Nội vụ,,\nThành phố Ví Dụ,,2\n'
    r = imp(engine, data, "kpi", mapping=mapping)
    assert (r.loaded, r.refused) == (2, 3)
    assert [x.reason_key for x in r.rejections] == [
        "import.value.not_number",
        "import.reason.kpi_out_of_range",
        "import.reason.no_values",
    ]
    assert "Điểm A" in r.rejections[0].reason
    assert count(engine, kpi_values) == 3  # two from row 2, one from row 6; nothing from refused rows


# ---- failures ---------------------------------------------------------------------------------------


def _add_failing_trigger(engine) -> None:
    """A real database error in the middle of the import: the rollup insert raises."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql(
                "CREATE TRIGGER t_fail BEFORE INSERT ON rollup_eval_unit BEGIN SELECT RAISE(ABORT, 'boom'); END"
            )
        else:
            conn.exec_driver_sql(
                "CREATE FUNCTION t_fail() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'boom'; END $$ LANGUAGE plpgsql"
            )
            conn.exec_driver_sql(
                "CREATE TRIGGER t_fail BEFORE INSERT ON rollup_eval_unit FOR EACH ROW EXECUTE FUNCTION t_fail()"
            )


def test_a_failure_midway_leaves_the_database_as_it_was(engine):
    seed(engine)
    _add_failing_trigger(engine)
    n_units = count(engine, units)
    with pytest.raises(ImportFailed) as exc:
        imp(engine, EXAMPLES / "evaluations.csv", "evaluations")
    assert exc.value.key == "import.error.database" and "boom" in exc.value.text()
    assert count(engine, evaluations) == 0 and count(engine, rollup_eval_unit) == 0 and count(engine, units) == n_units
    assert count(engine, import_rejections) == 0
    with engine.connect() as conn:
        b = conn.execute(select(import_batches).where(import_batches.c.id == exc.value.batch_id)).mappings().one()
    assert (b["status"], b["loaded"], b["rows_read"]) == ("failed", 0, 0) and "boom" in b["options"]["error"]


def test_created_units_roll_back_with_a_failed_import(engine):
    seed(engine)
    _add_failing_trigger(engine)
    with pytest.raises(ImportFailed):
        imp(engine, "official_code,unit_code,month,final_score\nVD0001,VD.STC,2025-09,80\n", "evaluations")
    assert count(engine, evaluations) == 0


def test_rating_scale_comes_from_the_settings(engine):
    seed(engine)
    with engine.begin() as conn:
        set_setting(conn, "satisfaction_scale", 5)
    r = imp(
        engine,
        "rated_at,unit_code,channel,score\n2025-10-01 08:00,VD.P01,kiosk,5\n2025-10-01 08:01,VD.P01,kiosk,Rất hài lòng\n2025-10-01 08:02,VD.P01,kiosk,6\n",
        "ratings",
    )
    assert (r.loaded, r.refused) == (2, 1)
    assert "1–5" in r.rejections[0].reason
    with engine.connect() as conn:
        assert sorted(conn.execute(select(ratings.c.score, ratings.c.scale)).all()) == [(5, 5), (5, 5)]


def test_batch_options_record_the_choices(sqlite_engine):
    seed(sqlite_engine)
    r = imp(sqlite_engine, EXAMPLES / "evaluations.csv", "evaluations", actor="admin@vd.gov.vn")
    with sqlite_engine.connect() as conn:
        b = conn.execute(select(import_batches).where(import_batches.c.id == r.batch_id)).mappings().one()
    assert b["actor"] == "admin@vd.gov.vn" and b["file_name"] == "evaluations.csv"
    assert b["options"]["format"] == "csv" and b["options"]["encoding"] == "utf-8"
    assert json.dumps(r.to_dict(), ensure_ascii=False)  # serialisable as the CLI prints it
    with sqlite_engine.begin() as conn:
        conn.execute(update(import_batches).values(actor="x"))


# ---- scope ------------------------------------------------------------------------------------------


def test_a_scoped_importer_touches_only_its_own_subtree(engine):
    seed(engine)
    with engine.connect() as conn:
        p01 = conn.execute(select(units.c.id, units.c.path).where(units.c.code == "VD.P01")).one()
    scope = p01.path
    r = imp(
        engine,
        "unit_code,unit_name,kpi_code,kpi_name,month,actual\nVD.P01,,K1,Chỉ tiêu,2025-10,5\nVD.X02,,K1,Chỉ tiêu,2025-10,6\nMOI,Tổ dân phố Mới,K1,Chỉ tiêu,2025-10,7\n",
        "kpi",
        scope_path=scope,
        create_units=True,
    )
    assert (r.loaded, r.refused) == (2, 1)
    assert r.rejections[0].reason_key == "import.reason.unit_out_of_scope" and "VD.X02" in r.rejections[0].reason
    with engine.connect() as conn:
        new = conn.execute(select(units.c.parent_id).where(units.c.code == "MOI")).scalar()
    assert new == p01.id  # created inside the scope, under its own unit
    ev = imp(
        engine,
        "official_code,month,final_score\nVD0004,2025-08,80\nVD0005,2025-08,80\n",
        "evaluations",
        scope_path=scope,
    )
    assert (ev.loaded, ev.refused) == (1, 1) and ev.rejections[0].reason_key == "import.reason.unit_out_of_scope"
    un = imp(
        engine,
        "code,name,parent_code\nVD.P01.T1,Tổ 1,VD.P01\nVD.GOC,Gốc khác,\nVD.X02,Xã Tân Hội đổi tên,VD\n",
        "units",
        scope_path=scope,
    )
    assert (un.loaded, un.refused) == (1, 2)


def test_refused_rows_file_is_formula_safe_and_still_imports(sqlite_engine):
    seed(sqlite_engine)
    r = imp(
        sqlite_engine, 'official_code,month,final_score,evaluator\nVD0001,2025-09,-5,=HYPERLINK("x")\n', "evaluations"
    )
    data = rejections_file(r.rejections, "csv").decode("utf-8-sig")
    assert "'-5" in data and "'=HYPERLINK" in data
    fixed = data.replace("'-5", "75")
    again = imp(sqlite_engine, fixed, "evaluations")
    assert again.loaded == 1
    with sqlite_engine.connect() as conn:
        assert conn.execute(select(evaluations.c.evaluator)).scalar() == '=HYPERLINK("x")'


def test_a_full_disk_is_said_plainly_and_changes_nothing(sqlite_url, tmp_path):
    from sqlalchemy import event

    from thuocdo.store.db import init_db
    from thuocdo.store.engine import make_engine

    engine = make_engine(sqlite_url)
    init_db(engine)
    seed(engine)
    n_units = count(engine, units)
    engine.dispose()
    small = make_engine(sqlite_url)
    # SQLite's page cap raises the same SQLITE_FULL as a full disk.
    event.listen(small, "connect", lambda c, _r: c.execute("PRAGMA max_page_count = 60"))
    body = "rated_at,unit_code,channel,score\n" + "".join(
        f"2025-10-01 08:{i // 60 % 60:02d}:{i % 60:02d},VD.P01,kiosk,{1 + i % 4}\n" for i in range(3000)
    )
    with pytest.raises(ImportFailed) as exc:
        imp(small, body, "ratings")
    assert exc.value.key == "import.error.disk_full" and "đầy" in exc.value.text()
    small.dispose()
    engine = make_engine(sqlite_url)
    assert count(engine, ratings) == 0 and count(engine, units) == n_units
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    engine.dispose()
