"""Escalation policies, their ordered tiers with time limits, holidays, and case categories."""

from __future__ import annotations

import zoneinfo
from datetime import time
from decimal import Decimal

import holidays
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.functional import cached_property
from simple_history.models import HistoricalRecords

from accounts.models import Role
from escalations.choices import ClockAnchor, ClockKind
from escalations.sla.calendar import BusinessCalendar, calendar_from_rows
from escalations.sla.clock import Limit


def validate_time_zone(value: str) -> None:
    """Refuse a name that is not an IANA time zone."""
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"'{value}' is not a time zone name (e.g. Asia/Singapore).")


def validate_holiday_country(value: str) -> None:
    """Refuse a country code the holidays package does not know."""
    if value and value.upper() not in holidays.list_supported_countries():
        raise ValidationError(f"'{value}' is not a country code known to the holidays package.")


class Policy(models.Model):
    """An escalation ladder: ordered tiers, a time zone and a holiday calendar."""

    name = models.CharField(max_length=150, unique=True)
    slug = models.SlugField(max_length=150, unique=True)
    description = models.TextField(blank=True, help_text="Objective and scope of the policy.")
    time_zone = models.CharField(
        max_length=64, default="Asia/Singapore", validators=[validate_time_zone]
    )
    holiday_country = models.CharField(
        max_length=8, default="SG", blank=True, validators=[validate_holiday_country],
        help_text="ISO country code whose public holidays are skipped by business clocks.",
    )
    holiday_subdivision = models.CharField(max_length=16, blank=True)
    warning_share = models.DecimalField(
        max_digits=3, decimal_places=2, default=Decimal("0.75"),
        validators=[MinValueValidator(Decimal("0.05")), MaxValueValidator(Decimal("0.99"))],
        help_text="For single limits: the share of the time after which a case is flagged "
        "'at risk' (0.75 = at 75%). Ranges warn at their target instead.",
    )
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "policies"

    def __str__(self) -> str:
        return self.name

    @cached_property
    def tier_map(self) -> dict[int, Tier]:
        """Return the policy's tiers by level, with their owner roles (one query, cached)."""
        return {
            tier.level: tier
            for tier in Tier.objects.filter(policy_id=self.pk).select_related(
                "owner_role").prefetch_related("informed_roles")
        }

    @cached_property
    def top_level(self) -> int:
        """Return the level of the highest tier (0 for a policy without tiers; cached with
        tier_map)."""
        return max(self.tier_map, default=0)

    @cached_property
    def risk_percentages(self) -> dict[int, int]:
        """Return the share of every limit (in %) that applies at each risk rating."""
        return dict(self.risk_adjustments.values_list("risk_rating", "percent"))

    @cached_property
    def calendar(self) -> BusinessCalendar:
        """Return the policy's business calendar: zone, working hours and holidays (cached)."""
        hours = {row.weekday: (row.opens, row.closes) for row in self.working_hours.all()}
        return calendar_from_rows(
            time_zone=self.time_zone, country=self.holiday_country,
            subdivision=self.holiday_subdivision,
            custom=self.custom_holidays.values_list("date", flat=True),
            working_hours=hours or None,
        )


