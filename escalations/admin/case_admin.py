"""The case admin: the working UI of the back office."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince, timeuntil
from import_export.admin import ImportExportMixin
from unfold.contrib.import_export.forms import ExportForm

from escalations import services
from escalations.admin import filters
from escalations.admin.bulk_actions import assign_selected, escalate_selected
from escalations.admin.case_forms import CaseAdminForm
from escalations.admin.case_inlines import AttachmentInline, StayInline
from escalations.admin.case_views import CASE_ERRORS, CasePageViews, error_text
from escalations.admin.forms import (
    NoteComposerForm,
)
from escalations.admin.history import ReadOnlyHistoryAdmin
from escalations.admin.import_forms import (
    TrackerConfirmImportForm,
    TrackerImportForm,
    mapping_lines,
)
from escalations.admin.pagination import CappedCountPaginator
from escalations.choices import ACTIVE_STATES, CaseState
from escalations.models import Case, Category
from escalations.permissions import can_edit_case, can_see_case
from escalations.reference_data import ESCALATION_PROCEDURE
from escalations.resources import CaseResource, TrackerFile
from escalations.selectors import (
    cases_visible_to,
    with_tier_name,
)
from escalations.timeline import case_timeline, change_entries, span_text, time_left

RISK_COLOURS = {1: "#5b8", 2: "#9b5", 3: "#db3", 4: "#e83", 5: "#d33"}


@admin.register(Case)
class CaseAdmin(CasePageViews, ImportExportMixin, ReadOnlyHistoryAdmin):
    form = CaseAdminForm
    resource_classes = [CaseResource]
    import_form_class = TrackerImportForm
    confirm_form_class = TrackerConfirmImportForm
    import_formats = [TrackerFile]  # any tracker file, read by the command's reader
    export_form_class = ExportForm
    skip_admin_log = True  # the case history records every imported row
    change_form_template = "admin/escalations/case/change_form.html"
    change_list_template = "admin/escalations/case/change_list.html"
    object_history_template = "admin/escalations/case/object_history.html"
    list_display = [
        "ticket_id", "customer_name", "category", "risk", "tier_display", "state_display",
        "assignee", "time_left", "last_activity",
    ]
    list_display_links = ["ticket_id", "customer_name"]
    list_select_related = ["category", "assignee"]
    list_filter = [
        filters.QueueFilter, filters.StateFilter, filters.OverdueFilter, filters.TierFilter,
        filters.CategoryFilter, filters.RiskFilter, filters.TeamFilter, filters.AssigneeFilter,
    ]
    search_fields = ["=ticket_id", "=order_number", "=customer_email", "customer_name"]
    search_help_text = (
        "Ticket id, order number or customer email (exact), else part of the customer's name."
    )
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = CappedCountPaginator
    view_on_site = False  # the case page is the case's only page
    list_per_page = 30  # as Zendesk and Freshdesk views: a screen or two of work, not a report
    actions = [escalate_selected, assign_selected]
    inlines = [AttachmentInline, StayInline]  # the log and SLA events are in the timeline
    history_list_display = ["history_transition", "history_change_reason", "state", "tier"]
    autocomplete_fields: list[str] = []
    readonly_fields = [
        "state", "tier_readonly", "deadline", "opened_at", "resolved_at", "closed_at",
        "resolution_plan", "corrective_actions", "outcome", "created_by", "version",
    ]
    fieldsets = [
        ("Case", {"fields": [
            "ticket_id", "category", "policy", "risk_rating", "team", "assignee", "confidential",
        ]}),
        ("Customer", {"fields": [
            "customer_name", "customer_email", "order_number", "order_value",
        ]}),
        ("Assessment", {"fields": ["summary", "details"]}),
        ("Status", {"fields": [
            "state", "tier_readonly", "deadline", "opened_at", "resolved_at", "closed_at",
            "created_by", "version",
        ]}),
        ("Resolution", {"fields": [
            "resolution_plan", "corrective_actions", "outcome", "feedback_score",
            "feedback_comment",
        ]}),
    ]

    # --- visibility -----------------------------------------------------------------------

    def get_queryset(self, request: HttpRequest):
        return with_tier_name(cases_visible_to(request.user, super().get_queryset(request)))

    def changelist_view(self, request, extra_context=None):
        current = request.GET.urlencode() or "state=active"
        extra_context = {**(extra_context or {}), "case_views": [
            {"label": label, "query": query, "current": current == query}
            for label, _icon, query in filters.CASE_VIEWS
        ]}
        return super().changelist_view(request, extra_context)

    def get_search_results(self, request, queryset, search_term):
        """Find exact ticket ids, order numbers and emails by index before scanning names."""
        term = search_term.strip()
        if not term:
            return queryset, False
        keys = Q(ticket_id=term) | Q(order_number=term)
        if "@" in term:
            keys |= Q(customer_email__in={term, term.lower()})
        exact = queryset.filter(keys)
        if exact.exists():
            return exact, False
        return queryset.filter(customer_name__icontains=term), False

    def has_view_permission(self, request, obj=None) -> bool:
        return super().has_view_permission(request, obj) and (
            obj is None or can_see_case(request.user, obj)
        )

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and (
            obj is None or can_edit_case(request.user, obj)
        )

    def delete_model(self, request, obj: Case) -> None:
        services.case_delete(case=obj, actor=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for case in queryset:
            services.case_delete(case=case, actor=request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        # Cases are records: only an administrator may delete one (e.g. a test case).
        return request.user.is_superuser

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["mappings"] = import_form.cleaned_data.get("mappings", "")
            initial["set_values"] = import_form.cleaned_data.get("set_values", "")
        return initial

    def get_import_data_kwargs(self, **kwargs):
        form = kwargs.get("form")
        data = super().get_import_data_kwargs(**kwargs)
        if form is not None and hasattr(form, "cleaned_data"):
            data["mappings"] = mapping_lines(form.cleaned_data.get("mappings", ""))
            data["set_values"] = mapping_lines(form.cleaned_data.get("set_values", ""))
            data["table"] = getattr(form, "table", None)  # read by the import form's clean()
        return data

    def process_result(self, result, request):
        """Report the import; an error found only at confirmation (a case changed since the
        preview) means nothing was written: say so, instead of "Import finished: 0 new"."""
        if not (result.has_errors() or result.has_validation_errors()):
            return super().process_result(result, request)
        problems = [
            f"row {row.number}, {'file' if field == '__all__' else field}: {message}"
            for row in result.invalid_rows[:5]
            for field, field_messages in row.error_dict.items() for message in field_messages
        ]
        self.message_user(request, "Nothing was imported; preview the file again. "
                          + " ".join(problems), messages.ERROR)
        return HttpResponseRedirect(reverse("admin:escalations_case_import"))

    def has_import_permission(self, request) -> bool:
        # Importing trackers rewrites history at scale: administrators only.
        return request.user.is_superuser

    def has_escalate_permission(self, request) -> bool:
        return request.user.has_perm("escalations.escalate_case")

    def has_assign_permission(self, request) -> bool:
        return request.user.has_perm("escalations.assign_case")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.state not in ACTIVE_STATES:
            # A resolved or closed case is a record: reopen it to change its details.
            return [*self.readonly_fields, *CaseAdminForm.Meta.fields]
        fields = list(self.readonly_fields)
        if obj is not None:
            fields.append("policy")
        return fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        return fieldsets + [(None, {"fields": ["seen_version"], "classes": ["hidden"]})]

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        memberships = request.user.memberships_cached
        if memberships and "team" not in initial:
            initial["team"] = memberships[0].team_id
        return initial

    # --- columns --------------------------------------------------------------------------

    @admin.display(description="risk", ordering="risk_rating")
    def risk(self, obj: Case) -> str:
        return format_html(
            '<span style="color:#fff;background:{};padding:1px 6px;border-radius:8px">{}</span>',
            RISK_COLOURS.get(obj.risk_rating, "#888"), obj.risk_rating,
        )

    @admin.display(description="tier", ordering="tier")
    def tier_display(self, obj: Case) -> str:
        name = getattr(obj, "tier_name", None)
        return f"{obj.tier}. {name}" if name else str(obj.tier)

    @admin.display(description="tier")
    def tier_readonly(self, obj: Case) -> str:
        tier = obj.current_tier
        if tier is None:
            return str(obj.tier)
        return f"{tier.level}. {tier.name} (owner: {tier.owner_role}; {tier.limit_display})"

    @admin.display(description="state", ordering="state")
    def state_display(self, obj: Case) -> str:
        return CaseState(obj.state).label

    @admin.display(description="time left", ordering="due_at")
    def time_left(self, obj: Case) -> str:
        left = time_left(obj, timezone.now())
        if not left.mark:
            return left.text
        return format_html('<span class="{}" title="due {}">{}</span>', left.mark, left.due,
                           left.text)

    @admin.display(description="last activity", ordering="updated_at")
    def last_activity(self, obj: Case) -> str:
        return f"{span_text(timezone.now() - obj.updated_at)} ago"

    @admin.display(description="deadline")
    def deadline(self, obj: Case) -> str:
        """Say when the case is due, how long is left, and why the deadline is what it is."""
        if obj.state == CaseState.ON_HOLD:
            since = timezone.localtime(obj.held_since)
            return f"Clock stopped: on hold since {since:%a %d %b %H:%M}."
        if obj.due_at is None:
            return obj.due_explanation or "—"
        now = timezone.now()
        left = (f"{timesince(obj.due_at, now)} overdue" if obj.due_at <= now
                else f"{timeuntil(obj.due_at, now)} left")
        flags = [text for flag, text in (
            (obj.at_risk, "at risk"), (obj.ack_overdue, "not acknowledged in time"),
            (obj.sla_breached, "missed a deadline before"),
        ) if flag]
        return format_html(
            "<strong>{}</strong> ({}){}<br>{}",
            timezone.localtime(obj.due_at).strftime("%a %d %b %Y %H:%M"), left,
            f" — {', '.join(flags)}" if flags else "", obj.due_explanation,
        )

    # --- saving through the services ------------------------------------------------------

    def save_model(self, request, obj: Case, form, change: bool) -> None:
        data = form.cleaned_data
        if not change:
            editable = {
                name: data[name] for name in (
                    "customer_email", "order_number", "order_value", "details",
                    "feedback_score", "feedback_comment",
                ) if name in data
            }
            case = services.case_open(
                actor=request.user, ticket_id=data["ticket_id"],
                customer_name=data["customer_name"], category=data["category"],
                risk_rating=data["risk_rating"], team=data["team"], summary=data["summary"],
                policy=data.get("policy"), assignee=data.get("assignee"),
                confidential=data.get("confidential"), **editable,
            )
        else:
            changed = [
                name for name in form.changed_data
                if name not in services.cases.PROTECTED_FIELDS and name != "seen_version"
            ]
            changes = {name: data[name] for name in changed if name != "assignee"}
            case = services.case_update(
                case=obj, actor=request.user, changes=changes,
                expected_version=data.get("seen_version") or obj.version,
            )
            if "assignee" in changed:
                case = services.case_assign(
                    case=case, actor=request.user, assignee=data["assignee"]
                )
        # The admin goes on with obj (its messages, the next page): make it the saved case.
        obj.pk = case.pk
        obj.refresh_from_db()

    def save_formset(self, request, form, formset, change: bool) -> None:
        """Add new evidence through the services (the other inlines are read-only).

        The formset's record of what it saved is filled in as `formset.save()` would, for the
        admin's change message.
        """
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if formset.model is AttachmentInline.model:
            for evidence_form in formset.extra_forms:
                cleaned = getattr(evidence_form, "cleaned_data", {})
                if evidence_form.has_changed() and not cleaned.get("DELETE"):
                    formset.new_objects.append(services.case_add_evidence(
                        case=form.instance, actor=request.user, file=cleaned["evidence_file"],
                        description=cleaned.get("description", ""),
                    ))
            for evidence_form in formset.deleted_forms:
                if evidence_form.instance.pk is not None:
                    formset.deleted_objects.append(evidence_form.instance)
                    services.case_remove_evidence(attachment=evidence_form.instance,
                                                  actor=request.user)
        # The other inlines (tiers reached, events) are read-only.

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = extra_context or {}
        extra_context["category_defaults"] = {
            str(pk): {"guidance": guidance, "policy": policy_id, "confidential": confidential}
            for pk, guidance, policy_id, confidential in Category.objects.values_list(
                "pk", "guidance", "default_policy_id", "confidential_by_default"
            )
        }
        extra_context["escalation_procedure"] = ESCALATION_PROCEDURE
        if object_id:
            case = self.get_object(request, object_id)
            if case is not None:
                extra_context["transition_buttons"] = self.transition_buttons(request, case)
                extra_context["timeline_entries"] = case_timeline(case)
                extra_context["time_left"] = time_left(case, timezone.now())
                extra_context["case_tier"] = case.current_tier
                if request.user.has_perm("escalations.add_casenote"):
                    extra_context["note_form"] = NoteComposerForm()
                    extra_context["note_url"] = reverse("admin:escalations_case_note",
                                                        args=[case.pk])
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except CASE_ERRORS as error:
            self.message_user(request, error_text(error), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def history_view(self, request, object_id, extra_context=None):
        case = self.get_object(request, object_id)
        extra_context = {**(extra_context or {}),
                         "timeline_entries": change_entries(case)[::-1] if case else []}
        return super().history_view(request, object_id, extra_context)
