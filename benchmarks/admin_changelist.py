"""Benchmark: the case changelist at 1,000,000 cases (median page time and queries per page).

    .venv/bin/python benchmarks/admin_changelist.py [--cases 1000000] [--database-url URL]

Baseline in the same run: the same first page (the list's page size) fetched bare: one query, no
admin.
Targets: median <= 100 ms on SQLite and <= 150 ms on PostgreSQL, constant queries per page;
the case page of an open case is measured beside the list.
"""

from __future__ import annotations

import json
import statistics
import time
from datetime import UTC, datetime

from common import arguments, fill_cases, setup_django, timed, vendor

NOW = datetime(2026, 11, 24, 6, tzinfo=UTC)


def main() -> None:
    parser = arguments(__doc__, "sqlite:////tmp/bench_cases.sqlite3")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    options = parser.parse_args()
    setup_django(options.database_url)

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Role, Team, User
    from accounts.services import membership_set
    from escalations.admin.case_admin import CaseAdmin
    from escalations.models import Case

    admin, _ = User.objects.get_or_create(username="bench-admin",
                                          defaults={"is_superuser": True, "is_staff": True})
    lead, created = User.objects.get_or_create(username="bench-lead", defaults={"is_staff": True})
    if created:
        membership_set(user=lead, team=Team.objects.get(slug="customer-service"),
                       role=Role.objects.get(slug="team-lead"))
    fill_cases(total=options.cases, open_count=options.cases // 10,
               due_count=options.cases // 100, now=NOW)
    some_ticket = Case.objects.order_by("-pk").values_list("ticket_id", flat=True)[:1][0]
    team = Team.objects.get(slug="sales-bd").pk
    scenarios = [
        ("admin: default page", "bench-admin", ""),
        ("admin: state=open", "bench-admin", "?state=open"),
        ("admin: overdue", "bench-admin", "?due=overdue"),
        ("admin: risk 5 + team", "bench-admin", f"?risk=5&team={team}"),
        ("admin: search ticket", "bench-admin", f"?q={some_ticket}"),
        ("admin: page 5", "bench-admin", "?p=4"),
        ("team lead: default page", "bench-lead", ""),
        ("team lead: my team's queue", "bench-lead", "?queue=team&state=active"),
        ("admin: all states", "bench-admin", "?state=all"),
    ]
    # The case page of an open case with a history, as people open it from the list.
    case_pk = Case.objects.filter(state="open").order_by("-pk").values_list("pk", flat=True)[0]
    pages = [("admin: case page", "bench-admin", f"/admin/escalations/case/{case_pk}/change/")]

    def bare() -> None:
        list(Case.objects.select_related("category", "assignee")
             .order_by("-risk_rating", "due_at", "-id")[:CaseAdmin.list_per_page])

    bare()
    baseline, _ = timed(bare, options.repeat)
    rows = []
    for label, username, url in [
        *((label, user, "/admin/escalations/case/" + query) for label, user, query in scenarios),
        *pages,
    ]:
        client = Client()
        client.force_login(User.objects.get(username=username))
        for _ in range(2):
            assert client.get(url).status_code == 200
        times = []
        for _ in range(options.repeat):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                client.get(url)
                times.append(time.perf_counter() - start)
        times.sort()
        rows.append({"scenario": label, "median_ms": statistics.median(times) * 1000,
                     "p90_ms": times[int(len(times) * 0.9) - 1] * 1000,
                     "queries": len(queries)})
    print(f"\nchangelist on {vendor()} with {Case.objects.count():,} cases "
          f"(baseline bare first page: {baseline * 1000:.1f} ms)")
    print(f"{'scenario':32} {'median ms':>10} {'p90 ms':>8} {'queries':>8} {'× bare':>7}")
    for row in rows:
        print(f"{row['scenario']:32} {row['median_ms']:10.1f} {row['p90_ms']:8.1f} "
              f"{row['queries']:8d} {row['median_ms'] / (baseline * 1000):7.1f}")
    print(json.dumps({"database": vendor(), "cases": options.cases,
                      "baseline_ms": round(baseline * 1000, 2),
                      "scenarios": [{k: round(v, 1) if isinstance(v, float) else v
                                     for k, v in r.items()} for r in rows]}))


if __name__ == "__main__":
    main()
