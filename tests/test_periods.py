"""Periods: parsing, shifting, labels."""

import datetime as dt

import pytest

from thuocdo.domain.periods import Period, add_months, months_between
from thuocdo.i18n import fmt_period


@pytest.mark.parametrize(
    "text,start,end,kind",
    [
        ("2026-10", 202610, 202610, "month"),
        ("2026-Q3", 202607, 202609, "quarter"),
        ("2026-H1", 202601, 202606, "half"),
        ("2026", 202601, 202612, "year"),
        ("2025-11..2026-02", 202511, 202602, "range"),
    ],
)
def test_parse_and_key_roundtrip(text, start, end, kind):
    p = Period.parse(text)
    assert (p.start, p.end, p.kind) == (start, end, kind)
    assert Period.parse(p.key()) == p


@pytest.mark.parametrize("bad", ["", "2026-13", "2026-Q5", "abc", "2026-05..2026-01", "'; DROP TABLE units;--"])
def test_invalid_periods_are_refused(bad):
    with pytest.raises(ValueError):
        Period.parse(bad)


def test_previous_and_year_ago():
    q = Period.parse("2026-Q1")
    assert q.previous() == Period(202510, 202512, "quarter")
    assert q.year_ago() == Period(202501, 202503, "quarter")
    assert Period.parse("2026-01").previous().key() == "2025-12"


def test_month_arithmetic():
    assert add_months(202612, 1) == 202701
    assert add_months(202601, -1) == 202512
    assert months_between(202511, 202602) == [202511, 202512, 202601, 202602]


def test_elapsed_share():
    y = Period.parse("2026")
    assert y.elapsed_share(dt.date(2026, 12, 31)) == 1.0
    assert 0.49 < y.elapsed_share(dt.date(2026, 7, 1)) < 0.51
    assert y.elapsed_share(dt.date(2025, 1, 1)) == 0.0


def test_labels():
    assert fmt_period(Period.parse("2026-Q3"), "vi") == "Quý 3/2026"
    assert fmt_period(Period.parse("2026-H1"), "vi") == "6 tháng đầu năm 2026"
    assert fmt_period(Period.parse("2026"), "en") == "2026"
