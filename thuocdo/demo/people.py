"""Officials of every unit: positions, personal attributes and position history."""

from __future__ import annotations

import numpy as np
import pandas as pd

from thuocdo.demo import names
from thuocdo.demo.scales import AS_OF, Scale, stream

DAY = np.timedelta64(1, "D")
AS_OF_D = np.datetime64(AS_OF, "D")
YEAR_DAYS = 365.25
REFORM_COMMUNES = np.datetime64("2025-07-01", "D")  # two-tier local government
REFORM_AGENCIES = np.datetime64("2025-03-01", "D")  # merged departments and party bodies
SENSITIVE_MAX_YEARS = 3.9  # background: well below the 5-year rotation threshold

# Communes with a sizeable Mường / Dao population (Ba Vì mountains, former Lương Sơn).
MINORITY_UNITS = {
    "HN.X.BAVI",
    "HN.X.YENBAI",
    "HN.X.YENXUAN",
    "HN.X.SUOIHAI",
    "HN.X.BATBAT",
    "HN.X.HUONGSON",
    "HN.X.PHUCSON",
}

RANKS = ("top", "deputy", "head", "deputy_head", "staff")
LEADER_GROUP = "Lãnh đạo"

# (task group, head title, deputy title, share of the staff, is the citizen-facing desk)
WARD_GROUPS = (
    ("Văn phòng HĐND và UBND", "Chánh Văn phòng HĐND và UBND", "Phó Chánh Văn phòng HĐND và UBND", 0.22, False),
    ("@econ", None, None, 0.25, False),
    ("Phòng Văn hóa - Xã hội", "Trưởng phòng Văn hóa - Xã hội", "Phó Trưởng phòng Văn hóa - Xã hội", 0.20, False),
    (
        "Trung tâm Phục vụ hành chính công",
        "Giám đốc Trung tâm Phục vụ hành chính công",
        "Phó Giám đốc Trung tâm Phục vụ hành chính công",
        0.18,
        True,
    ),
    ("Cơ quan Đảng ủy", "Chánh Văn phòng Đảng ủy", "Phó Chánh Văn phòng Đảng ủy", 0.15, False),
)
DEPT_GROUPS = (
    ("Văn phòng", "Chánh Văn phòng", "Phó Chánh Văn phòng", 0.20, False),
    (
        "Phòng Kế hoạch - Tài chính",
        "Trưởng phòng Kế hoạch - Tài chính",
        "Phó Trưởng phòng Kế hoạch - Tài chính",
        0.15,
        False,
    ),
    ("Phòng Tổ chức - Pháp chế", "Trưởng phòng Tổ chức - Pháp chế", "Phó Trưởng phòng Tổ chức - Pháp chế", 0.12, False),
    (
        "Phòng Quản lý chuyên ngành",
        "Trưởng phòng Quản lý chuyên ngành",
        "Phó Trưởng phòng Quản lý chuyên ngành",
        0.28,
        False,
    ),
    ("Phòng Kiểm tra, giám sát", "Trưởng phòng Kiểm tra, giám sát", "Phó Trưởng phòng Kiểm tra, giám sát", 0.13, False),
    ("Bộ phận Một cửa", None, None, 0.12, True),
)
PARTY_GROUPS = (
    ("Phòng Tổng hợp", "Trưởng phòng Tổng hợp", "Phó Trưởng phòng Tổng hợp", 0.35, False),
    ("Phòng Nghiệp vụ", "Trưởng phòng Nghiệp vụ", "Phó Trưởng phòng Nghiệp vụ", 0.40, False),
    ("Phòng Nghiên cứu", "Trưởng phòng Nghiên cứu", "Phó Trưởng phòng Nghiên cứu", 0.15, False),
    ("Bộ phận tiếp công dân", None, None, 0.10, True),
)


def _allocate(total: int, weights: np.ndarray, minimum: np.ndarray) -> np.ndarray:
    """Integers summing to ``total``, proportional to ``weights``, each at least ``minimum``."""
    base = minimum.astype(np.int64).copy()
    rest = total - int(base.sum())
    if rest < 0:
        raise ValueError("not enough officials for the minimum unit sizes")
    share = weights / weights.sum() * rest
    add = np.floor(share).astype(np.int64)
    left = rest - int(add.sum())
    order = np.argsort(-(share - add), kind="stable")
    add[order[:left]] += 1
    return base + add


