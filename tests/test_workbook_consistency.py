"""The monthly workbook agrees with itself: every sheet counts opened, resolved and breaches the
same way, each sheet defines its columns, and its numbers are numbers with whole-number formats.

The month is November 2026 in Singapore (31 Oct 16:00 UTC to 30 Nov 16:00 UTC). Its cases cross
the month's edges on purpose: opened in October and resolved in November, opened in November and
resolved in December, stays entered in October with deadlines in November, and a stay entered in
November whose deadline (missed) falls in December.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from accounts.models import Role, Team
from escalations.choices import Outcome
from escalations.models import Case, Category, Policy, Tier, TierStay
from escalations.services import (
    case_acknowledge,
    case_close,
    case_escalate,
    case_open,
    case_resolve,
)
from escalations.sla.sweep import sla_sweep
from reports.periods import month
from reports.workbook import write_workbook

pytestmark = pytest.mark.django_db
NOV = month(2026, 11)
SHEETS = ["Summary", "By category", "By tier", "Responsiveness", "Cases"]
# The first header cell of every table in the workbook, by sheet.
TABLES = {"Summary": ["Figure", "Policy", "Week"], "By category": ["Category"],
          "By tier": ["Policy"], "Responsiveness": ["Team", "Owner"], "Cases": ["ticket_id"]}
WHOLE_NUMBER_FORMATS = {"0", "#,##0"}
COUNT_TITLES = {"Opened", "Resolved", "Closed", "Breaches", "Level", "Cases that reached it",
                "risk_rating", "tier", "feedback_score"}
COUNT_FIGURES = {"Cases opened", "Cases resolved", "Cases closed", "Still open at month end",
                 "Escalations", "Deadlines due", "Breaches (deadlines missed)"}


def utc(month_: int, day: int, hour: int = 0) -> datetime:
    return datetime(2026, month_, day, hour, tzinfo=UTC)


@pytest.fixture
def month_of_cases(admin_user):
    """Eight cases on a three-tier calendar-hours policy (10 h, 48 h, 500 h from entering).

    November, worked out by hand: opened N1, N2, N3, N4 (4); resolved P1, P3, P4, N1, N4 (5:
    336, 480, 14, 5 and 24 hours); deadlines missed and falling in November: P2 at tiers 1, 2
    and 3, P4 at tier 1, N2 at tiers 1 and 2, N3 at tier 1 (7, of 13 deadlines due); N3's
    tier 2 deadline is missed on 2 December, and P1's and P3's four misses are October's.
    """
    policy = Policy.objects.create(name="Month policy", slug="month-policy", holiday_country="")
    for level, owner, limit in ((1, "team-lead", 10), (2, "manager", 48),
                                (3, "head-of-operations", 500)):
        Tier.objects.create(policy=policy, level=level, name=f"T{level}",
                            owner_role=Role.objects.get(slug=owner), limit_value=Decimal(limit),
                            limit_kind="calendar_hours", limit_anchor="tier_entered")
    category = {name: Category.objects.create(name=f"Cat {name}", slug=f"cat-{name.lower()}",
                                              guidance="g", default_policy=policy)
                for name in "ABC"}
    cs, sales = Team.objects.get(slug="customer-service"), Team.objects.get(slug="sales-bd")

    def open_(ticket: str, name: str, at: datetime, team: Team = cs) -> Case:
        return case_open(actor=admin_user, ticket_id=ticket, customer_name=ticket,
                         customer_email=f"{ticket.lower()}@example.com",
                         order_number=f"SO-{ticket}", order_value=Decimal("120.50"),
                         details="Story", category=category[name], risk_rating=3, team=team,
                         summary=ticket, assignee=admin_user if name == "A" else None, now=at)

    def resolve(ticket: str, at: datetime) -> Case:
        return case_resolve(case=Case.objects.get(ticket_id=ticket), actor=admin_user,
                            resolution_plan="plan", outcome=Outcome.ISSUE_RESOLVED, now=at)

    open_("P3", "A", utc(10, 15))
    open_("P1", "A", utc(10, 20))
    sla_sweep(now=utc(10, 23))  # P1 and P3 miss tiers 1 and 2 in October
    open_("P2", "B", utc(10, 31, 8))  # 31 Oct 16:00 in Singapore: October
    open_("P4", "B", utc(10, 31, 12))
    sla_sweep(now=utc(11, 1))  # P2 and P4 miss tier 1 on 1 Nov (Singapore), entered in October
    resolve("P4", utc(11, 1, 2))
    resolve("P1", utc(11, 3))
    sla_sweep(now=utc(11, 3))  # P2 misses tier 2
    resolve("P3", utc(11, 4))
    n1 = open_("N1", "A", utc(11, 5))
    n1 = case_acknowledge(case=n1, actor=admin_user, now=utc(11, 5, 1))
    n1 = resolve("N1", utc(11, 5, 5))
    case_close(case=n1, actor=admin_user, feedback_score=4, now=utc(11, 6))
    n4 = open_("N4", "C", utc(11, 10), team=sales)
    case_escalate(case=n4, actor=admin_user, reason="manual", now=utc(11, 10, 2))
    resolve("N4", utc(11, 11))
    open_("N2", "B", utc(11, 25))
    sla_sweep(now=utc(11, 28))  # N2 misses tiers 1 and 2; P2 misses tier 3 (the top)
    open_("N3", "C", utc(11, 29, 20), team=sales)
    sla_sweep(now=utc(12, 3))  # N3 misses tier 1 on 30 Nov and tier 2 on 2 Dec
    resolve("N2", utc(12, 3, 1))
    return Case.objects.filter(policy=policy)


@pytest.fixture
def workbook(month_of_cases, tmp_path) -> dict:
    """Write November's workbook; return its path and its sheets read back as rows."""
    path = tmp_path / "month.xlsx"
    write_workbook(str(path), month_of_cases, NOV)
    book = CalamineWorkbook.from_path(str(path))
    return {"path": path,
            **{name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}}


