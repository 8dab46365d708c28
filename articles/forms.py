"""Forms for the staff workspace (the Django admin).

The content forms edit only the working copy; the workflow fields are never form fields. Every
rule about who may do what, and what input a transition needs, lives in `articles.workflow`; these
forms only collect the input and carry it there.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms import Script
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_prose_editor.fields import ProseEditorFormField
from django_prose_editor.widgets import AdminProseEditorWidget

from articles import images, signing
from articles.limits import InputTooLarge, check_html
from articles.models import Article, Image, Prompt
from articles.models.content import credentials, display_name
from articles.roles import Role, users_with_role
from evidence import library

# What the editor offers. The model's save runs `articles.sanitize.clean_html` over whatever
# arrives, so this list is about what writers can make, not about what is safe.
ARTICLE_EXTENSIONS = {
    "Document": True,
    "Paragraph": True,
    "Text": True,
    "HardBreak": True,
    "Bold": True,
    "Italic": True,
    "Superscript": True,
    # A citation marker is a node of its own (vetted/admin/citations.js), never a superscript.
    "Citation": {"picker": True},
    "Heading": {"levels": [2, 3, 4]},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto", "tel"]},
    "Table": True,
    "TableRow": True,
    "TableHeader": True,
    "TableCell": True,
    "History": True,
    "Menu": True,
}

PROMPT_EXTENSIONS = {
    "Document": True,
    "Paragraph": True,
    "Text": True,
    "HardBreak": True,
    "Bold": True,
    "Italic": True,
    "BulletList": True,
    "ListItem": True,
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto", "tel"]},
    # The same marker node, so a pasted marker is kept and the gate can name it; no picker:
    # prompts have no cited sources.
    "Citation": {"picker": False},
    "History": True,
    "Menu": True,
}


class ProseEditorWidget(AdminProseEditorWidget):
    """The admin prose editor, started without an inline import map.

    django-prose-editor loads its modules through a `<script type="importmap">` written into the
    page, which the Content-Security-Policy (`script-src 'self'`) blocks. This widget loads the
    same editor through `vetted/admin/prose-editor.js`, a module that imports the editor by its
    static path and keeps Tiptap from injecting a <style> element (`style-src 'self'` blocks
    that too; its rules are in `vetted/admin/prose-editor.css`).
    """

    @property
    def media(self):
        return forms.Media(
            css={
                "all": [
                    "django_prose_editor/material-icons.css",
                    "django_prose_editor/editor.css",
                    "django_prose_editor/overrides.css",
                    "vetted/admin/prose-editor.css",
                    "vetted/admin/citations.css",
                ]
            },
            js=[Script("vetted/admin/prose-editor.js", type="module")],
        )


def prose_field(
    extensions: dict, widget: type[ProseEditorWidget] = ProseEditorWidget, **kwargs
) -> ProseEditorFormField:
    return ProseEditorFormField(
        config={"extensions": extensions}, widget=widget, required=False, **kwargs
    )


class ReviewedContentForm(forms.ModelForm):
    """The working copy of an article or prompt, plus what the engine needs to save it.

    `base_revision` is the revision number the form was loaded from. It goes back to
    `workflow.save_revision`, which refuses the save (EditConflict) if someone saved a newer
    revision meanwhile.
    """

    base_revision = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    change_summary = forms.CharField(
        label=_("Note for reviewers"),
        max_length=255,
        required=False,
        help_text=_(
            "Optional. Shown in the revision history and to the reviewer; never to readers."
        ),
    )

    # Set by the admin when the engine refused the save, so the form re-renders with the
    # user's input instead of losing it. See WorkflowAdminMixin.changeform_view.
    save_refusal: str = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            latest = self.instance.latest_revision
            self.fields["base_revision"].initial = latest.number if latest else None
            self.fields["base_revision"].required = latest is not None
            self.fields["base_revision"].error_messages["required"] = gettext(
                "This form is missing the revision it was loaded from. Reload the page and "
                "apply your changes again."
            )

    def clean_body(self) -> str:
        # Before the model's save hands it to the sanitizer, whose cost grows faster than the
        # input: a refusal here is a message beside the field, not a worker timing out.
        body = self.cleaned_data.get("body") or ""
        try:
            check_html(body)
        except InputTooLarge as refusal:
            raise ValidationError(str(refusal), code="too_large") from None
        return body

    def clean(self):
        cleaned = super().clean()
        if self.save_refusal:
            raise ValidationError(self.save_refusal, code="refused")
        return cleaned


class CitingProseEditorWidget(ProseEditorWidget):
    """The body's editor, given the article's cited sources and the library's endpoints when it
    is drawn (not when the form is built: a page that only shows the body asks nothing), so its
    reference list names each marker's source and "Cite" can find and add sources."""

    article: Article | None = None

    def get_config(self):
        config = super().get_config()
        article = self.article
        cited = (
            {
                c.key: library.describe(c.source)
                for c in article.citations.select_related("source").order_by("order", "pk")
            }
            if article is not None and article.pk is not None
            else {}
        )
        extensions = dict(config["extensions"])
        extensions["Citation"] = {
            **extensions.get("Citation", {}),
            "citations": cited,
            "urls": {
                "search": reverse("admin:evidence_library_search"),
                "describe": reverse("admin:evidence_library_describe"),
                "lookUp": reverse("admin:evidence_library_look_up"),
                "add": reverse("admin:evidence_library_add"),
            },
        }
        return {**config, "extensions": extensions}


