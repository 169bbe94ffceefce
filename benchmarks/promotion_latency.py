"""Benchmark: how long after its deadline is each case promoted, on the production topology?

    .venv/bin/python benchmarks/promotion_latency.py [--database-url URL] [--cases N]
        [--window SECONDS] [--sweep-every SECONDS]

Starts scripts/cluster_demo.sh (two gunicorn web servers, two django-q2 worker clusters and two
SLA sweepers on PostgreSQL and Redis, production settings) on a database of its own holding
--cases open cases (100,000) whose deadlines fall one per second, starting shortly after the
topology is up. It waits --window seconds (600), stops everything, and reads, for each case
whose deadline fell in the window, the delay between its deadline and the moment its promotion
was recorded (the event's recorded_at; the promotion itself is dated at the deadline).
Target: the 99th percentile within 65 s. Also checked: each such case promoted exactly once,
none before its deadline, none lost.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from common import ROOT, arguments, fill_cases, setup_django

LEAD = 45  # seconds from the deadlines being set to the first one falling
GRACE = 70  # seconds the topology keeps running after the window, for its last deadlines
CLUSTER_DIR = ROOT / ".run" / "latency-cluster"


def database_recreate(url: str) -> None:
    name, server = url.rsplit("/", 1)[1], url.rsplit("/", 1)[0]
    for sql in (f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"):
        subprocess.run(["psql", f"{server}/postgres", "-qc", sql], check=True)


def deadlines_every_second(start) -> int:
    """Give the open cases deadlines one second apart from start, in id order; no warnings."""
    from django.db.models import DateTimeField, ExpressionWrapper, F, Min, Value

    from escalations.models import Case, TierStay

    first = Case.objects.aggregate(first=Min("pk"))["first"]
    due = ExpressionWrapper(Value(start) + (F("pk") - first) * Value(timedelta(seconds=1)),
                            output_field=DateTimeField())
    count = Case.objects.filter(state="open").update(
        due_at=due, sla_next_at=due, warn_at=None, at_risk=False)
    stay_due = ExpressionWrapper(
        Value(start) + (F("case_id") - first) * Value(timedelta(seconds=1)),
        output_field=DateTimeField())
    TierStay.objects.filter(left_at__isnull=True).update(due_at=stay_due)
    return count


def cluster(command: str, url: str, every: int) -> None:
    environment = {**os.environ, "CLUSTER_DATABASE_URL": url, "CLUSTER_DEMO_CASES": "0",
                   "CLUSTER_DIR": str(CLUSTER_DIR), "SWEEP_EVERY": str(every),
                   "CLUSTER_REDIS_URL": "redis://127.0.0.1:6379/3"}
    subprocess.run([str(ROOT / "scripts" / "cluster_demo.sh"), command], check=True,
                   env=environment, stdout=subprocess.DEVNULL)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = arguments(__doc__, "postgres://postgres@127.0.0.1:5432/escalations_latency")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--window", type=int, default=600)
    parser.add_argument("--sweep-every", type=int, default=10,
                        help="The sweepers' interval; 0 runs none (the workers' schedule only).")
    options = parser.parse_args()
    if not options.database_url.startswith("postgres"):
        sys.exit("The production topology runs on PostgreSQL: give a postgres:// URL.")
    database_recreate(options.database_url)
    setup_django(options.database_url)

    from django.db.models import F
    from django.utils import timezone
    from sla_sweep import make_people

    from escalations.models import CaseEvent

    make_people()
    fill_cases(total=options.cases, open_count=options.cases, due_count=0, now=timezone.now())
    start = timezone.now() + timedelta(seconds=LEAD)
    deadlines_every_second(start)
    from django.db import connections

    connections.close_all()
    try:
        cluster("start", options.database_url, options.sweep_every)
        time.sleep(max(0.0, (start - timezone.now()).total_seconds()) + options.window + GRACE)
    finally:
        cluster("stop", options.database_url, options.sweep_every)

    end = start + timedelta(seconds=options.window)
    events = list(CaseEvent.objects.filter(
        kind=CaseEvent.Kind.ESCALATED, occurred_at__gte=start, occurred_at__lt=end,
    ).values_list("case_id", "occurred_at", "recorded_at"))
    promoted = {case_id for case_id, _, _ in events}
    missed = options.window - len(promoted)  # one deadline fell every second of the window
    # A case not promoted by the end of the grace period counts as never promoted.
    latencies = [(recorded - occurred).total_seconds() for _, occurred, recorded in events]
    latencies += [float("inf")] * missed
    early = CaseEvent.objects.filter(kind=CaseEvent.Kind.ESCALATED,
                                     recorded_at__lt=F("occurred_at")).count()
    result = {
        "database": "postgresql", "open_cases": options.cases, "window_s": options.window,
        "sweep_every_s": options.sweep_every, "deadlines_in_window": options.window,
        "promoted": len(promoted), "promotions_recorded": len(events),
        "promoted_twice": len(events) - len(promoted), "not_promoted": missed,
        "early": early,
        "p50_s": round(percentile(latencies, 0.50), 2),
        "p95_s": round(percentile(latencies, 0.95), 2),
        "p99_s": round(percentile(latencies, 0.99), 2),
        "max_s": round(max(latencies), 2),
        "mean_s": round(statistics.mean(latencies), 2),
    }
    sweeping = (f"sweepers every {options.sweep_every} s" if options.sweep_every
                else "no sweeper (the workers' schedule, once a minute)")
    print(f"Promotion latency, {options.cases:,} open cases, one deadline a second for "
          f"{options.window} s, {sweeping}:")
    print(f"  promoted {len(promoted)} of {options.window} (twice: {result['promoted_twice']}, "
          f"early: {result['early']})")
    print(f"  after the deadline: p50 {result['p50_s']} s, p95 {result['p95_s']} s, "
          f"p99 {result['p99_s']} s, max {result['max_s']} s (target: p99 <= 65 s)")
    print(json.dumps(result))
    log = CLUSTER_DIR / "sweeper-1.log"
    if Path(log).exists():
        print(f"  sweeper logs: {CLUSTER_DIR}")


if __name__ == "__main__":
    main()
