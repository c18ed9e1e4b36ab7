"""pages/import.py with AppTest: guard, upload, preview, mapping, import, refused rows, batches."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from tests import fixture_data
from tests.data_ingest.helpers import REAL
from thuocdo.store.schema import import_batches, import_mappings, kpi_values, units

ROOT = Path(__file__).resolve().parent.parent
ADMIN = "quantri@thuocdo.demo"
KPI_CSV = 'unit_code,kpi_code,kpi_name,month,actual\nHN.P.HOANKIEM,KPI.TEST,Chỉ tiêu thử,2026-09,"87,5"\nHN.P.BADINH,KPI.TEST,Chỉ tiêu thử,2026-09,91\nKHONG.CO,KPI.TEST,Chỉ tiêu thử,2026-09,50\n'


@pytest.fixture
def demo_db(sqlite_engine, sqlite_url, monkeypatch):
    fixture_data.build(sqlite_engine)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.delenv("THUOCDO_ENV", raising=False)
    monkeypatch.chdir(ROOT)
    return sqlite_engine


def open_page(email: str | None = ADMIN) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if email:
        at.session_state["demo_user_email"] = email
    at.switch_page("pages/import.py")
    return at.run()


def texts(at: AppTest) -> str:
    parts = [e.value for e in at.markdown] + [e.value for e in at.title] + [e.value for e in at.subheader]
    parts += [str(e.value) for e in at.error] + [str(e.value) for e in at.success] + [str(e.value) for e in at.info]
    parts += [str(e.value) for e in at.warning] + [str(e.value) for e in at.caption]
    return "\n".join(map(str, parts))


def upload(at: AppTest, name: str, data: bytes, kind: str = "kpi") -> AppTest:
    at.selectbox(key="imp_kind").set_value(kind)
    at.file_uploader(key="imp_file").set_value((name, data, "text/csv"))
    return at.run()


def count(engine, table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar())


def test_only_admins_open_the_import_page(demo_db):
    anonymous = open_page(None)
    assert not anonymous.exception
    assert "Nhập dữ liệu" not in [t.value for t in anonymous.title]
    leader = open_page("lanhdao@thuocdo.demo")
    assert not leader.exception
    assert "Nhập dữ liệu" not in [t.value for t in leader.title]
    assert leader.error
    admin = open_page()
    assert not admin.exception, admin.exception
    assert "Nhập dữ liệu" in [t.value for t in admin.title]
    assert "tải tệp lên" in texts(admin)


def test_upload_preview_import_and_refused_rows(demo_db):
    at = upload(open_page(), "chi_tieu.csv", KPI_CSV.encode("utf-8"))
    assert not at.exception, at.exception
    raw = next(df.value for df in at.dataframe if "kpi_code" in df.value.columns)
    assert raw["unit_code"].tolist() == ["HN.P.HOANKIEM", "HN.P.BADINH", "KHONG.CO"]
    assert "Các dòng đầu như sẽ được đọc" in texts(at)
    at.button(key="imp_run").click().run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Số dòng đọc"] == "3" and metrics["Đã nạp"] == "2" and metrics["Bị từ chối"] == "1"
    assert "Không có đơn vị mã «KHONG.CO»" in "\n".join(str(df.value.to_dict()) for df in at.dataframe)
    assert len(at.get("download_button")) >= 2
    assert count(demo_db, kpi_values) == 2
    with demo_db.connect() as conn:
        b = conn.execute(select(import_batches)).mappings().one()
    assert (b["actor"], b["rows_read"], b["loaded"], b["refused"], b["status"]) == (ADMIN, 3, 2, 1, "partial")

    # The batch is listed, and its refused rows open from the list.
    at.session_state["imp_batches"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert f"Dòng bị từ chối của lần nhập #{b['id']}" in texts(at)

    # The same file again loads nothing new and says so.
    at.button(key="imp_run").click().run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Đã có sẵn"] == "2" and metrics["Đã nạp"] == "0"
    assert "đã được nhập trước đây" in texts(at)


def test_mapping_built_in_the_page_previews_and_saves(demo_db):
    data = "Đơn vị;Chỉ tiêu;Kết quả tháng\nPhường Hoàn Kiếm;KPI.A;12\nPhường Ba Đình;KPI.A;x\n".encode()
    at = upload(open_page(), "bang.csv", data)
    at.radio(key="imp_mapping_mode").set_value("new").run()
    assert not at.exception, at.exception
    fid = hashlib.sha256(data).hexdigest()[:12]  # the page keys its widgets by the file
    at.selectbox(key=f"imp_col_kpi_{fid}_unit_name").set_value("Đơn vị")
    at.selectbox(key=f"imp_col_kpi_{fid}_kpi_code").set_value("Chỉ tiêu")
    at.selectbox(key=f"imp_col_kpi_{fid}_actual").set_value("Kết quả tháng")
    at.radio(key=f"imp_match_kpi_{fid}").set_value("name")
    at.text_input(key="imp_period").set_value("2026-09")
    at.run()
    assert not at.exception, at.exception
    mapped = next(df.value for df in at.dataframe if "Vấn đề" in df.value.columns)
    assert mapped["Vấn đề"].iloc[0] == "" and "không phải là số" in mapped["Vấn đề"].iloc[1]
    at.text_input(key=f"imp_save_name_{fid}").set_value("bang_kpi_phuong").run()
    at.button(key="imp_save").click().run()
    assert "Đã lưu ánh xạ «bang_kpi_phuong»" in texts(at)
    with demo_db.connect() as conn:
        spec = conn.execute(select(import_mappings.c.spec).where(import_mappings.c.name == "bang_kpi_phuong")).scalar()
    assert spec["columns"] == {"Đơn vị": "unit_name", "Chỉ tiêu": "kpi_code", "Kết quả tháng": "actual"}
    assert spec["unit"] == {"match": "name"}
    at.button(key="imp_run").click().run()
    metrics = {m.label: m.value for m in at.metric}
    # KPI.A has no name: it is unknown to the catalogue, so both rows are refused, with reasons.
    assert metrics["Bị từ chối"] == "2"


@pytest.mark.skipif(not REAL.exists(), reason="the real 766 file is not beside the repository")
def test_real_file_with_the_shipped_mapping_from_the_page(demo_db):
    at = open_page()
    at.selectbox(key="imp_kind").set_value("kpi")
    at.file_uploader(key="imp_file").set_value(
        (REAL.name, REAL.read_bytes(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    )
    at.run()
    at.radio(key="imp_mapping_mode").set_value("saved").run()
    at.selectbox(key="imp_mapping_pick").set_value("766_xa_phuong").run()
    assert not at.exception, at.exception
    sheet = next(s for s in at.selectbox if s.key and s.key.startswith("imp_sheet_"))
    assert sheet.value == "Xã Phường"  # the mapping's sheet, not the first one
    at.checkbox(key="imp_create_units").check().run()
    at.button(key="imp_run").click().run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Số dòng đọc"] == "102" and metrics["Đã nạp"] == "102"
    with demo_db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(units).where(units.c.code.like("H01.%"))).scalar() == 102


def test_english_page(demo_db):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["demo_user_email"] = ADMIN
    at.session_state["lang"] = "en"
    at.switch_page("pages/import.py")
    at.run()
    assert not at.exception
    assert "Import data" in [t.value for t in at.title]


@pytest.mark.skipif(not REAL.exists(), reason="the real 766 file is not beside the repository")
def test_imported_766_values_show_on_the_unit_page(demo_db):
    from tests.data_ingest.helpers import imp

    r = imp(demo_db, REAL, "kpi", mapping="766_tinh", create_units=True)
    assert r.loaded == 34
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["demo_user_email"] = "lanhdao@thuocdo.demo"
    at.query_params["unit"] = "H05"
    at.query_params["period"] = "2025-10"
    at.switch_page("pages/unit.py")
    at.run()
    assert not at.exception, at.exception
    page = texts(at) + "\n".join(str(df.value.to_dict()) for df in at.dataframe)
    assert "UBND tỉnh Bắc Ninh" in page
    assert "Chỉ số phục vụ người dân, doanh nghiệp" in page or "766.TONG_SCORE" in page
