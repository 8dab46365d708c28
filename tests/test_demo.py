"""`manage.py demo`: the demo export goes through the real importer and the real workflow, and a
newcomer finds published summaries, drafts blocked for visible reasons, and logins that work."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test.utils import override_settings

from articles import demo, gate, workflow
from articles.audit.models import AuditEvent
from articles.importers import parse_text, read_text
from articles.models import Article, ArticleKind, Image, Prompt, Revision, Signature, State
from articles.roles import roles_of
from evidence.models import Source, VerificationStatus
from tests.conftest import AUDIT_KEY

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run(*args, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (get_user_model(), Article, Prompt, Source, Revision, AuditEvent, Signature)
    )


def blockers(title: str) -> set[str]:
    return {f.code for f in gate.blockers(gate.run(Article.objects.get(title=title)))}


def test_the_demo_export_parses_without_errors():
    parsed = parse_text(read_text(demo.EXPORT))
    assert parsed.errors == []
    assert sorted(post.title for post in parsed.posts) == sorted(plan.title for plan in demo.PLANS)


def test_demo_refuses_without_debug_and_writes_nothing(db, settings):
    settings.DEBUG = False
    before = counts()
    with pytest.raises(CommandError, match="DEBUG is off"):
        run("demo")
    assert counts() == before


def test_a_demo_that_fails_halfway_leaves_nothing_behind(db, settings, monkeypatch):
    publish = workflow.publish

    def refuse_articles(content, user):
        # By then the prompt is published and the first hero image is stored.
        if isinstance(content, Article):
            raise workflow.WrongState("The editor is away.")
        publish(content, user)

    monkeypatch.setattr(workflow, "publish", refuse_articles)
    before = counts()
    with pytest.raises(CommandError, match="The demo was not loaded: The editor is away."):
        run("demo", force=True)
    assert counts() == before
    assert not Image.objects.exists()
    assert not list((settings.MEDIA_ROOT / "images").rglob("*.*"))


def test_a_broken_demo_export_is_one_line_and_writes_nothing(db, tmp_path, monkeypatch):
    broken = tmp_path / "broken.txt"
    broken.write_text("A stray line before any post.\n\nA Post\n\nA Post\n\nSome text.\n")
    monkeypatch.setattr(demo, "EXPORT", broken)
    before = counts()
    with pytest.raises(CommandError, match=r"broken\.txt, line 1: Text before the first post"):
        run("demo", force=True)
    assert counts() == before


@pytest.fixture(scope="class")
def loaded(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, loaded once for the tests of a class and rolled back after them."""
    media = tmp_path_factory.mktemp("demo-media")
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHER, MEDIA_ROOT=media, AUDIT_HMAC_KEY=AUDIT_KEY),
        transaction.atomic(),
    ):
        yield run("demo", force=True)
        transaction.set_rollback(True)


