"""The image pipeline: every image Vetted stores (admin uploads, imported attachments) comes here.

An image is judged by its content, never by its name: Pillow may only try the JPEG, PNG, WebP and
GIF decoders, so SVG, HTML, PDF and everything else are refused whatever they are called. The
declared pixel size is checked before any pixel is decoded (decompression bombs), then the image is
decoded in full (`load()`, not `verify()`: verify only walks the chunks and leaves the image
unusable, while load reads every pixel, which is what finds a truncated or corrupt file and what
re-encoding needs anyway).

What is stored is never the upload: the pixels are turned upright (EXIF orientation), converted to
sRGB and re-encoded without any metadata (EXIF with GPS, XMP, comments, ICC profile). Converting to
sRGB rather than keeping the profile is deliberate: the renditions are shown by every kind of
browser and app, not all of which honour embedded profiles, and a CMYK JPEG can only be shown on
the web converted; one conversion here gives the intended colours everywhere and leaves no
profile to carry device details. Wide-gamut colours outside sRGB are clipped, which is acceptable
for patient-education pictures.

Files go through Django's default storage (the file system here, S3 via django-storages in
production) under `images/YYYY/MM/`, named after the upload's SHA-256.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import math
import struct
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from PIL import Image as Pillow
from PIL import ImageCms, ImageOps

from articles.models import Image

logger = logging.getLogger(__name__)

# The Pillow decoders that may look at an upload, and the format each is stored in. MPO is how
# Pillow names the multi-picture JPEGs many phones write; a GIF's first frame is stored as PNG.
DECODERS = ["JPEG", "PNG", "WEBP", "GIF"]
STORED_FORMAT = {"JPEG": "jpeg", "MPO": "jpeg", "PNG": "png", "WEBP": "webp", "GIF": "png"}
MIME_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
EXTENSIONS = {"jpeg": "jpg", "png": "png", "webp": "webp"}
ACCEPTED = "a JPEG, PNG, WebP or GIF image"
RENDITION_WIDTHS = (480, 960, 1600)

SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


class ImageRefused(ValidationError):
    """An image the pipeline will not store; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Encoded:
    """One file the pipeline will store: the cleaned original or a rendition."""

    format: str
    width: int
    height: int
    data: bytes


@dataclass(frozen=True)
class PreparedImage:
    """An accepted, cleaned and encoded image, not yet stored anywhere."""

    name: str
    sha256: str
    format: str
    original: Encoded
    renditions: tuple[Encoded, ...]


@dataclass(frozen=True)
class Picture:
    """What a `<picture>` element needs."""

    sources: list[tuple[str, str]]  # (mime type, srcset): WebP first, then the original format
    src: str  # a middle-sized rendition in the original format
    width: int  # of the cleaned original, for the width and height attributes
    height: int


# --- Accepting --------------------------------------------------------------------------------


def prepare_image(data: bytes | IO[bytes], name: str) -> PreparedImage:
    """Check, clean and encode an image without storing anything. Raises ImageRefused."""
    name = _display_name(name)
    raw = _read(data, name)
    return _prepare(raw, hashlib.sha256(raw).hexdigest(), name)


def _prepare(raw: bytes, sha256: str, name: str) -> PreparedImage:
    image = _decode(raw, name)
    fmt = STORED_FORMAT[image.format]
    image = _clean(image, name)
    renditions = []
    for target in _rendition_widths(image.width):
        resized = _resized(image, target)
        for rendition_format in dict.fromkeys(["webp", fmt]):
            renditions.append(_encode(resized, rendition_format, lossless=fmt == "png"))
    return PreparedImage(
        name=name,
        sha256=sha256,
        format=fmt,
        original=_encode(image, fmt),
        renditions=tuple(renditions),
    )


def _display_name(name: str) -> str:
    return PurePath(name or "").name[:255] or "the image"


def _read(data: bytes | IO[bytes], name: str) -> bytes:
    """The bytes of `data`, read from its start, refusing more than IMAGE_MAX_BYTES without
    reading them all."""
    limit = settings.IMAGE_MAX_BYTES
    if isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
        size = len(raw)
    else:
        if hasattr(data, "seek"):
            data.seek(0)
        raw = data.read(limit + 1)
        # Django's File and UploadedFile know their size; of a bare stream we only know too much.
        size = getattr(data, "size", None)
    if len(raw) > limit:
        actual = f"is {format_bytes(size)}; the limit is" if size else "is larger than the limit of"
        raise ImageRefused(
            gettext("“%(name)s” %(actual)s %(limit)s. Save it smaller and upload it again.")
            % {"name": name, "actual": actual, "limit": format_bytes(limit)},
            code="too-large",
        )
    if not raw:
        raise ImageRefused(
            gettext("“%(name)s” is empty. Choose the image file again.") % {"name": name},
            code="empty",
        )
    return raw


