"""Signals the workflow engine sends, so that what depends on the public site (the pre-rendered
page, the page cache, the CDN, the search index) follows it without the engine knowing about
them."""

from django.dispatch import Signal

# Sent inside the transaction that changes what the public sees: publish (revision is the new live
# revision) and unpublish or expiry (revision is None). Arguments: sender (the model class),
# instance (the article or prompt), revision, replaced (the id of the revision that was live
# before, or None). A receiver that raises rolls the change back.
live_changed = Signal()

# Sent inside `workflow.save_revision`, under the content's row lock, once a new revision is the
# latest. Arguments: sender (the model class), instance, revision. Review comments follow their
# passages into it (`articles.comments.follow`).
revision_saved = Signal()
