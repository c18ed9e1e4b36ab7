"""Per-unit rating profiles: volume, satisfaction level, channel mix, devices, services."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from thuocdo.demo import reference
from thuocdo.demo.scales import Scale, stream

CHANNELS = ("kiosk", "tablet", "online", "sms")
LEVEL1_SHARE = 0.03  # "Không hài lòng": the same in every unit, so a funnel plot stays quiet
FEATURED_UNIT = "HN.P.HOANKIEM"  # the demo unit head's ward


@dataclass
class Profiles:
    """Everything about a unit's ratings that does not change from month to month."""

    unit_ids: np.ndarray  # units that receive ratings (every unit but the city)
    weight: np.ndarray  # relative monthly volume
    base: np.ndarray  # share of "satisfied" (top two levels), constant over time
    top_share: np.ndarray  # share of "very satisfied" among the satisfied
    channel_share: np.ndarray  # (units, 4) in CHANNELS order
    month_factor: np.ndarray  # (months,) seasonal and growth factor
    services: list[np.ndarray]  # service codes per unit
    service_p: list[np.ndarray]  # their popularity

    def index(self, unit_id: int) -> int:
        return int(np.searchsorted(self.unit_ids, unit_id))

    def expected(self, n_total: int) -> np.ndarray:
        """Expected ratings per unit and month, (units, months), for ``n_total`` ratings."""
        cell = self.weight[:, None] * self.month_factor[None, :]
        return cell / cell.sum() * n_total


def build_profiles(units: pd.DataFrame, scale: Scale, seed: int) -> Profiles:
    rng = stream(seed, "ratings", "profiles")
    body = units[units["kind"] != "city"].reset_index(drop=True)
    n = len(body)
    grp = body["group"].to_numpy()
    kind = body["kind"].to_numpy()
    kind_w = np.select([kind == "ward", kind == "commune", grp == "dept"], [1.2, 0.85, 0.6], default=0.15)
    weight = kind_w * rng.lognormal(0.0, 0.3, n)
    # Stratified U(0.80, 0.95): every scale shows the whole spread between units.
    order = rng.permutation(n)
    base = 0.80 + 0.15 * (order + rng.random(n)) / n
    featured = body["code"].to_numpy() == FEATURED_UNIT
    base[featured] = 0.90
    weight[featured] = max(weight[featured].max(initial=0), 1.3)
    top_share = rng.uniform(0.45, 0.65, n)
    mix = np.array([0.35, 0.25, 0.30, 0.10])
    share = rng.dirichlet(mix * 60, n)
    party = grp == "party"
    share[party] = rng.dirichlet(np.array([0.0001, 0.4, 0.4, 0.2]) * 60, int(party.sum()))
    share[party, 0] = 0.0
    share = share / share.sum(axis=1, keepdims=True)
    months = scale.month_list
    t = np.arange(len(months))
    mo = np.array([m % 100 for m in months])
    month_factor = (
        (1.0 + 0.2 * t / max(len(months) - 1, 1)) * np.where(mo == 2, 0.8, 1.0) * rng.uniform(0.96, 1.04, len(months))
    )

    services, service_p = [], []
    for unit in body.itertuples(index=False):
        codes = [s["code"] for s in reference.services() if reference.applies(s["units"], unit.code, unit.kind)]
        p = 1.0 / np.arange(1, len(codes) + 1) ** 0.8  # a few procedures make most of the traffic
        services.append(np.array(codes, dtype=object))
        service_p.append(p / p.sum())
    return Profiles(body["id"].to_numpy(), weight, base, top_share, share, month_factor, services, service_p)


def score_probs(base: float, top_share: float) -> np.ndarray:
    """Probabilities of levels 1..4 for a satisfied share ``base``."""
    s1 = LEVEL1_SHARE
    s4 = base * top_share
    s3 = base - s4
    s2 = max(0.0, 1.0 - s1 - base)
    p = np.array([s1, s2, s3, s4])
    return p / p.sum()
