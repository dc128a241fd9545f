"""Placeholder replaced by the import feature (findings import page and its template)."""

from django.http import Http404


def findings_import(request):
    raise Http404


def findings_template(request, fmt):
    raise Http404
