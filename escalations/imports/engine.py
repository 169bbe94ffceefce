"""The tracker import: read, check every row, then write everything or nothing.

Rows are checked in memory against lookups loaded once (categories, policies, tiers, teams,
users, existing cases), so the cost is the parse plus a few bulk statements; nothing is written
while any row has an error, and a dry run writes nothing at all. New cases get one history row
("imported from <file>"), a tier stay and, when active, a deadline counted from the import (no
promotion for the past, no notifications); changed existing cases get their new details and one
history row; unchanged rows are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from escalations.choices import ACTIVE_STATES, CaseState, ClockBasis, Transition
from escalations.imports import values as cell
from escalations.imports.columns import (
    CANONICAL,
    REQUIRED,
    MappingError,
    parse_mappings,
    parse_settings,
    resolve_headers,
)
from escalations.imports.lookups import Lookups
from escalations.imports.reading import FileProblem, Table, read_tracker
from escalations.models import Case
from escalations.services.cases import update_build
from escalations.services.changes import CaseChange, change_new, changes_for
from escalations.services.writer import changes_write
from escalations.sla.deadlines import clear_case_clock

MAX_ERRORS = 500
# Fields an import may change on an existing case (state and tier change only by transitions).
UPDATABLE = ["customer_name", "customer_email", "order_number", "order_value", "category_id",
             "risk_rating", "team_id", "assignee_id", "summary", "details", "feedback_score"]
COMPARED = UPDATABLE + ["policy_id", "tier", "state", "opened_at"]


@dataclass
class RowError:
    row: int | None
    field: str | None
    value: object
    message: str

    def as_dict(self) -> dict:
        value = self.value if isinstance(self.value, int | float | type(None)) else str(
            self.value)[:200]
        return {"row": self.row, "field": self.field, "value": value, "message": self.message}


@dataclass
class RowPlan:
    row: int
    ticket_id: str
    action: str  # create, update, skip
    values: dict
    existing: dict | None = None
    changes: list[str] = field(default_factory=list)
    # what a person reads for the values stored as ids or codes: category, policy, tier...
    names: dict[str, str] = field(default_factory=dict)


@dataclass
class ImportReport:
    file_name: str
    dry_run: bool
    plans: list[RowPlan] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    written: bool = False
    # the cells of each row with an error, by column (set values included), for the preview
    rejected: dict[int, dict[str, object]] = field(default_factory=dict)

    def count(self, action: str) -> int:
        return sum(1 for plan in self.plans if plan.action == action)

    def as_json(self) -> dict:
        """Return the command's one-line summary."""
        errors = [error.as_dict() for error in self.errors[:MAX_ERRORS]]
        if len(self.errors) > MAX_ERRORS:
            errors.append({"row": None, "field": None, "value": None,
                           "message": f"… and {len(self.errors) - MAX_ERRORS} more errors."})
        if self.errors:
            return {"created": 0, "updated": 0, "skipped": 0, "errors": errors}
        return {"created": self.count("create"), "updated": self.count("update"),
                "skipped": self.count("skip"), "errors": errors}


@dataclass
class _Preset:
    """Values set for every row (--set, the admin's "Set for every row"), and their errors."""

    values: dict[str, str]
    reported: set[tuple[str, str]] = field(default_factory=set)


class _Row:
    """Parse one row's cells, collecting every error instead of stopping at the first."""

    def __init__(self, number: int, cells: list[object], columns: dict[str, int],
                 errors: list[RowError], preset: _Preset) -> None:
        self.number, self.cells, self.columns, self.errors = number, cells, columns, errors
        self.preset = preset
        self.failed = False

    def cell(self, name: str) -> object:
        """Return the file's own cell (stripped), or None."""
        index = self.columns.get(name)
        if index is None or index >= len(self.cells):
            return None
        value = self.cells[index]
        return value.strip() if isinstance(value, str) else value

    def raw(self, name: str) -> object:
        """Return the cell, or the value set for every row where the cell is blank."""
        value = self.cell(name)
        if value in (None, "") and name in self.preset.values:
            return self.preset.values[name]
        return value

    def fail(self, name: str, value: object, message: str) -> None:
        self.failed = True
        if name in self.preset.values and self.cell(name) in (None, ""):
            # A set value is wrong for every row it fills: say so once, for no one row.
            if (name, message) not in self.preset.reported:
                self.preset.reported.add((name, message))
                self.errors.append(RowError(None, name, value, f"{message} (set for every row)"))
            return
        self.errors.append(RowError(self.number, name, value, message))

    def get(self, name: str, parse, *args, required: bool = False, **kwargs):
        value = self.raw(name)
        try:
            parsed = parse(value, *args, **kwargs)
        except cell.CellError as error:
            self.fail(name, value, f"{name}: {error}")
            return None
        if required and parsed in (None, ""):
            self.fail(name, value, f"{name} is required but blank.")
        return parsed


