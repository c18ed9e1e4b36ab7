"""Monthly evaluations of officials (100-point scale), keyed by (official, month).

The final score may be given, or computed as general + task + bonus points. A missing
grade is derived from the score under the grading policy in force that month
(``thuocdo.domain.grading``; disciplined → not completed). A re-sent evaluation with
other values replaces the stored one (a correction; counted as loaded, recorded as
updated with before/after).
"""

from __future__ import annotations

from sqlalchemy import insert, select, update

from thuocdo.ingest.kinds.base import (
    LOADED,
    MAX_CHANGES,
    MONTH,
    OFFICIAL_CODE,
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
    chunks,
    duplicate_problem,
    same,
)
from thuocdo.ingest.normalise import normalise_code
from thuocdo.ingest.units import UnitIndex
from thuocdo.store.db import get_setting
from thuocdo.store.schema import evaluations, officials

GRADES = {
    "excellent": "excellent",
    "a": "excellent",
    "loai a": "excellent",
    "xuat sac": "excellent",
    "hoan thanh xuat sac": "excellent",
    "hoan thanh xuat sac nhiem vu": "excellent",
    "httsnv": "excellent",
    "good": "good",
    "b": "good",
    "loai b": "good",
    "tot": "good",
    "hoan thanh tot": "good",
    "hoan thanh tot nhiem vu": "good",
    "httnv": "good",
    "completed": "completed",
    "c": "completed",
    "loai c": "completed",
    "hoan thanh": "completed",
    "hoan thanh nhiem vu": "completed",
    "htnv": "completed",
    "not completed": "not_completed",
    "d": "not_completed",
    "loai d": "not_completed",
    "khong hoan thanh": "not_completed",
    "khong hoan thanh nhiem vu": "not_completed",
    "khtnv": "not_completed",
}
VALUE_FIELDS = (
    "unit_id",
    "general_points",
    "task_points",
    "bonus_points",
    "self_score",
    "manager_score",
    "final_score",
    "grade",
    "tasks_assigned",
    "tasks_on_time",
    "tasks_late",
    "major_errors",
    "disciplined",
    "evaluator",
    "policy_code",
)


