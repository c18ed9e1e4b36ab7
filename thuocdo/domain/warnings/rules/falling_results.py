"""Rule 1 — falling results: an official's final score falls and stays down.

Test (per official and month ``t``): the ``window`` months ending at ``t`` are all below
the official's baseline (the mean of the ``baseline_months`` months before the window),
the latest score is below the first month of the window (still falling), and it lies at
least ``min_drop`` points below the baseline. "Three consecutive declines of 10 points"
and "10 points below the own 3-month mean" are the two readings of the design; this one
compares the latest month with the level *before* the fall began, which is what
separates a fall from month-to-month noise: with a monthly noise of 2 points the
false-alarm rate is about 5 per million official-months, where "three declines
totalling 10" alone gives about 100 per million (simulated; see the README).

Noise guard: the drop must also exceed ``noise_z`` × σ × sqrt(1 + 1/baseline size),
where σ is the official's month-to-month noise, so that an official whose scores swing
by 8 points every month is not flagged for a 10-point dip. σ is estimated from the
median absolute monthly change in the 12 months before the window, shrunk towards the
noise of all officials (empirical Bayes: the population counts as ``PRIOR_CHANGES``
changes), because six or seven changes alone give a noisy estimate that would let
chance block a real fall.

Needs ``window`` + 1 consecutive months (4 by default); fewer is counted as insufficient
data. One warning per episode: a fall that continues into the next month does not raise
a second warning.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from sqlalchemy import and_, case, func, or_, select

from thuocdo.domain.warnings.model import Finding, RuleResult, ScanContext, severity_from
from thuocdo.domain.warnings.rules._common import frame, index_month, month_index, month_range, unit_clause
from thuocdo.store.schema import evaluations, officials

CODE = "falling_results"
NOISE_MONTHS = 12
PRIOR_CHANGES = 6  # weight of the population's noise in an official's estimate
CHUNK = 900  # ids per IN list (SQLite's historical limit of bound parameters is 999)
SAMPLE_EVERY = 25  # officials whose id is a multiple of this estimate the population's noise
MAD_TO_SD = 1.4826  # median absolute deviation -> standard deviation (normal)


def _month_number(col):
    """YYYYMM -> year * 12 + month, in SQL (integer division on both engines)."""
    return (col // 100) * 12 + col % 100


def _load(ctx: ScanContext, reach: int, back: int, min_drop: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per-official summary, rows of the officials worth a closer look).

    A fall of ``min_drop`` below a baseline needs scores that far apart in the window, so
    the database sends the rows of those officials only — plus officials with a gap in
    their months, whose testable months must be counted one by one. A city's two
    million evaluations, nearly all steady, never leave the database; the summary (one
    row per official) is enough to count everyone else's testable months.
    """
    lo, hi = month_range(ctx.months, reach)  # the months a verdict can depend on
    e = evaluations
    where = and_(e.c.month >= lo, e.c.month <= hi, unit_clause(e.c.unit_id, ctx.unit_ids))
    span = func.max(e.c.final_score) - func.min(e.c.final_score)
    gappy = func.count() < _month_number(func.max(e.c.month)) - _month_number(func.min(e.c.month)) + 1
    summary = frame(
        ctx.conn,
        select(
            e.c.official_id,
            func.min(e.c.month).label("first"),
            func.max(e.c.month).label("last"),
            case((or_(span >= min_drop, gappy), 1), else_=0).label("closer"),
        )
        .where(where)
        .group_by(e.c.official_id),
    )
    ids = sorted(int(x) for x in summary.loc[summary["closer"].astype(int) == 1, "official_id"])
    lo_rows, _ = month_range(ctx.months, back)  # plus the months behind the noise estimate
    where = and_(e.c.month >= lo_rows, e.c.month <= hi, unit_clause(e.c.unit_id, ctx.unit_ids))
    parts = []
    for i in range(0, len(ids), CHUNK):
        # The (official, month) key finds each official's rows directly.
        parts.append(
            frame(
                ctx.conn,
                select(e.c.official_id, e.c.unit_id, e.c.month, e.c.final_score).where(
                    and_(e.c.official_id.in_(ids[i : i + CHUNK]), where)
                ),
            )
        )
    rows = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["official_id", "unit_id", "month", "final_score"])
    )
    return summary, rows


