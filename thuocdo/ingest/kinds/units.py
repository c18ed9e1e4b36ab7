"""The unit tree (đơn vị), keyed by unit code.

Parents may come later in the file than their children: rows are loaded parents
first. A known code with other values updates the unit; a new parent moves its whole
subtree (materialised paths rewritten in the same transaction). A parent that is the
unit itself or inside its subtree is refused (it would make a cycle).
"""

from __future__ import annotations

from sqlalchemy import select, update

from thuocdo.ingest.kinds.base import (
    LOADED,
    MAX_CHANGES,
    PRESENT,
    UPDATED,
    Field,
    Kind,
    Outcome,
    Prepared,
    PrepOptions,
    Problem,
    Row,
    duplicate_problem,
    same,
)
from thuocdo.ingest.normalise import normalise_code, normalise_name
from thuocdo.ingest.units import KIND_WORDS, UnitIndex
from thuocdo.store.schema import units

COMPARED = ("name", "kind", "sector", "sensitive", "outstanding", "active")


class UnitsKind(Kind):
    name = "units"
    fields = (
        Field("code", ("unit_code", "ma_don_vi", "ma_dv", "ma", "ma_co_quan")),
        Field("name", ("unit_name", "ten_don_vi", "ten", "ten_co_quan", "don_vi")),
        Field("kind", ("loai", "loai_don_vi", "cap", "type")),
        Field(
            "parent_code", ("ma_don_vi_cha", "ma_cap_tren", "don_vi_cap_tren_ma", "parent", "ma_cha", "truc_thuoc_ma")
        ),
        Field("parent_name", ("don_vi_cap_tren", "truc_thuoc", "ten_don_vi_cha", "cap_tren")),
        Field("sector", ("linh_vuc", "nganh")),
        Field("sensitive", ("nhay_cam", "linh_vuc_nhay_cam", "can_luan_chuyen")),
        Field("outstanding", ("tieu_bieu", "xuat_sac", "don_vi_tieu_bieu")),
        Field("active", ("hoat_dong", "con_hoat_dong", "trang_thai")),
    )
    required = (("code",), ("name",))

    def parse(self, row: Row, opts: PrepOptions):
        return {
            "code": row.code("code", required=True),
            "name": row.text("name", required=True, max_len=300),
            "kind": row.choice("kind", KIND_WORDS),
            "parent_code": row.code("parent_code"),
            "parent_name": row.text("parent_name", max_len=300),
            "sector": row.text("sector", max_len=64),
            "sensitive": row.boolean("sensitive"),
            "outstanding": row.boolean("outstanding"),
            "active": row.boolean("active"),
        }

    def load(self, ctx, prepared: Prepared) -> Outcome:
        out = Outcome.empty(len(prepared.rows))
        index = UnitIndex(ctx.conn, ctx.scope_path)
        first_seen: dict[str, int] = {}
        pending: dict[str, int] = {}  # code in this file → row position
        for i, (row, rec) in enumerate(zip(prepared.rows, prepared.records, strict=True)):
            if rec is None:
                out.refuse(i, row.problems)
                continue
            key = normalise_code(rec["code"])
            if key in first_seen:
                out.refuse(i, [duplicate_problem(first_seen[key])])
                continue
            first_seen[key] = row.row_number
            pending[key] = i

        # Parents first: repeatedly load rows whose parent is known (or absent).
        progress = True
        while pending and progress:
            progress = False
            for key, i in list(pending.items()):
                rec = prepared.records[i]
                pkey = normalise_code(rec["parent_code"]) if rec["parent_code"] else None
                if pkey and pkey in pending and pkey != key:
                    continue  # its parent is in the file and not loaded yet
                del pending[key]
                progress = True
                self._one(ctx, index, out, i, prepared.rows[i], rec)
        for i in pending.values():  # a cycle inside the file
            out.refuse(i, [Problem("import.reason.unit_cycle", {"value": prepared.records[i]["parent_code"]})])
        return out

    def _one(self, ctx, index: UnitIndex, out: Outcome, i: int, row: Row, rec: dict) -> None:
        parent = None
        if rec["parent_code"] or rec["parent_name"]:
            parent, prob = index.match(rec["parent_code"], rec["parent_name"], "auto")
            if prob is not None:
                out.refuse(
                    i,
                    [
                        Problem("import.reason.parent_unknown", {"value": rec["parent_code"] or rec["parent_name"]}),
                        prob,
                    ],
                )
                return
        old = index.by_code_or_none(rec["code"])
        if old is not None and not index.in_scope(old):
            out.refuse(i, [index.out_of_scope(old)])
            return
        if old is None and not index.may_create_under(parent):
            out.refuse(i, [Problem("import.reason.unit_out_of_scope", {"value": rec["code"]})])
            return
        if old is None:
            unit = index.create(rec["code"], rec["name"], rec["kind"] or "other", parent, rec["sector"])
            flags = {k: rec[k] for k in ("sensitive", "outstanding", "active") if rec[k] is not None}
            if flags:
                ctx.conn.execute(update(units).where(units.c.id == unit.id).values(**flags))
            out.status[i] = LOADED
            out.affected_units.add(unit.id)
            return
        current = ctx.conn.execute(select(*[units.c[k] for k in COMPARED]).where(units.c.id == old.id)).mappings().one()
        change = {k: rec[k] for k in COMPARED if rec[k] is not None and not same(rec[k], current[k])}
        moved = (rec["parent_code"] or rec["parent_name"]) and (parent.id if parent else None) != old.parent_id
        if moved and parent is not None and index.is_descendant(old, parent):
            out.refuse(i, [Problem("import.reason.unit_cycle", {"value": parent.code})])
            return
        if not change and not moved:
            out.status[i] = PRESENT
            return
        if "name" in change:
            change["name_norm"] = normalise_name(change["name"])
        if change:
            ctx.conn.execute(update(units).where(units.c.id == old.id).values(**change))
        before = {k: current[k] for k in change if k in current}
        if moved:
            before["parent_id"] = old.parent_id
            index.move(old, parent)
            change["parent_id"] = parent.id if parent else None
        if "name" in change:
            index.replace(old, type(old)(**{**old.__dict__, "name": change["name"], "name_norm": change["name_norm"]}))
        out.status[i] = UPDATED
        out.affected_units.add(old.id)
        if len(out.changes) < MAX_CHANGES:
            out.changes.append({"row": row.row_number, "code": rec["code"], "before": before, "after": change})
