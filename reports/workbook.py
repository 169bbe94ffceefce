"""The monthly workbook: Summary, By category, By tier, Responsiveness and Cases sheets.

Written with XlsxWriter in constant-memory mode (rows stream to disk, so memory does not grow
with the number of cases), with native Excel charts. Strings are never turned into formulas,
and customer-written text is also escaped as in exports.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import xlsxwriter
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from escalations.imports.columns import EXPORT_COLUMNS
from escalations.models import Case
from escalations.resources import safe_cell
from reports import metrics
from reports.periods import Period, previous, weeks

CUSTOMER_TEXT = {"customer_name", "customer_email", "order_number", "summary", "notes"}
FORMATS = {"count": "#,##0", "hours": "0.0", "decimal": "0.00", "percent": "0.0%",
           "money": "#,##0.00"}
SUMMARY_SHAPES = {
    "Escalation frequency (per case opened)": "decimal", "SLA breach rate": "percent",
    "Median time to resolve (h)": "hours", "90th percentile time to resolve (h)": "hours",
    "Average customer feedback (1-5)": "decimal",
}
# A breakdown's column counts exactly what the Summary figure of the same meaning counts.
COLUMN_FIGURES = {"Opened": "Cases opened", "Resolved": "Cases resolved",
                  "Closed": "Cases closed", "Breaches": "Breaches (deadlines missed)"}
CASE_SHAPES = {"order_value": "money", "risk_rating": "count", "tier": "count",
               "feedback_score": "count"}
CASE_COLUMNS = {
    "ticket_id": "the helpdesk ticket of the case.",
    "opened_at": "when the case was opened.",
    "customer_name": "the customer.",
    "customer_email": "the customer's email address.",
    "order_number": "the customer's order.",
    "order_value": "the value of the order.",
    "category": "the kind of issue.",
    "policy": "the escalation policy the case follows.",
    "risk_rating": "the risk of a bad customer experience, 1 (lowest) to 5 (highest).",
    "tier": "the tier the case was at when the report was made (1 is the first).",
    "state": "the case's state when the report was made.",
    "team": "the team that owns the case.",
    "assignee": "the person the case is assigned to (blank if nobody).",
    "summary": "the issue in one line.",
    "notes": "the case's details.",
    "resolved_at": "when the case was resolved (blank if it is not resolved).",
    "closed_at": "when the case was closed (blank if it is not closed).",
    "feedback_score": "the customer's feedback at closing, 1 to 5.",
    "due_at": "the deadline at the tier the case is at (blank when resolved, or at a tier "
              "without a time limit).",
    "sla_breached": "TRUE if the case has missed at least one tier deadline.",
}


class _Sheet:
    """A worksheet written row by row with the workbook's formats."""

    def __init__(self, book: xlsxwriter.Workbook, name: str, formats: dict) -> None:
        self.sheet = book.add_worksheet(name)
        self.formats = formats
        self.row = 0
        self.frozen = False

    def header(self, titles: list[str], widths: list[int] | None = None) -> None:
        for column, title in enumerate(titles):
            self.sheet.write_string(self.row, column, title, self.formats["header"])
            self.sheet.set_column(column, column, (widths or [])[column] if widths and column <
                                  len(widths) else max(12, len(title) + 2))
        if not self.frozen:  # the first table's header stays in view
            self.sheet.freeze_panes(self.row + 1, 0)
            self.frozen = True
        self.row += 1

    def line(self, values: list[Any], shapes: str | list[str] = "count") -> None:
        """Write a row; shapes names the number format of each column (or of all of them)."""
        for column, value in enumerate(values):
            self.cell(column, value, shapes if isinstance(shapes, str) else shapes[column])
        self.row += 1

    def cell(self, column: int, value: Any, shape: str = "count") -> None:
        row, sheet, formats = self.row, self.sheet, self.formats
        if value is None or value == "":
            sheet.write_blank(row, column, None)
        elif isinstance(value, bool):
            sheet.write_boolean(row, column, value)
        elif isinstance(value, int | float):
            sheet.write_number(row, column, value, formats[shape])
        elif isinstance(value, datetime):
            local = timezone.localtime(value).replace(tzinfo=None)
            sheet.write_datetime(row, column, local, formats["datetime"])
        else:
            sheet.write_string(row, column, str(value))

    def definitions(self, notes: dict[str, str]) -> None:
        """Write the definitions of the sheet's columns below its tables, one per row."""
        self.row += 1
        self.sheet.write_string(self.row, 0, "Definitions", self.formats["bold"])
        self.row += 1
        for title, text in notes.items():
            self.sheet.write_string(self.row, 0, f"{title}: {text}")
            self.row += 1


