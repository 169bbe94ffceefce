"""Choices of the escalation domain, with labels in one place."""

from django.db import models


class CaseState(models.TextChoices):
    """Where a case is in its life; only transitions change it."""

    OPEN = "open", "Open (awaiting tier owner)"
    IN_PROGRESS = "in_progress", "In progress"
    ON_HOLD = "on_hold", "On hold"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


ACTIVE_STATES = (CaseState.OPEN, CaseState.IN_PROGRESS, CaseState.ON_HOLD)


class ClockKind(models.TextChoices):
    """How a tier's time limit is counted."""

    CALENDAR_HOURS = "calendar_hours", "calendar hours"
    BUSINESS_HOURS = "business_hours", "business hours"
    BUSINESS_DAYS = "business_days", "business days"


class ClockAnchor(models.TextChoices):
    """What a tier's time limit is measured from."""

    CASE_OPENED = "case_opened", "from when the case was opened"
    TIER_ENTERED = "tier_entered", "from when the case entered the tier"


class ClockBasis(models.TextChoices):
    """What a tier stay's clock counts from, stored with the stay (label: as the deadline's
    explanation names it)."""

    OPENING = "opening", "case opening"
    TIER_ENTRY = "tier_entry", "entering the tier"
    IMPORT = "import", "the import"
    REOPEN = "reopen", "reopening"


class Outcome(models.TextChoices):
    """How a case ended, as named by the policies' possible outcomes."""

    ISSUE_RESOLVED = "issue_resolved", "Issue resolved"
    POLICY_ADJUSTMENT = "policy_adjustment", "Policy adjustment"
    CUSTOM_RESOLUTION = "custom_resolution", "Custom resolution"
    TASK_REASSIGNMENT = "task_reassignment", "Task reassignment"
    BINDING_RESOLUTION = "binding_resolution", "Binding resolution"
    CONTRACT_AMENDMENT = "contract_amendment", "Contract amendment"
    COMPLIANCE_REVIEW = "compliance_review", "Compliance review"


class NoteKind(models.TextChoices):
    """Kinds of entries in a case's log."""

    INTERNAL_NOTE = "internal_note", "Internal note"
    STATUS_UPDATE = "status_update", "Status update"
    CUSTOMER_BRIEFING = "customer_briefing", "Customer briefing"


class Transition(models.TextChoices):
    """The state-machine transitions of a case, plus the non-FSM changes history records."""

    OPEN = "open", "Opened"
    ACKNOWLEDGE = "acknowledge", "Acknowledged"
    ESCALATE = "escalate", "Escalated"
    HOLD = "hold", "Put on hold"
    RESUME = "resume", "Resumed"
    RESOLVE = "resolve", "Resolved"
    REOPEN = "reopen", "Reopened"
    CLOSE = "close", "Closed"
    ASSIGN = "assign", "Assigned"
    SLA = "sla", "SLA clock"
    EDIT = "edit", "Edited"
    IMPORT = "import", "Imported"


RISK_CHOICES = [
    (1, "1 – minimal"),
    (2, "2 – low"),
    (3, "3 – moderate"),
    (4, "4 – high"),
    (5, "5 – critical"),
]
FEEDBACK_CHOICES = [(n, str(n)) for n in range(1, 6)]
