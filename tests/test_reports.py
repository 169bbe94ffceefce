"""Monthly report metrics against hand-computed values, the workbook, scope, schedule."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from accounts.models import Role, Team
from escalations.choices import Outcome
from escalations.models import Case, Category, Policy, Tier
from escalations.services import (
    case_close,
    case_escalate,
    case_hold,
    case_open,
    case_reopen,
    case_resolve,
    case_resume,
)
from escalations.sla.sweep import sla_sweep
from reports import metrics
from reports.periods import month, parse_month
from reports.workbook import write_workbook

pytestmark = pytest.mark.django_db
NOV, OCT = month(2026, 11), month(2026, 10)


def utc(month_: int, day: int, hour: int = 0) -> datetime:
    return datetime(2026, month_, day, hour, tzinfo=UTC)


@pytest.fixture
def fixture_cases(admin_user):
    """Six cases on a calendar-hours policy; every figure below is worked out by hand."""
    policy = Policy.objects.create(name="Test policy", slug="test-policy", holiday_country="")
    for level, owner, limit in ((1, "team-lead", 10), (2, "manager", 48),
                                (3, "head-of-operations", None)):
        Tier.objects.create(policy=policy, level=level, name=f"T{level}",
                            owner_role=Role.objects.get(slug=owner),
                            limit_value=Decimal(limit) if limit else None,
                            limit_kind="calendar_hours", limit_anchor="tier_entered")
    cat_a = Category.objects.create(name="Cat A", slug="cat-a", guidance="g", default_policy=policy)
    cat_b = Category.objects.create(name="Cat B", slug="cat-b", guidance="g", default_policy=policy)
    cs, sales = Team.objects.get(slug="customer-service"), Team.objects.get(slug="sales-bd")

    def open_(ticket, category, at, team=cs):
        return case_open(actor=admin_user, ticket_id=ticket, customer_name=ticket,
                         category=category, risk_rating=3, team=team, summary=ticket, now=at)

    def resolve(case, at):
        return case_resolve(case=case, actor=admin_user, resolution_plan="plan",
                            outcome=Outcome.ISSUE_RESOLVED, now=at)

    a = open_("A", cat_a, utc(11, 2))
    a = case_escalate(case=a, actor=admin_user, reason="manual", now=utc(11, 2, 2))
    resolve(a, utc(11, 2, 5))
    open_("B", cat_b, utc(10, 30))
    sla_sweep(now=utc(11, 1, 12))  # T1 breached Oct 30 10:00, T2 breached Nov 1 10:00
    resolve(Case.objects.get(ticket_id="B"), utc(11, 3))
    c = resolve(open_("C", cat_a, utc(11, 10)), utc(11, 10, 2))
    c = case_reopen(case=c, actor=admin_user, reason="back", now=utc(11, 11))
    resolve(c, utc(11, 12))
    d = open_("D", cat_a, utc(11, 15))
    d = case_hold(case=d, actor=admin_user, reason="wait", now=utc(11, 15, 1))
    case_resume(case=d, actor=admin_user, now=utc(11, 16, 1))
    e = resolve(open_("E", cat_a, utc(11, 20)), utc(11, 21))
    case_close(case=e, actor=admin_user, feedback_score=4, now=utc(11, 22))
    open_("F", cat_a, utc(11, 5), team=sales)
    return Case.objects.filter(policy=policy)


def test_summary_figures_match_hand_computed_values(fixture_cases):
    nov, oct_ = metrics.summary(fixture_cases, NOV), metrics.summary(fixture_cases, OCT)
    assert nov["Cases opened"] == 5 and oct_["Cases opened"] == 1
    assert nov["Cases resolved"] == 4 and oct_["Cases resolved"] == 0
    assert nov["Cases closed"] == 1
    assert nov["Still open at month end"] == 2 and oct_["Still open at month end"] == 1
    assert nov["Escalations"] == 2 and oct_["Escalations"] == 1
    assert nov["Escalation frequency (per case opened)"] == pytest.approx(0.4)
    assert nov["SLA breach rate"] == pytest.approx(1 / 8)
    assert oct_["SLA breach rate"] == pytest.approx(1.0)
    assert nov["Median time to resolve (h)"] == pytest.approx(36)
    assert nov["90th percentile time to resolve (h)"] == pytest.approx(81.6)
    assert nov["Average customer feedback (1-5)"] == pytest.approx(4.0)


def test_hold_moves_the_stays_deadline(fixture_cases):
    d = fixture_cases.get(ticket_id="D")
    assert d.stays.get().due_at == utc(11, 16, 10)  # 10 h + 24 h on hold


def test_by_tier_and_by_category(fixture_cases):
    tiers = {row["level"]: row for row in metrics.by_tier(fixture_cases, NOV)}
    assert (tiers[1]["cases_reached"], tiers[1]["breaches"]) == (5, 0)
    assert tiers[1]["average_hours"] == pytest.approx(13) and tiers[1]["median_hours"] == 13
    assert (tiers[2]["cases_reached"], tiers[3]["cases_reached"]) == (1, 1)
    assert tiers[2]["breaches"] == 1  # B entered T2 in October; its deadline, 1 Nov, was missed
    categories = metrics.by_category(fixture_cases, NOV)
    # Resolved in November whenever opened: B (Cat B) was opened in October.
    assert [(r["category"], r["opened"], r["resolved"], r["breaches"]) for r in categories] == [
        ("Cat A", 5, 3, 0), ("Cat B", 0, 1, 1)]


def test_metric_queries_do_not_sort_what_they_aggregate(fixture_cases):
    """Sorting every stay by its case's list order made a month's report quadratic on
    PostgreSQL (a fast-start plan for the server-side cursor); aggregates read unordered."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cases = Case.objects.all()
    with CaptureQueriesContext(connection) as captured:
        metrics.by_tier(cases, NOV)
        metrics.by_category(cases, NOV)
        metrics.responsiveness(cases, NOV, by="team")
        metrics.summary(cases, NOV)
    assert captured.captured_queries
    sorted_ = [q["sql"] for q in captured.captured_queries if "ORDER BY" in q["sql"]]
    assert sorted_ == []


