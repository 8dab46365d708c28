from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    """Sources, identifiers, registries and reference formats. Knows nothing of articles."""

    name = "evidence"
    verbose_name = "Evidence"
    default_auto_field = "django.db.models.BigAutoField"
