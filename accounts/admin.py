"""Admin of users, departments, teams, roles and memberships (administrators only edit)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import models
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path
from unfold.admin import ModelAdmin, TabularInline
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm
from unfold.widgets import UnfoldAdminCheckboxSelectMultipleWidget

from accounts.models import Department, Membership, Role, Team, User
from accounts.services import membership_remove, membership_set, user_sync_groups
from config.admin_site import SecretFieldAdminMixin
from escalations.admin.theme import ThemedFieldsMixin
from escalations.notifications.channels import webhook_masked


def _mutable_events() -> list[tuple[str, str]]:
    from escalations.models import NotificationEvent
    from escalations.models.notification import CRITICAL_EVENTS

    return [(value, label) for value, label in NotificationEvent.choices
            if value not in CRITICAL_EVENTS and value != NotificationEvent.CUSTOMER_BRIEFING]


def _muted_events_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        choices=_mutable_events, required=False, widget=UnfoldAdminCheckboxSelectMultipleWidget,
        label="Muted events",
        help_text="Breaches at the top tier and anything about a risk-5 case always arrive.",
    )


class PreferencesForm(ThemedFieldsMixin, forms.ModelForm):
    """A person's own notification settings; critical events cannot be muted."""

    muted_events = _muted_events_field()

    class Meta:
        model = User
        fields = ["email", "notification_channel", "muted_events"]


class StaffChangeForm(UserChangeForm):
    """An administrator's form for anyone, their notification settings included."""

    muted_events = _muted_events_field()


class MembershipInline(TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["team"]


@admin.register(User)
class UserAdmin(BaseUserAdmin, ModelAdmin):
    list_display = ["username", "get_full_name", "email", "roles", "is_active", "is_superuser"]
    list_filter = ["is_active", "is_superuser", "memberships__role", "memberships__team"]
    inlines = [MembershipInline]
    form = StaffChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    fieldsets = BaseUserAdmin.fieldsets + (
        ("Notification settings", {
            "fields": ["notification_channel", "muted_events"],
            "description": "How this person is told about cases; they can change it themselves "
                           "under Notification settings in their user menu.",
        }),
        ("Automation", {"fields": ["is_system"]}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("memberships__role")

    @admin.display(description="roles")
    def roles(self, obj: User) -> str:
        return ", ".join(sorted({m.role.name for m in obj.memberships.all()}))

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        user_sync_groups(user=form.instance)

    def get_urls(self):
        own = [path("preferences/", self.admin_site.admin_view(self.preferences_view),
                    name="accounts_user_preferences")]
        return own + super().get_urls()

    def preferences_view(self, request):
        """Let any member of staff choose their channels and mute non-critical events."""
        form = PreferencesForm(request.POST or None, instance=request.user)
        if request.method == "POST" and form.is_valid():
            form.save()
            self.message_user(request, "Your notification settings were saved.",
                              messages.SUCCESS)
            return HttpResponseRedirect(request.path)
        context = {**self.admin_site.each_context(request), "form": form,
                   "title": "Your notification settings", "opts": self.opts}
        return TemplateResponse(request, "admin/accounts/preferences.html", context)


@admin.register(Department)
class DepartmentAdmin(ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Team)
class TeamAdmin(SecretFieldAdminMixin, ModelAdmin):
    list_display = ["name", "department", "email"]
    list_filter = ["department"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    # Administrators see and set the chat webhook; everyone else sees it masked (its address
    # is the secret that lets anyone post to the team's channel).
    secret_field, secret_shown_as = "chat_webhook_url", "chat_webhook"
    # A webhook typed without a scheme is taken as https (Django 6's default).
    formfield_overrides = {**ModelAdmin.formfield_overrides,
                           models.URLField: {"assume_scheme": "https"}}

    @admin.display(description="chat webhook")
    def chat_webhook(self, obj: Team) -> str:
        return webhook_masked(obj.chat_webhook_url) or "-"


@admin.register(Role)
class RoleAdmin(ModelAdmin):
    list_display = ["name", "rank", "scope", "sees_confidential", "group"]
    ordering = ["rank", "name"]


@admin.register(Membership)
class MembershipAdmin(ModelAdmin):
    list_display = ["user", "team", "role"]
    list_filter = ["role", "team"]
    list_select_related = ["user", "team", "role"]
    autocomplete_fields = ["user", "team"]

    def save_model(self, request, obj, form, change) -> None:
        if change and {"user", "team"} & set(form.changed_data):
            membership_remove(membership=Membership.objects.get(pk=obj.pk))
        saved = membership_set(user=obj.user, team=obj.team, role=obj.role)
        obj.pk = saved.pk

    def delete_model(self, request, obj) -> None:
        membership_remove(membership=obj)
