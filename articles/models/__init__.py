"""What the data is. Selection lives in the querysets; behaviour lives in the domain modules
(`articles.workflow`, `articles.audit`, `articles.sanitize`)."""

from articles.models.audit import AuditEvent, AuditHead
from articles.models.content import (
    Article,
    ArticleKind,
    AuthorProfile,
    Citation,
    Placement,
    Prompt,
    PromptKind,
    Topic,
)
from articles.models.gate import GateOverride
from articles.models.images import Image
from articles.models.reviewed import ReviewedContent, State
from articles.models.revisions import Rendering, Revision, Signature

__all__ = [
    "Article",
    "ArticleKind",
    "AuditEvent",
    "AuditHead",
    "AuthorProfile",
    "Citation",
    "GateOverride",
    "Image",
    "Placement",
    "Prompt",
    "PromptKind",
    "Rendering",
    "ReviewedContent",
    "Revision",
    "Signature",
    "State",
    "Topic",
]
