"""The demo-data generator: determinism, both engines, realism, planted patterns and truth."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import unicodedata

import pandas as pd
import pytest
from sqlalchemy import func, insert, select

from thuocdo.cli import main as cli_main
from thuocdo.demo import SCALES, SeedRefused, names, seed, seed_with_data, truth_path
from thuocdo.demo import reference as ref
from thuocdo.demo.load import DATA_TABLES
from thuocdo.demo.scales import AS_OF
from thuocdo.demo.truth import RULES, quota_agreement
from thuocdo.demo.verify import compare
from thuocdo.store import schema as s
from thuocdo.store.db import get_meta, init_db
from thuocdo.store.engine import make_engine
from thuocdo.store.rollups import refresh_all

# --- helpers -------------------------------------------------------------------------


def _norm(v):
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()
    return repr(v)


def digests(engine) -> dict[str, tuple[int, str]]:
    """Row count and content hash of every data table and of meta, rows ordered by key."""
    out = {}
    with engine.connect() as conn:
        for table in (*DATA_TABLES, s.meta):
            h = hashlib.sha256()
            n = 0
            for row in conn.execute(select(table).order_by(*table.primary_key.columns)):
                h.update(("|".join(_norm(v) for v in row) + "\n").encode())
                n += 1
            out[table.name] = (n, h.hexdigest())
    return out


def read(engine, sql_table) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(select(sql_table)).mappings().all())


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """The default demo (small, seed 42) in a real SQLite file, seeded once for the module."""
    path = tmp_path_factory.mktemp("demo") / "small.db"
    engine = make_engine(f"sqlite:///{path}")
    result, demo = seed_with_data(engine, "small", 42)
    yield engine, result, demo
    engine.dispose()


# --- the unit data file ----------------------------------------------------------------


def test_unit_file_has_the_126_communes_of_ha_noi_with_its_source():
    rows = ref.all_units()
    wards = [r for r in rows if r["kind"] == "ward"]
    communes = [r for r in rows if r["kind"] == "commune"]
    assert (len(wards), len(communes)) == (51, 75)
    assert all(r["name"].startswith("Phường ") for r in wards)
    assert all(r["name"].startswith("Xã ") for r in communes)
    assert len({r["code"] for r in rows}) == len(rows) == 170
    assert len({r["name"] for r in rows}) == len(rows)
    assert len({r["gso_code"] for r in wards + communes}) == 126
    names_ = {r["name"] for r in rows}
    for must in (
        "Phường Hoàn Kiếm",
        "Phường Văn Miếu - Quốc Tử Giám",
        "Xã Sóc Sơn",
        "Sở Nội vụ",
        "Ủy ban Kiểm tra Thành ủy",
        "Thanh tra Thành phố",
    ):
        assert must in names_
    assert [r["kind"] for r in rows].count("city") == 1
    readme = (ref.DATA / "README.md").read_text(encoding="utf-8")
    assert "1656/NQ-UBTVQH15" in readme
    assert (ref.DATA / "units.csv").read_text(encoding="utf-8").startswith("#")
    sensitive = {r["code"] for r in rows if r["sensitive"] == "1"}
    assert {"HN.SNV", "HN.STC", "HN.SXD", "HN.TTTP", "HN.THUE", "HN.SNNMT", "HN.TU.BTC"} <= sensitive
    assert not any(r["sensitive"] == "1" for r in wards + communes)


def test_scales_nest_and_have_the_announced_sizes():
    counts = {name: sum(1 for r in ref.all_units() if sc.includes(r["tier"])) for name, sc in SCALES.items()}
    assert counts == {"tiny": 8, "small": 16, "district": 40, "city": 170}
    assert SCALES["city"].officials == 60_000 and SCALES["city"].ratings == 20_000_000
    assert SCALES["small"].month_list[0] == 202411 and SCALES["city"].month_list[0] == 202311
    assert all(sc.month_list[-1] == 202610 for sc in SCALES.values())


def test_names_agree_with_gender_and_keep_their_diacritics():
    import numpy as np

    rng = np.random.default_rng(1)
    female = rng.random(2000) < 0.5
    full = names.compose(rng, female)
    for name, f in zip(full, female, strict=True):
        parts = name.split(" ")
        assert len(parts) == 3
        assert unicodedata.normalize("NFC", name) == name
        middle, given = parts[1], parts[2]
        if f:
            assert middle in names.FEMALE_MIDDLE and given in names.FEMALE_GIVEN
        else:
            assert middle in names.MALE_MIDDLE and given in names.MALE_GIVEN
            assert middle != "Thị"
    assert sum(any(ord(ch) > 127 for ch in n) for n in full) / len(full) > 0.9


# --- determinism and engines -------------------------------------------------------------


def test_same_seed_gives_the_same_rows_and_another_seed_other_rows(tmp_path):
    engines = [make_engine(f"sqlite:///{tmp_path / n}") for n in ("a.db", "b.db", "c.db")]
    seed(engines[0], "tiny", 42, ratings=40_000)
    seed(engines[1], "tiny", 42, ratings=40_000)
    seed(engines[2], "tiny", 43, ratings=40_000)
    a, b, c = (digests(e) for e in engines)
    assert a == b
    for table in ("officials", "evaluations", "ratings", "rollup_rating_unit"):
        assert a[table] != c[table], table
    assert a["units"] == c["units"]  # the units are facts, not drawn
    for e in engines:
        e.dispose()


def test_sqlite_and_postgresql_hold_the_same_rows(sqlite_engine, pg_engine):
    seed(sqlite_engine, "tiny", 42)
    seed(pg_engine, "tiny", 42)
    assert digests(sqlite_engine) == digests(pg_engine)


def test_bulk_rollups_equal_the_generic_refresh(engine):
    seed(engine, "tiny", 42)

    def dump(conn):
        return {
            t.name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
            for t in s.ROLLUP_TABLES
        }

    with engine.connect() as conn:
        before = dump(conn)
        conn.rollback()
        with conn.begin() as trans:
            refresh_all(conn)
            after = dump(conn)
            trans.rollback()
    for name in before:
        assert before[name] and before[name] == after[name], name


def test_postgresql_sequences_continue_after_the_explicit_ids(pg_engine):
    seed(pg_engine, "tiny", 42)
    with pg_engine.begin() as conn:
        top = conn.execute(select(func.max(s.users.c.id))).scalar_one()
        new = conn.execute(
            insert(s.users)
            .values(email="moi@thuocdo.vn", name="Người mới", role="leader", active=True, is_demo=False)
            .returning(s.users.c.id)
        ).scalar_one()
    assert new == top + 1


# --- refusal, force, CLI ---------------------------------------------------------------------


def test_refuses_a_database_with_units_and_replaces_it_with_force(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    seed(engine, "tiny", 42, ratings=40_000)
    with engine.begin() as conn:
        conn.execute(insert(s.settings).values(key="kept", value={"a": 1}))
        conn.execute(insert(s.import_mappings).values(name="m", kind="ratings", spec={}))
    with pytest.raises(SeedRefused) as err:
        seed(engine, "tiny", 7, ratings=40_000)
    assert err.value.units == 8
    seed(engine, "tiny", 7, force=True, ratings=40_000)
    fresh = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    seed(fresh, "tiny", 7, ratings=40_000)
    got, want = digests(engine), digests(fresh)
    assert got == want
    with engine.connect() as conn:
        assert conn.execute(select(s.settings.c.value).where(s.settings.c.key == "kept")).scalar_one() == {"a": 1}
        assert conn.execute(select(func.count()).select_from(s.import_mappings)).scalar_one() == 1
        assert get_meta(conn, "demo_seed") == "7"
    engine.dispose()
    fresh.dispose()


def test_cli_prints_one_json_object_and_refuses_without_force(tmp_path, monkeypatch, capsys):
    db = tmp_path / "cli.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    assert cli_main(["seed-demo", "--scale", "tiny", "--seed", "5", "--json"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    payload = json.loads(out[0])
    assert payload["seeded"] is True and payload["scale"] == "tiny" and payload["seed"] == 5
    assert payload["counts"]["units"] == 8 and payload["counts"]["ratings"] == SCALES["tiny"].ratings
    assert set(payload["counts"]) >= {"officials", "evaluations", "ratings", "rollup_rating_unit", "users"}
    assert isinstance(payload["seconds"], float)
    assert payload["truth_file"] == str(db) + ".truth.json"

    assert cli_main(["seed-demo", "--scale", "tiny", "--json"]) == 2
    refused = json.loads(capsys.readouterr().out)
    assert refused == {"database": f"sqlite:///{db}", "seeded": False, "error": "demo.error.not_empty", "units": 8}
    assert cli_main(["seed-demo", "--if-empty"]) == 0
    assert "8 đơn vị" in capsys.readouterr().out
    assert cli_main(["seed-demo", "--scale", "tiny", "--seed", "6", "--ratings", "50000", "--force", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["seed"] == 6 and again["counts"]["ratings"] == 50_000


# --- realism of the default demo -------------------------------------------------------------


def test_structure_of_the_cadre_corps_is_realistic_and_varied(small):
    engine, result, demo = small
    o = read(engine, s.officials).merge(
        read(engine, s.units)[["id", "kind"]].rename(columns={"id": "unit_id"}), on="unit_id"
    )
    assert len(o) == 600 and result["counts"]["units"] == 16
    age = (pd.Timestamp(AS_OF) - pd.to_datetime(o["birth_date"])).dt.days / 365.25
    assert 0.30 <= (o["gender"] == "F").mean() <= 0.45
    assert 0.10 <= (age < 35).mean() <= 0.20
    assert 0.30 <= o["education"].isin(["thac_si", "tien_si"]).mean() <= 0.45
    assert set(o["education"]) <= {"cao_dang", "dai_hoc", "thac_si", "tien_si"}
    assert 0 < o["education"].eq("cao_dang").mean() < 0.06
    leaders = o[o["is_leader"]]
    assert 0 < (~leaders["theory_level"].isin(["trung_cap", "cao_cap"])).mean() < 0.1
    heads = o[o["kind"].isin(["ward", "commune"]) & o["position_code"].isin(["secretary", "chair"])]
    assert len(heads) == 20 and 0.25 <= (~heads["is_local"]).mean() <= 0.75
    by_unit = o.groupby("unit_id")["gender"].apply(lambda g: (g == "F").mean())
    assert by_unit.max() - by_unit.min() > 0.15
    # Names agree with gender.
    for name, gender in zip(o["full_name"], o["gender"], strict=True):
        _surname, middle, given = name.split(" ")
        if gender == "F":
            assert middle in names.FEMALE_MIDDLE and given in names.FEMALE_GIVEN, name
        else:
            assert middle in names.MALE_MIDDLE and given in names.MALE_GIVEN and middle != "Thị", name


def test_position_history_is_consistent_with_the_current_post(small):
    engine, _result, _demo = small
    o = read(engine, s.officials).set_index("id")
    h = read(engine, s.position_history).sort_values(["official_id", "start_date"])
    open_rows = h[h["end_date"].isna()]
    assert open_rows["official_id"].is_unique and len(open_rows) == len(o)
    cur = open_rows.set_index("official_id")
    assert (cur["start_date"] == o.loc[cur.index, "position_since"]).all()
    assert (cur["position_code"] == o.loc[cur.index, "position_code"]).all()
    for _oid, g in h.groupby("official_id"):
        starts, ends = list(g["start_date"]), list(g["end_date"])
        for k in range(len(g) - 1):
            assert ends[k] + dt.timedelta(days=1) == starts[k + 1]


def test_monthly_evaluations_follow_the_policies(small):
    engine, _result, _demo = small
    e = read(engine, s.evaluations)
    old = e["month"] < 202601
    assert set(e.loc[old, "policy_code"]) == {"hn3814"} and set(e.loc[~old, "policy_code"]) == {"nd335"}
    assert e.loc[~old, "bonus_points"].isna().all() and e.loc[old, "bonus_points"].between(0, 10).all()
    assert e.loc[old, "general_points"].le(20).all() and e.loc[~old, "general_points"].le(30).all()
    assert e["task_points"].between(0, 70).all()
    total = e["general_points"] + e["task_points"] + e["bonus_points"].fillna(0)
    assert (total == e["final_score"]).all()
    band = pd.cut(
        e["final_score"], [-1, 50, 70, 90, 101], right=False, labels=["not_completed", "completed", "good", "excellent"]
    ).astype(str)
    expected = band.where(~e["disciplined"], "not_completed")
    assert (expected == e["grade"]).all()
    share = e["grade"].value_counts(normalize=True)
    assert share["good"] > 0.6 and 0.03 < share["excellent"] < 0.25 and share.get("not_completed", 0) < 0.02
    assert (e["self_score"] - e["manager_score"]).median() > 0
    assert (e["tasks_on_time"] + e["tasks_late"] == e["tasks_assigned"]).all()
    a = read(engine, s.annual_grades)
    assert set(a["year"]) == {2024, 2025} and set(a["policy_code"]) == {"hn3814"}


def test_satisfaction_is_mostly_80_to_95_percent_with_spread(small):
    engine, _result, demo = small
    r = read(engine, s.rollup_rating_unit)
    g = r.groupby("unit_id")[["s1", "s2", "s3", "s4", "n", "n_off_hours"]].sum()
    rate = (g["s3"] + g["s4"]) / g["n"]
    big = rate[g["n"] >= 5000]
    assert len(big) >= 10
    assert big.between(0.78, 0.97).all()
    assert big.between(0.80, 0.95).mean() >= 0.8
    assert big.max() - big.min() >= 0.06
    assert (g["s1"] / g["n"]).between(0.015, 0.05).all()
    # Ratings inside office hours (Mon-Sat 07:00-17:59), outside <= 3 % but for the planted bursts.
    burst = {(b.unit_id, b.month) for b in demo.plan.bursts}
    quiet = r[[(u, m) not in burst for u, m in zip(r["unit_id"], r["month"], strict=True)]]
    assert quiet["n_off_hours"].sum() / quiet["n"].sum() <= 0.03
    shares = r.groupby("channel")["n"].sum() / r["n"].sum()
    assert 0.25 < shares["kiosk"] < 0.45 and 0.05 < shares["sms"] < 0.15
    assert quiet["max_device_day"].max() <= 60
    with engine.connect() as conn:
        named = conn.execute(select(func.count(s.ratings.c.official_id) * 1.0 / func.count())).scalar_one()
        assert 0.65 < named < 0.75
        # Every named official works at the desk of the rated unit.
        wrong = conn.execute(
            select(func.count())
            .select_from(s.ratings.join(s.officials, s.officials.c.id == s.ratings.c.official_id))
            .where(s.officials.c.unit_id != s.ratings.c.unit_id)
        ).scalar_one()
        assert wrong == 0
        desks = set(
            conn.execute(
                select(s.officials.c.task_group).where(s.officials.c.id.in_(select(s.ratings.c.official_id).distinct()))
            ).scalars()
        )
    assert desks <= {"Trung tâm Phục vụ hành chính công", "Bộ phận Một cửa", "Bộ phận tiếp công dân"}


def test_kpi_catalogue_and_the_766_index(small):
    engine, _result, _demo = small
    k = read(engine, s.kpis).set_index("code")
    comps = ["766.CKMB", "766.TDGQ", "766.CLGQ", "766.TTTT", "766.MDHL", "766.MDSH"]
    assert k.loc[comps, "max_value"].to_dict() == {
        "766.CKMB": 20,
        "766.TDGQ": 20,
        "766.CLGQ": 10,
        "766.TTTT": 10,
        "766.MDHL": 18,
        "766.MDSH": 22,
    }
    assert k.loc[comps, "max_value"].sum() == 100 == k.loc["766.TONG_SCORE", "max_value"]
    assert (k.loc[comps, "parent_code"] == "766.TONG_SCORE").all()
    assert k.loc["KPI.DONTHU_TON", "direction"] == "down" and k["name_en"].notna().all()
    assert "Tỷ lệ hồ sơ giải quyết đúng hạn" in set(k["name"])
    v = read(engine, s.kpi_values).merge(
        read(engine, s.kpis)[["id", "code"]].rename(columns={"id": "kpi_id"}), on="kpi_id"
    )
    wide = v[v["code"].str.startswith("766.")].pivot_table(index=["unit_id", "month"], columns="code", values="actual")
    assert ((wide[comps].sum(axis=1) - wide["766.TONG_SCORE"]).abs() < 0.011).all()
    services = read(engine, s.services)
    assert len(services) >= 40 and {"Đăng ký khai sinh", "Chứng thực bản sao từ bản chính"} <= set(services["name"])


def test_the_five_demo_users(small):
    engine, _result, _demo = small
    u = read(engine, s.users).merge(
        read(engine, s.units)[["id", "name"]].rename(columns={"id": "unit_id", "name": "unit"}),
        on="unit_id",
        how="left",
    )
    roles = dict(zip(u["email"], u["role"], strict=True))
    assert roles == {
        "lanhdao@thuocdo.demo": "leader",
        "kiemtra@thuocdo.demo": "inspector",
        "truongdonvi@thuocdo.demo": "unit_head",
        "baocao@thuocdo.demo": "presenter",
        "quantri@thuocdo.demo": "admin",
    }
    assert u["is_demo"].all()
    head = u[u["role"] == "unit_head"].iloc[0]
    assert head["unit"] == "Phường Hoàn Kiếm"
    assert u[u["role"] != "unit_head"]["unit_id"].isna().all()


# --- planted patterns and truth --------------------------------------------------------------


def test_truth_is_written_and_covers_every_rule(small):
    engine, result, demo = small
    with engine.connect() as conn:
        in_meta = json.loads(get_meta(conn, "demo_truth"))
        assert (
            get_meta(conn, "demo") == "1"
            and get_meta(conn, "demo_scale") == "small"
            and get_meta(conn, "demo_seed") == "42"
        )
    in_file = json.loads(truth_path(engine).read_text(encoding="utf-8"))
    assert in_meta == in_file == demo.truth
    assert set(result["truth"]) == set(RULES)
    assert all(n >= 3 for n in result["truth"].values()), result["truth"]
    for r in in_meta:
        assert set(r) >= {"rule", "subject_type", "subject_code", "month_from", "month_to", "required"}
        assert r["month_from"] <= r["month_to"] <= 202610


def test_the_unit_head_of_hoan_kiem_sees_warnings(small):
    engine, _result, demo = small
    hk = demo.units.loc[demo.units["code"] == "HN.P.HOANKIEM", "id"].iloc[0]
    staff = set(demo.officials.loc[demo.officials["unit_id"] == hk, "code"])
    required = [r for r in demo.truth if r["required"]]
    assert any(r["subject_type"] == "unit" and r["subject_code"] == "HN.P.HOANKIEM" for r in required)
    assert any(r["subject_type"] == "official" and r["subject_code"] in staff for r in required)


def test_planted_patterns_are_detectable_and_the_background_is_quiet(small):
    _engine, _result, demo = small
    report = compare(demo)
    for rule, found in report.items():
        assert found["false"] == [], (rule, found["false"][:5])
        assert found["missed"] == [], (rule, found["missed"][:5])


def test_deterministic_rules_are_everything_in_the_data(small):
    engine, _result, demo = small
    o = read(engine, s.officials).merge(
        read(engine, s.units)[["id", "sensitive"]].rename(columns={"id": "unit_id"}), on="unit_id"
    )
    years = (pd.Timestamp(AS_OF) - pd.to_datetime(o["position_since"])).dt.days / 365.25
    due = set(o.loc[o["sensitive"] & (years >= 5), "code"])
    truth_due = {r["subject_code"] for r in demo.truth if r["rule"] == "rotation_due"}
    assert due == truth_due and len(due) >= 3
    assert years[o["sensitive"] & ~o["code"].isin(due)].max() < 4  # background well below 5 years
    a = read(engine, s.annual_grades)
    nc = a[a["grade"] == "not_completed"]
    pairs = nc.merge(nc.assign(year=nc["year"] + 1), on=["official_id", "year"])
    codes = dict(zip(o["id"], o["code"], strict=True))
    assert {codes[i] for i in pairs["official_id"]} == {
        r["subject_code"] for r in demo.truth if r["rule"] == "consecutive_not_completed"
    }
    assert quota_agreement(a, read(engine, s.units))


def test_tiny_scale_truth_covers_every_rule_on_postgresql(pg_engine):
    result = seed(pg_engine, "tiny", 11)
    assert all(n >= 2 for n in result["truth"].values())
    assert result["truth_file"] is None
    with pg_engine.connect() as conn:
        assert len(json.loads(get_meta(conn, "demo_truth"))) == result["truth_records"]


@pytest.mark.slow
def test_city_scale_plan_has_ten_subjects_per_rule():
    from thuocdo.demo import generate
    from thuocdo.demo.truth import summary

    demo = generate("city", 42)
    assert len(demo.units) == 170 and len(demo.officials) == 60_000
    counts = summary(demo.records)
    assert all(n >= 10 for n in counts.values()), counts
    assert demo.setup.total == 20_000_000


def test_init_then_seed_on_an_existing_empty_schema(sqlite_engine):
    init_db(sqlite_engine)
    result = seed(sqlite_engine, "tiny", 42)
    assert result["counts"]["units"] == 8
