import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from articles import demo
from articles.accounts import factors
from articles.importers import ImportFailed
from articles.workflow import WorkflowError


class Command(BaseCommand):
    help = (
        "Load demo users (one per role, with printed passwords) and a clinic's blog export, "
        "imported and taken through the workflow to every state. For local use only; running it "
        "twice changes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load even though DEBUG is off. The demo users have published passwords.",
        )
        parser.add_argument(
            "--codes",
            action="store_true",
            help="Only print the demo users' current authenticator codes.",
        )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "Refusing to create demo users with published passwords while DEBUG is off. "
                "Run with DEBUG=1 on a local machine, or pass --force."
            )
        if options["codes"]:
            self._print_codes()
            return
        # The demo's own workflow steps would otherwise print (or, in production, queue for the
        # worker to send) a dozen notification emails to the demo users.
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
            TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
        ):
            try:
                result = demo.load()
            except (demo.DemoError, ImportFailed, WorkflowError) as error:
                raise CommandError(f"The demo was not loaded: {error}") from None
        self.stdout.write(
            f"Demo content ready ({result.articles_created} new articles from "
            f"{demo.export_path()}, imported as drafts and taken through review by the demo "
            "users).\n\n"
            "Open http://127.0.0.1:8000/ for the public site and "
            "http://127.0.0.1:8000/admin/ for the staff workspace.\n\n"
            "Demo logins (local use only):"
        )
        for spec in demo.USERS:
            roles = ", ".join(role.value for role in spec.roles)
            self.stdout.write(f"  {spec.username:<10} password {spec.password:<16} {roles}")
        self.stdout.write(
            "\nReviewer, editor and admin also enter a code from an authenticator (two-step "
            "sign-in, and every signature). Their keys are published like the passwords: add "
            "one to an authenticator app, or print the current codes with\n"
            "  python manage.py demo --codes"
        )
        self._print_codes()
        self.stdout.write("\nWhat to try:")
        for line in demo.what_to_try(result):
            self.stdout.write(f"  - {line}")

    def _print_codes(self) -> None:
        """Each demo user's authenticator key and the code it shows now (each code works once;
        a new one comes every 30 seconds)."""
        seconds_left = 30 - int(time.time()) % 30
        if seconds_left < 5:  # too late to type: wait for the next code
            time.sleep(seconds_left)
            seconds_left = 30
        self.stdout.write(f"\nAuthenticator codes now (valid for {seconds_left} more seconds):")
        for user in demo.users_with_codes():
            key = factors.secret_text(factors.confirmed_device(user))
            self.stdout.write(f"  {user.username:<10} code {demo.current_code(user)}   key {key}")
