"""Sign-in and the role guard that every page calls first.

Two ways in:
- **OpenID Connect** (production) through ``st.login`` whenever ``[auth]`` is present
  in ``.streamlit/secrets.toml``. Demo mode is then off, always.
- **Demo mode**, only when no ``[auth]`` is configured, ``THUOCDO_ENV`` is not
  ``production``, AND the database carries the demo marker written by
  ``python -m thuocdo seed-demo``. A production database never has that marker, so a
  forgotten ``[auth]`` section gives "sign-in is not configured", never an open door.

A demo sign-in lives in the session only: a full page reload (F5, a typed URL) shows
the sign-in screen again on the same address, and after choosing a user the page opens
with its parameters intact.
"""

from __future__ import annotations

import os

import streamlit as st
from streamlit.errors import StreamlitAuthError

from components.i18n import t
from components.router import ensure_frame
from queries.admin import sign_in_user
from queries.db import get_engine
from queries.users import demo_mode_marker, demo_users, unit_path, user_by_email
from thuocdo.domain.access import ROLES, User
from thuocdo.store.audit import log_access

DEMO_KEY = "demo_user_email"
_REFUSALS_LOGGED = "_refusals_logged"


def oidc_configured() -> bool:
    """True when ``[auth]`` is configured in the secrets."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def auth_settings() -> dict:
    """The ``[thuocdo_auth]`` secrets: role_claim, unit_claim, role_source (see the README)."""
    try:
        return dict(st.secrets.get("thuocdo_auth", {}))
    except Exception:
        return {}


def auth_mode() -> str:
    """'oidc', 'demo' or 'unconfigured'."""
    if oidc_configured():
        return "oidc"
    if os.environ.get("THUOCDO_ENV", "").strip().lower() == "production":
        return "unconfigured"
    return "demo" if demo_mode_marker() else "unconfigured"


def _user_from_row(row: dict, demo: bool) -> User:
    return User(
        email=row["email"],
        name=row["name"],
        role=row["role"] if row.get("role") in ROLES else None,
        unit_code=row.get("unit_code"),
        unit_path=row.get("unit_path") or "/",
        demo=demo,
    )


ROLE_SOURCES = ("auto", "claims", "users")
UNIT_ROLES = ("unit_head",)  # a role that makes no sense without a unit


def _claim_role(value) -> str | None:
    """The first known role in a claim that is a string, a list, or space/comma separated."""
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    if isinstance(value, (list, tuple)):
        return next((str(r).strip() for r in value if str(r).strip() in ROLES), None)
    return None


def resolve_claims(claims: dict) -> tuple[User, str | None]:
    """The user an ID token describes, and why they have no access (None when they do).

    Role and unit come from the claims named in ``[thuocdo_auth]`` (``role_claim``,
    ``unit_claim``); when the token carries no known role, from the users table by
    e-mail (``role_source = "auto"``, the default; "claims" or "users" use one only).
    A users-table row marked inactive locks the person out whatever the token says.
    """
    cfg = auth_settings()
    role_claim = str(cfg.get("role_claim") or "thuocdo_role")
    unit_claim = str(cfg.get("unit_claim") or "thuocdo_unit")
    source = str(cfg.get("role_source") or "auto").lower()
    source = source if source in ROLE_SOURCES else "auto"
    email = str(claims.get("email") or "").strip().lower()
    name = str(claims.get("name") or email or "—")

    def refused(reason: str, unit: str | None = None) -> tuple[User, str]:
        return User(email, name, None, unit, "/", demo=False), reason

    if not email:
        return refused("no e-mail claim")
    row = sign_in_user(email)
    if row is not None and (row["is_demo"] or not row["active"]):
        return refused("demo user" if row["is_demo"] else "deactivated")
    role = _claim_role(claims.get(role_claim)) if source in ("auto", "claims") else None
    if role is not None:
        unit_code = claims.get(unit_claim)
        if isinstance(unit_code, (list, tuple)):
            unit_code = unit_code[0] if len(unit_code) == 1 else None
        unit_code = str(unit_code).strip() if unit_code else None
        path = unit_path(unit_code) if unit_code else "/"
        if path is None:
            return refused("unknown unit", unit_code)
        if role in UNIT_ROLES and unit_code is None:
            return refused("unit role without unit")
        return User(email, name, role, unit_code, path, demo=False), None
    if source in ("auto", "users") and row is not None and row.get("role") in ROLES:
        if row["role"] in UNIT_ROLES and not row.get("unit_code"):
            return refused("unit role without unit")
        return _user_from_row(
            {**row, "name": row.get("name") or name, "unit_path": row.get("unit_path") or "/"}, demo=False
        ), None
    return refused("no role")


def user_from_claims(claims: dict) -> User:
    """Build the user from ID-token claims, falling back to the users table by e-mail."""
    return resolve_claims(claims)[0]


def current_user() -> User | None:
    """The signed-in user, or None."""
    mode = auth_mode()
    if mode == "oidc":
        if not st.user.get("is_logged_in", False):
            return None
        user, reason = resolve_claims(st.user.to_dict())
        if reason is None:
            _log_once(user, "sign_in", "session", "oidc")
        return user
    if mode == "demo":
        email = st.session_state.get(DEMO_KEY)
        if not email:
            return None
        row = user_by_email(email)
        return _user_from_row(row, demo=True) if row else None
    return None


def demo_banner() -> None:
    st.warning(t("auth.demo_banner"), icon=":material/science:")


def sign_in_screen(mode: str) -> None:
    st.title(t("app.name"))
    st.caption(t("app.tagline"))
    if mode == "oidc":
        st.subheader(t("auth.sign_in"))
        st.write(t("auth.oidc_intro"))
        if st.button(t("auth.sign_in_button"), type="primary", key="oidc_login", icon=":material/login:"):
            try:
                st.login()
            except StreamlitAuthError as err:  # an incomplete [auth] section: say so, no trace
                st.error(t("auth.oidc_misconfigured"))
                st.caption(str(err)[:300])
        st.caption(t("auth.oidc_note"))
        return
    if mode == "unconfigured":
        st.error(t("auth.unconfigured"))
        st.markdown(t("auth.unconfigured_help"))
        return
    st.subheader(t("auth.demo_choose"))
    st.write(t("auth.demo_intro"))
    users = demo_users()
    if users.empty:
        st.info(t("auth.demo_no_users"))
        return
    for row in users.itertuples(index=False):
        scope = row.unit_name if isinstance(row.unit_name, str) and row.unit_name else t("auth.scope_city")
        with st.container(border=True):
            left, right = st.columns([4, 1], vertical_alignment="center")
            left.markdown(f"**{t('role.' + row.role)}** — {row.name}")
            left.caption(t("auth.demo_user_line", email=row.email, scope=scope))
            if right.button(t("auth.demo_enter"), key=f"demo_{row.role}", use_container_width=True):
                st.session_state[DEMO_KEY] = row.email
                st.rerun()


def sign_out() -> None:
    if auth_mode() == "oidc":
        if st.user.get("is_logged_in", False):
            user, _reason = resolve_claims(st.user.to_dict())
            log_access(get_engine(), user.email, user.role, "sign_out", "session", "oidc")
        st.session_state.pop(_REFUSALS_LOGGED, None)
        st.logout()
    else:
        st.session_state.pop(DEMO_KEY, None)
        st.rerun()


def no_access_screen(user: User) -> None:
    """The page a signed-in person without a role sees: who they are, what to do."""
    st.title(t("app.name"))
    st.subheader(t("auth.no_access_title"))
    st.error(t("auth.no_role", email=user.email or "—"), icon=":material/block:")
    st.markdown(t("auth.no_role_help"))
    if st.button(t("auth.sign_out"), key="no_role_sign_out", icon=":material/logout:"):
        sign_out()


def _log_once(user: User, action: str, target_type: str, target: str, detail: str | None = None) -> None:
    seen = st.session_state.setdefault(_REFUSALS_LOGGED, set())
    key = (action, target_type, target)
    if key in seen:
        return
    seen.add(key)
    log_access(get_engine(), user.email, user.role, action, target_type, target, detail=detail)


def require_role(page_key: str) -> User:
    """Stop the page unless a signed-in user whose role may open ``page_key`` is here."""
    ensure_frame()
    mode = auth_mode()
    if mode == "demo":
        demo_banner()
    user = current_user()
    if user is None:
        sign_in_screen(mode)
        st.stop()
    if user.role is None:
        no_access_screen(user)
        reason = resolve_claims(st.user.to_dict())[1] if mode == "oidc" else "no role"
        _log_once(user, "refused", "page", page_key, detail=reason or "no role")
        st.stop()
    if not user.may_open(page_key):
        st.error(t("auth.no_access_page"))
        _log_once(user, "refused", "page", page_key)
        st.stop()
    return user


def refuse(user: User, target_type: str, target: str) -> None:
    """Refuse a URL parameter that names something outside the user's scope; log it."""
    st.error(t("auth.refused_target"))
    _log_once(user, "refused", target_type, str(target)[:200], detail="outside scope or unknown")
    st.stop()