def _decode(raw: bytes, name: str) -> Pillow.Image:
    """Open with the accepted decoders only, check the declared size, then decode every pixel."""
    # Pillow's own bomb check warns at MAX_IMAGE_PIXELS and raises at twice that; both are
    # refusals here, so the lower of the two limits is the one that holds.
    limit = min(settings.IMAGE_MAX_PIXELS, Pillow.MAX_IMAGE_PIXELS or settings.IMAGE_MAX_PIXELS)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Pillow.DecompressionBombWarning)
            image = Pillow.open(io.BytesIO(raw), formats=DECODERS)
    except (Pillow.DecompressionBombError, Pillow.DecompressionBombWarning) as exc:
        raise _too_many_pixels(name, "more pixels than", limit) from exc
    except (OSError, SyntaxError, ValueError, EOFError, struct.error) as exc:
        raise ImageRefused(
            gettext(
                "“%(name)s” is not %(accepted)s (its content is %(content_kind)s). "
                "Export it as JPEG, PNG, WebP or GIF and upload it again."
            )
            % {"name": name, "accepted": ACCEPTED, "content_kind": _content_kind(raw)},
            code="format",
        ) from exc
    width, height = image.size
    if width * height > limit:
        raise _too_many_pixels(
            name, f"{width}×{height} pixels ({width * height:,}), more than", limit
        )
    try:
        image.load()
    except (OSError, SyntaxError, ValueError, EOFError, struct.error) as exc:
        raise _damaged(name, image.format, exc) from exc
    return image


def _too_many_pixels(name: str, declared: str, limit: int) -> ImageRefused:
    return ImageRefused(
        f"“{name}” declares {declared} the limit of {limit:,} pixels. "
        "Scale it down and upload it again.",
        code="too-many-pixels",
    )


def _damaged(name: str, fmt: str | None, exc: Exception) -> ImageRefused:
    reason = (str(exc).splitlines() or [type(exc).__name__])[0]
    return ImageRefused(
        f"“{name}” is a damaged or incomplete {fmt or 'image'} file ({reason}). "
        "Export it again and upload the new file.",
        code="damaged",
    )


def _clean(image: Pillow.Image, name: str) -> Pillow.Image:
    """Upright, sRGB, RGB or RGBA, and nothing but pixels."""
    alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
    try:
        image = ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError, struct.error) as exc:
        raise _damaged(name, image.format, exc) from exc
    if image.mode.startswith("I"):
        # 16-bit greyscale: Pillow's conversion to 8 bits clips, so scale it first.
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    mode = "RGBA" if alpha else "RGB"
    if image.mode not in ("CMYK", mode):
        image = image.convert(mode)
    if profile := image.info.get("icc_profile"):
        # An unreadable profile, or one for another colour space than the pixels', is ignored:
        # the pixels are taken as sRGB, which is what a browser would do.
        with contextlib.suppress(ImageCms.PyCMSError, OSError, ValueError):
            image = ImageCms.profileToProfile(
                image, ImageCms.ImageCmsProfile(io.BytesIO(profile)), SRGB, outputMode=mode
            )
    if image.mode != mode:
        image = image.convert(mode)
    if mode == "RGBA" and image.getchannel("A").getextrema() == (255, 255):
        image = image.convert("RGB")
    image.info = {}
    return image


def _rendition_widths(width: int) -> list[int]:
    """The standard widths the image can fill without upscaling, or its own if it is narrower."""
    return [target for target in RENDITION_WIDTHS if target <= width] or [width]


def _resized(image: Pillow.Image, width: int) -> Pillow.Image:
    if width == image.width:
        return image
    height = max(1, round(image.height * width / image.width))
    return image.resize((width, height), Pillow.Resampling.LANCZOS, reducing_gap=3.0)


def _encode(image: Pillow.Image, fmt: str, *, lossless: bool = False) -> Encoded:
    """Encode without metadata (`image.info` is empty and nothing is passed). A PNG's WebP
    rendition is lossless, so diagrams and text stay sharp."""
    buffer = io.BytesIO()
    if fmt == "jpeg":
        image.save(buffer, "JPEG", quality=85, optimize=True, progressive=True)
    elif fmt == "png":
        image.save(buffer, "PNG", compress_level=6)
    else:
        image.save(buffer, "WEBP", lossless=lossless, quality=80, method=4)
    return Encoded(fmt, image.width, image.height, buffer.getvalue())


