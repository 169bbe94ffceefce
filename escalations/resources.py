"""The one django-import-export resource for cases: the admin's import/export and the commands.

Export writes the canonical columns (plus due_at and sla_breached), escaping spreadsheet
formulae. Import goes through the tracker importer (escalations.imports), which checks every row
before writing anything and writes the audit trail in bulk.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from import_export import fields, resources
from import_export.results import Result, RowResult

from escalations.imports.columns import CANONICAL, EXPORT_COLUMNS
from escalations.imports.engine import ImportReport, tracker_import
from escalations.imports.reading import Table
from escalations.imports.values import FORMULA_STARTS
from escalations.models import Case


def safe_cell(value):
    """Return text that a spreadsheet will not run as a formula (numbers stay numbers)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _local(moment):
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


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
        table = Table(headers=list(dataset.headers or []),
                      rows=[(number, list(row)) for number, row in enumerate(dataset, start=2)])
        report = tracker_import(table=table, file_name=kwargs.get("file_name") or "upload",
                                actor=kwargs.get("user"), dry_run=dry_run,
                                mappings=kwargs.get("mappings") or [])
        return report_as_result(report)


def report_as_result(report: ImportReport) -> Result:
    """Return the importer's report as a django-import-export Result (for the admin preview)."""
    result = Result()
    result.diff_headers = list(CANONICAL)
    kinds = {"create": RowResult.IMPORT_TYPE_NEW, "update": RowResult.IMPORT_TYPE_UPDATE,
             "skip": RowResult.IMPORT_TYPE_SKIP}
    for error in report.errors:
        row = {"ticket_id": "", error.field or "ticket_id": error.value}
        result.append_invalid_row(
            error.row or 0, row,
            ValidationError({error.field or "__all__": [error.message]}),
        )
    if report.errors:
        return result
    for plan in report.plans:
        row_result = RowResult()
        row_result.import_type = kinds[plan.action]
        row_result.object_repr = plan.ticket_id
        row_result.diff = [str(plan.values.get(name, plan.values.get(f"{name}_id", "")) or "")
                           for name in CANONICAL]
        result.append_row_result(row_result)
        result.increment_row_result_total(row_result)
    return result
