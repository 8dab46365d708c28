"""The citation picker's JSON endpoints, under the Source admin (so only logged-in staff reach
them). Who may search or add is `evidence.library`'s decision; these views only carry it out."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from evidence import library
from evidence.identifiers import InvalidIdentifier, normalize_doi, normalize_pmid
from evidence.models import Source, SourceKind


def _refused(message: str, status: int = 403) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@require_GET
def search(request: HttpRequest) -> JsonResponse:
    if not library.may_search(request.user):
        return _refused("You may not see the source library.")
    sources = library.search(request.GET.get("q", ""))
    return JsonResponse({"sources": [library.describe(s) for s in sources]})


@require_GET
def describe(request: HttpRequest) -> JsonResponse:
    """The sources with the given ids (?id=1&id=2), as the editor's reference list shows them."""
    if not library.may_search(request.user):
        return _refused("You may not see the source library.")
    ids = [int(i) for i in request.GET.getlist("id")[:200] if i.isascii() and i.isdigit()]
    sources = Source.objects.in_bulk(ids)
    return JsonResponse({"sources": [library.describe(sources[i]) for i in ids if i in sources]})


@require_POST
def look_up(request: HttpRequest) -> JsonResponse:
    """Find a pasted identifier: the library's source for it, or the registry's record to
    confirm. `add=1` adds the registry's record to the library."""
    if not library.may_search(request.user):
        return _refused("You may not see the source library.")
    try:
        identifier = library.parse_identifier(request.POST.get("identifier", ""))
    except InvalidIdentifier as exc:
        return JsonResponse({"status": "invalid", "message": str(exc)}, status=400)
    found = library.look_up(identifier)
    answer: dict = {"status": found.status, "message": found.message, "kind": identifier.kind}
    answer["identifier"] = identifier.value
    if found.status == "existing":
        answer["source"] = library.describe(found.source)
    elif found.status == "found":
        if request.POST.get("add") == "1":
            if not library.may_add(request.user):
                return _refused("You may not add sources to the library.")
            source, created = library.add_from_record(found.record)
            answer.update(status="added" if created else "existing")
            answer["source"] = library.describe(source)
        else:
            answer["record"] = library.describe_record(found.record)
    return JsonResponse(answer)


class SourceByHandForm(forms.ModelForm):
    """A source entered by hand when no registry knows it: plain fields, authors one per line."""

    authors = forms.CharField(required=False, widget=forms.Textarea)

    class Meta:
        model = Source
        fields = ("kind", "title", "journal", "year", "volume", "issue", "pages", "doi", "pmid",
                  "url")  # fmt: skip

    def clean_authors(self):
        try:
            return library.parse_author_lines(self.cleaned_data.get("authors") or "")
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("title") or "").strip():
            self.add_error("title", gettext("Give the title of the work."))
        for name, parse in (("doi", normalize_doi), ("pmid", normalize_pmid)):
            if cleaned.get(name):
                try:
                    cleaned[name] = parse(cleaned[name])
                except InvalidIdentifier as exc:
                    self.add_error(name, str(exc))
        return cleaned

    def save(self, commit: bool = True) -> Source:
        authors, truncated = self.cleaned_data["authors"]
        self.instance.authors, self.instance.authors_truncated = authors, truncated
        return super().save(commit)


@require_POST
def add_by_hand(request: HttpRequest) -> JsonResponse:
    if not library.may_add(request.user):
        return _refused("You may not add sources to the library.")
    data = request.POST.copy()
    data.setdefault("kind", SourceKind.JOURNAL_ARTICLE)
    # The same work already in the library is reused, never entered twice.
    for name, parse in (("doi", normalize_doi), ("pmid", normalize_pmid)):
        try:
            value = parse(data.get(name) or "") if data.get(name) else ""
        except InvalidIdentifier:
            continue  # the form says what is wrong with it
        if value and (same := Source.objects.filter(**{name: value}).first()):
            return JsonResponse({"status": "existing", "source": library.describe(same)})
    form = SourceByHandForm(data)
    if not form.is_valid():
        errors = {field: [str(e) for e in errs] for field, errs in form.errors.items()}
        return JsonResponse({"status": "invalid", "errors": errors}, status=400)
    source = form.save()
    return JsonResponse({"status": "added", "source": library.describe(source)})
