"""Unit matching by code or name, and unit creation when the user asks for it.

Matching is tolerant (case, spacing, "UBND"/"Phường"/"Xã"/"tỉnh"/"Sở" prefixes,
diacritics, composed or decomposed Unicode) but never guesses: a name shared by
several units is refused with the candidates listed, an unknown one is refused with
the nearest names, unless the import was asked to create units.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from sqlalchemy import Connection, func, insert, literal, select, update

from thuocdo.ingest.kinds.base import Problem
from thuocdo.ingest.normalise import exact_name, fold, has_diacritics, normalise_code, normalise_name, toned_name
from thuocdo.store.schema import units

UNKNOWN_KEYS = (
    "import.reason.unit_unknown_code",
    "import.reason.unit_unknown_code_hint",
    "import.reason.unit_unknown_name",
    "import.reason.unit_unknown_name_hint",
)
UNIT_KINDS = ("city", "party", "department", "agency", "ward", "commune", "province", "other")
# Folded Vietnamese words → unit kind (for a "kind" column or for created units).
KIND_WORDS = {
    "city": "city",
    "thanh pho": "city",
    "party": "party",
    "dang": "party",
    "dang uy": "party",
    "to chuc dang": "party",
    "department": "department",
    "so": "department",
    "so ban nganh": "department",
    "ban": "department",
    "agency": "agency",
    "co quan": "agency",
    "don vi su nghiep": "agency",
    "ward": "ward",
    "phuong": "ward",
    "commune": "commune",
    "xa": "commune",
    "dac khu": "commune",
    "province": "province",
    "tinh": "province",
    "other": "other",
    "khac": "other",
}
MAX_CANDIDATES = 5


@dataclass
class UnitRec:
    id: int
    code: str
    name: str
    name_norm: str
    parent_id: int | None
    path: str
    level: int
    kind: str

    @property
    def label(self) -> str:
        return f"{self.code} – {self.name}"


@dataclass
class CreateSpec:
    """How to create units that a file names but the database lacks (mapping ``create_units``)."""

    kind: str = "other"
    kind_rules: list[tuple[str, str]] = field(default_factory=list)  # (folded word, kind)
    parent: dict | None = None  # {"code", "name", "kind", "parent": {...}}
    sector: str | None = None

    @classmethod
    def from_spec(cls, spec: dict | None) -> CreateSpec:
        spec = spec or {}
        rules = [(fold(w), k) for w, k in (spec.get("kind_rules") or [])]
        return cls(spec.get("kind") or "other", rules, spec.get("parent"), spec.get("sector"))

    def kind_for(self, name: str) -> str:
        words = f" {fold(name)} "
        for word, kind in self.kind_rules:
            if f" {word} " in words:
                return kind
        return self.kind


class UnitIndex:
    """All units in memory, indexed by code and by normalised name (a city has a few
    hundred, a nation a few thousand), with creation inside the import transaction."""

    def __init__(self, conn: Connection, scope_path: str = "/"):
        self.conn = conn
        # The importing user's unit subtree: rows of units outside it are refused.
        self.scope_path = scope_path or "/"
        self.by_id: dict[int, UnitRec] = {}
        self.by_code: dict[str, UnitRec] = {}
        self.by_norm: dict[str, list[UnitRec]] = {}
        self._memo: dict[tuple, tuple[UnitRec | None, Problem | None]] = {}
        rows = conn.execute(
            select(
                units.c.id,
                units.c.code,
                units.c.name,
                units.c.name_norm,
                units.c.parent_id,
                units.c.path,
                units.c.level,
                units.c.kind,
            )
        ).all()
        for r in rows:
            self._add(
                UnitRec(
                    r.id, r.code, r.name, r.name_norm or normalise_name(r.name), r.parent_id, r.path, r.level, r.kind
                )
            )
        self.created: list[UnitRec] = []

    def _add(self, rec: UnitRec) -> None:
        self.by_id[rec.id] = rec
        self.by_code[normalise_code(rec.code)] = rec
        self.by_norm.setdefault(normalise_name(rec.name), []).append(rec)
        if rec.name_norm and rec.name_norm != normalise_name(rec.name):
            self.by_norm.setdefault(rec.name_norm, []).append(rec)
        self._memo.clear()

    def replace(self, old: UnitRec, new: UnitRec) -> None:
        """Re-index a unit whose name changed."""
        for key in {normalise_name(old.name), old.name_norm}:
            lst = self.by_norm.get(key, [])
            self.by_norm[key] = [r for r in lst if r.id != old.id]
        self.by_code.pop(normalise_code(old.code), None)
        self._add(new)

    def root(self) -> UnitRec | None:
        """Where created units go without a parent: the scope's own unit, else the first root."""
        if self.scope_path != "/":
            return next((r for r in self.by_id.values() if r.path == self.scope_path), None)
        roots = [r for r in self.by_id.values() if r.parent_id is None]
        return min(roots, key=lambda r: (r.level, r.id)) if roots else None

    def in_scope(self, rec: UnitRec | None) -> bool:
        return rec is not None and rec.path.startswith(self.scope_path)

    def may_create_under(self, parent: UnitRec | None) -> bool:
        return self.scope_path == "/" or self.in_scope(parent)

    def out_of_scope(self, rec: UnitRec) -> Problem:
        return Problem("import.reason.unit_out_of_scope", {"value": rec.label})

    # ---- matching ------------------------------------------------------------------

    def by_code_or_none(self, code: str | None) -> UnitRec | None:
        return self.by_code.get(normalise_code(code)) if code else None

    def match(self, code: str | None, name: str | None, mode: str = "auto") -> tuple[UnitRec | None, Problem | None]:
        """The unit a row names, or the problem that says why it cannot be told.

        ``mode``: ``code`` (by code only), ``name`` (by name only) or ``auto`` (by code
        when the row has one, else by name).
        """
        key = (code, name, mode)
        if key in self._memo:
            return self._memo[key]
        out = self._match(code, name, mode)
        if out[0] is not None and not self.in_scope(out[0]):
            out = (None, self.out_of_scope(out[0]))
        self._memo[key] = out
        return out

    def _match(self, code, name, mode):
        code = (code or "").strip() or None
        name = (name or "").strip() or None
        use_code = mode == "code" or (mode == "auto" and code is not None)
        if use_code:
            if code is None:
                return None, Problem("import.reason.unit_required", {})
            rec = self.by_code.get(normalise_code(code))
            if rec is not None:
                return rec, None
            hint = self._suggest(name) if name else ""
            if hint:
                return None, Problem("import.reason.unit_unknown_code_hint", {"value": code, "hint": hint})
            return None, Problem("import.reason.unit_unknown_code", {"value": code})
        if name is None:
            return None, Problem("import.reason.unit_required", {})
        return self.match_name(name)

    def match_name(self, name: str) -> tuple[UnitRec | None, Problem | None]:
        norm = normalise_name(name)
        cands = {r.id: r for r in self.by_norm.get(norm, [])}
        if not cands:
            # The exact spelling (prefixes kept) may still be a unit's name: "Sở Y tế" stored as is.
            ex = exact_name(name)
            cands = {r.id: r for lst in self.by_norm.values() for r in lst if exact_name(r.name) == ex}
        if not cands:
            hint = self._suggest(name)
            if hint:
                return None, Problem("import.reason.unit_unknown_name_hint", {"value": name, "hint": hint})
            return None, Problem("import.reason.unit_unknown_name", {"value": name})
        ranked = sorted(cands.values(), key=lambda r: r.code)
        # 1. The same full spelling (prefix and diacritics) chooses between look-alikes.
        ex = exact_name(name)
        same = [r for r in ranked if exact_name(r.name) == ex]
        if len(same) == 1:
            return same[0], None
        # 2. Diacritics must agree when both names have them ("Đông Ánh" is not "Đông Anh");
        #    a name typed without any diacritics may match a unique candidate.
        if has_diacritics(name):
            tn = toned_name(name)
            pool = [r for r in ranked if not has_diacritics(r.name) or toned_name(r.name) == tn]
        else:
            pool = ranked
        if len(pool) == 1:
            return pool[0], None
        listed = "; ".join(r.label for r in (pool or ranked)[:MAX_CANDIDATES])
        if not pool:
            return None, Problem("import.reason.unit_diacritics", {"value": name, "candidates": listed})
        return None, Problem("import.reason.unit_ambiguous", {"value": name, "n": len(pool), "candidates": listed})

    def _suggest(self, name: str | None) -> str:
        if not name:
            return ""
        norm = normalise_name(name)
        close = difflib.get_close_matches(norm, list(self.by_norm), n=3, cutoff=0.8)
        recs = [r for k in close for r in self.by_norm[k]][:3]
        return "; ".join(r.label for r in recs)

    # ---- creation ------------------------------------------------------------------

    def create(
        self, code: str | None, name: str, kind: str, parent: UnitRec | None, sector: str | None = None
    ) -> UnitRec:
        """Insert a unit under ``parent`` (None = a new root) and return it."""
        code = (code or "").strip() or self._code_from_name(name)
        level = parent.level + 1 if parent else 0
        res = self.conn.execute(
            insert(units).values(
                code=code,
                name=name,
                name_norm=normalise_name(name),
                kind=kind if kind in UNIT_KINDS else "other",
                sector=sector,
                sensitive=False,
                parent_id=parent.id if parent else None,
                level=level,
                path="/",
                outstanding=False,
                active=True,
            )
        )
        uid = int(res.inserted_primary_key[0])
        path = (parent.path if parent else "/") + f"{uid}/"
        self.conn.execute(update(units).where(units.c.id == uid).values(path=path))
        rec = UnitRec(uid, code, name, normalise_name(name), parent.id if parent else None, path, level, kind)
        self._add(rec)
        self.created.append(rec)
        return rec

    def _code_from_name(self, name: str) -> str:
        base = re.sub(r"[^A-Z0-9]+", "-", fold(name).upper()).strip("-")[:56] or "DV"
        code, k = base, 1
        while normalise_code(code) in self.by_code:
            k += 1
            code = f"{base}-{k}"
        return code

    def ensure(self, spec: dict | None, allow_create: bool) -> tuple[UnitRec | None, Problem | None]:
        """The unit a mapping names as a parent ({"code", "name", "kind", "parent"}),
        created (with its own parents) when missing and creation is allowed."""
        if not spec:
            return self.root(), None
        code = spec.get("code")
        rec = self.by_code_or_none(code) if code else None
        if rec is None and not code and spec.get("name"):
            rec, prob = self.match_name(spec["name"])
            if prob is not None and prob.key == "import.reason.unit_ambiguous":
                return None, prob
        if rec is not None:
            # A parent above the user's scope is fine only if the created units land inside it.
            if not self.in_scope(rec) and self.scope_path != "/":
                return None, self.out_of_scope(rec)
            return rec, None
        if not allow_create:
            return None, Problem("import.reason.parent_unknown", {"value": code or spec.get("name") or "?"})
        grand, prob = (
            self.ensure(spec.get("parent"), allow_create)
            if spec.get("parent")
            else (self.root() if self.scope_path != "/" else None, None)
        )
        if prob is not None:
            return None, prob
        if not self.may_create_under(grand):
            return None, Problem("import.reason.unit_out_of_scope", {"value": code or spec.get("name") or "?"})
        return self.create(code, spec.get("name") or code, spec.get("kind") or "other", grand, spec.get("sector")), None

    def move(self, rec: UnitRec, new_parent: UnitRec | None) -> UnitRec:
        """Re-parent ``rec``: rewrite the materialised path and level of its subtree."""
        old_path = rec.path
        new_path = (new_parent.path if new_parent else "/") + f"{rec.id}/"
        delta = (new_parent.level + 1 if new_parent else 0) - rec.level
        # SQLite and PostgreSQL both have substr() and ||: path = new + rest of old.
        self.conn.execute(
            update(units)
            .where(units.c.path.like(old_path + "%"))
            .values(
                path=literal(new_path) + func.substr(units.c.path, len(old_path) + 1),
                level=units.c.level + delta,
            )
        )
        self.conn.execute(
            update(units).where(units.c.id == rec.id).values(parent_id=new_parent.id if new_parent else None)
        )
        # Refresh the in-memory records of the subtree.
        for r in list(self.by_id.values()):
            if r.path.startswith(old_path):
                r.path = new_path + r.path[len(old_path) :]
                r.level += delta
        rec.parent_id = new_parent.id if new_parent else None
        return rec

    def is_descendant(self, rec: UnitRec, other: UnitRec) -> bool:
        """True when ``other`` is ``rec`` or inside its subtree."""
        return other.path.startswith(rec.path)
