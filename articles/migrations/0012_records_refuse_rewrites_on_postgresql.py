"""On PostgreSQL, the database itself refuses UPDATE and DELETE on the records: audit events,
revisions and signatures. The models refuse too, but only for code that goes through them; these
triggers hold for raw SQL, other programs and anyone with the application's database login.

TRUNCATE is not a row operation, so test databases can still be flushed (and an operator who
means to wipe a database can); the anchor kept outside the database makes a wiped trail visible.
Nothing in the application updates or deletes these rows: content is never deleted, only
unpublished. On SQLite (local use) this migration does nothing."""

from django.db import migrations

TABLES = ("articles_auditevent", "articles_revision", "articles_signature")

FUNCTION = """
CREATE OR REPLACE FUNCTION vetted_refuse_record_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% rows are records: they are never updated or deleted', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_is_a_record BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION vetted_refuse_record_change()"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_is_a_record ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS vetted_refuse_record_change()")


class Migration(migrations.Migration):
    dependencies = [('articles', '0011_keyed_audit_trail')]

    operations = [migrations.RunPython(create, drop)]
