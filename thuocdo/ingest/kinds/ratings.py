"""Citizen satisfaction ratings, checked and loaded column-wise (a city sends millions).

Identity of a rating: ``ratings.row_hash``, a stable 63-bit hash of the normalised row:
BLAKE2b-64 (top bit dropped) of the UTF-8 text ``seconds|unit id|official id (0 =
none)|service|channel|device|score|scale|source rating id`` — seconds since 1970 of the
wall-clock time of the rating, the ids of this database, the source's own id when the
file has one. A row already in the
database is "already present"; the same rating twice in one file is refused as a
duplicate (it could not be told apart on a re-import). Ratings are facts, never
updated: a row that differs in any field is a different rating.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import insert, select

from thuocdo.ingest.kinds.base import (
    LOADED,
    OFFICIAL_CODE,
    PRESENT,
    REFUSED,
    UNIT_CODE,
    UNIT_NAME,
    Field,
    Kind,
    Outcome,
    Prepared,
    PrepOptions,
    Problem,
    canonical_frame,
    chunks,
)
from thuocdo.ingest.normalise import fold, normalise_code
from thuocdo.ingest.rollup_frame import had_ratings, write_fresh
from thuocdo.ingest.units import UNKNOWN_KEYS, CreateSpec, UnitIndex
from thuocdo.ingest.values import datetimes, numbers
from thuocdo.store.engine import is_sqlite
from thuocdo.store.schema import devices, officials, ratings

CHANNELS = {
    "kiosk": "kiosk",
    "ki ot": "kiosk",
    "kios": "kiosk",
    "may kiosk": "kiosk",
    "may danh gia": "kiosk",
    "tablet": "tablet",
    "may tinh bang": "tablet",
    "ipad": "tablet",
    "online": "online",
    "truc tuyen": "online",
    "web": "online",
    "cong dich vu cong": "online",
    "dich vu cong": "online",
    "dvc": "online",
    "app": "online",
    "ung dung": "online",
    "sms": "sms",
    "tin nhan": "sms",
    "nhan tin": "sms",
}
# Words of the satisfaction levels, counted from the top of the scale (0 = best).
LEVEL_FROM_TOP = {
    "rat hai long": 0,
    "very satisfied": 0,
    "hai long": 1,
    "satisfied": 1,
    "binh thuong": 2,
    "neutral": 2,
    "normal": 2,
}
LEVEL_BOTTOM = {"rat khong hai long": 1, "very dissatisfied": 1}
DISSATISFIED = {"khong hai long", "dissatisfied", "unsatisfied", "chua hai long"}
MAX_TEXT = 64


class RatingsKind(Kind):
    name = "ratings"
    fields = (
        Field(
            "rated_at",
            (
                "thoi_gian",
                "thoi_diem",
                "ngay_gio",
                "ngay_danh_gia",
                "time",
                "timestamp",
                "datetime",
                "created_at",
                "ngay",
                "date",
                "thoi_gian_danh_gia",
            ),
        ),
        Field("unit_code", UNIT_CODE),
        Field("unit_name", UNIT_NAME),
        Field("official_code", OFFICIAL_CODE),
        Field(
            "service_code",
            ("ma_dich_vu", "ma_thu_tuc", "dich_vu", "service", "thu_tuc", "ma_tthc", "thu_tuc_hanh_chinh"),
        ),
        Field("channel", ("kenh", "nguon", "source", "kenh_danh_gia", "hinh_thuc")),
        Field("device_id", ("ma_thiet_bi", "thiet_bi", "device", "may", "device_code")),
        Field(
            "score",
            ("diem", "muc_do", "muc_do_hai_long", "danh_gia", "rating", "muc_hai_long", "ket_qua", "muc_danh_gia"),
        ),
        Field("scale", ("thang_diem", "so_muc", "thang_do")),
        Field("rating_id", ("ma_danh_gia", "id", "source_id", "ma_phieu", "so_phieu")),
    )
    required = (("rated_at",), ("unit_code", "unit_name"), ("channel",), ("score",))

    def prepare(self, table, mapping, opts: PrepOptions) -> Prepared:
        colmap, ignored = self.columns(table, mapping)
        self.check_columns(colmap, table, mapping, opts.period)
        f = canonical_frame(table.frame, colmap, self.fields, mapping.constants if mapping else None)
        n = len(f)
        checks: list[tuple[np.ndarray, str, str]] = []  # (mask, reason key, field)

        def blank(col):
            return f[col].str.strip().eq("").to_numpy()

        rated_at = datetimes(f["rated_at"])
        bad_time = rated_at.isna().to_numpy()
        checks.append((bad_time & blank("rated_at"), "import.reason.required", "rated_at"))
        checks.append((bad_time & ~blank("rated_at"), "import.value.not_date", "rated_at"))
        limit = pd.Timestamp(opts.now + dt.timedelta(days=1))
        checks.append(((rated_at > limit).fillna(False).to_numpy(), "import.reason.future_time", "rated_at"))

        unit_missing = blank("unit_code") & blank("unit_name")
        checks.append((unit_missing, "import.reason.unit_required", "unit_code"))

        ch_raw = f["channel"].str.strip()
        channel = pd.Series(map_unique(ch_raw, _channel), index=f.index, dtype=object)
        checks.append((blank("channel"), "import.reason.required", "channel"))
        checks.append((channel.isna().to_numpy() & ~blank("channel"), "import.reason.channel", "channel"))

        score_txt = f["score"].str.strip()
        score = numbers(score_txt)
        for col in ("service_code", "device_id", "rating_id", "official_code"):
            checks.append((f[col].str.len().gt(MAX_TEXT).fillna(False).to_numpy(), "import.value.too_long_field", col))
        scale = numbers(f["scale"], integer=True)
        bad_scale = (~scale.isin([4, 5]) & f["scale"].str.strip().ne("")).to_numpy()
        checks.append((bad_scale, "import.reason.scale", "scale"))

        extra = {
            "rated_at": rated_at,
            "channel": channel,
            "score": score,
            "score_txt": score_txt,
            "scale": scale,
            "checks": checks,
            "n": n,
        }
        return Prepared(f, colmap, ignored, [], [], extra)

    def load(self, ctx, prepared: Prepared) -> Outcome:
        f, x = prepared.frame, prepared.extra
        n = x["n"]
        out = Outcome.empty(n)
        checks = list(x["checks"])

        # Scale and score: text levels ("Hài lòng") become numbers on the row's scale.
        scale = x["scale"].fillna(ctx.scale).astype("int64")
        score = x["score"].copy()
        words = score.isna() & x["score_txt"].ne("")
        if words.any():
            score.loc[words] = [_level(t, s) for t, s in zip(x["score_txt"][words], scale[words], strict=True)]
        score_blank = x["score_txt"].eq("").to_numpy()
        checks.append((score_blank, "import.reason.required", "score"))
        not_num = score.isna().to_numpy() & ~score_blank
        checks.append((not_num, "import.reason.score_text", "score"))
        s = score.to_numpy()
        with np.errstate(invalid="ignore"):
            bad_range = ~np.isnan(s) & ((s != np.floor(s)) | (s < 1) | (s > scale.to_numpy()))
        checks.append((bad_range, "import.reason.score_range", "score"))

        ctx.watch.lap("ratings.scores")
        # Units: match each distinct (code, name) once.
        index = UnitIndex(ctx.conn, ctx.scope_path)
        create = CreateSpec.from_spec(ctx.mapping.create_units if ctx.mapping else None)
        parent, parent_problem = index.ensure(create.parent, True) if ctx.create_units else (None, None)
        ucode, uname = f["unit_code"].str.strip(), f["unit_name"].str.strip()
        keys = ucode + "\x1f" + uname
        codes, uniques = pd.factorize(keys)
        unit_ids = np.full(len(uniques), -1, dtype=np.int64)
        unit_probs: dict[int, Problem] = {}
        for k, key in enumerate(uniques):
            code, name = key.split("\x1f", 1)
            if not code and not name:
                continue
            rec, prob = index.match(code or None, name or None, ctx.match)
            if rec is None and ctx.create_units and prob is not None and prob.key in UNKNOWN_KEYS:
                if parent_problem is None:
                    nm = name or code
                    rec = index.create(code or None, nm, create.kind_for(nm), parent, create.sector)
                    prob = None
                else:
                    prob = parent_problem
            if rec is not None:
                unit_ids[k] = rec.id
            elif prob is not None:
                unit_probs[k] = prob
        out.created_units = [{"code": u.code, "name": u.name, "kind": u.kind} for u in index.created]
        unit_id = np.where(codes >= 0, unit_ids[np.maximum(codes, 0)], -1)
        unit_bad = (unit_id < 0) & ~(ucode.eq("") & uname.eq("")).to_numpy()

        ctx.watch.lap("ratings.units")
        # Officials by code: -1 unknown, -2 none given.
        ocode = f["official_code"].str.strip()
        o_codes, o_uniq = pd.factorize(ocode)
        found = _officials(ctx.conn, [c for c in o_uniq if c])
        o_map = np.array([found.get(normalise_code(c), -1) if c else -2 for c in o_uniq] + [-2], dtype=np.int64)
        oid = o_map[o_codes]
        official_id = pd.Series(oid, index=f.index, dtype="Int64").where(oid >= 0)
        off_bad = oid == -1
        checks.append((off_bad, "import.reason.official_unknown", "official_code"))

        bad = np.zeros(n, dtype=bool)
        for mask, _key, _field in checks:
            bad |= mask
        bad |= unit_bad

        ctx.watch.lap("ratings.officials")
        # Identity hash over the normalised row, and duplicates inside the file.
        rated = x["rated_at"]
        rated_s = rated.to_numpy(dtype="datetime64[s]")
        channel = x["channel"].fillna("")
        score_i = pd.Series(np.where(np.isnan(s), 0, s).astype("int64"), index=f.index)
        service = f["service_code"].str.strip()
        device = f["device_id"].str.strip()
        hashes = hash63_many(
            _join_text(
                [
                    rated_s.astype("int64"),  # seconds since 1970 of the wall-clock time
                    unit_id,
                    np.maximum(oid, 0),  # 0 = no official
                    service,
                    channel.astype("str"),
                    device,
                    score_i.to_numpy(),
                    scale.to_numpy(),
                    f["rating_id"].str.strip(),
                ]
            )
        )
        ok = ~bad
        dup = np.zeros(n, dtype=bool)
        first_of: dict = {}
        if ok.any():
            hs = pd.Series(hashes[ok])
            d = hs.duplicated(keep="first").to_numpy()
            if d.any():  # rare: find each duplicate's first row only then
                pos = np.flatnonzero(ok)
                dup[pos[d]] = True
                first_pos = pd.Series(pos).groupby(hs.to_numpy()).transform("first").to_numpy()
                first_of = dict(zip(pos[d], first_pos[d], strict=True))
        ok &= ~dup

        months = pd.Series(
            np.where(bad, 0, rated.dt.year.fillna(0).astype("int64") * 100 + rated.dt.month.fillna(0).astype("int64")),
            index=f.index,
        )
        present = np.zeros(n, dtype=bool)
        fresh = True
        if ok.any():
            pairs = pd.DataFrame({"u": unit_id[ok], "m": months.to_numpy()[ok]}).drop_duplicates()
            u_list, m_list = sorted(set(pairs["u"].tolist())), sorted(set(pairs["m"].tolist()))
            # One index probe: unit-months without ratings need no hash lookup and get
            # their rollups computed from the new rows.
            fresh = not had_ratings(ctx.conn, u_list, m_list)
            if not fresh:
                existing = _existing_hashes(ctx.conn, u_list, m_list)
                if len(existing):
                    present = ok & np.isin(hashes, existing)
        new = ok & ~present

        ctx.watch.lap("ratings.hash")
        # Status and reasons.
        out.status[:] = REFUSED
        out.status[present] = PRESENT
        out.status[new] = LOADED
        refused_pos = np.flatnonzero(~ok & ~present)
        if len(refused_pos):
            raw = {c: f[c].to_numpy(dtype=object) for c in f.columns}
            for i in refused_pos:
                probs = []
                for mask, key, fld in checks:
                    if mask[i]:
                        probs.append(
                            Problem(
                                key,
                                {
                                    "field": fld,
                                    "value": str(raw.get(fld, [""] * n)[i])[:60],
                                    "scale": int(scale.iloc[i]),
                                },
                            )
                        )
                if unit_bad[i]:
                    probs.append(unit_probs.get(int(codes[i]), Problem("import.reason.unit_required")))
                if dup[i]:
                    probs.append(
                        Problem("import.reason.duplicate_in_file", {"row": int(prepared.row_numbers[first_of[i]])})
                    )
                out.problems[int(i)] = probs or [Problem("import.reason.unknown")]

        ctx.watch.lap("ratings.status")
        if new.any():
            every = bool(new.all())  # the usual case: no copy of each column through the mask

            def pick(v):
                return v if every else v[new]

            # Timestamp → "2025-10-01 08:05:12" is a cast in Arrow (strftime is 10x slower).
            stamps = pc.binary_join_element_wise(
                pc.cast(pa.array(pick(rated_s)), pa.string()), pa.scalar(".000000"), pa.scalar("")
            )
            rows = pd.DataFrame(
                {
                    # The text SQLAlchemy's DateTime writes on SQLite ("2025-10-01 08:05:12.000000").
                    "rated_at": pd.Series(_arrow_str(stamps), index=pick(f.index)),
                    "month": pick(months).astype("int64"),
                    "unit_id": pick(unit_id),
                    "official_id": pick(official_id).astype("Int64"),
                    "service_code": pd.Series(_blank_to_null(pick(service)), index=pick(f.index)),
                    "channel": pick(channel),
                    "device_id": pd.Series(_blank_to_null(pick(device)), index=pick(f.index)),
                    "score": pick(score_i),
                    "scale": pick(scale),
                    "row_hash": pick(hashes),
                    "batch_id": ctx.batch_id,
                }
            )
            ctx.watch.lap("ratings.frame")
            _insert_ratings(ctx.conn, rows, ctx.watch)
            _register_devices(ctx.conn, rows)
            pairs = rows[["unit_id", "month"]].drop_duplicates()
            out.affected = {(int(u), int(m)) for u, m in pairs.itertuples(index=False)}
            ctx.watch.lap("ratings.insert")
            done, neighbours = write_fresh(ctx.conn, rows.assign(rated_at=rated[new].to_numpy()), ctx.batch_id, fresh)
            ctx.watch.lap("ratings.rollups")
            if done:
                out.extra["rollups"] = "frame"
            else:
                months_new = {m for _, m in out.affected}
                out.affected |= {(u, m) for u in neighbours for m in months_new}
                out.rollups = ("ratings",)
                out.extra["rollups"] = "sql"
        return out


def _channel(text: str) -> str | None:
    if not text:
        return None
    return CHANNELS.get(fold(text))


def _level(text: str, scale: int) -> float:
    f = fold(text)
    if f in LEVEL_FROM_TOP:
        return float(scale - LEVEL_FROM_TOP[f])
    if f in LEVEL_BOTTOM:
        return float(LEVEL_BOTTOM[f])
    if f in DISSATISFIED:
        return float(scale - 3)
    return np.nan


def _hash63(text: str) -> int:
    """Stable 63-bit identity of a normalised row: BLAKE2b-64, top bit dropped (fits BIGINT)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big") >> 1


