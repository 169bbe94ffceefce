"""Policies, tiers and categories: loaded from the documents, validated, editable."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from escalations.choices import ClockAnchor, ClockKind
from escalations.models import Category, Policy, Tier

pytestmark = pytest.mark.django_db


def test_documents_policies_exist_after_migrate():
    ladders = {
        policy.slug: [(t.level, t.owner_role.slug, t.limit_display) for t in policy.tiers.all()]
        for policy in Policy.objects.prefetch_related("tiers__owner_role")
    }
    assert ladders["eezee-operations"] == [
        (1, "team-lead", "24 calendar hours from case opening"),
        (2, "assistant-manager", "48 calendar hours from case opening"),
        (3, "manager", "72 calendar hours from case opening"),
        (4, "head-of-operations", "case-specific (no automatic escalation)"),
    ]
    assert ladders["sclub-complex-inquiries"] == [
        (1, "agent", "1 business days from tier entry"),
        (2, "supervisor", "2-3 business days from tier entry"),
        (3, "senior-management", "3-5 business days from tier entry"),
        (4, "executive", "case-specific (no automatic escalation)"),
    ]
    assert [t[1] for t in ladders["sclub-escalation-process"]] == [
        "team-lead", "department-manager", "senior-management",
    ]


def test_all_categories_of_the_documents_are_loaded():
    assert Category.objects.count() == 22
    assert set(Category.objects.filter(confidential_by_default=True).values_list(
        "slug", flat=True)) == {"compliance-legal"}
    assert all(c.guidance for c in Category.objects.all())


def test_load_policies_is_idempotent_and_keeps_admin_edits():
    tier = Tier.objects.get(policy__slug="eezee-operations", level=1)
    tier.limit_value = Decimal(12)
    tier.save()
    out = StringIO()
    call_command("load_policies", stdout=out)
    assert json.loads(out.getvalue()) == {"unchanged": True}
    assert Tier.objects.get(pk=tier.pk).limit_value == Decimal(12)
    assert Policy.objects.count() == 3 and Category.objects.count() == 22


def test_load_policies_overwrite_restores_documents():
    tier = Tier.objects.get(policy__slug="eezee-operations", level=1)
    tier.limit_value = Decimal(12)
    tier.save()
    call_command("load_policies", "--overwrite", stdout=StringIO())
    assert Tier.objects.get(pk=tier.pk).limit_value == Decimal(24)


@pytest.mark.parametrize(
    ("value", "target", "kind", "field", "message"),
    [
        (Decimal(0), None, ClockKind.CALENDAR_HOURS, "limit_value", "must be positive"),
        (Decimal(-3), None, ClockKind.CALENDAR_HOURS, "limit_value", "must be positive"),
        (Decimal("1.5"), None, ClockKind.BUSINESS_DAYS, "limit_value", "whole number"),
        (Decimal(3), Decimal(3), ClockKind.BUSINESS_DAYS, "limit_target", "less than"),
        (Decimal(3), Decimal(5), ClockKind.BUSINESS_DAYS, "limit_target", "less than"),
        (None, Decimal(2), ClockKind.BUSINESS_DAYS, "limit_target", "needs a deadline"),
    ],
)
def test_bad_time_limits_are_refused_with_clear_error(value, target, kind, field, message):
    tier = Tier.objects.get(policy__slug="sclub-complex-inquiries", level=2)
    tier.limit_value, tier.limit_target, tier.limit_kind = value, target, kind
    with pytest.raises(ValidationError) as error:
        tier.full_clean()
    assert message in " ".join(error.value.message_dict[field])


def test_good_range_is_accepted():
    tier = Tier.objects.get(policy__slug="sclub-complex-inquiries", level=3)
    tier.limit_value, tier.limit_target = Decimal(5), Decimal(3)
    tier.limit_anchor = ClockAnchor.TIER_ENTERED
    tier.full_clean()


def test_category_default_tier_must_exist_in_policy():
    category = Category.objects.get(slug="out-of-stock")
    category.default_tier = 9
    with pytest.raises(ValidationError, match="has no tier 9"):
        category.full_clean()


def test_policy_time_zone_and_country_are_validated():
    policy = Policy.objects.get(slug="eezee-operations")
    policy.time_zone, policy.holiday_country = "Mars/Olympus", "XX"
    with pytest.raises(ValidationError) as error:
        policy.full_clean()
    assert set(error.value.message_dict) == {"time_zone", "holiday_country"}


def _tier_formset_data(policy, rows):
    data = {
        "name": policy.name, "slug": policy.slug, "time_zone": "Asia/Singapore",
        "holiday_country": "SG", "is_active": "on",
        "tiers-TOTAL_FORMS": str(len(rows)), "tiers-INITIAL_FORMS": "0",
        "tiers-MIN_NUM_FORMS": "1", "tiers-MAX_NUM_FORMS": "1000",
        "warning_share": "0.75",
        "custom_holidays-TOTAL_FORMS": "0", "custom_holidays-INITIAL_FORMS": "0",
        "working_hours-TOTAL_FORMS": "0", "working_hours-INITIAL_FORMS": "0",
        "risk_adjustments-TOTAL_FORMS": "0", "risk_adjustments-INITIAL_FORMS": "0",
    }
    for i, (level, limit) in enumerate(rows):
        data.update({
            f"tiers-{i}-level": level, f"tiers-{i}-name": f"T{level}",
            f"tiers-{i}-owner_role": policy.tiers.first().owner_role_id,
            f"tiers-{i}-limit_value": limit, f"tiers-{i}-limit_kind": "calendar_hours",
            f"tiers-{i}-limit_anchor": "case_opened", f"tiers-{i}-ack_kind": "business_hours",
        })
    return data


def test_admin_refuses_gapped_levels_and_shrinking_cumulative_limits(client, admin_user):
    client.force_login(admin_user)
    policy = Policy.objects.get(slug="eezee-operations")
    Policy.objects.create(name="New", slug="new")
    new = Policy.objects.get(slug="new")
    new_url = f"/admin/escalations/policy/{new.pk}/change/"
    data = _tier_formset_data(policy, [(1, 24), (3, 48)])
    data.update({"name": "New", "slug": "new"})
    response = client.post(new_url, data)
    assert response.status_code == 200
    assert "without gaps or repeats" in response.content.decode()
    data = _tier_formset_data(policy, [(1, 48), (2, 24)])
    data.update({"name": "New", "slug": "new"})
    response = client.post(new_url, data)
    assert "must exceed tier 1" in response.content.decode()
    assert not new.tiers.exists()
    data = _tier_formset_data(policy, [(1, 24), (2, 48)])
    data.update({"name": "New", "slug": "new"})
    response = client.post(new_url, data)
    assert response.status_code == 302
    assert list(new.tiers.values_list("level", flat=True)) == [1, 2]
