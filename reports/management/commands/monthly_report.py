"""manage.py monthly_report --month YYYY-MM [--output PATH]: build a month's workbook."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Team
from reports.periods import parse_month
from reports.services import monthly_report_generate, monthly_report_request


class Command(BaseCommand):
    help = "Build the monthly escalation workbook (organisation-wide, or one team's)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--month", required=True, help="The month, as YYYY-MM.")
        parser.add_argument("--output", help="Also write the workbook to this path.")
        parser.add_argument("--team", help="Only this team's cases (name or slug).")

    def handle(self, *args, month: str, output=None, team=None, **options) -> None:
        try:
            period = parse_month(month)
        except ValueError as error:
            raise CommandError(str(error)) from error
        scope_team = None
        if team:
            scope_team = (Team.objects.filter(slug=team).first()
                          or Team.objects.filter(name__iexact=team).first())
            if scope_team is None:
                raise CommandError(f"Unknown team '{team}'.")
        report = monthly_report_request(period=period, team=scope_team)
        report = monthly_report_generate(report=report, period=period, output=output)
        where = output or report.file.path
        self.stdout.write(f"Report {period.label} ({report.scope}): {report.cases} cases → "
                          f"{where}")
