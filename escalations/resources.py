"""The one django-import-export resource for cases: the admin's import/export and the commands.

Export writes the canonical columns (plus due_at and sla_breached) to a sheet named "Cases",
escaping spreadsheet formulae. Import goes through the tracker importer (escalations.imports),
which checks every row before writing anything and writes the audit trail in bulk; the admin
hands it the uploaded file's bytes (TrackerFile), so that the admin and `manage.py
import_tracker` read every file with the same reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.html import conditional_escape
from import_export import fields, resources
from import_export.formats.base_formats import Format
from import_export.results import Result, RowResult

from escalations.imports.columns import CANONICAL, EXPORT_COLUMNS
from escalations.imports.engine import ImportReport, RowError, RowPlan, tracker_import
from escalations.imports.values import FORMULA_STARTS
from escalations.models import Case

EXPORT_SHEET = "Cases"


def safe_cell(value):
    """Return text that a spreadsheet will not run as a formula (numbers stay numbers)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _local(moment):
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


@dataclass(frozen=True)
class TrackerUpload:
    """An uploaded tracker file's bytes, read by the tracker reader in CaseResource.import_data."""

    content: bytes

    def __bool__(self) -> bool:
        return True  # an empty upload is the reader's to refuse, with its own message


class TrackerFile(Format):
    """The admin's one import format: any tracker file (CSV, XLSX or JSON), kept as bytes.

    django-import-export would decode and parse the upload itself with tablib (UTF-8 only, the
    first sheet only, each formatted blank row a row); this format hands the bytes on, and the
    importer reads them with escalations.imports.reading.read_tracker, as the command does.
    """

    def __init__(self, encoding: str | None = None) -> None:
        # the admin passes its from_encoding at confirmation; the reader detects the encoding
        self.encoding = None

    def get_title(self) -> str:
        return "tracker file (csv, xlsx or json)"

    def create_dataset(self, in_stream: bytes) -> TrackerUpload:
        return TrackerUpload(bytes(in_stream))

    def can_import(self) -> bool:
        return True


class CaseResource(resources.ModelResource):
    """Cases as tracker rows."""

    ticket_id = fields.Field(attribute="ticket_id", column_name="ticket_id")
    opened_at = fields.Field(column_name="opened_at")
    customer_name = fields.Field(attribute="customer_name", column_name="customer_name")
    customer_email = fields.Field(attribute="customer_email", column_name="customer_email")
    order_number = fields.Field(attribute="order_number", column_name="order_number")
    order_value = fields.Field(column_name="order_value")
    category = fields.Field(column_name="category")
    policy = fields.Field(column_name="policy")
    risk_rating = fields.Field(column_name="risk_rating")
    tier = fields.Field(column_name="tier")
    state = fields.Field(attribute="state", column_name="state")
    team = fields.Field(column_name="team")
    assignee = fields.Field(column_name="assignee")
    summary = fields.Field(attribute="summary", column_name="summary")
    notes = fields.Field(column_name="notes")
    resolved_at = fields.Field(column_name="resolved_at")
    closed_at = fields.Field(column_name="closed_at")
    feedback_score = fields.Field(column_name="feedback_score")
    due_at = fields.Field(column_name="due_at")
    sla_breached = fields.Field(column_name="sla_breached")

    class Meta:
        model = Case
        fields = EXPORT_COLUMNS
        export_order = EXPORT_COLUMNS
        import_id_fields = ["ticket_id"]

    def get_export_queryset(self, request=None, **kwargs):
        return super().get_export_queryset(request, **kwargs).select_related(
            "category", "policy", "team", "assignee")

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("category", "policy", "team", "assignee")

    def export_field(self, field, instance, **kwargs):
        return safe_cell(super().export_field(field, instance, **kwargs))

    def after_export(self, queryset, dataset, **kwargs):
        dataset.title = EXPORT_SHEET  # the xlsx sheet's name (else "Tablib Dataset")

    def dehydrate_opened_at(self, case):
        return _local(case.opened_at)

    def dehydrate_resolved_at(self, case):
        return _local(case.resolved_at)

    def dehydrate_closed_at(self, case):
        return _local(case.closed_at)

    def dehydrate_due_at(self, case):
        return _local(case.due_at)

    def dehydrate_order_value(self, case):
        return float(case.order_value) if case.order_value is not None else None

    # numbers and booleans are written as themselves, not as text
    def dehydrate_risk_rating(self, case):
        return case.risk_rating

    def dehydrate_tier(self, case):
        return case.tier

    def dehydrate_feedback_score(self, case):
        return case.feedback_score

    def dehydrate_sla_breached(self, case):
        return case.sla_breached

    def dehydrate_category(self, case):
        return case.category.name

    def dehydrate_policy(self, case):
        return case.policy.name

    def dehydrate_team(self, case):
        return case.team.name

    def dehydrate_assignee(self, case):
        return case.assignee.username if case.assignee_id else ""

    def dehydrate_notes(self, case):
        return case.details

    # --- import: the tracker importer, reported in django-import-export's terms ----------

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None,
                    collect_failed_rows=False, rollback_on_validation_errors=False, **kwargs):
        """Import an uploaded tracker, all or nothing, through the tracker importer.

        kwargs carry the file name, the user, the admin form's mappings and set values, and
        (at the preview) the table its form already read.
        """
        if not isinstance(dataset, TrackerUpload):
            raise TypeError("CaseResource imports tracker files: use the TrackerFile format.")
        report = tracker_import(data=dataset.content, table=kwargs.get("table"),
                                file_name=kwargs.get("file_name") or "upload",
                                actor=kwargs.get("user"), dry_run=dry_run,
                                mappings=kwargs.get("mappings") or [],
                                set_values=kwargs.get("set_values") or [])
        return report_as_result(report)


