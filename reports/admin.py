"""Admin of monthly reports: list, download (with permission check) and generate."""

from __future__ import annotations

import logging

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from unfold.admin import ModelAdmin

from escalations.admin.theme import ThemedForm
from reports.models import MonthlyReport
from reports.periods import last_month, parse_month
from reports.services import may_read_report, monthly_report_request, reports_readable_by

logger = logging.getLogger(__name__)


class GenerateForm(ThemedForm):
    month = forms.CharField(help_text="YYYY-MM", max_length=7)

    def clean_month(self) -> str:
        try:
            return parse_month(self.cleaned_data["month"]).label
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error


@admin.register(MonthlyReport)
class MonthlyReportAdmin(ModelAdmin):
    list_display = ["month_label", "scope", "includes_confidential", "status", "cases",
                    "generated_at", "download"]
    list_filter = ["status", "includes_confidential"]
    # The stored file is shown as the checked download link, never as its storage path.
    readonly_fields = [field.name for field in MonthlyReport._meta.fields
                       if field.name != "file"] + ["download"]
    exclude = ["file"]
    change_list_template = "admin/reports/monthlyreport/change_list.html"

    def get_queryset(self, request):
        """List only the reports the user may read (the same rule as the download)."""
        queryset = super().get_queryset(request).select_related("team", "requested_by")
        return reports_readable_by(request.user, queryset)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="month", ordering="month")
    def month_label(self, obj: MonthlyReport) -> str:
        return f"{obj.month:%Y-%m}"

    @admin.display(description="workbook")
    def download(self, obj: MonthlyReport) -> str:
        if obj.status != MonthlyReport.Status.READY:
            return obj.get_status_display()
        url = reverse("admin:reports_monthlyreport_download", args=[obj.pk])
        return format_html('<a href="{}">Download .xlsx</a>', url)

    def get_urls(self):
        own = [
            path("<int:pk>/download/", self.admin_site.admin_view(self.download_view),
                 name="reports_monthlyreport_download"),
            path("generate/", self.admin_site.admin_view(self.generate_view),
                 name="reports_monthlyreport_generate"),
        ]
        return own + super().get_urls()

    def download_view(self, request, pk: int):
        report = MonthlyReport.objects.filter(pk=pk).first()
        if report is None or report.status != MonthlyReport.Status.READY or not report.file:
            raise Http404("No such report.")
        if not (self.has_view_permission(request) and may_read_report(request.user, report)):
            raise PermissionDenied
        try:
            data = report.file.open("rb")
        except FileNotFoundError as missing:
            raise Http404("The report's file is missing; generate it again.") from missing
        return FileResponse(data, as_attachment=True,
                            filename=f"escalations-{report.month:%Y-%m}.xlsx")

    def generate_view(self, request):
        """Ask for a month's report of the user's own scope; a worker builds it."""
        if not request.user.has_perm("reports.add_monthlyreport"):
            raise PermissionDenied
        form = GenerateForm(request.POST or None,
                            initial={"month": last_month(timezone.localdate()).label})
        if request.method == "POST" and form.is_valid():
            from django_q.tasks import async_task

            period = parse_month(form.cleaned_data["month"])
            report = monthly_report_request(period=period, user=request.user)
            try:
                async_task("reports.tasks.generate_monthly_report", report.pk, period.label)
            except Exception:  # the broker is down: the stalled-report recovery builds it later
                logger.warning("Could not queue the build of report %s; it will be built once "
                               "the task broker is back.", report.pk, exc_info=True)
            self.message_user(request, f"The {period.label} report of your scope is being "
                              "generated; it will be listed here when ready.", messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:reports_monthlyreport_changelist"))
        context = {**self.admin_site.each_context(request), "form": form, "opts": self.opts,
                   "title": "Generate a monthly report"}
        return TemplateResponse(request, "admin/reports/monthlyreport/generate.html", context)
