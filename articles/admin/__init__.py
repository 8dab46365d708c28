"""The staff workspace: Django's admin, configured for Vetted.

- `reviewed`: the mixin every reviewed-content admin shares (engine-backed saving, transition
  buttons and confirmation pages, revision and audit history, signature export).
- `content`: articles (with their prompt placements), prompts, topics.
- `queues`: the role-aware "Queue" filter and the workspace on the admin index.
- `readers`: information requests, newsletter subscriptions and consent wordings (Admin role).
- `records`: the read-only audit trail; `history`: the audit trail as the History of what it
  records (no Django LogEntry for those admins).
- `sources`: evidence's source admin, with the audit trail as its history.
- `users`: users, their roles (groups) and public profiles.
"""

from django.contrib import admin

from articles.admin import (  # noqa: F401 - registers the model admins
    content,
    feedback,
    readers,
    records,
    sources,
    users,
)
from articles.admin.queues import install_workspace

install_workspace(admin.site)
