"""OKR and KPI arithmetic: key result progress, weighted roll-ups, pace, status, projection.

Progress of a key result is the share of the way from baseline to target, direction-aware
("down": lower is better), reported raw and clipped to [0, 1]. Objectives are the
weighted mean of their key results' clipped progress, a unit the weighted mean of its
objectives, and a parent unit (by default) the weighted mean of every objective in its
subtree ("pooled"), so that a ward with one objective does not weigh as much as a
department with twelve. ``method="equal"`` instead gives the unit's own objectives and
each child subtree one equal vote. Pace is progress ÷ elapsed share of the period;
status bands come from :class:`PaceThresholds` (0.7 / 0.4 unless configured).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

STATUSES = ("on_track", "at_risk", "off_track", "no_data")

KPI_COMPLETION_CAP = 1.2
"""Completion is capped at 120 % so that one over-achieved KPI cannot hide the others."""


@dataclass(frozen=True)
class PaceThresholds:
    """Pace bands: ≥ on_track is on track, ≥ at_risk is at risk, below is off track."""

    on_track: float = 0.7
    at_risk: float = 0.4

    @classmethod
    def from_setting(cls, value: Mapping | None) -> PaceThresholds:
        """Thresholds from the ``okr_pace`` setting ({"on_track": .., "at_risk": ..})."""
        if not value:
            return cls()
        t = cls(float(value.get("on_track", cls.on_track)), float(value.get("at_risk", cls.at_risk)))
        if not 0 <= t.at_risk <= t.on_track:
            raise ValueError("pace thresholds need 0 <= at_risk <= on_track")
        return t


def _nan(x) -> bool:
    """True for None or NaN."""
    return x is None or (isinstance(x, float) and math.isnan(x))


def kr_progress_raw(baseline: float, target: float, current: float | None, direction: str = "up") -> float:
    """Unclipped share of the way from baseline to target (can be < 0 or > 1); nan without a value."""
    if _nan(current) or _nan(target):
        return math.nan
    baseline = 0.0 if _nan(baseline) else float(baseline)
    sign = -1.0 if direction == "down" else 1.0
    need = sign * (float(target) - baseline)
    gain = sign * (float(current) - baseline)
    if need <= 0:
        # Target already at (or behind) the baseline: met or not, nothing in between.
        return 1.0 if sign * (float(current) - float(target)) >= 0 else 0.0
    return gain / need


def kr_progress(baseline: float, target: float, current: float | None, direction: str = "up") -> float:
    """Progress clipped to [0, 1]; a key result without a current value counts as 0."""
    raw = kr_progress_raw(baseline, target, current, direction)
    return 0.0 if math.isnan(raw) else min(1.0, max(0.0, raw))


def kr_progress_frame(kr: pd.DataFrame) -> pd.DataFrame:
    """Add progress_raw and progress to a frame with baseline, target, current, direction."""
    out = kr.copy()
    base = out["baseline"].astype(float).fillna(0.0).to_numpy()
    target = out["target"].astype(float).to_numpy()
    cur = out["current"].astype(float).to_numpy()
    sign = np.where(out["direction"].astype(object).fillna("up").to_numpy() == "down", -1.0, 1.0)
    need = sign * (target - base)
    gain = sign * (cur - base)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = gain / need
    met = np.where(sign * (cur - target) >= 0, 1.0, 0.0)
    raw = np.where(need > 0, ratio, met)
    raw = np.where(np.isnan(cur) | np.isnan(target), np.nan, raw)
    out["progress_raw"] = raw
    out["progress"] = np.clip(np.nan_to_num(raw, nan=0.0), 0.0, 1.0)
    return out


def weighted_mean(values: Sequence[float], weights: Sequence[float] | None = None) -> float:
    """Weighted mean ignoring nan values and non-positive weights; nan when nothing is left."""
    if weights is None:
        weights = [1.0] * len(values)
    num = den = 0.0
    for v, w in zip(values, weights, strict=True):
        if _nan(v) or _nan(w) or w <= 0:
            continue
        num += float(v) * float(w)
        den += float(w)
    return num / den if den > 0 else math.nan


def _weighted_group(df: pd.DataFrame, key: str, value: str, weight: str) -> pd.DataFrame:
    """Weighted mean of ``value`` by ``weight`` per ``key``; count and weight sum alongside."""
    w = df[weight].astype(float).fillna(0.0).clip(lower=0.0)
    v = df[value].astype(float)
    ok = v.notna() & (w > 0)
    tmp = pd.DataFrame({key: df[key], "_wv": (v * w).where(ok, 0.0), "_w": w.where(ok, 0.0), "_n": ok.astype("int64")})
    g = tmp.groupby(key, as_index=False).agg(_wv=("_wv", "sum"), _w=("_w", "sum"), n=("_n", "sum"))
    g["progress"] = (g["_wv"] / g["_w"].where(g["_w"] > 0)).astype(float)
    return g.rename(columns={"_w": "weight_sum"}).drop(columns="_wv")


def objective_progress(kr: pd.DataFrame) -> pd.DataFrame:
    """Per objective_id: weighted mean of its key results' clipped progress (n_krs, weight_sum)."""
    df = kr if "progress" in kr else kr_progress_frame(kr)
    if "weight" not in df:
        df = df.assign(weight=1.0)
    return _weighted_group(df, "objective_id", "progress", "weight").rename(columns={"n": "n_krs"})


