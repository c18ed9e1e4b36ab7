"""Early warning: ten rules over the database, versioned configuration, idempotent
scans and the inspection workflow. No Streamlit here.

Public API: :func:`~thuocdo.domain.warnings.scan.full_scan`,
:func:`~thuocdo.domain.warnings.scan.rescan`,
:func:`~thuocdo.domain.warnings.workflow.transition`,
:func:`~thuocdo.domain.warnings.config.load_config`,
:func:`~thuocdo.domain.warnings.config.save_config`.
"""

from thuocdo.domain.warnings.config import default_config, load_config, save_config
from thuocdo.domain.warnings.model import OPEN_STATUSES, RULE_CODES, STATUSES, SUBJECT_OF_RULE
from thuocdo.domain.warnings.scan import full_scan, rescan
from thuocdo.domain.warnings.workflow import ACTIONS, NotAllowed, WorkflowError, allowed_actions, transition

__all__ = [
    "ACTIONS",
    "OPEN_STATUSES",
    "RULE_CODES",
    "STATUSES",
    "SUBJECT_OF_RULE",
    "NotAllowed",
    "WorkflowError",
    "allowed_actions",
    "default_config",
    "full_scan",
    "load_config",
    "rescan",
    "save_config",
    "transition",
]
