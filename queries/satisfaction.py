"""Citizen satisfaction: rates, intervals, rankings and data-quality signals from rollups.

The cached functions read rollup tables only (one SQL file each); the two raw-rating
readers touch ``ratings`` for one unit or one official in one month, through
``ix_ratings_unit_month`` / ``ix_ratings_official_month``, a page at a time.
The plain functions below them (``summarise``, ``rank``, ``funnel``, ``quality_signals``,
...) turn those small frames into figures; they need no database and are tested on
hand-made frames.

"Satisfied" = the top two levels of each row's own scale, "Không hài lòng" = level 1
(``thuocdo.domain.stats``), so rows of a 4- and a 5-level scale add up correctly.
"""

from __future__ import annotations

import calendar
import json
import math

import numpy as np
import pandas as pd
import streamlit as st

from queries.db import get_engine, read
from thuocdo.domain import stats
from thuocdo.domain.access import Scope, pseudonym
from thuocdo.domain.periods import add_months, months_between

DEFAULT_SCALE = {"levels": 4, "labels": {}}
DEFAULT_MIN_N = 30
CHANNELS = ("kiosk", "tablet", "online", "sms")
LEVEL_COLS = ["s1", "s2", "s3", "s4", "s5"]
RAW_PAGE_SIZE = 50

# Thresholds of the "suspect ratings" signals: the early-warning rule's parameters
# (warnings config) so that the page and the warning queue agree; these are its defaults.
DEFAULT_QUALITY = {
    "burst_factor": 5.0,
    "burst_min": 150,
    "near_all_rate": 0.99,
    "near_all_min_n": 500,
    "off_hours_share": 0.20,
    "off_hours_min_n": 100,
}
# A channel "normally has ratings" when it had some in >= GAP_MIN_MONTHS months and in at
# least GAP_MIN_SHARE of the months since its first rating in the look-back window.
GAP_LOOKBACK = 6
GAP_MIN_MONTHS = 3
GAP_MIN_SHARE = 0.5
TREND_MONTHS = 12


# --- settings ------------------------------------------------------------------------


def _json_value(value):
    if isinstance(value, (str, bytes)):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def parse_scale(value) -> dict:
    """The ``satisfaction_scale`` setting normalised to {"levels": 4|5, "labels": {lang|"*": {level: text}}}."""
    value = _json_value(value)
    out = {"levels": 4, "labels": {}}
    if isinstance(value, (int, float)) and int(value) in stats.SCALES:
        out["levels"] = int(value)
        return out
    if not isinstance(value, dict):
        return out
    try:
        levels = int(value.get("levels", 4))
    except (TypeError, ValueError):
        levels = 4
    out["levels"] = levels if levels in stats.SCALES else 4
    labels = value.get("labels") or {}
    if isinstance(labels, dict):
        flat = {k: v for k, v in labels.items() if str(k).isdigit() and isinstance(v, str)}
        if flat:
            out["labels"]["*"] = {int(k): v for k, v in flat.items()}
        for lang_key, sub in labels.items():
            if isinstance(sub, dict):
                out["labels"][str(lang_key)] = {
                    int(k): v for k, v in sub.items() if str(k).isdigit() and isinstance(v, str)
                }
    return out


def parse_min_n(value) -> int:
    """The ``satisfaction_min_n`` setting as a positive int (default 30)."""
    value = _json_value(value)
    if isinstance(value, dict):
        value = value.get("value", value.get("min_n"))
    try:
        n = int(value)
    except (TypeError, ValueError):
        return DEFAULT_MIN_N
    return n if n >= 1 else DEFAULT_MIN_N


def _setting(key: str):
    df = read("satisfaction_setting", key=key)
    return None if df.empty else df.iloc[0]["value"]


@st.cache_data(ttl=300, max_entries=4, show_spinner=False)
def scale_config() -> dict:
    """The configured satisfaction scale (levels and labels), 4 levels by default."""
    return parse_scale(_setting("satisfaction_scale"))


@st.cache_data(ttl=300, max_entries=4, show_spinner=False)
def min_count() -> int:
    """Minimum number of valid ratings for a rate to be ranked (setting ``satisfaction_min_n``)."""
    return parse_min_n(_setting("satisfaction_min_n"))


@st.cache_data(ttl=300, max_entries=4, show_spinner=False)
def quality_thresholds() -> dict:
    """Thresholds of the data-quality signals: the suspect_ratings rule's configuration."""
    from thuocdo.domain.warnings.config import load_config

    try:
        with get_engine().connect() as conn:
            rule = load_config(conn).rule("suspect_ratings")
    except Exception:  # no config table content or an older configuration: the defaults
        return dict(DEFAULT_QUALITY)
    return {k: float(rule.get(k, v)) for k, v in DEFAULT_QUALITY.items()}


