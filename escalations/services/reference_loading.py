"""Load the roles, teams, policies and categories of the policy documents, idempotently."""

from __future__ import annotations

from collections import Counter

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from accounts import reference_data as org
from accounts.models import Department, Role, Team, User
from escalations import reference_data as docs
from escalations.models import (
    Category,
    NotificationTemplate,
    Policy,
    RiskAdjustment,
    Tier,
    WorkingHours,
)
from escalations.notifications import default_templates

SYSTEM_USERNAME = "system"


def _permissions(codes: list[str]) -> list[Permission]:
    found: list[Permission] = []
    for code in codes:
        app_label, codename = code.split(".")
        found.extend(
            Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        )
    return found


def _upsert(model, lookup: dict, values: dict, overwrite: bool, counts: Counter):
    obj, created = model.objects.get_or_create(**lookup, defaults=values)
    if created:
        counts[f"{model._meta.model_name}_created"] += 1
    elif overwrite:
        for name, value in values.items():
            setattr(obj, name, value)
        obj.save()
        counts[f"{model._meta.model_name}_updated"] += 1
    return obj, created


def system_user() -> User:
    """Return the automation user that the SLA sweep and imports act as (created if missing)."""
    user, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"is_system": True, "is_active": True, "first_name": "System"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def reference_data_load(*, overwrite: bool = False) -> dict[str, int]:
    """Create the documents' roles, teams, policies, tiers and categories where missing.

    Existing rows are left as admins edited them unless overwrite is True, in which case the
    documents' values are restored. Role groups always get their permissions added.
    """
    counts: Counter = Counter()
    roles: dict[str, Role] = {}
    for name, slug, rank, scope, confidential, perms, description in org.ROLES:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*_permissions(perms))
        roles[slug], _ = _upsert(
            Role, {"slug": slug},
            {"name": name, "rank": rank, "scope": scope, "sees_confidential": confidential,
             "group": group, "description": description},
            overwrite, counts,
        )
    for dept_name, dept_slug, teams in org.DEPARTMENTS:
        department, _ = _upsert(Department, {"slug": dept_slug}, {"name": dept_name}, False, counts)
        for team_name, team_slug in teams:
            _upsert(Team, {"slug": team_slug}, {"name": team_name, "department": department},
                    False, counts)
    policies: dict[str, Policy] = {}
    for slug, (name, description, tiers) in docs.POLICIES.items():
        policy, created = _upsert(
            Policy, {"slug": slug}, {"name": name, "description": description}, overwrite, counts
        )
        policies[slug] = policy
        if not (created or overwrite):
            continue
        for level, tier_name, owner, informed, action, outcomes, limit, target, kind, anchor in (
            tiers
        ):
            tier, _ = _upsert(
                Tier, {"policy": policy, "level": level},
                {"name": tier_name, "owner_role": roles[owner], "action": action,
                 "possible_outcomes": outcomes, "limit_value": limit, "limit_target": target,
                 "limit_kind": kind, "limit_anchor": anchor},
                True, counts,
            )
            tier.informed_roles.set([roles[slug] for slug in informed])
        for weekday, opens, closes in docs.WORKING_HOURS:
            WorkingHours.objects.update_or_create(
                policy=policy, weekday=weekday, defaults={"opens": opens, "closes": closes}
            )
        for risk, percent in docs.RISK_ADJUSTMENTS.get(slug, {}).items():
            RiskAdjustment.objects.update_or_create(
                policy=policy, risk_rating=risk, defaults={"percent": percent}
            )
    for name, slug, policy_slug, tier, confidential, source, guidance in docs.CATEGORIES:
        _upsert(
            Category, {"slug": slug},
            {"name": name, "default_policy": policies[policy_slug], "default_tier": tier,
             "confidential_by_default": confidential, "source": source, "guidance": guidance},
            overwrite, counts,
        )
    for event, (subject, text) in default_templates.TEMPLATES.items():
        _upsert(NotificationTemplate, {"event": event},
                {"subject": subject, "body_text": text,
                 "body_html": default_templates.html_body(text),
                 "chat_text": default_templates.CHAT},
                overwrite, counts)
    system_user()
    return dict(counts)
