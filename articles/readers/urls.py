"""Public addresses of the reader forms (namespace "readers"). Never page-cached."""

from django.urls import path

from articles.readers import feedback_views, views

app_name = "readers"

urlpatterns = [
    path("requests/<int:prompt_id>/", views.information_request, name="request"),
    path("requests/thanks/", views.request_thanks, name="request_thanks"),
    path("newsletter/", views.newsletter_sign_up, name="newsletter"),
    path(
        "newsletter/check-your-email/", views.newsletter_check_email, name="newsletter_check_email"
    ),
    path("newsletter/confirm/<str:token>/", views.newsletter_confirm, name="newsletter_confirm"),
    path(
        "newsletter/unsubscribe/<str:token>/",
        views.newsletter_unsubscribe,
        name="newsletter_unsubscribe",
    ),
]

# "Report a problem with this page" (articles.readers.feedback_views).
urlpatterns += [
    path("articles/<slug:slug>/report/", feedback_views.report_problem, name="report_problem"),
    path("articles/<slug:slug>/report/thanks/", feedback_views.report_thanks, name="report_thanks"),
]
