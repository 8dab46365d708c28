from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

admin.site.site_header = "Vetted"
admin.site.site_title = "Vetted staff"
admin.site.index_title = "Workspace"

# Admin pages that moved when readers' submissions and the audit trail became apps of their own
# (/admin/articles/feedback/… is now /admin/readers/feedback/…): old bookmarks still arrive.
MOVED_ADMIN = {
    "readers": "informationrequest|newslettersubscription|consenttext|feedback",
    "audit": "auditevent",
}

urlpatterns = [
    # Own-account screens (second factor, certification, password reset) before the admin's.
    path("admin/", include("articles.accounts.urls")),
    path("admin/", include("articles.admin.reports")),
    *(
        re_path(
            rf"^admin/articles/(?P<model>{models})/(?P<rest>.*)$",
            RedirectView.as_view(url=f"/admin/{app}/%(model)s/%(rest)s", query_string=True),
        )
        for app, models in MOVED_ADMIN.items()
    ),
    path("admin/", admin.site.urls),
    path("", include("articles.urls")),
    path("", include("articles.readers.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
