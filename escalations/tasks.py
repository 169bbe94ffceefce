"""django-q2 entry points: take ids or nothing, call a service; no rules here."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from escalations.sla.leases import job_finished, leased
from escalations.sla.sweep import sla_sweep
from escalations.sla.sweeper import SWEEP_LEASE

logger = logging.getLogger(__name__)

DELIVERY_JOB = "deliver-notifications"


def deliver_notifications() -> dict[str, int]:
    """Queue the notifications of pending events, then deliver those whose time has come."""
    from escalations.notifications.delivery import deliver_due
    from escalations.notifications.outbox import outbox_queue_pending_events

    try:
        outbox_queue_pending_events()
    except Exception:  # what is queued already must still go out; the next run retries
        logger.exception("Queueing the notifications of pending events failed.")
    counts = deliver_due()
    job_finished(name=DELIVERY_JOB)
    return counts


def send_daily_digest() -> int:
    """Queue the daily digest of open escalations for every manager."""
    from escalations.notifications.digest import digest_send

    return digest_send()


def run_sla_sweep() -> dict[str, Any] | None:
    """Run the SLA sweep unless another worker, or a sweeper (`sla_sweep --every`), holds it."""
    # A worker killed mid-sweep blocks the next runs for the lease's two minutes at most; a
    # sweep outlasting it may overlap the next, which is safe (each case is locked and its
    # version checked), only wasteful.
    with leased(SWEEP_LEASE, ttl=timedelta(minutes=2)) as acquired:
        if not acquired:
            logger.info("SLA sweep skipped: another worker holds the lease.")
            return None
        result = sla_sweep()
        job_finished(name=SWEEP_LEASE)
        return result
