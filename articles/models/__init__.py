"""What the data is. Selection lives in the querysets; behaviour lives in the domain modules
(`articles.workflow`, `articles.audit`, `articles.sanitize`). The audit trail's models, what
readers send and the records about staff accounts have apps of their own
(`articles.audit.models`, `articles.readers.models`, `articles.accounts.models`)."""

from articles.models.comments import Comment, CommentReply
from articles.models.content import (
    Article,
    ArticleKind,
    ArticleSlug,
    AuthorProfile,
    Citation,
    Placement,
    Prompt,
    PromptKind,
    Topic,
)
from articles.models.gate import GateOverride
from articles.models.images import Image
from articles.models.jobs import JobsRun
from articles.models.reviewed import ReviewedContent, State
from articles.models.revisions import Rendering, Revision, Signature, SignatureRole
from articles.models.search import SearchEntry

__all__ = [
    "Article",
    "ArticleKind",
    "ArticleSlug",
    "AuthorProfile",
    "Citation",
    "Comment",
    "CommentReply",
    "GateOverride",
    "Image",
    "JobsRun",
    "Placement",
    "Prompt",
    "PromptKind",
    "Rendering",
    "ReviewedContent",
    "Revision",
    "SearchEntry",
    "Signature",
    "SignatureRole",
    "State",
    "Topic",
]
