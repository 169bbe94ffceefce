"""The health check for load balancers and monitoring: the database, the task broker, how long
ago the SLA sweep and the delivery run last finished (stale: unhealthy), and how long the
oldest notification has waited to be sent (too long: unhealthy)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Case, Count, F, Min, Q, When
from django.http import HttpRequest, JsonResponse
from django.utils import timezone

JOBS = {"sla_sweep": ("sla-sweep", "HEALTH_SWEEP_MAX_AGE"),
        "delivery": ("deliver-notifications", "HEALTH_DELIVERY_MAX_AGE")}
FAILED_WINDOW = timedelta(hours=24)


def _database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # any failure to answer is the finding
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True}


def _broker() -> dict:
    from django_q.brokers import get_broker

    try:
        answered = get_broker().ping()
    except Exception as error:
        return {"ok": False, "error": type(error).__name__}
    return {"ok": bool(answered)}


def _job(name: str, limit: int, now: datetime) -> dict:
    from escalations.models import JobRun

    try:
        finished = JobRun.objects.filter(name=name).values_list("finished_at", flat=True).first()
    except Exception as error:
        return {"ok": False, "error": type(error).__name__}
    if finished is None:
        return {"ok": False, "age_seconds": None, "max_age_seconds": limit}
    age = int((now - finished).total_seconds())
    return {"ok": age <= limit, "age_seconds": age, "max_age_seconds": limit}


def notifications_check(*, now: datetime | None = None) -> dict:
    """Return how long the oldest unsent notification has waited, and how many failed lately.

    Unhealthy when a notification that should have gone out is still unsent (queued, waiting
    for a retry, or being sent) after HEALTH_OUTBOX_MAX_AGE seconds: the mail server or a chat
    webhook has been failing for that long (or the message is stuck). A notification waits
    from when it was queued; one queued again by staff (Retry, which resets its attempts)
    waits from then, so that retrying old failures does not turn the check red. Counting
    records waiting for a retry, and not only those due right now, is what keeps the check red
    through an outage: between attempts a failing record is not due.

    `failed_last_24h` counts the records that failed for good (attempts exhausted, refused by
    the receiver, or outcome unknown) whose last attempt was due in the last 24 hours. It is
    reported, not judged: each such message is shown as failed, with its error and a Retry
    action, in the admin outbox, and one bad address or removed webhook is a problem of one
    message, not of the service; failing the check for a day after it would make the check
    useless as an alarm (and take the site out of a load balancer for nothing). An outage long
    enough to exhaust the attempts has kept the check red for hours before anything failed.

    `unsent` counts the records waiting (one queued for a later time is not counted before
    it). Two queries on the outbox's (status, next_attempt_at) index; the unsent records
    are few in normal operation.
    """
    from escalations.models import Notification, NotificationStatus

    now = now or timezone.now()
    limit = settings.HEALTH_OUTBOX_MAX_AGE
    waiting_since = Case(When(attempts=0, then=F("next_attempt_at")), default=F("created_at"))
    try:
        unsent = Notification.objects.filter(
            Q(attempts__gt=0) | Q(next_attempt_at__lte=now),
            status__in=(NotificationStatus.QUEUED, NotificationStatus.SENDING),
        ).aggregate(since=Min(waiting_since), count=Count("pk"))
        failed = Notification.objects.filter(
            status=NotificationStatus.FAILED, next_attempt_at__gt=now - FAILED_WINDOW,
            next_attempt_at__lte=now,
        ).count()
    except Exception as error:
        return {"ok": False, "error": type(error).__name__}
    age = None
    if unsent["since"] is not None:
        age = max(int((now - unsent["since"]).total_seconds()), 0)
    return {"ok": age is None or age <= limit, "oldest_unsent_age_seconds": age,
            "max_age_seconds": limit, "unsent": unsent["count"], "failed_last_24h": failed}


def health_checks(*, now: datetime | None = None) -> dict[str, dict]:
    """Return what each check found at now."""
    now = now or timezone.now()
    checks = {"database": _database(), "broker": _broker()}
    for key, (name, setting) in JOBS.items():
        checks[key] = _job(name, getattr(settings, setting), now)
    checks["notifications"] = notifications_check(now=now)
    return checks


def health(request: HttpRequest) -> JsonResponse:
    """Answer 200 when every check passes, else 503; the body says what each check found."""
    checks = health_checks()
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unhealthy", "checks": checks},
                        status=200 if healthy else 503)
