"""The case form's rules that hold whatever the browser sends."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError

from escalations.choices import Outcome
from escalations.models import Case, CaseNote
from escalations.services import case_resolve, case_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolved_case(make_case, admin_user):
    case = make_case(summary="As it ended")
    return case_resolve(case=case, actor=admin_user, resolution_plan="Refunded",
                        outcome=Outcome.ISSUE_RESOLVED)


def test_a_resolved_case_refuses_edits_of_its_details(resolved_case, admin_user):
    with pytest.raises(ValidationError, match="Reopen it"):
        case_update(case=resolved_case, actor=admin_user, changes={"summary": "Rewritten"})

    assert Case.objects.get(pk=resolved_case.pk).summary == "As it ended"


def test_a_resolved_case_page_shows_its_details_as_text_and_still_takes_notes(
        client, resolved_case, make_user):
    lead = make_user("team-lead")
    client.force_login(lead)
    url = f"/admin/escalations/case/{resolved_case.pk}/change/"

    page = client.get(url).content.decode()
    assert 'name="summary"' not in page
    assert "As it ended" in page

    response = client.post(url, {
        "summary": "Rewritten", "seen_version": resolved_case.version,
        "attachments-TOTAL_FORMS": "0", "attachments-INITIAL_FORMS": "0",
        "stays-TOTAL_FORMS": "0", "stays-INITIAL_FORMS": "0",
        "_continue": "1",
    })
    assert response.status_code == 302
    assert Case.objects.get(pk=resolved_case.pk).summary == "As it ended"

    client.post(f"/admin/escalations/case/{resolved_case.pk}/note/",
                {"kind": "internal_note", "body": "Customer thanked us."})
    assert CaseNote.objects.get(case=resolved_case).body == "Customer thanked us."


def test_the_site_root_leads_to_the_admin_and_no_link_points_elsewhere(client, admin_user,
                                                                      make_case):
    assert client.get("/")["Location"] == "/admin/"
    client.force_login(admin_user)
    case = make_case()
    index = client.get("/admin/").content.decode()
    page = client.get(f"/admin/escalations/case/{case.pk}/change/").content.decode()
    assert "View site" not in index
    assert "View on site" not in page


def test_the_history_page_reads_as_a_timeline_of_labels_and_local_minutes(client, make_case,
                                                                         admin_user):
    case = make_case(summary="Timeline")
    case_resolve(case=case, actor=admin_user, resolution_plan="Refund",
                 outcome=Outcome.ISSUE_RESOLVED)
    client.force_login(admin_user)

    page = client.get(f"/admin/escalations/case/{case.pk}/history/").content.decode()

    assert "State:</span> Open (awaiting tier owner) → Resolved" in page
    assert "Outcome:</span> — → Issue resolved" in page
    assert "issue_resolved" not in page and "HISTORY_CHANGE_REASON" not in page.upper()
    shown = re.sub(r'datetime="[^"]*"', "", page)  # the machine-readable attribute aside
    assert not re.search(r"\d\d:\d\d:\d\d\.\d+", shown)  # no microseconds


def test_a_person_who_cannot_see_a_case_cannot_add_to_its_log(client, make_case, make_user):
    case = make_case(team="customer-service")
    client.force_login(make_user("agent", team="sales-bd"))

    response = client.post(f"/admin/escalations/case/{case.pk}/note/", {"body": "Sneaky"})

    assert response.status_code in (302, 403, 404)
    assert not CaseNote.objects.filter(case=case).exists()


def test_a_log_entry_is_the_cases_last_activity_without_touching_its_version(make_case,
                                                                           admin_user, now):
    from datetime import timedelta

    from escalations.services import case_add_note

    case = make_case(now=now)
    history_rows = case.history.count()
    later = now + timedelta(hours=2)

    case_add_note(case=case, actor=admin_user, body="Called back", now=later)

    after = Case.objects.get(pk=case.pk)
    assert (after.updated_at, after.version) == (later, case.version)
    assert after.history.count() == history_rows


def test_only_those_who_see_confidential_cases_open_one_of_a_confidential_category_openly(
        make_case, make_user):
    from escalations.services import CasePermissionDenied

    with pytest.raises(CasePermissionDenied):
        make_case(category="compliance-legal", actor=make_user("agent"), confidential=False)
    open_case = make_case(category="compliance-legal", actor=make_user("legal", team="legal"),
                          team="legal", confidential=False)
    assert open_case.confidential is False


def test_the_no_deadline_filter_keeps_to_active_cases_and_overdue_needs_no_state(
        client, resolved_case, make_case, admin_user):
    client.force_login(admin_user)

    no_deadline = client.get("/admin/escalations/case/", {"due": "none"})

    assert resolved_case.pk not in [c.pk for c in no_deadline.context["cl"].result_list]


def test_a_briefing_template_with_an_error_is_a_message_not_a_crash(client, make_case,
                                                                    admin_user):
    from escalations.models import NotificationTemplate

    case = make_case(customer_email="c@example.com")
    NotificationTemplate.objects.update_or_create(
        event="customer_briefing", defaults={"subject": "{% if %}", "body_text": "x"})
    client.force_login(admin_user)

    response = client.get(f"/admin/escalations/case/{case.pk}/brief-customer/", follow=True)

    assert response.status_code == 200
    assert "briefing template has an error" in response.content.decode()
