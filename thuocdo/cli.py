"""``python -m thuocdo <command>``: the command line.

Each command lives in its own module under :mod:`thuocdo.commands` and exposes
``register(subparsers)``; commands that report accept ``--json`` and then print exactly
one JSON object on standard output.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys

import thuocdo.commands


def _module_names(command: str | None) -> list[str]:
    """The command modules to load: only the one named on the command line when it
    exists (importing every command costs seconds: exports pull in charting), else all."""
    names = sorted(i.name for i in pkgutil.iter_modules(thuocdo.commands.__path__))
    if command:
        wanted = command.replace("-", "_")
        for candidate in (wanted, wanted + "_"):
            if candidate in names:
                return [candidate]
    return names


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m thuocdo",
        description="Thước Đo — đánh giá cán bộ bằng dữ liệu / evaluating officials by data",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in _module_names(command):
        module = importlib.import_module(f"thuocdo.commands.{name}")
        if hasattr(module, "register"):
            module.register(sub)
    return parser


def emit(args: argparse.Namespace, payload: dict, human: str | None = None) -> None:
    """Print ``payload`` as one JSON object with --json, else the human text."""
    if getattr(args, "json", False):
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, default=str) + "\n")
    else:
        sys.stdout.write(
            (human if human is not None else json.dumps(payload, ensure_ascii=False, indent=2, default=str)) + "\n"
        )
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    first = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(first)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