def hash63_many(texts: list) -> np.ndarray:
    """:func:`_hash63` of many rows (text or UTF-8 bytes; the digests joined and read as
    one big-endian array)."""
    if not texts:
        return np.zeros(0, dtype=np.int64)
    b2b = hashlib.blake2b
    if isinstance(texts[0], str):
        texts = [t.encode("utf-8") for t in texts]
    raw = b"".join([b2b(t, digest_size=8).digest() for t in texts])
    return (np.frombuffer(raw, dtype=">u8") >> np.uint64(1)).astype(np.int64)


def _arrow_str(arr) -> pd.api.extensions.ExtensionArray:
    """A pyarrow string array as pandas' ``str`` array, without going through Python objects."""
    chunked = arr if isinstance(arr, pa.ChunkedArray) else pa.chunked_array([arr])
    return chunked.to_pandas(
        types_mapper={
            pa.string(): pd.StringDtype("pyarrow", na_value=np.nan),
            pa.large_string(): pd.StringDtype("pyarrow", na_value=np.nan),
        }.get
    ).array


def _blank_to_null(values: pd.Series):
    """Empty text as missing (NULL in the database), in one Arrow pass."""
    a = _arrow(values)
    return _arrow_str(pc.if_else(pc.equal(a, ""), pa.scalar(None, a.type), a))


