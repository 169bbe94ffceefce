"""manage.py sla_sweep [--now ISO-8601]: run one SLA sweep and print one JSON line."""

import json
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from escalations.sla.sweep import BATCH_SIZE, sla_sweep


def parse_now(value: str) -> datetime:
    """Parse an ISO-8601 moment; a naive one is in the project's time zone."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--now: '{value}' is not an ISO-8601 date-time.") from error
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class Command(BaseCommand):
    help = "Promote overdue cases, warn those at risk, flag unacknowledged ones; print JSON."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--now", type=parse_now, default=None,
                            help="Run as if it were this moment (ISO-8601).")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)

    def handle(self, *args, now=None, batch_size: int = BATCH_SIZE, **options) -> None:
        result = sla_sweep(now=now, batch_size=batch_size)
        keys = ("promoted", "warned", "checked", "now")
        self.stdout.write(json.dumps({key: result[key] for key in keys}))
