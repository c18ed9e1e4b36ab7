"""``scan``: run the early-warning rules over the database and store the warnings."""

from __future__ import annotations

import argparse

from sqlalchemy import select

from thuocdo.cli import emit
from thuocdo.domain.periods import Period, split
from thuocdo.domain.warnings.reasons import rule_label
from thuocdo.domain.warnings.scan import full_scan
from thuocdo.store.engine import make_engine
from thuocdo.store.schema import officials, units


def _period(text: str) -> Period:
    try:
        return Period.parse(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"kỳ không hợp lệ / invalid period: {text!r} (YYYY-MM, YYYY-Qn, YYYY)"
        ) from None


def register(sub) -> None:
    p = sub.add_parser("scan", help="quét cảnh báo sớm / run the early-warning scan")
    p.add_argument(
        "--period",
        type=_period,
        default=None,
        help="kỳ cần quét, ví dụ 2026-10 (mặc định: mọi tháng có dữ liệu) / period, default all months",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def _ym(m: int) -> str:
    y, mo = split(int(m))
    return f"{y:04d}-{mo:02d}"


def _codes(engine, findings: list[dict]) -> tuple[dict[int, str], dict[int, str]]:
    unit_ids = sorted(
        {f["unit_id"] for f in findings} | {f["subject_id"] for f in findings if f["subject_type"] == "unit"}
    )
    off_ids = sorted({f["subject_id"] for f in findings if f["subject_type"] == "official"})
    ucodes: dict[int, str] = {}
    ocodes: dict[int, str] = {}
    with engine.connect() as conn:
        for chunk in range(0, len(unit_ids), 500):
            ids = unit_ids[chunk : chunk + 500]
            ucodes.update(
                {int(i): c for i, c in conn.execute(select(units.c.id, units.c.code).where(units.c.id.in_(ids)))}
            )
        for chunk in range(0, len(off_ids), 500):
            ids = off_ids[chunk : chunk + 500]
            ocodes.update(
                {
                    int(i): c
                    for i, c in conn.execute(select(officials.c.id, officials.c.code).where(officials.c.id.in_(ids)))
                }
            )
    return ucodes, ocodes


def run(args) -> int:
    engine = make_engine()
    try:
        summary = full_scan(engine, period=args.period, actor="cli")
        ucodes, ocodes = _codes(engine, summary["findings"])
    finally:
        engine.dispose()
    listed = []
    for f in summary["findings"]:
        code = ocodes.get(f["subject_id"]) if f["subject_type"] == "official" else ucodes.get(f["subject_id"])
        listed.append(
            {
                "id": f["warning_id"],
                "rule": f["rule"],
                "subject_type": f["subject_type"],
                "subject_code": code,
                "unit_code": ucodes.get(f["unit_id"]),
                "period": _ym(f["month"]),
                "severity": f["severity"],
                "status": f["status"],
                "change": f["action"],
            }
        )
    listed.sort(key=lambda x: (x["rule"], x["period"], x["subject_code"] or ""))
    payload = {
        "database": engine.url.render_as_string(hide_password=True),
        "config_version": summary["config_version"],
        "months": [_ym(m) for m in summary["months"]],
        "as_of": summary["as_of"],
        "rules": summary["rules"],
        "totals": summary["totals"],
        "elapsed_ms": summary["elapsed_ms"],
        "warnings": listed,
    }
    emit(args, payload, _human(payload))
    return 0


def _human(p: dict) -> str:
    if not p["months"]:
        return "Không có dữ liệu để quét / nothing to scan."
    lines = [
        f"Quét cảnh báo {p['months'][0]} … {p['months'][1]} (cấu hình phiên bản {p['config_version']}, "
        f"tính đến {p['as_of']}) — {p['elapsed_ms']:.0f} ms",
        f"{'Quy tắc':<34} {'xét':>8} {'thiếu DL':>8} {'phát hiện':>9} {'mới':>5} {'đã hết':>6}",
    ]
    for code, r in p["rules"].items():
        label = rule_label(code, "vi")
        if not r["enabled"]:
            lines.append(f"{label:<34} {'(tắt)':>8}")
            continue
        lines.append(
            f"{label:<34} {r['evaluated']:>8} {r['insufficient']:>8} {r['fired']:>9} {r.get('created', 0):>5} {r.get('cleared', 0):>6}"
        )
    t = p["totals"]
    lines.append(
        f"Tổng: {t.get('fired', 0)} cảnh báo ({t.get('created', 0)} mới, {t.get('refired', 0)} mở lại, "
        f"{t.get('cleared', 0)} đã hết điều kiện, {t.get('suppressed', 0)} bỏ qua vì đã kết luận sai)"
    )
    return "\n".join(lines)
