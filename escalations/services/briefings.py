"""Customer briefings: staff email the customer an update, logged on the case's timeline."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from escalations.choices import CaseState, NoteKind
from escalations.models import Case, Channel, NotificationEvent
from escalations.notifications.outbox import outbox_enqueue_message
from escalations.notifications.rendering import (
    case_context,
    local_text,
    render,
    template_for,
)
from escalations.permissions import can_see_case
from escalations.services.cases import case_add_note
from escalations.services.errors import CasePermissionDenied


def _hold_reason(case: Case) -> str:
    """Return why the case is on hold, if its running hold recorded a reason."""
    if case.state != CaseState.ON_HOLD:
        return ""
    hold = case.holds.filter(ended_at__isnull=True).order_by("-started_at").first()
    return hold.reason.strip().rstrip(".") if hold else ""


def briefing_draft(*, case: Case, actor) -> tuple[str, str]:
    """Return the subject and body of a briefing from the template, for staff to edit.

    The template words the draft for the case's state: the expected resolution time while it
    is handled, the pause and its reason while on hold, the outcome once resolved or closed.
    """
    context = case_context(case)
    context.update(sender=str(actor), headline="", mentions="",
                   hold_reason=_hold_reason(case), resolved_on=local_text(case, case.resolved_at))
    rendered = render(template_for(NotificationEvent.CUSTOMER_BRIEFING), context)
    return rendered.subject, rendered.text


@transaction.atomic
def case_brief_customer(*, case: Case, actor, subject: str, body: str,
                        now: datetime | None = None):
    """Queue the briefing email to the customer and log it on the case."""
    if not can_see_case(actor, case) or not actor.has_perm("escalations.add_casenote"):
        raise CasePermissionDenied(f"{actor} may not brief the customer of {case.ticket_id}.")
    if not case.customer_email:
        raise ValidationError(f"Case {case.ticket_id} has no customer email to brief.")
    if not subject.strip() or not body.strip():
        raise ValidationError("A briefing needs a subject and a message.")
    now = now or timezone.now()
    notification = outbox_enqueue_message(
        event=NotificationEvent.CUSTOMER_BRIEFING, channel=Channel.EMAIL,
        recipient=case.customer_email, subject=subject, body_text=body, case=case,
        label=f"{case.customer_name} <{case.customer_email}>", now=now,
    )
    case_add_note(case=case, actor=actor, kind=NoteKind.CUSTOMER_BRIEFING, now=now,
                  body=f"Emailed the customer: {subject}\n\n{body}")
    return notification
