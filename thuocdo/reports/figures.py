"""The figures of a review-conference deck, computed from the rollups for a scope and period.

The result is a plain JSON-ready dictionary (the *payload*): the same structure is frozen
into a snapshot, rendered as slides, exported as PPTX / PDF and hashed. Nothing in it
depends on the time it was computed, so the same data gives the same content hash.
Individuals appear only in the list of open warnings about officials; they are
pseudonymised for the viewer by :func:`for_viewer`, not here, so a frozen snapshot made
by a leader can still be shown to a presenter without names.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from functools import cache
from pathlib import Path

import pandas as pd
from sqlalchemy import Date, Engine, bindparam, text

from thuocdo.domain import okr
from thuocdo.domain.access import Scope, pseudonym
from thuocdo.domain.periods import Period, add_months
from thuocdo.store.db import get_setting

SQL_DIR = Path(__file__).resolve().parent / "sql"
PAYLOAD_VERSION = 1
TREND_MONTHS = 12
UNIT_TREND_MONTHS = 6
OPEN_STATUSES = ("new", "acknowledged", "verified")
SEVERITIES = ("high", "medium", "low")
DATE_PARAMS = ("as_of", "period_start", "period_end")


@cache
def _statement(name: str):
    stmt = text((SQL_DIR / f"{name}.sql").read_text(encoding="utf-8"))
    dates = [bindparam(p, type_=Date) for p in DATE_PARAMS if f":{p}" in stmt.text]
    return stmt.bindparams(*dates) if dates else stmt


def run_sql(conn, name: str, **params) -> pd.DataFrame:
    """Run ``thuocdo/reports/sql/<name>.sql`` with bound parameters; a DataFrame out."""
    result = conn.execute(_statement(name), params)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def _f(x, digits: int = 6):
    """A float rounded for a stable hash, None for missing."""
    if x is None:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    if math.isnan(v) or math.isinf(v):
        return None
    return round(v, digits)


def _i(x) -> int:
    if x is None:
        return 0
    try:
        v = float(x)
    except (TypeError, ValueError):
        return 0
    return 0 if math.isnan(v) else int(v)


def _ratio(num, den):
    den = _i(den) if not isinstance(den, float) else den
    if not den:
        return None
    n = 0.0 if num is None or (isinstance(num, float) and math.isnan(num)) else float(num)
    return _f(n / float(den))


def canonical_json(payload: dict) -> str:
    """The payload as canonical JSON: sorted keys, no spaces, UTF-8 text."""
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def content_hash(payload: dict) -> str:
    """SHA-256 (hex) of the canonical JSON of ``payload``."""
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def latest_month(engine: Engine, scope: Scope) -> int | None:
    """The newest month with evaluations or ratings in scope (None for an empty scope)."""
    with engine.connect() as conn:
        df = run_sql(conn, "report_latest_month", scope_path=scope.path_like)
    m = df["month"].iloc[0] if not df.empty else None
    return None if m is None or (isinstance(m, float) and math.isnan(m)) else int(m)


def _okr_by_unit(conn, scope: Scope, period: Period, units: pd.DataFrame) -> dict[str, dict]:
    """Subtree OKR progress, expected progress, pace and status per unit code, as of the period end."""
    as_of = period.end_date
    kr = run_sql(
        conn,
        "report_okr_krs",
        scope_path=scope.path_like,
        as_of=as_of,
        period_start=period.start_date,
        period_end=period.end_date,
    )
    if kr.empty or units.empty:
        return {}
    # A key result's value at the period end: its last check-in by then; the stored
    # current value only when it has never been checked in (hand-entered OKRs).
    cur = kr["checkin_value"].astype(float)
    never = kr["n_checkins"].astype(int) == 0
    kr = kr.assign(current=cur.where(~never, kr["current"].astype(float)))
    kr = okr.kr_progress_frame(kr.assign(baseline=kr["baseline"].astype(float), target=kr["target"].astype(float)))
    obj = okr.objective_progress(kr)
    meta = kr.drop_duplicates("objective_id")[["objective_id", "unit_id", "objective_weight", "start_date", "end_date"]]
    obj = obj.merge(meta, on="objective_id")

    def elapsed(row) -> float:
        start = pd.Timestamp(row["start_date"]).date()
        end = pd.Timestamp(row["end_date"]).date()
        total = (end - start).days + 1
        done = (as_of - start).days + 1
        return max(0.0, min(1.0, done / total)) if total > 0 else 1.0

    obj["elapsed"] = obj.apply(elapsed, axis=1)
    obj["weight"] = obj["objective_weight"].astype(float)
    u = units[["id", "parent_id"]].copy()
    u["parent_id"] = u["parent_id"].astype(object).where(u["parent_id"].notna(), None)
    rolled = okr.rollup_units(obj[["unit_id", "progress", "weight"]], u)
    expected = okr.rollup_units(obj[["unit_id", "elapsed", "weight"]].rename(columns={"elapsed": "progress"}), u)
    bands = okr.PaceThresholds.from_setting(get_setting(conn, "okr_pace"))
    code_of = dict(zip(units["id"].astype(int), units["code"], strict=True))
    exp_of = dict(zip(expected["id"].astype(int), expected["progress"], strict=True))
    out: dict[str, dict] = {}
    for row in rolled.itertuples(index=False):
        if not row.n_objectives:
            continue
        prog = _f(row.progress)
        exp = _f(exp_of.get(int(row.id)))
        pace = _f(okr.pace(prog, exp)) if prog is not None and exp else None
        out[code_of[int(row.id)]] = {
            "progress": prog,
            "expected": exp,
            "pace": pace,
            "status": okr.status(math.nan if pace is None else pace, bands),
            "n_objectives": int(row.n_objectives),
        }
    return out


def _peer_codes(units: pd.DataFrame, scope: Scope) -> list[str]:
    """Units ranked against each other: the children of the scope's top units (or the tops)."""
    if units.empty:
        return []
    top = int(units["level"].min())
    peers = units[units["level"] == top + 1]
    if peers.empty:
        peers = units[units["level"] == top]
    return peers["code"].tolist()