def _parse_row(row: _Row, lookups: Lookups) -> tuple[dict, dict[str, str]] | None:
    ticket_id = row.get("ticket_id", cell.text, limit=64, required=True)
    customer_name = row.get("customer_name", cell.text, limit=200, required=True)
    email = row.get("customer_email", cell.text, limit=254)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            row.fail("customer_email", email, f"'{email}' is not an email address.")
    category = lookups.category(row)
    policy = lookups.policy(row, category)
    zone = lookups.zone(policy)
    opened_at = row.get("opened_at", cell.moment, zone, required=True)
    resolved_at = row.get("resolved_at", cell.moment, zone)
    closed_at = row.get("closed_at", cell.moment, zone)
    risk = row.get("risk_rating", cell.rating, required=True)
    feedback = row.get("feedback_score", cell.rating)
    tier = lookups.tier(row, policy, category)
    state = lookups.state(row)
    team = lookups.team(row)
    assignee = lookups.user(row)
    notes = row.get("notes", cell.text)
    summary = row.get("summary", cell.text, limit=300)
    order_number = row.get("order_number", cell.text, limit=64)
    order_value = row.get("order_value", cell.money)
    if row.failed:
        return None
    if state in (CaseState.RESOLVED, CaseState.CLOSED) and resolved_at is None:
        resolved_at = closed_at or opened_at
    if state == CaseState.CLOSED and closed_at is None:
        closed_at = resolved_at
    level = policy.tier_map.get(tier)
    names = {
        "category": category.name, "policy": policy.name, "team": team.name,
        "assignee": _person(assignee), "state": CaseState(state).label,
        "tier": f"{tier}. {level.name}" if level else str(tier),
    }
    return {
        "ticket_id": ticket_id, "customer_name": customer_name, "customer_email": email or "",
        "order_number": order_number or "", "order_value": order_value,
        "category_id": category.pk, "policy_id": policy.pk, "risk_rating": risk, "tier": tier,
        "state": state, "team_id": team.pk, "assignee_id": assignee.pk if assignee else None,
        "summary": summary or (notes[:300] if notes else category.name), "details": notes or "",
        "opened_at": opened_at,
        "resolved_at": resolved_at if state in (CaseState.RESOLVED, CaseState.CLOSED) else None,
        "closed_at": closed_at if state == CaseState.CLOSED else None,
        "feedback_score": feedback,
    }, names


def _person(user) -> str:
    if user is None:
        return ""
    full_name = user.get_full_name()
    return f"{full_name} ({user.username})" if full_name else user.username


def plan_import(*, data: bytes = b"", file_name: str, fmt: str | None = None,
                mappings: list[str] | None = None, set_values: list[str] | None = None,
                dry_run: bool = False, table: Table | None = None) -> ImportReport:
    """Read and check the whole file (or table); return what would be created, updated, skipped.

    set_values are "column=value" lines: the value fills that column's blank cells (every row's,
    when the file has no such column) and is checked like a cell.
    """
    report = ImportReport(file_name=file_name, dry_run=dry_run)
    try:
        mapping = parse_mappings(mappings or [])
        preset = _Preset(parse_settings(set_values or []))
        if table is None:
            table = read_tracker(data, name=file_name, fmt=fmt)
    except (FileProblem, MappingError) as error:
        report.errors.append(RowError(None, None, file_name, str(error)))
        return report
    columns, problems = resolve_headers(table.headers, mapping)
    header_row = table.rows[0][0] - 1 if table.rows else 1
    for problem in problems:
        report.errors.append(RowError(header_row, None, None, problem))
    for name in REQUIRED:
        if name not in columns and name not in preset.values:
            report.errors.append(RowError(header_row, name, None,
                                          f"Missing required column {name}."))
    if report.errors:
        return report
    lookups = Lookups()
    first_row: dict[str, int] = {}
    parsed: list[tuple[_Row, dict, dict[str, str]]] = []
    for number, cells in table.rows:
        row = _Row(number, cells, columns, report.errors, preset)
        errors_before = len(report.errors)
        result = _parse_row(row, lookups)
        if result is None:
            if any(error.row == number for error in report.errors[errors_before:]):
                report.rejected[number] = _cells_shown(row)
        else:
            values, names = result
            key = values["ticket_id"].casefold()
            if key in first_row:
                report.errors.append(RowError(number, "ticket_id", values["ticket_id"],
                                              f"Ticket {values['ticket_id']} is also on row "
                                              f"{first_row[key]}; each ticket once per file."))
                report.rejected[number] = _cells_shown(row)
                continue
            first_row[key] = number
            parsed.append((row, values, names))
        if len(report.errors) > MAX_ERRORS * 2:
            break
    existing = lookups.existing_cases([values["ticket_id"] for _, values, _ in parsed])
    for row, values, names in parsed:
        current = existing.get(values["ticket_id"])
        if current is None:
            report.plans.append(RowPlan(row.number, values["ticket_id"], "create", values,
                                        names=names))
            continue
        changes = [name for name in COMPARED if values[name] != current[name]]
        fixed = [name for name in changes if name not in UPDATABLE]
        if fixed:
            column = fixed[0].removesuffix("_id")
            report.errors.append(RowError(
                row.number, column, row.raw(column),
                f"Ticket {values['ticket_id']} exists with {column} "
                f"'{_stored(fixed[0], current[fixed[0]], lookups)}'; an import cannot change "
                f"{', '.join(name.removesuffix('_id') for name in fixed)} "
                "(use the case's transitions)."))
            report.rejected[row.number] = _cells_shown(row)
            continue
        action = "update" if changes else "skip"
        report.plans.append(RowPlan(row.number, values["ticket_id"], action, values, current,
                                    changes, names=names))
    return report


