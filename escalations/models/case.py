"""The escalated case, its state machine, its stays at tiers, its notes and evidence."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords

from escalations.choices import (
    FEEDBACK_CHOICES,
    RISK_CHOICES,
    CaseState,
    ClockBasis,
    NoteKind,
    Outcome,
)
from escalations.models.policy import Category, Policy, Tier
from escalations.permissions import transition_permission


class CaseHistoryFields(models.Model):
    """Extra columns on every historical row: which transition made the change."""

    history_transition = models.CharField(max_length=20, blank=True, default="")

    class Meta:
        abstract = True


class Case(FSMModelMixin, models.Model):
    """An escalated customer case climbing the tiers of a policy."""

    ticket_id = models.CharField(
        max_length=64, unique=True, help_text="Helpdesk / HubSpot ticket reference."
    )
    customer_name = models.CharField(max_length=200)
    customer_email = models.EmailField(blank=True, db_index=True)
    order_number = models.CharField(max_length=64, blank=True, db_index=True)
    order_value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="cases")
    # No single-column indexes on policy, team and assignee: the composite indexes below start
    # with them, and every index costs each update of a case (the SLA sweep rewrites thousands).
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="cases",
                               db_index=False)
    risk_rating = models.PositiveSmallIntegerField(
        choices=RISK_CHOICES,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="Negative Experience Risk: 1 to 5, 5 most critical.",
    )
    tier = models.PositiveSmallIntegerField(default=1, help_text="Level of the current tier.")
    state = FSMField(default=CaseState.OPEN, choices=CaseState.choices, protected=True)
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="cases",
                             db_index=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="assigned_cases", db_index=False,
    )
    confidential = models.BooleanField(
        default=False, help_text="Visible only to the assignee, Legal, Executive and admins."
    )
    summary = models.CharField(max_length=300)
    details = models.TextField(
        blank=True, help_text="Customer details, order history and your assessment."
    )
    opened_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(null=True, blank=True, help_text="Deadline of the current tier.")
    # --- SLA clock, maintained by the services and the sweep -------------------------------
    warn_at = models.DateTimeField(null=True, blank=True, editable=False)
    ack_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    sla_next_at = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text="Earliest moment the SLA sweep must look at this case again.",
    )
    at_risk = models.BooleanField(default=False, help_text="Warned: close to its deadline.")
    ack_overdue = models.BooleanField(default=False, help_text="Not acknowledged in time.")
    sla_breached = models.BooleanField(default=False, help_text="Missed at least one deadline.")
    breach_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    held_since = models.DateTimeField(null=True, blank=True, editable=False)
    due_explanation = models.TextField(blank=True, editable=False)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    resolution_plan = models.TextField(blank=True)
    corrective_actions = models.TextField(blank=True)
    outcome = models.CharField(max_length=30, choices=Outcome.choices, blank=True)
    feedback_score = models.PositiveSmallIntegerField(
        choices=FEEDBACK_CHOICES, null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    feedback_comment = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    # Last activity: set by the write path to the moment of each change, note or evidence.
    updated_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords(
        bases=[CaseHistoryFields],
        excluded_fields=["updated_at", "sla_next_at", "due_explanation"],
        # Reasons are what people typed: no 100-character limit (PostgreSQL enforces one).
        history_change_reason_field=models.TextField(null=True),
        # The audit table is read by case (id) and date only; every other index would be paid
        # on each history row written (the sweep writes thousands per minute at peak).
        no_db_index=["ticket_id", "order_number", "customer_email", "assignee", "category",
                     "created_by", "team", "policy"],
    )

    class Meta:
        ordering = ["-risk_rating", "due_at", "-id"]
        indexes = [
            models.Index(fields=["-risk_rating", "due_at", "-id"], name="case_default_order"),
            # The case list's order within a state, and among active cases (partial index:
            # active ⇔ not resolved; SQLite only matches simple conditions such as IS NULL).
            models.Index(fields=["state", "-risk_rating", "due_at", "-id"],
                         name="case_state_order"),
            models.Index(fields=["-risk_rating", "due_at", "-id"], name="case_unresolved_order",
                         condition=models.Q(resolved_at__isnull=True)),
            models.Index(fields=["state", "due_at"], name="case_state_due"),
            models.Index(fields=["team", "state"], name="case_team_state"),
            models.Index(fields=["assignee", "state"], name="case_assignee_state"),
            models.Index(fields=["policy", "tier"], name="case_policy_tier"),
            models.Index(fields=["opened_at"], name="case_opened"),
            models.Index(fields=["sla_next_at"], name="case_sla_next"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(risk_rating__gte=1, risk_rating__lte=5), name="case_risk_1_5"
            ),
            models.CheckConstraint(condition=models.Q(tier__gte=1), name="case_tier_from_1"),
        ]
        permissions = [
            ("acknowledge_case", "Can acknowledge a case"),
            ("escalate_case", "Can escalate a case"),
            ("hold_case", "Can put a case on hold and resume it"),
            ("resolve_case", "Can resolve a case"),
            ("reopen_case", "Can reopen a resolved case"),
            ("close_case", "Can close a resolved case"),
            ("assign_case", "Can assign a case"),
            ("import_case", "Can import escalation trackers"),
            ("export_case", "Can export cases"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} — {self.customer_name}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("admin:escalations_case_change", args=[self.pk])

    # --- derived -------------------------------------------------------------------------

    @property
    def current_tier(self) -> Tier | None:
        """Return the Tier row of the case's current level (from the policy's cached tiers)."""
        return self.policy.tier_map.get(self.tier)

    @property
    def owner_rank(self) -> int:
        """Return the rank of the role owning the current tier (0 if the tier is missing)."""
        tier = self.current_tier
        return tier.owner_role.rank if tier else 0

    def has_next_tier(self) -> bool:
        """Return True if the policy has a tier above the current one."""
        return self.tier < self.policy.top_level

    def has_resolution(self) -> bool:
        """Return True if a resolution plan and an outcome are filled in."""
        return bool(self.resolution_plan.strip() and self.outcome)

    def is_overdue(self, now=None) -> bool:
        """Return True if an active case is past its tier deadline."""
        now = now or timezone.now()
        return self.due_at is not None and self.due_at < now and self.state in (
            CaseState.OPEN, CaseState.IN_PROGRESS,
        )

    def clean(self) -> None:
        """Refuse a tier the policy does not have."""
        if self.policy_id and self.tier and not Tier.objects.filter(
            policy_id=self.policy_id, level=self.tier
        ).exists():
            raise ValidationError({"tier": f"Policy '{self.policy}' has no tier {self.tier}."})

    # --- transitions: they check and set fields only; services save and notify ------------

    @transition(
        field=state, source=CaseState.OPEN, target=CaseState.IN_PROGRESS,
        permission=transition_permission("acknowledge"),
    )
    def acknowledge(self) -> None:
        """Open → in progress: the tier owner has taken the case up."""

    @transition(
        field=state,
        source=[CaseState.OPEN, CaseState.IN_PROGRESS, CaseState.ON_HOLD],
        target=CaseState.OPEN,
        conditions=[has_next_tier],
        permission=transition_permission("escalate"),
    )
    def escalate(self) -> None:
        """Open / in progress / on hold → open at the next tier (refused at the top tier)."""
        self.tier += 1

    @transition(
        field=state, source=[CaseState.OPEN, CaseState.IN_PROGRESS], target=CaseState.ON_HOLD,
        permission=transition_permission("hold"),
    )
    def hold(self) -> None:
        """Open / in progress → on hold, awaiting the customer or a third party."""

    @transition(
        field=state, source=CaseState.ON_HOLD, target=CaseState.IN_PROGRESS,
        permission=transition_permission("resume"),
    )
    def resume(self) -> None:
        """On hold → in progress."""

    @transition(
        field=state, source=[CaseState.OPEN, CaseState.IN_PROGRESS], target=CaseState.RESOLVED,
        conditions=[has_resolution], permission=transition_permission("resolve"),
    )
    def resolve(self, *, now) -> None:
        """Open / in progress → resolved; needs a resolution plan and an outcome."""
        self.resolved_at = now

    @transition(
        field=state, source=CaseState.RESOLVED, target=CaseState.OPEN,
        permission=transition_permission("reopen"),
    )
    def reopen(self) -> None:
        """Resolved → open at the same tier."""
        self.resolved_at = None

    @transition(
        field=state, source=CaseState.RESOLVED, target=CaseState.CLOSED,
        permission=transition_permission("close"),
    )
    def close(self, *, now) -> None:
        """Resolved → closed after follow-up."""
        self.closed_at = now


class TierStay(models.Model):
    """One stay of a case at a tier: entered, acknowledged, left, warned, breached."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="stays",
                             db_index=False)  # stay_case_open starts with it
    level = models.PositiveSmallIntegerField()
    tier_name = models.CharField(max_length=150)
    entered_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)
    left_by = models.CharField(max_length=20, blank=True, help_text="Transition that ended it.")
    due_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    ack_overdue_at = models.DateTimeField(null=True, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    # The stay's SLA clock: the moment its deadline counts from, and what that moment is. Kept
    # here so that every later recomputation (a hold ended, a new risk rating, an import that
    # updates the case) counts from the same start, whichever path made the stay.
    clock_from = models.DateTimeField()
    clock_basis = models.CharField(max_length=20, choices=ClockBasis.choices)
    # Where limits counted from the opening count from while the case is in this stay: the
    # opening, or the import or reopening that restarted the clock (carried to the next stay).
    origin_at = models.DateTimeField()
    origin_basis = models.CharField(max_length=20, choices=ClockBasis.choices)

    class Meta:
        ordering = ["case", "entered_at", "id"]
        indexes = [models.Index(fields=["case", "left_at"], name="stay_case_open")]

    def __str__(self) -> str:
        return f"{self.case_id} at {self.tier_name} from {self.entered_at:%Y-%m-%d %H:%M}"


class HoldPeriod(models.Model):
    """A time the case was on hold: its SLA clock stood still."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="holds")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["case", "started_at"]

    def __str__(self) -> str:
        return f"{self.case_id} on hold from {self.started_at:%Y-%m-%d %H:%M}"


class CaseEvent(models.Model):
    """Something people must be told about (escalated, at risk, breached, …), recorded in the
    same transaction as the change that caused it; the notifications layer delivers it."""

    class Kind(models.TextChoices):
        ESCALATED = "escalated", "Escalated"
        SLA_WARNING = "sla_warning", "SLA warning (at risk)"
        ACK_OVERDUE = "ack_overdue", "Not acknowledged in time"
        BREACHED_TOP = "breached_top", "SLA breached at top tier"
        BREACH_REMINDER = "breach_reminder", "Daily reminder: breached at top tier"
        ASSIGNED = "assigned", "Assigned"
        RESOLVED = "resolved", "Resolved"
        CLOSED = "closed", "Closed"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    level = models.PositiveSmallIntegerField(help_text="Tier level the event is about.")
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    detail = models.TextField(blank=True)
    notifications_queued = models.BooleanField(
        default=True, help_text="Its notifications are in the outbox (False: the SLA sweep left "
        "them for the delivery run to queue).",
    )

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [
            models.Index(fields=["kind", "recorded_at"], name="event_kind_recorded"),
            models.Index(fields=["id"], name="event_pending",
                         condition=models.Q(notifications_queued=False)),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — case {self.case_id} at {self.occurred_at:%Y-%m-%d}"


class JobLease(models.Model):
    """A lease that keeps a scheduled job from running twice at once (any database)."""

    name = models.CharField(max_length=100, primary_key=True)
    holder = models.CharField(max_length=100, blank=True)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} held by {self.holder or 'nobody'} until {self.expires_at}"


class JobRun(models.Model):
    """When a scheduled job (the SLA sweep, the delivery run) last finished: the health check
    says unhealthy when it is too long ago."""

    name = models.CharField(max_length=100, primary_key=True)
    finished_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} finished at {self.finished_at}"


class CaseNote(models.Model):
    """An entry in a case's log: internal note, status update or customer briefing."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies",
        help_text="The note this one answers, for threads.",
    )
    kind = models.CharField(max_length=20, choices=NoteKind.choices, default=NoteKind.INTERNAL_NOTE)
    body = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.author} at {self.created_at:%Y-%m-%d %H:%M}"


def evidence_path(instance: CaseAttachment, filename: str) -> str:
    """Return a new unguessable storage name; the uploaded name is kept in original_name only."""
    return f"evidence/{uuid.uuid4().hex}"


class CaseAttachment(models.Model):
    """A piece of evidence attached to a case (screenshot, email, invoice).

    The file is private: stored under a random name that no URL serves, and downloaded as an
    attachment through a view that checks who may see the case. Add evidence through
    ``services.case_add_evidence``.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=evidence_path)
    original_name = models.CharField(
        max_length=255, help_text="The file's name when it was uploaded: shown and offered as "
        "the download's name, never used as a path.",
    )
    description = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.description or self.original_name
