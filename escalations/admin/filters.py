"""Changelist filters whose choices come from small tables, never from scanning cases."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.views.main import SEARCH_VAR
from django.utils import timezone

from accounts.models import Team, User
from escalations.choices import RISK_CHOICES, CaseState
from escalations.models import Category, Tier
from escalations.selectors import team_queue

# The case list's saved views (label, sidebar icon, query): the queues people work from, shown
# as pills above the list and in the sidebar.
CASE_VIEWS = [
    ("Active cases", "list", "state=active"),
    ("My open cases", "person", "queue=mine&state=active"),
    ("My team's queue", "group", "queue=team&state=active"),
    ("Overdue", "alarm", "due=overdue"),
    ("Resolved", "task_alt", "state=resolved"),
    ("Closed", "lock", "state=closed"),
    ("All", "select_all", "state=all"),
]


class StateFilter(admin.SimpleListFilter):
    """The list opens on active cases; resolved, closed and all cases are one click away."""

    title = "state"
    parameter_name = "state"

    def __init__(self, request, params, model, model_admin) -> None:
        # A search looks for a ticket in any state, and a filter on a running clock already keeps
        # to active cases, unless the person picked a state. (Stacking a second state condition
        # also misleads PostgreSQL's row estimates into sorting 100,000 rows.)
        searching = request.GET.get(SEARCH_VAR, "").strip()
        clock = request.GET.get(OverdueFilter.parameter_name) in OverdueFilter.RUNNING_CLOCK
        self.default = "all" if searching or clock else "active"
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        return [("active", "Active (not resolved or closed)"), *CaseState.choices,
                ("all", "All states")]

    def value(self):
        return super().value() or self.default

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        if self.value() == "active":
            # resolved_at IS NULL lets the database use the unresolved cases' ordered index.
            return queryset.filter(
                resolved_at__isnull=True,
                state__in=[CaseState.OPEN, CaseState.IN_PROGRESS, CaseState.ON_HOLD],
            )
        if self.value() in CaseState.values:
            return queryset.filter(state=self.value())
        return queryset


class TierFilter(admin.SimpleListFilter):
    title = "tier"
    parameter_name = "tier"

    def lookups(self, request, model_admin):
        return [
            (f"{tier.policy_id}:{tier.level}", f"{tier.policy.name} – {tier.level}. {tier.name}")
            for tier in Tier.objects.select_related("policy").order_by("policy__name", "level")
        ]

    def queryset(self, request, queryset):
        if self.value() and ":" in self.value():
            policy_id, level = self.value().split(":", 1)
            if policy_id.isdigit() and level.isdigit():
                return queryset.filter(policy_id=int(policy_id), tier=int(level))
        return queryset


class CategoryFilter(admin.SimpleListFilter):
    title = "category"
    parameter_name = "category"

    def lookups(self, request, model_admin):
        return list(Category.objects.values_list("id", "name"))

    def queryset(self, request, queryset):
        return queryset.filter(category_id=self.value()) if _is_id(self.value()) else queryset


class RiskFilter(admin.SimpleListFilter):
    title = "risk"
    parameter_name = "risk"

    def lookups(self, request, model_admin):
        return [(str(value), label) for value, label in RISK_CHOICES]

    def queryset(self, request, queryset):
        return queryset.filter(risk_rating=self.value()) if _is_id(self.value()) else queryset


class TeamFilter(admin.SimpleListFilter):
    title = "team"
    parameter_name = "team"

    def lookups(self, request, model_admin):
        return list(Team.objects.values_list("id", "name"))

    def queryset(self, request, queryset):
        return queryset.filter(team_id=self.value()) if _is_id(self.value()) else queryset


class AssigneeFilter(admin.SimpleListFilter):
    title = "assignee"
    parameter_name = "assignee"

    def lookups(self, request, model_admin):
        staff = User.objects.filter(is_active=True, is_system=False, memberships__isnull=False)
        return [("none", "Unassigned")] + [
            (str(user.pk), str(user)) for user in staff.distinct().order_by("username")
        ]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(assignee__isnull=True)
        return queryset.filter(assignee_id=self.value()) if _is_id(self.value()) else queryset


class OverdueFilter(admin.SimpleListFilter):
    title = "deadline"
    parameter_name = "due"
    # The choices that select only cases whose clock runs (open or in progress).
    RUNNING_CLOCK = frozenset({"overdue", "today", "at_risk", "unacknowledged"})

    def lookups(self, request, model_admin):
        return [
            ("overdue", "Overdue"), ("at_risk", "At risk"), ("today", "Due within 24 hours"),
            ("unacknowledged", "Not acknowledged in time"), ("breached", "Missed a deadline"),
            ("none", "No deadline"),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        active = [CaseState.OPEN, CaseState.IN_PROGRESS]
        if self.value() == "overdue":
            return queryset.filter(state__in=active, due_at__lt=now)
        if self.value() == "today":
            return queryset.filter(
                state__in=active, due_at__gte=now, due_at__lt=now + timezone.timedelta(days=1)
            )
        if self.value() == "at_risk":
            return queryset.filter(state__in=active, at_risk=True, due_at__gte=now)
        if self.value() == "unacknowledged":
            return queryset.filter(state=CaseState.OPEN, ack_overdue=True)
        if self.value() == "breached":
            return queryset.filter(sla_breached=True)
        if self.value() == "none":
            return queryset.filter(due_at__isnull=True)
        return queryset


class QueueFilter(admin.SimpleListFilter):
    title = "queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("mine", "My cases"), ("team", "My team's queue")]

    def queryset(self, request, queryset):
        if self.value() == "mine":
            return queryset.filter(assignee_id=request.user.pk)
        if self.value() == "team":
            return team_queue(request.user, queryset)
        return queryset


def _is_id(value: str | None) -> bool:
    return bool(value) and value.isdigit()
