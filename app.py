"""Thước Đo — frame and router: page config, sign-in, navigation, shared filters."""

import logging

import streamlit as st

from components.frame import configure_page, db_failure, probe_database, sidebar, signed_in_user
from components.i18n import t
from components.nav import build_pages

configure_page()
try:
    # Probe first: a database that is down must read "unavailable", not "sign-in is not
    # configured" (the demo marker lookup treats a failing query as "no marker").
    probe_database()
    user = signed_in_user()
    pages = build_pages(user)
    anonymous = user is None or user.role is None
    pg = st.navigation(list(pages.values()), position="hidden" if anonymous else "sidebar")
    sidebar(user)
    pg.run()
except Exception as exc:  # only database failures are handled here; anything else re-raises
    if not db_failure(exc):
        raise
    logging.getLogger("thuocdo").warning("database unavailable: %s", type(exc).__name__)
    st.error(t("app.db_unavailable"), icon=":material/cloud_off:")
    if st.button(t("app.retry"), key="db_retry"):
        st.rerun()
