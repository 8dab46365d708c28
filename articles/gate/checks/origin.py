"""`protected-origin`: content imported from a password-protected WordPress post.

Its author meant only some readers to see it (a members' page, a draft shared with a password,
something a patient was given privately). The password is not imported, so publishing it would
make it public to everyone. The finding is a blocker that a medical reviewer who did not write
the content may override with a reason ("written for the public, the password only kept it from
search engines"), recorded like a claim's override; the override lasts for the article.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext

from articles.gate.core import Finding, Severity, Subject, check

# What the override is keyed to: the flag, not a sentence, so it lasts across edits.
PROTECTED = "Password-protected on the old site"


@check
def protected_origin(subject: Subject) -> Iterator[Finding]:
    if not getattr(subject.obj, "origin_password_protected", False):
        return
    yield Finding(
        "protected-origin",
        Severity.BLOCKER,
        gettext(
            "This was a password-protected post on the old site, so its author meant only some "
            "readers to see it. A medical reviewer must decide it may be public and record why "
            "(override this finding), or it stays unpublished."
        ),
        "title",
        excerpt=PROTECTED,
        overridable=True,
    )
