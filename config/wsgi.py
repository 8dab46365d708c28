import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_wsgi_application()

# Imported once Django is set up. Cached public pages are answered in front of Django's handler.
from articles.public.wsgi import serve_cached_pages  # noqa: E402

application = serve_cached_pages(django_application)
