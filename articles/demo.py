"""Demo content for a local run: users for every role and articles in every state, all made
through the real workflow so the audit trail and signatures are genuine.

The texts are written for this project. Running `load` twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from articles import workflow
from articles.models import (
    Article,
    ArticleKind,
    AuthorProfile,
    Citation,
    Placement,
    Prompt,
    Topic,
)
from articles.roles import Role, grant
from evidence.models import Source, SourceKind


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    name: str
    credentials: str
    roles: tuple[Role, ...]
    superuser: bool = False


USERS = (
    DemoUser("writer", "vetted-writer", "Wendy Walker", "BSc, health writer", (Role.WRITER,)),
    DemoUser("reviewer", "vetted-reviewer", "Dr Rosa Reyes", "MD, internal medicine",
             (Role.REVIEWER,)),
    DemoUser("editor", "vetted-editor", "Eli Edwards", "", (Role.EDITOR,)),
    DemoUser("admin", "vetted-admin", "Ada Admin", "", (Role.ADMIN,), superuser=True),
)  # fmt: skip

TOPICS = {
    "heart": ("Heart and circulation", "Blood pressure, cholesterol and the heart."),
    "joints": ("Bones and joints", "Knees, hips, backs and the muscles around them."),
    "recovery": ("Recovery and rehabilitation", "Getting back to everyday life."),
}

PROMPT = {
    "name": "Information packet (clinic)",
    "headline": "Would you like our information packet?",
    "body": "<p>We can post you a short printed guide to the services our clinic offers. "
    "It does not replace advice from your own doctor.</p>",
    "button_label": "Request the information packet",
    "disclosure_label": "From our clinic",
}


# Real studies and pages, described as their publishers register them. The demo runs offline, so
# they show as not yet verified (a warning) until `manage.py verify_sources` checks them.
SOURCES = {
    "ettehad-2016": {
        "kind": SourceKind.SYSTEMATIC_REVIEW,
        "doi": "10.1016/s0140-6736(15)01225-8",
        "pmid": "26724178",
        "title": "Blood pressure lowering for prevention of cardiovascular disease and death: "
        "a systematic review and meta-analysis",
        "authors": [
            {"family": "Ettehad", "given": "D"},
            {"family": "Emdin", "given": "CA"},
            {"family": "Kiran", "given": "A"},
        ],
        "authors_truncated": True,
        "journal": "Lancet",
        "year": 2016,
        "volume": "387",
        "issue": "10022",
        "pages": "957-967",
    },
    "fransen-2015": {
        "kind": SourceKind.SYSTEMATIC_REVIEW,
        "doi": "10.1002/14651858.cd004376.pub3",
        "title": "Exercise for osteoarthritis of the knee",
        "authors": [
            {"family": "Fransen", "given": "M"},
            {"family": "McConnell", "given": "S"},
            {"family": "Harmer", "given": "AR"},
        ],
        "authors_truncated": True,
        "journal": "Cochrane Database of Systematic Reviews",
        "year": 2015,
        "issue": "1",
        "pages": "CD004376",
    },
    "nhs-physiotherapy": {
        "kind": SourceKind.WEBSITE,
        "url": "https://www.nhs.uk/tests-and-treatments/physiotherapy/",
        "title": "Physiotherapy",
        "authors": [{"family": "NHS", "given": ""}],
        "journal": "NHS website",
    },
}


@dataclass(frozen=True)
class DemoArticle:
    slug: str
    title: str
    kind: str
    topic: str
    tags: tuple[str, ...]
    summary: str
    body: str
    state: str  # the state the demo leaves it in
    sources: tuple[str, ...] = ()  # keys of SOURCES, cited in this order as markers 1, 2, ...


ARTICLES = (
    DemoArticle(
        "high-blood-pressure-numbers",
        "High blood pressure: what the numbers mean",
        ArticleKind.PATIENT_GUIDE,
        "heart",
        ("blood pressure", "heart health"),
        "How to read a blood pressure result, and why a raised reading matters even when "
        "you feel well.",
        "<h2>Two numbers</h2><p>A reading such as 128/82 mmHg has two parts. The first is the "
        "pressure while your heart squeezes; the second is the pressure while it rests "
        "between beats.</p><h2>Why it matters</h2><p>Blood pressure that stays high for years "
        "strains the heart, the kidneys and the blood vessels of the brain. In a large review of "
        "trials, every 10 mmHg fall in the top number lowered the risk of heart disease and "
        'stroke by about a fifth<sup data-citation="1">1</sup>. Most people with high blood '
        "pressure feel nothing, which is why regular checks are worth having.</p>"
        "<h2>What you can do</h2><ul><li>Have your blood pressure checked at least every five "
        "years, or as often as your clinician suggests.</li><li>Ask how to measure it at home "
        "with a validated monitor.</li><li>Bring your home readings to your next "
        "appointment.</li></ul>",
        "published",
        ("ettehad-2016",),
    ),
    DemoArticle(
        "first-physiotherapy-visit",
        "Preparing for your first physiotherapy visit",
        ArticleKind.PATIENT_GUIDE,
        "recovery",
        ("physiotherapy",),
        "What happens at a first appointment and what to bring.",
        "<p>Your first visit usually starts with questions about what hurts, what makes it "
        'better or worse, and what you would like to be able to do again<sup data-citation="1">'
        "1</sup>.</p><p>Wear clothes "
        "you can move in, and bring a list of your medicines.</p>",
        "approved",
        ("nhs-physiotherapy",),
    ),
    DemoArticle(
        "knee-osteoarthritis-exercise",
        "Knee osteoarthritis: exercise and pain relief",
        ArticleKind.PATIENT_GUIDE,
        "joints",
        ("knee", "osteoarthritis", "exercise"),
        "Why moving helps sore knees, and how to start safely.",
        "<p>Osteoarthritis changes the cartilage and bone of a joint. Gentle, regular exercise "
        "that strengthens the thigh muscles can ease pain and stiffness for many people"
        '<sup data-citation="1">1</sup>.</p>'
        "<p>Start slowly and build up over several weeks.</p>",
        "in_review",
        ("fransen-2015",),
    ),
    DemoArticle(
        "sleep-after-surgery",
        "Sleeping well after surgery",
        ArticleKind.PATIENT_GUIDE,
        "recovery",
        ("sleep", "surgery"),
        "Why sleep is often disturbed after an operation and what can help.",
        "<p>Pain, new medicines and a hospital routine can all upset sleep for a few weeks "
        "after surgery. For most people it settles as they recover.</p>",
        "changes_requested",
        ("nhs-physiotherapy",),
    ),
    DemoArticle(
        "cholesterol-test",
        "Understanding your cholesterol test",
        ArticleKind.PATIENT_GUIDE,
        "heart",
        ("cholesterol", "heart health"),
        "What LDL, HDL and triglycerides are.",
        "<p>A cholesterol test measures fats carried in your blood. Your result is usually "
        "read together with your age, blood pressure and other risks.</p>",
        "draft",
    ),
)


def _user(spec: DemoUser):
    User = get_user_model()
    user = User.objects.filter(username=spec.username).first()
    if user is None:
        user = User.objects.create_user(
            spec.username,
            email=f"{spec.username}@vetted.invalid",
            password=spec.password,
            is_staff=True,
            is_superuser=spec.superuser,
        )
        AuthorProfile.objects.create(
            user=user, display_name=spec.name, credentials=spec.credentials
        )
        grant(user, *spec.roles)
    return user


def _prompt(writer, reviewer, editor) -> Prompt:
    prompt = Prompt.objects.filter(name=PROMPT["name"]).first()
    if prompt is None:
        prompt = Prompt(kind="information_packet", owner=writer, **PROMPT)
        workflow.save_revision(prompt, writer, change_summary="First version")
        workflow.submit(prompt, writer)
        workflow.approve(prompt, reviewer, password=_password(reviewer))
        workflow.publish(prompt, editor)
    return prompt


def _password(user) -> str:
    return next(spec.password for spec in USERS if spec.username == user.username)


def _source(key: str) -> Source:
    fields = SOURCES[key]
    lookup = {"doi": fields["doi"]} if fields.get("doi") else {"url": fields["url"]}
    source, _ = Source.objects.get_or_create(**lookup, defaults=fields)
    return source


def _article(spec: DemoArticle, users: dict, prompt: Prompt) -> Article:
    writer, reviewer, editor = users["writer"], users["reviewer"], users["editor"]
    name, description = TOPICS[spec.topic]
    topic, _ = Topic.objects.get_or_create(
        slug=spec.topic, defaults={"name": name, "description": description}
    )
    article = Article(
        slug=spec.slug, title=spec.title, kind=spec.kind, topic=topic, summary=spec.summary,
        body=spec.body, owner=writer,
    )  # fmt: skip

    def related() -> None:
        article.tags.set(list(spec.tags))
        for number, key in enumerate(spec.sources, start=1):
            Citation.objects.create(
                article=article, source=_source(key), order=number, key=str(number)
            )
        if spec.state == "published":
            Placement.objects.get_or_create(article=article, prompt=prompt)

    workflow.save_revision(article, writer, change_summary="First draft", save_related=related)
    if spec.state == "draft":
        return article
    workflow.submit(article, writer)
    if spec.state == "in_review":
        return article
    if spec.state == "changes_requested":
        workflow.request_changes(
            article,
            reviewer,
            comment="The cited page is about physiotherapy, not sleep. Please cite a source "
            "on sleep after surgery, and say when to call the surgical team.",
        )
        return article
    workflow.approve(
        article, reviewer, password=_password(reviewer), comment="Accurate and clear for patients."
    )
    if spec.state == "published":
        workflow.publish(article, editor)
    return article


@transaction.atomic
def load() -> dict[str, int]:
    """Create whatever of the demo is missing. Returns how many articles were created."""
    users = {spec.username: _user(spec) for spec in USERS}
    prompt = _prompt(users["writer"], users["reviewer"], users["editor"])
    created = 0
    for spec in ARTICLES:
        if not Article.objects.filter(slug=spec.slug).exists():
            _article(spec, users, prompt)
            created += 1
    return {"articles_created": created}
