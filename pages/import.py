"""Import (administrators): upload a table, preview it, map its columns (and save the
mapping under a name), import it, then fix and re-import the refused rows; the recent
batches and saved mappings.

The page only calls the core importer (``thuocdo.ingest``); the rows a scoped admin may
import are limited to their unit subtree by the importer itself.
"""

import datetime as dt
import hashlib
import json

import pandas as pd
import streamlit as st

from components.auth import require_role
from components.i18n import lang, num, t
from queries.db import get_engine
from thuocdo.ingest import (
    KINDS,
    ImportFailed,
    batch_rejections,
    delete_mapping,
    import_file,
    list_mappings,
    load_mapping,
    read_table,
    recent_batches,
    rejections_file,
    save_mapping,
)
from thuocdo.ingest.mapping import EXAMPLES
from thuocdo.ingest.preview import fields, preview, suggest_columns
from thuocdo.ingest.readers import excel_sheets
from thuocdo.ingest.rejections import batch_error, rejections_frame

user = require_role("import")

engine = get_engine()
L = lang()
PREVIEW_ROWS = 20
RESULT = "_imp_result"
FLASH = "_imp_flash"
TYPES = ["csv", "tsv", "txt", "xlsx", "xlsm", "json", "jsonl"]
CHANNELS = ["kiosk", "tablet", "online", "sms"]
# Buttons record a request in a callback and the page acts on it once, where it draws:
# a run that is interrupted and started again (the frame's legacy-router rerun) keeps it.
RUN_REQUEST, SAVE_REQUEST, DELETE_REQUEST = "_imp_run_request", "_imp_save_request", "_imp_delete_request"


def request(flag: str) -> None:
    st.session_state[flag] = True


st.title(t("import.page.title"))
st.caption(t("import.page.caption"))


def field_label(name: str) -> str:
    label = t(f"import.field.{name}")
    return name if label == f"import.field.{name}" else label


def kind_label(kind: str) -> str:
    return t(f"import.kind.{kind}")


def download_pair(rows: list, name: str, key: str) -> None:
    """CSV and Excel downloads of refused rows (formula-safe, re-importable)."""
    c1, c2, _ = st.columns([1, 1, 4])
    c1.download_button(
        t("import.page.download_csv"),
        lambda: rejections_file(rows, "csv", L),
        f"{name}.csv",
        "text/csv",
        key=f"{key}_csv",
        icon=":material/download:",
        on_click="ignore",
    )
    c2.download_button(
        t("import.page.download_xlsx"),
        lambda: rejections_file(rows, "xlsx", L),
        f"{name}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        icon=":material/download:",
        on_click="ignore",
    )


def show_refused(rows: list, name: str, key: str) -> None:
    frame = rejections_frame(rows, L)
    st.dataframe(frame, hide_index=True, width="stretch", key=f"{key}_table")
    st.caption(t("import.page.refused_help"))
    download_pair(rows, name, key)


def show_result(result) -> None:
    st.subheader(t("import.page.result", batch=result.batch_id))
    cols = st.columns(5)
    cols[0].metric(t("import.page.metric.rows"), num(result.rows_read), border=True)
    cols[1].metric(
        t("import.page.metric.loaded"),
        num(result.loaded),
        border=True,
        help=t("import.page.metric.updated", n=num(result.updated)),
    )
    cols[2].metric(t("import.page.metric.present"), num(result.already_present), border=True)
    cols[3].metric(t("import.page.metric.refused"), num(result.refused), border=True)
    cols[4].metric(t("import.page.metric.seconds"), num(result.seconds, 1), border=True)
    (st.warning if result.refused else st.success)(result.summary(L))
    if result.previous_batches:
        st.info(t("import.page.same_file", batches=", ".join(f"#{b['batch_id']}" for b in result.previous_batches)))
    if result.created_units:
        with st.expander(t("import.page.created_units", n=len(result.created_units))):
            st.dataframe(
                pd.DataFrame(result.created_units).rename(
                    columns={
                        "code": t("import.page.col.code_unit"),
                        "name": t("import.page.col.name"),
                        "kind": t("import.page.col.unit_kind"),
                    }
                ),
                hide_index=True,
                width="stretch",
            )
    if result.warnings.get("status") == "done":
        st.caption(t("import.page.warnings_done"))
    elif result.warnings.get("status") == "error":
        st.caption(t("import.summary.warnings_error", error=result.warnings.get("error", "")))
    if result.rejections:
        st.markdown(f"**{t('import.page.refused_rows')}**")
        show_refused(result.rejections, f"tu-choi-lo-{result.batch_id}", "imp_result_refused")


