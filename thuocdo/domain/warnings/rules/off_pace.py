"""Rule 5 — OKR / KPI off pace: the unit will miss its targets at the current pace.

Per unit and month ``t`` (as of the last day of ``t``):

- **Key results** of objectives running in ``t``: the end-of-period value is projected
  by a straight line from (period start, baseline) through the latest check-in — the
  projection of the unit page (:func:`thuocdo.domain.okr.project_krs`). A key result
  misses when the projected progress is below 1 − ``max_miss`` *even allowing for the
  rounding of its values*: a count of 5 out of 17 after a third of the year may be a
  rounded 5.4, and dividing by the elapsed share multiplies that rounding by three; the
  rule therefore projects from the latest value moved half a unit of its recorded
  precision towards the target (0.5 for whole counts, 0.05 for one decimal). Too early
  to project (elapsed share < ``min_elapsed``) or fewer than ``min_checkins``
  check-ins: insufficient data.
- **KPIs** with a monthly target and actual: the completion (direction-aware, as on the
  unit page) is below target in each of the last ``kpi_months`` months and below
  1 − ``max_miss`` on average. A month missing in that window: insufficient data.

One warning per unit and month lists every item that misses. Vectorised: one frame of
(key result × month) and one matrix of (unit-KPI × month), whatever the number of units.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import and_, select

from thuocdo.domain.okr import kpi_completion, kr_progress_frame
from thuocdo.domain.periods import first_day, last_day
from thuocdo.domain.warnings.model import Coverage, Finding, RuleResult, ScanContext
from thuocdo.domain.warnings.rules._common import frame, index_month, month_index, month_range
from thuocdo.store.schema import key_results, kpi_values, kpis, kr_checkins, objectives

CODE = "off_pace"
MAX_DECIMALS = 4


def _krs(ctx: ScanContext, lo: int, hi: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    o, k, c = objectives, key_results, kr_checkins
    start, end = first_day(lo), last_day(hi)
    krs = frame(
        ctx.conn,
        select(
            k.c.id,
            k.c.code,
            k.c.baseline,
            k.c.target,
            k.c.direction,
            o.c.unit_id,
            o.c.code.label("objective_code"),
            o.c.start_date,
            o.c.end_date,
        )
        .select_from(k.join(o, o.c.id == k.c.objective_id))
        .where(and_(o.c.start_date <= end, o.c.end_date >= start)),
    )
    checks = frame(
        ctx.conn,
        select(c.c.key_result_id, c.c.checked_at, c.c.value)
        .select_from(c.join(k, k.c.id == c.c.key_result_id).join(o, o.c.id == k.c.objective_id))
        .where(and_(o.c.start_date <= end, o.c.end_date >= start, c.c.checked_at <= end)),
    )
    if not krs.empty:
        krs["start_date"] = pd.to_datetime(krs["start_date"])
        krs["end_date"] = pd.to_datetime(krs["end_date"])
    if not checks.empty:
        checks["checked_at"] = pd.to_datetime(checks["checked_at"])
        checks = checks.dropna(subset=["value"])
    return krs, checks


def decimals(values: np.ndarray) -> np.ndarray:
    """Number of decimals (0..4) each value is recorded with."""
    v = np.abs(np.asarray(values, dtype=float))
    out = np.full(len(v), MAX_DECIMALS, dtype="int64")
    for d in range(MAX_DECIMALS, -1, -1):
        scaled = v * 10**d
        out = np.where(np.abs(scaled - np.round(scaled)) < 1e-6, d, out)
    return out


def _resolution(krs: pd.DataFrame, checks: pd.DataFrame) -> pd.Series:
    """Half the recording step of each key result (0.5 for whole counts)."""
    d_kr = np.maximum(decimals(krs["baseline"].fillna(0).to_numpy()), decimals(krs["target"].to_numpy()))
    d = pd.Series(d_kr, index=krs["id"].to_numpy())
    if not checks.empty:
        dc = pd.Series(decimals(checks["value"].to_numpy()), index=checks.index).groupby(checks["key_result_id"]).max()
        d = pd.concat([d, dc.reindex(d.index).fillna(0).astype("int64")], axis=1).max(axis=1)
    return 0.5 * 10.0 ** (-d.astype(float))


def _kr_grid(ctx: ScanContext, krs: pd.DataFrame, checks: pd.DataFrame, p: dict) -> pd.DataFrame:
    """One row per (key result, month examined) with its projection as of that month."""
    months = pd.DataFrame({"month": ctx.months})
    months["asof"] = pd.to_datetime([last_day(m) for m in ctx.months])
    months["mstart"] = pd.to_datetime([first_day(m) for m in ctx.months])
    g = krs.merge(months, how="cross")
    g = g[(g["start_date"] <= g["asof"]) & (g["end_date"] >= g["mstart"])].copy()
    if g.empty:
        return g
    g["asof"] = g["asof"].astype("datetime64[ns]")
    c = checks.sort_values(["checked_at", "key_result_id"]).copy()
    c["checked_at"] = c["checked_at"].astype("datetime64[ns]")
    c["key_result_id"] = c["key_result_id"].astype("int64")
    g["id"] = g["id"].astype("int64")
    c["n_checks"] = c.groupby("key_result_id").cumcount() + 1
    g = g.sort_values("asof")
    g = pd.merge_asof(
        g,
        c.rename(columns={"key_result_id": "id", "checked_at": "t1", "value": "v1"}),
        left_on="asof",
        right_on="t1",
        by="id",
        direction="backward",
    )
    g["n_checks"] = g["n_checks"].fillna(0).astype("int64")
    total = (g["end_date"] - g["start_date"]).dt.days.to_numpy(dtype=float) + 1.0
    g["elapsed"] = np.clip(((g["asof"] - g["start_date"]).dt.days.to_numpy(dtype=float) + 1.0) / total, 0.0, 1.0)
    g["testable"] = (g["elapsed"] >= float(p["min_elapsed"])) & (g["n_checks"] >= int(p["min_checkins"]))
    t = g[g["testable"]].copy()
    if t.empty:
        return g.assign(projected=np.nan, projected_progress=np.nan, miss=False)
    res = _resolution(krs, checks)
    t["resolution"] = t["id"].map(res).fillna(0.0).to_numpy()
    sign = np.where(t["direction"].astype(object).fillna("up").to_numpy() == "down", -1.0, 1.0)
    base = t["baseline"].astype(float).fillna(0.0).to_numpy()
    span = (t["t1"] - t["start_date"]).dt.days.to_numpy(dtype=float)
    ahead = np.clip((t["end_date"] - t["t1"]).dt.days.to_numpy(dtype=float), 0.0, None)
    v1 = t["v1"].astype(float).to_numpy()

    def project(v):
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = np.where(span > 0, (v - base) / span, np.nan)
        return np.where(ahead == 0, v, v + slope * ahead)

    t["projected"] = project(v1)
    t["projected_best"] = project(v1 + sign * t["resolution"].to_numpy())
    t["projected_progress"] = kr_progress_frame(t.assign(current=t["projected"]))["progress_raw"].to_numpy()
    best = kr_progress_frame(t.assign(current=t["projected_best"]))["progress_raw"].to_numpy()
    t["miss"] = np.nan_to_num(best, nan=1.0) < 1.0 - float(p["max_miss"])
    return g.merge(
        t[["id", "month", "projected", "projected_progress", "resolution", "miss"]], on=["id", "month"], how="left"
    ).assign(miss=lambda d: d["miss"].fillna(False).astype(bool))


def _kpi_cells(ctx: ScanContext, p: dict) -> tuple[pd.DataFrame, set, set]:
    """KPI misses per (unit, month) as rows, plus the (unit, month) tested / too thin."""
    k = int(p["kpi_months"])
    lo, hi = month_range(ctx.months, k - 1)
    v, kt = kpi_values, kpis
    df = frame(
        ctx.conn,
        select(v.c.unit_id, v.c.kpi_id, kt.c.code, kt.c.direction, v.c.month, v.c.target, v.c.actual)
        .select_from(v.join(kt, kt.c.id == v.c.kpi_id))
        .where(and_(v.c.month >= lo, v.c.month <= hi, v.c.target.is_not(None), v.c.actual.is_not(None))),
    )
    if df.empty:
        return pd.DataFrame(), set(), set()
    df["completion"] = kpi_completion(
        df["actual"].to_numpy(dtype=float),
        df["target"].to_numpy(dtype=float),
        df["direction"].astype(object).to_numpy(),
    )
    pairs, first_row, pair_idx = np.unique(
        df[["unit_id", "kpi_id"]].to_numpy(dtype="int64"), axis=0, return_index=True, return_inverse=True
    )
    pair_idx = pair_idx.ravel()
    mi = month_index(df["month"].to_numpy())
    m0 = int(month_index([lo])[0])
    width = int(month_index([hi])[0]) - m0 + 1
    comp = np.full((len(pairs), width), np.nan)
    target = np.full((len(pairs), width), np.nan)
    actual = np.full((len(pairs), width), np.nan)
    comp[pair_idx, mi - m0] = df["completion"].to_numpy(dtype=float)
    target[pair_idx, mi - m0] = df["target"].to_numpy(dtype=float)
    actual[pair_idx, mi - m0] = df["actual"].to_numpy(dtype=float)
    present = np.zeros((len(pairs), width), dtype=bool)
    present[pair_idx, mi - m0] = True
    codes = df["code"].to_numpy(dtype=object)[first_row]
    directions = df["direction"].to_numpy(dtype=object)[first_row]
    misses, tested, thin = [], set(), set()
    for t in ctx.months:
        col = int(month_index([t])[0]) - m0
        if col < 0 or col >= width:
            continue
        here = present[:, col]
        if col - k + 1 < 0:
            for i in np.flatnonzero(here):
                thin.add((int(pairs[i, 0]), t))
            continue
        win = comp[:, col - k + 1 : col + 1]
        full = here & present[:, col - k + 1 : col + 1].all(axis=1) & ~np.isnan(win).any(axis=1)
        for i in np.flatnonzero(here & ~full):
            thin.add((int(pairs[i, 0]), t))
        with np.errstate(invalid="ignore"):
            bad = full & (win < 1.0).all(axis=1) & (win.mean(axis=1) < 1.0 - float(p["max_miss"]))
        for i in np.flatnonzero(full):
            tested.add((int(pairs[i, 0]), t))
        for i in np.flatnonzero(bad):
            cs = range(col - k + 1, col + 1)
            misses.append(
                {
                    "unit_id": int(pairs[i, 0]),
                    "month": t,
                    "kind": "kpi",
                    "code": str(codes[i]),
                    "direction": str(directions[i]),
                    "months": [
                        {
                            "month": int(index_month(m0 + c)),
                            "target": float(target[i, c]),
                            "actual": float(actual[i, c]),
                            "completion": float(comp[i, c]),
                        }
                        for c in cs
                    ],
                    "projected_progress": float(comp[i, col - k + 1 : col + 1].mean()),
                }
            )
    return pd.DataFrame(misses), tested, thin


def evaluate(ctx: ScanContext, p: dict) -> RuleResult:
    result = RuleResult(CODE, coverage=Coverage(ctx.month_set, None))
    if not ctx.months:
        return result
    max_miss = float(p["max_miss"])
    items: dict[tuple[int, int], list[dict]] = {}
    tested: set = set()
    thin: set = set()
    krs, checks = _krs(ctx, min(ctx.months), max(ctx.months))
    if not krs.empty:
        grid = _kr_grid(ctx, krs, checks, p)
        if not grid.empty:
            tested.update(
                zip(
                    grid.loc[grid["testable"], "unit_id"].astype(int),
                    grid.loc[grid["testable"], "month"].astype(int),
                    strict=True,
                )
            )
            thin.update(
                zip(
                    grid.loc[~grid["testable"], "unit_id"].astype(int),
                    grid.loc[~grid["testable"], "month"].astype(int),
                    strict=True,
                )
            )
            for r in grid[grid["miss"]].to_dict("records"):
                items.setdefault((int(r["unit_id"]), int(r["month"])), []).append(
                    {
                        "kind": "key_result",
                        "code": str(r["code"]),
                        "objective_code": str(r["objective_code"]),
                        "baseline": float(r["baseline"]) if pd.notna(r["baseline"]) else 0.0,
                        "target": float(r["target"]),
                        "direction": str(r["direction"]),
                        "last_value": float(r["v1"]),
                        "last_checkin": r["t1"].date().isoformat(),
                        "elapsed": float(r["elapsed"]),
                        "projected": float(r["projected"]),
                        "projected_progress": float(r["projected_progress"]),
                        "resolution": float(r["resolution"]),
                        "end_date": r["end_date"].date().isoformat(),
                    }
                )
    kmiss, ktested, kthin = _kpi_cells(ctx, p)
    tested |= ktested
    thin |= kthin
    for r in kmiss.to_dict("records") if not kmiss.empty else []:
        items.setdefault((int(r["unit_id"]), int(r["month"])), []).append(r)
    result.evaluated = len(tested)
    result.insufficient = len(thin - tested)
    for (unit_id, t), found in sorted(items.items()):
        result.findings.append(_finding(unit_id, t, found, max_miss))
    return result


def _finding(unit_id: int, t: int, found: list[dict], max_miss: float) -> Finding:
    found = sorted(found, key=lambda x: (x["projected_progress"], x["kind"], x["code"]))
    worst = found[0]
    rows = []
    for f in found:
        if f["kind"] == "kpi":
            for m in f["months"]:
                rows.append(
                    {
                        "kind": "kpi",
                        "code": f["code"],
                        "month": m["month"],
                        "target": m["target"],
                        "actual": m["actual"],
                        "progress": m["completion"],
                    }
                )
        else:
            rows.append(
                {
                    "kind": "key_result",
                    "code": f["code"],
                    "objective_code": f["objective_code"],
                    "baseline": f["baseline"],
                    "target": f["target"],
                    "last_value": f["last_value"],
                    "last_checkin": f["last_checkin"],
                    "elapsed": f["elapsed"],
                    "projected": f["projected"],
                    "progress": f["projected_progress"],
                }
            )
    items = [{"kind": f["kind"], "code": f["code"], "projected_progress": f["projected_progress"]} for f in found]
    return Finding(
        rule_code=CODE,
        subject_type="unit",
        subject_id=unit_id,
        unit_id=unit_id,
        month=int(t),
        severity="high"
        if worst["projected_progress"] < 0.5
        else ("medium" if worst["projected_progress"] < 0.75 else "low"),
        score=1.0 - worst["projected_progress"],
        reason_key="warnings.reason.off_pace_kpi" if worst["kind"] == "kpi" else "warnings.reason.off_pace_kr",
        reason_params={
            "items_n": len(found),
            "worst_code": worst["code"],
            "worst_pct": worst["projected_progress"],
            "threshold_pct": 1.0 - max_miss,
        },
        evidence={
            "values": {"unit_id": unit_id, "items": items},
            "rows": rows,
            "chart": {"kind": "bars", "x": "code", "y": "projected_progress", "rule": 1.0 - max_miss},
        },
        threshold=1.0 - max_miss,
        sample_size=len(found),
    )
