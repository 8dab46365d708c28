"""Articles, prompts, topics and the people who write and review them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager

from articles.models.images import Image
from articles.models.reviewed import CannotGoLive, ReviewedContent
from articles.sanitize import clean_html


class Topic(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AuthorProfile(models.Model):
    """How a writer or reviewer is named on the public site."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    display_name = models.CharField(max_length=200)
    credentials = models.CharField(
        max_length=200, blank=True, help_text=_('For example "MD, neurology" or "RN, BSN".')
    )
    bio = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.display_name


def display_name(user) -> str:
    profile = getattr(user, "profile", None)
    if profile and profile.display_name:
        return profile.display_name
    return user.get_full_name() or user.get_username()


def credentials(user) -> str:
    profile = getattr(user, "profile", None)
    return profile.credentials if profile else ""


class ArticleKind(models.TextChoices):
    RESEARCH_SUMMARY = "research_summary", _("Research summary")
    PATIENT_GUIDE = "patient_guide", _("Patient guide")
    PROMOTIONAL = "promotional", _("Promotional page")


class PromptKind(models.TextChoices):
    INFORMATION_PACKET = "information_packet", _("Information packet")
    CONSULTATION = "consultation", _("Consultation")
    NEWSLETTER = "newsletter", _("Newsletter")


