"""The health check for load balancers and monitoring: the database, the task broker, and how
long ago the SLA sweep and the delivery run last finished (stale: unhealthy)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone

JOBS = {"sla_sweep": ("sla-sweep", "HEALTH_SWEEP_MAX_AGE"),
        "delivery": ("deliver-notifications", "HEALTH_DELIVERY_MAX_AGE")}


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


def health(request: HttpRequest) -> JsonResponse:
    """Answer 200 when every check passes, else 503; the body says what each check found."""
    now = timezone.now()
    checks = {"database": _database(), "broker": _broker()}
    for key, (name, setting) in JOBS.items():
        checks[key] = _job(name, getattr(settings, setting), now)
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unhealthy", "checks": checks},
                        status=200 if healthy else 503)
