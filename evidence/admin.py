"""Sources in the staff workspace. Every staff role may look; writers and editors may add and
edit (the permissions are in `articles.roles`). What the registries said is shown, never typed:
the verification fields are read-only and change only through `evidence.verification`."""

from __future__ import annotations

import json
from collections import Counter

from django import forms
from django.contrib import admin, messages
from django.forms.fields import InvalidJSONInput
from django.utils.html import format_html, format_html_join

from evidence import limits
from evidence.identifiers import (
    InvalidIdentifier,
    normalize_doi,
    normalize_isbn,
    normalize_pmcid,
    normalize_pmid,
)
from evidence.models import Source, VerificationStatus
from evidence.registry import RegistryConfigError
from evidence.verification import reassess_from_cache, verify_sources

# More than this in one admin request would keep the page waiting on the registries.
ACTION_LIMIT = 100
# Editing these changes what the registries' answer is compared with.
COMPARED_FIELDS = {"title", "authors", "authors_truncated", "journal", "year", "doi", "pmid"}
IDENTIFIER_FIELDS = {"doi", "pmid"}
# A list of objects is two levels; json.loads recurses, so far deeper input is refused first.
AUTHORS_DEPTH = 10


class AuthorsField(forms.JSONField):
    """The authors as JSON, refused in words if nested past what the parser can read."""

    @staticmethod
    def _too_deep(value) -> bool:
        return isinstance(value, str) and limits.json_depth(value, AUTHORS_DEPTH) > AUTHORS_DEPTH

    def to_python(self, value):
        if self._too_deep(value):
            raise forms.ValidationError(
                'Give the authors as a list of names: [{"family": "…", "given": "…"}, …].'
            )
        return super().to_python(value)

    def bound_data(self, data, initial):
        # Shown again as typed, never parsed: that is where the form would fail otherwise.
        return InvalidJSONInput(data) if self._too_deep(data) else super().bound_data(data, initial)


