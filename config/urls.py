from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Vetted"
admin.site.site_title = "Vetted staff"
admin.site.index_title = "Workspace"

urlpatterns = [
    # Own-account screens (second factor, certification, password reset) before the admin's.
    path("admin/", include("articles.accounts.urls")),
    path("admin/", include("articles.admin.reports")),
    path("admin/", admin.site.urls),
    path("", include("articles.urls")),
    path("", include("articles.readers.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
