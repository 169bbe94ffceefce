"""Benchmark: the monthly workbook for a month of 100,000 cases with their tier stays.

    .venv/bin/python benchmarks/monthly_report.py [--cases 100000] [--database-url URL]

Floor in the same run: fetching the month's cases and writing the same Cases rows with
XlsxWriter's constant-memory mode alone. Each measurement runs in its own process so that its
peak memory (max RSS) is its own. Targets: under 60 s and 500 MB, within 3x of the floor, and a
number of queries that does not depend on the number of cases.
"""

from __future__ import annotations

import json
import multiprocessing
import random
import resource
import time
from datetime import UTC, datetime, timedelta

from common import ROOT, analyze, arguments, setup_django, vendor

MONTH_START = datetime(2026, 10, 31, 16, tzinfo=UTC)  # 1 Nov 2026 00:00 in Singapore


def fill(count: int) -> None:
    """Create count cases opened in November 2026 with 1-3 stays each (benchmark set-up)."""
    from accounts.models import Team
    from escalations.models import Case, Category, TierStay

    if Case.objects.count() >= count:
        return
    rng = random.Random(3)
    categories = list(Category.objects.select_related("default_policy"))
    teams = list(Team.objects.all())
    cases = []
    for number in range(count):
        category = rng.choice(categories)
        opened = MONTH_START + timedelta(minutes=rng.randint(0, 29 * 24 * 60))
        resolved = opened + timedelta(hours=rng.uniform(1, 120)) if number % 4 else None
        state = "open" if resolved is None else ("closed" if number % 3 else "resolved")
        cases.append(Case(
            ticket_id=f"MR-{number:07d}", customer_name=f"Customer {number}",
            customer_email=f"c{number}@example.com", category=category,
            policy=category.default_policy, risk_rating=rng.randint(1, 5),
            tier=rng.randint(1, 2), state=state, team=rng.choice(teams), summary="=1+1 summary",
            opened_at=opened, resolved_at=resolved,
            closed_at=resolved + timedelta(hours=24) if state == "closed" else None,
            feedback_score=rng.randint(1, 5) if state == "closed" else None,
            sla_breached=number % 7 == 0,
        ))
    start = time.perf_counter()
    Case.objects.bulk_create(cases, batch_size=5000)
    stays = []
    for pk, opened, resolved, tier in Case.objects.values_list(
            "pk", "opened_at", "resolved_at", "tier").iterator(chunk_size=10000):
        entered = opened
        for level in range(1, tier + 1):
            left = resolved if level == tier else entered + timedelta(hours=rng.uniform(1, 30))
            stays.append(TierStay(
                case_id=pk, level=level, tier_name=f"Tier {level}", entered_at=entered,
                acknowledged_at=entered + timedelta(minutes=rng.randint(5, 300)),
                due_at=entered + timedelta(hours=24), left_at=left, clock_from=entered,
                clock_basis="tier_entry", origin_at=opened, origin_basis="opening",
                left_by="escalate" if level < tier else ("resolve" if left else ""),
                breached_at=entered + timedelta(hours=24) if rng.random() < 0.1 else None))
            entered = left or entered
    TierStay.objects.bulk_create(stays, batch_size=5000)
    analyze()
    print(f"filled {count:,} cases and {len(stays):,} stays in {time.perf_counter() - start:.1f} s")


def peak_mb() -> float:
    """This process's peak resident memory in MB.

    Linux's ru_maxrss carries the parent's peak over fork and exec, so a spawned child would
    report the parent's (the filling) peak; VmHWM belongs to the process's own memory map.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _report(url: str, queue, team: str | None) -> None:
    setup_django(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from escalations.models import Case
    from reports.periods import month
    from reports.workbook import write_workbook

    cases = Case.objects.all() if team is None else Case.objects.filter(team__slug=team)
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        rows = write_workbook("/tmp/bench_report.xlsx", cases, month(2026, 11))
        seconds = time.perf_counter() - start
    queue.put({"seconds": seconds, "rows": rows, "queries": len(queries),
               "peak_mb": peak_mb()})


def _floor(url: str, queue, team: str | None) -> None:
    setup_django(url)
    import xlsxwriter

    from escalations.imports.columns import EXPORT_COLUMNS
    from escalations.models import Case
    from reports.periods import month
    from reports.workbook import _case_values, month_cases

    start = time.perf_counter()
    book = xlsxwriter.Workbook("/tmp/bench_floor.xlsx", {"constant_memory": True})
    sheet = book.add_worksheet("Cases")
    sheet.write_row(0, 0, EXPORT_COLUMNS)
    rows = month_cases(Case.objects.all(), month(2026, 11)).select_related(
        "category", "policy", "team", "assignee").order_by("pk").iterator(chunk_size=2000)
    count = 0
    date_format = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for count, case in enumerate(rows, start=1):
        for column, value in enumerate(_case_values(case)):
            if isinstance(value, datetime):
                sheet.write_datetime(count, column, value.replace(tzinfo=None), date_format)
            elif value is not None:
                sheet.write(count, column, value)
    book.close()
    queue.put({"seconds": time.perf_counter() - start, "rows": count, "queries": 1,
               "peak_mb": peak_mb()})


def measure(target, url: str, team: str | None = None) -> dict:
    queue = multiprocessing.get_context("spawn").Queue()
    process = multiprocessing.get_context("spawn").Process(target=target, args=(url, queue, team))
    process.start()
    result = queue.get()
    process.join()
    return result


def main() -> None:
    parser = arguments(__doc__, "sqlite:////tmp/bench_report.sqlite3")
    parser.add_argument("--cases", type=int, default=100_000)
    options = parser.parse_args()
    setup_django(options.database_url)
    fill(options.cases)
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    floor = measure(_floor, options.database_url)
    report = measure(_report, options.database_url)
    one_team = measure(_report, options.database_url, "legal")
    print(f"\nmonthly report on {vendor()}: {report['rows']:,} cases in the month")
    print(f"{'':34} {'seconds':>8} {'peak MB':>8} {'queries':>8}")
    print(f"{'floor: Cases rows, constant memory':34} {floor['seconds']:8.1f} "
          f"{floor['peak_mb']:8.0f} {floor['queries']:8d}")
    print(f"{'full report (5 sheets, charts)':34} {report['seconds']:8.1f} "
          f"{report['peak_mb']:8.0f} {report['queries']:8d}")
    print(f"{'one team (' + str(one_team['rows']) + ' cases)':34} {one_team['seconds']:8.1f} "
          f"{one_team['peak_mb']:8.0f} {one_team['queries']:8d}")
    print(f"ratio full / floor: {report['seconds'] / floor['seconds']:.2f}x; queries "
          f"{'independent of' if report['queries'] == one_team['queries'] else 'DEPEND ON'} "
          "the number of cases")
    print(json.dumps({"database": vendor(), "cases": report["rows"], "floor": floor,
                      "report": report, "one_team": one_team,
                      "ratio": round(report["seconds"] / floor["seconds"], 2)}))


if __name__ == "__main__":
    main()