class EvaluationsKind(Kind):
    name = "evaluations"
    fields = (
        Field("official_code", OFFICIAL_CODE + ("code", "ma")),
        Field("unit_code", UNIT_CODE),
        Field("unit_name", UNIT_NAME),
        Field("month", MONTH),
        Field("general_points", ("diem_chung", "tieu_chi_chung", "diem_tieu_chi_chung", "diem_ky_luat", "general")),
        Field("task_points", ("diem_nhiem_vu", "ket_qua_nhiem_vu", "diem_thuc_hien_nhiem_vu", "tasks")),
        Field("bonus_points", ("diem_thuong", "diem_cong", "bonus")),
        Field("self_score", ("tu_cham", "diem_tu_cham", "tu_danh_gia", "diem_tu_danh_gia", "self")),
        Field(
            "manager_score",
            ("diem_thu_truong", "diem_lanh_dao", "cap_tren_cham", "diem_cap_tren", "manager", "diem_quan_ly"),
        ),
        Field(
            "final_score",
            ("diem", "tong_diem", "diem_cuoi_cung", "diem_tong", "diem_danh_gia", "final", "diem_chinh_thuc", "score"),
        ),
        Field("grade", ("xep_loai", "muc_xep_loai", "loai", "muc_do_hoan_thanh")),
        Field("tasks_assigned", ("so_nhiem_vu", "nhiem_vu_duoc_giao", "so_nhiem_vu_duoc_giao")),
        Field("tasks_on_time", ("dung_han", "nhiem_vu_dung_han", "so_nhiem_vu_dung_han")),
        Field("tasks_late", ("cham_muon", "tre_han", "nhiem_vu_tre_han", "so_nhiem_vu_tre_han")),
        Field("major_errors", ("loi", "so_loi", "sai_sot", "loi_nghiem_trong")),
        Field("disciplined", ("ky_luat", "bi_ky_luat", "disciplinary")),
        Field("evaluator", ("nguoi_danh_gia", "nguoi_cham")),
        Field("policy_code", ("chinh_sach", "quy_dinh", "policy")),
    )
    required = (("official_code",), ("month",), ("final_score", "task_points"))

    def parse(self, row: Row, opts: PrepOptions):
        rec = {
            "official_code": row.code("official_code", required=True),
            "month": row.month("month", required=True, default=opts.period, latest=opts.current_month),
            "general_points": row.number("general_points", lo=0, hi=100),
            "task_points": row.number("task_points", lo=0, hi=100),
            "bonus_points": row.number("bonus_points", lo=0, hi=100),
            "self_score": row.number("self_score", lo=0, hi=100),
            "manager_score": row.number("manager_score", lo=0, hi=100),
            "final_score": row.number("final_score", lo=0, hi=100),
            "grade": row.choice("grade", GRADES),
            "tasks_assigned": row.number("tasks_assigned", lo=0, integer=True),
            "tasks_on_time": row.number("tasks_on_time", lo=0, integer=True),
            "tasks_late": row.number("tasks_late", lo=0, integer=True),
            "major_errors": row.number("major_errors", lo=0, integer=True),
            "disciplined": row.boolean("disciplined"),
            "evaluator": row.text("evaluator"),
            "policy_code": row.text("policy_code", max_len=32),
        }
        if rec["final_score"] is None and not row.has("final_score"):
            parts = [rec[k] for k in ("general_points", "task_points", "bonus_points")]
            if rec["task_points"] is not None:
                total = sum(p for p in parts if p is not None)
                if total > 100:
                    row.problem("import.reason.parts_over_100", value=f"{total:g}".replace(".", ","))
                else:
                    rec["final_score"] = float(total)
            elif not row.problems:
                row.problem("import.reason.required", field="final_score")
        a, o, late = rec["tasks_assigned"], rec["tasks_on_time"], rec["tasks_late"]
        if a is not None and ((o or 0) + (late or 0)) > a:
            row.problem("import.reason.tasks_sum", assigned=a, on_time=o or 0, late=late or 0)
        rec["_unit"] = (row.code("unit_code"), row.text("unit_name", max_len=300))
        return rec

    def load(self, ctx, prepared: Prepared) -> Outcome:
        out = Outcome.empty(len(prepared.rows))
        index = UnitIndex(ctx.conn, ctx.scope_path)
        by_code = _officials(ctx.conn, [r["official_code"] for r in prepared.records if r])
        grader = _Grader(ctx.conn)
        resolved = []
        for i, (row, rec) in enumerate(zip(prepared.rows, prepared.records, strict=True)):
            if rec is None:
                out.refuse(i, row.problems)
                resolved.append(None)
                continue
            off = by_code.get(normalise_code(rec["official_code"]))
            if off is None:
                out.refuse(i, [Problem("import.reason.official_unknown", {"value": rec["official_code"]})])
                resolved.append(None)
                continue
            code, name = rec["_unit"]
            if code or name:
                unit, prob = index.match(code, name, ctx.match)
                if prob is not None:
                    out.refuse(i, [prob])
                    resolved.append(None)
                    continue
                unit_id = unit.id
            else:
                unit_id = off["unit_id"]
                home = index.by_id.get(unit_id)
                if home is not None and not index.in_scope(home):
                    out.refuse(i, [index.out_of_scope(home)])
                    resolved.append(None)
                    continue
            resolved.append((off["id"], unit_id))

        keys = {(r[0], prepared.records[i]["month"]) for i, r in enumerate(resolved) if r}
        existing = _existing(ctx.conn, keys)
        first_seen: dict[tuple, int] = {}
        inserts = []
        for i, r in enumerate(resolved):
            if r is None:
                continue
            row, rec = prepared.rows[i], prepared.records[i]
            official_id, unit_id = r
            key = (official_id, rec["month"])
            if key in first_seen:
                out.refuse(i, [duplicate_problem(first_seen[key])])
                continue
            first_seen[key] = row.row_number
            values = {k: rec.get(k) for k in VALUE_FIELDS if k != "unit_id"}
            values["unit_id"] = unit_id
            if values["grade"] is None and values["final_score"] is not None:
                values["grade"], policy = grader.grade(
                    rec["month"], index.by_id.get(unit_id), values["final_score"], bool(values["disciplined"])
                )
                values["policy_code"] = values["policy_code"] or policy
            old = existing.get(key)
            if old is None:
                inserts.append(
                    {
                        **values,
                        "official_id": official_id,
                        "month": rec["month"],
                        "disciplined": bool(values["disciplined"]),
                        "batch_id": ctx.batch_id,
                    }
                )
                out.status[i] = LOADED
                out.affected.add((unit_id, rec["month"]))
                continue
            change = {k: v for k, v in values.items() if v is not None and not same(v, old[k])}
            if not change:
                out.status[i] = PRESENT
                continue
            ctx.conn.execute(
                update(evaluations).where(evaluations.c.id == old["id"]).values(**change, batch_id=ctx.batch_id)
            )
            out.status[i] = UPDATED
            out.affected.update({(unit_id, rec["month"]), (old["unit_id"], rec["month"])})
            if len(out.changes) < MAX_CHANGES:
                out.changes.append(
                    {
                        "row": row.row_number,
                        "official": rec["official_code"],
                        "month": rec["month"],
                        "before": {k: old[k] for k in change},
                        "after": change,
                    }
                )
        for part in chunks(inserts, 5000):
            ctx.conn.execute(insert(evaluations), part)
        out.rollups = ("evaluations",)
        return out


