"""Import of real tables (CSV, Excel, JSON): read, check row by row, load in one
transaction with the batch record, refresh rollups and warnings.

The page and the command line both call :func:`import_file`; the page previews with
:func:`read_table` and builds mappings with :mod:`thuocdo.ingest.mapping`. Names are
loaded on first use, so that ``python -m thuocdo`` starts without pandas.
"""

from __future__ import annotations

import importlib

from thuocdo.ingest.names import KINDS

_EXPORTS = {
    "ImportFailed": "thuocdo.ingest.errors",
    "Mapping": "thuocdo.ingest.mapping",
    "delete_mapping": "thuocdo.ingest.mapping",
    "list_mappings": "thuocdo.ingest.mapping",
    "load_mapping": "thuocdo.ingest.mapping",
    "save_mapping": "thuocdo.ingest.mapping",
    "normalise_name": "thuocdo.ingest.normalise",
    "ImportResult": "thuocdo.ingest.pipeline",
    "Rejection": "thuocdo.ingest.pipeline",
    "import_file": "thuocdo.ingest.pipeline",
    "RawTable": "thuocdo.ingest.readers",
    "read_table": "thuocdo.ingest.readers",
    "batch_rejections": "thuocdo.ingest.rejections",
    "recent_batches": "thuocdo.ingest.rejections",
    "rejections_file": "thuocdo.ingest.rejections",
}

__all__ = ["KINDS", *sorted(_EXPORTS)]


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'thuocdo.ingest' has no attribute {name!r}")
