"""A reference reading of docs/demo-patterns.md, to check a generated database against its truth.

This is not the warning engine (thuocdo/domain/warnings is): it applies the "detected
when" column literally to the generated frames, so that tests can show that every
planted pattern is detectable and that the background stays quiet.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from thuocdo.demo.scales import AS_OF
from thuocdo.domain.okr import project_krs

Z_99_TWO_SIDED = 2.5758
FUNNEL_Z = 3.09


def falling_results(evaluations: pd.DataFrame) -> set[tuple]:
    e = evaluations.sort_values(["official_id", "month"])
    out = set()
    for o, g in e.groupby("official_id", sort=False):
        x = g["final_score"].to_numpy()
        months = g["month"].to_numpy()
        for t in range(3, len(x)):
            w = x[t - 3 : t + 1]
            falls = w[0] > w[1] > w[2] > w[3] and w[0] - w[3] >= 10
            if falls or x[t] < w[:3].mean() - 10:
                out.add((int(o), int(months[t])))
    return out


def inflated_self_assessment(evaluations: pd.DataFrame, official_rollup: pd.DataFrame) -> set[tuple]:
    e = evaluations
    out = {
        (int(o), int(m))
        for o, m in e.loc[e["self_score"] - e["manager_score"] > 15, ["official_id", "month"]].itertuples(index=False)
    }
    r = official_rollup[official_rollup["n"] >= 30].copy()
    r["rate"] = (r["s3"] + r["s4"]) / r["n"]
    r["cut"] = r.groupby("month")["rate"].transform(lambda s: s.quantile(0.10))
    low = r[r["rate"] <= r["cut"]][["official_id", "month"]]
    high = e[e["self_score"] >= 90][["official_id", "month"]]
    both = low.merge(high, on=["official_id", "month"])
    out |= {(int(o), int(m)) for o, m in both.itertuples(index=False)}
    return out


def _unit_month(unit_rollup: pd.DataFrame) -> pd.DataFrame:
    g = unit_rollup.groupby(["unit_id", "month"], as_index=False)[["s1", "s2", "s3", "s4", "n", "n_off_hours"]].sum()
    g["sat"] = g["s3"] + g["s4"]
    return g


def satisfaction_drop(unit_rollup: pd.DataFrame, months: list[int]) -> set[tuple]:
    g = _unit_month(unit_rollup)
    out = set()
    for u, d in g.groupby("unit_id"):
        d = d.set_index("month")
        for i, m in enumerate(months):
            if m not in d.index or d.at[m, "n"] < 100:
                continue
            prev = [p for p in months[max(0, i - 3) : i] if p in d.index]
            if not prev:
                continue
            bn, bs = d.loc[prev, "n"].sum(), d.loc[prev, "sat"].sum()
            if bn < 100:
                continue
            n, s = d.at[m, "n"], d.at[m, "sat"]
            p1, p0 = s / n, bs / bn
            pooled = (s + bs) / (n + bn)
            se = np.sqrt(pooled * (1 - pooled) * (1 / n + 1 / bn))
            if p0 - p1 > 0.10 and se > 0 and (p0 - p1) / se > Z_99_TWO_SIDED:
                out.add((int(u), int(m)))
    return out


def dissatisfied_concentration(unit_rollup: pd.DataFrame) -> set[tuple]:
    g = _unit_month(unit_rollup)
    tot = g.groupby("month")[["s1", "n"]].transform("sum")
    p0 = tot["s1"] / tot["n"]
    limit = p0 + FUNNEL_Z * np.sqrt(p0 * (1 - p0) / g["n"])
    hit = (g["n"] >= 100) & (g["s1"] / g["n"] > limit)
    return {(int(u), int(m)) for u, m in g.loc[hit, ["unit_id", "month"]].itertuples(index=False)}


def suspect_ratings(unit_rollup: pd.DataFrame) -> set[tuple]:
    r = unit_rollup
    # Background device-days stay <= 60, so any device-day >= 150 is a burst.
    out = {(int(u), int(m)) for u, m in r.loc[r["max_device_day"] >= 150, ["unit_id", "month"]].itertuples(index=False)}
    g = _unit_month(r)
    near_all = (g["n"] >= 500) & (g["sat"] / g["n"] >= 0.99)
    night = (g["n"] >= 100) & (g["n_off_hours"] / g["n"] > 0.20)
    night_ch = (r["n"] >= 100) & (r["n_off_hours"] / r["n"] > 0.20)
    out |= {(int(u), int(m)) for u, m in g.loc[near_all | night, ["unit_id", "month"]].itertuples(index=False)}
    out |= {(int(u), int(m)) for u, m in r.loc[night_ch, ["unit_id", "month"]].itertuples(index=False)}
    return out


def missing_data(
    evaluations: pd.DataFrame, unit_rollup: pd.DataFrame, unit_ids: Iterable[int], months: list[int]
) -> set[tuple]:
    ev = set(map(tuple, evaluations[["unit_id", "month"]].drop_duplicates().to_numpy().tolist()))
    ra = set(map(tuple, unit_rollup[["unit_id", "month"]].drop_duplicates().to_numpy().tolist()))
    out = set()
    for u in unit_ids:
        for i in range(3, len(months)):
            prior = months[i - 3 : i]
            reported = all((u, p) in ev and (u, p) in ra for p in prior)
            m = months[i]
            if reported and ((u, m) not in ev or (u, m) not in ra):
                out.add((int(u), int(m)))
    return out


def off_pace(
    objectives: pd.DataFrame,
    key_results: pd.DataFrame,
    checkins: pd.DataFrame,
    kpi_values: pd.DataFrame,
    kpis: pd.DataFrame,
) -> set[tuple]:
    kr = key_results.merge(
        objectives[["id", "unit_id", "start_date", "end_date"]].rename(columns={"id": "objective_id"}),
        on="objective_id",
    )
    proj = project_krs(kr[["id", "baseline", "target", "direction", "start_date", "end_date"]], checkins)
    kr = kr.merge(proj, on="id")
    out = set()
    for r in kr[kr["miss"]].itertuples(index=False):
        end = min(pd.Timestamp(r.end_date).date(), AS_OF)
        out.add((int(r.unit_id), end.year * 100 + end.month))
    kv = kpi_values.merge(kpis[["id", "direction"]].rename(columns={"id": "kpi_id"}), on="kpi_id").sort_values(
        ["unit_id", "kpi_id", "month"]
    )
    up = kv["direction"] != "down"
    comp = np.where(up, kv["actual"] / kv["target"], kv["target"] / kv["actual"].where(kv["actual"] > 0, np.nan))
    kv = kv.assign(low=np.nan_to_num(comp, nan=9.0) < 0.9)
    for (u, _k), g in kv.groupby(["unit_id", "kpi_id"]):
        low = g["low"].to_numpy()
        months = g["month"].to_numpy()
        for t in range(2, len(low)):
            if low[t] and low[t - 1] and low[t - 2]:
                out.add((int(u), int(months[t])))
    return out


def detections(demo) -> dict[str, set[tuple]]:
    """(subject id, month) per rule, read from a seeded :class:`thuocdo.demo.seed.Demo`."""
    t = demo.tables
    months = demo.setup.months
    units = demo.units[demo.units["kind"] != "city"]["id"].tolist()
    return {
        "falling_results": falling_results(t["evaluations"]),
        "inflated_self_assessment": inflated_self_assessment(t["evaluations"], demo.official_rollup),
        "satisfaction_drop": satisfaction_drop(demo.unit_rollup, months),
        "dissatisfied_concentration": dissatisfied_concentration(demo.unit_rollup),
        "suspect_ratings": suspect_ratings(demo.unit_rollup),
        "missing_data": missing_data(t["evaluations"], demo.unit_rollup, units, months),
        "off_pace": off_pace(t["objectives"], t["key_results"], t["kr_checkins"], t["kpi_values"], t["kpis"]),
    }


def compare(demo) -> dict[str, dict]:
    """Per rule: detections outside the truth (false) and required records never detected (missed)."""
    code_of = {("unit", int(i)): c for i, c in zip(demo.units["id"], demo.units["code"], strict=True)}
    code_of.update({("official", int(i)): c for i, c in zip(demo.officials["id"], demo.officials["code"], strict=True)})
    unit_rules = {"satisfaction_drop", "dissatisfied_concentration", "suspect_ratings", "missing_data", "off_pace"}
    out = {}
    for rule, found in detections(demo).items():
        kind = "unit" if rule in unit_rules else "official"
        records = [r for r in demo.truth if r["rule"] == rule]
        hits = set()
        false = []
        for subject, month in sorted(found):
            code = code_of[(kind, subject)]
            match = [
                i
                for i, r in enumerate(records)
                if r["subject_code"] == code and r["month_from"] <= month <= r["month_to"]
            ]
            if match:
                hits.update(match)
            else:
                false.append((code, month))
        missed = [
            r for i, r in enumerate(records) if r.get("required", True) and r["subject_type"] == kind and i not in hits
        ]
        out[rule] = {"detected": len(found), "false": false, "missed": missed}
    return out
