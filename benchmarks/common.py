"""Shared set-up of the benchmarks: Django on a chosen database, and fast bulk data.

Benchmark data is written with raw multi-row INSERTs (executemany), not through the services:
it is set-up, not the thing measured, and a million cases through the services would take hours.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(database_url: str) -> None:
    """Point Django at the database, migrate it (loading the reference data) and set it up."""
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    os.environ.setdefault("DEBUG", "false")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def arguments(description: str, default_db: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", default_db))
    return parser


def timed(function: Callable[[], object], repeat: int = 1) -> tuple[float, object]:
    """Return the median seconds of repeat runs and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def vendor() -> str:
    from django.db import connection

    return connection.vendor


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def fill_cases(*, total: int, open_count: int, due_count: int, now: datetime,
               seed: int = 1) -> list[int]:
    """Fill the case table to `total` cases; return the ids of the `due_count` due ones.

    Open cases are Eezee tier-1 cases opened 30 hours before `now` (so exactly one promotion is
    due) for the due ones, and opened 2 hours before for the others; the rest are closed cases
    spread over two years across every category, team and risk. Every open case has its stay.
    """
    from django.db import connection, transaction

    from accounts.models import Team, User
    from escalations.models import Case, Category, Policy, TierStay

    if Case.objects.count() >= total:
        return list(Case.objects.filter(ticket_id__startswith="BD-").order_by("pk")
                    .values_list("pk", flat=True)[:due_count])
    rng = random.Random(seed)
    categories = list(Category.objects.values_list("pk", "default_policy_id", "default_tier"))
    eezee = Policy.objects.get(slug="eezee-operations")
    out_of_stock = Category.objects.get(slug="out-of-stock").pk
    teams = list(Team.objects.values_list("pk", flat=True))
    users = list(User.objects.filter(is_system=False).values_list("pk", flat=True)) or [None]
    fields = [f for f in Case._meta.concrete_fields if f.name != "id"]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {Case._meta.db_table} ({columns}) VALUES ({marks})"

    def row(number: int) -> list[object]:
        kind = "due" if number < due_count else "open" if number < open_count else "closed"
        values = {f.attname: f.get_default() for f in fields}
        if kind == "closed":
            category, policy, tier = rng.choice(categories)
            opened = now - timedelta(hours=rng.uniform(48, 2 * 365 * 24))
            values.update(state="closed", resolved_at=opened + timedelta(hours=20),
                          closed_at=opened + timedelta(hours=40), outcome="issue_resolved",
                          resolution_plan="done", feedback_score=rng.randint(1, 5))
            ticket = f"BC-{number:07d}"
        else:
            category, policy, tier = out_of_stock, eezee.pk, 1
            opened = now - timedelta(hours=30 if kind == "due" else 2)
            values.update(state="open", due_at=opened + timedelta(hours=24),
                          warn_at=opened + timedelta(hours=18))
            values["sla_next_at"] = values["warn_at"] if kind == "open" else values["due_at"]
            if kind == "open":
                values["sla_next_at"] = opened + timedelta(hours=18)
            ticket = f"{'BD' if kind == 'due' else 'BO'}-{number:07d}"
        values.update(
            ticket_id=ticket, customer_name=f"Customer {number}",
            customer_email=f"c{number}@example.com", order_number=f"SO-{number}",
            category_id=category, policy_id=policy, risk_rating=rng.randint(1, 5), tier=tier,
            team_id=rng.choice(teams), assignee_id=rng.choice(users), summary="Benchmark case",
            opened_at=opened, updated_at=now, version=1,
        )
        return [connection.ops.adapt_datetimefield_value(values[f.attname])
                if f.get_internal_type() == "DateTimeField" else values[f.attname]
                for f in fields]

    start = time.perf_counter()
    batch = 20_000
    with connection.cursor() as cursor:
        for first in range(Case.objects.count(), total, batch):
            with transaction.atomic():
                cursor.executemany(sql, [row(n) for n in range(first, min(first + batch, total))])
    active = Case.objects.filter(state="open").values_list("pk", "opened_at", "due_at")
    stays = [TierStay(case_id=pk, level=1, tier_name="Team Lead", entered_at=opened,
                      due_at=due, clock_from=opened, clock_basis="opening",
                      origin_at=opened, origin_basis="opening")
             for pk, opened, due in active.iterator(chunk_size=10000)]
    TierStay.objects.bulk_create(stays, batch_size=5000)
    analyze()
    print(f"filled {total:,} cases in {time.perf_counter() - start:.1f} s")
    return list(Case.objects.filter(ticket_id__startswith="BD-").order_by("pk")
                .values_list("pk", flat=True)[:due_count])
