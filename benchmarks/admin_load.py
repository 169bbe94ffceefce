"""Benchmark: the admin under load, on the production topology, with 1,000,000 cases.

    .venv/bin/python benchmarks/admin_load.py [--database-url URL] [--cases N] [--users N]
        [--seconds N] [--bare-seconds N] [--max-requests N]

Starts scripts/cluster_demo.sh (two gunicorn web servers, two worker clusters and two SLA
sweepers on PostgreSQL and Redis, production settings) on a database of its own filled with
--cases cases (100,000 open, their deadlines falling one a second, so the sweep has work all
along). Locust (headless, on loopback, bounded in users, seconds and requests) then runs twice:

1. the floor: --users staff browse the admin theme's plain page of the case model (its list
   and change page, no columns, views or scoping of ours) for --bare-seconds;
2. the product: --users staff of mixed roles (agents, team leads, supervisors, managers, the
   head of operations), each logged in beforehand, half on each web server, browse the case
   list, search it, open case pages, put cases on hold and resume them and add notes, for
   --seconds.

For each run: requests/s, p50/p95/p99, errors, and the web servers' CPU seconds per request
(user + system of every gunicorn process, read with psutil). Targets: no errors; the product's
CPU per request at most 2x the floor's.
"""

from __future__ import annotations

import csv
import json
import os
import random
import re
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import psutil
import requests
from common import ROOT, analyze, arguments, fill_cases, setup_django
from promotion_latency import deadlines_every_second
from sla_sweep import make_people

CLUSTER_DIR = ROOT / ".run" / "load-cluster"
PORTS = ("8111", "8112")
PASSWORD = "load-bench-password"
# 20 people by default, in these proportions.
ROLES = ["agent"] * 6 + ["team-lead"] * 5 + ["supervisor"] * 3 + ["assistant-manager"] * 2 + [
    "manager"] * 3 + ["head-of-operations"]


def database_ensure(url: str) -> None:
    name, server = url.rsplit("/", 1)[1], url.rsplit("/", 1)[0]
    found = subprocess.run(["psql", f"{server}/postgres", "-tAc",
                            f"SELECT 1 FROM pg_database WHERE datname='{name}'"],
                           check=True, capture_output=True, text=True).stdout.strip()
    if not found:
        subprocess.run(["psql", f"{server}/postgres", "-qc", f"CREATE DATABASE {name}"],
                       check=True)


def people_make(count: int) -> list[tuple[str, str]]:
    """Staff of mixed roles in Customer Service, and an administrator: (username, role)."""
    from accounts.models import Role, Team, User
    from accounts.services import membership_set

    team = Team.objects.get(slug="customer-service")
    people = []
    for number in range(count):
        role = ROLES[number % len(ROLES)]
        username = f"load-{role}-{number}"
        if not User.objects.filter(username=username).exists():
            user = User.objects.create_user(username=username, password=PASSWORD,
                                            is_staff=True)
            membership_set(user=user, team=team, role=Role.objects.get(slug=role))
        people.append((username, role))
    if not User.objects.filter(username="load-admin").exists():
        User.objects.create_superuser(username="load-admin", password=PASSWORD,
                                      email="load-admin@example.com")
    return people


def visible_open_cases(username: str, count: int = 300) -> list[int]:
    from accounts.models import User
    from escalations.selectors import cases_visible_to

    user = User.objects.get(username=username)
    return list(cases_visible_to(user).filter(state="open").order_by("pk")
                .values_list("pk", flat=True)[:count])


def login(server: str, username: str) -> dict[str, str]:
    """Log in through the login page as a person does; return the session's cookies."""
    session = requests.Session()
    page = session.get(f"{server}/admin/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(f"{server}/admin/login/?next=/admin/", timeout=30,
                          allow_redirects=False,
                          data={"username": username, "password": PASSWORD,
                                "csrfmiddlewaretoken": token, "next": "/admin/"},
                          headers={"Referer": f"{server}/admin/login/"})
    if answer.status_code != 302:
        sys.exit(f"Logging in as {username} answered HTTP {answer.status_code}.")
    return session.cookies.get_dict()


def cluster(command: str, url: str) -> None:
    environment = {**os.environ, "CLUSTER_DATABASE_URL": url, "CLUSTER_DEMO_CASES": "0",
                   "CLUSTER_DIR": str(CLUSTER_DIR), "CLUSTER_PORTS": " ".join(PORTS),
                   "CLUSTER_REDIS_URL": "redis://127.0.0.1:6379/4",
                   "ROOT_URLCONF": "benchmarks.bare_admin_urls"}
    subprocess.run([str(ROOT / "scripts" / "cluster_demo.sh"), command], check=True,
                   env=environment, stdout=subprocess.DEVNULL)


def web_cpu_seconds() -> float:
    """User + system CPU seconds of every gunicorn process (masters and workers) so far."""
    total = 0.0
    for pidfile in CLUSTER_DIR.glob("web-*.pid"):
        master = psutil.Process(int(pidfile.read_text()))
        for process in [master, *master.children(recursive=True)]:
            times = process.cpu_times()
            total += times.user + times.system
    return total