class _Grader:
    """The grade of a score under the policy in force (setting ``grading_policy``)."""

    def __init__(self, conn):
        try:
            from thuocdo.domain import grading
        except ImportError:  # grading rules not installed: grades stay as given
            self.grading = None
            return
        self.grading = grading
        self.assignments = get_setting(conn, "grading_policy", None)

    def grade(self, month: int, unit, score: float, disciplined: bool) -> tuple[str | None, str | None]:
        if self.grading is None:
            return None, None
        policy = self.grading.policy_for(month, self.assignments, unit.path if unit else None)
        return policy.grade(score, disciplined), policy.code


def _officials(conn, codes: list[str]) -> dict[str, dict]:
    out = {}
    variants = sorted({c.strip() for c in codes} | {normalise_code(c) for c in codes})
    for part in chunks(variants, 2000):
        for r in conn.execute(
            select(officials.c.id, officials.c.code, officials.c.unit_id).where(officials.c.code.in_(part))
        ).mappings():
            out[normalise_code(r["code"])] = dict(r)
    missing = {normalise_code(c) for c in codes} - set(out)
    if missing:
        for r in conn.execute(select(officials.c.id, officials.c.code, officials.c.unit_id)).mappings():
            if normalise_code(r["code"]) in missing:
                out[normalise_code(r["code"])] = dict(r)
    return out


def _existing(conn, keys: set[tuple[int, int]]) -> dict[tuple, dict]:
    out = {}
    if not keys:
        return out
    ids = sorted({k[0] for k in keys})
    months = sorted({k[1] for k in keys})
    cols = [evaluations.c.id, evaluations.c.official_id, evaluations.c.month, *[evaluations.c[k] for k in VALUE_FIELDS]]
    for part in chunks(ids, 2000):
        for r in conn.execute(
            select(*cols).where(evaluations.c.official_id.in_(part), evaluations.c.month.in_(months))
        ).mappings():
            out[(r["official_id"], r["month"])] = dict(r)
    return out
