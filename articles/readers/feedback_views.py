"""The "Report a problem with this page" form and its thank-you page.

Never cached and CSRF-protected: the article page itself is pre-rendered for everyone, so it only
links here. Anything not published answers 404."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_safe

from articles.models import Article
from articles.readers import feedback
from articles.readers.feedback_forms import ReportProblemForm
from articles.readers.protection import allow, is_bot
from articles.readers.views import rate_limited

RATE_LIMIT_ACTION = "feedback"


def _live_or_404(slug: str) -> Article:
    article = feedback.live_article(slug)
    if article is None:
        raise Http404("No published article has this address.")
    return article


def _form_page(
    request: HttpRequest, article: Article, form: ReportProblemForm, refusal: str = ""
) -> HttpResponse:
    return render(
        request,
        "readers/feedback_form.html",
        {"article": article, "form": form, "refusal": refusal},
    )


@sensitive_post_parameters()
@never_cache
@csrf_protect
@require_http_methods(["GET", "HEAD", "POST"])
def report_problem(request: HttpRequest, slug: str) -> HttpResponse:
    article = _live_or_404(slug)
    if request.method != "POST":
        form = ReportProblemForm(initial={"revision": article.live_number})
        return _form_page(request, article, form)
    form = ReportProblemForm(request.POST)
    if is_bot(form):
        # Answer as if it had worked: a bot learns nothing, and nothing is stored.
        return redirect("readers:report_thanks", slug=article.live_slug)
    if not form.is_valid():
        return _form_page(request, article, form)
    # Only a report that would be stored counts: a reader correcting the form is not held back.
    if not allow(request, RATE_LIMIT_ACTION):
        return rate_limited(request)
    data = form.cleaned_data
    try:
        feedback.report_problem(article, data["revision"], data["kind"], data["message"])
    except feedback.PageChanged as refusal:
        # Keep what they wrote; the form now carries the new version's number.
        form = ReportProblemForm({**request.POST.dict(), "revision": article.live_number})
        return _form_page(request, article, form, refusal=str(refusal))
    except feedback.NotLive as refusal:
        raise Http404(str(refusal)) from refusal
    return redirect("readers:report_thanks", slug=article.live_slug)


@never_cache
@require_safe
def report_thanks(request: HttpRequest, slug: str) -> HttpResponse:
    return render(request, "readers/feedback_thanks.html", {"article": _live_or_404(slug)})
