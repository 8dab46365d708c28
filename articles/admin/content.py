"""Articles, prompts and topics in the staff workspace."""

from __future__ import annotations

import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext, gettext_lazy, ngettext

from articles import images, jobs, rendering, workflow
from articles.admin.history import AuditTrailHistory
from articles.admin.queues import QueueFilter
from articles.admin.reviewed import WorkflowAdminMixin
from articles.audit import edits
from articles.citations import new_key
from articles.forms import ArticleForm, PromptForm
from articles.models import Article, Citation, Placement, Prompt, Topic
from articles.readers import feedback
from articles.sanitize import clean_html

# What a body's citation marker may name (articles.sanitize keeps only such keys).
CITATION_KEY = re.compile(r"[A-Za-z0-9:_-]{1,64}")


class EditableByArticleEditorsMixin:
    """Inlines whose rows are part of the article's content (placements, citations): whoever may
    edit the article may edit them, and whoever may see it may see them."""

    def _article_admin(self):
        return self.admin_site._registry[self.parent_model]

    def _may_edit_article(self, request, obj) -> bool:
        article_admin = self._article_admin()
        if obj is None:
            return article_admin.has_add_permission(request)
        return article_admin.has_change_permission(request, obj)

    def has_view_permission(self, request, obj=None):
        return self._article_admin().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return self._may_edit_article(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may_edit_article(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_edit_article(request, obj)


class SourceIdWidget(ForeignKeyRawIdWidget):
    """The raw-id source field, labelled from the source the row already loaded.

    Django's widget looks each label up with its own query; with `known` filled by the formset
    (from rows fetched with their source) the change page costs the same whatever the number of
    citations."""

    known: dict = {}

    def label_and_url_for_value(self, value):
        source = self.known.get(str(value))
        if source is None:
            return super().label_and_url_for_value(value)
        try:
            url = reverse(f"{self.admin_site.name}:evidence_source_change", args=(source.pk,))
        except NoReverseMatch:
            url = ""
        return Truncator(source).words(14), url


class CitationForm(forms.ModelForm):
    class Meta:
        model = Citation
        fields = ("key", "source", "attribution", "supports")
        widgets = {"supports": forms.Textarea(attrs={"rows": 2, "cols": 40})}
        help_texts = {
            "key": gettext_lazy(
                "Filled in for you. Cite sources in the text with “Cite” in the editor's "
                "toolbar; a source listed here that no marker cites blocks publication."
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].required = False

    def clean_key(self) -> str:
        key = (self.cleaned_data.get("key") or "").strip()
        if key and not CITATION_KEY.fullmatch(key):
            raise forms.ValidationError(
                gettext(
                    "Use letters, digits, “-”, “_” or “:” only (up to 64): the body's citation "
                    'marker <sup data-citation="KEY"> names it.'
                )
            )
        return key

    def clean(self):
        cleaned = super().clean()
        source = cleaned.get("source")
        if not cleaned.get("key") and source is not None:
            # The key the editor's "Cite" gives a source cited for the first time.
            cleaned["key"] = self.instance.key = new_key(source.pk)
        return cleaned


class CitationFormSet(forms.BaseInlineFormSet):
    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        field = form.fields.get("source")
        if field is not None and isinstance(field.widget, SourceIdWidget):
            instance = form.instance
            if instance.pk is not None and instance.source_id is not None:
                field.widget.known = {str(instance.source_id): instance.source}
        return form

    def add_fields(self, form, index):
        """A table row's fields are named by its column heading, which a screen reader does not
        announce for an input; each field gets its own name (and the row's number) instead."""
        super().add_fields(form, index)
        row = "new cited source" if index is None else f"cited source {index + 1}"
        for field in form.fields.values():
            if not field.widget.is_hidden:
                field.widget.attrs.setdefault("aria-label", f"{field.label} of {row}")


class CitationInline(EditableByArticleEditorsMixin, admin.TabularInline):
    """The sources the article cites. Part of its content: each revision freezes them, and the
    publication gate checks them. `key` is what the body's citation markers name
    (`<sup data-citation="KEY">`); `attribution` is how the text names the work ("Lu et al.");
    `supports` is the statement the source stands behind."""

    model = Citation
    form = CitationForm
    formset = CitationFormSet
    fields = ("order", "key", "source", "attribution", "supports")
    # Numbered by the body: the order in which its markers first cite each source.
    readonly_fields = ("order",)
    raw_id_fields = ("source",)
    extra = 0
    verbose_name = "cited source"
    verbose_name_plural = "cited sources"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "source":
            kwargs["widget"] = SourceIdWidget(
                db_field.remote_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class PlacementInline(EditableByArticleEditorsMixin, admin.TabularInline):
    """Prompts placed in an article. Placements are part of the article's content (their
    approved hashes are in its revision), so whoever may edit the article may edit them."""

    model = Placement
    fields = ("prompt", "position")
    extra = 0
    verbose_name = "prompt placed in this article"
    verbose_name_plural = "prompts placed in this article"

    def get_queryset(self, request):
        # Each row is labelled "<prompt> in <article>": load both with the rows.
        return super().get_queryset(request).select_related("prompt", "article")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "prompt":
            kwargs["queryset"] = Prompt.objects.order_by("name", "pk")
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "prompt":
            field.label_from_instance = lambda p: f"{p.name} ({p.get_state_display().lower()})"
        return field

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        field = formset.form.base_fields.get("prompt")
        if field is not None and self._may_edit_article(request, obj):
            # The choices are read once for every row (and the empty row), not once per row, so
            # the page costs the same whatever the number of placements.
            field.choices = list(iter(field.choices))
        return formset


# Form fields that only make sense to someone who may change the article.
HERO_UPLOAD_FIELDS = ("hero_upload", "hero_remove")


def without_upload(fields) -> tuple:
    return tuple(field for field in fields if field not in HERO_UPLOAD_FIELDS)


# How wide the current hero image is shown on the change page.
HERO_PREVIEW_WIDTH = 240


@admin.register(Article)
class ArticleAdmin(WorkflowAdminMixin, admin.ModelAdmin):
    form = ArticleForm
    inlines = [CitationInline, PlacementInline]
    content_fieldsets = (
        (None, {"fields": ("title", "slug", "kind", "topic", "tags", "summary", "body")}),
        (
            "Hero image",
            {
                "fields": ("hero_current", *HERO_UPLOAD_FIELDS, "hero_alt", "hero_decorative"),
                "description": "Describe the image in the alt text, or mark it as decorative "
                "if it adds nothing a screen-reader user would miss.",
            },
        ),
    )
    readonly_fields = ("hero_current",)
    prepopulated_fields = {"slug": ("title",)}
    save_fields = ("change_note", *WorkflowAdminMixin.save_fields)
    list_display = (
        "title",
        "state_badge",
        "kind",
        "owner_name",
        "revision_number",
        "topic",
        "reviewer_name",
        "review_due",
        "waiting",
        "live_flag",
        "updated_at",
    )
    list_select_related = ("owner__profile", "latest_revision", "topic", "reviewer__profile")
    list_filter = (QueueFilter, "state", "kind", "topic")
    search_fields = ("title", "slug", "summary")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("hero_image")

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        # A reader sees the current image, not an upload field.
        return [
            (name, {**options, "fields": without_upload(options["fields"])})
            for name, options in fieldsets
        ]

    def save_related(self, request, form, formsets, change):
        # Here rather than in save_form: the admin saves the form before it knows the inlines
        # are valid, and only then calls this.
        form.store_hero_image()
        try:
            super().save_related(request, form, formsets, change)
        except BaseException:
            # The engine refused the save; the new image's row rolls back with it, its files not.
            form.discard_new_hero_image()
            raise

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None:
            context["reader_feedback"] = feedback.accepted_feedback_for(obj, request.user)
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description=gettext_lazy("Body"))
    def body_preview(self, obj):
        """The body as the public page will number and link its citations, with the same AMA
        reference list, so the reviewer reads what readers will."""
        content = obj.latest_revision.content if obj.latest_revision_id else obj.revision_content()
        entries = format_html_join(
            "",
            '<li id="{}">{}</li>',
            ((ref.anchor, mark_safe(ref.html)) for ref in rendering.references(content)),  # noqa: S308 - cleaned by Reference.html
        )
        return format_html(
            '<div class="vetted-preview">{}</div>{}',
            mark_safe(clean_html(rendering.body_with_linked_markers(content))),  # noqa: S308 - the one sanitizer's output
            format_html('<h3>References</h3><ol class="vetted-references">{}</ol>', entries)
            if entries
            else "",
        )

    # --- Checking the sources against the registries ---------------------------------------

    def get_urls(self):
        return [
            path(
                "<path:object_id>/check-sources/",
                self.admin_site.admin_view(self.check_sources_view),
                name="articles_article_check_sources",
            ),
            *super().get_urls(),
        ]

    def source_check(self, obj) -> dict | None:
        return {
            "url": self._url("check_sources", obj.pk),
            "running": jobs.source_check_running(obj),
        }

    def check_sources_view(self, request, object_id):
        """POST: check the article's sources against Crossref and PubMed, in the background."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self._viewable(request, object_id)
        if obj is None:
            raise Http404("No such article.")
        try:
            queued = jobs.check_sources_soon(obj, request.user)
        except workflow.WorkflowError as refusal:
            messages.error(request, str(refusal))
        else:
            if queued:
                messages.info(
                    request,
                    ngettext(
                        "Checking %(count)s source against Crossref and "
                        "PubMed. Reload this page in a minute to see what they say.",
                        "Checking %(count)s sources against Crossref and "
                        "PubMed. Reload this page in a minute to see what they say.",
                        queued,
                    )
                    % {"count": queued},
                )
            elif jobs.source_check_running(obj):
                messages.info(request, gettext("The sources are being checked already."))
            else:
                messages.info(
                    request, gettext("No source of this article has a DOI or PubMed ID to check.")
                )
        return HttpResponseRedirect(self._url("change", obj.pk) + "#vetted-gate-heading")

    @admin.display(description=gettext_lazy("Current image"))
    def hero_current(self, obj):
        image = obj.hero_image if obj is not None else None
        if image is None:
            return "No image."
        if image.pk is None:
            # Uploaded with a form that had errors: the browser does not keep the file.
            return (
                f"“{image.original_name}” ({image.width}×{image.height} pixels) is not saved yet: "
                "choose it again below."
            )
        preview = images.picture(image.snapshot())
        width = min(HERO_PREVIEW_WIDTH, image.width)
        return format_html(
            '<img src="{}" srcset="{}" sizes="{}px" width="{}" height="{}" alt=""> '
            "{} ({}×{} pixels)",
            preview.src,
            preview.sources[0][1],
            width,
            width,
            max(1, round(image.height * width / image.width)),
            image.original_name,
            image.width,
            image.height,
        )


@admin.register(Prompt)
class PromptAdmin(WorkflowAdminMixin, admin.ModelAdmin):
    form = PromptForm
    content_fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "kind",
                    "headline",
                    "body",
                    "button_label",
                    "disclosure_label",
                )
            },
        ),
    )
    list_display = (
        "name",
        "state_badge",
        "kind",
        "headline",
        "disclosure_label",
        "owner_name",
        "revision_number",
        "reviewer_name",
        "review_due",
        "waiting",
        "live_flag",
        "updated_at",
    )
    list_select_related = ("owner__profile", "latest_revision", "reviewer__profile")
    list_filter = (QueueFilter, "state", "kind")
    search_fields = ("name", "headline")


@admin.register(Topic)
class TopicAdmin(AuditTrailHistory, admin.ModelAdmin):
    """Every save and deletion is audited (`articles.audit.edits`), so the audit trail is its
    history."""

    list_display = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name",)

    def save_model(self, request, obj, form, change) -> None:
        edits.save_topic(obj, request.user, changed=form.changed_data, created=not change)

    def delete_model(self, request, obj) -> None:
        edits.delete_topic(obj, request.user)

    def delete_queryset(self, request, queryset) -> None:
        for topic in queryset:
            edits.delete_topic(topic, request.user)
