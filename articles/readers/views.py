"""The reader form pages: information requests and the newsletter.

Thin: the domain modules decide. Every page here is per request (a CSRF token, a reader's
answers), so none is ever cached, and none loads anything from another site. Article pages only
link here: they are rendered once for everyone and must not carry a form.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from articles.readers import information_requests, newsletter, protection
from articles.readers.forms import InformationRequestForm, NewsletterForm
from articles.readers.protection import RATE_WINDOW_SECONDS

reader_page = require_http_methods(["GET", "HEAD", "POST"])


def rate_limited(request: HttpRequest) -> HttpResponse:
    response = render(
        request,
        "readers/rate_limited.html",
        {"limit": settings.READER_RATE_LIMIT},
        status=429,
    )
    response["Retry-After"] = str(RATE_WINDOW_SECONDS)
    return response


@sensitive_post_parameters()
@never_cache
@csrf_protect
@reader_page
def information_request(request: HttpRequest, prompt_id: int) -> HttpResponse:
    prompt = information_requests.requestable_prompt(prompt_id)
    if prompt is None:
        raise Http404("There is no such offer on this site.")
    article = information_requests.placing_article(prompt, request.GET.get("from", ""))
    form = InformationRequestForm()
    if request.method == "POST":
        if not protection.allow(request, "information_request"):
            return rate_limited(request)
        form = InformationRequestForm(request.POST)
        if protection.is_bot(form):
            return redirect("readers:request_thanks")
        if form.is_valid():
            information_requests.submit(prompt, article, **form.details())
            return redirect("readers:request_thanks")
    return render(
        request,
        "readers/request_form.html",
        {"form": form, "prompt": prompt.live_revision.content, "article": article},
    )


@never_cache
@reader_page
def request_thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "readers/request_thanks.html")


@sensitive_post_parameters()
@never_cache
@csrf_protect
@reader_page
def newsletter_sign_up(request: HttpRequest) -> HttpResponse:
    prompt = newsletter.newsletter_prompt(request.GET.get("prompt"))
    form = NewsletterForm()
    if request.method == "POST":
        if not protection.allow(request, "newsletter"):
            return rate_limited(request)
        form = NewsletterForm(request.POST)
        if protection.is_bot(form):
            return redirect("readers:newsletter_check_email")
        if form.is_valid():
            newsletter.sign_up(form.cleaned_data["email"], prompt)
            return redirect("readers:newsletter_check_email")
    return render(
        request,
        "readers/newsletter_form.html",
        {"form": form, "prompt": prompt.live_revision.content if prompt else None},
    )


@never_cache
@reader_page
def newsletter_check_email(request: HttpRequest) -> HttpResponse:
    return render(
        request, "readers/newsletter_check_email.html", {"hours": settings.NEWSLETTER_CONFIRM_HOURS}
    )


def invalid_link(request: HttpRequest, error: newsletter.InvalidLink) -> HttpResponse:
    return render(
        request, "readers/newsletter_invalid_link.html", {"reason": error.reason}, status=400
    )


@never_cache
@csrf_protect
@reader_page
def newsletter_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Confirming takes a press of a button: mail scanners that follow every link in a message
    must not subscribe anyone."""
    try:
        subscription = newsletter.subscription_to_confirm(token)
    except newsletter.InvalidLink as error:
        return invalid_link(request, error)
    if request.method == "POST":
        newsletter.confirm(subscription)
        return render(request, "readers/newsletter_confirmed.html")
    return render(request, "readers/newsletter_confirm.html")


@never_cache
@csrf_protect
@reader_page
def newsletter_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Like confirming, a button, so a scanner following the link unsubscribes nobody. A link
    whose subscription has already ended says so plainly."""
    try:
        subscription = newsletter.subscription_to_end(token)
    except newsletter.InvalidLink as error:
        if error.reason == "gone":
            return render(request, "readers/newsletter_unsubscribed.html")
        return invalid_link(request, error)
    if request.method == "POST":
        newsletter.unsubscribe(subscription)
        return render(request, "readers/newsletter_unsubscribed.html")
    return render(request, "readers/newsletter_unsubscribe.html")
