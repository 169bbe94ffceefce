"""Fault drills on the production topology (scripts/cluster_demo.sh), each asserting its outcome.

    .venv/bin/python scripts/fault_drills.py [--database-url URL] [DRILL ...]

DRILL is one or more of (default: all, in this order):
  sweeper-kill      kill -9 the sweeper in the middle of a sweep of 2,500 overdue cases
  worker-kill-sweep kill -9 the worker running the scheduled sweep (no sweepers running)
  report-kill       kill -9 the worker building a monthly report
  redis-stop        stop Redis for 30 s while deadlines fall and a manager escalates a case
  postgres-restart  restart PostgreSQL while deadlines fall

Each drill starts the topology on a database of its own (made again for each drill), breaks
it, lets it recover, stops it and then checks: no case lost, promoted twice or half-changed
(its tier, open stay, promotions and history agree), no notification queued twice and none
left unsent, the report built, and what the health check answered meanwhile (it is polled
every second). It prints PASS or FAIL for each check and exits 1 if any failed.

It stops and starts the machine's Redis and PostgreSQL (redis-stop, postgres-restart): run it
where nothing else uses them.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import psutil
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
CLUSTER_DIR = ROOT / ".run" / "fault-cluster"
PORTS = ("8121", "8122")
REDIS = "redis://127.0.0.1:6379/5"
PASSWORD = "fault-drill-password"
RESULTS: list[tuple[str, str, bool, str]] = []


def check(drill: str, what: str, passed: bool, detail: str = "") -> None:
    RESULTS.append((drill, what, passed, detail))
    print(f"  {'PASS' if passed else 'FAIL'}  {what}{f' ({detail})' if detail else ''}",
          flush=True)


# --- the topology -----------------------------------------------------------------------------

def cluster(command: str, url: str, **extra: str) -> None:
    environment = {**os.environ, "CLUSTER_DATABASE_URL": url, "CLUSTER_DEMO_CASES": "0",
                   "CLUSTER_DIR": str(CLUSTER_DIR), "CLUSTER_PORTS": " ".join(PORTS),
                   "CLUSTER_REDIS_URL": REDIS, **extra}
    subprocess.run([str(ROOT / "scripts" / "cluster_demo.sh"), command], check=True,
                   env=environment, stdout=subprocess.DEVNULL)


def pids(kind: str) -> list[int]:
    return [int(path.read_text()) for path in sorted(CLUSTER_DIR.glob(f"{kind}-*.pid"))]


def busiest(roots: list[int]) -> psutil.Process:
    """The process, among roots and their descendants, using the most CPU right now."""
    processes = []
    for pid in roots:
        root = psutil.Process(pid)
        processes += [root, *root.children(recursive=True)]
    for process in processes:
        process.cpu_percent(None)
    time.sleep(0.3)
    return max(processes, key=lambda process: process.cpu_percent(None))


class HealthWatch(threading.Thread):
    """Poll /health/ every second; remember each answer: (time, HTTP status, failing checks)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.answers: list[tuple[float, int, list[str]]] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(1):
            try:
                answer = requests.get(f"http://127.0.0.1:{PORTS[0]}/health/", timeout=5)
                failing = [name for name, found in answer.json()["checks"].items()
                           if not found["ok"]]
                self.answers.append((time.time(), answer.status_code, failing))
            except (requests.RequestException, ValueError):
                self.answers.append((time.time(), 0, ["no answer"]))

    def between(self, start: float, end: float) -> list[tuple[float, int, list[str]]]:
        return [answer for answer in self.answers if start <= answer[0] <= end]


# --- the data ---------------------------------------------------------------------------------

