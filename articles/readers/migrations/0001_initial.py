"""The readers' models leave `articles` for their own app. Nothing in the database moves: the
tables keep their names (`db_table`), the models are created in the migration state only, and the
content types are relabelled in place, so their ids (which audit events hash, and which
permissions, group grants and admin log entries point at) stay the same. articles 0020 then
removes the models from articles' state."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MODELS = ("consenttext", "informationrequest", "newslettersubscription", "feedback")


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
    relabel(apps, "articles", "readers")


def backwards(apps, schema_editor):
    relabel(apps, "readers", "articles")


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
                    name='ConsentText',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('purpose', models.CharField(choices=[('information_request', 'Information request'), ('newsletter', 'Newsletter')], max_length=32)),
                        ('version', models.PositiveIntegerField()),
                        ('text', models.TextField()),
                        ('sha256', models.CharField(max_length=64, unique=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        'db_table': 'articles_consenttext',
                        'ordering': ['purpose', '-version'],
                        'constraints': [models.UniqueConstraint(fields=('purpose', 'version'), name='consent_version_unique')],
                    },
                ),
                migrations.CreateModel(
                    name='Feedback',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('wrong_information', 'Wrong or out-of-date information'), ('broken_source', 'A source link does not work'), ('other', 'Something else')], max_length=32)),
                        ('message', models.TextField(max_length=2000)),
                        ('status', models.CharField(choices=[('new', 'New'), ('accepted', 'Accepted'), ('dismissed', 'Dismissed'), ('spam', 'Spam')], db_index=True, default='new', max_length=16)),
                        ('moderated_at', models.DateTimeField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('article', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='feedback', to='articles.article')),
                        ('moderated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('revision', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='articles.revision')),
                    ],
                    options={
                        'verbose_name_plural': 'feedback',
                        'db_table': 'articles_feedback',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='InformationRequest',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('consented_at', models.DateTimeField()),
                        ('consent_withdrawn_at', models.DateTimeField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('name', models.CharField(max_length=100)),
                        ('email', models.EmailField(max_length=254)),
                        ('phone', models.CharField(blank=True, max_length=32)),
                        ('preferred_contact_time', models.CharField(blank=True, max_length=80)),
                        ('message', models.TextField(blank=True, max_length=1000)),
                        ('page_url', models.CharField(blank=True, max_length=500)),
                        ('status', models.CharField(choices=[('new', 'New'), ('contacted', 'Contacted'), ('closed', 'Closed'), ('spam', 'Spam')], db_index=True, default='new', max_length=16)),
                        ('article', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='articles.article')),
                        ('consent', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='readers.consenttext')),
                        ('prompt', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='articles.prompt')),
                        ('prompt_revision', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='articles.revision')),
                    ],
                    options={
                        'db_table': 'articles_informationrequest',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='NewsletterSubscription',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('consented_at', models.DateTimeField()),
                        ('consent_withdrawn_at', models.DateTimeField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('email', models.EmailField(max_length=254, unique=True)),
                        ('confirmed_at', models.DateTimeField(blank=True, null=True)),
                        ('consent', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='readers.consenttext')),
                        ('prompt', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='articles.prompt')),
                    ],
                    options={
                        'db_table': 'articles_newslettersubscription',
                        'ordering': ['-created_at'],
                    },
                ),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
