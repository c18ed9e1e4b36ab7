"""Overview: the whole scope at a glance."""

import streamlit as st

from components.auth import require_role
from components.filters import current_org, current_period
from components.i18n import num, pct, period as fmt_period, t
from queries.overview import headline

user = require_role("overview")

st.title(t("overview.title"))
period = current_period(user)
if period is None:
    st.info(t("common.no_data"))
    st.stop()
org = current_org(user)
scope = user.scope
if org is not None:
    from thuocdo.domain.access import Scope

    scope = Scope(org["path"], user.scope.pseudonymise)
st.caption(t("overview.caption", period=fmt_period(period), scope=org["name"] if org else (user.unit_code or t("auth.scope_city"))))

now = headline(scope, period.start, period.end)
prev_p = period.previous()
prev = headline(scope, prev_p.start, prev_p.end)


def delta(a, b, scale=1.0, decimals=1):
    if a is None or b is None or a != a or b != b:
        return None
    return num((a - b) * scale, decimals)


c = st.columns(5)
c[0].metric(t("overview.units"), num(now["n_units"]))
c[1].metric(t("overview.officials"), num(now["n_officials"]))
c[2].metric(t("overview.avg_final"), num(now["avg_final"], 1), delta(now["avg_final"], prev["avg_final"]))
c[3].metric(
    t("overview.satisfaction"),
    pct(now["satisfaction"]),
    delta(now["satisfaction"], prev["satisfaction"], 100),
    help=t("overview.satisfaction_help", n=num(now["n_ratings"])),
)
c[4].metric(t("overview.open_warnings"), num(now["open_warnings"]))