def _arrow(values: pd.Series):
    """The Arrow array under a pandas text Series (no copy when it is already Arrow-backed)."""
    if values.dtype != "str":
        values = values.astype("str")
    a = pa.array(values.array)
    return a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a


def _join_text(parts: list) -> list[str]:
    """Row-wise ``"|".join`` of text Series and integer arrays, in one Arrow kernel."""
    arrays = []
    for p in parts:
        if isinstance(p, pd.Series):
            a = _arrow(p.fillna("") if p.hasnans else p)
        else:
            a = pa.array(np.asarray(p))  # integers, cast to text in C
        if isinstance(a, pa.ChunkedArray):
            a = a.combine_chunks()
        arrays.append(pc.cast(a, pa.large_string()))
    joined = pc.binary_join_element_wise(*arrays, pa.scalar("|", pa.large_string()))
    # As UTF-8 bytes straight from Arrow's buffer: no str objects, no encode per row.
    return pc.cast(joined, pa.large_binary()).to_pylist()


def map_unique(series: pd.Series, fn) -> np.ndarray:
    """``fn`` applied once per distinct value, spread back over the rows (object array)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    values = np.empty(len(uniques) + 1, dtype=object)
    for i, u in enumerate(uniques):
        values[i] = fn(u)
    values[-1] = fn("")
    return values[codes]


def _officials(conn, codes: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    if not codes:
        return out
    wanted = {normalise_code(c) for c in codes}
    variants = sorted({c.strip() for c in codes} | wanted)
    for part in chunks(variants, 2000):
        for oid, code in conn.execute(select(officials.c.id, officials.c.code).where(officials.c.code.in_(part))):
            out[normalise_code(code)] = oid
    missing = wanted - set(out)
    if missing:
        # Codes that differ only in case or spacing: compare normalised, in Python.
        for oid, code in conn.execute(select(officials.c.id, officials.c.code)):
            nc = normalise_code(code)
            if nc in missing:
                out[nc] = oid
    return out


def _existing_hashes(conn, unit_ids: list[int], months: list[int]) -> np.ndarray:
    """Hashes already stored for these units and months (a duplicate of a row has the same
    unit and month, so only these can collide)."""
    found = []
    for part in chunks(unit_ids, 1000):
        res = conn.execute(
            select(ratings.c.row_hash).where(
                ratings.c.unit_id.in_(part), ratings.c.month.in_(months), ratings.c.row_hash.is_not(None)
            )
        )
        found.extend(r[0] for r in res)
    return np.asarray(found, dtype=np.int64)


RATING_COLUMNS = (
    "rated_at",
    "month",
    "unit_id",
    "official_id",
    "service_code",
    "channel",
    "device_id",
    "score",
    "scale",
    "row_hash",
    "batch_id",
)


def _insert_ratings(conn, rows: pd.DataFrame, watch=None) -> None:
    if is_sqlite(conn.engine):
        _insert_sqlite(conn, rows, watch)
    else:
        _copy_postgres(conn, rows)


def _insert_sqlite(conn, rows: pd.DataFrame, watch=None) -> None:
    # The statement is compiled by SQLAlchemy (positional "?" for the sqlite3 driver);
    # plain tuples to executemany are ~3x faster than dictionaries through Core.
    stmt = insert(ratings).compile(dialect=conn.dialect, column_keys=list(RATING_COLUMNS))
    order = [c for c in stmt.positiontup]
    big = _drop_indexes_if_large(conn, len(rows))
    cols = [_py_list(rows[c]) for c in order]
    tuples = list(zip(*cols, strict=True))
    if watch:
        watch.lap("ratings.tuples")
    conn.exec_driver_sql(str(stmt), tuples)
    if watch:
        watch.lap("ratings.executemany")
    if big:
        # SQLite's sorter may use a helper thread per core for CREATE INDEX.
        conn.exec_driver_sql("PRAGMA threads=2")
    for ix in big:
        ix.create(conn)
    if watch and big:
        watch.lap("ratings.indexes")


def _py_list(col: pd.Series) -> list:
    """Python values for the sqlite3 driver (it does not take numpy scalars), None for NA."""
    if col.dtype.kind in "iuf" and not isinstance(col.dtype, pd.api.extensions.ExtensionDtype) and not col.isna().any():
        return col.to_numpy().tolist()
    if col.dtype == "str" or isinstance(col.dtype, pd.api.extensions.ExtensionDtype):
        return pa.array(col.array).to_pylist()  # Arrow nulls become None, in C
    obj = col.astype(object)
    return obj.where(col.notna(), None).tolist()


def _drop_indexes_if_large(conn, n_new: int) -> list:
    """When the import is larger than the table, building the indexes once afterwards is
    several times faster than updating them row by row (same transaction, so atomic)."""
    existing = conn.execute(select(ratings.c.id).order_by(ratings.c.id.desc()).limit(1)).scalar() or 0
    if n_new < 100_000 or n_new < existing:
        return []
    dropped = []
    for ix in sorted(ratings.indexes, key=lambda i: i.name):
        ix.drop(conn)
        dropped.append(ix)
    return dropped


def _copy_postgres(conn, rows: pd.DataFrame) -> None:
    buf = io.StringIO()
    out = rows[list(RATING_COLUMNS)]
    out.to_csv(buf, index=False, header=False, na_rep="")
    buf.seek(0)
    dbapi = conn.connection.dbapi_connection
    # Static statement (no input in it); COPY is ~10x faster than INSERT on PostgreSQL.
    sql = "COPY ratings (rated_at, month, unit_id, official_id, service_code, channel, device_id, score, scale, row_hash, batch_id) FROM STDIN WITH (FORMAT csv)"
    with dbapi.cursor() as cur, cur.copy(sql) as copy:
        while chunk := buf.read(1 << 20):
            copy.write(chunk)


def _register_devices(conn, rows: pd.DataFrame) -> None:
    dev = rows.loc[rows["device_id"].notna(), ["device_id", "unit_id", "channel"]].drop_duplicates("device_id")
    if dev.empty:
        return
    known = set()
    for part in chunks(dev["device_id"].tolist(), 2000):
        known.update(r[0] for r in conn.execute(select(devices.c.code).where(devices.c.code.in_(part))))
    new = dev[~dev["device_id"].isin(known)]
    if len(new):
        conn.execute(
            insert(devices),
            [{"code": d, "unit_id": int(u), "channel": c} for d, u, c in new.itertuples(index=False)],
        )
