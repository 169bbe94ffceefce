"""Leases: at most one holder of a named job at a time, across processes and machines."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from escalations.models import JobLease, JobRun


def lease_acquire(*, name: str, holder: str, ttl: timedelta, now: datetime) -> bool:
    """Take the lease if it is free or expired (one conditional UPDATE); return True if taken."""
    expires = now + ttl
    taken = JobLease.objects.filter(Q(name=name) & (Q(expires_at__lte=now) | Q(holder=holder)))
    if taken.update(holder=holder, expires_at=expires):
        return True
    try:
        with transaction.atomic():
            JobLease.objects.create(name=name, holder=holder, expires_at=expires)
        return True
    except IntegrityError:
        return False


def lease_release(*, name: str, holder: str) -> None:
    """Give the lease back if we still hold it."""
    JobLease.objects.filter(name=name, holder=holder).update(holder="", expires_at=timezone.now())


@contextmanager
def leased(name: str, *, ttl: timedelta, now: datetime | None = None) -> Iterator[bool]:
    """Yield True while holding the named lease, False if someone else holds it."""
    holder = uuid.uuid4().hex
    acquired = lease_acquire(name=name, holder=holder, ttl=ttl, now=now or timezone.now())
    try:
        yield acquired
    finally:
        if acquired:
            lease_release(name=name, holder=holder)


def job_finished(*, name: str, now: datetime | None = None) -> None:
    """Record that the scheduled job name has just finished (read by the health check)."""
    JobRun.objects.update_or_create(name=name, defaults={"finished_at": now or timezone.now()})