def _groups(unit) -> tuple:
    if unit.group == "ward":
        econ = "Phòng Kinh tế, Hạ tầng và Đô thị" if unit.kind == "ward" else "Phòng Kinh tế"
        return tuple(
            (econ, f"Trưởng phòng {econ[6:]}", f"Phó Trưởng phòng {econ[6:]}", s, d)
            if g == "@econ"
            else (g, h, dep, s, d)
            for g, h, dep, s, d in WARD_GROUPS
        )
    return DEPT_GROUPS if unit.group == "dept" else PARTY_GROUPS


def _unit_roles(unit, n: int) -> list[tuple]:
    """(rank, position_code, position, task_group, desk) for the ``n`` officials of a unit."""
    roles: list[tuple] = []
    groups = _groups(unit)
    if unit.group == "ward":
        word = "phường" if unit.kind == "ward" else "xã"
        roles.append(("top", "secretary", f"Bí thư Đảng ủy {word}", LEADER_GROUP, False))
        roles.append(("top", "chair", f"Chủ tịch UBND {word}", LEADER_GROUP, False))
        roles.append(("deputy", "deputy_head", f"Phó Bí thư Thường trực Đảng ủy {word}", LEADER_GROUP, False))
        for _ in range(2 if n < 80 else 3):
            roles.append(("deputy", "vice_chair", f"Phó Chủ tịch UBND {word}", LEADER_GROUP, False))
    else:
        roles.append(("top", unit.head_code, unit.head_title, LEADER_GROUP, False))
        for _ in range(2 if n < 80 else 3 if n < 400 else 4):
            roles.append(("deputy", unit.deputy_code, unit.deputy_title, LEADER_GROUP, False))
    n_dep = 1 if n < 60 else 2 if n < 200 else 3
    for g, head, dep, _s, desk in groups:
        if head is None:
            continue
        roles.append(("head", "head", head, g, False))
        for _ in range(n_dep):
            roles.append(("deputy_head", "deputy_head", dep, g, desk))
    staff_left = n - len(roles)
    shares = np.array([s for *_x, s, _d in groups], dtype=float)
    minimum = np.array([3 if d else 1 for *_x, d in groups])
    counts = _allocate(max(staff_left, int(minimum.sum())), shares, minimum)
    for (g, _h, _dep, _s, desk), c in zip(groups, counts, strict=True):
        for _ in range(int(c)):
            roles.append(("staff", "staff", "@staff", g, desk))
    return roles


