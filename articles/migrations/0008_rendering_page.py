"""The whole article page, rendered at publish time: Rendering.page_html with its ETag, what it
was rendered with (render_key), when its first prompt expires (live_until), and rendered_at set by
the renderer (the publication time for a page rendered at publish) instead of auto_now.

Pages already live get page_html on their first view (`articles.public.pages.stored_article`), so
nothing is rendered here."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0007_search"),
    ]

    operations = [
        migrations.AddField(
            model_name="rendering",
            name="page_html",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="rendering",
            name="etag",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="rendering",
            name="render_key",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="rendering",
            name="live_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="rendering",
            name="rendered_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
    ]
