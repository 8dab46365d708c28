"""The consent wording is versioned in code and stored once per wording, by its hash."""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import ImproperlyConfigured

from articles.readers import consent
from articles.readers.consent import Wording
from articles.readers.models import ConsentPurpose, ConsentText, InformationRequest
from tests.readers.conftest import make_requests

PURPOSE = ConsentPurpose.INFORMATION_REQUEST


@pytest.mark.django_db
def test_the_current_wording_is_stored_once_with_its_version_and_hash():
    first = consent.current(PURPOSE)
    again = consent.current(PURPOSE)

    assert first == again
    assert ConsentText.objects.count() == 1
    assert (first.purpose, first.version) == (PURPOSE, 1)
    assert first.text == consent.wording(PURPOSE).text
    assert first.sha256 == hashlib.sha256(first.text.encode("utf-8")).hexdigest()


@pytest.mark.django_db
def test_each_purpose_has_its_own_wording():
    request_text = consent.current(ConsentPurpose.INFORMATION_REQUEST)
    newsletter_text = consent.current(ConsentPurpose.NEWSLETTER)

    assert request_text != newsletter_text
    assert "newsletter" in newsletter_text.text


def test_new_wording_under_a_new_version_leaves_earlier_consents_as_given(monkeypatch, packet):
    [earlier] = make_requests(1, packet)
    monkeypatch.setitem(consent.CURRENT, PURPOSE, Wording(2, "I agree to new, clearer terms. " * 3))

    [later] = make_requests(1, packet)

    assert (earlier.consent.version, later.consent.version) == (1, 2)
    earlier = InformationRequest.objects.get(pk=earlier.pk)
    assert earlier.consent.text.startswith("I agree that the clinic may keep")
    assert ConsentText.objects.filter(purpose=PURPOSE).count() == 2


@pytest.mark.django_db
def test_changed_wording_without_a_new_version_is_refused(monkeypatch):
    consent.current(PURPOSE)
    monkeypatch.setitem(consent.CURRENT, PURPOSE, Wording(1, "Quietly different words."))

    with pytest.raises(ImproperlyConfigured, match="raise the version"):
        consent.current(PURPOSE)
    assert ConsentText.objects.count() == 1
