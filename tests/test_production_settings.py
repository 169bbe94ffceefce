"""Production settings: a clean deployment check, each setting from the environment, and a
time limit on every outgoing connection."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from escalations.notifications.delivery import deliver_due

ROOT = Path(__file__).resolve().parent.parent


def _deploy_check(**environment: str) -> subprocess.CompletedProcess:
    # The deployment's environment: not the test run's (the browser tests allow async-unsafe
    # calls for their live server, which the check rightly refuses in a deployment).
    inherited = {name: value for name, value in os.environ.items()
                 if name != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {**inherited, "DJANGO_SETTINGS_MODULE": "config.settings.production",
           "SECRET_KEY": secrets.token_urlsafe(60), "DEBUG": "false",
           "ALLOWED_HOSTS": "escalations.example.com",
           "DATABASE_URL": "sqlite:////tmp/escalations-deploy-check.sqlite3", **environment}
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level",
                           "WARNING"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_the_deployment_check_is_clean_with_the_documented_production_environment():
    result = _deploy_check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(("variable", "warning"), [
    ("SECURE_SSL_REDIRECT", "security.W008"), ("SECURE_HSTS_SECONDS", "security.W004"),
])
def test_each_https_setting_comes_from_the_environment(variable, warning):
    result = _deploy_check(**{variable: "0" if variable == "SECURE_HSTS_SECONDS" else "false"})
    assert result.returncode != 0 and warning in result.stdout + result.stderr


@pytest.fixture
def silent_smtp_server():
    """A server that accepts connections and never says a word (no SMTP greeting)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    listener.close()


@pytest.mark.django_db
def test_an_smtp_server_that_never_answers_is_retried_later(queued_email, now, settings,
                                                            silent_smtp_server):
    # Given an SMTP server that accepts the connection and then says nothing, and the time
    # limit every deployment has (10 s unless EMAIL_TIMEOUT says otherwise), shortened here
    assert settings.EMAIL_TIMEOUT == 10.0
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", silent_smtp_server
    settings.EMAIL_TIMEOUT = 0.5
    # When the outbox is delivered
    outcome = deliver_due(now=now)
    # Then the attempt gives up after the timeout and the message waits for a retry
    queued_email.refresh_from_db()
    assert outcome == {"expired": 0, "retry": 1}
    assert queued_email.status == "queued" and queued_email.attempts == 1
    assert "timed out" in queued_email.last_error


@pytest.fixture
def queued_email(make_case, make_user, admin_user, now):
    from escalations.models import Notification
    from escalations.services import case_escalate

    make_user("assistant-manager", email="am@x.test")
    case = make_case(category="out-of-stock")
    case_escalate(case=case, actor=admin_user, reason="Supplier silent", now=now)
    return Notification.objects.get(case=case, channel="email")