def build_officials(units: pd.DataFrame, scale: Scale, seed: int) -> pd.DataFrame:
    """Officials with their position, attributes and internal planning columns.

    Internal columns (dropped before loading): rank, desk (works at the citizen-facing
    desk and is named in ratings), mu (personal mean of the monthly score), group.
    """
    rng = stream(seed, "officials", "sizes")
    body = units[units["kind"] != "city"].reset_index(drop=True)
    w = np.array([scale.size_weight[g] for g in body["group"]]) * rng.lognormal(0.0, 0.3, len(body))
    minimum = np.where(body["group"] == "ward", 24, 18)
    sizes = _allocate(scale.officials, w, minimum)

    rows = []
    for unit, n in zip(body.itertuples(index=False), sizes, strict=True):
        for rank, code, pos, group, desk in _unit_roles(unit, int(n)):
            rows.append((unit.id, unit.group, unit.kind, unit.code, bool(unit.sensitive), rank, code, pos, group, desk))
    df = pd.DataFrame(
        rows,
        columns=[
            "unit_id",
            "unit_group",
            "unit_kind",
            "unit_code",
            "sensitive",
            "rank",
            "position_code",
            "position",
            "task_group",
            "desk",
        ],
    )
    # The roles loop may round a unit up by a few officials; trim the largest staff groups.
    excess = len(df) - scale.officials
    if excess > 0:
        staff = df.index[(df["rank"] == "staff") & ~df["desk"]]
        drop = staff[np.linspace(0, len(staff) - 1, excess).astype(int)]
        df = df.drop(index=drop).reset_index(drop=True)
    n = len(df)
    df.insert(0, "id", np.arange(1, n + 1))
    df["code"] = [f"CB{i:06d}" for i in df["id"]]

    rng = stream(seed, "officials", "attributes")
    unit_ids = units["id"].to_numpy()
    uidx = np.searchsorted(unit_ids, df["unit_id"].to_numpy())
    nu = len(units)
    u_female = rng.uniform(0.30, 0.52, nu)
    u_age = rng.normal(0.0, 2.5, nu)
    u_edu = rng.uniform(0.7, 1.3, nu)
    u_mu = rng.normal(0.0, 2.0, nu)
    rank = df["rank"].to_numpy()
    grp = df["unit_group"].to_numpy()
    is_top, is_dep = rank == "top", rank == "deputy"
    is_head, is_dh, is_staff = rank == "head", rank == "deputy_head", rank == "staff"

    p_f = np.select([is_top, is_dep, is_head, is_dh], [0.15, 0.22, 0.32, 0.40], default=u_female[uidx])
    female = rng.random(n) < p_f
    df["gender"] = np.where(female, "F", "M")
    df["full_name"] = names.compose(rng, female)

    mean_age = np.select([is_top, is_dep, is_head, is_dh], [51.0, 48.0, 46.0, 42.0], default=44.5) + u_age[uidx]
    sd_age = np.select([is_top, is_dep, is_head, is_dh], [4.0, 5.0, 6.0, 6.0], default=9.0)
    low_age = np.select([is_top, is_dep, is_head, is_dh], [40.0, 36.0, 32.0, 29.0], default=23.0)
    high_age = np.where(female, 56.5, 60.5)  # retirement ages in 2026 (Labour Code 2019 roadmap)
    age = np.clip(rng.normal(mean_age, sd_age), low_age, high_age)
    birth = AS_OF_D - np.round(age * YEAR_DAYS).astype(np.int64) * DAY
    df["birth_date"] = birth

    leader = ~is_staff
    p_ts = (
        np.select(
            [(grp == "ward") & leader, grp == "ward", (grp == "dept") & leader, grp == "dept", leader],
            [0.02, 0.003, 0.12, 0.03, 0.15],
            default=0.03,
        )
        * u_edu[uidx]
    )
    p_ths = (
        np.select(
            [(grp == "ward") & leader, grp == "ward", (grp == "dept") & leader, grp == "dept", leader],
            [0.42, 0.16, 0.60, 0.36, 0.58],
            default=0.38,
        )
        * u_edu[uidx]
    )
    p_cd = np.where(leader, 0.0, np.where(grp == "ward", 0.05, 0.015))
    r = rng.random(n)
    df["education"] = np.select(
        [r < p_ts, r < p_ts + p_ths, r < p_ts + p_ths + p_cd], ["tien_si", "thac_si", "cao_dang"], default="dai_hoc"
    )

    r = rng.random(n)
    top_theory = np.where(r < 0.96, "cao_cap", "trung_cap")
    lead_theory = np.select([r < 0.55, r < 0.97, r < 0.99], ["cao_cap", "trung_cap", "so_cap"], default="none")
    young = age < 30
    staff_theory = np.select(
        [r < 0.05, r < np.where(young, 0.25, 0.45), r < np.where(young, 0.60, 0.78)],
        ["cao_cap", "trung_cap", "so_cap"],
        default="none",
    )
    theory = np.where(is_top, top_theory, np.where(leader, lead_theory, staff_theory)).astype(object)
    theory[theory == "none"] = None
    df["theory_level"] = theory

    p_local = np.where((grp == "ward") & is_top, 0.5, np.where(grp == "ward", 0.75, 0.6))
    df["is_local"] = rng.random(n) < p_local
    p_plan = np.select([is_top, is_dep, is_head, is_dh], [0.04, 0.35, 0.22, 0.25], default=0.05)
    p_plan = p_plan + np.where(is_staff & (age < 35) & (df["education"].to_numpy() != "dai_hoc"), 0.08, 0.0)
    df["in_succession_plan"] = rng.random(n) < p_plan
    p_min = np.where(np.isin(df["unit_code"].to_numpy(), list(MINORITY_UNITS)), 0.18, 0.015)
    df["is_ethnic_minority"] = rng.random(n) < p_min

    staff_title = np.where(
        grp == "ward", "Công chức", np.where(rng.random(n) < 0.3, "Chuyên viên chính", "Chuyên viên")
    )
    df["position"] = np.where(df["position"].to_numpy() == "@staff", staff_title, df["position"].to_numpy())
    df["is_leader"] = leader

    df["position_since"] = _position_since(df, birth, rng)
    df["mu"] = np.clip(rng.normal(80.0 + u_mu[uidx], 6.0), 55.0, 97.0)
    df["active"] = True
    return df


