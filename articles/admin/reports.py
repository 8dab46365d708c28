"""The report screens and their CSV exports (articles.reports decides who may see them)."""

from __future__ import annotations

import csv

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from articles import reports
from articles.admin.reviewed import _csv_cell


def _report(request: HttpRequest, key: str) -> reports.Report:
    if not reports.may_see(request.user):
        raise PermissionDenied
    report = reports.REPORTS.get(key)
    if report is None:
        raise Http404("No such report.")
    return report


def _refused(request: HttpRequest) -> TemplateResponse:
    context = {**admin.site.each_context(request), "title": "Reports", "refused": True}
    return TemplateResponse(request, "admin/articles/report.html", context, status=403)


def report_view(request: HttpRequest, key: str = "overdue") -> TemplateResponse:
    if not reports.may_see(request.user):
        return _refused(request)
    report = _report(request, key)
    context = {
        **admin.site.each_context(request),
        "title": report.title,
        "report": report,
        "rows": report.rows(timezone.now()),
        "reports": [
            {"title": r.title, "url": reverse("report", args=[r.key]), "current": r.key == key}
            for r in reports.REPORTS.values()
        ],
        "csv_url": reverse("report_csv", args=[key]),
    }
    return TemplateResponse(request, "admin/articles/report.html", context)


def report_csv(request: HttpRequest, key: str) -> HttpResponse:
    report = _report(request, key)
    now = timezone.now()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="vetted-{report.key}-{now:%Y-%m-%d}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(report.columns)
    for row in report.rows(now):
        writer.writerow(_csv_cell(cell) for cell in row.cells)
    return response


urlpatterns = [
    path("reports/", admin.site.admin_view(report_view), name="reports"),
    path("reports/<slug:key>/", admin.site.admin_view(report_view), name="report"),
    path("reports/<slug:key>.csv", admin.site.admin_view(report_csv), name="report_csv"),
]
