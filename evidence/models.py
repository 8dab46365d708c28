"""Sources: the studies, reviews, guidelines and pages that content cites."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from evidence import limits


class SourceKind(models.TextChoices):
    JOURNAL_ARTICLE = "journal_article", _("Journal article")
    SYSTEMATIC_REVIEW = "systematic_review", _("Systematic review or meta-analysis")
    RANDOMIZED_TRIAL = "randomized_trial", _("Randomized trial")
    OBSERVATIONAL = "observational", _("Observational study")
    CASE_SERIES = "case_series", _("Case series or open-label trial")
    PRECLINICAL = "preclinical", _("Preclinical (laboratory or animal) study")
    GUIDELINE = "guideline", _("Clinical guideline")
    WEBSITE = "website", _("Website")
    # Kinds of publication rather than of study design: each has its own AMA layout.
    BOOK = "book", _("Book")
    CHAPTER = "chapter", _("Book chapter")
    REPORT = "report", _("Report")
    THESIS = "thesis", _("Thesis or dissertation")


# What each kind of evidence is, in words a patient understands.
EVIDENCE_IN_PLAIN_WORDS = {
    SourceKind.SYSTEMATIC_REVIEW: _("review of trials"),
    SourceKind.RANDOMIZED_TRIAL: _("randomized trial"),
    SourceKind.OBSERVATIONAL: _("study that observed patients"),
    SourceKind.CASE_SERIES: _("early trial without a control group"),
    SourceKind.PRECLINICAL: _("laboratory or animal study"),
    SourceKind.GUIDELINE: _("clinical guideline"),
    SourceKind.JOURNAL_ARTICLE: _("journal article"),
    SourceKind.WEBSITE: _("website"),
    SourceKind.BOOK: _("book"),
    SourceKind.CHAPTER: _("book chapter"),
    SourceKind.REPORT: _("report"),
    SourceKind.THESIS: _("thesis"),
}


class VerificationStatus(models.TextChoices):
    UNVERIFIED = "unverified", _("Not yet checked")
    VERIFIED = "verified", _("Matches the registry")
    MISMATCH = "mismatch", _("Differs from the registry")
    RETRACTED = "retracted", _("Retracted")
    NOT_FOUND = "not-found", _("Not found in the registry")
    UNREACHABLE = "unreachable", _("Registry unreachable")


def author_name(author: dict) -> str:
    """How an author is named in a short label: a person by family name, a group by its name.
    Authors are CSL names: {"family", "given"} for a person, {"literal"} for a group such as
    "SPRINT Research Group"."""
    return (author.get("family") or author.get("literal") or "").strip()


def first_author_name(authors: list[dict]) -> str:
    return author_name(authors[0]) if authors else ""


class SourceQuerySet(models.QuerySet):
    def with_identifier(self) -> SourceQuerySet:
        return self.exclude(doi="", pmid="")

    def retracted(self) -> SourceQuerySet:
        return self.filter(retracted=True)


class Source(models.Model):
    kind = models.CharField(
        max_length=32, choices=SourceKind.choices, default=SourceKind.JOURNAL_ARTICLE
    )
    doi = models.CharField(_("DOI"), max_length=255, blank=True)
    pmid = models.CharField(_("PubMed ID"), max_length=12, blank=True)
    pmcid = models.CharField(_("PubMed Central ID"), max_length=16, blank=True)
    isbn = models.CharField(_("ISBN-13"), max_length=13, blank=True)
    url = models.URLField(max_length=500, blank=True)
    title = models.TextField(blank=True)
    # [{"family": "Mesa Bedoya", "given": "L.E."}, ...] in the order the source lists them.
    authors = models.JSONField(default=list, blank=True)
    authors_truncated = models.BooleanField(
        default=False, help_text=_('The list as written ends with "et al."')
    )
    journal = models.CharField(max_length=300, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    volume = models.CharField(max_length=40, blank=True)
    issue = models.CharField(max_length=40, blank=True)
    pages = models.CharField(_("pages or article number"), max_length=60, blank=True)
    # Books, chapters, reports, theses and web pages (AMA prints each its own way).
    book_title = models.CharField(
        max_length=500, blank=True, help_text=_("The book a chapter appears in.")
    )
    # [{"family": "Adam", "given": "M.P."}, ...]: a chapter's book editors.
    editors = models.JSONField(default=list, blank=True)
    publisher = models.CharField(
        max_length=300, blank=True, help_text=_("Publisher, or the university of a thesis.")
    )
    publisher_place = models.CharField(_("place of publication"), max_length=200, blank=True)
    accessed = models.DateField(
        _("date accessed"), null=True, blank=True, help_text=_("When the web page was read.")
    )
    # The journal's ISSNs as the file or registry gives them ("1093-9946 1093-4715"); journals
    # are matched by ISSN before their names are compared.
    issn = models.CharField(_("ISSN"), max_length=40, blank=True)
    # The reference exactly as it was written (a "Source:" line, a BibTeX entry's fields).
    as_written = models.TextField(blank=True)

    retracted = models.BooleanField(default=False)
    retraction_notice = models.CharField(max_length=500, blank=True)
    verification_status = models.CharField(
        max_length=20, choices=VerificationStatus.choices, default=VerificationStatus.UNVERIFIED
    )
    # [{"field": "authors", "written": "...", "registry": "..."}, ...]
    verification_details = models.JSONField(default=list, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    registry_metadata = models.JSONField(default=dict, blank=True)
    metadata_fetched_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["doi"], condition=~Q(doi=""), name="one_source_per_doi"
            ),
            models.UniqueConstraint(
                fields=["pmid"], condition=~Q(pmid=""), name="one_source_per_pmid"
            ),
        ]

    def __str__(self) -> str:
        first = first_author_name(self.authors)
        label = f"{first} {self.year or ''}".strip()
        return f"{label}: {self.title[:80]}" if label else (self.title[:100] or f"Source {self.pk}")

    def save(self, *args, **kwargs) -> None:
        # The last guard: every path that writes a source checked its lengths already. Only the
        # fields being written are checked, so a row stored under older limits can still be
        # verified.
        written = kwargs.get("update_fields")
        limits.check_source(self._limited(written))
        super().save(*args, **kwargs)

    def _limited(self, only=None) -> dict:
        values = {"title": self.title, "as_written": self.as_written, "authors": self.authors}
        return {k: v for k, v in values.items() if only is None or k in only}

    def clean(self) -> None:
        if problems := limits.source_problems(self._limited()):
            raise ValidationError(problems)

    @property
    def evidence_in_plain_words(self) -> str:
        """The kind as a patient reads it on the public page ("randomized trial")."""
        return str(EVIDENCE_IN_PLAIN_WORDS.get(self.kind, ""))

    def snapshot(self) -> dict:
        """What a reader sees of this source in a reference list; frozen into revisions."""
        return {
            "id": self.pk,
            "kind": self.kind,
            "doi": self.doi,
            "pmid": self.pmid,
            "pmcid": self.pmcid,
            "isbn": self.isbn,
            "url": self.url,
            "title": self.title,
            "authors": self.authors,
            "authors_truncated": self.authors_truncated,
            "journal": self.journal,
            "year": self.year,
            "volume": self.volume,
            "issue": self.issue,
            "pages": self.pages,
            "book_title": self.book_title,
            "editors": self.editors,
            "publisher": self.publisher,
            "publisher_place": self.publisher_place,
            "accessed": self.accessed.isoformat() if self.accessed else "",
        }
