"""Inlines on the case page: its evidence and its stays at tiers (the log is its timeline)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from unfold.admin import TabularInline

from escalations.models import CaseAttachment, TierStay
from escalations.services.evidence import evidence_check_size


class ReadOnlyInline(TabularInline):
    """An inline that lists rows written by the services; nobody adds, edits or deletes them."""

    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class EvidenceForm(forms.ModelForm):
    """A new piece of evidence; CaseAdmin.save_formset hands it to case_add_evidence."""

    # Named as AttachmentInline.evidence_file: a stored row shows that link instead.
    evidence_file = forms.FileField(label="file", required=False, allow_empty_file=True,
                                    widget=forms.FileInput)

    class Meta:
        model = CaseAttachment
        fields = ["description"]

    def clean_evidence_file(self):
        upload = self.cleaned_data.get("evidence_file")
        if upload:
            evidence_check_size(upload)
        return upload

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.instance.pk is None and not cleaned.get("evidence_file") and (
            "evidence_file" not in self.errors
        ):
            self.add_error("evidence_file", "Choose the file to attach.")
        return cleaned


class AttachmentInline(TabularInline):
    """The case's evidence: stored files are links to the checked download, never to storage."""

    model = CaseAttachment
    form = EvidenceForm
    extra = 0
    fields = ["evidence_file", "description", "uploaded_by", "uploaded_at"]
    readonly_fields = ["uploaded_by", "uploaded_at"]
    verbose_name = "evidence file"
    verbose_name_plural = "evidence"

    @admin.display(description="file")
    def evidence_file(self, obj: CaseAttachment | None) -> str:
        if obj is None or obj.pk is None:
            return "—"
        url = reverse("escalations_evidence_download", args=[obj.pk])
        return format_html('<a href="{}" download>{}</a>', url, obj.original_name)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser


class StayInline(ReadOnlyInline):
    """The case's path through the tiers."""

    model = TierStay
    fields = [
        "level", "tier_name", "entered_at", "acknowledged_at", "due_at", "warned_at",
        "breached_at", "left_at", "left_by",
    ]
    readonly_fields = fields
    verbose_name_plural = "tiers reached"
