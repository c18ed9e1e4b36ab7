"""Rule configuration: on/off and thresholds per rule, versioned in ``warning_configs``.

Every save writes a new version row (nothing is overwritten), and every warning records
the version that produced it, so a case file can always say which thresholds were in
force. A stored configuration is merged over the defaults, so a parameter added in a
later release gets its default until an admin changes it.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, func, insert, select

from thuocdo.domain.warnings.model import RULE_CODES
from thuocdo.store.schema import warning_configs


@dataclass(frozen=True)
class Param:
    """One tunable parameter of a rule: its type, default and allowed range."""

    name: str
    kind: str  # "int", "float", "share" (0..1), "bool"
    default: float | int | bool
    lo: float | None = None
    hi: float | None = None


# The defaults and why (docs/readme/warnings.md explains each rule in full):
PARAMS: dict[str, tuple[Param, ...]] = {
    "falling_results": (
        Param("window", "int", 3, 2, 6),  # months the fall must last
        Param("baseline_months", "int", 3, 1, 12),  # months before the window that set the level
        Param("min_drop", "float", 10.0, 1, 50),  # points below the baseline at the end
        Param("noise_z", "float", 3.5, 0, 10),  # the drop must also exceed z x own noise
    ),
    "inflated_self_assessment": (
        Param("max_gap", "float", 15.0, 1, 60),  # self - manager, points
        Param("high_self", "float", 90.0, 50, 100),
        Param("min_ratings", "int", 30, 5, 100000),
        Param("peer_share", "share", 0.10, 0.01, 0.5),  # bottom decile of peers
        Param("funnel_z", "float", 3.09, 1, 6),
    ),
    "satisfaction_drop": (
        Param("min_drop", "share", 0.10, 0.01, 0.9),  # 10 points
        Param("alpha", "share", 0.01, 0.0001, 0.2),  # two-sided test level
        Param("baseline_months", "int", 3, 1, 12),
        Param("min_n", "int", 100, 10, 1000000),
        Param("min_baseline_n", "int", 100, 10, 1000000),
    ),
    "dissatisfied_concentration": (
        Param("funnel_z", "float", 3.09, 1, 6),  # 99.8 % limits
        Param("min_n", "int", 100, 10, 1000000),
        Param("min_peers", "int", 5, 3, 10000),
        Param("overdispersion", "bool", True),
    ),
    "off_pace": (
        Param("max_miss", "share", 0.10, 0.0, 0.9),  # projected shortfall tolerated
        Param("min_elapsed", "share", 0.25, 0.0, 0.9),  # too early to project before this
        Param("min_checkins", "int", 2, 1, 24),
        Param("kpi_months", "int", 3, 1, 12),
    ),
    "rotation_due": (Param("years", "float", 5.0, 1, 20),),
    "consecutive_not_completed": (Param("years", "int", 2, 2, 5),),
    "grade_quota": (Param("by_task_group", "bool", False),),
    "suspect_ratings": (
        Param("burst_factor", "float", 5.0, 1, 100),
        Param("burst_min", "int", 150, 10, 100000),
        Param("near_all_rate", "share", 0.99, 0.9, 1.0),
        Param("near_all_min_n", "int", 500, 10, 1000000),
        Param("off_hours_share", "share", 0.20, 0.01, 1.0),
        Param("off_hours_min_n", "int", 100, 10, 1000000),
    ),
    "missing_data": (Param("prior_months", "int", 3, 1, 12),),
}


def default_config() -> dict:
    """The built-in configuration: every rule on, thresholds as documented."""
    return {"rules": {code: {"enabled": True, **{p.name: p.default for p in PARAMS[code]}} for code in RULE_CODES}}


class ConfigError(ValueError):
    """An invalid configuration; ``key`` and ``params`` name the message to show."""

    def __init__(self, key: str, **params):
        super().__init__(f"{key} {params}")
        self.key = key
        self.params = params


def _coerce(rule: str, p: Param, value):
    if p.kind == "bool":
        if isinstance(value, bool):
            return value
        if value in (0, 1):
            return bool(value)
        raise ConfigError("warnings.config.error_type", rule=rule, param=p.name)
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ConfigError("warnings.config.error_type", rule=rule, param=p.name) from None
    if x != x:
        raise ConfigError("warnings.config.error_type", rule=rule, param=p.name)
    if p.kind == "int":
        if x != int(x):
            raise ConfigError("warnings.config.error_type", rule=rule, param=p.name)
        x = int(x)
    if (p.lo is not None and x < p.lo) or (p.hi is not None and x > p.hi):
        raise ConfigError("warnings.config.error_range", rule=rule, param=p.name, lo=p.lo, hi=p.hi)
    return x


def validate(config: dict) -> dict:
    """Return the complete, type-checked configuration; ConfigError when invalid.

    Missing rules and parameters take their defaults; unknown ones are refused so that a
    typo is not silently ignored.
    """
    if not isinstance(config, dict):
        raise ConfigError("warnings.config.error_shape")
    rules_in = config.get("rules", {})
    if not isinstance(rules_in, dict):
        raise ConfigError("warnings.config.error_shape")
    out = default_config()
    for rule, values in rules_in.items():
        if rule not in PARAMS:
            raise ConfigError("warnings.config.error_rule", rule=rule)
        if not isinstance(values, dict):
            raise ConfigError("warnings.config.error_shape")
        specs = {p.name: p for p in PARAMS[rule]}
        for name, value in values.items():
            if name == "enabled":
                out["rules"][rule]["enabled"] = _coerce(rule, Param("enabled", "bool", True), value)
                continue
            if name not in specs:
                raise ConfigError("warnings.config.error_param", rule=rule, param=name)
            out["rules"][rule][name] = _coerce(rule, specs[name], value)
    return out


@dataclass(frozen=True)
class LoadedConfig:
    version: int  # 0 = the built-in defaults, never saved
    config: dict
    created_at: dt.datetime | None = None
    created_by: str | None = None

    def rule(self, code: str) -> dict:
        return self.config["rules"][code]

    def enabled(self, code: str) -> bool:
        return bool(self.config["rules"][code]["enabled"])


def load_config(conn: Connection) -> LoadedConfig:
    """The newest saved configuration merged over the defaults (version 0 if none)."""
    row = conn.execute(
        select(
            warning_configs.c.version,
            warning_configs.c.config,
            warning_configs.c.created_at,
            warning_configs.c.created_by,
        )
        .order_by(warning_configs.c.version.desc())
        .limit(1)
    ).first()
    if row is None:
        return LoadedConfig(0, default_config())
    try:
        cfg = validate(row.config or {})
    except ConfigError:
        # A hand-edited row that no longer validates must not stop every scan: the
        # defaults apply, and the version says which row was (not) in force.
        cfg = default_config()
    return LoadedConfig(int(row.version), cfg, row.created_at, row.created_by)


def config_history(conn: Connection) -> list[dict]:
    """Every saved version, newest first (version, created_at, created_by, note)."""
    rows = conn.execute(
        select(
            warning_configs.c.version,
            warning_configs.c.created_at,
            warning_configs.c.created_by,
            warning_configs.c.note,
        ).order_by(warning_configs.c.version.desc())
    ).all()
    return [dict(r._mapping) for r in rows]


def config_version(conn: Connection, version: int) -> dict | None:
    """The configuration saved as ``version`` (merged over defaults), or None."""
    row = conn.execute(select(warning_configs.c.config).where(warning_configs.c.version == version)).first()
    if row is None:
        return None
    return validate(row.config or {})


def _insert_version(conn: Connection, config: dict, actor: str, note: str | None) -> int:
    current = conn.execute(select(func.max(warning_configs.c.version))).scalar()
    version = int(current or 0) + 1
    conn.execute(
        insert(warning_configs).values(
            version=version,
            created_at=dt.datetime.now().replace(microsecond=0),
            created_by=actor,
            config=config,
            note=note,
        )
    )
    return version


def save_config(engine: Engine, config: dict, actor: str, note: str | None = None) -> int:
    """Validate ``config`` and store it as a new version; return the version number.

    Saving a configuration identical to the newest one stores nothing and returns the
    newest version, so pressing "save" twice does not inflate the history.
    """
    cfg = validate(copy.deepcopy(config))
    with engine.begin() as conn:
        current = load_config(conn)
        if current.version > 0 and current.config == cfg:
            return current.version
        return _insert_version(conn, cfg, actor, note)


def ensure_config(engine: Engine) -> LoadedConfig:
    """The configuration in force, saving the defaults as version 1 on first use.

    Warnings must name a stored version, so the first scan of a database records the
    defaults it used.
    """
    with engine.connect() as conn:
        loaded = load_config(conn)
    if loaded.version > 0:
        return loaded
    with engine.begin() as conn:
        loaded = load_config(conn)
        if loaded.version == 0:
            _insert_version(conn, default_config(), "system", "defaults")
        loaded = load_config(conn)
    return loaded