def pending_change_note(article: Article) -> str:
    """The readers' change note of the version being worked on: the latest revision's, unless
    that revision is the one already live (then the next change needs a note of its own)."""
    latest = article.latest_revision if article.pk else None
    if latest is None or latest.pk == article.live_revision_id:
        return ""
    return latest.content.get("change_note", "")


class ArticleForm(ReviewedContentForm):
    """The article's working copy. The hero image is uploaded through the image pipeline
    (`articles.images`): checked and encoded while the form is validated, so a refusal is a form
    error, and stored only when the article is saved, so an invalid form or inline stores
    nothing."""

    body = prose_field(ARTICLE_EXTENSIONS, widget=CitingProseEditorWidget)
    hero_upload = forms.FileField(
        label=_("Upload an image"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
    )
    hero_remove = forms.BooleanField(label=_("Remove the image"), required=False)
    change_note = forms.CharField(
        label=_("What changed, for readers"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Optional. Printed under “What changed” on the public page once this version "
            "is published. It is part of what the medical reviewer signs."
        ),
    )

    class Meta:
        model = Article
        fields = [
            "title", "slug", "kind", "topic", "tags", "summary", "body",
            "hero_alt", "hero_decorative",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        most = images.format_bytes(settings.IMAGE_MAX_BYTES)
        self.fields["hero_upload"].help_text = gettext(
            "JPEG, PNG, WebP or GIF (its first frame), up to %(most)s and "
            "%(pixels)s pixels. Location, camera and other metadata are "
            "removed. Uploading replaces the current image."
        ) % {"most": most, "pixels": f"{settings.IMAGE_MAX_PIXELS:,}"}
        self.hero_prepared: images.PreparedImage | None = None
        self.hero_created = False
        self.fields["body"].widget.article = self.instance
        self.fields["change_note"].initial = pending_change_note(self.instance)

    def clean_hero_upload(self):
        upload = self.cleaned_data.get("hero_upload")
        if upload is not None:
            self.hero_prepared = images.prepare_image(upload, upload.name)
        return upload

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("hero_remove"):
            if self.hero_prepared is not None:
                self.add_error("hero_remove", gettext("Upload a new image or remove it, not both."))
            else:
                self.instance.hero_image = None
                # Alt text describes one picture; it must not carry over to the next one.
                cleaned["hero_alt"], cleaned["hero_decorative"] = "", False
        elif self.hero_prepared is not None:
            # Not stored yet, but the model's alt-text rule (Article.clean) must see it.
            prepared = self.hero_prepared
            self.instance.hero_image = Image(
                original_name=prepared.name,
                format=prepared.format,
                width=prepared.original.width,
                height=prepared.original.height,
            )
        return cleaned

    def save(self, commit=True):
        """As ModelForm.save; with commit=False the caller stores the new hero image with
        `store_hero_image()` before saving the article (as it calls `save_m2m()` after)."""
        if commit:
            self.store_hero_image()
        return super().save(commit)

    def store_hero_image(self) -> None:
        """Store the uploaded image through the pipeline and put it on the article."""
        if self.hero_prepared is not None:
            self.instance.hero_image, self.hero_created = images.save_prepared(self.hero_prepared)
            self.hero_prepared = None

    def discard_new_hero_image(self) -> None:
        """The save was refused after the image was stored, and its row rolls back with the
        save: delete the files stored for it (never those of an image that already existed)."""
        if self.hero_created:
            images.delete_files(self.instance.hero_image.stored_names())
            self.hero_created = False


class PromptForm(ReviewedContentForm):
    body = prose_field(PROMPT_EXTENSIONS)

    class Meta:
        model = Prompt
        fields = ["name", "kind", "headline", "body", "button_label", "disclosure_label"]


# --- Transition forms -----------------------------------------------------------------------
#
# Each collects the input of one engine function; `engine_kwargs()` is what is passed to it.
# Required-ness is left to the engine where it has a rule (a comment to request changes, a
# go-live time to schedule), so the person sees the engine's own explanation.


class TransitionForm(forms.Form):
    def __init__(self, *args, content=None, user=None, session=None, **kwargs):
        self.content = content
        self.user = user
        super().__init__(*args, **kwargs)

    def engine_kwargs(self) -> dict:
        return dict(self.cleaned_data)


def _datetime_input():
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ApproveForm(TransitionForm):
    """An electronic signature over a stated meaning, by the reviewer's own password and
    authenticator code, and user name on the first signature of the session
    (`articles.signing`, checked by the engine).

    `revision` and `content_hash` record what the page showed. The engine refuses to sign if the
    content moved on since, so nobody signs a revision they were not shown.
    """

    revision = forms.IntegerField(widget=forms.HiddenInput)
    content_hash = forms.CharField(widget=forms.HiddenInput, max_length=64)
    username = forms.CharField(
        label=_("Your user name"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "username", "required": True}),
        help_text=_("Your first signature in this session asks for your user name too."),
    )
    password = forms.CharField(
        label=_("Your password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "required": True}),
        help_text=_("Re-entering your password makes this approval your electronic signature."),
    )
    otp_token = forms.CharField(
        label=_("Authenticator code"),
        required=False,
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "required": True}
        ),
        help_text=_("The 6-digit code your authenticator app shows now."),
    )
    comment = forms.CharField(
        label=_("Comment (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, session=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session
        revision = self.content.latest_revision
        self.fields["revision"].initial = revision.number if revision else None
        self.fields["content_hash"].initial = revision.content_hash if revision else ""
        if not signing.needs_user_name(self.user, session):
            del self.fields["username"]
        self.meaning = settings.SIGNATURE_MEANING
        self.signer_name = display_name(self.user)
        self.signer_credentials = credentials(self.user)
        try:
            signing.check_ready(self.user)
        except signing.SignerRefused as refusal:
            self.not_ready = str(refusal).replace(" Nothing was signed.", "")
        else:
            self.not_ready = ""

    def engine_kwargs(self) -> dict:
        return {
            "username": self.cleaned_data.get("username"),
            "password": self.cleaned_data["password"],
            "otp_token": self.cleaned_data["otp_token"],
            "session": self.session,
            "comment": self.cleaned_data["comment"],
            "expected_hash": self.cleaned_data["content_hash"],
        }


class RequestChangesForm(TransitionForm):
    comment = forms.CharField(
        label=_("What needs to change"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "required": True}),
        help_text=_("Required. The writer receives this comment."),
    )


class ScheduleForm(TransitionForm):
    go_live_at = forms.DateTimeField(
        label=_("Go live at"),
        required=False,
        widget=_datetime_input(),
        help_text=_("When the approved revision goes on the public site."),
    )
    expire_at = forms.DateTimeField(
        label=_("Take down at (optional)"),
        required=False,
        widget=_datetime_input(),
        help_text=_("Leave empty to keep it up until it is unpublished."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.content.live_revision_id is not None and self.content.state == "published":
            # Already live: only the expiry can be scheduled.
            del self.fields["go_live_at"]
        else:
            self.fields["go_live_at"].initial = self.content.scheduled_at
        self.fields["expire_at"].initial = self.content.expire_at

    def engine_kwargs(self) -> dict:
        return {
            "go_live_at": self.cleaned_data.get("go_live_at"),
            "expire_at": self.cleaned_data.get("expire_at"),
        }


class UnpublishForm(TransitionForm):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Recorded in the audit trail."),
    )


class PublishForm(TransitionForm):
    """Nothing to type: publishing is confirmed on its own page, with the revision and its hash
    shown, because it puts the content in front of the public."""


class AssignForm(TransitionForm):
    owner = forms.ModelChoiceField(
        label=_("Writer"),
        queryset=users_with_role(Role.WRITER).select_related("profile").order_by("username"),
        help_text=_("They will be able to edit it and submit it for review."),
    )


class AssignReviewerForm(TransitionForm):
    reviewer = forms.ModelChoiceField(
        label=_("Medical reviewer"),
        queryset=users_with_role(Role.REVIEWER).select_related("profile").order_by("username"),
        help_text=_(
            "They are emailed, and see it under “Assigned to me”.",
        ),
    )
    due_at = forms.DateTimeField(
        label=_("Review due by"),
        required=False,
        widget=_datetime_input(),
        help_text=_("Past this time it is listed as overdue."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].initial = self.content.reviewer_id
        self.fields["due_at"].initial = self.content.review_due_at

    def engine_kwargs(self) -> dict:
        return {"reviewer": self.cleaned_data["reviewer"], "due_at": self.cleaned_data["due_at"]}


class ComplianceApproveForm(ApproveForm):
    """The compliance reviewer's signature: the same proof of identity as a medical approval,
    over its own statement."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.meaning = settings.COMPLIANCE_SIGNATURE_MEANING


TRANSITION_FORMS: dict[str, type[TransitionForm]] = {
    "approve": ApproveForm,
    "request_changes": RequestChangesForm,
    "schedule": ScheduleForm,
    "publish": PublishForm,
    "republish": PublishForm,
    "unpublish": UnpublishForm,
    "assign": AssignForm,
    "assign_reviewer": AssignReviewerForm,
    "approve_compliance": ComplianceApproveForm,
}
