"""Import of real tables (CSV, Excel, JSON): read, check row by row, load in one
transaction with the batch record, refresh rollups and warnings.

The page and the command line both call :func:`import_file`; the page previews with
:func:`read_table` and builds mappings with :mod:`thuocdo.ingest.mapping`.
"""

from thuocdo.ingest.errors import ImportFailed
from thuocdo.ingest.mapping import KINDS, Mapping, delete_mapping, list_mappings, load_mapping, save_mapping
from thuocdo.ingest.normalise import normalise_name
from thuocdo.ingest.pipeline import ImportResult, Rejection, import_file
from thuocdo.ingest.readers import RawTable, read_table
from thuocdo.ingest.rejections import batch_rejections, recent_batches, rejections_file

__all__ = [
    "KINDS",
    "ImportFailed",
    "ImportResult",
    "Mapping",
    "RawTable",
    "Rejection",
    "batch_rejections",
    "delete_mapping",
    "import_file",
    "list_mappings",
    "load_mapping",
    "normalise_name",
    "read_table",
    "recent_batches",
    "rejections_file",
    "save_mapping",
]
