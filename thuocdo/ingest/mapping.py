"""Mappings: how a table that is not in the canonical shape reads as one.

A mapping is a JSON object (a file, or a row of ``import_mappings`` saved under a
name). Every key is optional except ``kind``::

    {
      "kind": "kpi",
      "description": "Chỉ số 766 — 34 tỉnh, thành phố",
      "sheet": "Điểm tháng",           # Excel sheet (the --sheet option wins)
      "header_row": 1,                 # row holding the column names (default: found)
      "columns": {"Mã CB": "official_code"},   # source header → canonical field
      "constants": {"channel": "kiosk"},       # a value for a field the file lacks
      "period": "2025-10",             # month of rows that carry none (--period wins)
      "unit": {"code": "MA_COQUAN", "name": "TEN_COQUAN", "match": "code"},
      "indicators": {                  # kpi only: one column per indicator (wide table)
        "TONG_SCORE": {"code": "766.TONG_SCORE", "name": "…", "max": 100, "direction": "up"}
      },
      "value": "actual",               # kpi only: the wide cells are actual (or target) values
      "create_units": {"kind": "province", "kind_rules": [["phuong", "ward"]],
                       "parent": {"code": "766.VN", "name": "…", "kind": "other"}}
    }

``unit.match`` is ``code`` (by code only), ``name`` (by name only) or ``auto`` (code
when the row has one, else name). ``create_units`` says how units are created, and is
used only when the import is asked to create units (``--create-units``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, delete, insert, select

from thuocdo.ingest.errors import ImportFailed
from thuocdo.ingest.names import KINDS
from thuocdo.ingest.values import BadValue, parse_month
from thuocdo.store.schema import import_mappings

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "examples" / "mappings"
MATCH_MODES = ("auto", "code", "name")
KNOWN_KEYS = {
    "kind",
    "name",
    "description",
    "sheet",
    "header_row",
    "columns",
    "constants",
    "period",
    "unit",
    "indicators",
    "value",
    "create_units",
    "source",
}


@dataclass
class Indicator:
    column: str
    code: str
    name: str | None = None
    name_en: str | None = None
    unit_of_measure: str | None = None
    direction: str | None = None
    max_value: float | None = None
    parent_code: str | None = None
    sector: str | None = None


@dataclass
class Mapping:
    kind: str
    name: str | None = None
    description: str | None = None
    sheet: str | None = None
    header_row: int | None = None
    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    period: int | None = None
    unit_code: str | None = None
    unit_name: str | None = None
    match: str = "auto"
    indicators: list[Indicator] = field(default_factory=list)
    value: str = "actual"
    create_units: dict | None = None
    spec: dict = field(default_factory=dict)

    @classmethod
    def from_spec(cls, spec: dict, name: str | None = None) -> Mapping:
        """Validate a mapping object; ImportFailed (import.error.mapping_invalid) when wrong."""
        if not isinstance(spec, dict):
            raise ImportFailed("import.error.mapping_invalid", detail="not a JSON object")
        unknown = sorted(set(spec) - KNOWN_KEYS)
        if unknown:
            raise ImportFailed("import.error.mapping_invalid", detail="unknown keys: " + ", ".join(unknown))
        kind = spec.get("kind")
        if kind not in KINDS:
            raise ImportFailed("import.error.mapping_invalid", detail=f"kind must be one of {', '.join(KINDS)}")
        period = None
        if spec.get("period"):
            try:
                period = parse_month(spec["period"])
            except BadValue:
                raise ImportFailed("import.error.mapping_invalid", detail=f"period {spec['period']!r}") from None
        unit = spec.get("unit") or {}
        if not isinstance(unit, dict):
            raise ImportFailed("import.error.mapping_invalid", detail="unit must be an object")
        match = unit.get("match", "auto")
        if match not in MATCH_MODES:
            raise ImportFailed(
                "import.error.mapping_invalid", detail=f"unit.match must be one of {', '.join(MATCH_MODES)}"
            )
        indicators = []
        raw_ind = spec.get("indicators") or {}
        if raw_ind and kind != "kpi":
            raise ImportFailed("import.error.mapping_invalid", detail="indicators are for kind kpi")
        if not isinstance(raw_ind, dict):
            raise ImportFailed("import.error.mapping_invalid", detail="indicators must be an object")
        for col, ind in raw_ind.items():
            if isinstance(ind, str):
                ind = {"code": ind}
            if not isinstance(ind, dict) or not ind.get("code"):
                raise ImportFailed("import.error.mapping_invalid", detail=f"indicator {col!r} needs a code")
            direction = ind.get("direction")
            if direction not in (None, "up", "down"):
                raise ImportFailed("import.error.mapping_invalid", detail=f"indicator {col!r}: direction up/down")
            mx = ind.get("max")
            if mx is not None and not isinstance(mx, (int, float)):
                raise ImportFailed("import.error.mapping_invalid", detail=f"indicator {col!r}: max must be a number")
            indicators.append(
                Indicator(
                    column=col,
                    code=str(ind["code"]),
                    name=ind.get("name"),
                    name_en=ind.get("name_en"),
                    unit_of_measure=ind.get("unit_of_measure"),
                    direction=direction,
                    max_value=float(mx) if mx is not None else None,
                    parent_code=ind.get("parent_code"),
                    sector=ind.get("sector"),
                )
            )
        value = spec.get("value", "actual")
        if value not in ("actual", "target"):
            raise ImportFailed("import.error.mapping_invalid", detail="value must be actual or target")
        for key in ("columns", "constants"):
            if spec.get(key) is not None and not isinstance(spec.get(key), dict):
                raise ImportFailed("import.error.mapping_invalid", detail=f"{key} must be an object")
        header_row = spec.get("header_row")
        if header_row is not None and (not isinstance(header_row, int) or header_row < 1):
            raise ImportFailed("import.error.mapping_invalid", detail="header_row must be a positive integer")
        cu = spec.get("create_units")
        if cu is not None and not isinstance(cu, dict):
            raise ImportFailed("import.error.mapping_invalid", detail="create_units must be an object")
        return cls(
            kind=kind,
            name=name or spec.get("name"),
            description=spec.get("description"),
            sheet=spec.get("sheet"),
            header_row=header_row,
            columns={str(k): str(v) for k, v in (spec.get("columns") or {}).items()},
            constants={str(k): v for k, v in (spec.get("constants") or {}).items()},
            period=period,
            unit_code=unit.get("code"),
            unit_name=unit.get("name"),
            match=match,
            indicators=indicators,
            value=value,
            create_units=cu,
            spec=spec,
        )

    def renames(self) -> dict[str, str]:
        """Source header → canonical field, including the unit columns."""
        out = dict(self.columns)
        if self.unit_code:
            out[self.unit_code] = "unit_code"
        if self.unit_name:
            out[self.unit_name] = "unit_name"
        return out


def load_mapping(value, engine: Engine | None = None) -> Mapping | None:
    """A :class:`Mapping` from a dict, a JSON file path, a saved name, or an example name."""
    if value is None or value == "":
        return None
    if isinstance(value, Mapping):
        return value
    if isinstance(value, dict):
        return Mapping.from_spec(value)
    text = str(value)
    path = Path(text)
    if path.suffix.lower() == ".json" or path.exists():
        if not path.exists():
            raise ImportFailed("import.error.mapping_not_found", name=text)
        try:
            spec = json.loads(path.read_text(encoding="utf-8-sig"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ImportFailed("import.error.mapping_invalid", detail=str(exc)[:200]) from None
        return Mapping.from_spec(spec, name=spec.get("name") or path.stem)
    if engine is not None:
        with engine.connect() as conn:
            row = conn.execute(select(import_mappings.c.spec).where(import_mappings.c.name == text)).first()
        if row is not None:
            spec = row[0] if isinstance(row[0], dict) else json.loads(row[0])
            return Mapping.from_spec(spec, name=text)
    example = EXAMPLES / f"{text}.json"
    if example.exists():
        return load_mapping(str(example))
    raise ImportFailed("import.error.mapping_not_found", name=text)


def save_mapping(engine: Engine, name: str, spec: dict, actor: str = "system") -> Mapping:
    """Validate and store ``spec`` under ``name`` (replacing one of the same name)."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ImportFailed("import.error.mapping_name")
    mapping = Mapping.from_spec(spec, name=name)
    with engine.begin() as conn:
        conn.execute(delete(import_mappings).where(import_mappings.c.name == name))
        conn.execute(
            insert(import_mappings).values(
                name=name, kind=mapping.kind, spec=spec, created_at=dt.datetime.now(), created_by=actor
            )
        )
    return mapping


def list_mappings(engine: Engine, kind: str | None = None) -> list[dict]:
    """Saved mappings (name, kind, description, created_at, created_by), newest first."""
    q = select(import_mappings).order_by(import_mappings.c.created_at.desc(), import_mappings.c.name)
    if kind:
        q = q.where(import_mappings.c.kind == kind)
    with engine.connect() as conn:
        rows = conn.execute(q).mappings().all()
    out = []
    for r in rows:
        spec = r["spec"] if isinstance(r["spec"], dict) else json.loads(r["spec"])
        out.append(
            {
                "name": r["name"],
                "kind": r["kind"],
                "description": spec.get("description"),
                "spec": spec,
                "created_at": r["created_at"],
                "created_by": r["created_by"],
            }
        )
    return out


def delete_mapping(engine: Engine, name: str) -> bool:
    with engine.begin() as conn:
        return conn.execute(delete(import_mappings).where(import_mappings.c.name == name)).rowcount > 0
