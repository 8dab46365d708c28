"""Workflow and audit benchmark: prints milliseconds and queries per transition, and how fast
`verify_audit` walks the chain.

    .venv/bin/python bench/workflow.py [--articles 200]

Uses DATABASE_URL if set, otherwise a throw-away SQLite file.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import signer  # noqa: E402 - needs the project on the path


def setup() -> None:
    if not os.environ.get("DATABASE_URL"):
        path = Path(tempfile.mkdtemp()) / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    from bench.environment import local_production

    local_production()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    call_command("migrate", verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=200)
    args = parser.parse_args()
    setup()

    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from articles import audit, workflow
    from articles.models import Article
    from articles.roles import Role, grant

    User = get_user_model()
    suffix = str(time.time_ns())
    users = {}
    for role in (Role.WRITER, Role.REVIEWER, Role.EDITOR):
        user = User.objects.create_user(f"{role.name.lower()}-{suffix}", password="pw")
        grant(user, role)
        users[role] = user
    writer, reviewer, editor = users[Role.WRITER], users[Role.REVIEWER], users[Role.EDITOR]
    signer.ready_to_sign(reviewer)
    sentence = "Blood pressure is the force of blood on artery walls."
    body = "<p>" + " ".join([sentence] * 150) + "</p>"

    steps = {
        "save_revision": lambda a: workflow.save_revision(a, writer),
        "submit": lambda a: workflow.submit(a, writer),
        "approve": lambda a: workflow.approve(a, reviewer, **signer.credentials(reviewer, "pw")),
        "publish": lambda a: workflow.publish(a, editor),
    }
    timings: dict[str, list[float]] = {name: [] for name in steps}
    queries: dict[str, int] = {}
    for i in range(args.articles):
        article = Article(title=f"Article {i}", slug=f"bench-{suffix}-{i}", body=body, owner=writer)
        for name, step in steps.items():
            reset_queries()
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                step(article)
                timings[name].append((time.perf_counter() - start) * 1000)
            queries[name] = len(captured)

    print(f"database: {connection.vendor}; {args.articles} articles through the workflow")
    print(f"{'transition':<15}{'p50 ms':>10}{'p95 ms':>10}{'queries':>10}")
    for name, values in timings.items():
        values.sort()
        p95 = values[int(len(values) * 0.95) - 1]
        print(f"{name:<15}{statistics.median(values):>10.2f}{p95:>10.2f}{queries[name]:>10}")

    start = time.perf_counter()
    checked, breaks = audit.verify()
    elapsed = time.perf_counter() - start
    print(
        f"verify_audit: {checked} events in {elapsed * 1000:.0f} ms "
        f"({checked / elapsed:,.0f} events/s), {len(breaks)} breaks"
    )


if __name__ == "__main__":
    main()
