"""Benchmark: importing a 100,000-row tracker (xlsx and csv), against the parse+insert floor.

    .venv/bin/python benchmarks/import_tracker.py [--rows 100000] [--database-url URL]
                                                 [--formats xlsx,csv]

Floor in the same run: parse the same file and bulk_create plain Case rows from it (no
validation, no history, no stays). Targets: under 60 s for 100,000 rows on SQLite with history,
within 4x of the floor, and a second import of the same (unchanged) file under half the first.
"""

from __future__ import annotations

import csv
import json
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import arguments, setup_django, vendor

HEADERS = ["Ticket #", "Date Escalated", "Customer", "Email", "Order #", "Value", "Issue Type",
           "Risk", "Team", "Status", "Summary", "Remarks"]
RISKS = ["5 - critical", 4, "3", 2, "1"]
TEAMS = ["Customer Service", "Sales/BD", "Operations", "Legal"]
STATES = ["Closed"] * 5 + ["Resolved"] * 2 + ["Open", "In progress"]


def tracker_rows(count: int, categories: list[str], *, excel_dates: bool) -> list[list]:
    rng = random.Random(7)
    start = datetime(2024, 1, 1, 9, 0)
    rows = []
    for number in range(count):
        opened = start + timedelta(minutes=rng.randint(0, 1_000_000))
        date = opened if excel_dates and number % 2 else (
            opened.strftime("%d/%m/%Y %H:%M") if number % 3 else opened.strftime("%Y-%m-%d"))
        rows.append([
            f"LEG-{number:06d}", date, f"Customer {number}", f"c{number}@example.com",
            f"SO-{number}", f"{rng.randint(10, 9000)}.{rng.randint(0, 99):02d}",
            categories[number % len(categories)], RISKS[number % 5], TEAMS[number % 4],
            STATES[number % len(STATES)], f"Issue {number}", "Notes from the old tracker",
        ])
    return rows


def write_files(count: int, categories: list[str]) -> dict[str, Path]:
    from openpyxl import Workbook

    paths = {"csv": Path(f"/tmp/bench_tracker_{count}.csv"),
             "xlsx": Path(f"/tmp/bench_tracker_{count}.xlsx")}
    if not paths["csv"].exists():
        with paths["csv"].open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADERS)
            writer.writerows(tracker_rows(count, categories, excel_dates=False))
    if not paths["xlsx"].exists():
        book = Workbook(write_only=True)
        sheet = book.create_sheet("Tracker")
        sheet.append(HEADERS)
        for row in tracker_rows(count, categories, excel_dates=True):
            sheet.append(row)
        book.save(paths["xlsx"])
    return paths


def clear_cases() -> None:
    from escalations.models import Case, HoldPeriod, TierStay

    Case.history.all().delete()
    TierStay.objects.all().delete()
    HoldPeriod.objects.all().delete()
    Case.objects.all().delete()


def floor(path: Path, fmt: str) -> float:
    """Parse the file and bulk_create the rows as cases, without validation or history."""
    from accounts.models import Team
    from escalations.imports.reading import read_table
    from escalations.models import Case, Category

    categories = {c.name: c for c in Category.objects.all()}
    teams = {t.name: t.pk for t in Team.objects.all()}
    start = time.perf_counter()
    table = read_table(path.read_bytes(), fmt, name=path.name)
    cases = []
    for _, cells in table.rows:
        category = categories[cells[6]]
        opened = cells[1] if isinstance(cells[1], datetime) else datetime(2026, 1, 1)
        opened = opened.replace(tzinfo=UTC) if opened.tzinfo is None else opened
        cases.append(Case(ticket_id=cells[0], opened_at=opened, customer_name=cells[2],
                          category=category, policy_id=category.default_policy_id,
                          risk_rating=int(str(cells[7])[0]), team_id=teams[cells[8]],
                          summary=cells[10]))
    Case.objects.bulk_create(cases, batch_size=2000)
    return time.perf_counter() - start


def main() -> None:
    parser = arguments(__doc__, "sqlite:////tmp/bench_import.sqlite3")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--formats", default="xlsx,csv")
    options = parser.parse_args()
    setup_django(options.database_url)

    from accounts.models import User
    from escalations.imports.engine import plan_import, tracker_import
    from escalations.models import Category

    admin, _ = User.objects.get_or_create(username="bench-importer",
                                          defaults={"is_superuser": True, "is_staff": True})
    paths = write_files(options.rows, list(Category.objects.values_list("name", flat=True)))
    results = []
    for fmt in options.formats.split(","):
        data = paths[fmt].read_bytes()
        clear_cases()
        floor_s = floor(paths[fmt], fmt)
        clear_cases()
        start = time.perf_counter()
        report = plan_import(data=data, file_name=paths[fmt].name, dry_run=True)
        dry_s = time.perf_counter() - start
        assert not report.errors, report.errors[:3]
        start = time.perf_counter()
        first = tracker_import(data=data, file_name=paths[fmt].name, actor=admin).as_json()
        import_s = time.perf_counter() - start
        assert first["created"] == options.rows, first
        start = time.perf_counter()
        second = tracker_import(data=data, file_name=paths[fmt].name, actor=admin).as_json()
        again_s = time.perf_counter() - start
        assert second["skipped"] == options.rows, second
        results.append({"format": fmt, "floor_s": floor_s, "import_s": import_s,
                        "ratio": import_s / floor_s, "reimport_s": again_s,
                        "reimport_ratio": again_s / import_s, "dry_run_s": dry_s})
    print(f"\ntracker import on {vendor()}, {options.rows:,} rows (with history rows and stays)")
    print(f"{'format':6} {'floor s':>8} {'import s':>9} {'x floor':>8} {'re-import s':>12} "
          f"{'x import':>9} {'dry run s':>10}")
    for r in results:
        print(f"{r['format']:6} {r['floor_s']:8.1f} {r['import_s']:9.1f} {r['ratio']:8.2f} "
              f"{r['reimport_s']:12.1f} {r['reimport_ratio']:9.2f} {r['dry_run_s']:10.1f}")
    print(json.dumps({"database": vendor(), "rows": options.rows,
                      "results": [{k: round(v, 2) if isinstance(v, float) else v
                                   for k, v in r.items()} for r in results]}))


if __name__ == "__main__":
    main()
