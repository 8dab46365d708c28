"""Checks on uploaded images. Formats are judged by content, never by file name."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
MAX_PIXELS = 40_000_000
MAX_BYTES = 10 * 1024 * 1024


def validate_hero_image(file) -> None:
    """Accept JPEG, PNG or WebP under the size and pixel limits, whatever the file is called."""
    if file.size is not None and file.size > MAX_BYTES:
        raise ValidationError(
            f"The image is {file.size // (1024 * 1024)} MB; the limit is "
            f"{MAX_BYTES // (1024 * 1024)} MB. Save it smaller and upload again."
        )
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        with Image.open(file) as image:
            fmt = image.format
            width, height = image.size
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ValidationError(
            "This file is not an image we can read. Upload a JPEG, PNG or WebP file."
        ) from exc
    finally:
        file.seek(position)
    if fmt not in ACCEPTED_FORMATS:
        raise ValidationError(
            f"{fmt or 'This'} images are not accepted. Upload a JPEG, PNG or WebP file."
        )
    if width * height > MAX_PIXELS:
        raise ValidationError(
            f"The image is {width}×{height} pixels; the limit is {MAX_PIXELS:,} pixels in all."
        )
