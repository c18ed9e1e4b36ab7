"""pages/admin.py with AppTest: users and their history, the access log, exports."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import insert, select
from streamlit.testing.v1 import AppTest

from tests import fixture_data
from thuocdo.store.schema import access_log, user_changes, users

ROOT = Path(__file__).resolve().parent.parent
ADMIN = "quantri@thuocdo.demo"


@pytest.fixture
def demo_db(sqlite_engine, sqlite_url, monkeypatch):
    fixture_data.build(sqlite_engine)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.delenv("THUOCDO_ENV", raising=False)
    monkeypatch.chdir(ROOT)
    return sqlite_engine


def open_admin(email: str = ADMIN) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["demo_user_email"] = email
    at.switch_page("pages/admin.py")
    return at.run()


def texts(at: AppTest) -> str:
    parts = [e.value for e in at.markdown] + [e.value for e in at.title] + [e.value for e in at.subheader]
    parts += [str(e.value) for e in at.error] + [str(e.value) for e in at.success] + [str(e.value) for e in at.info]
    parts += [str(e.value) for e in at.caption]
    return "\n".join(map(str, parts))


# A column that only one table of the page has.
MARKER = {"admin_users_table": "Đang hoạt động", "admin_history_table": "Thay đổi", "admin_log_table": "Hành động"}


def frame(at: AppTest, key: str) -> pd.DataFrame:
    for df in at.dataframe:
        if MARKER[key] in df.value.columns:
            return df.value
    raise AssertionError(f"no dataframe {key}")


def test_admin_sees_users_and_roles(demo_db):
    at = open_admin()
    assert not at.exception, at.exception
    assert "Quản trị" in [t.value for t in at.title]
    table = frame(at, "admin_users_table")
    assert set(table["Thư điện tử"]) == {e for e, *_ in fixture_data.USERS}
    row = table[table["Thư điện tử"] == "truongdonvi@thuocdo.demo"].iloc[0]
    assert row["Vai trò"] == "Thủ trưởng đơn vị"
    assert row["Phạm vi đơn vị"] == "Phường Hoàn Kiếm"


def test_non_admin_is_refused(demo_db):
    at = open_admin("lanhdao@thuocdo.demo")
    assert "Vai trò của bạn không được mở trang này" in texts(at)
    assert len(at.dataframe) == 0


def _fill_new(at: AppTest, email: str, name: str, role: str, unit: str) -> AppTest:
    at.text_input(key="admin_email___new__").input(email)
    at.text_input(key="admin_name___new__").input(name)
    at.selectbox(key="admin_role___new__").set_value(role)
    at.selectbox(key="admin_unit___new__").set_value(unit)
    return at.button[[b.label for b in at.button].index("Lưu")].click().run()


def test_create_then_edit_a_user_records_every_change(demo_db):
    at = open_admin()
    at = _fill_new(at, "BangBien@Hanoi.test", "Hoàng Văn Bảng", "inspector", "")
    assert not at.exception, at.exception
    assert "Đã lưu người dùng bangbien@hanoi.test" in texts(at)
    table = frame(at, "admin_users_table")
    assert "bangbien@hanoi.test" in set(table["Thư điện tử"])

    at.selectbox(key="admin_pick").set_value("bangbien@hanoi.test").run()
    at.selectbox(key="admin_role_bangbien@hanoi.test").set_value("unit_head")
    at.selectbox(key="admin_unit_bangbien@hanoi.test").set_value("HN.P.BADINH")
    at = at.button[[b.label for b in at.button].index("Lưu")].click().run()
    assert not at.exception, at.exception

    with demo_db.connect() as conn:
        row = conn.execute(
            select(users.c.role, users.c.unit_id, users.c.is_demo).where(users.c.email == "bangbien@hanoi.test")
        ).one()
        changes = conn.execute(select(user_changes).order_by(user_changes.c.id)).fetchall()
    assert (row.role, row.unit_id, bool(row.is_demo)) == ("unit_head", 4, False)
    assert [c.actor for c in changes] == [ADMIN, ADMIN]
    after = changes[1].after if isinstance(changes[1].after, dict) else json.loads(changes[1].after)
    assert after["unit_code"] == "HN.P.BADINH"

    history = frame(at, "admin_history_table")
    assert list(history["Người dùng"]) == ["bangbien@hanoi.test", "bangbien@hanoi.test"]
    newest = history.iloc[0]["Thay đổi"]
    assert "vai trò: Ủy ban Kiểm tra → Thủ trưởng đơn vị" in newest
    assert "đơn vị: Toàn thành phố → HN.P.BADINH" in newest
    assert history.iloc[1]["Thay đổi"] == "tạo mới"
    assert history.iloc[0]["Người thực hiện"] == ADMIN


def test_invalid_change_shows_a_vietnamese_error_and_saves_nothing(demo_db):
    at = open_admin()
    at = _fill_new(at, "moi@hanoi.test", "Người Mới", "unit_head", "")
    assert "Vai trò Thủ trưởng đơn vị cần một đơn vị làm phạm vi." in texts(at)
    with demo_db.connect() as conn:
        assert conn.execute(select(users.c.id).where(users.c.email == "moi@hanoi.test")).first() is None
        assert conn.execute(select(user_changes.c.id)).first() is None


def _log(engine, rows):
    keys = ("at", "actor", "role", "action", "target_type", "target", "purpose", "detail")
    with engine.begin() as conn:
        conn.execute(insert(access_log), [{k: r.get(k) for k in keys} for r in rows])


@pytest.fixture
def media(monkeypatch):
    """Keep AppTest's in-memory media storage reachable, to read what a download serves."""
    import streamlit.testing.v1.app_test as app_test_module
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    kept: list = []

    class KeptStorage(MemoryMediaFileStorage):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            kept.append(self)

    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", KeptStorage)
    return kept