@pytest.mark.usefixtures("loaded", "db")
class TestTheLoadedDemo:
    def test_codes_printed_with_seconds_to_spare(self, monkeypatch):
        """A code printed one second before it expires fails before it can be typed: the
        command waits for the next one instead."""
        clock = {"now": 30 * 1000 - 2.0}  # two seconds left in this code's window
        monkeypatch.setattr("time.time", lambda: clock["now"])
        monkeypatch.setattr("time.sleep", lambda seconds: clock.update(now=clock["now"] + seconds))
        printed = run("demo", codes=True, force=True)
        assert "valid for 30 more seconds" in printed
        assert clock["now"] == 30 * 1000

    def test_prints_a_login_for_every_role_and_what_to_try(self, loaded):
        for spec in demo.USERS:
            assert f"{spec.username:<10} password {spec.password} " in loaded
        back_pain = Article.objects.get(title=demo.BACK_PAIN)
        assert f"open “{demo.BACK_PAIN}” (draft) to see why it cannot be published" in loaded
        assert f"python manage.py check_article {back_pain.slug}" in loaded
        assert f"import_posts {demo.export_path()} --dry-run" in loaded
        assert "python manage.py verify_sources" in loaded
        assert f"/articles/{back_pain.slug}/ answers 404" in loaded

    def test_every_role_can_log_in(self, client):
        for spec in demo.USERS:
            user = get_user_model().objects.get(username=spec.username)
            assert roles_of(user) == set(spec.roles)
            signed_in = client.post(
                "/admin/login/",
                {
                    "username": spec.username,
                    "password": spec.password,
                    "otp_token": demo.current_code(user),
                    "next": "/admin/",
                },
            )
            assert signed_in.status_code == 302, spec.username
            assert client.get("/admin/").status_code == 200
            # Everyone but the writer has an authenticator, and signed in with its code.
            assert bool(demo.current_code(user)) == (spec.username != "writer")
            client.logout()
        reviewer = get_user_model().objects.get(username="reviewer")
        assert reviewer.profile.credentials == "MD, internal medicine"

    def test_summaries_are_published_signed_by_the_demo_reviewer(self, client):
        published = Article.objects.published().filter(kind=ArticleKind.RESEARCH_SUMMARY)
        assert published.count() >= 2
        for article in published:
            assert article.live_signature.reviewer.username == "reviewer"
            page = client.get(f"/articles/{article.slug}/")
            assert page.status_code == 200
            assert "Dr Rosa Reyes" in page.content.decode()
            assert article.topic is not None and article.tags.exists()
            assert article.hero_image is not None and article.hero_alt
        assert Article.objects.published().filter(featured=True).count() == 1

    def test_every_workflow_state_is_there_for_the_staff_dashboards(self):
        states = {plan.title: plan.state for plan in demo.PLANS}
        for article in Article.objects.all():
            assert article.state == states[article.title], article.title
            assert article.owner.username == "writer"
        assert {State.DRAFT, State.IN_REVIEW, State.CHANGES_REQUESTED, State.APPROVED,
                State.PUBLISHED} <= set(states.values())  # fmt: skip

    def test_blocked_drafts_show_what_blocks_them_and_are_not_public(self, client):
        assert blockers(demo.BACK_PAIN) == {"no-sources", "unapproved-prompt"}
        assert blockers(demo.PROMOTIONAL) == {
            "no-sources",
            "empty-reference",
            "citation-unused",
            "vague-source",
            "unsupported-claim",
            "missing-disclosure",
        }
        assert blockers(demo.MISATTRIBUTED) == {"attribution-mismatch"}
        for title in (demo.BACK_PAIN, demo.PROMOTIONAL, demo.MISATTRIBUTED):
            article = Article.objects.get(title=title)
            assert article.state == State.DRAFT
            assert client.get(f"/articles/{article.slug}/").status_code == 404

    def test_content_past_the_gate_has_only_the_unverified_warning(self):
        for plan in demo.PLANS:
            if plan.state == State.DRAFT:
                continue
            findings = gate.run(Article.objects.get(title=plan.title))
            assert {f.code for f in findings} == {"unverified-source"}, plan.title

    def test_the_misattributed_summary_cites_the_real_authors(self):
        article = Article.objects.get(title=demo.MISATTRIBUTED)
        source = article.citations.get().source
        assert source.authors[0]["family"] == "Knowler"
        assert source.pmid == "11832527" and source.journal == "N Engl J Med"
        assert source.verification_status == VerificationStatus.UNVERIFIED
        finding = next(f for f in gate.run(article) if f.code == "attribution-mismatch")
        assert "“Smith et al.”" in finding.message and "Knowler" in finding.message

    def test_repeated_calls_to_action_are_one_prompt_each_placed_once(self):
        assert demo.EXPORT.read_text().count(demo.PACKET_HEADLINE) == 5
        assert Prompt.objects.count() == 2
        packet = Prompt.objects.get(name=demo.PACKET["name"])
        assert packet.state == State.PUBLISHED
        assert packet.disclosure_label == "From our clinic"
        assert packet.live_signature.reviewer.username == "reviewer"
        back_pain = Article.objects.get(title=demo.BACK_PAIN)
        placed = list(back_pain.placements.values_list("prompt_id", flat=True))
        assert len(placed) == len(set(placed)) == 2
        live = Article.objects.get(title=demo.ETTEHAD).live_revision.content["prompts"]
        assert live == [{"prompt": packet.pk, "approved_hash": packet.live_revision.content_hash}]

    def test_running_it_twice_changes_nothing(self):
        before = counts()
        second = run("demo", force=True)
        assert "0 new articles" in second
        assert counts() == before

    def test_the_audit_trail_verifies(self):
        assert run("verify_audit").startswith("The audit trail is intact")