def report_as_result(report: ImportReport) -> Result:
    """Return the importer's report as a django-import-export Result (for the admin preview).

    Rows read as a person reads them (names, not ids; "changes" names what an update changes).
    With errors, each row with any is one invalid row: its cells as the file has them, and its
    errors by field, each naming the value (the admin theme writes them above the row's
    cells). Errors that belong to no one row (a header, a value set for every row) share one
    row numbered "—".
    """
    result = Result()
    if report.errors:
        result.diff_headers = list(CANONICAL)
        by_row: dict[int | None, list[RowError]] = {}
        for error in report.errors:
            by_row.setdefault(error.row, []).append(error)
        for number, errors in by_row.items():
            cells = report.rejected.get(number, {})
            messages: dict[str, list[str]] = {}
            for error in errors:
                messages.setdefault(error.field or NON_FIELD_ERRORS, []).append(_problem(error))
            result.append_invalid_row("—" if number is None else number,
                                      {name: _text(cells.get(name)) for name in CANONICAL},
                                      ValidationError(messages))
        return result
    result.diff_headers = [*CANONICAL, "changes"]
    kinds = {"create": RowResult.IMPORT_TYPE_NEW, "update": RowResult.IMPORT_TYPE_UPDATE,
             "skip": RowResult.IMPORT_TYPE_SKIP}
    for plan in report.plans:
        row_result = RowResult()
        row_result.import_type = kinds[plan.action]
        row_result.object_repr = plan.ticket_id
        # escaped here, as the library's own diffs are, whatever the template does with them
        row_result.diff = [conditional_escape(text) for text in _shown(plan)]
        result.append_row_result(row_result)
        result.increment_row_result_total(row_result)
    return result


def _shown(plan: RowPlan) -> list[str]:
    values = {**plan.values, "notes": plan.values["details"], **plan.names}
    changes = ", ".join(name.removesuffix("_id") for name in plan.changes)
    return [_text(values.get(name)) for name in CANONICAL] + [changes]


def _problem(error: RowError) -> str:
    """Return an error's message for the field it is shown under, naming the value."""
    message = error.message
    if error.field and message.startswith(f"{error.field}: "):
        message = message[len(error.field) + 2:]
    if error.value not in (None, "") and str(error.value) not in message:
        message = f"{message} (value: '{error.value}')"
    return message


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    return str(value)
