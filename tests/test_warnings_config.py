"""Rule configuration: validation, versions, defaults, and every parameter documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from thuocdo.domain.warnings.config import (
    PARAMS,
    ConfigError,
    config_history,
    config_version,
    default_config,
    ensure_config,
    load_config,
    save_config,
    validate,
)
from thuocdo.domain.warnings.model import RULE_CODES
from thuocdo.i18n import catalogue

README = Path(__file__).resolve().parent.parent / "docs" / "readme" / "warnings.md"


def test_defaults_cover_every_rule():
    cfg = default_config()
    assert set(cfg["rules"]) == set(RULE_CODES)
    assert all(r["enabled"] for r in cfg["rules"].values())
    assert cfg["rules"]["satisfaction_drop"]["min_drop"] == 0.10
    assert cfg["rules"]["rotation_due"]["years"] == 5.0


def test_validate_fills_defaults_and_coerces():
    cfg = validate({"rules": {"falling_results": {"min_drop": "12", "window": 4.0}, "missing_data": {"enabled": 0}}})
    assert cfg["rules"]["falling_results"]["min_drop"] == 12.0
    assert cfg["rules"]["falling_results"]["window"] == 4 and isinstance(cfg["rules"]["falling_results"]["window"], int)
    assert cfg["rules"]["missing_data"]["enabled"] is False
    assert cfg["rules"]["off_pace"] == default_config()["rules"]["off_pace"]


@pytest.mark.parametrize(
    "bad, key",
    [
        ({"rules": {"nope": {}}}, "warnings.config.error_rule"),
        ({"rules": {"falling_results": {"nope": 1}}}, "warnings.config.error_param"),
        ({"rules": {"falling_results": {"min_drop": -1}}}, "warnings.config.error_range"),
        ({"rules": {"falling_results": {"window": 2.5}}}, "warnings.config.error_type"),
        ({"rules": {"satisfaction_drop": {"alpha": "abc"}}}, "warnings.config.error_type"),
        ({"rules": {"grade_quota": {"by_task_group": "yes"}}}, "warnings.config.error_type"),
        ({"rules": []}, "warnings.config.error_shape"),
    ],
)
def test_validate_refuses(bad, key):
    with pytest.raises(ConfigError) as e:
        validate(bad)
    assert e.value.key == key


def test_versions(engine):
    with engine.connect() as conn:
        assert load_config(conn).version == 0
    assert ensure_config(engine).version == 1
    assert ensure_config(engine).version == 1
    cfg = default_config()
    assert save_config(engine, cfg, "admin@x.vn") == 1  # identical: no new version
    cfg["rules"]["rotation_due"]["years"] = 4
    assert save_config(engine, cfg, "admin@x.vn", note="Theo quy định mới") == 2
    with engine.connect() as conn:
        loaded = load_config(conn)
        assert loaded.version == 2 and loaded.rule("rotation_due")["years"] == 4
        assert loaded.created_by == "admin@x.vn"
        hist = config_history(conn)
        assert [h["version"] for h in hist] == [2, 1]
        assert hist[0]["note"] == "Theo quy định mới" and hist[1]["created_by"] == "system"
        assert config_version(conn, 1)["rules"]["rotation_due"]["years"] == 5.0
    with pytest.raises(ConfigError):
        save_config(engine, {"rules": {"rotation_due": {"years": 0}}}, "admin@x.vn")


def test_every_parameter_has_a_label_and_is_documented():
    text = README.read_text(encoding="utf-8")
    for lang in ("vi", "en"):
        cat = catalogue(lang)
        for code, params in PARAMS.items():
            assert f"warnings.rule.{code}" in cat and f"warnings.rule_help.{code}" in cat
            for p in params:
                assert f"warnings.param.{code}.{p.name}" in cat, (lang, code, p.name)
    for code, params in PARAMS.items():
        assert f"`{code}`" in text, code
        for p in params:
            assert f"`{p.name}`" in text, (code, p.name)


def test_catalogues_have_the_same_keys():
    vi = {k for k in catalogue("vi") if k.startswith("warnings.")}
    en = {k for k in catalogue("en") if k.startswith("warnings.")}
    assert vi == en


def test_every_literal_key_of_the_page_and_core_exists():
    import re

    root = README.parent.parent.parent
    files = [root / "pages" / "warnings.py", *sorted((root / "thuocdo" / "domain" / "warnings").rglob("*.py"))]
    keys = set()
    for f in files:
        found = re.findall(r'"(warnings\.[a-z_]+(?:\.[a-z_0-9]+)+)"', f.read_text(encoding="utf-8"))
        keys |= {k for k in found if not k.endswith("_")}  # prefixes completed in code are checked below
    assert len(keys) > 40
    for lang in ("vi", "en"):
        missing = sorted(k for k in keys if k not in catalogue(lang))
        assert not missing, (lang, missing)


def test_every_reason_key_and_status_label_exists():
    cat = catalogue("vi")
    from thuocdo.domain.warnings.model import STATUSES
    from thuocdo.domain.warnings.workflow import ACTIONS

    for s in STATUSES:
        assert f"warnings.status.{s}" in cat
    for a in (*ACTIONS, "created", "updated", "cleared", "refired"):
        assert f"warnings.action.{a}" in cat
    for r in (
        "falling_results",
        "inflated_gap",
        "inflated_satisfaction",
        "satisfaction_drop",
        "dissatisfied_concentration",
        "off_pace_kr",
        "off_pace_kpi",
        "rotation_due",
        "consecutive_not_completed",
        "grade_quota_good",
        "grade_quota_graded",
        "suspect_burst",
        "suspect_near_all",
        "suspect_off_hours",
        "missing_both",
        "missing_evaluations",
        "missing_ratings",
    ):
        assert f"warnings.reason.{r}" in cat
