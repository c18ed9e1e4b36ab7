"""Real login: OpenID Connect through st.login, roles and unit scope from ID-token claims
or the users table.

Two layers:
- AppTest runs of the app with ``[auth]`` secrets and a signed-in ``st.user`` (what
  Streamlit builds from the ID token): claims to roles and scopes, the users-table
  fallback, the "no access" page, demo mode off.
- One browser journey against a real provider: the npm package ``oidc-provider``
  (tests/oidc/provider.mjs) on 127.0.0.1 and ``streamlit run`` with a generated
  ``.streamlit/secrets.toml`` in a temporary working directory, driven by headless
  Chromium: each role signs in and out, a user without a role is refused, a tampered
  session cookie is refused.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from tests import fixture_data
from tests.browser import ARTIFACTS, chromium, free_port, shot, streamlit_server, wait_app_idle
from thuocdo.store.schema import access_log
from thuocdo.store.users import save_user

ROOT = Path(__file__).resolve().parent.parent
PROVIDER = ROOT / "tests" / "oidc" / "provider.mjs"

AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "test-cookie-secret-not-for-production",
    "client_id": "thuocdo",
    "client_secret": "thuocdo-test-secret",
    "server_metadata_url": "http://127.0.0.1:4400/.well-known/openid-configuration",
    "client_kwargs": {"scope": "openid email profile thuocdo", "prompt": "login"},
}


@pytest.fixture
def db(sqlite_engine, sqlite_url, monkeypatch):
    # The demo marker is present on purpose: [auth] must switch demo mode off anyway.
    fixture_data.build(sqlite_engine, demo=True)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.delenv("THUOCDO_ENV", raising=False)
    monkeypatch.chdir(ROOT)
    return sqlite_engine


def run_app(
    claims: dict | None, page: str | None = None, settings: dict | None = None, demo_email: str | None = None
) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.secrets["auth"] = dict(AUTH)
    if settings is not None:
        at.secrets["thuocdo_auth"] = settings
    at.user = {"is_logged_in": True, **claims} if claims is not None else {"is_logged_in": False}
    if demo_email:
        at.session_state["demo_user_email"] = demo_email
    if page:
        at.switch_page(page)
    return at.run()


def texts(at: AppTest) -> str:
    parts = [e.value for e in at.markdown] + [e.value for e in at.title] + [e.value for e in at.subheader]
    parts += [str(e.value) for e in at.error] + [str(e.value) for e in at.warning] + [str(e.value) for e in at.info]
    parts += [str(e.value) for e in at.caption]
    return "\n".join(map(str, parts))


def metrics(at: AppTest) -> dict:
    return {m.label: m.value for m in at.metric}


def claims(email, role=None, unit=None, name="Người Thử"):
    out = {"email": email, "name": name, "email_verified": True}
    if role is not None:
        out["thuocdo_role"] = role
    if unit is not None:
        out["thuocdo_unit"] = unit
    return out


def test_demo_mode_is_off_when_auth_is_configured(db):
    at = run_app(None, demo_email="lanhdao@thuocdo.demo")  # even a forged demo session key
    assert not at.exception, at.exception
    body = texts(at)
    assert "Đăng nhập qua hệ thống định danh của cơ quan" in body
    assert "Chế độ trình diễn" not in body
    assert "Chọn người dùng trình diễn" not in body
    assert [b.label for b in at.button] == ["Đăng nhập bằng tài khoản cơ quan"]
    assert len(at.metric) == 0


def test_the_example_secrets_document_every_setting(db):
    import tomllib

    example = tomllib.loads((ROOT / ".streamlit" / "secrets.toml.example").read_text(encoding="utf-8"))
    auth = example["auth"]
    assert {"redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url"} <= set(auth)
    assert auth["redirect_uri"].endswith("/oauth2callback")
    assert auth["client_kwargs"] == {"scope": "openid email profile thuocdo", "prompt": "login"}
    assert set(example["thuocdo_auth"]) == {"role_claim", "unit_claim", "role_source"}
    source = (ROOT / "components" / "auth.py").read_text(encoding="utf-8")
    for key in example["thuocdo_auth"]:
        assert f'cfg.get("{key}")' in source  # every documented setting is read...
    for key in re.findall(r'cfg\.get\("([a-z_]+)"\)', source):
        assert key in example["thuocdo_auth"]  # ...and every setting read is documented
    assert "DATABASE_URL" in example
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.secrets.update(example)
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception
    assert "Đăng nhập bằng tài khoản cơ quan" in [b.label for b in at.button]


def test_an_incomplete_auth_section_gives_a_message_not_a_trace(db):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback"}
    at.user = {"is_logged_in": False}
    at.run()
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert "chưa đầy đủ hoặc không hợp lệ" in texts(at)


@pytest.mark.parametrize(
    "role,units,officials",
    [
        ("leader", "5", "5"),
        ("inspector", "5", "5"),
        ("unit_head", "2", "3"),
        ("presenter", "5", "5"),
        ("admin", "5", "5"),
    ],
)
def test_role_and_scope_from_claims(db, role, units, officials):
    unit = "HN.P.HOANKIEM" if role == "unit_head" else None
    at = run_app(claims(f"{role}@hanoi.test", role, unit), settings={"role_claim": "thuocdo_role"})
    assert not at.exception, at.exception
    values = metrics(at)
    assert values["Đơn vị"] == units and values["Cán bộ"] == officials
    assert "Chế độ trình diễn" not in texts(at)
    with db.connect() as conn:
        rows = conn.execute(select(access_log.c.actor, access_log.c.action, access_log.c.role)).fetchall()
    assert (f"{role}@hanoi.test", "sign_in", role) in [tuple(r) for r in rows]


def test_roles_may_come_as_a_list_under_a_configured_claim_name(db):
    token = {"email": "a@hanoi.test", "name": "A", "groups": ["staff", "unit_head"], "org": "HN.P.HOANKIEM"}
    at = run_app(token, settings={"role_claim": "groups", "unit_claim": "org"})
    assert metrics(at)["Đơn vị"] == "2"


@pytest.mark.parametrize(
    "token,reason",
    [
        (claims("khach@hanoi.test"), "no role"),
        (claims("x@hanoi.test", "superuser"), "no role"),
        (claims("y@hanoi.test", "leader", "HN.NOWHERE"), "unknown unit"),
        (claims("z@hanoi.test", "unit_head"), "unit role without unit"),
        (claims("lanhdao@thuocdo.demo", "leader"), "demo user"),
    ],
)
def test_no_role_sees_the_vietnamese_no_access_page(db, token, reason):
    at = run_app(token, page="pages/overview.py")
    assert not at.exception, at.exception
    body = texts(at)
    assert "Không có quyền truy cập" in body
    assert f"Tài khoản {token['email']} chưa được cấp quyền sử dụng Thước Đo." in body
    assert len(at.metric) == 0
    assert [b.label for b in at.button if b.label == "Đăng xuất"]
    with db.connect() as conn:
        rows = conn.execute(select(access_log.c.actor, access_log.c.action, access_log.c.detail)).fetchall()
    assert (token["email"], "refused", reason) in [tuple(r) for r in rows]


def test_users_table_gives_role_and_scope_when_the_token_has_none(db):
    save_user(db, "quantri@hanoi.test", "bangbien@hanoi.test", "Hoàng Văn Bảng", "inspector", "HN.P.BADINH")
    at = run_app(claims("BangBien@hanoi.test"))
    assert not at.exception, at.exception
    assert metrics(at)["Đơn vị"] == "1"
    assert "Ủy ban Kiểm tra · HN.P.BADINH" in texts(at)


def test_a_locked_users_row_refuses_even_a_token_with_a_role(db):
    save_user(db, "quantri@hanoi.test", "bangbien@hanoi.test", "Hoàng Văn Bảng", "inspector", None, active=False)
    at = run_app(claims("bangbien@hanoi.test", "leader"))
    assert "Không có quyền truy cập" in texts(at)
    assert len(at.metric) == 0


def test_role_source_claims_ignores_the_users_table(db):
    save_user(db, "quantri@hanoi.test", "bangbien@hanoi.test", "Hoàng Văn Bảng", "inspector", None)
    at = run_app(claims("bangbien@hanoi.test"), settings={"role_source": "claims"})
    assert "Không có quyền truy cập" in texts(at)


# --- the browser journey against a real provider ------------------------------------------


@contextlib.contextmanager
def oidc_provider(app_base: str, port: int, client_id: str, client_secret: str):
    """Run tests/oidc/provider.mjs on 127.0.0.1:port; yield the issuer."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = open(ARTIFACTS / f"oidc-provider-{port}.log", "w")  # noqa: SIM115
    env = {
        **os.environ,
        "OIDC_PORT": str(port),
        "APP_BASE": app_base,
        "CLIENT_ID": client_id,
        "CLIENT_SECRET": client_secret,
    }
    proc = subprocess.Popen(
        [shutil.which("node") or "node", str(PROVIDER)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    issuer = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"oidc-provider exited early; see {log.name}")
            try:
                with urllib.request.urlopen(issuer + "/.well-known/openid-configuration", timeout=2) as r:
                    if json.loads(r.read())["issuer"] == issuer:
                        break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("oidc-provider did not answer in 30 s")
        yield issuer
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def app_dir(tmp_path: Path, secrets_toml: str) -> Path:
    """A working directory that serves this repository's app with its own secrets.toml."""
    work = tmp_path / "app"
    (work / ".streamlit").mkdir(parents=True)
    for name in ("app.py", "pages", "components", "queries", "thuocdo", "locales"):
        (work / name).symlink_to(ROOT / name)
    shutil.copy(ROOT / ".streamlit" / "config.toml", work / ".streamlit" / "config.toml")
    (work / ".streamlit" / "secrets.toml").write_text(secrets_toml, encoding="utf-8")
    return work


def toml_secrets(app_port: int, op_port: int, client_id: str, client_secret: str, db_url: str) -> str:
    return f"""DATABASE_URL = {json.dumps(db_url)}

[auth]
redirect_uri = "http://localhost:{app_port}/oauth2callback"
cookie_secret = {json.dumps(secrets.token_hex(32))}
client_id = {json.dumps(client_id)}
client_secret = {json.dumps(client_secret)}
server_metadata_url = "http://127.0.0.1:{op_port}/.well-known/openid-configuration"
client_kwargs = {{ scope = "openid email profile thuocdo", prompt = "login" }}

[thuocdo_auth]
role_claim = "thuocdo_role"
unit_claim = "thuocdo_unit"
"""


def metric_value(page, label: str) -> str:
    card = page.locator(
        '[data-testid="stMetric"]', has=page.locator('[data-testid="stMetricLabel"]', has_text=label)
    ).first
    return card.locator('[data-testid="stMetricValue"]').inner_text().strip()


def nav_text(page) -> str:
    nav = page.locator('[data-testid="stSidebarNav"]')
    return nav.inner_text() if nav.count() else ""


def auth_cookie(page) -> dict | None:
    return next((c for c in page.context.cookies() if c["name"] == "_streamlit_user"), None)


def sign_in(page, base: str, issuer: str, account: str) -> None:
    t0 = time.time()
    page.goto(base + "/")
    wait_app_idle(page, timeout=90_000)
    page.get_by_role("button", name="Đăng nhập bằng tài khoản cơ quan").click()
    page.wait_for_url(issuer + "/interaction/**")
    page.fill('input[name="login"]', account)
    page.fill('input[name="password"]', "any-password")
    page.click('button[type="submit"]')
    page.wait_for_url(base + "/**")
    # Signed in (the sidebar's user box) or refused (the no-access page), then idle.
    page.wait_for_function(
        "() => /Đang đăng nhập:|Không có quyền truy cập/.test(document.body.innerText)", timeout=90_000
    )
    wait_app_idle(page, timeout=90_000)
    if "Không có quyền truy cập" not in page.inner_text("body"):
        page.locator('[data-testid="stMetric"]').first.wait_for()
        wait_app_idle(page, timeout=90_000)
    print(f"sign-in {account}: {time.time() - t0:.1f} s")


def sign_out(page, base: str) -> None:
    t0 = time.time()
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Đăng xuất").click()
    page.get_by_role("button", name="Đăng nhập bằng tài khoản cơ quan").wait_for()
    assert page.url.startswith(base)
    assert auth_cookie(page) is None
    print(f"sign-out: {time.time() - t0:.1f} s")


@pytest.mark.browser
def test_real_provider_journey(sqlite_engine, sqlite_url, chromium_path, tmp_path):
    from itsdangerous import URLSafeTimedSerializer

    require_node = shutil.which("node") and (ROOT / "node_modules" / "oidc-provider").exists()
    from tests.conftest import require

    require(bool(require_node), "node with node_modules/oidc-provider (npm ci)")
    fixture_data.build(sqlite_engine, demo=True)  # demo marker present: [auth] must still win
    app_port, op_port = free_port(), free_port()
    client_id, client_secret = "thuocdo-test", secrets.token_hex(16)
    base = f"http://localhost:{app_port}"
    work = app_dir(tmp_path, toml_secrets(app_port, op_port, client_id, client_secret, sqlite_url))
    with (
        oidc_provider(base, op_port, client_id, client_secret) as issuer,
        streamlit_server(sqlite_url, port=app_port, cwd=work) as served,
        chromium(chromium_path) as page,
    ):
        assert served == base
        # The overview with cold caches on a shared 2-core machine can take a while.
        page.set_default_timeout(90_000)
        page.goto(base + "/")
        wait_app_idle(page, timeout=90_000)
        page.get_by_role("button", name="Đăng nhập bằng tài khoản cơ quan").wait_for()
        body = page.inner_text("body")
        assert "Đăng nhập qua hệ thống định danh của cơ quan" in body
        assert "Chế độ trình diễn" not in body and "Chọn người dùng trình diễn" not in body
        shot(page, "oidc-sign-in")

        # Each role: sign in at the provider, see the right pages and scope, sign out.
        expected = {
            "lanhdao": ("Lãnh đạo", "5", "5", {"Tổng quan"}, {"Quản trị", "Nhập dữ liệu"}),
            "kiemtra": ("Ủy ban Kiểm tra", "5", "5", {"Tổng quan"}, {"Quản trị"}),
            "truongphuong": ("Thủ trưởng đơn vị", "2", "3", {"Tổng quan"}, {"Quản trị", "Trình chiếu"}),
            "baocao": ("Báo cáo viên", "5", "5", {"Tổng quan"}, {"Quản trị", "Cảnh báo sớm"}),
            "quantri": ("Quản trị viên", "5", "5", {"Tổng quan", "Quản trị"}, set()),
        }
        for account, (role_label, n_units, n_officials, shown, hidden) in expected.items():
            sign_in(page, base, issuer, account)
            sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
            assert role_label in sidebar, (account, sidebar)
            assert metric_value(page, "Đơn vị") == n_units, account
            assert metric_value(page, "Cán bộ") == n_officials, account
            nav = nav_text(page)
            assert all(p in nav for p in shown) and not any(p in nav for p in hidden), (account, nav)
            shot(page, f"oidc-{account}")
            if account == "truongphuong":
                # A typed URL is a new session: the cookie keeps them signed in, the scope holds.
                page.goto(base + "/unit?unit=HN.P.BADINH")
                page.get_by_text("Không có quyền xem nội dung này", exact=False).wait_for()
                assert "Không có quyền xem nội dung này" in page.inner_text("body")
                shot(page, "oidc-unit-head-refused-unit")
            if account == "quantri":
                page.goto(base + "/admin")
                page.get_by_role("heading", name="Quản trị").wait_for()
                wait_app_idle(page, timeout=90_000)
                assert "Thêm hoặc sửa người dùng" in page.inner_text("body")
                shot(page, "oidc-admin")
            sign_out(page, base)

        # No role claim and not in the users table: the Vietnamese "no access" page.
        sign_in(page, base, issuer, "khach")
        body = page.inner_text("body")
        assert "Không có quyền truy cập" in body
        assert "Tài khoản khach@hanoi.test chưa được cấp quyền sử dụng Thước Đo." in body
        assert not page.locator('[data-testid="stMetric"]').count()
        assert "Traceback" not in body
        shot(page, "oidc-no-role")
        page.get_by_role("button", name="Đăng xuất").click()
        page.get_by_role("button", name="Đăng nhập bằng tài khoản cơ quan").wait_for()

        # No role claim, but the users table (the admin page's path) gives one.
        save_user(
            sqlite_engine, "quantri@hanoi.test", "bangbien@hanoi.test", "Hoàng Văn Bảng", "inspector", "HN.P.BADINH"
        )
        sign_in(page, base, issuer, "bangbien")
        assert metric_value(page, "Đơn vị") == "1"
        assert "HN.P.BADINH" in page.locator('[data-testid="stSidebar"]').inner_text()
        sign_out(page, base)

        # A tampered session cookie is refused: a forged one and an altered genuine one.
        sign_in(page, base, issuer, "lanhdao")
        genuine = auth_cookie(page)
        assert genuine is not None
        forged = URLSafeTimedSerializer("not-the-secret", salt="_streamlit_user").dumps(
            json.dumps(
                {
                    "email": "khach@hanoi.test",
                    "name": "Kẻ giả mạo",
                    "thuocdo_role": "admin",
                    "is_logged_in": True,
                    "provider": "default",
                    "origin": base,
                }
            )
        )
        payload, stamp, signature = genuine["value"].rsplit(".", 2)
        altered = f"{payload}.{stamp}.{signature[:-4]}{'AAAA' if not signature.endswith('AAAA') else 'BBBB'}"
        for value in (forged, altered):
            page.context.add_cookies([{**genuine, "value": value}])
            page.goto(base + "/admin")
            page.get_by_role("button", name="Đăng nhập bằng tài khoản cơ quan").wait_for()
            wait_app_idle(page, timeout=90_000)
            body = page.inner_text("body")
            assert "Thêm hoặc sửa người dùng" not in body and not page.locator('[data-testid="stMetric"]').count()
        shot(page, "oidc-tampered-cookie")

    with sqlite_engine.connect() as conn:
        events = conn.execute(select(access_log.c.actor, access_log.c.action)).fetchall()
    events = {tuple(e) for e in events}
    for email in ("lanhdao", "kiemtra", "truongphuong", "baocao", "quantri", "bangbien"):
        assert (f"{email}@hanoi.test", "sign_in") in events
        assert (f"{email}@hanoi.test", "sign_out") in events
    assert ("khach@hanoi.test", "refused") in events
