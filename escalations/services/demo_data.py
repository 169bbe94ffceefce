"""Demo organisation and cases for `make run`: deterministic for a given seed."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, Team, User
from accounts.services import membership_set
from escalations.choices import Outcome
from escalations.models import Case, Category
from escalations.services import cases, transitions
from escalations.services.errors import TransitionRefused

DEMO_PASSWORD = "demo12345"

# username, role slug, team slug
DEMO_USERS = [
    ("agent", "agent", "customer-service"),
    ("teamlead", "team-lead", "customer-service"),
    ("supervisor", "supervisor", "customer-service"),
    ("assistantmanager", "assistant-manager", "customer-service"),
    ("manager", "manager", "customer-service"),
    ("deptmanager", "department-manager", "sales-bd"),
    ("seniormanagement", "senior-management", "operations"),
    ("headofops", "head-of-operations", "operations"),
    ("executive", "executive", "operations"),
    ("legal", "legal", "legal"),
    ("salesagent", "agent", "sales-bd"),
    ("saleslead", "team-lead", "sales-bd"),
]

FIRST = ["Aisha", "Ben", "Chen", "Devi", "Eli", "Farah", "Gopal", "Hana", "Ivan", "Jia"]
LAST = ["Tan", "Lim", "Ng", "Kumar", "Wong", "Lee", "Ong", "Goh", "Teo", "Rahman"]


@transaction.atomic
def demo_users_create() -> list[tuple[str, str]]:
    """Create the demo superuser and one login per role; return (username, role) pairs."""
    logins = []
    admin, created = User.objects.get_or_create(
        username="admin", defaults={"is_staff": True, "is_superuser": True,
                                    "email": "admin@example.com"},
    )
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save()
    logins.append(("admin", "superuser"))
    for username, role_slug, team_slug in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"is_staff": True, "email": f"{username}@example.com",
                      "first_name": username.capitalize()},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        role = Role.objects.get(slug=role_slug)
        membership_set(user=user, team=Team.objects.get(slug=team_slug), role=role)
        logins.append((username, f"{role.name}, {team_slug}"))
    return logins


def demo_cases_create(*, count: int, seed: int, now: datetime | None = None) -> int:
    """Top the demo cases of a seed up to count, through the services; return how many were made.

    Case n of seed s is the same whenever it is made (its own random stream), so re-running
    with the same arguments creates nothing and a larger count only adds the missing cases.
    """
    now = now or timezone.now()
    admin = User.objects.get(username="admin")
    categories = list(Category.objects.select_related("default_policy").order_by("slug"))
    teams = list(Team.objects.order_by("slug"))
    staff = {
        team: list(User.objects.filter(memberships__team=team, is_active=True).order_by("pk"))
        for team in teams
    }
    prefix = f"DEMO-{seed}-"
    existing = set(
        Case.objects.filter(ticket_id__startswith=prefix).values_list("ticket_id", flat=True)
    )
    created = 0
    for number in range(1, count + 1):
        ticket_id = f"{prefix}{number:05d}"
        if ticket_id in existing:
            continue
        rng = random.Random(f"{seed}-{number}")
        category = rng.choice(categories)
        team = rng.choice(teams)
        opened = now - timedelta(hours=rng.uniform(0, 24 * 30))
        case = cases.case_open(
            actor=admin, ticket_id=ticket_id,
            customer_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            customer_email=f"customer{number}@example.com", category=category,
            risk_rating=rng.choices([1, 2, 3, 4, 5], weights=[2, 3, 3, 2, 1])[0], team=team,
            summary=f"{category.name}: order {10000 + number}",
            order_number=f"SO-{seed}-{10000 + number}",
            order_value=Decimal(rng.randint(20, 5000)),
            assignee=rng.choice(staff[team]) if staff[team] and rng.random() < 0.7 else None,
            details="Demo case: customer details, order history and assessment go here.",
            now=opened, opened_at=opened,
        )
        _advance(case, admin=admin, rng=rng, opened=opened, now=now)
        created += 1
    return created


def _advance(case: Case, *, admin: User, rng: random.Random, opened: datetime, now: datetime):
    """Move a demo case along a plausible path: acknowledged, escalated, resolved, closed."""
    step = opened
    try:
        for _ in range(rng.choice([0, 0, 1, 1, 2])):
            step += timedelta(hours=rng.uniform(1, 20))
            if step >= now:
                return
            case = transitions.case_escalate(
                case=case, actor=admin, reason="Demo: not resolved in time", now=step
            )
        roll = rng.random()
        if roll < 0.2:
            return
        step += timedelta(hours=rng.uniform(0.5, 6))
        if step >= now:
            return
        case = transitions.case_acknowledge(case=case, actor=admin, now=step)
        if roll < 0.35:
            return
        if roll < 0.45:
            transitions.case_hold(case=case, actor=admin, reason="Awaiting customer", now=step)
            return
        step += timedelta(hours=rng.uniform(1, 30))
        if step >= now:
            return
        case = transitions.case_resolve(
            case=case, actor=admin, now=step, outcome=rng.choice(Outcome.values),
            resolution_plan="Demo: replacement shipped and customer informed.",
            corrective_actions="Demo: supplier stock check added.",
        )
        if roll < 0.75:
            return
        step += timedelta(hours=rng.uniform(1, 48))
        if step < now:
            transitions.case_close(
                case=case, actor=admin, now=step, feedback_score=rng.randint(1, 5)
            )
    except TransitionRefused:
        return
