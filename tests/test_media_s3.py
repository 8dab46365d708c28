"""The image pipeline against a real S3 API (moto's standalone server): the cleaned original and
every rendition are written through Django's storage API to the bucket, and the URLs pages use
serve them."""

from __future__ import annotations

import io

import boto3
import httpx
import pytest
from django.core.files.storage import default_storage
from PIL import Image as Pillow

from articles import images


def photo(width: int = 1700, height: int = 1000) -> bytes:
    buffer = io.BytesIO()
    Pillow.new("RGB", (width, height), (40, 120, 200)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def test_an_image_and_its_renditions_are_stored_on_s3_and_served_from_their_urls(db, s3_media):
    endpoint, bucket = s3_media
    image, _ = images.store_image(photo(), "knee.jpg")

    s3 = boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
    )  # fmt: skip
    names = image.stored_names()
    # The original plus WebP and JPEG at 480, 960 and 1600 px.
    assert len(names) == 7
    for name in names:
        head = s3.head_object(Bucket=bucket, Key=name)
        assert head["CacheControl"] == "public, max-age=31536000, immutable"
    stored = {obj["Key"] for obj in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert set(names) <= stored

    picture = images.picture({**image.snapshot(), "alt": "A knee", "decorative": False})
    urls = [picture.src] + [
        candidate.split(" ")[0]
        for _mime, srcset in picture.sources
        for candidate in srcset.split(", ")
    ]
    assert len(urls) == 7  # src plus six srcset candidates
    for url in urls:
        assert url.startswith(f"{endpoint}/{bucket}/images/")
        response = httpx.get(url, timeout=10)
        assert response.status_code == 200
        assert response.headers["content-type"] in ("image/jpeg", "image/webp")
        assert Pillow.open(io.BytesIO(response.content)).width in (480, 960, 1600)
    # The same upload again is the same image: nothing more is written.
    assert images.store_image(photo(), "again.jpg") == (image, False)
    assert len(s3.list_objects_v2(Bucket=bucket)["Contents"]) == len(stored)


def test_a_failed_store_leaves_nothing_in_the_bucket(db, s3_media, monkeypatch):
    endpoint, bucket = s3_media
    before = set(_keys(endpoint, bucket))

    def refuse(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(images.Image, "save", refuse)
    assert default_storage.__class__.__name__ == "S3Storage"
    with pytest.raises(RuntimeError):
        images.store_image(photo(900, 600), "shoulder.jpg")
    assert set(_keys(endpoint, bucket)) == before


def _keys(endpoint: str, bucket: str) -> list[str]:
    s3 = boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
    )  # fmt: skip
    return [obj["Key"] for obj in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
