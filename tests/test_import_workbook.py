"""Looking inside an .xlsx before python-calamine loads it: extents, parts, size limits."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from openpyxl import Workbook
from openpyxl.styles import PatternFill

from escalations.imports import workbook
from escalations.imports.reading import FileProblem, read_tracker

EXTENTS = [
    # the usual form: references first; formatting-only cells (self-closing) do not count
    (b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1"><v>1</v></c></row>'
     b'<row r="7"><c r="B7" s="1"/></row>', (1, 3)),
    (b'<row r="1"><c r="A1"><v>0</v></c></row><row r="9"><c r="XFD9" s="2" /></row>', (1, 1)),
    (b'<row r="2"><c r="A2"><v>0</v></c><c r="XFD1048576"><v>1</v></c></row>',
     (1048576, 16384)),
    # cells without references sit after the previous one, in the row the row element says
    (b'<row r="1"><c r="A1"><v>0</v></c></row><row r="1048576"><c><v>1</v></c>'
     b'<c><v>2</v></c></row>', (1048576, 2)),
    (b'<row><c r="A1"><v>1</v></c></row><row><c><v>1</v></c><c><v>1</v></c></row>', (2, 2)),
    # a namespace prefix, and the reference after another attribute
    (b'<x:row r="3"><x:c r="B3"><x:v>1</x:v></x:c></x:row>', (3, 2)),
    (b'<row r="2"><c t="n" r="AA5"><v>1</v></c></row>', (5, 27)),
    (b"<sheetData/>", (0, 0)),
]


@pytest.mark.parametrize(("xml", "extent"), EXTENTS)
def test_sheet_extent_counts_the_cells_with_values(xml, extent):
    assert workbook.sheet_extent(xml) == extent


def _prefixed(xml: bytes) -> bytes:
    """Write the same sheet with a namespace prefix on its elements, as some writers do."""
    for tag in (b"row", b"c", b"v"):
        xml = re.sub(rb"<(/?)" + tag + rb"(?=[\s/>])", rb"<\1x:" + tag, xml)
    return xml


@pytest.mark.parametrize(("xml", "extent"), EXTENTS)
def test_a_namespace_prefix_does_not_change_the_extent(xml, extent):
    # Given the same cells written with prefixed elements (<x:row>, <x:c>, <x:v>)
    prefixed = _prefixed(xml)
    # When its extent is measured, then it is that of the unprefixed sheet
    assert workbook.sheet_extent(prefixed) == extent


@pytest.mark.parametrize(("number", "letters"), [(1, "A"), (26, "Z"), (27, "AA"), (702, "ZZ"),
                                                 (703, "AAA"), (16384, "XFD")])
def test_column_letters_and_numbers(number, letters):
    assert workbook.column_letters(number) == letters
    assert workbook.column_number(letters.encode()) == number


def _xlsx(**cells) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["Ticket ID", "Date", "Customer"])
    sheet.append(["X-1", "2026-11-23", "Ann"])
    for reference, value in cells.items():
        if value is None:
            sheet[reference].fill = PatternFill("solid", fgColor="FFFF00")
        else:
            sheet[reference] = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_value_far_away_is_refused_naming_the_cell(settings):
    settings.IMPORT_MAX_COLUMNS = 1000  # so that the grid limit is the one reached
    with pytest.raises(FileProblem, match=r"as far as cell AAA20000: a grid of 14,060,000"):
        read_tracker(_xlsx(AAA20000="stray"), name="t.xlsx")


def test_formatting_far_away_is_no_obstacle():
    table = read_tracker(_xlsx(XFD1048576=None), name="t.xlsx")
    assert [number for number, _ in table.rows] == [2]


def test_a_workbook_unpacking_past_the_limit_is_refused(settings):
    settings.IMPORT_MAX_UNPACKED_MB = 0
    with pytest.raises(FileProblem, match=r"unpacks to .* MB; the limit is 0 MB "
                                          r"\(IMPORT_MAX_UNPACKED_MB\)"):
        read_tracker(_xlsx(), name="t.xlsx")


def test_a_zip_that_is_no_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(FileProblem, match=r"not an .xlsx spreadsheet \(it has no xl/workbook"):
        read_tracker(buffer.getvalue(), name="t.xlsx")
