"""What every reader form shares: the client key, the rate limit and the honeypot."""

from __future__ import annotations

import logging

import pytest
from django import forms
from django.core.cache import cache
from django.test import RequestFactory, override_settings

from articles.readers import protection
from articles.readers.protection import HONEYPOT_FIELD, ProtectedForm


def request_from(address: str = "203.0.113.7", forwarded: str | None = None):
    extra = {"REMOTE_ADDR": address}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post("/requests/1/", **extra)


def test_the_client_key_is_a_keyed_hash_not_the_address():
    key = protection.client_key(request_from("203.0.113.7"))

    assert len(key) == 64 and "203" not in key
    assert key == protection.client_key(request_from("203.0.113.7"))
    assert key != protection.client_key(request_from("203.0.113.8"))
    with override_settings(SECRET_KEY="another secret key, for another installation"):
        assert key != protection.client_key(request_from("203.0.113.7"))


def test_the_cache_holds_only_the_hash_of_the_address(settings, client, send_request):
    send_request(client=client)  # the test client's REMOTE_ADDR is 127.0.0.1

    # Local memory: the stored keys, less the deployment's prefix (the site's own address).
    keys = [key.removeprefix(settings.CACHE_KEY_PREFIX) for key in cache._cache]
    rate_keys = [key for key in keys if "vetted:readers:rate" in key]
    assert len(rate_keys) == 1
    assert protection.client_key(request_from("127.0.0.1")) in rate_keys[0]
    assert not [key for key in keys if "127.0.0.1" in key]


def test_without_a_proxy_forwarded_for_is_ignored(settings):
    settings.BEHIND_TLS_PROXY = False

    spoofed = request_from("203.0.113.7", forwarded="198.51.100.1")

    assert protection.client_address(spoofed) == "203.0.113.7"


def test_behind_the_proxy_the_address_it_appended_counts(settings):
    settings.BEHIND_TLS_PROXY = True
    # The client may send any X-Forwarded-For; the proxy appends the address it saw, last.
    forged = request_from("10.0.0.2", forwarded="198.51.100.1, 203.0.113.9")

    assert protection.client_address(forged) == "203.0.113.9"
    assert protection.client_address(request_from("10.0.0.2")) == "10.0.0.2"


def test_behind_the_proxy_clients_are_limited_apart(settings):
    settings.BEHIND_TLS_PROXY = True
    settings.READER_RATE_LIMIT = 1
    one = request_from("10.0.0.2", forwarded="203.0.113.1")
    other = request_from("10.0.0.2", forwarded="203.0.113.2")

    assert protection.allow(one, "test")
    assert not protection.allow(one, "test")
    assert protection.allow(other, "test")


def test_the_limit_counts_per_action(settings):
    settings.READER_RATE_LIMIT = 2
    reader = request_from()

    assert [protection.allow(reader, "a") for _ in range(3)] == [True, True, False]
    assert protection.allow(reader, "b")


def test_a_cache_that_is_down_lets_readers_through_and_is_logged_once(monkeypatch, caplog):
    def down(*args, **kwargs):
        raise ConnectionRefusedError("redis is stopped")

    monkeypatch.setattr(cache, "add", down)
    monkeypatch.setattr(protection._CacheHealth, "warned", False)

    assert all(protection.allow(request_from(), "test") for _ in range(10))
    warnings = [r for r in caplog.records if r.name == "articles.readers.protection"]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    assert "not rate limited" in warnings[0].getMessage()


class Contact(ProtectedForm):
    name = forms.CharField(label="Your name", max_length=100)
    note = forms.CharField(widget=forms.Textarea, required=False)


def test_a_filled_honeypot_fails_the_form_with_a_generic_error():
    form = Contact({"name": "Ann", HONEYPOT_FIELD: "http://spam.example"})

    assert protection.is_bot(form)
    assert not form.is_valid()
    assert form.non_field_errors() == [protection.BOT_MESSAGE]


def test_an_empty_honeypot_is_a_person():
    form = Contact({"name": "Ann", HONEYPOT_FIELD: ""})

    assert not protection.is_bot(form)
    assert form.is_valid()


@pytest.mark.parametrize("bad", ["\r", "\n", "\t", "\x00", "\x1b", "\x85", "\u2028"])
def test_single_line_fields_refuse_control_characters_textareas_keep_line_breaks(bad):
    form = Contact({"name": f"Ann{bad}Lee", "note": "Line one\nLine two"})

    assert not form.is_valid()
    assert form.errors == {
        "name": [
            "Your name must be a single line: remove line breaks and other control characters."
        ]
    }


def test_the_honeypot_is_out_of_sight_and_out_of_reach():
    widget = str(Contact()[HONEYPOT_FIELD])

    assert 'tabindex="-1"' in widget
    assert 'autocomplete="off"' in widget
    assert 'aria-hidden="true"' in widget
