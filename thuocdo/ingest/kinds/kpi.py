"""KPI values per unit and month: long tables (one value per row) and wide tables
(one column per indicator, through a mapping's ``indicators``).

A wide row is one source row: all its values load, or the row is refused whole.
Unknown KPI codes are added to the catalogue when the row (or the mapping) gives a
name; a value above the KPI's maximum, or below zero when it has one, is refused.
A value for an existing (unit, KPI, month) that differs replaces it (a correction,
counted as loaded and recorded as updated with before/after in the batch options).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select, update

from thuocdo.ingest import values as V
from thuocdo.ingest.errors import ImportFailed
from thuocdo.ingest.kinds.base import (
    LOADED,
    MAX_CHANGES,
    MONTH,
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
    canonical_frame,
    chunks,
    duplicate_problem,
    find_column,
    same,
)
from thuocdo.ingest.normalise import normalise_code
from thuocdo.ingest.units import UNKNOWN_KEYS, CreateSpec, UnitIndex
from thuocdo.store.schema import kpi_values, kpis

DIRECTIONS = {
    "up": "up",
    "tang": "up",
    "cao hon tot hon": "up",
    "down": "down",
    "giam": "down",
    "thap hon tot hon": "down",
}


@dataclass
class KpiValue:
    code: str
    name: str | None
    name_en: str | None
    unit_of_measure: str | None
    direction: str | None
    max_value: float | None
    parent_code: str | None
    sector: str | None
    actual: float | None
    target: float | None
    column: str | None  # the wide table's column, None in a long table


@dataclass
class KpiRecord:
    unit_code: str | None
    unit_name: str | None
    month: int
    values: list[KpiValue]


class KpiKind(Kind):
    name = "kpi"
    fields = (
        Field("unit_code", UNIT_CODE),
        Field("unit_name", UNIT_NAME),
        Field("kpi_code", ("ma_kpi", "ma_chi_tieu", "chi_tieu_ma", "indicator_code", "kpi", "ma_chi_so", "code")),
        Field("kpi_name", ("ten_kpi", "ten_chi_tieu", "chi_tieu", "indicator", "ten_chi_so", "kpi_ten")),
        Field("month", MONTH),
        Field("actual", ("thuc_hien", "ket_qua", "gia_tri", "value", "thuc_te", "dat_duoc", "diem")),
        Field("target", ("muc_tieu", "ke_hoach", "chi_tieu_ke_hoach", "goal")),
        Field("unit_of_measure", ("don_vi_tinh", "dvt", "uom")),
        Field("direction", ("chieu", "huong", "chieu_tot")),
        Field("max_value", ("toi_da", "diem_toi_da", "max", "gia_tri_toi_da")),
    )
    required = (("unit_code", "unit_name"), ("kpi_code",), ("month",), ("actual", "target"))

    def prepare(self, table, mapping, opts: PrepOptions) -> Prepared:
        if mapping is None or not mapping.indicators:
            return super().prepare(table, mapping, opts)
        # Wide table: one column per indicator.
        colmap, ignored = self.columns(table, mapping)
        missing = [ind.column for ind in mapping.indicators if find_column(table.columns, ind.column) is None]
        if missing:
            raise ImportFailed(
                "import.error.missing_columns", missing=", ".join(missing), found=", ".join(table.columns[:30])
            )
        ind_cols = {ind.column: find_column(table.columns, ind.column) for ind in mapping.indicators}
        ignored = [c for c in ignored if c not in ind_cols.values()]
        self.check_columns(colmap, table, mapping, opts.period, required=(("unit_code", "unit_name"), ("month",)))
        frame = canonical_frame(table.frame, colmap, self.fields, mapping.constants)
        cells = {
            ind.column: table.frame[ind_cols[ind.column]].astype("str").fillna("").tolist()
            for ind in mapping.indicators
        }
        rows, records = [], []
        for i, values in enumerate(frame.to_dict("records")):
            row = Row(values, int(table.row_numbers[i]))
            unit_code, unit_name = row.code("unit_code"), row.text("unit_name", max_len=300)
            if unit_code is None and unit_name is None:
                row.problem("import.reason.unit_required")
            month = row.month("month", required=True, default=opts.period)
            vals = []
            for ind in mapping.indicators:
                raw = cells[ind.column][i]
                try:
                    x = V.parse_number(raw)
                except V.BadValue as bad:
                    row.problem(bad.key, field=ind.column, **bad.params)
                    continue
                if x is None:
                    continue
                actual, target = (x, None) if mapping.value == "actual" else (None, x)
                vals.append(
                    KpiValue(
                        ind.code,
                        ind.name,
                        ind.name_en,
                        ind.unit_of_measure,
                        ind.direction,
                        ind.max_value,
                        ind.parent_code,
                        ind.sector,
                        actual,
                        target,
                        ind.column,
                    )
                )
            if not vals and not row.problems:
                row.problem("import.reason.no_values")
            if month is not None and month > opts.current_month and any(v.actual is not None for v in vals):
                row.problem("import.reason.future_month", field="month", value=f"{month % 100:02d}/{month // 100}")
            rows.append(row)
            records.append(None if row.problems else KpiRecord(unit_code, unit_name, month, vals))
        return Prepared(frame, colmap, ignored, rows, records)

    def parse(self, row: Row, opts: PrepOptions):
        unit_code, unit_name = row.code("unit_code"), row.text("unit_name", max_len=300)
        if unit_code is None and unit_name is None:
            row.problem("import.reason.unit_required")
        code = row.code("kpi_code", required=True)
        month = row.month("month", required=True, default=opts.period)
        actual = row.number("actual")
        target = row.number("target")
        if actual is None and target is None and not row.problems:
            row.problem("import.reason.no_values")
        direction = row.choice("direction", DIRECTIONS)
        mx = row.number("max_value", lo=0)
        if month is not None and actual is not None and month > opts.current_month:
            row.problem("import.reason.future_month", field="month", value=f"{month % 100:02d}/{month // 100}")
        value = KpiValue(
            code or "",
            row.text("kpi_name", max_len=300),
            None,
            row.text("unit_of_measure", max_len=64),
            direction,
            mx,
            None,
            None,
            actual,
            target,
            None,
        )
        return KpiRecord(unit_code, unit_name, month, [value])

    def load(self, ctx, prepared: Prepared) -> Outcome:
        out = Outcome.empty(len(prepared.rows))
        index = UnitIndex(ctx.conn, ctx.scope_path)
        catalogue = Catalogue(ctx.conn)
        create = CreateSpec.from_spec(ctx.mapping.create_units if ctx.mapping else None)
        parent, parent_problem = (None, None)
        if ctx.create_units:
            parent, parent_problem = index.ensure(create.parent, True)

        # Resolve units and KPIs row by row (cheap: a few thousand rows at most).
        resolved: list[tuple[int, list[tuple[int, KpiValue]]] | None] = []
        for i, (row, rec) in enumerate(zip(prepared.rows, prepared.records, strict=True)):
            if rec is None:
                out.refuse(i, row.problems)
                resolved.append(None)
                continue
            problems: list[Problem] = []
            unit, prob = index.match(rec.unit_code, rec.unit_name, ctx.match)
            if unit is None and prob is not None and ctx.create_units and prob.key in UNKNOWN_KEYS:
                if parent_problem is not None:
                    prob = parent_problem
                else:
                    name = rec.unit_name or rec.unit_code
                    unit = index.create(rec.unit_code, name, create.kind_for(name), parent, create.sector)
                    prob = None
            if prob is not None:
                problems.append(prob)
            vals = []
            for v in rec.values:
                kpi_id, kprob = catalogue.resolve(v)
                if kprob is not None:
                    problems.append(kprob)
                    continue
                mx = catalogue.max_value(kpi_id)
                for x, fname in ((v.actual, v.column or "actual"), (v.target, v.column or "target")):
                    if x is not None and mx is not None and not (0 <= x <= mx + 1e-9):
                        problems.append(
                            Problem(
                                "import.reason.kpi_out_of_range",
                                {"field": fname, "value": _num(x), "hi": _num(mx), "kpi": v.code},
                            )
                        )
                vals.append((kpi_id, v))
            if problems:
                out.refuse(i, problems)
                resolved.append(None)
                continue
            resolved.append((unit.id, vals))
        out.created_kpis = catalogue.created
        out.created_units = [{"code": u.code, "name": u.name, "kind": u.kind} for u in index.created]

        # Existing values of the units and months in the file.
        keys = {
            (u, kid, prepared.records[i].month)
            for i, r in enumerate(resolved)
            if r
            for u, vals in [r]
            for kid, _ in vals
        }
        existing = self._existing(ctx.conn, {k[0] for k in keys}, {k[2] for k in keys})
        first_seen: dict[tuple, int] = {}
        inserts, updates = [], []
        for i, r in enumerate(resolved):
            if r is None:
                continue
            unit_id, vals = r
            month = prepared.records[i].month
            row_keys = [(unit_id, kid, month) for kid, _ in vals]
            dup = next((first_seen[k] for k in row_keys if k in first_seen), None)
            if dup is not None:
                out.refuse(i, [duplicate_problem(dup)])
                continue
            for k in row_keys:
                first_seen[k] = prepared.rows[i].row_number
            status = PRESENT
            for (kid, v), key in zip(vals, row_keys, strict=True):
                old = existing.get(key)
                if old is None:
                    inserts.append(
                        {
                            "unit_id": unit_id,
                            "kpi_id": kid,
                            "month": month,
                            "actual": v.actual,
                            "target": v.target,
                            "batch_id": ctx.batch_id,
                        }
                    )
                    status = LOADED
                    continue
                change = {}
                if v.actual is not None and not same(v.actual, old["actual"]):
                    change["actual"] = v.actual
                if v.target is not None and not same(v.target, old["target"]):
                    change["target"] = v.target
                if change:
                    updates.append((old["id"], {**change, "batch_id": ctx.batch_id}))
                    if len(out.changes) < MAX_CHANGES:
                        out.changes.append(
                            {
                                "row": prepared.rows[i].row_number,
                                "kpi": v.code,
                                "unit_id": unit_id,
                                "month": month,
                                "before": {k: old[k] for k in change},
                                "after": change,
                            }
                        )
                    if status != LOADED:
                        status = UPDATED
            out.status[i] = status
            if status != PRESENT:
                out.affected.add((unit_id, month))
        for part in chunks(inserts, 5000):
            ctx.conn.execute(insert(kpi_values), part)
        for vid, change in updates:
            ctx.conn.execute(update(kpi_values).where(kpi_values.c.id == vid).values(**change))
        out.extra["values_written"] = len(inserts) + len(updates)
        return out

    @staticmethod
    def _existing(conn, unit_ids: set[int], months: set[int]) -> dict[tuple, dict]:
        out = {}
        if not unit_ids:
            return out
        for part in chunks(sorted(unit_ids), 2000):
            rows = conn.execute(
                select(
                    kpi_values.c.id,
                    kpi_values.c.unit_id,
                    kpi_values.c.kpi_id,
                    kpi_values.c.month,
                    kpi_values.c.actual,
                    kpi_values.c.target,
                ).where(kpi_values.c.unit_id.in_(part), kpi_values.c.month.in_(sorted(months)))
            ).mappings()
            for r in rows:
                out[(r["unit_id"], r["kpi_id"], r["month"])] = dict(r)
        return out


class Catalogue:
    """The KPI catalogue by code; unknown codes with a name are added."""

    def __init__(self, conn):
        self.conn = conn
        self.by_code: dict[str, dict] = {}
        self.by_id: dict[int, dict] = {}
        for r in conn.execute(
            select(kpis.c.id, kpis.c.code, kpis.c.name, kpis.c.max_value, kpis.c.direction)
        ).mappings():
            self.by_code[normalise_code(r["code"])] = dict(r)
            self.by_id[r["id"]] = dict(r)
        self.created: list[str] = []

    def resolve(self, v: KpiValue) -> tuple[int | None, Problem | None]:
        if not v.code:
            return None, Problem("import.reason.required", {"field": "kpi_code"})
        rec = self.by_code.get(normalise_code(v.code))
        if rec is not None:
            return rec["id"], None
        if not v.name:
            return None, Problem("import.reason.kpi_unknown", {"value": v.code})
        res = self.conn.execute(
            insert(kpis).values(
                code=v.code.strip(),
                name=v.name,
                name_en=v.name_en,
                unit_of_measure=v.unit_of_measure,
                direction=v.direction or "up",
                sector=v.sector,
                max_value=v.max_value,
                parent_code=v.parent_code,
            )
        )
        kid = int(res.inserted_primary_key[0])
        rec = {
            "id": kid,
            "code": v.code.strip(),
            "name": v.name,
            "max_value": v.max_value,
            "direction": v.direction or "up",
        }
        self.by_code[normalise_code(v.code)] = rec
        self.by_id[kid] = rec
        self.created.append(rec["code"])
        return kid, None

    def max_value(self, kpi_id: int) -> float | None:
        return self.by_id[kpi_id]["max_value"]


def _num(x: float) -> str:
    return (str(int(x)) if float(x).is_integer() else f"{x:g}").replace(".", ",")
