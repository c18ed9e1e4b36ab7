"""Citizen ratings, generated month by month, with their rollups computed on the way.

A month of ratings is a few hundred thousand rows at city scale: each month is drawn
from its own random stream (so months are independent of each other and of the order
they are made in), loaded, and summarised into the rollup tables before the next one.
The summaries here follow :mod:`thuocdo.store.rollups` exactly (tests compare them).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass

import numpy as np
import pandas as pd

from thuocdo.demo.plants import Plan
from thuocdo.demo.profiles import CHANNELS, Profiles, score_probs
from thuocdo.demo.scales import Scale, stream
from thuocdo.store.rollups import OFFICE_END_HOUR, OFFICE_START_HOUR

SCALE_LEVELS = 4
NAMED_SHARE = np.array([0.85, 0.85, 0.55, 0.40])  # ratings that name an official, by channel
OFF_HOURS = np.array([0.003, 0.003, 0.035, 0.035])  # background ratings outside office hours
SERVICE_SHARE = 0.9
DEVICE_DAY_MEAN = 20.0  # devices are sized so that a busy day stays far below 60 ratings
LOWSAT = 0.58  # satisfied share of the planted low-rated officials
# Office-hour profile 07:00-17:59 (a morning peak, a lunch dip); Saturdays 07:00-11:59.
HOUR_W = np.array([0.5, 1.2, 1.3, 1.3, 1.0, 0.3, 0.7, 1.2, 1.2, 1.0, 0.5])
SAT_HOUR_W = np.array([0.6, 1.2, 1.3, 1.2, 0.8])


@dataclass
class RatingSetup:
    months: list[int]
    unit_ids: np.ndarray
    unit_codes: np.ndarray
    counts: np.ndarray  # (units, months) background ratings per cell
    devices: pd.DataFrame  # code, unit_id, channel
    dev_codes: np.ndarray
    dev_offset: np.ndarray  # (units, 2) first device of kiosk / tablet in dev_codes
    dev_count: np.ndarray  # (units, 2)
    desk_ids: np.ndarray  # desk officials sorted by unit
    desk_unit: np.ndarray  # their unit index
    desk_hire: np.ndarray  # their hire month
    probs: np.ndarray  # (units, months, 4)
    lowsat: np.ndarray  # official ids rated low
    bursts: list
    svc_codes: np.ndarray  # (units, L) padded
    svc_cum: np.ndarray  # (units, L)
    channel_cum: np.ndarray  # (units, 4) cumulative channel shares
    seed: int

    @property
    def total(self) -> int:
        return int(self.counts.sum()) + sum(b.k for b in self.bursts)


def prepare(
    profiles: Profiles,
    units: pd.DataFrame,
    officials: pd.DataFrame,
    plan: Plan,
    scale: Scale,
    seed: int,
    n_ratings: int,
) -> RatingSetup:
    months = scale.month_list
    U, T = len(profiles.unit_ids), len(months)
    ui = {int(u): i for i, u in enumerate(profiles.unit_ids)}
    mi = {m: t for t, m in enumerate(months)}
    cell = profiles.weight[:, None] * profiles.month_factor[None, :]
    for u, m in plan.missing:
        cell[ui[u], mi[m]] = 0.0
    n_normal = n_ratings - sum(b.k for b in plan.bursts)
    rng = stream(seed, "ratings", "counts")
    counts = rng.multinomial(n_normal, (cell / cell.sum()).ravel()).reshape(U, T)

    codes = units.set_index("id").loc[profiles.unit_ids, "code"].to_numpy()
    dev_rows, dev_offset, dev_count = [], np.zeros((U, 2), dtype=np.int64), np.zeros((U, 2), dtype=np.int64)
    for i in range(U):
        for c, name in ((0, "kiosk"), (1, "tablet")):
            share = profiles.channel_share[i, c]
            if share <= 0:
                continue
            peak = counts[i].max() * share
            k = max(1, int(np.ceil(peak / (24.0 * DEVICE_DAY_MEAN))))
            dev_offset[i, c] = len(dev_rows)
            dev_count[i, c] = k
            for j in range(k):
                dev_rows.append((f"{codes[i]}.{name.upper()}{j + 1:02d}", int(profiles.unit_ids[i]), name))
    devices = pd.DataFrame(dev_rows, columns=["code", "unit_id", "channel"])

    desk = officials[officials["desk"]].sort_values(["unit_id", "id"])
    desk_unit = np.array([ui[int(u)] for u in desk["unit_id"]], dtype=np.int64)

    probs = np.zeros((U, T, 4))
    for i in range(U):
        probs[i, :, :] = score_probs(profiles.base[i], profiles.top_share[i])
    for (u, m), d in plan.drops.items():
        i = ui[u]
        probs[i, mi[m]] = score_probs(profiles.base[i] - d, profiles.top_share[i])
    for (u, m), c in plan.concentration.items():
        i = ui[u]
        sat = min(profiles.base[i], 1.0 - c - 0.005)
        s4 = sat * profiles.top_share[i]
        probs[i, mi[m]] = [c, 1.0 - c - sat, sat - s4, s4]

    L = max(len(s) for s in profiles.services)
    svc_codes = np.full((U, L), None, dtype=object)
    svc_cum = np.ones((U, L))
    for i, (s, p) in enumerate(zip(profiles.services, profiles.service_p, strict=True)):
        svc_codes[i, : len(s)] = s
        svc_cum[i, : len(s)] = np.cumsum(p)
        svc_cum[i, len(s) - 1 :] = 1.0
    return RatingSetup(
        months,
        profiles.unit_ids,
        codes,
        counts,
        devices,
        devices["code"].to_numpy(dtype=object),
        dev_offset,
        dev_count,
        desk["id"].to_numpy(),
        desk_unit,
        desk["hire_month"].to_numpy(),
        probs,
        np.array(sorted(plan.lowsat_officials), dtype=np.int64),
        list(plan.bursts),
        svc_codes,
        svc_cum,
        np.cumsum(profiles.channel_share, axis=1),
        seed,
    )


def _days(month: int) -> tuple[np.ndarray, np.ndarray]:
    y, m = divmod(month, 100)
    n = calendar.monthrange(y, m)[1]
    days = np.arange(np.datetime64(f"{y:04d}-{m:02d}-01"), np.datetime64(f"{y:04d}-{m:02d}-01") + n)
    dow = (days.astype("datetime64[D]").view("int64") - 4) % 7  # 1970-01-01 was a Thursday
    return days, dow


def _pick(rng, weights: np.ndarray, n: int) -> np.ndarray:
    cum = np.cumsum(weights) / weights.sum()
    return np.minimum(np.searchsorted(cum, rng.random(n), side="right"), len(weights) - 1)


def generate_month(setup: RatingSetup, t: int, first_id: int) -> dict[str, np.ndarray]:
    """The ratings of month index ``t`` as integer columns (ids from ``first_id``), by time.

    Columns: id, day (index in the month), sec (second of the day), unit (index in
    setup.unit_ids), ch (index in CHANNELS), dev (index in dev_codes or -1), official
    (id or -1), svc (index in the unit's services or -1), score.
    """
    month = setup.months[t]
    rng = stream(setup.seed, "ratings", "month", month)
    n_u = setup.counts[:, t]
    u = np.repeat(np.arange(len(n_u)), n_u)
    n = len(u)
    ch = (rng.random(n)[:, None] > setup.channel_cum[u, :3]).sum(axis=1)
    days, dow = _days(month)
    off = rng.random(n) < OFF_HOURS[ch]
    device_ch = ch <= 1

    # Office-hour ratings: Mon-Sat (Saturday mornings at the desks), hours by profile.
    w_dev = np.where(dow < 5, 1.0, np.where(dow == 5, 0.5, 0.0))
    w_web = np.where(dow < 5, 1.0, np.where(dow == 5, 0.6, 0.0))
    day_idx = np.where(device_ch, _pick(rng, w_dev, n), _pick(rng, w_web, n))
    sat = dow[day_idx] == 5
    hour = np.where(sat, OFFICE_START_HOUR + _pick(rng, SAT_HOUR_W, n), OFFICE_START_HOUR + _pick(rng, HOUR_W, n))
    # Outside office hours: desks open late (18:xx); the web and SMS at night and on Sundays.
    sunday = np.flatnonzero(dow == 6)
    weekday = np.flatnonzero(dow < 6)
    night_hours = np.array([5, 6, 18, 19, 20, 21, 22])
    on_sunday = (~device_ch) & (rng.random(n) < 0.5)
    off_day = np.where(on_sunday, sunday[rng.integers(0, len(sunday), n)], weekday[rng.integers(0, len(weekday), n)])
    off_hour = np.where(
        device_ch,
        OFFICE_END_HOUR,
        np.where(on_sunday, rng.integers(7, 22, n), night_hours[rng.integers(0, len(night_hours), n)]),
    )
    day_idx = np.where(off, off_day, day_idx)
    hour = np.where(off, off_hour, hour)
    sec = hour * 3600 + rng.integers(0, 60, n) * 60 + rng.integers(0, 60, n)

    dc = np.where(device_ch, ch, 0)
    cnt = setup.dev_count[u, dc]
    dev = np.where(
        device_ch & (cnt > 0),
        setup.dev_offset[u, dc] + np.floor(rng.random(n) * np.maximum(cnt, 1)).astype(np.int64),
        -1,
    )

    # The official named: someone at the unit's desk who already worked there that month.
    eligible = setup.desk_hire <= month
    d_ids = setup.desk_ids[eligible]
    d_unit = setup.desk_unit[eligible]
    start = np.searchsorted(d_unit, np.arange(len(n_u)), side="left")
    stop = np.searchsorted(d_unit, np.arange(len(n_u)), side="right")
    k = (stop - start)[u]
    named = (rng.random(n) < NAMED_SHARE[ch]) & (k > 0)
    pick = start[u] + np.floor(rng.random(n) * np.maximum(k, 1)).astype(np.int64)
    official = np.where(named, d_ids[np.minimum(pick, len(d_ids) - 1)], -1) if len(d_ids) else np.full(n, -1)

    has_svc = rng.random(n) < SERVICE_SHARE
    s_idx = (rng.random(n)[:, None] > setup.svc_cum[u]).sum(axis=1)
    svc = np.where(has_svc, s_idx, -1)

    # Level 1 ("Không hài lòng") is drawn as a count per unit with half the binomial
    # spread, so that a funnel plot at 99.8 % never fires on the background by chance;
    # levels 2-4 are then drawn row by row (binomial noise in the satisfied share).
    p = setup.probs[u, t]
    low = np.isin(official, setup.lowsat) & named
    if low.any():
        p[low] = score_probs(LOWSAT, 0.4)
    p1 = setup.probs[:, t, 0]
    sd = 0.5 * np.sqrt(n_u * p1 * (1.0 - p1))
    count1 = np.clip(np.round(n_u * p1 + rng.normal(0.0, 1.0, len(n_u)) * sd), 0, n_u).astype(np.int64)
    order = np.lexsort((rng.random(n), u))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - np.repeat(np.cumsum(n_u) - n_u, n_u)
    level1 = rank < count1[u]
    rest = p[:, 1:] / p[:, 1:].sum(axis=1, keepdims=True)
    cum = np.cumsum(rest, axis=1)
    r = rng.random(n)
    score = np.where(level1, 1, 2 + (r > cum[:, 0]).astype(np.int64) + (r > cum[:, 1]))

    cols = {
        "day": day_idx,
        "sec": sec,
        "unit": u,
        "ch": ch,
        "dev": dev,
        "official": official,
        "svc": svc,
        "score": score,
    }
    for b in setup.bursts:
        if b.month == month:
            cols = _append_burst(cols, setup, b, rng)
    when = cols["day"].astype(np.int64) * 86400 + cols["sec"]
    order = np.lexsort((np.arange(len(when)), when))
    out = {key: np.asarray(v)[order].astype(np.int64) for key, v in cols.items()}
    out["id"] = np.arange(first_id, first_id + len(order), dtype=np.int64)
    out["month"] = np.int64(month)
    return out


def _append_burst(cols: dict, setup: RatingSetup, b, rng) -> dict:
    """A device pumping ratings on one day: ~all top score, most of them at night."""
    i = int(np.searchsorted(setup.unit_ids, b.unit_id))
    c = 0 if b.channel == "kiosk" else 1
    k = b.k
    night = rng.random(k) < 0.6
    hour = np.where(night, rng.choice(np.array([18, 19, 20, 21, 22, 23, 5, 6]), k), rng.integers(8, 17, k))
    add = {
        "day": np.full(k, b.day.day - 1),
        "sec": hour * 3600 + rng.integers(0, 60, k) * 60 + rng.integers(0, 60, k),
        "unit": np.full(k, i),
        "ch": np.full(k, c),
        "dev": np.full(k, int(setup.dev_offset[i, c])),
        "official": np.full(k, b.official_id if b.official_id is not None else -1),
        "svc": np.zeros(k, dtype=np.int64),
        "score": np.where(rng.random(k) < 0.99, 4, 3),
    }
    return {key: np.concatenate([cols[key], add[key]]) for key in cols}


# --- rollups ----------------------------------------------------------------------------


def _group(keys: np.ndarray):
    uniq, inv = np.unique(keys, return_inverse=True)
    return uniq, inv.ravel()


def _score_counts(inv: np.ndarray, score: np.ndarray, groups: int) -> np.ndarray:
    return np.bincount(inv * 5 + (score - 1), minlength=groups * 5).reshape(groups, 5)


def rollups(m: dict, setup: RatingSetup) -> dict[str, pd.DataFrame]:
    """The rollup rows of one month of ratings (same definitions as thuocdo.store.rollups)."""
    month = int(m["month"])
    days, dow_of_day = _days(month)
    unit, ch, dev, score = m["unit"], m["ch"], m["dev"], m["score"]
    hour = m["sec"] // 3600
    dow = dow_of_day[m["day"]]
    off = (hour < OFFICE_START_HOUR) | (hour >= OFFICE_END_HOUR) | (dow == 6)
    unit_ids = setup.unit_ids
    levels = [f"s{k}" for k in range(1, 6)]

    # unit x channel: counts, off-hours, distinct devices, busiest device-day.
    uk, inv = _group(unit * 4 + ch)
    G = len(uk)
    sc = _score_counts(inv, score, G)
    has = dev >= 0
    pairs = np.unique(inv[has] * (len(setup.dev_codes) + 1) + dev[has])
    n_devices = np.bincount(pairs // (len(setup.dev_codes) + 1), minlength=G)
    dd, dd_n = np.unique((inv[has] * (len(setup.dev_codes) + 1) + dev[has]) * 32 + m["day"][has], return_counts=True)
    max_day = np.zeros(G, dtype=np.int64)
    np.maximum.at(max_day, dd // 32 // (len(setup.dev_codes) + 1), dd_n)
    r_unit = pd.DataFrame(
        {
            "unit_id": unit_ids[uk // 4],
            "month": month,
            "channel": np.array(CHANNELS, dtype=object)[uk % 4],
            "scale": SCALE_LEVELS,
            **{lv: sc[:, j] for j, lv in enumerate(levels)},
            "n": np.bincount(inv, minlength=G),
            "n_off_hours": np.bincount(inv, weights=off, minlength=G).astype(np.int64),
            "n_devices": n_devices,
            "max_device_day": max_day,
        }
    )

    named = m["official"] >= 0
    ok, inv = _group(m["official"][named])
    G = len(ok)
    sc = _score_counts(inv, score[named], G)
    first_unit = np.full(G, np.iinfo(np.int64).max)
    np.minimum.at(first_unit, inv, unit_ids[unit[named]])
    r_official = pd.DataFrame(
        {
            "official_id": ok,
            "month": month,
            "scale": SCALE_LEVELS,
            "unit_id": first_unit,
            **{lv: sc[:, j] for j, lv in enumerate(levels)},
            "n": np.bincount(inv, minlength=G),
        }
    )

    with_svc = m["svc"] >= 0
    width = setup.svc_codes.shape[1]
    sk, inv = _group(unit[with_svc] * width + m["svc"][with_svc])
    G = len(sk)
    sc = _score_counts(inv, score[with_svc], G)
    r_service = pd.DataFrame(
        {
            "unit_id": unit_ids[sk // width],
            "service_code": setup.svc_codes[sk // width, sk % width],
            "month": month,
            "scale": SCALE_LEVELS,
            **{lv: sc[:, j] for j, lv in enumerate(levels)},
            "n": np.bincount(inv, minlength=G),
        }
    )

    hk, hn = np.unique((unit * 7 + dow) * 24 + hour, return_counts=True)
    r_hour = pd.DataFrame(
        {"unit_id": unit_ids[hk // (7 * 24)], "month": month, "dow": (hk // 24) % 7, "hour": hk % 24, "n": hn}
    )
    return {
        "rollup_rating_unit": r_unit,
        "rollup_rating_official": r_official,
        "rollup_rating_service": r_service,
        "rollup_rating_hour": r_hour,
    }


_TIME_OF_DAY: list[str] = [
    f"{h:02d}:{mi:02d}:{se:02d}.000000" for h in range(24) for mi in range(60) for se in range(60)
]


def _timestamps(m: dict) -> list[str]:
    """'YYYY-MM-DD HH:MM:SS.000000', SQLAlchemy's own SQLite format (also valid for COPY)."""
    days, _dow = _days(int(m["month"]))
    day_str = [str(d) + " " for d in days]
    tod = _TIME_OF_DAY
    return [day_str[d] + tod[x] for d, x in zip(m["day"].tolist(), m["sec"].tolist(), strict=True)]


def _nullable(values: np.ndarray, lookup: np.ndarray | None = None) -> list:
    """-1 -> None; other values as themselves or through ``lookup``."""
    out = (lookup[np.maximum(values, 0)] if lookup is not None else values).astype(object)
    out[values < 0] = None
    return out.tolist()


def table_columns(m: dict, setup: RatingSetup) -> list[list]:
    """The month's ``ratings`` rows as columns of Python values, in the table's order."""
    n = len(m["id"])
    svc = m["svc"]
    svc_code = setup.svc_codes[m["unit"], np.maximum(svc, 0)].astype(object)
    svc_code[svc < 0] = None
    return [
        m["id"].tolist(),
        _timestamps(m),
        [int(m["month"])] * n,
        setup.unit_ids[m["unit"]].tolist(),
        _nullable(m["official"]),
        svc_code.tolist(),
        np.array(CHANNELS, dtype=object)[m["ch"]].tolist(),
        _nullable(m["dev"], setup.dev_codes),
        m["score"].tolist(),
        [SCALE_LEVELS] * n,
        [None] * n,
        [None] * n,
    ]
