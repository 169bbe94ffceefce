"""The monthly workbook: Summary, By category, By tier, Responsiveness and Cases sheets.

Written with XlsxWriter in constant-memory mode (rows stream to disk, so memory does not grow
with the number of cases), with native Excel charts. Strings are never turned into formulas,
and customer-written text is also escaped as in exports.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import xlsxwriter
from django.db.models import Q, QuerySet
from django.utils import timezone

from escalations.imports.columns import EXPORT_COLUMNS
from escalations.models import Case
from escalations.resources import safe_cell
from reports import metrics
from reports.periods import Period, previous, weeks

MAX_TIERS = 6
CUSTOMER_TEXT = {"customer_name", "customer_email", "order_number", "summary", "notes"}


class _Sheet:
    """A worksheet written row by row with the workbook's formats."""

    def __init__(self, book: xlsxwriter.Workbook, name: str, formats: dict) -> None:
        self.sheet = book.add_worksheet(name)
        self.formats = formats
        self.row = 0

    def header(self, titles: list[str], widths: list[int] | None = None) -> None:
        for column, title in enumerate(titles):
            self.sheet.write_string(self.row, column, title, self.formats["header"])
            self.sheet.set_column(column, column, (widths or [])[column] if widths and column <
                                  len(widths) else max(12, len(title) + 2))
        self.sheet.freeze_panes(self.row + 1, 0)
        self.row += 1

    def line(self, values: list[Any], number_format: str = "number") -> None:
        for column, value in enumerate(values):
            self.cell(column, value, number_format)
        self.row += 1

    def cell(self, column: int, value: Any, number_format: str = "number") -> None:
        row, sheet, formats = self.row, self.sheet, self.formats
        if value is None or value == "":
            sheet.write_blank(row, column, None)
        elif isinstance(value, bool):
            sheet.write_boolean(row, column, value)
        elif isinstance(value, int | float):
            sheet.write_number(row, column, value, formats[number_format])
        elif isinstance(value, datetime):
            local = timezone.localtime(value).replace(tzinfo=None)
            sheet.write_datetime(row, column, local, formats["datetime"])
        else:
            sheet.write_string(row, column, str(value))


