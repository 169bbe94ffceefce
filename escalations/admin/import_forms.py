"""The admin's tracker import forms: the file plus mappings of legacy headers to columns."""

from __future__ import annotations

from django import forms
from import_export.forms import ConfirmImportForm, ImportForm

MAPPINGS_HELP = (
    'One per line: "Legacy header=column" (e.g. "Escalation Manager=assignee"), or '
    '"Header=ignore" to leave a column out. Known tracker headers need no mapping.'
)


def mapping_lines(text: str) -> list[str]:
    """Return the non-blank lines of the mappings box."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class TrackerImportForm(ImportForm):
    mappings = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
                               required=False, help_text=MAPPINGS_HELP)


class TrackerConfirmImportForm(ConfirmImportForm):
    mappings = forms.CharField(widget=forms.HiddenInput, required=False)