# --- rollup readers (cached) ---------------------------------------------------------


def _ints(df: pd.DataFrame, cols) -> pd.DataFrame:
    for c in cols:
        if c in df:
            df[c] = pd.to_numeric(df[c]).fillna(0).astype("int64")
    return df


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def unit_month(scope: Scope, start: int, end: int) -> pd.DataFrame:
    """Rollup rows unit x month x channel x scale (counts, off-hours, devices) in scope."""
    df = read("satisfaction_unit_month", scope_path=scope.path_like, start=start, end=end)
    return _ints(df, ["unit_id", "month", "scale", *LEVEL_COLS, "n", "n_off_hours", "n_devices", "max_device_day"])


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def officials(scope: Scope, start: int, end: int) -> pd.DataFrame:
    """Per official x scale counts in scope and period; names pseudonymised for presenters."""
    df = read("satisfaction_officials", scope_path=scope.path_like, start=start, end=end)
    df = _ints(df, ["official_id", "unit_id", "scale", *LEVEL_COLS, "n"])
    return _pseudonymise(df, scope)


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def official_months(scope: Scope, official_id: int, start: int, end: int) -> pd.DataFrame:
    """Per month x scale counts of one official (ratings given in units of the scope)."""
    df = read(
        "satisfaction_official_months", scope_path=scope.path_like, official_id=int(official_id), start=start, end=end
    )
    return _ints(df, ["month", "scale", *LEVEL_COLS, "n"])


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def services(scope: Scope, start: int, end: int) -> pd.DataFrame:
    """Per service/procedure x scale counts in scope and period, with the service name."""
    df = read("satisfaction_services", scope_path=scope.path_like, start=start, end=end)
    return _ints(df, ["scale", *LEVEL_COLS, "n"])


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def hours(scope: Scope, start: int, end: int) -> pd.DataFrame:
    """Ratings per weekday (0 = Monday) x hour in scope and period."""
    df = read("satisfaction_hours", scope_path=scope.path_like, start=start, end=end)
    return _ints(df, ["dow", "hour", "n"])


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def unit_officials(scope: Scope) -> pd.DataFrame:
    """Officials whose unit is in ``scope`` (a unit's subtree), pseudonymised for presenters."""
    df = _ints(read("satisfaction_unit_officials", scope_path=scope.path_like), ["official_id", "unit_id"])
    return _pseudonymise(df, scope)


def find_official(scope: Scope, token: str, unit_scope: Scope | None = None) -> dict | None:
    """The official named by ``token`` inside ``scope``, or None.

    For a presenter the token is the pseudonym (the real code never reaches the URL),
    looked up among the officials of ``unit_scope``; otherwise it is the official's code.
    """
    if not token:
        return None
    if scope.pseudonymise:
        if unit_scope is None:
            return None
        df = unit_officials(unit_scope)
        hit = df[df["official_code"] == token]
    else:
        df = _ints(
            read("satisfaction_official_by_code", scope_path=scope.path_like, code=token), ["official_id", "unit_id"]
        )
        hit = df
    return None if hit.empty else hit.iloc[0].to_dict()


@st.cache_data(ttl=60, max_entries=128, show_spinner=False)
def raw_ratings(
    scope: Scope, kind: str, subject_id: int, month: int, page: int = 0, size: int = RAW_PAGE_SIZE
) -> pd.DataFrame:
    """One page of the raw ratings of one unit (``kind="unit"``) or official in one month."""
    if kind not in ("unit", "official"):
        raise ValueError(kind)
    params = {"scope_path": scope.path_like, "month": int(month), "limit": int(size), "offset": int(page) * int(size)}
    if kind == "unit":
        df = read("satisfaction_ratings_unit", unit_id=int(subject_id), **params)
    else:
        df = read("satisfaction_ratings_official", official_id=int(subject_id), **params)
    df = _ints(df, ["id", "score", "scale"])
    if scope.pseudonymise and not df.empty:
        has = df["official_code"].notna()
        codes = df["official_code"].where(has, "")
        pseud = codes.map(lambda c: pseudonym(c) if c else None)
        df["official_code"] = pseud
        df["official_name"] = pseud
    return df


