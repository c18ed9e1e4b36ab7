"""Structural targets of the cadre corps (Hà Nội resolution 04-NQ/TU) from officials data.

Targets and the population each one is measured on (choices documented here because the
resolution sets the shares, not the denominators, and uses age limits per level):

===================  =========  ===============================================  ==========
code                 threshold  population (denominator)                          numerator
===================  =========  ===============================================  ==========
young_cadres         ≥ 15 %     leaders (is_leader)                               age < 35
women                ≥ 15 %     leaders                                           gender F
postgraduate         ≥ 40 %     leaders                                           thac_si/tien_si
university_degree    100 %      all officials                                     dai_hoc+
political_theory     100 %      leaders                                           trung_cap+
non_local_heads      ≥ 50 %     secretaries and chairs of communes and wards      not local
===================  =========  ===============================================  ==========

Age is counted in full years at ``as_of``; the young limit is 35 (the usual limit for
commune and department level), overridable per unit kind (e.g. {"city": 40}).
Officials whose attribute is unknown (NULL) are left out of that target's denominator
rather than counted as failing — except political theory, where NULL means "no theory
training" (that is how the schema records it), so such a leader counts and fails; a target with an empty population has value nan and
``met`` missing. Only active officials count when an ``active`` column is present.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

EDUCATION_ORDER = {"trung_cap": 0, "cao_dang": 1, "dai_hoc": 2, "thac_si": 3, "tien_si": 4}
THEORY_ORDER = {"so_cap": 0, "trung_cap": 1, "cao_cap": 2, "cu_nhan": 2}
COMMUNE_KINDS = ("commune", "ward")
COMMUNE_HEAD_POSITIONS = ("secretary", "chair")
YOUNG_AGE = 35


@dataclass(frozen=True)
class Target:
    """A structural target: code, threshold share, and the population it is measured on."""

    code: str
    threshold: float
    population: str  # all, leaders, commune_heads

    @property
    def name_key(self) -> str:
        """Catalogue key of the target's name."""
        return f"domain.structure.{self.code}"


TARGETS: tuple[Target, ...] = (
    Target("young_cadres", 0.15, "leaders"),
    Target("women", 0.15, "leaders"),
    Target("postgraduate", 0.40, "leaders"),
    Target("university_degree", 1.00, "all"),
    Target("political_theory", 1.00, "leaders"),
    Target("non_local_heads", 0.50, "commune_heads"),
)

COLUMNS = ["target_code", "value", "threshold", "met", "numerator", "denominator"]


def age_in_years(birth: pd.Series, as_of: dt.date) -> pd.Series:
    """Full years of age at ``as_of`` (nan where the birth date is unknown)."""
    b = pd.to_datetime(birth, errors="coerce")
    years = as_of.year - b.dt.year
    before_birthday = (b.dt.month > as_of.month) | ((b.dt.month == as_of.month) & (b.dt.day > as_of.day))
    return (years - before_birthday.astype("float")).astype(float)


def _flags(
    df: pd.DataFrame, as_of: dt.date, young_age: int, young_age_by_kind: Mapping[str, int] | None
) -> dict[str, tuple[pd.Series, pd.Series]]:
    """Per target: (in population, meets) boolean Series; unknown attribute → not in population."""
    n = len(df)
    idx = df.index
    leader = df["is_leader"].fillna(False).astype(bool) if "is_leader" in df else pd.Series(False, index=idx)
    everyone = pd.Series(True, index=idx)
    kind = df["unit_kind"].astype(object) if "unit_kind" in df else pd.Series([None] * n, index=idx, dtype=object)
    pos = (
        df["position_code"].astype(object) if "position_code" in df else pd.Series([None] * n, index=idx, dtype=object)
    )
    heads = pos.isin(COMMUNE_HEAD_POSITIONS)
    if "unit_kind" in df:
        heads = heads & kind.isin(COMMUNE_KINDS)

    age = age_in_years(df["birth_date"], as_of) if "birth_date" in df else pd.Series(np.nan, index=idx)
    limit = pd.Series(float(young_age), index=idx)
    for k, a in (young_age_by_kind or {}).items():
        limit = limit.where(kind != k, float(a))
    edu = df["education"].map(EDUCATION_ORDER) if "education" in df else pd.Series(np.nan, index=idx)
    theory = df["theory_level"].map(THEORY_ORDER) if "theory_level" in df else pd.Series(np.nan, index=idx)
    # Officials with no theory training at all are recorded as NULL, which means "none":
    # leaders without it fail the target rather than vanish from it.
    theory = theory.astype(float).fillna(-1.0)
    gender = df["gender"].astype(object) if "gender" in df else pd.Series([None] * n, index=idx, dtype=object)
    local = df["is_local"].astype(object) if "is_local" in df else pd.Series([None] * n, index=idx, dtype=object)
    local_known = local.notna()

    return {
        "young_cadres": (leader & age.notna(), age < limit),
        "women": (leader & gender.isin(["F", "M"]), gender == "F"),
        "postgraduate": (leader & edu.notna(), edu >= EDUCATION_ORDER["thac_si"]),
        "university_degree": (everyone & edu.notna(), edu >= EDUCATION_ORDER["dai_hoc"]),
        "political_theory": (leader, theory >= THEORY_ORDER["trung_cap"]),
        "non_local_heads": (heads & local_known, local_known & ~local.fillna(True).astype(bool)),
    }


def structure_targets(
    officials: pd.DataFrame,
    as_of: dt.date,
    by: str | None = None,
    targets: tuple[Target, ...] = TARGETS,
    young_age: int = YOUNG_AGE,
    young_age_by_kind: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """Value of each structural target, overall or per ``by`` column (e.g. unit_id).

    ``officials`` columns: gender, birth_date, education, theory_level, is_local,
    is_leader, position_code, optional unit_kind, active and the ``by`` column. Returns
    [by,] target_code, value, threshold, met, numerator, denominator.
    """
    df = officials
    if "active" in df:
        df = df.loc[df["active"].fillna(True).astype(bool)]
    flags = _flags(df, as_of, young_age, young_age_by_kind)
    frames = []
    for target in targets:
        pop, ok = flags[target.code]
        part = pd.DataFrame(
            {
                "_g": df[by].to_numpy() if by else np.zeros(len(df), dtype="int64"),
                "denominator": pop.astype("int64").to_numpy(),
                "numerator": (pop & ok.fillna(False).astype(bool)).astype("int64").to_numpy(),
            }
        )
        g = part.groupby("_g", as_index=False)[["numerator", "denominator"]].sum()
        if not by and g.empty:
            g = pd.DataFrame({"_g": [0], "numerator": [0], "denominator": [0]})
        g["target_code"] = target.code
        g["threshold"] = target.threshold
        frames.append(g)
    out = pd.concat(frames, ignore_index=True)
    out["value"] = (out["numerator"] / out["denominator"].where(out["denominator"] > 0)).astype(float)
    # A tiny tolerance so that 100 % computed as 0.9999999 still counts as met.
    met = out["value"] >= out["threshold"] - 1e-9
    out["met"] = pd.array(met.where(out["value"].notna(), None), dtype="boolean")
    out["numerator"] = out["numerator"].astype("int64")
    out["denominator"] = out["denominator"].astype("int64")
    if by:
        out = out.rename(columns={"_g": by})
        return out[[by, *COLUMNS]].reset_index(drop=True)
    return out[COLUMNS].reset_index(drop=True)
