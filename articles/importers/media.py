"""The images a WordPress export refers to, read from a copy of its `wp-content/uploads` folder
(`import_posts --media-dir DIR`) and stored through the image pipeline (`articles.images`).

Nothing is ever fetched: an image that is not in the folder, or not from the site's uploads at
all, is listed in the report and the post is imported without it. A path that leads outside the
folder (`../../etc/passwd`, an absolute path, a link pointing elsewhere) is refused. The
pipeline's storage writes are not part of the database transaction, so the files of images this
import created are deleted again when it rolls back (a dry run, or a failure).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from articles.images import ImageRefused, delete_files, picture, store_image
from articles.importers.wxr import UPLOADS, ImageRef, WxrAttachment, WxrFile
from articles.models import Image

_SIZED = re.compile(r"-\d+x\d+(?=\.[A-Za-z0-9]+$)")  # knee-300x200.jpg: a copy WordPress resized
NOT_GIVEN = (
    "not imported: no --media-dir was given, so the page shows no picture until one is uploaded"
)


@dataclass
class MediaNote:
    """An image the import could not bring in, and why: once per file, naming every post that
    shows it (`post` is the first)."""

    file: str
    post: str
    reason: str
    posts: list[str] = field(default_factory=list)


class MediaLibrary:
    def __init__(self, root: Path | None, export: WxrFile) -> None:
        self.root = root.resolve() if root is not None else None
        self.attachments = export.attachments
        self.attachment_urls = export.attachment_urls
        self.found: dict[str, Image | str] = {}  # by relative path: the image, or why not
        self.created: list[Image] = []
        self.notes: list[MediaNote] = []

    # --- Where a file is ---

    def _relative(self, url: str, attachment_id: str) -> str | None:
        """The file's path under the uploads folder: the attachment the address or the image's
        class names (its full-size original), else the address's own path under uploads."""
        original_url = _SIZED.sub("", url)
        for post_id in (
            self.attachment_urls.get(url),
            attachment_id,
            self.attachment_urls.get(original_url),
        ):
            attachment = self.attachments.get(post_id or "")
            if attachment is not None and (relative := _attachment_path(attachment)):
                return relative
        path = unquote(urlsplit(url).path)
        if UPLOADS in path:
            return path.split(UPLOADS, 1)[1]
        return None

    def _image(self, root: Path, relative: str) -> Image | str:
        """The stored image for a file under the folder, or why there is none."""
        if relative in self.found:
            return self.found[relative]
        try:
            path = (root / relative).resolve()
            if not path.is_relative_to(root):
                result: Image | str = "refused: the path leads outside the media folder"
            elif not path.is_file():
                result = "missing: the file is not in the media folder"
            else:
                with path.open("rb") as file:
                    image, created = store_image(file, path.name)
                if created:
                    self.created.append(image)
                result = image
        except ImageRefused as refused:
            result = f"refused: {refused.messages[0]}"
        except (OSError, ValueError) as error:
            result = f"unreadable: {getattr(error, 'strerror', None) or error}"
        self.found[relative] = result
        return result

    def _note(self, file: str, post: str, reason: str) -> None:
        # A picture missing from fifty posts is one thing to fix: told once, with its posts.
        note = next((n for n in self.notes if n.file == file), None)
        if note is None:
            self.notes.append(MediaNote(file, post, reason, [post]))
        elif post not in note.posts:
            note.posts.append(post)

    def _lookup(self, relative: str | None, shown: str, post: str) -> Image | None:
        if self.root is None:
            self._note(shown, post, NOT_GIVEN)
            return None
        if relative is None:
            self._note(
                shown, post, "not imported: it is not in the site's uploads; nothing is fetched"
            )
            return None
        found = self._image(self.root, relative)
        if isinstance(found, str):
            self._note(relative, post, found)
            return None
        return found

    # --- What the loader asks ---

    def src(self, ref: ImageRef, post: str) -> str | None:
        """The address an <img> gets (the stored image's), or None when the image was not
        brought in: the loader then removes the <img>, which would otherwise be an image with
        no picture and, usually, no alt text."""
        if not ref.url and not ref.attachment_id:
            return None
        image = self._lookup(self._relative(ref.url, ref.attachment_id), ref.url, post)
        if image is None:
            return None
        return picture({**image.snapshot(), "alt": "", "decorative": False}).src

    def featured(self, attachment_id: str, post: str) -> tuple[Image | None, str]:
        """The hero image and its alt text for a `_thumbnail_id`."""
        attachment = self.attachments.get(attachment_id)
        if attachment is None:
            reason = "missing: the featured image's attachment is not in the export"
            self._note(f"attachment {attachment_id}", post, reason)
            return None, ""
        relative = _attachment_path(attachment) or self._relative(attachment.url, "")
        return self._lookup(relative, attachment.url, post), attachment.alt

    def discard(self) -> None:
        """Delete the files of the images this import stored: the transaction that made their
        rows was rolled back."""
        delete_files(name for image in self.created for name in image.stored_names())
        self.created = []


def _attachment_path(attachment: WxrAttachment) -> str:
    if attachment.file:
        return attachment.file
    path = unquote(urlsplit(attachment.url).path)
    return path.split(UPLOADS, 1)[1] if UPLOADS in path else ""
