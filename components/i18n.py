"""The app's language and formatting, bound to the session's chosen language."""

from __future__ import annotations

import streamlit as st

from thuocdo import i18n as core

LANG_KEY = "lang"


def lang() -> str:
    """The session's language: 'vi' (default) or 'en'."""
    value = st.session_state.get(LANG_KEY)
    if value in core.LANGS:
        return value
    param = st.query_params.get("lang")
    return param if param in core.LANGS else core.DEFAULT_LANG


def t(key: str, **params) -> str:
    return core.t(key, lang(), **params)


def num(value, decimals: int = 0) -> str:
    return core.fmt_number(value, lang(), decimals)


def pct(value, decimals: int = 1) -> str:
    return core.fmt_percent(value, lang(), decimals)


def date(value) -> str:
    return core.fmt_date(value, lang())


def datetime(value) -> str:
    return core.fmt_datetime(value, lang())


def month(m: int) -> str:
    return core.fmt_month(m, lang())


def period(p) -> str:
    return core.fmt_period(p, lang())
