"""Overview reads: headline figures, unit x month facts rolled up to the ranked units,
trends, grade distribution, open warnings by severity and structural targets.

Facts come from the rollups (rollup_eval_unit, rollup_rating_unit) and the small KPI
and OKR tables; they are summed per unit and month in SQL, then rolled up the unit
tree with thuocdo.domain.okr (``ancestors`` for sums, ``rollup_units`` for OKR).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import streamlit as st

from queries import kpi as kpi_q
from queries import okr as okr_q
from queries.db import read
from queries.units import units_in_scope
from thuocdo.domain import okr as okr_domain
from thuocdo.domain.access import Scope
from thuocdo.domain.structure import TARGETS, structure_targets

MEASURES = ("okr", "kpi", "satisfaction", "evaluation")
GRADES = ("excellent", "good", "completed", "not_completed")
SEVERITIES = ("high", "medium", "low")
FACT_COLUMNS = [
    "eval_n",
    "eval_sum",
    "n_excellent",
    "n_good",
    "n_completed",
    "n_not_completed",
    "rating_n",
    "rating_sat",
    "kpi_n",
    "kpi_sum",
]


@st.cache_data(ttl=300, max_entries=512, show_spinner=False)
def headline(scope: Scope, start: int, end: int) -> dict:
    """Counts, mean final score, satisfaction rate and open warnings in scope and period."""
    df = read("overview_headline", scope_path=scope.path_like, start=start, end=end)
    return df.iloc[0].to_dict()


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def unit_month_facts(scope: Scope, start: int, end: int) -> pd.DataFrame:
    """Per unit and month: evaluation sums and grade counts, rating counts, KPI completion sums."""
    ev = read("overview_eval_unit_month", scope_path=scope.path_like, start=start, end=end)
    rt = read("overview_rating_unit_month", scope_path=scope.path_like, start=start, end=end)
    kp = kpi_q.kpi_unit_month(scope, start, end)
    keys = ["unit_id", "month"]
    out = pd.DataFrame({"unit_id": pd.Series([], dtype="int64"), "month": pd.Series([], dtype="int64")})
    for part in (ev, rt, kp):
        part = part.astype({"unit_id": "int64", "month": "int64"})
        out = out.merge(part, on=keys, how="outer")
    for col in FACT_COLUMNS:
        out[col] = out[col].astype(float).fillna(0.0) if col in out else 0.0
    return out[keys + FACT_COLUMNS].sort_values(keys).reset_index(drop=True)


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def tree(scope: Scope) -> pd.DataFrame:
    """Units of the scope as id, parent_id (None above the scope root), code, name, kind, level, path."""
    units = units_in_scope(scope)
    ids = dict(zip(units["code"], units["id"], strict=True))
    out = units[["id", "code", "name", "kind", "level", "path"]].copy()
    out["id"] = out["id"].astype("int64")
    out["parent_id"] = [ids.get(p) for p in units["parent_code"].astype(object)]
    out["parent_id"] = out["parent_id"].astype(object)
    return out


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def ranked_ids(scope: Scope) -> tuple[int, ...]:
    """The units a view ranks: the children of its single root, else its roots (or the lone root)."""
    t = tree(scope)
    if t.empty:
        return ()
    roots = t[t["parent_id"].isna()]
    if len(roots) == 1:
        children = t[t["parent_id"] == roots.iloc[0]["id"]]
        if len(children):
            return tuple(int(i) for i in children["id"])
    return tuple(int(i) for i in roots["id"])


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def _ancestor_pairs(scope: Scope, ids: tuple[int, ...] | None) -> pd.DataFrame:
    """(unit_id, group_id): every unit of the scope paired with each listed unit above or equal to it."""
    t = tree(scope)
    anc = okr_domain.ancestors(t[["id", "parent_id"]])
    if ids is None:
        return anc.assign(group_id=0)[["unit_id", "group_id"]].drop_duplicates()
    anc = anc[anc["ancestor_id"].isin(ids)]
    return anc.rename(columns={"ancestor_id": "group_id"})


def _measures_from_sums(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out["kpi"] = out["kpi_sum"] / out["kpi_n"].where(out["kpi_n"] > 0)
    out["satisfaction"] = out["rating_sat"] / out["rating_n"].where(out["rating_n"] > 0)
    out["evaluation"] = out["eval_sum"] / out["eval_n"].where(out["eval_n"] > 0)
    return out


def _okr_grouped(obj: pd.DataFrame, pairs: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Pooled OKR progress and pace per group (weighted mean of the objectives under it)."""
    cols = by + ["okr", "okr_pace", "n_objectives", "okr_w"]
    if obj.empty or pairs.empty:
        return pd.DataFrame({c: [] for c in cols})
    o = obj.merge(pairs, on="unit_id")
    rows = []
    for key, g in o.groupby(by):
        key = key if isinstance(key, tuple) else (key,)
        w = g["weight"].astype(float).tolist()
        rows.append(
            (
                *key,
                okr_domain.weighted_mean(g["progress"].tolist(), w),
                okr_domain.weighted_mean(g["pace"].tolist(), w),
                len(g),
                float(sum(wi for wi, p in zip(w, g["progress"].tolist(), strict=True) if wi > 0 and p == p)),
            )
        )
    return pd.DataFrame(rows, columns=cols)


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def unit_measures(scope: Scope, start: int, end: int, ids: tuple[int, ...] | None) -> pd.DataFrame:
    """Per listed unit (subtree rolled up; None = the whole scope as group 0) over the period:
    okr, okr_pace, status, kpi, satisfaction, evaluation and the counts behind them."""
    pairs = _ancestor_pairs(scope, ids)
    facts = unit_month_facts(scope, start, end).merge(pairs, on="unit_id")
    sums = facts.groupby("group_id", as_index=False)[FACT_COLUMNS].sum()
    groups = pd.DataFrame({"group_id": list(ids) if ids is not None else [0]})
    out = groups.merge(sums, on="group_id", how="left")
    out[FACT_COLUMNS] = out[FACT_COLUMNS].fillna(0.0)
    out = _measures_from_sums(out)
    okr = _okr_grouped(okr_q.objectives(scope, start, end), pairs, ["group_id"])
    out = out.merge(okr, on="group_id", how="left")
    out["n_objectives"] = out["n_objectives"].fillna(0).astype("int64")
    pace = out["okr_pace"].astype(float).to_numpy()
    out["status"] = okr_domain.status(pace, okr_q.pace_thresholds()) if len(out) else []
    if ids is not None:
        t = tree(scope).set_index("id")
        out["code"] = out["group_id"].map(t["code"])
        out["name"] = out["group_id"].map(t["name"])
    return out.rename(columns={"group_id": "unit_id"}).reset_index(drop=True)


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def unit_month_measures(scope: Scope, start: int, end: int, ids: tuple[int, ...] | None) -> pd.DataFrame:
    """Per listed unit (None = whole scope as 0) and month of start..end: okr, kpi, satisfaction, evaluation."""
    pairs = _ancestor_pairs(scope, ids)
    facts = unit_month_facts(scope, start, end).merge(pairs, on="unit_id")
    sums = facts.groupby(["group_id", "month"], as_index=False)[FACT_COLUMNS].sum()
    out = _measures_from_sums(sums)
    okr = _okr_grouped(okr_q.objective_months(scope, start, end), pairs, ["group_id", "month"])
    if len(okr):
        okr = okr.astype({"group_id": "int64", "month": "int64"})
        out = out.merge(okr, on=["group_id", "month"], how="outer")
    else:
        out = out.assign(okr=np.nan, okr_pace=np.nan, n_objectives=0, okr_w=0.0)
    if ids is not None:
        t = tree(scope).set_index("id")
        out["code"] = out["group_id"].map(t["code"])
        out["name"] = out["group_id"].map(t["name"])
    out = out.rename(columns={"group_id": "unit_id"})
    return out.sort_values(["unit_id", "month"]).reset_index(drop=True)


