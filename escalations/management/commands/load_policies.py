"""manage.py load_policies: create the documents' roles, teams, policies and categories."""

import json

from django.core.management.base import BaseCommand

from escalations.services.reference_loading import reference_data_load


class Command(BaseCommand):
    help = (
        "Create the roles, teams, escalation policies, tiers and categories of the policy "
        "documents where missing (idempotent). --overwrite restores the documents' values."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--overwrite", action="store_true",
            help="Restore the documents' values over admin edits.",
        )

    def handle(self, *args, overwrite: bool = False, **options) -> None:
        counts = reference_data_load(overwrite=overwrite)
        self.stdout.write(json.dumps(counts or {"unchanged": True}, sort_keys=True))
