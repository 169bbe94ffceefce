"""Fixtures: the reference data (loaded by migrate), users per role, cases through services."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from django.db import connection

from accounts.models import Role, Team, User
from accounts.services import membership_set
from escalations.models import Category
from escalations.services import case_open

NOW = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)  # Tue 24 Nov 2026 14:00 in Singapore
_tickets = itertools.count(1)


def pytest_collection_modifyitems(config, items):
    """Skip PostgreSQL-only tests when the suite runs on SQLite."""
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" in engine:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def make_user(db):
    """Return a function making a staff user holding a role in a team."""

    def make(role: str = "agent", team: str = "customer-service", username: str | None = None,
             **extra) -> User:
        username = username or f"{role}-{team}-{next(_tickets)}"
        user = User.objects.create_user(username=username, password="pw", is_staff=True, **extra)
        if role != "none":
            membership_set(
                user=user, team=Team.objects.get(slug=team), role=Role.objects.get(slug=role)
            )
        return User.objects.get(pk=user.pk)

    return make


@pytest.fixture
def admin_user(db) -> User:
    return User.objects.create_superuser(username="root", password="pw", email="root@x.test")


@pytest.fixture
def make_case(db, admin_user):
    """Return a function opening a case through the case_open service."""

    def make(category: str = "out-of-stock", team: str = "customer-service", risk: int = 3,
             actor: User | None = None, now: datetime = NOW, summary: str = "Summary", **extra):
        return case_open(
            actor=actor or admin_user, ticket_id=f"T-{next(_tickets):06d}",
            customer_name="Customer", category=Category.objects.get(slug=category),
            risk_rating=risk, team=Team.objects.get(slug=team), summary=summary, now=now,
            **extra,
        )

    return make


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"
