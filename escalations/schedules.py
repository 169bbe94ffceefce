"""The django-q2 schedules of the project, created idempotently after migrate."""

from __future__ import annotations

SCHEDULES = [
    # name, function, schedule type (I: every N minutes, C: cron), minutes, cron
    ("sla-sweep", "escalations.tasks.run_sla_sweep", "I", 1, None),
    ("deliver-notifications", "escalations.tasks.deliver_notifications", "I", 1, None),
    ("daily-digest", "escalations.tasks.send_daily_digest", "C", None, "0 8 * * 1-5"),
    ("monthly-report", "reports.tasks.generate_last_months_report", "C", None, "0 6 1 * *"),
    ("reports-recover", "reports.tasks.recover_stalled_reports", "I", 1, None),
]


def schedules_ensure() -> None:
    """Create or update every schedule by name (schedule names are not unique in django-q2)."""
    from django_q.models import Schedule

    for name, func, kind, minutes, cron in SCHEDULES:
        existing = Schedule.objects.filter(name=name).order_by("id")
        first = existing.first()
        if first is None:
            Schedule.objects.create(name=name, func=func, schedule_type=kind, minutes=minutes,
                                    cron=cron, repeats=-1)
            continue
        existing.exclude(pk=first.pk).delete()
        if (first.func, first.schedule_type, first.minutes, first.cron) != (
            func, kind, minutes, cron
        ):
            first.func, first.schedule_type, first.minutes, first.cron = func, kind, minutes, cron
            first.save()