def database_recreate(url: str) -> None:
    from django.db import connections

    connections.close_all()
    server, name = url.rsplit("/", 1)
    for sql in (f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"):
        subprocess.run(["psql", f"{server}/postgres", "-qc", sql], check=True)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def cases_make(*groups: tuple[int, datetime, float]) -> None:
    """Open tier-1 cases, in groups of (count, first deadline, seconds between deadlines)."""
    from common import fill_cases
    from django.db.models import DateTimeField, ExpressionWrapper, F, Value
    from django.utils import timezone
    from sla_sweep import make_people

    from escalations.models import Case, TierStay

    make_people()
    fill_cases(total=sum(count for count, _, _ in groups),
               open_count=sum(count for count, _, _ in groups), due_count=0, now=timezone.now())
    ids = list(Case.objects.order_by("pk").values_list("pk", flat=True))
    offset = 0
    for count, first, every in groups:
        low, high = ids[offset], ids[offset + count - 1]
        offset += count

        def due(field: str, low: int = low, first: datetime = first, every: float = every):
            return ExpressionWrapper(
                Value(first) + (F(field) - low) * Value(timedelta(seconds=every)),
                output_field=DateTimeField())

        Case.objects.filter(pk__range=(low, high)).update(
            due_at=due("pk"), sla_next_at=due("pk"), warn_at=None)
        TierStay.objects.filter(case_id__gte=low, case_id__lte=high).update(due_at=due("case_id"))


def manager_login() -> requests.Session:
    """A manager of Customer Service, logged in through the login page."""
    import re

    from accounts.models import Role, Team, User
    from accounts.services import membership_set

    user = User.objects.create_user(username="drill-manager", password=PASSWORD, is_staff=True,
                                    email="drill-manager@example.com")
    membership_set(user=user, team=Team.objects.get(slug="customer-service"),
                   role=Role.objects.get(slug="manager"))
    session = requests.Session()
    server = f"http://127.0.0.1:{PORTS[1]}"
    page = session.get(f"{server}/admin/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    session.post(f"{server}/admin/login/", timeout=30, allow_redirects=False,
                 data={"username": user.username, "password": PASSWORD,
                       "csrfmiddlewaretoken": token, "next": "/admin/"})
    return session


def wait_until(condition, seconds: float, step: float = 0.5) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


def promoted_count(due_before) -> int:
    from escalations.models import Case

    return Case.objects.filter(pk__in=due_ids(due_before), tier__gt=1).count()


def due_ids(due_before) -> list[int]:
    from escalations.models import TierStay

    return list(TierStay.objects.filter(level=1, due_at__lte=due_before)
                .values_list("case_id", flat=True))


def consistent(drill: str, due_before, escalated_by_hand: set[int] = frozenset()) -> None:
    """Every case whose deadline fell is promoted exactly once and whole; no other case is
    (but those a person escalated)."""
    from django.db.models import Count

    from escalations.models import Case, CaseEvent, Notification, TierStay

    due = set(due_ids(due_before))
    tiers = dict(Case.objects.values_list("pk", "tier"))
    events = Counter(CaseEvent.objects.filter(kind=CaseEvent.Kind.ESCALATED)
                     .values_list("case_id", flat=True))
    open_stays = dict(TierStay.objects.filter(left_at__isnull=True).values("case_id")
                      .annotate(n=Count("pk")).values_list("case_id", "n"))
    open_levels = dict(TierStay.objects.filter(left_at__isnull=True)
                       .values_list("case_id", "level"))
    promoted_history = Counter(Case.history.filter(tier=2).values_list("id", flat=True))
    lost = [pk for pk in due if tiers.get(pk) != 2]
    early = [pk for pk in tiers if pk not in due | escalated_by_hand and tiers[pk] != 1]
    twice = [pk for pk, count in events.items() if count != 1]
    half = [pk for pk in tiers if open_stays.get(pk) != 1 or open_levels.get(pk) != tiers[pk]
            or (tiers[pk] == 2) != (pk in events) or (tiers[pk] == 2) != (pk in promoted_history)]
    check(drill, f"each of the {len(due):,} cases due was promoted", not lost,
          f"{len(lost)} not promoted" if lost else "")
    check(drill, "no case promoted before its deadline", not early, f"{len(early)} early")
    check(drill, "no case promoted twice", not twice, f"{len(twice)} twice")
    check(drill, "no case half-changed (tier, open stay, event and history agree)", not half,
          f"{len(half)} disagree, e.g. {half[:3]}")
    duplicates = (Notification.objects.values("case_event_id", "channel", "recipient")
                  .annotate(n=Count("pk")).filter(n__gt=1).count())
    check(drill, "no notification queued twice", duplicates == 0, f"{duplicates} duplicates")


def delivered(drill: str, seconds: float = 400) -> None:
    from escalations.models import CaseEvent, Notification

    def settled() -> bool:
        return (not CaseEvent.objects.filter(notifications_queued=False).exists()
                and not Notification.objects.filter(status__in=["queued", "sending"]).exists())

    wait_until(settled, seconds, step=2)
    counts = Counter(Notification.objects.values_list("status", flat=True))
    check(drill, "every notification sent (none queued or failed)",
          settled() and not counts.get("failed"), json.dumps(counts))


# --- the drills -------------------------------------------------------------------------------

def drill_kill_mid_sweep(url: str, drill: str) -> None:
    """2,500 cases overdue at once; kill -9 whoever sweeps them (the sweeper, or with no
    sweeper the worker running the scheduled sweep) once the first batch has committed."""
    from django.utils import timezone

    by_sweeper = drill == "sweeper-kill"
    sweep_every = "10" if by_sweeper else "0"
    database_recreate(url)
    now = timezone.now()
    cases_make((2500, now - timedelta(hours=1), 1), (400, now + timedelta(days=1), 1))
    due_before = now
    due = len(due_ids(due_before))
    cluster("start", url, SWEEP_EVERY=sweep_every)
    watch = HealthWatch()
    watch.start()
    try:
        started = wait_until(lambda: promoted_count(due_before) > 0, 150, step=0.1)
        victim = busiest(pids("sweeper" if by_sweeper else "worker"))
        done_then = promoted_count(due_before)
        victim.send_signal(signal.SIGKILL)
        killed = time.time()
        check(drill, f"the {'sweeper' if by_sweeper else 'worker'} was killed mid-sweep",
              started and done_then < due, f"{done_then:,} of {due:,} promoted when killed")
        finished = wait_until(lambda: promoted_count(due_before) == due, 300, step=1)
        check(drill, f"{'the standby sweeper' if by_sweeper else 'a later scheduled sweep'} "
              "finished the sweep", finished, f"{time.time() - killed:.0f} s after the kill")
        delivered(drill)
    finally:
        watch.stopping.set()
        cluster("stop", url, SWEEP_EVERY=sweep_every)
    consistent(drill, due_before)
    stale = [answer for answer in watch.answers if "sla_sweep" in answer[2]]
    check(drill, "the health check's sweep was ok once the sweep was taken over",
          "sla_sweep" not in watch.answers[-1][2],
          f"unhealthy sweep in {len(stale)} of {len(watch.answers)} answers (none had finished "
          "before the kill)")


def drill_report_kill(url: str) -> None:
    from django.utils import timezone
    from django_q.tasks import async_task

    from reports.models import MonthlyReport
    from reports.periods import month
    from reports.services import monthly_report_request

    drill = "report-kill"
    database_recreate(url)
    now = timezone.now()
    cases_make((60000, now + timedelta(days=2), 1))  # none falls due during the drill
    local = timezone.localdate()
    period = month(local.year, local.month)
    cluster("start", url, REPORT_BUILD_STALE_SECONDS="60")
    try:
        report = monthly_report_request(period=period)
        async_task("reports.tasks.generate_monthly_report", report.pk, period.label)
        building = wait_until(lambda: MonthlyReport.objects.filter(
            pk=report.pk, building_since__isnull=False).exists(), 120, step=0.1)
        time.sleep(1)
        victim = busiest(pids("worker"))
        victim.send_signal(signal.SIGKILL)
        killed = time.time()
        report.refresh_from_db()
        check(drill, "the worker was killed while building the report",
              building and report.status == MonthlyReport.Status.PENDING,
              f"killed {victim.name()} {victim.pid}")
        built = wait_until(lambda: MonthlyReport.objects.filter(
            pk=report.pk, status=MonthlyReport.Status.READY).exists(), 300, step=2)
        check(drill, "the report was built again and is ready", built,
              f"{time.time() - killed:.0f} s after the kill (stale after 60 s here)")
    finally:
        cluster("stop", url)
    report.refresh_from_db()
    from openpyxl import load_workbook

    with report.file.open("rb") as data:
        sheets = load_workbook(data, read_only=True).sheetnames
    check(drill, "its workbook opens, with its cases", report.cases > 0 and bool(sheets),
          f"{report.cases:,} cases, sheets {sheets}")
    check(drill, "one report, not two", MonthlyReport.objects.count() == 1)


def redis_stop() -> None:
    subprocess.run(["redis-cli", "-h", "127.0.0.1", "shutdown", "nosave"], check=False,
                   capture_output=True)


def redis_start() -> None:
    subprocess.run(["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1",
                    "--port", "6379", "--save", "", "--appendonly", "no",
                    "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/drill.log"],
                   check=True)
    wait_until(lambda: subprocess.run(["redis-cli", "-h", "127.0.0.1", "ping"],
                                      capture_output=True).returncode == 0, 30)


def postgres_restart(down: float) -> None:
    version = sorted(os.listdir("/etc/postgresql"))[0]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "stop",
                    "-m", "fast"], check=True)
    time.sleep(down)
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
                   check=True)
    wait_until(lambda: subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"]).returncode == 0,
               60)