def combine_groups(df: pd.DataFrame) -> pd.DataFrame:
    """Per month, the listed units of unit_month_measures taken together (sums, weighted OKR)."""
    if df.empty:
        return pd.DataFrame({"month": [], "okr": [], "kpi": [], "satisfaction": [], "evaluation": []})
    d = df.assign(_ow=df["okr"].astype(float).fillna(0.0) * df["okr_w"].astype(float).fillna(0.0))
    g = d.groupby("month", as_index=False)[FACT_COLUMNS + ["_ow", "okr_w"]].sum()
    g = _measures_from_sums(g)
    g["okr"] = g["_ow"] / g["okr_w"].where(g["okr_w"] > 0)
    return g.drop(columns="_ow")


@st.cache_data(ttl=300, max_entries=512, show_spinner=False)
def summary(scope: Scope, start: int, end: int) -> dict:
    """The whole scope's okr, kpi, satisfaction, evaluation and grade counts over the period."""
    df = unit_measures(scope, start, end, None)
    return df.iloc[0].to_dict()


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def warnings_by_severity(scope: Scope) -> pd.DataFrame:
    """Open warnings in scope per severity (high, medium, low; zero rows included)."""
    df = read("overview_warnings_severity", scope_path=scope.path_like)
    counts = dict(zip(df["severity"], df["n"], strict=True))
    return pd.DataFrame({"severity": list(SEVERITIES), "n": [int(counts.get(s, 0)) for s in SEVERITIES]})


def grade_counts(row: dict | pd.Series) -> pd.DataFrame:
    """Grade distribution (grade, n, share) from a row of unit_measures."""
    n = [int(row.get(f"n_{g}", 0) or 0) for g in GRADES]
    total = sum(n)
    return pd.DataFrame({"grade": list(GRADES), "n": n, "share": [x / total if total else np.nan for x in n]})


@st.cache_data(ttl=300, max_entries=128, show_spinner=False)
def structure(scope: Scope, as_of: dt.date, ids: tuple[int, ...] | None) -> pd.DataFrame:
    """Structural targets (04-NQ/TU): per listed unit's subtree, or overall as unit_id 0 when ids is None."""
    grouped = read("overview_structure_officials", scope_path=scope.path_like)
    if grouped.empty:
        officials = grouped.drop(columns="n")
    else:
        officials = grouped.loc[grouped.index.repeat(grouped["n"].astype("int64"))].drop(columns="n")
        officials = officials.reset_index(drop=True)
    officials["is_leader"] = officials["is_leader"].astype(object).map(lambda v: bool(v) if v is not None else False)
    officials["is_local"] = (
        officials["is_local"]
        .astype(object)
        .map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v)) else bool(v))
    )
    pairs = _ancestor_pairs(scope, ids)
    officials = officials.astype({"unit_id": "int64"}).merge(pairs, on="unit_id")
    out = structure_targets(officials, as_of, by="group_id")
    if ids is None and out.empty:
        out = structure_targets(officials.iloc[0:0], as_of).assign(group_id=0)
    out["population"] = out["target_code"].map({t.code: t.population for t in TARGETS})
    return out.rename(columns={"group_id": "unit_id"})
