"""Officials (cán bộ, công chức, viên chức), keyed by their code.

A known code with different values updates the official (a correction, or a move to
another unit or position): counted as loaded, recorded as updated with before/after.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select, update

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
    Row,
    chunks,
    duplicate_problem,
    same,
)
from thuocdo.ingest.normalise import fold, normalise_code
from thuocdo.ingest.units import UnitIndex
from thuocdo.store.schema import officials

GENDERS = {"f": "F", "nu": "F", "female": "F", "n": "F", "m": "M", "nam": "M", "male": "M"}
EDUCATION = {
    "cao dang": "cao_dang",
    "trung cap": "cao_dang",
    "dai hoc": "dai_hoc",
    "cu nhan": "dai_hoc",
    "ky su": "dai_hoc",
    "bachelor": "dai_hoc",
    "thac si": "thac_si",
    "master": "thac_si",
    "tien si": "tien_si",
    "pho giao su": "tien_si",
    "giao su": "tien_si",
    "doctor": "tien_si",
    "phd": "tien_si",
}
THEORY = {
    "so cap": "so_cap",
    "trung cap": "trung_cap",
    "cao cap": "cao_cap",
    "cu nhan": "cao_cap",
    "cu nhan chinh tri": "cao_cap",
    "elementary": "so_cap",
    "intermediate": "trung_cap",
    "advanced": "cao_cap",
}
POSITIONS = {
    "bi thu": "secretary",
    "secretary": "secretary",
    "chu tich": "chair",
    "chair": "chair",
    "pho chu tich": "vice_chair",
    "vice chair": "vice_chair",
    "giam doc": "director",
    "director": "director",
    "pho giam doc": "deputy_director",
    "deputy director": "deputy_director",
    "truong phong": "head",
    "truong ban": "head",
    "chanh van phong": "head",
    "head": "head",
    "pho truong phong": "deputy_head",
    "pho truong ban": "deputy_head",
    "pho chanh van phong": "deputy_head",
    "deputy head": "deputy_head",
    "chuyen vien": "staff",
    "can bo": "staff",
    "cong chuc": "staff",
    "vien chuc": "staff",
    "nhan vien": "staff",
    "staff": "staff",
}
DEFAULTS = {"is_leader": False, "in_succession_plan": False, "is_ethnic_minority": False, "active": True}
LEADER_CODES = {"secretary", "chair", "vice_chair", "director", "deputy_director", "head", "deputy_head"}
FIELDS = (
    "full_name",
    "gender",
    "birth_date",
    "unit_id",
    "position",
    "position_code",
    "is_leader",
    "position_since",
    "education",
    "theory_level",
    "is_local",
    "in_succession_plan",
    "is_ethnic_minority",
    "task_group",
    "active",
)


class OfficialsKind(Kind):
    name = "officials"
    fields = (
        Field("code", ("official_code", "ma_can_bo", "ma_cb", "ma_cong_chuc", "ma", "ma_nhan_vien", "ma_so")),
        Field("full_name", ("ho_ten", "ho_va_ten", "ten", "name", "ten_can_bo", "ho_ten_can_bo")),
        Field("gender", ("gioi_tinh", "sex", "phai")),
        Field("birth_date", ("ngay_sinh", "birthday", "dob", "sinh_ngay")),
        Field("unit_code", UNIT_CODE),
        Field("unit_name", UNIT_NAME),
        Field("position", ("chuc_vu", "chuc_danh", "title")),
        Field("position_code", ("ma_chuc_vu",)),
        Field("is_leader", ("lanh_dao", "la_lanh_dao", "leader")),
        Field("position_since", ("ngay_bo_nhiem", "giu_chuc_vu_tu", "tu_ngay", "ngay_giu_chuc_vu", "since")),
        Field("education", ("trinh_do", "trinh_do_chuyen_mon", "hoc_vi", "hoc_van")),
        Field("theory_level", ("ly_luan_chinh_tri", "trinh_do_ly_luan", "llct", "trinh_do_llct")),
        Field("is_local", ("nguoi_dia_phuong", "dia_phuong", "local")),
        Field("in_succession_plan", ("quy_hoach", "trong_quy_hoach", "succession")),
        Field("is_ethnic_minority", ("dan_toc_thieu_so", "dtts", "ethnic_minority")),
        Field("task_group", ("nhom_nhiem_vu", "nhom")),
        Field("active", ("dang_cong_tac", "con_cong_tac", "trang_thai")),
    )
    required = (("code",), ("full_name",), ("unit_code", "unit_name"), ("gender",))

    def parse(self, row: Row, opts: PrepOptions):
        today = opts.today
        rec = {
            "code": row.code("code", required=True),
            "full_name": row.text("full_name", required=True),
            "gender": row.choice("gender", GENDERS, required=True),
            "birth_date": row.date("birth_date", lo=dt.date(1940, 1, 1), hi=today.replace(year=today.year - 16)),
            "position": row.text("position"),
            "position_code": row.choice("position_code", POSITIONS),
            "position_since": row.date("position_since", lo=dt.date(1960, 1, 1), hi=today),
            "education": row.choice("education", EDUCATION),
            "theory_level": row.choice("theory_level", THEORY),
            "is_local": row.boolean("is_local"),
            "in_succession_plan": row.boolean("in_succession_plan"),
            "is_ethnic_minority": row.boolean("is_ethnic_minority"),
            "task_group": row.text("task_group", max_len=64),
            "active": row.boolean("active"),
        }
        if rec["position_code"] is None and rec["position"]:
            rec["position_code"] = POSITIONS.get(fold(rec["position"]))
        leader = row.boolean("is_leader")
        if leader is None and rec["position_code"] is not None:
            leader = rec["position_code"] in LEADER_CODES
        rec["is_leader"] = leader
        if (
            rec["birth_date"]
            and rec["position_since"]
            and rec["position_since"] < rec["birth_date"].replace(year=rec["birth_date"].year + 16)
        ):
            row.problem("import.reason.position_before_age")
        unit_code, unit_name = row.code("unit_code"), row.text("unit_name", max_len=300)
        if unit_code is None and unit_name is None:
            row.problem("import.reason.unit_required")
        rec["_unit"] = (unit_code, unit_name)
        return rec

    def load(self, ctx, prepared: Prepared) -> Outcome:
        out = Outcome.empty(len(prepared.rows))
        index = UnitIndex(ctx.conn, ctx.scope_path)
        codes = [r["code"] for r in prepared.records if r]
        existing = _existing(ctx.conn, codes)
        first_seen: dict[str, int] = {}
        for i, (row, rec) in enumerate(zip(prepared.rows, prepared.records, strict=True)):
            if rec is None:
                out.refuse(i, row.problems)
                continue
            unit, prob = index.match(*rec["_unit"], ctx.match)
            if prob is not None:
                out.refuse(i, [prob])
                continue
            key = normalise_code(rec["code"])
            if key in first_seen:
                out.refuse(i, [duplicate_problem(first_seen[key])])
                continue
            first_seen[key] = row.row_number
            values = {k: v for k, v in rec.items() if not k.startswith("_")}
            values["unit_id"] = unit.id
            old = existing.get(key)
            if old is not None and not index.in_scope(index.by_id.get(old["unit_id"])):
                out.refuse(i, [index.out_of_scope(index.by_id[old["unit_id"]])])
                continue
            if old is None:
                # Blank flags take their defaults on a new official only, never on an update.
                ctx.conn.execute(
                    insert(officials).values(
                        **{**values, **{k: d for k, d in DEFAULTS.items() if values.get(k) is None}}
                    )
                )
                out.status[i] = LOADED
                out.affected_units.add(unit.id)
                continue
            # Only the fields the file gives are compared and changed.
            change = {k: values[k] for k in FIELDS if values.get(k) is not None and not same(values[k], old[k])}
            if not change:
                out.status[i] = PRESENT
                continue
            ctx.conn.execute(update(officials).where(officials.c.id == old["id"]).values(**change))
            out.status[i] = UPDATED
            out.affected_units.update({unit.id, old["unit_id"]})
            if len(out.changes) < MAX_CHANGES:
                out.changes.append(
                    {
                        "row": row.row_number,
                        "code": rec["code"],
                        "before": {k: _j(old[k]) for k in change},
                        "after": {k: _j(v) for k, v in change.items()},
                    }
                )
        return out


def _existing(conn, codes: list[str]) -> dict[str, dict]:
    out = {}
    cols = [officials.c.id, officials.c.code, *[officials.c[k] for k in FIELDS]]
    for part in chunks(sorted({c.strip() for c in codes} | {normalise_code(c) for c in codes}), 2000):
        for r in conn.execute(select(*cols).where(officials.c.code.in_(part))).mappings():
            out[normalise_code(r["code"])] = dict(r)
    return out


def _j(v):
    return v.isoformat() if isinstance(v, dt.date) else v
