"""Rendering notifications from the stored (admin-edited) templates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from escalations.models import Case, CaseEvent, NotificationTemplate
from escalations.notifications import default_templates
from escalations.sla.clock import duration_text
from escalations.timeline import change_entries


@dataclass(frozen=True)
class Rendered:
    """A rendered notification: plain strings, none of them marked safe for a web page.

    `html` is an HTML email document (its variables escaped); shown in an admin page it must
    be escaped again or isolated, like any other text.
    """

    subject: str
    text: str
    html: str
    chat: str


def template_for(event: str) -> NotificationTemplate:
    """Return the stored template of an event, or the shipped default if none is stored."""
    stored = NotificationTemplate.objects.filter(event=event).first()
    if stored is not None:
        return stored
    subject, text = default_templates.TEMPLATES[event]
    return NotificationTemplate(event=event, subject=subject, body_text=text,
                                body_html=default_templates.html_body(text),
                                chat_text=default_templates.CHAT)


def _unmarked(rendered: str) -> str:
    """Return the text of a template's output without the "safe" mark Django puts on it.

    Template.render marks its output safe even with autoescape off, where variables went in
    raw: left marked, a customer's "</textarea><script>" would pass unescaped into any page or
    format_html that shows the text.
    """
    return str.__str__(rendered)


def render_text(source: str, context: dict) -> str:
    """Render a plain-text template (variables unescaped) to text that is not marked safe."""
    return _unmarked(Template(source).render(Context(context, autoescape=False))) if source else ""


def render_html(source: str, context: dict) -> str:
    """Render an HTML email template, its variables escaped."""
    return _unmarked(Template(source).render(Context(context))) if source else ""


def render(template: NotificationTemplate, context: dict) -> Rendered:
    """Render the template's parts: text parts unescaped, the HTML part escaped."""
    return Rendered(
        subject=" ".join(render_text(template.subject, context).split())[:300],
        text=render_text(template.body_text, context),
        html=render_html(template.body_html, context),
        chat=render_text(template.chat_text, context).strip(),
    )


def case_url(case: Case) -> str:
    """Return the absolute link to the case in the admin."""
    return settings.SITE_URL.rstrip("/") + reverse("admin:escalations_case_change",
                                                   args=[case.pk])


def local_text(case: Case, moment) -> str:
    """Return a moment in the case's policy zone, as people read it."""
    if moment is None:
        return ""
    local = moment.astimezone(case.policy.calendar.zone)
    return f"{local:%a %d %b %Y %H:%M} ({case.policy.time_zone})"


def case_stays(case: Case) -> list[dict]:
    """Return the case's stays at tiers with the time spent at each."""
    rows = []
    for stay in case.stays.order_by("entered_at", "id"):
        end = stay.left_at or timezone.now()
        rows.append({"level": stay.level, "tier_name": stay.tier_name,
                     "breached_at": stay.breached_at,
                     "duration": duration_text(max(end - stay.entered_at, timedelta(0)))})
    return rows


def case_timeline(case: Case) -> list[dict]:
    """Return the case's history as timeline rows (when, what, why, who) in its policy's zone.

    The wording is the case page's timeline's (escalations.timeline.change_entries).
    """
    return [{"when": local_text(case, entry.at), "what": entry.title, "reason": entry.text,
             "who": entry.who} for entry in change_entries(case)]


def case_context(case: Case, *, event: CaseEvent | None = None, level: int | None = None,
                 summary: bool = False) -> dict:
    """Return what every case template may use."""
    level = level or (event.level if event else case.tier)
    context = {
        "case": case, "event": event, "tier": case.policy.tier_map.get(level),
        "due": local_text(case, case.due_at), "case_url": case_url(case),
        "site_url": settings.SITE_URL,
    }
    if summary:
        context.update(stays=case_stays(case), timeline=case_timeline(case))
    return context
