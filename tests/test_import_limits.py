"""Import limits: a file past a row, column or cell limit is refused before it is loaded, with a
message naming the limit and its setting; nothing is written."""

from __future__ import annotations

import io
import zipfile

import pytest

from escalations.imports.engine import tracker_import
from escalations.models import Case

pytestmark = pytest.mark.django_db

HEADER = "Ticket #,Date Escalated,Customer,Issue Type,Risk,Team,Status,Summary"


def _row(number: int) -> str:
    return f"L-{number},2026-11-20,Customer {number},Out of stock,3,Customer Service,Open,S"


def _import(admin_user, data: bytes, name: str):
    return tracker_import(file_name=name, actor=admin_user, data=data)


def _sheet_with_a_cell_at(reference: str) -> bytes:
    """A minimal .xlsx whose one sheet has a header row and one value far away."""
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats'
             '.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
             f'Ticket #</t></is></c></row><row r="{reference.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}"'
             f'><c r="{reference}"><v>1</v></c></row></sheetData></worksheet>')
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.'
        'org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
        'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="'
        'application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/'
        'worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.'
        'org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/'
        'workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.'
        'org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships"><sheets><sheet name="Tracker" sheetId="1" '
        'r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="'
        'worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, text in parts.items():
            archive.writestr(part, text)
    return buffer.getvalue()


def test_a_csv_past_the_row_limit_is_refused_naming_the_limit(admin_user, settings):
    settings.IMPORT_MAX_ROWS = 3
    data = ("\n".join([HEADER, *(_row(n) for n in range(4))]) + "\n").encode()
    report = _import(admin_user, data, "tracker.csv")
    assert [error.message for error in report.errors] == [
        "The file has more than 3 data rows, the most an import takes (IMPORT_MAX_ROWS). "
        "Split it into several files."]
    assert not report.written and not Case.objects.exists()


def test_a_csv_at_the_row_limit_with_blank_lines_between_is_read_whole(admin_user, settings):
    settings.IMPORT_MAX_ROWS = 3
    data = ("\n".join([HEADER, _row(1), "", ",,,", _row(2), "", _row(3)]) + "\n").encode()
    report = _import(admin_user, data, "tracker.csv")
    assert not report.errors and Case.objects.count() == 3


def test_a_sheet_with_a_value_in_its_last_row_is_refused_before_it_is_loaded(admin_user):
    report = _import(admin_user, _sheet_with_a_cell_at("A1048576"), "tracker.xlsx")
    (message,) = [error.message for error in report.errors]
    assert "row 1,048,576" in message and "IMPORT_MAX_ROWS" in message


def test_a_sheet_with_a_value_in_its_last_column_is_refused_before_it_is_loaded(admin_user):
    report = _import(admin_user, _sheet_with_a_cell_at("XFD2"), "tracker.xlsx")
    (message,) = [error.message for error in report.errors]
    assert "column XFD" in message and "IMPORT_MAX_COLUMNS" in message
    assert not Case.objects.exists()


def test_the_grid_limit_is_a_setting(admin_user, settings):
    settings.IMPORT_MAX_SHEET_CELLS = 50
    report = _import(admin_user, _sheet_with_a_cell_at("Z3"), "tracker.xlsx")
    (message,) = [error.message for error in report.errors]
    assert "78 cells" in message and "IMPORT_MAX_SHEET_CELLS" in message