class Prompt(ReviewedContent):
    """A call to action (information packet, consultation, newsletter), reviewed like an article."""

    promotional = True  # every prompt asks the reader to act on the clinic's offer

    kind = models.CharField(max_length=32, choices=PromptKind.choices)
    name = models.CharField(max_length=200, help_text=_("For staff; readers never see it."))
    headline = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    button_label = models.CharField(max_length=80)
    disclosure_label = models.CharField(
        max_length=80,
        blank=True,
        help_text=_('Shown beside the prompt, for example "From our clinic" or "Advertisement".'),
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.body = clean_html(self.body)
        super().save(*args, **kwargs)

    def revision_content(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "headline": self.headline,
            "body": self.body,
            "button_label": self.button_label,
            "disclosure_label": self.disclosure_label,
        }

    def approved_revision(self):
        """The revision a reviewer's signature currently stands behind, if any."""
        if self.state in ("approved", "published"):
            return self.latest_revision
        return self.live_revision


class Article(ReviewedContent):
    kind = models.CharField(
        max_length=32, choices=ArticleKind.choices, default=ArticleKind.PATIENT_GUIDE
    )

    @property
    def promotional(self) -> bool:
        return self.kind == ArticleKind.PROMOTIONAL

    title = models.CharField(max_length=255)
    # The working copy's address; frozen into each revision. The public address is live_slug.
    slug = models.SlugField(max_length=255, unique=True)
    # The slug of the live revision, set by the workflow when it goes live (`going_live`);
    # "" while nothing is live. Every slug ever published is kept in ArticleSlug.
    live_slug = models.SlugField(max_length=255, blank=True, editable=False)
    summary = models.TextField(blank=True)
    body = models.TextField(blank=True)
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles"
    )
    tags = TaggableManager(blank=True)
    hero_image = models.ForeignKey(
        Image, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    hero_alt = models.CharField(_("alt text"), max_length=300, blank=True)
    hero_decorative = models.BooleanField(
        _("decorative image"),
        default=False,
        help_text=_("Tick only if the image adds nothing a screen-reader user would miss."),
    )
    prompts = models.ManyToManyField(Prompt, through="Placement", blank=True, related_name="+")
    featured = models.BooleanField(
        default=False, help_text=_("Shown first on the home page while it is published.")
    )
    # Kept from an import as history; the public dates are Vetted's own publication dates.
    origin_url = models.URLField(
        _("original address"),
        max_length=500,
        blank=True,
        help_text=_("Where the post lived before."),
    )
    origin_published_at = models.DateTimeField(
        _("originally published"),
        null=True,
        blank=True,
        help_text=_("When the old site published it."),
    )
    # Its author meant only some readers to see it. The gate blocks it (`protected-origin`) until
    # a medical reviewer records, as an override with a reason, that it may be public.
    origin_password_protected = models.BooleanField(
        _("password-protected on the old site"),
        default=False,
        help_text=_("Imported from a post that readers needed a password to see."),
    )

    # Written by the workflow engine only, like WORKFLOW_FIELDS.
    engine_fields = ("live_slug",)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        """The public address: the live revision's, or the working copy's while nothing is live."""
        return reverse("articles:detail", kwargs={"slug": self.live_slug or self.slug})

    def going_live(self, revision) -> None:
        """Called by the workflow, under the row lock, as `revision` goes live: its slug becomes
        the public address, and is kept so the old address redirects (301) after a change."""
        slug = revision.content.get("slug") or self.slug
        owner = ArticleSlug.objects.filter(slug=slug).values_list("article_id", flat=True).first()
        if owner is not None and owner != self.pk:
            raise CannotGoLive(
                f"The address “{slug}” was used by another published article; choose another "
                f"address for “{self}” and have it reviewed again."
            )
        if owner is None:
            ArticleSlug.objects.create(article=self, slug=slug)
        self.live_slug = slug

    def going_down(self) -> None:
        self.live_slug = ""

    def clean(self) -> None:
        taken = ArticleSlug.objects.filter(slug=self.slug).exclude(article_id=self.pk)
        if self.slug and taken.exists():
            raise ValidationError(
                {"slug": _("Another article was published at this address; choose another.")}
            )
        if self.hero_image and not self.hero_decorative and not self.hero_alt.strip():
            raise ValidationError(
                {
                    "hero_alt": _(
                        "Describe the image for readers who cannot see it, "
                        "or mark it as decorative."
                    )
                }
            )

    def save(self, *args, **kwargs) -> None:
        self.body = clean_html(self.body)
        super().save(*args, **kwargs)

    def revision_content(self) -> dict[str, Any]:
        placements = self.placements.select_related(
            "prompt__latest_revision", "prompt__live_revision"
        ).order_by("position", "pk")
        return {
            "kind": self.kind,
            "title": self.title,
            # The address is reviewed too: a new slug goes live only with its revision.
            "slug": self.slug,
            "summary": self.summary,
            "body": self.body,
            "author": {"name": display_name(self.owner), "credentials": credentials(self.owner)},
            "image": (
                {
                    **self.hero_image.snapshot(),
                    "alt": self.hero_alt,
                    "decorative": self.hero_decorative,
                }
                if self.hero_image
                else None
            ),
            # Frozen like the rest, so the live page files the article where the reviewer saw it.
            "topic": {"name": self.topic.name, "slug": self.topic.slug} if self.topic else None,
            # Sorted here, not by the database's collation, so equal tags always hash alike.
            "tags": [
                {"name": name, "slug": slug}
                for name, slug in sorted(self.tags.values_list("name", "slug"))
            ],
            "prompts": [placement.revision_content() for placement in placements],
            "citations": [
                citation.revision_content()
                for citation in self.citations.select_related("source").order_by("order", "pk")
            ],
        }


class ArticleSlug(models.Model):
    """Every address an article has been published under. A slug belongs to one article for
    good, so an old address always redirects to the article that had it, never to another."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="slugs")
    slug = models.SlugField(max_length=255, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.slug


class Placement(models.Model):
    """A prompt placed in an article. The unique constraint is the rule: once per page."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="placements")
    prompt = models.ForeignKey(Prompt, on_delete=models.PROTECT, related_name="placements")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["article", "prompt"], name="prompt_once_per_article")
        ]

    def __str__(self) -> str:
        return f"{self.prompt} in {self.article}"

    def revision_content(self) -> dict[str, Any]:
        approved = self.prompt.approved_revision()
        return {
            "prompt": self.prompt_id,
            "approved_hash": approved.content_hash if approved else None,
        }


class Citation(models.Model):
    """A source cited by an article's working copy, frozen into each revision.

    `key` is what the body's citation markers name (`<sup data-citation="KEY">`); `attribution`
    is how the text names the work ("Lu et al."); `supports` is the sentence or paragraph the
    citation stands behind."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="citations")
    source = models.ForeignKey(
        "evidence.Source", on_delete=models.PROTECT, related_name="article_citations"
    )
    order = models.PositiveIntegerField(default=0)
    key = models.CharField(max_length=64)
    attribution = models.CharField(max_length=200, blank=True)
    supports = models.TextField(blank=True)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["article", "source"], name="source_cited_once"),
            models.UniqueConstraint(fields=["article", "key"], name="citation_key_unique"),
        ]

    def __str__(self) -> str:
        return f"[{self.key}] {self.source}"

    def revision_content(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "order": self.order,
            "attribution": self.attribution,
            "supports": self.supports,
            "source": self.source.snapshot(),
        }