class SourceForm(forms.ModelForm):
    """Identifiers are stored in their canonical form, so a DOI pasted as a publisher URL still
    finds its registry record and its duplicate."""

    # Room for what people paste (a publisher URL, "PMID: 12345678"); stored canonical and short.
    doi = forms.CharField(label="DOI", max_length=500, required=False)
    pmid = forms.CharField(label="PubMed ID", max_length=40, required=False)
    pmcid = forms.CharField(label="PubMed Central ID", max_length=40, required=False)
    isbn = forms.CharField(label="ISBN-13", max_length=40, required=False)
    url = forms.URLField(max_length=500, required=False, assume_scheme="https")
    authors = AuthorsField(required=False)

    class Meta:
        model = Source
        fields = (
            "kind", "title", "authors", "authors_truncated", "journal", "year", "volume",
            "issue", "pages", "doi", "pmid", "pmcid", "isbn", "url", "as_written",
        )  # fmt: skip

    def _normalized(self, name: str, normalize) -> str:
        value = (self.cleaned_data.get(name) or "").strip()
        if not value:
            return ""
        try:
            return normalize(value)
        except InvalidIdentifier as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean_doi(self) -> str:
        return self._normalized("doi", normalize_doi)

    def clean_pmid(self) -> str:
        return self._normalized("pmid", normalize_pmid)

    def clean_pmcid(self) -> str:
        return self._normalized("pmcid", normalize_pmcid)

    def clean_isbn(self) -> str:
        return self._normalized("isbn", normalize_isbn)


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    form = SourceForm
    list_display = (
        "short_title",
        "kind",
        "first_author",
        "year",
        "doi",
        "pmid",
        "verification",
        "retracted",
    )
    list_display_links = ("short_title",)
    list_filter = ("verification_status", "retracted", "kind")
    # Every column comes from the row itself: no related objects to join, no query per row.
    list_select_related = False
    search_fields = ("title", "doi", "=pmid")
    list_per_page = 50
    actions = ["verify_against_registries"]
    readonly_fields = (
        "readers_read_it_as",
        "verification_status",
        "verification_summary",
        "verified_at",
        "retracted",
        "retraction_notice",
        "registry_record",
        "metadata_fetched_at",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "kind",
                    "readers_read_it_as",
                    "title",
                    "authors",
                    "authors_truncated",
                    "journal",
                    "year",
                    "volume",
                    "issue",
                    "pages",
                ),
                "description": 'Authors in the order the work lists them, as JSON: [{"family": '
                '"Mesa Bedoya", "given": "L.E."}, …]. Tick "authors truncated" when the '
                'reference ends with "et al.".',
            },
        ),
        ("Identifiers", {"fields": ("doi", "pmid", "pmcid", "isbn", "url")}),
        ("As written", {"fields": ("as_written",), "classes": ("collapse",)}),
        (
            "Registry check",
            {
                "fields": (
                    "verification_status",
                    "verification_summary",
                    "verified_at",
                    "retracted",
                    "retraction_notice",
                    "registry_record",
                    "metadata_fetched_at",
                ),
                "description": "What Crossref (DOI) and PubMed (PMID) say. Use the "
                "“Verify against registries” action on the list to check again.",
            },
        ),
        ("History", {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )

    @admin.display(description="Readers read it as")
    def readers_read_it_as(self, source: Source) -> str:
        """The kind as the public page names it next to the reference, so a writer choosing the
        kind sees what a patient will be told."""
        return source.evidence_in_plain_words or "—"

    @admin.display(description="Title", ordering="title")
    def short_title(self, source: Source) -> str:
        title = source.title or source.doi or source.pmid or source.url or f"Source {source.pk}"
        return title if len(title) <= 90 else title[:89] + "…"

    @admin.display(description="First author")
    def first_author(self, source: Source) -> str:
        if not source.authors:
            return "—"
        first = source.authors[0].get("family", "")
        more = len(source.authors) > 1 or source.authors_truncated
        return f"{first} et al." if more else first

    @admin.display(description="Verification", ordering="verification_status")
    def verification(self, source: Source) -> str:
        return source.get_verification_status_display()

    @admin.display(description="Differences")
    def verification_summary(self, source: Source) -> str:
        if not source.verification_details:
            return "—"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li><strong>{}</strong>: written “{}”; registry “{}”</li>",
                (
                    (d.get("field", ""), d.get("written", ""), d.get("registry", ""))
                    for d in source.verification_details
                ),
            ),
        )

    @admin.display(description="Registry metadata")
    def registry_record(self, source: Source) -> str:
        if not source.registry_metadata:
            return "—"
        return format_html(
            "<pre>{}</pre>", json.dumps(source.registry_metadata, indent=2, ensure_ascii=False)
        )

    def save_model(self, request, obj: Source, form, change: bool) -> None:
        changed = set(form.changed_data)
        if change and changed & COMPARED_FIELDS:
            # Judge the edit against what the registries said last time (no network here).
            reassess_from_cache(obj, identifiers_changed=bool(changed & IDENTIFIER_FIELDS))
        super().save_model(request, obj, form, change)

    @admin.action(description="Verify against registries", permissions=["change"])
    def verify_against_registries(self, request, queryset) -> None:
        selected = queryset.count()
        if selected > ACTION_LIMIT:
            self.message_user(
                request,
                f"Select at most {ACTION_LIMIT} sources at a time, or run "
                "“manage.py verify_sources” to check them all.",
                messages.ERROR,
            )
            return
        try:
            outcomes = verify_sources(queryset.with_identifier().order_by("pk"))
        except RegistryConfigError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        counts = Counter(o.status for o in outcomes)
        summary = ", ".join(
            f"{counts[value]} {label.lower()}"
            for value, label in VerificationStatus.choices
            if counts[value]
        )
        text = f"Checked {len(outcomes)} of {selected} selected sources" + (
            f": {summary}." if summary else "."
        )
        if skipped := selected - len(outcomes):
            text += f" {skipped} without a DOI or PMID could not be checked."
        ok = counts.get(VerificationStatus.VERIFIED, 0) == len(outcomes) and not skipped
        self.message_user(request, text, messages.SUCCESS if ok else messages.WARNING)
