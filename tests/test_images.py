"""The image pipeline (`articles.images`): what it accepts, what it refuses and why, what it
stores (read back from storage), and the admin upload that goes through it."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import QuerySet
from PIL import ExifTags, ImageCms, ImageFile
from PIL import Image as Pillow
from PIL.PngImagePlugin import PngInfo

from articles import gate, images, workflow
from articles.images import ImageRefused, picture, store_image
from articles.models import Article, Image
from tests.test_admin import CHANGE_PAGE_BUDGET, article_form_data, login, reload, text, url

GPS = ExifTags.IFD.GPSInfo


# --- Making test images ------------------------------------------------------------------------


def encode(image: Pillow.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def photo(size=(2000, 1000), fmt: str = "JPEG", **options) -> bytes:
    return encode(Pillow.new("RGB", size, "steelblue"), fmt, **options)


def halves(size=(300, 200)) -> Pillow.Image:
    """Left half red, right half blue: which way up it is shows after rotation."""
    image = Pillow.new("RGB", size, "red")
    image.paste("blue", (size[0] // 2, 0, size[0], size[1]))
    return image


def animated_gif() -> bytes:
    frames = [Pillow.new("RGB", (64, 48), colour) for colour in ("red", "lime", "blue")]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def exif_with_gps() -> Pillow.Exif:
    exif = Pillow.Exif()
    exif[ExifTags.Base.Make] = "TellTalePhone"
    exif[ExifTags.Base.Orientation] = 1
    exif.get_ifd(GPS).update(
        {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (51.0, 30.0, 26.0),
            ExifTags.GPS.GPSLongitudeRef: "W",
            ExifTags.GPS.GPSLongitude: (0.0, 7.0, 39.0),
        }
    )
    return exif


def png_declaring(width: int, height: int) -> bytes:
    """A valid PNG header for a width×height RGB image, with almost no pixel data: tiny on disk,
    billions of pixels once decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 4096, 9))
        + chunk(b"IEND", b"")
    )


def stored_files(settings) -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def read_back(name: str) -> Pillow.Image:
    with default_storage.open(name) as handle:
        image = Pillow.open(io.BytesIO(handle.read()))
        image.load()
    return image


@pytest.fixture
def never_decodes(monkeypatch):
    """Fail the test if any pixel data is decoded."""

    def refuse(self, *args, **kwargs):
        raise AssertionError("the pipeline decoded pixels it should have refused first")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


# --- Accepted ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fmt, stored",
    [("JPEG", "jpeg"), ("PNG", "png"), ("WEBP", "webp")],
)
def test_accepted_formats_are_stored_in_their_own_format(db, settings, fmt, stored):
    image = store_image(photo(fmt=fmt), f"hero.{fmt.lower()}")[0]
    assert (image.format, image.width, image.height) == (stored, 2000, 1000)
    assert image.original_name == f"hero.{fmt.lower()}"
    assert read_back(image.file.name).format == fmt
    assert image.file.name.startswith("images/") and image.sha256[:20] in image.file.name
    assert sorted(stored_files(settings)) == sorted(image.stored_names())


def test_an_animated_gif_keeps_its_first_frame_as_png(db):
    image = store_image(animated_gif(), "wave.gif")[0]
    assert (image.format, image.width, image.height) == ("png", 64, 48)
    for name in image.stored_names():
        stored = read_back(name)
        assert stored.format in ("PNG", "WEBP")
        assert getattr(stored, "n_frames", 1) == 1
        assert stored.convert("RGB").getpixel((10, 10)) == (255, 0, 0)


def test_a_png_named_jpg_is_accepted_as_png(db):
    image = store_image(photo(fmt="PNG"), "holiday.jpg")[0]
    assert image.format == "png"
    assert image.file.name.endswith(".png")
    assert read_back(image.file.name).format == "PNG"


