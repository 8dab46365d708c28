"""Search over published content: the SearchEntry table and, per database, its full-text index.

PostgreSQL: a stored generated tsvector column `document` (title weighted A, summary B, body C,
'english' configuration) with a GIN index. Chosen over an expression index because ranking reads
the stored vector instead of re-parsing every matching body, and queries need not repeat the
expression byte for byte for the planner to use the index; PostgreSQL keeps it in step with every
write of the row, so nothing else maintains it. "<" is read as U+E000 because PostgreSQL's parser
takes "<script>" in plain text for a tag and skips what follows it.

SQLite: an FTS5 table (porter stemming over unicode61) keyed by article id, kept by
`articles.search.index`. It holds its own copy of the text rather than pointing at
articles_searchentry, so a later table rebuild by Django cannot leave it unreadable.

Existing live articles are indexed by `manage.py rebuild_search_index`, not here, so this file
need not copy the application's text extraction.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.utils import OperationalError

TABLE = "articles_searchentry"
FTS_TABLE = "articles_search_fts"
GIN_INDEX = "articles_searchentry_document_gin"


def _weighted(column: str, weight: str) -> str:
    return (
        f"setweight(to_tsvector('english'::regconfig, translate({column}, '<', chr(57344))), "
        f"'{weight}')"
    )


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        document = " || ".join(
            [_weighted("title", "A"), _weighted("summary", "B"), _weighted("body", "C")]
        )
        schema_editor.execute(
            f"ALTER TABLE {TABLE} ADD COLUMN document tsvector "
            f"GENERATED ALWAYS AS ({document}) STORED"
        )
        schema_editor.execute(f"CREATE INDEX {GIN_INDEX} ON {TABLE} USING gin (document)")
    elif vendor == "sqlite":
        try:
            schema_editor.execute(
                f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5("
                "title, summary, body, tokenize = 'porter unicode61 remove_diacritics 2')"
            )
        except OperationalError as error:
            if "fts5" not in str(error):
                raise
            import sqlite3

            raise RuntimeError(
                f"Search needs SQLite's FTS5 module, and the SQLite {sqlite3.sqlite_version} "
                "this Python uses was built without it. Use a Python whose sqlite3 includes "
                "FTS5, or PostgreSQL (DATABASE_URL)."
            ) from error


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {GIN_INDEX}")
        schema_editor.execute(f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS document")
    elif vendor == "sqlite":
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0006_images_rendering_featured'),
    ]

    operations = [
        migrations.CreateModel(
            name='SearchEntry',
            fields=[
                ('article', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='search_entry', serialize=False, to='articles.article')),
                ('title', models.TextField()),
                ('summary', models.TextField(blank=True)),
                ('body', models.TextField(blank=True)),
                ('indexed_at', models.DateTimeField(auto_now=True)),
                ('revision', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='articles.revision')),
            ],
            options={
                'verbose_name_plural': 'search entries',
            },
        ),
        migrations.RunPython(create_index, drop_index),
    ]
