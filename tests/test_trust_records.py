"""Records that cannot be rewritten by someone with write access to the database but not the audit
key: each rewrite the red team made verified as "intact" before; each is now named by
verify_audit (and the command exits non-zero)."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from articles import audit, workflow
from articles.audit import anchor, chain, keys
from articles.audit.models import AuditEvent, AuditHead
from articles.models import Rendering, Revision, Signature
from articles.models.revisions import content_hash
from tests.workflow_support import reload, tamper, triggers_off

ATTACKER_KEY = b"a key the attacker guessed"


sql = tamper


def forge(event: AuditEvent) -> str:
    """What someone without the audit key can compute: the HMAC under a key of their own."""
    return keys.sign(ATTACKER_KEY, chain.canonical(event, keyed=True))


def verify_fails(*expected: str) -> list[str]:
    """verify_audit exits non-zero; every expected phrase is in its report."""
    _, breaks = audit.verify()
    report = [str(b) for b in breaks]
    for phrase in expected:
        assert any(phrase in line for line in report), (phrase, report)
    with pytest.raises(CommandError, match="tampered with"):
        call_command("verify_audit")
    return report


@pytest.fixture
def trail(published, make_article, writer, client):
    """A published article (its page viewed), a draft, and the head anchored by run_jobs."""
    edit = make_article("Second article")
    workflow.save_revision(edit, writer)
    assert client.get(published.get_absolute_url()).status_code == 200
    call_command("run_jobs", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert audit.verify()[1] == []
    return published


def last_event() -> AuditEvent:
    return AuditEvent.objects.order_by("sequence").last()


# --- The six rewrites of the trail ------------------------------------------------------------


def test_an_untouched_trail_is_intact_and_anchored(trail, capsys):
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert "intact" in out
    assert f"event #{last_event().sequence}" in out


def test_deleting_the_last_event_and_fixing_the_head(trail):
    last = last_event()
    before = AuditEvent.objects.get(sequence=last.sequence - 1)
    sql("DELETE FROM articles_auditevent WHERE id = %s", [last.pk])
    sql("UPDATE articles_audithead SET sequence = %s, hash = %s", [before.sequence, before.hash])

    verify_fails(f"event #{last.sequence}: the trail no longer holds this event")


def test_appending_a_recomputed_event(trail):
    last = last_event()
    fake = AuditEvent(
        actor_name="mallory", action="approve", detail={}, created_at=timezone.now(),
        sequence=last.sequence + 1, prev_hash=last.hash, key_id=last.key_id,
    )  # fmt: skip
    fake.hash = forge(fake)
    fake.save()
    sql("UPDATE articles_audithead SET sequence = %s, hash = %s", [fake.sequence, fake.hash])

    verify_fails(f"event #{fake.sequence}: its contents were changed")


def test_appending_an_event_in_the_old_unkeyed_form(trail):
    last = last_event()
    fake = AuditEvent(
        actor_name="mallory", action="publish", detail={}, created_at=timezone.now(),
        sequence=last.sequence + 1, prev_hash=last.hash, key_id="",
    )  # fmt: skip
    fake.hash = hashlib.sha256(chain.canonical(fake, keyed=False)).hexdigest()
    fake.save()
    sql("UPDATE articles_audithead SET sequence = %s, hash = %s", [fake.sequence, fake.hash])

    verify_fails(f"event #{fake.sequence}: it is not signed with the audit key")


@pytest.mark.parametrize("keyed", [True, False], ids=["attacker-key", "plain-sha256"])
def test_rebuilding_the_chain_after_an_edit(trail, keyed):
    """Change one event, then recompute every hash after it and the head, as the red team did."""
    events = list(AuditEvent.objects.order_by("sequence"))
    victim = events[2]
    prev = events[1].hash
    for event in events[2:]:
        if event.pk == victim.pk:
            event.actor_name = "mallory"
        event.prev_hash = prev
        if not keyed:
            event.key_id = ""
        event.hash = (
            forge(event)
            if keyed
            else hashlib.sha256(chain.canonical(event, keyed=False)).hexdigest()
        )
        sql(
            "UPDATE articles_auditevent SET actor_name = %s, prev_hash = %s, hash = %s, "
            "key_id = %s WHERE id = %s",
            [event.actor_name, event.prev_hash, event.hash, event.key_id, event.pk],
        )
        prev = event.hash
    sql("UPDATE articles_audithead SET hash = %s", [prev])

    report = verify_fails(f"event #{victim.sequence}:")
    assert any("the trail was rebuilt" in line for line in report)


def test_wiping_every_event(trail):
    anchored = anchor.read()
    sql("DELETE FROM articles_auditevent")
    sql("DELETE FROM articles_audithead")

    verify_fails(f"event #{anchored.sequence}: the trail no longer holds this event")


def test_wiping_the_trail_is_never_anchored_over(trail):
    """run_jobs after the wipe keeps the old anchor and says why, so the wipe stays visible."""
    anchored = anchor.read()
    sql("DELETE FROM articles_auditevent")
    sql("DELETE FROM articles_audithead")
    with pytest.raises(anchor.AnchorError, match="no longer holds"):
        anchor.write()
    report = __import__("articles.jobs", fromlist=["run_all"]).run_all()
    assert any("audit anchor" in line for line in report.failed)
    assert anchor.read() == anchored


# --- The records beside the trail -------------------------------------------------------------


def test_a_rehashed_revision_with_a_matching_signature(trail):
    """Change the live text, re-hash the revision and the signature over it."""
    revision = reload(trail).live_revision
    content = {**revision.content, "title": "Cures back pain in a week"}
    new_hash = content_hash(content)
    sql(
        "UPDATE articles_revision SET content = %s, content_hash = %s WHERE id = %s",
        [json.dumps(content), new_hash, revision.pk],
    )
    sql(
        "UPDATE articles_signature SET content_hash = %s WHERE revision_id = %s",
        [new_hash, revision.pk],
    )
    assert Signature.objects.get(revision=revision).binds_revision  # what the engine alone sees

    report = verify_fails(
        f"revision {revision.number} of article {trail.pk}: it differs from what the audit trail",
        "it differs from what the reviewer signed",
    )
    # The revision, the signature and the stored page (sealed over the old hash).
    assert len(report) == 3


def test_a_signature_inserted_through_the_orm(trail, make_article, writer, reviewer):
    draft = make_article("Never reviewed")
    revision = workflow.save_revision(draft, writer)
    now = timezone.now()
    forged = Signature.objects.create(
        revision=revision, reviewer=reviewer, reviewer_name="Rita Reviewer",
        reviewer_credentials="MD, neurology", meaning="I have reviewed this content.",
        content_hash=revision.content_hash, signed_at=now,
        valid_until=now.replace(year=now.year + 1),
    )  # fmt: skip

    verify_fails(f"signature {forged.pk} (Rita Reviewer): no approve event records it")


def test_a_signature_changed_after_signing(trail):
    signature = reload(trail).live_signature
    sql(
        "UPDATE articles_signature SET reviewer_credentials = 'MD, PhD' WHERE id = %s",
        [signature.pk],
    )

    verify_fails(f"signature {signature.pk}", "it differs from what the reviewer signed")


def test_a_revision_inserted_through_the_orm(trail, writer):
    fake = Revision.objects.create(
        content_object=trail, number=99, content={"title": "x"},
        content_hash=content_hash({"title": "x"}), created_by=writer,
    )  # fmt: skip
    verify_fails(f"revision {fake.number} of article {trail.pk}: no audit event records it")


def test_an_updated_rendering_is_detected_and_never_served(trail, client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    revision = reload(trail).live_revision
    sql(
        "UPDATE articles_rendering SET page_html = REPLACE(page_html, %s, %s) "
        "WHERE revision_id = %s",
        [revision.content["title"], "Miracle cure", revision.pk],
    )
    verify_fails(f"stored page of revision id {revision.pk}: it was changed after it was rendered")

    page = client.get(trail.get_absolute_url()).content.decode()
    assert "Miracle cure" not in page
    assert revision.content["title"] in page
    # The stored page was rendered again from the signed revision; the trail keeps the fact.
    assert "Miracle cure" not in Rendering.objects.get(revision=revision).page_html
    assert last_event().action == "page_altered"
    verify_fails("a stored public page was found altered")


def test_a_rendering_made_up_for_an_unpublished_revision(trail, make_article, writer):
    draft = make_article("Draft only")
    revision = workflow.save_revision(draft, writer)
    Rendering.objects.create(revision=revision, body_html="<p>x</p>", page_html="<html>x</html>")
    verify_fails(f"stored page of revision id {revision.pk}: its revision was never published")


# --- Keys --------------------------------------------------------------------------------------


def test_rotating_the_key_keeps_old_events_verifiable(trail, settings, make_article, writer):
    old_key_id = last_event().key_id
    settings.AUDIT_HMAC_KEYS = [settings.AUDIT_HMAC_KEY]
    settings.AUDIT_HMAC_KEY = "the new audit key"
    workflow.save_revision(make_article("After rotation"), writer)
    call_command("run_jobs", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert last_event().key_id == keys.key_id(b"the new audit key") != old_key_id
    assert AuditEvent.objects.filter(key_id=old_key_id).exists()
    assert anchor.read().key_id == last_event().key_id
    assert audit.verify()[1] == []


def test_dropping_an_old_key_too_early_is_named(trail, settings):
    old_key_id = last_event().key_id
    settings.AUDIT_HMAC_KEY = "the new audit key"  # the old one not kept in AUDIT_HMAC_KEYS
    report = verify_fails(f"key id {old_key_id}", "AUDIT_HMAC_KEYS")
    assert report


def test_without_a_key_nothing_is_written_and_the_reason_is_one_line(
    settings, make_article, writer
):
    article = make_article("Unsaved")
    settings.AUDIT_HMAC_KEY = ""
    settings.DEBUG = False
    count = Revision.objects.count()
    with pytest.raises(Exception, match="AUDIT_HMAC_KEY is not set"):
        workflow.save_revision(article, writer)
    assert Revision.objects.count() == count


def test_with_debug_a_development_key_is_derived(settings, make_article, writer):
    settings.AUDIT_HMAC_KEY = ""
    settings.DEBUG = True
    workflow.save_revision(make_article("Local run"), writer)
    assert audit.verify()[1] == []


def test_events_written_before_the_key_are_signed_once_if_intact(trail):
    """Migration 0010 signs a trail written with plain SHA-256 when that chain is intact."""
    prev = chain.GENESIS
    for event in AuditEvent.objects.order_by("sequence"):
        event.prev_hash, event.key_id = prev, ""
        event.hash = hashlib.sha256(chain.canonical(event, keyed=False)).hexdigest()
        sql(
            "UPDATE articles_auditevent SET prev_hash = %s, hash = %s, key_id = '', "
            "revision_hash = '' WHERE id = %s",
            [event.prev_hash, event.hash, event.pk],
        )
        prev = event.hash
    sql("UPDATE articles_audithead SET hash = %s", [prev])
    assert audit.verify()[1]  # unsigned events are named

    with triggers_off():  # migration 0010 runs before the triggers exist
        signed = audit.sign_unkeyed_trail(AuditEvent, AuditHead, Revision)
    assert signed == AuditEvent.objects.count()
    checked, breaks = audit.verify()
    assert [str(b) for b in breaks if "anchor" not in str(b) and "rebuilt" not in str(b)] == []


def test_the_anchor_cannot_be_edited(trail, settings):
    path = Path(settings.AUDIT_ANCHOR)
    data = json.loads(path.read_text())
    data["sequence"] -= 1
    path.write_text(json.dumps(data))
    verify_fails("anchor: the anchor audit-anchor.json was altered")


def test_the_anchor_goes_to_a_configured_storage(trail, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "audit_anchor": {
            "BACKEND": "django.core.files.storage.InMemoryStorage",
        },
    }
    settings.AUDIT_ANCHOR_STORAGE = "audit_anchor"
    settings.AUDIT_ANCHOR = "trail/head.json"
    from django.core.files.storage import storages

    storages._storages.pop("audit_anchor", None)
    written = anchor.write()
    assert written.sequence == last_event().sequence
    assert storages["audit_anchor"].exists("trail/head.json")
    assert anchor.read() == written
    assert hmac.compare_digest(written.hash, last_event().hash)


def test_the_deploy_check_requires_the_key(settings):
    from articles.audit.keys import check_configured

    settings.AUDIT_HMAC_KEY, settings.DEBUG = "", False
    assert [e.id for e in check_configured()] == ["vetted.E001"]
    settings.AUDIT_HMAC_KEY = "set"
    assert check_configured() == []