def mapping_builder(kind: str, columns: list[str], fid: str, sheet: str | None, header_row: int | None) -> dict:
    """Widgets that build a mapping for ``kind`` from the file's ``columns``."""
    st.caption(t("import.page.builder_help"))
    suggested = suggest_columns(kind, columns)
    options = [""] + columns
    chosen: dict[str, str] = {}
    specs = fields(kind)
    grid = st.columns(3)
    for i, f in enumerate(specs):
        name = f["name"]
        label = field_label(name) + (" *" if f["required"] else "")
        default = suggested.get(name, "")
        pick = grid[i % 3].selectbox(
            label,
            options,
            index=options.index(default) if default in options else 0,
            format_func=lambda c: c or t("import.page.none_column"),
            key=f"imp_col_{kind}_{fid}_{name}",
            help=name,
        )
        if pick:
            chosen[name] = pick
    spec: dict = {"kind": kind}
    if sheet:
        spec["sheet"] = sheet
    if header_row:
        spec["header_row"] = header_row
    if any(f["name"] in ("unit_code", "unit_name") for f in specs):
        match = st.radio(
            t("import.page.match"),
            ["auto", "code", "name"],
            format_func=lambda m: t(f"import.page.match.{m}"),
            horizontal=True,
            key=f"imp_match_{kind}_{fid}",
        )
        spec["unit"] = {"match": match}
    if kind == "ratings" and "channel" not in chosen:
        channel = st.selectbox(t("import.page.fixed_channel"), [""] + CHANNELS, key=f"imp_channel_{fid}")
        if channel:
            spec["constants"] = {"channel": channel}
    if kind == "kpi" and st.toggle(t("import.page.wide"), key=f"imp_wide_{fid}"):
        taken = set(chosen.values())
        wide_cols = st.multiselect(
            t("import.page.indicator_columns"), [c for c in columns if c not in taken], key=f"imp_wide_cols_{fid}"
        )
        value = st.radio(
            t("import.page.wide_value"),
            ["actual", "target"],
            format_func=lambda v: t(f"import.page.value.{v}"),
            horizontal=True,
            key=f"imp_wide_value_{fid}",
        )
        if wide_cols:
            st.caption(t("import.page.indicators_table"))
            table = st.data_editor(
                pd.DataFrame(
                    {
                        "column": wide_cols,
                        "code": wide_cols,
                        "name": [""] * len(wide_cols),
                        "max": [None] * len(wide_cols),
                    }
                ),
                hide_index=True,
                disabled=["column"],
                key=f"imp_wide_table_{fid}_{len(wide_cols)}",
                column_config={
                    "column": st.column_config.TextColumn(t("import.page.col.column")),
                    "code": st.column_config.TextColumn(t("import.page.col.code"), required=True),
                    "name": st.column_config.TextColumn(t("import.page.col.kpi_name")),
                    "max": st.column_config.NumberColumn(t("import.page.col.max"), min_value=0),
                },
            )
            indicators = {}
            for r in table.itertuples(index=False):
                entry = {"code": str(r.code or r.column).strip()}
                if isinstance(r.name, str) and r.name.strip():
                    entry["name"] = r.name.strip()
                if r.max is not None and not pd.isna(r.max):
                    entry["max"] = float(r.max)
                indicators[r.column] = entry
            spec["indicators"] = indicators
            spec["value"] = value
            for fld in ("kpi_code", "kpi_name", "actual", "target"):
                chosen.pop(fld, None)
    columns: dict[str, str] = {}
    for fld, col in chosen.items():  # field order: the first field that takes a column keeps it
        if col in columns:
            st.warning(
                t("import.page.column_twice", column=col, kept=field_label(columns[col]), dropped=field_label(fld))
            )
            continue
        columns[col] = fld
    spec["columns"] = columns
    return spec