def test_a_phone_jpeg_with_several_pictures_is_a_jpeg(db):
    # Many phones write MPO: a JPEG followed by more JPEGs. Pillow names it MPO.
    first, second = Pillow.new("RGB", (600, 400), "teal"), Pillow.new("RGB", (60, 40), "red")
    data = encode(first, "MPO", save_all=True, append_images=[second])
    assert Pillow.open(io.BytesIO(data)).format == "MPO"
    image = store_image(data, "IMG_0001.JPG")[0]
    assert (image.format, image.width) == ("jpeg", 600)


def test_cmyk_jpeg_is_stored_as_rgb(db):
    cmyk = encode(Pillow.new("CMYK", (500, 300), (0, 255, 255, 0)), "JPEG")
    image, _ = store_image(cmyk, "c.jpg")
    stored = read_back(image.file.name)
    assert stored.mode == "RGB"
    red, green, blue = stored.getpixel((10, 10))
    assert red > 200 and green < 60 and blue < 60


def test_transparency_is_kept_in_png_and_webp(db):
    see_through = Pillow.new("RGBA", (500, 300), (0, 128, 0, 0))
    see_through.paste((0, 128, 0, 255), (0, 0, 250, 300))
    image = store_image(encode(see_through, "PNG"), "logo.png")[0]
    for name in image.stored_names():
        stored = read_back(name).convert("RGBA")
        assert stored.getpixel((5, 5))[3] == 255
        assert stored.getpixel((stored.width - 5, 5))[3] == 0


def test_palette_png_with_transparency_keeps_it(db):
    palette = Pillow.new("P", (500, 300), 0)
    palette.putpalette([255, 255, 255, 200, 0, 0])
    palette.paste(1, (0, 0, 250, 300))
    image = store_image(encode(palette, "PNG", transparency=0), "icon.png")[0]
    stored = read_back(image.file.name)
    assert stored.mode == "RGBA"
    assert stored.getpixel((5, 5)) == (200, 0, 0, 255)
    assert stored.getpixel((495, 5))[3] == 0


def test_sixteen_bit_greyscale_is_scaled_not_clipped(db):
    image = store_image(encode(Pillow.new("I;16", (500, 300), 40000), "PNG"), "scan.png")[0]
    assert read_back(image.file.name).convert("L").getpixel((5, 5)) == 40000 // 256


def test_a_profile_for_another_colour_space_is_ignored_not_fatal(db):
    lab = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    image = store_image(photo(fmt="JPEG", icc_profile=lab), "odd.jpg")[0]
    assert "icc_profile" not in read_back(image.file.name).info


# --- Refused by content ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload, name, kind",
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "hero.svg", "SVG"),
        (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', "a.png", "SVG"),
        (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "page.jpg", "HTML"),
        (b"<?php system($_GET['c']); ?>", "shell.jpg", "PHP code"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "leaflet.png", "PDF"),
        (b"Take two tablets twice a day.\n", "notes.jpg", "text"),
        (b"II*\x00" + b"\x00" * 64, "scan.jpg", "TIFF"),
        (b"\x00\x00\x00\x18ftypheic" + b"\x00" * 64, "IMG_0002.jpg", "HEIC or AVIF"),
    ],
)
def test_non_images_are_refused_by_content_whatever_their_name(db, settings, payload, name, kind):
    with pytest.raises(ImageRefused) as refusal:
        store_image(payload, name)
    assert refusal.value.code == "format"
    message = refusal.value.message
    assert message.startswith(f"“{name}” is not a JPEG, PNG, WebP or GIF image")
    assert f"its content is {kind}" in message
    assert "\n" not in message
    assert stored_files(settings) == [] and not Image.objects.exists()


