"""The admin's Import button and `manage.py import_tracker` read every file the same way.

Each file goes through both paths on the same database state: the admin (the test client posting
the import form as a superuser, then confirming) inside a savepoint that is rolled back, then
the command. Both must end the same way, and that way must be the expected one.
"""

from __future__ import annotations

import html
import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from escalations.models import Case

pytestmark = pytest.mark.django_db

HEADER = "Ticket #,Date,Customer,Issue Type,Risk,Team\r\n"


def _xlsx(rows: list[list], *, blank_formatted_rows: int = 0, first_sheet: str = "",
          far_cell: str = "") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if first_sheet:
        sheet.title = first_sheet
        sheet.append(["Read me first"])
        sheet = workbook.create_sheet("Tracker")
    for row in rows:
        sheet.append(row)
    fill = PatternFill("solid", fgColor="FFFF00")
    for number in range(len(rows) + 1, len(rows) + 1 + blank_formatted_rows):
        for column in range(1, len(rows[0]) + 1):
            cell = sheet.cell(row=number, column=column)
            cell.fill, cell.font = fill, Font(bold=True)
    if far_cell:
        sheet[far_cell] = "far away"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


XLSX_ROWS = [["Ticket ID", "Date", "Customer", "Issue Type", "NER", "Team"],
             ["X-1", "2026-11-23 14:05", "Zoë", "Out of stock", 4, "Customer Service"],
             ["X-2", "2026-11-22", "Ben", "Payment issue", "2", "Operations"]]

# name, content, the expected outcome: the customers imported, or a message
FILES = {
    "cp1252.csv": ((HEADER + "W-1,2026-11-23,Café Müller – Ltd,Out of stock,4,Customer Service"
                    "\r\n").encode("cp1252"), ["Café Müller – Ltd"]),
    "bom.csv": (("\ufeff" + HEADER + "B-1,2026-11-23,Ann,Out of stock,4,Operations\r\n")
                .encode("utf-8"), ["Ann"]),
    "semicolons.csv": (HEADER.replace(",", ";").encode() +
                       b"S-1;2026-11-23;Ann;Out of stock;4;Operations\r\n", ["Ann"]),
    "formatted.xlsx": (_xlsx(XLSX_ROWS, blank_formatted_rows=40), ["Zoë", "Ben"]),
    "second-sheet.xlsx": (_xlsx(XLSX_ROWS, first_sheet="Instructions"), ["Zoë", "Ben"]),
    "tracker.json": (json.dumps([{"ticket_id": "J-1", "opened_at": "2026-11-23T14:05:00+08:00",
                                  "customer_name": "Jo", "category": "out-of-stock",
                                  "risk_rating": 2, "team": "operations"}]).encode(), ["Jo"]),
    "script.csv": ((HEADER + "H-1,2026-11-23,<script>alert(1)</script>,Out of stock,4,"
                    "Operations\r\n").encode(), ["<script>alert(1)</script>"]),
    "photo.xlsx": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "not an .xlsx spreadsheet"),
    "empty.csv": (b"", "is empty"),
    "header-only.csv": (HEADER.encode(), "no data rows"),
    "header-only.xlsx": (_xlsx(XLSX_ROWS[:1], blank_formatted_rows=5), "no data rows"),
    "far-cell.xlsx": (_xlsx([*XLSX_ROWS, *[[None] * 6] * 3, [None] * 5 + ["x"]],
                            far_cell="XFD1048576"), "(cell XFD1048576)"),
    "bad-row.csv": ((HEADER + "E-1,2026-11-23,Ann,Out of stock,7,Operations\r\n").encode(),
                    "7 is not a rating from 1 to 5"),
}


class _RolledBack(Exception):
    pass


def _snapshot() -> list[tuple]:
    return sorted(Case.objects.values_list("ticket_id", "customer_name", "team__name",
                                           "category__name", "risk_rating", "opened_at"))


def _through_admin(client, name: str, data: bytes) -> tuple[str, object]:
    upload = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    page = client.post("/admin/escalations/case/import/",
                       {"format": "0", "resource": "0", "import_file": upload}).content.decode()
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    if "import_file_name" not in hidden:
        return "refused", " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    response = client.post("/admin/escalations/case/process_import/", hidden)
    assert response.status_code == 302
    return "imported", _snapshot()


def _through_command(name: str, data: bytes, tmp_path) -> tuple[str, object]:
    path = tmp_path / name
    path.write_bytes(data)
    out = io.StringIO()
    try:
        call_command("import_tracker", str(path), stdout=out)
    except SystemExit as exit_:
        assert exit_.code == 1
        return "refused", json.loads(out.getvalue())["errors"]
    return "imported", _snapshot()


@pytest.mark.parametrize("name", list(FILES))
def test_admin_and_command_read_a_file_the_same_way(client, admin_user, tmp_path, name):
    data, expected = FILES[name]
    client.force_login(admin_user)
    try:
        with transaction.atomic():
            by_admin = _through_admin(client, name, data)
            raise _RolledBack
    except _RolledBack:
        pass
    assert not Case.objects.exists()
    by_command = _through_command(name, data, tmp_path)
    if isinstance(expected, list):
        assert by_admin == by_command == ("imported", by_command[1])
        assert sorted(row[1] for row in by_command[1]) == sorted(expected)
    else:
        (kind, page), (kind_, errors) = by_admin, by_command
        assert kind == kind_ == "refused" and not Case.objects.exists()
        assert expected in errors[0]["message"]
        assert errors[0]["message"] in page  # the admin says exactly what the command says