def _steady_counts(summary: pd.DataFrame, targets: np.ndarray, w: int) -> tuple[int, int]:
    """Testable and untestable months of officials without gaps (not loaded row by row)."""
    s = summary[summary["closer"].astype(int) == 0]
    if s.empty:
        return 0, 0
    first = month_index(s["first"].to_numpy())
    last = month_index(s["last"].to_numpy())
    t = np.sort(targets)
    present = np.searchsorted(t, last, side="right") - np.searchsorted(t, first, side="left")
    testable = np.searchsorted(t, last, side="right") - np.searchsorted(t, first + w, side="left")
    testable = np.clip(testable, 0, None)
    return int(testable.sum()), int((present - testable).sum())


def _population_changes(ctx: ScanContext, back: int) -> np.ndarray:
    """Absolute monthly changes of a fixed sample of officials (every SAMPLE_EVERY-th id).

    The sample is city-wide and chosen by id, so the population's noise is the same
    whatever units or months a scan looks at, and cheap to read.
    """
    lo, hi = month_range(ctx.months, back)
    e = evaluations
    df = frame(
        ctx.conn,
        select(e.c.official_id, e.c.month, e.c.final_score).where(
            and_(
                # An id list from the officials table, so the (official, month) key is used
                # instead of a pass over every evaluation.
                e.c.official_id.in_(select(officials.c.id).where(officials.c.id % SAMPLE_EVERY == 0)),
                e.c.month >= lo,
                e.c.month <= hi,
            )
        ),
    )
    if df.empty:
        return np.array([])
    df = df.sort_values(["official_id", "month"])
    mi = month_index(df["month"].to_numpy())
    oid = df["official_id"].to_numpy(dtype="int64")
    x = df["final_score"].to_numpy(dtype=float)
    consecutive = (oid[1:] == oid[:-1]) & (mi[1:] - mi[:-1] == 1)
    return np.abs(np.diff(x))[consecutive]


def changes_to_sd(abs_changes: np.ndarray) -> float:
    """One month's noise (a standard deviation) from absolute month-to-month changes.

    Median absolute change about zero: a steady official's changes centre on zero, and
    this stays honest for a zig-zag series, where the MAD about the median is 0.
    """
    if len(abs_changes) == 0:
        return math.nan
    return MAD_TO_SD * float(np.median(abs_changes)) / math.sqrt(2.0)


def shrunk_sd(own: np.ndarray, population_sd: float) -> tuple[float, int]:
    """(σ, number of own changes): the official's noise shrunk towards the population's."""
    d = own[~np.isnan(own)]
    k = len(d)
    if k == 0 or math.isnan(population_sd):
        return (population_sd if k == 0 else changes_to_sd(d)), k
    own_sd = changes_to_sd(d)
    return math.sqrt((k * own_sd**2 + PRIOR_CHANGES * population_sd**2) / (k + PRIOR_CHANGES)), k


