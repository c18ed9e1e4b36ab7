"""``user``: list users or set one user's role and unit scope (the users-table sign-in path).

The first administrator of a deployment whose identity provider sends no role claim is
created here: ``python -m thuocdo user set quantri@so.hanoi.gov.vn --name "..." --role admin``.
Every change is recorded in ``user_changes`` like a change made on the admin page.
"""

from __future__ import annotations

import getpass

from sqlalchemy import select

from thuocdo.cli import emit
from thuocdo.domain.access import ROLES
from thuocdo.store.engine import make_engine
from thuocdo.store.schema import units, users
from thuocdo.store.users import UserError, save_user


def register(sub) -> None:
    p = sub.add_parser("user", help="người dùng, vai trò, phạm vi / users, roles, scopes")
    actions = p.add_subparsers(dest="user_action", required=True, metavar="ACTION")
    ls = actions.add_parser("list", help="liệt kê người dùng / list users")
    ls.add_argument("--json", action="store_true", help="print one JSON object")
    ls.set_defaults(func=run_list)
    st = actions.add_parser("set", help="tạo hoặc sửa một người dùng / create or update a user")
    st.add_argument("email")
    st.add_argument("--name", required=True, help="họ và tên / full name")
    st.add_argument("--role", choices=ROLES, help="vai trò; bỏ trống = không có quyền / role; omit = no access")
    st.add_argument("--unit", help="mã đơn vị phạm vi; bỏ trống = toàn thành phố / scope unit code; omit = whole city")
    st.add_argument("--inactive", action="store_true", help="khóa tài khoản / lock the account")
    st.add_argument(
        "--actor", default=f"cli:{getpass.getuser()}", help="người thực hiện (ghi lịch sử) / who, for the history"
    )
    st.add_argument("--json", action="store_true", help="print one JSON object")
    st.set_defaults(func=run_set)


def run_list(args) -> int:
    engine = make_engine()
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                users.c.email,
                users.c.name,
                users.c.role,
                units.c.code.label("unit_code"),
                users.c.active,
                users.c.is_demo,
            )
            .select_from(users.outerjoin(units, units.c.id == users.c.unit_id))
            .order_by(users.c.email)
        ).fetchall()
    engine.dispose()
    people = [{**r._asdict(), "active": bool(r.active), "is_demo": bool(r.is_demo)} for r in rows]
    lines = [
        f"{p['email']}\t{p['role'] or '-'}\t{p['unit_code'] or 'toàn thành phố'}\t"
        f"{'hoạt động' if p['active'] else 'đã khóa'}"
        for p in people
    ]
    emit(args, {"users": people}, "\n".join(lines) if lines else "Chưa có người dùng.")
    return 0


def run_set(args) -> int:
    engine = make_engine()
    try:
        result = save_user(engine, args.actor, args.email, args.name, args.role, args.unit, active=not args.inactive)
    except UserError as err:
        emit(args, {"ok": False, "error": err.key, **err.params}, f"Không lưu được: {err.key}")
        return 2
    finally:
        engine.dispose()
    verb = "Đã lưu" if result["changed"] else "Không có gì thay đổi"
    emit(
        args,
        {"ok": True, **result},
        f"{verb}: {result['after']['email']} ({result['after']['role'] or 'không có vai trò'})",
    )
    return 0
