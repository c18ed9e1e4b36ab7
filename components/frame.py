"""The frame around every page: page config, language, user box, shared filters."""

from __future__ import annotations

import re

import streamlit as st
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from components import theme
from components.auth import auth_mode, current_user, sign_out
from components.filters import sidebar_filters
from components.i18n import LANG_KEY, lang, t
from queries.db import get_engine
from thuocdo.domain.access import User
from thuocdo.i18n import LANGS

# URL values longer than this are cut: no legitimate parameter comes near it.
MAX_PARAM_LEN = 500
_CONTROL = dict.fromkeys([*range(0, 32), 127])


def clean_query_params() -> None:
    """Drop control characters (NUL above all) from URL values and cut them to length.

    PostgreSQL refuses a NUL byte in any text parameter, so a typed ``?unit=%00`` would
    otherwise fail every query and the refusal log itself; nothing legitimate has one.
    """
    for key in list(st.query_params.keys()):
        values = st.query_params.get_all(key)
        cleaned = [v.translate(_CONTROL)[:MAX_PARAM_LEN] for v in values]
        if cleaned != values:
            st.query_params[key] = cleaned[0] if len(cleaned) == 1 else cleaned


def configure_page() -> None:
    st.set_page_config(page_title="Thước Đo", page_icon=":material/straighten:", layout="wide")
    clean_query_params()
    theme.enable()
    if LANG_KEY not in st.session_state:
        st.session_state[LANG_KEY] = lang()


def language_switch() -> None:
    labels = {"vi": "Tiếng Việt", "en": "English"}
    st.sidebar.selectbox(t("app.language"), LANGS, format_func=labels.get, key=LANG_KEY)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-!|<>~$:])")  # "." is safe mid-line; codes like HN.P.X stay readable


def md_escape(text: str) -> str:
    """Text from data (names from imports or an identity provider) as literal markdown.

    Every markdown-significant ASCII character is backslash-escaped, so a name such as
    ``[x](javascript:...)`` or ``![](http://...)`` shows as typed, never as a link,
    an image, a heading or an icon code.
    """
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def user_box(user: User) -> None:
    sb = st.sidebar
    scope = md_escape(user.unit_code) if user.unit_code else t("auth.scope_city")
    sb.markdown(f"**{t('auth.signed_in_as', name=md_escape(user.name))}**")
    sb.caption(t("auth.role_scope", role=t(f"role.{user.role}") if user.role else "—", scope=scope))
    if sb.button(t("auth.sign_out"), key="sign_out", icon=":material/logout:"):
        sign_out()


def sidebar(user: User | None) -> None:
    language_switch()
    if user is not None and user.role is not None:
        user_box(user)
        sidebar_filters(user)
    elif auth_mode() == "demo":
        st.sidebar.caption(t("auth.demo_banner"))


def signed_in_user() -> User | None:
    return current_user()


def probe_database() -> None:
    """Raise the driver's error now when the database cannot be reached."""
    with get_engine().connect() as conn:
        conn.execute(text("SELECT 1"))


def db_failure(exc: BaseException) -> bool:
    """True when ``exc`` means the database is unreachable (then forget the dead pool).

    Connection-level errors only: a bad SQL statement is a bug and must not hide behind
    "the database is unavailable".
    """
    dead = (
        isinstance(exc, (OperationalError, InterfaceError, PoolTimeoutError))
        or type(exc) is DatabaseError  # SQLite: "file is not a database" (corrupt or foreign file)
        or (isinstance(exc, DBAPIError) and exc.connection_invalidated)
    )
    if dead:
        _forget_engine()
    return dead


def _forget_engine() -> None:
    # Drop pooled connections and the cached engine, so the next run connects afresh;
    # cached "no demo marker" answers computed while the database was down go too.
    from queries.users import demo_mode_marker

    try:
        get_engine().dispose()
    except Exception:  # disposing a broken pool may itself fail; the cache is cleared anyway
        pass
    get_engine.clear()
    demo_mode_marker.clear()
