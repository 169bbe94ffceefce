"""The daily digest for progress meetings: each manager's open escalations, overdue first."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from accounts.models import User
from escalations.choices import ACTIVE_STATES, CaseState
from escalations.models import Channel, NotificationEvent
from escalations.notifications.outbox import outbox_enqueue_message
from escalations.notifications.rendering import case_url, render, template_for
from escalations.selectors import cases_visible_to, with_tier_name

# Roles from this rank up get the digest (assistant managers, managers and above).
DIGEST_MIN_RANK = 30


def digest_context(user: User, *, now: datetime) -> dict | None:
    """Return the digest of the user's scope, or None when nothing is open."""
    cases = list(
        with_tier_name(cases_visible_to(user).filter(state__in=ACTIVE_STATES))
        .select_related("policy").order_by("policy__name", "tier", "due_at")
    )
    if not cases:
        return None
    groups: dict[tuple[str, int], dict] = {}
    overdue_total = 0
    for case in cases:
        overdue = case.due_at is not None and case.due_at < now and case.state != CaseState.ON_HOLD
        overdue_total += overdue
        key = (case.policy.name, case.tier)
        group = groups.setdefault(key, {"label": f"{case.policy.name} — {case.tier}. "
                                        f"{case.tier_name}", "cases": []})
        group["cases"].append({
            "ticket_id": case.ticket_id, "risk_rating": case.risk_rating,
            "customer_name": case.customer_name, "state": case.get_state_display(),
            "due": timezone.localtime(case.due_at).strftime("%d %b %H:%M") if case.due_at else "",
            "overdue": overdue, "url": case_url(case),
        })
    for group in groups.values():
        group["cases"].sort(key=lambda c: (not c["overdue"], -c["risk_rating"]))
    ordered = sorted(groups.values(), key=lambda g: not any(c["overdue"] for c in g["cases"]))
    return {"groups": ordered, "total": len(cases), "overdue": overdue_total,
            "today": timezone.localtime(now).strftime("%a %d %b %Y"), "recipient": user}


def digest_send(*, now: datetime | None = None) -> int:
    """Queue one digest email per manager with open escalations; return how many."""
    now = now or timezone.now()
    template = template_for(NotificationEvent.DIGEST)
    sent = 0
    managers = User.objects.filter(
        is_active=True, is_system=False, memberships__role__rank__gte=DIGEST_MIN_RANK
    ).exclude(email="").distinct()
    for user in managers:
        if NotificationEvent.DIGEST in (user.muted_events or []):
            continue
        context = digest_context(user, now=now)
        if context is None:
            continue
        rendered = render(template, context)
        outbox_enqueue_message(
            event=NotificationEvent.DIGEST, channel=Channel.EMAIL, recipient=user.email,
            subject=rendered.subject, body_text=rendered.text, body_html=rendered.html,
            recipient_user=user, label=f"{user} <{user.email}>", now=now,
        )
        sent += 1
    return sent
