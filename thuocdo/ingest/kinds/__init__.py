"""The kinds of import: units, officials, evaluations, ratings, kpi, okr."""

from thuocdo.ingest.kinds.evaluations import EvaluationsKind
from thuocdo.ingest.kinds.kpi import KpiKind
from thuocdo.ingest.kinds.officials import OfficialsKind
from thuocdo.ingest.kinds.okr import OkrKind
from thuocdo.ingest.kinds.ratings import RatingsKind
from thuocdo.ingest.kinds.units import UnitsKind

HANDLERS = {
    "units": UnitsKind,
    "officials": OfficialsKind,
    "evaluations": EvaluationsKind,
    "ratings": RatingsKind,
    "kpi": KpiKind,
    "okr": OkrKind,
}
