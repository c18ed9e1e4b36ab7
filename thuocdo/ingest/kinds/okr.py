"""OKR: objectives, their key results and check-ins, in one long table.

Each row names an objective (``objective_code``) and may define it (title, unit,
period, weight, owner), define one of its key results (``kr_code`` with title,
baseline, target, direction, weight, due date) and give a check-in (``checked_at`` and
``value``). Rows may come in any order; the first row that gives a field of an
objective or key result sets it, a later row that gives another value for it is
refused as conflicting. Natural keys: objective code, key result code, (key result,
check-in date). Changed values of an existing key are corrections (updated). After
loading, ``key_results.current`` is the value of the latest check-in.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from sqlalchemy import insert, select, update

from thuocdo.domain.periods import Period, first_day, last_day, month_key
from thuocdo.ingest import values as V
from thuocdo.ingest.kinds.base import (
    LOADED,
    MAX_CHANGES,
    PRESENT,
    UNIT_CODE,
    UNIT_NAME,
    UPDATED,
    Field,
    Kind,
    Outcome,
    Prepared,
    PrepOptions,
    Problem,
    Row,
    same,
)
from thuocdo.ingest.kinds.kpi import DIRECTIONS
from thuocdo.ingest.normalise import fold, normalise_code
from thuocdo.ingest.units import UnitIndex
from thuocdo.store.schema import key_results, kr_checkins, objectives

_QUARTER_VI = re.compile(r"^(?:quy|q)\s*([1-4])\s*(?:nam|[-/.\s])\s*(\d{4})$")
_YEAR_VI = re.compile(r"^(?:nam\s*)?(\d{4})$")
OBJ_FIELDS = ("title", "unit", "period", "weight", "owner")
KR_FIELDS = ("title", "unit_of_measure", "baseline", "target", "direction", "weight", "due_date")


def parse_okr_period(v) -> tuple[str, int, int | None] | None:
    """``2026`` → ('year', 2026, None); ``2026-Q3`` / ``Quý 3/2026`` → ('quarter', 2026, 3)."""
    s = V.clean(v)
    if s is None:
        return None
    f = fold(s)
    if m := _QUARTER_VI.match(f):
        return "quarter", int(m[2]), int(m[1])
    if m := _YEAR_VI.match(f):
        return "year", int(m[1]), None
    try:
        p = Period.parse(s)
    except ValueError:
        raise V.BadValue("import.value.not_okr_period", value=s) from None
    if p.kind == "quarter":
        return "quarter", p.start // 100, (p.start % 100 - 1) // 3 + 1
    if p.kind == "year":
        return "year", p.start // 100, None
    raise V.BadValue("import.value.not_okr_period", value=s)


@dataclass
class Def:
    """An objective or key result as the file defines it, field by field."""

    code: str
    values: dict = field(default_factory=dict)
    first_row: dict = field(default_factory=dict)
    rows: list[int] = field(default_factory=list)  # positions of rows that give any field
    parent: str | None = None  # a key result's objective code
    db_id: int | None = None
    status: str = PRESENT


class OkrKind(Kind):
    name = "okr"
    fields = (
        Field("objective_code", ("ma_muc_tieu", "muc_tieu_ma", "objective", "ma_objective", "ma_o")),
        Field("objective_title", ("muc_tieu", "ten_muc_tieu", "objective_name", "objective_title")),
        Field("unit_code", UNIT_CODE),
        Field("unit_name", UNIT_NAME),
        Field("period", ("ky", "nam", "quy", "ky_okr", "thoi_ky")),
        Field("objective_weight", ("trong_so_muc_tieu", "objective_weight")),
        Field("owner", ("nguoi_phu_trach", "chu_tri", "phu_trach", "owner")),
        Field("kr_code", ("ma_kr", "ma_ket_qua_then_chot", "key_result_code", "kr")),
        Field("kr_title", ("ket_qua_then_chot", "ten_kr", "key_result", "ten_ket_qua_then_chot")),
        Field("unit_of_measure", ("don_vi_tinh", "dvt", "uom")),
        Field("baseline", ("gia_tri_dau_ky", "co_so", "ban_dau", "gia_tri_ban_dau")),
        Field("target", ("chi_tieu", "gia_tri_muc_tieu", "dich")),
        Field("direction", ("chieu", "huong")),
        Field("kr_weight", ("trong_so", "trong_so_kr", "weight")),
        Field("due_date", ("han", "thoi_han", "han_hoan_thanh", "due")),
        Field("checked_at", ("ngay_cap_nhat", "ngay_check_in", "checkin_date", "ngay_checkin", "ngay")),
        Field("value", ("gia_tri", "gia_tri_hien_tai", "ket_qua", "current", "actual", "thuc_hien")),
        Field("note", ("ghi_chu", "nhan_xet", "comment")),
    )
    required = (("objective_code",),)

    def parse(self, row: Row, opts: PrepOptions):
        rec = {
            "objective_code": row.code("objective_code", required=True),
            "obj": {},
            "kr": {},
            "kr_code": row.code("kr_code"),
            "checked_at": row.date("checked_at", lo=dt.date(2000, 1, 1), hi=opts.today),
            "value": row.number("value"),
            "note": row.text("note", max_len=2000),
        }
        obj = rec["obj"]
        if (t := row.text("objective_title", max_len=500)) is not None:
            obj["title"] = t
        code, name = row.code("unit_code"), row.text("unit_name", max_len=300)
        if code or name:
            obj["unit"] = (code, name)
        period = row._get("period", parse_okr_period, False)
        if period is not None:
            obj["period"] = period
        if (w := row.number("objective_weight", lo=0, hi=1000)) is not None:
            obj["weight"] = float(w)
        if (o := row.text("owner")) is not None:
            obj["owner"] = o
        kr = rec["kr"]
        for name_, val in (
            ("title", row.text("kr_title", max_len=500)),
            ("unit_of_measure", row.text("unit_of_measure", max_len=64)),
            ("baseline", row.number("baseline")),
            ("target", row.number("target")),
            ("direction", row.choice("direction", DIRECTIONS)),
            ("weight", row.number("kr_weight", lo=0, hi=1000)),
            ("due_date", row.date("due_date", lo=dt.date(2000, 1, 1))),
        ):
            if val is not None:
                kr[name_] = float(val) if name_ in ("baseline", "target", "weight") else val
        if kr and not rec["kr_code"]:
            row.problem("import.reason.required", field="kr_code")
        if (rec["checked_at"] is None) != (rec["value"] is None) and not row.problems:
            row.problem("import.reason.checkin_pair")
        if rec["checked_at"] is not None and not rec["kr_code"]:
            row.problem("import.reason.required", field="kr_code")
        return rec

    def load(self, ctx, prepared: Prepared) -> Outcome:
        out = Outcome.empty(len(prepared.rows))
        conn = ctx.conn
        rows, recs = prepared.rows, prepared.records
        bad: dict[int, list[Problem]] = {i: r.problems for i, r in enumerate(rows) if recs[i] is None}

        # 1. Collect definitions in row order; conflicting rows are refused.
        objs: dict[str, Def] = {}
        krs: dict[str, Def] = {}
        for i, rec in enumerate(recs):
            if rec is None:
                continue
            probs = []
            okey = normalise_code(rec["objective_code"])
            o = objs.get(okey) or Def(rec["objective_code"])
            probs += _conflicts(o, rec["obj"], rows)
            k = None
            if rec["kr_code"]:
                kkey = normalise_code(rec["kr_code"])
                k = krs.get(kkey) or Def(rec["kr_code"], parent=okey)
                if k.parent != okey:
                    probs.append(
                        Problem(
                            "import.reason.kr_other_objective",
                            {
                                "value": rec["kr_code"],
                                "objective": objs[k.parent].code if k.parent in objs else k.parent,
                            },
                        )
                    )
                probs += _conflicts(k, rec["kr"], rows)
            if probs:
                bad[i] = probs
                continue
            _merge(o, rec["obj"], i, rows[i].row_number)
            objs[okey] = o
            if k is not None:
                _merge(k, rec["kr"], i, rows[i].row_number)
                krs[normalise_code(rec["kr_code"])] = k

        # 2. Match with the database; complete new objectives and key results.
        index = UnitIndex(conn, ctx.scope_path)
        db_objs = _by_code(conn, objectives, [o.code for o in objs.values()])
        db_krs = _by_code(conn, key_results, [k.code for k in krs.values()])
        obj_problem: dict[str, Problem] = {}
        for okey, o in objs.items():
            old = db_objs.get(okey)
            if old is not None and not index.in_scope(index.by_id.get(old["unit_id"])):
                obj_problem[okey] = index.out_of_scope(index.by_id[old["unit_id"]])
                continue
            vals = dict(o.values)
            if "unit" in vals:
                unit, prob = index.match(*vals["unit"], ctx.match)
                if prob is not None:
                    obj_problem[okey] = prob
                    continue
                vals["unit_id"] = unit.id
            if "period" in vals:
                kind, year, quarter = vals.pop("period")
                start = first_day(month_key(year, 3 * quarter - 2)) if kind == "quarter" else dt.date(year, 1, 1)
                end = last_day(month_key(year, 3 * quarter)) if kind == "quarter" else dt.date(year, 12, 31)
                vals.update(period_kind=kind, year=year, quarter=quarter, start_date=start, end_date=end)
            vals.pop("unit", None)
            if old is None:
                missing = [
                    f
                    for f, name in (("title", "objective_title"), ("unit_id", "unit_code"), ("start_date", "period"))
                    if f not in vals
                ]
                if missing:
                    obj_problem[okey] = Problem("import.reason.objective_incomplete", {"value": o.code})
                    continue
            o.values = vals
            o.db_id = old["id"] if old else None
        kr_problem: dict[str, Problem] = {}
        for kkey, k in krs.items():
            old = db_krs.get(kkey)
            if k.parent in obj_problem:
                kr_problem[kkey] = obj_problem[k.parent]
                continue
            if old is not None and objs[k.parent].db_id is not None and old["objective_id"] != objs[k.parent].db_id:
                kr_problem[kkey] = Problem(
                    "import.reason.kr_other_objective", {"value": k.code, "objective": objs[k.parent].code}
                )
                continue
            if old is None and ("title" not in k.values or "target" not in k.values):
                kr_problem[kkey] = Problem("import.reason.kr_incomplete", {"value": k.code})
                continue
            base = k.values.get("baseline", old["baseline"] if old else 0.0)
            target = k.values.get("target", old["target"] if old else None)
            if target is not None and same(float(base), float(target)):
                kr_problem[kkey] = Problem("import.reason.kr_target_baseline", {"value": k.code})
                continue
            k.db_id = old["id"] if old else None

        # 3. Rows whose objective or key result cannot be loaded are refused.
        for i, rec in enumerate(recs):
            if rec is None or i in bad:
                continue
            okey = normalise_code(rec["objective_code"])
            if okey in obj_problem:
                bad[i] = [obj_problem[okey]]
            elif rec["kr_code"] and normalise_code(rec["kr_code"]) in kr_problem:
                bad[i] = [kr_problem[normalise_code(rec["kr_code"])]]
        # Rows defining an objective that every defining row lost are refused too.
        for i, probs in bad.items():
            out.refuse(i, probs)

        # 4. Write objectives and key results, then check-ins.
        for okey, o in objs.items():
            if okey in obj_problem:
                continue
            old = db_objs.get(okey)
            if old is None:
                vals = {"weight": 1.0, **o.values}
                res = conn.execute(insert(objectives).values(code=o.code, batch_id=ctx.batch_id, **vals))
                o.db_id, o.status = int(res.inserted_primary_key[0]), LOADED
            else:
                change = {f: v for f, v in o.values.items() if not same(v, old[f])}
                if change:
                    conn.execute(update(objectives).where(objectives.c.id == old["id"]).values(**change))
                    o.status = UPDATED
                    _note(out, {"objective": o.code, "before": {f: old[f] for f in change}, "after": change})
        obj_info = (
            {
                r.id: r
                for r in conn.execute(
                    select(objectives.c.id, objectives.c.unit_id, objectives.c.start_date, objectives.c.end_date).where(
                        objectives.c.id.in_([o.db_id for o in objs.values() if o.db_id])
                    )
                )
            }
            if any(o.db_id for o in objs.values())
            else {}
        )
        for kkey, k in krs.items():
            if kkey in kr_problem:
                continue
            old = db_krs.get(kkey)
            obj_id = objs[k.parent].db_id
            if old is None:
                vals = {"baseline": 0.0, "direction": "up", "weight": 1.0, **k.values}
                res = conn.execute(
                    insert(key_results).values(code=k.code, objective_id=obj_id, batch_id=ctx.batch_id, **vals)
                )
                k.db_id, k.status = int(res.inserted_primary_key[0]), LOADED
            else:
                change = {f: v for f, v in k.values.items() if not same(v, old[f])}
                if change:
                    conn.execute(update(key_results).where(key_results.c.id == old["id"]).values(**change))
                    k.status = UPDATED
                    _note(out, {"key_result": k.code, "before": {f: old[f] for f in change}, "after": change})

        # Check-ins, keyed by (key result, date).
        kr_ids = [k.db_id for k in krs.values() if k.db_id]
        existing = {}
        if kr_ids:
            for r in conn.execute(select(kr_checkins).where(kr_checkins.c.key_result_id.in_(kr_ids))).mappings():
                existing[(r["key_result_id"], r["checked_at"])] = dict(r)
        first_seen: dict[tuple, int] = {}
        touched_krs: set[int] = set()
        for i, rec in enumerate(recs):
            if rec is None or i in bad:
                continue
            o = objs[normalise_code(rec["objective_code"])]
            k = krs.get(normalise_code(rec["kr_code"])) if rec["kr_code"] else None
            statuses = []
            if i in o.rows:
                statuses.append(o.status)
            if k is not None and i in k.rows:
                statuses.append(k.status)
            unit_id = obj_info[o.db_id].unit_id if o.db_id in obj_info else None
            if rec["checked_at"] is not None:
                key = (k.db_id, rec["checked_at"])
                start = obj_info[o.db_id].start_date if o.db_id in obj_info else None
                if start is not None and rec["checked_at"] < start:
                    out.refuse(
                        i,
                        [
                            Problem(
                                "import.reason.checkin_before_start",
                                {"value": rec["checked_at"].strftime("%d/%m/%Y"), "start": start.strftime("%d/%m/%Y")},
                            )
                        ],
                    )
                    continue
                if key in first_seen:
                    out.refuse(i, [Problem("import.reason.duplicate_in_file", {"row": first_seen[key]})])
                    continue
                first_seen[key] = rows[i].row_number
                old = existing.get(key)
                if old is None:
                    conn.execute(
                        insert(kr_checkins).values(
                            key_result_id=k.db_id,
                            checked_at=rec["checked_at"],
                            value=rec["value"],
                            note=rec["note"],
                            batch_id=ctx.batch_id,
                        )
                    )
                    statuses.append(LOADED)
                    touched_krs.add(k.db_id)
                else:
                    change = {}
                    if not same(rec["value"], old["value"]):
                        change["value"] = rec["value"]
                    if rec["note"] is not None and rec["note"] != old["note"]:
                        change["note"] = rec["note"]
                    if change:
                        conn.execute(
                            update(kr_checkins)
                            .where(kr_checkins.c.id == old["id"])
                            .values(**change, batch_id=ctx.batch_id)
                        )
                        statuses.append(UPDATED)
                        touched_krs.add(k.db_id)
                        _note(
                            out,
                            {
                                "checkin": k.code,
                                "date": rec["checked_at"].isoformat(),
                                "before": {f: old[f] for f in change},
                                "after": change,
                            },
                        )
                    else:
                        statuses.append(PRESENT)
                if unit_id is not None:
                    out.affected.add((unit_id, rec["checked_at"].year * 100 + rec["checked_at"].month))
            status = LOADED if LOADED in statuses else UPDATED if UPDATED in statuses else PRESENT
            out.status[i] = status
            if status != PRESENT and unit_id is not None:
                out.affected_units.add(unit_id)
                out.affected.add((unit_id, ctx.current_month))
        _refresh_current(conn, touched_krs)
        return out


def _conflicts(d: Def, values: dict, rows: list[Row]) -> list[Problem]:
    probs = []
    for f, v in values.items():
        if f in d.values and not _eq(d.values[f], v):
            probs.append(Problem("import.reason.conflict", {"value": d.code, "row": d.first_row[f]}))
    return probs[:1]


def _eq(a, b) -> bool:
    if isinstance(a, tuple) and isinstance(b, tuple):
        return all((x or "") == (y or "") for x, y in zip(a, b, strict=True))
    return same(a, b)


def _merge(d: Def, values: dict, i: int, number: int) -> None:
    if values:
        d.rows.append(i)
    for f, v in values.items():
        if f not in d.values:
            d.values[f] = v
            d.first_row[f] = number


def _by_code(conn, table, codes: list[str]) -> dict[str, dict]:
    if not codes:
        return {}
    wanted = {normalise_code(c) for c in codes}
    out = {}
    for r in conn.execute(
        select(table).where(table.c.code.in_(sorted({c.strip() for c in codes} | wanted)))
    ).mappings():
        out[normalise_code(r["code"])] = dict(r)
    return out


def _note(out: Outcome, change: dict) -> None:
    if len(out.changes) < MAX_CHANGES:
        out.changes.append(change)


def _refresh_current(conn, kr_ids: set[int]) -> None:
    """``key_results.current`` follows the latest check-in."""
    for kid in sorted(kr_ids):
        latest = conn.execute(
            select(kr_checkins.c.value)
            .where(kr_checkins.c.key_result_id == kid)
            .order_by(kr_checkins.c.checked_at.desc())
            .limit(1)
        ).scalar()
        conn.execute(update(key_results).where(key_results.c.id == kid).values(current=latest))
