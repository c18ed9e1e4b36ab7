"""Reason sentences: a message key plus parameters, rendered in Vietnamese or English.

Parameters are stored raw (numbers, ISO dates); their name says how to show them:
``*_pct`` a share (0.873 -> 87,3 %), ``*_pts`` points with one decimal, ``*_n`` a count,
``*_date`` a date, ``*_month`` a YYYYMM month, ``*_p`` a p-value. Anything else is shown
as it is.
"""

from __future__ import annotations

from thuocdo.i18n import fmt_date, fmt_month, fmt_number, fmt_percent, t


def format_params(params: dict, lang: str) -> dict:
    out = {}
    for k, v in (params or {}).items():
        if v is None:
            out[k] = "–"
        elif k.endswith("_pct"):
            out[k] = fmt_percent(v, lang, 1)
        elif k.endswith("_pts"):
            out[k] = fmt_number(v, lang, 1)
        elif k.endswith("_n"):
            out[k] = fmt_number(v, lang, 0 if float(v) == int(float(v)) else 1)
        elif k.endswith("_date"):
            out[k] = fmt_date(v, lang)
        elif k.endswith("_month"):
            out[k] = fmt_month(int(v), lang)
        elif k.endswith("_p"):
            out[k] = ("< " + fmt_number(0.001, lang, 3)) if float(v) < 0.001 else fmt_number(v, lang, 3)
        elif k == "policy":
            out[k] = t(f"warnings.policy.{v}", lang)
        else:
            out[k] = str(v)
    return out


def render(reason_key: str, params: dict, lang: str = "vi", subject: str | None = None) -> str:
    """The reason sentence of a warning in ``lang`` (``subject``: name to show, if any)."""
    p = format_params(params, lang)
    p.setdefault("subject", subject or "")
    return t(reason_key, lang, **p)


def rule_label(code: str, lang: str = "vi") -> str:
    return t(f"warnings.rule.{code}", lang)


def rule_help(code: str, lang: str = "vi") -> str:
    return t(f"warnings.rule_help.{code}", lang)
