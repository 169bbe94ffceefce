"""Fault: the mail server and the team's chat webhook fail for a while, then come back.

Real servers on 127.0.0.1 (a minimal SMTP server on the standard library's socketserver, an
http.server webhook) behind the project's SMTP email backend and webhook client; cases and
events made through the services; the clock injected minute by minute. Nothing sleeps: the
servers answer at once, and each records what it accepted before it says so.
"""

from __future__ import annotations

import email
import socketserver
import threading
from collections import Counter
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone
from django.utils.html import escape

from accounts.models import Team
from config.health import JOBS, health_checks, notifications_check
from escalations.models import Notification
from escalations.notifications.delivery import backoff, deliver_due
from escalations.services import case_escalate
from escalations.sla.leases import job_finished

pytestmark = pytest.mark.django_db

MINUTE = timedelta(minutes=1)
UNSENT = ("queued", "sending")
# When each attempt comes, in minutes after the first, with the shipped retry settings.
ATTEMPT_MINUTES = [0, 1, 5, 21, 85, 341]


@pytest.fixture(autouse=True)
def shipped_retry_settings(settings):
    settings.NOTIFICATION_MAX_ATTEMPTS, settings.NOTIFICATION_BACKOFF_SECONDS = 6, 60
    assert ATTEMPT_MINUTES == [sum(backoff(n).total_seconds() for n in range(1, i + 1)) // 60
                               for i in range(6)]


class _SMTPSession(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        server: MailServer = self.server.owner  # type: ignore[attr-defined]
        mode = server.mode
        server.connections[mode] += 1
        if mode == "drop":
            return  # the connection closes before the greeting
        if mode == "refuse":
            self.reply("554 5.3.2 Service unavailable")
            return
        self.reply("220 127.0.0.1 ready")
        recipients: list[str] = []
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO", b"NOOP"):
                self.reply("250 127.0.0.1")
            elif verb in (b"MAIL", b"RSET"):
                recipients = []
                self.reply("250 OK")
            elif verb == b"RCPT" and mode == "defer":
                self.reply("451 4.3.0 Try again later")
            elif verb == b"RCPT":
                recipients.append(line.split(b":", 1)[1].strip(b" <>\r\n").decode())
                self.reply("250 OK")
            elif verb == b"DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (line := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(line)
                if not line:
                    return  # the client hung up mid-message: nothing was accepted
                message_id = email.message_from_bytes(b"".join(lines))["Message-ID"]
                server.accepted.extend((message_id, to) for to in recipients)
                self.reply("250 OK queued")
            elif verb == b"QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


class MailServer:
    """An SMTP server whose mode the test sets: `closed` (nothing listens on its port yet),
    `refuse` (554 greeting), `drop` (hangs up at once), `defer` (451 to every recipient), `ok`.
    `accepted` holds (Message-ID, recipient) for every message answered 250."""

    def __init__(self) -> None:
        self.mode = "closed"
        self.connections: Counter = Counter()
        self.accepted: list[tuple[str, str]] = []
        self.tcp = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPSession,
                                                   bind_and_activate=False)
        self.tcp.daemon_threads = True
        self.tcp.owner = self  # type: ignore[attr-defined]
        self.tcp.server_bind()  # bound but not listening: connections are refused
        self.port = self.tcp.server_address[1]
        self.thread: threading.Thread | None = None

    def set_mode(self, mode: str) -> None:
        if mode != "closed" and self.thread is None:
            self.tcp.server_activate()
            self.thread = threading.Thread(target=self.tcp.serve_forever, args=(0.05,),
                                           daemon=True)
            self.thread.start()
        assert mode != "closed" or self.thread is None, "a listening port cannot close again"
        self.mode = mode

    def stop(self) -> None:
        if self.thread is not None:
            self.tcp.shutdown()
        self.tcp.server_close()


