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
