"""Scope enforcement, proven for every query function in ``queries/``.

Every public function of every module under ``queries/`` is discovered by introspection.
Functions with a ``scope`` parameter are called with a narrow scope (the unit head's
ward subtree, ``HN.P.HOANKIEM`` and its one-stop desk) on a fixture database that holds
data inside and outside that subtree, and:

1. nothing outside the subtree comes back: no code, name, id or title of an outside
   unit, official, objective, key result or device in any cell (ancestors of the
   subtree may appear only in ``parent*`` columns);
2. the result is identical on a copy of the database from which every fact outside the
   subtree was deleted — so no count, sum or mean mixes in outside rows;
3. identifier parameters pointed at something outside the subtree (another ward's unit
   code, official, objective...) return nothing from outside;
4. with a presenter's scope (``pseudonymise``) no official's name comes back.

A public function without a ``scope`` parameter fails the suite unless it is listed in
``SCOPE_FREE`` with a reason. Parameter values are derived from parameter names
(``RULES``); a required parameter without a rule fails with a message that says which
rule to add. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import math
import os
import pkgutil
import re
import uuid
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import delete, insert, select, text

import queries
from tests import fixture_data
from thuocdo.domain.access import Scope
from thuocdo.domain.periods import Period
from thuocdo.store import schema as s
from thuocdo.store.db import init_db
from thuocdo.store.engine import make_engine
from thuocdo.store.rollups import refresh_all

ROOT = Path(__file__).resolve().parent.parent

# The unit head's subtree in tests/fixture_data.py: the ward (id 3) and its desk (id 5).
SUBTREE_PATH = "/1/3/"
INSIDE_UNITS = (3, 5)
NARROW = Scope(SUBTREE_PATH, False)
NARROW_PSEUDO = Scope(SUBTREE_PATH, True)

# Module-level helpers that are not queries of unit-bound data, with the reason.
SCOPE_FREE: dict[str, str] = {
    "users.demo_mode_marker": "reads the demo marker in meta, no unit data",
    "users.demo_users": "the demo sign-in list (demo mode only), no unit facts",
    "users.user_by_email": "sign-in lookup of the signed-in person's own row",
    "users.unit_path": "resolves a unit code to its path for the sign-in scope itself",
    "users.engine": "returns the engine",
    "grades.grading_assignments": "the grading-policy setting, no unit facts",
    "officials.rotation_years": "a warning-config number, no unit facts",
    "okr.pace_thresholds": "the okr_pace setting, no unit facts",
    "satisfaction.scale_config": "the satisfaction_scale setting, no unit facts",
    "satisfaction.min_count": "the satisfaction_min_n setting, no unit facts",
    "satisfaction.quality_thresholds": "the suspect_ratings rule configuration, no unit facts",
    "warnings.assignees": "people who may act on warnings (a users lookup, no unit facts)",
    "warnings.current_config": "the warning rule configuration, no unit facts",
    "warnings.config_versions": "saved warning configurations, no unit facts",
    "admin.sign_in_user": "sign-in lookup of the signed-in person's own row",
}
DB_ACCESS = re.compile(r"\bread\(|get_engine\(|\.connect\(|\.begin\(|sql_text\(|\.execute\(")
# Modules that are infrastructure, not queries.
SKIP_MODULES = {"db"}

# Functions that deliberately compare with rows outside the scope (a city benchmark),
# with the reason. Check 2 (isolation) is skipped for them; checks 1, 3, 4 still apply.
BENCHMARK_OK: dict[str, str] = {}

INSIDE_OBJECTIVE = "OBJ-3"
OUTSIDE_OBJECTIVE = "OBJ-4"

# name -> (value for the narrow call, value pointing outside the subtree or None).
RULES: dict[str, tuple] = {
    "start": (202608, None),
    "end": (202610, None),
    "start_month": (202608, None),
    "end_month": (202610, None),
    "from_month": (202608, None),
    "to_month": (202610, None),
    "month": (202610, None),
    "month_from": (202608, None),
    "month_to": (202610, None),
    "period_key": ("2026-10", None),
    "snap_id": (3, 2),
    "snapshot_id": (3, 2),
    "before_id": (999999, None),
    "months": ((202608, 202609, 202610), None),
    "period": (Period.parse("2026-08..2026-10"), None),
    "spark_start": (202608, None),
    "year": (2026, None),
    "year_from": (2024, None),
    "year_to": (2026, None),
    "years": ((2025, 2026), None),
    "since": (dt.date(2026, 1, 1), None),
    "until": (dt.date(2026, 12, 31), None),
    "today": (dt.date(2026, 11, 20), None),
    "as_of": (dt.date(2026, 10, 31), None),
    "unit_code": ("HN.P.HOANKIEM", "HN.P.BADINH"),
    "code": ("HN.P.HOANKIEM", "HN.P.BADINH"),
    "org": ("HN.P.HOANKIEM", "HN.P.BADINH"),
    "org_code": ("HN.P.HOANKIEM", "HN.P.BADINH"),
    "unit": ("HN.P.HOANKIEM", "HN.P.BADINH"),
    "unit_codes": (("HN.P.HOANKIEM",), ("HN.P.BADINH", "HN.SNV")),
    "unit_id": (3, 4),
    "unit_ids": ((3, 5), (2, 4)),
    "ids": ((3, 5), (2, 4)),
    "unit_path": (SUBTREE_PATH, "/1/4/"),
    "token": ("CB0001", "CB0003"),
    "parent_code": ("HN.P.HOANKIEM", "HN"),
    "official": ("CB0001", "CB0003"),
    "official_code": ("CB0001", "CB0003"),
    "official_id": (1, 3),
    "official_ids": ((1, 2), (3, 4)),
    "objective_code": (INSIDE_OBJECTIVE, OUTSIDE_OBJECTIVE),
    "objective_id": (3, 4),
    "warning_id": (1, 2),
    "position_code": ("staff", None),
    "unit_kind": ("ward", None),
    "kind": ("ward", None),
    "mine": (80.0, None),
    "kpi_code": ("766.TONG_SCORE", None),
    "kpi": ("766.TONG_SCORE", None),
    "channel": ("kiosk", None),
    "service_code": ("KS01", None),
    "rule_code": ("falling_results", None),
    "status": ("new", None),
    "limit": (500, None),
    "n": (50, None),
    "top": (50, None),
    "top_n": (50, None),
    "lang": ("vi", None),
    "q": ("", "Lê Minh"),
    "search": ("", "Lê Minh"),
    "query": ("", "Lê Minh"),
    "text": ("", "Lê Minh"),
    "actor": ("", None),
    "action": ("", None),
    "target": ("", "CB0003"),
}

# Overrides for one function where a name means something else there.
RULES_FOR: dict[str, dict[str, tuple]] = {
    "satisfaction.raw_ratings": {"kind": ("official", None), "subject_id": (1, 3)},
    "warnings.warnings_by_unit": {"recent": ((202609, 202610), None), "before": ((202608, 202608), None)},
}

# Exceptions that mean "refused" when an identifier points outside the scope.
REFUSALS = (ValueError, LookupError, PermissionError)

# Columns whose integer values are unit / official ids.
UNIT_ID_COLS = {"unit_id", "parent_unit_id", "subject_unit_id"}
OFFICIAL_ID_COLS = {"official_id"}


# --- discovery --------------------------------------------------------------------------


def _discover():
    """(qualified name, function, signature) of every public function under queries/, plus import errors."""
    found, errors = [], []
    for info in sorted(pkgutil.iter_modules(queries.__path__), key=lambda i: i.name):
        if info.name in SKIP_MODULES or info.name.startswith("_"):
            continue
        modname = f"queries.{info.name}"
        try:
            module = importlib.import_module(modname)
        except Exception as exc:  # a half-written module must fail loudly, not hide
            errors.append((info.name, repr(exc)))
            continue
        for name, obj in vars(module).items():
            if name.startswith("_") or not callable(obj) or inspect.isclass(obj):
                continue
            if getattr(obj, "__module__", None) != modname:
                continue
            try:
                sig = inspect.signature(obj)
            except (TypeError, ValueError):
                continue
            found.append((f"{info.name}.{name}", obj, sig))
    return found, errors


FUNCTIONS, IMPORT_ERRORS = _discover()
SCOPED = [(q, f, sig) for q, f, sig in FUNCTIONS if "scope" in sig.parameters]


def _reads_data(func) -> bool:
    """True for a cached function or one whose body touches the database."""
    from streamlit.runtime.caching.cache_utils import CachedFunc

    if isinstance(func, CachedFunc):
        return True
    try:
        src = inspect.getsource(getattr(func, "__wrapped__", func))
    except (OSError, TypeError):
        return True
    return bool(DB_ACCESS.search(src))


# Pure helpers in a query module (formatting, statistics on a frame) are not queries.
UNSCOPED = [q for q, f, sig in FUNCTIONS if "scope" not in sig.parameters and _reads_data(f)]


def test_query_modules_import():
    assert not IMPORT_ERRORS, f"query modules that fail to import: {IMPORT_ERRORS}"


def test_discovery_finds_the_frame_queries():
    names = {q for q, _f, _s in SCOPED}
    assert {"units.units_in_scope", "units.months_with_data", "overview.headline"} <= names


@pytest.mark.parametrize("qualname", UNSCOPED or ["<none>"])
def test_every_query_takes_scope(qualname):
    if qualname == "<none>":
        return
    assert qualname in SCOPE_FREE, (
        f"queries/{qualname.replace('.', '.py: ')} has no `scope` parameter. Every query of "
        "unit-bound data takes the user's scope (docs/conventions.md); if this one reads "
        "no unit-bound data, list it in SCOPE_FREE in tests/test_scope_enforcement.py with the reason."
    )


def test_scope_free_list_is_current():
    stale = set(SCOPE_FREE) - set(UNSCOPED)
    present_modules = {q.split(".")[0] for q, _f, _s in FUNCTIONS}
    stale = {q for q in stale if q.split(".")[0] in present_modules}
    assert not stale, f"SCOPE_FREE names functions that no longer exist or now take a scope: {sorted(stale)}"


# --- the fixture world ------------------------------------------------------------------


def _enrich(engine) -> None:
    """Add KPI, OKR, annual grade, warning, device, position and access-log rows inside
    and outside the subtree, so every kind of query has something it could leak."""
    with engine.begin() as conn:
        conn.execute(
            insert(s.kpis),
            [
                {"id": 1, "code": "766.TONG_SCORE", "name": "Chỉ số 766 tổng", "direction": "up", "max_value": 100.0},
                {
                    "id": 2,
                    "code": "766.MDHL",
                    "name": "Mức độ hài lòng",
                    "direction": "up",
                    "max_value": 18.0,
                    "parent_code": "766.TONG_SCORE",
                },
            ],
        )
        rows = []
        for unit in range(1, 6):
            for i, m in enumerate(fixture_data.MONTHS):
                rows.append({"unit_id": unit, "kpi_id": 1, "month": m, "target": 80.0, "actual": 60.0 + unit * 5 + i})
                rows.append({"unit_id": unit, "kpi_id": 2, "month": m, "target": 15.0, "actual": 10.0 + unit + i})
        conn.execute(insert(s.kpi_values), rows)
        for unit in range(1, 6):
            conn.execute(
                insert(s.objectives).values(
                    id=unit,
                    code=f"OBJ-{unit}",
                    unit_id=unit,
                    title=f"Nâng cao chất lượng phục vụ — mục tiêu số {unit}",
                    period_kind="year",
                    year=2026,
                    start_date=dt.date(2026, 1, 1),
                    end_date=dt.date(2026, 12, 31),
                    weight=1.0,
                    owner=f"Chủ trì mục tiêu số {unit}",
                )
            )
            for k in (1, 2):
                kr = unit * 10 + k
                conn.execute(
                    insert(s.key_results).values(
                        id=kr,
                        code=f"KR-{unit}-{k}",
                        objective_id=unit,
                        title=f"Kết quả then chốt {unit}.{k}",
                        unit_of_measure="%",
                        baseline=0.0,
                        target=100.0,
                        current=40.0 + unit + k,
                        direction="up",
                        weight=1.0,
                        due_date=dt.date(2026, 12, 31),
                    )
                )
                for j, day in enumerate((dt.date(2026, 8, 31), dt.date(2026, 9, 30), dt.date(2026, 10, 31))):
                    conn.execute(
                        insert(s.kr_checkins).values(key_result_id=kr, checked_at=day, value=20.0 + 10 * j + unit + k)
                    )
        for oid, _code, _name, _g, unit in fixture_data.OFFICIALS:
            for year, grade in ((2024, "good"), (2025, "not_completed" if oid % 2 else "excellent")):
                conn.execute(
                    insert(s.annual_grades).values(
                        official_id=oid, unit_id=unit, year=year, score=70.0 + oid, grade=grade, policy_code="nd335"
                    )
                )
            conn.execute(
                insert(s.position_history).values(
                    official_id=oid,
                    unit_id=unit,
                    position="Chuyên viên",
                    position_code="staff",
                    start_date=dt.date(2021, 1, 1),
                )
            )
        for unit in (3, 4, 5):
            conn.execute(insert(s.devices).values(code=f"K-{unit}", unit_id=unit, channel="kiosk"))
        now = dt.datetime(2026, 11, 1, 8, 0)
        warnings = [
            # id, rule, subject type, subject id, unit
            (1, "falling_results", "official", 1, 3),
            (2, "falling_results", "official", 3, 4),
            (3, "satisfaction_drop", "unit", 3, 3),
            (4, "satisfaction_drop", "unit", 4, 4),
            (5, "off_pace", "unit", 2, 2),
            (6, "missing_data", "unit", 5, 5),
            (7, "grade_quota", "unit", 1, 1),
        ]
        for wid, rule, stype, sid, unit in warnings:
            conn.execute(
                insert(s.warnings).values(
                    id=wid,
                    rule_code=rule,
                    subject_type=stype,
                    subject_id=sid,
                    unit_id=unit,
                    month=202610,
                    severity="high" if wid % 2 else "medium",
                    score=2.5,
                    reason_key=f"warning.{rule}.reason",
                    reason_params={"points": 12.5},
                    evidence={"months": fixture_data.MONTHS},
                    evidence_hash=f"h{wid}",
                    threshold=10.0,
                    sample_size=60,
                    status="new",
                    config_version=1,
                    created_at=now,
                    updated_at=now,
                )
            )
            conn.execute(
                insert(s.warning_events).values(
                    warning_id=wid, at=now, actor="system", action="created", to_status="new"
                )
            )
        snaps = [
            (1, "/", "HN"),
            (2, "/1/4/", "HN.P.BADINH"),
            (3, "/1/3/", "HN.P.HOANKIEM"),
            (4, "/1/3/5/", "HN.P.HOANKIEM.MC"),
        ]
        for sid, path, code in snaps:
            conn.execute(
                insert(s.snapshots).values(
                    id=sid,
                    title=f"Ảnh chụp số liệu {sid}",
                    period="2026-10",
                    filters={"period": "2026-10", "scope_path": path, "pseudonymise": False},
                    payload={"units": [{"code": code}]},
                    content_hash=f"c{sid}",
                    created_at=now,
                    created_by="system",
                )
            )
        for oid, code, _n, _g, _u in fixture_data.OFFICIALS:
            conn.execute(
                insert(s.access_log).values(
                    at=dt.datetime(2026, 10, 20, 9, oid),
                    actor="kiemtra@thuocdo.demo",
                    role="inspector",
                    action="view_official",
                    target_type="official",
                    target=code,
                    purpose="periodic_review",
                )
            )


def _prune(engine) -> None:
    """Delete every fact that belongs to a unit outside the subtree, then rebuild rollups."""
    with engine.begin() as conn:
        inside = list(INSIDE_UNITS)
        outside_officials = [
            r[0] for r in conn.execute(select(s.officials.c.id).where(s.officials.c.unit_id.not_in(inside)))
        ]
        outside_objectives = [
            r[0] for r in conn.execute(select(s.objectives.c.id).where(s.objectives.c.unit_id.not_in(inside)))
        ]
        outside_krs = [
            r[0]
            for r in conn.execute(
                select(s.key_results.c.id).where(s.key_results.c.objective_id.in_(outside_objectives))
            )
        ]
        outside_warnings = [
            r[0] for r in conn.execute(select(s.warnings.c.id).where(s.warnings.c.unit_id.not_in(inside)))
        ]
        outside_codes = [
            r[0] for r in conn.execute(select(s.officials.c.code).where(s.officials.c.id.in_(outside_officials)))
        ]
        conn.execute(delete(s.kr_checkins).where(s.kr_checkins.c.key_result_id.in_(outside_krs)))
        conn.execute(delete(s.key_results).where(s.key_results.c.id.in_(outside_krs)))
        conn.execute(delete(s.objectives).where(s.objectives.c.id.in_(outside_objectives)))
        conn.execute(delete(s.warning_events).where(s.warning_events.c.warning_id.in_(outside_warnings)))
        conn.execute(delete(s.warnings).where(s.warnings.c.id.in_(outside_warnings)))
        for table in (s.kpi_values, s.evaluations, s.annual_grades, s.ratings, s.devices, s.position_history):
            conn.execute(delete(table).where(table.c.unit_id.not_in(inside)))
        conn.execute(delete(s.position_history).where(s.position_history.c.official_id.in_(outside_officials)))
        conn.execute(delete(s.access_log).where(s.access_log.c.target.in_(outside_codes)))
        conn.execute(delete(s.officials).where(s.officials.c.id.in_(outside_officials)))
        conn.execute(delete(s.snapshots).where(s.snapshots.c.id.in_([1, 2])))
        for table in s.ROLLUP_TABLES:
            conn.execute(delete(table))
        refresh_all(conn)


def _build(url: str, prune: bool) -> None:
    engine = make_engine(url)
    init_db(engine)
    fixture_data.build(engine)
    _enrich(engine)
    if prune:
        _prune(engine)
    engine.dispose()


def _outside_markers(url: str) -> dict:
    """Identifiers and names of everything outside the subtree, from the full database."""
    engine = make_engine(url)
    with engine.connect() as conn:
        units = conn.execute(select(s.units.c.id, s.units.c.code, s.units.c.name, s.units.c.path)).fetchall()
        outside_units = [u for u in units if not u.path.startswith(SUBTREE_PATH)]
        ancestors = [u for u in outside_units if SUBTREE_PATH.startswith(u.path)]
        officials = conn.execute(
            select(s.officials.c.id, s.officials.c.code, s.officials.c.full_name, s.officials.c.unit_id)
        ).fetchall()
        outside_officials = [o for o in officials if o.unit_id not in INSIDE_UNITS]
        objectives = conn.execute(
            select(s.objectives.c.code, s.objectives.c.title, s.objectives.c.owner).where(
                s.objectives.c.unit_id.not_in(INSIDE_UNITS)
            )
        ).fetchall()
        krs = conn.execute(
            select(s.key_results.c.code, s.key_results.c.title)
            .join(s.objectives, s.objectives.c.id == s.key_results.c.objective_id)
            .where(s.objectives.c.unit_id.not_in(INSIDE_UNITS))
        ).fetchall()
        devices = conn.execute(select(s.devices.c.code).where(s.devices.c.unit_id.not_in(INSIDE_UNITS))).fetchall()
        snap_titles = conn.execute(select(s.snapshots.c.title).where(s.snapshots.c.id.in_([1, 2]))).fetchall()
    engine.dispose()
    exact = {u.code for u in outside_units} | {o.code for o in outside_officials}
    exact |= {o.code for o in objectives} | {k.code for k in krs} | {d.code for d in devices}
    names = {u.name for u in outside_units} | {o.full_name for o in outside_officials}
    names |= {o.title for o in objectives} | {o.owner for o in objectives} | {k.title for k in krs}
    names |= {r.title for r in snap_titles}
    return {
        "exact": exact,
        "names": names,
        "ancestor": {u.code for u in ancestors} | {u.name for u in ancestors},
        "unit_ids": {u.id for u in outside_units},
        "ancestor_ids": {u.id for u in ancestors},
        "official_ids": {o.id for o in outside_officials},
        "all_official_names": {o.full_name for o in officials},
    }


def _pg_schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, tmp_path_factory):
    """{'full': url, 'pruned': url, 'markers': {...}} on one backend, built once per module."""
    if request.param == "sqlite":
        d = tmp_path_factory.mktemp("scope")
        full, pruned = f"sqlite:///{d / 'full.db'}", f"sqlite:///{d / 'pruned.db'}"
        _build(full, prune=False)
        _build(pruned, prune=True)
        yield {"full": full, "pruned": pruned, "markers": _outside_markers(full), "backend": "sqlite"}
        return
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("PostgreSQL (TEST_DATABASE_URL) is required when CI=true")
        pytest.skip("PostgreSQL (TEST_DATABASE_URL) is not available on this machine")
    admin = make_engine(base)
    schemas = ["scope_" + uuid.uuid4().hex[:10], "scope_" + uuid.uuid4().hex[:10]]
    with admin.begin() as conn:
        for sch in schemas:
            conn.execute(text(f'CREATE SCHEMA "{sch}"'))  # identifier generated here, not input
    full, pruned = (_pg_schema_url(base, sch) for sch in schemas)
    try:
        _build(full, prune=False)
        _build(pruned, prune=True)
        yield {"full": full, "pruned": pruned, "markers": _outside_markers(full), "backend": "postgresql"}
    finally:
        with admin.begin() as conn:
            for sch in schemas:
                conn.execute(text(f'DROP SCHEMA "{sch}" CASCADE'))
        admin.dispose()


# --- calling and checking ---------------------------------------------------------------


def _use_db(monkeypatch, url: str) -> None:
    import streamlit as st

    monkeypatch.setenv("DATABASE_URL", url)
    st.cache_data.clear()
    st.cache_resource.clear()


def _kwargs(qualname: str, sig: inspect.Signature, scope: Scope, probe: bool) -> dict | None:
    """Arguments by parameter name; with ``probe`` every identifier points outside the
    subtree (None when the function has no such parameter)."""
    kwargs, probed = {}, False
    for name, p in sig.parameters.items():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if name == "scope":
            kwargs[name] = scope
            continue
        rule = RULES_FOR.get(qualname, {}).get(name, RULES.get(name))
        if probe and rule is not None and rule[1] is not None:
            kwargs[name] = rule[1]
            probed = True
        elif p.default is not p.empty:
            continue
        elif rule is not None:
            kwargs[name] = rule[0]
        else:
            pytest.fail(
                f"queries.{qualname}: no rule for the required parameter {name!r}. Add it to RULES in "
                "tests/test_scope_enforcement.py: (value inside the ward subtree /1/3/, value pointing "
                "outside it or None)."
            )
    return kwargs if (probed or not probe) else None


def _cells(result, column: str = ""):
    """Yield (column name, value) for every scalar in a query result."""
    if isinstance(result, pd.DataFrame):
        for col in result.columns:
            for v in result[col].tolist():
                yield from _cells(v, str(col))
    elif isinstance(result, pd.Series):
        for k, v in result.items():
            yield from _cells(v, str(k))
    elif isinstance(result, dict):
        for k, v in result.items():
            yield from _cells(v, str(k))
    elif isinstance(result, (list, tuple, set, frozenset)):
        for v in result:
            yield from _cells(v, column)
    elif hasattr(result, "__dataclass_fields__"):
        for k in result.__dataclass_fields__:
            yield from _cells(getattr(result, k), k)
    else:
        yield column, result


def _echo(kwargs: dict) -> set:
    """The identifiers the caller passed in: echoing them back reveals nothing new."""
    out = set()
    for v in kwargs.values():
        for _c, x in _cells(v):
            if isinstance(x, (str, int)) and not isinstance(x, bool):
                out.add(x)
    return out


def _leaks(result, markers: dict, echo: frozenset | set = frozenset()) -> list[str]:
    found = []
    for col, v in _cells(result):
        if isinstance(v, (str, int)) and not isinstance(v, bool) and v in echo:
            continue
        lcol = col.lower()
        parent_col = lcol.startswith("parent")
        if isinstance(v, str):
            allowed = markers["ancestor"] if parent_col else set()
            if v in markers["exact"] and v not in allowed:
                found.append(f"{col}={v!r}")
                continue
            for name in markers["names"]:
                if name in v and name not in allowed:
                    found.append(f"{col}={v!r} (contains {name!r})")
                    break
        elif lcol in UNIT_ID_COLS or lcol in OFFICIAL_ID_COLS:
            try:
                iv = int(v)
            except (TypeError, ValueError, OverflowError):
                continue
            if iv in echo:
                continue
            if lcol in UNIT_ID_COLS and iv in markers["unit_ids"]:
                if not (lcol.startswith("parent") and iv in markers["ancestor_ids"]):
                    found.append(f"{col}={iv}")
            elif lcol in OFFICIAL_ID_COLS and iv in markers["official_ids"]:
                found.append(f"{col}={iv}")
    return sorted(set(found))[:20]


def _norm(result):
    """A comparable form of a result: rows as sorted tuples of strings, dicts sorted."""
    if isinstance(result, pd.DataFrame):
        rows = sorted(tuple(_scalar(v) for v in row) for row in result.itertuples(index=False))
        return ("df", tuple(map(str, result.columns)), tuple(rows))
    if isinstance(result, pd.Series):
        return ("s", tuple((str(k), _norm(v)) for k, v in result.items()))
    if isinstance(result, dict):
        return ("d", tuple(sorted((str(k), _norm(v)) for k, v in result.items())))
    if isinstance(result, (list, tuple)):
        return ("l", tuple(_norm(v) for v in result))
    return _scalar(result)


def _scalar(v):
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT:
        return "∅"
    if isinstance(v, float):
        return repr(round(v, 9))
    if isinstance(v, (pd.DataFrame, pd.Series, dict, list, tuple)):
        return repr(_norm(v))
    return repr(v)


def _call(func, kwargs):
    return func(**kwargs)


@pytest.mark.parametrize("qualname,func,sig", SCOPED, ids=[q for q, _f, _s in SCOPED])
def test_narrow_scope_returns_nothing_from_outside(world, monkeypatch, qualname, func, sig):
    """Checks 1 and 2: no outside identifiers; same result without any outside facts."""
    kwargs = _kwargs(qualname, sig, NARROW, probe=False)
    _use_db(monkeypatch, world["full"])
    result = _call(func, kwargs)
    leaks = _leaks(result, world["markers"])
    assert not leaks, f"queries.{qualname}({kwargs}) returned rows from outside the scope: {leaks}"
    if qualname in BENCHMARK_OK:
        return
    _use_db(monkeypatch, world["pruned"])
    isolated = _call(func, kwargs)
    assert _norm(result) == _norm(isolated), (
        f"queries.{qualname}({kwargs}) gives a different result once the facts outside the scope are "
        f"deleted, so it counts or averages rows outside the scope.\nwith outside rows: {result!r}\n"
        f"without: {isolated!r}"
    )


@pytest.mark.parametrize("qualname,func,sig", SCOPED, ids=[q for q, _f, _s in SCOPED])
def test_identifiers_outside_the_scope_return_nothing(world, monkeypatch, qualname, func, sig):
    """Check 3: a unit code, official, objective... of another ward yields nothing of it
    (the identifiers passed in may be echoed back, but no fact about them)."""
    kwargs = _kwargs(qualname, sig, NARROW, probe=True)
    if kwargs is None:
        pytest.skip("no identifier parameter to point outside the scope")
    _use_db(monkeypatch, world["full"])
    try:
        result = _call(func, kwargs)
    except REFUSALS:
        return  # refusing an outside identifier is the right answer too
    leaks = _leaks(result, world["markers"], _echo(kwargs))
    assert not leaks, f"queries.{qualname}({kwargs}) returned rows from outside the scope: {leaks}"
    if qualname in BENCHMARK_OK:
        return
    _use_db(monkeypatch, world["pruned"])
    isolated = _call(func, kwargs)
    assert _norm(result) == _norm(isolated), (
        f"queries.{qualname}({kwargs}) returns facts about an identifier outside the scope (the result "
        f"changes once the outside facts are deleted).\nwith outside rows: {result!r}\nwithout: {isolated!r}"
    )


@pytest.mark.parametrize("qualname,func,sig", SCOPED, ids=[q for q, _f, _s in SCOPED])
def test_presenter_scope_returns_no_names(world, monkeypatch, qualname, func, sig):
    """Check 4: with ``scope.pseudonymise`` no official's name leaves the query layer."""
    if world["backend"] != "sqlite":
        pytest.skip("pseudonymisation is engine-independent Python; checked on SQLite")
    kwargs = _kwargs(qualname, sig, NARROW_PSEUDO, probe=False)
    _use_db(monkeypatch, world["full"])
    result = _call(func, kwargs)
    names = world["markers"]["all_official_names"]
    found = sorted({f"{col}={v!r}" for col, v in _cells(result) if isinstance(v, str) and any(n in v for n in names)})
    assert not found, f"queries.{qualname} with a presenter's scope returned official names: {found[:10]}"


def test_the_checks_catch_a_query_without_scope(world, monkeypatch):
    """The checker itself: a read that ignores the scope is caught by both checks."""
    from queries.db import read

    _use_db(monkeypatch, world["full"])
    everything = read("units_in_scope", scope_path="/%")
    assert _leaks(everything, world["markers"]), "an unscoped unit list must be flagged"
    city = read("overview_headline", scope_path="/%", start=202608, end=202610)
    assert not _leaks(city, world["markers"])  # counts carry no identifiers...
    _use_db(monkeypatch, world["pruned"])
    pruned = read("overview_headline", scope_path="/%", start=202608, end=202610)
    assert _norm(city) != _norm(pruned)  # ...but the isolation check sees the outside rows
