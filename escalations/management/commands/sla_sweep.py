"""manage.py sla_sweep [--now ISO-8601] [--every SECONDS]: run the SLA sweep, print JSON lines.

Without --every: one sweep, one JSON line. With --every: a sweeper that sweeps every SECONDS
until stopped (SIGTERM or Ctrl-C), printing one line per sweep that found cases to check (the
health check tells when it last swept); several sweepers on different machines share the work
through a lease (one sweeps, the others stand by).
"""

import json
import signal
import threading
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from escalations.sla.sweep import BATCH_SIZE, sla_sweep
from escalations.sla.sweeper import Sweeper

KEYS = ("promoted", "warned", "checked", "now")


def parse_now(value: str) -> datetime:
    """Parse an ISO-8601 moment; a naive one is in the project's time zone."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--now: '{value}' is not an ISO-8601 date-time.") from error
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def positive_seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError as error:
        raise CommandError(f"--every: '{value}' is not a number of seconds.") from error
    if not 1 <= seconds <= 3600:
        raise CommandError(f"--every: {value} is not between 1 and 3600 seconds.")
    return seconds


class Command(BaseCommand):
    help = "Promote overdue cases, warn those at risk, flag unacknowledged ones; print JSON."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--now", type=parse_now, default=None,
                            help="Run as if it were this moment (ISO-8601).")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
        parser.add_argument("--every", type=positive_seconds, default=None, metavar="SECONDS",
                            help="Keep sweeping every SECONDS until stopped (a sweeper).")

    def handle(self, *args, now=None, batch_size: int = BATCH_SIZE, every=None,
               **options) -> None:
        if every is None:
            self._print(sla_sweep(now=now, batch_size=batch_size))
            return
        if now is not None:
            raise CommandError("--now and --every cannot be used together.")
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        Sweeper(every=every, batch_size=batch_size).run(
            stop=stop, report=lambda result: result["checked"] and self._print(result))

    def _print(self, result: dict) -> None:
        self.stdout.write(json.dumps({key: result[key] for key in KEYS}))
        self.stdout.flush()
