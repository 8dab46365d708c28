from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from articles import demo


class Command(BaseCommand):
    help = (
        "Load demo users (one per role, with printed passwords) and demo articles in every "
        "workflow state. For local use only; running it twice changes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load even though DEBUG is off. The demo users have published passwords.",
        )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "Refusing to create demo users with published passwords while DEBUG is off. "
                "Run with DEBUG=1 on a local machine, or pass --force."
            )
        # The demo's own workflow steps would otherwise print a dozen notification emails.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            result = demo.load()
        self.stdout.write(
            f"Demo content ready ({result['articles_created']} new articles).\n\n"
            "Open http://127.0.0.1:8000/ for the public site and "
            "http://127.0.0.1:8000/admin/ for the staff workspace.\n\n"
            "Demo logins (local use only):"
        )
        for spec in demo.USERS:
            roles = ", ".join(role.value for role in spec.roles)
            self.stdout.write(f"  {spec.username:<10} password {spec.password:<16} {roles}")
        self.stdout.write(
            "\nWhat to try:\n"
            "  - As reviewer, open “Knee osteoarthritis: exercise and pain relief” (in review) "
            "and approve it: you will be asked for your password, because approving is a "
            "signature.\n"
            "  - As writer, open “Sleeping well after surgery” to read the changes the reviewer "
            "asked for, then edit and resubmit it.\n"
            "  - As editor, publish “Preparing for your first physiotherapy visit”.\n"
            "  - As writer, edit the published blood-pressure guide: the public page keeps the "
            "approved version until the new one is approved and published.\n"
            "  - As writer, open “Understanding your cholesterol test”: the publication gate "
            "explains why it cannot be submitted yet (it cites no source). The same findings: "
            "python manage.py check_article cholesterol-test\n"
            "  - Import a clinic's blog export and see every problem the gate finds: "
            "python manage.py import_posts PATH --dry-run\n"
            "  - Drafts are not on the public site: "
            "http://127.0.0.1:8000/articles/cholesterol-test/ answers 404."
        )
