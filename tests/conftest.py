"""Fixtures shared by the suite: one user per role, and content made through the real workflow."""

from __future__ import annotations

import socket
import time

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from articles import signing, workflow
from articles.accounts import factors
from articles.accounts.middleware import LAST_SEEN_KEY
from articles.accounts.models import SignerCertification
from articles.models import Article, AuthorProfile, Citation, Prompt, PromptKind
from articles.roles import SIGNING_ROLES, Role, grant
from evidence.models import Source, SourceKind, VerificationStatus

PASSWORD = "correct horse battery staple"

# The source every fixture article cites unless told otherwise: linkable (a DOI), verified, and
# marked in the default body, so `article` passes the publication gate and can be published.
FIXTURE_SOURCE = {
    "doi": "10.5555/vetted.back-pain.2020",
    "title": "Low back pain in adults: assessment and management",
    "authors": [{"family": "Oliveira", "given": "C. B."}],
    "journal": "Vetted Test Journal",
    "year": 2020,
    "kind": SourceKind.GUIDELINE,
}
CITATION_KEY = "back-pain-guideline"
CITED_BODY = (
    f'<p>Most back pain gets better within six weeks.<sup data-citation="{CITATION_KEY}">1</sup>'
    "</p>"
)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def closed_port_url() -> str:
    """An address on this machine where nothing listens: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# The audit key tests sign with; production reads AUDIT_HMAC_KEY from the environment.
AUDIT_KEY = "test audit key, never used outside the tests"


@pytest.fixture(autouse=True)
def _audit_key_and_anchor(settings, tmp_path):
    settings.AUDIT_HMAC_KEY = AUDIT_KEY
    settings.AUDIT_HMAC_KEYS = []
    settings.AUDIT_ANCHOR = str(tmp_path / "anchor" / "audit-anchor.json")
    settings.AUDIT_ANCHOR_STORAGE = ""


@pytest.fixture(autouse=True)
def _registries_nowhere(settings):
    """No test reaches the real Crossref or PubMed: unless a test starts the local recorded
    server (tests/evidence/conftest.py), registry requests go to a closed local port."""
    dead = closed_port_url()
    settings.CROSSREF_API_URL = dead + "/crossref"
    settings.PUBMED_EUTILS_URL = dead + "/eutils"
    settings.REGISTRY_CONTACT_EMAIL = "editors@clinic.test"
    settings.REGISTRY_TIMEOUT = 2.0


@pytest.fixture(autouse=True)
def _empty_cache():
    # The cache outlives a test's database transaction; counters in it must not leak across tests.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Approving re-checks the reviewer's password; the production hasher would dominate run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def make_user(db):
    """`make_user(name, *roles)`: a user with PASSWORD, a public profile and, for staff, their
    own authenticator (`totp_code` reads it); a medical reviewer has also signed the
    certification. `factor=False` leaves both out, as for someone who has not set them up."""

    def make(
        username: str,
        *roles: Role,
        credentials: str = "",
        staff: bool = True,
        factor: bool = True,
    ):
        user = get_user_model().objects.create_user(
            username, email=f"{username}@clinic.test", password=PASSWORD, is_staff=staff
        )
        AuthorProfile.objects.create(
            user=user, display_name=username.replace("_", " ").title(), credentials=credentials
        )
        grant(user, *roles)
        if staff and factor:
            give_factor(user, certify=bool(SIGNING_ROLES.intersection(roles)))
        return user

    return make


def give_factor(user, *, certify: bool = False) -> None:
    """The user's own confirmed authenticator and, with `certify`, their signed certification,
    as if they had set them up on their own screens."""
    TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    if certify:
        SignerCertification.objects.create(
            user=user,
            signer_name=user.get_username(),
            statement=signing.CERTIFICATION_STATEMENT,
            certified_at=timezone.now(),
        )


def totp_code(user) -> str:
    """The code the user's authenticator shows now. Tests sign many times within one 30-second
    step, so the device forgets the step it last accepted (a code is otherwise accepted once) and
    the wrong codes a test tried just before (which otherwise hold off the next try a while)."""
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).first()
    if device is None:  # no authenticator: any code is wrong
        return "000000"
    factors.forget_used_codes([device])
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


def signed_by(user, password: str = PASSWORD) -> dict:
    """What `workflow.approve` needs to sign as `user`: their user name, password and code."""
    return {
        "username": user.get_username() if user.is_authenticated else "",
        "password": password,
        "otp_token": totp_code(user),
    }


def log_in_verified(client, user):
    """Sign `client` in as `user` with their second factor already proven, as the sign-in form
    does after a correct code."""
    client.force_login(user)
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time())
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def writer(make_user):
    return make_user("wendy_writer", Role.WRITER, credentials="BSc, health journalism")


@pytest.fixture
def other_writer(make_user):
    return make_user("oscar_writer", Role.WRITER)


@pytest.fixture
def reviewer(make_user):
    return make_user("rita_reviewer", Role.REVIEWER, credentials="MD, neurology")


@pytest.fixture
def second_reviewer(make_user):
    return make_user("raj_reviewer", Role.REVIEWER, credentials="MD, hepatology")


@pytest.fixture
def editor(make_user):
    return make_user("eddie_editor", Role.EDITOR)


@pytest.fixture
def admin_user(make_user):
    return make_user("ada_admin", Role.ADMIN)


@pytest.fixture
def anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


def fixture_source() -> Source:
    """The source fixture articles cite (created once per test): a DOI, verified."""
    defaults = {**FIXTURE_SOURCE, "verification_status": VerificationStatus.VERIFIED}
    source, _ = Source.objects.get_or_create(doi=defaults.pop("doi"), defaults=defaults)
    return source


@pytest.fixture
def make_article(writer):
    """An article saved through the workflow. By default it cites the verified fixture source and
    its body carries the citation marker, so it passes the publication gate; `cited=False` makes
    one with no source at all (gate-failing content)."""

    def make(
        title: str = "Living with back pain", owner=None, *, cited: bool = True, **fields
    ) -> Article:
        owner = owner or writer
        slug = fields.pop("slug", None) or title.lower().replace(" ", "-")[:50]
        article = Article(
            title=title,
            slug=slug,
            summary=fields.pop("summary", "What helps, and when to see a doctor."),
            body=fields.pop("body", CITED_BODY),
            owner=owner,
            **fields,
        )

        def cite() -> None:
            if cited:
                Citation.objects.create(
                    article=article,
                    source=fixture_source(),
                    key=CITATION_KEY,
                    order=1,
                    supports="Most back pain gets better within six weeks.",
                )

        workflow.save_revision(article, owner, save_related=cite)
        return article

    return make


@pytest.fixture
def article(make_article):
    return make_article()


@pytest.fixture
def uncited_article(make_article):
    """Gate-failing content: no source at all, and a claim no citation supports."""
    return make_article(
        "Stem cells for back pain",
        cited=False,
        body="<p>Stem cell therapy cures back pain.</p>",
    )


@pytest.fixture
def in_review(article, writer):
    workflow.submit(article, writer)
    return article


@pytest.fixture
def approved(in_review, reviewer):
    workflow.approve(in_review, reviewer, **signed_by(reviewer))
    return in_review


@pytest.fixture
def published(approved, editor):
    workflow.publish(approved, editor)
    return approved


@pytest.fixture
def make_prompt(writer):
    def make(name: str = "Information packet", owner=None, **fields) -> Prompt:
        owner = owner or writer
        prompt = Prompt(
            name=name,
            kind=fields.pop("kind", PromptKind.INFORMATION_PACKET),
            headline=fields.pop("headline", "Request our information packet"),
            body=fields.pop("body", "<p>We will post you a short guide to our clinic.</p>"),
            button_label=fields.pop("button_label", "Request the packet"),
            disclosure_label=fields.pop("disclosure_label", "From our clinic"),
            owner=owner,
            **fields,
        )
        workflow.save_revision(prompt, owner)
        return prompt

    return make


# --- S3-compatible media storage: moto's standalone server -------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def public_read_policy(bucket: str) -> str:
    import json

    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/*",
        }],
    })  # fmt: skip


@pytest.fixture(scope="session")
def s3_endpoint():
    """A real S3 API on this machine (moto_server on a free port) with one bucket for the test
    run; stopped at the end of the session."""
    import subprocess
    import sys
    import time
    from pathlib import Path

    import boto3
    import httpx

    server = Path(sys.executable).with_name("moto_server")
    if not server.exists():
        pytest.skip("moto_server is not installed (pip install -e '.[test]')")
    port = free_port()
    process = subprocess.Popen(
        [str(server), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(endpoint + "/moto-api/", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"moto_server did not start on {endpoint}") from None
                time.sleep(0.1)
        bucket = f"vetted-test-{port}"
        s3 = boto3.client(
            "s3", endpoint_url=endpoint, region_name="us-east-1",
            aws_access_key_id="test", aws_secret_access_key="test",
        )  # fmt: skip
        s3.create_bucket(Bucket=bucket)
        # Readers' browsers fetch the pictures: the bucket is public for reading, as
        # docs/deploy.md sets it up (or a CDN in front of it is).
        s3.put_bucket_policy(Bucket=bucket, Policy=public_read_policy(bucket))
        yield endpoint, bucket
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def s3_media(settings, s3_endpoint):
    """Media on the S3 bucket, configured as production configures it (config/settings.py)."""
    endpoint, bucket = s3_endpoint
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": endpoint,
                "region_name": "us-east-1",
                "access_key": "test",
                "secret_key": "test",
                "addressing_style": "path",
                "querystring_auth": False,
                "file_overwrite": False,
                "default_acl": None,
                "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
            },
        },
    }
    return endpoint, bucket
