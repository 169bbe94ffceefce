"""manage.py export_cases: write cases as a tracker (CSV, XLSX or JSON)."""

import sys
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from escalations.choices import CaseState
from escalations.models import Case
from escalations.resources import CaseResource


def parse_since(value: str) -> datetime:
    """Parse --since (a date or date-time, in the project's time zone when naive)."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--since: '{value}' is not a date (use 2026-11-01).") from error
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class Command(BaseCommand):
    help = "Export cases with the canonical tracker columns plus due_at and sla_breached."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--format", choices=["csv", "xlsx", "json"], default="csv")
        parser.add_argument("--output", help="File to write (default: standard output).")
        parser.add_argument("--state", choices=CaseState.values, help="Only cases in this state.")
        parser.add_argument("--since", type=parse_since,
                            help="Only cases opened on or after this date.")

    def handle(self, *args, format: str, output=None, state=None, since=None, **options):
        queryset = Case.objects.order_by("opened_at", "pk")
        if state:
            queryset = queryset.filter(state=state)
        if since:
            queryset = queryset.filter(opened_at__gte=since)
        dataset = CaseResource().export(queryset=queryset)
        content = dataset.export(format)
        if output:
            mode = "wb" if isinstance(content, bytes) else "w"
            with open(output, mode) as handle:
                handle.write(content)
            self.stderr.write(f"Exported {len(dataset)} cases to {output}.")
        elif isinstance(content, bytes):
            sys.stdout.buffer.write(content)
        else:
            self.stdout.write(content)
