"""manage.py import_tracker PATH: import a legacy escalation tracker, all or nothing."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from escalations.imports.engine import tracker_import
from escalations.services.reference_loading import system_user


class Command(BaseCommand):
    help = (
        "Import an escalation tracker (CSV, XLSX or JSON). Prints one JSON line "
        '{"created", "updated", "skipped", "errors"} and exits 1 on any error; with any error '
        "nothing is written."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="The tracker file.")
        parser.add_argument("--format", choices=["csv", "xlsx", "json"], default=None,
                            help="Default: from the file name or content.")
        parser.add_argument("--dry-run", action="store_true",
                            help="Check every row and report; write nothing.")
        parser.add_argument("--map", action="append", default=[], metavar='"Header=field"',
                            help="Map a legacy header to a column (or =ignore). Repeatable.")
        parser.add_argument(
            "--set", action="append", default=[], dest="set_values", metavar='column="value"',
            help="Give every row a value for a column, e.g. --set team=\"Customer Service\" "
                 "for a single team's tracker without a team column. The value fills only "
                 "blank cells when the file has the column (map the column to ignore to "
                 "replace it), and is checked like a cell. Repeatable.",
        )

    def handle(self, *args, path: str, format=None, dry_run=False, map=(), set_values=(),
               **options) -> None:
        file = Path(path)
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}.") from error
        actor = system_user()
        actor.is_superuser = True  # the command line is an administrator's tool
        report = tracker_import(data=data, file_name=file.name, actor=actor, fmt=format,
                                mappings=list(map), set_values=list(set_values),
                                dry_run=dry_run)
        summary = report.as_json()
        self.stdout.write(json.dumps(summary, default=str))
        if summary["errors"]:
            raise SystemExit(1)
