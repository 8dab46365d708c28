"""Sources in the staff workspace. Every staff role may look; writers and editors may add and
edit (the permissions are in `articles.roles`). What the registries said is shown, never typed:
the verification fields are read-only and change only through `evidence.verification`."""

from __future__ import annotations

import json
from collections import Counter

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_POST

from evidence import library, views
from evidence.editing import delete_source, save_source
from evidence.identifiers import (
    InvalidIdentifier,
    normalize_doi,
    normalize_isbn,
    normalize_pmcid,
    normalize_pmid,
)
from evidence.models import Source, VerificationStatus, first_author_name
from evidence.registry import RegistryConfigError
from evidence.verification import is_incomplete_detail, reassess_from_cache, verify_sources

# More than this in one admin request would keep the page waiting on the registries.
ACTION_LIMIT = 100
# Editing these changes what the registries' answer is compared with.
COMPARED_FIELDS = {"title", "authors", "authors_truncated", "journal", "year", "doi", "pmid"}
IDENTIFIER_FIELDS = {"doi", "pmid"}


class SourceForm(forms.ModelForm):
    """Identifiers are stored in their canonical form, so a DOI pasted as a publisher URL still
    finds its registry record and its duplicate."""

    # Room for what people paste (a publisher URL, "PMID: 12345678"); stored canonical and short.
    doi = forms.CharField(label=gettext_lazy("DOI"), max_length=500, required=False)
    pmid = forms.CharField(label=gettext_lazy("PubMed ID"), max_length=40, required=False)
    pmcid = forms.CharField(label=gettext_lazy("PubMed Central ID"), max_length=40, required=False)
    isbn = forms.CharField(label=gettext_lazy("ISBN-13"), max_length=40, required=False)
    url = forms.URLField(max_length=500, required=False, assume_scheme="https")
    # Plain lines, never JSON: `evidence.library.parse_author_lines` reads them.
    authors = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 50}),
        help_text=gettext_lazy(
            "One author per line, in the order the work lists them: “Williamson JD”, "
            "“Mesa Bedoya, L.E.” or a group name (“SPRINT Research Group”). End with a line "
            "“et al.” if the list is incomplete.",
        ),
    )

    editors = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 50}),
        help_text=gettext_lazy("A chapter's book editors, one per line, written like the authors."),
    )

    class Meta:
        model = Source
        fields = (
            "kind", "title", "authors", "journal", "year", "volume",
            "issue", "pages", "book_title", "editors", "publisher", "publisher_place", "accessed",
            "issn", "doi", "pmid", "pmcid", "isbn", "url", "as_written",
        )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = self.instance
        self.initial["authors"] = library.format_author_lines(
            instance.authors or [], instance.authors_truncated
        )
        self.initial["editors"] = library.format_author_lines(instance.editors or [])

    def clean_authors(self) -> list:
        try:
            authors, truncated = library.parse_author_lines(self.cleaned_data.get("authors") or "")
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
        self.instance.authors_truncated = truncated
        return authors

    def clean_editors(self) -> list:
        try:
            editors, _ = library.parse_author_lines(self.cleaned_data.get("editors") or "")
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return editors

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
        "registry_offer",
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
                    "journal",
                    "year",
                    "volume",
                    "issue",
                    "pages",
                ),
                "description": "The work as its reference lists it. Adding a source by its DOI "
                "or PubMed ID in the article editor's “Cite” fills these in from the registry.",
            },
        ),
        (
            "Books, chapters, reports, theses and web pages",
            {
                "fields": (
                    "book_title",
                    "editors",
                    "publisher",
                    "publisher_place",
                    "accessed",
                ),
                "classes": ("collapse",),
                "description": "A chapter's book and its editors (as JSON, like authors); the "
                "publisher, or a thesis's university; the day a web page was read.",
            },
        ),
        ("Identifiers", {"fields": ("doi", "pmid", "pmcid", "isbn", "issn", "url")}),
        ("As written", {"fields": ("as_written",), "classes": ("collapse",)}),
        (
            "Registry check",
            {
                "fields": (
                    "verification_status",
                    "verification_summary",
                    "registry_offer",
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

    @admin.display(description=gettext_lazy("Readers read it as"))
    def readers_read_it_as(self, source: Source) -> str:
        """The kind as the public page names it next to the reference, so a writer choosing the
        kind sees what a patient will be told."""
        return source.evidence_in_plain_words or "—"

    @admin.display(description=gettext_lazy("Title"), ordering="title")
    def short_title(self, source: Source) -> str:
        title = source.title or source.doi or source.pmid or source.url or f"Source {source.pk}"
        return title if len(title) <= 90 else title[:89] + "…"

    @admin.display(description=gettext_lazy("First author"))
    def first_author(self, source: Source) -> str:
        if not source.authors:
            return "—"
        first = first_author_name(source.authors)
        more = len(source.authors) > 1 or source.authors_truncated
        return f"{first} et al." if more else first

    @admin.display(description=gettext_lazy("Verification"), ordering="verification_status")
    def verification(self, source: Source) -> str:
        return source.get_verification_status_display()

    @admin.display(description=gettext_lazy("Differences"))
    def verification_summary(self, source: Source) -> str:
        if not source.verification_details:
            return "—"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li><strong>{}</strong>{}: written “{}”; registry “{}”</li>",
                (
                    (
                        d.get("field", ""),
                        " (incomplete: complete it from the registry, or end it with “et al.”)"
                        if is_incomplete_detail(d)
                        else "",
                        d.get("written", ""),
                        d.get("registry", ""),
                    )
                    for d in source.verification_details
                ),
            ),
        )

    @admin.display(description=gettext_lazy("The registry's details"))
    def registry_offer(self, source: Source) -> str:
        """One click replaces the written details with the registry's, when they differ."""
        if source.pk is None or not library.differs_from_registry(source):
            return "—"
        details = library.registry_details(source)
        return format_html(
            "<p>{}</p><p>{}. {}</p>"
            '<button type="submit" class="button" formaction="{}" formnovalidate>'
            "Use the registry's details</button>",
            library.format_author_lines(details["authors"]).replace("\n", "; "),
            details["title"].rstrip("."),
            " ".join(str(details[k] or "") for k in ("journal", "year")).strip(),
            reverse("admin:evidence_source_use_registry", args=(source.pk,)),
        )

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("library/search/", wrap(views.search), name="evidence_library_search"),
            path("library/describe/", wrap(views.describe), name="evidence_library_describe"),
            path("library/look-up/", wrap(views.look_up), name="evidence_library_look_up"),
            path("library/add/", wrap(views.add_by_hand), name="evidence_library_add"),
            path(
                "<int:pk>/use-registry/",
                wrap(self.use_registry_view),
                name="evidence_source_use_registry",
            ),
            *super().get_urls(),
        ]

    def use_registry_view(self, request, pk: int):
        return require_POST(lambda request: _use_registry(self, request, pk))(request)

    @admin.display(description=gettext_lazy("Registry metadata"))
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
        save_source(obj, request.user, changed=changed, created=not change)

    def delete_model(self, request, obj: Source) -> None:
        delete_source(obj, request.user)

    def delete_queryset(self, request, queryset) -> None:
        for source in queryset:
            delete_source(source, request.user)

    @admin.action(description=gettext_lazy("Verify against registries"), permissions=["change"])
    def verify_against_registries(self, request, queryset) -> None:
        selected = queryset.count()
        if selected > ACTION_LIMIT:
            self.message_user(
                request,
                gettext(
                    "Select at most %(limit)s sources at a time. Every source is also "
                    "checked again automatically, a batch at a time."
                )
                % {"limit": ACTION_LIMIT},
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


def _use_registry(model_admin: SourceAdmin, request, pk: int):
    source = get_object_or_404(Source, pk=pk)
    if not library.may_change(request.user):
        model_admin.message_user(request, gettext("You may not change sources."), messages.ERROR)
    elif changed := library.use_registry_details(source):
        model_admin.message_user(
            request,
            gettext(
                "Took the registry's %(fields)s. Articles citing it show the new details "
                "once they are saved again."
            )
            % {"fields": ", ".join(changed)},
            messages.SUCCESS,
        )
    else:
        model_admin.message_user(request, gettext("The details already match the registry's."))
    return HttpResponseRedirect(reverse("admin:evidence_source_change", args=(pk,)))
