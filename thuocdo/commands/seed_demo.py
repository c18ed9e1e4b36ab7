"""``seed-demo``: fill the database with deterministic demo data and its ground truth."""

from __future__ import annotations

import sys

from thuocdo.cli import emit
from thuocdo.demo import PUBLIC_SCALES, SCALES, SeedRefused, seed
from thuocdo.i18n import fmt_number, t
from thuocdo.store.engine import database_url, make_engine


def register(sub) -> None:
    p = sub.add_parser(
        "seed-demo",
        help="nạp dữ liệu trình diễn (Hà Nội) / load demo data (Hà Nội)",
        description=t("demo.cli.description"),
    )
    p.add_argument(
        "--scale",
        choices=[*PUBLIC_SCALES, *(s for s in SCALES if s not in PUBLIC_SCALES)],
        default="small",
        help="small (~16 đơn vị, 600 cán bộ, 150.000 lượt) | district (40, 6.000, 1,5 triệu) | city (170, 60.000, 20 triệu)",
    )
    p.add_argument("--seed", type=int, default=42, help="hạt giống ngẫu nhiên / random seed (default 42)")
    p.add_argument(
        "--ratings",
        type=int,
        default=None,
        help="số lượt đánh giá thay cho mặc định của quy mô / ratings count override",
    )
    p.add_argument("--force", action="store_true", help="xóa dữ liệu hiện có rồi nạp lại / empty the data tables first")
    p.add_argument(
        "--if-empty", action="store_true", help="chỉ nạp khi CSDL chưa có đơn vị nào / only when no unit exists"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args) -> int:
    engine = make_engine(database_url())
    safe_url = engine.url.render_as_string(hide_password=True)
    # Progress goes to stderr (stdout keeps exactly one JSON object with --json).
    verbose = args.scale in ("district", "city")
    try:
        result = seed(
            engine,
            scale=args.scale,
            seed=args.seed,
            force=args.force,
            ratings=args.ratings,
            log=(lambda msg: print(msg, file=sys.stderr, flush=True)) if verbose else None,
        )
    except SeedRefused as exc:
        if args.if_empty:
            emit(
                args,
                {"database": safe_url, "seeded": False, "units": exc.units},
                t("demo.cli.skipped", units=exc.units),
            )
            return 0
        payload = {"database": safe_url, "seeded": False, "error": exc.key, "units": exc.units}
        emit(args, payload, t(exc.key, units=exc.units))
        return 2
    finally:
        engine.dispose()
    payload = {"database": safe_url, "seeded": True, **result}
    human = t(
        "demo.cli.done",
        scale=result["scale"],
        seed=result["seed"],
        units=fmt_number(result["counts"]["units"]),
        officials=fmt_number(result["counts"]["officials"]),
        ratings=fmt_number(result["counts"]["ratings"]),
        seconds=fmt_number(result["seconds"], decimals=1),
    )
    if result.get("truth_file"):
        human += "\n" + t("demo.cli.truth_file", path=result["truth_file"])
    emit(args, payload, human)
    return 0
