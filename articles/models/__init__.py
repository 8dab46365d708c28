"""What the data is. Selection lives in the querysets; behaviour lives in the domain modules
(`articles.workflow`, `articles.audit`, `articles.sanitize`)."""

from articles.models.accounts import (
    AccountChange,
    EmailKind,
    EmailOptOut,
    FactorReset,
    SignerCertification,
)
from articles.models.audit import AuditEvent, AuditHead
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
from articles.models.readers import (
    ConsentPurpose,
    ConsentText,
    Feedback,
    FeedbackKind,
    FeedbackStatus,
    InformationRequest,
    NewsletterSubscription,
    RequestStatus,
)
from articles.models.reviewed import ReviewedContent, State
from articles.models.revisions import Rendering, Revision, Signature, SignatureRole
from articles.models.search import SearchEntry

__all__ = [
    "AccountChange",
    "Article",
    "ArticleKind",
    "ArticleSlug",
    "AuditEvent",
    "AuditHead",
    "AuthorProfile",
    "Citation",
    "Comment",
    "CommentReply",
    "ConsentPurpose",
    "ConsentText",
    "EmailKind",
    "EmailOptOut",
    "FactorReset",
    "Feedback",
    "FeedbackKind",
    "FeedbackStatus",
    "GateOverride",
    "Image",
    "InformationRequest",
    "JobsRun",
    "NewsletterSubscription",
    "Placement",
    "Prompt",
    "PromptKind",
    "Rendering",
    "RequestStatus",
    "ReviewedContent",
    "Revision",
    "SearchEntry",
    "Signature",
    "SignatureRole",
    "SignerCertification",
    "State",
    "Topic",
]