def _download(at: AppTest, media: list, key: str) -> bytes:
    for el in at.get("download_button"):
        if key in el.proto.id:
            file_id = el.proto.url.rsplit("/", 1)[-1].split(".")[0]
            return media[-1].get_file(file_id).content
    raise AssertionError(f"no download button {key}")


def test_access_log_filters_and_formula_safe_exports(demo_db, media):
    now = dt.datetime.now().replace(microsecond=0)
    _log(
        demo_db,
        [
            {
                "at": now - dt.timedelta(hours=1),
                "actor": "kiemtra@thuocdo.demo",
                "role": "inspector",
                "action": "view_official",
                "target_type": "official",
                "target": "CB0001",
                "purpose": '=HYPERLINK("http://x")',
            },
            {
                "at": now - dt.timedelta(hours=2),
                "actor": "kiemtra@thuocdo.demo",
                "role": "inspector",
                "action": "refused",
                "target_type": "official",
                "target": "@SUM(A1)",
                "detail": "unknown",
            },
            {
                "at": now - dt.timedelta(hours=3),
                "actor": "+lanhdao@thuocdo.demo",
                "role": "leader",
                "action": "view_official",
                "target_type": "official",
                "target": "CB0003",
                "purpose": "-inspection",
            },
            {
                "at": now - dt.timedelta(days=90),
                "actor": "kiemtra@thuocdo.demo",
                "role": "inspector",
                "action": "view_official",
                "target_type": "official",
                "target": "CB0002",
                "purpose": "periodic_review",
            },
        ],
    )
    at = open_admin()
    assert not at.exception, at.exception
    log = frame(at, "admin_log_table")
    assert len(log) == 3  # the 90-day-old entry is outside the default 30 days
    assert log.iloc[0]["Cán bộ"] == "Nguyễn Thị Lan"
    assert log.iloc[0]["Hành động"] == "Xem hồ sơ cán bộ"

    at.selectbox(key="admin_log_actor").set_value("kiemtra@thuocdo.demo")
    at.selectbox(key="admin_log_action").set_value("refused").run()
    log = frame(at, "admin_log_table")
    assert list(log["Đối tượng"]) == ["@SUM(A1)"]  # shown as stored on screen

    at.selectbox(key="admin_log_action").set_value("").run()
    at.date_input(key="admin_log_dates").set_value((dt.date.today() - dt.timedelta(days=120), dt.date.today())).run()
    log = frame(at, "admin_log_table")
    assert len(log) == 3  # kiemtra's three entries, the old one included

    at.selectbox(key="admin_log_actor").set_value("").run()
    csv = _download(at, media, "admin_log_csv").decode("utf-8-sig")
    body = pd.read_csv(io.StringIO(csv), dtype=str, keep_default_na=False)
    assert '\'=HYPERLINK("http://x")' in set(body["Mục đích"])
    assert "'@SUM(A1)" in set(body["Đối tượng"])
    assert "'+lanhdao@thuocdo.demo" in set(body["Người thực hiện"])
    assert "'-inspection" in set(body["Mục đích"])
    for col in body.columns:
        assert not body[col].str.match(r"^[=+\-@]").any(), col

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(_download(at, media, "admin_log_xlsx"))).active
    values = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert '\'=HYPERLINK("http://x")' in values
    assert not [v for v in values if v[:1] in "=+-@"]