class _HookHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        server: ChatServer = self.server.owner  # type: ignore[attr-defined]
        self.rfile.read(int(self.headers["Content-Length"]))
        server.posts.append((self.headers["Idempotency-Key"], server.status))
        self.send_response(server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


class ChatServer:
    """A chat incoming webhook answering `status`; `posts` holds (Idempotency-Key, answer)."""

    def __init__(self) -> None:
        self.status = 500
        self.posts: list[tuple[str, int]] = []
        self.http = ThreadingHTTPServer(("127.0.0.1", 0), _HookHandler)
        self.http.daemon_threads = True
        self.http.owner = self  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self.http.server_port}/hooks/escalations"
        self.thread = threading.Thread(target=self.http.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    def accepted(self) -> list[str]:
        return [key for key, status in self.posts if status == 200]

    def stop(self) -> None:
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture
def mail_server(settings):
    server = MailServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield server
    server.stop()


@pytest.fixture
def chat_server():
    server = ChatServer()
    team = Team.objects.get(slug="customer-service")
    team.chat_webhook_url = server.url
    team.save()
    yield server
    server.stop()


@pytest.fixture
def people(make_user):
    """Tier 2's owner and its informed role in the case's team, by email."""
    return [make_user("assistant-manager", email="am@x.test"),
            make_user("team-lead", email="tl@x.test")]


def _escalate(make_case, admin_user, at: datetime) -> list[Notification]:
    case = make_case(category="out-of-stock", now=at - timedelta(hours=1))
    case_escalate(case=case, actor=admin_user, reason="Supplier silent", now=at)
    return list(Notification.objects.filter(case=case).order_by("pk"))


def _run(at: datetime) -> dict[str, int]:
    """Do what the every-minute delivery task does at `at`, recording the jobs as run."""
    counts = deliver_due(now=at)
    for name, _setting in JOBS.values():
        job_finished(name=name, now=at)
    return counts


def _emails_accepted(mail_server: MailServer) -> Counter:
    return Counter(message_id for message_id, _to in mail_server.accepted)


# Which way the mail server fails at each minute of the outage (nothing listens at first).
SMTP_FAULTS = ["closed", "refuse", "drop", "defer", "refuse", "drop"]


def test_after_a_five_minute_outage_each_notification_is_sent_once_and_health_said_so(
        client, mail_server, chat_server, people, make_case, admin_user, settings):
    settings.HEALTH_OUTBOX_MAX_AGE = 150  # so that the check turns red within the outage
    limit = settings.HEALTH_OUTBOX_MAX_AGE
    # Given an outage that ends now (so that /health/, which reads the clock, sees its end),
    # during which one case is escalated as it starts and another two minutes in
    start = timezone.now() - 5 * MINUTE
    notifications: list[Notification] = []
    unhealthy_at = []
    # When the delivery task runs every minute of it
    for minute, fault in enumerate(SMTP_FAULTS):
        at = start + minute * MINUTE
        mail_server.set_mode(fault)
        if minute in (0, 2):
            notifications += _escalate(make_case, admin_user, at)
        counts = _run(at)
        assert counts.get("sent", 0) == 0
        check = health_checks(now=at)["notifications"]
        assert check["oldest_unsent_age_seconds"] == minute * 60
        if not check["ok"]:
            unhealthy_at.append(minute)
    # Then nothing was accepted, every kind of refusal was met, and health went red past the
    # limit, as the endpoint still says at the end of the outage
    assert sorted(n.channel for n in notifications) == ["chat", "chat"] + ["email"] * 4
    assert mail_server.accepted == [] and chat_server.accepted() == []
    assert set(mail_server.connections) == {"refuse", "drop", "defer"}
    assert unhealthy_at == [minute for minute in range(6) if minute * 60 > limit] == [3, 4, 5]
    answer = client.get("/health/")
    assert answer.status_code == 503 and answer.json()["status"] == "unhealthy"
    checks = answer.json()["checks"]
    assert [name for name, check in checks.items() if not check["ok"]] == ["notifications"]
    assert checks["notifications"]["unsent"] == 6
    assert checks["notifications"]["oldest_unsent_age_seconds"] >= 300
    assert all(n.status == "queued" and n.last_error for n in _refreshed(notifications))

    # When both servers are back and the task keeps running until nothing waits
    mail_server.set_mode("ok")
    chat_server.status = 200
    at = start + 6 * MINUTE
    while Notification.objects.filter(status__in=UNSENT).exists():
        assert at < start + 2 * timedelta(hours=1), "a notification is stuck"
        _run(at)
        at += MINUTE
    # Then each was accepted exactly once, on the server's side, and recorded as sent
    sent = _refreshed(notifications)
    assert [(n.status, n.last_error) for n in sent] == [("sent", "")] * 6
    assert all(n.attempts >= 2 for n in sent)  # each went through at least one refusal
    emails = {n.message_id for n in sent if n.channel == "email"}
    chats = {n.message_id for n in sent if n.channel == "chat"}
    assert _emails_accepted(mail_server) == Counter({message_id: 1 for message_id in emails})
    assert sorted(to for _id, to in mail_server.accepted) == ["am@x.test"] * 2 + ["tl@x.test"] * 2
    assert Counter(chat_server.accepted()) == Counter({message_id: 1 for message_id in chats})
    # and the back-off's next attempt, not the recovery, set when: the first case's fourth
    assert at - MINUTE == start + ATTEMPT_MINUTES[3] * MINUTE
    # and health is green again, at the injected time and on the endpoint
    assert all(check["ok"] for check in health_checks(now=at).values())
    answer = client.get("/health/")
    assert answer.status_code == 200
    assert answer.json()["checks"]["notifications"]["unsent"] == 0


def test_an_outage_past_the_last_attempt_fails_each_notification_visibly_never_sending_it(
        client, mail_server, chat_server, people, make_case, admin_user, settings):
    limit = settings.HEALTH_OUTBOX_MAX_AGE
    attempts = settings.NOTIFICATION_MAX_ATTEMPTS
    # Given a case escalated as the mail server starts refusing and the webhook answering 500,
    # for six hours (past the last attempt, 341 minutes in), which ended an hour ago
    start = timezone.now() - timedelta(hours=7)
    mail_server.set_mode("refuse")
    notifications = _escalate(make_case, admin_user, start)
    red_minutes = []
    failed_at = None
    # When the delivery task runs every minute of the outage
    for minute in range(6 * 60 + 1):
        at = start + minute * MINUTE
        counts = deliver_due(now=at)
        if counts.get("failed"):
            failed_at = failed_at or minute
        check = notifications_check(now=at)
        if not check["ok"]:
            red_minutes.append(minute)
    # Then every attempt was refused, the last one marked each notification failed, and the
    # health check was red from the limit until then, and green (reporting them) after it
    assert failed_at == ATTEMPT_MINUTES[-1]
    assert red_minutes == [minute for minute in range(failed_at) if minute * 60 > limit]
    assert red_minutes[0] == 6
    assert mail_server.connections["refuse"] == 2 * attempts  # two email recipients
    chat = next(n for n in notifications if n.channel == "chat")
    assert Counter(chat_server.posts) == Counter({(chat.message_id, 500): attempts})
    check = notifications_check(now=start + 6 * timedelta(hours=1))
    assert (check["ok"], check["unsent"], check["failed_last_24h"]) == (True, 0, 3)
    # When both servers are back and the task runs for another hour
    mail_server.set_mode("ok")
    chat_server.status = 200
    for minute in range(6 * 60 + 1, 7 * 60):
        deliver_due(now=start + minute * MINUTE)
    # Then nothing was sent after all: failed stays failed, with why, and not resent
    failed = _refreshed(notifications)
    assert {(n.status, n.attempts) for n in failed} == {("failed", attempts)}
    assert mail_server.accepted == [] and chat_server.accepted() == []
    why = {"email": "554, b'5.3.2 Service unavailable'", "chat": "webhook answered 500"}
    assert all(why[n.channel] in n.last_error for n in failed)
    # and the admin outbox shows them failed, each page with its error
    client.force_login(admin_user)
    listing = client.get("/admin/escalations/notification/", {"status__exact": "failed"})
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 3
    assert listing.content.decode().count(">Failed<") == 3
    for notification in failed:
        page = client.get(f"/admin/escalations/notification/{notification.pk}/change/")
        assert page.status_code == 200
        assert "Failed" in page.content.decode()
        assert escape(why[notification.channel]) in page.content.decode()

    # When an administrator retries them from the outbox and the task runs twice
    retried = client.post("/admin/escalations/notification/", {
        "action": "retry", "_selected_action": [n.pk for n in failed]})
    assert retried.status_code == 302
    now = timezone.now()
    assert deliver_due(now=now).get("sent") == 3
    assert deliver_due(now=now + MINUTE).get("sent", 0) == 0
    # Then each is accepted exactly once
    sent = _refreshed(notifications)
    assert {n.status for n in sent} == {"sent"}
    assert _emails_accepted(mail_server) == Counter(
        {n.message_id: 1 for n in sent if n.channel == "email"})
    assert chat_server.accepted() == [n.message_id for n in sent if n.channel == "chat"]


def _refreshed(notifications: list[Notification]) -> list[Notification]:
    return list(Notification.objects.filter(pk__in=[n.pk for n in notifications]).order_by("pk"))
