"""``init``: create the schema or upgrade it to the newest migration."""

from __future__ import annotations

from thuocdo.cli import emit
from thuocdo.store.db import init_db
from thuocdo.store.engine import database_url, make_engine


def register(sub) -> None:
    p = sub.add_parser("init", help="tạo hoặc nâng cấp lược đồ CSDL / create or upgrade the schema")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args) -> int:
    url = database_url()
    engine = make_engine(url)
    result = init_db(engine)
    engine.dispose()
    safe_url = engine.url.render_as_string(hide_password=True)
    payload = {"database": safe_url, **result}
    verb = "Đã nâng cấp" if result["upgraded"] else "Đã cập nhật sẵn"
    emit(args, payload, f"{verb} lược đồ: {safe_url} (revision {result['revision']})")
    return 0