def drill_outage(url: str, drill: str) -> None:
    """Deadlines fall one a second for four minutes, through a 30 s outage of Redis or
    PostgreSQL; 100 more cases are due tomorrow."""
    from django.db import connections
    from django.utils import timezone

    from escalations.models import Case

    database_recreate(url)
    escalated_by_hand: set[int] = set()
    now = timezone.now()
    first = now + timedelta(seconds=60)
    cases_make((240, first, 1), (100, now + timedelta(days=1), 1))
    due_before = first + timedelta(seconds=239)
    cluster("start", url)
    watch = HealthWatch()
    watch.start()
    try:
        session = manager_login()
        healthy_before = wait_until(lambda: watch.answers and watch.answers[-1][1] == 200, 150)
        check(drill, "healthy before the outage", healthy_before,
              str(watch.answers[-1][2] if watch.answers else "no answer"))
        connections.close_all()
        start = time.time()
        if drill == "redis-stop":
            redis_stop()
            time.sleep(5)
            case = (Case.objects.filter(team__slug="customer-service")  # the manager's team
                    .order_by("-pk").first())  # due tomorrow
            escalated_by_hand.add(case.pk)
            page = session.get(f"http://127.0.0.1:{PORTS[1]}/admin/escalations/case/"
                               f"{case.pk}/transition/escalate/", timeout=30)
            token = session.cookies.get("csrftoken")
            answer = session.post(
                f"http://127.0.0.1:{PORTS[1]}/admin/escalations/case/{case.pk}/transition/"
                "escalate/", timeout=30, allow_redirects=False,
                data={"csrfmiddlewaretoken": token, "version": case.version,
                      "reason": "Customer called during the outage"},
                headers={"Referer": page.url})
            escalated = Case.objects.get(pk=case.pk).tier == 2
            check(drill, "a manager escalated a case while Redis was down",
                  answer.status_code == 302 and escalated, f"HTTP {answer.status_code}")
            time.sleep(25)
            redis_start()
        else:
            postgres_restart(down=30)
        end = time.time()
        connections.close_all()
        during = watch.between(start + 2, end)
        unhealthy = [answer for answer in during if answer[1] != 200]
        check(drill, "the health check said unhealthy during the outage",
              bool(during) and len(unhealthy) >= len(during) - 2,
              f"{len(unhealthy)} of {len(during)} answers; e.g. {during[len(during) // 2][1:]}"
              if during else "no answers")
        recovered = wait_until(lambda: watch.answers[-1][1] == 200, 180)
        check(drill, "healthy again after the outage", recovered,
              f"{time.time() - end:.0f} s after; last answer {watch.answers[-1][1:]}")
        wait_until(lambda: timezone.now() > due_before + timedelta(seconds=15), 400, step=2)
        wait_until(lambda: promoted_count(due_before) == len(due_ids(due_before)), 60)
        delivered(drill)
    finally:
        watch.stopping.set()
        cluster("stop", url)
    consistent(drill, due_before, escalated_by_hand=escalated_by_hand)


