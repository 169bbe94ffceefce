"""Admin of the outbox (with a retry action) and of the notification templates (with preview)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.template import TemplateSyntaxError
from django.utils.html import format_html
from unfold.admin import ModelAdmin

from config.admin_site import SecretFieldAdminMixin
from escalations.models import Case, Channel, Notification, NotificationTemplate
from escalations.notifications.channels import webhook_masked
from escalations.notifications.delivery import notification_retry
from escalations.notifications.rendering import case_context, render
from escalations.selectors import cases_visible_to


@admin.register(Notification)
class NotificationAdmin(SecretFieldAdminMixin, ModelAdmin):
    list_display = ["created_at", "event", "channel", "recipient_label", "case", "status",
                    "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status", "event", "channel"]
    search_fields = ["recipient", "case__ticket_id", "subject"]
    list_select_related = ["case"]
    show_full_result_count = False
    readonly_fields = [field.name for field in Notification._meta.fields]
    actions = ["retry"]
    # A chat notification's recipient is the team's webhook address, a secret: administrators
    # see it, everyone else sees it masked (and cannot search by it).
    secret_field, secret_shown_as = "recipient", "recipient_shown"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(case__in=cases_visible_to(request.user))

    @admin.display(description="recipient")
    def recipient_shown(self, obj: Notification) -> str:
        if obj.channel == Channel.CHAT:
            return webhook_masked(obj.recipient)
        return obj.recipient

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm("escalations.change_notification")

    @admin.action(description="Retry the selected failed notifications", permissions=["retry"])
    def retry(self, request, queryset) -> None:
        retried = sum(notification_retry(notification=n) for n in queryset)
        self.message_user(request, f"{retried} notification(s) queued again.", messages.SUCCESS)
        skipped = queryset.count() - retried
        if skipped:
            self.message_user(request, f"{skipped} were not failed and were left alone.",
                              messages.WARNING)


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(ModelAdmin):
    list_display = ["event", "subject", "updated_at"]
    readonly_fields = ["preview"]
    fields = ["event", "subject", "body_text", "body_html", "chat_text", "preview"]

    @admin.display(description="preview (with the latest case)")
    def preview(self, obj: NotificationTemplate) -> str:
        if obj.pk is None:
            return "Save to see a preview."
        case = Case.objects.select_related("policy", "category", "team").order_by("-pk").first()
        if case is None:
            return "No case to preview with yet."
        context = case_context(case, summary=obj.event in ("resolved", "closed"))
        context.update(headline=obj.get_event_display(), mentions="", sender="Support team")
        try:
            rendered = render(obj, context)
        except TemplateSyntaxError as error:
            return format_html('<span style="color:#c00">Template error: {}</span>', error)
        # The HTML email is shown in a sandboxed frame (no scripts, no access to the admin);
        # format_html escapes it into the srcdoc attribute like every other part.
        return format_html(
            "<p><strong>Subject:</strong> {}</p><pre style='white-space:pre-wrap'>{}</pre>"
            "{}<p><strong>Chat:</strong> {}</p>",
            rendered.subject, rendered.text,
            format_html(
                '<p><strong>HTML:</strong></p><iframe sandbox="" title="HTML email preview" '
                'srcdoc="{}" style="width:100%;height:24em;border:1px solid #ccc"></iframe>',
                rendered.html,
            ) if rendered.html else "",
            rendered.chat,
        )
