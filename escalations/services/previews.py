"""What a transition would do, said before anyone confirms it.

The preview runs the transition's own service in a transaction that is always rolled back, so
what it says (the tier and owner the case goes to, the new deadline, who is told) is what the
service would do, not a second copy of its rules that could drift from them. Nothing of the
trial run remains: its rows are rolled back and its after-commit work (delivery) never runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from escalations.choices import CaseState, Outcome
from escalations.models import Case, Channel, Notification
from escalations.services.errors import CaseConflict, CasePermissionDenied, TransitionRefused
from escalations.timeline import local_time

# What the trial run is given where the form asks the person for it.
TRIAL_ARGUMENTS = {
    "escalate": {"reason": "preview"},
    "hold": {"reason": "preview"},
    "reopen": {"reason": "preview"},
    "resolve": {"resolution_plan": "preview", "outcome": Outcome.ISSUE_RESOLVED},
}


@dataclass(frozen=True)
class TransitionPreview:
    """The case as the transition would leave it, in words; `refusal` if it would be refused."""

    state: str = ""
    tier: str = ""
    deadline: str = ""
    explanation: str = ""
    notified: list[str] = field(default_factory=list)
    refusal: str = ""


class _TrialOver(Exception):
    def __init__(self, preview: TransitionPreview) -> None:
        super().__init__()
        self.preview = preview


def transition_preview(*, case: Case, actor, name: str,
                       now: datetime | None = None) -> TransitionPreview:
    """Return what running transition name on case as actor would do now."""
    from escalations.services.transitions import TRANSITION_SERVICES

    now = now or timezone.now()
    try:
        with transaction.atomic():
            before = set(Notification.objects.filter(case=case).values_list("pk", flat=True))
            updated = TRANSITION_SERVICES[name](
                case=case, actor=actor, now=now, expected_version=case.version,
                **TRIAL_ARGUMENTS.get(name, {}),
            )
            told = Notification.objects.filter(case=case).exclude(pk__in=before)
            raise _TrialOver(_describe(updated, told))
    except _TrialOver as over:
        return over.preview
    except (TransitionRefused, CasePermissionDenied, CaseConflict, ValidationError) as error:
        messages = error.messages if isinstance(error, ValidationError) else [str(error)]
        return TransitionPreview(refusal="; ".join(messages))


def _describe(case: Case, told) -> TransitionPreview:
    tier = case.policy.tier_map.get(case.tier)
    tier_text = (f"{tier.level}. {tier.name} (owner: {tier.owner_role})" if tier
                 else str(case.tier))
    if case.state == CaseState.ON_HOLD:
        deadline = "Clock stopped while on hold; resuming moves the deadline by the time paused."
    elif case.due_at is None:
        deadline = "No deadline: the clock stops."
    else:
        deadline = local_time(case.due_at)
    notified = []
    for label, channel in told.order_by("pk").values_list("recipient_label", "channel"):
        text = f"{label} ({Channel(channel).label})"
        if text not in notified:
            notified.append(text)
    return TransitionPreview(
        state=CaseState(case.state).label, tier=tier_text, deadline=deadline,
        explanation=case.due_explanation if case.due_at else "", notified=notified,
    )
