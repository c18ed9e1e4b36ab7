"""Message catalogues and Vietnamese / English number and date formats.

Catalogues live in ``locales/<lang>/*.json``; every file of a language is merged into
one flat dictionary of dotted keys (``"overview.title"``). A key missing in English
falls back to Vietnamese; a key missing everywhere shows as the key itself, so a gap
is visible rather than silent (and a test checks that none is missing).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from functools import cache
from pathlib import Path

LOCALES = Path(__file__).resolve().parent.parent / "locales"
LANGS = ("vi", "en")
DEFAULT_LANG = "vi"


@cache
def catalogue(lang: str) -> dict[str, str]:
    """All messages of ``lang`` as one flat dictionary."""
    out: dict[str, str] = {}
    folder = LOCALES / lang
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for key, value in data.items():
            if key in out:
                raise ValueError(f"duplicate message key {key!r} in {path}")
            out[key] = value
    return out


def t(key: str, lang: str = DEFAULT_LANG, **params) -> str:
    """Translate ``key`` into ``lang`` and fill ``{named}`` parameters."""
    text = catalogue(lang).get(key)
    if text is None and lang != DEFAULT_LANG:
        text = catalogue(DEFAULT_LANG).get(key)
    if text is None:
        return key
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def _group(int_part: str, sep: str) -> str:
    out = []
    while len(int_part) > 3:
        out.insert(0, int_part[-3:])
        int_part = int_part[:-3]
    out.insert(0, int_part)
    return sep.join(out)


def fmt_number(value, lang: str = DEFAULT_LANG, decimals: int = 0) -> str:
    """1234.5 -> '1.234,5' in Vietnamese, '1,234.5' in English; None/NaN -> '–'."""
    if value is None:
        return "–"
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(x) or math.isinf(x):
        return "–"
    s = f"{abs(x):.{decimals}f}"
    int_part, _, frac = s.partition(".")
    thousands, dec = (".", ",") if lang == "vi" else (",", ".")
    out = _group(int_part, thousands) + (dec + frac if frac else "")
    if x < 0 and float(s) != 0:
        out = "-" + out
    return out


def fmt_percent(value, lang: str = DEFAULT_LANG, decimals: int = 1) -> str:
    """0.873 -> '87,3 %' (vi) / '87.3%' (en)."""
    if value is None:
        return "–"
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(x):
        return "–"
    n = fmt_number(x * 100, lang, decimals)
    return f"{n} %" if lang == "vi" else f"{n}%"


def fmt_date(value, lang: str = DEFAULT_LANG) -> str:
    """A date as 22/11/2026 (both languages use day/month/year here)."""
    if value is None:
        return "–"
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    return value.strftime("%d/%m/%Y")


def fmt_datetime(value, lang: str = DEFAULT_LANG) -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    return value.strftime("%H:%M %d/%m/%Y")


def fmt_month(m: int, lang: str = DEFAULT_LANG) -> str:
    """202610 -> 'Tháng 10/2026' (vi) / 'Oct 2026' (en)."""
    y, mo = divmod(int(m), 100)
    if lang == "vi":
        return f"Tháng {mo:02d}/{y}"
    return dt.date(y, mo, 1).strftime("%b %Y")


def fmt_period(period, lang: str = DEFAULT_LANG) -> str:
    """A human label for a :class:`~thuocdo.domain.periods.Period`."""
    y, mo = divmod(period.start, 100)
    if period.kind == "month":
        return fmt_month(period.start, lang)
    if period.kind == "quarter":
        q = (mo - 1) // 3 + 1
        return f"Quý {q}/{y}" if lang == "vi" else f"Q{q} {y}"
    if period.kind == "half":
        h = 1 if mo <= 6 else 2
        if lang == "vi":
            return f"6 tháng {'đầu' if h == 1 else 'cuối'} năm {y}"
        return f"H{h} {y}"
    if period.kind == "year":
        return f"Năm {y}" if lang == "vi" else str(y)
    ey, em = divmod(period.end, 100)
    return f"{mo:02d}/{y} – {em:02d}/{ey}"