def blank(value) -> bool:
    return value is None or value == ""


def table(rows: list[list], first_header: str) -> tuple[list[str], list[dict]]:
    """Return the header and the rows (as dicts) of the table whose header starts so."""
    start = next(i for i, row in enumerate(rows) if row and row[0] == first_header)
    header = [title for title in rows[start] if not blank(title)]
    body = []
    for row in rows[start + 1:]:
        if not row or blank(row[0]):
            break
        body.append(dict(zip(header, row, strict=False)))
    return header, body


def definitions(rows: list[list]) -> dict[str, str]:
    """Return the sheet's definitions note: {title: definition}, from below its tables."""
    start = max(i for i, row in enumerate(rows) if row and row[0] == "Definitions")
    notes = {}
    for row in rows[start + 1:]:
        if row and isinstance(row[0], str) and ": " in row[0]:
            title, text = row[0].split(": ", 1)
            notes[title] = text
    return notes


def summary_figures(workbook: dict) -> dict[str, float]:
    return {row["Figure"]: row[NOV.label] for row in table(workbook["Summary"], "Figure")[1]}


def column_total(rows: list[dict], title: str) -> float:
    return sum(row[title] or 0 for row in rows)


def test_the_figures_are_the_hand_computed_ones(workbook):
    summary = summary_figures(workbook)
    assert summary["Cases opened"] == 4
    assert summary["Cases resolved"] == 5
    assert summary["Breaches (deadlines missed)"] == 7
    assert summary["Deadlines due"] == 13
    assert summary["SLA breach rate"] == pytest.approx(7 / 13, abs=1e-4)
    assert summary["Median time to resolve (h)"] == pytest.approx(24)


def test_by_category_resolved_opened_and_breaches_add_up_to_the_summary(workbook):
    summary = summary_figures(workbook)
    _, categories = table(workbook["By category"], "Category")
    assert column_total(categories, "Resolved") == summary["Cases resolved"]
    assert column_total(categories, "Opened") == summary["Cases opened"]
    assert column_total(categories, "Breaches") == summary["Breaches (deadlines missed)"]


def test_by_category_time_to_resolve_is_over_the_cases_resolved_in_the_month(workbook):
    rows = {row["Category"]: row for row in table(workbook["By category"], "Category")[1]}
    # Cat A: P1 (336 h) and P3 (480 h) opened in October, N1 (5 h) in November
    assert rows["Cat A"]["Resolved"] == 3
    assert rows["Cat A"]["Median time to resolve (h)"] == pytest.approx(336)


