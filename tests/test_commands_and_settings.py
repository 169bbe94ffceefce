"""Commands (seed_demo, load_policies), settings from the environment, migrations in sync."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import Membership, Role, User
from config.settings.base import database_config
from escalations.models import Case

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_one_login_per_role_and_cases():
    out = StringIO()
    call_command("seed_demo", "--cases", "12", "--seed", "7", stdout=out)
    text = out.getvalue()
    assert "Created 12 demo cases." in text
    assert User.objects.get(username="admin").is_superuser
    assert set(Role.objects.values_list("slug", flat=True)) <= set(
        Membership.objects.values_list("role__slug", flat=True)
    )
    assert Case.objects.filter(ticket_id__startswith="DEMO-7-").count() == 12
    # every demo case was made through the services: it has an "open" history row
    assert all(c.history.filter(history_transition="open").exists() for c in Case.objects.all())


def test_seed_demo_is_deterministic_for_a_seed():
    call_command("seed_demo", "--cases", "8", "--seed", "3", stdout=StringIO())
    first = list(Case.objects.order_by("ticket_id").values_list(
        "ticket_id", "category__slug", "risk_rating", "tier", "state"))
    Case.objects.all().delete()
    call_command("seed_demo", "--cases", "8", "--seed", "3", stdout=StringIO())
    second = list(Case.objects.order_by("ticket_id").values_list(
        "ticket_id", "category__slug", "risk_rating", "tier", "state"))
    assert [row[1:] for row in first] == [row[1:] for row in second]
    assert len({row[4] for row in first}) > 1  # the demo moves cases along


def test_seed_demo_again_tops_up_instead_of_duplicating():
    call_command("seed_demo", "--cases", "5", "--seed", "4", stdout=StringIO())
    out = StringIO()
    call_command("seed_demo", "--cases", "5", "--seed", "4", stdout=out)
    assert "Created 0 demo cases." in out.getvalue()
    call_command("seed_demo", "--cases", "7", "--seed", "4", stdout=StringIO())
    assert Case.objects.count() == 7


def test_sqlite_url_gets_wal_and_immediate_transactions():
    config = database_config("sqlite:////tmp/x.sqlite3")
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_postgres_url_is_parsed():
    config = database_config("postgres://u:p@db.example:5433/esc")
    assert (config["ENGINE"], config["HOST"], config["PORT"], config["NAME"]) == (
        "django.db.backends.postgresql", "db.example", 5433, "esc",
    )


def test_migrations_are_in_sync_with_models():
    call_command("makemigrations", "--check", "--dry-run", stdout=StringIO())


def test_health_is_ok_once_the_sweep_and_the_delivery_run_have_finished(client):
    from escalations.tasks import deliver_notifications, run_sla_sweep

    run_sla_sweep()
    deliver_notifications()
    answer = client.get("/health/")
    assert answer.status_code == 200 and answer.json()["status"] == "ok"
    checks = answer.json()["checks"]
    assert checks["database"]["ok"] and checks["broker"]["ok"]
    assert checks["sla_sweep"]["age_seconds"] < 60


def test_health_is_unhealthy_before_any_sweep_and_when_the_sweep_is_stale(client, settings):
    from datetime import timedelta

    from django.utils import timezone

    from escalations.models import JobRun
    from escalations.tasks import deliver_notifications

    deliver_notifications()
    never = client.get("/health/")
    assert never.status_code == 503 and never.json()["checks"]["sla_sweep"]["ok"] is False
    JobRun.objects.create(name="sla-sweep", finished_at=timezone.now() - timedelta(minutes=10))
    stale = client.get("/health/")
    assert stale.status_code == 503
    assert stale.json()["checks"]["sla_sweep"]["age_seconds"] >= 600
    settings.HEALTH_SWEEP_MAX_AGE = 900  # the threshold is a setting
    assert client.get("/health/").status_code == 200


def test_health_is_unhealthy_while_a_notification_waits_to_be_sent_past_the_limit(
        client, make_case, make_user, admin_user, settings):
    from datetime import timedelta

    from django.utils import timezone

    from config.health import notifications_check
    from escalations.notifications.delivery import deliver_due
    from escalations.services import case_escalate

    # Given an escalation email queued ten minutes ago, refused by the mail server twice (its
    # next attempt is 5 minutes after it was queued)
    settings.EMAIL_BACKEND = "tests.test_notifications_delivery.FailingBackend"
    make_user("assistant-manager", email="am@x.test")
    queued_at = timezone.now() - timedelta(minutes=10)
    case = make_case(now=queued_at - timedelta(hours=1))
    case_escalate(case=case, actor=admin_user, reason="Supplier silent", now=queued_at)
    deliver_due(now=queued_at)
    deliver_due(now=queued_at + timedelta(minutes=1))
    settings.HEALTH_OUTBOX_MAX_AGE = 120  # the threshold is a setting

    def check(seconds: int) -> tuple:
        found = notifications_check(now=queued_at + timedelta(seconds=seconds))
        return found["ok"], found["oldest_unsent_age_seconds"], found["unsent"]

    # Then the check is green up to the limit and red past it, between attempts too
    assert check(120) == (True, 120, 1)
    assert check(121) == (False, 121, 1)
    assert check(299) == (False, 299, 1)  # not due before 300 s: still waiting
    # and the endpoint says so now
    answer = client.get("/health/")
    assert answer.status_code == 503
    found = answer.json()["checks"]["notifications"]
    assert found["ok"] is False and found["oldest_unsent_age_seconds"] >= 600
    assert (found["max_age_seconds"], found["unsent"], found["failed_last_24h"]) == (120, 1, 0)
    # When the mail server is back and the next attempt sends it
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert deliver_due(now=queued_at + timedelta(minutes=5)).get("sent") == 1
    # Then nothing waits and the check is green
    found = client.get("/health/").json()["checks"]["notifications"]
    assert (found["ok"], found["oldest_unsent_age_seconds"], found["unsent"]) == (True, None, 0)


def test_health_reports_recent_failures_without_failing_and_a_retry_waits_from_the_retry(
        make_case, make_user, admin_user, settings):
    from datetime import timedelta

    from django.utils import timezone

    from config.health import notifications_check
    from escalations.models import Notification
    from escalations.notifications.delivery import deliver_due, notification_retry
    from escalations.notifications.outbox import outbox_enqueue_message
    from escalations.services import case_escalate

    # Given two escalation emails that failed for good, 2 and 25 hours ago
    settings.EMAIL_BACKEND = "tests.test_notifications_delivery.FailingBackend"
    settings.NOTIFICATION_MAX_ATTEMPTS = 1
    make_user("assistant-manager", email="am@x.test")
    now = timezone.now()
    failed = []
    for hours_ago in (2, 25):
        at = now - timedelta(hours=hours_ago)
        case = make_case(now=at - timedelta(hours=1))
        case_escalate(case=case, actor=admin_user, reason="Supplier silent", now=at)
        assert deliver_due(now=at).get("failed") == 1
        failed.append(Notification.objects.get(case=case))
    # and a digest queued to go out in an hour
    outbox_enqueue_message(event="digest", channel="email", recipient="am@x.test", subject="s",
                           body_text="b", now=now + timedelta(hours=1))
    # Then the recent failure is counted, the check stays green, and nothing waits yet
    found = notifications_check(now=now)
    assert (found["ok"], found["unsent"], found["failed_last_24h"]) == (True, 0, 1)
    # When staff retry the older failure (Retry starts its attempts again)
    assert notification_retry(notification=failed[1], now=now)
    # Then it waits from the retry, not from when it was first queued a day ago
    found = notifications_check(now=now + timedelta(seconds=60))
    assert (found["ok"], found["oldest_unsent_age_seconds"], found["unsent"]) == (True, 60, 1)
    assert found["failed_last_24h"] == 1


def test_production_settings_serve_the_collected_admin_assets(tmp_path):
    """With production settings, collectstatic then a GET of an admin stylesheet through the
    WSGI application answers 200 (no web server needed in front for the admin's assets)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production",
           "SECRET_KEY": "test-only-" + "x" * 50, "STATIC_ROOT": str(tmp_path / "static"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "ALLOWED_HOSTS": "testserver"}
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=root,
                   env=env, check=True)
    probe = ("import django; django.setup(); from django.test import Client; "
             "r = Client().get('/static/admin/css/base.css', secure=True); "
             "print(r.status_code, r.headers.get('Content-Type'))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=root, env=env, check=True,
                            capture_output=True, text=True)
    assert result.stdout.split()[:2] == ["200", "text/css;"]
