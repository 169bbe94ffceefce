"""Models of the escalation domain."""

from escalations.models.case import (
    Case,
    CaseAttachment,
    CaseEvent,
    CaseNote,
    HoldPeriod,
    JobLease,
    JobRun,
    TierStay,
)
from escalations.models.notification import (
    Channel,
    Notification,
    NotificationEvent,
    NotificationStatus,
    NotificationTemplate,
)
from escalations.models.policy import (
    Category,
    Policy,
    PolicyHoliday,
    RiskAdjustment,
    Tier,
    WorkingHours,
)

__all__ = [
    "Case",
    "CaseAttachment",
    "CaseEvent",
    "CaseNote",
    "Channel",
    "Notification",
    "NotificationEvent",
    "NotificationStatus",
    "NotificationTemplate",
    "HoldPeriod",
    "JobLease",
    "JobRun",
    "Category",
    "Policy",
    "PolicyHoliday",
    "RiskAdjustment",
    "Tier",
    "WorkingHours",
    "TierStay",
]
