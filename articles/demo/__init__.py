"""Demo content for a local run: users for every role, and a clinic's blog export taken through the
real importer and the real workflow, so the audit trail and the signatures are genuine.

`riverside_clinic_blog.txt` is written for this project in the plain-text export format
(`articles.importers.text`). It holds the problems Vetted exists to catch: a promotional page with
absolute promises and references without links, a guide with no sources, a summary that credits
the wrong authors, and calls to action pasted in again and again. `load` imports it as the
importer account, then acts out what a clinic's team would do: the editor assigns the drafts to
the writer, the writer adds summaries, topics and tags, the reviewer signs what is sound, the
editor publishes. Whatever the gate blocks stays a draft, for the writer to see why.

Running `load` twice changes nothing: the import skips drafts someone has taken over, and only
content still exactly as the importer left it is taken through the workflow.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from articles import gate, images, signing, workflow
from articles.accounts import factors, people
from articles.demo import illustrations
from articles.importers import load as importer
from articles.importers import parse_text, read_text
from articles.models import (
    Article,
    AuthorProfile,
    Image,
    Prompt,
    ReviewedContent,
    State,
    Topic,
)
from articles.roles import Role, grant
from evidence.models import Source, SourceKind

EXPORT = Path(__file__).with_name("riverside_clinic_blog.txt")

Users = dict[str, AbstractBaseUser]  # the demo users by username


class DemoError(Exception):
    """The demo cannot be loaded; nothing was written. The message is one line."""


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
    "diabetes": ("Diabetes and blood sugar", "Preventing and living with type 2 diabetes."),
}

# The studies the export cites, as PubMed and the publishers register them. The export's own
# citations are partial (and one credits the wrong authors), and the demo runs offline, so the
# demo fills these in after the import; they stay "not verified" (a warning) until
# `manage.py verify_sources` checks them against Crossref and PubMed.
SOURCES = {
    "10.1056/nejmoa1511939": {
        "kind": SourceKind.RANDOMIZED_TRIAL,
        "pmid": "26551272",
        "title": "A randomized trial of intensive versus standard blood-pressure control",
        "authors": [
            {"literal": "SPRINT Research Group"},
            {"family": "Wright", "given": "JT"},  # "Jr": sources keep no name suffix
            {"family": "Williamson", "given": "JD"},
            {"family": "Whelton", "given": "PK"},
        ],
        "authors_truncated": True,
        "journal": "N Engl J Med",
        "year": 2015,
        "volume": "373",
        "issue": "22",
        "pages": "2103-2116",
    },
    "10.1016/s0140-6736(15)01225-8": {
        "kind": SourceKind.SYSTEMATIC_REVIEW,
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
    "10.1002/14651858.cd004376.pub3": {
        "kind": SourceKind.SYSTEMATIC_REVIEW,
        "pmid": "",
        "title": "Exercise for osteoarthritis of the knee",
        "authors": [
            {"family": "Fransen", "given": "M"},
            {"family": "McConnell", "given": "S"},
            {"family": "Harmer", "given": "AR"},
        ],
        "authors_truncated": True,
        "journal": "Cochrane Database Syst Rev",
        "year": 2015,
        "volume": "",
        "issue": "1",
        "pages": "CD004376",
    },
    "10.1056/nejmoa012512": {
        "kind": SourceKind.RANDOMIZED_TRIAL,
        "pmid": "11832527",
        "title": "Reduction in the incidence of type 2 diabetes with lifestyle intervention or "
        "metformin",
        "authors": [
            {"family": "Knowler", "given": "WC"},
            {"family": "Barrett-Connor", "given": "E"},
            {"family": "Fowler", "given": "SE"},
        ],
        "authors_truncated": True,
        "journal": "N Engl J Med",
        "year": 2002,
        "volume": "346",
        "issue": "6",
        "pages": "393-403",
    },
}

# The call to action the export pastes in after several posts, and what the writer makes of it:
# honest copy and a disclosure label, so it can be reviewed and shown once on a page.
PACKET_HEADLINE = "Request Our Free Information Packet"
PACKET = {
    "name": "Information packet",
    "headline": "Would you like our information packet?",
    "body": "<p>We can post you a short printed guide to the services our clinic offers, what "
    "they cost and how to book. It does not replace advice from your own doctor.</p>",
    "button_label": "Request the information packet",
    "disclosure_label": "From our clinic",
}


@dataclass(frozen=True)
class Plan:
    """What the team does with one imported post, and the state the demo leaves it in."""

    title: str  # as the export titles the post
    state: State
    topic: str
    tags: tuple[str, ...]
    summary: str  # the export has none; the writer adds one
    featured: bool = False
    # Text after which the writer marks the citation, where the importer found no author's name
    # to place it by ("the SPRINT Research Group" is not "Wright et al.").
    cite_after: str = ""
    review_comment: str = ""
    image: str = ""  # a drawing in `illustrations`, as the hero image
    alt: str = ""


SPRINT = "Lower Blood Pressure Targets: What the SPRINT Trial Found"
ETTEHAD = "Every 10 Points Counts: A Large Review of Blood Pressure Treatment"
FRANSEN = "Exercise for Knee Osteoarthritis: What a Cochrane Review Found"
MISATTRIBUTED = "Can Lifestyle Changes Prevent Type 2 Diabetes?"
PREDIABETES = "Prediabetes: What It Means and What You Can Do"
HOME_BP = "Checking Your Blood Pressure at Home"
KNEE_GUIDE = "Starting to Exercise with a Sore Knee"
PROMOTIONAL = "PRP Knee Injections: The Breakthrough Your Knees Have Been Waiting For"
BACK_PAIN = "Back Pain: Common Causes and What Helps"

PLANS = (
    Plan(SPRINT, State.PUBLISHED, "heart", ("blood pressure", "heart health"),
         "A large trial compared a top blood pressure target of 120 with the usual 140 in adults "
         "at raised risk of heart disease.",
         cite_after="deaths from heart disease.", image="gauge",
         alt="Drawing of a blood pressure gauge on its cuff, the needle in the green zone."),
    Plan(ETTEHAD, State.PUBLISHED, "heart", ("blood pressure", "heart health", "stroke"),
         "A review of 123 trials shows how much each 10-point drop in blood pressure lowers the "
         "chance of a stroke or heart problems.",
         featured=True, image="heart",
         alt="Drawing of a red heart with a heartbeat line running through it."),
    Plan(FRANSEN, State.PUBLISHED, "joints", ("knee", "osteoarthritis", "exercise"),
         "A review of 54 trials found that people with knee osteoarthritis who exercised had less "
         "pain and could do more.", image="knee",
         alt="Drawing of a bent leg taking a step, with the knee circled."),
    Plan(PREDIABETES, State.APPROVED, "diabetes", ("diabetes", "blood sugar"),
         "What a raised blood sugar result means, and the steps that lower your chance of type 2 "
         "diabetes."),
    Plan(KNEE_GUIDE, State.IN_REVIEW, "joints", ("knee", "osteoarthritis", "exercise"),
         "Three simple exercises to start with, and how to tell if you are doing too much."),
    Plan(HOME_BP, State.CHANGES_REQUESTED, "heart", ("blood pressure",),
         "How to choose a monitor and take readings at home that your doctor can use.",
         review_comment="Please say which home readings mean the reader should call us the same "
         "day, and how many days of readings to bring to an appointment."),
    Plan(MISATTRIBUTED, State.DRAFT, "diabetes", ("diabetes", "blood sugar"),
         "A large trial tested a lifestyle program and the medicine metformin in adults with "
         "raised blood sugar."),
    Plan(PROMOTIONAL, State.DRAFT, "joints", ("knee",),
         "Everything you need to know about PRP injections at Riverside Family Clinic."),
    Plan(BACK_PAIN, State.DRAFT, "joints", ("back pain",),
         "Why backs hurt, what you can do at home, and when to get help straight away."),
)  # fmt: skip

APPROVAL_COMMENT = "Accurate, and clear for patients."


# --- Users and topics --------------------------------------------------------------------------


def _user(spec: DemoUser) -> AbstractBaseUser:
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
    if factors.requires_two_factor(user) and not factors.has_factor(user):
        TOTPDevice.objects.create(
            user=user, name="Demo authenticator", key=demo_key(spec.username), confirmed=True
        )
    if Role.REVIEWER in spec.roles and not signing.has_certified(user):
        people.certify_signature(user, **signature_of(user))
    return user


def _password(user: AbstractBaseUser) -> str:
    return next(spec.password for spec in USERS if spec.username == user.username)


# --- The demo users' authenticators ------------------------------------------------------------
# Like their passwords, the demo users' authenticator keys are published (printed by the demo
# command, derived from the user name), so anyone can sign in to a local demo: add the key to an
# authenticator app, or read the current codes with `manage.py demo --codes`.


def demo_key(username: str) -> str:
    """The demo user's authenticator key (hex, as django-otp stores it)."""
    return hashlib.sha1(f"vetted-demo-{username}".encode()).hexdigest()  # noqa: S324 - a label


