"""Forms of the case admin: one per transition, and the bulk actions' forms."""

from __future__ import annotations

from django import forms

from accounts.models import User
from escalations.admin.theme import ThemedForm
from escalations.choices import FEEDBACK_CHOICES, NoteKind, Outcome


class TransitionForm(ThemedForm):
    """The fields every transition takes: the version seen and a reason."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}), required=False,
        help_text="Why: kept in the case's history.",
    )
    reason_required = False

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = self.reason_required

    def service_kwargs(self) -> dict:
        """Return the keyword arguments the transition's service takes from this form."""
        return {"reason": self.cleaned_data["reason"]}


class ReasonRequiredForm(TransitionForm):
    reason_required = True


class EscalateForm(ReasonRequiredForm):
    """Escalate with a reason; those who may assign can hand the case to someone at once."""

    assignee = forms.ChoiceField(
        required=False,
        help_text="Optional: who takes the case at the next tier (else it stays with the "
        "current assignee and the next tier's owners are told).",
    )

    def __init__(self, *args, candidates: list[User] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not candidates:
            del self.fields["assignee"]
            return
        self.candidates = {str(user.pk): user for user in candidates}
        self.fields["assignee"].choices = [("", "---------")] + [
            (key, f"{user.get_full_name() or user.username} "
                  f"({max(user.memberships_cached, key=lambda m: m.role.rank).role})")
            for key, user in self.candidates.items()
        ]

    def clean_assignee(self) -> User | None:
        return self.candidates.get(self.cleaned_data["assignee"])


class ResolveForm(TransitionForm):
    resolution_plan = forms.CharField(widget=forms.Textarea(attrs={"rows": 4, "cols": 80}))
    corrective_actions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}), required=False
    )
    outcome = forms.ChoiceField(choices=[("", "---------"), *Outcome.choices])

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "reason": data["reason"], "resolution_plan": data["resolution_plan"],
            "corrective_actions": data["corrective_actions"], "outcome": data["outcome"],
        }


class CloseForm(TransitionForm):
    feedback_score = forms.TypedChoiceField(
        choices=[("", "no feedback"), *FEEDBACK_CHOICES], coerce=int, empty_value=None,
        required=False, help_text="Customer feedback, 1 (poor) to 5 (excellent), if given.",
    )
    feedback_comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "reason": data["reason"], "feedback_score": data["feedback_score"],
            "feedback_comment": data["feedback_comment"],
        }


TRANSITION_FORMS: dict[str, type[TransitionForm]] = {
    "acknowledge": TransitionForm,
    "escalate": EscalateForm,
    "hold": ReasonRequiredForm,
    "resume": TransitionForm,
    "resolve": ResolveForm,
    "reopen": ReasonRequiredForm,
    "close": CloseForm,
}


# What each transition's button says: a verb, with "…" where a form asks for more.
TRANSITION_VERBS = {
    "acknowledge": "Acknowledge",
    "escalate": "Escalate…",
    "hold": "Put on hold…",
    "resume": "Resume",
    "resolve": "Resolve…",
    "reopen": "Reopen…",
    "close": "Close…",
}

class NoteComposerForm(ThemedForm):
    """Add an internal note or a status update to the case's log (briefings have their page)."""

    kind = forms.ChoiceField(
        choices=[(NoteKind.INTERNAL_NOTE, NoteKind.INTERNAL_NOTE.label),
                 (NoteKind.STATUS_UPDATE, NoteKind.STATUS_UPDATE.label)],
        initial=NoteKind.INTERNAL_NOTE,
    )
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "What happened, what's next…"}),
        max_length=20000, label="Entry",
    )


class BriefingForm(ThemedForm):
    """The customer briefing, drafted from the template and edited by staff before sending."""

    subject = forms.CharField(max_length=300)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 14, "cols": 90}))


class BulkEscalateForm(ThemedForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 80}))


class BulkAssignForm(ThemedForm):
    assignee = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True, is_system=False), required=False,
        help_text="Leave empty to unassign.",
    )
    reason = forms.CharField(required=False)
