"""Bulk actions on the changelist: escalate and assign many cases, one service call each."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse

from escalations import services
from escalations.admin.forms import BulkAssignForm, BulkEscalateForm
from escalations.services import CaseConflict, TransitionRefused


def _apply(modeladmin, request, queryset, call) -> None:
    done, failures = 0, []
    for case in queryset.order_by("pk"):
        try:
            call(case)
            done += 1
        except (CaseConflict, TransitionRefused, ValidationError, PermissionDenied) as error:
            text = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            failures.append(f"{case.ticket_id}: {text or 'permission denied'}")
    if done:
        modeladmin.message_user(request, f"{done} case(s) updated.", messages.SUCCESS)
    for failure in failures[:20]:
        modeladmin.message_user(request, failure, messages.ERROR)
    if len(failures) > 20:
        modeladmin.message_user(request, f"… and {len(failures) - 20} more refused.",
                                messages.ERROR)


def _intermediate(modeladmin, request, queryset, form, action: str, title: str):
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.opts, "form": form, "queryset": queryset[:200],
        "pks": list(queryset.values_list("pk", flat=True)), "count": queryset.count(),
        "action": action, "title": title,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/escalations/case/bulk_action.html", context)


@admin.action(description="Escalate selected cases to their next tier", permissions=["escalate"])
def escalate_selected(modeladmin, request, queryset):
    form = BulkEscalateForm(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        reason = form.cleaned_data["reason"]
        _apply(modeladmin, request, queryset, lambda case: services.case_escalate(
            case=case, actor=request.user, reason=reason,
        ))
        return None
    return _intermediate(modeladmin, request, queryset, form, "escalate_selected",
                         "Escalate the selected cases")


@admin.action(description="Assign selected cases to…", permissions=["assign"])
def assign_selected(modeladmin, request, queryset):
    form = BulkAssignForm(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        assignee, reason = form.cleaned_data["assignee"], form.cleaned_data["reason"]
        _apply(modeladmin, request, queryset, lambda case: services.case_assign(
            case=case, actor=request.user, assignee=assignee, reason=reason,
        ))
        return None
    return _intermediate(modeladmin, request, queryset, form, "assign_selected",
                         "Assign the selected cases")
