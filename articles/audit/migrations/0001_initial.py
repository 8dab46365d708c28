"""The audit trail's models leave `articles` for their own app. Nothing in the database moves:
the tables keep their names (`db_table`), so the triggers of articles 0012 still refuse rewriting
events on PostgreSQL; the models are created in the migration state only, and the content types
are relabelled in place, so their ids (which the events hash, and which permissions and group
grants point at) stay the same. articles 0020 then removes the models from articles' state."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MODELS = ("auditevent", "audithead")


def relabel(apps, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    for model in MODELS:
        row = ContentType.objects.filter(app_label=old, model=model).first()
        if row is None:  # a new database: post_migrate creates the content types afterwards
            continue
        stray = ContentType.objects.filter(app_label=new, model=model).first()
        if stray is not None:
            # Created by a post_migrate that ran with the new code before this migration: only
            # its default permissions hang off it. The old row, which the records point at, wins.
            Permission.objects.filter(content_type=stray).delete()
            stray.delete()
        row.app_label = new
        row.save(update_fields=["app_label"])
    # The process-wide cache may hold the rows under their old labels.
    from django.contrib.contenttypes.models import ContentType as LiveContentType

    LiveContentType.objects.clear_cache()


def forwards(apps, schema_editor):
    relabel(apps, "articles", "audit")


def backwards(apps, schema_editor):
    relabel(apps, "audit", "articles")


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0019_review_assignment_compliance_email_opt_outs'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='AuditHead',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('sequence', models.PositiveBigIntegerField(default=0)),
                        ('hash', models.CharField(default='0000000000000000000000000000000000000000000000000000000000000000', max_length=64)),
                    ],
                    options={
                        'db_table': 'articles_audithead',
                    },
                ),
                migrations.CreateModel(
                    name='AuditEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('actor_name', models.CharField(help_text="Username, or 'system' for jobs.", max_length=150)),
                        ('action', models.CharField(db_index=True, max_length=40)),
                        ('object_id', models.PositiveBigIntegerField(null=True)),
                        ('object_repr', models.CharField(blank=True, max_length=255)),
                        ('revision_id', models.PositiveBigIntegerField(null=True)),
                        ('revision_number', models.PositiveIntegerField(null=True)),
                        ('from_state', models.CharField(blank=True, max_length=20)),
                        ('to_state', models.CharField(blank=True, max_length=20)),
                        ('detail', models.JSONField(blank=True, default=dict)),
                        ('created_at', models.DateTimeField()),
                        ('sequence', models.PositiveBigIntegerField(unique=True)),
                        ('revision_hash', models.CharField(blank=True, max_length=64)),
                        ('prev_hash', models.CharField(max_length=64)),
                        ('key_id', models.CharField(blank=True, max_length=12)),
                        ('hash', models.CharField(max_length=64, unique=True)),
                        ('actor', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('content_type', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, to='contenttypes.contenttype')),
                    ],
                    options={
                        'db_table': 'articles_auditevent',
                        'ordering': ['sequence'],
                        'indexes': [models.Index(fields=['content_type', 'object_id', 'sequence'], name='articles_au_content_9dead9_idx')],
                    },
                ),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
