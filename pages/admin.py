"""Administration: users (roles and unit scopes for the users-table sign-in path), their
change history, and the access log with filters and formula-safe exports.

URL state: tab is not kept (the page is short); the access-log filters live in widgets.
"""

import datetime as dt

import pandas as pd
import streamlit as st

from components.auth import require_role
from components.i18n import t
from components.tables import csv_bytes, xlsx_bytes
from queries import admin as q
from queries.admin import sign_in_user
from queries.db import get_engine
from queries.officials import MAX_LOG_ROWS, access_log
from queries.units import units_in_scope
from thuocdo.domain.access import ROLES
from thuocdo.store.audit import log_access
from thuocdo.store.users import UserError, save_user

user = require_role("admin")

scope = user.scope
city_wide = scope.unit_path == "/"
st.title(t("admin.title"))
st.caption(t("admin.caption", scope=user.unit_code or t("auth.scope_city")))

FLASH = "_admin_flash"
# Access-log actions with a label in locales/*/admin.json; others are shown as stored.
ACTIONS = ("view_official", "refused", "export", "sign_in", "sign_out")
NEW = "__new__"


def role_label(role) -> str:
    return t(f"role.{role}") if role in ROLES else t("admin.form.no_role")


def yes_no(value) -> str:
    return t("admin.yes") if value else t("admin.no")


def describe(before: dict | None, after: dict | None) -> str:
    """A one-line account of a change: 'vai trò: Lãnh đạo → Thủ trưởng đơn vị; …'."""
    if before is None:
        return t("admin.history.created")
    parts = []
    for field in ("name", "role", "unit_code", "active"):
        a, b = (before or {}).get(field), (after or {}).get(field)
        if a == b:
            continue
        if field == "role":
            a, b = role_label(a), role_label(b)
        elif field == "active":
            a, b = yes_no(a), yes_no(b)
        elif field == "unit_code":
            a, b = a or t("admin.form.city"), b or t("admin.form.city")
        parts.append(f"{t('admin.field.' + field)}: {a} → {b}")
    return "; ".join(parts)


def summary(snap: dict | None) -> str:
    if not snap:
        return "—"
    unit = snap.get("unit_code") or t("admin.form.city")
    return f"{snap.get('name')} · {role_label(snap.get('role'))} · {unit} · {yes_no(snap.get('active'))}"


def log_export(kind: str, fmt: str) -> None:
    log_access(get_engine(), user.email, user.role, "export", kind, fmt)


tab_users, tab_history, tab_log = st.tabs([t("admin.tab.users"), t("admin.tab.history"), t("admin.tab.access_log")])

# --- users ----------------------------------------------------------------------------
with tab_users:
    flash = st.session_state.pop(FLASH, None)
    if flash:
        st.success(flash, icon=":material/check_circle:")
    st.caption(t("admin.users.intro"))
    people = q.users(scope)
    if people.empty:
        st.info(t("admin.users.empty"))
    else:
        shown = pd.DataFrame(
            {
                t("admin.col.email"): people["email"],
                t("admin.col.name"): people["name"],
                t("admin.col.role"): people["role"].map(role_label),
                t("admin.col.unit"): people["unit_name"].fillna(t("admin.form.city")),
                t("admin.col.active"): people["active"],
                t("admin.col.demo"): people["is_demo"],
            }
        )
        st.dataframe(shown, hide_index=True, width="stretch", key="admin_users_table")

    st.subheader(t("admin.form.title"))
    editable = people[~people["is_demo"]] if not people.empty else people
    emails = [NEW, *editable["email"].tolist()] if not editable.empty else [NEW]
    picked = st.selectbox(
        t("admin.form.pick"), emails, format_func=lambda e: t("admin.form.new") if e == NEW else e, key="admin_pick"
    )
    current = {} if picked == NEW else editable[editable["email"] == picked].iloc[0].to_dict()
    units = units_in_scope(scope)
    unit_options = ([""] if city_wide else []) + units["code"].tolist()
    unit_names = dict(zip(units["code"], units["name"], strict=False))
    role_options = ["", *ROLES]
    with st.form(f"admin_user_form_{picked}", border=True):
        email = st.text_input(
            t("admin.form.email"),
            value=current.get("email", ""),
            disabled=picked != NEW,
            max_chars=200,
            key=f"admin_email_{picked}",
        )
        name = st.text_input(
            t("admin.form.name"), value=current.get("name") or "", max_chars=200, key=f"admin_name_{picked}"
        )
        c1, c2 = st.columns(2)
        role = c1.selectbox(
            t("admin.form.role"),
            role_options,
            index=role_options.index(current.get("role") or "") if (current.get("role") or "") in role_options else 0,
            format_func=lambda r: role_label(r or None),
            key=f"admin_role_{picked}",
        )
        unit_now = current.get("unit_code") or ""
        unit = c2.selectbox(
            t("admin.form.unit"),
            unit_options,
            index=unit_options.index(unit_now) if unit_now in unit_options else 0,
            format_func=lambda c: f"{unit_names[c]} ({c})" if c else t("admin.form.city"),
            key=f"admin_unit_{picked}",
        )
        active = st.checkbox(
            t("admin.form.active"), value=bool(current.get("active", True)), key=f"admin_active_{picked}"
        )
        submitted = st.form_submit_button(t("admin.form.save"), type="primary", icon=":material/save:")
    if submitted:
        try:
            result = save_user(
                get_engine(),
                actor=user.email,
                email=email if picked == NEW else picked,
                name=name,
                role=role or None,
                unit_code=unit or None,
                active=active,
                actor_scope=scope.unit_path,
            )
        except UserError as err:
            st.error(t(err.key, **err.params))
        else:
            q.users.clear()
            sign_in_user.clear()
            message = t("admin.saved", email=result["after"]["email"]) if result["changed"] else t("admin.unchanged")
            st.session_state[FLASH] = message
            st.rerun()

