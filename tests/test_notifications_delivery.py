"""Delivering the outbox: retries with back-off, failures, exactly once, real SMTP and HTTP."""

from __future__ import annotations

import json
import smtplib
import socket
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from accounts.models import Team
from escalations.models import Notification
from escalations.notifications.delivery import (
    UNKNOWN_OUTCOME,
    backoff,
    deliver_due,
    notification_retry,
)
from escalations.services import case_escalate

pytestmark = pytest.mark.django_db


class FailingBackend(BaseEmailBackend):
    """An SMTP server that is down."""

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("connection refused")


@pytest.fixture
def queued(make_case, make_user, admin_user, now):
    make_user("assistant-manager", email="am@x.test")
    case = make_case(category="out-of-stock")
    case_escalate(case=case, actor=admin_user, reason="Supplier silent", now=now)
    return Notification.objects.get(case=case, channel="email", event="escalated")


def test_delivery_sends_once_and_records_it(queued, now):
    first = deliver_due(now=now)
    second = deliver_due(now=now)  # the task runs twice
    queued.refresh_from_db()
    assert first.get("sent") == 1 and second.get("sent", 0) == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["am@x.test"]
    assert message.subject == f"[{queued.case.ticket_id}] Escalated to Assistant Manager"
    assert "Reason: Supplier silent" in message.body
    assert message.extra_headers["Message-ID"] == queued.message_id
    assert (queued.status, queued.attempts, queued.subject) == ("sent", 1, message.subject)


def test_smtp_failure_backs_off_then_fails_after_the_limit(queued, now, settings):
    settings.EMAIL_BACKEND = "tests.test_notifications_delivery.FailingBackend"
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    assert deliver_due(now=now) == {"expired": 0, "retry": 1}
    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == ("queued", 1)
    assert queued.next_attempt_at == now + backoff(1) == now + timedelta(minutes=1)
    assert "connection refused" in queued.last_error
    assert deliver_due(now=now).get("retry", 0) == 0  # not due yet
    deliver_due(now=now + timedelta(minutes=1))
    queued.refresh_from_db()
    assert (queued.attempts, queued.next_attempt_at) == (2, now + timedelta(minutes=5))
    deliver_due(now=now + timedelta(minutes=5))
    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == ("failed", 3)
    # staff retry once the server is back
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notification_retry(notification=queued, now=now + timedelta(hours=1))
    assert deliver_due(now=now + timedelta(hours=1)).get("sent") == 1
    assert len(mail.outbox) == 1


def test_worker_dying_mid_send_is_not_resent_automatically(queued, now):
    Notification.objects.filter(pk=queued.pk).update(
        status="sending", claimed_by="dead-worker", claimed_until=now + timedelta(minutes=5)
    )
    assert deliver_due(now=now + timedelta(minutes=1)).get("sent", 0) == 0
    result = deliver_due(now=now + timedelta(minutes=6))
    queued.refresh_from_db()
    assert result["expired"] == 1
    assert (queued.status, queued.last_error) == ("failed", UNKNOWN_OUTCOME)
    assert mail.outbox == []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Hook(BaseHTTPRequestHandler):
    answers: list[int] = []
    received: list[dict] = []

    def do_POST(self):  # noqa: N802 - http.server's name
        length = int(self.headers["Content-Length"])
        type(self).received.append({"body": json.loads(self.rfile.read(length)),
                                    "key": self.headers.get("Idempotency-Key")})
        status = type(self).answers.pop(0) if type(self).answers else 200
        self.send_response(status)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook():
    _Hook.answers, _Hook.received = [], []
    server = HTTPServer(("127.0.0.1", _free_port()), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", _Hook
    server.shutdown()


def test_webhook_5xx_is_retried_and_then_delivered(webhook, make_case, make_user, admin_user,
                                                   now):
    url, hook = webhook
    hook.answers = [503]
    Team.objects.filter(slug="customer-service").update(chat_webhook_url=url)
    make_user("assistant-manager", email="am@x.test")
    case = make_case(category="out-of-stock", risk=4)
    case_escalate(case=case, actor=admin_user, reason="r", now=now)
    chat = Notification.objects.get(case=case, channel="chat")
    deliver_due(now=now)
    chat.refresh_from_db()
    assert (chat.status, chat.attempts) == ("queued", 1) and "503" in chat.last_error
    deliver_due(now=now + timedelta(minutes=1))
    chat.refresh_from_db()
    assert chat.status == "sent"
    text = hook.received[-1]["body"]["text"]
    assert case.ticket_id in text and "risk 4" in text and "Out of stock" in text
    assert f"/admin/escalations/case/{case.pk}/change/" in text
    assert hook.received[-1]["key"] == chat.message_id
    assert len(hook.received) == 2


def test_webhook_404_fails_without_retry(webhook, make_case, make_user, admin_user, now):
    url, hook = webhook
    hook.answers = [404]
    Team.objects.filter(slug="customer-service").update(chat_webhook_url=url)
    case = make_case(category="out-of-stock")
    case_escalate(case=case, actor=admin_user, reason="r", now=now)
    deliver_due(now=now)
    chat = Notification.objects.get(case=case, channel="chat")
    assert (chat.status, chat.attempts) == ("failed", 1)


def test_webhook_timeout_is_retried(make_case, admin_user, now, settings):
    settings.NOTIFICATION_HTTP_TIMEOUT = 0.2
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts, never answers
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/hook"
    Team.objects.filter(slug="customer-service").update(chat_webhook_url=url)
    case = make_case(category="out-of-stock")
    case_escalate(case=case, actor=admin_user, reason="r", now=now)
    deliver_due(now=now)
    chat = Notification.objects.get(case=case, channel="chat")
    listener.close()
    assert chat.status == "queued" and chat.attempts == 1
    assert "timed out" in chat.last_error.lower() or "timeout" in chat.last_error.lower()


def test_escalation_email_reaches_a_real_smtp_server(make_case, make_user, admin_user, now,
                                                     settings):
    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
            received.append(envelope)
            return "250 OK"

    port = _free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        make_user("assistant-manager", email="am@x.test")
        case = make_case(category="out-of-stock")
        case_escalate(case=case, actor=admin_user, reason="Supplier silent", now=now)
        assert deliver_due(now=now).get("sent") == 1
        for _ in range(50):
            if received:
                break
            time.sleep(0.05)  # the SMTP server runs in its own thread
    finally:
        controller.stop()
    assert len(received) == 1
    envelope = received[0]
    assert envelope.rcpt_tos == ["am@x.test"]
    content = envelope.content.decode()
    assert f"Subject: [{case.ticket_id}] Escalated to Assistant Manager" in content
    assert "Supplier silent" in content