def format_bytes(count: int) -> str:
    """Rounded up, so a file just over the limit never reads as the limit itself."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if count >= scale:
            return f"{math.ceil(count * 10 / scale) / 10:.1f}".removesuffix(".0") + f" {unit}"
    return f"{count} bytes"


# What an unreadable upload most likely is, for the refusal message only: the decision is made
# by the decoders above.
_BINARY_SIGNATURES = [
    (b"%PDF", "PDF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"PK\x03\x04", "a ZIP archive or Office document"),
]
_TEXT_SIGNATURES = [
    (b"<?php", "PHP code"),
    (b"<svg", "SVG, which can carry scripts"),
    (b"<!doctype html", "HTML"),
    (b"<html", "HTML"),
]


def _content_kind(raw: bytes) -> str:
    for signature, kind in _BINARY_SIGNATURES:
        if raw.startswith(signature):
            return kind
    if raw[4:8] == b"ftyp" and raw[8:12] in (b"heic", b"heix", b"mif1", b"avif"):
        return "HEIC or AVIF"
    head = raw[:1024].removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    for signature, kind in _TEXT_SIGNATURES:
        if head.startswith(signature):
            return kind
    if head.startswith(b"<?xml"):
        return "SVG, which can carry scripts" if b"<svg" in head else "XML"
    try:
        raw[:1024].decode("utf-8")
    except UnicodeDecodeError:
        return "data in a format Vetted does not read"
    return "text"


# --- Storing ----------------------------------------------------------------------------------


def store_image(data: bytes | IO[bytes], name: str) -> tuple[Image, bool]:
    """Check by content, strip metadata, apply orientation, store the cleaned original and the
    renditions through Django's default storage; return the Image and whether it is new. The
    same input bytes (sha256) return the existing Image before anything is decoded or encoded,
    so importing a media folder again costs a hash per file. Raises ImageRefused."""
    name = _display_name(name)
    raw = _read(data, name)
    sha256 = hashlib.sha256(raw).hexdigest()
    existing = Image.objects.filter(sha256=sha256).first()
    if existing is not None:
        return existing, False
    return save_prepared(_prepare(raw, sha256, name))


def save_prepared(prepared: PreparedImage) -> tuple[Image, bool]:
    """Store a prepared image and return it with whether it is new. An image with the same
    upload bytes is returned as it is. If any write or the row fails, the files written so far
    are deleted again."""
    existing = Image.objects.filter(sha256=prepared.sha256).first()
    if existing is not None:
        return existing, False
    stem = f"images/{timezone.now():%Y/%m}/{prepared.sha256[:20]}"
    written: list[str] = []
    try:
        original = _write(stem, prepared.original, written)
        renditions = [
            {
                "width": rendition.width,
                "height": rendition.height,
                "format": rendition.format,
                "name": _write(f"{stem}-{rendition.width}", rendition, written),
            }
            for rendition in prepared.renditions
        ]
        image = Image(
            file=original,
            original_name=prepared.name,
            sha256=prepared.sha256,
            format=prepared.format,
            width=prepared.original.width,
            height=prepared.original.height,
            renditions=renditions,
        )
        with transaction.atomic():
            image.save()
    except IntegrityError:
        # Most likely someone stored the same upload meanwhile: theirs stands. Storage gives each
        # writer its own names unless it overwrites (django-storages' S3 default), so keep any
        # name theirs uses.
        winner = Image.objects.filter(sha256=prepared.sha256).first()
        keep = winner.stored_names() if winner is not None else []
        delete_files(stored for stored in written if stored not in keep)
        if winner is None:
            raise
        return winner, False
    except BaseException:
        delete_files(written)
        raise
    return image, True


def _write(stem: str, encoded: Encoded, written: list[str]) -> str:
    name = default_storage.save(f"{stem}.{EXTENSIONS[encoded.format]}", ContentFile(encoded.data))
    written.append(name)
    return name


def delete_files(names: Iterable[str]) -> None:
    """Delete stored files, for a store that failed or whose transaction is rolled back. Never
    for an image a revision may have frozen: revisions keep naming its files."""
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:
            # Cleaning up must not hide the failure that made it necessary.
            logger.exception("Could not delete the stored image file %s", name)


# --- Showing ----------------------------------------------------------------------------------


def picture(snapshot: dict) -> Picture:
    """From a revision's frozen image snapshot (Image.snapshot() plus alt/decorative): what a
    <picture> element needs. No database query; URLs through default_storage.url()."""
    renditions = sorted(snapshot.get("renditions") or [], key=lambda r: r["width"])
    fmt = snapshot["format"]

    def in_format(wanted: str) -> list[dict]:
        return [r for r in renditions if r["format"] == wanted]

    sources = [
        (
            MIME_TYPES[source_format],
            ", ".join(f"{default_storage.url(r['name'])} {r['width']}w" for r in matching),
        )
        for source_format in dict.fromkeys(["webp", fmt])
        if (matching := in_format(source_format))
    ]
    fallback = in_format(fmt)
    src = fallback[len(fallback) // 2]["name"] if fallback else snapshot["name"]
    return Picture(
        sources=sources,
        src=default_storage.url(src),
        width=snapshot["width"],
        height=snapshot["height"],
    )
