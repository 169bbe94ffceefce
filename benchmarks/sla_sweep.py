"""Benchmark: one SLA sweep over 10,000 due cases among 1,000,000 (100,000 open).

    .venv/bin/python benchmarks/sla_sweep.py [--database-url URL] [--cases N] [--open N] [--due N]

Floor in the same run: a bare queryset.update() of the same 10,000 rows writing the columns the
sweep writes (tier, state, deadlines, flags, version), so both pay for the same index updates; the
update of only two columns is printed beside it. The sweep does the real work: FSM transitions,
history rows, tier stays and events, in bulk per batch; the delivery run that follows queues the
events' outbox rows (27,502 here), timed on its own and printed beside it.
Targets: the sweep within 10x of the floor, and under 10 s on PostgreSQL. Median of 5 repeats;
each repeat's own ratio is printed too.
"""

from __future__ import annotations

import json
import statistics
from datetime import UTC, datetime, timedelta

from common import arguments, fill_cases, setup_django, timed, vendor

NOW = datetime(2026, 11, 24, 6, tzinfo=UTC)


def make_people() -> None:
    """Give every team a team lead and an assistant manager, so escalations notify people."""
    from accounts.models import Role, Team, User
    from accounts.services import membership_set

    for team in Team.objects.all():
        for role in ("team-lead", "assistant-manager"):
            user, created = User.objects.get_or_create(
                username=f"bench-{role}-{team.slug}",
                defaults={"email": f"{role}.{team.slug}@example.com", "is_staff": True})
            if created:
                membership_set(user=user, team=team, role=Role.objects.get(slug=role))


def restore(due_ids: list[int]) -> None:
    """Put the due cases back as they were before any sweep (benchmark set-up only)."""
    from django.db import transaction

    from escalations.models import Case, CaseEvent, Notification, TierStay

    with transaction.atomic():
        Notification.objects.filter(case_id__in=due_ids).delete()
        CaseEvent.objects.filter(case_id__in=due_ids).delete()
        Case.history.filter(id__in=due_ids).delete()
        TierStay.objects.filter(case_id__in=due_ids, level__gt=1).delete()
        TierStay.objects.filter(case_id__in=due_ids).update(
            left_at=None, left_by="", breached_at=None, warned_at=None)
        opened = NOW - timedelta(hours=30)
        Case.objects.filter(pk__in=due_ids).update(
            tier=1, state="open", due_at=opened + timedelta(hours=24),
            warn_at=opened + timedelta(hours=18), sla_next_at=opened + timedelta(hours=24),
            sla_breached=False, at_risk=False, version=1, breach_reminded_at=None,
            due_explanation="")


def settle() -> None:
    """On PostgreSQL, vacuum what restore() rewrote, as autovacuum would between sweeps (the
    benchmark server may run without it): dead row versions left by earlier repeats would
    otherwise slow every later update of the same rows, floor and sweep alike."""
    from django.db import connection

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in ("escalations_case", "escalations_historicalcase", "escalations_tierstay",
                      "escalations_caseevent", "escalations_notification"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def main() -> None:
    parser = arguments(__doc__, "sqlite:////tmp/bench_sweep.sqlite3")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    setup_django(options.database_url)

    from django.db import connection
    from django.db.models import F
    from django.test.utils import CaptureQueriesContext

    from escalations.models import Case, Notification
    from escalations.notifications.outbox import outbox_queue_pending_events
    from escalations.sla.sweep import sla_sweep

    make_people()
    due_ids = fill_cases(total=options.cases, open_count=options.open, due_count=options.due,
                         now=NOW)
    floors, narrow_floors, sweeps, queues, queries, notifications = [], [], [], [], 0, 0
    later = NOW + timedelta(days=1)
    for _ in range(options.repeat):
        restore(due_ids)
        settle()
        seconds, _ = timed(lambda: Case.objects.filter(pk__in=due_ids).update(
            tier=2, sla_next_at=later))
        narrow_floors.append(seconds)
        restore(due_ids)
        settle()
        seconds, _ = timed(lambda: Case.objects.filter(pk__in=due_ids).update(
            tier=2, state="open", due_at=later, warn_at=later, ack_due_at=None, sla_next_at=later,
            at_risk=False, ack_overdue=False, sla_breached=True, breach_reminded_at=None,
            held_since=None, due_explanation="24 calendar hours from entering the tier",
            version=F("version") + 1))
        floors.append(seconds)
        restore(due_ids)
        settle()
        with CaptureQueriesContext(connection) as captured:
            seconds, result = timed(lambda: sla_sweep(now=NOW))
        assert result["promoted"] == len(due_ids), result
        sweeps.append(seconds)
        queries = len(captured)
        seconds, _ = timed(outbox_queue_pending_events)
        queues.append(seconds)
        notifications = Notification.objects.filter(case_id__in=due_ids).count()
    floor, sweep = statistics.median(floors), statistics.median(sweeps)
    narrow = statistics.median(narrow_floors)
    # Each repeat measures its floor and its sweep back to back: their ratio is steadier than
    # the ratio of the medians when the machine's speed drifts between repeats.
    ratios = [s / f for s, f in zip(sweeps, floors, strict=True)]
    for number, (f, s) in enumerate(zip(floors, sweeps, strict=True), 1):
        print(f"repeat {number}: floor {f:.2f} s, sweep {s:.2f} s, {s / f:.1f}x")
    print(f"\nSLA sweep on {vendor()}: {Case.objects.count():,} cases, {options.open:,} open, "
          f"{len(due_ids):,} due")
    print(f"{'bare update of the due rows, two columns':42} {narrow:8.2f} s")
    print(f"{'floor: bare update, the columns swept':42} {floor:8.2f} s")
    queue = statistics.median(queues)
    print(f"{'sweep: transitions, history, stays, events':42} {sweep:8.2f} s  "
          f"({sweep / floor:.1f}x the floor; {queries} queries)")
    print(f"{'then the delivery run queues the outbox':42} {queue:8.2f} s  "
          f"({notifications:,} notifications)")
    label = "median of the repeats' sweep / floor"
    print(f"{label:42} {statistics.median(ratios):8.1f}x")
    print(json.dumps({"database": vendor(), "cases": options.cases, "due": len(due_ids),
                      "floor_s": round(floor, 3), "two_column_update_s": round(narrow, 3),
                      "sweep_s": round(sweep, 3), "outbox_queueing_s": round(queue, 3),
                      "ratio": round(sweep / floor, 2),
                      "median_ratio": round(statistics.median(ratios), 2), "queries": queries,
                      "notifications": notifications}))


if __name__ == "__main__":
    main()