def test_bmp_is_refused_even_though_pillow_reads_it(db, settings):
    with pytest.raises(ImageRefused, match="not a JPEG, PNG, WebP or GIF image"):
        store_image(photo(fmt="BMP"), "picture.png")
    assert stored_files(settings) == []


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_a_truncated_file_is_refused_as_damaged(db, settings, fmt):
    data = encode(Pillow.effect_noise((400, 300), 60).convert("RGB"), fmt)
    with pytest.raises(ImageRefused) as refusal:
        store_image(data[: len(data) // 2], f"cut.{fmt.lower()}")
    assert refusal.value.code == "damaged"
    assert refusal.value.message.startswith(f"“cut.{fmt.lower()}” is a damaged or incomplete {fmt}")
    assert stored_files(settings) == []


def test_an_empty_file_is_refused(db):
    with pytest.raises(ImageRefused, match="“blank.png” is empty"):
        store_image(b"", "blank.png")


# --- Limits ------------------------------------------------------------------------------------


def test_a_decompression_bomb_is_refused_without_decoding_it(db, settings, never_decodes):
    bomb = png_declaring(100_000, 100_000)
    assert len(bomb) < 200
    with pytest.raises(ImageRefused) as refusal:
        store_image(bomb, "bomb.png")
    assert refusal.value.code == "too-many-pixels"
    assert refusal.value.message == (
        "“bomb.png” declares more pixels than the limit of 40,000,000 pixels. Scale it down and "
        "upload it again."
    )
    assert stored_files(settings) == []


def test_an_image_over_the_pixel_limit_is_refused_with_its_size(db, settings, never_decodes):
    settings.IMAGE_MAX_PIXELS = 1_000_000
    with pytest.raises(ImageRefused) as refusal:
        store_image(png_declaring(2000, 1000), "wide.png")
    assert refusal.value.message == (
        "“wide.png” declares 2000×1000 pixels (2,000,000), more than the limit of 1,000,000 "
        "pixels. Scale it down and upload it again."
    )


def test_pillows_own_bomb_warning_is_a_refusal_too(db, settings, monkeypatch, never_decodes):
    # Pillow warns (rather than raises) between its limit and twice that: still a refusal, and
    # with a pixel limit set above Pillow's, Pillow's is the one that holds.
    settings.IMAGE_MAX_PIXELS = 10_000_000
    monkeypatch.setattr(Pillow, "MAX_IMAGE_PIXELS", 1_000_000)
    with pytest.raises(ImageRefused, match="declares more pixels than the limit of 1,000,000 "):
        store_image(png_declaring(1500, 1000), "warned.png")


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(db, settings):
    settings.IMAGE_MAX_BYTES = 2048
    data = encode(Pillow.effect_noise((200, 200), 80).convert("RGB"), "PNG")
    upload = SimpleUploadedFile("big.png", data, content_type="image/png")
    with pytest.raises(ImageRefused) as refusal:
        store_image(upload, upload.name)
    size = f"{-(-len(data) * 10 // 1024) / 10:.1f}".removesuffix(".0")
    assert refusal.value.message == (
        f"“big.png” is {size} KB; the limit is 2 KB. Save it smaller and upload it again."
    )
    assert upload.tell() == 2049  # read no further than needed to know it is too big
    with pytest.raises(ImageRefused, match="“big.png” is larger than the limit of 2 KB"):
        store_image(io.BytesIO(data), "big.png")
    assert stored_files(settings) == []


# --- What is stored ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_exif_gps_and_other_metadata_are_removed_from_every_stored_file(db, fmt):
    exif = exif_with_gps()
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = "<x:xmpmeta>patient: Jane Doe</x:xmpmeta>"
    if fmt == "PNG":
        text_chunks = PngInfo()
        text_chunks.add_itxt("XML:com.adobe.xmp", xmp)
        text_chunks.add_text("Comment", "patient: Jane Doe")
        extra = {"pnginfo": text_chunks}
    else:
        extra = {"xmp": xmp.encode(), **({"comment": b"Jane Doe"} if fmt == "JPEG" else {})}
    upload = photo(fmt=fmt, exif=exif, icc_profile=profile, **extra)
    sent = Pillow.open(io.BytesIO(upload))
    assert sent.getexif().get_ifd(GPS)[ExifTags.GPS.GPSLatitudeRef] == "N"  # it was there
    assert b"TellTalePhone" in upload and b"xmpmeta" in upload and b"Jane Doe" in upload

    image = store_image(upload, f"geotagged.{fmt.lower()}")[0]
    assert len(image.stored_names()) == (4 if fmt == "WEBP" else 7)
    for name in image.stored_names():
        with default_storage.open(name) as handle:
            raw = handle.read()
        stored = Pillow.open(io.BytesIO(raw))
        assert dict(stored.getexif()) == {}, name
        assert not stored.getexif().get_ifd(GPS), name
        assert not {"exif", "xmp", "comment", "icc_profile", "Comment", "XML:com.adobe.xmp"} & set(
            stored.info
        ), name
        assert b"TellTalePhone" not in raw and b"Jane Doe" not in raw and b"xmpmeta" not in raw


def test_exif_orientation_is_applied(db):
    exif = Pillow.Exif()
    exif[ExifTags.Base.Orientation] = 6  # rotate 90° clockwise to show
    image = store_image(encode(halves((300, 200)), "JPEG", exif=exif), "sideways.jpg")[0]
    assert (image.width, image.height) == (200, 300)
    for name in image.stored_names():
        stored = read_back(name).convert("RGB")
        assert stored.size == (200, 300)
        top, bottom = stored.getpixel((100, 40)), stored.getpixel((100, 260))
        assert top[0] > 200 and top[2] < 60, name  # what was on the left is now on top
        assert bottom[2] > 200 and bottom[0] < 60, name


@pytest.mark.parametrize(
    "size, fmt, expected",
    [
        ((2000, 1000), "JPEG", [(480, 240), (960, 480), (1600, 800)]),
        ((1000, 500), "PNG", [(480, 240), (960, 480)]),
        ((960, 300), "JPEG", [(480, 150), (960, 300)]),
        ((300, 200), "PNG", [(300, 200)]),
    ],
)
def test_renditions_at_the_widths_the_image_can_fill(db, size, fmt, expected):
    image = store_image(photo(size, fmt), "hero")[0]
    stored = image.format
    assert [(r["width"], r["height"], r["format"]) for r in image.renditions] == [
        (width, height, rendition_format)
        for width, height in expected
        for rendition_format in ("webp", stored)
    ]
    for rendition in image.renditions:
        on_disk = read_back(rendition["name"])
        assert on_disk.size == (rendition["width"], rendition["height"])
        assert on_disk.format == {"webp": "WEBP", "jpeg": "JPEG", "png": "PNG"}[rendition["format"]]
        assert rendition["name"].endswith(
            f"-{rendition['width']}.{images.EXTENSIONS[rendition['format']]}"
        )


def test_webp_input_gives_webp_renditions_once(db):
    image = store_image(photo((1000, 600), "WEBP"), "hero.webp")[0]
    assert [(r["width"], r["format"]) for r in image.renditions] == [(480, "webp"), (960, "webp")]


def test_the_same_bytes_are_stored_once_and_not_decoded_again(
    db, settings, django_assert_num_queries, monkeypatch
):
    data = photo()
    first, created = store_image(data, "first.jpg")
    assert created
    files = stored_files(settings)

    def never(*args):
        raise AssertionError("an image already stored was decoded again")

    with monkeypatch.context() as patched, django_assert_num_queries(1):
        patched.setattr(images, "_prepare", never)
        again, created_again = store_image(io.BytesIO(data), "renamed.jpg")
    assert (again, created_again) == (first, False) and again.original_name == "first.jpg"
    assert stored_files(settings) == files
    other, created_other = store_image(photo(size=(2000, 1001)), "other.jpg")
    assert created_other and other != first


def test_a_failed_write_leaves_no_files_and_no_row(db, settings, monkeypatch):
    real_save = default_storage.save
    calls = []

    def failing_save(name, content, *args, **kwargs):
        calls.append(name)
        if len(calls) == 4:
            raise OSError("disk full")
        return real_save(name, content, *args, **kwargs)

    monkeypatch.setattr(default_storage, "save", failing_save)
    with pytest.raises(OSError, match="disk full"):
        store_image(photo(), "hero.jpg")
    assert len(calls) == 4
    assert stored_files(settings) == [] and not Image.objects.exists()


def test_losing_a_race_for_the_same_upload_returns_the_winner_and_removes_own_files(
    db, settings, monkeypatch
):
    data = photo()
    prepared = images.prepare_image(data, "mine.jpg")
    winner = store_image(data, "theirs.jpg")[0]
    # As if the other upload committed between this one's lookup and its insert.
    real_first = QuerySet.first
    lookups = iter([None])
    monkeypatch.setattr(QuerySet, "first", lambda qs: next(lookups, real_first(qs)))
    stored, created = images.save_prepared(prepared)
    assert (stored, created) == (winner, False)
    assert sorted(stored_files(settings)) == sorted(winner.stored_names())


# --- picture() ---------------------------------------------------------------------------------


def test_picture_gives_webp_then_the_original_format_without_a_query(
    db, settings, django_assert_num_queries
):
    settings.MEDIA_URL = "/media/"
    image = store_image(photo((2000, 1000)), "hero.jpg")[0]
    snapshot = {**image.snapshot(), "alt": "A knee brace", "decorative": False}
    with django_assert_num_queries(0):
        result = picture(snapshot)
    by_width = {(r["width"], r["format"]): "/media/" + r["name"] for r in image.renditions}
    assert result.sources == [
        (
            "image/webp",
            f"{by_width[480, 'webp']} 480w, {by_width[960, 'webp']} 960w, "
            f"{by_width[1600, 'webp']} 1600w",
        ),
        (
            "image/jpeg",
            f"{by_width[480, 'jpeg']} 480w, {by_width[960, 'jpeg']} 960w, "
            f"{by_width[1600, 'jpeg']} 1600w",
        ),
    ]
    assert result.src == by_width[960, "jpeg"]
    assert (result.width, result.height) == (2000, 1000)


def test_picture_of_a_small_webp(db, settings):
    settings.MEDIA_URL = "/media/"
    image = store_image(photo((300, 200), "WEBP"), "dot.webp")[0]
    [rendition] = image.renditions
    result = picture(image.snapshot())
    assert result.sources == [("image/webp", f"/media/{rendition['name']} 300w")]
    assert result.src == f"/media/{rendition['name']}"
    assert (result.width, result.height) == (300, 200)


# --- The article and the gate ------------------------------------------------------------------


def test_an_image_without_alt_text_blocks_submission_unless_decorative(article, writer):
    article.hero_image = store_image(photo(), "hero.jpg")[0]
    workflow.save_revision(article, writer, base_revision=1)
    [finding] = [f for f in gate.run(article) if f.code == "missing-alt-text"]
    assert (finding.location, finding.severity) == ("hero image", gate.Severity.BLOCKER)
    with pytest.raises(workflow.GateBlocked, match="missing-alt-text"):
        workflow.submit(article, writer)
    article.hero_decorative = True
    workflow.save_revision(article, writer, base_revision=2)
    assert not [f for f in gate.run(article) if f.code == "missing-alt-text"]


# --- The admin upload --------------------------------------------------------------------------


def upload(data: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_writer_uploads_a_hero_image_in_the_admin(article, writer, settings, get_budget):
    client = login(writer)
    exif = exif_with_gps()
    response = client.post(
        url(article),
        article_form_data(
            article,
            hero_upload=upload(photo(exif=exif), "clinic-garden.jpg"),
            hero_alt="A garden path beside the clinic",
        ),
    )
    assert response.status_code == 302
    article = reload(article)
    image = article.hero_image
    assert (image.original_name, image.format, image.width) == ("clinic-garden.jpg", "jpeg", 2000)
    assert article.latest_revision.number == 2
    assert article.latest_revision.content["image"] == {
        **image.snapshot(),
        "alt": "A garden path beside the clinic",
        "decorative": False,
    }
    assert all(not read_back(name).getexif() for name in image.stored_names())

    page = text(get_budget(client, url(article)))
    assert "clinic-garden.jpg (2000×1000 pixels)" in page
    assert picture(image.snapshot()).src in page
    assert 'name="hero_upload"' in page and 'name="hero_remove"' in page


def test_a_refused_upload_is_a_form_error_and_saves_nothing(article, writer, settings):
    response = login(writer).post(
        url(article),
        article_form_data(
            article, hero_upload=upload(b"<?php echo 1; ?>", "photo.jpg"), hero_alt="A photo"
        ),
    )
    assert response.status_code == 200
    assert "“photo.jpg” is not a JPEG, PNG, WebP or GIF image (its content is PHP code)" in text(
        response
    )
    assert reload(article).latest_revision.number == 1
    assert stored_files(settings) == [] and not Image.objects.exists()


def test_an_upload_with_an_invalid_inline_stores_nothing(article, writer, settings):
    data = article_form_data(
        article, hero_upload=upload(photo(), "hero.jpg"), hero_alt="A knee brace"
    )
    data.update({"placements-TOTAL_FORMS": "1", "placements-0-prompt": "999999"})
    response = login(writer).post(url(article), data)
    assert response.status_code == 200
    assert "“hero.jpg” (2000×1000 pixels) is not saved yet: choose it again below." in text(
        response
    )
    assert stored_files(settings) == [] and not Image.objects.exists()


def test_an_engine_refusal_removes_the_files_of_the_new_image(article, writer, settings):
    workflow.save_revision(article, writer, base_revision=1)  # someone saved revision 2
    stale = article_form_data(
        article, hero_upload=upload(photo(), "hero.jpg"), hero_alt="A knee brace", base_revision=1
    )
    response = login(writer).post(url(article), stale)
    assert response.status_code == 200
    assert "saved a newer version" in text(response)
    assert stored_files(settings) == [] and not Image.objects.exists()


def test_uploading_an_image_already_stored_reuses_it(article, writer, settings):
    existing = store_image(photo(), "first.jpg")[0]
    files = stored_files(settings)
    response = login(writer).post(
        url(article),
        article_form_data(
            article, hero_upload=upload(photo(), "again.jpg"), hero_alt="A knee brace"
        ),
    )
    assert response.status_code == 302
    assert reload(article).hero_image == existing
    assert stored_files(settings) == files


def test_writer_removes_the_hero_image(article, writer):
    article.hero_image = store_image(photo(), "hero.jpg")[0]
    article.hero_alt = "A knee brace"
    workflow.save_revision(article, writer, base_revision=1)
    client = login(writer)
    both = article_form_data(
        article, hero_upload=upload(photo((800, 600)), "new.jpg"), hero_remove="on"
    )
    response = client.post(url(article), both)
    assert "Upload a new image or remove it, not both." in text(response)
    assert reload(article).hero_image is not None

    response = client.post(url(article), article_form_data(article, hero_remove="on"))
    assert response.status_code == 302
    article = reload(article)
    assert (article.hero_image, article.hero_alt) == (None, "")
    assert article.latest_revision.content["image"] is None
    assert Image.objects.count() == 1  # the old revision still shows it


def test_a_reader_sees_the_image_but_no_upload_field(in_review, writer, reviewer, get_budget):
    image = store_image(photo(), "hero.jpg")[0]
    Article.objects.filter(pk=in_review.pk).update(hero_image=image, hero_alt="A knee brace")
    page = text(get_budget(login(reviewer), url(in_review)))
    assert "hero.jpg (2000×1000 pixels)" in page
    assert 'name="hero_upload"' not in page and 'name="hero_remove"' not in page


@pytest.fixture
def get_budget(django_assert_max_num_queries):
    """GET an admin change page within its query budget, image or not."""

    def fetch(client, path):
        with django_assert_max_num_queries(CHANGE_PAGE_BUDGET):
            response = client.get(path)
        assert response.status_code == 200
        return response

    return fetch
