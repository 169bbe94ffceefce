"""Reading a tracker file (CSV, XLSX or JSON) into a header and numbered rows."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass

from django.conf import settings

from escalations.imports import workbook
from escalations.imports.columns import resolve_headers

FORMATS = ("csv", "xlsx", "json")
csv.field_size_limit(64 * 1024 * 1024)


class FileProblem(ValueError):
    """The file as a whole cannot be read as a tracker; the message says why."""


@dataclass
class Table:
    """A tracker's header row and its data rows, numbered as the spreadsheet numbers them."""

    headers: list[object]
    rows: list[tuple[int, list[object]]]
    sheet: str = ""


def guess_format(name: str, data: bytes) -> str:
    """Return csv, xlsx or json from the file name, or from the content."""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix in FORMATS:
        return suffix
    if suffix == "xls":
        raise FileProblem("Old .xls files are not supported: save the tracker as .xlsx or .csv.")
    if data[:2] == b"PK":
        return "xlsx"
    if data.lstrip()[:1] in (b"[", b"{"):
        return "json"
    return "csv"


def read_tracker(data: bytes, *, name: str, fmt: str | None = None) -> Table:
    """Read an uploaded tracker file the one way both the admin and the command read it.

    The format comes from the file name (or the content); CSV is UTF-8 (with or without a
    byte-order mark) or else Windows-1252; blank rows (trailing formatted rows of a sheet
    included) are left out, and the rows keep the numbers the spreadsheet shows.
    Raise FileProblem, naming what is wrong, when the file is not a readable tracker.
    """
    return read_table(data, fmt or guess_format(name, data), name=name)


def read_table(data: bytes, fmt: str, *, name: str = "") -> Table:
    """Read the file's tracker table or raise FileProblem."""
    if not data or not data.strip():
        raise FileProblem(f"'{name or 'the file'}' is empty.")
    reader = {"csv": _read_csv, "xlsx": _read_xlsx, "json": _read_json}.get(fmt)
    if reader is None:
        raise FileProblem(f"Unknown format '{fmt}': use csv, xlsx or json.")
    table = reader(data)
    if not any(str(h or "").strip() for h in table.headers):
        raise FileProblem("The file has no header row.")
    if not table.rows:
        raise FileProblem("The file has a header row but no data rows.")
    if len(table.rows) > settings.IMPORT_MAX_ROWS:
        raise FileProblem(
            f"The file has more than {settings.IMPORT_MAX_ROWS:,} data rows, the most an import "
            "takes (IMPORT_MAX_ROWS). Split it into several files.")
    if len(table.headers) > settings.IMPORT_MAX_COLUMNS:
        raise FileProblem(
            f"The file has {len(table.headers):,} columns; an import reads at most "
            f"{settings.IMPORT_MAX_COLUMNS:,} (IMPORT_MAX_COLUMNS).")
    return table


def _decode(data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise FileProblem("This is not a CSV file (it contains binary data).")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileProblem("The CSV file is neither UTF-8 nor Windows-1252 text.")


def _read_csv(data: bytes) -> Table:
    content = _decode(data)
    sample = content[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    # Keep the filled rows with their numbers, and stop one past the header and the limit:
    # enough for read_table to say the file is too long, without reading all of it.
    rows: list[tuple[int, list[object]]] = []
    try:
        for number, record in enumerate(csv.reader(io.StringIO(content, newline=""), dialect),
                                        start=1):
            if _filled(record):
                rows.append((number, list(record)))
                if len(rows) > settings.IMPORT_MAX_ROWS + 1:
                    break
    except csv.Error as error:
        raise FileProblem(f"The CSV file cannot be read: {error}.") from error
    return _numbered_table(rows)


def _table(records: list[list[object]], sheet: str = "", first_row: int = 1) -> Table:
    return _numbered_table([(n, r) for n, r in enumerate(records, start=first_row)
                            if _filled(r)], sheet)


def _numbered_table(rows: list[tuple[int, list[object]]], sheet: str = "") -> Table:
    """Return the table of the filled rows given with their numbers (the first: the header)."""
    if not rows:
        return Table(headers=[], rows=[], sheet=sheet)
    header_number, headers = rows[0]
    data = [(n, list(r)) for n, r in rows[1:]]
    del header_number
    return Table(headers=list(headers), rows=data, sheet=sheet)


def _filled(row) -> bool:
    return any(cell is not None and str(cell).strip() for cell in row)


def _read_json(data: bytes) -> Table:
    try:
        content = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FileProblem(f"This is not a JSON file: {error}.") from error
    if isinstance(content, dict):
        content = content.get("rows") or content.get("cases") or []
    if not isinstance(content, list) or not all(isinstance(r, dict) for r in content):
        raise FileProblem("A JSON tracker is a list of objects, one per case.")
    headers: list[str] = []
    for record in content:
        for key in record:
            if key not in headers:
                headers.append(key)
    rows = [(n, [record.get(h) for h in headers]) for n, record in enumerate(content, start=2)]
    return Table(headers=list(headers), rows=[r for r in rows if _filled(r[1])])


def _read_xlsx(data: bytes) -> Table:
    """Read the first sheet that has a ticket id column (python-calamine: a fast xlsx reader).

    Each sheet's extent is checked from its XML before calamine loads it (see workbook).
    """
    from python_calamine import CalamineWorkbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            workbook.check_unpacked_size(archive)
            parts = workbook.sheet_parts(archive)
            book = CalamineWorkbook.from_filelike(io.BytesIO(data))
            names = list(book.sheet_names)
            for name in names:
                if name not in parts:
                    raise FileProblem(f"This is not an .xlsx spreadsheet (sheet '{name}' has "
                                      "no part).")
                xml = workbook.sheet_xml(archive, parts[name])
                workbook.check_extent(xml, name)
                merged = workbook.merged_ranges(xml)
                del xml
                records = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
                table = _table(records, sheet=name)
                columns, _ = resolve_headers(table.headers, {})
                if "ticket_id" in columns or len(names) == 1:
                    if merged:
                        raise FileProblem(
                            f"Sheet '{name}' has merged cells ({', '.join(merged[:5])}): "
                            "unmerge them so that every row has its own values."
                        )
                    return table
    except workbook.WorkbookProblem as problem:
        raise FileProblem(str(problem)) from problem
    except FileProblem:
        raise
    except Exception as error:  # zipfile and calamine raise their own errors for a damaged file
        raise FileProblem(f"This is not an .xlsx spreadsheet ({type(error).__name__}).") from error
    raise FileProblem(
        f"No sheet has a ticket id column (sheets: {', '.join(names)}); the tracker sheet "
        "needs a header row with 'Ticket ID' or 'Ticket #'."
    )