def evaluate(ctx: ScanContext, p: dict) -> RuleResult:
    w = int(p["window"])
    b = int(p["baseline_months"])
    min_drop = float(p["min_drop"])
    noise_z = float(p["noise_z"])
    result = RuleResult(CODE, coverage=ctx.coverage())
    if not ctx.months:
        return result
    back = w + max(b, NOISE_MONTHS) + 1
    # A verdict in month t (and in t - 1, for the episode rule) reads t - w - b .. t.
    summary, df = _load(ctx, w + b, back, min_drop)
    if summary.empty:
        return result
    result.evaluated, result.insufficient = _steady_counts(summary, month_index(ctx.months), w)
    if df.empty:
        return result
    off_codes, off_idx = np.unique(df["official_id"].to_numpy(dtype="int64"), return_inverse=True)
    off_idx = off_idx.ravel()
    mi = month_index(df["month"].to_numpy())
    m0 = int(mi.min())
    n_months = int(mi.max()) - m0 + 1
    scores = np.full((len(off_codes), n_months), np.nan)
    units = np.zeros((len(off_codes), n_months), dtype="int64")
    col = mi - m0
    scores[off_idx, col] = df["final_score"].to_numpy(dtype=float)
    units[off_idx, col] = df["unit_id"].to_numpy(dtype="int64")
    changes = np.abs(np.diff(scores, axis=1))
    population: list[float] = []  # read once, and only when some official needs it

    def population_sd() -> float:
        if not population:
            population.append(changes_to_sd(_population_changes(ctx, back)))
        return population[0]

    targets = sorted(set(int(c) for c in month_index(ctx.months) - m0 if 0 <= c < n_months))
    # Evaluate one month before the first target too, for the one-warning-per-episode rule.
    cols = sorted(set(targets) | {t - 1 for t in targets if t - 1 >= 0})
    fired_at: dict[int, np.ndarray] = {}
    stats_at: dict[int, dict] = {}
    for t in cols:
        lo_w = t - w + 1
        if lo_w - 1 < 0:
            fired_at[t] = np.zeros(len(off_codes), dtype=bool)
            continue
        win = scores[:, lo_w : t + 1]
        base = scores[:, max(0, lo_w - b) : lo_w]
        nb = (~np.isnan(base)).sum(axis=1)
        have = ~np.isnan(win).any(axis=1) & (nb > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            bmean = np.where(nb > 0, np.nansum(base, axis=1) / np.maximum(nb, 1), np.nan)
            latest = scores[:, t]
            drop = bmean - latest
            cond = have & (win < bmean[:, None]).all(axis=1) & (latest < win[:, 0]) & (drop >= min_drop)
        keep = np.zeros(len(off_codes), dtype=bool)
        sigma = np.full(len(off_codes), np.nan)
        need = np.full(len(off_codes), np.nan)
        own_n = np.zeros(len(off_codes), dtype="int64")
        for i in np.flatnonzero(cond):
            sd, k = shrunk_sd(changes[i, max(0, lo_w - NOISE_MONTHS) : lo_w - 1], population_sd())
            sigma[i], own_n[i] = sd, k
            need[i] = noise_z * sd * math.sqrt(1.0 + 1.0 / nb[i]) if not math.isnan(sd) else 0.0
            keep[i] = drop[i] >= need[i]
        fired_at[t] = keep
        stats_at[t] = {
            "have": have,
            "bmean": bmean,
            "drop": drop,
            "sigma": sigma,
            "need": need,
            "own_n": own_n,
            "nb": nb,
            "lo_w": lo_w,
        }

    for t in targets:
        present = ~np.isnan(scores[:, t])
        st = stats_at.get(t)
        if st is None:
            result.insufficient += int(present.sum())
            continue
        result.evaluated += int((present & st["have"]).sum())
        result.insufficient += int((present & ~st["have"]).sum())
        fired = fired_at[t].copy()
        if t - 1 in fired_at:
            fired &= ~fired_at[t - 1]
        for i in np.flatnonzero(fired):
            result.findings.append(_finding(i, t, m0, off_codes, units, scores, st, population_sd(), b, w, p))
    return result


def _finding(i, t, m0, off_codes, units, scores, st, population_sd, b, w, p) -> Finding:
    min_drop = float(p["min_drop"])
    lo_w = st["lo_w"]
    rows = []
    for c in range(max(0, lo_w - b), t + 1):
        v = scores[i, c]
        if np.isnan(v):
            continue
        rows.append(
            {"month": int(index_month(c + m0)), "final_score": float(v), "part": "baseline" if c < lo_w else "window"}
        )
    baseline = float(st["bmean"][i])
    latest = float(scores[i, t])
    d = float(st["drop"][i])
    return Finding(
        rule_code=CODE,
        subject_type="official",
        subject_id=int(off_codes[i]),
        unit_id=int(units[i, t]),
        month=int(index_month(t + m0)),
        severity=severity_from(d, 15.0, 20.0),
        score=d,
        reason_key="warnings.reason.falling_results",
        reason_params={
            "drop_pts": d,
            "from_pts": baseline,
            "to_pts": latest,
            "window_n": int(w),
            "threshold_pts": min_drop,
        },
        evidence={
            # The facts: the scores, and what follows from them alone.
            "values": {
                "official_id": int(off_codes[i]),
                "baseline": baseline,
                "latest": latest,
                "drop": d,
                "window_months": int(w),
                "baseline_months_used": int(st["nb"][i]),
            },
            "rows": rows,
            # The noise estimate also depends on the other officials scanned: context only.
            "context": {
                "noise_sd": float(st["sigma"][i]),
                "noise_threshold": float(st["need"][i]),
                "own_changes": int(st["own_n"][i]),
                "population_noise_sd": population_sd,
            },
            "chart": {
                "kind": "line",
                "x": "month",
                "y": "final_score",
                "rule": baseline - min_drop,
                "reference": baseline,
            },
        },
        threshold=min_drop,
        peer_cutoff=None,
        sample_size=len(rows),
    )