def current_code(user: AbstractBaseUser) -> str:
    """The code the demo user's authenticator shows now ("" without one)."""
    device = factors.confirmed_device(user)
    if device is None:
        return ""
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"


def users_with_codes() -> list[AbstractBaseUser]:
    """The demo users that have an authenticator, in the order of USERS."""
    users = get_user_model().objects.filter(username__in=[spec.username for spec in USERS])
    by_name = {user.username: user for user in users}
    return [
        by_name[spec.username]
        for spec in USERS
        if spec.username in by_name and factors.has_factor(by_name[spec.username])
    ]


def signature_of(user: AbstractBaseUser) -> dict:
    """What the demo reviewer types to sign: user name, password and the current code. The
    demo signs several times within one 30-second step, so its device forgets the last step it
    accepted (a real one takes each code once)."""
    factors.forget_used_codes(TOTPDevice.objects.filter(user=user))
    return {
        "username": user.get_username(),
        "password": _password(user),
        "otp_token": current_code(user),
    }


def _topics() -> dict[str, Topic]:
    topics = {}
    for slug, (name, description) in TOPICS.items():
        defaults = {"name": name, "description": description}
        topics[slug] = Topic.objects.get_or_create(slug=slug, defaults=defaults)[0]
    return topics


# --- The import, and what the team does with it ------------------------------------------------


