"""The case's add/change form: carries the version seen, hides what only transitions set."""

from __future__ import annotations

from django import forms

from escalations.models import Case


class CaseAdminForm(forms.ModelForm):
    """Edit a case; the hidden version makes a stale save fail instead of overwriting."""

    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Case
        fields = [
            "ticket_id", "category", "policy", "risk_rating", "team", "assignee", "confidential",
            "customer_name", "customer_email", "order_number", "order_value", "summary",
            "details", "feedback_score", "feedback_comment",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["seen_version"].initial = self.instance.version
        if "policy" in self.fields:
            # On a new case the policy follows the category unless someone picks another.
            self.fields["policy"].required = False
            self.fields["policy"].help_text = "Leave empty for the category's policy."

    def clean(self) -> dict:
        cleaned = super().clean()
        category = cleaned.get("category")
        if "policy" in self.fields and not cleaned.get("policy") and category is not None:
            cleaned["policy"] = category.default_policy
        return cleaned
