"""Demo scales, the fixed demo calendar and the deterministic random streams."""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass, field

import numpy as np

from thuocdo.domain.periods import add_months, months_between

END_MONTH = 202610
"""Last month of every demo database (never the wall clock: same seed, same rows)."""

AS_OF = dt.date(2026, 10, 31)
"""The demo's "today" for tenure, ages and OKR pace."""

TIERS = ("tiny", "small", "district", "city")
"""Nested unit sets: a unit whose ``tier`` is X belongs to scale X and every larger one."""


@dataclass(frozen=True)
class Scale:
    """Size of a demo database."""

    name: str
    officials: int
    months: int
    ratings: int
    plants: int  # subjects planted per warning rule (at least)
    # Relative head count of a unit by kind group (a department counts its public bodies).
    size_weight: dict = field(default_factory=dict)

    @property
    def start_month(self) -> int:
        return add_months(END_MONTH, -(self.months - 1))

    @property
    def month_list(self) -> list[int]:
        return months_between(self.start_month, END_MONTH)

    def includes(self, tier: str) -> bool:
        return TIERS.index(tier) <= TIERS.index(self.name)


SCALES: dict[str, Scale] = {
    # ``tiny`` exists for fast tests; it is not offered as a product scale.
    "tiny": Scale("tiny", 160, 28, 120_000, 2, {"ward": 1.0, "dept": 1.6, "party": 1.2}),
    "small": Scale("small", 600, 24, 150_000, 3, {"ward": 1.0, "dept": 2.0, "party": 1.5}),
    "district": Scale("district", 6_000, 36, 1_500_000, 5, {"ward": 1.0, "dept": 5.0, "party": 2.5}),
    "city": Scale("city", 60_000, 36, 20_000_000, 12, {"ward": 1.0, "dept": 5.0, "party": 2.5}),
}

PUBLIC_SCALES = ("small", "district", "city")


def get_scale(name: str) -> Scale:
    try:
        return SCALES[name]
    except KeyError:
        raise ValueError(f"unknown demo scale {name!r}; known: {', '.join(SCALES)}") from None


def stream(seed: int, *key: object) -> np.random.Generator:
    """An independent random stream per purpose, so adding one never shifts another."""
    words = [int(seed) & 0xFFFFFFFF]
    for k in key:
        words.append(zlib.crc32(str(k).encode("utf-8")))
    return np.random.default_rng(words)


def kind_group(kind: str) -> str:
    """ward (ward, commune), dept (department, agency), party (party, other), city."""
    if kind in ("ward", "commune"):
        return "ward"
    if kind in ("department", "agency"):
        return "dept"
    if kind in ("party", "other"):
        return "party"
    return kind
