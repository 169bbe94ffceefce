"""manage.py seed_demo: demo logins (one per role) and demo cases."""

from django.core.management.base import BaseCommand
from django.db import transaction

from escalations.services.demo_data import DEMO_PASSWORD, demo_cases_create, demo_users_create


class Command(BaseCommand):
    help = "Create a demo superuser, one demo user per role, and N demo cases (deterministic)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--cases", type=int, default=100, help="How many cases to add.")
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed (same seed, same data)."
        )

    def handle(self, *args, cases: int, seed: int, **options) -> None:
        with transaction.atomic():
            self._seed(cases, seed)

    def _seed(self, cases: int, seed: int) -> None:
        logins = demo_users_create()
        self.stdout.write(f"Demo logins (password '{DEMO_PASSWORD}'):")
        for username, role in logins:
            self.stdout.write(f"  {username:<18} {role}")
        created = demo_cases_create(count=cases, seed=seed)
        self.stdout.write(f"Created {created} demo cases.")
