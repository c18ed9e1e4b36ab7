"""Hand-made data for the early-warning tests, built in code (no demo generator).

:class:`World` writes units, officials, evaluations, ratings, OKRs, KPIs and grades into
a migrated database and refreshes the rollups, the way an import would. The tests at
the bottom check the builder itself.
"""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy import Engine, func, insert, select

from thuocdo.domain.periods import add_months, split
from thuocdo.store import schema as s
from thuocdo.store.rollups import refresh_all

CITY_PATH = "/1/"


class World:
    """A tiny city to plant patterns in."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._unit = itertools.count(2)
        self._official = itertools.count(1)
        self._rating = itertools.count(1)
        self._obj = itertools.count(1)
        self._kr = itertools.count(1)
        self._kpi = itertools.count(1)
        self.unit_codes: dict[int, str] = {}
        self.official_codes: dict[int, str] = {}
        with engine.begin() as conn:
            conn.execute(
                insert(s.units).values(
                    id=1,
                    code="HN",
                    name="Thành phố Hà Nội",
                    name_norm="thanh pho ha noi",
                    kind="city",
                    path=CITY_PATH,
                    level=0,
                )
            )
        self.unit_codes[1] = "HN"

    # --- structure -------------------------------------------------------------------
    def unit(
        self, code: str, name: str | None = None, sensitive: bool = False, parent: int = 1, outstanding: bool = False
    ) -> int:
        uid = next(self._unit)
        with self.engine.begin() as conn:
            ppath = conn.execute(select(s.units.c.path).where(s.units.c.id == parent)).scalar_one()
            name = name or f"Đơn vị {code}"
            conn.execute(
                insert(s.units).values(
                    id=uid,
                    code=code,
                    name=name,
                    name_norm=name.lower(),
                    kind="ward",
                    parent_id=parent,
                    path=f"{ppath}{uid}/",
                    level=ppath.count("/") - 1,
                    sector="tai_chinh" if sensitive else "hanh_chinh",
                    sensitive=sensitive,
                    outstanding=outstanding,
                )
            )
        self.unit_codes[uid] = code
        return uid

    def official(
        self,
        unit_id: int,
        code: str | None = None,
        position_since: dt.date | None = dt.date(2024, 1, 1),
        position_code: str = "staff",
        history: list[tuple] | None = None,
        task_group: str | None = None,
    ) -> int:
        oid = next(self._official)
        code = code or f"CB{oid:05d}"
        with self.engine.begin() as conn:
            conn.execute(
                insert(s.officials).values(
                    id=oid,
                    code=code,
                    full_name=f"Nguyễn Văn {code}",
                    gender="M",
                    unit_id=unit_id,
                    position="Chuyên viên",
                    position_code=position_code,
                    position_since=position_since,
                    task_group=task_group,
                )
            )
            for start, end, pcode in history or []:
                conn.execute(
                    insert(s.position_history).values(
                        official_id=oid,
                        unit_id=unit_id,
                        position="Chuyên viên",
                        position_code=pcode,
                        start_date=start,
                        end_date=end,
                    )
                )
        self.official_codes[oid] = code
        return oid

    # --- facts -----------------------------------------------------------------------
    def evaluations(self, official_id: int, unit_id: int, scores: dict[int, float | tuple]) -> None:
        """``scores``: month -> final, or (final, self, manager)."""
        rows = []
        for m, v in scores.items():
            final, self_s, mgr = (v, v + 2.0, v) if not isinstance(v, tuple) else v
            grade = (
                "excellent"
                if final >= 90
                else "good"
                if final >= 70
                else "completed"
                if final >= 50
                else "not_completed"
            )
            rows.append(
                {
                    "official_id": official_id,
                    "unit_id": unit_id,
                    "month": m,
                    "final_score": float(final),
                    "self_score": None if self_s is None else float(self_s),
                    "manager_score": None if mgr is None else float(mgr),
                    "grade": grade,
                    "disciplined": False,
                }
            )
        with self.engine.begin() as conn:
            conn.execute(insert(s.evaluations), rows)

    def ratings(
        self,
        unit_id: int,
        month: int,
        counts: dict[int, int],
        channel: str = "kiosk",
        device: str | None = None,
        official_id: int | None = None,
        day: int | None = None,
        hour: int | None = None,
        scale: int = 4,
    ) -> None:
        """Ratings with exactly ``counts`` {level: count}, spread over office hours."""
        y, mo = split(month)
        rows = []
        k = 0
        for level, n in sorted(counts.items()):
            for _ in range(n):
                rid = next(self._rating)
                d = day if day is not None else 1 + (k % 24)  # days 1..24 (never the 25th-31st)
                when = dt.datetime(y, mo, d, hour if hour is not None else 8 + (k % 9), k % 60)
                if hour is None and when.weekday() == 6:
                    when += dt.timedelta(days=1)  # keep background ratings off Sundays
                rows.append(
                    {
                        "id": rid,
                        "rated_at": when,
                        "month": month,
                        "unit_id": unit_id,
                        "official_id": official_id,
                        "service_code": None,
                        "channel": channel,
                        "device_id": device if device is not None else f"D-{unit_id}-{k % 8}",
                        "score": level,
                        "scale": scale,
                        "row_hash": rid,
                    }
                )
                k += 1
        with self.engine.begin() as conn:
            conn.execute(insert(s.ratings), rows)

    def satisfied(self, unit_id: int, month: int, n: int, rate: float, level1: float = 0.03, **kw) -> None:
        """``n`` ratings with ``rate`` in the top two levels and ``level1`` at level 1."""
        sat = round(n * rate)
        l1 = round(n * level1)
        rest = n - sat - l1
        self.ratings(unit_id, month, {4: sat // 2 + sat % 2, 3: sat // 2, 2: rest, 1: l1}, **kw)

    def objective(self, unit_id: int, start: dt.date, end: dt.date) -> int:
        oid = next(self._obj)
        with self.engine.begin() as conn:
            conn.execute(
                insert(s.objectives).values(
                    id=oid,
                    code=f"OBJ{oid}",
                    unit_id=unit_id,
                    title=f"Mục tiêu {oid}",
                    period_kind="year",
                    year=start.year,
                    start_date=start,
                    end_date=end,
                )
            )
        return oid

    def key_result(
        self, objective_id: int, baseline: float, target: float, checkins: dict[dt.date, float], direction: str = "up"
    ) -> int:
        kid = next(self._kr)
        with self.engine.begin() as conn:
            conn.execute(
                insert(s.key_results).values(
                    id=kid,
                    code=f"KR{kid}",
                    objective_id=objective_id,
                    title=f"Kết quả {kid}",
                    baseline=baseline,
                    target=target,
                    direction=direction,
                )
            )
            if checkins:
                conn.execute(
                    insert(s.kr_checkins),
                    [{"key_result_id": kid, "checked_at": d, "value": v} for d, v in checkins.items()],
                )
        return kid

    def kpi(self, code: str, direction: str = "up") -> int:
        kid = next(self._kpi)
        with self.engine.begin() as conn:
            conn.execute(insert(s.kpis).values(id=kid, code=code, name=f"Chỉ tiêu {code}", direction=direction))
        return kid

    def kpi_values(self, unit_id: int, kpi_id: int, values: dict[int, tuple[float, float]]) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(s.kpi_values),
                [
                    {"unit_id": unit_id, "kpi_id": kpi_id, "month": m, "target": t, "actual": a}
                    for m, (t, a) in values.items()
                ],
            )

    def annual(self, official_id: int, unit_id: int, year: int, grade: str, policy: str | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(s.annual_grades).values(
                    official_id=official_id, unit_id=unit_id, year=year, grade=grade, policy_code=policy
                )
            )

    def refresh(self) -> None:
        with self.engine.begin() as conn:
            refresh_all(conn)


def months(start: int, n: int) -> list[int]:
    return [add_months(start, i) for i in range(n)]


# --- the builder itself -----------------------------------------------------------------
def test_world_builds_rollups(sqlite_engine):
    w = World(sqlite_engine)
    u = w.unit("U1")
    o = w.official(u)
    w.evaluations(o, u, {202601: 80, 202602: (70, 75, 70)})
    w.satisfied(u, 202601, 200, 0.85, level1=0.05)
    w.refresh()
    with sqlite_engine.connect() as conn:
        n = conn.execute(select(func.sum(s.rollup_rating_unit.c.n)).where(s.rollup_rating_unit.c.unit_id == u)).scalar()
        s1 = conn.execute(select(func.sum(s.rollup_rating_unit.c.s1))).scalar()
        off = conn.execute(select(func.sum(s.rollup_rating_unit.c.n_off_hours))).scalar()
        ev = conn.execute(select(func.count()).select_from(s.rollup_eval_unit)).scalar()
    assert n == 200 and s1 == 10 and off == 0 and ev == 2
