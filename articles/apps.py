from django.apps import AppConfig
from django.db.models.signals import post_migrate

from articles.signals import live_changed


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Content"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from articles import rendering
        from articles.models import Article, Prompt
        from articles.public import cache as page_cache
        from articles.public import purge
        from articles.roles import sync_role_groups
        from articles.search import index as search_index

        post_migrate.connect(sync_role_groups, sender=self)
        # The public site follows what is live: render the new live revision inside the publish
        # transaction (and again the pages placing a prompt that changed), invalidate the page
        # cache, then tell the CDN (after commit, once the page cache has moved on), and keep the
        # search index.
        live_changed.connect(rendering.render_on_publish, sender=Article)
        live_changed.connect(rendering.render_pages_placing, sender=Prompt)
        live_changed.connect(page_cache.invalidate_on_change)
        live_changed.connect(purge.purge_on_change)
        live_changed.connect(search_index.on_live_changed, sender=Article)
