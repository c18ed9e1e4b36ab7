"""The database schema of Thước Đo as SQLAlchemy Core metadata.

Periods are stored as integers YYYYMM (``month``) so that SQLite and PostgreSQL
group, compare and index them the same way. Every row that belongs to a unit carries
``unit_id`` so that scope filtering is one join on ``units.path``.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

# Key/value facts about this database (schema flavour, demo marker, seed).
meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# Configurable settings (thresholds, satisfaction scale, pace bands), JSON values.
settings = Table(
    "settings",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("updated_at", DateTime),
    Column("updated_by", String(200)),
)

units = Table(
    "units",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", String(300), nullable=False),
    Column("name_norm", String(300), nullable=False, index=True),
    # city, party, department, agency, ward, commune, province, other
    Column("kind", String(32), nullable=False),
    Column("sector", String(64)),
    Column("sensitive", Boolean, nullable=False, default=False),
    Column("parent_id", Integer, ForeignKey("units.id")),
    Column("level", SmallInteger, nullable=False, default=0),
    # Materialised path "/1/7/42/": a subtree is ``path LIKE '/1/7/%'``.
    Column("path", String(400), nullable=False, index=True),
    Column("outstanding", Boolean, nullable=False, default=False),
    Column("active", Boolean, nullable=False, default=True),
)

officials = Table(
    "officials",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("full_name", String(200), nullable=False),
    Column("gender", String(1), nullable=False),  # F / M
    Column("birth_date", Date),
    Column("unit_id", Integer, ForeignKey("units.id"), nullable=False, index=True),
    Column("position", String(200)),
    # secretary, chair, vice_chair, director, deputy_director, head, deputy_head, staff
    Column("position_code", String(32)),
    Column("is_leader", Boolean, nullable=False, default=False),
    Column("position_since", Date),
    Column("education", String(32)),  # cao_dang, dai_hoc, thac_si, tien_si
    Column("theory_level", String(32)),  # so_cap, trung_cap, cao_cap or NULL
    Column("is_local", Boolean),
    Column("in_succession_plan", Boolean, nullable=False, default=False),
    Column("is_ethnic_minority", Boolean, nullable=False, default=False),
    Column("task_group", String(64)),
    Column("active", Boolean, nullable=False, default=True),
)

position_history = Table(
    "position_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("official_id", Integer, ForeignKey("officials.id"), nullable=False, index=True),
    Column("unit_id", Integer, ForeignKey("units.id"), nullable=False),
    Column("position", String(200)),
    Column("position_code", String(32)),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date),
)

evaluations = Table(
    "evaluations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("official_id", Integer, ForeignKey("officials.id"), nullable=False),
    Column("unit_id", Integer, ForeignKey("units.id"), nullable=False),
    Column("month", Integer, nullable=False),  # YYYYMM
    Column("general_points", Float),  # general criteria / discipline
    Column("task_points", Float),
    Column("bonus_points", Float),
    Column("self_score", Float),
    Column("manager_score", Float),
    Column("final_score", Float, nullable=False),
    Column("grade", String(32)),  # excellent, good, completed, not_completed
    Column("tasks_assigned", Integer),
    Column("tasks_on_time", Integer),
    Column("tasks_late", Integer),
    Column("major_errors", Integer),
    Column("disciplined", Boolean, nullable=False, default=False),
    Column("evaluator", String(200)),
    Column("policy_code", String(32)),
    Column("batch_id", Integer),
    UniqueConstraint("official_id", "month"),
    Index("ix_evaluations_unit_month", "unit_id", "month"),
    # Covering: the warning scan's per-official summaries read the index only (migration 0002).
    Index("ix_evaluations_official_month_score", "official_id", "month", "final_score", "unit_id"),
)

annual_grades = Table(
    "annual_grades",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("official_id", Integer, ForeignKey("officials.id"), nullable=False),
    Column("unit_id", Integer, ForeignKey("units.id"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("score", Float),
    Column("grade", String(32), nullable=False),
    Column("policy_code", String(32)),
    Column("disciplined", Boolean, nullable=False, default=False),
    Column("batch_id", Integer),
    UniqueConstraint("official_id", "year"),
    Index("ix_annual_grades_unit_year", "unit_id", "year"),
)

objectives = Table(
    "objectives",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("unit_id", Integer, ForeignKey("units.id"), nullable=False, index=True),
    Column("title", String(500), nullable=False),
    Column("period_kind", String(16), nullable=False),  # year, quarter
    Column("year", Integer, nullable=False),
    Column("quarter", SmallInteger),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("weight", Float, nullable=False, default=1.0),
    Column("owner", String(200)),
    Column("batch_id", Integer),
)

key_results = Table(
    "key_results",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("objective_id", Integer, ForeignKey("objectives.id"), nullable=False, index=True),
    Column("title", String(500), nullable=False),
    Column("unit_of_measure", String(64)),
    Column("baseline", Float, nullable=False, default=0.0),
    Column("target", Float, nullable=False),
    Column("current", Float),
    Column("direction", String(8), nullable=False, default="up"),  # up / down
    Column("weight", Float, nullable=False, default=1.0),
    Column("due_date", Date),
    Column("batch_id", Integer),
)

kr_checkins = Table(
    "kr_checkins",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key_result_id", Integer, ForeignKey("key_results.id"), nullable=False),
    Column("checked_at", Date, nullable=False),
    Column("value", Float, nullable=False),
    Column("note", Text),
    Column("batch_id", Integer),
    UniqueConstraint("key_result_id", "checked_at"),
)

kpis = Table(
    "kpis",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", String(300), nullable=False),
    Column("name_en", String(300)),
    Column("unit_of_measure", String(64)),
    Column("direction", String(8), nullable=False, default="up"),
    Column("sector", String(64)),
    Column("max_value", Float),
    Column("parent_code", String(64)),  # component of a composite index (e.g. 766)
)

kpi_values = Table(
    "kpi_values",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("unit_id", Integer, ForeignKey("units.id"), nullable=False),
    Column("kpi_id", Integer, ForeignKey("kpis.id"), nullable=False),
    Column("month", Integer, nullable=False),
    Column("target", Float),
    Column("actual", Float),
    Column("batch_id", Integer),
    UniqueConstraint("unit_id", "kpi_id", "month"),
    Index("ix_kpi_values_month", "month"),
)

services = Table(
    "services",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("sector", String(64)),
)

devices = Table(
    "devices",
    metadata,
    Column("code", String(64), primary_key=True),
    Column("unit_id", Integer, ForeignKey("units.id")),
    Column("channel", String(16)),
)

# One row per citizen rating. The largest table: pages never scan it; rollups do.
ratings = Table(
    "ratings",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("rated_at", DateTime, nullable=False),
    Column("month", Integer, nullable=False),
    Column("unit_id", Integer, nullable=False),
    Column("official_id", Integer),
    Column("service_code", String(64)),
    Column("channel", String(16), nullable=False),  # kiosk, tablet, online, sms
    Column("device_id", String(64)),
    Column("score", SmallInteger, nullable=False),
    Column("scale", SmallInteger, nullable=False, default=4),
    # Identity of the source row, for idempotent re-import (hash of its content).
    Column("row_hash", BigInteger),
    Column("batch_id", Integer),
    Index("ix_ratings_unit_month", "unit_id", "month"),
    Index("ix_ratings_official_month", "official_id", "month"),
    Index("ux_ratings_row_hash", "row_hash", unique=True),
)

# --- rollups: what the pages read -------------------------------------------------


def _counts():
    return [Column(f"s{i}", Integer, nullable=False, default=0) for i in range(1, 6)] + [
        Column("n", Integer, nullable=False, default=0)
    ]


rollup_rating_unit = Table(
    "rollup_rating_unit",
    metadata,
    Column("unit_id", Integer, primary_key=True),
    Column("month", Integer, primary_key=True),
    Column("channel", String(16), primary_key=True),
    Column("scale", SmallInteger, primary_key=True),
    *_counts(),
    Column("n_off_hours", Integer, nullable=False, default=0),
    Column("n_devices", Integer, nullable=False, default=0),
    Column("max_device_day", Integer, nullable=False, default=0),
    Index("ix_rollup_rating_unit_month", "month"),
)

rollup_rating_official = Table(
    "rollup_rating_official",
    metadata,
    Column("official_id", Integer, primary_key=True),
    Column("month", Integer, primary_key=True),
    Column("scale", SmallInteger, primary_key=True),
    Column("unit_id", Integer, nullable=False),
    *_counts(),
    Index("ix_rollup_rating_official_unit_month", "unit_id", "month"),
)

rollup_rating_service = Table(
    "rollup_rating_service",
    metadata,
    Column("unit_id", Integer, primary_key=True),
    Column("service_code", String(64), primary_key=True),
    Column("month", Integer, primary_key=True),
    Column("scale", SmallInteger, primary_key=True),
    *_counts(),
)

rollup_rating_hour = Table(
    "rollup_rating_hour",
    metadata,
    Column("unit_id", Integer, primary_key=True),
    Column("month", Integer, primary_key=True),
    Column("dow", SmallInteger, primary_key=True),  # 0 = Monday
    Column("hour", SmallInteger, primary_key=True),
    Column("n", Integer, nullable=False, default=0),
)

rollup_eval_unit = Table(
    "rollup_eval_unit",
    metadata,
    Column("unit_id", Integer, primary_key=True),
    Column("month", Integer, primary_key=True),
    Column("n", Integer, nullable=False, default=0),
    Column("sum_final", Float, nullable=False, default=0.0),
    Column("sum_self", Float, nullable=False, default=0.0),
    Column("sum_manager", Float, nullable=False, default=0.0),
    Column("n_excellent", Integer, nullable=False, default=0),
    Column("n_good", Integer, nullable=False, default=0),
    Column("n_completed", Integer, nullable=False, default=0),
    Column("n_not_completed", Integer, nullable=False, default=0),
    Column("tasks_assigned", Integer, nullable=False, default=0),
    Column("tasks_on_time", Integer, nullable=False, default=0),
    Column("tasks_late", Integer, nullable=False, default=0),
    Column("major_errors", Integer, nullable=False, default=0),
)

# --- early warning ----------------------------------------------------------------

warning_configs = Table(
    "warning_configs",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(200)),
    Column("config", JSON, nullable=False),
    Column("note", Text),
)

warnings = Table(
    "warnings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("rule_code", String(32), nullable=False),
    Column("subject_type", String(16), nullable=False),  # unit / official
    Column("subject_id", Integer, nullable=False),
    Column("unit_id", Integer, nullable=False),  # for scope filtering
    Column("month", Integer, nullable=False),
    Column("severity", String(16), nullable=False),  # low, medium, high
    Column("score", Float),
    Column("reason_key", String(100), nullable=False),
    Column("reason_params", JSON, nullable=False),
    Column("evidence", JSON, nullable=False),
    Column("evidence_hash", String(64), nullable=False),
    Column("threshold", Float),
    Column("peer_cutoff", Float),
    Column("sample_size", Integer),
    # new, acknowledged, verified, false_positive, resolved, cleared
    Column("status", String(20), nullable=False, default="new"),
    Column("assignee", String(200)),
    Column("config_version", Integer),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_warnings_subject", "rule_code", "subject_type", "subject_id", "month"),
    Index("ix_warnings_unit_status", "unit_id", "status"),
)

warning_events = Table(
    "warning_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("warning_id", Integer, ForeignKey("warnings.id"), nullable=False, index=True),
    Column("at", DateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(32), nullable=False),
    Column("from_status", String(20)),
    Column("to_status", String(20)),
    Column("note", Text),
)

# --- people, access, imports, snapshots --------------------------------------------

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(200), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("role", String(20)),  # leader, inspector, unit_head, presenter, admin
    Column("unit_id", Integer, ForeignKey("units.id")),  # scope root; NULL = whole city
    Column("active", Boolean, nullable=False, default=True),
    Column("is_demo", Boolean, nullable=False, default=False),
    Column("created_at", DateTime),
)

user_changes = Table(
    "user_changes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("user_email", String(200), nullable=False),
    Column("before", JSON),
    Column("after", JSON),
)

access_log = Table(
    "access_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime, nullable=False, index=True),
    Column("actor", String(200), nullable=False),
    Column("role", String(20)),
    Column("action", String(32), nullable=False),  # view_official, refused, export, ...
    Column("target_type", String(32)),
    Column("target", String(200)),
    Column("purpose", String(500)),
    Column("detail", Text),
)

import_batches = Table(
    "import_batches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("file_name", String(500)),
    Column("sha256", String(64), index=True),
    Column("actor", String(200)),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Column("rows_read", Integer, nullable=False, default=0),
    Column("loaded", Integer, nullable=False, default=0),
    Column("refused", Integer, nullable=False, default=0),
    Column("already_present", Integer, nullable=False, default=0),
    Column("status", String(20), nullable=False),  # done, partial, failed
    Column("options", JSON),
)

import_rejections = Table(
    "import_rejections",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("batch_id", Integer, ForeignKey("import_batches.id"), nullable=False, index=True),
    Column("row_number", Integer, nullable=False),
    Column("raw", JSON, nullable=False),
    Column("reason", Text, nullable=False),
    Column("reason_key", String(100)),
)

import_mappings = Table(
    "import_mappings",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("spec", JSON, nullable=False),
    Column("created_at", DateTime),
    Column("created_by", String(200)),
)

snapshots = Table(
    "snapshots",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", String(300), nullable=False),
    Column("period", String(32), nullable=False),
    Column("filters", JSON, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("policy_code", String(32)),
    Column("warning_config_version", Integer),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(200)),
)

ROLLUP_TABLES = (
    rollup_rating_unit,
    rollup_rating_official,
    rollup_rating_service,
    rollup_rating_hour,
    rollup_eval_unit,
)