def new_import(kind: str, upload) -> None:
    """Preview, mapping and import of one uploaded file."""
    data = upload.getvalue()
    fid = hashlib.sha256(data).hexdigest()[:12]
    name = upload.name

    # The mapping first: a saved one may name the sheet and the header row.
    mode = st.radio(
        t("import.page.mapping_mode"),
        ["none", "saved", "new"],
        format_func=lambda m: t(f"import.page.mapping.{m}"),
        horizontal=True,
        key="imp_mapping_mode",
    )
    mapping = None
    saved_spec = None
    if mode == "saved":
        saved = [m["name"] for m in list_mappings(engine, kind)]
        examples = sorted(
            p.stem for p in EXAMPLES.glob("*.json") if json.loads(p.read_text(encoding="utf-8")).get("kind") == kind
        )
        choices = saved + [e for e in examples if e not in saved]
        if choices:
            mapping = st.selectbox(t("import.page.mapping_pick"), choices, key="imp_mapping_pick")
            try:
                saved_spec = load_mapping(mapping, engine)
            except ImportFailed as exc:
                st.error(exc.text(L))
                return
        else:
            st.info(t("import.page.no_saved"))

    sheet = None
    opts = st.columns([2, 1, 2])
    if data[:4] == b"PK\x03\x04":
        try:
            sheets = excel_sheets(data)
        except ImportFailed as exc:
            st.error(exc.text(L))
            return
        wanted = saved_spec.sheet if saved_spec is not None and saved_spec.sheet in sheets else None
        sheet = opts[0].selectbox(
            t("import.page.sheet"),
            sheets,
            index=sheets.index(wanted) if wanted else 0,
            key=f"imp_sheet_{fid}_{mapping or ''}",
        )
    default_header = saved_spec.header_row if saved_spec is not None and saved_spec.header_row else 0
    header_row = (
        int(
            opts[1].number_input(
                t("import.page.header_row"),
                min_value=0,
                max_value=1000,
                value=default_header,
                step=1,
                key=f"imp_header_{fid}_{mapping or ''}",
            )
        )
        or None
    )
    try:
        table = read_table(data, name, sheet=sheet, header_row=header_row, nrows=PREVIEW_ROWS)
    except ImportFailed as exc:
        st.error(exc.text(L))
        return
    st.markdown(f"**{t('import.page.preview', n=num(len(table.frame)))}**")
    st.dataframe(table.frame, hide_index=True, width="stretch", key="imp_raw_preview")
    st.caption(
        t(
            "import.page.file_info",
            format=table.format.upper(),
            encoding=table.encoding or "—",
            header=table.header_row,
            sheet=t("import.page.file_info_sheet", sheet=table.sheet) if table.sheet else "",
        )
    )
    if mode == "new":
        mapping = mapping_builder(kind, table.columns, fid, sheet, header_row)

    period_text = st.text_input(t("import.page.period"), key="imp_period", placeholder="2025-10").strip() or None
    try:
        spec_for_preview = saved_spec if mode == "saved" else (load_mapping(mapping) if mapping is not None else None)
        mapped, error = preview(table, kind, spec_for_preview, period_text, L)
    except ImportFailed as exc:
        mapped, error = pd.DataFrame(), exc.text(L)
    st.markdown(f"**{t('import.page.mapped_preview')}**")
    if error:
        st.error(error)
    else:
        shown = mapped.rename(columns={c: field_label(c) for c in mapped.columns if c not in ("row", "issues")})
        shown = shown.rename(columns={"row": t("import.page.col.row"), "issues": t("import.page.col.issues")})
        st.dataframe(shown, hide_index=True, width="stretch", key="imp_mapped_preview")
        bad = int((mapped["issues"] != "").sum()) if "issues" in mapped else 0
        (st.warning if bad else st.caption)(
            t("import.page.mapped_issues", n=bad) if bad else t("import.page.mapped_ok")
        )

    if mode == "new" and isinstance(mapping, dict):
        save = st.columns([3, 1], vertical_alignment="bottom")
        save_name = save[0].text_input(t("import.page.save_name"), key=f"imp_save_name_{fid}")
        save[1].button(
            t("import.page.save"),
            key="imp_save",
            icon=":material/save:",
            disabled=not save_name.strip(),
            on_click=request,
            args=(SAVE_REQUEST,),
        )
        if st.session_state.pop(SAVE_REQUEST, False):
            try:
                save_mapping(engine, save_name.strip(), mapping, actor=user.email)
                st.success(t("import.page.saved", name=save_name.strip()))
            except ImportFailed as exc:
                st.error(exc.text(L))

    create_units = st.checkbox(
        t("import.page.create_units"), help=t("import.page.create_units_help"), key="imp_create_units"
    )
    st.button(
        t("import.page.run"),
        type="primary",
        key="imp_run",
        icon=":material/upload:",
        disabled=error is not None,
        on_click=request,
        args=(RUN_REQUEST,),
    )
    if st.session_state.pop(RUN_REQUEST, False):
        status = st.status(t("import.progress.read"), expanded=False)
        try:
            result = import_file(
                engine,
                data,
                kind,
                file_name=name,
                sheet=sheet,
                mapping=mapping,
                period=period_text,
                create_units=create_units,
                actor=user.email,
                header_row=header_row,
                scope_path=user.scope.unit_path,
                progress=lambda stage: status.update(label=t(f"import.progress.{stage}")),
            )
        except ImportFailed as exc:
            status.update(label=t("import.status.failed"), state="error")
            st.session_state.pop(RESULT, None)
            st.error(t("import.summary.failed", error=exc.text(L)))
        else:
            status.update(label=t("import.progress.done"), state="complete")
            st.session_state[RESULT] = result
            if result.loaded:
                # Dashboards read cached figures: after new data they must read again.
                st.cache_data.clear()