def locust_run(plan: dict, phase: str, users: int, seconds: int, max_requests: int,
               folder: Path) -> dict:
    """Run locust headless; return its aggregated figures and the web servers' CPU cost."""
    plan_file = folder / f"{phase}-plan.json"
    plan_file.write_text(json.dumps(plan))
    prefix = folder / phase
    before = web_cpu_seconds()
    subprocess.run(
        [str(ROOT / ".venv" / "bin" / "locust"), "-f", str(ROOT / "benchmarks" / "locust_admin.py"),
         "--headless", "--users", str(users), "--spawn-rate", str(users),
         "--run-time", f"{seconds}s", "--stop-timeout", "10", "--only-summary",
         "--csv", str(prefix), "--host", f"http://127.0.0.1:{PORTS[0]}", "--loglevel", "ERROR"],
        env={**os.environ, "LOAD_PLAN": str(plan_file), "LOAD_PHASE": phase,
             "LOAD_MAX_REQUESTS": str(max_requests)},
        check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    cpu = web_cpu_seconds() - before
    with open(f"{prefix}_stats.csv") as stats:
        rows = {row["Name"]: row for row in csv.DictReader(stats)}
    with open(f"{prefix}_failures.csv") as failures:
        failed = [f"{row['Name']}: {row['Error']} ({row['Occurrences']}x)"
                  for row in csv.DictReader(failures)]
    total = rows["Aggregated"]
    count = int(total["Request Count"])
    return {
        "requests": count, "errors": int(total["Failure Count"]),
        "requests_per_s": round(float(total["Requests/s"]), 1),
        "p50_ms": int(float(total["50%"])), "p95_ms": int(float(total["95%"])),
        "p99_ms": int(float(total["99%"])),
        "web_cpu_s": round(cpu, 2), "cpu_ms_per_request": round(1000 * cpu / max(count, 1), 2),
        "failures": failed,
        "pages": {name: {"requests": int(row["Request Count"]),
                         "errors": int(row["Failure Count"]),
                         "p50_ms": int(float(row["50%"])), "p95_ms": int(float(row["95%"]))}
                  for name, row in rows.items() if name != "Aggregated"},
    }


def main() -> None:
    parser = arguments(__doc__, "postgres://postgres@127.0.0.1:5432/escalations_load")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--bare-seconds", type=int, default=30)
    parser.add_argument("--max-requests", type=int, default=50_000)
    options = parser.parse_args()
    if not options.database_url.startswith("postgres"):
        sys.exit("The production topology runs on PostgreSQL: give a postgres:// URL.")
    if not 1 <= options.users <= 100 or not 1 <= options.seconds <= 600:
        sys.exit("Keep the load bounded: 1-100 users, 1-600 seconds.")
    database_ensure(options.database_url)
    setup_django(options.database_url)

    from django.db import connections
    from django.utils import timezone

    make_people()
    fill_cases(total=options.cases, open_count=min(100_000, options.cases), due_count=0,
               now=timezone.now())
    deadlines_every_second(timezone.now() + timedelta(seconds=60))
    people = people_make(options.users)
    analyze()
    servers = [f"http://127.0.0.1:{port}" for port in PORTS]
    cases = {username: visible_open_cases(username) for username, _ in people}
    connections.close_all()
    rng = random.Random(1)
    results = {}
    try:
        cluster("start", options.database_url)
        admin = [{"server": servers[n % 2], "role": "administrator",
                  "cookies": login(servers[n % 2], "load-admin"),
                  "cases": rng.sample(cases[people[0][0]], min(100, len(cases[people[0][0]])))}
                 for n in range(2)]
        staff = [{"server": servers[n % 2], "role": role, "cookies": login(servers[n % 2], name),
                  "cases": cases[name]} for n, (name, role) in enumerate(people)]
        with tempfile.TemporaryDirectory() as folder:
            results["bare"] = locust_run({"people": admin}, "bare", options.users,
                                         options.bare_seconds, options.max_requests,
                                         Path(folder))
            results["product"] = locust_run({"people": staff}, "product", options.users,
                                            options.seconds, options.max_requests,
                                            Path(folder))
    finally:
        cluster("stop", options.database_url)

    ratio = results["product"]["cpu_ms_per_request"] / results["bare"]["cpu_ms_per_request"]
    print(f"Admin under load: {options.cases:,} cases, {options.users} people, two web "
          f"servers, the sweep running")
    for phase, label in (("bare", "floor: the theme's plain case admin"),
                         ("product", "the product, mixed roles")):
        r = results[phase]
        print(f"  {label:38} {r['requests']:6,} requests, {r['requests_per_s']:6.1f}/s, "
              f"p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, p99 {r['p99_ms']} ms, "
              f"errors {r['errors']}, web CPU {r['cpu_ms_per_request']:.1f} ms/request")
    for name, page in sorted(results["product"]["pages"].items()):
        print(f"    {name:34} {page['requests']:6,}  p50 {page['p50_ms']:5} ms  "
              f"p95 {page['p95_ms']:5} ms  errors {page['errors']}")
    for failure in results["bare"]["failures"] + results["product"]["failures"]:
        print(f"  failed: {failure}")
    print(f"  CPU per request: {ratio:.2f}x the floor (target: at most 2x, and no errors)")
    summary = {phase: {key: value for key, value in r.items() if key not in ("pages", "failures")}
               for phase, r in results.items()}
    print(json.dumps({"cases": options.cases, "users": options.users, **summary,
                      "cpu_ratio": round(ratio, 2)}))


if __name__ == "__main__":
    main()
