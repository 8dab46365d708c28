"""Static files in production: `collectstatic` writes hashed, compressed copies, pages link to
the hashed names, and WhiteNoise serves them (no web server needed) cached for a year."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from django.test import Client

from tests.test_settings import PRODUCTION, ROOT, clean_env


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    root = tmp_path_factory.mktemp("static")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT, env=clean_env({**PRODUCTION, "STATIC_ROOT": str(root)}), check=True,
        capture_output=True, timeout=300,
    )  # fmt: skip
    return root


@pytest.fixture
def production_static(settings, collected):
    settings.STATIC_ROOT = collected
    settings.WHITENOISE_USE_FINDERS = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    return collected


def test_collectstatic_writes_hashed_and_compressed_copies(collected):
    manifest = json.loads((collected / "staticfiles.json").read_text())["paths"]
    hashed = manifest["vetted/site.css"]
    assert re.fullmatch(r"vetted/site\.[0-9a-f]{12}\.css", hashed)
    assert (collected / hashed).is_file() and (collected / f"{hashed}.gz").is_file()


def test_pages_link_the_hashed_stylesheet_and_whitenoise_serves_it_for_a_year(
    db, production_static
):
    client = Client()  # a new handler: WhiteNoise reads STATIC_ROOT when it starts
    page = client.get("/privacy/").content.decode()
    [href] = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    assert re.fullmatch(r"/static/vetted/site\.[0-9a-f]{12}\.css", href)

    response = client.get(href, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=315360000, public, immutable"
    assert response["Content-Encoding"] == "gzip"
    # The unhashed name is not served with a long lifetime (it would never be refreshed).
    plain = client.get("/static/vetted/site.css")
    assert "immutable" not in plain.get("Cache-Control", "")
