"""The development server with the periodic jobs beside it, in the same process: `make run` uses
it, so content scheduled in the demo goes live on time without cron, and the page cache (local
memory, one per process) sees what the jobs publish."""

import threading

from django.contrib.staticfiles.management.commands.runserver import Command as RunserverCommand

from articles import jobs


class Command(RunserverCommand):
    help = (
        "Run the development server and, on a thread beside it, the periodic work of run_jobs "
        "(scheduled publishing, expiry, overdue reviews…) every minute."
    )

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--jobs-every",
            type=int,
            default=60,
            help="Seconds between two runs of the periodic jobs (default 60).",
        )

    def inner_run(self, *args, **options) -> None:
        # inner_run is the serving process (under the autoreloader, its child), so the loop
        # runs once, where the pages are served, and stops with it (a daemon thread).
        every = options["jobs_every"]
        if every < 1:
            self.stderr.write("--jobs-every must be at least 1 second.")
            raise SystemExit(2)
        stop = threading.Event()
        thread = threading.Thread(
            target=jobs.run_every,
            args=(every, stop, self.stdout.write),
            name="vetted-periodic-jobs",
            daemon=True,
        )
        thread.start()
        self.stdout.write(f"Periodic jobs run every {every} seconds beside the server.")
        try:
            super().inner_run(*args, **options)
        finally:
            stop.set()