def _import() -> tuple[importer.ImportReport, dict[str, Article], Prompt]:
    """The export through the real importer, as `import_posts` would write it; with the article
    each plan is about, by title, and the information-packet prompt."""
    parsed = parse_text(read_text(EXPORT))
    if parsed.errors:
        first = parsed.errors[0]
        raise DemoError(f"{EXPORT.name}, {first.where}: {first.message}")
    packet = [key for key, prompt in parsed.prompts.items() if prompt.headline == PACKET_HEADLINE]
    if not packet:
        raise DemoError(f"{EXPORT.name} has no call to action headed “{PACKET_HEADLINE}”.")
    report = importer.load(parsed, origin=EXPORT.name)
    articles = {o.title: o.article for o in report.articles if o.article is not None}
    if missing := [plan.title for plan in PLANS if plan.title not in articles]:
        raise DemoError(f"{EXPORT.name} has no post titled “{missing[0]}”.")
    return report, articles, Prompt.objects.get(import_key=packet[0])


def _complete_sources(report: importer.ImportReport) -> None:
    """Fill in the studies this import created from SOURCES. A source that existed before is
    left as it is, like the importer leaves it: someone may have corrected or verified it."""
    for outcome in report.sources:
        fields = SOURCES.get(outcome.source.doi)
        if outcome.status != "created" or fields is None:
            continue
        holders = Source.objects.filter(pmid=fields["pmid"]).exclude(pk=outcome.source.pk)
        if fields["pmid"] and holders.exists():
            fields = {**fields, "pmid": ""}  # another source holds it; leave that one alone
        for name, value in fields.items():
            setattr(outcome.source, name, value)
        outcome.source.save()


def _as_imported(content: ReviewedContent) -> bool:
    """Still exactly as the importer left it: nobody has taken it over yet."""
    return (
        content.owner.get_username() == importer.IMPORT_USERNAME
        and content.state == State.DRAFT
        and content.live_revision_id is None
    )


def _take_prompt_through(prompt: Prompt, users: Users) -> None:
    writer, reviewer, editor = users["writer"], users["reviewer"], users["editor"]
    workflow.assign(prompt, editor, owner=writer)
    for name, value in PACKET.items():
        setattr(prompt, name, value)
    workflow.save_revision(
        prompt, writer, change_summary="Honest copy and a disclosure label for review"
    )
    workflow.submit(prompt, writer)
    workflow.approve(prompt, reviewer, **signature_of(reviewer), comment=APPROVAL_COMMENT)
    workflow.publish(prompt, editor)


def _mark_citation(article: Article, after: str) -> None:
    """Mark the article's first citation after the text `after` in its body."""
    if after not in article.body:
        raise DemoError(f"“{article}” has no “{after}” to mark its citation after.")
    citation = article.citations.order_by("order", "pk").first()
    marker = f'<sup data-citation="{citation.key}">{citation.key}</sup>'
    article.body = article.body.replace(after, after + marker, 1)


def _hero(plan: Plan, stored: list[Image]) -> Image:
    """The plan's drawing through the image pipeline; new images are added to `stored`."""
    image, created = images.store_image(illustrations.png(plan.image), f"{plan.image}.png")
    if created:
        stored.append(image)
    return image


