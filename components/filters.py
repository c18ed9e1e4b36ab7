"""The shared filters (period, unit subtree), kept in the URL so views can be shared.

URL parameters: ``period`` (``2026-10``, ``2026-Q3``, ``2026-H1``, ``2026``,
``2026-01..2026-06``) and ``org`` (a unit code: narrow the view to its subtree).
"""

from __future__ import annotations

import streamlit as st

from components.i18n import period as fmt_period
from components.i18n import t
from queries.units import months_with_data, units_in_scope
from thuocdo.domain.access import User
from thuocdo.domain.periods import Period, add_months

KINDS = ("month", "quarter", "half", "year", "range")


def _latest_month(user: User) -> int | None:
    months = months_with_data(user.scope)
    return months[0] if months else None


def current_period(user: User) -> Period | None:
    """The period in the URL, or the latest month with data in the user's scope."""
    raw = st.query_params.get("period")
    if raw:
        try:
            return Period.parse(raw)
        except ValueError:
            st.warning(t("filters.bad_period", value=raw[:40]))
    latest = _latest_month(user)
    return Period.month(latest) if latest else None


def current_org(user: User) -> dict | None:
    """The unit chosen as ``org`` in the URL if it is inside the user's scope."""
    code = st.query_params.get("org")
    if not code:
        return None
    units = units_in_scope(user.scope)
    hit = units[units["code"] == code]
    return None if hit.empty else hit.iloc[0].to_dict()


def _options_for(kind: str, months: list[int]) -> list[str]:
    seen: list[str] = []
    for m in months:
        key = Period.containing(m, kind).key()
        if key not in seen:
            seen.append(key)
    return seen


def _set_param(name: str, value: str | None) -> None:
    if value:
        st.query_params[name] = value
    elif name in st.query_params:
        del st.query_params[name]


def sidebar_filters(user: User) -> None:
    """Draw the period and unit-subtree pickers in the sidebar; they write the URL."""
    months = months_with_data(user.scope)
    sb = st.sidebar
    sb.subheader(t("filters.title"))
    if not months:
        sb.caption(t("filters.no_data"))
        return
    current = current_period(user) or Period.month(months[0])
    kind_labels = {k: t(f"period.kind.{k}") for k in KINDS}
    kind = sb.selectbox(
        t("filters.period_kind"),
        KINDS,
        index=KINDS.index(current.kind),
        format_func=kind_labels.get,
        key=f"f_kind_{current.kind}",
    )
    if kind == "range":
        asc = sorted(months)
        labels = {m: Period.month(m).key() for m in asc}
        start_default = current.start if current.kind == "range" and current.start in asc else add_months(asc[-1], -5)
        start_default = start_default if start_default in asc else asc[0]
        end_default = current.end if current.end in asc else asc[-1]
        c1, c2 = sb.columns(2)
        start = c1.selectbox(
            t("filters.from"),
            asc,
            index=asc.index(start_default),
            format_func=labels.get,
            key=f"f_from_{current.key()}",
        )
        end = c2.selectbox(
            t("filters.to"), asc, index=asc.index(end_default), format_func=labels.get, key=f"f_to_{current.key()}"
        )
        if start > end:
            start, end = end, start
        chosen = Period(start, end, "range")
    else:
        options = _options_for(kind, months)
        key_now = Period.containing(current.end, kind).key()
        if key_now not in options:
            # A valid period from the URL stays chosen even when it has no monthly rollups
            # (e.g. a year with annual grades only): never silently move the user elsewhere.
            options = sorted([*options, key_now], reverse=True)
        index = options.index(key_now) if key_now in options else 0
        choice = sb.selectbox(
            t("filters.period"),
            options,
            index=index,
            format_func=lambda k: fmt_period(Period.parse(k)),
            key=f"f_period_{kind}_{current.key()}",
        )
        chosen = Period.parse(choice)
    if chosen.key() != st.query_params.get("period"):
        if st.query_params.get("period") or chosen != Period.month(months[0]):
            _set_param("period", chosen.key())

    units = units_in_scope(user.scope)
    if len(units) > 1:
        codes = [""] + units["code"].tolist()
        names = dict(zip(units["code"], units["name"], strict=True))
        levels = dict(zip(units["code"], units["level"], strict=True))
        base_level = int(units["level"].min())
        org_now = st.query_params.get("org") or ""
        org = sb.selectbox(
            t("filters.org"),
            codes,
            index=codes.index(org_now) if org_now in codes else 0,
            format_func=lambda c: (
                t("filters.org_all") if not c else "\u2003" * (int(levels[c]) - base_level) + names[c]
            ),
            key=f"f_org_{org_now}",
        )
        if org != org_now:
            _set_param("org", org or None)
