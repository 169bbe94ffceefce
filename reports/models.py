"""Generated monthly reports, kept for managers to download."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


def report_path(instance: MonthlyReport, filename: str) -> str:
    """Return a new unguessable storage name: workbooks are private, read through the admin."""
    return f"reports/{uuid.uuid4().hex}.xlsx"


class MonthlyReport(models.Model):
    """One month's escalation workbook for one scope (the organisation, or a team)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    month = models.DateField(help_text="First day of the reported month.")
    scope = models.CharField(max_length=200, help_text="Whose cases: organisation or a team.")
    team = models.ForeignKey("accounts.Team", on_delete=models.SET_NULL, null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+")
    generated_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    file = models.FileField(upload_to=report_path, blank=True)
    includes_confidential = models.BooleanField(
        "confidential cases included", default=False,
        help_text="The workbook may hold confidential cases: only those who see confidential "
        "cases and the whole scope may read it.",
    )
    cases = models.PositiveIntegerField(default=0, help_text="Rows on the Cases sheet.")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    building_since = models.DateTimeField(
        null=True, blank=True, help_text="When a worker started building it; a build that "
        "stopped half-way (the worker killed) is started again once this is stale.")

    class Meta:
        ordering = ["-month", "-created_at"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} — {self.audience}"

    @property
    def audience(self) -> str:
        """Return the scope, and whether the report includes confidential cases."""
        if self.includes_confidential:
            return f"{self.scope}, confidential cases included"
        return self.scope