def _ratio(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _change(now: Any, before: Any) -> Any:
    if isinstance(now, int | float) and isinstance(before, int | float):
        return now - before
    return None


def _figure_notes(*titles: str) -> dict[str, str]:
    """Return the definitions of columns that count what a Summary figure counts."""
    return {title: metrics.DEFINITIONS[COLUMN_FIGURES.get(title, title)] for title in titles}


def write_summary(book, formats, cases: QuerySet[Case], period: Period) -> None:
    sheet = _Sheet(book, "Summary", formats)
    sheet.sheet.write_string(0, 0, f"Escalations — {period.label}", formats["title"])
    sheet.row = 2
    prior = previous(period)
    sheet.header(["Figure", period.label, prior.label, "Change"], [42, 14, 14, 12])
    current, before = metrics.summary(cases, period), metrics.summary(cases, prior)
    for name, value in current.items():
        shape = SUMMARY_SHAPES.get(name, "count")
        sheet.line([name, value, before[name], _change(value, before[name])], shape)
    sheet.row += 1
    sheet.sheet.write_string(sheet.row, 0, "By policy", formats["title"])
    sheet.row += 1
    sheet.header(["Policy", "Opened", "Resolved", "Closed"])
    for row in metrics.by_policy(cases, period):
        sheet.line([row["policy"], row["opened"], row["resolved"], row["closed"]])
    sheet.row += 1
    sheet.sheet.write_string(sheet.row, 0, "By week", formats["title"])
    sheet.row += 1
    first = sheet.row + 1
    sheet.header(["Week", "Opened", "Resolved", "Breaches", "SLA breach rate",
                  "Median time to resolve (h)"])
    for row in metrics.weekly(cases, weeks(period)):
        sheet.line([row["week"], row["opened"], row["resolved"], row["breaches"],
                    _ratio(row["breach_rate"]), row["median_resolve_h"]],
                   ["count", "count", "count", "count", "percent", "hours"])
    last = sheet.row
    for title, column, anchor in (("SLA breach rate by week", 4, "H3"),
                                  ("Median time to resolve by week (h)", 5, "H20")):
        chart = book.add_chart({"type": "line"})
        chart.add_series({
            "name": title, "categories": ["Summary", first, 0, last - 1, 0],
            "values": ["Summary", first, column, last - 1, column], "marker": {"type": "circle"},
        })
        chart.set_title({"name": title})
        chart.set_legend({"none": True})
        sheet.sheet.insert_chart(anchor, chart)
    sheet.definitions({
        "Figure": "one figure per row, each defined below.",
        period.label: "the month of the report, in the project's time zone.",
        prior.label: "the month before, counted the same way.",
        "Change": "this month's figure minus the month before's.",
        **_figure_notes(*current),
        "Policy": "the escalation policy the cases follow.",
        **_figure_notes("Opened", "Resolved", "Closed", "Breaches"),
        "Week": "Monday to Sunday, starting on the date shown (the first and last weeks stop "
                "at the month's edges); each column counts as defined above, within the week.",
    })


def write_by_category(book, formats, cases, period) -> None:
    sheet = _Sheet(book, "By category", formats)
    titles = ["Category", "Opened", "Resolved", "Breaches", "Median time to resolve (h)"]
    sheet.header(titles, [40, 10, 10, 10, 26])
    rows = metrics.by_category(cases, period)
    for row in rows:
        sheet.line([row["category"], row["opened"], row["resolved"], row["breaches"],
                    row["median_resolve_h"]], ["count", "count", "count", "count", "hours"])
    if rows:
        chart = book.add_chart({"type": "bar"})
        chart.add_series({"name": "Cases opened",
                          "categories": ["By category", 1, 0, len(rows), 0],
                          "values": ["By category", 1, 1, len(rows), 1]})
        chart.set_title({"name": "Cases by category"})
        chart.set_legend({"none": True})
        chart.set_y_axis({"reverse": True})
        sheet.sheet.insert_chart("G2", chart, {"x_scale": 1.4, "y_scale": 1.6})
    sheet.definitions({
        "Category": "the kind of issue; ranked by cases opened (a category appears when any "
                    "of its columns is above zero).",
        **_figure_notes(*titles[1:]),
    })


def write_by_tier(book, formats, cases, period) -> None:
    sheet = _Sheet(book, "By tier", formats)
    titles = ["Policy", "Level", "Tier", "Cases that reached it", "Breaches",
              "Average hours in tier", "Median hours in tier"]
    sheet.header(titles, [40, 8, 34, 20, 10, 20, 20])
    for row in metrics.by_tier(cases, period):
        sheet.line([row["policy"], row["level"], row["tier"], row["cases_reached"],
                    row["breaches"], row["average_hours"], row["median_hours"]],
                   ["count"] * 5 + ["hours"] * 2)
    sheet.definitions({
        "Policy": "the escalation policy the tier belongs to.",
        "Level": "the tier's place in the policy (1 is the first).",
        "Tier": "the tier's name.",
        **_figure_notes(*titles[3:]),
    })


def write_responsiveness(book, formats, cases, period) -> None:
    sheet = _Sheet(book, "Responsiveness", formats)
    titles = ["Median hours to acknowledge", "Median time to resolve (h)", "Breaches",
              "Resolved"]
    shapes = ["count", "hours", "hours", "count", "count"]
    sheet.header(["Team", *titles], [24, 26, 24, 10, 10])
    for row in metrics.responsiveness(cases, period, by="team"):
        sheet.line([row["team"], row["median_ack_h"], row["median_resolve_h"], row["breaches"],
                    row["resolved"]], shapes)
    sheet.row += 1
    sheet.header(["Owner", *titles])
    for row in metrics.responsiveness(cases, period, by="owner"):
        sheet.line([row["owner"], row["median_ack_h"], row["median_resolve_h"], row["breaches"],
                    row["resolved"]], shapes)
    sheet.definitions({
        "Team": "the team that owns the case; every column counts the team's cases.",
        "Owner": "the person the case is assigned to when the report is made ((unassigned) if "
                 "nobody); every column counts their cases.",
        **_figure_notes(*titles),
    })


def month_cases(cases: QuerySet[Case], period: Period) -> QuerySet[Case]:
    """Return the cases of the month: opened, resolved or closed in it."""
    def window(name: str) -> Q:
        return Q(**{f"{name}__gte": period.start, f"{name}__lt": period.end})

    return cases.filter(window("opened_at") | window("resolved_at") | window("closed_at"))


def write_cases(book, formats, cases, period) -> int:
    sheet = _Sheet(book, "Cases", formats)
    selected = month_cases(cases, period)
    stays = metrics.stays_of(selected).filter(entered_at__lt=period.end)
    # One column per tier reached by the month's end, so no column is always blank.
    tiers = stays.aggregate(top=Max("level"))["top"] or 0
    tier_titles = [f"Hours at tier {level}" for level in range(1, tiers + 1)]
    sheet.header(EXPORT_COLUMNS + tier_titles)
    shapes = [CASE_SHAPES.get(name, "count") for name in EXPORT_COLUMNS] + ["hours"] * tiers
    rows = stays.order_by("case_id").values_list(
        "case_id", "level", "entered_at", "left_at").iterator(chunk_size=5000)
    pending = next(rows, None)
    count = 0
    for case in selected.select_related("category", "policy", "team", "assignee").order_by(
            "pk").iterator(chunk_size=2000):
        spent: list[float | None] = [None] * tiers
        while pending is not None and pending[0] < case.pk:
            pending = next(rows, None)
        while pending is not None and pending[0] == case.pk:
            _, level, entered, left = pending
            if 1 <= level <= tiers:
                until = period.end if left is None else min(left, period.end)
                spent[level - 1] = (spent[level - 1] or 0.0) + metrics.hours(until - entered)
            pending = next(rows, None)
        sheet.line(_case_values(case) + spent, shapes)
        count += 1
    sheet.definitions({
        "Rows": "every case opened, resolved or closed in the month.",
        **{name: CASE_COLUMNS[name] for name in EXPORT_COLUMNS if name in CASE_COLUMNS},
        **{title: f"hours the case spent at tier {level} up to the end of the month, all its "
                  "stays there added up (blank if it had not reached the tier by then)."
           for level, title in enumerate(tier_titles, start=1)},
    })
    return count


def _case_values(case: Case) -> list[Any]:
    values = {
        "ticket_id": case.ticket_id, "opened_at": case.opened_at,
        "customer_name": case.customer_name, "customer_email": case.customer_email,
        "order_number": case.order_number,
        "order_value": float(case.order_value) if case.order_value is not None else None,
        "category": case.category.name, "policy": case.policy.name,
        "risk_rating": case.risk_rating, "tier": case.tier, "state": case.state,
        "team": case.team.name, "assignee": case.assignee.username if case.assignee else "",
        "summary": case.summary, "notes": case.details, "resolved_at": case.resolved_at,
        "closed_at": case.closed_at, "feedback_score": case.feedback_score,
        "due_at": case.due_at, "sla_breached": case.sla_breached,
    }
    return [safe_cell(values[name]) if name in CUSTOMER_TEXT else values[name]
            for name in EXPORT_COLUMNS]


def write_workbook(path: str, cases: QuerySet[Case], period: Period) -> int:
    """Write the month's workbook for the cases in scope to path; return the Cases row count."""
    book = xlsxwriter.Workbook(path, {
        "constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
        "strings_to_numbers": False,
    })
    formats = {
        "header": book.add_format({"bold": True, "bg_color": "#DDE5F0", "border": 1,
                                   "text_wrap": True, "valign": "top"}),
        "title": book.add_format({"bold": True, "font_size": 14}),
        "datetime": book.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        "bold": book.add_format({"bold": True}),
        **{shape: book.add_format({"num_format": code}) for shape, code in FORMATS.items()},
    }
    try:
        write_summary(book, formats, cases, period)
        write_by_category(book, formats, cases, period)
        write_by_tier(book, formats, cases, period)
        write_responsiveness(book, formats, cases, period)
        return write_cases(book, formats, cases, period)
    finally:
        book.close()
