"""Importing legacy trackers: columns, values, all-or-nothing, re-import, audit, bad files."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from escalations.choices import CaseState
from escalations.imports.engine import tracker_import
from escalations.models import Case, CaseEvent, Notification, TierStay

pytestmark = pytest.mark.django_db

HEADER = "Ticket #,Date Escalated,Customer,Email,Issue Type,Risk,Team,Owner,Status,Summary,Remarks"
ROWS = [
    "HS-1,23/11/2026 14:05,Ann Tan,ann@x.test,Out of stock,5 - critical,Customer Service,,Open,"
    "Item gone,Long story",
    "HS-2,2026-11-20,Ben Lim,,Fraud / scam accusation,4,customer-service,,in progress,Scam,",
    "HS-3,45254,Chen Ng,,payment-issue,3,Sales/BD,,Resolved,Double charge,",
]


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def run(data: bytes, name: str = "tracker.csv", *args: str) -> tuple[dict, int]:
    path = f"/tmp/escalations-test-{name}"
    with open(path, "wb") as handle:
        handle.write(data)
    out = io.StringIO()
    code = 0
    try:
        call_command("import_tracker", path, *args, stdout=out)
    except SystemExit as exit_:
        code = exit_.code
    return json.loads(out.getvalue()), code


def test_import_creates_cases_from_legacy_headers_and_values():
    result, code = run(csv_bytes(*ROWS))
    assert (code, result) == (0, {"created": 3, "updated": 0, "skipped": 0, "errors": []})
    ann = Case.objects.get(ticket_id="HS-1")
    assert (ann.risk_rating, ann.state, ann.tier, ann.category.slug) == (
        5, CaseState.OPEN, 1, "out-of-stock")
    # naive times are in the policy's zone (Singapore)
    assert ann.opened_at == datetime(2026, 11, 23, 6, 5, tzinfo=UTC)
    assert ann.details == "Long story"
    assert Case.objects.get(ticket_id="HS-2").tier == 2  # fraud starts at the supervisor
    chen = Case.objects.get(ticket_id="HS-3")
    from zoneinfo import ZoneInfo

    local = chen.opened_at.astimezone(ZoneInfo("Asia/Singapore"))
    assert local.date().isoformat() == "2023-11-24"  # Excel serial date 45254
    assert chen.state == CaseState.RESOLVED and chen.team.slug == "sales-bd"


def test_imported_cases_are_audited_without_notifications_or_past_promotions(now):
    tracker_import(data=csv_bytes(*ROWS), file_name="legacy.csv", actor=_admin(), now=now)
    case = Case.objects.get(ticket_id="HS-1")
    record = case.history.get()
    assert (record.history_transition, record.history_change_reason) == (
        "import", "imported from legacy.csv")
    assert TierStay.objects.filter(case=case).count() == 1
    assert not CaseEvent.objects.exists() and not Notification.objects.exists()
    # the clock starts at the import, not at the 23 Nov 14:05 opening: out of stock at Eezee
    # tier 1 is 24 calendar hours (no risk adjustment), so due a day after the import
    assert case.due_at == now + timedelta(hours=24)
    assert "from the import" in case.due_explanation
    from escalations.sla.sweep import sla_sweep

    assert sla_sweep(now=now)["promoted"] == 0


def _admin():
    from accounts.models import User

    return User.objects.get_or_create(username="importer", defaults={"is_superuser": True,
                                                                     "is_staff": True})[0]


def test_reimporting_the_same_file_changes_nothing():
    run(csv_bytes(*ROWS))
    rows = Case.history.count()
    result, code = run(csv_bytes(*ROWS))
    assert (code, result["skipped"], result["created"], result["updated"]) == (0, 3, 0, 0)
    assert Case.history.count() == rows


def test_changed_details_are_updated_with_history():
    run(csv_bytes(*ROWS))
    changed = ROWS[0].replace("Ann Tan", "Ann Tan-Lee")
    result, _ = run(csv_bytes(changed, *ROWS[1:]))
    assert (result["updated"], result["skipped"]) == (1, 2)
    case = Case.objects.get(ticket_id="HS-1")
    assert case.customer_name == "Ann Tan-Lee"
    assert case.history.latest().history_change_reason == (
        "updated from escalations-test-tracker.csv: customer_name")


def test_state_change_on_existing_case_is_refused():
    run(csv_bytes(*ROWS))
    result, code = run(csv_bytes(ROWS[0].replace(",Open,", ",Closed,"), *ROWS[1:]))
    assert code == 1
    assert result["errors"][0]["field"] == "state" and result["errors"][0]["row"] == 2
    assert Case.objects.get(ticket_id="HS-1").state == CaseState.OPEN


def test_any_row_error_writes_nothing_and_names_row_field_value():
    bad = ROWS[1].replace(",4,", ",7,").replace("Fraud / scam accusation", "Alien abduction")
    result, code = run(csv_bytes(ROWS[0], bad, ROWS[2]))
    assert code == 1 and not Case.objects.exists()
    errors = {(e["row"], e["field"]): e for e in result["errors"]}
    assert errors[(3, "risk_rating")]["value"] == "7"
    assert "7 is not a rating from 1 to 5" in errors[(3, "risk_rating")]["message"]
    assert errors[(3, "category")]["message"].startswith("Unknown category 'Alien abduction'")


def test_dry_run_reports_and_writes_nothing():
    result, code = run(csv_bytes(*ROWS), "tracker.csv", "--dry-run")
    assert (code, result["created"]) == (0, 3)
    assert not Case.objects.exists()


def test_unknown_header_needs_a_mapping():
    header = HEADER + ",Escalation Manager"
    rows = [row + ",Bob" for row in ROWS]
    result, code = run(csv_bytes(*rows, header=header))
    assert code == 1 and "Unknown column 'Escalation Manager'" in result["errors"][0]["message"]
    result, code = run(csv_bytes(*rows, header=header), "tracker.csv",
                       "--map", "Escalation Manager=ignore")
    assert (code, result["created"]) == (0, 3)


def test_map_renames_a_header_to_a_column():
    header = HEADER.replace("Customer,", "Buyer,")
    result, code = run(csv_bytes(*ROWS, header=header), "t.csv", "--map", "Buyer=customer_name")
    assert code == 0 and Case.objects.get(ticket_id="HS-1").customer_name == "Ann Tan"


@pytest.mark.parametrize(("cells", "field", "message"), [
    ("HS-9,,Ann,,Out of stock,3,Customer Service,,,s,", "opened_at", "required but blank"),
    ("HS-9,2026-11-01,,,Out of stock,3,Customer Service,,,s,", "customer_name", "required"),
    ("HS-9,2026-11-01,Ann,,Out of stock,,Customer Service,,,s,", "risk_rating", "required"),
    ("HS-9,31/31/2026,Ann,,Out of stock,3,Customer Service,,,s,", "opened_at", "not a date"),
    ("HS-9,2026-11-01,Ann,not-an-email,Out of stock,3,Customer Service,,,s,", "customer_email",
     "not an email address"),
    ("HS-9,2026-11-01,Ann,,Out of stock,3,Moon Base,,,s,", "team", "Unknown team 'Moon Base'"),
    ("HS-9,2026-11-01,Ann,,Out of stock,3,Customer Service,nobody,,s,", "assignee",
     "Unknown user 'nobody'"),
    ("HS-9,2026-11-01,Ann,,Out of stock,3,Customer Service,,Exploded,s,", "state",
     "Unknown state 'Exploded'"),
    ("HS-9,2026-11-01,Ann,,Out of stock,high,Customer Service,,,s,", "risk_rating",
     "not a rating"),
])
def test_bad_values_are_named(cells, field, message):
    result, code = run(csv_bytes(cells))
    assert code == 1
    error = result["errors"][0]
    assert (error["row"], error["field"]) == (2, field) and message in error["message"]


def test_duplicated_ticket_ids_in_the_file_are_refused():
    result, code = run(csv_bytes(ROWS[0], ROWS[1], ROWS[0]))
    assert code == 1 and not Case.objects.exists()
    assert result["errors"][0]["row"] == 4 and "also on row 2" in result["errors"][0]["message"]


def test_one_megabyte_cell_is_refused_clearly():
    huge = ROWS[0].replace("Long story", "x" * 1_000_000)
    result, code = run(csv_bytes(huge))
    assert code == 1
    assert result["errors"][0]["field"] == "notes"
    assert "1,000,000 characters" in result["errors"][0]["message"]


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"", "empty.csv", "is empty"),
    (b"\x00\x01\x02binary\x00", "photo.csv", "not a CSV file"),
    (b"PK\x03\x04garbage", "broken.xlsx", "not an .xlsx spreadsheet"),
    (b"{not json", "x.json", "not a JSON file"),
    (HEADER.encode() + b"\n", "header-only.csv", "no data rows"),
    (b"just some words\nand more", "notes.txt", "Unknown column"),
])
def test_bad_files_get_a_clear_message(data, name, message):
    result, code = run(data, name)
    assert code == 1 and not Case.objects.exists()
    assert message in result["errors"][0]["message"]


def xlsx_bytes(sheets: dict[str, list[list]], merge: str | None = None) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
        if merge:
            sheet.merge_cells(merge)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


XLSX_ROWS = [
    ["Ticket ID", "Date", "Customer", "Issue Type", "NER", "Team", "Escalated To"],
    ["X-1", datetime(2026, 11, 23, 14, 5), "Ann", "Out of stock", 4, "Customer Service",
     "Manager"],
    ["X-2", 45254, "Ben", "Policy dispute", "2", "Operations", "2"],
]


def test_xlsx_tracker_on_the_second_sheet_is_found():
    data = xlsx_bytes({"Instructions": [["Read me"]], "Tracker": XLSX_ROWS})
    result, code = run(data, "tracker.xlsx")
    assert (code, result["created"]) == (0, 2)
    assert Case.objects.get(ticket_id="X-1").tier == 3  # "Manager": Eezee tier 3
    assert Case.objects.get(ticket_id="X-2").tier == 2


def test_xlsx_without_tracker_sheet_or_with_merged_cells_is_refused():
    result, _ = run(xlsx_bytes({"A": [["Hello"], ["x"]], "B": [["World"], ["y"]]}), "w.xlsx")
    assert "No sheet has a ticket id column" in result["errors"][0]["message"]
    result, _ = run(xlsx_bytes({"Tracker": XLSX_ROWS}, merge="F2:F3"), "m.xlsx")
    assert "merged cells (F2:F3)" in result["errors"][0]["message"]


def test_json_tracker():
    rows = [{"ticket_id": "J-1", "opened_at": "2026-11-23T14:05:00+08:00", "customer_name": "A",
             "category": "out-of-stock", "risk_rating": 2, "team": "operations"}]
    result, code = run(json.dumps(rows).encode(), "t.json")
    assert (code, result["created"]) == (0, 1)


def test_only_administrators_may_import(make_user):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        tracker_import(data=csv_bytes(*ROWS), file_name="t.csv", actor=make_user("manager"))


@pytest.mark.parametrize(("raw", "expected"), [
    ("1,234.50", "1234.50"), ("$99", "99.00"), ("SGD 1,000", "1000.00"), ("S$ 12.5", "12.50"),
    (42, "42.00"),
])
def test_amounts_in_tracker_forms(raw, expected):
    from escalations.imports.values import money

    assert str(money(raw)) == expected


@pytest.mark.parametrize("raw", ["1e400", "12abc", "--5", "nan", "1.2.3"])
def test_non_amounts_are_refused(raw):
    from escalations.imports.values import CellError, money

    with pytest.raises(CellError, match="is not an amount"):
        money(raw)


NO_TEAM = "Ticket #,Date,Customer,Issue Type,Risk"
NO_TEAM_ROWS = ["ST-1,2026-11-23,Ann,Out of stock,4", "ST-2,2026-11-22,Ben,Payment issue,2"]


def test_set_gives_every_row_a_value_for_a_missing_column():
    result, code = run(csv_bytes(*NO_TEAM_ROWS, header=NO_TEAM))
    assert code == 1 and result["errors"][0]["message"] == "Missing required column team."
    result, code = run(csv_bytes(*NO_TEAM_ROWS, header=NO_TEAM), "cs.csv",
                       "--set", "team=Customer Service")
    assert (code, result["created"]) == (0, 2)
    assert set(Case.objects.values_list("team__slug", flat=True)) == {"customer-service"}


def test_a_set_value_is_checked_like_a_cell_and_reported_once():
    result, code = run(csv_bytes(*NO_TEAM_ROWS, header=NO_TEAM), "cs.csv",
                       "--set", "team=Moon Base", "--set", "CSAT=high")
    assert code == 1 and not Case.objects.exists()
    assert [(e["row"], e["field"], e["value"]) for e in result["errors"]] == [
        (None, "feedback_score", "high"), (None, "team", "Moon Base")]
    assert result["errors"][1]["message"] == (
        "Unknown team 'Moon Base': use the name or slug of an existing team. "
        "(set for every row)")


def test_a_set_value_fills_only_blank_cells_of_a_column_the_file_has():
    rows = [ROWS[0].replace(",Customer Service,", ",,"), ROWS[1]]  # HS-1 blank, HS-2 has one
    result, code = run(csv_bytes(*rows), "t.csv", "--set", "Department=Operations")
    assert (code, result["created"]) == (0, 2)
    assert Case.objects.get(ticket_id="HS-1").team.slug == "operations"
    assert Case.objects.get(ticket_id="HS-2").team.slug == "customer-service"


def test_a_column_mapped_to_ignore_is_replaced_by_the_set_value():
    result, code = run(csv_bytes(*ROWS[:2]), "t.csv", "--map", "Team=ignore",
                       "--set", "team=operations")
    assert (code, result["created"]) == (0, 2)
    assert set(Case.objects.values_list("team__slug", flat=True)) == {"operations"}


@pytest.mark.parametrize(("entry", "message"), [
    ("team", "write it as \"column=value\""),
    ("team=", "write it as \"column=value\""),
    ("colour=red", "'colour' is not a column"),
    ("ticket_id=T-1", "each row needs its own ticket_id"),
])
def test_set_entries_that_cannot_be_understood_are_errors(entry, message):
    result, code = run(csv_bytes(*NO_TEAM_ROWS, header=NO_TEAM), "cs.csv", "--set", entry)
    assert code == 1 and message in result["errors"][0]["message"]


def test_the_same_column_set_twice_is_an_error():
    result, code = run(csv_bytes(*NO_TEAM_ROWS, header=NO_TEAM), "cs.csv",
                       "--set", "team=operations", "--set", "Dept=sales-bd")
    assert code == 1 and "team is set twice" in result["errors"][0]["message"]


def test_a_quoted_set_value_loses_its_quotes():
    result, code = run(csv_bytes(*NO_TEAM_ROWS, header=NO_TEAM), "cs.csv",
                       "--set", 'team="Customer Service"')
    assert (code, result["created"]) == (0, 2)


def test_a_workbook_whose_cells_span_the_whole_sheet_is_refused_before_loading():
    # A1 and XFD1048576: a dense grid of 17 billion cells; the reader must not allocate it
    workbook = Workbook()
    sheet = workbook.active
    for column, header in enumerate(XLSX_ROWS[0], start=1):
        sheet.cell(row=1, column=column, value=header)
    sheet["XFD1048576"] = "far away"
    buffer = io.BytesIO()
    workbook.save(buffer)
    result, code = run(buffer.getvalue(), "huge.xlsx")
    assert code == 1
    assert "XFD1048576" in result["errors"][0]["message"]
    assert "cells" in result["errors"][0]["message"]