def _cells_shown(row: _Row) -> dict[str, object]:
    return {name: row.raw(name) for name in CANONICAL}


def _stored(name: str, value: object, lookups: Lookups) -> object:
    """Return a stored value as the import's messages name it (a policy by its name)."""
    if name == "policy_id":
        return lookups.policy_by_id(value).name
    if name == "state":
        return CaseState(value).label
    return value


def tracker_import(*, file_name: str, actor, data: bytes = b"", fmt: str | None = None,
                   mappings: list[str] | None = None, set_values: list[str] | None = None,
                   dry_run: bool = False, now: datetime | None = None,
                   table: Table | None = None) -> ImportReport:
    """Import a tracker: check every row, then write all of it or nothing."""
    if actor is None or not actor.is_superuser:
        raise PermissionDenied("Only administrators may import trackers.")
    report = plan_import(data=data, file_name=file_name, fmt=fmt, mappings=mappings,
                         set_values=set_values, dry_run=dry_run, table=table)
    if report.errors or dry_run:
        return report
    try:
        _write(report, actor=actor, now=now or timezone.now())
    except ValidationError as error:  # a case changed while importing: nothing was written
        report.errors.append(RowError(None, None, None, "; ".join(error.messages)))
        return report
    report.written = True
    return report


@transaction.atomic
def _write(report: ImportReport, *, actor, now: datetime) -> None:
    """Build the opens and updates of the plan and write them through the one writer."""
    name = Path(report.file_name).name
    lookups = Lookups()
    changes = [_open(plan, actor=actor, now=now, name=name, lookups=lookups)
               for plan in report.plans if plan.action == "create"]
    updates = [plan for plan in report.plans if plan.action == "update"]
    if updates:
        changes.extend(_updates(updates, actor=actor, now=now, name=name))
    # Imported events would be news of the past: an import notifies nobody.
    changes_write(changes)


def _open(plan: RowPlan, *, actor, now: datetime, name: str, lookups: Lookups) -> CaseChange:
    """Return the change that creates the row's case: its stay entered at its opening, its
    clock counting from the import (no promotion for time before it), held from the import
    if on hold, its stay ended at its resolution if resolved or closed."""
    case = Case(**plan.values, created_by=actor)
    case.policy = lookups.policy_by_id(case.policy_id)
    change = change_new(case)
    change.enter_tier(at=case.opened_at, actor=actor, basis=ClockBasis.IMPORT, clock_from=now,
                      running=case.state in ACTIVE_STATES)
    if case.state == CaseState.ON_HOLD:
        change.start_hold(at=now, reason=f"imported from {name}")
    elif case.state not in ACTIVE_STATES:
        change.leave_tier(at=case.resolved_at or now, left_by=Transition.RESOLVE)
        clear_case_clock(case)
    change.record(at=now, actor=actor, transition=Transition.IMPORT,
                  reason=f"imported from {name}", history_type="+")
    return change


def _updates(plans: list[RowPlan], *, actor, now: datetime, name: str) -> list[CaseChange]:
    """Return the changes of existing cases, locked and checked against the versions read."""
    by_ticket = {plan.ticket_id: plan for plan in plans}
    locked = list(Case.objects.select_for_update(of=("self",)).select_related("policy").filter(
        ticket_id__in=list(by_ticket)).order_by("pk"))
    missing = sorted(set(by_ticket) - {case.ticket_id for case in locked})
    if missing:
        plan = by_ticket[missing[0]]
        raise ValidationError(
            f"Row {plan.row}: case {plan.ticket_id} was deleted while importing; import again."
        )
    changes = changes_for(locked)
    for change in changes:
        case = change.case
        plan = by_ticket[case.ticket_id]
        if case.version != plan.existing["version"]:
            raise ValidationError(
                f"Row {plan.row}: case {case.ticket_id} changed while importing; import again."
            )
        update_build(
            change, actor=actor, at=now, transition=Transition.IMPORT,
            values={attribute: plan.values[attribute] for attribute in plan.changes},
            reason=f"updated from {name}: "
                   f"{', '.join(a.removesuffix('_id') for a in plan.changes)}",
        )
    return changes
