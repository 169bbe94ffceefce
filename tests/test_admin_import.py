"""Importing a tracker through the admin: preview, mappings, confirm; administrators only."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from escalations.choices import CaseState
from escalations.models import Case

pytestmark = pytest.mark.django_db

CSV = (b"Ticket #,Date,Customer,Issue Type,Risk,Team,Escalation Manager\n"
       b"AD-1,2026-11-23,Ann,Out of stock,4,Customer Service,\n"
       b"AD-2,2026-11-22,Ben,Payment issue,2,Operations,\n")


def _preview(client, mappings=""):
    upload = SimpleUploadedFile("legacy.csv", CSV, content_type="text/csv")
    return client.post("/admin/escalations/case/import/",
                       {"format": "0", "resource": "0", "import_file": upload,
                        "mappings": mappings})


def test_admin_preview_needs_a_mapping_then_imports(client, admin_user):
    client.force_login(admin_user)
    page = _preview(client).content.decode()
    assert "Unknown column" in page and "Escalation Manager" in page
    assert not Case.objects.exists()
    response = _preview(client, "Escalation Manager=ignore")
    page = response.content.decode()
    assert "AD-1" in page and not Case.objects.exists()  # preview writes nothing
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    assert hidden["mappings"] == "Escalation Manager=ignore"
    response = client.post("/admin/escalations/case/process_import/", hidden)
    assert response.status_code == 302
    assert set(Case.objects.values_list("ticket_id", flat=True)) == {"AD-1", "AD-2"}
    assert Case.objects.get(ticket_id="AD-1").history.get().history_change_reason == (
        "imported from legacy.csv")


def test_only_administrators_see_the_import(client, make_user):
    client.force_login(make_user("head-of-operations", team="operations"))
    assert client.get("/admin/escalations/case/import/").status_code == 403


def _post(client, name: str, data: bytes, **fields):
    upload = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    return client.post("/admin/escalations/case/import/",
                       {"format": "0", "resource": "0", "import_file": upload, **fields})


def _hidden(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))


def _cells(markup: str) -> dict[str, str]:
    return {label: cell.strip() for label, cell in
            re.findall(r'<td data-label="([^"]+)"[^>]*>(.*?)</td>', markup, re.S)}


def _table(page: str, row_class: str) -> list[dict[str, str]]:
    """Return the preview's rows of one kind (new, update, skip) as {column: cell text}."""
    return [_cells(row) for row in
            re.findall(rf'<tr class="(?:data-row )?{row_class}\s[^"]*">(.*?)</tr>', page, re.S)]


def _invalid_rows(page: str) -> dict[str, tuple[str, dict[str, str]]]:
    """Return {row number: (the text shown with the row, its cells)} of rows with errors."""
    found = {}
    for block in re.findall(r"<tbody>(.*?)</tbody>", page, re.S):
        if 'data-label="Row"' not in block:
            continue
        cells = _cells(block)
        shown = " ".join(re.sub(r"<[^>]+>", " ", block.split('data-label="Row"')[0]).split())
        found[cells.pop("Row")] = (shown, cells)
    return found


def test_preview_shows_names_not_ids(client, admin_user, make_user):
    # given a tracker naming a category, team and assignee
    owner = make_user("team-lead", username="tl-ann", first_name="Ann", last_name="Tan")
    data = (b"Ticket #,Date,Customer,Issue Type,Risk,Team,Owner\n"
            b"AD-1,2026-11-23,Ann,Out of stock,4,Customer Service,tl-ann\n")
    client.force_login(admin_user)
    # when previewing it
    page = _post(client, "t.csv", data).content.decode()
    # then the row shows what a person reads, not database ids
    (row,) = _table(page, "new")
    assert row["category"] == "Out of stock"
    assert row["policy"] == "Eezee Operations Escalation Policy"
    assert row["team"] == "Customer Service"
    assert row["assignee"] == f"Ann Tan ({owner.username})"
    assert row["tier"] == "1. Team Lead" and row["state"] == CaseState.OPEN.label
    assert row["opened_at"] == "2026-11-23 00:00+08:00"


def test_preview_of_an_update_names_the_changed_columns(client, admin_user):
    client.force_login(admin_user)
    hidden = _hidden(_preview(client, "Escalation Manager=ignore").content.decode())
    client.post("/admin/escalations/case/process_import/", hidden)
    changed = CSV.replace(b"AD-1,2026-11-23,Ann,", b"AD-1,2026-11-23,Ann Lee,")
    page = _post(client, "legacy.csv", changed, mappings="Escalation Manager=ignore")
    page = page.content.decode()
    (update,) = _table(page, "update")
    assert update["customer_name"] == "Ann Lee" and update["changes"] == "customer_name"
    assert [row["ticket_id"] for row in _table(page, "skip")] == ["AD-2"]


