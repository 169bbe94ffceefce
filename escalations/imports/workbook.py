"""Looking inside an .xlsx before loading it: its sheets' parts, real extents and merged cells.

python-calamine loads a sheet as a dense grid from its first to its last cell with a value: a
2 KB workbook with values at A1 and XFD1048576 asks for hundreds of gigabytes and aborts the
whole process (a Rust allocation failure, not a Python exception). So a sheet's extent is
measured from its XML first, from the cell references themselves (the declared <dimension> can
lie, and calamine ignores it), and a sheet past the row, column or cell limits (settings) is
refused before calamine touches it. Cells without a value (`<c r="Z9" s="1"/>`, formatting
only) do not count: calamine skips them too.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from itertools import repeat
from xml.etree import ElementTree

from django.conf import settings

# The limits are settings (IMPORT_MAX_ROWS, IMPORT_MAX_COLUMNS, IMPORT_MAX_SHEET_CELLS,
# IMPORT_MAX_UNPACKED_MB), read when a workbook is checked.
MAX_INDEX_PART_BYTES = 16 * 1024 * 1024  # xl/workbook.xml and its relationships
_CHUNK = 4 * 1024 * 1024

# Cells written the usual way (`<c r="B7" ...>`, the reference first) are read in one pass of
# C code returning each valued cell's reference; anything else (a cell without a reference, or
# with it elsewhere, or a namespace prefix; or text that looks like one) is followed element by
# element, about three times slower.
_VALUED_REFERENCE = re.compile(rb'<c r="([A-Z]{1,3}\d{1,7})"[^>]*(?<!/)>')
# two patterns, not one alternation: each keeps re's fast search for its literal start
_UNUSUAL_CELL = re.compile(rb'<c(?:[>/\t\r\n]| (?!r="))')
_PREFIXED_CELL = re.compile(rb":c[\s/>]")
_DIGITS, _LETTERS = b"0123456789", b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Anything else (a namespace prefix, the reference elsewhere or missing): follow every element.
_ROW_OR_CELL = re.compile(rb"<(?:[\w.-]+:)?(row|c)(?=[\s/>])([^>]*)>")
_REFERENCE = re.compile(rb'\br="([A-Z]{0,3})(\d{0,7})"')
_MERGE = re.compile(rb'<(?:[\w.-]+:)?mergeCell\b[^>]*?\bref="([A-Z]+\d+:[A-Z]+\d+)"')


class WorkbookProblem(ValueError):
    """The workbook cannot be read safely; the message says why."""


def check_unpacked_size(archive: zipfile.ZipFile) -> None:
    """Refuse a workbook whose parts unpack to more than IMPORT_MAX_UNPACKED_MB (a zip bomb)."""
    total = sum(info.file_size for info in archive.infolist())
    limit = settings.IMPORT_MAX_UNPACKED_MB
    if total > limit * 2**20:
        raise WorkbookProblem(
            f"The workbook unpacks to {total / 2**20:,.0f} MB; the limit is {limit:,} MB "
            "(IMPORT_MAX_UNPACKED_MB). Save the tracker sheet on its own or as CSV."
        )


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Return {sheet name: path of the sheet's XML in the archive}."""
    workbook = _small_xml(archive, "xl/workbook.xml")
    relations = _small_xml(archive, "xl/_rels/workbook.xml.rels")
    targets = {
        element.get("Id"): element.get("Target", "")
        for element in relations.iter() if _local(element.tag) == "Relationship"
    }
    parts = {}
    for element in workbook.iter():
        if _local(element.tag) != "sheet":
            continue
        relation = next((v for k, v in element.attrib.items() if k.endswith("}id")), None)
        target = targets.get(relation, "")
        if target:
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join("xl", target))
            parts[element.get("name", "")] = path
    return parts


def sheet_xml(archive: zipfile.ZipFile, part: str) -> bytes:
    try:
        return archive.read(part)
    except KeyError:
        raise WorkbookProblem(f"The workbook names a sheet at {part}, which it lacks.") from None


def check_extent(xml: bytes, sheet: str) -> None:
    """Refuse, before it is loaded, a sheet whose cells with values reach past the row or
    column limit or span more cells than the grid limit (the settings IMPORT_MAX_*)."""
    rows, columns = sheet_extent(xml)
    corner = f"{column_letters(columns)}{rows}" if rows and columns else ""
    stray = "Delete the stray cells far from the table (or save the tracker as CSV)."
    if rows > settings.IMPORT_MAX_ROWS + 1:  # the header row besides the data rows
        raise WorkbookProblem(
            f"Sheet '{sheet}' has values as far as row {rows:,} (cell {corner}); an import "
            f"reads at most {settings.IMPORT_MAX_ROWS:,} rows (IMPORT_MAX_ROWS). {stray}")
    if columns > settings.IMPORT_MAX_COLUMNS:
        raise WorkbookProblem(
            f"Sheet '{sheet}' has values as far as column {column_letters(columns)} (cell "
            f"{corner}); an import reads at most {settings.IMPORT_MAX_COLUMNS:,} columns "
            f"(IMPORT_MAX_COLUMNS). {stray}")
    if rows * columns > settings.IMPORT_MAX_SHEET_CELLS:
        raise WorkbookProblem(
            f"Sheet '{sheet}' has values as far as cell {corner}: a grid of "
            f"{rows * columns:,} cells, over the limit of {settings.IMPORT_MAX_SHEET_CELLS:,} "
            f"(IMPORT_MAX_SHEET_CELLS). {stray}")


def sheet_extent(xml: bytes) -> tuple[int, int]:
    """Return (last row, last column) of the cells with a value, both counted from 1."""
    if _UNUSUAL_CELL.search(xml) or _PREFIXED_CELL.search(xml):
        return _extent_element_by_element(xml)
    last_row, letters = 0, set()
    start = 0
    while start < len(xml):  # in slices, so that the references of a slice at a time are held
        end = xml.find(b"<c ", start + _CHUNK)
        end = len(xml) if end < 0 else end
        references = _VALUED_REFERENCE.findall(xml, start, end)
        letters.update(map(bytes.rstrip, references, repeat(_DIGITS)))
        rows = map(int, map(bytes.lstrip, references, repeat(_LETTERS)))
        last_row = max(last_row, max(rows, default=0))
        start = end
    return last_row, max(map(column_number, letters), default=0)


def _extent_element_by_element(xml: bytes) -> tuple[int, int]:
    row = column = last_row = last_column = 0
    for match in _ROW_OR_CELL.finditer(xml):
        tag, attributes = match.groups()
        reference = _REFERENCE.search(attributes)
        letters, digits = reference.groups() if reference else (b"", b"")
        if tag == b"row":
            row, column = (int(digits) if digits else row + 1), 0
            continue
        column = column_number(letters) if letters else column + 1
        row = int(digits) if digits else row
        if not attributes.endswith(b"/"):
            last_row, last_column = max(last_row, row), max(last_column, column)
    return last_row, last_column


def merged_ranges(xml: bytes) -> list[str]:
    return [ref.decode() for ref in _MERGE.findall(xml)]


def column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _small_xml(archive: zipfile.ZipFile, name: str) -> ElementTree.Element:
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise WorkbookProblem(f"This is not an .xlsx spreadsheet (it has no {name}).") from None
    if info.file_size > MAX_INDEX_PART_BYTES:
        raise WorkbookProblem(f"This is not an .xlsx spreadsheet ({name} is too large).")
    try:
        return ElementTree.fromstring(archive.read(name))
    except ElementTree.ParseError as error:
        raise WorkbookProblem(f"This is not an .xlsx spreadsheet ({name}: {error}).") from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
