from django.apps import AppConfig


class PublicConfig(AppConfig):
    """The public site. No models: it reads the live revisions of `articles` and follows what
    goes live through the engine's `live_changed` signal, never by being called from it."""

    name = "articles.public"
    label = "public"
    verbose_name = "Public site"

    def ready(self) -> None:
        from articles import rendering
        from articles.models import Article, Prompt
        from articles.public import cache as page_cache
        from articles.public import purge
        from articles.search import index as search_index
        from articles.signals import live_changed
        from evidence.signals import retraction_changed

        # The public site follows what is live: render the new live revision inside the publish
        # transaction (and again the pages placing a prompt that changed), invalidate the page
        # cache, then tell the CDN (after commit, once the page cache has moved on), and keep
        # the search index. The order of these lines is the order they run in.
        live_changed.connect(rendering.render_on_publish, sender=Article)
        live_changed.connect(rendering.render_pages_placing, sender=Prompt)
        live_changed.connect(page_cache.invalidate_on_change)
        live_changed.connect(purge.purge_on_change)
        live_changed.connect(search_index.on_live_changed, sender=Article)
        # A cited study retracted after publication changes the pages citing it (they warn their
        # readers): rendered again, then the page cache and the CDN, as for a publish.
        retraction_changed.connect(rendering.render_pages_citing, dispatch_uid="retraction-pages")
        retraction_changed.connect(page_cache.invalidate_on_change, dispatch_uid="retraction-cache")
        retraction_changed.connect(purge.purge_on_retraction, dispatch_uid="retraction-purge")
