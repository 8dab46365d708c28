from django.core.management.base import BaseCommand

from articles import jobs


class Command(BaseCommand):
    help = (
        "Do the periodic work: publish due scheduled content, unpublish expired content, flag "
        "overdue reviews, re-check cited sources for retractions, and delete readers' personal "
        "data past its retention period. Safe to run from cron "
        "every minute."
    )

    def handle(self, *args, **options) -> None:
        report = jobs.run_all()
        for line in report.lines():
            self.stdout.write(line)
