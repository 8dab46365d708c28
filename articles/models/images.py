"""Images that have been through the pipeline (`articles.images`): checked by content, stripped
of EXIF and GPS metadata, turned upright, and rendered at the widths the public pages ask for."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Image(models.Model):
    """One stored image and its renditions. The same bytes are stored once (`sha256`)."""

    file = models.FileField(upload_to="images/%Y/%m/", max_length=255)
    original_name = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(
        max_length=64,
        unique=True,
        help_text=_("Of the bytes as received, so a re-import reuses it."),
    )
    format = models.CharField(max_length=8)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    # [{"width": 480, "height": 320, "format": "webp", "name": "images/…-480.webp"}, …]
    renditions = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name or self.file.name

    def stored_names(self) -> list[str]:
        """Every file stored for this image: the cleaned original and each rendition."""
        return [self.file.name, *(rendition["name"] for rendition in self.renditions)]

    def snapshot(self) -> dict[str, Any]:
        """What a revision freezes about the image: enough to render `srcset` without a query."""
        return {
            "id": self.pk,
            "name": self.file.name,
            "format": self.format,
            "width": self.width,
            "height": self.height,
            "renditions": self.renditions,
        }
