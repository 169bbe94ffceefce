"""Models of the escalation domain."""

from escalations.models.case import (
    Case,
    CaseAttachment,
    CaseConflict,
    CaseNote,
    TierStay,
)
from escalations.models.policy import Category, Policy, PolicyHoliday, Tier

__all__ = [
    "Case",
    "CaseAttachment",
    "CaseConflict",
    "CaseNote",
    "Category",
    "Policy",
    "PolicyHoliday",
    "Tier",
    "TierStay",
]
