"""The deterministic demo-data generator: Hà Nội's units, officials, evaluations, OKRs,
KPIs and citizen ratings, with planted early-warning patterns and their ground truth.

``seed(engine, scale="small", seed=42, force=False)`` fills a database; the same scale
and seed give the same rows (explicit ids) on SQLite and PostgreSQL.
"""

from thuocdo.demo.scales import AS_OF, END_MONTH, PUBLIC_SCALES, SCALES
from thuocdo.demo.seed import SeedRefused, generate, seed, seed_with_data, truth_path

__all__ = [
    "AS_OF",
    "END_MONTH",
    "PUBLIC_SCALES",
    "SCALES",
    "SeedRefused",
    "generate",
    "seed",
    "seed_with_data",
    "truth_path",
]