def _take_through(
    article: Article, plan: Plan, users: Users, topics: dict[str, Topic], stored: list[Image]
) -> None:
    writer, reviewer, editor = users["writer"], users["reviewer"], users["editor"]
    workflow.assign(article, editor, owner=writer)
    article.summary = plan.summary
    article.topic = topics[plan.topic]
    article.featured = plan.featured
    if plan.image:
        article.hero_image, article.hero_alt = _hero(plan, stored), plan.alt
    if plan.cite_after:
        _mark_citation(article, plan.cite_after)
    workflow.save_revision(
        article,
        writer,
        change_summary="Ready for review: summary, topic and tags added",
        save_related=lambda: article.tags.set(list(plan.tags)),
    )
    if plan.state == State.DRAFT:
        return
    workflow.submit(article, writer)
    if plan.state == State.IN_REVIEW:
        return
    if plan.state == State.CHANGES_REQUESTED:
        workflow.request_changes(article, reviewer, comment=plan.review_comment)
        return
    workflow.approve(article, reviewer, **signature_of(reviewer), comment=APPROVAL_COMMENT)
    if plan.state == State.PUBLISHED:
        workflow.publish(article, editor)


@dataclass(frozen=True)
class Result:
    articles_created: int
    articles: dict[str, Article]  # by the export's title: see the title constants above


def load() -> Result:
    """Create whatever of the demo is missing, through the importer and the workflow. Nothing is
    left behind if it fails: the database rolls back, and the image files it stored are deleted."""
    stored: list[Image] = []
    try:
        with transaction.atomic():
            return _load(stored)
    except BaseException:
        images.delete_files(name for image in stored for name in image.stored_names())
        raise


def _load(stored: list[Image]) -> Result:
    users = {spec.username: _user(spec) for spec in USERS}
    topics = _topics()
    report, articles, packet = _import()
    _complete_sources(report)
    # The prompt first: pages that place it take in its approved version when the writer saves.
    if _as_imported(packet):
        _take_prompt_through(packet, users)
    for plan in PLANS:
        if _as_imported(articles[plan.title]):
            _take_through(articles[plan.title], plan, users, topics, stored)
    created = sum(1 for outcome in report.articles if outcome.status == "created")
    # The demo's own signatures used this step's code; the person trying the demo may too.
    factors.forget_used_codes(TOTPDevice.objects.filter(user__in=users.values()))
    return Result(articles_created=created, articles=articles)


def blocker_codes(content: ReviewedContent) -> list[str]:
    """The codes of what stops `content` from being submitted or published now."""
    return list(dict.fromkeys(f.code for f in gate.blockers(gate.run(content))))


def export_path() -> str:
    """The export's path as a command line in the current folder can use it."""
    try:
        return str(EXPORT.relative_to(Path.cwd()))
    except ValueError:
        return str(EXPORT)


def what_to_try(result: Result, site: str = "http://127.0.0.1:8000") -> list[str]:
    """Things to try in the demo, naming its real content and what the gate finds in it now."""
    a = result.articles

    def named(title: str) -> str:
        return f"“{title}” ({a[title].get_state_display().lower()})"

    def check(title: str) -> str:
        return f"python manage.py check_article {a[title].slug}"

    def blocked(title: str) -> str:
        return ", ".join(blocker_codes(a[title])) or "nothing any more"

    return [
        f"Log in as writer and open {named(BACK_PAIN)} to see why it cannot be published "
        f"({blocked(BACK_PAIN)}): it cites no source, and the newsletter prompt pasted into it "
        f"has not been reviewed. The same findings: {check(BACK_PAIN)}",
        f"{named(MISATTRIBUTED)} credits “Smith et al.”, but the study it cites is by Knowler "
        f"and colleagues ({blocked(MISATTRIBUTED)}): {check(MISATTRIBUTED)}",
        f"{named(PROMOTIONAL)} is the clinic's marketing page: promises such as “guaranteed "
        f"results”, references without links and no disclosure label keep it a draft "
        f"({blocked(PROMOTIONAL)}).",
        f"As reviewer, open {named(KNEE_GUIDE)} and approve it: approving is a signature, so "
        "you are asked for your user name, password and a fresh authenticator code.",
        f"As writer, open {named(HOME_BP)} to read what the reviewer asked for, then edit and "
        "resubmit it.",
        f"As editor, publish {named(PREDIABETES)}.",
        f"As writer, edit the published {named(FRANSEN)}: the public page keeps the approved "
        "version until the new one is approved and published.",
        "The information-packet call to action pasted into the export again and again is one "
        "prompt, reviewed once, with the label “From our clinic”, and placed once per page.",
        "See the importer's report on the demo's own export (nothing is written; the posts the "
        f"team took over are reported as skipped): python manage.py import_posts {export_path()} "
        "--dry-run",
        "The cited studies are real, but the demo works offline: they show as not verified "
        "(a warning) until python manage.py verify_sources checks them against Crossref and "
        "PubMed (needs the internet).",
        f"Drafts are not on the public site: {site}/articles/{a[BACK_PAIN].slug}/ answers 404.",
    ]
