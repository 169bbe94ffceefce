"""Admin of policies, their tiers and holidays, and categories (editable by admins)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from unfold.admin import StackedInline, TabularInline

from escalations.admin.history import ReadOnlyHistoryAdmin
from escalations.choices import ClockAnchor
from escalations.models import (
    Category,
    Policy,
    PolicyHoliday,
    RiskAdjustment,
    Tier,
    WorkingHours,
)


class TierFormSet(forms.BaseInlineFormSet):
    """Refuse a ladder with gaps, no tiers, or cumulative limits that do not grow."""

    def clean(self) -> None:
        super().clean()
        rows = [
            form.cleaned_data for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if not rows:
            raise ValidationError("A policy needs at least one tier.")
        levels = sorted(row["level"] for row in rows)
        if levels != list(range(1, len(levels) + 1)):
            raise ValidationError(
                f"Tier levels must run 1, 2, 3, … without gaps or repeats; got {levels}."
            )
        previous = None
        for row in sorted(rows, key=lambda r: r["level"]):
            limit = row.get("limit_value")
            if limit is None or row.get("limit_anchor") != ClockAnchor.CASE_OPENED:
                continue
            if previous is not None and limit <= previous[1]:
                raise ValidationError(
                    f"Tier {row['level']}'s limit ({limit}) counts from case opening, so it must "
                    f"exceed tier {previous[0]}'s ({previous[1]})."
                )
            previous = (row["level"], limit)


class TierInline(StackedInline):
    model = Tier
    formset = TierFormSet
    extra = 0
    min_num = 1
    filter_horizontal = ["informed_roles"]
    fields = [
        ("level", "name", "owner_role"), "informed_roles", ("action", "possible_outcomes"),
        ("limit_target", "limit_value", "limit_kind", "limit_anchor"),
        ("ack_value", "ack_kind"),
    ]


class HolidayInline(TabularInline):
    model = PolicyHoliday
    extra = 0
    verbose_name_plural = "company holidays (on top of the country's public holidays)"


class WorkingHoursInline(TabularInline):
    model = WorkingHours
    extra = 0
    verbose_name_plural = "working hours (no row for a weekday: not a working day; no rows at "
    verbose_name_plural += "all: Mon-Fri 09:00-18:00)"


class RiskAdjustmentInline(TabularInline):
    model = RiskAdjustment
    extra = 0
    verbose_name_plural = "risk tightens the clock (e.g. risk 5 at 50% halves every limit)"


@admin.register(Policy)
class PolicyAdmin(ReadOnlyHistoryAdmin):
    list_display = ["name", "time_zone", "holiday_country", "tier_ladder", "is_active"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [TierInline, WorkingHoursInline, HolidayInline, RiskAdjustmentInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tiers")

    @admin.display(description="tiers")
    def tier_ladder(self, obj: Policy) -> str:
        return " → ".join(tier.name for tier in obj.tiers.all())

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser


@admin.register(Category)
class CategoryAdmin(ReadOnlyHistoryAdmin):
    list_display = ["name", "default_policy", "default_tier", "confidential_by_default", "source"]
    list_filter = ["default_policy", "confidential_by_default", "is_active"]
    search_fields = ["name", "guidance"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["default_policy"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser
