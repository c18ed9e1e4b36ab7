"""Generate a demo database and load it: the orchestration behind ``seed-demo``."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine, func, select

from thuocdo.demo import evaluations as ev
from thuocdo.demo import load, okr, people, plants, reference, truth
from thuocdo.demo import ratings as rt
from thuocdo.demo.profiles import FEATURED_UNIT, Profiles, build_profiles
from thuocdo.demo.scales import END_MONTH, Scale, get_scale
from thuocdo.store import schema as s
from thuocdo.store.db import init_db, set_meta

DEMO_USERS = (
    # email, name, role, unit code (None = the whole city)
    ("lanhdao@thuocdo.demo", "Lãnh đạo Thành ủy", "leader", None),
    ("kiemtra@thuocdo.demo", "Cán bộ Ủy ban Kiểm tra Thành ủy", "inspector", None),
    ("truongdonvi@thuocdo.demo", "Chủ tịch UBND phường Hoàn Kiếm", "unit_head", FEATURED_UNIT),
    ("baocao@thuocdo.demo", "Báo cáo viên hội nghị", "presenter", None),
    ("quantri@thuocdo.demo", "Quản trị hệ thống", "admin", None),
)
DEMO_CREATED_AT = dt.datetime(2026, 10, 31, 8, 0, 0)

OFFICIAL_COLUMNS = [c.name for c in s.officials.columns]
UNIT_COLUMNS = [c.name for c in s.units.columns]


class SeedRefused(RuntimeError):
    """The database already holds units and --force was not given."""

    def __init__(self, units: int):
        super().__init__(f"the database already has {units} units; use force=True to replace them")
        self.units = units
        self.key = "demo.error.not_empty"


@dataclass
class Demo:
    """A generated demo database, before loading (ratings are produced while loading)."""

    scale: Scale
    seed: int
    n_ratings: int
    units: pd.DataFrame
    officials: pd.DataFrame
    tables: dict[str, pd.DataFrame]
    plan: plants.Plan
    profiles: Profiles
    setup: rt.RatingSetup
    records: list[dict]
    truth: list[dict] | None = None  # complete after loading (secondary records need ratings)
    unit_rollup: pd.DataFrame | None = None
    official_rollup: pd.DataFrame | None = None


def _month_of(days: np.ndarray) -> np.ndarray:
    d = days.astype("datetime64[M]")
    years = d.astype("datetime64[Y]").astype(np.int64) + 1970
    return years * 100 + (d.astype(np.int64) % 12) + 1


def generate(scale_name: str = "small", seed: int = 42, n_ratings: int | None = None) -> Demo:
    """Every table but the ratings (and their rollups), plus the plan and the truth so far."""
    scale = get_scale(scale_name)
    n = int(n_ratings if n_ratings is not None else scale.ratings)
    if n < 1000:
        raise ValueError("at least 1000 ratings are needed")
    units = reference.build_units(scale, seed)
    officials = people.build_officials(units, scale, seed)
    history, hire = people.build_history(officials, units, seed)
    officials["hire_month"] = _month_of(hire)
    profiles = build_profiles(units, scale, seed)
    years = ev.annual_years(scale)
    plan = plants.make_plan(scale, seed, units, officials, profiles, n, years)

    # Rotation plants move the start of the current post back; the history follows.
    since = officials["position_since"].to_numpy().astype("datetime64[D]").copy()
    pos = {int(o): i for i, o in enumerate(officials["id"])}
    for o, d in plan.rotation:
        since[pos[o]] = d
    officials["position_since"] = since
    history, hire = people.build_history(officials, units, seed)
    officials["hire_month"] = _month_of(hire)

    ev.shape_means(officials, plan, scale, seed)
    evaluations = ev.build_evaluations(officials, units, plan, scale, seed)
    annual = ev.build_annual(evaluations, scale)
    objectives, key_results, checkins = okr.build_okr(units, officials, plan, scale, seed)
    kpis = okr.build_kpis()
    kpi_values = okr.build_kpi_values(units, officials, plan, scale, seed)
    services = pd.DataFrame([{k: r[k] for k in ("code", "name", "sector")} for r in reference.services()])
    setup = rt.prepare(profiles, units, officials, plan, scale, seed, n)
    unit_id = dict(zip(units["code"], units["id"], strict=True))
    users = pd.DataFrame(
        [
            {
                "id": i,
                "email": email,
                "name": name,
                "role": role,
                "unit_id": unit_id[code] if code else None,
                "active": True,
                "is_demo": True,
                "created_at": DEMO_CREATED_AT,
            }
            for i, (email, name, role, code) in enumerate(DEMO_USERS, start=1)
        ]
    )
    users["created_at"] = users["created_at"].astype("datetime64[s]")

    records = list(plan.records)
    records += truth.rotation_records(officials, scale)
    records += truth.consecutive_records(annual, officials)
    records += truth.quota_records(annual, units)

    tables = {
        "units": units[UNIT_COLUMNS],
        "officials": officials[OFFICIAL_COLUMNS],
        "position_history": history,
        "evaluations": evaluations,
        "annual_grades": annual,
        "objectives": objectives,
        "key_results": key_results,
        "kr_checkins": checkins,
        "kpis": kpis,
        "kpi_values": kpi_values,
        "services": services,
        "devices": setup.devices,
        "users": users,
        "rollup_eval_unit": eval_rollup(evaluations),
    }
    return Demo(scale, seed, n, units, officials, tables, plan, profiles, setup, records)


def eval_rollup(e: pd.DataFrame) -> pd.DataFrame:
    """rollup_eval_unit from the evaluation rows (as thuocdo.store.rollups.refresh_evaluations)."""
    grade = e["grade"].to_numpy()
    frame = pd.DataFrame(
        {
            "unit_id": e["unit_id"],
            "month": e["month"],
            "final": e["final_score"],
            "self": e["self_score"],
            "manager": e["manager_score"],
            **{f"n_{g}": (grade == g).astype(np.int64) for g in ("excellent", "good", "completed", "not_completed")},
            "tasks_assigned": e["tasks_assigned"],
            "tasks_on_time": e["tasks_on_time"],
            "tasks_late": e["tasks_late"],
            "major_errors": e["major_errors"],
        }
    )
    g = frame.groupby(["unit_id", "month"], sort=True)
    out = g.sum().reset_index()
    out["n"] = g.size().to_numpy()
    return out.rename(columns={"final": "sum_final", "self": "sum_self", "manager": "sum_manager"})


# Order of loading: parents first.
LOAD_ORDER = (
    "units",
    "officials",
    "position_history",
    "evaluations",
    "annual_grades",
    "objectives",
    "key_results",
    "kr_checkins",
    "kpis",
    "kpi_values",
    "services",
    "devices",
    "users",
    "rollup_eval_unit",
)
SERIAL_TABLES = (
    "units",
    "officials",
    "position_history",
    "evaluations",
    "annual_grades",
    "objectives",
    "key_results",
    "kr_checkins",
    "kpis",
    "kpi_values",
    "users",
    "ratings",
)


def unit_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(s.units)).scalar_one())


def truth_path(engine: Engine) -> Path | None:
    """``<database file>.truth.json`` for a SQLite file database, else None."""
    if engine.dialect.name != "sqlite":
        return None
    db = engine.url.database
    if not db or db == ":memory:" or db.startswith("file:"):
        return None
    return Path(db).with_name(Path(db).name + ".truth.json")


def seed(
    engine: Engine,
    scale: str = "small",
    seed: int = 42,
    force: bool = False,
    ratings: int | None = None,
    log: Callable[[str], None] | None = None,
) -> dict:
    """Create the schema if needed, then fill the database with a deterministic demo.

    Refuses (:class:`SeedRefused`) when units exist, unless ``force`` — then every data
    table is emptied first (settings, warning configurations and import mappings are
    kept). Returns scale, seed, counts per table, truth per rule and seconds taken.
    """
    return seed_with_data(engine, scale, seed, force, ratings, log)[0]


def seed_with_data(
    engine: Engine,
    scale: str = "small",
    seed: int = 42,
    force: bool = False,
    ratings: int | None = None,
    log: Callable[[str], None] | None = None,
) -> tuple[dict, Demo]:
    """:func:`seed`, also returning the generated frames (for tests and benchmarks)."""
    say = log or (lambda _msg: None)
    t0 = time.perf_counter()
    init_db(engine)
    existing = unit_count(engine)
    if existing and not force:
        raise SeedRefused(existing)
    say(f"generating {scale} (seed {seed})")
    demo = generate(scale, seed, ratings)
    t_gen = time.perf_counter()
    say(f"generated in {t_gen - t0:.1f} s; loading")

    counts: dict[str, int] = {}
    official_rollups = []
    unit_rollups = []
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:
            # Per-connection switches for the bulk load only (restored below): foreign keys
            # are checked by construction here, and a crash means re-seeding anyway.
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.exec_driver_sql("PRAGMA synchronous=OFF")
            conn.commit()
        try:
            with conn.begin():
                if existing:
                    load.wipe(conn)
                if not sqlite:
                    conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")
                for name in LOAD_ORDER:
                    counts[name] = load.bulk_insert(conn, s.metadata.tables[name], demo.tables[name])
                load.drop_rating_indexes(conn)
                next_id = 1
                roll_counts = {
                    k: 0
                    for k in (
                        "rollup_rating_unit",
                        "rollup_rating_official",
                        "rollup_rating_service",
                        "rollup_rating_hour",
                    )
                }
                for t, month in enumerate(demo.setup.months):
                    month_cols = rt.generate_month(demo.setup, t, next_id)
                    n_month = len(month_cols["id"])
                    next_id += n_month
                    load.insert_columns(conn, s.ratings, rt.table_columns(month_cols, demo.setup))
                    for name, frame in rt.rollups(month_cols, demo.setup).items():
                        roll_counts[name] += load.bulk_insert(conn, s.metadata.tables[name], frame)
                        if name == "rollup_rating_official":
                            official_rollups.append(frame)
                        elif name == "rollup_rating_unit":
                            unit_rollups.append(frame)
                    say(f"ratings {month}: {n_month:,}")
                counts["ratings"] = next_id - 1
                counts.update(roll_counts)
                say("indexing ratings")
                load.create_rating_indexes(conn)
                official_rollup = pd.concat(official_rollups, ignore_index=True)
                records = demo.records + truth.secondary_records(demo.plan, official_rollup, demo.officials)
                the_truth = truth.finalise(records)
                meta = {
                    "demo": "1",
                    "demo_scale": demo.scale.name,
                    "demo_seed": str(demo.seed),
                    "demo_ratings": str(counts["ratings"]),
                    "demo_end_month": str(END_MONTH),
                    "demo_truth": json.dumps(the_truth, ensure_ascii=False),
                }
                for key, value in meta.items():
                    set_meta(conn, key, value)
                load.reset_sequences(conn, {t: counts.get(t, 0) for t in SERIAL_TABLES})
        finally:
            if sqlite:
                conn.rollback()
                conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()
    t_load = time.perf_counter()
    say(f"loaded in {t_load - t_gen:.1f} s; analysing")
    with engine.connect() as conn:
        if sqlite:
            conn.exec_driver_sql("PRAGMA analysis_limit=1000")
            conn.exec_driver_sql("ANALYZE")
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            # Only the tables just loaded: a shared server may hold other databases' work.
            conn.exec_driver_sql(
                "ANALYZE units, officials, position_history, evaluations, annual_grades, objectives, "
                "key_results, kr_checkins, kpi_values, devices, ratings, rollup_rating_unit, "
                "rollup_rating_official, rollup_rating_service, rollup_rating_hour, rollup_eval_unit"
            )
        conn.commit()
    path = truth_path(engine)
    if path is not None:
        path.write_text(json.dumps(the_truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    seconds = time.perf_counter() - t0
    demo.unit_rollup = pd.concat(unit_rollups, ignore_index=True)
    demo.official_rollup = official_rollup
    demo.truth = the_truth
    result = {
        "scale": demo.scale.name,
        "seed": demo.seed,
        "months": [demo.setup.months[0], demo.setup.months[-1]],
        "counts": counts,
        "truth": truth.summary(the_truth),
        "truth_records": len(the_truth),
        "truth_file": str(path) if path else None,
        "seconds": round(seconds, 2),
        "seconds_generate": round(t_gen - t0, 2),
        "seconds_load": round(t_load - t_gen, 2),
    }
    return result, demo