def _pseudonymise(df: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    if scope.pseudonymise and not df.empty:
        p = df["official_code"].map(pseudonym)
        df["official_code"] = p
        df["full_name"] = p
    return df


# --- figures from the frames (pure) --------------------------------------------------

SUMMARY_COLS = ["satisfied", "s1", "valid", "n", "rate", "lo", "hi", "dissatisfied", "dis_lo", "dis_hi", "enough"]


def _level_arrays(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(satisfied, valid) per row, each on the row's own scale (``stats.top_levels``)."""
    scale = df["scale"].to_numpy(dtype=np.int64)
    lv = {i: df[f"s{i}"].to_numpy(dtype=np.int64) for i in range(1, 6)}
    satisfied = np.zeros(len(df), dtype=np.int64)
    valid = np.zeros(len(df), dtype=np.int64)
    for sc in np.unique(scale):
        mask = scale == sc
        top = stats.top_levels(int(sc))
        satisfied[mask] = lv[top[0]][mask] + lv[top[1]][mask]
        valid[mask] = sum(lv[i][mask] for i in range(1, int(sc) + 1))
    return satisfied, valid


def valid_count(df: pd.DataFrame) -> pd.Series:
    """Ratings on a level of the row's own scale (level 5 counts only on a 5-level scale)."""
    return pd.Series(_level_arrays(df)[1], index=df.index)


def summarise(df: pd.DataFrame, keys: list[str], min_n: int, extra: dict | None = None) -> pd.DataFrame:
    """Group ``df`` (rows with s1..s5, n, scale) by ``keys``: rate, Wilson 95 %, share of level 1.

    ``extra`` maps column -> aggregation ("sum"/"max") for more columns to carry along.
    With ``keys=[]`` the result is one row for everything. Plain numpy where it can:
    this runs several times per page view.
    """
    extra = extra or {}
    if df.empty:
        return pd.DataFrame(columns=[*keys, *SUMMARY_COLS, *extra])
    satisfied, valid = _level_arrays(df)
    values = {
        "satisfied": satisfied,
        "s1": df["s1"].to_numpy(dtype=np.int64),
        "valid": valid,
        "n": df["n"].to_numpy(dtype=np.int64),
    }
    values.update({c: df[c].to_numpy() for c in extra})
    if keys:
        work = pd.DataFrame({**{k: df[k].to_numpy() for k in keys}, **values})
        grouped = work.groupby(keys, sort=True)
        sums = grouped[[c for c in values if extra.get(c, "sum") == "sum"]].sum()
        maxes = [c for c, how in extra.items() if how == "max"]
        if maxes:
            sums = sums.join(grouped[maxes].max())
        out = sums.reset_index()
    else:
        out = pd.DataFrame({c: [v.max() if extra.get(c) == "max" else v.sum()] for c, v in values.items()})
    sat = out["satisfied"].to_numpy(dtype=float)
    s1 = out["s1"].to_numpy(dtype=float)
    val = out["valid"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rate"] = np.where(val > 0, sat / val, np.nan)
        out["dissatisfied"] = np.where(val > 0, s1 / val, np.nan)
    out["lo"], out["hi"] = stats.wilson_interval(sat, val)
    out["dis_lo"], out["dis_hi"] = stats.wilson_interval(s1, val)
    out["enough"] = stats.min_sample_ok(val, min_n)
    return out


def rank(summary: pd.DataFrame, ascending: bool = False) -> pd.DataFrame:
    """Rank rows with enough data by the Wilson lower bound (1 = best); others get no rank.

    ``ascending=True`` ranks the worst first by the upper bound (a row is "worst" only when
    even its optimistic bound is low).
    """
    out = summary.copy()
    ok = out["enough"].astype(bool)
    key = out["hi"] if ascending else out["lo"]
    ranks = key.where(ok).rank(ascending=ascending, method="min")
    out["rank"] = ranks.astype("Int64")
    order = out.assign(_k=key.where(ok), _ok=~ok)
    order = order.sort_values(["_ok", "_k", "valid"], ascending=[True, ascending, False], na_position="last")
    return order.drop(columns=["_k", "_ok"]).reset_index(drop=True)


def overall_rate(summary: pd.DataFrame) -> float:
    """Pooled rate of all rows (total satisfied ÷ total valid)."""
    total = float(summary["valid"].sum()) if not summary.empty else 0.0
    return float(summary["satisfied"].sum()) / total if total > 0 else math.nan


def funnel(summary: pd.DataFrame, p0: float | None = None) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """Points (rate vs. volume) classified against funnel limits, and the limit curves.

    Returns ``(points, curves, p0)``: points get ``band`` = high99/high95/within/low95/low99
    (outside the 99.8 % or 95 % limits around the pooled rate ``p0``) or ``insufficient``
    when below the minimum count; curves hold lo95/hi95/lo998/hi998 over a log grid of n.
    """
    pts = summary[summary["valid"] > 0].copy()
    p0 = overall_rate(pts) if p0 is None else p0
    if pts.empty or p0 != p0:
        return (
            pts.assign(band=pd.Series(dtype="str")),
            pd.DataFrame(columns=["n", "lo95", "hi95", "lo998", "hi998"]),
            p0,
        )
    n = pts["valid"].astype(float).to_numpy()
    lo95, hi95 = stats.funnel_limits(p0, n, z=stats.Z95)
    lo998, hi998 = stats.funnel_limits(p0, n, z=stats.Z998)
    r = pts["rate"].to_numpy()
    band = np.select(
        [r > hi998, r > hi95, r < lo998, r < lo95],
        ["high99", "high95", "low99", "low95"],
        default="within",
    )
    band = np.where(pts["enough"].astype(bool).to_numpy(), band, "insufficient")
    pts["band"] = band
    pts["lo95"], pts["hi95"], pts["lo998"], pts["hi998"] = lo95, hi95, lo998, hi998
    n_max = max(float(n.max()), 10.0)
    grid = np.unique(np.round(np.geomspace(max(1.0, float(n.min()) * 0.8), n_max * 1.1, 60)))
    g95 = stats.funnel_limits(p0, grid, z=stats.Z95)
    g998 = stats.funnel_limits(p0, grid, z=stats.Z998)
    curves = pd.DataFrame({"n": grid, "lo95": g95[0], "hi95": g95[1], "lo998": g998[0], "hi998": g998[1]})
    return pts.reset_index(drop=True), curves, p0


def level_distribution(df: pd.DataFrame) -> pd.DataFrame:
    """Count and share of each level per scale: columns scale, level, count, share."""
    rows = []
    if df.empty:
        return pd.DataFrame(columns=["scale", "level", "count", "share"])
    by_scale = df.groupby("scale")[LEVEL_COLS].sum()
    for scale, counts in by_scale.iterrows():
        scale = int(scale)
        levels = range(1, scale + 1)
        total = float(sum(counts[f"s{i}"] for i in levels))
        for i in levels:
            c = int(counts[f"s{i}"])
            rows.append({"scale": scale, "level": i, "count": c, "share": c / total if total else math.nan})
    return pd.DataFrame(rows)


def busiest(hours_df: pd.DataFrame, top: int = 3) -> dict:
    """The busiest weekdays and hours (by number of ratings)."""
    if hours_df.empty or hours_df["n"].sum() == 0:
        return {"days": [], "hours": [], "total": 0}
    days = hours_df.groupby("dow")["n"].sum().sort_values(ascending=False)
    hrs = hours_df.groupby("hour")["n"].sum().sort_values(ascending=False)
    total = int(hours_df["n"].sum())
    return {
        "days": [(int(d), int(v)) for d, v in days.head(top).items() if v > 0],
        "hours": [(int(h), int(v)) for h, v in hrs.head(top).items() if v > 0],
        "total": total,
    }


def working_days(month: int) -> int:
    """Monday-Saturday days in a YYYYMM month (the office days of a one-stop desk)."""
    y, m = divmod(int(month), 100)
    days = calendar.monthrange(y, m)[1]
    return sum(1 for d in range(1, days + 1) if calendar.weekday(y, m, d) != 6)


def quality_signals(
    df: pd.DataFrame,
    months: list[int],
    thresholds: dict | None = None,
    data_months: list[int] | None = None,
) -> pd.DataFrame:
    """Data-quality signals per unit and month of ``months`` from unit x month x channel rows.

    Signals (``signal`` column): ``near_all`` (satisfied share >= near_all_rate with
    >= near_all_min_n ratings), ``burst`` (one device's busiest day >= burst_min and
    >= burst_factor x the channel's mean ratings per device per office day), ``off_hours``
    (share outside Mon-Sat 07-18 > off_hours_share with >= off_hours_min_n ratings),
    ``channel_gap`` (no rating in a month through a channel that normally has them; see
    GAP_*); ``unit_gap`` when such a unit has no rating at all that month (``value`` =
    the number of channels that went silent). ``df`` may reach back before ``months`` (the look-back for channel gaps).
    ``data_months`` are months in which the scope has data at all (a month with no data
    anywhere is not yet loaded, not a gap); default: months present in ``df``.
    """
    th = {**DEFAULT_QUALITY, **(thresholds or {})}
    cols = ["unit_id", "month", "channel", "signal", "value", "threshold", "n"]
    if df.empty:
        return pd.DataFrame(columns=cols)
    months = sorted(int(m) for m in months)
    in_period = df[df["month"].isin(months)]
    out: list[dict] = []

    per_um = summarise(in_period, ["unit_id", "month"], 1, extra={"n_off_hours": "sum"})
    for row in per_um.itertuples(index=False):
        if row.valid >= th["near_all_min_n"] and row.rate >= th["near_all_rate"]:
            out.append(
                {
                    "unit_id": row.unit_id,
                    "month": row.month,
                    "channel": None,
                    "signal": "near_all",
                    "value": row.rate,
                    "threshold": th["near_all_rate"],
                    "n": row.valid,
                }
            )
        share = row.n_off_hours / row.n if row.n else 0.0
        if row.n >= th["off_hours_min_n"] and share > th["off_hours_share"]:
            out.append(
                {
                    "unit_id": row.unit_id,
                    "month": row.month,
                    "channel": None,
                    "signal": "off_hours",
                    "value": share,
                    "threshold": th["off_hours_share"],
                    "n": row.n,
                }
            )

    per_umc = in_period.groupby(["unit_id", "month", "channel"], as_index=False).agg(
        n=("n", "sum"), n_devices=("n_devices", "max"), max_device_day=("max_device_day", "max")
    )
    for row in per_umc.itertuples(index=False):
        if row.n_devices <= 0 or row.max_device_day < th["burst_min"]:
            continue
        mean_day = row.n / (row.n_devices * working_days(row.month))
        if row.max_device_day >= th["burst_factor"] * mean_day:
            out.append(
                {
                    "unit_id": row.unit_id,
                    "month": row.month,
                    "channel": row.channel,
                    "signal": "burst",
                    "value": float(row.max_device_day),
                    "threshold": th["burst_factor"] * mean_day,
                    "n": row.n,
                }
            )

    known = sorted(set(int(m) for m in (data_months if data_months is not None else df["month"].unique())))
    if known:
        last = max(months[-1] if months else known[-1], known[-1])
        window = [m for m in months_between(add_months(months[0], -GAP_LOOKBACK), last) if m in set(known)]
        active = (
            df[df["n"] > 0].groupby(["unit_id", "channel"])["month"].apply(lambda s: sorted(set(int(m) for m in s)))
        )
        for (unit_id, channel), rated in active.items():
            rated_in_window = [m for m in rated if m in window]
            if not rated_in_window:
                continue
            first = rated_in_window[0]
            span = [m for m in window if m >= first]
            if len(rated_in_window) < GAP_MIN_MONTHS or len(rated_in_window) < GAP_MIN_SHARE * len(span):
                continue
            for m in months:
                if m in set(window) and m > first and m not in rated:
                    out.append(
                        {
                            "unit_id": unit_id,
                            "month": m,
                            "channel": channel,
                            "signal": "channel_gap",
                            "value": float(len(rated_in_window)),
                            "threshold": float(len(span)),
                            "n": 0,
                        }
                    )
    res = pd.DataFrame(out, columns=cols)
    # A unit with no rating at all in a month shows one "no ratings" signal, not a gap per channel.
    gaps = res[res["signal"] == "channel_gap"]
    if not gaps.empty:
        rated = set(
            zip(in_period.loc[in_period["n"] > 0, "unit_id"], in_period.loc[in_period["n"] > 0, "month"], strict=True)
        )
        silent = gaps[[(u, m) not in rated for u, m in zip(gaps["unit_id"], gaps["month"], strict=True)]]
        if not silent.empty:
            whole = silent.groupby(["unit_id", "month"], as_index=False).agg(value=("channel", "size"))
            whole = whole.assign(channel=None, signal="unit_gap", threshold=np.nan, n=0)[cols]
            res = pd.concat([res.drop(index=silent.index), whole], ignore_index=True)
    if not res.empty:
        res = res.sort_values(["unit_id", "month", "signal"]).reset_index(drop=True)
    return res


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def scope_signals(scope: Scope, start: int, end: int) -> pd.DataFrame:
    """Data-quality signals of every unit in scope for the months ``start``..``end``."""
    from queries.units import months_with_data

    first = read_start(start, end)
    frame = unit_month(scope, first, end)
    data_months = [m for m in months_with_data(scope) if first <= m <= end]
    return quality_signals(frame, months_between(start, end), quality_thresholds(), data_months=data_months)


def window_start(start: int, end: int) -> int:
    """First month of the trend / heatmap window: 12 months up to ``end``, or the period if longer."""
    return min(start, add_months(end, -(TREND_MONTHS - 1)))


def read_start(start: int, end: int) -> int:
    """First month to read: the trend window and the channel-gap look-back."""
    return min(window_start(start, end), add_months(start, -GAP_LOOKBACK))
