"""The product's own error pages in DEBUG mode too.

With DEBUG on (the embedded demo, `make run`), Django answers a missing page with its
technical 404, which lists every URL pattern, and an error with a traceback page. A signed-in
user following a link to something out of scope must see the product's 404 like anywhere else,
so this middleware renders the project's handlers instead. TECHNICAL_ERROR_PAGES=1 turns
Django's debug pages back on for a developer. Without DEBUG it does nothing: Django already
uses the project's handlers.
"""

import logging

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.urls import Resolver404, get_resolver
from django.views import defaults

from csrplatform import views
from csrplatform.unavailable import database_unreachable

logger = logging.getLogger("django.request")


class ProductErrorPagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def active():
        return settings.DEBUG and not getattr(settings, "TECHNICAL_ERROR_PAGES", False)

    def __call__(self, request):
        if self.active():
            # A path no route matches never reaches a view, so it is answered here, before
            # Django's resolver turns it into the technical 404.
            try:
                get_resolver(getattr(request, "urlconf", None)).resolve(request.path_info)
            except Resolver404 as exc:
                return views.page_not_found(request, exc)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not self.active():
            return None
        if isinstance(exception, Http404):
            return views.page_not_found(request, exception)
        if request.path.startswith("/api/") or not isinstance(exception, Exception):
            return None
        if isinstance(exception, (PermissionDenied, SuspiciousOperation, BadRequest)):
            return None  # Django answers these with the project's 403 and 400 pages already
        if database_unreachable(exception):
            return None  # a 503 (csrplatform.unavailable), under DEBUG too
        logger.exception("Internal Server Error: %s", request.path, extra={"request": request})
        return defaults.server_error(request)
