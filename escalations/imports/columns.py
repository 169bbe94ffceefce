"""The canonical tracker columns and the header names real trackers use for them."""

from __future__ import annotations

import re

CANONICAL = [
    "ticket_id", "opened_at", "customer_name", "customer_email", "order_number", "order_value",
    "category", "policy", "risk_rating", "tier", "state", "team", "assignee", "summary", "notes",
    "resolved_at", "closed_at", "feedback_score",
]
EXPORT_ONLY = ["due_at", "sla_breached"]
EXPORT_COLUMNS = CANONICAL + EXPORT_ONLY
REQUIRED = ["ticket_id", "opened_at", "customer_name", "category", "risk_rating", "team"]
IGNORE = "ignore"

# Header names seen in teams' trackers (compared after normalisation).
ALIASES = {
    "ticket_id": ["Ticket #", "Ticket ID", "Ticket No", "Ticket Number", "Ticket", "Case ID",
                  "HubSpot Ticket", "Helpdesk Ticket", "Ref", "Reference"],
    "opened_at": ["Date", "Date Escalated", "Escalation Date", "Opened", "Created",
                  "Date Opened", "Created At", "Date Raised"],
    "customer_name": ["Customer", "Customer Name", "Client", "Client Name", "Name"],
    "customer_email": ["Email", "Customer Email", "E-mail", "Client Email"],
    "order_number": ["Order", "Order #", "Order No", "Order Number", "Order ID", "SO", "SO #"],
    "order_value": ["Value", "Order Value", "Amount", "Order Amount", "Total"],
    "category": ["Issue Type", "Issue", "Type", "Category", "Reason", "Escalation Type"],
    "policy": ["Policy", "Escalation Policy", "Process"],
    "risk_rating": ["Risk", "NER", "Risk Rating", "Negative Experience Risk", "NER Rating",
                    "Severity"],
    "tier": ["Tier", "Level", "Escalation Level", "Escalated To"],
    "state": ["Status", "State"],
    "team": ["Team", "Department", "Dept"],
    "assignee": ["Owner", "Assignee", "Assigned To", "Agent", "Handled By", "PIC"],
    "summary": ["Summary", "Issue Summary", "Subject", "Description"],
    "notes": ["Notes", "Details", "Remarks", "Comments", "Assessment"],
    "resolved_at": ["Resolved", "Date Resolved", "Resolved At", "Resolution Date"],
    "closed_at": ["Closed", "Date Closed", "Closed At"],
    "feedback_score": ["Feedback", "Feedback Score", "CSAT", "Rating", "Customer Rating"],
}


def normalise(header: object) -> str:
    """Return a header lower-cased without spaces or punctuation ('Ticket #' → 'ticket')."""
    return re.sub(r"[^0-9a-z]+", "", str(header or "").lower())


_LOOKUP = {normalise(name): name for name in CANONICAL}
_EXPORT_ONLY = {normalise(name) for name in EXPORT_ONLY}
for _canonical, _aliases in ALIASES.items():
    for _alias in _aliases:
        _LOOKUP.setdefault(normalise(_alias), _canonical)


class MappingError(ValueError):
    """A --map or --set entry that cannot be understood."""


def parse_mappings(entries: list[str]) -> dict[str, str]:
    """Parse '--map "Legacy header=field"' entries into {normalised header: field}."""
    mapping = {}
    for entry in entries or []:
        header, sep, target = entry.rpartition("=")
        target = target.strip()
        if not sep or not header.strip():
            raise MappingError(f"--map '{entry}': write it as \"Legacy header=field\".")
        if target not in CANONICAL and target != IGNORE:
            raise MappingError(
                f"--map '{entry}': '{target}' is not a column; use one of "
                f"{', '.join(CANONICAL)} or '{IGNORE}'."
            )
        mapping[normalise(header)] = target
    return mapping


def parse_settings(entries: list[str]) -> dict[str, str]:
    """Parse '--set "column=value"' entries into {column: value}.

    The column is a column's name or any header that means it ('Department=Operations');
    one pair of quotes around the value is dropped. A set value fills the rows whose cell is
    blank, or every row when the file has no such column; it is checked like a cell.
    """
    settings: dict[str, str] = {}
    for entry in entries or []:
        column, sep, value = entry.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1].strip()
        if not sep or not column.strip() or not value:
            raise MappingError(f"Set '{entry}': write it as \"column=value\".")
        field = _LOOKUP.get(normalise(column))
        if field is None:
            raise MappingError(
                f"Set '{entry}': '{column.strip()}' is not a column; use one of "
                f"{', '.join(name for name in CANONICAL if name != 'ticket_id')}."
            )
        if field == "ticket_id":
            raise MappingError(f"Set '{entry}': each row needs its own ticket_id.")
        if field in settings:
            raise MappingError(f"Set '{entry}': {field} is set twice.")
        settings[field] = value
    return settings


def resolve_headers(headers: list[object], mapping: dict[str, str]) -> tuple[dict[str, int],
                                                                              list[str]]:
    """Return {field: column index} for the headers, and the messages of unusable headers."""
    columns: dict[str, int] = {}
    problems: list[str] = []
    for index, header in enumerate(headers):
        key = normalise(header)
        if not key:
            continue
        field = mapping.get(key) or _LOOKUP.get(key)
        if field is None and key in _EXPORT_ONLY:
            continue  # our own export's computed columns: recomputed, never imported
        if field is None:
            problems.append(
                f"Unknown column '{header}': map it with --map \"{header}=<column>\" "
                f"(or =ignore)."
            )
        elif field == IGNORE:
            continue
        elif field in columns:
            problems.append(
                f"Columns '{headers[columns[field]]}' and '{header}' both mean {field}."
            )
        else:
            columns[field] = index
    return columns, problems