def _ratio(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _change(now: Any, before: Any) -> Any:
    if isinstance(now, int | float) and isinstance(before, int | float):
        return now - before
    return None


def write_summary(book, formats, cases: QuerySet[Case], period: Period) -> None:
    sheet = _Sheet(book, "Summary", formats)
    sheet.sheet.write_string(0, 0, f"Escalations — {period.label}", formats["title"])
    sheet.row = 2
    prior = previous(period)
    sheet.header(["Figure", period.label, prior.label, "Change"], [42, 14, 14, 12])
    current, before = metrics.summary(cases, period), metrics.summary(cases, prior)
    for name, value in current.items():
        shape = "percent" if "rate" in name.lower() else "number"
        sheet.line([name, value, before[name], _change(value, before[name])], shape)
    sheet.row += 1
    sheet.sheet.write_string(sheet.row, 0, "By policy", formats["title"])
    sheet.row += 1
    sheet.header(["Policy", "Opened", "Resolved", "Closed"])
    for row in metrics.by_policy(cases, period):
        sheet.line([row["policy"], row.get("opened", 0), row.get("resolved", 0),
                    row.get("closed", 0)])
    sheet.row += 1
    sheet.sheet.write_string(sheet.row, 0, "By week", formats["title"])
    sheet.row += 1
    first = sheet.row + 1
    sheet.header(["Week", "Opened", "Resolved", "SLA breach rate", "Median time to resolve (h)"])
    series = metrics.weekly(cases, weeks(period))
    for row in series:
        sheet.line([row["week"], row["opened"], row["resolved"]])
        sheet.row -= 1
        sheet.cell(3, _ratio(row["breach_rate"]), "percent")
        sheet.cell(4, row["median_resolve_h"])
        sheet.row += 1
    last = sheet.row
    for title, column, anchor in (("SLA breach rate by week", 3, "G3"),
                                  ("Median time to resolve by week (h)", 4, "G20")):
        chart = book.add_chart({"type": "line"})
        chart.add_series({
            "name": title, "categories": ["Summary", first, 0, last - 1, 0],
            "values": ["Summary", first, column, last - 1, column], "marker": {"type": "circle"},
        })
        chart.set_title({"name": title})
        chart.set_legend({"none": True})
        sheet.sheet.insert_chart(anchor, chart)


def write_by_category(book, formats, cases, period) -> None:
    sheet = _Sheet(book, "By category", formats)
    sheet.header(["Category", "Opened", "Resolved", "Missed a deadline",
                  "Median time to resolve (h)"], [40, 10, 10, 18, 26])
    rows = metrics.by_category(cases, period)
    for row in rows:
        sheet.line([row["category"], row["opened"], row["resolved"], row["breached"],
                    row["median_resolve_h"]])
    if rows:
        chart = book.add_chart({"type": "bar"})
        chart.add_series({"name": "Cases opened",
                          "categories": ["By category", 1, 0, len(rows), 0],
                          "values": ["By category", 1, 1, len(rows), 1]})
        chart.set_title({"name": "Cases by category"})
        chart.set_legend({"none": True})
        chart.set_y_axis({"reverse": True})
        sheet.sheet.insert_chart("G2", chart, {"x_scale": 1.4, "y_scale": 1.6})


def write_by_tier(book, formats, cases, period) -> None:
    sheet = _Sheet(book, "By tier", formats)
    sheet.header(["Policy", "Level", "Tier", "Cases that reached it", "Breaches",
                  "Average hours in tier", "Median hours in tier"], [40, 8, 34, 20, 10, 20, 20])
    for row in metrics.by_tier(cases, period):
        sheet.line([row["policy"], row["level"], row["tier"], row["cases_reached"],
                    row["breaches"], row["average_hours"], row["median_hours"]])


def write_responsiveness(book, formats, cases, period) -> None:
    sheet = _Sheet(book, "Responsiveness", formats)
    titles = ["Median hours to acknowledge", "Median hours to resolve", "Breaches",
              "Cases handled"]
    sheet.header(["Team", *titles], [24, 26, 24, 10, 14])
    for row in metrics.responsiveness(cases, period, by="team"):
        sheet.line([row["team"], row["median_ack_h"], row["median_resolve_h"], row["breaches"],
                    row["cases_handled"]])
    sheet.row += 1
    sheet.header(["Owner", *titles])
    for row in metrics.responsiveness(cases, period, by="owner"):
        sheet.line([row["owner"], row["median_ack_h"], row["median_resolve_h"], row["breaches"],
                    row["cases_handled"]])


def month_cases(cases: QuerySet[Case], period: Period) -> QuerySet[Case]:
    """Return the cases of the month: opened, resolved or closed in it."""
    def window(name: str) -> Q:
        return Q(**{f"{name}__gte": period.start, f"{name}__lt": period.end})

    return cases.filter(window("opened_at") | window("resolved_at") | window("closed_at"))


def write_cases(book, formats, cases, period) -> int:
    sheet = _Sheet(book, "Cases", formats)
    tier_titles = [f"Hours at tier {level}" for level in range(1, MAX_TIERS + 1)]
    sheet.header(EXPORT_COLUMNS + tier_titles)
    selected = month_cases(cases, period)
    stays = metrics.stays_of(selected).order_by("case_id").values_list(
        "case_id", "level", "entered_at", "left_at").iterator(chunk_size=5000)
    pending = next(stays, None)
    count = 0
    rows = selected.select_related("category", "policy", "team", "assignee").order_by(
        "pk").iterator(chunk_size=2000)
    for case in rows:
        spent = [0.0] * MAX_TIERS
        while pending is not None and pending[0] < case.pk:
            pending = next(stays, None)
        while pending is not None and pending[0] == case.pk:
            _, level, entered, left = pending
            if 1 <= level <= MAX_TIERS:
                spent[level - 1] += metrics.hours((left or period.end) - entered)
            pending = next(stays, None)
        sheet.line(_case_values(case) + [round(h, 2) if h else None for h in spent])
        count += 1
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
        "number": book.add_format({"num_format": "#,##0.##"}),
        "percent": book.add_format({"num_format": "0.0%"}),
    }
    try:
        write_summary(book, formats, cases, period)
        write_by_category(book, formats, cases, period)
        write_by_tier(book, formats, cases, period)
        write_responsiveness(book, formats, cases, period)
        return write_cases(book, formats, cases, period)
    finally:
        book.close()
