"""Articles, prompts and topics in the staff workspace."""

from __future__ import annotations

from django.contrib import admin

from articles.admin.queues import QueueFilter
from articles.admin.reviewed import WorkflowAdminMixin
from articles.forms import ArticleForm, PromptForm
from articles.models import Article, Placement, Prompt, Topic


class PlacementInline(admin.TabularInline):
    """Prompts placed in an article. Placements are part of the article's content (their
    approved hashes are in its revision), so whoever may edit the article may edit them."""

    model = Placement
    fields = ("prompt", "position")
    extra = 0
    verbose_name = "prompt placed in this article"
    verbose_name_plural = "prompts placed in this article"

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

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "prompt":
            kwargs["queryset"] = Prompt.objects.order_by("name", "pk")
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "prompt":
            field.label_from_instance = lambda p: f"{p.name} ({p.get_state_display().lower()})"
        return field


@admin.register(Article)
class ArticleAdmin(WorkflowAdminMixin, admin.ModelAdmin):
    form = ArticleForm
    inlines = [PlacementInline]
    content_fieldsets = (
        (None, {"fields": ("title", "slug", "kind", "topic", "tags", "summary", "body")}),
        (
            "Hero image",
            {
                "fields": ("hero_image", "hero_alt", "hero_decorative"),
                "description": "Describe the image in the alt text, or mark it as decorative "
                "if it adds nothing a screen-reader user would miss.",
            },
        ),
    )
    prepopulated_fields = {"slug": ("title",)}
    list_display = (
        "title",
        "state_badge",
        "kind",
        "owner_name",
        "revision_number",
        "topic",
        "live_flag",
        "updated_at",
    )
    list_select_related = ("owner__profile", "latest_revision", "topic")
    list_filter = (QueueFilter, "state", "kind", "topic")
    search_fields = ("title", "slug", "summary")


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
        "live_flag",
        "updated_at",
    )
    list_select_related = ("owner__profile", "latest_revision")
    list_filter = (QueueFilter, "state", "kind")
    search_fields = ("name", "headline")


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name",)
