"""Reports, without changing anything, the articles and prompts whose latest revision has
citation markers the gate now blocks on (citation-unresolved, citation-unused, citation-unmarked).

Content is signed and hashed: rewriting a body here would void approvals behind the writers'
backs. The writer fixes each one in the editor; `check_article SLUG` lists the same findings."""

from django.db import migrations

from articles.citations import marker_keys
from articles.gate.checks.citations import citation_problems


def report(apps, schema_editor):
    lines = []
    for model_name in ("Article", "Prompt"):
        model = apps.get_model("articles", model_name)
        rows = model.objects.select_related("latest_revision").exclude(latest_revision=None)
        for row in rows.iterator():
            content = row.latest_revision.content or {}
            body = content.get("body") or ""
            keys = [c.get("key", "") for c in content.get("citations") or []]
            problems = citation_problems(body, keys, marker_keys(body))
            if problems:
                name = getattr(row, "slug", None) or f"prompt {row.pk}"
                lines.append(f"  {model_name.lower()} {name}: {'; '.join(problems)}")
    if lines:
        print(
            "\nContent whose citation markers the publication gate now blocks on "
            "(nothing was changed; fix each in the editor):"
        )
        print("\n".join(lines))


class Migration(migrations.Migration):
    dependencies = [('articles', '0014_article_origin_password_protected')]

    operations = [migrations.RunPython(report, migrations.RunPython.noop, elidable=True)]
