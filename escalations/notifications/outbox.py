"""The outbox: notification rows written in the transaction of the change that caused them.

Rows are delivered by a django-q2 task after commit (and by the every-minute schedule), so a
rolled-back change sends nothing and a committed one is never lost.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Team, User
from escalations.models import (
    Case,
    CaseEvent,
    Channel,
    Notification,
    NotificationEvent,
    Policy,
)
from escalations.notifications.recipients import RecipientDirectory, recipients_for

logger = logging.getLogger(__name__)

# Events posted to the team's chat group even if nobody there chose chat ("tag the supervisor
# on the group with the ticket id").
GROUP_EVENTS = frozenset({
    NotificationEvent.ESCALATED, NotificationEvent.BREACHED_TOP,
    NotificationEvent.BREACH_REMINDER, NotificationEvent.SLA_WARNING,
})
WANTS_EMAIL = {"email", "both"}
WANTS_CHAT = {"chat", "both"}


def _kick() -> None:
    """Hurry the delivery run. Only a hurry: the scheduled run each minute sends whatever is
    due, so a task broker that is down (Redis restarting) costs a minute, not the change."""
    from django_q.tasks import async_task

    try:
        async_task("escalations.tasks.deliver_notifications")
    except Exception:
        logger.warning("Could not ask a worker to deliver now (is the task broker down?); "
                       "the scheduled delivery run will send the notifications.", exc_info=True)


def delivery_after_commit() -> None:
    """Ask a worker to deliver the outbox once the current transaction has committed.

    One request per transaction, however many notifications it queued.
    """
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        callback[1] is _kick for callback in connection.run_on_commit
    ):
        return
    transaction.on_commit(_kick)


def _rows_for(event: CaseEvent, case: Case, people: list[User], team: Team,
              labels: dict[int, str]) -> list[Notification]:
    """The outbox rows of one event (labels: 'Name <address>' by user id, made once each)."""
    queued = {"event": event.kind, "case_id": case.pk, "case_event_id": event.pk,
              "created_at": event.occurred_at, "next_attempt_at": event.occurred_at}
    rows: list[Notification] = []
    webhook = team.chat_webhook_url if not case.confidential else ""
    chatters = []
    for person in people:
        channel = person.notification_channel
        if channel in WANTS_CHAT and webhook:
            chatters.append(person)
        if channel in WANTS_EMAIL or (channel in WANTS_CHAT and not webhook):
            if person.email:
                label = labels.get(person.pk)
                if label is None:
                    label = labels[person.pk] = f"{person} <{person.email}>"
                rows.append(Notification(**queued, channel=Channel.EMAIL,
                                         recipient=person.email, recipient_user_id=person.pk,
                                         recipient_label=label))
    if webhook and (chatters or event.kind in GROUP_EVENTS):
        mentions = ", ".join(str(p) for p in (chatters or people))
        rows.append(Notification(**queued, channel=Channel.CHAT, recipient=webhook,
                                 recipient_label=mentions))
    return rows


def outbox_enqueue_case_events(events: Iterable[CaseEvent],
                               directory: RecipientDirectory | None = None, *,
                               deliver: bool = True) -> int:
    """Queue the notifications of saved case events and, unless deliver is False (the caller
    asks for delivery itself), ask for their delivery after commit. Returns how many."""
    events = list(events)
    if not events:
        return 0
    directory = directory or RecipientDirectory()
    teams = {team.pk: team for team in Team.objects.all()}
    rows: list[Notification] = []
    labels: dict[int, str] = {}
    assignees = User.objects.in_bulk({e.case.assignee_id for e in events if e.case.assignee_id})
    for event in events:
        case = event.case
        people = recipients_for(event.kind, case, level=event.level, directory=directory,
                                assignee=assignees.get(case.assignee_id))
        rows.extend(_rows_for(event, case, people, teams[case.team_id], labels))
    if rows:
        Notification.objects.bulk_create(rows)
        if deliver:
            delivery_after_commit()
    return len(rows)


def outbox_queue_pending_events(*, batch_size: int = 2000) -> int:
    """Queue the notifications of the events stored as pending (by the SLA sweep); return how
    many. Exactly once: each batch of events is locked (skipped by a concurrent run on
    PostgreSQL; on SQLite the transaction holds the write lock), its rows are queued and the
    events marked in one transaction."""
    policies = {policy.pk: policy for policy in Policy.objects.all()}
    directory = RecipientDirectory()
    queued = 0
    while CaseEvent.objects.filter(notifications_queued=False).exists():
        with transaction.atomic():
            pending = CaseEvent.objects.filter(notifications_queued=False).select_related(
                "case").order_by("pk")
            if connection.features.has_select_for_update_skip_locked:
                pending = pending.select_for_update(skip_locked=True, of=("self",))
            events = list(pending[:batch_size])
            if not events:  # taken by a concurrent run
                return queued
            for event in events:
                event.case.policy = policies[event.case.policy_id]
            queued += outbox_enqueue_case_events(events, directory, deliver=False)
            CaseEvent.objects.filter(pk__in=[event.pk for event in events]).update(
                notifications_queued=True)
    return queued


def outbox_enqueue_message(*, event: str, channel: str, recipient: str, subject: str,
                           body_text: str, body_html: str = "", case: Case | None = None,
                           recipient_user: User | None = None, label: str = "",
                           now=None) -> Notification:
    """Queue an already-written message (customer briefing, digest) for delivery."""
    now = now or timezone.now()
    notification = Notification.objects.create(
        event=event, case=case, channel=channel, recipient=recipient,
        recipient_user=recipient_user, recipient_label=label or recipient, subject=subject,
        body_text=body_text, body_html=body_html, rendered=True, created_at=now,
        next_attempt_at=now,
    )
    delivery_after_commit()
    return notification
