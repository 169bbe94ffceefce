"""The admin's tracker import forms: the file, mappings of legacy headers, values for every row.

The import form reads the upload with the same reader as `manage.py import_tracker`, so that a
file it cannot read is a form error naming what is wrong; the confirm form carries the mappings
and set values from the preview to the import.
"""

from __future__ import annotations

from django import forms
from import_export.forms import ConfirmImportForm
from unfold.contrib.import_export.forms import ImportForm
from unfold.widgets import UnfoldAdminTextareaWidget

from escalations.imports.columns import MappingError, parse_mappings, parse_settings
from escalations.imports.reading import FileProblem, read_tracker

MAPPINGS_HELP = (
    'One per line: "Legacy header=column" (e.g. "Escalation Manager=assignee"), or '
    '"Header=ignore" to leave a column out. Known tracker headers need no mapping.'
)
SET_VALUES_HELP = (
    'One per line: "column=value" gives every row that value, e.g. "team=Customer Service" '
    "for a single team's tracker without a team column. Where the file has the column, the "
    "value fills only its blank cells (map the column to ignore to replace it). A value is "
    "checked like a cell: an unknown team is an error."
)


def mapping_lines(text: str) -> list[str]:
    """Return the non-blank lines of a mappings (or set values) box."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _checked(text: str, parse) -> str:
    try:
        parse(mapping_lines(text))
    except MappingError as error:
        raise forms.ValidationError(str(error)) from error
    return text


class TrackerImportForm(ImportForm):
    # an empty file is the reader's to refuse, with the message the command gives
    import_file = forms.FileField(label="File to import", allow_empty_file=True)
    mappings = forms.CharField(widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}),
                               required=False, help_text=MAPPINGS_HELP)
    set_values = forms.CharField(label="Set for every row", required=False,
                                 widget=UnfoldAdminTextareaWidget(attrs={"rows": 2}),
                                 help_text=SET_VALUES_HELP)

    table = None  # the upload as read by clean(), for the preview

    def clean_mappings(self) -> str:
        return _checked(self.cleaned_data.get("mappings", ""), parse_mappings)

    def clean_set_values(self) -> str:
        return _checked(self.cleaned_data.get("set_values", ""), parse_settings)

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("import_file")
        if upload is not None:
            try:
                self.table = read_tracker(upload.read(), name=upload.name)
            except FileProblem as problem:
                self.add_error("import_file", str(problem))
        return cleaned


class TrackerConfirmImportForm(ConfirmImportForm):
    mappings = forms.CharField(widget=forms.HiddenInput, required=False)
    set_values = forms.CharField(widget=forms.HiddenInput, required=False)
