"""`manage.py rebuild_search_index`: index every live article again, from scratch.

For a database that predates search and after restoring a backup. Safe to run at any time and
more than once: it replaces the whole index in one transaction.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from articles.search import index


class Command(BaseCommand):
    help = "Rebuild the public search index from every article's live revision."

    def handle(self, *args, **options) -> None:
        count = index.rebuild()
        noun = "article" if count == 1 else "articles"
        self.stdout.write(f"Indexed {count} live {noun}.")
