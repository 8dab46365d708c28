"""Moving models from `articles` to an app inside it without moving a row: their content types are
relabelled in place, so their ids stay (audit events hash them; permissions and group grants point
at them). Used by the 0001 migrations of `readers`, `audit` and `accounts`; the leading underscore
keeps Django from taking this module for a migration."""

from __future__ import annotations

from collections.abc import Callable, Iterable


def relabel(apps, models: Iterable[str], old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    for model in models:
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


def moving(models: tuple[str, ...], app: str) -> tuple[Callable, Callable]:
    """(forwards, backwards) for RunPython: `models` from articles to `app`, and back."""

    def forwards(apps, schema_editor) -> None:
        relabel(apps, models, "articles", app)

    def backwards(apps, schema_editor) -> None:
        relabel(apps, models, app, "articles")

    return forwards, backwards
