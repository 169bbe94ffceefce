"""The case list: constant queries per page, bulk actions through the services."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalations.models import Case

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("query", ["", "?state=active", "?due=overdue", "?queue=team",
                                   "?risk=3&team=1", "?q=Customer"])
def test_changelist_queries_do_not_grow_with_cases(client, make_case, make_user, query):
    lead = make_user("team-lead")
    client.force_login(lead)
    for _ in range(5):
        make_case(assignee=lead)
    few = _queries(client, "/admin/escalations/case/" + query)
    for _ in range(55):
        make_case(assignee=lead)
    assert _queries(client, "/admin/escalations/case/" + query) == few


def test_bulk_escalate_runs_the_transition_per_case_and_reports_refusals(client, make_case,
                                                                          admin_user):
    movable = [make_case() for _ in range(3)]
    top = make_case(category="compliance-legal")  # already at the top tier
    client.force_login(admin_user)
    pks = [c.pk for c in [*movable, top]]
    page = client.post("/admin/escalations/case/", {"action": "escalate_selected",
                                                    "_selected_action": pks})
    assert "Escalate the selected cases" in page.content.decode()
    response = client.post("/admin/escalations/case/", {
        "action": "escalate_selected", "_selected_action": pks, "apply": "1",
        "reason": "Backlog review"}, follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert "3 case(s) updated." in messages
    assert any(top.ticket_id in m and "top tier" in m for m in messages)
    for case in movable:
        record = Case.objects.get(pk=case.pk).history.latest()
        assert (record.tier, record.history_change_reason) == (2, "Backlog review")


def test_bulk_assign_checks_the_assignee_scope(client, make_case, make_user, admin_user):
    agent = make_user("agent")
    outsider = make_user("agent", team="sales-bd")
    cases = [make_case() for _ in range(2)]
    client.force_login(admin_user)
    pks = [c.pk for c in cases]
    client.post("/admin/escalations/case/", {"action": "assign_selected",
                                             "_selected_action": pks, "apply": "1",
                                             "assignee": agent.pk})
    assert set(Case.objects.filter(pk__in=pks).values_list("assignee", flat=True)) == {agent.pk}
    response = client.post("/admin/escalations/case/", {
        "action": "assign_selected", "_selected_action": pks, "apply": "1",
        "assignee": outsider.pk}, follow=True)
    assert any("does not work for team" in str(m) for m in response.context["messages"])
    assert set(Case.objects.filter(pk__in=pks).values_list("assignee", flat=True)) == {agent.pk}


def test_agents_do_not_get_the_bulk_assign_action(client, make_case, make_user):
    make_case()
    client.force_login(make_user("agent"))
    page = client.get("/admin/escalations/case/").content.decode()
    assert 'value="escalate_selected"' in page and 'value="assign_selected"' not in page


def test_list_count_is_capped_and_unsorted(client, make_case, admin_user, settings):
    settings.CASE_LIST_COUNT_CAP = 3
    for _ in range(5):
        make_case()
    client.force_login(admin_user)
    with CaptureQueriesContext(connection) as captured:
        page = client.get("/admin/escalations/case/?state=active")
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counts and all("ORDER BY" not in sql for sql in counts)
    assert page.context["cl"].result_count == 3