def unit_progress(obj: pd.DataFrame) -> pd.DataFrame:
    """Per unit_id: weighted mean of its objectives' progress (n_objectives, weight_sum)."""
    df = obj if "weight" in obj else obj.assign(weight=1.0)
    return _weighted_group(df, "unit_id", "progress", "weight").rename(columns={"n": "n_objectives"})


def ancestors(units: pd.DataFrame) -> pd.DataFrame:
    """Pairs (unit_id, ancestor_id) for every unit and each of its ancestors, itself included."""
    parent = dict(zip(units["id"].astype("int64"), units["parent_id"], strict=True))
    rows_u, rows_a = [], []
    for uid in parent:
        seen, cur = set(), uid
        while cur is not None and not _nan(cur) and cur in parent and cur not in seen:
            seen.add(cur)
            rows_u.append(uid)
            rows_a.append(int(cur))
            nxt = parent[cur]
            cur = None if _nan(nxt) else int(nxt)
    return pd.DataFrame({"unit_id": rows_u, "ancestor_id": rows_a}, dtype="int64")


def rollup_units(obj: pd.DataFrame, units: pd.DataFrame, method: str = "pooled") -> pd.DataFrame:
    """Progress of every unit: own objectives and rolled up over its subtree.

    ``obj``: unit_id, progress, weight (one row per objective). ``units``: id, parent_id.
    Returns id, own_progress, own_objectives, progress, n_objectives (objectives in the
    subtree). ``pooled``: weighted mean of all objectives in the subtree; ``equal``: mean
    of the unit's own progress and each child's rolled progress, one vote each.
    """
    obj = obj if "weight" in obj else obj.assign(weight=1.0)
    ids = units["id"].astype("int64")
    own = unit_progress(obj).rename(
        columns={"unit_id": "id", "progress": "own_progress", "n_objectives": "own_objectives"}
    )
    out = pd.DataFrame({"id": ids}).merge(own[["id", "own_progress", "own_objectives"]], on="id", how="left")
    out["own_objectives"] = out["own_objectives"].fillna(0).astype("int64")
    if method == "pooled":
        anc = ancestors(units)
        w = obj["weight"].astype(float).fillna(0.0).clip(lower=0.0)
        v = obj["progress"].astype(float)
        ok = v.notna() & (w > 0)
        o = pd.DataFrame(
            {
                "unit_id": obj["unit_id"].astype("int64"),
                "_wv": (v * w).where(ok, 0.0),
                "_w": w.where(ok, 0.0),
                "_n": ok.astype("int64"),
            }
        )
        m = o.merge(anc, on="unit_id").groupby("ancestor_id", as_index=False)[["_wv", "_w", "_n"]].sum()
        m["progress"] = (m["_wv"] / m["_w"].where(m["_w"] > 0)).astype(float)
        m = m.rename(columns={"ancestor_id": "id", "_n": "n_objectives"})[["id", "progress", "n_objectives"]]
        out = out.merge(m, on="id", how="left")
        out["n_objectives"] = out["n_objectives"].fillna(0).astype("int64")
        return out
    if method != "equal":
        raise ValueError(f"unknown roll-up method {method!r}")
    parent = dict(zip(ids, units["parent_id"], strict=True))
    children: dict[int, list[int]] = {}
    for uid, pid in parent.items():
        if not _nan(pid) and int(pid) in parent:
            children.setdefault(int(pid), []).append(uid)
    own_map = dict(zip(out["id"], out["own_progress"], strict=True))
    own_n = dict(zip(out["id"], out["own_objectives"], strict=True))
    rolled: dict[int, tuple[float, int]] = {}

    def visit(uid: int) -> tuple[float, int]:
        # Iterative post-order would avoid recursion limits; unit trees are a few levels deep.
        if uid in rolled:
            return rolled[uid]
        votes = [own_map.get(uid, math.nan)]
        n = int(own_n.get(uid, 0))
        for c in children.get(uid, []):
            p, cn = visit(c)
            votes.append(p)
            n += cn
        rolled[uid] = (weighted_mean(votes), n)
        return rolled[uid]

    for uid in ids:
        visit(int(uid))
    out["progress"] = [rolled[int(u)][0] for u in out["id"]]
    out["n_objectives"] = [rolled[int(u)][1] for u in out["id"]]
    return out


