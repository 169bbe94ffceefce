"""The case page's own views: its actions (transitions with what they will do), the log
composer, the printable resolution report and the customer briefing."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template import TemplateSyntaxError
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django_fsm import can_proceed

from escalations import services
from escalations.admin.forms import (
    TRANSITION_FORMS,
    TRANSITION_VERBS,
    BriefingForm,
    NoteComposerForm,
)
from escalations.choices import CaseState, Transition
from escalations.models import Case
from escalations.notifications import rendering
from escalations.permissions import can_run_transition
from escalations.selectors import next_tier_candidates
from escalations.services import CaseConflict, CasePermissionDenied, TransitionRefused, briefings
from escalations.services.previews import transition_preview

CASE_ERRORS = (CaseConflict, CasePermissionDenied, TransitionRefused, ValidationError)


def error_text(error: Exception) -> str:
    """Return what a refused change says to the person."""
    if isinstance(error, ValidationError):
        return "; ".join(error.messages)
    return str(error)


class CasePageViews:
    """The case admin's extra pages; mixed into CaseAdmin before Django's ModelAdmin."""

    def transition_buttons(self, request, case: Case) -> list[dict]:
        """Return the transitions the user may run on the case now, and the case's tools."""
        buttons = []
        for name in TRANSITION_FORMS:
            method = getattr(case, name)
            if can_proceed(method, check_conditions=name != "resolve") and can_run_transition(
                request.user, case, name
            ):
                buttons.append({
                    "name": name, "label": TRANSITION_VERBS[name],
                    "variant": "primary" if name in ("acknowledge", "resolve") else "default",
                    "url": reverse("admin:escalations_case_transition", args=[case.pk, name]),
                })
        buttons.append({
            "name": "report", "label": "Resolution report", "tool": True,
            "url": reverse("admin:escalations_case_resolution_report", args=[case.pk]),
        })
        if case.customer_email and request.user.has_perm("escalations.add_casenote"):
            buttons.append({
                "name": "brief", "label": "Brief the customer", "tool": True,
                "url": reverse("admin:escalations_case_briefing", args=[case.pk]),
            })
        return buttons

    def get_urls(self):
        custom = [
            path(
                "<path:object_id>/transition/<str:name>/",
                self.admin_site.admin_view(self.transition_view),
                name="escalations_case_transition",
            ),
            path(
                "<path:object_id>/note/",
                self.admin_site.admin_view(self.note_view),
                name="escalations_case_note",
            ),
            path(
                "<path:object_id>/resolution-report/",
                self.admin_site.admin_view(self.resolution_report_view),
                name="escalations_case_resolution_report",
            ),
            path(
                "<path:object_id>/brief-customer/",
                self.admin_site.admin_view(self.briefing_view),
                name="escalations_case_briefing",
            ),
        ]
        return custom + super().get_urls()

    def transition_view(self, request, object_id: str, name: str):
        """Show the transition's form with what it will do (GET), or run it (POST)."""
        if name not in TRANSITION_FORMS:
            raise PermissionDenied(f"No transition called {name}.")
        case = self.get_object(request, object_id)
        if case is None or not self.has_view_permission(request, case):
            raise PermissionDenied
        change_url = reverse("admin:escalations_case_change", args=[case.pk])
        form_kwargs = {}
        if name == "escalate" and request.user.has_perm("escalations.assign_case"):
            form_kwargs["candidates"] = next_tier_candidates(case)
        form_class = TRANSITION_FORMS[name]
        if request.method == "POST":
            form = form_class(request.POST, **form_kwargs)
            if form.is_valid():
                try:
                    updated = self._run_transition(request, case, name, form)
                except CasePermissionDenied:
                    raise
                except CASE_ERRORS as error:
                    self.message_user(request, error_text(error), messages.ERROR)
                    return HttpResponseRedirect(change_url)
                self.message_user(
                    request,
                    f"Case {updated.ticket_id}: {Transition(name).label.lower()}; now "
                    f"{CaseState(updated.state).label.lower()} at tier {updated.tier}"
                    + (f", assigned to {updated.assignee}." if updated.assignee else "."),
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(change_url)
        elif request.method == "GET":
            if not can_run_transition(request.user, case, name):
                raise PermissionDenied
            form = form_class(initial={"version": case.version}, **form_kwargs)
        else:
            return HttpResponseNotAllowed(["GET", "POST"])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts, "case": case, "form": form, "name": name,
            "verb": TRANSITION_VERBS[name].rstrip("…"),
            "preview": transition_preview(case=case, actor=request.user, name=name),
            "title": f"{TRANSITION_VERBS[name].rstrip('…')}: {case}", "change_url": change_url,
        }
        return TemplateResponse(request, "admin/escalations/case/transition.html", context)

    @staticmethod
    def _run_transition(request, case: Case, name: str, form) -> Case:
        """Run the transition's service (and the hand-over to a new assignee) as one change."""
        with transaction.atomic():
            updated = services.TRANSITION_SERVICES[name](
                case=case, actor=request.user, expected_version=form.cleaned_data["version"],
                **form.service_kwargs(),
            )
            assignee = form.cleaned_data.get("assignee")
            if assignee is not None and assignee.pk != updated.assignee_id:
                updated = services.case_assign(
                    case=updated, actor=request.user, assignee=assignee,
                    reason=f"Taken over at tier {updated.tier}",
                )
        return updated

    def note_view(self, request, object_id: str):
        """Add an entry to the case's log from the composer on the case page (POST only)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        case = self.get_object(request, object_id)
        if case is None or not request.user.has_perm("escalations.add_casenote"):
            raise PermissionDenied
        change_url = reverse("admin:escalations_case_change", args=[case.pk])
        form = NoteComposerForm(request.POST)
        if not form.is_valid():
            self.message_user(request, "A log entry needs some text.", messages.ERROR)
            return HttpResponseRedirect(change_url)
        try:
            note = services.case_add_note(case=case, actor=request.user,
                                          body=form.cleaned_data["body"],
                                          kind=form.cleaned_data["kind"])
        except CASE_ERRORS as error:
            self.message_user(request, error_text(error), messages.ERROR)
        else:
            self.message_user(request, f"{note.get_kind_display()} added to {case.ticket_id}.",
                              messages.SUCCESS)
        return HttpResponseRedirect(f"{change_url}#timeline")

    def resolution_report_view(self, request, object_id: str):
        """Show the printable final resolution report of a case."""
        case = self.get_object(request, object_id)
        if case is None or not self.has_view_permission(request, case):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request), "opts": self.opts, "case": case,
            "title": f"Final resolution report: {case.ticket_id}",
            "timeline": rendering.case_timeline(case), "stays": rendering.case_stays(case),
            "notes": case.notes.select_related("author"),
            "change_url": reverse("admin:escalations_case_change", args=[case.pk]),
        }
        return TemplateResponse(request, "admin/escalations/case/resolution_report.html", context)

    def briefing_view(self, request, object_id: str):
        """Draft (GET) or send (POST) a customer briefing with the expected resolution time."""
        case = self.get_object(request, object_id)
        if case is None or not request.user.has_perm("escalations.add_casenote"):
            raise PermissionDenied
        change_url = reverse("admin:escalations_case_change", args=[case.pk])
        if request.method == "POST":
            form = BriefingForm(request.POST)
            if form.is_valid():
                try:
                    briefings.case_brief_customer(
                        case=case, actor=request.user, subject=form.cleaned_data["subject"],
                        body=form.cleaned_data["body"],
                    )
                except ValidationError as error:
                    self.message_user(request, error_text(error), messages.ERROR)
                    return HttpResponseRedirect(change_url)
                self.message_user(request, f"Briefing to {case.customer_email} queued and "
                                  "logged on the case.", messages.SUCCESS)
                return HttpResponseRedirect(change_url)
        else:
            try:
                subject, body = briefings.briefing_draft(case=case, actor=request.user)
            except TemplateSyntaxError as error:
                self.message_user(request, f"The customer briefing template has an error: "
                                  f"{error}. An administrator can fix it under Templates.",
                                  messages.ERROR)
                return HttpResponseRedirect(change_url)
            form = BriefingForm(initial={"subject": subject, "body": body})
        context = {
            **self.admin_site.each_context(request), "opts": self.opts, "case": case,
            "form": form, "name": "brief the customer", "verb": "Send the briefing",
            "change_url": change_url,
            "title": f"Customer briefing: {case}",
        }
        return TemplateResponse(request, "admin/escalations/case/transition.html", context)
