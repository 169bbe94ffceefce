"""The sweeper: a long-running process that runs the SLA sweep every few seconds.

The scheduled task runs the sweep once a minute, so a case waits up to a minute past its
deadline, longer when django-q2's scheduler (which looks at its schedules every 30 seconds)
starts a run late. The sweeper
(`manage.py sla_sweep --every 10`) sweeps every 10 seconds instead. Several may run, on
different machines: the one holding the "sla-sweep" lease sweeps, the others stand by and take
over within a lease's time when it stops. While a sweeper holds the lease, the scheduled task
skips its run; when none is running, the scheduled task still sweeps every minute.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import close_old_connections
from django.utils import timezone

from escalations.sla.leases import job_finished, lease_acquire, lease_release
from escalations.sla.sweep import BATCH_SIZE, sla_sweep

logger = logging.getLogger(__name__)

SWEEP_LEASE = "sla-sweep"


class Sweeper:
    """Sweep at each tick while holding the sweep lease; stand by otherwise."""

    def __init__(self, *, every: float, batch_size: int = BATCH_SIZE,
                 clock: Callable[[], datetime] = timezone.now) -> None:
        self.every = every
        self.batch_size = batch_size
        self.clock = clock
        self.holder = uuid.uuid4().hex
        # A standby takes over this long after a stop. A sweep outlasting it (a backlog of tens
        # of thousands) may overlap the standby's, which is safe (each case is locked and its
        # version checked), only wasteful.
        self.ttl = timedelta(seconds=max(60.0, 3 * every))

    def tick(self, now: datetime | None = None) -> dict | None:
        """Renew or take the lease and sweep; return what the sweep did, None when standing by."""
        now = now or self.clock()
        if not lease_acquire(name=SWEEP_LEASE, holder=self.holder, ttl=self.ttl, now=now):
            return None
        result = sla_sweep(now=now, batch_size=self.batch_size)
        job_finished(name=SWEEP_LEASE, now=self.clock())
        return result

    def run(self, *, stop: threading.Event, report: Callable[[dict], None]) -> None:
        """Tick every `every` seconds until stop is set, then give the lease back.

        A failed tick (the database restarting, say) is logged and the next tick tries again
        on a fresh connection; every case a failed sweep did not finish is still due.
        """
        try:
            while not stop.is_set():
                close_old_connections()  # drop a connection the database has closed
                try:
                    result = self.tick()
                except Exception:
                    logger.exception("SLA sweep failed; trying again in %s s.", self.every)
                else:
                    if result is not None:
                        report(result)
                stop.wait(self.every)
        finally:
            try:
                lease_release(name=SWEEP_LEASE, holder=self.holder)
            except Exception:  # the lease then expires on its own
                logger.exception("Could not give back the SLA sweep lease.")