def pace(progress, elapsed_share):
    """Progress ÷ elapsed share of the period; nan before the period starts (array-aware)."""
    if np.ndim(progress) == 0 and np.ndim(elapsed_share) == 0:
        if _nan(progress) or _nan(elapsed_share) or elapsed_share <= 0:
            return math.nan
        return float(progress) / float(elapsed_share)
    p = np.asarray(progress, dtype=float)
    e = np.asarray(elapsed_share, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(e > 0, p / e, np.nan)


def status(pace_value, thresholds: PaceThresholds | None = None):
    """on_track / at_risk / off_track from a pace (no_data for nan); arrays give arrays."""
    t = thresholds or PaceThresholds()
    if np.ndim(pace_value) == 0:
        if _nan(pace_value):
            return "no_data"
        if pace_value >= t.on_track:
            return "on_track"
        return "at_risk" if pace_value >= t.at_risk else "off_track"
    p = np.asarray(pace_value, dtype=float)
    return np.select(
        [np.isnan(p), p >= t.on_track, p >= t.at_risk], ["no_data", "on_track", "at_risk"], default="off_track"
    ).astype(object)


def _days(d) -> float:
    """A date-like value as days since 1970-01-01 (for the linear projection)."""
    ts = pd.Timestamp(d)
    return (ts - pd.Timestamp("1970-01-01")).total_seconds() / 86400.0


def project_value(
    checkins: Sequence[tuple[dt.date, float]],
    period_end: dt.date,
    baseline: float | None = None,
    period_start: dt.date | None = None,
) -> float:
    """End-of-period value by a straight line from the baseline (or first check-in) through the latest.

    With ``baseline`` and ``period_start`` the line starts at (period_start, baseline);
    otherwise at the first check-in. Needs two distinct points in time; nan otherwise.
    """
    pts = sorted((_days(d), float(v)) for d, v in checkins if not _nan(v))
    if not pts:
        return math.nan
    if baseline is not None and not _nan(baseline) and period_start is not None:
        first = (_days(period_start), float(baseline))
    else:
        first = pts[0]
    last = pts[-1]
    if last[0] <= first[0]:
        return math.nan
    slope = (last[1] - first[1]) / (last[0] - first[0])
    end = _days(period_end)
    if end <= last[0]:
        return last[1]
    return last[1] + slope * (end - last[0])


def projected_miss(
    projected: float, target: float, direction: str = "up", baseline: float | None = None, tolerance: float = 0.10
) -> bool:
    """True when the projected value misses the target by more than ``tolerance``.

    With a baseline the miss is measured on the baseline→target way (projected progress
    below 1 − tolerance); without one, relative to the target's size.
    """
    if _nan(projected) or _nan(target):
        return False
    if baseline is not None and not _nan(baseline):
        return kr_progress_raw(baseline, target, projected, direction) < 1.0 - tolerance
    scale = abs(float(target)) or 1.0
    short = (float(target) - float(projected)) if direction != "down" else (float(projected) - float(target))
    return short / scale > tolerance


def project_krs(kr: pd.DataFrame, checkins: pd.DataFrame, tolerance: float = 0.10) -> pd.DataFrame:
    """Projection per key result: id, projected, projected_progress, miss.

    ``kr``: id, baseline, target, direction, start_date, end_date (of its objective's
    period). ``checkins``: key_result_id, checked_at, value. Vectorised: only the
    latest check-in and the period start are needed for the line from the baseline.
    """
    c = checkins.dropna(subset=["value"]).copy()
    c["_t"] = pd.to_datetime(c["checked_at"])
    c = c.sort_values(["key_result_id", "_t"])
    last = c.groupby("key_result_id", as_index=False).last()[["key_result_id", "_t", "value"]]
    first = c.groupby("key_result_id", as_index=False).first()[["key_result_id", "_t", "value"]]
    df = kr.merge(last.rename(columns={"key_result_id": "id", "_t": "t1", "value": "v1"}), on="id", how="left")
    df = df.merge(first.rename(columns={"key_result_id": "id", "_t": "tf", "value": "vf"}), on="id", how="left")
    start = pd.to_datetime(df["start_date"])
    end = pd.to_datetime(df["end_date"])
    has_base = df["baseline"].notna()
    t0 = start.where(has_base, df["tf"])
    v0 = df["baseline"].astype(float).where(has_base, df["vf"].astype(float))
    span = (df["t1"] - t0).dt.total_seconds() / 86400.0
    ahead = ((end - df["t1"]).dt.total_seconds() / 86400.0).clip(lower=0.0)
    slope = (df["v1"].astype(float) - v0) / span.where(span > 0)
    projected = df["v1"].astype(float) + slope * ahead
    projected = projected.where(~((ahead == 0) & df["v1"].notna()), df["v1"].astype(float))
    df["projected"] = projected
    tmp = kr_progress_frame(df.assign(current=projected))
    df["projected_progress"] = tmp["progress_raw"]
    df["miss"] = (df["projected_progress"] < 1.0 - tolerance).fillna(False).astype(bool)
    return df[["id", "projected", "projected_progress", "miss"]]


def kpi_completion(actual, target, direction="up", cap: float = KPI_COMPLETION_CAP):
    """Direction-aware completion capped at ``cap``: up actual/target, down target/actual.

    Guards: a non-positive target for "up" or a negative value gives nan; for "down" an
    actual of 0 with a target ≥ 0 is full marks (the cap), a target of 0 with actual > 0
    is 0. Scalars give a float, arrays/Series give an array.
    """
    scalar = np.ndim(actual) == 0 and np.ndim(target) == 0 and np.ndim(direction) == 0
    a = np.atleast_1d(np.asarray(actual, dtype=float))
    t = np.atleast_1d(np.asarray(target, dtype=float))
    d = np.atleast_1d(np.asarray(direction, dtype=object))
    a, t, d = np.broadcast_arrays(a, t, d)
    down = d == "down"
    with np.errstate(divide="ignore", invalid="ignore"):
        up_val = np.where(t > 0, a / t, np.nan)
        down_val = np.where(a > 0, t / a, np.where(t >= 0, cap, np.nan))
    out = np.where(down, down_val, up_val)
    out = np.where((a < 0) | (t < 0), np.nan, out)
    out = np.minimum(out, cap)
    return float(out[0]) if scalar else out