def test_responsiveness_per_team(fixture_cases):
    rows = {row["team"]: row for row in metrics.responsiveness(fixture_cases, NOV, by="team")}
    assert rows["Customer Service"]["resolved"] == 4
    assert rows["Customer Service"]["median_resolve_h"] == pytest.approx(36)
    assert rows["Customer Service"]["breaches"] == 1  # B's, missed on 1 Nov
    assert rows["Sales/BD"]["resolved"] == 0


def test_scope_limits_the_figures(fixture_cases, make_user):
    from escalations.selectors import cases_visible_to

    lead = make_user("team-lead")  # Customer Service only: F is Sales/BD's
    scoped = cases_visible_to(lead, fixture_cases)
    assert metrics.opened(scoped, NOV) == 4


def test_scope_label_names_the_teams_or_departments_the_requester_sees(make_user):
    from accounts.services import membership_set
    from reports.services import scope_label

    lead, manager = make_user("team-lead"), make_user("manager", team="sales-bd")
    head = make_user("head-of-operations")
    assert scope_label(user=lead, team=None) == "Team Customer Service"
    assert scope_label(user=manager, team=None) == "Department Commercial"
    assert scope_label(user=head, team=None) == "Organisation"
    membership_set(user=lead, team=Team.objects.get(slug="legal"),
                   role=Role.objects.get(slug="agent"))
    lead = type(lead).objects.get(pk=lead.pk)
    assert scope_label(user=lead, team=None) == "Team Customer Service, Team Legal"
    membership_set(user=manager, team=Team.objects.get(slug="legal"),
                   role=Role.objects.get(slug="agent"))
    manager = type(manager).objects.get(pk=manager.pk)
    assert scope_label(user=manager, team=None) == "Department Commercial, Team Legal"
    assert scope_label(user=make_user("none"), team=None).startswith("Cases assigned to ")
    assert scope_label(user=None, team=Team.objects.get(slug="legal")) == "Team Legal"
    assert scope_label(user=None, team=None) == "Organisation"


def test_workbook_sheets_headers_numbers_and_charts(fixture_cases, tmp_path):
    path = tmp_path / "report.xlsx"
    rows = write_workbook(str(path), fixture_cases, NOV)
    assert rows == 6  # A-F all opened, resolved or closed in November
    book = load_workbook(path)
    assert book.sheetnames == ["Summary", "By category", "By tier", "Responsiveness", "Cases"]
    summary = {row[0]: row[1:] for row in book["Summary"].iter_rows(min_row=4, values_only=True)
               if row[0]}
    assert summary["Cases opened"][:3] == (5, 1, 4)
    assert isinstance(summary["SLA breach rate"][0], float)
    assert len(book["Summary"]._charts) == 2 and len(book["By category"]._charts) == 1
    cases = book["Cases"]
    header = [cell.value for cell in cases[1]]
    assert header[:3] == ["ticket_id", "opened_at", "customer_name"]
    assert "Hours at tier 1" in header
    first = {h: c for h, c in zip(header, cases[2], strict=False)}
    assert first["opened_at"].is_date and isinstance(first["risk_rating"].value, int)


def test_customer_text_cannot_become_a_formula(fixture_cases, tmp_path):
    Case.objects.filter(ticket_id="A").update(summary="=HYPERLINK(\"http://x\")")
    path = tmp_path / "report.xlsx"
    write_workbook(str(path), fixture_cases, NOV)
    cells = [c for row in load_workbook(path)["Cases"].iter_rows() for c in row]
    hyperlink = [c for c in cells if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert hyperlink and all(c.data_type == "s" and c.value.startswith("'=") for c in hyperlink)


def test_monthly_report_command_and_stored_record(fixture_cases, tmp_path):
    from io import StringIO

    from reports.models import MonthlyReport

    out = StringIO()
    call_command("monthly_report", "--month", "2026-11", "--output", str(tmp_path / "r.xlsx"),
                 stdout=out)
    report = MonthlyReport.objects.get()
    assert report.status == "ready" and report.file and report.scope == "Organisation"
    assert "Report 2026-11 (Organisation)" in out.getvalue()
    assert (tmp_path / "r.xlsx").exists()
    with pytest.raises(Exception, match="not a month"):
        call_command("monthly_report", "--month", "2026-13")


def test_monthly_schedule_exists():
    from django_q.models import Schedule

    from escalations.schedules import schedules_ensure

    schedules_ensure()
    schedule = Schedule.objects.get(name="monthly-report")
    assert (schedule.func, schedule.cron) == ("reports.tasks.generate_last_months_report",
                                              "0 6 1 * *")


def test_parse_month():
    assert parse_month("2026-02").end == month(2026, 3).start
    with pytest.raises(ValueError):
        parse_month("Nov 2026")
