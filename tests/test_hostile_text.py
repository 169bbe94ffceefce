"""Text that people typed is shown as text: hostile markup in a case never runs in the admin.

Given a case whose customer, summary, details, notes, transition reasons, staff names and team
name all carry markup, every admin page and every HTML email that shows them escapes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape

from accounts.models import Team, User
from escalations.choices import Outcome
from escalations.models import Case, Category, Notification, NotificationTemplate
from escalations.notifications.delivery import deliver_due
from escalations.notifications.digest import digest_send
from escalations.services import (
    case_add_note,
    case_assign,
    case_escalate,
    case_hold,
    case_open,
    case_resolve,
    case_resume,
)
from reports.periods import parse_month
from reports.services import monthly_report_request

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMAGE = '"><img src=x onerror=alert(1)>'
TEXTAREA = "</textarea><script>alert(2)</script>"
# Any of these in a page means a payload went out as markup.
RAW_MARKERS = ["<script>alert", "<img src=x", "</textarea><script>", "onerror=alert(1)>"]

CUSTOMER = f"Mallory {TEXTAREA}"
SUMMARY = f"Refund refused {SCRIPT}"
DETAILS = f"Order lost {IMAGE}"
NOTE = f"Called back {TEXTAREA} {IMAGE}"
ESCALATE_REASON = f"Supplier silent {SCRIPT}"
HOLD_REASON = f"Waiting for courier {IMAGE}"
PLAN = f"Refund issued {SCRIPT}"
FIRST_NAME = f"Eve{IMAGE}"
LAST_NAME = f"Doe{SCRIPT}"
TEAM_NAME = f"Customer Service {SCRIPT}"


@dataclass
class Hostile:
    agent: User
    manager: User
    open_case: Case
    held_case: Case
    resolved_case: Case


def assert_shown_as_text(html: str, *texts: str) -> None:
    """Assert no payload is markup in html and every text given is there, escaped."""
    for marker in RAW_MARKERS:
        assert marker not in html, f"raw {marker!r} in the page"
    for text in texts:
        assert escape(text) in html, f"{text!r} not shown escaped"


class _Frames(HTMLParser):
    """Collect the iframes of a page with their attributes (values unescaped, as browsers do)."""

    def __init__(self) -> None:
        super().__init__()
        self.frames: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "iframe":
            self.frames.append(dict(attrs))


def _frames(html: str) -> list[dict[str, str | None]]:
    parser = _Frames()
    parser.feed(html)
    return parser.frames


def _open(admin_user: User, now, **extra) -> Case:
    return case_open(
        actor=admin_user, ticket_id=f"X-{Case.objects.count() + 1:04d}", customer_name=CUSTOMER,
        category=Category.objects.get(slug="out-of-stock"), risk_rating=3,
        team=Team.objects.get(slug="customer-service"), summary=SUMMARY, details=DETAILS,
        customer_email="mallory@x.test", now=now, **extra,
    )


@pytest.fixture
def hostile(make_user, admin_user, now) -> Hostile:
    """Build an open, an on-hold and a resolved case full of markup, the last one newest."""
    Team.objects.filter(slug="customer-service").update(name=TEAM_NAME)
    agent = make_user("agent", email="eve@x.test", first_name=FIRST_NAME, last_name=LAST_NAME)
    manager = make_user("manager", email="mgr@x.test")
    make_user("assistant-manager", email="am@x.test")

    open_case = _open(admin_user, now)
    open_case = case_assign(case=open_case, actor=admin_user, assignee=agent)
    case_add_note(case=open_case, actor=agent, body=NOTE, now=now)

    held_case = _open(admin_user, now)
    held_case = case_hold(case=held_case, actor=admin_user, reason=HOLD_REASON, now=now)

    resolved = _open(admin_user, now)
    resolved = case_assign(case=resolved, actor=admin_user, assignee=agent)
    resolved = case_escalate(case=resolved, actor=agent, reason=ESCALATE_REASON,
                             now=now + timedelta(hours=1))
    resolved = case_hold(case=resolved, actor=admin_user, reason=HOLD_REASON,
                         now=now + timedelta(hours=2))
    resolved = case_resume(case=resolved, actor=admin_user, now=now + timedelta(hours=3))
    case_add_note(case=resolved, actor=agent, body=NOTE, now=now + timedelta(hours=3))
    resolved = case_resolve(case=resolved, actor=admin_user, resolution_plan=PLAN,
                            corrective_actions=SUMMARY, outcome=Outcome.ISSUE_RESOLVED,
                            now=now + timedelta(hours=4))
    return Hostile(agent=agent, manager=manager, open_case=open_case, held_case=held_case,
                   resolved_case=resolved)


def _page(client, user: User, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


# --- the case pages, as the agent who works on the cases ---------------------------------------


def test_case_list_shows_customer_assignee_and_team_as_text(client, hostile):
    html = _page(client, hostile.agent, "/admin/escalations/case/")
    assert_shown_as_text(html, CUSTOMER, f"{FIRST_NAME} {LAST_NAME}", TEAM_NAME)


def test_case_change_page_shows_every_field_and_note_as_text(client, hostile):
    html = _page(client, hostile.agent, f"/admin/escalations/case/{hostile.open_case.pk}/change/")
    assert_shown_as_text(html, CUSTOMER, SUMMARY, DETAILS, NOTE, TEAM_NAME,
                         f"{FIRST_NAME} {LAST_NAME}")


def test_case_history_page_shows_reasons_as_text(client, hostile):
    html = _page(client, hostile.agent,
                 f"/admin/escalations/case/{hostile.resolved_case.pk}/history/")
    assert_shown_as_text(html, CUSTOMER, ESCALATE_REASON, HOLD_REASON, f"{FIRST_NAME} {LAST_NAME}")


def test_resolution_report_shows_case_timeline_and_log_as_text(client, hostile):
    html = _page(client, hostile.agent,
                 f"/admin/escalations/case/{hostile.resolved_case.pk}/resolution-report/")
    assert_shown_as_text(html, CUSTOMER, SUMMARY, DETAILS, PLAN, ESCALATE_REASON, HOLD_REASON,
                         NOTE, f"{FIRST_NAME} {LAST_NAME}")


def test_briefing_page_keeps_the_customer_name_inside_the_draft(client, hostile):
    html = _page(client, hostile.agent,
                 f"/admin/escalations/case/{hostile.open_case.pk}/brief-customer/")
    assert_shown_as_text(html, CUSTOMER, f"Dear {CUSTOMER},")
    # The textarea closes once, after the draft: the name did not end it early.
    draft = html.split('name="body"', 1)[1]
    assert draft.index(escape(CUSTOMER)) < draft.index("</textarea>")


@pytest.mark.parametrize(("which", "transitions"), [
    ("open_case", ["acknowledge", "escalate", "hold", "resolve"]),
    ("held_case", ["resume", "escalate"]),
    ("resolved_case", ["reopen", "close"]),
])
def test_transition_forms_show_the_case_as_text(client, hostile, which, transitions):
    case = getattr(hostile, which)
    for name in transitions:
        html = _page(client, hostile.manager,
                     f"/admin/escalations/case/{case.pk}/transition/{name}/")
        assert_shown_as_text(html, CUSTOMER)


# --- the administrator's pages -----------------------------------------------------------------


def test_template_preview_shows_customer_text_escaped(client, hostile, admin_user):
    for template in NotificationTemplate.objects.all():
        html = _page(client, admin_user,
                     f"/admin/escalations/notificationtemplate/{template.pk}/change/")
        assert_shown_as_text(html)
        if template.event in ("escalated", "resolved", "customer_briefing"):
            assert escape(CUSTOMER) in html, template.event
    resolved = NotificationTemplate.objects.get(event="resolved")
    html = _page(client, admin_user,
                 f"/admin/escalations/notificationtemplate/{resolved.pk}/change/")
    assert_shown_as_text(html, ESCALATE_REASON, HOLD_REASON, PLAN)
    # The HTML email is previewed as the document a mail client gets: variables escaped in it,
    # and the frame allowed no scripts even if an edited template let markup through.
    (frame,) = _frames(html)
    assert frame["sandbox"] == ""
    assert_shown_as_text(frame["srcdoc"], CUSTOMER, ESCALATE_REASON, PLAN)


def test_outbox_list_and_detail_show_recipients_and_bodies_as_text(client, hostile, admin_user,
                                                                   now):
    deliver_due(now=now + timedelta(hours=5))
    html = _page(client, admin_user, "/admin/escalations/notification/")
    assert_shown_as_text(html, f"{FIRST_NAME} {LAST_NAME}", CUSTOMER)
    notification = Notification.objects.filter(
        case=hostile.resolved_case, event="escalated", channel="email", body_html__gt="",
    ).first()
    assert notification is not None
    html = _page(client, admin_user, f"/admin/escalations/notification/{notification.pk}/change/")
    assert_shown_as_text(html, CUSTOMER, SUMMARY, ESCALATE_REASON)


def test_dashboard_and_monthly_reports_show_names_as_text(client, hostile, admin_user):
    team = Team.objects.get(slug="customer-service")
    monthly_report_request(period=parse_month("2026-10"), team=team)
    monthly_report_request(period=parse_month("2026-10"), user=hostile.agent)
    for user in (hostile.manager, admin_user):
        assert_shown_as_text(_page(client, user, "/admin/"))
    html = _page(client, hostile.manager, "/admin/reports/monthlyreport/")
    assert_shown_as_text(html, TEAM_NAME)
    html = _page(client, admin_user, "/admin/reports/monthlyreport/")
    assert_shown_as_text(html, TEAM_NAME)
    html = _page(client, hostile.agent, "/admin/")
    assert_shown_as_text(html, FIRST_NAME)


# --- HTML emails -------------------------------------------------------------------------------


def test_html_emails_escape_what_people_typed(hostile, now):
    deliver_due(now=now + timedelta(hours=5))
    digest_send(now=now + timedelta(hours=5))
    deliver_due(now=now + timedelta(hours=5))
    html_parts = {message.subject: message.alternatives[0][0] for message in mail.outbox
                  if message.alternatives}
    assert html_parts
    for html in html_parts.values():
        assert_shown_as_text(html, CUSTOMER)
    escalated = next(html for subject, html in html_parts.items() if "Escalated" in subject)
    assert_shown_as_text(escalated, SUMMARY, ESCALATE_REASON)
    resolved = next(html for subject, html in html_parts.items() if "Resolved" in subject)
    assert_shown_as_text(resolved, PLAN, ESCALATE_REASON, HOLD_REASON)
    assert any("Open escalations" in subject for subject in html_parts)


def test_import_preview_shows_tracker_cells_as_text(client, admin_user):
    header = "Ticket #,Date,Customer,Issue Type,Risk,Team\n"
    client.force_login(admin_user)
    for row, shown in ((f"AD-1,2026-11-23,{CUSTOMER},Out of stock,4,Customer Service\n", CUSTOMER),
                       (f"AD-2,2026-11-23,Ann,Out of stock,{SCRIPT},Customer Service\n", SCRIPT)):
        upload = SimpleUploadedFile("tracker.csv", (header + row).encode(),
                                    content_type="text/csv")
        response = client.post("/admin/escalations/case/import/",
                               {"format": "0", "resource": "0", "import_file": upload})
        assert response.status_code == 200
        assert_shown_as_text(response.content.decode(), shown)
    assert not Case.objects.exists()
