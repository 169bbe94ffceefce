"""A team's chat webhook address is a secret (anyone holding it can post to the channel): only
administrators see it; everyone else sees its host only; it never reaches stored errors."""

from __future__ import annotations

import logging
import socket

import pytest

from accounts.models import Team
from escalations.models import Notification
from escalations.notifications.delivery import deliver_due
from escalations.services import case_escalate

pytestmark = pytest.mark.django_db

SECRET = "T0001/B0002/s3cr3tT0k3n"
SIGNATURE = "sig=Zm9vYmFyc2lnbmF0dXJl"  # some services sign the address in its query


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def team():
    team = Team.objects.get(slug="sales-bd")
    team.chat_webhook_url = f"http://127.0.0.1:{_closed_port()}/services/{SECRET}?{SIGNATURE}"
    team.save()
    return team


@pytest.mark.parametrize("role", ["team-lead", "manager", "head-of-operations"])
def test_staff_see_the_webhook_masked_on_the_team_page(client, make_user, team, role):
    client.force_login(make_user(role, team="sales-bd"))
    page = client.get(f"/admin/accounts/team/{team.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert SECRET not in text and "http://127.0.0.1/…" in text


def test_administrators_see_and_set_the_webhook(client, admin_user, team):
    client.force_login(admin_user)
    assert SECRET in client.get(f"/admin/accounts/team/{team.pk}/change/").content.decode()


def test_a_failed_post_to_the_webhook_keeps_its_address_out_of_the_error_and_the_log(
        make_case, make_user, admin_user, team, now, caplog):
    make_user("assistant-manager", team="sales-bd", email="am@x.test",
              notification_channel="chat")
    case = make_case(category="out-of-stock", team="sales-bd")
    case_escalate(case=case, actor=admin_user, reason="Supplier silent", now=now)
    with caplog.at_level(logging.DEBUG):
        assert deliver_due(now=now).get("retry") == 1  # nothing listens on the port
    chat = Notification.objects.get(case=case, channel="chat")
    assert chat.last_error and SECRET not in chat.last_error
    assert SIGNATURE not in chat.last_error
    assert SECRET not in caplog.text and SIGNATURE not in caplog.text


def test_the_outbox_shows_a_chat_recipient_masked_to_staff_allowed_to_read_it(
        client, make_case, make_user, admin_user, team, now):
    from django.contrib.auth.models import Permission

    make_user("assistant-manager", team="sales-bd", email="am@x.test",
              notification_channel="chat")
    case = make_case(category="out-of-stock", team="sales-bd")
    case_escalate(case=case, actor=admin_user, reason="Supplier silent", now=now)
    chat = Notification.objects.get(case=case, channel="chat")
    lead = make_user("team-lead", team="sales-bd")
    lead.user_permissions.add(Permission.objects.get(codename="view_notification"))
    client.force_login(lead)
    page = client.get(f"/admin/escalations/notification/{chat.pk}/change/").content.decode()
    assert "http://127.0.0.1/…" in page and SECRET not in page
    found = client.get("/admin/escalations/notification/", {"q": SECRET}).content.decode()
    assert f"/admin/escalations/notification/{chat.pk}/change/" not in found
    client.force_login(admin_user)
    assert SECRET in client.get(
        f"/admin/escalations/notification/{chat.pk}/change/").content.decode()
