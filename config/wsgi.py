import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
try:
    django_application = get_wsgi_application()
except ImproperlyConfigured as exc:
    # A missing or bad environment variable: one line naming it. Exit status 3 is gunicorn's
    # "worker failed to boot", which stops the server instead of restarting workers forever.
    sys.stderr.write(f"ImproperlyConfigured: {exc}\n")
    sys.exit(3)

# Imported once Django is set up. Cached public pages are answered in front of Django's handler.
from articles.public.wsgi import serve_cached_pages  # noqa: E402

application = serve_cached_pages(django_application)
