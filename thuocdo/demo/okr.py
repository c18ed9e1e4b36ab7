"""Objectives, key results, check-ins, the KPI catalogue and monthly KPI values."""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np
import pandas as pd

from thuocdo.demo import reference
from thuocdo.demo.plants import Plan
from thuocdo.demo.scales import AS_OF, Scale, stream

# Objective templates per unit group: title and key results
# (title, unit of measure, baseline, target, direction, is a count).
TEMPLATES: dict[str, tuple] = {
    "ward": (
        (
            "Nâng cao chất lượng phục vụ người dân, doanh nghiệp",
            (
                ("Tỷ lệ hồ sơ giải quyết đúng hạn", "%", 90.0, 99.0, "up", False),
                ("Tỷ lệ hồ sơ trực tuyến toàn trình", "%", 40.0, 75.0, "up", False),
                ("Tỷ lệ người dân hài lòng với dịch vụ hành chính", "%", 82.0, 92.0, "up", False),
            ),
        ),
        (
            "Đẩy mạnh chuyển đổi số, xây dựng chính quyền số",
            (
                ("Tỷ lệ dữ liệu hộ tịch được số hóa", "%", 55.0, 100.0, "up", False),
                ("Tỷ lệ hồ sơ thanh toán phí, lệ phí trực tuyến", "%", 25.0, 65.0, "up", False),
                ("Số thủ tục hành chính được cắt giảm thời gian giải quyết", "thủ tục", 0.0, 20.0, "up", True),
            ),
        ),
        (
            "Giữ vững trật tự xây dựng, đô thị và môi trường",
            (
                ("Số vụ vi phạm trật tự xây dựng tồn đọng", "vụ", 24.0, 3.0, "down", True),
                ("Tỷ lệ tuyến phố, thôn đạt chuẩn văn minh đô thị", "%", 50.0, 80.0, "up", False),
                ("Số điểm tập kết rác thải tự phát", "điểm", 30.0, 5.0, "down", True),
            ),
        ),
        (
            "Hoàn thành dự toán thu ngân sách và giải ngân vốn đầu tư công",
            (
                ("Tỷ lệ thu ngân sách so với dự toán", "%", 0.0, 105.0, "up", False),
                ("Tỷ lệ giải ngân vốn đầu tư công", "%", 0.0, 95.0, "up", False),
                ("Số đơn thư khiếu nại, tố cáo tồn đọng", "đơn", 20.0, 2.0, "down", True),
            ),
        ),
    ),
    "dept": (
        (
            "Cải cách hành chính, nâng cao chỉ số phục vụ người dân, doanh nghiệp",
            (
                ("Tỷ lệ hồ sơ giải quyết đúng hạn", "%", 88.0, 99.0, "up", False),
                ("Chỉ số phục vụ người dân, doanh nghiệp (Quyết định 766)", "điểm", 78.0, 90.0, "up", False),
                ("Tỷ lệ thủ tục cung cấp dịch vụ công trực tuyến toàn trình", "%", 45.0, 85.0, "up", False),
            ),
        ),
        (
            "Hoàn thành các nhiệm vụ trọng tâm Thành phố giao",
            (
                ("Tỷ lệ nhiệm vụ UBND Thành phố giao hoàn thành đúng hạn", "%", 85.0, 98.0, "up", False),
                ("Số đề án, kế hoạch trình Thành phố", "đề án", 0.0, 12.0, "up", True),
                ("Số văn bản quá hạn xử lý", "văn bản", 40.0, 5.0, "down", True),
            ),
        ),
        (
            "Nâng cao hiệu quả quản lý ngành, lĩnh vực",
            (
                ("Tỷ lệ giải ngân vốn đầu tư công được giao", "%", 0.0, 95.0, "up", False),
                ("Số cuộc thanh tra, kiểm tra chuyên ngành hoàn thành", "cuộc", 0.0, 24.0, "up", True),
                ("Tỷ lệ kiến nghị sau thanh tra, kiểm tra được thực hiện", "%", 55.0, 90.0, "up", False),
            ),
        ),
    ),
    "party": (
        (
            "Nâng cao chất lượng công tác tham mưu cho Ban Thường vụ Thành ủy",
            (
                ("Tỷ lệ đề án, văn bản tham mưu hoàn thành đúng hạn", "%", 85.0, 100.0, "up", False),
                ("Số chuyên đề nghiên cứu, tổng kết thực tiễn", "chuyên đề", 0.0, 12.0, "up", True),
            ),
        ),
        (
            "Xây dựng tổ chức cơ sở đảng và đội ngũ đảng viên",
            (
                ("Số đảng viên mới được kết nạp", "người", 0.0, 60.0, "up", True),
                ("Tỷ lệ tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên", "%", 75.0, 90.0, "up", False),
            ),
        ),
        (
            "Công tác kiểm tra, giám sát và giải quyết đơn thư",
            (
                ("Tỷ lệ cuộc kiểm tra, giám sát hoàn thành theo kế hoạch", "%", 0.0, 100.0, "up", False),
                ("Số đơn thư tồn đọng", "đơn", 25.0, 3.0, "down", True),
                ("Tỷ lệ đơn thư được giải quyết trong thời hạn", "%", 80.0, 98.0, "up", False),
            ),
        ),
    ),
}

