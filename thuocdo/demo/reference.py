"""The reference data files (units, services, KPIs) and the unit tree of a scale."""

from __future__ import annotations

import csv
import unicodedata
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from thuocdo.demo.scales import Scale, kind_group, stream

DATA = Path(__file__).with_name("data")


def read_csv(name: str) -> list[dict]:
    """Rows of ``data/<name>`` as dicts; lines starting with '#' are comments (sources)."""
    with (DATA / name).open(encoding="utf-8", newline="") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    return [dict(r) for r in csv.DictReader(lines)]


@lru_cache(maxsize=1)
def all_units() -> tuple[dict, ...]:
    return tuple(read_csv("units.csv"))


def normalise_name(name: str) -> str:
    """Lower case, no diacritics, single spaces: 'Phường Hoàn Kiếm' -> 'phuong hoan kiem'."""
    s = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    s = "".join(c for c in s if unicodedata.category(c) != "Mn")
    return " ".join(s.lower().split())


def build_units(scale: Scale, seed: int) -> pd.DataFrame:
    """The units of ``scale``: ids from the data file's row order, a flat tree under the city.

    Since July 2025 Hà Nội has two tiers of local government, so every party body,
    department and commune-level unit hangs directly under the city.
    """
    rows = []
    for i, r in enumerate(all_units(), start=1):
        if not scale.includes(r["tier"]):
            continue
        rows.append({"id": i, **r})
    df = pd.DataFrame(rows)
    root = int(df.loc[df["kind"] == "city", "id"].iloc[0])
    df["parent_id"] = np.where(df["id"] == root, None, root)
    df["level"] = np.where(df["id"] == root, 0, 1)
    df["path"] = [f"/{root}/" if uid == root else f"/{root}/{uid}/" for uid in df["id"]]
    df["name_norm"] = [normalise_name(n) for n in df["name"]]
    df["sector"] = df["sector"].replace("", None)
    df["sensitive"] = df["sensitive"].astype(int).astype(bool)
    df["group"] = [kind_group(k) for k in df["kind"]]
    # A few units carry the "outstanding" title of the previous year (hn3814 quota 40 %).
    rng = stream(seed, "units", "outstanding")
    df["outstanding"] = (rng.random(len(df)) < 0.08) & (df["id"] != root)
    df["active"] = True
    return df.reset_index(drop=True)


@lru_cache(maxsize=1)
def services() -> tuple[dict, ...]:
    return tuple(read_csv("services.csv"))


@lru_cache(maxsize=1)
def kpis() -> tuple[dict, ...]:
    return tuple(read_csv("kpis.csv"))


def applies(selector: str, code: str, kind: str) -> bool:
    """Whether a ``units`` selector ('@ward;HN.STP') covers a unit of this code and kind."""
    for part in selector.split(";"):
        part = part.strip()
        if part.startswith("@") and part[1:] == kind:
            return True
        if part == code:
            return True
    return False