# --- change history -------------------------------------------------------------------
with tab_history:
    all_emails = people["email"].tolist() if not people.empty else []
    only = st.selectbox(
        t("admin.history.filter"),
        ["", *all_emails],
        format_func=lambda e: e or t("admin.history.all"),
        key="admin_history_email",
    )
    changes = q.user_changes(scope, only)
    if changes.empty:
        st.info(t("admin.history.empty"))
    else:
        table = pd.DataFrame(
            {
                t("admin.col.at"): pd.to_datetime(changes["at"]).dt.strftime("%d/%m/%Y %H:%M:%S"),
                t("admin.col.actor"): changes["actor"],
                t("admin.col.user"): changes["user_email"],
                t("admin.col.change"): [
                    describe(b, a) for b, a in zip(changes["before"], changes["after"], strict=True)
                ],
                t("admin.col.before"): changes["before"].map(summary),
                t("admin.col.after"): changes["after"].map(summary),
            }
        )
        st.dataframe(table, hide_index=True, width="stretch", key="admin_history_table")

# --- access log -----------------------------------------------------------------------
with tab_log:
    if not city_wide:
        st.info(t("admin.log.city_only"))
    else:
        facets = q.access_log_facets(scope)
        actors = sorted(set(facets["actor"].tolist())) if not facets.empty else []
        actions = sorted(set(facets["action"].tolist())) if not facets.empty else []
        today = dt.date.today()
        c1, c2, c3 = st.columns([2, 2, 3])
        actor = c1.selectbox(
            t("admin.log.actor"),
            ["", *actors],
            format_func=lambda a: a or t("admin.log.actor_all"),
            key="admin_log_actor",
        )
        action = c2.selectbox(
            t("admin.log.action"),
            ["", *actions],
            key="admin_log_action",
            format_func=lambda a: t(f"admin.action.{a}") if a in ACTIONS else (a or t("admin.log.action_all")),
        )
        dates = c3.date_input(
            t("admin.log.dates"),
            value=(today - dt.timedelta(days=30), today),
            format="DD/MM/YYYY",
            key="admin_log_dates",
        )
        if not isinstance(dates, (tuple, list)) or len(dates) != 2:
            st.info(t("admin.log.bad_dates"))
        else:
            since, until = dates
            log = access_log(scope, since, until, actor=actor, action=action)
            st.caption(t("admin.log.count", n=len(log), max=MAX_LOG_ROWS))
            if log.empty:
                st.info(t("admin.log.empty"))
            else:
                out = pd.DataFrame(
                    {
                        t("admin.col.at"): pd.to_datetime(log["at"]).dt.strftime("%d/%m/%Y %H:%M:%S"),
                        t("admin.col.actor"): log["actor"],
                        t("admin.col.role"): log["role"].map(lambda r: t(f"role.{r}") if r in ROLES else (r or "")),
                        t("admin.col.action"): log["action"].map(
                            lambda a: t(f"admin.action.{a}") if a in ACTIONS else a
                        ),
                        t("admin.col.target_type"): log["target_type"].fillna(""),
                        t("admin.col.target"): log["target"].fillna(""),
                        t("admin.col.official"): log["official_name"].fillna(""),
                        t("admin.col.purpose"): log["purpose"].fillna(""),
                        t("admin.col.detail"): log["detail"].fillna(""),
                    }
                )
                st.dataframe(out, hide_index=True, width="stretch", key="admin_log_table")
                name = f"nhat-ky-truy-cap-{since:%Y%m%d}-{until:%Y%m%d}"
                d1, d2, _ = st.columns([1, 1, 4])
                d1.download_button(
                    t("admin.download_csv"),
                    csv_bytes(out),
                    f"{name}.csv",
                    "text/csv",
                    key="admin_log_csv",
                    icon=":material/download:",
                    on_click=log_export,
                    args=("access_log", "csv"),
                )
                d2.download_button(
                    t("admin.download_xlsx"),
                    xlsx_bytes(out, "access_log"),
                    f"{name}.xlsx",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    key="admin_log_xlsx",
                    icon=":material/download:",
                    on_click=log_export,
                    args=("access_log", "xlsx"),
                )
