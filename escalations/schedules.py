"""The django-q2 schedules of the project, created idempotently after migrate."""

from __future__ import annotations

SCHEDULES = [
    # name, function, schedule type, minutes
    ("sla-sweep", "escalations.tasks.run_sla_sweep", "I", 1),
]


def schedules_ensure() -> None:
    """Create or update every schedule by name (schedule names are not unique in django-q2)."""
    from django_q.models import Schedule

    for name, func, kind, minutes in SCHEDULES:
        existing = Schedule.objects.filter(name=name).order_by("id")
        first = existing.first()
        if first is None:
            Schedule.objects.create(name=name, func=func, schedule_type=kind, minutes=minutes,
                                    repeats=-1)
            continue
        existing.exclude(pk=first.pk).delete()
        if (first.func, first.schedule_type, first.minutes) != (func, kind, minutes):
            first.func, first.schedule_type, first.minutes = func, kind, minutes
            first.save()
