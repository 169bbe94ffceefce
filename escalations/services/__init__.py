"""Every write to a case: one service per use case."""

from escalations.services.cases import case_add_note, case_assign, case_open, case_update
from escalations.services.errors import CaseConflict, CasePermissionDenied, TransitionRefused
from escalations.services.evidence import case_add_evidence, case_delete, case_remove_evidence
from escalations.services.transitions import (
    TRANSITION_SERVICES,
    case_acknowledge,
    case_close,
    case_escalate,
    case_hold,
    case_reopen,
    case_resolve,
    case_resume,
)

__all__ = [
    "TRANSITION_SERVICES",
    "CaseConflict",
    "CasePermissionDenied",
    "TransitionRefused",
    "case_acknowledge",
    "case_add_evidence",
    "case_add_note",
    "case_assign",
    "case_close",
    "case_delete",
    "case_escalate",
    "case_hold",
    "case_open",
    "case_remove_evidence",
    "case_reopen",
    "case_resolve",
    "case_resume",
    "case_update",
]
