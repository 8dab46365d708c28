from django.apps import AppConfig


class ReadersConfig(AppConfig):
    """What readers send the clinic (information requests, the newsletter, feedback) and the
    consent they gave. Its tables kept their `articles_` names when it became an app."""

    name = "articles.readers"
    label = "readers"
    verbose_name = "Readers"
    default_auto_field = "django.db.models.BigAutoField"
