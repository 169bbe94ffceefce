"""The pages behind the daily work: a person locked out by wrong passwords and unlocked by an
administrator, a team's chat webhook masked to everyone but administrators, and the health
check an operator opens."""

from __future__ import annotations

import json
import re
import socket
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Department, Team
from escalations.models import Notification
from escalations.services import case_escalate
from escalations.sla.leases import job_finished

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pw"  # the make_user fixture's password
WRONG = "Pw-guess-0425"
LOCKED = "Account locked: too many login attempts"
HOSTILE = "Night desk <img src=x onerror=alert(1)>"  # a name typed with markup in it
TOKEN = "T0NIGHT/B0DESK/s3cr3tN1ghtT0k3n"
SIGNATURE = "sig=Zm9vYmFyc2lnbmF0dXJl"  # some services sign the address in its query


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _type_password(page, username: str, password: str) -> int:
    """Submit the admin's login form and return the answer's HTTP status."""
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_response(lambda answer: answer.request.method == "POST") as posted:
        page.click("input[type=submit], button[type=submit]")
    page.wait_for_load_state()
    return posted.value.status


def _dialogs_recorded(page) -> list[str]:
    """Return the list every dialog the page opens is recorded in (and dismissed)."""
    opened: list[str] = []
    page.on("dialog", lambda dialog: (opened.append(dialog.message), dialog.dismiss()))
    return opened


def test_a_locked_out_person_is_unlocked_by_an_administrator(page, login, shot, make_user,
                                                             admin_user):
    dana = make_user("agent", username="dana")
    limit = settings.AXES_FAILURE_LIMIT

    for _ in range(limit - 1):
        assert _type_password(page, "dana", WRONG) == 200
        expect(page.locator("body")).to_contain_text("Please enter the correct username")
    shot("wrong-password")
    assert _type_password(page, "dana", WRONG) == 429
    expect(page.locator("body")).to_contain_text(LOCKED)
    shot("locked-out")
    assert _type_password(page, "dana", PASSWORD) == 429  # the right one, too late
    expect(page.locator("body")).to_contain_text(LOCKED)
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login/"))

    # The lockout is per username and address: the administrator, on the same address, logs in.
    login(admin_user)
    page.goto("/admin/axes/accessattempt/")  # not in the sidebar: the admin guide gives it
    page.locator("input[name='q']").fill("dana")
    page.locator("input[name='q']").press("Enter")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("dana")
    expect(rows.first).to_contain_text("Locked Out")
    shot("access-attempts")
    rows.first.locator("a").first.click()
    expect(page.locator("body")).to_contain_text("dana")
    assert WRONG not in page.content()  # the passwords typed are never shown
    shot("access-attempt")
    page.get_by_role("link", name=re.compile("^Delete")).click()
    page.get_by_role("button", name=re.compile("Yes, I.m sure")).click()
    expect(page.locator(".messagelist")).to_contain_text("was deleted successfully")
    expect(page.locator("body")).to_contain_text("0 access attempts")
    shot("access-attempt-deleted")

    login(dana)
    expect(page.locator("body")).to_contain_text("dana")
    shot("unlocked-person-logged-in")


def _night_desk(webhook: str) -> Team:
    return Team.objects.create(name=HOSTILE, slug="night-desk", chat_webhook_url=webhook,
                               department=Department.objects.get(slug="customer-experience"))


def _assert_secret_absent(page) -> None:
    html = page.content()
    assert TOKEN not in html and "s3cr3t" not in html and SIGNATURE not in html
    assert page.locator("img[src='x']").count() == 0  # the team's name stays text


def test_the_team_webhook_is_masked_to_a_team_lead_and_editable_by_an_administrator(
        page, login, shot, make_user, make_case, admin_user):
    dialogs = _dialogs_recorded(page)
    webhook = f"http://127.0.0.1:{_closed_port()}/services/{TOKEN}?{SIGNATURE}"
    team = _night_desk(webhook)
    lead = make_user("team-lead", team="night-desk", username="lee")
    # An administrator lets the lead read the outbox (no role carries that permission).
    lead.user_permissions.add(Permission.objects.get(codename="view_notification"))
    case = make_case(team="night-desk")
    case_escalate(case=case, actor=admin_user, reason="Supplier silent")
    chat = Notification.objects.get(case=case, channel="chat")
    login(lead)

    page.goto("/admin/accounts/team/")
    _assert_secret_absent(page)
    page.get_by_role("link", name=HOSTILE).click()
    expect(page.locator("body")).to_contain_text(HOSTILE)
    expect(page.get_by_text("Chat webhook", exact=True)).to_have_count(1)
    expect(page.locator("body")).to_contain_text("http://127.0.0.1/…")
    expect(page.locator("[name='chat_webhook_url']")).to_have_count(0)
    _assert_secret_absent(page)
    shot("team-page-as-team-lead")

    page.goto("/admin/escalations/notification/?channel=chat")
    expect(page.locator("#result_list")).to_contain_text(case.ticket_id)
    _assert_secret_absent(page)
    page.goto(f"/admin/escalations/notification/{chat.pk}/change/")
    expect(page.get_by_text("Recipient", exact=True)).to_have_count(1)
    expect(page.locator("body")).to_contain_text("http://127.0.0.1/…")
    _assert_secret_absent(page)
    shot("chat-notification-as-team-lead")

    login(admin_user)
    page.goto(f"/admin/accounts/team/{team.pk}/change/")
    field = page.locator("[name='chat_webhook_url']")
    expect(field).to_have_value(webhook)
    rotated = webhook.replace("s3cr3tN1ghtT0k3n", "r0tat3dT0k3n")
    field.fill(rotated)
    page.locator("[name='_continue']").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    expect(page.locator("[name='chat_webhook_url']")).to_have_value(rotated)
    shot("team-page-as-administrator")
    assert Team.objects.get(pk=team.pk).chat_webhook_url == rotated
    page.goto(f"/admin/escalations/notification/{chat.pk}/change/")
    expect(page.locator("body")).to_contain_text(webhook)
    assert dialogs == []


def _health(page, shot, step: str) -> tuple[int, dict]:
    """Open /health/ as a monitoring person would and return the status and the JSON shown."""
    answer = page.goto("/health/")
    shot(step)
    return answer.status, json.loads(page.locator("pre").first.inner_text())


def test_an_operator_reads_the_health_check(page, shot):
    page.set_viewport_size({"width": 1000, "height": 140})  # one short answer: no empty page
    job_finished(name="sla-sweep")
    job_finished(name="deliver-notifications")

    status, shown = _health(page, shot, "healthy")
    assert status == 200 and shown["status"] == "ok"
    for check in ("database", "broker", "sla_sweep", "delivery"):
        assert shown["checks"][check]["ok"] is True, check
    assert shown["checks"]["sla_sweep"]["age_seconds"] < 60

    # The worker stops: the last sweep finished longer ago than the limit.
    stale = settings.HEALTH_SWEEP_MAX_AGE + 120
    job_finished(name="sla-sweep", now=timezone.now() - timedelta(seconds=stale))
    status, shown = _health(page, shot, "sweep-stale")
    assert status == 503 and shown["status"] == "unhealthy"
    sweep = shown["checks"]["sla_sweep"]
    assert sweep["ok"] is False and sweep["age_seconds"] >= stale
    assert sweep["max_age_seconds"] == settings.HEALTH_SWEEP_MAX_AGE
    assert shown["checks"]["delivery"]["ok"] is True
    assert shown["checks"]["database"]["ok"] is True
