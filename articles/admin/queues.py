"""Role-aware work queues: the changelist's "Queue" filter and the workspace on the admin index.

Each queue is one of the selections in `articles.models.reviewed.ReviewedContentQuerySet`; this
module only names them, says whose they are, and orders them for the person working through them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import admin
from django.db.models import F, QuerySet, Value
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext, gettext_lazy

from articles.roles import Role, roles_of

PARAM = "queue"
ALL = "all"


@dataclass(frozen=True)
class Queue:
    key: str
    label: str
    role: Role
    select: Callable[[QuerySet, object], QuerySet]
    ordering: tuple[str, ...] = ()


QUEUES: tuple[Queue, ...] = (
    Queue("drafts", gettext_lazy("My drafts"), Role.WRITER, lambda qs, user: qs.drafts_of(user)),
    Queue(
        "changes",
        gettext_lazy("Changes requested of me"),
        Role.WRITER,
        lambda qs, user: qs.changes_requested_of(user),
    ),
    # Reviewers work oldest first: whoever submitted first has waited longest.
    Queue(
        "review",
        gettext_lazy("Awaiting review"),
        Role.REVIEWER,
        lambda qs, user: qs.awaiting_review(),
        ("submitted_at", "pk"),
    ),
    Queue(
        "assigned",
        gettext_lazy("Assigned to me"),
        Role.REVIEWER,
        lambda qs, user: qs.assigned_to(user),
        ("submitted_at", "pk"),
    ),
    Queue(
        "approved",
        gettext_lazy("Approved, waiting to be published"),
        Role.EDITOR,
        lambda qs, user: qs.approved_waiting(),
        ("updated_at", "pk"),
    ),
    Queue(
        "scheduled",
        gettext_lazy("Scheduled"),
        Role.EDITOR,
        lambda qs, user: qs.scheduled(),
        ("scheduled_at", "pk"),
    ),
    Queue(
        "overdue",
        gettext_lazy("Review overdue"),
        Role.EDITOR,
        lambda qs, user: qs.review_overdue(),
        ("live_signature__valid_until", "pk"),
    ),
    Queue(
        "late",
        gettext_lazy("Review past its due date"),
        Role.EDITOR,
        lambda qs, user: qs.review_late(),
        ("review_due_at", "pk"),
    ),
)
BY_KEY = {queue.key: queue for queue in QUEUES}


def queues_for(user) -> list[Queue]:
    held = roles_of(user)
    return [queue for queue in QUEUES if queue.role in held]


def default_queue(user) -> str:
    """The first queue of the person's roles: what they most likely came to work on."""
    mine = queues_for(user)
    return mine[0].key if mine else ALL


def active_queue(request, asked: str | None = None) -> str:
    """The queue the changelist shows: the one asked for if it is the person's, else their
    default."""
    asked = request.GET.get(PARAM) if asked is None else asked
    if asked == ALL or asked in {queue.key for queue in queues_for(request.user)}:
        return asked
    return default_queue(request.user)


class QueueFilter(admin.SimpleListFilter):
    """The "Queue" filter. Without a choice in the URL it shows the person's default queue, so
    "All" is an explicit choice (`?queue=all`) rather than the absence of one."""

    title = gettext_lazy("queue")
    parameter_name = PARAM

    def __init__(self, request, params, model, model_admin):
        self.request = request
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        everything = model_admin.sees_everything(request.user)
        all_label = gettext("All") if everything else gettext("All of mine")
        return [(queue.key, queue.label) for queue in queues_for(request.user)] + [(ALL, all_label)]

    def has_output(self) -> bool:
        return True

    def value(self) -> str:
        return active_queue(self.request, self.used_parameters.get(self.parameter_name))

    def get_facet_counts(self, pk_attname, filtered_qs):
        return {}  # the workspace on the index counts the queues; "Show counts" skips them

    def choices(self, changelist):
        current = self.value()
        for key, label in self.lookup_choices:
            yield {
                "selected": current == key,
                "query_string": changelist.get_query_string({PARAM: key}),
                "display": label,
            }

    def queryset(self, request, queryset):
        queue = BY_KEY.get(self.value())
        return queue.select(queryset, request.user) if queue else queryset


def workspace(request, site) -> list[dict]:
    """The person's queues for each kind of reviewed content they may see, with counts and
    links: one COUNT query per queue."""
    from articles.models import Article, Prompt

    queues = queues_for(request.user)
    sections = []
    for model in (Article, Prompt):
        model_admin = site._registry.get(model)
        if not queues or model_admin is None or not model_admin.has_view_permission(request):
            continue
        changelist = reverse(
            f"{site.name}:{model._meta.app_label}_{model._meta.model_name}_changelist"
        )
        base = model_admin.get_queryset(request).order_by()
        sections.append(
            {
                "title": model._meta.verbose_name_plural.capitalize(),
                "queues": [
                    {
                        "label": queue.label,
                        "count": queue.select(base, request.user).count(),
                        "url": f"{changelist}?{urlencode({PARAM: queue.key})}",
                    }
                    for queue in queues
                ],
            }
        )
    return sections


MISSED_SCHEDULE = gettext_lazy(
    "The time it was scheduled to go live has passed and it is not published: either the "
    "scheduled jobs are not running (tell whoever runs this site), or publishing it was refused "
    "(open it to see the publication gate)."
)


def missed_schedules(request, site) -> list[dict]:
    """Scheduled content that should be live by now and is not, for the people who schedule
    (editors) and run the site (admins); one query for articles and prompts together."""
    from articles.models import Article, Prompt

    if not roles_of(request.user) & {Role.EDITOR, Role.ADMIN}:
        return []
    late = (
        Article.objects.schedule_missed()
        .annotate(kind_name=Value("article"), label=F("title"))
        .values_list("kind_name", "pk", "label", "scheduled_at")
        .order_by()
        .union(
            Prompt.objects.schedule_missed()
            .annotate(kind_name=Value("prompt"), label=F("name"))
            .values_list("kind_name", "pk", "label", "scheduled_at")
            .order_by()
        )
        .order_by("scheduled_at")[:20]
    )
    return [
        {
            "title": label,
            "scheduled_at": scheduled_at,
            "url": reverse(f"{site.name}:articles_{kind}_change", args=[pk]),
        }
        for kind, pk, label, scheduled_at in late
    ]


def report_links(request) -> list[dict]:
    """The reports, for editors and admins (articles.reports)."""
    from articles import reports

    if not reports.may_see(request.user):
        return []
    return [
        {"title": r.title, "url": reverse("report", args=[r.key])} for r in reports.REPORTS.values()
    ]


def install_workspace(site) -> None:
    """Put the person's queues on the admin index. The site is configured in config/urls.py;
    this only adds `workspace_queues` to its index page's context."""
    if getattr(site.index, "vetted_workspace", False):
        return
    original = site.index

    def index(request, extra_context=None):
        context = {
            "workspace_queues": workspace(request, site),
            "missed_schedules": missed_schedules(request, site),
            "missed_schedule_note": MISSED_SCHEDULE,
            "reports": report_links(request),
            **(extra_context or {}),
        }
        return original(request, extra_context=context)

    index.vetted_workspace = True
    site.index = index
