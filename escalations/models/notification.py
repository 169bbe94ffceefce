"""The notification outbox and its editable templates."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class NotificationEvent(models.TextChoices):
    """Everything people are told about; each has a template."""

    ESCALATED = "escalated", "Case escalated"
    SLA_WARNING = "sla_warning", "SLA warning (at risk)"
    ACK_OVERDUE = "ack_overdue", "Not acknowledged in time"
    BREACHED_TOP = "breached_top", "SLA breached at top tier"
    BREACH_REMINDER = "breach_reminder", "Daily reminder: breached at top tier"
    ASSIGNED = "assigned", "Case assigned"
    RESOLVED = "resolved", "Case resolved (final resolution summary)"
    CLOSED = "closed", "Case closed (final resolution summary)"
    CUSTOMER_BRIEFING = "customer_briefing", "Customer briefing"
    DIGEST = "digest", "Daily digest of open escalations"


# Events nobody may mute (also any event about a risk-5 case).
CRITICAL_EVENTS = frozenset({NotificationEvent.BREACHED_TOP, NotificationEvent.BREACH_REMINDER})


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    CHAT = "chat", "Team chat webhook"


class NotificationStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class NotificationTemplate(models.Model):
    """The words of one event, as Django templates (plain text, HTML, chat), editable by admins."""

    event = models.CharField(max_length=30, choices=NotificationEvent.choices, unique=True)
    subject = models.CharField(max_length=300)
    body_text = models.TextField(help_text="Plain-text email body (Django template).")
    body_html = models.TextField(blank=True, help_text="HTML email body (Django template).")
    chat_text = models.TextField(blank=True, help_text="Team chat message (Django template).")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["event"]

    def __str__(self) -> str:
        return self.get_event_display()


class Notification(models.Model):
    """One message to one recipient on one channel: stored first, delivered after commit."""

    event = models.CharField(max_length=30, choices=NotificationEvent.choices)
    case = models.ForeignKey(
        "escalations.Case", on_delete=models.CASCADE, null=True, blank=True,
        related_name="notifications", db_index=False,  # outbox_case starts with it
    )
    case_event = models.ForeignKey(
        "escalations.CaseEvent", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="notifications",
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    recipient = models.CharField(max_length=500, help_text="Email address or webhook URL.")
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="notifications",
    )
    recipient_label = models.CharField(max_length=300, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    rendered = models.BooleanField(
        default=False, help_text="Subject and body are final (rendered or written by staff)."
    )
    status = models.CharField(
        max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_by = models.CharField(max_length=40, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["case", "created_at"], name="outbox_case"),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()} → {self.recipient_label or self.recipient}"

    @property
    def message_id(self) -> str:
        """Return the stable Message-ID / idempotency key of this record."""
        return f"<notification-{self.pk}@escalations>"
