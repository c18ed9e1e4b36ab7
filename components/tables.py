"""Table helpers: download buttons (CSV and Excel, formula-safe) and common column configs."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from components.i18n import t
from thuocdo.export.safe import safe_frame


def csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a byte-order mark (Excel opens Vietnamese text correctly), formula-safe."""
    return safe_frame(df).to_csv(index=False).encode("utf-8-sig")


def xlsx_bytes(df: pd.DataFrame, sheet: str = "data") -> bytes:
    """An Excel workbook with one sheet, formula-safe."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        safe_frame(df).to_excel(writer, index=False, sheet_name=sheet[:31])
    return buf.getvalue()


def download_buttons(df: pd.DataFrame, name: str, key: str) -> None:
    """CSV and XLSX download buttons for ``df`` (file names ``<name>.csv`` / ``.xlsx``)."""
    c1, c2, _ = st.columns([1, 1, 4])
    # Callables: the files are built only when someone clicks, not on every rerun.
    c1.download_button(
        t("dashboards.download_csv"),
        lambda: csv_bytes(df),
        f"{name}.csv",
        "text/csv",
        key=f"{key}_csv",
        icon=":material/download:",
        on_click="ignore",
    )
    c2.download_button(
        t("dashboards.download_xlsx"),
        lambda: xlsx_bytes(df),
        f"{name}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        icon=":material/download:",
        on_click="ignore",
    )


def percent_column(label: str, help: str | None = None) -> st.column_config.NumberColumn:
    """A 0..1 share shown as a percentage."""
    return st.column_config.NumberColumn(label, format="percent", help=help)


def progress_column(label: str, help: str | None = None, max_value: float = 1.0) -> st.column_config.ProgressColumn:
    """A 0..1 share as a progress bar with the percentage."""
    return st.column_config.ProgressColumn(label, format="percent", min_value=0.0, max_value=max_value, help=help)


def selected_row(state) -> int | None:
    """The index of the row picked in a single-row selection event, or None."""
    try:
        rows = state.selection.rows if hasattr(state, "selection") else state["selection"]["rows"]
    except (KeyError, TypeError, AttributeError):
        return None
    return int(rows[0]) if rows else None
