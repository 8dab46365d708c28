"""The records about staff accounts leave `articles` for their own app. Nothing in the database
moves: the tables keep their names (`db_table`), so the PostgreSQL triggers that refuse
rewriting signer certifications still guard them; the models are created in the migration state
only, and the content types are relabelled in place, so their ids (which audit events about these
records hash, and which permissions point at) stay the same. articles 0020 then removes the
models from articles' state."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MODELS = ("signercertification", "factorreset", "accountchange", "emailoptout")


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
    relabel(apps, "articles", "accounts")


def backwards(apps, schema_editor):
    relabel(apps, "accounts", "articles")


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
                    name='AccountChange',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('email', 'email address'), ('role', 'role')], max_length=10)),
                        ('value', models.CharField(help_text="The new address, or the role's name.", max_length=254)),
                        ('reason', models.TextField(blank=True)),
                        ('requested_at', models.DateTimeField()),
                        ('confirmed_at', models.DateTimeField(blank=True, null=True)),
                        ('confirmed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='account_changes', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'articles_accountchange',
                        'ordering': ['requested_at'],
                    },
                ),
                migrations.CreateModel(
                    name='FactorReset',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('reason', models.TextField()),
                        ('requested_at', models.DateTimeField()),
                        ('confirmed_at', models.DateTimeField(blank=True, null=True)),
                        ('confirmed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='factor_resets', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'articles_factorreset',
                        'ordering': ['-requested_at'],
                    },
                ),
                migrations.CreateModel(
                    name='SignerCertification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('signer_name', models.CharField(max_length=255)),
                        ('statement', models.TextField()),
                        ('certified_at', models.DateTimeField()),
                        ('user', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='signer_certification', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'articles_signercertification',
                    },
                ),
                migrations.CreateModel(
                    name='EmailOptOut',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('submitted', 'Content submitted for medical review'), ('assigned', 'A review assigned to you'), ('decision', "A reviewer's decision on your content"), ('approved', 'Content approved and ready to publish'), ('expiring', 'An approval expiring within 30 days'), ('retracted', 'A cited source found retracted')], max_length=20)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='email_opt_outs', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'articles_emailoptout',
                        'constraints': [models.UniqueConstraint(fields=('user', 'kind'), name='one_opt_out_per_kind')],
                    },
                ),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
