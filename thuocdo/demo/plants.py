"""Which subjects carry which planted pattern, and when (docs/demo-patterns.md).

Every choice is drawn from its own random stream, so the plan depends only on the scale,
the seed and the requested number of ratings. Unit-level rating patterns of one unit
are kept at least four months apart so that one never sits in another's baseline.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from thuocdo.demo.people import AS_OF_D, DAY, YEAR_DAYS
from thuocdo.demo.profiles import FEATURED_UNIT, Profiles
from thuocdo.demo.scales import Scale, stream

GAP = 4  # months kept free around a unit's rating pattern
DROP_MIN_EXPECTED = 380.0  # planted drops need >= 300 ratings in each month
CONC_MIN_EXPECTED = 220.0
BURST_MIN_EXPECTED = 150.0


@dataclass(frozen=True)
class Burst:
    unit_id: int
    month: int
    day: dt.date
    channel: str
    k: int
    official_id: int | None


@dataclass
class Plan:
    """The planted patterns of one demo database."""

    missing: set = field(default_factory=set)  # (unit_id, month)
    drops: dict = field(default_factory=dict)  # (unit_id, month) -> satisfied share removed
    concentration: dict = field(default_factory=dict)  # (unit_id, month) -> share of level 1
    bursts: list = field(default_factory=list)
    okr_lag_units: list = field(default_factory=list)
    kpi_lag_units: list = field(default_factory=list)
    quota_units: list = field(default_factory=list)
    falling: dict = field(default_factory=dict)  # official_id -> index of the first falling month
    inflated_gap: dict = field(default_factory=dict)  # official_id -> index of the first month
    inflated_low: dict = field(default_factory=dict)  # official_id -> index of the first month
    lowsat_officials: set = field(default_factory=set)
    rotation: list = field(default_factory=list)
    nc_discipline: dict = field(default_factory=dict)  # official_id -> (year, year + 1)
    nc_lowscore: list = field(default_factory=list)
    discipline: dict = field(default_factory=dict)  # official_id -> [months]
    records: list = field(default_factory=list)  # truth records of the statistical patterns


class _Calendar:
    """Month-window bookkeeping per unit."""

    def __init__(self, months: list[int]):
        self.months = months
        self.busy: dict[int, list[tuple[int, int]]] = {}

    def free(self, unit_id: int, a: int, b: int) -> bool:
        return all(b + GAP < x or a - GAP > y for x, y in self.busy.get(unit_id, []))

    def take(self, unit_id: int, a: int, b: int) -> None:
        self.busy.setdefault(unit_id, []).append((a, b))


def _record(rule: str, subject_type: str, code: str, m_from: int, m_to: int, **extra) -> dict:
    return {
        "rule": rule,
        "subject_type": subject_type,
        "subject_code": code,
        "month_from": int(m_from),
        "month_to": int(m_to),
        **extra,
    }


def make_plan(
    scale: Scale,
    seed: int,
    units: pd.DataFrame,
    officials: pd.DataFrame,
    profiles: Profiles,
    n_ratings: int,
    annual_years: list[int],
) -> Plan:
    plan = Plan()
    months = scale.month_list
    T = len(months)
    P = scale.plants
    cal = _Calendar(months)
    code_of = dict(zip(units["id"], units["code"], strict=True))
    expected = profiles.expected(n_ratings)
    uids = profiles.unit_ids
    featured = int(units.loc[units["code"] == FEATURED_UNIT, "id"].iloc[0])

    def pick_units(rng, candidates, k, exclude=()):
        pool = [int(u) for u in candidates if int(u) not in set(exclude)]
        return [pool[i] for i in rng.permutation(len(pool))]

    def place(rng, unit_id, length, lo, hi, ok=lambda a: True):
        """First free window of ``length`` months starting in [lo, hi] (random order)."""
        starts = [a for a in range(lo, hi + 1) if a + length - 1 < T]
        for a in rng.permutation(starts) if starts else []:
            a = int(a)
            if cal.free(unit_id, a, a + length - 1) and ok(a):
                cal.take(unit_id, a, a + length - 1)
                return a
        return None

    def place_many(rng, cands, k, length, lo, hi, floors, chosen=None):
        """Up to ``k`` (unit, start) windows whose expected monthly volume reaches the first
        floor that yields enough subjects (a small --ratings count lowers the bar, never
        below 130 expected ratings: the rules need at least 100 in a month)."""
        chosen = list(chosen or [])
        order = pick_units(rng, cands, k, exclude=[u for u, _a in chosen])
        for floor in floors:
            for u in order:
                if len(chosen) >= k:
                    return chosen
                if any(u == c for c, _a in chosen):
                    continue
                i = ui[u]
                a = place(
                    rng,
                    u,
                    length,
                    lo,
                    hi,
                    ok=lambda a, i=i, floor=floor: all(expected[i, a + j] >= floor for j in range(length)),
                )
                if a is not None:
                    chosen.append((u, a))
        return chosen

    ui = {int(u): i for i, u in enumerate(uids)}

    # --- satisfaction_drop: >= 20 points for two months, >= 300 ratings a month --------
    rng = stream(seed, "plants", "satisfaction_drop")
    cands = [u for u in uids if profiles.base[ui[int(u)]] >= 0.84]
    cal.take(featured, T - 2, T - 1)  # the featured ward shows its drop in the latest months
    chosen = place_many(rng, cands, P, 2, 3, T - 2, (DROP_MIN_EXPECTED, 200.0, 130.0), chosen=[(featured, T - 2)])
    _need(chosen, P, "satisfaction_drop")
    for u, a in chosen:
        d = float(rng.uniform(0.22, 0.28))
        plan.drops[(u, months[a])] = d
        plan.drops[(u, months[a + 1])] = d
        plan.records.append(_record("satisfaction_drop", "unit", code_of[u], months[a], months[a + 1]))

    # --- dissatisfied_concentration: level 1 >= 15 % in one month ----------------------
    rng = stream(seed, "plants", "dissatisfied_concentration")
    # Level 1 takes its share from "Bình thường": in units satisfied <= 86 % the satisfied
    # share moves by <= 2.5 points (no satisfaction drop); wider only if too few units.
    chosen = []
    for top in (0.86, 0.90):
        cands = [u for u in uids if profiles.base[ui[int(u)]] <= top]
        chosen = place_many(rng, cands, P, 1, 1, T - 1, (CONC_MIN_EXPECTED, 130.0), chosen=chosen)
    _need(chosen, P, "dissatisfied_concentration")
    for u, a in chosen:
        plan.concentration[(u, months[a])] = float(rng.uniform(0.15, 0.16))
        plan.records.append(_record("dissatisfied_concentration", "unit", code_of[u], months[a], months[a]))

    # --- suspect_ratings: one device, one day, >= 300 ratings, ~all top score, at night ---
    rng = stream(seed, "plants", "suspect_ratings")
    has_device = profiles.channel_share[:, 0] + profiles.channel_share[:, 1] > 0.2
    cands = [u for u in uids if has_device[ui[int(u)]]]
    chosen = place_many(rng, cands, P, 1, 1, T - 1, (BURST_MIN_EXPECTED, 60.0))
    _need(chosen, P, "suspect_ratings")
    desk = officials[officials["desk"]]
    for u, a in chosen:
        m = months[a]
        y, mo = divmod(m, 100)
        day = dt.date(y, mo, int(rng.integers(1, 29)))
        channel = "kiosk" if profiles.channel_share[ui[u], 0] > 0 else "tablet"
        pool = desk.loc[desk["unit_id"] == u, "id"].to_numpy()
        official = int(pool[int(rng.integers(0, len(pool)))]) if len(pool) else None
        plan.bursts.append(Burst(u, m, day, channel, int(rng.integers(300, 421)), official))
        plan.records.append(_record("suspect_ratings", "unit", code_of[u], m, m))

    # --- missing_data: one month with no evaluations and no ratings --------------------
    rng = stream(seed, "plants", "missing_data")
    chosen = []
    for u in pick_units(rng, uids, P, exclude=[featured]):
        if len(chosen) >= P:
            break
        lo = T - 1 if not chosen else 3  # one unit has not reported the latest month
        a = place(rng, u, 1, lo, T - 1)
        if a is not None:
            chosen.append((u, a))
    _need(chosen, P, "missing_data")
    for u, a in chosen:
        plan.missing.add((u, months[a]))
        plan.records.append(_record("missing_data", "unit", code_of[u], months[a], months[a]))
    missing_units = {u for u, _m in plan.missing}

    # --- off_pace: OKR of the current year far behind, or a KPI at <= 70 % for 3 months --
    rng = stream(seed, "plants", "off_pace")
    pool = pick_units(rng, uids, P)
    n_okr = (P + 1) // 2
    plan.okr_lag_units = pool[:n_okr]
    plan.kpi_lag_units = pool[n_okr:P]
    year = months[-1] // 100
    for u in plan.okr_lag_units:
        plan.records.append(_record("off_pace", "unit", code_of[u], year * 100 + 1, months[-1], variant="okr"))
    for u in plan.kpi_lag_units:
        plan.records.append(_record("off_pace", "unit", code_of[u], months[-3], months[-1], variant="kpi"))

    # --- grade_quota: a unit that grades too many officials "excellent" ------------------
    rng = stream(seed, "plants", "grade_quota")
    sizes = officials.groupby("unit_id").size()
    cands = [u for u in uids if sizes.get(int(u), 0) >= 18 and int(u) != featured]
    plan.quota_units = pick_units(rng, cands, P)[:P]
    # (records: deterministic, computed from the annual grades)

    # --- official-level patterns ---------------------------------------------------------
    start = months[0]
    hire_month = officials["hire_month"].to_numpy()
    full = hire_month <= start
    taken: set[int] = set()
    quota = set(plan.quota_units)
    off = officials.assign(full=full)
    off = off[off["full"] & ~off["unit_id"].isin(list(quota))]

    def pick_officials(rng, frame, k, what):
        frame = frame[~frame["id"].isin(list(taken))]
        if len(frame) < k:
            raise RuntimeError(f"demo scale {scale.name}: only {len(frame)} officials for {what}")
        ids = frame["id"].to_numpy()[rng.permutation(len(frame))[:k]]
        taken.update(int(i) for i in ids)
        return [int(i) for i in ids]

    codes = dict(zip(officials["id"], officials["code"], strict=True))
    unit_of = dict(zip(officials["id"], officials["unit_id"], strict=True))
    row_of = {int(o): i for i, o in enumerate(officials["id"])}
    mu_col = officials.columns.get_loc("mu")

    def set_mu(o, value):
        """Planted officials get the personal mean their pattern needs."""
        officials.iat[row_of[o], mu_col] = float(value)

    rng = stream(seed, "plants", "falling_results")
    frame = off[~off["unit_id"].isin(list(missing_units))]
    for o in pick_officials(rng, frame, P, "falling_results"):
        set_mu(o, rng.uniform(78.0, 85.5))
        a = int(rng.integers(4, T - 2))
        plan.falling[o] = a
        # Bounded noise (±4) plus the first planted fall can already make three declines
        # totalling 10 points in month a; one month after the last fall can still fire.
        plan.records.append(_record("falling_results", "official", codes[o], months[a], months[min(a + 3, T - 1)]))

    def window(rng, o, length, fixed=None):
        """Start of ``length`` months, none of them missing for the official's unit."""
        starts = [fixed] if fixed is not None else [int(a) for a in rng.permutation(T - length + 1)]
        for a in starts:
            if all((unit_of[o], months[a + k]) not in plan.missing for k in range(length)):
                return a
        raise RuntimeError(f"no free months for official {codes[o]}")

    rng = stream(seed, "plants", "inflated_self_assessment")
    frame = off[~off["desk"]]
    # The featured ward's head must see one, in the latest months.
    first = pick_officials(rng, frame[frame["unit_id"] == featured], 1, "inflated_self_assessment (featured ward)")
    for j, o in enumerate(first + pick_officials(rng, frame, P - 1, "inflated_self_assessment")):
        set_mu(o, rng.uniform(62.0, 75.0))  # a manager score <= 80 leaves room for self - manager >= 20
        a = window(rng, o, 3, fixed=T - 3 if j == 0 else None)
        plan.inflated_gap[o] = a
        plan.records.append(
            _record("inflated_self_assessment", "official", codes[o], months[a], months[a + 2], variant="manager_gap")
        )

    # Self-score high while citizens rate the official in the bottom decile of peers.
    desk_count = officials[officials["desk"]].groupby("unit_id").size()
    per_official = {int(u): expected[ui[int(u)]].min() * 0.7 / max(1, int(desk_count.get(int(u), 1))) for u in uids}
    busy = off["unit_id"].map(lambda u: per_official.get(int(u), 0))
    frame = off[off["desk"] & (busy >= min(45.0, float(busy[off["desk"]].max())))]
    n_low = max(1, P // 3)
    for o in pick_officials(rng, frame, n_low, "inflated_self_assessment (low satisfaction)"):
        set_mu(o, rng.uniform(82.0, 85.5))  # a good manager score: only citizens disagree
        a = window(rng, o, 3)
        plan.inflated_low[o] = a
        plan.lowsat_officials.add(o)
        plan.records.append(
            _record(
                "inflated_self_assessment", "official", codes[o], months[a], months[a + 2], variant="low_satisfaction"
            )
        )

    # --- rotation_due: >= 5 years in post in a sensitive unit (records computed later) ----
    rng = stream(seed, "plants", "rotation_due")
    birth = officials["birth_date"].to_numpy().astype("datetime64[D]")
    frame = off[off["sensitive"]]
    years = rng.uniform(5.2, 9.0, len(frame))
    since = AS_OF_D - np.round(years * YEAR_DAYS).astype(np.int64) * DAY
    ok = since >= birth[frame.index.to_numpy()] + np.int64(23 * YEAR_DAYS) * DAY
    frame = frame[ok]
    since_by_id = dict(zip(frame["id"], since[ok], strict=True))
    for o in pick_officials(rng, frame, P, "rotation_due"):
        plan.rotation.append((o, since_by_id[o]))

    # --- consecutive_not_completed --------------------------------------------------------
    rng = stream(seed, "plants", "consecutive_not_completed")
    pairs = [(y, y + 1) for y in annual_years if y + 1 in annual_years]
    if not pairs:
        raise RuntimeError(f"demo scale {scale.name}: fewer than two annual years")
    n_disc = math.ceil(2 * P / 3)
    frame = off[off["mu"] >= 74]
    for o in pick_officials(rng, frame, n_disc, "consecutive_not_completed"):
        y1, y2 = pairs[int(rng.integers(0, len(pairs)))]
        chosen_months = []
        for y in (y1, y2):
            ms = [m for m in months if m // 100 == y and (unit_of[o], m) not in plan.missing]
            chosen_months.append(ms[int(rng.integers(0, len(ms)))])
        plan.nc_discipline[o] = (y1, y2)
        plan.discipline[o] = chosen_months
    plan.nc_lowscore = pick_officials(rng, off, P - n_disc, "consecutive_not_completed (low score)")

    # --- background discipline: rare, never in two consecutive years ----------------------
    rng = stream(seed, "plants", "discipline")
    years_all = sorted({m // 100 for m in months})
    eligible = officials[~officials["id"].isin(list(taken))]
    ids = eligible["id"].to_numpy()
    hire = eligible["hire_month"].to_numpy()
    last_year: dict[int, int] = {}
    for y in years_all:
        hit = rng.random(len(ids)) < 0.004
        pick = rng.random(len(ids))
        for o, h, p in zip(ids[hit], hire[hit], pick[hit], strict=True):
            o = int(o)
            if last_year.get(o) == y - 1:
                continue
            ms = [m for m in months if m // 100 == y and m >= h and (unit_of[o], m) not in plan.missing]
            if not ms:
                continue
            plan.discipline.setdefault(o, []).append(ms[int(p * len(ms))])
            last_year[o] = y
    return plan


def _need(chosen: list, k: int, rule: str) -> None:
    if len(chosen) < k:
        raise RuntimeError(f"could not place {k} subjects for {rule} (placed {len(chosen)})")
