"""Delivering the outbox: claim, render, send, record; back off and retry; never send twice.

Guarantee: a record is claimed by one worker at a time (a conditional UPDATE from `queued` to
`sending`), and a record marked `sent` is never sent again. If a worker dies after sending but
before recording, the claim expires and the record is marked `failed` with "outcome unknown"
instead of being resent automatically (at most once); staff can retry it from the admin. Every
email carries a stable Message-ID and every webhook call an Idempotency-Key per record, so a
manual retry can be recognised as the same message by the receiving side.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from escalations.models import Channel, Notification, NotificationStatus
from escalations.notifications.channels import (
    PermanentDeliveryError,
    TransientDeliveryError,
    send,
)
from escalations.notifications.rendering import case_context, render, template_for

UNKNOWN_OUTCOME = (
    "The worker stopped while sending; the message may or may not have gone out. It is not "
    "resent automatically (to avoid a duplicate): use Retry if it did not arrive."
)


def backoff(attempts: int) -> timedelta:
    """Return the wait before the next attempt after `attempts` failed ones (exponential)."""
    base = settings.NOTIFICATION_BACKOFF_SECONDS
    return timedelta(seconds=min(base * 4 ** max(attempts - 1, 0), 6 * 3600))


def expire_stale_claims(now: datetime) -> int:
    """Mark records whose sender died mid-send as failed with an unknown outcome."""
    return Notification.objects.filter(
        status=NotificationStatus.SENDING, claimed_until__lt=now
    ).update(status=NotificationStatus.FAILED, last_error=UNKNOWN_OUTCOME, claimed_by="")


def _render(notification: Notification) -> None:
    if notification.rendered:
        return
    case = notification.case
    event = notification.case_event
    summary = notification.event in ("resolved", "closed")
    context = case_context(case, event=event, summary=summary)
    context.update(headline=event.get_kind_display() if event else notification.event,
                   mentions=notification.recipient_label if notification.channel == Channel.CHAT
                   else "")
    rendered = render(template_for(notification.event), context)
    notification.subject = rendered.subject
    if notification.channel == Channel.CHAT:
        notification.body_text = rendered.chat or rendered.subject
    else:
        notification.body_text, notification.body_html = rendered.text, rendered.html
    notification.rendered = True
    Notification.objects.filter(pk=notification.pk).update(
        subject=notification.subject, body_text=notification.body_text,
        body_html=notification.body_html, rendered=True,
    )


def deliver_one(pk: int, *, now: datetime) -> str:
    """Claim, render and send one queued record; return what happened."""
    token = uuid.uuid4().hex
    claimed = Notification.objects.filter(
        pk=pk, status=NotificationStatus.QUEUED, next_attempt_at__lte=now
    ).update(status=NotificationStatus.SENDING, claimed_by=token, attempts=F("attempts") + 1,
             claimed_until=now + timedelta(seconds=settings.NOTIFICATION_CLAIM_SECONDS))
    if not claimed:
        return "skipped"
    notification = Notification.objects.select_related(
        "case__policy", "case__category", "case__team", "case_event"
    ).get(pk=pk)
    mine = Notification.objects.filter(pk=pk, claimed_by=token)
    try:
        _render(notification)
        send(notification)
    except PermanentDeliveryError as error:
        mine.update(status=NotificationStatus.FAILED, last_error=str(error), claimed_by="")
        return "failed"
    except (TransientDeliveryError, Exception) as error:  # noqa: BLE001 - recorded, retried
        if notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
            mine.update(status=NotificationStatus.FAILED, last_error=str(error), claimed_by="")
            return "failed"
        mine.update(status=NotificationStatus.QUEUED, last_error=str(error), claimed_by="",
                    next_attempt_at=now + backoff(notification.attempts))
        return "retry"
    mine.update(status=NotificationStatus.SENT, sent_at=timezone.now(), last_error="",
                claimed_by="")
    return "sent"


def deliver_due(*, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Deliver every queued record whose time has come; return counts by outcome."""
    now = now or timezone.now()
    counts: Counter = Counter(expired=expire_stale_claims(now))
    while True:
        ids = list(
            Notification.objects.filter(status=NotificationStatus.QUEUED, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit]
        )
        if not ids:
            break
        outcomes = [deliver_one(pk, now=now) for pk in ids]
        counts.update(outcomes)
        if all(outcome == "skipped" for outcome in outcomes):
            break
    return dict(counts)


def notification_retry(*, notification: Notification, now: datetime | None = None) -> bool:
    """Queue a failed record again (staff action); return False if it was not failed."""
    return bool(Notification.objects.filter(
        pk=notification.pk, status=NotificationStatus.FAILED
    ).update(status=NotificationStatus.QUEUED, next_attempt_at=now or timezone.now(),
             attempts=0, last_error=""))