def test_row_errors_are_written_in_the_row_naming_field_and_value(client, admin_user):
    # given a tracker with two bad cells on its second data row
    data = (b"Ticket #,Date,Customer,Issue Type,Risk,Team\n"
            b"AD-1,2026-11-23,Ann,Out of stock,4,Customer Service\n"
            b"AD-2,2026-11-23,Ben,Out of stock,7,Moon Base\n")
    client.force_login(admin_user)
    page = _post(client, "t.csv", data).content.decode()
    # then the row says what is wrong with which field, in the page (not in a hover tooltip)
    rows = _invalid_rows(page)
    assert list(rows) == ["3"]
    shown, cells = rows["3"]
    assert "team: Unknown team &#x27;Moon Base&#x27;" in shown
    assert "risk_rating: 7 is not a rating from 1 to 5" in shown
    assert "validation-error-container" not in page
    assert (cells["team"], cells["risk_rating"], cells["ticket_id"]) == ("Moon Base", "7", "AD-2")
    assert not Case.objects.exists()


def test_markup_in_a_cell_is_shown_escaped(client, admin_user):
    data = (b"Ticket #,Date,Customer,Issue Type,Risk,Team\n"
            b"AD-1,2026-11-23,<script>alert(1)</script>,Out of stock,4,Customer Service\n"
            b"AD-2,2026-11-23,<b>bold</b>,Out of stock,9,Customer Service\n")
    client.force_login(admin_user)
    page = _post(client, "t.csv", data).content.decode()
    assert "<script>alert(1)" not in page and "<b>bold" not in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    page = _post(client, "t.csv", data.replace(b",9,", b",3,")).content.decode()
    assert "<script>alert(1)" not in page
    (first, _) = _table(page, "new")
    assert first["customer_name"] == "&lt;script&gt;alert(1)&lt;/script&gt;"


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


@pytest.mark.parametrize(("name", "data", "message"), [
    ("photo.xlsx", PNG, "This is not an .xlsx spreadsheet"),
    ("empty.csv", b"", "&#x27;empty.csv&#x27; is empty."),
    ("header-only.csv", b"Ticket #,Date,Customer\n", "a header row but no data rows"),
    ("blank.xlsx", b"", "&#x27;blank.xlsx&#x27; is empty."),
])
def test_unreadable_files_are_form_errors(client, admin_user, name, data, message):
    client.force_login(admin_user)
    response = _post(client, name, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(r'name="import_file"[^>]*aria-invalid="true"', page)  # a form error
    assert message in page
    assert "import_file_name" not in _hidden(page) and not Case.objects.exists()


SINGLE_TEAM = (b"Ticket #,Date,Customer,Issue Type,Risk\n"
               b"ST-1,2026-11-23,Ann,Out of stock,4\n"
               b"ST-2,2026-11-22,Ben,Payment issue,2\n")


def test_a_value_set_for_every_row_fills_a_missing_column(client, admin_user):
    # given a single team's tracker, which has no team column
    client.force_login(admin_user)
    page = _post(client, "cs.csv", SINGLE_TEAM).content.decode()
    assert "Missing required column team" in page
    # when the team is set for every row
    page = _post(client, "cs.csv", SINGLE_TEAM,
                 set_values="team=Customer Service\r\nCSAT=5").content.decode()
    # then the preview shows it on each row, and the confirm step carries it
    assert [row["team"] for row in _table(page, "new")] == ["Customer Service"] * 2
    hidden = _hidden(page)
    assert hidden["set_values"] == "team=Customer Service\r\nCSAT=5"
    response = client.post("/admin/escalations/case/process_import/", hidden)
    assert response.status_code == 302
    assert set(Case.objects.values_list("team__name", "feedback_score")) == {
        ("Customer Service", 5)}


def test_an_unknown_value_set_for_every_row_is_an_error_naming_it(client, admin_user):
    client.force_login(admin_user)
    page = _post(client, "cs.csv", SINGLE_TEAM, set_values="team=Moon Base").content.decode()
    assert page.count("Unknown team &#x27;Moon Base&#x27;") >= 1
    assert "set for every row" in page and not Case.objects.exists()
    page = _post(client, "cs.csv", SINGLE_TEAM, set_values="colour=red").content.decode()
    assert "&#x27;colour&#x27; is not a column" in page


def test_an_error_found_at_confirmation_writes_nothing_and_says_so(client, admin_user,
                                                                    make_case):
    client.force_login(admin_user)
    hidden = _hidden(_post(client, "cs.csv", SINGLE_TEAM,
                           set_values="team=Customer Service").content.decode())
    # meanwhile someone opens ST-2 by hand, at another time
    make_case(category="payment-issue")
    Case.objects.filter(ticket_id__startswith="T-").update(ticket_id="ST-2")
    response = client.post("/admin/escalations/case/process_import/", hidden, follow=True)
    page = response.content.decode()
    assert "Nothing was imported" in page and "ST-2" in page
    assert "Import finished" not in page
    assert not Case.objects.filter(ticket_id="ST-1").exists()