def test_by_tier_breaches_add_up_to_the_summary(workbook):
    summary = summary_figures(workbook)
    _, tiers = table(workbook["By tier"], "Policy")
    assert column_total(tiers, "Breaches") == summary["Breaches (deadlines missed)"]
    assert {row["Level"]: row["Breaches"] for row in tiers} == {1: 4, 2: 2, 3: 1}


def test_responsiveness_breaches_and_resolved_add_up_to_the_summary(workbook):
    summary = summary_figures(workbook)
    for first in ("Team", "Owner"):
        _, rows = table(workbook["Responsiveness"], first)
        assert column_total(rows, "Breaches") == summary["Breaches (deadlines missed)"]
        assert column_total(rows, "Resolved") == summary["Cases resolved"]


def test_by_policy_and_by_week_add_up_to_the_summary(workbook):
    summary = summary_figures(workbook)
    _, policies = table(workbook["Summary"], "Policy")
    _, weeks = table(workbook["Summary"], "Week")
    for rows in (policies, weeks):
        assert column_total(rows, "Opened") == summary["Cases opened"]
        assert column_total(rows, "Resolved") == summary["Cases resolved"]
    assert column_total(weeks, "Breaches") == summary["Breaches (deadlines missed)"]


def test_the_breach_counts_match_the_stays(month_of_cases, workbook):
    """The stays themselves: deadlines falling in November that were missed."""
    stays = TierStay.objects.filter(case__in=month_of_cases, due_at__gte=NOV.start,
                                    due_at__lt=NOV.end)
    assert summary_figures(workbook)["Breaches (deadlines missed)"] == stays.filter(
        breached_at__isnull=False).count()
    assert stays.filter(breached_at__isnull=False).exclude(
        entered_at__gte=NOV.start).exists()  # a stay entered in October is among them


def test_every_sheet_defines_its_columns_below_its_tables(workbook):
    assert list(workbook)[1:] == SHEETS
    for name in SHEETS:
        rows = workbook[name]
        notes = definitions(rows)
        last_table_row = max(i for i, row in enumerate(rows) if row and row[0] in TABLES[name])
        assert max(i for i, row in enumerate(rows) if row and row[0] == "Definitions") > (
            last_table_row)
        titles = {t for first in TABLES[name] for t in table(rows, first)[0]}
        if name == "Summary":
            titles |= set(summary_figures(workbook))
        undefined = {t for t in titles if not notes.get(t, "").strip()}
        assert undefined == set(), f"{name}: no definition of {sorted(undefined)}"


def test_no_column_is_always_blank(workbook):
    for name in SHEETS:
        for first in TABLES[name]:
            header, rows = table(workbook[name], first)
            empty = [title for title in header if all(blank(row.get(title)) for row in rows)]
            assert empty == [], f"{name}: always blank {empty}"
    header, _ = table(workbook["Cases"], "ticket_id")
    assert "Hours at tier 3" in header and "Hours at tier 4" not in header


def test_numbers_are_numbers_with_whole_number_formats(workbook):
    _, categories = table(workbook["By category"], "Category")
    assert all(isinstance(row["Opened"], int | float) for row in categories)
    assert all(isinstance(value, int | float) for value in summary_figures(workbook).values())
    book = load_workbook(workbook["path"])
    for name in SHEETS:
        sheet = book[name]
        for first in TABLES[name]:
            start = next(r for r in sheet.iter_rows() if r[0].value == first)
            header = {cell.column: cell.value for cell in start}
            for row in sheet.iter_rows(min_row=start[0].row + 1):
                if row[0].value in (None, ""):
                    break
                label = row[0].value
                for cell in row:
                    if cell.data_type != "n" or cell.value is None or cell.is_date:
                        continue
                    title = header.get(cell.column) or ""
                    shape = f"{name}: {title} of {label} = {cell.value} as {cell.number_format}"
                    assert not cell.number_format.endswith(".##"), shape  # shows 61 as "61."
                    if "hours" in title.lower() or "(h)" in title or "(h)" in str(label):
                        assert cell.number_format == "0.0", shape
                    elif "rate" in title.lower() or "rate" in str(label).lower():
                        assert cell.number_format.endswith("%"), shape
                    elif title in COUNT_TITLES or label in COUNT_FIGURES:
                        assert cell.number_format in WHOLE_NUMBER_FORMATS, shape