def _position_since(df: pd.DataFrame, birth: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Start date of the current position (background: < 3.9 years in sensitive units)."""
    n = len(df)
    grp = df["unit_group"].to_numpy()
    leader = df["rank"].to_numpy() != "staff"
    years_back = np.where(leader, rng.uniform(0.1, 10.0, n), rng.uniform(0.1, 15.0, n))
    since = AS_OF_D - np.round(years_back * YEAR_DAYS).astype(np.int64) * DAY
    reform = np.where(grp == "ward", REFORM_COMMUNES, REFORM_AGENCIES)
    p_reform = np.where(grp == "ward", 0.75, np.where(leader, 0.4, 0.15))
    hit = rng.random(n) < p_reform
    since = np.where(hit, reform, since)
    # Communes and wards exist since 01/07/2025: nobody holds a position there from before.
    after = REFORM_COMMUNES + rng.integers(1, 455, n) * DAY
    since = np.where((grp == "ward") & (since < REFORM_COMMUNES), after, since)
    limit = AS_OF_D - np.int64(SENSITIVE_MAX_YEARS * YEAR_DAYS) * DAY
    recent = limit + rng.integers(0, int(SENSITIVE_MAX_YEARS * YEAR_DAYS) - 30, n) * DAY
    since = np.where(df["sensitive"].to_numpy() & (since < limit), recent, since)
    # Nobody took a post before 23; an appointment is never in the future.
    earliest = birth + np.int64(23 * YEAR_DAYS) * DAY + rng.integers(0, 200, n) * DAY
    since = np.maximum(since, earliest)
    return np.minimum(since, AS_OF_D - 10 * DAY)


def build_history(officials: pd.DataFrame, units: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Position history consistent with ``position_since``; returns (rows, hire date per official).

    The current position is the open row (end_date NULL) starting at position_since;
    earlier rows end the day before the next one starts. Earlier posts in commune-level
    units are attributed to the new unit (the demo does not model the pre-2025 units).
    """
    rng = stream(seed, "officials", "history")
    n = len(officials)
    rank = officials["rank"].to_numpy()
    since = officials["position_since"].to_numpy().astype("datetime64[D]")
    birth = officials["birth_date"].to_numpy().astype("datetime64[D]")
    n_prev = np.select(
        [rank == "top", rank == "deputy", rank == "head", rank == "deputy_head"],
        [2, 2, rng.integers(1, 3, n), rng.integers(1, 3, n)],
        default=(rng.random(n) < 0.75).astype(int),
    )
    # A previous post is one rung lower (a deputy became head, a head became deputy, ...).
    lower = {"top": "deputy", "deputy": "head", "head": "deputy_head", "deputy_head": "staff", "staff": "staff"}
    same_group_units = {g: units.loc[(units["group"] == g), "id"].to_numpy() for g in ("ward", "dept", "party")}
    pos_by_rank_unit = {}
    for o in officials[["unit_id", "rank", "position_code", "position"]].itertuples(index=False):
        pos_by_rank_unit.setdefault((o.unit_id, o.rank), (o.position_code, o.position))

    rows = []
    hire = since.copy()
    uid = officials["unit_id"].to_numpy()
    grp = officials["unit_group"].to_numpy()
    oid = officials["id"].to_numpy()
    code = officials["position_code"].to_numpy()
    pos = officials["position"].to_numpy()
    durations = rng.uniform(1.5, 6.0, (n, 3))
    moved = rng.random((n, 3)) < 0.3
    pick = rng.random((n, 3))
    for i in range(n):
        chain = [(uid[i], code[i], pos[i], since[i], None)]
        start = since[i]
        r = rank[i]
        for k in range(int(n_prev[i])):
            end = start - DAY
            begin = end - np.int64(durations[i, k] * YEAR_DAYS) * DAY
            if begin < birth[i] + np.int64(22 * YEAR_DAYS) * DAY:
                break
            r = lower[r]
            unit = uid[i]
            if grp[i] != "ward" and moved[i, k]:
                pool = same_group_units[grp[i]]
                unit = int(pool[int(pick[i, k] * len(pool))])
            pc, pt = pos_by_rank_unit.get((unit, r), pos_by_rank_unit.get((uid[i], r), ("staff", "Chuyên viên")))
            chain.append((unit, pc, pt, begin, end))
            start = begin
        hire[i] = start
        for unit, pc, pt, b, e in reversed(chain):
            rows.append((oid[i], unit, pt, pc, b, e))
    hist = pd.DataFrame(rows, columns=["official_id", "unit_id", "position", "position_code", "start_date", "end_date"])
    hist.insert(0, "id", np.arange(1, len(hist) + 1))
    return hist, hire
