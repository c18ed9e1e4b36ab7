"""The frame around every page: page config, language, user box, shared filters."""

from __future__ import annotations

import streamlit as st

from components import theme
from components.auth import auth_mode, current_user, sign_out
from components.filters import sidebar_filters
from components.i18n import LANG_KEY, lang, t
from thuocdo.domain.access import User
from thuocdo.i18n import LANGS


def configure_page() -> None:
    st.set_page_config(page_title="Thước Đo", page_icon=":material/straighten:", layout="wide")
    theme.enable()
    if LANG_KEY not in st.session_state:
        st.session_state[LANG_KEY] = lang()


def language_switch() -> None:
    labels = {"vi": "Tiếng Việt", "en": "English"}
    st.sidebar.selectbox(t("app.language"), LANGS, format_func=labels.get, key=LANG_KEY)


def user_box(user: User) -> None:
    sb = st.sidebar
    scope = user.unit_code or t("auth.scope_city")
    sb.markdown(f"**{t('auth.signed_in_as', name=user.name)}**")
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