class WorkingHours(models.Model):
    """The working hours of a policy on one weekday (no row: not a working day)."""

    WEEKDAYS = [(0, "Monday"), (1, "Tuesday"), (2, "Wednesday"), (3, "Thursday"),
                (4, "Friday"), (5, "Saturday"), (6, "Sunday")]

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAYS)
    opens = models.TimeField(default=time(9))
    closes = models.TimeField(default=time(18))

    class Meta:
        ordering = ["policy", "weekday"]
        verbose_name_plural = "working hours"
        constraints = [
            models.UniqueConstraint(fields=["policy", "weekday"], name="one_period_per_weekday"),
            models.CheckConstraint(condition=models.Q(opens__lt=models.F("closes")),
                                   name="opens_before_closes"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"

    def clean(self) -> None:
        if self.opens and self.closes and self.opens >= self.closes:
            raise ValidationError(
                {"closes": f"Closing time {self.closes:%H:%M} must be after opening time "
                 f"{self.opens:%H:%M}."}
            )


class RiskAdjustment(models.Model):
    """Risk tightens the clock: at this rating every limit of the policy is shortened."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="risk_adjustments")
    risk_rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    percent = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Share of every time limit that applies (50 = half the time).",
    )

    class Meta:
        ordering = ["policy", "risk_rating"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "risk_rating"], name="one_adjustment_per_risk"
            )
        ]

    def __str__(self) -> str:
        return f"risk {self.risk_rating}: {self.percent}%"


class PolicyHoliday(models.Model):
    """A company-specific non-working day of a policy, beyond the country's public holidays."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="custom_holidays")
    date = models.DateField()
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "date"], name="one_custom_holiday_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


class Tier(models.Model):
    """A level of a policy: who owns cases there, who is informed, and its time limit."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="tiers")
    level = models.PositiveSmallIntegerField(help_text="1 for the first tier, then 2, 3, …")
    name = models.CharField(max_length=150)
    owner_role = models.ForeignKey(
        Role, on_delete=models.PROTECT, related_name="owned_tiers",
        help_text="The role that owns (acknowledges, works, resolves) cases at this tier.",
    )
    informed_roles = models.ManyToManyField(
        Role, blank=True, related_name="informed_tiers",
        help_text="Roles informed when a case enters this tier.",
    )
    action = models.TextField(blank=True, help_text="What the owner does at this tier.")
    possible_outcomes = models.TextField(blank=True)
    limit_value = models.DecimalField(
        max_digits=7, decimal_places=2, null=True, blank=True,
        help_text="Deadline after which the case escalates; empty for case-specific (never).",
    )
    limit_target = models.DecimalField(
        max_digits=7, decimal_places=2, null=True, blank=True,
        help_text="Target of a range (the 2 of '2-3 business days'): the case is warned then.",
    )
    limit_kind = models.CharField(
        max_length=20, choices=ClockKind.choices, default=ClockKind.CALENDAR_HOURS
    )
    limit_anchor = models.CharField(
        max_length=20, choices=ClockAnchor.choices, default=ClockAnchor.TIER_ENTERED
    )
    ack_value = models.DecimalField(
        max_digits=7, decimal_places=2, null=True, blank=True,
        help_text="Time to acknowledge after entering the tier; empty for none. A case still "
        "open past it is flagged and the owner's superior informed.",
    )
    ack_kind = models.CharField(
        max_length=20, choices=ClockKind.choices, default=ClockKind.BUSINESS_HOURS
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["policy", "level"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "level"], name="one_tier_per_level"),
            models.CheckConstraint(condition=models.Q(level__gte=1), name="tier_level_from_1"),
        ]

    def __str__(self) -> str:
        return f"{self.policy}: {self.level}. {self.name}"

    def clean(self) -> None:
        """Refuse limits that cannot be computed: non-positive, target past deadline, etc."""
        errors: dict[str, str] = {}
        if self.limit_value is None:
            if self.limit_target is not None:
                errors["limit_target"] = "A target needs a deadline (limit value) too."
        else:
            if self.limit_value <= 0:
                errors["limit_value"] = f"The time limit must be positive, not {self.limit_value}."
            if self.limit_kind == ClockKind.BUSINESS_DAYS and self.limit_value % 1:
                errors["limit_value"] = (
                    f"Business days are whole days; {self.limit_value} is not a whole number."
                )
            if self.limit_target is not None:
                if self.limit_target <= 0:
                    errors["limit_target"] = "The target must be positive."
                elif self.limit_target >= self.limit_value:
                    errors["limit_target"] = (
                        f"The target ({self.limit_target}) must be less than the deadline "
                        f"({self.limit_value})."
                    )
                elif self.limit_kind == ClockKind.BUSINESS_DAYS and self.limit_target % 1:
                    errors["limit_target"] = "Business days are whole days."
        if self.ack_value is not None:
            if self.ack_value <= 0:
                errors["ack_value"] = (
                    f"The time to acknowledge must be positive, not {self.ack_value}."
                )
            elif self.ack_kind == ClockKind.BUSINESS_DAYS and self.ack_value % 1:
                errors["ack_value"] = "Business days are whole days."
        if errors:
            raise ValidationError(errors)

    @cached_property
    def limit(self) -> Limit | None:
        """Return the tier's time limit for the clock functions (None: no automatic limit)."""
        if self.limit_value is None:
            return None
        return Limit(amount=self.limit_value, kind=self.limit_kind, target=self.limit_target)

    @cached_property
    def breach_reason(self) -> str:
        """Return the reason the SLA sweep gives when a case misses this tier's deadline."""
        return f"SLA breached: {self.limit_display} at tier {self.name}"

    @property
    def has_limit(self) -> bool:
        """Return True if cases at this tier escalate automatically."""
        return self.limit_value is not None

    @property
    def limit_display(self) -> str:
        """Describe the limit as the policies do: '2-3 business days from tier entry'."""
        if self.limit_value is None:
            return "case-specific (no automatic escalation)"
        amount = _number(self.limit_value)
        if self.limit_target is not None:
            amount = f"{_number(self.limit_target)}-{amount}"
        anchor = "from case opening" if self.limit_anchor == ClockAnchor.CASE_OPENED else (
            "from tier entry"
        )
        return f"{amount} {ClockKind(self.limit_kind).label} {anchor}"


class Category(models.Model):
    """A trigger for escalation named by the policies, with guidance and default routing."""

    name = models.CharField(max_length=150, unique=True)
    slug = models.SlugField(max_length=150, unique=True)
    guidance = models.TextField(help_text="When to escalate: shown to staff when they pick it.")
    source = models.CharField(max_length=150, blank=True, help_text="Policy document it is from.")
    default_policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="categories")
    default_tier = models.PositiveSmallIntegerField(
        default=1, help_text="The tier a new case of this category starts at."
    )
    confidential_by_default = models.BooleanField(
        default=False, help_text="New cases are visible only to assignee, Legal and Executive."
    )
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Refuse a default tier the default policy does not have."""
        if self.default_policy_id and self.default_tier:
            levels = set(self.default_policy.tiers.values_list("level", flat=True))
            if levels and self.default_tier not in levels:
                raise ValidationError(
                    {"default_tier": f"Policy '{self.default_policy}' has no tier "
                     f"{self.default_tier} (it has {min(levels)}–{max(levels)})."}
                )
