"""manage.py monthly_report --month YYYY-MM [--output PATH] [--team NAME]: build the workbooks.

Like the schedule, it builds the standard report (without confidential cases; the one written
to --output) and, when the scope has confidential cases, the restricted report that includes
them (stored only, for those who may see confidential cases), one output line each.
"""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Team
from reports.periods import parse_month
from reports.services import monthly_reports_build


class Command(BaseCommand):
    help = ("Build the monthly escalation workbook (organisation-wide, or one team's), and the "
            "restricted one including confidential cases if the scope has any.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--month", required=True, help="The month, as YYYY-MM.")
        parser.add_argument("--output", help="Also write the workbook (without confidential "
                            "cases) to this path.")
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
        for report in monthly_reports_build(period=period, team=scope_team, output=output):
            where = report.file.path if report.includes_confidential or not output else output
            self.stdout.write(f"Report {period.label} ({report.audience}): {report.cases} "
                              f"cases → {where}")