DRILLS = {
    "sweeper-kill": lambda url: drill_kill_mid_sweep(url, "sweeper-kill"),
    "worker-kill-sweep": lambda url: drill_kill_mid_sweep(url, "worker-kill-sweep"),
    "report-kill": drill_report_kill,
    "redis-stop": lambda url: drill_outage(url, "redis-stop"),
    "postgres-restart": lambda url: drill_outage(url, "postgres-restart"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url",
                        default="postgres://postgres@127.0.0.1:5432/escalations_faults")
    parser.add_argument("drills", nargs="*", metavar="DRILL", default=[],
                        help=f"one or more of: {', '.join(DRILLS)} (default: all)")
    options = parser.parse_args()
    unknown = set(options.drills) - set(DRILLS)
    if unknown:
        parser.error(f"no drill called {', '.join(sorted(unknown))}")
    os.environ.update({"DATABASE_URL": options.database_url, "REDIS_URL": REDIS,
                       "MEDIA_ROOT": str(CLUSTER_DIR / "files"),
                       "DJANGO_SETTINGS_MODULE": "config.settings.local", "DEBUG": "false"})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    for name in options.drills or list(DRILLS):
        print(f"{name}:", flush=True)
        DRILLS[name](options.database_url)
    failed = [result for result in RESULTS if not result[2]]
    print(f"\n{len(RESULTS) - len(failed)} of {len(RESULTS)} checks passed.")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
