"""Thước Đo — frame and router: page config, sign-in, navigation, shared filters."""

import streamlit as st
from sqlalchemy.exc import OperationalError

from components.frame import configure_page, sidebar, signed_in_user
from components.i18n import t
from components.nav import build_pages

configure_page()
try:
    user = signed_in_user()
    pages = build_pages(user)
    anonymous = user is None or user.role is None
    pg = st.navigation(list(pages.values()), position="hidden" if anonymous else "sidebar")
    sidebar(user)
    pg.run()
except OperationalError:
    st.error(t("app.db_unavailable"))
    if st.button(t("app.retry")):
        st.rerun()
