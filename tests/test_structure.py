"""Structural targets of the cadre corps (Hà Nội 04-NQ/TU) computed from officials."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from thuocdo.domain.structure import COLUMNS, TARGETS, age_in_years, structure_targets
from thuocdo.i18n import catalogue, t

AS_OF = dt.date(2026, 10, 31)


def _officials() -> pd.DataFrame:
    # Unit 1 (a ward): 4 leaders, 2 staff. Unit 2 (a department): 2 leaders, 1 staff.
    rows = [
        # unit, kind, leader, position, gender, birth, education, theory, local
        (
            1,
            "ward",
            True,
            "secretary",
            "F",
            dt.date(1992, 11, 1),
            "thac_si",
            "trung_cap",
            False,
        ),  # 33 (birthday tomorrow)
        (1, "ward", True, "chair", "M", dt.date(1991, 10, 31), "dai_hoc", "cao_cap", True),  # 35 today: not young
        (1, "ward", True, "vice_chair", "M", dt.date(1980, 1, 1), "dai_hoc", "so_cap", True),
        (1, "ward", True, "head", "M", dt.date(1985, 5, 5), "tien_si", None, None),
        (1, "ward", False, "staff", "F", dt.date(1999, 1, 1), "cao_dang", None, True),
        (1, "ward", False, "staff", "F", None, None, None, True),
        (2, "department", True, "director", "M", dt.date(1970, 3, 3), "thac_si", "cao_cap", True),
        (2, "department", True, "deputy_director", "F", dt.date(1995, 6, 6), "dai_hoc", "trung_cap", False),
        (2, "department", False, "staff", "M", dt.date(1990, 2, 2), "dai_hoc", None, True),
    ]
    cols = [
        "unit_id",
        "unit_kind",
        "is_leader",
        "position_code",
        "gender",
        "birth_date",
        "education",
        "theory_level",
        "is_local",
    ]
    return pd.DataFrame(rows, columns=cols)


def test_age_in_full_years():
    ages = age_in_years(pd.Series([dt.date(1992, 11, 1), dt.date(1991, 10, 31), None]), AS_OF)
    assert list(ages[:2]) == [33.0, 35.0] and math.isnan(ages[2])


def test_overall_values():
    out = structure_targets(_officials(), AS_OF).set_index("target_code")
    assert list(out.reset_index().columns) == COLUMNS
    # Leaders: 6. Young (< 35): the 1992 secretary and the 1995 deputy → 2/6.
    assert (out.loc["young_cadres", "numerator"], out.loc["young_cadres", "denominator"]) == (2, 6)
    assert out.loc["young_cadres", "value"] == pytest.approx(1 / 3) and out.loc["young_cadres", "met"]
    # Women among leaders: secretary + deputy director = 2/6 ≥ 15 %.
    assert out.loc["women", "numerator"] == 2 and out.loc["women", "met"]
    # Master's/doctorate among leaders: thac_si, tien_si, thac_si = 3/6 = 50 % ≥ 40 %.
    assert out.loc["postgraduate", "value"] == pytest.approx(0.5) and out.loc["postgraduate", "met"]
    # University degree, all officials with a known education: 8 known, 7 with dai_hoc+.
    assert (out.loc["university_degree", "numerator"], out.loc["university_degree", "denominator"]) == (7, 8)
    assert not out.loc["university_degree", "met"]
    # Theory among leaders: trung_cap, cao_cap, cao_cap, trung_cap = 4/6; so_cap and none fail.
    assert (out.loc["political_theory", "numerator"], out.loc["political_theory", "denominator"]) == (4, 6)
    assert not out.loc["political_theory", "met"]
    # Commune secretaries and chairs: the ward's secretary (not local) and chair (local) → 1/2.
    assert out.loc["non_local_heads", "value"] == pytest.approx(0.5) and out.loc["non_local_heads", "met"]
    assert out.loc["young_cadres", "threshold"] == 0.15 and out.loc["university_degree", "threshold"] == 1.0


def test_per_unit_and_empty_population():
    out = structure_targets(_officials(), AS_OF, by="unit_id")
    assert list(out.columns) == ["unit_id", *COLUMNS]
    dept = out[out["unit_id"] == 2].set_index("target_code")
    # The department has no commune heads: no value, "met" unknown (not False).
    assert dept.loc["non_local_heads", "denominator"] == 0
    assert math.isnan(dept.loc["non_local_heads", "value"]) and pd.isna(dept.loc["non_local_heads", "met"])
    assert dept.loc["university_degree", "value"] == 1.0 and dept.loc["university_degree", "met"]
    ward = out[out["unit_id"] == 1].set_index("target_code")
    assert (ward.loc["young_cadres", "numerator"], ward.loc["young_cadres", "denominator"]) == (1, 4)


def test_young_age_override_and_inactive():
    df = _officials()
    # With 36 as the young limit for wards, the ward chair (35) becomes young: 3 of 6.
    out = structure_targets(df, AS_OF, young_age_by_kind={"ward": 36}).set_index("target_code")
    assert out.loc["young_cadres", "numerator"] == 3
    df["active"] = [True] * 8 + [False]
    out2 = structure_targets(df, AS_OF).set_index("target_code")
    assert out2.loc["university_degree", "denominator"] == 7


def test_empty_frame_gives_every_target_with_nan():
    empty = _officials().iloc[0:0]
    out = structure_targets(empty, AS_OF)
    assert list(out["target_code"]) == [tg.code for tg in TARGETS]
    assert out["value"].isna().all() and out["met"].isna().all()


def test_catalogue_has_every_target_and_grade_in_both_languages():
    vi, en = catalogue("vi"), catalogue("en")
    domain_vi = {k for k in vi if k.startswith("domain.")}
    domain_en = {k for k in en if k.startswith("domain.")}
    assert domain_vi == domain_en
    for tg in TARGETS:
        assert tg.name_key in vi
    assert t("domain.structure.women", "vi") == "Cán bộ nữ"
    assert t("domain.status.off_track", "vi") == "Chậm tiến độ"