QUARTER_TEMPLATE = (
    "Giải quyết dứt điểm hồ sơ tồn đọng quý {q}/{y}",
    (
        ("Số hồ sơ quá hạn tồn đọng", "hồ sơ", 60.0, 0.0, "down", True),
        ("Tỷ lệ hồ sơ giải quyết đúng hạn trong quý", "%", 90.0, 99.0, "up", False),
    ),
)


def _month_end(y: int, m: int) -> dt.date:
    return dt.date(y, m, calendar.monthrange(y, m)[1])


def objective_years(scale: Scale) -> list[int]:
    """Full years inside the data, and the current year."""
    start, end = scale.month_list[0], scale.month_list[-1]
    return [y for y in range(start // 100, end // 100 + 1) if y * 100 + 1 >= start or y == end // 100]


def build_okr(units: pd.DataFrame, officials: pd.DataFrame, plan: Plan, scale: Scale, seed: int):
    """Objectives, key results and monthly check-ins (as of 31/10/2026)."""
    rng = stream(seed, "okr")
    lag = set(plan.okr_lag_units)
    owner = {}
    for o in officials[officials["rank"] == "top"].itertuples(index=False):
        if o.unit_id not in owner or o.position_code == "chair":
            owner[o.unit_id] = o.full_name
    size = officials.groupby("unit_id").size()
    mean_size = float(size.mean())
    years = objective_years(scale)
    current = scale.month_list[-1] // 100
    objs, krs, cis = [], [], []
    for unit in units[units["kind"] != "city"].itertuples(index=False):
        factor = float(np.clip(size.get(unit.id, mean_size) / mean_size, 0.4, 3.0))
        templates = TEMPLATES[unit.group]
        periods = [(y, None) for y in years]
        if unit.group in ("ward", "dept"):
            periods += [(current, q) for q in (1, 2, 3, 4)]
        for y, q in periods:
            if q is None:
                picks = rng.permutation(len(templates))[: min(3, len(templates))]
                chosen = [templates[i] for i in sorted(picks)]
                start, end = dt.date(y, 1, 1), dt.date(y, 12, 31)
            else:
                chosen = [(QUARTER_TEMPLATE[0].format(q=q, y=y), QUARTER_TEMPLATE[1])]
                start, end = dt.date(y, 3 * q - 2, 1), _month_end(y, 3 * q)
            if start > AS_OF:
                continue
            behind_objs = set()
            if q is None and y == current and unit.id in lag:
                behind_objs = {0, 1}
            for j, (title, kr_list) in enumerate(chosen):
                oid = len(objs) + 1
                suffix = f"{y}" if q is None else f"{y}Q{q}"
                objs.append(
                    {
                        "id": oid,
                        "code": f"{unit.code}.{suffix}.O{j + 1}",
                        "unit_id": unit.id,
                        "title": title,
                        "period_kind": "year" if q is None else "quarter",
                        "year": y,
                        "quarter": q,
                        "start_date": start,
                        "end_date": end,
                        "weight": 2.0 if j == 0 else 1.0,
                        "owner": owner.get(unit.id),
                        "batch_id": None,
                    }
                )
                for k, (kr_title, uom, base, target, direction, is_count) in enumerate(kr_list):
                    kid = len(krs) + 1
                    if is_count and base == 0:
                        # Counts stay >= 12 so that rounding never moves the pace by > 5 %.
                        target = float(max(12.0, round(target * factor * float(rng.uniform(0.85, 1.15)))))
                    elif is_count:
                        base = float(max(15.0, round(base * factor * float(rng.uniform(0.8, 1.2)))))
                        target = float(max(0.0, min(round(target * float(rng.uniform(0.85, 1.15))), base - 10.0)))
                    else:
                        base = float(round(base + rng.uniform(-3, 3), 1)) if base > 0 else 0.0
                        target = float(round(min(target + rng.uniform(-2, 2), 100.0 if target <= 100 else target), 1))
                    # Pace factor: background projects to >= 97 % of the way; planted ones far behind.
                    f = float(rng.uniform(0.12, 0.30)) if j in behind_objs else float(rng.uniform(0.97, 1.25))
                    values = []
                    d = start
                    while d <= min(end, AS_OF):
                        last = _month_end(d.year, d.month)
                        share = ((min(last, end) - start).days + 1) / ((end - start).days + 1)
                        prog = min(1.15, f * share * (1.0 + float(np.clip(rng.normal(0, 0.01), -0.02, 0.02))))
                        v = base + (target - base) * prog
                        v = float(round(v)) if is_count else float(round(v, 1))
                        values.append((last, v))
                        d = last + dt.timedelta(days=1)
                    krs.append(
                        {
                            "id": kid,
                            "code": f"{unit.code}.{suffix}.O{j + 1}.KR{k + 1}",
                            "objective_id": oid,
                            "title": kr_title,
                            "unit_of_measure": uom,
                            "baseline": base,
                            "target": target,
                            "current": values[-1][1] if values else None,
                            "direction": direction,
                            "weight": 2.0 if k == 0 else 1.0,
                            "due_date": end,
                            "batch_id": None,
                        }
                    )
                    for when, v in values:
                        cis.append((kid, when, v))
    objectives = pd.DataFrame(objs)
    key_results = pd.DataFrame(krs)
    checkins = pd.DataFrame(cis, columns=["key_result_id", "checked_at", "value"])
    checkins.insert(0, "id", np.arange(1, len(checkins) + 1))
    checkins["note"] = None
    checkins["batch_id"] = None
    return objectives, key_results, checkins


def build_kpis() -> pd.DataFrame:
    rows = []
    for i, k in enumerate(reference.kpis(), start=1):
        rows.append(
            {
                "id": i,
                "code": k["code"],
                "name": k["name"],
                "name_en": k["name_en"],
                "unit_of_measure": k["unit_of_measure"],
                "direction": k["direction"],
                "sector": k["sector"] or None,
                "max_value": float(k["max_value"]) if k["max_value"] else None,
                "parent_code": k["parent_code"] or None,
            }
        )
    return pd.DataFrame(rows)


def build_kpi_values(units: pd.DataFrame, officials: pd.DataFrame, plan: Plan, scale: Scale, seed: int) -> pd.DataFrame:
    """Monthly target and actual per unit and applicable KPI (766 index for the city = mean)."""
    rng = stream(seed, "kpi_values")
    months = scale.month_list
    lag = set(plan.kpi_lag_units)
    size = officials.groupby("unit_id").size()
    mean_size = float(size.mean())
    catalogue = list(reference.kpis())
    kpi_id = {k["code"]: i for i, k in enumerate(catalogue, start=1)}
    rows = []
    city_766: dict[tuple[str, int], list[float]] = {}
    root = units[units["kind"] == "city"].iloc[0]
    for unit in units.itertuples(index=False):
        if unit.kind == "city":
            continue
        factor = float(np.clip(size.get(unit.id, mean_size) / mean_size, 0.5, 3.0))
        level = {}  # per unit-year performance factor of cumulative KPIs
        own = []
        for k in catalogue:
            if not reference.applies(k["applies"], unit.code, unit.kind):
                continue
            code, kind, direction = k["code"], k["kind"], k["direction"]
            if code == "766.TONG_SCORE":
                continue
            target0 = float(k["target"])
            mx = float(k["max_value"]) if k["max_value"] else None
            for m in months:
                y, mo = divmod(m, 100)
                if kind == "score":
                    target = target0
                    actual = round(min(mx, target * float(rng.uniform(0.95, 1.10))), 2)
                elif kind == "rate":
                    target = target0
                    actual = round(min(mx or 1e9, target * float(rng.uniform(0.95, 1.10))), 1)
                elif kind == "cumulative":
                    target = round(target0 * mo / 12.0, 1)
                    f = level.setdefault((code, y), float(rng.uniform(0.97, 1.08)))
                    actual = round(
                        min(mx or 1e9, target * f * (1.0 + float(np.clip(rng.normal(0, 0.004), -0.01, 0.01)))), 1
                    )
                else:  # count
                    target = float(max(1, round(target0 * factor)))
                    if direction == "down":
                        actual = float(round(target * float(rng.uniform(0.6, 1.0))))
                    else:
                        actual = float(round(target * float(rng.uniform(0.95, 1.25))))
                own.append([unit.id, kpi_id[code], m, float(target), float(actual)])
        # Decision 766 total = sum of the six components, month by month.
        by_month: dict[int, float] = {}
        for r in own:
            code = catalogue[r[1] - 1]["code"]
            if code.startswith("766."):
                by_month[r[2]] = by_month.get(r[2], 0.0) + r[4]
                city_766.setdefault((code, r[2]), []).append(r[4])
        rows.extend(own)
        if by_month:
            for m in months:
                rows.append([unit.id, kpi_id["766.TONG_SCORE"], m, 90.0, round(by_month[m], 2)])
    # The city's own 766 scores: the mean over its departments and communes.
    for m in months:
        total = 0.0
        for k in catalogue:
            code = k["code"]
            if not code.startswith("766.") or code == "766.TONG_SCORE":
                continue
            v = round(float(np.mean(city_766[(code, m)])), 2)
            total += v
            rows.append([int(root["id"]), kpi_id[code], m, float(k["target"]), v])
        rows.append([int(root["id"]), kpi_id["766.TONG_SCORE"], m, 90.0, round(total, 2)])
    df = pd.DataFrame(rows, columns=["unit_id", "kpi_id", "month", "target", "actual"])
    # Planted: an ordinary KPI at <= 70 % of its target in the last three months.
    lag_kpi = kpi_id["KPI.VB_DUNGHAN"]
    hit = df["unit_id"].isin(list(lag)) & (df["kpi_id"] == lag_kpi) & df["month"].isin(months[-3:])
    rng2 = stream(seed, "kpi_values", "lag")
    df.loc[hit, "actual"] = np.round(df.loc[hit, "target"].to_numpy() * rng2.uniform(0.55, 0.68, int(hit.sum())), 1)
    df = df.sort_values(["month", "unit_id", "kpi_id"]).reset_index(drop=True)
    df.insert(0, "id", np.arange(1, len(df) + 1))
    df["batch_id"] = None
    return df
