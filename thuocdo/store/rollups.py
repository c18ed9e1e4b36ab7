"""Rollup tables: the pre-aggregated facts that pages read instead of raw rows.

``refresh_*`` deletes and rebuilds the rollup rows of the given units and months (or of
everything) inside the caller's transaction, so an import and its rollups commit
together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import (
    Connection,
    and_,
    case,
    delete,
    distinct,
    extract,
    func,
    insert,
    literal,
    or_,
    select,
)

from thuocdo.store.schema import (
    evaluations,
    ratings,
    rollup_eval_unit,
    rollup_rating_hour,
    rollup_rating_official,
    rollup_rating_service,
    rollup_rating_unit,
)

# Office hours for the "ratings outside office hours" signal: Mon-Sat, 07:00-17:59.
OFFICE_START_HOUR = 7
OFFICE_END_HOUR = 18


def _score_counts(col):
    return [func.sum(case((col == i, 1), else_=0)).label(f"s{i}") for i in range(1, 6)]


def _filter(table, unit_ids: Iterable[int] | None, months: Iterable[int] | None):
    conds = []
    if unit_ids is not None:
        conds.append(table.c.unit_id.in_(sorted(set(unit_ids))))
    if months is not None:
        conds.append(table.c.month.in_(sorted(set(months))))
    return and_(*conds) if conds else literal(True)


def _dow(col):
    # extract('dow') is 0 = Sunday on both engines; shift to 0 = Monday.
    return (extract("dow", col) + 6) % 7


def refresh_ratings(
    conn: Connection,
    unit_ids: Iterable[int] | None = None,
    months: Iterable[int] | None = None,
) -> None:
    """Rebuild the rating rollups for the given units and months (None = all)."""
    unit_ids = list(unit_ids) if unit_ids is not None else None
    months = list(months) if months is not None else None
    r = ratings
    where = _filter(r, unit_ids, months)
    for tbl in (rollup_rating_unit, rollup_rating_service, rollup_rating_hour):
        conn.execute(delete(tbl).where(_filter(tbl, unit_ids, months)))
    # Official rollups are keyed by official, and an official may be rated in two units
    # in one month: rebuild whole official-months for every official touched.
    month_cond = r.c.month.in_(sorted(set(months))) if months is not None else literal(True)
    if unit_ids is None:
        official_cond = literal(True)
        conn.execute(delete(rollup_rating_official).where(_filter(rollup_rating_official, None, months)))
    else:
        touched = {
            row[0] for row in conn.execute(select(distinct(r.c.official_id)).where(where, r.c.official_id.is_not(None)))
        } | {
            row[0]
            for row in conn.execute(
                select(distinct(rollup_rating_official.c.official_id)).where(
                    _filter(rollup_rating_official, unit_ids, months)
                )
            )
        }
        official_cond = r.c.official_id.in_(sorted(touched))
        ro = rollup_rating_official
        conn.execute(
            delete(ro).where(
                ro.c.official_id.in_(sorted(touched)),
                ro.c.month.in_(sorted(set(months))) if months is not None else literal(True),
            )
        )

    hour = extract("hour", r.c.rated_at)
    dow = _dow(r.c.rated_at)
    off = or_(hour < OFFICE_START_HOUR, hour >= OFFICE_END_HOUR, dow == 6)

    # Busiest device-day per unit, month and channel (the "burst" signal).
    per_day = (
        select(
            r.c.unit_id,
            r.c.month,
            r.c.channel,
            r.c.scale,
            r.c.device_id,
            func.date(r.c.rated_at).label("day"),
            func.count().label("n"),
        )
        .where(where, r.c.device_id.is_not(None))
        .group_by(r.c.unit_id, r.c.month, r.c.channel, r.c.scale, r.c.device_id, func.date(r.c.rated_at))
        .subquery()
    )
    burst = (
        select(
            per_day.c.unit_id,
            per_day.c.month,
            per_day.c.channel,
            per_day.c.scale,
            func.max(per_day.c.n).label("max_device_day"),
        )
        .group_by(per_day.c.unit_id, per_day.c.month, per_day.c.channel, per_day.c.scale)
        .subquery()
    )
    base = (
        select(
            r.c.unit_id,
            r.c.month,
            r.c.channel,
            r.c.scale,
            *_score_counts(r.c.score),
            func.count().label("n"),
            func.sum(case((off, 1), else_=0)).label("n_off_hours"),
            func.count(distinct(r.c.device_id)).label("n_devices"),
        )
        .where(where)
        .group_by(r.c.unit_id, r.c.month, r.c.channel, r.c.scale)
        .subquery()
    )
    cols = ["unit_id", "month", "channel", "scale", "s1", "s2", "s3", "s4", "s5", "n", "n_off_hours", "n_devices"]
    conn.execute(
        insert(rollup_rating_unit).from_select(
            cols + ["max_device_day"],
            select(
                *[base.c[c] for c in cols],
                func.coalesce(burst.c.max_device_day, 0),
            ).select_from(
                base.outerjoin(
                    burst,
                    and_(
                        base.c.unit_id == burst.c.unit_id,
                        base.c.month == burst.c.month,
                        base.c.channel == burst.c.channel,
                        base.c.scale == burst.c.scale,
                    ),
                )
            ),
        )
    )
    conn.execute(
        insert(rollup_rating_official).from_select(
            ["official_id", "month", "scale", "unit_id", "s1", "s2", "s3", "s4", "s5", "n"],
            select(
                r.c.official_id,
                r.c.month,
                r.c.scale,
                func.min(r.c.unit_id),
                *_score_counts(r.c.score),
                func.count(),
            )
            .where(month_cond, official_cond, r.c.official_id.is_not(None))
            .group_by(r.c.official_id, r.c.month, r.c.scale),
        )
    )
    conn.execute(
        insert(rollup_rating_service).from_select(
            ["unit_id", "service_code", "month", "scale", "s1", "s2", "s3", "s4", "s5", "n"],
            select(
                r.c.unit_id,
                r.c.service_code,
                r.c.month,
                r.c.scale,
                *_score_counts(r.c.score),
                func.count(),
            )
            .where(where, r.c.service_code.is_not(None))
            .group_by(r.c.unit_id, r.c.service_code, r.c.month, r.c.scale),
        )
    )
    conn.execute(
        insert(rollup_rating_hour).from_select(
            ["unit_id", "month", "dow", "hour", "n"],
            select(r.c.unit_id, r.c.month, dow, hour, func.count())
            .where(where)
            .group_by(r.c.unit_id, r.c.month, dow, hour),
        )
    )


def refresh_evaluations(
    conn: Connection,
    unit_ids: Iterable[int] | None = None,
    months: Iterable[int] | None = None,
) -> None:
    """Rebuild the unit x month evaluation summary for the given units and months."""
    e = evaluations
    conn.execute(delete(rollup_eval_unit).where(_filter(rollup_eval_unit, unit_ids, months)))

    def n_grade(g):
        return func.sum(case((e.c.grade == g, 1), else_=0))

    conn.execute(
        insert(rollup_eval_unit).from_select(
            [
                "unit_id",
                "month",
                "n",
                "sum_final",
                "sum_self",
                "sum_manager",
                "n_excellent",
                "n_good",
                "n_completed",
                "n_not_completed",
                "tasks_assigned",
                "tasks_on_time",
                "tasks_late",
                "major_errors",
            ],
            select(
                e.c.unit_id,
                e.c.month,
                func.count(),
                func.coalesce(func.sum(e.c.final_score), 0.0),
                func.coalesce(func.sum(e.c.self_score), 0.0),
                func.coalesce(func.sum(e.c.manager_score), 0.0),
                n_grade("excellent"),
                n_grade("good"),
                n_grade("completed"),
                n_grade("not_completed"),
                func.coalesce(func.sum(e.c.tasks_assigned), 0),
                func.coalesce(func.sum(e.c.tasks_on_time), 0),
                func.coalesce(func.sum(e.c.tasks_late), 0),
                func.coalesce(func.sum(e.c.major_errors), 0),
            )
            .where(_filter(e, unit_ids, months))
            .group_by(e.c.unit_id, e.c.month),
        )
    )


def refresh_all(conn: Connection) -> None:
    refresh_ratings(conn)
    refresh_evaluations(conn)
