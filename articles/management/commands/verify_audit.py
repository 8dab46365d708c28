from django.core.management.base import BaseCommand, CommandError

from articles import audit


class Command(BaseCommand):
    help = "Check the audit trail's hash chain; name every event that was changed or deleted."

    def handle(self, *args, **options) -> None:
        checked, breaks = audit.verify()
        if breaks:
            for item in breaks:
                self.stderr.write(str(item))
            raise CommandError(
                f"The audit trail has been tampered with: {len(breaks)} problem(s) in "
                f"{checked} events."
            )
        self.stdout.write(f"The audit trail is intact: {checked} events, chain verified.")