def _rank(rows: list[dict], key: str) -> dict[str, int]:
    """Competition ranking (1, 2, 2, 4) by ``key`` descending; units without a value unranked."""
    have = sorted((r for r in rows if r.get(key) is not None), key=lambda r: (-r[key], r["code"]))
    ranks: dict[str, int] = {}
    prev_val, prev_rank = None, 0
    for i, r in enumerate(have, start=1):
        if r[key] != prev_val:
            prev_rank, prev_val = i, r[key]
        ranks[r["code"]] = prev_rank
    return ranks


def compute_payload(engine: Engine, scope: Scope, period: Period) -> dict:
    """Every figure of the deck for ``scope`` and ``period`` (see the module docstring)."""
    prev = period.previous()
    trend_start = add_months(period.end, -(TREND_MONTHS - 1))
    unit_trend_start = add_months(period.end, -(UNIT_TREND_MONTHS - 1))
    sp = scope.path_like
    with engine.connect() as conn:
        units = run_sql(conn, "report_units", scope_path=sp)
        head = run_sql(conn, "report_headcount", scope_path=sp).iloc[0].to_dict()
        ev = run_sql(conn, "report_unit_eval", scope_path=sp, start=period.start, end=period.end)
        ev_prev = run_sql(conn, "report_unit_eval", scope_path=sp, start=prev.start, end=prev.end)
        ra = run_sql(conn, "report_unit_rating", scope_path=sp, start=period.start, end=period.end)
        ra_prev = run_sql(conn, "report_unit_rating", scope_path=sp, start=prev.start, end=prev.end)
        ev_trend = run_sql(conn, "report_eval_trend", scope_path=sp, start=trend_start, end=period.end)
        ra_trend = run_sql(conn, "report_rating_trend", scope_path=sp, start=trend_start, end=period.end)
        uev_trend = run_sql(conn, "report_unit_eval_trend", scope_path=sp, start=unit_trend_start, end=period.end)
        ura_trend = run_sql(conn, "report_unit_rating_trend", scope_path=sp, start=unit_trend_start, end=period.end)
        open_w = run_sql(conn, "report_open_warnings", scope_path=sp, end=period.end)
        w_sum = run_sql(conn, "report_warning_summary", scope_path=sp, start=period.start, end=period.end)
        okr_units = _okr_by_unit(conn, scope, period, units)

    ev_of = {r["code"]: r for r in ev.to_dict("records")}
    evp_of = {r["code"]: r for r in ev_prev.to_dict("records")}
    ra_of = {r["code"]: r for r in ra.to_dict("records")}
    rap_of = {r["code"]: r for r in ra_prev.to_dict("records")}

    # Open warnings per unit subtree: a warning counts for its unit and every ancestor.
    open_by_path: dict[str, int] = {}
    for p in open_w["unit_path"].tolist() if not open_w.empty else []:
        open_by_path[p] = open_by_path.get(p, 0) + 1

    def open_in(path: str) -> int:
        return sum(n for p, n in open_by_path.items() if p.startswith(path))

    trend_e: dict[str, dict[int, dict]] = {}
    for r in uev_trend.to_dict("records"):
        trend_e.setdefault(r["code"], {})[int(r["month"])] = r
    trend_r: dict[str, dict[int, dict]] = {}
    for r in ura_trend.to_dict("records"):
        trend_r.setdefault(r["code"], {})[int(r["month"])] = r
    unit_months = [m for m in Period(unit_trend_start, period.end, "range").months]

    unit_rows: dict[str, dict] = {}
    for u in units.to_dict("records"):
        code = u["code"]
        e, ep, r, rp = ev_of.get(code), evp_of.get(code), ra_of.get(code), rap_of.get(code)
        o = okr_units.get(code)
        if not any((e, r, o)):
            continue
        n_eval = _i(e["n_eval"]) if e else 0
        n_rat = _i(r["n_ratings"]) if r else 0
        trend = []
        for m in unit_months:
            te, tr = trend_e.get(code, {}).get(m), trend_r.get(code, {}).get(m)
            if te is None and tr is None:
                continue
            trend.append(
                {
                    "month": m,
                    "avg_final": _ratio(te["sum_final"], te["n_eval"]) if te else None,
                    "satisfaction": _ratio(tr["n_satisfied"], tr["n_ratings"]) if tr else None,
                    "n_ratings": _i(tr["n_ratings"]) if tr else 0,
                }
            )
        unit_rows[code] = {
            "code": code,
            "name": u["name"],
            "kind": u["kind"],
            "level": int(u["level"]),
            "n_eval": n_eval,
            "avg_final": _ratio(e["sum_final"], e["n_eval"]) if e else None,
            "avg_self": _ratio(e["sum_self"], e["n_eval"]) if e else None,
            "prev_avg_final": _ratio(ep["sum_final"], ep["n_eval"]) if ep else None,
            "grades": {g: (_i(e[f"n_{g}"]) if e else 0) for g in ("excellent", "good", "completed", "not_completed")},
            "n_ratings": n_rat,
            "satisfaction": _ratio(r["n_satisfied"], r["n_ratings"]) if r else None,
            "dissatisfied_share": _ratio(r["n_dissatisfied"], r["n_ratings"]) if r else None,
            "prev_satisfaction": _ratio(rp["n_satisfied"], rp["n_ratings"]) if rp else None,
            "okr_progress": o["progress"] if o else None,
            "okr_expected": o["expected"] if o else None,
            "okr_pace": o["pace"] if o else None,
            "okr_status": o["status"] if o else "no_data",
            "n_objectives": o["n_objectives"] if o else 0,
            "open_warnings": open_in(u["path"]),
            "trend": trend,
        }

    peers = [c for c in _peer_codes(units, scope) if c in unit_rows]
    rank_now = _rank([unit_rows[c] for c in peers], "avg_final")
    rank_prev = _rank([{"code": c, "prev": unit_rows[c]["prev_avg_final"]} for c in peers], "prev")
    rank_sat = _rank([unit_rows[c] for c in peers], "satisfaction")
    ranking = []
    for c in peers:
        u = unit_rows[c]
        u["rank"] = rank_now.get(c)
        u["prev_rank"] = rank_prev.get(c)
        u["rank_satisfaction"] = rank_sat.get(c)
        ranking.append(c)
    ranking.sort(key=lambda c: (unit_rows[c]["rank"] is None, unit_rows[c]["rank"] or 0, c))

    ev_by_month = {int(r["month"]): r for r in ev_trend.to_dict("records")}
    ra_by_month = {int(r["month"]): r for r in ra_trend.to_dict("records")}
    trend = []
    for m in Period(trend_start, period.end, "range").months:
        e, r = ev_by_month.get(m), ra_by_month.get(m)
        if e is None and r is None:
            continue
        trend.append(
            {
                "month": m,
                "avg_final": _ratio(e["sum_final"], e["n_eval"]) if e else None,
                "n_eval": _i(e["n_eval"]) if e else 0,
                "satisfaction": _ratio(r["n_satisfied"], r["n_ratings"]) if r else None,
                "n_ratings": _i(r["n_ratings"]) if r else 0,
            }
        )

    def total(rows: dict[int, dict], months: list[int], col: str) -> float:
        return sum(float(rows[m][col] or 0) for m in months if m in rows)

    # Scope totals come from the whole-scope trend queries (no double counting of subtrees).
    pm = period.months
    n_eval = total(ev_by_month, pm, "n_eval")
    n_rat = total(ra_by_month, pm, "n_ratings")
    grades = {g: _i(total(ev_by_month, pm, f"n_{g}")) for g in ("excellent", "good", "completed", "not_completed")}
    with engine.connect() as conn:
        evp_tot = run_sql(conn, "report_eval_trend", scope_path=sp, start=prev.start, end=prev.end)
        rap_tot = run_sql(conn, "report_rating_trend", scope_path=sp, start=prev.start, end=prev.end)
    overview = {
        "n_units": _i(head["n_units"]),
        "n_officials": _i(head["n_officials"]),
        "n_eval": _i(n_eval),
        "avg_final": _ratio(total(ev_by_month, pm, "sum_final"), n_eval),
        "prev_avg_final": _ratio(evp_tot["sum_final"].astype(float).sum(), evp_tot["n_eval"].astype(float).sum())
        if not evp_tot.empty
        else None,
        "n_ratings": _i(n_rat),
        "satisfaction": _ratio(total(ra_by_month, pm, "n_satisfied"), n_rat),
        "prev_satisfaction": _ratio(
            rap_tot["n_satisfied"].astype(float).sum(), rap_tot["n_ratings"].astype(float).sum()
        )
        if not rap_tot.empty
        else None,
        "dissatisfied_share": _ratio(total(ra_by_month, pm, "n_dissatisfied"), n_rat),
        "grades": grades,
        "open_warnings": int(len(open_w)),
        "okr_on_track": sum(1 for c in peers if unit_rows[c]["okr_status"] == "on_track"),
        "okr_units": sum(1 for c in peers if unit_rows[c]["okr_status"] != "no_data"),
    }

    by_rule: dict[str, dict] = {}
    for r in w_sum.to_dict("records"):
        d = by_rule.setdefault(
            r["rule_code"], {"rule": r["rule_code"], "total": 0, "open": 0, **{s: 0 for s in SEVERITIES}}
        )
        n = _i(r["n"])
        d["total"] += n
        if r["severity"] in SEVERITIES:
            d[r["severity"]] += n
        if r["status"] in OPEN_STATUSES:
            d["open"] += n
    items = [
        {
            "id": int(r["id"]),
            "rule": r["rule_code"],
            "subject_type": r["subject_type"],
            "month": int(r["month"]),
            "severity": r["severity"],
            "status": r["status"],
            "unit_code": r["unit_code"],
            "unit_name": r["unit_name"],
            "official_code": r["official_code"] if isinstance(r["official_code"], str) else None,
            "official_name": r["official_name"] if isinstance(r["official_name"], str) else None,
        }
        for r in open_w.to_dict("records")
    ]
    return {
        "version": PAYLOAD_VERSION,
        "period": period.key(),
        "period_start": period.start,
        "period_end": period.end,
        "previous_period": prev.key(),
        "scope_path": scope.unit_path,
        "overview": overview,
        "trend": trend,
        "ranking": ranking,
        "units": unit_rows,
        "warnings": {
            "by_rule": sorted(by_rule.values(), key=lambda d: (-d["total"], d["rule"])),
            "open": items,
        },
    }


def for_viewer(payload: dict, scope: Scope) -> dict:
    """The payload as ``scope`` may see it: officials pseudonymised for presenters."""
    if not scope.pseudonymise:
        return payload
    out = json.loads(json.dumps(payload))
    for w in out.get("warnings", {}).get("open", []):
        if w.get("official_code"):
            w["official_name"] = pseudonym(w["official_code"])
            w["official_code"] = None
    return out


def now() -> dt.datetime:
    """The generation time stamped on exports (local time, to the second)."""
    return dt.datetime.now().replace(microsecond=0)
