"""Exporting cases: canonical columns, formula escaping, numbers as numbers, visibility."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from escalations.resources import CaseResource, safe_cell

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("text", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx"])
def test_formula_like_text_is_escaped(text):
    assert safe_cell(text) == "'" + text
    assert safe_cell(42) == 42 and safe_cell("plain") == "plain"


# The admin guide's "Column format", in its order; the export adds due_at and sla_breached.
DOCUMENTED_COLUMNS = [
    "ticket_id", "opened_at", "customer_name", "customer_email", "order_number", "order_value",
    "category", "policy", "risk_rating", "tier", "state", "team", "assignee", "summary", "notes",
    "resolved_at", "closed_at", "feedback_score", "due_at", "sla_breached",
]


def test_export_writes_exactly_the_canonical_columns(make_case):
    make_case(summary="=HYPERLINK(\"http://evil\")")
    dataset = CaseResource().export()
    assert dataset.headers == DOCUMENTED_COLUMNS
    row = dict(zip(dataset.headers, dataset[0], strict=True))
    assert row["summary"].startswith("'=")
    assert row["category"] == "Out of stock" and row["team"] == "Customer Service"


def test_xlsx_export_keeps_numbers_and_dates_and_has_no_live_formula(make_case, tmp_path):
    from decimal import Decimal

    make_case(summary="=1+1", order_value=Decimal("12.50"), risk=4)
    path = tmp_path / "cases.xlsx"
    call_command("export_cases", "--format", "xlsx", "--output", str(path))
    sheet = load_workbook(path).active
    header = [cell.value for cell in sheet[1]]
    values = dict(zip(header, [cell for cell in sheet[2]], strict=True))
    assert values["risk_rating"].value == 4 and values["order_value"].value == 12.5
    assert values["opened_at"].is_date
    assert values["summary"].data_type == "s" and values["summary"].value == "'=1+1"


def test_export_command_filters_by_state_and_since(make_case, admin_user, now):
    from escalations.choices import Outcome
    from escalations.services import case_resolve

    old = make_case(now=now - timedelta(days=40))
    make_case(now=now)
    case_resolve(case=old, actor=admin_user, resolution_plan="p", outcome=Outcome.ISSUE_RESOLVED,
                 now=now)
    out = io.StringIO()
    call_command("export_cases", "--state", "open", stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == 1 and rows[0]["state"] == "open"
    out = io.StringIO()
    call_command("export_cases", "--since", (now - timedelta(days=1)).date().isoformat(),
                 stdout=out)
    assert len(list(csv.DictReader(io.StringIO(out.getvalue())))) == 1


def test_admin_export_respects_the_users_scope(client, make_case, make_user):
    lead = make_user("team-lead")
    mine = make_case(team="customer-service")
    other = make_case(team="sales-bd")
    secret = make_case(team="customer-service", confidential=True)
    client.force_login(lead)
    response = client.post("/admin/escalations/case/export/", {"format": "0", "resource": "0"})
    assert response.status_code == 200
    text = response.content.decode()
    assert mine.ticket_id in text
    assert other.ticket_id not in text and secret.ticket_id not in text


def test_agents_may_not_export(client, make_user):
    client.force_login(make_user("agent"))
    assert client.get("/admin/escalations/case/export/").status_code == 403


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_an_export_imports_back_unchanged(make_case, admin_user, tmp_path, fmt):
    from escalations.choices import Outcome
    from escalations.imports.engine import tracker_import
    from escalations.services import case_escalate, case_resolve

    make_case(category="fraud-scam-accusation", summary="+44 call me", risk=5)
    escalated = case_escalate(case=make_case(), actor=admin_user, reason="r")
    case_resolve(case=escalated, actor=admin_user, resolution_plan="p",
                 outcome=Outcome.ISSUE_RESOLVED)
    path = tmp_path / f"cases.{fmt}"
    call_command("export_cases", "--format", fmt, "--output", str(path))
    report = tracker_import(data=path.read_bytes(), file_name=path.name, actor=admin_user)
    assert report.as_json() == {"created": 0, "updated": 0, "skipped": 2, "errors": []}


def test_xlsx_export_names_its_sheet_cases(make_case, tmp_path, client, make_user):
    make_case()
    path = tmp_path / "cases.xlsx"
    call_command("export_cases", "--format", "xlsx", "--output", str(path))
    assert load_workbook(path).sheetnames == ["Cases"]
    client.force_login(make_user("manager"))
    from django.contrib import admin

    from escalations.admin.case_admin import CaseAdmin
    from escalations.models import Case

    formats = [f().get_title() for f in CaseAdmin(Case, admin.site).get_export_formats()]
    response = client.post("/admin/escalations/case/export/",
                           {"format": str(formats.index("xlsx")), "resource": "0"})
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(response.content)).sheetnames == ["Cases"]
