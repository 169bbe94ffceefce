"""Inlines on the case page: its log of notes, its evidence and its stays at tiers."""

from __future__ import annotations

from django.contrib import admin

from escalations.models import CaseAttachment, CaseEvent, CaseNote, TierStay


class ReadOnlyInline(admin.TabularInline):
    """An inline that lists rows written by the services; nobody adds, edits or deletes them."""

    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class NoteInline(admin.TabularInline):
    """The case's log: new entries may be added; written entries stay as they were."""

    model = CaseNote
    fk_name = "case"
    extra = 1
    fields = ["created_at", "author", "kind", "body", "parent"]
    readonly_fields = ["created_at", "author"]
    raw_id_fields = ["parent"]
    verbose_name = "log entry"
    verbose_name_plural = "log (notes, status updates, customer briefings)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AttachmentInline(admin.TabularInline):
    model = CaseAttachment
    extra = 0
    fields = ["file", "description", "uploaded_by", "uploaded_at"]
    readonly_fields = ["uploaded_by", "uploaded_at"]
    verbose_name_plural = "evidence"

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


class EventInline(ReadOnlyInline):
    """What people were (or will be) told about: escalations, warnings, breaches."""

    model = CaseEvent
    fields = ["occurred_at", "kind", "level", "actor", "detail"]
    readonly_fields = fields
    verbose_name_plural = "events (escalations, SLA warnings, breaches)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")
