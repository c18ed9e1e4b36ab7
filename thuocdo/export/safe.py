"""Spreadsheet-safe values: neutralise cells that Excel or LibreOffice would run as formulas.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab / carriage return, which
some programs strip before evaluating) is read as a formula when the file is opened
("CSV injection"); names and notes come from imported files, so every export passes
through :func:`safe_frame`. Numbers stay numbers: only text is touched.
"""

from __future__ import annotations

import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Prefix a text value that would be read as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(TRIGGERS):
        return "'" + value
    return value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every text cell (and text column header) neutralised."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_string_dtype(s) or s.dtype == object:
            out[col] = s.map(neutralise, na_action="ignore")
    out.columns = [neutralise(c) for c in out.columns]
    return out
