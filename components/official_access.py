"""Privacy gate of an official's page: refuse outside the scope, ask for a purpose, log both.

The purpose is asked once per session per official (Personal Data Protection Law
91/2025/QH15: purpose limitation and logging); the core module
:mod:`thuocdo.store.access_log` writes the records so other pages can reuse it.
"""

from __future__ import annotations

import streamlit as st

from components.i18n import t
from queries.db import get_engine
from thuocdo.domain.access import User
from thuocdo.store.access_log import PURPOSES, PurposeError, official_code_for, record_refusal, record_view

PURPOSES_KEY = "official_purposes"  # session: {official id: stored purpose}
_REFUSED_KEY = "official_refused"  # session: refs already logged (a rerun is not a new attempt)


def given_purpose(official_id: int) -> str | None:
    """The purpose this session gave for the official ``official_id``, if any."""
    return st.session_state.get(PURPOSES_KEY, {}).get(int(official_id))


def refuse_official(user: User, ref: str) -> None:
    """Refuse a request for an official outside the user's scope (or unknown); log it; stop."""
    seen = st.session_state.setdefault(_REFUSED_KEY, set())
    key = str(ref)[:64]
    if key not in seen:
        seen.add(key)
        record_refusal(get_engine(), user.email, user.role, key)
    st.error(t("official.refused"))
    st.caption(t("official.refused_help"))
    st.stop()


def purpose_gate(user: User, profile: dict) -> str:
    """Return the purpose given for this official, or ask for it (form) and stop the page."""
    official_id = int(profile["id"])
    done = given_purpose(official_id)
    if done:
        return done
    st.subheader(t("official.purpose_title"))
    st.write(t("official.purpose_intro", name=profile["display_name"]))
    with st.form("official_purpose_form"):
        choice = st.radio(
            t("official.purpose_label"),
            PURPOSES,
            format_func=lambda c: t(f"official.purpose.{c}"),
            index=None,
            key="official_purpose_choice",
        )
        note = st.text_input(t("official.purpose_note"), max_chars=300, key="official_purpose_note")
        submitted = st.form_submit_button(t("official.purpose_submit"), type="primary")
    st.caption(t("official.purpose_privacy"))
    if submitted:
        if choice is None:
            st.error(t("official.purpose_missing"))
        else:
            # A presenter's profile carries a pseudonym; the log names the real official.
            engine = get_engine()
            log_code = official_code_for(engine, str(official_id)) or str(official_id)
            try:
                stored = record_view(engine, user.email, user.role, log_code, choice, note)
            except PurposeError:
                st.error(t("official.purpose_other_needs_note"))
            else:
                st.session_state.setdefault(PURPOSES_KEY, {})[official_id] = stored
                st.rerun()
    st.stop()
    return ""  # unreachable: st.stop() raises