tab_new, tab_batches, tab_mappings = st.tabs(
    [t("import.page.tab_new"), t("import.page.tab_batches"), t("import.page.tab_mappings")]
)

# --- a new import ------------------------------------------------------------------------
with tab_new:
    top = st.columns([1, 2])
    kind = top[0].selectbox(t("import.page.kind"), KINDS, format_func=kind_label, key="imp_kind")
    upload = top[1].file_uploader(t("import.page.file"), type=TYPES, key="imp_file")
    specs = fields(kind)
    st.caption(
        t(
            "import.page.columns_help",
            fields=", ".join(f"{field_label(f['name'])} ({f['name']})" for f in specs),
            required=", ".join(sorted({" / ".join(f["group"]) for f in specs if f["required"]})),
        )
    )
    if upload is None:
        st.info(t("import.page.choose_file"))
    else:
        new_import(kind, upload)
    result = st.session_state.get(RESULT)
    if result is not None:
        show_result(result)

# --- recent batches ----------------------------------------------------------------------------
with tab_batches:
    batches = recent_batches(engine, 50)
    if batches.empty:
        st.info(t("import.page.no_batches"))
    else:
        view = pd.DataFrame(
            {
                t("import.page.col.id"): batches["id"],
                t("import.page.col.kind"): batches["kind"].map(kind_label),
                t("import.page.col.file"): batches["file_name"],
                t("import.page.col.actor"): batches["actor"],
                t("import.page.col.started"): pd.to_datetime(batches["started_at"]).dt.strftime("%H:%M %d/%m/%Y"),
                t("import.page.col.rows"): batches["rows_read"],
                t("import.page.col.loaded"): batches["loaded"],
                t("import.page.col.present"): batches["already_present"],
                t("import.page.col.refused"): batches["refused"],
                t("import.page.col.status"): batches["status"].map(lambda s: t(f"import.status.{s}")),
            }
        )
        sel = st.dataframe(
            view, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row", key="imp_batches"
        )
        rows = sel.selection.rows if hasattr(sel, "selection") else []
        if not rows:
            st.caption(t("import.page.batch_pick"))
        else:
            b = batches.iloc[int(rows[0])]
            st.markdown(f"**{t('import.page.batch_rejections', batch=int(b['id']))}**")
            if b["status"] == "failed":
                st.error(t("import.page.failed_batch", error=batch_error(engine, int(b["id"])) or "—"))
            refused = batch_rejections(engine, int(b["id"]))
            if refused:
                show_refused(refused, f"tu-choi-lo-{int(b['id'])}", f"imp_batch_{int(b['id'])}")
            elif b["status"] != "failed":
                st.caption(t("import.page.no_rejections"))

# --- saved mappings ------------------------------------------------------------------------------
with tab_mappings:
    flash = st.session_state.pop(FLASH, None)
    if flash:
        st.success(flash)
    saved = list_mappings(engine)
    if not saved:
        st.info(t("import.page.no_mappings"))
    else:
        mview = pd.DataFrame(
            {
                t("import.page.col.name"): [m["name"] for m in saved],
                t("import.page.col.kind"): [kind_label(m["kind"]) for m in saved],
                t("import.page.col.description"): [m["description"] or "" for m in saved],
                t("import.page.col.created_by"): [m["created_by"] or "" for m in saved],
                t("import.page.col.created_at"): [
                    m["created_at"].strftime("%d/%m/%Y") if isinstance(m["created_at"], dt.datetime) else ""
                    for m in saved
                ],
            }
        )
        msel = st.dataframe(
            mview, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row", key="imp_mappings"
        )
        picked = msel.selection.rows if hasattr(msel, "selection") else []
        if picked:
            m = saved[int(picked[0])]
            st.json(m["spec"], expanded=False)
            st.button(
                t("import.page.delete", name=m["name"]),
                key="imp_delete_mapping",
                icon=":material/delete:",
                on_click=request,
                args=(DELETE_REQUEST,),
            )
            if st.session_state.pop(DELETE_REQUEST, False):
                delete_mapping(engine, m["name"])
                st.session_state[FLASH] = t("import.page.deleted", name=m["name"])
                st.rerun()
        else:
            st.caption(t("import.page.mapping_pick_table"))
    with st.expander(t("import.page.examples")):
        for p in sorted(EXAMPLES.glob("*.json")):
            spec = json.loads(p.read_text(encoding="utf-8"))
            st.markdown(f"`{p.stem}` — {kind_label(spec.get('kind', ''))}: {spec.get('description', '')}")
