"""Monthly evaluations and annual grades of the demo officials.

Scores are multiples of 0.5 (as in real score sheets), which also makes every sum of
them exact in floating point: rollups computed here and by SQL agree to the bit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from thuocdo.demo.plants import Plan
from thuocdo.demo.scales import Scale, stream
from thuocdo.domain.grading import DEFAULT_SWITCH_MONTH, HN3814

NOISE_SD = 2.0
NOISE_CLIP = 4.0  # bounded noise: background scores can never fall 10 points in 3 months
GOOD_LO, GOOD_HI = 74.0, 85.5  # a personal mean here always grades "good" (mean ± 4)
QUOTA_BACKGROUND = 0.15  # background "excellent" per unit-year <= 15 % of "good"


def half(x):
    """Round to the nearest multiple of 0.5."""
    return np.round(np.asarray(x, dtype=float) * 2.0) / 2.0


def annual_years(scale: Scale) -> list[int]:
    """Years with annual grades: every year of the data that has ended by the demo's today."""
    last = scale.month_list[-1] // 100
    return sorted({m // 100 for m in scale.month_list if m // 100 < last})


def shape_means(officials: pd.DataFrame, plan: Plan, scale: Scale, seed: int) -> None:
    """Set planted personal means and keep the background within the "excellent" quota."""
    rng = stream(seed, "evaluations", "means")
    mu = officials["mu"].to_numpy().copy()
    ids = officials["id"].to_numpy()
    unit = officials["unit_id"].to_numpy()
    planted = (
        set(plan.falling)
        | set(plan.inflated_gap)
        | set(plan.inflated_low)
        | set(plan.nc_discipline)
        | set(plan.nc_lowscore)
    )
    pos = {int(o): i for i, o in enumerate(ids)}
    for o in plan.nc_lowscore:
        mu[pos[o]] = rng.uniform(40.0, 46.0)
    quota = set(plan.quota_units)
    for u in plan.quota_units:
        members = np.flatnonzero((unit == u) & ~np.isin(ids, list(planted)))
        k = int(np.ceil(0.55 * len(members)))
        mu[members[rng.permutation(len(members))[:k]]] = rng.uniform(93.0, 96.5, k)

    years = annual_years(scale)
    hire_year = officials["hire_month"].to_numpy() // 100
    disc_years = {o: {m // 100 for m in ms} for o, ms in plan.discipline.items()}
    for u in np.unique(unit):
        if u in quota:
            continue
        members = np.flatnonzero(unit == u)
        sure = [i for i in members if GOOD_LO <= mu[i] <= GOOD_HI and int(ids[i]) not in planted]
        counts = []
        for y in years:
            counts.append(sum(1 for i in sure if hire_year[i] <= y and y not in disc_years.get(int(ids[i]), ())))
        k = int(np.floor(QUOTA_BACKGROUND * min(counts))) if counts else 0
        high = np.array([i for i in members if mu[i] > GOOD_HI], dtype=int)
        if len(high) > k:
            demote = high[rng.permutation(len(high))[k:]]
            mu[demote] = rng.uniform(80.0, GOOD_HI, len(demote))
    officials["mu"] = mu


def build_evaluations(
    officials: pd.DataFrame, units: pd.DataFrame, plan: Plan, scale: Scale, seed: int
) -> pd.DataFrame:
    rng = stream(seed, "evaluations", "monthly")
    months = np.array(scale.month_list)
    T, n_off = len(months), len(officials)
    ids = officials["id"].to_numpy()
    unit = officials["unit_id"].to_numpy()
    mu = officials["mu"].to_numpy()
    hire = officials["hire_month"].to_numpy()
    valid = months[None, :] >= hire[:, None]
    for u, m in plan.missing:
        valid[unit == u, int(np.searchsorted(months, m))] = False

    noise = np.clip(rng.normal(0.0, NOISE_SD, (n_off, T)), -NOISE_CLIP, NOISE_CLIP)
    final = half(np.clip(mu[:, None] + noise, 0.0, 100.0))
    pos = {int(o): i for i, o in enumerate(ids)}
    for o, a in plan.falling.items():
        i = pos[o]
        f0 = final[i, a - 1]
        for k in range(3):
            final[i, a + k] = f0 - 5.0 * (k + 1)
        final[i, a + 3 :] = half(np.clip(mu[i] - 10.0 + noise[i, a + 3 :], 0.0, 100.0))

    manager = final
    gap = np.clip(rng.normal(2.5, 2.5, (n_off, T)), -5.0, 10.0)
    self_score = np.clip(half(manager + gap), 0.0, 100.0)
    # Officials rated by citizens never score themselves >= 90 in the background, so that
    # "high self-score with bottom-decile satisfaction" fires only where it was planted.
    desk = officials["desk"].to_numpy()
    self_score[desk] = np.minimum(self_score[desk], 89.5)
    for o, a in plan.inflated_gap.items():
        i = pos[o]
        self_score[i, a : a + 3] = np.minimum(100.0, manager[i, a : a + 3] + half(rng.uniform(20.0, 24.0, 3)))
    for o, a in plan.inflated_low.items():
        i = pos[o]
        want = np.maximum(92.0 + rng.uniform(0.0, 3.0, 3), manager[i, a : a + 3] + 2.0)
        self_score[i, a : a + 3] = np.minimum(100.0, half(want))

    disciplined = np.zeros((n_off, T), dtype=bool)
    for o, ms in plan.discipline.items():
        for m in ms:
            disciplined[pos[o], int(np.searchsorted(months, m))] = True

    rows = np.nonzero(valid.T)  # month-major order: (month index, official index)
    t_idx, o_idx = rows
    f = final[o_idx, t_idx]
    month = months[t_idx]
    old = month < DEFAULT_SWITCH_MONTH
    n = len(f)

    # hn3814: discipline 20 + tasks 70 + bonus 10; nd335: general 30 + tasks 70.
    g_old = np.clip(half(f * 0.2 + rng.normal(0.8, 0.6, n)), np.maximum(0.0, f - 80.0), 20.0)
    r_old = f - g_old
    b_old = np.clip(half(r_old * 0.1 + rng.normal(0.0, 0.8, n)), np.maximum(0.0, r_old - 70.0), np.minimum(10.0, r_old))
    g_new = np.clip(half(f * 0.3 + rng.normal(0.5, 0.8, n)), np.maximum(0.0, f - 70.0), 30.0)
    general = np.where(old, g_old, g_new)
    bonus = np.where(old, b_old, np.nan)
    task = f - general - np.where(old, b_old, 0.0)

    assigned = 3 + rng.poisson(5.0, n)
    p_late = np.clip(0.01 + (88.0 - f) / 250.0, 0.0, 0.5)
    late = rng.binomial(assigned, p_late)
    errors = rng.poisson(np.clip((78.0 - f) / 60.0, 0.01, 1.0))
    disc = disciplined[o_idx, t_idx]
    grade = np.select([f >= 90, f >= 70, f >= 50], ["excellent", "good", "completed"], default="not_completed").astype(
        object
    )
    grade[disc] = "not_completed"

    evaluator = _evaluators(officials, units)
    df = pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "official_id": ids[o_idx],
            "unit_id": unit[o_idx],
            "month": month,
            "general_points": general,
            "task_points": task,
            "bonus_points": bonus,
            "self_score": self_score[o_idx, t_idx],
            "manager_score": f,
            "final_score": f,
            "grade": grade,
            "tasks_assigned": assigned,
            "tasks_on_time": assigned - late,
            "tasks_late": late,
            "major_errors": errors,
            "disciplined": disc,
            "evaluator": evaluator[o_idx],
            "policy_code": np.where(old, "hn3814", "nd335"),
            "batch_id": None,
        }
    )
    return df


def _evaluators(officials: pd.DataFrame, units: pd.DataFrame) -> np.ndarray:
    """Who signs each official's evaluation: the unit's head, or above the unit for its head."""
    rank = officials["rank"].to_numpy()
    code = officials["position_code"].to_numpy()
    unit = officials["unit_id"].to_numpy()
    group = officials["unit_group"].to_numpy()
    names = officials["full_name"].to_numpy()
    head = {}
    for u, c, r, nm in zip(unit, code, rank, names, strict=True):
        if r == "top" and (u not in head or c == "chair"):
            head[u] = nm
    out = np.array([head.get(u, "") for u in unit], dtype=object)
    top_of_dept = (rank == "top") & (group == "dept")
    out[top_of_dept] = "Chủ tịch UBND Thành phố"
    out[(rank == "top") & (group != "dept")] = "Ban Thường vụ Thành ủy"
    return out


def build_annual(evaluations: pd.DataFrame, scale: Scale) -> pd.DataFrame:
    """Annual grades under Hà Nội 3814 for each ended year (the domain's annual rule)."""
    years = annual_years(scale)
    src = evaluations.loc[
        evaluations["month"] // 100 < (scale.month_list[-1] // 100),
        ["official_id", "unit_id", "month", "final_score", "grade", "disciplined"],
    ]
    g = HN3814.annual_grades(src)
    g = g[g["year"].isin(years) & g["grade"].notna()].sort_values(["official_id", "year"]).reset_index(drop=True)
    return pd.DataFrame(
        {
            "id": np.arange(1, len(g) + 1),
            "official_id": g["official_id"].to_numpy(),
            "unit_id": g["unit_id"].to_numpy(),
            "year": g["year"].to_numpy(),
            "score": g["score"].to_numpy(dtype=float),
            "grade": g["grade"].to_numpy(dtype=object),
            "policy_code": g["policy_code"].to_numpy(dtype=object),
            "disciplined": g["disciplined"].to_numpy(dtype=bool),
            "batch_id": None,
        }
    )
